/* The auth-local control commands and the first-run administrator in the
 * real daemon, driven with the real `omnicc` CLI: store-sqlite always,
 * store-postgres when it is built. */
#include "auth-fixture.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

/* Runs `omnicc --json call COMMAND ARGS…`, asserts its exit status, and
 * returns what it printed (transfer full). */
#define assert_has(text, part)                                           \
  do                                                                     \
    {                                                                    \
      if (strstr (text, part) == NULL)                                   \
        g_error ("“%s” does not contain “%s”", g_strstrip (text), part); \
    }                                                                    \
  while (0)

static char *
arg (const char *key, const char *value)
{
  return g_strdup_printf ("%s=%s", key, value);
}

static gboolean
file_exists (gpointer path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* The first-run administrator's one-time password, once its file is there
 * and the account is written (transfer full). */
static char *
wait_admin (OccTestDaemon *d, const char *path)
{
  g_assert_true (occ_test_wait_for (file_exists, (gpointer) path, 20000));
  for (int i = 0; i < 200; i++)
    {
      g_autofree char *list = occ_test_call (d, 0, "auth-local.list", NULL);
      if (strstr (list, "\"admin\""))
        break;
      g_usleep (50 * 1000);
    }
  struct stat st;
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_autofree char *text = occ_test_read (path);
  g_assert_cmpuint (strlen (text), ==, 21);
  return g_strndup (text, 20);
}

static char *
one_time_password_of (const char *answer)
{
  g_autoptr (JsonObject) o = occ_test_parse_object (answer);
  g_assert_true (json_object_get_boolean_member (o, "must-change-password"));
  const char *otp = json_object_get_string_member (o, "one-time-password");
  g_assert_cmpuint (strlen (otp), ==, 20);
  return g_strdup (otp);
}

static void
test_commands (gconstpointer data)
{
  const TalBackend *backend = data;
  g_autofree char *dir = occ_test_mkdtemp ();
  tal_write_config (dir, backend, TAL_FAST_POLICY);
  occ_test_write (dir, "plugins.d/auth-local.conf", "[auth-local]\nhash-threads=3\n");
  g_autoptr (OccTestDaemon) d = occ_test_daemon_start_in (dir);
  g_assert_nonnull (d);
  g_autofree char *path = g_build_filename (dir, "state", "initial-admin-password", NULL);
  g_autofree char *admin_otp = wait_admin (d, path);

  g_autofree char *list = occ_test_call (d, 0, "auth-local.list", NULL);
  assert_has (list, "\"count\":1");
  assert_has (list, "\"must-change-password\":true");
  assert_has (list, "\"bootstrap\":true");
  g_autofree char *admin_pw = arg ("password", admin_otp);
  g_autofree char *checked
      = occ_test_call (d, 0, "auth-local.check", "login=admin", admin_pw, NULL);
  assert_has (checked, "\"display-name\":\"Administrator\"");
  assert_has (checked, "\"groups\":[]");
  assert_has (checked, "\"must-change-password\":true");

  /* add without a password: a one-time password, answered once */
  g_autofree char *added
      = occ_test_call (d, 0, "auth-local.add", "login=bob", "display_name=Bob Kouassi", NULL);
  assert_has (added, "\"display-name\":\"Bob Kouassi\"");
  g_autofree char *bob_otp = one_time_password_of (added);
  g_autofree char *bob_pw = arg ("password", bob_otp);
  g_autofree char *bob = occ_test_call (d, 0, "auth-local.check", "login=bob", bob_pw, NULL);
  assert_has (bob, "\"display-name\":\"Bob Kouassi\"");
  g_autofree char *again = occ_test_call (d, 1, "auth-local.add", "login=bob", NULL);
  assert_has (again, "taken");
  g_autofree char *weak
      = occ_test_call (d, 1, "auth-local.add", "login=carol", "password=short-1", NULL);
  assert_has (weak, "policy: min-length");
  g_autofree char *carol
      = occ_test_call (d, 0, "auth-local.add", "login=carol", "password=carols-password-1", NULL);
  assert_has (carol, "\"login\":\"carol\"");
  assert_has (carol, "\"user-id\":");
  g_assert_null (strstr (carol, "must-change-password"));
  g_assert_null (strstr (carol, "one-time-password"));
  g_autofree char *typo = occ_test_call (d, 1, "auth-local.add", "login=dan", "pasword=x", NULL);
  assert_has (typo, "unknown argument “pasword”");
  g_autofree char *number
      = occ_test_call (d, 1, "auth-local.check", "login=carol", "password=12345", NULL);
  assert_has (number, "must be a string");
  g_autofree char *spaced = occ_test_call (d, 1, "auth-local.add", "login=two words", NULL);
  assert_has (spaced, "login: contains a space");

  /* passwd, disable, enable */
  g_autofree char *old = arg ("old", bob_otp);
  g_free (occ_test_call (d, 0, "auth-local.passwd", "login=bob", old, "new=bobs-password-2", NULL));
  g_autofree char *stale = occ_test_call (d, 1, "auth-local.check", "login=bob", bob_pw, NULL);
  assert_has (stale, "denied: wrong login or password");
  g_autofree char *off = occ_test_call (d, 0, "auth-local.disable", "login=bob", NULL);
  assert_has (off, "\"enabled\":false");
  g_autofree char *disabled
      = occ_test_call (d, 1, "auth-local.check", "login=bob", "password=bobs-password-2", NULL);
  assert_has (disabled, "disabled: the account “bob” is disabled");
  g_free (occ_test_call (d, 0, "auth-local.enable", "login=bob", NULL));
  g_free (occ_test_call (d, 0, "auth-local.check", "login=bob", "password=bobs-password-2", NULL));
  g_autofree char *ghost = occ_test_call (d, 1, "auth-local.disable", "login=ghost", NULL);
  assert_has (ghost, "no local account “ghost”");

  g_autofree char *all = occ_test_call (d, 0, "auth-local.list", NULL);
  assert_has (all, "\"count\":3");
  assert_has (all, "\"password-age-days\":0");
  g_assert_null (strstr (all, "argon2"));
  g_autofree char *policy = occ_test_call (d, 0, "auth-local.policy", NULL);
  assert_has (policy, "\"min-length\":12");
  assert_has (policy, "\"argon2-memlimit-kib\":1024");
  occ_test_write (dir, "policies/passwords.conf", TAL_FAST_POLICY "min-length=16\n");
  g_autofree char *reloaded = occ_test_call (d, 0, "auth-local.policy", "reload=true", NULL);
  assert_has (reloaded, "\"min-length\":16");

  /* the pool's size follows the config */
  occ_test_write (dir, "plugins.d/auth-local.conf", "[auth-local]\nhash-threads=1\n");
  g_autofree char *out = NULL, *err = NULL;
  g_assert_cmpint (occ_test_cli (d, &out, &err, "config", "reload", NULL), ==, 0);
  g_free (occ_test_call (d, 0, "auth-local.check", "login=bob", "password=bobs-password-2", NULL));
  occ_test_write (dir, "plugins.d/auth-local.conf", "[auth-local]\nhash-threads=99\n");
  g_autofree char *out2 = NULL, *err2 = NULL;
  g_assert_cmpint (occ_test_cli (d, &out2, &err2, "config", "reload", NULL), !=, 0);
  assert_has (err2, "hash-threads");
  occ_test_write (dir, "plugins.d/auth-local.conf", "[auth-local]\nhash-threads=2\n");

  /* a restart makes no second administrator and keeps the file */
  g_assert_true (occ_test_daemon_restart (d));
  g_autofree char *kept = wait_admin (d, path);
  g_assert_cmpstr (kept, ==, admin_otp);
  g_autofree char *still = occ_test_call (d, 0, "auth-local.list", NULL);
  assert_has (still, "\"count\":3");
  g_autofree char *admin_old = arg ("old", admin_otp);
  g_free (occ_test_call (d, 0, "auth-local.passwd", "login=admin", admin_old,
                         "new=admins-password-1", NULL));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  g_assert_cmpint (occ_test_daemon_stop (d, SIGTERM), ==, 0);
  /* the log names the file and never a password or a hash */
  g_autofree char *log = occ_test_read (d->log);
  assert_has (log, path);
  static const char *const secrets[] = { "bobs-password-2", "carols-password-1", "argon2", NULL };
  for (guint i = 0; secrets[i]; i++)
    g_assert_null (strstr (log, secrets[i]));
  g_assert_null (strstr (log, admin_otp));
  g_assert_null (strstr (log, bob_otp));
  occ_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/auth-local/sqlite/commands/through-the-cli", &tal_sqlite, test_commands);
  if (tal_postgres_start ())
    g_test_add_data_func ("/auth-local/postgres/commands/through-the-cli", &tal_postgres,
                          test_commands);
  int status = g_test_run ();
  tal_postgres_stop ();
  return status;
}
