/* Properties every ACD strategy must have, over many random queues:
 * select writes a permutation of the eligible agents (indices < n, none
 * twice; every strategy here returns them all), for n = 1 … 64 — also
 * under AddressSanitizer, which catches a write past @out — and the
 * deterministic strategies rank the same set the same way whatever order
 * the engine passes it in (ties broken by order, then id), and give the
 * same first ones when asked for only a few (OccAcdContext.want). */
#include "strategies-fixture.h"
#include "testlib.h"

#include <string.h>

#define MAX_AGENTS 64
#define ROUNDS 40

static OccContext *ctx;

static gboolean
is_random (const char *strategy)
{
  return strcmp (strategy, "random") == 0 || strcmp (strategy, "weighted-random") == 0;
}

/* @n agents with unique ids and orders (a subset of a member list, as
 * the engine passes the eligible ones), and values drawn from small
 * ranges so that ties are common. */
static void
random_agents (GRand *rand, OccAcdAgent *agents, guint n)
{
  guint order = g_rand_int_range (rand, 0, 3);
  for (guint i = 0; i < n; i++)
    {
      OccAcdAgent *a = &agents[i];
      memset (a, 0, sizeof *a);
      a->login = "agent";
      a->id = 1000 + i * 7 + g_rand_int_range (rand, 0, 7);
      a->order = order;
      order += g_rand_int_range (rand, 1, 3);
      a->tier = g_rand_int_range (rand, 0, 3);
      a->penalty = g_rand_int_range (rand, 0, 5);
      a->idle_since = g_rand_int_range (rand, 0, 4) * G_USEC_PER_SEC;
      a->answered = g_rand_int_range (rand, 0, 4);
      a->talk_time = g_rand_int_range (rand, 0, 3) * 60 * G_USEC_PER_SEC;
      a->free_capacity = g_rand_int_range (rand, 1, 4);
      for (guint s = 0; s < OCC_ACD_MAX_SKILLS; s++)
        a->skills[s] = g_rand_int_range (rand, 0, 5) * 25;
    }
  /* the engine's order of the eligible agents is its own business */
  for (guint i = n; i > 1; i--)
    {
      guint j = g_rand_int_range (rand, 0, i);
      OccAcdAgent t = agents[i - 1];
      agents[i - 1] = agents[j];
      agents[j] = t;
    }
}

static void
random_interaction (GRand *rand, OccAcdInteraction *ix)
{
  memset (ix, 0, sizeof *ix);
  ix->id = "ix";
  ix->channel = "voice";
  ix->priority = g_rand_int_range (rand, -2, 3);
  ix->offers = g_rand_int_range (rand, 0, 3);
  for (guint s = 0; s < OCC_ACD_MAX_SKILLS; s++)
    if (g_rand_int_range (rand, 0, 8) == 0)
      ix->required[s] = g_rand_int_range (rand, 1, 3) * 25;
}

/* Every strategy, n = 1 … 64, select and offered as the engine calls
 * them: the result is a permutation of 0 … n-1. The output buffer has
 * exactly n slots on the heap, so ASan reports any write past it. */
static void
test_permutation (gconstpointer data)
{
  const char *strategy = data;
  g_autoptr (GRand) rand = g_rand_new_with_seed (2024);
  g_autoptr (AcdTestQueue) q = acd_test_queue_new (ctx, strategy, 5, NULL);
  OccAcdAgent agents[MAX_AGENTS];
  for (guint n = 1; n <= MAX_AGENTS; n++)
    for (guint round = 0; round < ROUNDS / 8 + 1; round++)
      {
        OccAcdInteraction ix;
        random_agents (rand, agents, n);
        random_interaction (rand, &ix);
        g_autofree guint *out = g_new (guint, n);
        g_assert_cmpuint (acd_test_select (q, &ix, agents, n, out), ==, n);
        if (q->strategy->offered)
          q->strategy->offered (&q->ctx, &ix, &agents[out[0]]);
        if (q->strategy->answered)
          q->strategy->answered (&q->ctx, &ix, &agents[out[0]]);
      }
}

/* The ids in rank order, "1003,1000,…" (transfer full). */
static char *
ranked_ids (AcdTestQueue *q, const OccAcdInteraction *ix, const OccAcdAgent *agents, guint n)
{
  g_autofree guint *out = g_new (guint, n);
  guint got = acd_test_select (q, ix, agents, n, out);
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < got; i++)
    g_string_append_printf (s, "%u,", agents[out[i]].id);
  return g_string_free (s, FALSE);
}

/* Two fresh queues of @strategy, the same agents in two orders: the
 * same ranking, first time and after the same offers. */
static void
test_same_set_same_ranking (gconstpointer data)
{
  const char *strategy = data;
  g_autoptr (GRand) rand = g_rand_new_with_seed (77);
  OccAcdAgent agents[MAX_AGENTS], shuffled[MAX_AGENTS];
  for (guint round = 0; round < ROUNDS; round++)
    {
      guint n = g_rand_int_range (rand, 1, MAX_AGENTS + 1);
      g_autoptr (AcdTestQueue) one = acd_test_queue_new (ctx, strategy, 1, NULL);
      g_autoptr (AcdTestQueue) two = acd_test_queue_new (ctx, strategy, 1, NULL);
      OccAcdInteraction ix;
      random_agents (rand, agents, n);
      random_interaction (rand, &ix);
      memcpy (shuffled, agents, n * sizeof *agents);
      for (guint i = n; i > 1; i--)
        {
          guint j = g_rand_int_range (rand, 0, i);
          OccAcdAgent t = shuffled[i - 1];
          shuffled[i - 1] = shuffled[j];
          shuffled[j] = t;
        }
      for (guint offer = 0; offer < 3; offer++)
        {
          g_autofree char *a = ranked_ids (one, &ix, agents, n);
          g_autofree char *b = ranked_ids (two, &ix, shuffled, n);
          g_assert_cmpstr (a, ==, b);
          acd_test_offer_first (one, &ix, agents, n);
          acd_test_offer_first (two, &ix, shuffled, n);
        }
    }
}

/* The engine asks for one agent (ctx.want = 1) unless it rings several:
 * a deterministic strategy's first pick is then the first of its whole
 * ranking, and asking for k gives the first k, never more. */
static void
test_want_is_a_prefix (gconstpointer data)
{
  const char *strategy = data;
  g_autoptr (GRand) rand = g_rand_new_with_seed (99);
  OccAcdAgent agents[MAX_AGENTS];
  for (guint round = 0; round < ROUNDS; round++)
    {
      guint n = g_rand_int_range (rand, 1, MAX_AGENTS + 1);
      g_autoptr (AcdTestQueue) q = acd_test_queue_new (ctx, strategy, 1, NULL);
      OccAcdInteraction ix;
      random_agents (rand, agents, n);
      random_interaction (rand, &ix);
      g_autofree guint *all = g_new (guint, n);
      q->ctx.want = 0;
      guint got_all = acd_test_select (q, &ix, agents, n, all);
      for (guint want = 1; want <= MIN (n, 9); want++)
        {
          g_autofree guint *some = g_new (guint, n);
          q->ctx.want = want;
          guint got = acd_test_select (q, &ix, agents, n, some);
          g_assert_cmpuint (got, >=, MIN (want, got_all));
          g_assert_cmpuint (got, <=, n);
          for (guint i = 0; i < MIN (want, got); i++)
            g_assert_cmpuint (some[i], ==, all[i]);
        }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ctx = acd_test_context_new ();
  for (guint i = 0; acd_test_strategy_names[i] != NULL; i++)
    {
      const char *name = acd_test_strategy_names[i];
      g_autofree char *path
          = g_strdup_printf ("/acd-strategies/%s/returns-a-permutation-for-1-to-64-agents", name);
      g_test_add_data_func (path, name, test_permutation);
      if (is_random (name))
        continue;
      g_autofree char *path2
          = g_strdup_printf ("/acd-strategies/%s/ranks-a-set-the-same-in-any-input-order", name);
      g_test_add_data_func (path2, name, test_same_set_same_ranking);
      g_autofree char *path3
          = g_strdup_printf ("/acd-strategies/%s/ranks-the-first-it-is-asked-for", name);
      g_test_add_data_func (path3, name, test_want_is_a_prefix);
    }
  int status = g_test_run ();
  occ_context_free (ctx);
  return status;
}
