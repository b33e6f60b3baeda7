/* round-robin-ordered: takes turns along the member list, remembering
 * the POSITION offered last (Asterisk's "rrordered", FreeSWITCH
 * mod_callcenter's "round-robin").
 *
 * The strategy remembers the order (position in the queue's member list)
 * of the agent offered last. The ranking starts with the eligible agent
 * at the next higher position and goes down the list, wrapping round to
 * its top.
 *
 * The turn is always the member list as it is now. When members come and
 * go the positions shift, and the turn goes on from the position, not
 * from the agent: if someone above the last agent offered leaves, the
 * agent just below moves up into that agent's position and waits for the
 * next round; an agent removed and added again is at the end of the list
 * and takes its turn there. round-robin instead follows the agents (see
 * there). */
#include "rank.h"

typedef struct {
  gboolean has_last;
  guint last_order;
} RroState;

static gpointer
rro_queue_new (const OccAcdStrategy *self, const char *queue, GHashTable *params, GError **error)
{
  return g_new0 (RroState, 1);
}

static gint64
rro_key (gconstpointer data, const OccAcdAgent *agent)
{
  const RroState *state = data;
  /* the positions after the last one first, then from the top of the list */
  gboolean next_round = state->has_last && agent->order <= state->last_order;
  return (next_round ? G_GINT64_CONSTANT (1) << 32 : 0) + agent->order;
}

static guint
rro_select (const OccAcdContext *ctx, const OccAcdInteraction *ix, const OccAcdAgent *agents,
            guint n, guint *out)
{
  static const RroState fresh = { FALSE, 0 };
  /* an engine that did not call queue_new gets the list order */
  return acd_rank_by_key (agents, n, rro_key, ctx->state ? ctx->state : &fresh, ctx->want, out);
}

static void
rro_offered (const OccAcdContext *ctx, const OccAcdInteraction *ix, const OccAcdAgent *agent)
{
  RroState *state = ctx->state;
  if (state == NULL)
    return;
  state->has_last = TRUE;
  state->last_order = agent->order;
}

ACD_STRATEGY_DEFINE ("round-robin-ordered", "takes turns down the member list, by position",
                     .queue_new = rro_queue_new, .queue_free = g_free, .select = rro_select,
                     .offered = rro_offered);
