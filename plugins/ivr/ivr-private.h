/* The ivr plugin: its state, and the sessions that run flows on calls.
 * See README.md. Main thread only. */
#pragma once

#include "flow.h"
#include "http.h"
#include "say.h"

#include <omnicc/omnicc.h>

typedef struct _Ivr Ivr;
typedef struct _IvrSession IvrSession;

struct _Ivr {
  OccPlugin *plugin;
  OccIvrService service;
  const OccVoiceService *voice;
  const OccMediaService *media;
  IvrFlowSet *flows;
  char **flow_dirs;
  char **prompt_dirs;
  char *moh;          /* the prompt name of music on hold */
  char *messages_dir; /* call-back voice messages */
  char *country;      /* calling code for numbers without one ("225"), or NULL */
  guint max_sessions;
  GHashTable *site_vars; /* [variables] of ivr.conf: name → value */
  GHashTable *sessions;  /* interaction id → IvrSession */
  IvrHttp *http;
  guint64 started, ended;
  GHashTable *how; /* how sessions ended: name → count (GUINT_TO_POINTER) */
};

/* The records service, or NULL (call-backs, surveys and variables are
 * written through it). */
static inline const OccRecordsService *
ivr_records (Ivr *ivr)
{
  return occ_service_lookup (ivr->plugin, OCC_RECORDS_SERVICE, OCC_RECORDS_VERSION, NULL);
}

/* session.c */
gboolean ivr_session_start (Ivr *ivr, const char *id, const char *flow, GVariant *call,
                            GError **error);
void ivr_session_free (IvrSession *s);
void ivr_session_dtmf (IvrSession *s, const char *digit);
void ivr_session_left (IvrSession *s, const char *queue, const char *reason);
void ivr_session_connected (IvrSession *s, const char *agent);
void ivr_session_ended (IvrSession *s, const char *reason);
/* a{sv} describing a session, for ivr.sessions */
GVariant *ivr_session_describe (IvrSession *s);

/* Finds prompt @name in @lang: the first of the prompt folders that has
 * LANG/NAME.wav or .ogg (transfer full), or NULL. */
char *ivr_prompt_path (Ivr *ivr, const char *lang, const char *name);

/* callback.c — call-back tasks: the control commands */
gboolean ivr_callback_commands (Ivr *ivr, GError **error);
/* An E.164 form of @number (+ and digits), with the site's country for
 * national numbers; NULL if it cannot be one. */
char *ivr_e164 (Ivr *ivr, const char *number);
