/* dialer: the engine — one campaign's contacts, calls, agents and
 * compliance books. Pure: no main loop, no I/O, no clock of its own.
 * Events come in as calls that take "now" (µs since the epoch: the
 * calling window is wall-clock local time); what to do comes out of
 * dialer_engine_tick() as actions, and dialer_engine_next_due() says when
 * the engine must be ticked again at the latest. The dialer plugin drives
 * it from the main loop (SIP originate, ACD hand-off, store); omnicc-sim
 * drives the very same code under virtual time. A pacing plugin
 * (<omnicc/dialer.h>) says how many calls to start.
 *
 * What the engine guarantees whatever the pacing answers: no dial outside
 * the calling window, none to a do-not-call number, none to a number
 * abandoned within the re-call guard (unless an agent is reserved for the
 * call: preview), at most max-attempts per contact, and an answered call
 * that has no agent after the information-message delay is abandoned
 * with the message (DIALER_ACTION_ABANDON). */
#pragma once

#include <glib.h>
#include <omnicc/dialer.h>

G_BEGIN_DECLS

#define DIALER_ERROR (g_quark_from_static_string ("dialer-error-quark"))
typedef enum {
  DIALER_ERROR_INVALID,   /* bad settings or arguments */
  DIALER_ERROR_NOT_FOUND, /* no such contact, call or agent */
  DIALER_ERROR_STATE,     /* not in a state that allows it */
} DialerError;

/* --- settings ---------------------------------------------------------------------------- */

typedef struct {
  gint64 delay_s; /* retry after this */
  guint max;      /* at most this many retries for this outcome (0: none) */
} DialerRetry;

typedef struct {
  char *name;     /* the campaign */
  char *pacing;   /* the pacing plugin's name: preview, progressive, predictive… */
  char *timezone; /* IANA name */
  GTimeZone *tz;
  guint window_from;                        /* minutes after local midnight, inclusive */
  guint window_to;                          /* exclusive; > window_from */
  guint8 days;                              /* bit 0 Monday … bit 6 Sunday */
  DialerRetry retry[OCC_DIALER_N_OUTCOMES]; /* ANSWERED's is unused */
  guint max_attempts;
  double abandon_target; /* 0.03 */
  gint64 abandon_window_s;
  gint64 abandon_guard_s;
  double info_message_s; /* ≤ 2 */
  guint ring_timeout_s;  /* ≥ 15 */
  guint setup_timeout_s; /* no ringing nor outcome by then: failed */
  guint max_lines_per_agent;
  GHashTable *pacing_params; /* "pacing-*" keys without the prefix */
} DialerSettings;

/* Reads the campaign settings of @group in @file (@path names it in
 * errors). Unknown keys, bad values and contradictions (an empty window,
 * no days, a target above 100 %, a ring timeout under 15 s…) are refused
 * naming the file, the group and the key. Clear with
 * dialer_settings_clear(). */
gboolean dialer_settings_read (GKeyFile *file, const char *path, const char *group,
                               DialerSettings *out, GError **error);
void dialer_settings_clear (DialerSettings *s);

/* Is @t (µs since the epoch) inside the calling window? */
gboolean dialer_settings_in_window (const DialerSettings *s, gint64 t);
/* The next time ≥ @t inside the window (G_MAXINT64: none within 8 days). */
gint64 dialer_settings_next_window (const DialerSettings *s, gint64 t);

const char *dialer_outcome_name (OccDialerOutcome o);

/* --- the engine --------------------------------------------------------------------------- */

typedef struct _DialerEngine DialerEngine;

/* Is @number on the do-not-call list? Called before every dial. */
typedef gboolean (*DialerDncFunc) (const char *number, gpointer data);
/* A complaint about the pacing's answer or a refused event, for the log. */
typedef void (*DialerComplainFunc) (const char *message, gpointer data);

/* A new engine for one campaign. @settings is copied from (the caller may
 * clear it); @pacing must outlive the engine. NULL with @error when the
 * pacing refuses its pacing-* settings. */
DialerEngine *dialer_engine_new (const DialerSettings *settings, const OccDialerPacing *pacing,
                                 guint32 seed, GError **error);
void dialer_engine_free (DialerEngine *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DialerEngine, dialer_engine_free)

void dialer_engine_set_dnc (DialerEngine *e, DialerDncFunc func, gpointer data);
void dialer_engine_set_complain (DialerEngine *e, DialerComplainFunc func, gpointer data);
/* A contact changed state with no action that names it: passed over (no
 * number left to dial: done, "do-not-call" when every number is on a
 * do-not-call list; its attempts used up by earlier runs: done,
 * "attempts") or parked until a guarded number frees up. For the caller's
 * records. */
typedef void (*DialerContactFunc) (const char *contact, gpointer data);
void dialer_engine_set_passed_over (DialerEngine *e, DialerContactFunc func, gpointer data);
/* A paused campaign starts no call and offers no preview; calls in
 * progress go on. */
void dialer_engine_set_paused (DialerEngine *e, gboolean paused);

typedef struct {
  const char *id;             /* unique in the campaign */
  const char *const *numbers; /* E.164, tried in turn; at least one */
  gint priority;              /* higher first */
  gint64 callback_at;         /* > 0: a call-back due then (served before the others) */
  guint attempts;             /* calls already made to it (by earlier runs: max-attempts holds) */
} DialerContactSpec;

/* Adds a contact; its original order is the order of these calls. One
 * whose earlier attempts already reach max-attempts is done at once
 * ("attempts"), unless it is a call-back: that call is owed. */
gboolean dialer_engine_add_contact (DialerEngine *e, const DialerContactSpec *spec, gint64 now,
                                    GError **error);

/* --- events in (each FALSE with a complaint when it does not fit) --- */

/* An agent logged in / free again, went busy, wrap-up, logged out. */
gboolean dialer_engine_agent_state (DialerEngine *e, const char *agent, OccDialerAgentState state,
                                    gint64 now);
/* The call rings at the subscriber's side (180/183). */
gboolean dialer_engine_call_ringing (DialerEngine *e, guint64 call, gint64 now);
/* The call's outcome: ANSWERED (a live answer: hand it to an agent) or
 * BUSY, NO_ANSWER, REJECTED, UNREACHABLE, FAILED (the call is over). */
gboolean dialer_engine_call_result (DialerEngine *e, guint64 call, OccDialerOutcome outcome,
                                    gint64 now);
/* @agent took the answered @call (the ACD connected them). */
gboolean dialer_engine_call_connected (DialerEngine *e, guint64 call, const char *agent,
                                       gint64 now);
/* A connected call ended; its agent goes to wrap-up. */
gboolean dialer_engine_call_ended (DialerEngine *e, guint64 call, gint64 now);
/* Preview: the agent dials the record offered (TRUE) or skips it. */
gboolean dialer_engine_preview_result (DialerEngine *e, const char *contact, gboolean dial,
                                       gint64 now);

typedef enum {
  DIALER_DISPOSITION_SALE,
  DIALER_DISPOSITION_NOT_INTERESTED,
  DIALER_DISPOSITION_CALL_BACK,    /* at callback_at */
  DIALER_DISPOSITION_WRONG_NUMBER, /* the number dialed is not this contact's: try the next */
  DIALER_DISPOSITION_DO_NOT_CALL,  /* the number goes on the campaign's do-not-call list */
  DIALER_DISPOSITION_APPOINTMENT,  /* a visit booked (appointment campaigns): done */
} DialerDisposition;

/* The agent's disposition of a contact it talked to. */
gboolean dialer_engine_disposition (DialerEngine *e, const char *contact, DialerDisposition d,
                                    gint64 callback_at, gint64 now, GError **error);

/* --- actions out --- */

typedef enum {
  DIALER_ACTION_DIAL,    /* call @number for @contact as @call; @agent: reserved for it */
  DIALER_ACTION_PREVIEW, /* show @contact to @agent, who dials or skips */
  DIALER_ACTION_ABANDON, /* play the information message on @call and hang up */
  DIALER_ACTION_HANGUP,  /* stop @call: it rang out (no answer) or never rang */
} DialerActionType;

typedef struct {
  DialerActionType type;
  guint64 call;
  const char *contact; /* strings: owned by the engine, valid while it lives */
  const char *number;
  const char *agent;
} DialerAction;

/* Runs the timers due by @now (ring timeouts, the information-message
 * deadline, retries and call-backs coming due), asks the pacing, and
 * returns every action decided since the last tick, in order
 * (transfer full: a GArray of DialerAction). */
GArray *dialer_engine_tick (DialerEngine *e, gint64 now);
/* When the engine must be ticked next at the latest (G_MAXINT64: only on
 * an event). Pacing also wants a tick about once a second while agents
 * are logged in. */
gint64 dialer_engine_next_due (DialerEngine *e, gint64 now);

/* --- what it knows --- */

typedef enum {
  DIALER_CONTACT_WAITING, /* due later (retry, call-back) */
  DIALER_CONTACT_DUE,
  DIALER_CONTACT_PREVIEWING,
  DIALER_CONTACT_CALLING,
  DIALER_CONTACT_DONE, /* answered, no number left, attempts used, disposition… */
} DialerContactState;

typedef struct {
  DialerContactState state;
  guint attempts;
  gint64 next_at;
  OccDialerOutcome last_outcome; /* OCC_DIALER_N_OUTCOMES: none yet */
  gint disposition;              /* -1: none */
  const char *done_why;          /* DONE: answered, attempts, no-number, do-not-call, retries… */
} DialerContactInfo;

gboolean dialer_engine_contact (DialerEngine *e, const char *id, DialerContactInfo *out);

typedef struct {
  gint64 start;
  guint64 answers, abandons;
} DialerWindowFigures;

#define DIALER_INFO_DELAY_STEP_MS 10
#define DIALER_INFO_DELAY_TOP_MS 3000
#define DIALER_INFO_DELAY_BUCKETS (DIALER_INFO_DELAY_TOP_MS / DIALER_INFO_DELAY_STEP_MS + 1)

/* The compliance report. */
typedef struct {
  guint64 dials, answers, abandons, connected;
  guint64 outcomes[OCC_DIALER_N_OUTCOMES];
  guint64 calls_outside_window; /* must be 0 */
  guint64 dnc_hits;             /* must be 0 */
  guint64 guard_breaches;       /* abandoned numbers re-called in the guard without an agent: 0 */
  guint64 info_messages;        /* abandons told by the message… */
  double info_delay_max_s, info_delay_mean_s; /* …this long after the answer */
  /* the delays' distribution: how many in each DIALER_INFO_DELAY_STEP_MS
   * from 0 (the last bucket: all from DIALER_INFO_DELAY_TOP_MS on), the
   * 50th, 95th and 99th percentiles (a bucket's upper bound, s), and how
   * many came after 2 s */
  guint64 info_delay_hist[DIALER_INFO_DELAY_BUCKETS];
  double info_delay_p50_s, info_delay_p95_s, info_delay_p99_s;
  guint64 info_delays_over_2s;
  GArray *day_windows;   /* DialerWindowFigures, consecutive 24 h from the first event */
  GArray *month_windows; /* the same, 30 days */
  double worst_day_rate, worst_month_rate; /* abandons / answers (0 without answers) */
  guint64 talk_us, handle_us;
} DialerReport;

void dialer_engine_report (DialerEngine *e, DialerReport *out);
void dialer_report_clear (DialerReport *r);

/* --- the books across runs --- */

/* The engine's books as text (transfer full), to be kept while the
 * campaign is stopped: every count, outcome, statistic, the fixed 24-hour
 * and 30-day windows with their origin, and the live answers and abandons
 * still inside the rolling abandon-window at @now (older ones are left
 * out). Base64 of a little-endian serialised GVariant that carries a
 * format tag and version; answer and abandon times are delta-coded
 * varints (100,000 times take about 0.5 MB). Calls in progress are kept as
 * dials and answers whose outcome the books will not learn. */
char *dialer_engine_books_save (DialerEngine *e, gint64 now);
/* Continues the books @text saved by dialer_engine_books_save(): call it
 * before any call or preview result (contacts and agents may be added
 * first). Later answers land in the same fixed windows (same origin) and
 * the pacing's rolling window counts the restored times still inside it at
 * @now. FALSE with @error (DIALER_ERROR_INVALID) for a text that is not
 * books of this version or not consistent; the books are then left as
 * they were. */
gboolean dialer_engine_books_restore (DialerEngine *e, const char *text, gint64 now,
                                      GError **error);
/* Grows whenever the books change: save them again when it moved. */
guint64 dialer_engine_books_changes (DialerEngine *e);
/* The report of books @text without an engine (a stopped campaign), and
 * when they were saved (µs since the epoch; may be NULL). FALSE with
 * @error as dialer_engine_books_restore(). */
gboolean dialer_books_report (const char *text, DialerReport *out, gint64 *saved_at,
                              GError **error);

/* Checks the engine's books (counts against the records, states against
 * each other); FALSE with @error naming the first inconsistency. */
gboolean dialer_engine_audit (DialerEngine *e, GError **error);

G_END_DECLS
