/* The password policy and the input checks of auth-local (policy.c,
 * compiled in): no database, no daemon, no hashing. */
#include "policy.h"

#include <sodium.h>
#include <string.h>

#define assert_error_part(e, domain, code, part)                    \
  do                                                                \
    {                                                               \
      g_assert_error (e, domain, code);                             \
      if (strstr ((e)->message, part) == NULL)                      \
        g_error ("“%s” does not mention “%s”", (e)->message, part); \
    }                                                               \
  while (0)

static GKeyFile *
keyfile (const char *text)
{
  GKeyFile *kf = g_key_file_new ();
  g_autoptr (GError) e = NULL;
  g_assert_true (g_key_file_load_from_data (kf, text, -1, G_KEY_FILE_NONE, &e));
  g_assert_no_error (e);
  return kf;
}

static void
test_defaults_match_shipped_file (void)
{
  AlPolicy built_in, shipped;
  al_policy_defaults (&built_in);
  g_assert_cmpuint (built_in.min_length, ==, 12);
  g_assert_cmpuint (built_in.max_length, ==, 128);
  g_assert_cmpuint (built_in.history, ==, 5);
  g_assert_cmpuint (built_in.max_age_days, ==, 0);
  g_assert_cmpuint (built_in.opslimit, ==, crypto_pwhash_OPSLIMIT_INTERACTIVE);
  g_assert_cmpuint (built_in.memlimit, ==, crypto_pwhash_MEMLIMIT_INTERACTIVE);
  /* the shipped file says the same, key by key */
  g_autofree char *path = g_build_filename (SOURCE_ROOT, "policies", "passwords.conf", NULL);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) e = NULL;
  g_assert_true (g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &e));
  memset (&shipped, 0xa5, sizeof shipped);
  g_autoptr (GString) unknown = g_string_new (NULL);
  g_assert_true (al_policy_read (&shipped, kf, unknown, &e));
  g_assert_no_error (e);
  g_assert_cmpstr (unknown->str, ==, "");
  g_autoptr (GVariant) a = g_variant_ref_sink (al_policy_to_variant (&shipped));
  g_autoptr (GVariant) b = g_variant_ref_sink (al_policy_to_variant (&built_in));
  g_assert_true (g_variant_equal (a, b));
}

static void
test_read_overrides_and_variant (void)
{
  AlPolicy p;
  al_policy_defaults (&p);
  g_autoptr (GKeyFile) kf = keyfile ("[passwords]\nmin-length=8\nrequire-other=true\n"
                                     "history=0\nmax-age-days=90\nargon2-memlimit-kib=8\n"
                                     "colour=blue\n");
  g_autoptr (GString) unknown = g_string_new (NULL);
  g_autoptr (GError) e = NULL;
  g_assert_true (al_policy_read (&p, kf, unknown, &e));
  g_assert_cmpuint (p.min_length, ==, 8);
  g_assert_true (p.require_other);
  g_assert_cmpuint (p.history, ==, 0);
  g_assert_cmpuint (p.max_age_days, ==, 90);
  g_assert_cmpuint (p.memlimit, ==, 8192);
  g_assert_cmpuint (p.max_length, ==, 128); /* kept */
  g_assert_cmpstr (unknown->str, ==, "colour");
  g_autoptr (GVariant) v = g_variant_ref_sink (al_policy_to_variant (&p));
  gint64 kib = 0;
  gboolean other = FALSE;
  g_assert_true (g_variant_lookup (v, "argon2-memlimit-kib", "x", &kib));
  g_assert_true (g_variant_lookup (v, "require-other", "b", &other));
  g_assert_cmpint (kib, ==, 8);
  g_assert_true (other);
}

static void
test_bad_values_named_and_nothing_applied (void)
{
  static const struct {
    const char *text;
    const char *part;
  } bad[] = {
    { "[passwords]\nmin-length=0\n", "[passwords] min-length: “0” is not a whole number from 1" },
    { "[passwords]\nmin-length=abc\n", "min-length: “abc”" },
    { "[passwords]\nmax-length=300\n", "max-length: “300” is not a whole number from 1 to 256" },
    { "[passwords]\nhistory=-1\n", "history: “-1”" },
    { "[passwords]\nrequire-digit=yes\n", "require-digit: “yes” is not true or false" },
    { "[passwords]\nargon2-opslimit=0\n", "argon2-opslimit" },
    { "[passwords]\nargon2-memlimit-kib=4\n", "argon2-memlimit-kib: “4”" },
    { "[passwords]\nmin-length=20\nmax-length=16\n", "min-length: 20 is more than max-length" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      AlPolicy p, before;
      al_policy_defaults (&p);
      before = p;
      g_autoptr (GKeyFile) kf = keyfile (bad[i].text);
      g_autoptr (GError) e = NULL;
      g_assert_false (al_policy_read (&p, kf, NULL, &e));
      assert_error_part (e, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, bad[i].part);
      g_assert_cmpmem (&p, sizeof p, &before, sizeof before);
    }
}

static void
assert_rule (const AlPolicy *p, const char *password, const char *rule)
{
  g_autoptr (GError) e = NULL;
  gboolean ok = al_policy_check (p, password, &e);
  if (rule == NULL)
    {
      g_assert_no_error (e);
      g_assert_true (ok);
      return;
    }
  g_assert_false (ok);
  assert_error_part (e, OCC_AUTH_ERROR, OCC_AUTH_ERROR_POLICY, rule);
  g_assert_true (g_str_has_prefix (e->message, rule));
  /* the message never repeats the password */
  g_assert_null (strstr (e->message, password));
}

static void
test_each_rule (void)
{
  AlPolicy p;
  al_policy_defaults (&p);
  assert_rule (&p, "correct-horse-7", NULL);
  assert_rule (&p, "short-pw-1", "min-length");
  assert_rule (&p, "only-letters-here", "require-digit");
  assert_rule (&p, "1234567890123", "require-letter");
  /* characters, not bytes: 12 letters of two bytes each are 12 */
  assert_rule (&p, "éééééééééééé", "require-digit");
  assert_rule (&p, "ééééééééééé1", NULL);
  g_autofree char *long_one = g_strnfill (129, 'a');
  long_one[0] = '1';
  assert_rule (&p, long_one, "max-length");
  p.require_upper = p.require_lower = p.require_other = TRUE;
  assert_rule (&p, "lower-case-only-9", "require-upper");
  assert_rule (&p, "UPPER-CASE-ONLY-9", "require-lower");
  assert_rule (&p, "NoSymbolsHere99", "require-other");
  assert_rule (&p, "All Classes Here 9", NULL); /* a space is "other" */
  p.require_letter = p.require_digit = p.require_upper = p.require_lower = p.require_other = FALSE;
  assert_rule (&p, "            ", NULL);
}

static void
test_expiry (void)
{
  AlPolicy p;
  al_policy_defaults (&p);
  gint64 day = 24 * 3600 * 1000, now = 1700000000000;
  g_assert_false (al_policy_expired (&p, now - 1000 * day, now)); /* 0: never */
  p.max_age_days = 30;
  g_assert_false (al_policy_expired (&p, now - 30 * day, now));
  g_assert_true (al_policy_expired (&p, now - 30 * day - 1, now));
  g_assert_false (al_policy_expired (&p, 0, now)); /* one-time: must change, not expired */
}

static void
assert_input (const char *value, gssize len, const char *rule)
{
  g_autoptr (GError) e = NULL;
  gboolean ok = al_check_input ("password", value, len, &e);
  if (rule == NULL)
    {
      g_assert_no_error (e);
      g_assert_true (ok);
      return;
    }
  g_assert_false (ok);
  assert_error_part (e, OCC_AUTH_ERROR, OCC_AUTH_ERROR_INVALID, rule);
  g_assert_true (g_str_has_prefix (e->message, "password: "));
}

static void
test_input_checks (void)
{
  assert_input ("fine", -1, NULL);
  assert_input (NULL, -1, "is empty");
  assert_input ("", -1, "is empty");
  assert_input ("ab\0cd", 5, "contains a NUL byte");
  assert_input ("\xff\xfe", -1, "is not valid UTF-8");
  assert_input ("caf\xc3", -1, "is not valid UTF-8");
  g_autofree char *max = g_strnfill (256, 'x');
  assert_input (max, -1, NULL);
  g_autofree char *over = g_strnfill (257, 'x');
  assert_input (over, -1, "is longer than 256 bytes");
  /* a huge value is not scanned to its end */
  g_autofree char *huge = g_strnfill (1 << 20, 'x');
  assert_input (huge, -1, "is longer than 256 bytes");
}

static void
test_logins (void)
{
  g_autoptr (GError) e = NULL;
  g_assert_true (al_check_login ("admin", &e));
  g_assert_true (al_check_login ("kouadio.aya@example.ci", &e));
  g_assert_true (al_check_login ("Aïcha", &e));
  g_assert_no_error (e);
  static const char *const bad[] = { "two words", "tab\there", "bell\a", "", NULL };
  for (guint i = 0; bad[i]; i++)
    {
      g_assert_false (al_check_login (bad[i], &e));
      g_assert_error (e, OCC_AUTH_ERROR, OCC_AUTH_ERROR_INVALID);
      g_clear_error (&e);
    }
  g_autofree char *long_login = g_strnfill (129, 'a');
  g_assert_false (al_check_login (long_login, &e));
  assert_error_part (e, OCC_AUTH_ERROR, OCC_AUTH_ERROR_INVALID, "longer than 128 characters");
}

static void
test_display_names (void)
{
  g_autoptr (GError) e = NULL;
  g_autofree char *max = g_strnfill (200, 'n');
  static const char *const good[] = { "Aya Kouadio", "Aïcha N’Guessan", "", NULL };
  for (guint i = 0; good[i]; i++)
    g_assert_true (al_check_display_name (good[i], &e));
  g_assert_true (al_check_display_name (NULL, &e));
  g_assert_true (al_check_display_name (max, &e));
  g_assert_no_error (e);
  g_autofree char *over = g_strnfill (201, 'n');
  /* a huge name is not scanned to its end, and is too long, not bad UTF-8 */
  g_autofree char *huge = g_strnfill (1 << 20, '\xc3');
  const struct {
    const char *name, *rule;
  } bad[] = {
    { over, "display name: is longer than 200 characters" },
    { huge, "display name: is longer than 200 characters" },
    { "Ay\xff", "display name: is not valid UTF-8" },
    { "Aya\tKouadio", "display name: contains a control character" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (al_check_display_name (bad[i].name, &e));
      assert_error_part (e, OCC_AUTH_ERROR, OCC_AUTH_ERROR_INVALID, bad[i].rule);
      g_clear_error (&e);
    }
}

static void
test_quote_and_redact (void)
{
  g_autofree char *q = al_quote ("a\nb");
  g_assert_cmpstr (q, ==, "“a\\u000Ab”");
  g_autofree char *bad = al_quote ("\xff");
  g_assert_true (g_utf8_validate (bad, -1, NULL));
  g_autofree char *r = al_redact ("null value; Failing row contains (u1, admin, local, "
                                  "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g, 1, 0).");
  g_assert_cmpstr (r, ==, "null value; Failing row contains (u1, admin, local, [hash], 1, 0).");
  g_autofree char *none = al_redact ("nothing here");
  g_assert_cmpstr (none, ==, "nothing here");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/auth-local/policy/defaults-match-the-shipped-file",
                   test_defaults_match_shipped_file);
  g_test_add_func ("/auth-local/policy/site-values-override", test_read_overrides_and_variant);
  g_test_add_func ("/auth-local/policy/bad-values-named-and-nothing-applied",
                   test_bad_values_named_and_nothing_applied);
  g_test_add_func ("/auth-local/policy/each-rule-named", test_each_rule);
  g_test_add_func ("/auth-local/policy/expiry", test_expiry);
  g_test_add_func ("/auth-local/input/empty-long-nul-not-utf8-refused", test_input_checks);
  g_test_add_func ("/auth-local/input/logins", test_logins);
  g_test_add_func ("/auth-local/input/display-names", test_display_names);
  g_test_add_func ("/auth-local/log/quote-and-redact", test_quote_and_redact);
  return g_test_run ();
}
