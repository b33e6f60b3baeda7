/* lowest-penalty: the omnicc ACD strategy template.
 *
 * Copy this folder, rename "lowest-penalty" everywhere, and write your own
 * rule in lowest_penalty_select(). The rule here: the agent with the
 * lowest penalty in the queue first; among equal penalties, the one idle
 * longest; then the higher one in the queue's member list (order), then
 * the lower id — so that two agents never tie and the same queue is
 * always ranked the same way.
 *
 * What a strategy is (see <omnicc/acd.h> and docs/plugin-guide.md,
 * "Writing an ACD strategy"): the ACD engine decides which interaction is
 * served next and which agents are eligible for it; the strategy only
 * RANKS those agents, best first. It is pure: no I/O, no timers, no
 * clock or random source of its own (the engine passes both in the
 * OccAcdContext), so the same .so runs in the daemon and, under virtual
 * time, in the simulator.
 *
 * Only the public plugin API is used: <omnicc/omnicc.h> and
 * <omnicc/acd.h>, from the installed omnicc-plugin SDK.
 */
#include <omnicc/omnicc.h>
#include <omnicc/acd.h>

#include <stdlib.h>

/* The strategy's name: the service is "acd.strategy/" STRATEGY_NAME, the
 * plugin (and its file) "acd-" STRATEGY_NAME, and a queue picks it with
 * strategy=lowest-penalty. */
#define STRATEGY_NAME "lowest-penalty"

/* qsort() gives its comparison function no context, so the comparison
 * works on copies of what it needs, each with the agent's index. */
typedef struct {
  guint penalty;
  gint64 idle_since;
  guint order;
  guint id;
  guint index; /* into the agents array select() got */
} Candidate;

static int
candidate_compare (const void *pa, const void *pb)
{
  const Candidate *a = pa, *b = pb;
  if (a->penalty != b->penalty)
    return a->penalty < b->penalty ? -1 : 1;
  if (a->idle_since != b->idle_since) /* earlier: idle for longer */
    return a->idle_since < b->idle_since ? -1 : 1;
  if (a->order != b->order)
    return a->order < b->order ? -1 : 1;
  if (a->id != b->id)
    return a->id < b->id ? -1 : 1;
  return 0;
}

/* The one function every strategy has. The engine passes the @n (≥ 1)
 * eligible @agents for @ix; we write their indices to @out (room for
 * @n), best first, and return how many we wrote. Returning fewer than @n
 * leaves the rest out of this round; 0 makes the interaction wait. The
 * engine checks the answer: an index ≥ @n or one written twice is logged
 * and dropped, never obeyed — but a correct strategy never does that.
 *
 * @ctx->now and @ctx->rand are the only clock and random source a
 * strategy may use; @ctx->state is what queue_new returned (NULL here:
 * this strategy keeps no state). Called on the main thread. */
static guint
lowest_penalty_select (const OccAcdContext *ctx, const OccAcdInteraction *ix,
                       const OccAcdAgent *agents, guint n, guint *out)
{
  /* A queue has tens or hundreds of agents; the heap is fine. The engine
   * calls this for every interaction it places, so keep it cheap: no
   * logging, nothing that grows with the length of the queue. */
  Candidate *candidates = g_new (Candidate, n);
  for (guint i = 0; i < n; i++)
    candidates[i]
        = (Candidate){ agents[i].penalty, agents[i].idle_since, agents[i].order, agents[i].id, i };
  qsort (candidates, n, sizeof *candidates, candidate_compare);
  for (guint i = 0; i < n; i++)
    out[i] = candidates[i].index;
  g_free (candidates);
  return n;
}

/* The service: a const struct, valid as long as the plugin is loaded.
 * The header's size and version let the engine tell which fields this
 * build has. Everything but .select is optional:
 *   .flags      OCC_ACD_STRATEGY_RING_ALL (ring everyone returned at
 *               once) or OCC_ACD_STRATEGY_PROGRESSIVE (add one more
 *               ringing agent every interval); 0 rings the first only
 *   .queue_new  state per queue (round-robin memory…), given the queue's
 *   .queue_free "strategy-*" keys; may refuse the queue's configuration
 *   .offered    told when an agent was offered an interaction (rings)
 *   .answered   told when an agent answered one */
static const OccAcdStrategy lowest_penalty_strategy = {
  .header = OCC_SERVICE_HEADER (OccAcdStrategy, OCC_ACD_STRATEGY_VERSION),
  .name = STRATEGY_NAME,
  .summary = "lowest penalty first, then longest idle",
  .flags = 0,
  .select = lowest_penalty_select,
};

/* load(): provide the service, and that is all. The core withdraws it
 * when the plugin unloads, so there is no unload(). */
static OccLoadResult
lowest_penalty_load (OccPlugin *plugin, GError **error)
{
  if (!occ_service_provide (plugin, OCC_ACD_STRATEGY_SERVICE_PREFIX STRATEGY_NAME,
                            &lowest_penalty_strategy, error))
    return OCC_LOAD_FAILED;
  return OCC_LOAD_OK;
}

/* The one exported symbol. .provides lets the core load this plugin
 * before the acd plugin, which looks strategies up by service name. */
OCC_PLUGIN_DEFINE (.name = "acd-" STRATEGY_NAME, .version = "0.1.0",
                   .summary = "ACD strategy: lowest penalty first, then longest idle",
                   .license = "GPL-3.0-or-later",
                   .provides = OCC_LIST (OCC_ACD_STRATEGY_SERVICE_PREFIX STRATEGY_NAME),
                   .load = lowest_penalty_load);
