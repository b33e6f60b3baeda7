/* Shared test helpers; see testlib.h. */
#include "testlib.h"
#include "peers.h"

#include <fcntl.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

char *
occ_test_mkdtemp (void)
{
  g_autoptr (GError) e = NULL;
  char *dir = g_dir_make_tmp ("omnicc-test-XXXXXX", &e);
  g_assert_no_error (e);
  return dir;
}

void
occ_test_rmtree (const char *path)
{
  if (path == NULL)
    return;
  g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
  const char *n;
  while (d && (n = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, n, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        occ_test_rmtree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

void
occ_test_write (const char *dir, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_autoptr (GError) e = NULL;
  g_file_set_contents (path, text, -1, &e);
  g_assert_no_error (e);
}

char *
occ_test_read (const char *path)
{
  char *text = NULL;
  g_autoptr (GError) e = NULL;
  g_file_get_contents (path, &text, NULL, &e);
  g_assert_no_error (e);
  return text;
}

static gboolean
timed_out (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
occ_test_wait_for (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add (timeout_ms, timed_out, &expired);
  while (!cond (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  return cond (data);
}

static gboolean
never (gpointer data)
{
  (void) data;
  return FALSE;
}

void
occ_test_spin (guint ms)
{
  occ_test_wait_for (never, NULL, ms);
}

/* --- the daemon ---------------------------------------------------------------- */

static gboolean
daemon_answers (OccTestDaemon *d)
{
  g_autofree char *answer = occ_test_raw_request (d, "{\"id\":0,\"command\":\"status\"}");
  return answer != NULL && strstr (answer, "\"ok\":true") != NULL;
}

/* Starts the process of @d and waits until it answers. */
static gboolean
spawn (OccTestDaemon *d)
{
  g_autoptr (GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  /* appended, so that a restarted daemon's log follows the first one's */
  g_autoptr (GError) e = NULL;
  int fd = g_open (d->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
  g_assert_cmpint (fd, >=, 0);
  g_subprocess_launcher_take_stderr_fd (l, fd);
  g_clear_object (&d->proc);
  /* the daemon goes with the test, even when the test aborts or is
   * killed (see peers.h) */
  g_subprocess_launcher_set_child_setup (l, occ_test_guard_child_setup, NULL, NULL);
  d->proc = g_subprocess_launcher_spawn (l, &e, OMNICCD_PATH, "--config", d->conf, "--log-level",
                                         "debug", NULL);
  g_assert_no_error (e);
  d->pid = (GPid) atoi (g_subprocess_get_identifier (d->proc));
  occ_test_guard_add (d->pid);
  for (int i = 0; i < 200; i++)
    {
      if (daemon_answers (d))
        return TRUE;
      if (g_subprocess_get_identifier (d->proc) == NULL)
        break;
      g_usleep (50 * 1000);
    }
  g_autofree char *log = occ_test_read (d->log);
  g_test_message ("omniccd did not come up; its log:\n%s", log);
  return FALSE;
}

OccTestDaemon *
occ_test_daemon_start_in (const char *dir)
{
  OccTestDaemon *d = g_new0 (OccTestDaemon, 1);
  d->dir = g_strdup (dir);
  d->conf = g_build_filename (dir, "omnicc.conf", NULL);
  d->socket = g_build_filename (dir, "control.sock", NULL);
  d->log = g_build_filename (dir, "daemon.log", NULL);
  if (spawn (d))
    return d;
  occ_test_daemon_free (d);
  return NULL;
}

gboolean
occ_test_daemon_restart (OccTestDaemon *d)
{
  g_assert_cmpint (occ_test_daemon_stop (d, SIGTERM), ==, 0);
  return spawn (d);
}

gboolean
occ_test_daemon_respawn (OccTestDaemon *d)
{
  return spawn (d);
}

OccTestDaemon *
occ_test_daemon_start (const char *enabled, const char *extra)
{
  g_autofree char *dir = occ_test_mkdtemp ();
  g_autofree char *conf
      = g_strdup_printf ("[core]\n"
                         "plugin-path=%s;%s\n"
                         "state-dir=state\n"
                         "data-dir=%s/share\n"
                         "policy-dir=%s/policies\n"
                         "control-socket=control.sock\n"
                         "control-group=\n"
                         "%s\n"
                         "%s\n"
                         "[plugins]\n"
                         "enabled=%s\n",
                         FIXTURE_PLUGIN_DIR, PLUGIN_BUILD_DIR, SOURCE_ROOT, SOURCE_ROOT,
                         extra && strstr (extra, "drain-timeout") ? "" : "drain-timeout=5",
                         extra ? extra : "", enabled ? enabled : "");
  occ_test_write (dir, "omnicc.conf", conf);
  return occ_test_daemon_start_in (dir);
}

int
occ_test_daemon_stop (OccTestDaemon *d, int signum)
{
  g_subprocess_send_signal (d->proc, signum);
  g_autoptr (GError) e = NULL;
  g_subprocess_wait (d->proc, NULL, &e);
  g_assert_no_error (e);
  occ_test_guard_remove (d->pid);
  if (g_subprocess_get_if_signaled (d->proc))
    {
      /* a crash (or a sanitizer's abort): its log says why */
      g_autofree char *log = occ_test_read (d->log);
      g_test_message ("omniccd died of signal %d; its log:\n%s",
                      g_subprocess_get_term_sig (d->proc), log);
      return 128 + g_subprocess_get_term_sig (d->proc);
    }
  return g_subprocess_get_exit_status (d->proc);
}

void
occ_test_daemon_free (OccTestDaemon *d)
{
  if (d == NULL)
    return;
  if (d->proc && g_subprocess_get_identifier (d->proc) != NULL)
    {
      g_subprocess_force_exit (d->proc);
      g_subprocess_wait (d->proc, NULL, NULL);
    }
  if (d->pid)
    occ_test_guard_remove (d->pid);
  g_clear_object (&d->proc);
  occ_test_rmtree (d->dir);
  g_free (d->dir);
  g_free (d->conf);
  g_free (d->socket);
  g_free (d->log);
  g_free (d);
}

int
occ_test_run (const char *const *argv, char **out, char **err)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (GSubprocess) p = g_subprocess_newv (
      argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &e);
  g_assert_no_error (e);
  g_autofree char *o = NULL, *r = NULL;
  g_subprocess_communicate_utf8 (p, NULL, NULL, &o, &r, &e);
  g_assert_no_error (e);
  if (out)
    *out = g_steal_pointer (&o);
  if (err)
    *err = g_steal_pointer (&r);
  return g_subprocess_get_if_exited (p) ? g_subprocess_get_exit_status (p)
                                        : 128 + g_subprocess_get_term_sig (p);
}

/* omnicc [--socket D] FIRST… ARGS…; @first may be NULL (then no FIRST). */
static int
run_cli (OccTestDaemon *d, char **out, char **err, const char *const *first, va_list ap)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (char *) OMNICC_CLI_PATH);
  if (d)
    {
      g_ptr_array_add (argv, (char *) "--socket");
      g_ptr_array_add (argv, d->socket);
    }
  for (guint i = 0; first && first[i]; i++)
    g_ptr_array_add (argv, (char *) first[i]);
  const char *a;
  while ((a = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) a);
  g_ptr_array_add (argv, NULL);
  return occ_test_run ((const char *const *) argv->pdata, out, err);
}

int
occ_test_cli (OccTestDaemon *d, char **out, char **err, ...)
{
  va_list ap;
  va_start (ap, err);
  int status = run_cli (d, out, err, NULL, ap);
  va_end (ap);
  return status;
}

char *
occ_test_call (OccTestDaemon *d, int expect_status, const char *command, ...)
{
  const char *first[] = { "--json", "call", command, NULL };
  g_autofree char *out = NULL, *err = NULL;
  va_list ap;
  va_start (ap, command);
  int status = run_cli (d, &out, &err, first, ap);
  va_end (ap);
  if (status != expect_status)
    g_error ("omnicc call %s exited %d (expected %d): %s%s", command, status, expect_status, out,
             err);
  return g_strconcat (out, err, NULL);
}

char *
occ_test_raw_request (OccTestDaemon *d, const char *line)
{
  g_autoptr (GSocketClient) sc = g_socket_client_new ();
  g_autoptr (GSocketAddress) addr = g_unix_socket_address_new (d->socket);
  g_autoptr (GSocketConnection) conn
      = g_socket_client_connect (sc, G_SOCKET_CONNECTABLE (addr), NULL, NULL);
  if (conn == NULL)
    return NULL;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  g_autofree char *text = g_strconcat (line, "\n", NULL);
  if (!g_output_stream_write_all (out, text, strlen (text), NULL, NULL, NULL))
    return NULL;
  g_autoptr (GDataInputStream) in
      = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (conn)));
  return g_data_input_stream_read_line (in, NULL, NULL, NULL);
}

JsonObject *
occ_test_parse_object (const char *json)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) e = NULL;
  json_parser_load_from_data (p, json, -1, &e);
  g_assert_no_error (e);
  JsonNode *root = json_parser_get_root (p);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

/* --- PostgreSQL ---------------------------------------------------------------- */

#define PG_BIN "/usr/lib/postgresql/15/bin"

/* Data folders of running servers, for the emergency stop below. Signal
 * handlers may only read this fixed array. */
#define MAX_PG 8
static char pg_running[MAX_PG][256];

/* Runs @argv as the postgres user when we are root; returns the status. */
static int
run_as_postgres (const char *const *argv, char **out, char **err)
{
  g_autoptr (GPtrArray) full = g_ptr_array_new ();
  if (getuid () == 0)
    {
      g_ptr_array_add (full, (char *) "/usr/sbin/runuser");
      g_ptr_array_add (full, (char *) "-u");
      g_ptr_array_add (full, (char *) "postgres");
      g_ptr_array_add (full, (char *) "--");
    }
  for (guint i = 0; argv[i]; i++)
    g_ptr_array_add (full, (char *) argv[i]);
  g_ptr_array_add (full, NULL);
  return occ_test_run ((const char *const *) full->pdata, out, err);
}

/* Stops every server still running: from atexit and from fatal signals
 * (fork and exec are what async-signal-safe code may do here). */
static void
emergency_stop (void)
{
  for (int i = 0; i < MAX_PG; i++)
    {
      if (pg_running[i][0] == '\0')
        continue;
      pid_t pid = fork ();
      if (pid == 0)
        {
          if (getuid () == 0)
            execl ("/usr/sbin/runuser", "runuser", "-u", "postgres", "--", PG_BIN "/pg_ctl", "-D",
                   pg_running[i], "-m", "immediate", "-s", "stop", (char *) NULL);
          else
            execl (PG_BIN "/pg_ctl", "pg_ctl", "-D", pg_running[i], "-m", "immediate", "-s", "stop",
                   (char *) NULL);
          _exit (127);
        }
      if (pid > 0)
        waitpid (pid, NULL, 0);
      pg_running[i][0] = '\0';
    }
}

static void
on_fatal_signal (int signum)
{
  emergency_stop ();
  signal (signum, SIG_DFL);
  raise (signum);
}

static void
guard_install (void)
{
  static gboolean installed;
  if (installed)
    return;
  installed = TRUE;
  atexit (emergency_stop);
  const int sigs[] = { SIGABRT, SIGSEGV, SIGBUS, SIGTERM, SIGINT, SIGTRAP };
  for (guint i = 0; i < G_N_ELEMENTS (sigs); i++)
    signal (sigs[i], on_fatal_signal);
}

static void
guard_set (const char *data, gboolean running)
{
  for (int i = 0; i < MAX_PG; i++)
    {
      if (running && pg_running[i][0] == '\0')
        {
          g_strlcpy (pg_running[i], data, sizeof pg_running[i]);
          return;
        }
      if (!running && strcmp (pg_running[i], data) == 0)
        pg_running[i][0] = '\0';
    }
}

static gboolean
pg_ctl_start (OccTestPostgres *pg)
{
  g_autofree char *data = g_build_filename (pg->dir, "data", NULL);
  g_autofree char *log = g_build_filename (pg->dir, "server.log", NULL);
  g_autofree char *opts = g_strdup_printf ("-k %s -p %d -c listen_addresses='' -c fsync=on "
                                           "-c max_connections=50",
                                           pg->socket_dir, pg->port);
  const char *start[]
      = { PG_BIN "/pg_ctl", "-D", data, "-o", opts, "-l", log, "-w", "-t", "30", "start", NULL };
  g_autofree char *err = NULL;
  guard_set (data, TRUE);
  if (run_as_postgres (start, NULL, &err) != 0)
    {
      g_autofree char *text = NULL;
      g_file_get_contents (log, &text, NULL, NULL);
      g_test_message ("pg_ctl start failed: %s\n%s", err, text ? text : "");
      guard_set (data, FALSE);
      return FALSE;
    }
  return TRUE;
}

OccTestPostgres *
occ_test_postgres_start (void)
{
  guard_install ();
  if (!g_file_test (PG_BIN "/initdb", G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_message ("PostgreSQL server binaries are not installed in %s", PG_BIN);
      return NULL;
    }
  OccTestPostgres *pg = g_new0 (OccTestPostgres, 1);
  pg->dir = occ_test_mkdtemp ();
  pg->socket_dir = g_strdup (pg->dir);
  pg->port = 5432;
  if (getuid () == 0)
    {
      struct passwd *pw = getpwnam ("postgres");
      g_assert_nonnull (pw);
      g_assert_cmpint (chown (pg->dir, pw->pw_uid, pw->pw_gid), ==, 0);
    }
  g_autofree char *data = g_build_filename (pg->dir, "data", NULL);
  const char *initdb[] = { PG_BIN "/initdb", "-D", data,   "-A",         "trust",     "-U",
                           "postgres",       "-E", "UTF8", "--locale=C", "--no-sync", NULL };
  g_autofree char *err = NULL;
  if (run_as_postgres (initdb, NULL, &err) != 0)
    {
      g_test_message ("initdb failed: %s", err);
      occ_test_postgres_stop (pg);
      return NULL;
    }
  if (!pg_ctl_start (pg))
    {
      occ_test_postgres_stop (pg);
      return NULL;
    }
  g_autofree char *created = occ_test_psql (pg, "CREATE DATABASE omnicc");
  g_assert_nonnull (created);
  pg->dsn
      = g_strdup_printf ("host=%s port=%d user=postgres dbname=omnicc", pg->socket_dir, pg->port);
  return pg;
}

static void
pg_ctl_stop (OccTestPostgres *pg, const char *mode)
{
  g_autofree char *data = g_build_filename (pg->dir, "data", NULL);
  const char *stop[] = { PG_BIN "/pg_ctl", "-D", data, "-m", mode, "-w", "-s", "stop", NULL };
  run_as_postgres (stop, NULL, NULL);
  guard_set (data, FALSE);
}

void
occ_test_postgres_crash (OccTestPostgres *pg)
{
  pg_ctl_stop (pg, "immediate");
}

gboolean
occ_test_postgres_restart (OccTestPostgres *pg)
{
  return pg_ctl_start (pg);
}

void
occ_test_postgres_stop (OccTestPostgres *pg)
{
  if (pg == NULL)
    return;
  pg_ctl_stop (pg, "fast");
  occ_test_rmtree (pg->dir);
  g_free (pg->dir);
  g_free (pg->socket_dir);
  g_free (pg->dsn);
  g_free (pg);
}

char *
occ_test_psql_in (OccTestPostgres *pg, const char *database, const char *sql)
{
  g_autofree char *port = g_strdup_printf ("%d", pg->port);
  const char *argv[] = { "/usr/bin/psql",   "-X", "-q",           "-A", "-t", "-v",
                         "ON_ERROR_STOP=1", "-h", pg->socket_dir, "-p", port, "-U",
                         "postgres",        "-d", database,       "-c", sql,  NULL };
  char *out = NULL;
  g_autofree char *err = NULL;
  if (occ_test_run (argv, &out, &err) != 0)
    {
      g_test_message ("psql: %s", err);
      g_free (out);
      return NULL;
    }
  return out;
}

char *
occ_test_psql (OccTestPostgres *pg, const char *sql)
{
  return occ_test_psql_in (pg, pg->dsn ? "omnicc" : "postgres", sql);
}
