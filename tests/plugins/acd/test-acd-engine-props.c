/* Properties of the ACD engine under random traffic: thousands of random
 * steps (joins with random priorities, abandons, answers, refusals, rings
 * running out, ends, agents changing presence, time passing) on queues
 * sharing agents with capacities of 1 to 3; after every step the
 * engine's own books must hold (no agent over capacity, no interaction
 * offered to two agents outside ring-all: acd_engine_audit), and every
 * offer must go to the best waiting interaction of its queue (priority,
 * then arrival) — there are no skills here, so nobody else could take it
 * first. A round-robin strategy of the test's own spreads answered
 * interactions evenly over equal agents (counts differ by at most one). */
#include "engine.h"

#include <string.h>

#define S G_USEC_PER_SEC
#define AGENTS 12
#define QUEUES 3
#define STEPS 20000

typedef struct {
  char *id;
  guint queue;
  gint priority;
  gint64 joined;
  gboolean ringing, connected;
  char *agent;
  guint seq; /* join order, for ties */
} Ix;

typedef struct {
  AcdEngine *e;
  GHashTable *ixs;   /* id → Ix* */
  GPtrArray *offers; /* "ix\nagent" made since the last look */
  GRand *rand;
  gint64 now;
  guint seq;
  guint violations;
  guint answered_by[AGENTS];
  guint last_kind;
} World;

static const char *queue_names[QUEUES] = { "q0", "q1", "q2" };

static void
ix_free (Ix *x)
{
  g_free (x->id);
  g_free (x->agent);
  g_free (x);
}

/* Whether @a is served before @b (priority, then join time, then id). */
static gboolean
before (const Ix *a, const Ix *b)
{
  if (a->priority != b->priority)
    return a->priority > b->priority;
  if (a->joined != b->joined)
    return a->joined < b->joined;
  return strcmp (a->id, b->id) < 0;
}

static void
h_offer (gpointer data, const char *ix, const char *queue, const char *agent)
{
  World *w = data;
  Ix *x = g_hash_table_lookup (w->ixs, ix);
  g_assert_nonnull (x);
  g_assert_cmpstr (queue, ==, queue_names[x->queue]);
  /* the best waiting one of its queue (one not ringing already) */
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init (&it, w->ixs);
  while (g_hash_table_iter_next (&it, NULL, &v))
    {
      Ix *y = v;
      if (y != x && y->queue == x->queue && !y->ringing && !y->connected && before (y, x))
        {
          guint py = 0, px = 0;
          gboolean ky = acd_engine_position (w->e, y->id, &py);
          acd_engine_position (w->e, x->id, &px);
          g_test_message ("%s offered before %s (priority %d vs %d; positions %u, %u%s; q%u)",
                          x->id, y->id, x->priority, y->priority, px, py, ky ? "" : " (unknown)",
                          x->queue);
          w->violations++;
        }
    }
  x->ringing = TRUE;
  g_free (x->agent);
  x->agent = g_strdup (agent);
}

static void
h_cancel (gpointer data, const char *ix, const char *agent)
{
  World *w = data;
  Ix *x = g_hash_table_lookup (w->ixs, ix);
  if (x && g_strcmp0 (x->agent, agent) == 0)
    x->ringing = FALSE;
}

static void
h_left (gpointer data, const char *ix, const char *queue, AcdLeft why)
{
  (void) queue;
  (void) why;
  World *w = data;
  g_hash_table_remove (w->ixs, ix);
}

/* round-robin of the test's own: the agent after the last one offered */
typedef struct {
  guint last;
  gboolean any;
} Turn;

static guint
select_rr (const OccAcdContext *ctx, const OccAcdInteraction *ix, const OccAcdAgent *agents,
           guint n, guint *out)
{
  (void) ix;
  Turn *t = ctx->state;
  guint best = 0;
  guint best_dist = G_MAXUINT;
  for (guint i = 0; i < n; i++)
    {
      guint dist = t->any ? (agents[i].id + AGENTS - t->last - 1) % AGENTS : agents[i].id;
      if (dist < best_dist)
        {
          best_dist = dist;
          best = i;
        }
    }
  out[0] = best;
  return 1;
}

static void
offered_rr (const OccAcdContext *ctx, const OccAcdInteraction *ix, const OccAcdAgent *agent)
{
  (void) ix;
  Turn *t = ctx->state;
  t->last = agent->id;
  t->any = TRUE;
}

static gpointer
rr_new (const OccAcdStrategy *self, const char *queue, GHashTable *params, GError **error)
{
  return g_new0 (Turn, 1);
}

static const OccAcdStrategy rr = {
  .header = OCC_SERVICE_HEADER (OccAcdStrategy, OCC_ACD_STRATEGY_VERSION),
  .name = "test-rr",
  .queue_new = rr_new,
  .queue_free = g_free,
  .select = select_rr,
  .offered = offered_rr,
};

static void
world_init (World *w, guint32 seed, gboolean mixed)
{
  memset (w, 0, sizeof *w);
  AcdHooks hooks = { .offer = h_offer, .cancel = h_cancel, .left = h_left, .data = w };
  w->e = acd_engine_new (&hooks, seed);
  w->ixs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) ix_free);
  w->rand = g_rand_new_with_seed (seed);
  w->now = 1000 * S;
  for (guint q = 0; q < QUEUES; q++)
    {
      AcdQueueConfig c = { 0 };
      c.name = g_strdup (queue_names[q]);
      c.strategy = g_strdup ("test-rr");
      c.join_empty = TRUE;
      c.tiers = TRUE;
      c.ring_timeout_s = 10;
      c.wrapup_s = mixed ? (q == 0 ? 5 : 0) : 0;
      c.max_wait_s = mixed && q == 2 ? 60 : 0;
      g_assert_true (acd_engine_set_queue (w->e, &c, &rr, NULL));
    }
  for (guint i = 0; i < AGENTS; i++)
    {
      char login[16];
      g_snprintf (login, sizeof login, "a%02u", i);
      g_autoptr (GHashTable) cap = g_hash_table_new (g_str_hash, g_str_equal);
      g_hash_table_insert (cap, (gpointer) "voice", GUINT_TO_POINTER (mixed ? 1 + i % 3 : 1));
      acd_engine_agent_add (w->e, login, cap);
      for (guint q = 0; q < QUEUES; q++)
        if (!mixed || (i + q) % 2 == 0 || q == 0)
          acd_engine_member_add (w->e, queue_names[q], login, 0, 0, NULL);
      acd_engine_agent_presence (w->e, login, ACD_AGENT_READY, NULL, w->now, NULL);
    }
}

static void
world_clear (World *w)
{
  acd_engine_free (w->e);
  g_hash_table_unref (w->ixs);
  g_rand_free (w->rand);
}

static Ix *
random_ix (World *w, gboolean (*want) (const Ix *))
{
  g_autoptr (GPtrArray) all = g_ptr_array_new ();
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init (&it, w->ixs);
  while (g_hash_table_iter_next (&it, NULL, &v))
    if (want (v))
      g_ptr_array_add (all, v);
  if (all->len == 0)
    return NULL;
  return g_ptr_array_index (all, g_rand_int_range (w->rand, 0, (gint32) all->len));
}

static gboolean
is_ringing (const Ix *x)
{
  return x->ringing && !x->connected;
}

static gboolean
is_connected (const Ix *x)
{
  return x->connected;
}

static gboolean
is_waiting (const Ix *x)
{
  return !x->connected;
}

static void
step (World *w, gboolean mixed)
{
  w->last_kind = g_rand_int_range (w->rand, 0, 8);
  switch (w->last_kind)
    {
    case 0:
    case 1:
      {
        Ix *x = g_new0 (Ix, 1);
        x->id = g_strdup_printf ("i%u", ++w->seq);
        x->queue = g_rand_int_range (w->rand, 0, QUEUES);
        x->priority = mixed ? g_rand_int_range (w->rand, 0, 3) : 0;
        x->joined = w->now;
        x->seq = w->seq;
        g_hash_table_insert (w->ixs, x->id, x);
        AcdJoin j = { .id = x->id, .queue = queue_names[x->queue], .priority = x->priority };
        if (!acd_engine_join (w->e, &j, w->now, NULL, NULL))
          g_hash_table_remove (w->ixs, x->id);
        break;
      }
    case 2:
      {
        Ix *x = random_ix (w, is_ringing);
        if (x == NULL)
          break;
        x->connected = TRUE;
        x->ringing = FALSE;
        g_assert_true (acd_engine_offer_result (w->e, x->id, x->agent, ACD_OFFER_ANSWERED, w->now));
        w->answered_by[g_ascii_strtoull (x->agent + 1, NULL, 10)]++;
        break;
      }
    case 3:
      {
        Ix *x = random_ix (w, is_ringing);
        if (x == NULL || !mixed)
          break;
        x->ringing = FALSE;
        g_autofree char *agent = g_strdup (x->agent);
        g_assert_true (acd_engine_offer_result (w->e, x->id, agent, ACD_OFFER_REFUSED, w->now));
        break;
      }
    case 4:
      {
        Ix *x = random_ix (w, is_connected);
        if (x == NULL)
          break;
        g_autofree char *id = g_strdup (x->id);
        g_hash_table_remove (w->ixs, id);
        g_assert_true (acd_engine_ended (w->e, id, w->now));
        break;
      }
    case 5:
      {
        Ix *x = random_ix (w, is_waiting);
        if (x == NULL || !mixed)
          break;
        /* (out of our books first: the engine offers on at once) */
        g_autofree char *id = g_strdup (x->id);
        g_hash_table_remove (w->ixs, id);
        g_assert_true (acd_engine_abandon (w->e, id, w->now));
        break;
      }
    case 6:
      {
        if (!mixed)
          break;
        char login[16];
        g_snprintf (login, sizeof login, "a%02u", g_rand_int_range (w->rand, 0, AGENTS));
        AcdPresence p = g_rand_int_range (w->rand, 0, 3);
        acd_engine_agent_presence (w->e, login, p, "x", w->now, NULL);
        /* (offers that rang at it were cancelled through the hook) */
        break;
      }
    default:
      w->now += g_rand_int_range (w->rand, 1, 4) * S;
      acd_engine_run (w->e, w->now);
      break;
    }
}

static void
test_books_and_order (void)
{
  for (guint32 seed = 1; seed <= 5; seed++)
    {
      World w;
      world_init (&w, seed, TRUE);
      for (guint i = 0; i < STEPS; i++)
        {
          step (&w, TRUE);
          {
            GHashTableIter it;
            gpointer v;
            g_hash_table_iter_init (&it, w.ixs);
            while (g_hash_table_iter_next (&it, NULL, &v))
              {
                guint pos;
                if (!acd_engine_position (w.e, ((Ix *) v)->id, &pos))
                  g_error ("seed %u, step %u: %s unknown to the engine (step kind %u)", seed, i,
                           ((Ix *) v)->id, w.last_kind);
              }
          }
          g_autoptr (GError) e = NULL;
          if (!acd_engine_audit (w.e, &e))
            g_error ("seed %u, step %u: %s", seed, i, e->message);
        }
      g_assert_cmpuint (w.violations, ==, 0);
      world_clear (&w);
    }
}

static void
test_round_robin_is_even (void)
{
  /* equal agents, capacity 1, always free again at once (an interaction
   * is answered and ends before the next comes): each agent's count
   * differs by at most one from any other's */
  World w;
  world_init (&w, 42, FALSE);
  for (guint i = 0; i < AGENTS * 100 + 5; i++)
    {
      Ix *x = g_new0 (Ix, 1);
      x->id = g_strdup_printf ("i%u", ++w.seq);
      x->joined = w.now;
      g_hash_table_insert (w.ixs, x->id, x);
      AcdJoin j = { .id = x->id, .queue = queue_names[0] };
      g_assert_true (acd_engine_join (w.e, &j, w.now, NULL, NULL));
      g_assert_true (x->ringing);
      g_assert_true (acd_engine_offer_result (w.e, x->id, x->agent, ACD_OFFER_ANSWERED, w.now));
      w.answered_by[g_ascii_strtoull (x->agent + 1, NULL, 10)]++;
      w.now += S;
      g_assert_true (acd_engine_ended (w.e, x->id, w.now));
      g_hash_table_remove (w.ixs, x->id);
    }
  guint lo = G_MAXUINT, hi = 0;
  for (guint i = 0; i < AGENTS; i++)
    {
      lo = MIN (lo, w.answered_by[i]);
      hi = MAX (hi, w.answered_by[i]);
    }
  g_test_message ("answered per agent: %u to %u", lo, hi);
  g_assert_cmpuint (lo, ==, 100);
  g_assert_cmpuint (hi, ==, 101);
  world_clear (&w);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/acd/engine-props/books-and-order", test_books_and_order);
  g_test_add_func ("/acd/engine-props/round-robin-is-even", test_round_robin_is_even);
  return g_test_run ();
}
