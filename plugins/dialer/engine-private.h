/* dialer: the engine's insides, shared by engine.c (contacts, agents,
 * dialing, the tick, the audit) and calls.c (what happens to a call, the
 * outcomes, dispositions and the timers). Not for anything else. */
#pragma once

#include "engine.h"
#include "figures.h"

#define MAX_NUMBERS 32

typedef struct _Agent Agent;
typedef struct _Call Call;

typedef struct {
  char *id;
  char **numbers;
  guint n_numbers;
  guint32 bad; /* numbers found wrong or on the do-not-call list */
  guint32 dnc; /* those on the do-not-call list */
  guint next_number;
  gint priority;
  guint64 seq;
  gint64 callback_at; /* > 0: a call-back, served first at that time */
  gint64 next_at;
  guint attempts, callbacks;
  guint earlier; /* attempts made by earlier runs */
  guint retries[OCC_DIALER_N_OUTCOMES];
  DialerContactState state;
  OccDialerOutcome last;
  gint disposition;
  const char *done_why;
  const char *last_number;
  GSequenceIter *iter; /* in due or waiting */
  Agent *agent;        /* previewing it */
} Contact;

typedef enum { CALL_DIALING, CALL_RINGING, CALL_WAITING, CALL_CONNECTED } CallState;

struct _Call {
  guint64 id;
  Contact *contact;
  const char *number;
  Agent *agent; /* reserved for it (preview), then connected */
  CallState state;
  gint64 dialed, ringing, answered, connected, deadline;
};

struct _Agent {
  char *login;
  OccDialerAgentState state;
  gint64 since, handle_start;
  guint handled;
  Call *call;
  Contact *preview;
};

struct _DialerEngine {
  DialerSettings s;
  const OccDialerPacing *pacing;
  gpointer pstate;
  GRand *rand;
  GHashTable *contacts; /* id → Contact* (owner) */
  GSequence *due, *waiting;
  GHashTable *calls; /* &id → Call* (owner) */
  guint64 next_call, next_seq;
  GHashTable *agents; /* login → Agent* (owner) */
  GPtrArray *agent_order;
  GHashTable *dnc;   /* numbers marked do-not-call by dispositions */
  GHashTable *guard; /* number → gint64* abandoned-guard end */
  DialerDncFunc dnc_func;
  gpointer dnc_data;
  DialerComplainFunc complain;
  gpointer complain_data;
  DialerContactFunc passed_over;
  gpointer passed_over_data;
  GArray *actions;
  gboolean paused;
  guint dialing, ringing, waiting_calls;
  DialerFigures fig;
  GArray *ctx_agents; /* OccDialerAgent, rebuilt for each decision */
  GArray *picks;
};

void engine_complain (DialerEngine *e, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
/* Moves @c to the due set, the waiting set (due at @at) or done. */
void engine_make_due (DialerEngine *e, Contact *c);
void engine_make_waiting (DialerEngine *e, Contact *c, gint64 at);
void engine_make_done (Contact *c, const char *why);
/* @c has no number left to dial: done ("do-not-call" when every number
 * is on a do-not-call list, else "no-number"); the caller is told. */
void engine_pass_over (DialerEngine *e, Contact *c);
/* Sets @a's state (a free agent ends its handle time). */
void engine_agent_set (DialerEngine *e, Agent *a, OccDialerAgentState state, gint64 now);
/* Queues an action for the next tick. */
void engine_emit (DialerEngine *e, DialerActionType type, Call *call, Contact *c,
                  const char *number, Agent *a);
/* The number to dial for @c now, or -1 (*retry_at: when a guarded one frees up, 0: never). */
int engine_pick_number (DialerEngine *e, Contact *c, gboolean reserved, gint64 now,
                        gint64 *retry_at);
/* Starts a call to @c's number @number (through the last gate; NULL if refused). */
Call *engine_dial (DialerEngine *e, Contact *c, int number, Agent *agent, gint64 now);
void engine_build_context (DialerEngine *e, gint64 now, OccDialerPacingContext *ctx);
/* Ring time-outs, set-up time-outs and the information-message deadline due by @now. */
void engine_run_timers (DialerEngine *e, gint64 now);
