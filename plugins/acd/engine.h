/* acd: the engine — queues, agents, waiting interactions, and who gets
 * what. Pure: no main loop, no I/O, no clock of its own. Every call takes
 * "now" (µs of the caller's clock); the engine says what to do through
 * its hooks and when it next needs to be woken (acd_engine_next_due).
 * The acd plugin drives it from the daemon's main loop with the
 * monotonic clock; omnicc-sim drives the very same code under virtual
 * time. Strategies (<omnicc/acd.h>) rank the eligible agents.
 *
 * Interactions are served by priority (higher first), then by the time
 * they joined (a call-back or an abandoned caller who re-joins keeps the
 * original time). */
#pragma once

#include <glib.h>
#include <omnicc/acd.h>

G_BEGIN_DECLS

#define ACD_ERROR (g_quark_from_static_string ("acd-error-quark"))
typedef enum {
  ACD_ERROR_INVALID,   /* a bad queue definition, argument or name */
  ACD_ERROR_NOT_FOUND, /* no such queue, agent or interaction */
  ACD_ERROR_REFUSED,   /* the queue will not take it (full, no agents) */
  ACD_ERROR_STATE,     /* not in a state that allows it */
} AcdError;

typedef enum {
  ACD_AGENT_LOGGED_OUT,
  ACD_AGENT_READY,
  ACD_AGENT_NOT_READY,
} AcdPresence;

/* What an agent is doing, as shown: its presence, refined by its work. */
typedef enum {
  ACD_SHOWN_LOGGED_OUT,
  ACD_SHOWN_READY,
  ACD_SHOWN_NOT_READY,
  ACD_SHOWN_RINGING, /* reserved: an offer rings */
  ACD_SHOWN_BUSY,
  ACD_SHOWN_WRAP_UP,
} AcdShown;

const char *acd_shown_name (AcdShown s);

/* Why an interaction left its queue without being answered. */
typedef enum {
  ACD_LEFT_ABANDONED, /* the caller hung up */
  ACD_LEFT_TIMEOUT,   /* max-wait reached: the plugin offers a call-back */
  ACD_LEFT_FULL,      /* the queue was full when it came */
  ACD_LEFT_EMPTY,     /* no agent logged in, and the queue leaves when empty */
  ACD_LEFT_REMOVED,   /* taken out by a command or a transfer */
} AcdLeft;

const char *acd_left_name (AcdLeft why);

/* A skill relaxation step: after waiting @after_s, required levels drop
 * by @drop (a level reaching 0 is no longer needed). */
typedef struct {
  guint after_s;
  guint drop;
} AcdRelax;

#define ACD_MAX_RELAX 4

typedef struct {
  char *name;
  char *strategy;         /* the strategy's name */
  char *overflow_to;      /* queue name, or NULL */
  guint overflow_after_s; /* 0: never */
  guint max_wait_s;       /* 0: no limit; past it: ACD_LEFT_TIMEOUT */
  guint max_length;       /* 0: no limit */
  gboolean join_empty;    /* may join with no member logged in (default TRUE) */
  gboolean leave_empty;   /* waiting ones leave when the last member logs out */
  guint sl_threshold_s;   /* service level: answered within (default 20) */
  guint wrapup_s;         /* after each interaction of this queue */
  guint ring_timeout_s;   /* per offer (default 20) */
  guint max_no_answer;    /* misses in a row that make an agent not ready (0: never) */
  guint progressive_s;    /* OCC_ACD_STRATEGY_PROGRESSIVE: the next one every… (default 5) */
  gboolean tiers;         /* only the lowest tier with someone eligible (default TRUE) */
  guint announce_every_s; /* position / expected wait announcements (0: none) */
  guint announce_min_s;   /* never closer than this (default 15) */
  gboolean announce_only_better; /* only when the position improved */
  guint rejoin_window_s;         /* an abandoned caller re-joining within it keeps its place */
  AcdRelax relax[ACD_MAX_RELAX];
  guint n_relax;
  GHashTable *strategy_params; /* "strategy-*" keys without the prefix: char* → char* */
} AcdQueueConfig;

void acd_queue_config_clear (AcdQueueConfig *c);

/* Live figures of a queue (since the engine started or they were reset). */
typedef struct {
  guint waiting;
  gint64 longest_wait; /* µs, of those waiting now */
  guint agents_logged_in, agents_ready;
  guint64 offered; /* joined */
  guint64 answered;
  guint64 answered_in_sl;
  guint64 abandoned;
  guint64 abandoned_in_sl; /* abandoned before the threshold (not counted against SL) */
  guint64 timed_out, overflowed, refused;
  gint64 wait_answered; /* µs summed over answered: ASA = wait_answered / answered */
  gint64 handle_time;   /* µs talk + wrap-up summed over completed: AHT = / completed */
  guint64 completed;
} AcdQueueStats;

typedef struct _AcdEngine AcdEngine;

/* What the engine asks of its driver. Any hook may be NULL. Hooks must
 * not call back into the engine (queue the work instead). */
typedef struct {
  /* Ring @agent for @interaction (of @queue). */
  void (*offer) (gpointer data, const char *interaction, const char *queue, const char *agent);
  /* Stop ringing @agent for @interaction (another answered, the caller
   * left, the interaction moved). */
  void (*cancel) (gpointer data, const char *interaction, const char *agent);
  /* @interaction left @queue unanswered (not for ACD_LEFT_ABANDONED,
   * which the driver reported itself). */
  void (*left) (gpointer data, const char *interaction, const char *queue, AcdLeft why);
  /* @interaction moved from one queue to another (overflow). */
  void (*moved) (gpointer data, const char *interaction, const char *from, const char *to);
  /* Tell the waiting caller its @position (1: next) and expected wait. */
  void (*announce) (gpointer data, const char *interaction, guint position, guint ewt_s);
  /* @agent's shown state changed (@reason: a not-ready reason, or ""). */
  void (*agent_state) (gpointer data, const char *agent, AcdShown shown, const char *reason);
  /* A strategy misbehaved (what it chose was dropped); NULL: g_warning. */
  void (*complain) (gpointer data, const char *message);
  gpointer data;
} AcdHooks;

AcdEngine *acd_engine_new (const AcdHooks *hooks, guint32 seed);
void acd_engine_free (AcdEngine *e);

/* --- queues (configuration) --- */

/* Adds or replaces @c's queue (taking its contents; @c is cleared), run
 * by @strategy. Overflow loops and unknown overflow targets are checked
 * by acd_engine_check(). */
gboolean acd_engine_set_queue (AcdEngine *e, AcdQueueConfig *c, const OccAcdStrategy *strategy,
                               GError **error);
/* Every overflow target exists and no overflow chain loops. */
gboolean acd_engine_check (AcdEngine *e, GError **error);
gboolean acd_engine_has_queue (AcdEngine *e, const char *queue);
/* Queue names, sorted (transfer container). */
GPtrArray *acd_engine_queues (AcdEngine *e);

/* --- agents --- */

/* Adds @login (or updates its capacities): @capacity maps channel →
 * slots (char* → GUINT_TO_POINTER), NULL: 1 voice. */
void acd_engine_agent_add (AcdEngine *e, const char *login, GHashTable *capacity);
/* Sets @login's level in @skill (0 removes it). FALSE for an unknown
 * agent or skill. Skills are named; the engine numbers them. */
gboolean acd_engine_agent_skill (AcdEngine *e, const char *login, const char *skill, guint level);
/* Makes @login a member of @queue (or updates tier, penalty; order is
 * the order of membership). */
gboolean acd_engine_member_add (AcdEngine *e, const char *queue, const char *login, guint tier,
                                guint penalty, GError **error);
gboolean acd_engine_member_remove (AcdEngine *e, const char *queue, const char *login);
/* Changes @login's presence (@reason: a not-ready reason, or NULL).
 * Logging out with interactions ringing cancels those offers. */
gboolean acd_engine_agent_presence (AcdEngine *e, const char *login, AcdPresence presence,
                                    const char *reason, gint64 now, GError **error);
AcdShown acd_engine_agent_shown (AcdEngine *e, const char *login, const char **reason);
/* Ends @login's wrap-up now (the agent is done early). */
gboolean acd_engine_agent_wrapup_done (AcdEngine *e, const char *login, gint64 now);

/* --- interactions --- */

typedef struct {
  const char *id;
  const char *queue;
  const char *channel; /* NULL: "voice" */
  gint priority;
  gint64 joined;             /* 0: now; else the original time (call-backs) */
  const char *caller;        /* for re-join after abandon, or NULL */
  const char *const *skills; /* skill names, NULL-terminated, with… */
  const guint *levels;       /* …their minimum levels */
} AcdJoin;

/* @j joins its queue. Refused (ACD_ERROR_REFUSED, with *why) when the
 * queue is full, or has no member logged in and does not take calls
 * then; the hooks are not called for a refusal. */
gboolean acd_engine_join (AcdEngine *e, const AcdJoin *j, gint64 now, AcdLeft *why, GError **error);
/* The caller hung up (waiting or ringing). */
gboolean acd_engine_abandon (AcdEngine *e, const char *id, gint64 now);
/* Taken out (transferred away, handed to a bot…). */
gboolean acd_engine_remove (AcdEngine *e, const char *id, gint64 now);

typedef enum {
  ACD_OFFER_ANSWERED,
  ACD_OFFER_NO_ANSWER, /* rang out (the driver's own timer, or ours) */
  ACD_OFFER_REFUSED,   /* busy, declined, unreachable */
} AcdOfferResult;

/* How the offer of @id to @agent went. Answered: the interaction is the
 * agent's, every other offer of it is cancelled. */
gboolean acd_engine_offer_result (AcdEngine *e, const char *id, const char *agent,
                                  AcdOfferResult result, gint64 now);
/* The answered interaction ended: its agent goes to wrap-up. */
gboolean acd_engine_ended (AcdEngine *e, const char *id, gint64 now);

/* --- time --- */

/* Does what is due at @now: ring timeouts, wrap-up ends, overflows,
 * time-outs, skill relaxation, announcements, progressive rings; then
 * offers what can be offered. */
void acd_engine_run (AcdEngine *e, gint64 now);
/* When acd_engine_run() next has something to do; G_MAXINT64: nothing. */
gint64 acd_engine_next_due (AcdEngine *e);

/* --- figures --- */

gboolean acd_engine_queue_stats (AcdEngine *e, const char *queue, gint64 now, AcdQueueStats *out);
/* The position (1: next) and state of interaction @id; FALSE if unknown. */
gboolean acd_engine_position (AcdEngine *e, const char *id, guint *position);
/* Per agent: time logged in, busy (ringing, talking, wrap-up) — for
 * occupancy — and interactions handled; FALSE if unknown. */
gboolean acd_engine_agent_times (AcdEngine *e, const char *login, gint64 now, gint64 *logged_in,
                                 gint64 *busy, guint *handled);
/* Consistency of the engine's own books (tests, simulator): FALSE with a
 * reason if an agent is over capacity or an interaction is offered to
 * two agents outside ring-all. */
gboolean acd_engine_audit (AcdEngine *e, GError **error);

/* --- what the engine holds, for persistence (persist.c) and listings --- */

/* An interaction the engine holds: what joined it, and how it is doing.
 * Strings are the engine's (transfer none): valid until the engine next
 * changes. */
typedef struct {
  const char *queue;
  const char *channel;
  gint priority;
  gint64 joined;      /* the original time, the engine's clock */
  const char *caller; /* or NULL */
  const char *state;  /* "waiting", "ringing" or "connected" */
  guint n_skills;
  const char *skills[OCC_ACD_MAX_SKILLS + 1]; /* NULL-terminated, with… */
  guint levels[OCC_ACD_MAX_SKILLS];           /* …their minimum levels, unrelaxed */
} AcdInteractionInfo;

/* Fills @out for interaction @id; FALSE if the engine does not hold it. */
gboolean acd_engine_interaction_get (AcdEngine *e, const char *id, AcdInteractionInfo *out);
/* The ids of the interactions waiting or ringing in @queue, in the order
 * they are served (transfer container: the strings are the engine's);
 * NULL for an unknown queue. */
GPtrArray *acd_engine_waiting (AcdEngine *e, const char *queue);
/* @login's presence (not what it shows) and its not-ready reason ("" for
 * none); logged out for an unknown agent. */
AcdPresence acd_engine_agent_presence_get (AcdEngine *e, const char *login, const char **reason);

G_END_DECLS
