/* dialer: one running campaign — its engine ticked by a main-loop timer
 * at dialer_engine_next_due(), its actions turned into calls through the
 * voice service, the calls' events fed back, and each contact's state
 * written to the store. Main thread only. */
#pragma once

#include "engine.h"
#include "plugin-private.h"
#include "slots.h"

/* The [campaign] group as stored in campaign.settings: the plugin's own
 * keys and the engine's. */
typedef struct {
  char *queue;
  char **agents;           /* agents=login;login: who takes the calls */
  guint wrapup_s;          /* after a dialer call, before the agent is free again */
  char *info_message;      /* info-message=PATH: played to an answer no agent takes in time */
  char *script;            /* script=TEXT: what the agent's screen shows with the record */
  char *callbacks;         /* callbacks=QUEUE: the IVR's call-back tasks of that queue are dialed */
  gboolean appointment;    /* type=appointment: the agent books a visit slot */
  GPtrArray *dispositions; /* DialerDispositionName*: the agent's choices, in order */
  DialerSlots slots;       /* an appointment campaign's */
  DialerSettings engine;
} CampaignSettings;

#define CAMPAIGN_GROUP "campaign"

/* Parses and checks @text (a key file with a [campaign] group) for a
 * campaign in @mode; errors name @campaign, the group and the key. */
gboolean campaign_settings_parse (const char *text, const char *mode, const char *campaign,
                                  CampaignSettings *out, GError **error);
void campaign_settings_clear (CampaignSettings *s);

/* One of a campaign's dispositions: the name the agent picks (and the
 * store, the reports and the bus show) and what it does. */
typedef struct {
  char *name;
  DialerDisposition effect;
} DialerDispositionName;

/* The effect of the disposition @name in @list, or -1. */
int dialer_disposition_effect (GPtrArray *list, const char *name);
/* "sale, not-interested, …" (transfer full). */
char *dialer_disposition_names (GPtrArray *list);

typedef struct _Runner Runner;

/* A stopped runner for @campaign: add its contacts and do-not-call
 * numbers, then runner_go(). Takes @s (cleared on return). */
Runner *runner_new (Dialer *d, const char *campaign, const char *caller_id, CampaignSettings *s,
                    const OccDialerPacing *pacing, GError **error);
/* Ends the run: ringing calls are hung up, connected ones go on. */
void runner_free (Runner *r);

/* A contact from the store: @phones its JSON array of E.164 numbers,
 * @next_at_ms a retry or call-back time (0: due now), @attempts the calls
 * earlier runs made (max-attempts holds across runs). */
void runner_add_contact (Runner *r, const char *id, const char *phones, gint priority,
                         gint64 next_at_ms, guint attempts);
void runner_add_dnc (Runner *r, const char *number);
/* A call-back task of the IVR (callback row @task) that this run holds:
 * dialed when @due_ms has come, before the other contacts, in the order
 * its caller first joined the queue (@requested_ms); @attempts: the
 * calls made to it before. */
void runner_add_callback (Runner *r, const char *task, const char *number, gint64 requested_ms,
                          gint64 due_ms, guint attempts);
void runner_go (Runner *r);
void runner_set_paused (Runner *r, gboolean paused);
gboolean runner_is_paused (Runner *r);

/* A call's event from the bus (FALSE when the call is not this run's):
 * voice.progress (@what: its state, @status: sip-status),
 * interaction.connected (@what: the agent) or interaction.ended. */
gboolean runner_on_call (Runner *r, const char *type, const char *interaction, const char *what,
                         int status);
/* interaction.offered: the ACD rings @agent for @interaction (FALSE when
 * the call is not this run's); the agent's screen is published. */
gboolean runner_on_offered (Runner *r, const char *interaction, const char *agent);
/* The ACD's state of an agent (agent.state's name). */
void runner_on_agent (Runner *r, const char *login, const char *acd_state);

/* The number of the call in which an agent talks or talked to @contact
 * (transfer full), or NULL. */
char *runner_last_number (Runner *r, const char *contact);
gboolean runner_has_contact (Runner *r, const char *contact);
gboolean runner_preview_result (Runner *r, const char *contact, gboolean dial, GError **error);
gboolean runner_disposition (Runner *r, const char *contact, DialerDisposition d,
                             gint64 callback_at, const char *name, GError **error);
/* Whether an agent talks or talked to @contact in this run (a
 * disposition is owed). */
gboolean runner_talked_to (Runner *r, const char *contact);
/* The campaign's dispositions (DialerDispositionName*, transfer none). */
GPtrArray *runner_dispositions (Runner *r);
/* An appointment campaign's slots, or NULL. */
const DialerSlots *runner_slots (Runner *r);
/* The engine's compliance report and the run's state (floating a{sv}). */
GVariant *runner_report (Runner *r);

/* --- the books (books.c; the runner's side at the end of runner.c) --- */

#define BOOKS_EVERY_S 60

/* Continues the books @text (campaign.books; NULL: none yet) in @r's
 * engine, before its first call: "continued", or "new" when there were
 * none or they could not be read (logged, naming the campaign). */
const char *runner_restore_books (Runner *r, const char *text);
/* Writes @text (taken) to campaign.books of @campaign, asynchronously;
 * a failure is logged. */
void dialer_books_write (Dialer *d, const char *campaign, char *text);
/* The report @rep of @campaign in @state as the control API gives it
 * (floating a{sv}). */
GVariant *dialer_report_variant (const char *campaign, const char *state, const DialerReport *rep);
/* campaign.report of a campaign that is not running: its stored books
 * (zeros for one never run), answered to @call. */
void dialer_books_report_stored (Dialer *d, OccControlCall *call, const char *id);
