/* omnicc-sim's campaign mode with the real engine and pacing plugins: a
 * seed repeats a run exactly and another seed changes it; preview and
 * progressive never abandon a call while predictive keeps agents talking
 * longer within the abandonment target; bad scenarios are refused with
 * the file, group and key. (The figures themselves are the benchmark's:
 * tests/bench/run dialer.) */
#include "testlib.h"

#include <string.h>

static const char *const scenario
    = "[simulation]\nseed=%u\nreplications=2\nshift=7200\n"
      "modes=preview;progressive;predictive\n"
      "[campaign]\npacing=predictive\ntimezone=UTC\nwindow=08:00-20:00\ndays=mon-sun\n"
      "ring-timeout=30\n"
      "[subscribers]\ncontacts=5000\nanswer-rate=0.3\nbusy-rate=0.1\nunreachable-rate=0.05\n"
      "[agents]\ncount=10\ntalk-mean=170\ntalk-sd=100\nwrapup=10\n%s";

/* Runs omnicc-sim on the scenario; its JSON (transfer full) or NULL
 * with its standard error in *err. */
static char *
simulate (guint seed, const char *extra, char **err)
{
  g_autofree char *dir = occ_test_mkdtemp ();
  g_autofree char *text = g_strdup_printf (scenario, seed, extra ? extra : "");
  occ_test_write (dir, "campaign.conf", text);
  g_autofree char *path = g_build_filename (dir, "campaign.conf", NULL);
  const char *const argv[] = { OMNICC_SIM_PATH, "--pacing-dir", PACING_DIR, "--json", path, NULL };
  char *out = NULL;
  g_clear_pointer (err, g_free); /* a caller may run several with one */
  int rc = occ_test_run (argv, &out, err);
  occ_test_rmtree (dir);
  if (rc != 0)
    g_clear_pointer (&out, g_free);
  return out;
}

static JsonObject *
mode (JsonObject *root, guint i, const char *name)
{
  JsonObject *m = json_array_get_object_element (json_object_get_array_member (root, "modes"), i);
  g_assert_cmpstr (json_object_get_string_member (m, "mode"), ==, name);
  return m;
}

static double
mean (JsonObject *m, const char *key)
{
  return json_array_get_double_element (json_object_get_array_member (m, key), 0);
}

static void
test_deterministic (void)
{
  g_autofree char *err = NULL;
  g_autofree char *a = simulate (11, NULL, &err);
  g_assert_nonnull (a);
  g_autofree char *b = simulate (11, NULL, &err);
  g_autofree char *c = simulate (12, NULL, &err);
  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (a, !=, c);
}

static void
test_modes_compared (void)
{
  g_autofree char *err = NULL;
  g_autofree char *out = simulate (5, NULL, &err);
  g_assert_nonnull (out);
  g_test_message ("%s", out);
  g_autoptr (JsonObject) root = occ_test_parse_object (out);
  JsonObject *preview = mode (root, 0, "preview"), *progressive = mode (root, 1, "progressive"),
             *predictive = mode (root, 2, "predictive");
  g_assert_cmpint (json_object_get_int_member (preview, "abandons"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (progressive, "abandons"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (predictive, "runs_within_target"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (predictive, "abandons"), >, 0);
  double talk_prog = mean (progressive, "talk_min_per_agent_hour");
  double talk_pred = mean (predictive, "talk_min_per_agent_hour");
  g_assert_cmpfloat (talk_prog, >, 0);
  g_assert_cmpfloat (talk_pred, >, talk_prog);
  g_assert_cmpfloat (mean (predictive, "idle_share"), <, mean (progressive, "idle_share"));
  g_assert_cmpfloat (mean (predictive, "worst_day_abandon_rate"), <=, 0.03);
}

static void
test_bad_scenarios (void)
{
  static const struct {
    const char *extra, *expect;
  } cases[] = {
    { "[subscribers]\nanswer-rate=0.9\n", "[subscribers] answer-rate + busy-rate" },
    { "[agents]\ncount=0\n", "[agents] count: must be between 1 and 10000" },
    { "[campaign]\nring-timeout=5\n", "[campaign] ring-timeout: must be at least 15 s" },
    { "[campaign]\nwindow=20:00-08:00\n", "[campaign] window: is empty" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      /* a later group of the same name adds to the first in a key file; a repeated key wins */
      g_autofree char *err = NULL;
      g_autofree char *out = simulate (1, cases[i].extra, &err);
      g_test_message ("%s", err);
      g_assert_null (out);
      g_assert_nonnull (strstr (err, "campaign.conf: "));
      g_assert_nonnull (strstr (err, cases[i].expect));
    }
  g_autofree char *err = NULL;
  g_autofree char *out = simulate (1, "[simulation]\nmodes=telepathic\n", &err);
  g_assert_null (out);
  g_assert_nonnull (strstr (err, "pacing telepathic: no plugin dialer-telepathic"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dialer/sim/a-seed-repeats-a-run", test_deterministic);
  g_test_add_func ("/dialer/sim/modes-compared", test_modes_compared);
  g_test_add_func ("/dialer/sim/bad-scenarios-refused", test_bad_scenarios);
  return g_test_run ();
}
