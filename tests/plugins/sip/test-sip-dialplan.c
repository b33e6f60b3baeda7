/* The dial plan without a stack: numbers, patterns, the best match. */
#include "dialplan.h"

static SipRoute *
route (const char *name, const char *const *patterns)
{
  SipRoute *r = g_new0 (SipRoute, 1);
  r->name = g_strdup (name);
  r->patterns = g_strdupv ((char **) patterns);
  r->agents = g_strdupv ((char **) (const char *const[]){ "a", NULL });
  return r;
}

static void
test_match (void)
{
  g_autoptr (GPtrArray) routes = g_ptr_array_new_with_free_func ((GDestroyNotify) sip_route_free);
  g_ptr_array_add (routes, route ("anything", (const char *const[]){ "*", NULL }));
  g_ptr_array_add (routes, route ("abidjan", (const char *const[]){ "+22520*", NULL }));
  g_ptr_array_add (routes, route ("sales", (const char *const[]){ "+2252000*", "1000", NULL }));
  g_ptr_array_add (routes, route ("hotline", (const char *const[]){ "+22520000000", NULL }));
  const struct {
    const char *number;
    const char *route;
  } cases[] = {
    { "+22520000000", "hotline" }, /* exact beats every prefix */
    { "+22520001234", "sales" },   /* the longer prefix */
    { "+22520999999", "abidjan" }, { "1000", "sales" },
    { "1001", "anything" },        { "+33123456789", "anything" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const SipRoute *r = sip_dialplan_match (routes, cases[i].number);
      g_assert_nonnull (r);
      g_assert_cmpstr (r->name, ==, cases[i].route);
    }
  g_assert_null (sip_dialplan_match (routes, ""));
  g_assert_null (sip_dialplan_match (routes, "10 00"));
  g_assert_null (sip_dialplan_match (routes, NULL));
  g_ptr_array_remove_index (routes, 0);
  g_assert_null (sip_dialplan_match (routes, "+33123456789"));
  g_assert_null (sip_dialplan_match (NULL, "1000"));
}

static void
test_numbers_and_patterns (void)
{
  g_assert_true (sip_number_is_valid ("+22520000000"));
  g_assert_true (sip_number_is_valid ("*21#"));
  g_assert_true (sip_number_is_valid ("alice"));
  g_assert_false (sip_number_is_valid (""));
  g_assert_false (sip_number_is_valid ("a b"));
  g_assert_false (sip_number_is_valid ("a;b"));
  g_autofree char *long_one = g_strnfill (SIP_MAX_NUMBER + 1, '1');
  g_assert_false (sip_number_is_valid (long_one));
  g_assert_true (sip_pattern_is_valid ("*"));
  g_assert_true (sip_pattern_is_valid ("+2252*"));
  g_assert_true (sip_pattern_is_valid ("1000"));
  g_assert_false (sip_pattern_is_valid ("1*0"));
  g_assert_false (sip_pattern_is_valid ("**"));
  g_assert_false (sip_pattern_is_valid (""));
  g_assert_false (sip_pattern_is_valid ("12 3*"));
  g_autofree char *n = sip_number_from_user ("+225-20.00(00)00");
  g_assert_cmpstr (n, ==, "+22520000000");
  g_assert_null (sip_number_from_user ("bad;user"));
  g_assert_null (sip_number_from_user (NULL));
  g_assert_null (sip_number_from_user ("---"));
}

static void
test_display_names (void)
{
  const struct {
    const char *raw, *want;
  } cases[] = {
    { "\"Awa Kone\"", "Awa Kone" },
    { "Awa Kone", "Awa Kone" },
    { "\"Ko\\\"ne \\\\ x\"", "Kone  x" }, /* quoted-pairs undone, quote and backslash dropped */
    { "\"  \"", NULL },
    { "\"\"", NULL },
    { "A\tB\x01"
      "C",
      "ABC" },
    { "\"Akwaba Ayoko\u00e9\"", "Akwaba Ayokoé" },
    { "\xff\xfe", "\xef\xbf\xbd\xef\xbf\xbd" }, /* not UTF-8: replacement characters */
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = sip_display_name (cases[i].raw);
      g_assert_cmpstr (got, ==, cases[i].want);
    }
  g_autofree char *longer = g_strnfill (200, 'x');
  g_autofree char *cut = sip_display_name (longer);
  g_assert_cmpint (strlen (cut), ==, SIP_MAX_DISPLAY);
  g_assert_null (sip_display_name (NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sip/dialplan/match", test_match);
  g_test_add_func ("/sip/dialplan/numbers-and-patterns", test_numbers_and_patterns);
  g_test_add_func ("/sip/dialplan/display-names", test_display_names);
  return g_test_run ();
}
