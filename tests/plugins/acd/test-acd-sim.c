/* omnicc-sim against the closed forms: the real engine and the real
 * fifo-priority plugin under virtual time must reproduce Erlang C (one
 * FIFO queue, no abandonment) within ±1 point of service level and ±5 %
 * of ASA, and Erlang A (abandonment) within ±0.5 point of P(abandon) —
 * the figures of issue 6, written here, not computed by our own formulas.
 * Also: a seed makes a run repeatable, and bad scenarios are refused
 * with the file, group and key.
 *
 * The runs are sized so that the tolerance is about 3.5 standard errors
 * (measured): a correct simulator fails about once in 2,000 runs, a
 * biased one by more than the tolerance fails nearly always. Under the
 * sanitizers (10 to 20 times slower) the runs are 20 times shorter and
 * the check is statistical: within 4 standard errors of the figure. */
#include "testlib.h"

#include <math.h>
#include <string.h>

static gboolean sanitized;

typedef struct {
  double mean, half;
} Est;

static Est
est (JsonObject *q, const char *name)
{
  JsonArray *a = json_object_get_array_member (q, name);
  return (Est){ json_array_get_double_element (a, 0), json_array_get_double_element (a, 1) };
}

/* Runs omnicc-sim on @scenario; returns its JSON's first queue (and the
 * whole answer in *root). */
static JsonObject *
simulate (const char *scenario, const char *const *extra, JsonObject **root)
{
  g_autofree char *dir = occ_test_mkdtemp ();
  occ_test_write (dir, "scenario.conf", scenario);
  g_autofree char *path = g_build_filename (dir, "scenario.conf", NULL);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (char *) OMNICC_SIM_PATH);
  g_ptr_array_add (argv, (char *) "--strategy-dir");
  g_ptr_array_add (argv, (char *) STRATEGY_DIR);
  g_ptr_array_add (argv, (char *) "--json");
  for (guint i = 0; extra && extra[i]; i++)
    g_ptr_array_add (argv, (char *) extra[i]);
  g_ptr_array_add (argv, path);
  g_ptr_array_add (argv, NULL);
  g_autofree char *out = NULL, *err = NULL;
  int rc = occ_test_run ((const char *const *) argv->pdata, &out, &err);
  occ_test_rmtree (dir);
  if (rc != 0)
    g_error ("omnicc-sim: exit %d: %s", rc, err);
  g_test_message ("%s", out);
  *root = occ_test_parse_object (out);
  JsonArray *queues = json_object_get_array_member (*root, "queues");
  return json_array_get_object_element (queues, 0);
}

static char *
scenario (guint replications, double duration, double per_hour, double aht, double patience,
          guint agents)
{
  if (sanitized)
    duration /= 20;
  return g_strdup_printf ("[simulation]\nseed=20261129\nreplications=%u\nwarmup=3600\n"
                          "duration=%.0f\n"
                          "[queue q]\nstrategy=fifo-priority\nsl-threshold=20\n"
                          "arrivals-per-hour=%.0f\naht=%.0f\npatience=%.0f\n"
                          "[agents team]\ncount=%u\nqueues=q\n",
                          replications, duration, per_hour, aht, patience, agents);
}

/* |measured - expected| within @tolerance, or, sanitized, within 4
 * standard errors (the interval's half width is 1.96 to 2.02 of them). */
static void
check (const char *what, Est m, double expected, double tolerance)
{
  double allowed = sanitized ? 4.0 * m.half / 1.96 + 1e-9 : tolerance;
  g_test_message ("%s: %.4f ± %.4f (95 %%) against %.4f, allowed %.4f", what, m.mean, m.half,
                  expected, allowed);
  g_assert_cmpfloat (fabs (m.mean - expected), <=, allowed);
}

typedef struct {
  const char *name;
  double per_hour, aht;
  guint agents;
  double duration;        /* seconds a replication (40 of them) */
  double sl, asa, p_wait; /* the figures; asa, p_wait < 0: not given */
} ErlangCCase;

static const ErlangCCase c_cases[] = {
  /* 48 Erlangs: 360 calls in 30 min, AHT 240 s */
  { "48-erlangs-55-agents", 720, 240, 55, 1.0e6, 0.8668, 8.18, 0.2387 },
  { "48-erlangs-54-agents", 720, 240, 54, 6.0e5, 0.8172, -1, -1 },
  /* 10 Erlangs: 100 calls in 30 min, AHT 180 s */
  { "10-erlangs-13-agents", 200, 180, 13, 9.0e5, 0.7956, 17.12, -1 },
  { "10-erlangs-14-agents", 200, 180, 14, 1.5e6, 0.8884, 7.84, -1 },
};

static void
test_erlang_c (gconstpointer data)
{
  const ErlangCCase *c = data;
  g_autofree char *text = scenario (40, c->duration, c->per_hour, c->aht, 0, c->agents);
  g_autoptr (JsonObject) root = NULL;
  JsonObject *q = simulate (text, NULL, &root);
  check ("SL(20 s)", est (q, "sl"), c->sl, 0.01);
  if (c->asa >= 0)
    check ("ASA", est (q, "asa"), c->asa, 0.05 * c->asa);
  if (c->p_wait >= 0)
    check ("P(wait)", est (q, "p_wait"), c->p_wait, 0.01);
  g_assert_cmpfloat (est (q, "p_abandon").mean, ==, 0);
  /* and the closed forms beside it agree with the issue too */
  JsonObject *ref = json_object_get_object_member (q, "reference");
  g_assert_cmpstr (json_object_get_string_member (ref, "model"), ==, "Erlang C");
  g_assert_cmpfloat (fabs (json_object_get_double_member (ref, "sl") - c->sl), <, 5e-5);
}

static void
test_erlang_a (void)
{
  /* 10 Erlangs, AHT 180 s, patience 120 s on average, 12 agents */
  g_autofree char *text = scenario (40, 2.0e5, 200, 180, 120, 12);
  g_autoptr (JsonObject) root = NULL;
  JsonObject *q = simulate (text, NULL, &root);
  check ("P(abandon)", est (q, "p_abandon"), 0.0616, 0.005);
  JsonObject *ref = json_object_get_object_member (q, "reference");
  g_assert_cmpstr (json_object_get_string_member (ref, "model"), ==, "Erlang A");
}

static void
test_seed_repeats (void)
{
  g_autofree char *text = scenario (3, 2.0e4, 200, 180, 120, 12);
  g_autoptr (JsonObject) a = NULL, b = NULL, c = NULL;
  JsonObject *qa = simulate (text, NULL, &a);
  JsonObject *qb = simulate (text, NULL, &b);
  const char *const other[] = { "--seed", "99", NULL };
  JsonObject *qc = simulate (text, other, &c);
  g_assert_cmpfloat (est (qa, "sl").mean, ==, est (qb, "sl").mean);
  g_assert_cmpfloat (est (qa, "asa").mean, ==, est (qb, "asa").mean);
  g_assert_cmpint (json_object_get_int_member (a, "interactions"), ==,
                   json_object_get_int_member (b, "interactions"));
  g_assert_cmpfloat (est (qa, "asa").mean, !=, est (qc, "asa").mean);
}

/* A scenario omnicc-sim must refuse with @needle in its message. */
static void
refused (const char *text, const char *needle)
{
  g_autofree char *dir = occ_test_mkdtemp ();
  occ_test_write (dir, "bad.conf", text);
  g_autofree char *path = g_build_filename (dir, "bad.conf", NULL);
  const char *argv[] = { OMNICC_SIM_PATH, "--strategy-dir", STRATEGY_DIR, path, NULL };
  g_autofree char *out = NULL, *err = NULL;
  int rc = occ_test_run (argv, &out, &err);
  g_test_message ("%s", err);
  g_assert_cmpint (rc, ==, 1);
  g_assert_nonnull (strstr (err, needle));
  occ_test_rmtree (dir);
}

static void
test_bad_scenarios (void)
{
  const char *agents = "[agents a]\ncount=2\nqueues=q\n";
  g_autofree char *typo
      = g_strconcat ("[queue q]\narrivals-per-hour=10\naht=60\nwrap-up=10\n", agents, NULL);
  refused (typo, "[queue q] wrap-up: not a queue key");
  g_autofree char *negative
      = g_strconcat ("[queue q]\narrivals-per-hour=10\naht=60\nwrapup=-5\n", agents, NULL);
  refused (negative, "[queue q] wrapup: must not be negative");
  g_autofree char *strategy
      = g_strconcat ("[queue q]\nstrategy=no-such\narrivals-per-hour=10\naht=60\n", agents, NULL);
  refused (strategy, "strategy no-such: no plugin acd-no-such");
  refused ("[queue q]\narrivals-per-hour=10\naht=60\n"
           "[queue r]\narrivals-per-hour=10\naht=60\noverflow-to=q\noverflow-after=5\n"
           "[queue q]\noverflow-to=r\noverflow-after=5\n"
           "[agents a]\ncount=1\nqueues=q\n",
           "makes a loop");
  refused ("[queue q]\narrivals-per-hour=10\naht=60\n[agents a]\ncount=1\nqueues=elsewhere\n",
           "[agents a] queues: names a queue the scenario lacks");
  refused ("[queue q]\narrivals-per-hour=ten\naht=60\n[agents a]\ncount=1\nqueues=q\n",
           "[queue q] arrivals-per-hour: not a number");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  sanitized = g_getenv ("ASAN_OPTIONS") != NULL;
  for (guint i = 0; i < G_N_ELEMENTS (c_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/acd/sim/erlang-c/%s", c_cases[i].name);
      g_test_add_data_func (path, &c_cases[i], test_erlang_c);
    }
  g_test_add_func ("/acd/sim/erlang-a", test_erlang_a);
  g_test_add_func ("/acd/sim/seed-repeats", test_seed_repeats);
  g_test_add_func ("/acd/sim/bad-scenarios", test_bad_scenarios);
  return g_test_run ();
}
