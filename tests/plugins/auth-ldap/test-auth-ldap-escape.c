/* auth-ldap's escaping and input checks alone: RFC 4515 filter values,
 * RFC 4514 DN values, templates, and what callers may pass. */
#include "ldapauth.h"

#include <string.h>

static void
check_filter_value (const char *in, gsize len, const char *want)
{
  g_autofree char *got = la_escape_filter (in, len);
  g_assert_cmpstr (got, ==, want);
}

static void
test_filter_specials (void)
{
  check_filter_value ("alice", 5, "alice");
  check_filter_value ("*", 1, "\\2a");
  check_filter_value ("(", 1, "\\28");
  check_filter_value (")", 1, "\\29");
  check_filter_value ("\\", 1, "\\5c");
  check_filter_value ("a\0b", 3, "a\\00b");
  check_filter_value (")(uid=*", 7, "\\29\\28uid=\\2a");
  check_filter_value ("admin)(|(x=", 11, "admin\\29\\28|\\28x=");
  check_filter_value ("\\2a", 3, "\\5c2a");
  check_filter_value ("a&b|c!d=e~f<g>h", 15, "a&b|c!d=e~f<g>h"); /* harmless inside a value */
}

static void
test_filter_non_ascii (void)
{
  check_filter_value ("zo\xc3\xab", 4, "zo\\c3\\ab");
  check_filter_value ("\x01\x1f\x7f", 3, "\\01\\1f\\7f");
  check_filter_value ("\xff", 1, "\\ff");
  check_filter_value ("", 0, "");
}

/* Undoes la_escape_filter: every \XX back to its byte. */
static GByteArray *
unescape (const char *s)
{
  GByteArray *out = g_byte_array_new ();
  for (const char *p = s; *p; p++)
    {
      guint8 c = (guint8) *p;
      if (c == '\\')
        {
          g_assert_true (g_ascii_isxdigit (p[1]) && g_ascii_isxdigit (p[2]));
          c = (guint8) (g_ascii_xdigit_value (p[1]) * 16 + g_ascii_xdigit_value (p[2]));
          p += 2;
        }
      g_byte_array_append (out, &c, 1);
    }
  return out;
}

static void
test_filter_any_bytes (void)
{
  /* whatever the bytes, the escaped value holds no filter syntax and
   * stands for exactly those bytes */
  GRand *rand = g_rand_new_with_seed (4515);
  for (int n = 0; n < 2000; n++)
    {
      guint8 in[64];
      gsize len = (gsize) g_rand_int_range (rand, 0, sizeof in);
      for (gsize i = 0; i < len; i++)
        in[i] = (guint8) g_rand_int_range (rand, 0, 256);
      g_autofree char *esc = la_escape_filter ((const char *) in, len);
      for (const char *p = esc; *p; p++)
        {
          g_assert_true (*p != '*' && *p != '(' && *p != ')');
          g_assert_true ((guchar) *p >= 0x20 && (guchar) *p < 0x7f);
        }
      g_autoptr (GByteArray) back = unescape (esc);
      g_assert_cmpmem (back->data, back->len, in, len);
    }
  g_rand_free (rand);
}

static void
check_dn_value (const char *in, gsize len, const char *want)
{
  g_autofree char *got = la_escape_dn (in, len);
  g_assert_cmpstr (got, ==, want);
}

static void
test_dn_values (void)
{
  check_dn_value ("alice", 5, "alice");
  check_dn_value ("comma,user", 10, "comma\\,user");
  check_dn_value ("a+b", 3, "a\\+b");
  check_dn_value ("a=b", 3, "a\\=b");
  check_dn_value ("q\"<>;\\", 6, "q\\\"\\<\\>\\;\\\\");
  check_dn_value ("#x", 2, "\\#x");
  check_dn_value ("x#", 2, "x#");
  check_dn_value (" x ", 3, "\\ x\\ ");
  check_dn_value ("a b", 3, "a b");
  check_dn_value ("a\0b", 3, "a\\00b");
  check_dn_value ("zo\xc3\xab", 4, "zo\xc3\xab");
  /* what an attacker would graft on stays one value */
  check_dn_value ("admin,ou=people", 15, "admin\\,ou\\=people");
}

static void
test_dn_escape_parses_back (void)
{
  const char *values[] = { "comma,user", " lead", "trail ", "#hash", "a+b=c", "x\\y\"z", "é,ü" };
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autofree char *esc = la_escape_dn (values[i], strlen (values[i]));
      g_autofree char *dn = g_strdup_printf ("uid=%s,dc=example,dc=org", esc);
      g_autofree char *first = la_dn_first_value (dn);
      g_assert_cmpstr (first, ==, values[i]);
    }
}

static void
test_expand (void)
{
  g_autofree char *a = la_expand ("(|(sAMAccountName=%s)(userPrincipalName=%s))", "x\\2a");
  g_assert_cmpstr (a, ==, "(|(sAMAccountName=x\\2a)(userPrincipalName=x\\2a))");
  g_autofree char *b = la_expand ("100%% %s", "y");
  g_assert_cmpstr (b, ==, "100% y");
  g_autofree char *c = la_expand ("%s@example.org", "alice");
  g_assert_cmpstr (c, ==, "alice@example.org");
}

static void
test_templates (void)
{
  const char *good[] = { "uid=%s,dc=x", "%s@example.org", "(|(a=%s)(b=%s))", "100%%=%s" };
  const char *bad[] = { "uid=alice", "uid=%d", "%", "%%", "uid=%S" };
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (GError) e = NULL;
      g_assert_true (la_check_template ("user-filter", good[i], &e));
      g_assert_no_error (e);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) e = NULL;
      g_assert_false (la_check_template ("user-filter", bad[i], &e));
      g_assert_error (e, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
      g_assert_nonnull (strstr (e->message, "[ldap] user-filter"));
    }
}

static void
test_filters (void)
{
  g_assert_true (la_check_filter ("(uid=x)"));
  g_assert_true (la_check_filter ("(|(a=x)(b=y))"));
  g_assert_true (la_check_filter ("(a=\\29)"));
  g_assert_false (la_check_filter ("uid=x"));
  g_assert_false (la_check_filter ("(a=x)(b=y)"));
  g_assert_false (la_check_filter ("((a=x)"));
  g_assert_false (la_check_filter ("(a=x))"));
  g_assert_false (la_check_filter ("()"));
}

static void
test_input (void)
{
  g_autofree char *max = g_strnfill (LA_INPUT_MAX, 'a');
  g_autofree char *over = g_strnfill (LA_INPUT_MAX + 1, 'a');
  const char *bad[] = { NULL, "", over, "a\xff", "\xc3", "\xed\xa0\x80" /* a surrogate */ };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) e = NULL;
      g_assert_false (la_check_input ("login", bad[i], &e));
      g_assert_error (e, OCC_AUTH_ERROR, OCC_AUTH_ERROR_INVALID);
      g_assert_nonnull (strstr (e->message, "login"));
    }
  g_autoptr (GError) e = NULL;
  g_assert_true (la_check_input ("login", max, &e));
  g_assert_true (la_check_input ("login", "zo\xc3\xab", &e));
  g_assert_no_error (e);
}

static void
test_dn_keys (void)
{
  g_autofree char *a = la_dn_key ("CN=Agents, OU=Groups,DC=Example,DC=Org");
  g_autofree char *b = la_dn_key ("cn=agents,ou=groups,dc=example,dc=org");
  g_assert_cmpstr (a, ==, b);
  g_autofree char *c = la_dn_key ("cn=other,ou=groups,dc=example,dc=org");
  g_assert_cmpstr (a, !=, c);
  g_autofree char *first = la_dn_first_value ("cn=agents,ou=groups,dc=example,dc=org");
  g_assert_cmpstr (first, ==, "agents");
  g_autofree char *none = la_dn_first_value ("not a dn");
  g_assert_null (none);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/auth-ldap/escape/filter/specials", test_filter_specials);
  g_test_add_func ("/auth-ldap/escape/filter/non-ascii", test_filter_non_ascii);
  g_test_add_func ("/auth-ldap/escape/filter/any-bytes-round-trip", test_filter_any_bytes);
  g_test_add_func ("/auth-ldap/escape/dn/values", test_dn_values);
  g_test_add_func ("/auth-ldap/escape/dn/parses-back", test_dn_escape_parses_back);
  g_test_add_func ("/auth-ldap/escape/expand", test_expand);
  g_test_add_func ("/auth-ldap/check/templates", test_templates);
  g_test_add_func ("/auth-ldap/check/filters", test_filters);
  g_test_add_func ("/auth-ldap/check/input", test_input);
  g_test_add_func ("/auth-ldap/dn/keys-and-names", test_dn_keys);
  return g_test_run ();
}
