/* round-robin: takes turns, remembering WHO was offered last.
 *
 * Per queue, the strategy keeps a rotation of the agents it has met, in
 * the order it met them: an agent not seen before joins the rotation by
 * its order (before the first known agent whose order, when that one was
 * met, was higher), and keeps its place from then on. The agent offered
 * last (offered()) is remembered; the ranking starts with the next agent
 * after it in the rotation, wrapping round, and skips who is not
 * eligible now.
 *
 * With a member list that never changes, the rotation is the list and
 * this is the classic round-robin. When members come and go it follows
 * the agents, not the list: the turn passes to whoever came after the
 * last agent offered, even if positions in the list have shifted, and an
 * agent removed and added again keeps its old place in the rotation.
 * round-robin-ordered follows the list instead (see there).
 *
 * The rotation holds every agent the queue has offered or ranked since
 * the engine started (ids are stable while it runs). */
#include "rank.h"

typedef struct {
  guint id;
  guint order; /* when it joined the rotation */
} RrMember;

typedef struct {
  GArray *rotation;  /* of RrMember */
  GHashTable *place; /* id → index in rotation + 1 */
  gboolean has_last;
  guint last_id;
} RrState;

static gpointer
rr_queue_new (const OccAcdStrategy *self, const char *queue, GHashTable *params, GError **error)
{
  RrState *state = g_new0 (RrState, 1);
  state->rotation = g_array_new (FALSE, FALSE, sizeof (RrMember));
  state->place = g_hash_table_new (g_direct_hash, g_direct_equal);
  return state;
}

static void
rr_queue_free (gpointer data)
{
  RrState *state = data;
  g_array_unref (state->rotation);
  g_hash_table_unref (state->place);
  g_free (state);
}

static guint
rr_place (const RrState *state, guint id)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (state->place, GUINT_TO_POINTER (id)));
}

static void
rr_reindex (RrState *state)
{
  for (guint i = 0; i < state->rotation->len; i++)
    {
      const RrMember *m = &g_array_index (state->rotation, RrMember, i);
      g_hash_table_insert (state->place, GUINT_TO_POINTER (m->id), GUINT_TO_POINTER (i + 1));
    }
}

/* Adds @agent to the rotation if it is new there; TRUE if it was. The
 * caller reindexes. */
static gboolean
rr_meet (RrState *state, const OccAcdAgent *agent)
{
  if (rr_place (state, agent->id) != 0)
    return FALSE;
  guint at = 0;
  while (at < state->rotation->len
         && g_array_index (state->rotation, RrMember, at).order <= agent->order)
    at++;
  RrMember m = { agent->id, agent->order };
  g_array_insert_val (state->rotation, at, m);
  /* mark it known at once, so that a duplicate id cannot be added twice */
  g_hash_table_insert (state->place, GUINT_TO_POINTER (agent->id), GUINT_TO_POINTER (G_MAXUINT));
  return TRUE;
}

typedef struct {
  const RrState *state;
  guint start; /* the rotation index the turn begins at */
} RrTurn;

static gint64
rr_key (gconstpointer data, const OccAcdAgent *agent)
{
  const RrTurn *turn = data;
  guint len = turn->state->rotation->len;
  guint at = rr_place (turn->state, agent->id) - 1;
  return (at + len - turn->start) % len;
}

static guint
rr_select (const OccAcdContext *ctx, const OccAcdInteraction *ix, const OccAcdAgent *agents,
           guint n, guint *out)
{
  RrState *state = ctx->state;
  if (state == NULL) /* an engine that did not call queue_new: the list order */
    return acd_rank_by_key (agents, n, acd_rank_key_order, NULL, ctx->want, out);
  gboolean met = FALSE;
  for (guint i = 0; i < n; i++)
    met |= rr_meet (state, &agents[i]);
  if (met)
    rr_reindex (state);
  RrTurn turn = { state, 0 };
  guint last = state->has_last ? rr_place (state, state->last_id) : 0;
  if (last != 0)
    turn.start = last % state->rotation->len; /* the one after it (last is index + 1) */
  return acd_rank_by_key (agents, n, rr_key, &turn, ctx->want, out);
}

static void
rr_offered (const OccAcdContext *ctx, const OccAcdInteraction *ix, const OccAcdAgent *agent)
{
  RrState *state = ctx->state;
  if (state == NULL)
    return;
  if (rr_meet (state, agent))
    rr_reindex (state);
  state->has_last = TRUE;
  state->last_id = agent->id;
}

ACD_STRATEGY_DEFINE ("round-robin", "takes turns, remembering the agent offered last",
                     .queue_new = rr_queue_new, .queue_free = rr_queue_free, .select = rr_select,
                     .offered = rr_offered);
