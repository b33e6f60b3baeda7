/* End-to-end tests of auth-local: the real auth-local.so, records.so and
 * a store backend loaded into an in-process core — store-sqlite always,
 * store-postgres on a private PostgreSQL when its plugin is built. One
 * suite (add_suite) runs, unchanged, against each backend. */
#include "auth-fixture.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

typedef TalFixture Fixture;

#define DAY_MS (24 * 3600 * (gint64) 1000)
#define FAST_HASH(f, login, password, extra) \
  g_free (tal_make_user (f, login, password, TAL_FAST_OPS, TAL_FAST_MEM_KIB, extra))

#define assert_auth_error(e, code, part)                            \
  do                                                                \
    {                                                               \
      g_assert_error (e, OCC_AUTH_ERROR, code);                     \
      if (strstr ((e)->message, part) == NULL)                      \
        g_error ("“%s” does not mention “%s”", (e)->message, part); \
    }                                                               \
  while (0)

static gboolean
flag (GVariant *identity, const char *key)
{
  gboolean b = FALSE;
  return g_variant_lookup (identity, key, "b", &b) && b;
}

static void
assert_identity (GVariant *identity, const char *login, const char *display_name)
{
  const char *s = NULL;
  g_assert_true (g_variant_lookup (identity, "login", "&s", &s));
  g_assert_cmpstr (s, ==, login);
  g_assert_true (g_variant_lookup (identity, "display-name", "&s", &s));
  g_assert_cmpstr (s, ==, display_name);
  g_assert_true (g_variant_lookup (identity, "source", "&s", &s));
  g_assert_cmpstr (s, ==, "local");
  g_autoptr (GVariant) groups = g_variant_lookup_value (identity, "groups", G_VARIANT_TYPE ("as"));
  g_assert_nonnull (groups);
  g_assert_cmpuint (g_variant_n_children (groups), ==, 0);
  g_assert_true (g_variant_lookup (identity, "user-id", "&s", &s));
}

/* Signs in and asserts it worked (transfer full). */
static GVariant *
sign_in (Fixture *f, const char *login, const char *password)
{
  g_autoptr (GError) e = NULL;
  GVariant *identity = tal_authenticate (f, login, password, &e);
  g_assert_no_error (e);
  return identity;
}

static void
signs_in (Fixture *f, const char *login, const char *password)
{
  g_variant_unref (sign_in (f, login, password));
}

static void
assert_refused (Fixture *f, const char *login, const char *password, int code, const char *part)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (GVariant) identity = tal_authenticate (f, login, password, &e);
  g_assert_null (identity);
  assert_auth_error (e, code, part);
}

static void
change_ok (Fixture *f, const char *login, const char *old, const char *new)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (GVariant) identity = tal_change (f, login, old, new, &e);
  g_assert_no_error (e);
  g_assert_false (flag (identity, "must-change-password"));
}

static void
change_refused (Fixture *f, const char *login, const char *old, const char *new, int code,
                const char *part)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (GVariant) identity = tal_change (f, login, old, new, &e);
  g_assert_null (identity);
  assert_auth_error (e, code, part);
}

/* Asserts @answer (transfer full) is NULL and *@error is @code naming
 * @part; clears *@error. */
static void
assert_no_answer (GVariant *answer, GError **error, int code, const char *part)
{
  g_autoptr (GVariant) owned = answer;
  g_assert_null (owned);
  assert_auth_error (*error, code, part);
  g_clear_error (error);
}

static gboolean
has_key (GVariant *dict, const char *key)
{
  g_autoptr (GVariant) value = g_variant_lookup_value (dict, key, NULL);
  return value != NULL;
}

static const char *
user_id (GVariant *identity)
{
  const char *id = NULL;
  g_assert_true (g_variant_lookup (identity, "user-id", "&s", &id));
  return id;
}

static void
assert_not_logged (const char *secret)
{
  g_autofree char *log = tal_log_text ();
  g_assert_null (strstr (log, secret));
  g_assert_null (strstr (log, "$argon2"));
}

static char *
stored_hash (Fixture *f, const char *login)
{
  g_autoptr (GVariant) user = tal_find_user (f, login);
  g_assert_nonnull (user);
  char *hash = NULL;
  g_assert_true (g_variant_lookup (user, "password_hash", "s", &hash));
  return hash;
}

/* --- sign-in ------------------------------------------------------------------------ */

static void
test_right_and_wrong_password (Fixture *f, gconstpointer data)
{
  (void) data;
  FAST_HASH (f, "bob", "bobs-password-1", "{'display_name': <'Bob Kouassi'>}");
  FAST_HASH (f, "nameless", "nameless-pw-2", NULL);
  g_autoptr (GVariant) bob = sign_in (f, "bob", "bobs-password-1");
  assert_identity (bob, "bob", "Bob Kouassi");
  g_assert_false (flag (bob, "must-change-password"));
  g_assert_false (flag (bob, "bootstrap"));
  g_autoptr (GVariant) nameless = sign_in (f, "nameless", "nameless-pw-2");
  assert_identity (nameless, "nameless", "nameless");

  assert_refused (f, "bob", "bobs-password-2", OCC_AUTH_ERROR_DENIED, "wrong login or password");
  assert_refused (f, "Bob", "bobs-password-1", OCC_AUTH_ERROR_DENIED, "wrong login or password");
  assert_refused (f, "nobody", "bobs-password-1", OCC_AUTH_ERROR_DENIED, "wrong login or password");
  /* an account of another source is not this plugin's */
  FAST_HASH (f, "dir-user", "dir-password-1", "{'source': <'ldap'>}");
  assert_refused (f, "dir-user", "dir-password-1", OCC_AUTH_ERROR_DENIED,
                  "wrong login or password");
  /* no password at all */
  tal_put_user (f, "{'login': <'no-hash'>, 'source': <'local'>}");
  assert_refused (f, "no-hash", "anything-at-all-1", OCC_AUTH_ERROR_DENIED,
                  "wrong login or password");
}

static void
test_hash_is_argon2id (Fixture *f, gconstpointer data)
{
  (void) data;
  /* made by the plugin: the first-run administrator, then a change */
  g_autofree char *admin = stored_hash (f, "admin");
  g_assert_true (g_str_has_prefix (admin, "$argon2id$v=19$m=1024,t=1,p=1$"));
  FAST_HASH (f, "carol", "carols-password-1", NULL);
  change_ok (f, "carol", "carols-password-1", "carols-password-2");
  g_autofree char *carol = stored_hash (f, "carol");
  g_assert_true (g_str_has_prefix (carol, "$argon2id$"));
  g_assert_cmpint (crypto_pwhash_str_verify (carol, "carols-password-2", 17), ==, 0);
  /* and with the shipped limits */
  tal_reload (f, TAL_INTERACTIVE_POLICY);
  change_ok (f, "carol", "carols-password-2", "carols-password-3");
  g_autofree char *interactive = stored_hash (f, "carol");
  g_assert_true (g_str_has_prefix (interactive, "$argon2id$v=19$m=65536,t=2,p=1$"));
}

static void
test_unknown_login_takes_as_long (Fixture *f, gconstpointer data)
{
  (void) data;
  tal_reload (f, TAL_INTERACTIVE_POLICY);
  g_free (tal_make_user (f, "dora", "doras-password-1", crypto_pwhash_OPSLIMIT_INTERACTIVE,
                         crypto_pwhash_MEMLIMIT_INTERACTIVE / 1024, NULL));
  gint64 hash_us
      = tal_hash_time (crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE, 3);
  const char *logins[] = { "dora", "nobody", "nobody", "dora" };
  gint64 took[G_N_ELEMENTS (logins)];
  for (guint i = 0; i < G_N_ELEMENTS (logins); i++)
    {
      TalAnswer a = { .called_at = g_get_monotonic_time () };
      f->auth->authenticate (f->auth, logins[i], "not-the-password-1", tal_answer_cb, &a);
      tal_answer_wait (&a);
      assert_auth_error (a.error, OCC_AUTH_ERROR_DENIED, "wrong login or password");
      took[i] = a.answered_at - a.called_at;
      tal_answer_clear (&a);
    }
  g_test_message ("one Argon2id hash: %.1f ms; wrong password: %.1f, %.1f ms; unknown login: "
                  "%.1f (dummy made), %.1f ms",
                  hash_us / 1e3, took[0] / 1e3, took[3] / 1e3, took[1] / 1e3, took[2] / 1e3);
  /* the same work either way: each took a hash. Without one an answer
   * comes in well under 1% of a hash's time; a quarter leaves room for a
   * loaded machine, where one hash is not always as fast as the fastest
   * measured (this is not a speed test) */
  for (guint i = 0; i < G_N_ELEMENTS (logins); i++)
    g_assert_cmpint (took[i], >=, hash_us / 4);
}

static void
test_disabled (Fixture *f, gconstpointer data)
{
  (void) data;
  FAST_HASH (f, "eve", "eves-password-1", "{'enabled': <false>}");
  assert_refused (f, "eve", "eves-password-1", OCC_AUTH_ERROR_DISABLED,
                  "the account “eve” is disabled");
  /* without the password, disabled looks like anything else */
  assert_refused (f, "eve", "eves-password-2", OCC_AUTH_ERROR_DENIED, "wrong login or password");
  change_refused (f, "eve", "eves-password-1", "eves-password-9", OCC_AUTH_ERROR_DISABLED,
                  "disabled");
}

static void
test_expired (Fixture *f, gconstpointer data)
{
  (void) data;
  tal_reload (f, TAL_FAST_POLICY "max-age-days=5\n");
  g_autofree char *id
      = tal_make_user (f, "finn", "finns-password-1", TAL_FAST_OPS, TAL_FAST_MEM_KIB, NULL);
  g_autoptr (GVariant) fresh = sign_in (f, "finn", "finns-password-1");
  gint64 expires = 0;
  g_assert_true (g_variant_lookup (fresh, "password-expires-at", "x", &expires));
  g_assert_cmpint (expires, >, g_get_real_time () / 1000 + 4 * DAY_MS);
  /* six days ago, through records.put */
  g_autofree char *past
      = g_strdup_printf ("{'id': <'%s'>, 'password_changed_at': <int64 %" G_GINT64_FORMAT ">}", id,
                         g_get_real_time () / 1000 - 6 * DAY_MS);
  tal_put_user (f, past);
  assert_refused (f, "finn", "finns-password-1", OCC_AUTH_ERROR_EXPIRED,
                  "the password of “finn” expired");
  assert_refused (f, "finn", "finns-password-2", OCC_AUTH_ERROR_DENIED, "wrong login or password");
  /* an expired password can still be changed */
  change_ok (f, "finn", "finns-password-1", "finns-password-2");
  signs_in (f, "finn", "finns-password-2");
  /* no expiry configured: no expiry */
  tal_reload (f, TAL_FAST_POLICY);
  tal_put_user (f, past);
  signs_in (f, "finn", "finns-password-2");
}

static void
test_rehash_when_limits_change (Fixture *f, gconstpointer data)
{
  (void) data;
  FAST_HASH (f, "gina", "ginas-password-1", NULL);
  g_autofree char *before = stored_hash (f, "gina");
  tal_reload (f, "[passwords]\nargon2-opslimit=2\nargon2-memlimit-kib=2048\n");
  signs_in (f, "gina", "ginas-password-1");
  g_autofree char *after = stored_hash (f, "gina");
  g_assert_cmpstr (after, !=, before);
  g_assert_true (g_str_has_prefix (after, "$argon2id$v=19$m=2048,t=2,p=1$"));
  signs_in (f, "gina", "ginas-password-1");
  /* not again: the hash fits now */
  g_autofree char *same = stored_hash (f, "gina");
  g_assert_cmpstr (same, ==, after);
}

static void
test_lookup (Fixture *f, gconstpointer data)
{
  (void) data;
  FAST_HASH (f, "hugo", "hugos-password-1", "{'display_name': <'Hugo'>}");
  FAST_HASH (f, "ines", "ines-password-1", "{'enabled': <false>}");
  g_autoptr (GError) e = NULL;
  g_autoptr (GVariant) hugo = tal_lookup (f, "hugo", &e);
  g_assert_no_error (e);
  assert_identity (hugo, "hugo", "Hugo");
  g_assert_null (tal_lookup (f, "nobody", &e));
  assert_auth_error (e, OCC_AUTH_ERROR_DENIED, "no local account “nobody”");
  g_clear_error (&e);
  g_assert_null (tal_lookup (f, "ines", &e));
  assert_auth_error (e, OCC_AUTH_ERROR_DISABLED, "disabled");
  g_clear_error (&e);
  g_assert_null (tal_lookup (f, "", &e));
  assert_auth_error (e, OCC_AUTH_ERROR_INVALID, "login: is empty");
  g_assert_cmpstr (f->auth->get_source (f->auth), ==, "local");
}

/* --- changing passwords --------------------------------------------------------------- */

static void
test_policy_each_rule (Fixture *f, gconstpointer data)
{
  (void) data;
  tal_reload (f, TAL_FAST_POLICY "require-upper=true\nrequire-lower=true\nrequire-other=true\n"
                                 "max-length=20\n");
  FAST_HASH (f, "jade", "Jades-password-1", NULL);
  static const struct {
    const char *password;
    const char *rule;
  } bad[] = {
    { "Sh0rt!", "min-length: a password needs at least 12 characters" },
    { "Much-Too-Long-Password-9", "max-length: a password may have at most 20" },
    { "No-Digits-At-All", "require-digit" },
    { "1234-5678-9012", "require-letter" },
    { "lower-case-only-7", "require-upper" },
    { "UPPER-CASE-ONLY-7", "require-lower" },
    { "NoOtherCharacter7", "require-other" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    change_refused (f, "jade", "Jades-password-1", bad[i].password, OCC_AUTH_ERROR_POLICY,
                    bad[i].rule);
  /* nothing changed */
  signs_in (f, "jade", "Jades-password-1");
  change_ok (f, "jade", "Jades-password-1", "Jades-password-2");
  /* a wrong old password is denied before anything else is said */
  change_refused (f, "jade", "Jades-password-1", "Jades-password-3", OCC_AUTH_ERROR_DENIED,
                  "wrong login or password");
  change_refused (f, "nobody", "Jades-password-2", "Jades-password-3", OCC_AUTH_ERROR_DENIED,
                  "wrong login or password");
}

static void
test_history (Fixture *f, gconstpointer data)
{
  (void) data;
  tal_reload (f, TAL_FAST_POLICY "history=2\n");
  g_autofree char *id
      = tal_make_user (f, "kim", "kims-password-0", TAL_FAST_OPS, TAL_FAST_MEM_KIB, NULL);
  change_refused (f, "kim", "kims-password-0", "kims-password-0", OCC_AUTH_ERROR_POLICY,
                  "history: the new password must differ from the last 2 passwords");
  change_ok (f, "kim", "kims-password-0", "kims-password-1");
  change_refused (f, "kim", "kims-password-1", "kims-password-1", OCC_AUTH_ERROR_POLICY, "history");
  change_ok (f, "kim", "kims-password-1", "kims-password-2");
  change_refused (f, "kim", "kims-password-2", "kims-password-1", OCC_AUTH_ERROR_POLICY, "history");
  /* a wrong old password says nothing about the history */
  change_refused (f, "kim", "kims-password-9", "kims-password-1", OCC_AUTH_ERROR_DENIED,
                  "wrong login or password");
  change_ok (f, "kim", "kims-password-2", "kims-password-3");
  /* only the last two are kept: 1 is allowed again */
  g_autofree char *count
      = g_strdup_printf ("SELECT COUNT(*) FROM password_history WHERE user_id = '%s'", id);
  g_assert_cmpint (tal_count (f, count), ==, 2);
  change_ok (f, "kim", "kims-password-3", "kims-password-1");
  signs_in (f, "kim", "kims-password-1");
  /* history=0: anything goes, the same password too */
  tal_reload (f, TAL_FAST_POLICY "history=0\n");
  change_ok (f, "kim", "kims-password-1", "kims-password-1");
  g_assert_cmpint (tal_count (f, count), ==, 0);
}

static void
test_change_clears_must_change (Fixture *f, gconstpointer data)
{
  (void) data;
  FAST_HASH (f, "lea", "leas-one-time-1", "{'password_changed_at': <int64 0>}");
  g_autoptr (GVariant) before = sign_in (f, "lea", "leas-one-time-1");
  g_assert_true (flag (before, "must-change-password"));
  change_ok (f, "lea", "leas-one-time-1", "leas-own-password-2");
  g_autoptr (GVariant) after = sign_in (f, "lea", "leas-own-password-2");
  g_assert_false (flag (after, "must-change-password"));
  g_autoptr (GVariant) user = tal_find_user (f, "lea");
  gint64 changed = 0;
  g_assert_true (g_variant_lookup (user, "password_changed_at", "x", &changed));
  g_assert_cmpint (changed, >, 0);
}

/* --- creating and disabling accounts ------------------------------------------------------- */

static void
test_add_with_password (Fixture *f, gconstpointer data)
{
  (void) data;
  g_assert_true (OCC_SERVICE_HAS (f->auth, add_account));
  g_assert_true (OCC_SERVICE_HAS (f->auth, set_enabled));
  tal_log_clear ();
  g_autoptr (GError) e = NULL;
  g_autoptr (GVariant) added = tal_add_account (f, "pia", "Pia N’Guessan", "pias-password-1", &e);
  g_assert_no_error (e);
  assert_identity (added, "pia", "Pia N’Guessan");
  g_assert_false (flag (added, "must-change-password"));
  g_assert_false (has_key (added, "one-time-password"));
  g_autoptr (GVariant) identity = sign_in (f, "pia", "pias-password-1");
  assert_identity (identity, "pia", "Pia N’Guessan");
  g_assert_false (flag (identity, "must-change-password"));
  g_assert_cmpstr (user_id (identity), ==, user_id (added));
  assert_refused (f, "pia", "pias-password-2", OCC_AUTH_ERROR_DENIED, "wrong login or password");
  /* its history is started: the password cannot be given again */
  g_autofree char *history = g_strdup_printf (
      "SELECT COUNT(*) FROM password_history WHERE user_id = '%s'", user_id (added));
  g_assert_cmpint (tal_count (f, history), ==, 1);
  change_refused (f, "pia", "pias-password-1", "pias-password-1", OCC_AUTH_ERROR_POLICY, "history");
  /* an empty display name shows the login */
  g_autoptr (GVariant) plain = tal_add_account (f, "plain", "", "plains-password-1", &e);
  g_assert_no_error (e);
  assert_identity (plain, "plain", "plain");
  assert_not_logged ("pias-password-1");
}

static void
test_add_one_time_password (Fixture *f, gconstpointer data)
{
  (void) data;
  tal_log_clear ();
  g_autoptr (GError) e = NULL;
  g_autoptr (GVariant) added = tal_add_account (f, "quinn", NULL, NULL, &e);
  g_assert_no_error (e);
  assert_identity (added, "quinn", "quinn");
  g_assert_true (flag (added, "must-change-password"));
  const char *otp = NULL;
  g_assert_true (g_variant_lookup (added, "one-time-password", "&s", &otp));
  g_assert_cmpuint (strlen (otp), ==, 20);
  /* it signs in, flagged must-change, and is not answered again */
  g_autoptr (GVariant) identity = sign_in (f, "quinn", otp);
  g_assert_true (flag (identity, "must-change-password"));
  g_assert_false (has_key (identity, "one-time-password"));
  g_autoptr (GVariant) looked_up = tal_lookup (f, "quinn", &e);
  g_assert_no_error (e);
  g_assert_true (flag (looked_up, "must-change-password"));
  g_assert_false (has_key (looked_up, "one-time-password"));
  /* another account, another password */
  g_autoptr (GVariant) other = tal_add_account (f, "rosa", "Rosa", NULL, &e);
  g_assert_no_error (e);
  const char *other_otp = NULL;
  g_assert_true (g_variant_lookup (other, "one-time-password", "&s", &other_otp));
  g_assert_cmpstr (other_otp, !=, otp);
  assert_not_logged (otp);
  assert_not_logged (other_otp);
  /* it cannot be kept; a password of the user's own clears the flag */
  change_refused (f, "quinn", otp, otp, OCC_AUTH_ERROR_POLICY, "history");
  change_ok (f, "quinn", otp, "quinns-password-1");
  assert_refused (f, "quinn", otp, OCC_AUTH_ERROR_DENIED, "wrong login or password");
}

static void
test_add_existing_login (Fixture *f, gconstpointer data)
{
  (void) data;
  FAST_HASH (f, "rita", "ritas-password-1", "{'display_name': <'Rita'>}");
  FAST_HASH (f, "dir-user", "dir-password-1", "{'source': <'ldap'>}");
  const char *users = "SELECT COUNT(*) FROM app_user";
  const char *history = "SELECT COUNT(*) FROM password_history";
  gint64 users_before = tal_count (f, users), history_before = tal_count (f, history);
  g_autoptr (GError) e = NULL;
  assert_no_answer (tal_add_account (f, "rita", "Someone Else", "another-password-1", &e), &e,
                    OCC_AUTH_ERROR_EXISTS, "“rita” is taken");
  assert_no_answer (tal_add_account (f, "rita", NULL, NULL, &e), &e, OCC_AUTH_ERROR_EXISTS,
                    "taken");
  assert_no_answer (tal_add_account (f, "admin", NULL, "admins-password-9", &e), &e,
                    OCC_AUTH_ERROR_EXISTS, "taken");
  /* a directory account's login is taken too */
  assert_no_answer (tal_add_account (f, "dir-user", NULL, NULL, &e), &e, OCC_AUTH_ERROR_EXISTS,
                    "taken");
  /* nothing changed */
  g_assert_cmpint (tal_count (f, users), ==, users_before);
  g_assert_cmpint (tal_count (f, history), ==, history_before);
  g_autoptr (GVariant) rita = sign_in (f, "rita", "ritas-password-1");
  assert_identity (rita, "rita", "Rita");
  assert_refused (f, "rita", "another-password-1", OCC_AUTH_ERROR_DENIED,
                  "wrong login or password");

  /* two at once: one is made, the other is told */
  TalAnswer a = { 0 }, b = { 0 };
  f->auth->add_account (f->auth, "sol", NULL, "sols-password-1", tal_answer_cb, &a);
  f->auth->add_account (f->auth, "sol", NULL, "sols-password-2", tal_answer_cb, &b);
  g_assert_false (b.done);
  tal_answer_wait (&a);
  if (!b.done)
    tal_answer_wait (&b);
  TalAnswer *won = a.error ? &b : &a, *lost = a.error ? &a : &b;
  g_assert_no_error (won->error);
  assert_auth_error (lost->error, OCC_AUTH_ERROR_EXISTS, "taken");
  g_assert_cmpint (tal_count (f, users), ==, users_before + 1);
  signs_in (f, "sol", won == &a ? "sols-password-1" : "sols-password-2");
  tal_answer_clear (&a);
  tal_answer_clear (&b);
}

static void
test_add_weak_password (Fixture *f, gconstpointer data)
{
  (void) data;
  tal_log_clear ();
  g_autoptr (GError) e = NULL;
  assert_no_answer (tal_add_account (f, "sam", NULL, "short-1", &e), &e, OCC_AUTH_ERROR_POLICY,
                    "min-length: a password needs at least 12 characters");
  assert_no_answer (tal_add_account (f, "sam", "Sam", "No-Digits-At-All", &e), &e,
                    OCC_AUTH_ERROR_POLICY, "require-digit");
  g_autoptr (GVariant) sam = tal_find_user (f, "sam");
  g_assert_null (sam);
  assert_not_logged ("No-Digits-At-All");
}

static void
test_add_bad_input (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autofree char *long_login = g_strnfill (300, 'm');
  g_autofree char *many_chars = g_strnfill (129, 'm');
  g_autofree char *long_password = g_strnfill (257, 'p');
  g_autofree char *long_name = g_strnfill (201, 'n');
  const struct {
    const char *login, *display_name, *password, *part;
  } bad[] = {
    { "", NULL, NULL, "login: is empty" },
    { NULL, NULL, NULL, "login: is empty" },
    { long_login, NULL, NULL, "login: is longer than 256 bytes" },
    { many_chars, NULL, NULL, "login: is longer than 128 characters" },
    { "m\xffx", NULL, NULL, "login: is not valid UTF-8" },
    { "two words", NULL, NULL, "login: contains a space" },
    { "vera", NULL, "", "password: is empty" },
    { "vera", NULL, long_password, "password: is longer than 256 bytes" },
    { "vera", NULL, "veras-\xc3password-1", "password: is not valid UTF-8" },
    { "vera", long_name, NULL, "display name: is longer than 200 characters" },
    { "vera", "V\xffra", NULL, "display name: is not valid UTF-8" },
    { "vera", "Vera\nAdmin", NULL, "display name: contains a control character" },
  };
  gint64 users = tal_count (f, "SELECT COUNT(*) FROM app_user");
  g_autoptr (GError) e = NULL;
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_no_answer (tal_add_account (f, bad[i].login, bad[i].display_name, bad[i].password, &e),
                      &e, OCC_AUTH_ERROR_INVALID, bad[i].part);
  g_assert_cmpint (tal_count (f, "SELECT COUNT(*) FROM app_user"), ==, users);
}

static void
assert_enabled (GVariant *identity, gboolean enabled)
{
  gboolean b = !enabled;
  g_assert_true (g_variant_lookup (identity, "enabled", "b", &b));
  g_assert_cmpint (b, ==, enabled);
}

static void
test_set_enabled (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GError) e = NULL;
  g_autoptr (GVariant) added = tal_add_account (f, "tess", "Tess", "tess-password-1", &e);
  g_assert_no_error (e);
  g_autoptr (GVariant) off = tal_set_enabled (f, "tess", FALSE, &e);
  g_assert_no_error (e);
  assert_identity (off, "tess", "Tess");
  assert_enabled (off, FALSE);
  g_assert_cmpstr (user_id (off), ==, user_id (added));
  assert_refused (f, "tess", "tess-password-1", OCC_AUTH_ERROR_DISABLED,
                  "the account “tess” is disabled");
  assert_no_answer (tal_lookup (f, "tess", &e), &e, OCC_AUTH_ERROR_DISABLED, "disabled");
  /* disabling a disabled account changes nothing */
  g_autoptr (GVariant) again = tal_set_enabled (f, "tess", FALSE, &e);
  g_assert_no_error (e);
  assert_enabled (again, FALSE);
  g_autoptr (GVariant) on = tal_set_enabled (f, "tess", TRUE, &e);
  g_assert_no_error (e);
  assert_identity (on, "tess", "Tess");
  assert_enabled (on, TRUE);
  signs_in (f, "tess", "tess-password-1");
  g_autoptr (GVariant) looked_up = tal_lookup (f, "tess", &e);
  g_assert_no_error (e);
}

static void
test_set_enabled_unknown_login (Fixture *f, gconstpointer data)
{
  (void) data;
  FAST_HASH (f, "dir-user", "dir-password-1", "{'source': <'ldap'>}");
  g_autoptr (GError) e = NULL;
  assert_no_answer (tal_set_enabled (f, "ghost", FALSE, &e), &e, OCC_AUTH_ERROR_DENIED,
                    "no local account “ghost”");
  assert_no_answer (tal_set_enabled (f, "ghost", TRUE, &e), &e, OCC_AUTH_ERROR_DENIED,
                    "no local account “ghost”");
  /* a directory account is not this plugin's to disable */
  assert_no_answer (tal_set_enabled (f, "dir-user", FALSE, &e), &e, OCC_AUTH_ERROR_DENIED,
                    "no local account “dir-user”");
  g_autoptr (GVariant) dir_user = tal_find_user (f, "dir-user");
  gboolean enabled = FALSE;
  g_assert_true (g_variant_lookup (dir_user, "enabled", "b", &enabled));
  g_assert_true (enabled);
  assert_no_answer (tal_set_enabled (f, "", FALSE, &e), &e, OCC_AUTH_ERROR_INVALID,
                    "login: is empty");
}

/* --- the first-run administrator ----------------------------------------------------------- */

static char *
read_one_time (Fixture *f)
{
  g_autofree char *path = tal_bootstrap_path (f);
  struct stat st;
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_autofree char *text = occ_test_read (path);
  g_assert_cmpuint (strlen (text), ==, 21);
  g_assert_cmpint (text[20], ==, '\n');
  text[20] = '\0';
  gboolean upper = FALSE, lower = FALSE, digit = FALSE;
  for (const char *c = text; *c; c++)
    {
      g_assert_nonnull (strchr ("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789", *c));
      upper |= g_ascii_isupper (*c);
      lower |= g_ascii_islower (*c);
      digit |= g_ascii_isdigit (*c);
    }
  g_assert_true (upper && lower && digit);
  return g_steal_pointer (&text);
}

static void
test_first_run_admin (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autofree char *path = tal_bootstrap_path (f);
  g_autofree char *otp = read_one_time (f);
  g_autofree char *log = tal_log_text ();
  g_assert_nonnull (strstr (log, path));
  g_assert_null (strstr (log, otp));
  g_assert_cmpint (tal_count (f, "SELECT COUNT(*) FROM app_user WHERE source = 'local'"), ==, 1);
  g_autoptr (GVariant) admin = sign_in (f, "admin", otp);
  assert_identity (admin, "admin", "Administrator");
  g_assert_true (flag (admin, "must-change-password"));
  g_assert_true (flag (admin, "bootstrap"));

  /* loaded again: nothing new */
  tal_log_clear ();
  tal_reload (f, TAL_FAST_POLICY);
  occ_test_spin (300);
  g_autofree char *again = read_one_time (f);
  g_assert_cmpstr (again, ==, otp);
  g_assert_cmpint (tal_count (f, "SELECT COUNT(*) FROM app_user"), ==, 1);
  g_autofree char *log2 = tal_log_text ();
  g_assert_null (strstr (log2, "created the first-run administrator"));

  /* the one-time password cannot be kept; a new one removes the file */
  change_refused (f, "admin", otp, otp, OCC_AUTH_ERROR_POLICY, "history");
  change_ok (f, "admin", otp, "admins-own-password-1");
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_autoptr (GVariant) changed = sign_in (f, "admin", "admins-own-password-1");
  g_assert_false (flag (changed, "must-change-password"));
  g_assert_true (flag (changed, "bootstrap"));
  assert_refused (f, "admin", otp, OCC_AUTH_ERROR_DENIED, "wrong login or password");
  g_autofree char *log3 = tal_log_text ();
  g_assert_null (strstr (log3, otp));
  g_assert_null (strstr (log3, "admins-own-password-1"));
  g_assert_null (strstr (log3, "$argon2"));
}

static void
test_first_run_stale_file_replaced (Fixture *f, gconstpointer data)
{
  (void) data;
  /* a start that wrote the file but not the account */
  tal_unload_auth (f);
  TalAnswer a = { 0 };
  f->records->remove (f->records, "user", TAL_BOOTSTRAP_ID, tal_answer_cb, &a);
  tal_answer_wait (&a);
  g_assert_no_error (a.error);
  tal_answer_clear (&a);
  g_autofree char *path = tal_bootstrap_path (f);
  g_assert_true (g_file_set_contents (path, "stale-password\n", -1, NULL));
  tal_reload (f, TAL_FAST_POLICY);
  tal_wait_bootstrap (f);
  g_autofree char *otp = read_one_time (f);
  g_autoptr (GVariant) admin = sign_in (f, "admin", otp);
  g_assert_true (flag (admin, "bootstrap"));
}

/* --- bad input ------------------------------------------------------------------------------ */

static void
test_bad_input (Fixture *f, gconstpointer data)
{
  (void) data;
  FAST_HASH (f, "max", "maxs-password-1", NULL);
  g_autofree char *long_secret = g_strnfill (257, 'p');
  g_autofree char *long_login = g_strnfill (300, 'm');
  static const struct {
    const char *login, *secret, *part;
  } bad[] = {
    { "", "maxs-password-1", "login: is empty" },
    { NULL, "maxs-password-1", "login: is empty" },
    { "max", "", "password: is empty" },
    { "max", NULL, "password: is empty" },
    { "m\xffx", "maxs-password-1", "login: is not valid UTF-8" },
    { "max", "maxs-\xc3password-1", "password: is not valid UTF-8" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_refused (f, bad[i].login, bad[i].secret, OCC_AUTH_ERROR_INVALID, bad[i].part);
  assert_refused (f, "max", long_secret, OCC_AUTH_ERROR_INVALID,
                  "password: is longer than 256 bytes");
  assert_refused (f, long_login, "maxs-password-1", OCC_AUTH_ERROR_INVALID,
                  "login: is longer than 256 bytes");
  /* fits the input rules, but no account can have it */
  long_login[200] = '\0';
  assert_refused (f, long_login, "maxs-password-1", OCC_AUTH_ERROR_DENIED,
                  "wrong login or password");
  assert_refused (f, "with space", "maxs-password-1", OCC_AUTH_ERROR_DENIED,
                  "wrong login or password");
  change_refused (f, "max", "maxs-password-1", "new-\xff-password-1", OCC_AUTH_ERROR_INVALID,
                  "new password: is not valid UTF-8");
  change_refused (f, "max", "", "maxs-password-2", OCC_AUTH_ERROR_INVALID,
                  "old password: is empty");
  /* nothing of it changed anything */
  signs_in (f, "max", "maxs-password-1");
}

/* --- the main loop ------------------------------------------------------------------------------ */

typedef struct {
  gint64 last;
  gint64 longest;
  guint ticks;
} Ticker;

static gboolean
tick (gpointer data)
{
  Ticker *t = data;
  gint64 now = g_get_monotonic_time ();
  t->longest = MAX (t->longest, now - t->last);
  t->last = now;
  t->ticks++;
  return G_SOURCE_CONTINUE;
}

/* CPU time of the calling thread, µs */
static gint64
thread_cpu_time (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static guint
count_threads (void)
{
  g_autoptr (GDir) d = g_dir_open ("/proc/self/task", 0, NULL);
  guint n = 0;
  while (d && g_dir_read_name (d))
    n++;
  return n;
}

typedef struct {
  TalAnswer *answers;
  guint n;
} Burst;

static gboolean
burst_done (gpointer data)
{
  Burst *b = data;
  for (guint i = 0; i < b->n; i++)
    if (!b->answers[i].done)
      return FALSE;
  return TRUE;
}

static void
test_main_loop_not_blocked (Fixture *f, gconstpointer data)
{
  (void) data;
  enum { N = 20 };
  tal_reload (f, TAL_INTERACTIVE_POLICY);
  g_free (tal_make_user (f, "nina", "ninas-password-1", crypto_pwhash_OPSLIMIT_INTERACTIVE,
                         crypto_pwhash_MEMLIMIT_INTERACTIVE / 1024, NULL));
  gint64 hash_us
      = tal_hash_time (crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE, 1);
  guint threads_before = count_threads ();
  gint64 cpu_before = thread_cpu_time ();
  Ticker t = { .last = g_get_monotonic_time () };
  guint timer = g_timeout_add (1, tick, &t);
  TalAnswer answers[N] = { 0 };
  gint64 start = g_get_monotonic_time ();
  for (guint i = 0; i < N; i++)
    {
      /* right and wrong passwords, unknown logins */
      const char *login = i % 3 == 2 ? "nobody" : "nina";
      const char *password = i % 3 == 0 ? "ninas-password-1" : "wrong-password-1";
      answers[i].called_at = g_get_monotonic_time ();
      f->auth->authenticate (f->auth, login, password, tal_answer_cb, &answers[i]);
    }
  Burst b = { answers, N };
  guint threads_during = count_threads ();
  g_assert_true (occ_test_wait_for (burst_done, &b, 60000));
  gint64 elapsed = g_get_monotonic_time () - start;
  gint64 main_cpu = thread_cpu_time () - cpu_before;
  g_source_remove (timer);
  for (guint i = 0; i < N; i++)
    {
      if (i % 3 == 0)
        g_assert_no_error (answers[i].error);
      else
        g_assert_error (answers[i].error, OCC_AUTH_ERROR, OCC_AUTH_ERROR_DENIED);
      tal_answer_clear (&answers[i]);
    }
  g_test_message ("%d concurrent sign-ins in %.0f ms (%.1f/s); main loop: %u ticks of a 1 ms "
                  "timer, longest gap %.2f ms, %.1f ms of CPU (one hash: %.1f ms); threads %u "
                  "before, %u during",
                  N, elapsed / 1e3, N / (elapsed / 1e6), t.ticks, t.longest / 1e3, main_cpu / 1e3,
                  hash_us / 1e3, threads_before, threads_during);
  /* a gross bound: wall-clock gaps also measure the machine's own jitter */
  g_assert_cmpint (t.longest, <, 200 * 1000);
  /* the main thread hashed nothing: 20 hashes would cost it 20 hash times */
  g_assert_cmpint (main_cpu, <, 2 * hash_us);
  /* a bounded pool: two hashing threads at most, whatever the burst */
  g_assert_cmpuint (threads_during, <=, threads_before + 2);
}

/* --- unloading ------------------------------------------------------------------------------------ */

static void
test_unload_answers_calls_in_flight (Fixture *f, gconstpointer data)
{
  (void) data;
  FAST_HASH (f, "omar", "omars-password-1", NULL);
  TalAnswer answers[5] = { 0 };
  for (guint i = 0; i < G_N_ELEMENTS (answers); i++)
    f->auth->authenticate (f->auth, "omar", "omars-password-1", tal_answer_cb, &answers[i]);
  TalAnswer change = { 0 }, added = { 0 }, disabled = { 0 };
  f->auth->change_password (f->auth, "omar", "omars-password-1", "omars-password-2", tal_answer_cb,
                            &change);
  f->auth->add_account (f->auth, "omar-2", NULL, NULL, tal_answer_cb, &added);
  f->auth->set_enabled (f->auth, "omar", FALSE, tal_answer_cb, &disabled);
  tal_unload_auth (f);
  assert_auth_error (added.error, OCC_AUTH_ERROR_UNAVAILABLE, "unloaded");
  assert_auth_error (disabled.error, OCC_AUTH_ERROR_UNAVAILABLE, "unloaded");
  tal_answer_clear (&added);
  tal_answer_clear (&disabled);
  for (guint i = 0; i < G_N_ELEMENTS (answers); i++)
    {
      g_assert_true (answers[i].done);
      assert_auth_error (answers[i].error, OCC_AUTH_ERROR_UNAVAILABLE, "unloaded");
      tal_answer_clear (&answers[i]);
    }
  g_assert_true (change.done);
  tal_answer_clear (&change);
  /* what was in flight comes back to an unloaded plugin: nothing happens */
  occ_test_spin (200);
  tal_reload (f, TAL_FAST_POLICY);
  signs_in (f, "omar", "omars-password-1");
}

static void
test_bad_policy_refuses_load (Fixture *f, gconstpointer data)
{
  (void) data;
  tal_unload_auth (f);
  occ_test_write (f->dir, "policies/passwords.conf", "[passwords]\nmin-length=0\n");
  g_autoptr (GError) e = NULL;
  g_assert_false (tal_load_auth (f, &e));
  g_assert_nonnull (e);
  g_assert_nonnull (strstr (e->message, "policy passwords: [passwords] min-length: “0”"));
  g_clear_error (&e);
  occ_test_write (f->dir, "policies/passwords.conf", "[passwords\n");
  g_assert_false (tal_load_auth (f, &e));
  g_assert_nonnull (strstr (e->message, "policy passwords"));
  g_clear_error (&e);
  tal_reload (f, TAL_FAST_POLICY);
  g_assert_nonnull (f->auth);
}

static void
add_suite (const TalBackend *b)
{
#define ADD(path, fn)                                                            \
  do                                                                             \
    {                                                                            \
      g_autofree char *p = g_strdup_printf ("/auth-local/%s/%s", b->name, path); \
      g_test_add (p, Fixture, b, tal_setup, fn, tal_teardown);                   \
    }                                                                            \
  while (0)
  ADD ("sign-in/right-and-wrong-password", test_right_and_wrong_password);
  ADD ("sign-in/hash-stored-is-argon2id", test_hash_is_argon2id);
  ADD ("sign-in/unknown-login-takes-as-long-as-a-wrong-password", test_unknown_login_takes_as_long);
  ADD ("sign-in/disabled-told-only-with-the-right-password", test_disabled);
  ADD ("sign-in/expired-after-max-age", test_expired);
  ADD ("sign-in/rehash-when-the-limits-change", test_rehash_when_limits_change);
  ADD ("lookup/identity-without-a-secret", test_lookup);
  ADD ("change/policy-names-each-rule", test_policy_each_rule);
  ADD ("change/history-reuse-refused", test_history);
  ADD ("change/clears-must-change", test_change_clears_must_change);
  ADD ("add/with-a-password-signs-in", test_add_with_password);
  ADD ("add/without-a-password-answers-a-one-time-password", test_add_one_time_password);
  ADD ("add/existing-login-refused-and-nothing-changed", test_add_existing_login);
  ADD ("add/weak-password-refused-by-the-policy", test_add_weak_password);
  ADD ("add/empty-long-not-utf8-refused", test_add_bad_input);
  ADD ("set-enabled/disabled-cannot-sign-in-until-enabled", test_set_enabled);
  ADD ("set-enabled/unknown-login-denied", test_set_enabled_unknown_login);
  ADD ("first-run/admin-made-once-with-a-0600-file", test_first_run_admin);
  ADD ("first-run/stale-file-replaced", test_first_run_stale_file_replaced);
  ADD ("input/empty-long-not-utf8-refused", test_bad_input);
  ADD ("main-loop/not-blocked-by-20-sign-ins", test_main_loop_not_blocked);
  ADD ("unload/answers-calls-in-flight", test_unload_answers_calls_in_flight);
  ADD ("policy/bad-site-policy-refuses-load", test_bad_policy_refuses_load);
#undef ADD
}

static void
skip_postgres (void)
{
  g_test_skip ("store-postgres.so is not built");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* the loader warns about a plugin that fails to load: that is its job */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  tal_log_capture ();
  g_assert_cmpint (sodium_init (), >=, 0);
  add_suite (&tal_sqlite);
  if (tal_postgres_start ())
    add_suite (&tal_postgres);
  else
    g_test_add_func ("/auth-local/postgres/not-built", skip_postgres);
  int status = g_test_run ();
  tal_postgres_stop ();
  return status;
}
