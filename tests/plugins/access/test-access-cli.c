/* The administrator's path, end to end: the real omniccd with the access
 * plugin, and the real omnicc command signing in (password on stdin, as a
 * script gives it), keeping its token in a session file, running
 * `omnicc user …` and `omnicc role …`, refused where the role says so, and
 * signing out. */
#include "testlib.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
  OccTestDaemon *d;
  char *dir;
} Site;

/* Runs `omnicc --socket … ARGS` with @session as OMNICC_SESSION_FILE
 * (NULL: none, so no token) and @input on stdin; the exit status. */
static int cli (Site *s, const char *session, const char *input, char **out, char **err,
                ...) G_GNUC_NULL_TERMINATED;

static int
cli (Site *s, const char *session, const char *input, char **out, char **err, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (char *) OMNICC_CLI_PATH);
  g_ptr_array_add (argv, (char *) "--socket");
  g_ptr_array_add (argv, s->d->socket);
  va_list ap;
  va_start (ap, err);
  for (const char *a = va_arg (ap, const char *); a; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_autoptr (GSubprocessLauncher) l
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                   | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autofree char *none = g_build_filename (s->dir, "no-session", NULL);
  g_subprocess_launcher_setenv (l, "OMNICC_SESSION_FILE", session ? session : none, TRUE);
  g_subprocess_launcher_unsetenv (l, "OMNICC_TOKEN");
  g_autoptr (GError) e = NULL;
  g_autoptr (GSubprocess) p
      = g_subprocess_launcher_spawnv (l, (const char *const *) argv->pdata, &e);
  g_assert_no_error (e);
  g_autofree char *o = NULL, *r = NULL;
  g_assert_true (g_subprocess_communicate_utf8 (p, input ? input : "", NULL, &o, &r, &e));
  g_assert_no_error (e);
  if (out)
    *out = g_steal_pointer (&o);
  if (err)
    *err = g_steal_pointer (&r);
  return g_subprocess_get_exit_status (p);
}

static void
assert_has (const char *text, const char *needle)
{
  if (text == NULL || strstr (text, needle) == NULL)
    g_error ("“%s” does not contain “%s”", text ? text : "(null)", needle);
}

static char *
one_time_password (Site *s)
{
  g_autofree char *path = g_build_filename (s->dir, "state", "initial-admin-password", NULL);
  for (int i = 0; i < 200; i++)
    {
      g_autofree char *text = NULL;
      if (g_file_get_contents (path, &text, NULL, NULL))
        {
          g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
          for (guint j = 0; lines[j]; j++)
            if (lines[j][0] && lines[j][0] != '#')
              return g_strdup (g_strstrip (lines[j]));
        }
      g_usleep (50000);
    }
  g_error ("no initial-admin-password in %s", path);
}

static void
test_admin_path (void)
{
  Site site = { 0 };
  Site *s = &site;
  s->dir = occ_test_mkdtemp ();
  g_autofree char *conf
      = g_strdup_printf ("[core]\nplugin-path=%s\nstate-dir=state\ndata-dir=%s/share\n"
                         "policy-dir=%s/policies\ncontrol-socket=control.sock\ncontrol-group=\n"
                         "drain-timeout=5\n[plugins]\n"
                         "enabled=store-sqlite;records;audit;auth-local;access\n",
                         PLUGIN_BUILD_DIR, SOURCE_ROOT, SOURCE_ROOT);
  occ_test_write (s->dir, "omnicc.conf", conf);
  occ_test_write (s->dir, "policies/passwords.conf",
                  "[passwords]\nargon2-opslimit=1\nargon2-memlimit-kib=1024\nmin-length=8\n");
  s->d = occ_test_daemon_start_in (s->dir);
  g_assert_nonnull (s->d);
  g_autofree char *admin_file = g_build_filename (s->dir, "admin.session", NULL);
  g_autofree char *awa_file = g_build_filename (s->dir, "awa.session", NULL);
  g_autofree char *once = one_time_password (s);
  g_autofree char *once_line = g_strconcat (once, "\n", NULL);

  /* the one-time password: a session that may only change it */
  int rc = 1;
  for (int i = 0; i < 100 && rc != 0; i++)
    {
      g_autofree char *o = NULL, *e = NULL;
      rc = cli (s, admin_file, once_line, &o, &e, "login", "admin", NULL);
      if (rc != 0)
        g_usleep (100000); /* the account is written just after the file */
    }
  g_assert_cmpint (rc, ==, 0);
  GStatBuf st;
  g_assert_cmpint (g_stat (admin_file, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_autofree char *o1 = NULL, *e1 = NULL;
  g_assert_cmpint (cli (s, admin_file, NULL, &o1, &e1, "user", "list", NULL), ==, 5);
  assert_has (e1, "“user.read”");
  g_autofree char *old_arg = g_strconcat ("old=", once, NULL);
  g_assert_cmpint (cli (s, admin_file, NULL, NULL, NULL, "auth-local", "passwd", "login=admin",
                        old_arg, "new=Admin-pass-1234!", NULL),
                   ==, 0);
  g_autofree char *o2 = NULL;
  g_assert_cmpint (cli (s, admin_file, "Admin-pass-1234!\n", &o2, NULL, "login", "admin", NULL), ==,
                   0);
  assert_has (o2, "signed in as admin");
  assert_has (o2, "administrator");

  /* accounts and grants from the command line */
  g_assert_cmpint (cli (s, admin_file, NULL, NULL, NULL, "user", "add", "login=awa",
                        "password=Awa-pass-1234", NULL),
                   ==, 0);
  g_assert_cmpint (
      cli (s, admin_file, NULL, NULL, NULL, "user", "grant", "login=awa", "role=agent", NULL), ==,
      0);
  g_autofree char *roles = NULL;
  g_assert_cmpint (cli (s, admin_file, NULL, &roles, NULL, "role", "list", NULL), ==, 0);
  assert_has (roles, "client-viewer");
  g_autofree char *agent = NULL;
  g_assert_cmpint (
      cli (s, admin_file, NULL, &agent, NULL, "--json", "role", "show", "name=agent", NULL), ==, 0);
  assert_has (agent, "phone.register");
  g_autofree char *users = NULL;
  g_assert_cmpint (cli (s, admin_file, NULL, &users, NULL, "--json", "user", "list", NULL), ==, 0);
  assert_has (users, "\"login\":\"awa\"");

  /* the agent: what the role allows, and no more */
  g_assert_cmpint (cli (s, awa_file, "Awa-pass-1234\n", NULL, NULL, "login", "awa", NULL), ==, 0);
  g_autofree char *e3 = NULL;
  g_assert_cmpint (cli (s, awa_file, NULL, NULL, &e3, "plugin", "list", NULL), ==, 5);
  assert_has (e3, "“plugin.read”");
  g_assert_cmpint (cli (s, awa_file, NULL, NULL, NULL, "records", "describe", NULL), ==, 0);
  g_autofree char *who = NULL;
  g_assert_cmpint (cli (s, awa_file, NULL, &who, NULL, "whoami", NULL), ==, 0);
  assert_has (who, "agent");
  /* signing out everywhere: an old token is refused, with the hint */
  g_autofree char *token = occ_test_read (awa_file);
  g_assert_cmpint (cli (s, awa_file, NULL, NULL, NULL, "logout", "--everywhere", NULL), ==, 0);
  g_assert_false (g_file_test (awa_file, G_FILE_TEST_EXISTS));
  occ_test_write (s->dir, "stale.session", token);
  g_autofree char *stale = g_build_filename (s->dir, "stale.session", NULL);
  g_assert_cmpint (g_chmod (stale, 0600), ==, 0);
  g_autofree char *e4 = NULL;
  g_assert_cmpint (cli (s, stale, NULL, NULL, &e4, "whoami", NULL), ==, 5);
  assert_has (e4, "omnicc login");

  /* disabled: no sign-in */
  g_assert_cmpint (cli (s, admin_file, NULL, NULL, NULL, "user", "disable", "login=awa", NULL), ==,
                   0);
  g_autofree char *e5 = NULL;
  g_assert_cmpint (cli (s, awa_file, "Awa-pass-1234\n", NULL, &e5, "login", "awa", NULL), ==, 5);
  assert_has (e5, "disabled");

  /* the trail, verified by the machine's operator (no session) */
  g_autofree char *v = NULL;
  g_assert_cmpint (cli (s, NULL, NULL, &v, NULL, "--json", "audit", "verify", NULL), ==, 0);
  assert_has (v, "\"ok\":true");
  g_autofree char *tail = NULL;
  g_assert_cmpint (cli (s, NULL, NULL, &tail, NULL, "audit", "tail", "n=50", NULL), ==, 0);
  assert_has (tail, "\"user.disable\"");
  assert_has (tail, "\"plugin.list\"");

  g_assert_cmpint (occ_test_daemon_stop (s->d, SIGTERM), ==, 0);
  occ_test_daemon_free (s->d);
  occ_test_rmtree (s->dir);
  g_free (s->dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/access-cli/admin-path", test_admin_path);
  return g_test_run ();
}
