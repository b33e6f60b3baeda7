/* omnicc plugin API — outbound dialer pacing: the "dialer.pacing/NAME"
 * services.
 *
 * The dialer's engine (plugins/dialer/engine.c) keeps the campaign: its
 * contacts in due order (call-backs first at their time, then priority,
 * then the original order), the retry rules, the calling window, the
 * do-not-call list, the re-call guard after an abandon and the
 * 2-second information-message rule. It decides, for every pacing alike,
 * which contact and which number are dialed next. A pacing plugin only
 * answers one question, asked again and again: how many calls to start
 * now — or, for a preview pacing, which free agents get a record to
 * preview now.
 *
 * A pacing plugin is pure: no I/O, no timers, no main loop, no clock of
 * its own — the engine passes the time and a random source. The same .so
 * therefore runs in the daemon and, under virtual time, in the simulator
 * omnicc-sim (see docs/plugin-guide.md, "Writing a pacing plugin", and
 * the template in share/dialer-pacing-template/).
 *
 * The engine checks what a pacing answers, never trusts it: calls beyond
 * the due contacts or the campaign's line cap (max-lines-per-agent ×
 * agents logged in, minus the calls in progress) are dropped, preview
 * picks out of range, of an agent that is not free or twice are dropped;
 * each is logged.
 *
 * A pacing plugin provides one service named
 * OCC_DIALER_PACING_SERVICE_PREFIX + its name (e.g. "dialer.pacing/
 * progressive") with occ_service_provide(), from its load function.
 * Every function is called on the main thread (in the daemon) or the
 * simulator's only thread.
 */
#pragma once

#include <glib.h>
#include <omnicc/service.h>

G_BEGIN_DECLS

#define OCC_DIALER_PACING_SERVICE_PREFIX "dialer.pacing/"
#define OCC_DIALER_PACING_VERSION 1

/* How a call attempt ended (and, for the retry rules, why a contact is
 * tried again). */
typedef enum {
  OCC_DIALER_ANSWERED,    /* a live answer */
  OCC_DIALER_BUSY,        /* 486/600 */
  OCC_DIALER_NO_ANSWER,   /* rang out: ring-timeout (≥ 15 s) without answer */
  OCC_DIALER_REJECTED,    /* 603 and other refusals by the called side */
  OCC_DIALER_UNREACHABLE, /* 404/480/503…: the number or network cannot be reached */
  OCC_DIALER_FAILED,      /* our side or the trunk failed */
  OCC_DIALER_ABANDONED,   /* answered, no agent within the information-message delay */
  OCC_DIALER_SKIPPED,     /* preview: the agent skipped the record (no call made) */
  OCC_DIALER_N_OUTCOMES
} OccDialerOutcome;

/* What an agent is doing, as the dialer sees it. */
typedef enum {
  OCC_DIALER_AGENT_FREE,      /* ready for the next call */
  OCC_DIALER_AGENT_RESERVED,  /* previewing a record or waiting for its own dialed call */
  OCC_DIALER_AGENT_BUSY,      /* talking */
  OCC_DIALER_AGENT_WRAP_UP,   /* after the call */
  OCC_DIALER_AGENT_LOGGED_OUT /* not counted anywhere; never in OccDialerPacingContext.agents */
} OccDialerAgentState;

/* An agent logged in to the campaign. Times are µs of the engine's clock
 * (wall clock: µs since the epoch). */
typedef struct {
  const char *login;
  OccDialerAgentState state;
  gint64 since;        /* in this state since */
  gint64 handle_start; /* busy / wrap-up: when the current call was connected, else 0 */
  guint handled;       /* calls it was connected to */
} OccDialerAgent;

/* A running mean and standard deviation of a duration, in seconds. */
typedef struct {
  guint64 count; /* observations (0: mean and sd mean nothing yet) */
  double mean_s;
  double sd_s;
} OccDialerStat;

/* What the engine passes to every call: the campaign now. */
typedef struct {
  const char *campaign;
  gpointer state; /* what state_new returned (NULL without state_new) */
  gint64 now;     /* µs since the epoch */
  GRand *rand;    /* the engine's random source: seeded in the simulator */

  const OccDialerAgent *agents; /* logged-in agents, n_agents of them */
  guint n_agents;
  guint agents_free, agents_reserved, agents_busy, agents_wrap_up;

  guint calls_dialing; /* started, not ringing yet */
  guint calls_ringing;
  guint calls_waiting; /* answered, waiting for an agent (at most the information-message delay) */
  guint contacts_due;  /* dialable now (in the window, due, not guarded) */
  guint max_new_calls; /* the most the engine will start now (its line cap) */

  /* What the engine measured on this campaign so far. */
  guint64 attempts_finished;  /* calls with an outcome (answered or not; not skipped) */
  guint64 answered;           /* live answers among them */
  OccDialerStat answer_delay; /* dial → answer, answered calls */
  OccDialerStat ring_time;    /* ringing → answer, answered calls */
  OccDialerStat other_delay;  /* dial → outcome, calls not answered */
  OccDialerStat talk;         /* connected → call ended */
  OccDialerStat handle;       /* connected → agent free again (talk + wrap-up) */
  double ring_timeout_s;      /* no answer after this much ringing */

  /* The abandonment rule, and the rolling window. */
  double abandon_target;  /* the most abandons per live answer, 0.03 for 3 % */
  gint64 abandon_window;  /* µs (24 h, 30 days) */
  guint64 window_answers; /* live answers in the last abandon_window */
  guint64 window_abandons;
  double info_message_s; /* an answered call without an agent after this is abandoned */
} OccDialerPacingContext;

/* What a pacing answers. */
typedef struct {
  guint calls;    /* calls to start now */
  guint *agents;  /* preview: room for ctx->n_agents indices into ctx->agents */
  guint n_agents; /* preview: how many written (free agents who get a record now) */
} OccDialerDecision;

/* A call attempt's outcome, for observe. */
typedef struct {
  OccDialerOutcome outcome;
  gint64 dialed;   /* when it was started */
  gint64 answered; /* answered and abandoned: when it was answered, else 0 */
  gint64 at;       /* when the outcome was known */
} OccDialerResult;

typedef enum {
  /* The pacing previews: the engine offers the next record to each agent
   * decide() names; the agent dials it or skips it. decide()'s calls are
   * ignored. */
  OCC_DIALER_PACING_PREVIEW = 1 << 0,
} OccDialerPacingFlags;

typedef struct _OccDialerPacing OccDialerPacing;

struct _OccDialerPacing {
  OccServiceHeader header;
  const char *name;    /* as in the service name and the campaign's "pacing" key */
  const char *summary; /* one line */
  guint flags;         /* OccDialerPacingFlags */

  /* Optional. State for one campaign: @params holds the campaign's
   * "pacing-*" keys without that prefix (may be empty, never NULL).
   * NULL with @error set refuses the campaign's settings. */
  gpointer (*state_new) (const OccDialerPacing *self, const char *campaign, GHashTable *params,
                         GError **error);
  void (*state_free) (gpointer state);

  /* Fills @out (zeroed by the engine; out->agents has room for
   * ctx->n_agents). Called whenever the engine may start calls: after
   * each event and on the caller's ticks (about once a second). */
  void (*decide) (const OccDialerPacingContext *ctx, OccDialerDecision *out);

  /* Optional. A call attempt got its outcome (ctx is the campaign after
   * it was counted). */
  void (*observe) (const OccDialerPacingContext *ctx, const OccDialerResult *result);
};

G_END_DECLS
