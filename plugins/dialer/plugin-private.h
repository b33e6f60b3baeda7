/* dialer: what the plugin's files share — the plugin's state and the
 * helpers every command uses (plugin.c), for the campaign runs
 * (run-commands.c, runner.c). Main thread only. */
#pragma once

#include <omnicc/audit.h>
#include <omnicc/control.h>
#include <omnicc/plugin.h>
#include <omnicc/store.h>

typedef struct {
  gint ref;
  OccPlugin *plugin; /* NULL once unloaded */
  const OccStoreService *store;
  const OccAuditService *audit;
  char *country;       /* default country of imported numbers */
  GHashTable *imports; /* campaign id → Import* running */
  GHashTable *runners; /* campaign id → Runner* started (NULL while it loads) */
  GHashTable *agents;  /* login → the ACD's last agent.state name (char *) */
  guint subscriptions[5];
} Dialer;

Dialer *dialer_ref (Dialer *d);
void dialer_unref (Dialer *d);

/* Writes an audit entry (takes @details, may be NULL); @call NULL: by the
 * system. */
void dialer_audit (Dialer *d, OccControlCall *call, const char *action, const char *target,
                   const char *result, GVariant *details);
/* A BAD_REQUEST error with the message given (transfer full). */
GError *dialer_bad_request (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* The non-empty string argument @key, or NULL. */
const char *dialer_arg_string (GVariant *args, const char *key);
/* Runs @sts and answers @call with @shape (results, @data), or with the
 * store's error prefixed by @what. */
void dialer_ask (Dialer *d, OccControlCall *call, const char *what, const OccStoreStatement *sts,
                 guint n, OccStoreFlags flags, GVariant *(*shape) (GPtrArray *, gpointer),
                 gpointer data, GDestroyNotify free_data);

/* A store callback that only logs a failure to write @data (a static
 * string naming what was written). */
void dialer_store_logged (GPtrArray *results, const GError *error, gpointer data);

/* A run's contact that is a call-back task of the IVR: this prefix and
 * the task's id (callback.id). */
#define DIALER_CALLBACK_PREFIX "callback:"

/* screen.c: the agent's screen (CTI). campaign.screen (ssssa{sv}):
 * interaction ("" for a preview), agent, campaign, contact, record. */
#define DIALER_EV_SCREEN "campaign.screen"
gboolean dialer_screen_register (Dialer *d, GError **error);
/* Gathers the record of @contact (@number: the one called, NULL: its
 * first) and publishes it for @agent; @script: the campaign's, or NULL;
 * @dispositions: the names the agent may pick. */
void dialer_screen_show (Dialer *d, const char *interaction, const char *agent,
                         const char *campaign, const char *contact, const char *number,
                         const char *script, const char *const *dispositions);

/* run-commands.c: campaign settings, start/pause/stop, the calls'
 * events, preview results, dispositions, the report. */
gboolean dialer_runs_register (Dialer *d, GError **error);
void dialer_runs_stop_all (Dialer *d);
/* The runners table's value destructor (NULL: a start in progress). */
void dialer_runs_free (gpointer runner);
/* A number joined the do-not-call list: running campaigns learn it. */
void dialer_runs_add_dnc (Dialer *d, const char *number);
/* campaign.create's settings text: the [campaign] group of @file (may be
 * NULL) with queue=@queue, checked for @mode (transfer full; NULL with
 * @error naming the key). */
char *dialer_campaign_settings_text (const char *file, const char *queue, const char *mode,
                                     GError **error);
