/* bench ivr-flow: the IVR's flow files — loading the demo flow, loading a
 * generated flow of 1000 nodes (the most a flow may have: a chain of
 * menus, each choice going back and forth), evaluating the demo's hours
 * condition, and expanding its balance URL (percent-encoded). Prints
 * "bench ivr-flow.<metric>: <value> <unit>". */
#include "flow.h"

#include <stdio.h>

static double
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1e6;
}

static char *
big_flow (void)
{
  GString *s = g_string_new ("[flow]\nstart = n0\nlanguage = fr\n");
  for (guint i = 0; i < IVR_FLOW_MAX_NODES - 1; i++)
    g_string_append_printf (s,
                            "[n%u]\nkind = menu\nprompt = main-menu; say:number:${n%u}\n"
                            "choices = 1:n%u; 2:n%u; *:n0\non-failure = bye\n",
                            i, i, i + 1 < IVR_FLOW_MAX_NODES - 1 ? i + 1 : 0, i ? i - 1 : 0);
  g_string_append (s, "[bye]\nkind = end\nprompt = goodbye\n");
  return g_string_free (s, FALSE);
}

static const char *
lookup (const char *name, gpointer data)
{
  (void) data;
  return name[0] == 'c' ? "+225 01 02 03 04" : "8088";
}

int
main (int argc, char **argv)
{
  (void) argc;
  (void) argv;
  g_autofree char *demo = NULL;
  gsize demo_len = 0;
  g_assert_true (
      g_file_get_contents (SOURCE_ROOT "/share/examples/ivr/demo.flow", &demo, &demo_len, NULL));
  const guint loads = 2000;
  gint64 t = g_get_monotonic_time ();
  for (guint i = 0; i < loads; i++)
    {
      g_autoptr (IvrFlow) f = ivr_flow_load_from_data ("demo.flow", demo, demo_len, NULL, NULL);
      g_assert_nonnull (f);
    }
  printf ("bench ivr-flow.load-demo: %.1f us\n", seconds_since (t) * 1e6 / loads);

  g_autofree char *big = big_flow ();
  t = g_get_monotonic_time ();
  for (guint i = 0; i < 10; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (IvrFlow) f = ivr_flow_load_from_data ("big.flow", big, strlen (big), NULL, &error);
      g_assert_no_error (error);
    }
  printf ("bench ivr-flow.load-1000-nodes: %.2f ms (%zu bytes)\n", seconds_since (t) * 1e3 / 10,
          strlen (big));

  g_autoptr (IvrFlow) flow = ivr_flow_load_from_data ("demo.flow", demo, demo_len, NULL, NULL);
  const IvrNode *hours = ivr_flow_get_node (flow, "hours");
  const IvrNode *balance = ivr_flow_get_node (flow, "balance");
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  IvrVars vars = { lookup, NULL, NULL };
  const guint evals = 2000000;
  t = g_get_monotonic_time ();
  for (guint i = 0; i < evals; i++)
    g_assert_nonnull (ivr_flow_eval_condition (flow, hours, &vars, now));
  printf ("bench ivr-flow.conditions: %.2f M/s\n", evals / seconds_since (t) / 1e6);

  const guint expansions = 1000000;
  t = g_get_monotonic_time ();
  for (guint i = 0; i < expansions; i++)
    g_free (ivr_template_expand_uri (balance->u.http.url, &vars));
  printf ("bench ivr-flow.url-expansions: %.2f M/s\n", expansions / seconds_since (t) / 1e6);
  return 0;
}
