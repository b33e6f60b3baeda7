/* omnicc plugin API — ACD routing strategies: the "acd.strategy/NAME"
 * services.
 *
 * The acd plugin's engine keeps the queues, the agents and the waiting
 * interactions. It decides, by itself and for every strategy alike:
 *   - which interaction is served next: higher priority first, then the
 *     one that joined first (a call-back keeps its caller's original
 *     time);
 *   - who is eligible for it: members of its queue, logged in and ready,
 *     with free capacity on its channel (1 voice, 3 chats…), having the
 *     skills it needs at their minimum levels (as relaxed by the queue
 *     after waits), and not offered this interaction already in this
 *     round.
 * A strategy only ranks the eligible agents: whom to offer the
 * interaction to, best first. It is pure: no I/O, no timers, no main
 * loop, no clock of its own — the engine passes the time and a random
 * source. The same .so therefore runs in the daemon and, under virtual
 * time, in the simulator omnicc-sim (see docs/plugin-guide.md, "Writing
 * an ACD strategy", and the template in share/acd-strategy-template/).
 *
 * The engine checks what a strategy returns: an index out of range or
 * twice is logged and dropped, never obeyed.
 *
 * A strategy plugin provides one service named
 * OCC_ACD_STRATEGY_SERVICE_PREFIX + its name (e.g. "acd.strategy/
 * longest-idle") with occ_service_provide(), from its load function.
 * Every function is called on the main thread (in the daemon) or the
 * simulator's only thread.
 */
#pragma once

#include <glib.h>
#include <omnicc/service.h>

G_BEGIN_DECLS

/* The acd plugin's own events (the standard ones are in events.h:
 * interaction.enqueue, .offered, .connected, .unanswered, .ended,
 * agent.state). A channel plugin (sip…) rings on interaction.offered and
 * answers with interaction.connected or interaction.unanswered; it stops
 * ringing on acd.offer.revoked and ends what acd.left says left. */
#define OCC_EVENT_ACD_OFFER_REVOKED "acd.offer.revoked" /* (ssa{sv}) id, agent, extra */
#define OCC_EVENT_ACD_LEFT \
  "acd.left" /* (sssa{sv}) id, queue, timeout|full|empty|no-queue|invalid */
#define OCC_EVENT_ACD_MOVED "acd.moved"             /* (sssa{sv}) id, from queue, to queue, extra */
#define OCC_EVENT_ACD_ANNOUNCE "acd.announce"       /* (suua{sv}) id, position, expected wait s */
#define OCC_EVENT_ACD_QUEUE_STATS "acd.queue.stats" /* (sa{sv}) queue, figures */

#define OCC_ACD_STRATEGY_SERVICE_PREFIX "acd.strategy/"
#define OCC_ACD_STRATEGY_VERSION 1

/* Skills are numbered 0 … OCC_ACD_MAX_SKILLS-1 by the engine (names in
 * the queue configuration); a level is 0 (none) to 100. */
#define OCC_ACD_MAX_SKILLS 32

/* An eligible agent, as this queue sees it. Times are µs of the
 * engine's clock (OccAcdContext.now is "now"). */
typedef struct {
  guint id;            /* the engine's number for the agent: stable while it runs */
  const char *login;   /* folded, as the access service names it */
  guint order;         /* position in the queue's member list, 0 first */
  guint tier;          /* the member's tier (level) in this queue: lower is served first */
  guint penalty;       /* the member's penalty in this queue: 0 is best */
  gint64 idle_since;   /* when it last became free on this channel (ready, end of wrap-up) */
  guint answered;      /* interactions it answered from this queue */
  gint64 talk_time;    /* µs it spent on them */
  guint free_capacity; /* free slots on the interaction's channel (≥ 1) */
  guint8 skills[OCC_ACD_MAX_SKILLS]; /* its level per skill, 0: none */
} OccAcdAgent;

/* The interaction to place. */
typedef struct {
  const char *id;                      /* the interaction's id */
  const char *channel;                 /* "voice", "chat", "email"… */
  gint priority;                       /* higher first */
  gint64 enqueued;                     /* when it joined (or its caller first joined) */
  guint offers;                        /* offers made so far (0: the first) */
  guint8 required[OCC_ACD_MAX_SKILLS]; /* minimum level per skill now (0: not needed),
                                          after the queue's relaxation */
} OccAcdInteraction;

/* What the engine passes to every call. */
typedef struct {
  const char *queue; /* the queue's name */
  gpointer state;    /* what queue_new returned for this queue (NULL without queue_new) */
  gint64 now;        /* µs */
  GRand *rand;       /* the engine's random source: seeded in the simulator */
  guint want;        /* how many of the ranked agents the engine will use: 1 (it offers the
                        first) unless the strategy rings several at once (RING_ALL); 0: all.
                        A strategy may rank just that many (a partial selection). */
} OccAcdContext;

typedef enum {
  /* Offer to every agent select returned at once; the first to answer
   * takes the interaction and the others stop ringing (ring-all). */
  OCC_ACD_STRATEGY_RING_ALL = 1 << 0,
  /* Offer to the first; every queue "ring-progressive-interval" seconds
   * while it rings, select again (the ringing ones are not eligible) and
   * add the first returned, earlier ones ringing on (ring-progressively). */
  OCC_ACD_STRATEGY_PROGRESSIVE = 1 << 1,
} OccAcdStrategyFlags;

typedef struct _OccAcdStrategy OccAcdStrategy;

struct _OccAcdStrategy {
  OccServiceHeader header;
  const char *name;    /* as in the service name and the queue's "strategy" key */
  const char *summary; /* one line, for `omnicc acd strategies` */
  guint flags;         /* OccAcdStrategyFlags */

  /* Optional. State for one queue that uses this strategy (round-robin
   * memory…): @params holds the queue's "strategy-*" keys without that
   * prefix (may be empty, never NULL). NULL with @error set refuses the
   * queue's configuration. */
  gpointer (*queue_new) (const OccAcdStrategy *self, const char *queue, GHashTable *params,
                         GError **error);
  void (*queue_free) (gpointer state);

  /* Ranks the @n eligible @agents (n ≥ 1) for @ix: writes indices into
   * @agents to @out (room for n), best first, and returns how many
   * (0: none of them — the interaction waits). Only the first
   * ctx->want are used (when it is not 0). */
  guint (*select) (const OccAcdContext *ctx, const OccAcdInteraction *ix, const OccAcdAgent *agents,
                   guint n, guint *out);

  /* Optional. @agent was offered @ix (rings now). */
  void (*offered) (const OccAcdContext *ctx, const OccAcdInteraction *ix, const OccAcdAgent *agent);
  /* Optional. @agent answered @ix. */
  void (*answered) (const OccAcdContext *ctx, const OccAcdInteraction *ix,
                    const OccAcdAgent *agent);
};

G_END_DECLS
