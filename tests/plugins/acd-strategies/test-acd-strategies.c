/* The ACD strategy plugins, one by one: the real .so files loaded
 * through the core, called with hand-built agents, asserting the exact
 * ranking (ties, wrap-around, members coming and going), and the random
 * ones against their distribution under a fixed seed. */
#include "strategies-fixture.h"
#include "registry.h"
#include "testlib.h"

#include <math.h>
#include <string.h>

static OccContext *ctx; /* every strategy loaded, for the whole binary */

static const OccAcdInteraction plain_ix = { .id = "ix-1", .channel = "voice" };

/* The @n agents ranked as @expected ("b,c,a"). */
#define assert_rank_n(q, ix, agents, n, expected)                     \
  G_STMT_START                                                        \
  {                                                                   \
    g_autofree char *got_ = acd_test_rank ((q), (ix), (agents), (n)); \
    g_assert_cmpstr (got_, ==, (expected));                           \
  }                                                                   \
  G_STMT_END

/* The same for an array. */
#define assert_rank(q, ix, agents, expected) \
  assert_rank_n (q, ix, agents, G_N_ELEMENTS (agents), expected)

/* --- the plugins ----------------------------------------------------------- */

static void
test_every_strategy_loads (void)
{
  for (guint i = 0; acd_test_strategy_names[i] != NULL; i++)
    {
      const char *name = acd_test_strategy_names[i];
      const OccAcdStrategy *s = acd_test_strategy (ctx, name);
      g_assert_cmpstr (s->name, ==, name);
      g_assert_cmpuint (s->header.version, ==, OCC_ACD_STRATEGY_VERSION);
      g_assert_cmpuint (s->header.size, ==, sizeof (OccAcdStrategy));
      g_assert_nonnull (s->select);
      g_assert_true (s->summary != NULL && s->summary[0] != '\0');
      guint flags = 0;
      if (strcmp (name, "ring-all") == 0)
        flags = OCC_ACD_STRATEGY_RING_ALL;
      else if (strcmp (name, "ring-progressively") == 0)
        flags = OCC_ACD_STRATEGY_PROGRESSIVE;
      g_assert_cmpuint (s->flags, ==, flags);
      /* the plugin is named after the strategy and provides it */
      g_autofree char *plugin = g_strconcat ("acd-", name, NULL);
      g_autofree char *service = g_strconcat (OCC_ACD_STRATEGY_SERVICE_PREFIX, name, NULL);
      OccPlugin *p = occ_registry_get_provider (ctx->registry, service);
      g_assert_nonnull (p);
      g_assert_cmpstr (occ_plugin_get_name (p), ==, plugin);
    }
}

static void
test_one_agent (void)
{
  OccAcdAgent one[] = { acd_test_agent ("solo", 7, 3, 500) };
  for (guint i = 0; acd_test_strategy_names[i] != NULL; i++)
    {
      g_autoptr (AcdTestQueue) q = acd_test_queue_new (ctx, acd_test_strategy_names[i], 1, NULL);
      for (guint round = 0; round < 3; round++)
        {
          assert_rank (q, &plain_ix, one, "solo");
          acd_test_offer_first (q, &plain_ix, one, 1);
        }
    }
}

/* --- longest idle: fifo-priority, longest-idle, ring-all, ring-progressively --- */

static void
test_longest_idle_family (void)
{
  const char *family[] = { "fifo-priority", "longest-idle", "ring-all", "ring-progressively" };
  /* c and e tie on idle_since: the lower order first; d and b tie on
   * idle_since and order: the lower id first */
  OccAcdAgent agents[] = {
    acd_test_agent ("a", 1, 0, 300), acd_test_agent ("b", 2, 4, 100),
    acd_test_agent ("c", 8, 1, 200), acd_test_agent ("d", 9, 4, 100),
    acd_test_agent ("e", 5, 2, 200), acd_test_agent ("f", 6, 5, 50),
  };
  for (guint i = 0; i < G_N_ELEMENTS (family); i++)
    {
      g_autoptr (AcdTestQueue) q = acd_test_queue_new (ctx, family[i], 1, NULL);
      assert_rank (q, &plain_ix, agents, "f,b,d,c,e,a");
      /* no memory: offering changes nothing */
      acd_test_offer_first (q, &plain_ix, agents, G_N_ELEMENTS (agents));
      assert_rank (q, &plain_ix, agents, "f,b,d,c,e,a");
    }
}

/* --- linear --------------------------------------------------------------------- */

static void
test_linear_top_down (void)
{
  g_autoptr (AcdTestQueue) q = acd_test_queue_new (ctx, "linear", 1, NULL);
  OccAcdAgent agents[] = {
    acd_test_agent ("c", 3, 2, 10),
    acd_test_agent ("a", 1, 0, 900),
    acd_test_agent ("d", 4, 7, 5),
    acd_test_agent ("b", 2, 1, 100),
  };
  assert_rank (q, &plain_ix, agents, "a,b,c,d");
  acd_test_offer_first (q, &plain_ix, agents, G_N_ELEMENTS (agents));
  assert_rank (q, &plain_ix, agents, "a,b,c,d");
  /* without a (ringing now), b is the top */
  assert_rank_n (q, &plain_ix, agents + 2, 2, "b,d");
}

/* --- fewest-calls, least-talk-time --------------------------------------------- */

/* fewest-calls ranks by answered, least-talk-time by talk_time: the
 * same five agents, the field under test set to @values. */
typedef struct {
  const char *strategy;
  gint64 values[5];
  const char *expected;
} FieldCase;

static const FieldCase fewest_calls_case = {
  /* answered 1: c, d (idle 200 both, c's order first), b (idle 300);
   * then a (2), e (7) */
  "fewest-calls",
  { 2, 1, 1, 1, 7 },
  "c,d,b,a,e"
};
static const FieldCase least_talk_time_case = {
  /* 30 s: c (idle 200) before b (idle 300); then a, d, e */
  "least-talk-time",
  { 60, 30, 30, 90, 120 },
  "c,b,a,d,e"
};

static void
test_ranks_by_field_then_longest_idle (gconstpointer data)
{
  const FieldCase *c = data;
  g_autoptr (AcdTestQueue) q = acd_test_queue_new (ctx, c->strategy, 1, NULL);
  OccAcdAgent agents[] = {
    acd_test_agent ("a", 1, 0, 100), acd_test_agent ("b", 2, 1, 300),
    acd_test_agent ("c", 3, 2, 200), acd_test_agent ("d", 4, 3, 200),
    acd_test_agent ("e", 5, 4, 50),
  };
  for (guint i = 0; i < G_N_ELEMENTS (agents); i++)
    {
      /* the other field is the reverse, to be ignored */
      gboolean calls = strcmp (c->strategy, "fewest-calls") == 0;
      agents[i].answered = calls ? (guint) c->values[i] : 10 - i;
      agents[i].talk_time = (calls ? 10 - (gint64) i : c->values[i]) * G_USEC_PER_SEC;
    }
  assert_rank (q, &plain_ix, agents, c->expected);
}

/* --- skills-based --------------------------------------------------------------- */

static void
test_skills_best_total_first (void)
{
  g_autoptr (AcdTestQueue) q = acd_test_queue_new (ctx, "skills-based", 1, NULL);
  OccAcdInteraction ix = plain_ix;
  ix.required[0] = 30; /* e.g. "french" */
  ix.required[3] = 50; /* e.g. "billing" */
  OccAcdAgent agents[] = {
    acd_test_agent ("a", 1, 0, 100),
    acd_test_agent ("b", 2, 1, 300),
    acd_test_agent ("c", 3, 2, 200),
    acd_test_agent ("d", 4, 3, 400),
  };
  /* a: 40+60 = 100; b: 90+50 = 140; c: 30+70 = 100 (idle 200, after a's
   * 100); d: 30+50 = 80 but 100 on an unrequired skill, which is ignored */
  agents[0].skills[0] = 40, agents[0].skills[3] = 60;
  agents[1].skills[0] = 90, agents[1].skills[3] = 50;
  agents[2].skills[0] = 30, agents[2].skills[3] = 70;
  agents[3].skills[0] = 30, agents[3].skills[3] = 50, agents[3].skills[5] = 100;
  assert_rank (q, &ix, agents, "b,a,c,d");

  /* with nothing required: longest idle */
  assert_rank (q, &plain_ix, agents, "a,c,b,d");
}

/* --- round-robin and round-robin-ordered ------------------------------------------- */

/* Offers @rounds times to the first of what the strategy returns; the
 * logins offered, "a,b,c" (transfer full). */
static char *
offer_rounds (AcdTestQueue *q, const OccAcdAgent *agents, guint n, guint rounds)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < rounds; i++)
    g_string_append_printf (s, "%s%s", i ? "," : "",
                            agents[acd_test_offer_first (q, &plain_ix, agents, n)].login);
  return g_string_free (s, FALSE);
}

static void
test_round_robin_takes_turns (gconstpointer data)
{
  g_autoptr (AcdTestQueue) q = acd_test_queue_new (ctx, data, 1, NULL);
  /* idle times that longest-idle would follow, to be ignored */
  OccAcdAgent agents[] = {
    acd_test_agent ("a", 1, 0, 400),
    acd_test_agent ("b", 2, 1, 300),
    acd_test_agent ("c", 3, 2, 200),
    acd_test_agent ("d", 4, 3, 100),
  };
  guint n = G_N_ELEMENTS (agents);
  /* the first turn is the top of the list; then it wraps round */
  g_autofree char *turns = offer_rounds (q, agents, n, 6);
  g_assert_cmpstr (turns, ==, "a,b,c,d,a,b");
  /* after b: c, d, a, then b itself */
  assert_rank (q, &plain_ix, agents, "c,d,a,b");
  /* c is not eligible (on a call): d is next, then the wrap */
  OccAcdAgent without_c[] = { agents[0], agents[1], agents[3] };
  assert_rank (q, &plain_ix, without_c, "d,a,b");
  /* offered d: a is next */
  acd_test_offer_first (q, &plain_ix, without_c, 3);
  assert_rank (q, &plain_ix, agents, "a,b,c,d");
}

/* The difference between the two: members removed, and one added back.
 * round-robin follows the agents; round-robin-ordered the positions. */
static void
test_round_robin_members_change (void)
{
  g_autoptr (AcdTestQueue) rr = acd_test_queue_new (ctx, "round-robin", 1, NULL);
  g_autoptr (AcdTestQueue) rro = acd_test_queue_new (ctx, "round-robin-ordered", 1, NULL);
  OccAcdAgent five[] = {
    acd_test_agent ("a", 1, 0, 0), acd_test_agent ("b", 2, 1, 0), acd_test_agent ("c", 3, 2, 0),
    acd_test_agent ("d", 4, 3, 0), acd_test_agent ("e", 5, 4, 0),
  };
  g_autofree char *t1 = offer_rounds (rr, five, 5, 3);
  g_autofree char *t2 = offer_rounds (rro, five, 5, 3);
  g_assert_cmpstr (t1, ==, "a,b,c");
  g_assert_cmpstr (t2, ==, "a,b,c");

  /* b leaves the queue: the list is a c d e, positions 0 1 2 3. The last
   * offered was c (position 2 then, 1 now). */
  OccAcdAgent four[] = {
    acd_test_agent ("a", 1, 0, 0),
    acd_test_agent ("c", 3, 1, 0),
    acd_test_agent ("d", 4, 2, 0),
    acd_test_agent ("e", 5, 3, 0),
  };
  /* round-robin: the agent after c, d */
  assert_rank (rr, &plain_ix, four, "d,e,a,c");
  /* round-robin-ordered: the position after 2, held by e; d moved up
   * into position 2 and waits for the next round */
  assert_rank (rro, &plain_ix, four, "e,a,c,d");

  /* b comes back, now at the end of the list: a c d e b */
  OccAcdAgent back[] = {
    acd_test_agent ("a", 1, 0, 0), acd_test_agent ("c", 3, 1, 0), acd_test_agent ("d", 4, 2, 0),
    acd_test_agent ("e", 5, 3, 0), acd_test_agent ("b", 2, 4, 0),
  };
  /* round-robin keeps b's old place in its rotation, a b c d e: after c
   * come d, e, a, b */
  g_autofree char *t3 = offer_rounds (rr, back, 5, 5);
  g_assert_cmpstr (t3, ==, "d,e,a,b,c");
  /* round-robin-ordered follows the list as it is now: after position 2
   * come e (3), b (4), then a c d from the top */
  g_autofree char *t4 = offer_rounds (rro, back, 5, 5);
  g_assert_cmpstr (t4, ==, "e,b,a,c,d");
}

/* An agent it has not met joins the rotation by its order. */
static void
test_round_robin_new_agent_by_order (void)
{
  g_autoptr (AcdTestQueue) q = acd_test_queue_new (ctx, "round-robin", 1, NULL);
  /* b is away (not eligible) while the rotation forms */
  OccAcdAgent acd[] = { acd_test_agent ("a", 1, 0, 0), acd_test_agent ("c", 3, 2, 0),
                        acd_test_agent ("d", 4, 3, 0) };
  g_autofree char *t1 = offer_rounds (q, acd, 3, 2);
  g_assert_cmpstr (t1, ==, "a,c");
  /* b, order 1, is placed between a and c: after c come d, a, b */
  OccAcdAgent all[] = { acd_test_agent ("a", 1, 0, 0), acd_test_agent ("b", 2, 1, 0),
                        acd_test_agent ("c", 3, 2, 0), acd_test_agent ("d", 4, 3, 0) };
  g_autofree char *t2 = offer_rounds (q, all, 4, 4);
  g_assert_cmpstr (t2, ==, "d,a,b,c");
}

/* 1,000 offers to 7 equal agents, all always eligible: each gets its
 * share, give or take one. */
static void
test_round_robin_fair (gconstpointer data)
{
  g_autoptr (AcdTestQueue) q = acd_test_queue_new (ctx, data, 1, NULL);
  OccAcdAgent agents[7];
  guint counts[7] = { 0 };
  for (guint i = 0; i < 7; i++)
    agents[i] = acd_test_agent ("x", 100 + i, i, 0);
  for (guint k = 0; k < 1000; k++)
    counts[acd_test_offer_first (q, &plain_ix, agents, 7)]++;
  guint lo = G_MAXUINT, hi = 0;
  for (guint i = 0; i < 7; i++)
    lo = MIN (lo, counts[i]), hi = MAX (hi, counts[i]);
  g_assert_cmpuint (hi - lo, <=, 1);
  g_assert_cmpuint (lo, ==, 1000 / 7);
}

/* --- random, weighted-random ---------------------------------------------------------- */

static char *
draw_rankings (const char *strategy, guint32 seed, const char *const *params,
               const OccAcdAgent *agents, guint n, guint rounds)
{
  g_autoptr (AcdTestQueue) q = acd_test_queue_new (ctx, strategy, seed, params);
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < rounds; i++)
    {
      g_autofree char *r = acd_test_rank (q, &plain_ix, agents, n);
      g_string_append_printf (s, "%s;", r);
    }
  return g_string_free (s, FALSE);
}

static void
test_random_deterministic_for_a_seed (gconstpointer data)
{
  OccAcdAgent agents[] = {
    acd_test_agent ("a", 1, 0, 0), acd_test_agent ("b", 2, 1, 0), acd_test_agent ("c", 3, 2, 0),
    acd_test_agent ("d", 4, 3, 0), acd_test_agent ("e", 5, 4, 0),
  };
  g_autofree char *one = draw_rankings (data, 42, NULL, agents, 5, 20);
  g_autofree char *again = draw_rankings (data, 42, NULL, agents, 5, 20);
  g_autofree char *other = draw_rankings (data, 43, NULL, agents, 5, 20);
  g_assert_cmpstr (one, ==, again);
  /* 20 draws of 120 orders alike by chance: 120^-20 */
  g_assert_cmpstr (one, !=, other);
}

/* |count - N p| ≤ 6 σ, σ = √(N p (1 - p)): the seed is fixed, so the
 * test cannot flake; the bound says the distribution is right (a wrong
 * one misses it by far more, see the comments at the callers). */
static void
assert_binomial (guint count, guint draws, double p)
{
  double mean = draws * p;
  double sigma = sqrt (draws * p * (1 - p));
  g_test_message ("%u of %u draws, expected %.1f ± %.1f (6 σ)", count, draws, mean, 6 * sigma);
  g_assert_cmpfloat (fabs (count - mean), <=, 6 * sigma);
}

static void
test_random_uniform (void)
{
  enum { N = 7, DRAWS = 70000 };
  g_autoptr (AcdTestQueue) q = acd_test_queue_new (ctx, "random", 7, NULL);
  OccAcdAgent agents[N];
  for (guint i = 0; i < N; i++)
    agents[i] = acd_test_agent ("x", i + 1, i, (gint64) i * 100);
  /* counts[agent][position] */
  guint counts[N][N] = { { 0 } };
  guint out[N];
  for (guint k = 0; k < DRAWS; k++)
    {
      g_assert_cmpuint (acd_test_select (q, &plain_ix, agents, N, out), ==, N);
      for (guint pos = 0; pos < N; pos++)
        counts[out[pos]][pos]++;
    }
  /* every agent in every position 1/7 of the time: 10,000 each, σ ≈ 93;
   * keeping the input order or the longest idle first would put 70,000
   * in one cell */
  for (guint a = 0; a < N; a++)
    for (guint pos = 0; pos < N; pos++)
      assert_binomial (counts[a][pos], DRAWS, 1.0 / N);
}

/* How often each agent comes first under weighted-random with @params,
 * against the weights @w (normalised here). */
static void
check_weighted_first (const char *const *params, const double *w)
{
  enum { DRAWS = 40000 };
  OccAcdAgent agents[] = {
    acd_test_agent ("p0", 1, 0, 0),
    acd_test_agent ("p1", 2, 1, 0),
    acd_test_agent ("p3", 3, 2, 0),
    acd_test_agent ("p3b", 4, 3, 0),
  };
  agents[1].penalty = 1;
  agents[2].penalty = 3;
  agents[3].penalty = 3;
  g_autoptr (AcdTestQueue) q = acd_test_queue_new (ctx, "weighted-random", 11, params);
  guint first[4] = { 0 }, second_given_p0_first = 0, p0_first = 0;
  guint out[4];
  for (guint k = 0; k < DRAWS; k++)
    {
      g_assert_cmpuint (acd_test_select (q, &plain_ix, agents, 4, out), ==, 4);
      first[out[0]]++;
      if (out[0] == 0)
        {
          p0_first++;
          second_given_p0_first += out[1] == 1;
        }
    }
  double total = w[0] + w[1] + w[2] + w[3];
  for (guint i = 0; i < 4; i++)
    assert_binomial (first[i], DRAWS, w[i] / total);
  /* without replacement: once p0 is drawn, p1 comes next with
   * w1 / (w1 + w2 + w3) */
  assert_binomial (second_given_p0_first, p0_first, w[1] / (w[1] + w[2] + w[3]));
}

static void
test_weighted_inverse (void)
{
  /* 1/(1+penalty): 1, 1/2, 1/4, 1/4 → first 1/2, 1/4, 1/8, 1/8. A uniform
   * draw (1/4 each) would be 100 σ off for p0. */
  const double w[] = { 1, 0.5, 0.25, 0.25 };
  check_weighted_first (NULL, w);
  const char *const params[] = { "weights=inverse", NULL };
  check_weighted_first (params, w);
}

static void
test_weighted_exponential (void)
{
  /* 2^-penalty: 1, 1/2, 1/8, 1/8 → p0 first 8/13 */
  const double w[] = { 1, 0.5, 0.125, 0.125 };
  const char *const params[] = { "weights=exponential", NULL };
  check_weighted_first (params, w);
}

static void
test_weighted_refuses_bad_params (void)
{
  const OccAcdStrategy *s = acd_test_strategy (ctx, "weighted-random");
  g_autoptr (GHashTable) params = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) error = NULL;
  g_hash_table_insert (params, "weights", "quadratic");
  g_assert_null (s->queue_new (s, "sales", params, &error));
  g_assert_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
  g_assert_nonnull (strstr (error->message, "sales"));
  g_assert_nonnull (strstr (error->message, "quadratic"));
  g_clear_error (&error);

  g_hash_table_remove_all (params);
  g_hash_table_insert (params, "weight", "inverse");
  g_assert_null (s->queue_new (s, "sales", params, &error));
  g_assert_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "strategy-weight"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ctx = acd_test_context_new ();
  g_test_add_func ("/acd-strategies/every-strategy-loads-and-provides-its-service",
                   test_every_strategy_loads);
  g_test_add_func ("/acd-strategies/every-strategy-ranks-a-single-agent", test_one_agent);
  g_test_add_func ("/acd-strategies/longest-idle-family/longest-idle-first-ties-by-order-then-id",
                   test_longest_idle_family);
  g_test_add_func ("/acd-strategies/linear/top-of-the-list-first", test_linear_top_down);
  g_test_add_data_func ("/acd-strategies/fewest-calls/fewest-answered-then-longest-idle",
                        &fewest_calls_case, test_ranks_by_field_then_longest_idle);
  g_test_add_data_func ("/acd-strategies/least-talk-time/least-talk-then-longest-idle",
                        &least_talk_time_case, test_ranks_by_field_then_longest_idle);
  g_test_add_func ("/acd-strategies/skills-based/best-total-on-required-skills-then-longest-idle",
                   test_skills_best_total_first);
  g_test_add_data_func ("/acd-strategies/round-robin/takes-turns-and-wraps", "round-robin",
                        test_round_robin_takes_turns);
  g_test_add_data_func ("/acd-strategies/round-robin-ordered/takes-turns-and-wraps",
                        "round-robin-ordered", test_round_robin_takes_turns);
  g_test_add_func ("/acd-strategies/round-robin/follows-agents-ordered-follows-positions",
                   test_round_robin_members_change);
  g_test_add_func ("/acd-strategies/round-robin/places-a-new-agent-by-order",
                   test_round_robin_new_agent_by_order);
  g_test_add_data_func ("/acd-strategies/round-robin/1000-offers-to-7-agents-differ-by-at-most-1",
                        "round-robin", test_round_robin_fair);
  g_test_add_data_func (
      "/acd-strategies/round-robin-ordered/1000-offers-to-7-agents-differ-by-at-most-1",
      "round-robin-ordered", test_round_robin_fair);
  g_test_add_data_func ("/acd-strategies/random/deterministic-for-a-seed", "random",
                        test_random_deterministic_for_a_seed);
  g_test_add_data_func ("/acd-strategies/weighted-random/deterministic-for-a-seed",
                        "weighted-random", test_random_deterministic_for_a_seed);
  g_test_add_func ("/acd-strategies/random/uniform-over-agents-and-positions", test_random_uniform);
  g_test_add_func ("/acd-strategies/weighted-random/inverse-weights-by-default",
                   test_weighted_inverse);
  g_test_add_func ("/acd-strategies/weighted-random/exponential-weights",
                   test_weighted_exponential);
  g_test_add_func ("/acd-strategies/weighted-random/refuses-unknown-params",
                   test_weighted_refuses_bad_params);
  int status = g_test_run ();
  occ_context_free (ctx);
  return status;
}
