/* Whole-program tests: the real omniccd, driven by the real omnicc CLI and
 * by raw socket clients. */
#include "testlib.h"
#include <omnicc/version.h>

#include <gio/gunixsocketaddress.h>
#include <signal.h>
#include <sys/stat.h>

static void
assert_contains (const char *haystack, const char *needle)
{
  if (haystack == NULL || strstr (haystack, needle) == NULL)
    g_error ("“%s” not found in:\n%s", needle, haystack ? haystack : "(null)");
}

/* The row of `omnicc plugin list` for @name (transfer full). */
static char *
plugin_row (OccTestDaemon *d, const char *name)
{
  g_autofree char *out = NULL;
  g_assert_cmpint (occ_test_cli (d, &out, NULL, "plugin", "list", NULL), ==, 0);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], name) && lines[i][strlen (name)] == ' ')
      return g_strdup (lines[i]);
  g_error ("no row for %s in:\n%s", name, out);
}

static void
test_broken_plugins_listed_daemon_serves (void)
{
  g_autoptr (OccTestDaemon) d
      = occ_test_daemon_start ("alpha;wrong-abi;missing-symbol;failing;beta;eventlog", NULL);
  g_assert_nonnull (d);
  g_autofree char *alpha = plugin_row (d, "alpha");
  g_autofree char *abi = plugin_row (d, "wrong-abi");
  g_autofree char *sym = plugin_row (d, "missing-symbol");
  g_autofree char *failing = plugin_row (d, "failing");
  g_autofree char *eventlog = plugin_row (d, "eventlog");
  g_autofree char *declining = plugin_row (d, "declining");
  assert_contains (alpha, " loaded ");
  assert_contains (eventlog, " loaded ");
  assert_contains (abi, "failed");
  assert_contains (abi, "ABI 99");
  assert_contains (sym, "undefined symbol: occ_function_that_does_not_exist");
  assert_contains (failing, "the fixture refuses to load");
  assert_contains (declining, "available  no"); /* found but not enabled */
  g_autofree char *status = NULL;
  g_assert_cmpint (occ_test_cli (d, &status, NULL, "--json", "status", NULL), ==, 0);
  g_autoptr (JsonObject) st = occ_test_parse_object (status);
  g_assert_cmpint (json_object_get_int_member (st, "plugins-loaded"), ==, 3);
  /* the three enabled ones, and the other broken files in the path */
  g_assert_cmpint (json_object_get_int_member (st, "plugins-failed"), >=, 3);
  g_autofree char *log = occ_test_read (d->log);
  assert_contains (log, "wrong-abi.so was built for plugin ABI 99.");
  g_assert_cmpint (occ_test_daemon_stop (d, SIGTERM), ==, 0);
}

static void
test_cli_exit_codes (void)
{
  g_autoptr (OccTestDaemon) d = occ_test_daemon_start ("", NULL);
  g_assert_nonnull (d);
  g_autofree char *err1 = NULL, *err2 = NULL, *err3 = NULL, *err4 = NULL;
  g_assert_cmpint (occ_test_cli (d, NULL, NULL, "status", NULL), ==, 0);
  g_assert_cmpint (occ_test_cli (d, NULL, &err1, "call", "no.such.command", NULL), ==, 1);
  assert_contains (err1, "unknown command “no.such.command”");
  g_assert_cmpint (occ_test_cli (d, NULL, &err2, "plugin", "unload", "ghost", NULL), ==, 1);
  assert_contains (err2, "no plugin named ghost");
  g_assert_cmpint (occ_test_cli (d, NULL, &err3, "plugin", NULL), ==, 2);
  assert_contains (err3, "Usage:");
  g_assert_cmpint (
      occ_test_cli (NULL, NULL, &err4, "--socket", "/nonexistent/sock", "status", NULL), ==, 3);
  assert_contains (err4, "cannot reach omniccd on /nonexistent/sock");
  /* a plugin's command by words: "alpha ping" is alpha.ping */
  g_assert_cmpint (occ_test_cli (d, NULL, NULL, "plugin", "load", "alpha", NULL), ==, 0);
  g_autofree char *ping = NULL;
  g_assert_cmpint (occ_test_cli (d, &ping, NULL, "alpha", "ping", NULL), ==, 0);
  assert_contains (ping, "alpha");
  g_autofree char *items = NULL;
  g_assert_cmpint (occ_test_cli (d, &items, NULL, "alpha", "count", "n=3", NULL), ==, 0);
  g_assert_cmpstr (items, ==, "{\"i\":0}\n{\"i\":1}\n{\"i\":2}\n3\n");
  /* --KEY VALUE and --KEY=VALUE are KEY=VALUE; a --KEY without a value
   * is a usage error */
  g_autofree char *items2 = NULL, *items3 = NULL, *err6 = NULL;
  g_assert_cmpint (occ_test_cli (d, &items2, NULL, "alpha", "count", "--n", "2", NULL), ==, 0);
  g_assert_cmpstr (items2, ==, "{\"i\":0}\n{\"i\":1}\n2\n");
  g_assert_cmpint (occ_test_cli (d, &items3, NULL, "alpha", "count", "--n=1", NULL), ==, 0);
  g_assert_cmpstr (items3, ==, "{\"i\":0}\n1\n");
  g_assert_cmpint (occ_test_cli (d, NULL, &err6, "alpha", "count", "--n", NULL), ==, 2);
  assert_contains (err6, "--n needs a value");
  g_autofree char *err5 = NULL;
  g_assert_cmpint (occ_test_cli (d, NULL, &err5, "alpha", "pong", NULL), ==, 1);
  assert_contains (err5, "unknown command “alpha.pong”");
  g_assert_cmpint (occ_test_cli (d, NULL, NULL, "plugin", "unload", "alpha", NULL), ==, 0);
  g_autofree char *json = NULL;
  g_assert_cmpint (occ_test_cli (d, &json, NULL, "--json", "plugin", "info", "alpha", NULL), ==, 0);
  g_autoptr (JsonObject) info = occ_test_parse_object (json);
  g_assert_cmpstr (json_object_get_string_member (info, "state"), ==, "available");
  g_autofree char *abi = g_strdup_printf ("%d.%d", OCC_PLUGIN_ABI_MAJOR, OCC_PLUGIN_ABI_MINOR);
  g_assert_cmpstr (json_object_get_string_member (info, "abi"), ==, abi);
}

static void
test_enable_disable_persist (void)
{
  g_autoptr (OccTestDaemon) d = occ_test_daemon_start ("", NULL);
  g_assert_nonnull (d);
  g_autofree char *out = NULL;
  g_assert_cmpint (occ_test_cli (d, &out, NULL, "plugin", "enable", "alpha", NULL), ==, 0);
  assert_contains (out, "loaded");
  g_assert_cmpint (occ_test_cli (d, NULL, NULL, "plugin", "enable", "beta", NULL), ==, 0);
  g_autofree char *conf = occ_test_read (d->conf);
  assert_contains (conf, "enabled=alpha;beta;");
  /* refused while beta needs it, and nothing is saved */
  g_autofree char *err = NULL;
  g_assert_cmpint (occ_test_cli (d, NULL, &err, "plugin", "disable", "alpha", NULL), ==, 1);
  assert_contains (err, "required by beta");
  g_autofree char *conf2 = occ_test_read (d->conf);
  assert_contains (conf2, "enabled=alpha;beta;");
  /* survives a restart */
  g_assert_true (occ_test_daemon_restart (d));
  g_autofree char *beta = plugin_row (d, "beta");
  assert_contains (beta, " loaded     yes");
  g_assert_cmpint (occ_test_cli (d, NULL, NULL, "plugin", "disable", "beta", NULL), ==, 0);
  g_autofree char *conf3 = occ_test_read (d->conf);
  assert_contains (conf3, "enabled=alpha;\n");
  g_autofree char *beta2 = plugin_row (d, "beta");
  assert_contains (beta2, " available  no");
  /* a broken plugin can be enabled, and says why it did not load */
  g_autofree char *err2 = NULL;
  g_assert_cmpint (occ_test_cli (d, NULL, &err2, "plugin", "enable", "failing", NULL), ==, 1);
  assert_contains (err2, "failing is enabled, but did not load");
}

/* Waits until `omnicc call configurable.ping` shows @greeting. */
static gboolean
greeting_is (OccTestDaemon *d, const char *greeting)
{
  g_autofree char *want = g_strdup_printf ("greeting             %s\n", greeting);
  for (int i = 0; i < 100; i++)
    {
      g_autofree char *out = NULL;
      occ_test_cli (d, &out, NULL, "call", "configurable.ping", NULL);
      if (out && strstr (out, want))
        return TRUE;
      g_usleep (20000);
    }
  return FALSE;
}

static gboolean
log_mentions (OccTestDaemon *d, const char *needle)
{
  for (int i = 0; i < 100; i++)
    {
      g_autofree char *log = occ_test_read (d->log);
      if (strstr (log, needle))
        return TRUE;
      g_usleep (20000);
    }
  return FALSE;
}

static void
test_sighup_reconfigures_or_keeps_old (void)
{
  g_autoptr (OccTestDaemon) d = occ_test_daemon_start ("configurable", NULL);
  g_assert_nonnull (d);
  g_assert_true (greeting_is (d, ""));
  occ_test_write (d->dir, "plugins.d/configurable.conf", "[fixture]\ngreeting=two\n");
  g_subprocess_send_signal (d->proc, SIGHUP);
  g_assert_true (greeting_is (d, "two"));

  /* an invalid file: refused as a whole, the old config stays */
  occ_test_write (d->dir, "plugins.d/configurable.conf", "[fixture]\ngreeting=three\ncolour=red\n");
  g_subprocess_send_signal (d->proc, SIGHUP);
  g_assert_true (log_mentions (d, "new configuration refused, the old one stays"));
  g_assert_true (log_mentions (d, "configurable.conf:3: [fixture] colour: unknown key"));
  g_assert_true (greeting_is (d, "two"));
  /* the same through the CLI, with the reason */
  g_autofree char *err = NULL;
  g_assert_cmpint (occ_test_cli (d, NULL, &err, "config", "reload", NULL), ==, 1);
  assert_contains (err, "colour: unknown key");

  /* a valid file the plugin refuses: it keeps its old config */
  occ_test_write (d->dir, "plugins.d/configurable.conf", "[fixture]\ngreeting=refuse\n");
  g_autofree char *out = NULL;
  g_assert_cmpint (occ_test_cli (d, &out, NULL, "config", "reload", NULL), ==, 0);
  assert_contains (out, "refused its new config and keeps the old one");
  g_assert_true (greeting_is (d, "two"));

  /* a main config that no longer parses keeps the daemon as it was */
  g_autofree char *conf = occ_test_read (d->conf);
  occ_test_write (d->dir, "omnicc.conf", "[core\n");
  g_subprocess_send_signal (d->proc, SIGHUP);
  g_assert_true (log_mentions (d, "omnicc.conf"));
  g_assert_true (greeting_is (d, "two"));
  occ_test_write (d->dir, "omnicc.conf", conf);
  g_assert_cmpint (occ_test_daemon_stop (d, SIGTERM), ==, 0);
}

static void
test_reload_applies_enabled_list (void)
{
  g_autoptr (OccTestDaemon) d = occ_test_daemon_start ("alpha;configurable", NULL);
  g_assert_nonnull (d);
  g_assert_cmpint (occ_test_cli (d, NULL, NULL, "plugin", "load", "old-provider", NULL), ==, 0);
  g_autofree char *conf = occ_test_read (d->conf);
  g_auto (GStrv) parts = g_strsplit (conf, "enabled=alpha;configurable", 2);
  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  g_autofree char *changed = g_strjoinv ("enabled=configurable;holder", parts);
  occ_test_write (d->dir, "omnicc.conf", changed);
  g_assert_cmpint (occ_test_cli (d, NULL, NULL, "config", "reload", NULL), ==, 0);
  g_autofree char *alpha = plugin_row (d, "alpha");
  g_autofree char *holder = plugin_row (d, "holder");
  g_autofree char *hand = plugin_row (d, "old-provider");
  g_autofree char *kept = plugin_row (d, "configurable");
  assert_contains (alpha, " available  no");   /* no longer enabled: unloaded */
  assert_contains (holder, " loaded     yes"); /* newly enabled: loaded */
  assert_contains (hand, " loaded     no");    /* loaded by hand: left alone */
  assert_contains (kept, " loaded     yes");
}

static char *
events_file (OccTestDaemon *d)
{
  g_autofree char *path = g_build_filename (d->dir, "state", "events.jsonl", NULL);
  return occ_test_read (path);
}

static void
test_sigterm_waits_for_holds (void)
{
  g_autoptr (OccTestDaemon) d = occ_test_daemon_start ("eventlog;holder", NULL);
  g_assert_nonnull (d);
  gint64 t0 = g_get_monotonic_time ();
  g_assert_cmpint (occ_test_daemon_stop (d, SIGTERM), ==, 0);
  gint64 took = g_get_monotonic_time () - t0;
  g_autofree char *events = events_file (d);
  const char *stopping = strstr (events, "\"type\":\"core.stopping\"");
  const char *drained = strstr (events, "\"type\":\"fixture.drained\"");
  g_assert_nonnull (stopping);
  g_assert_nonnull (drained);
  g_assert_true (stopping < drained);
  g_assert_cmpint (took, >=, 200 * 1000); /* the holder's 200 ms */
  g_autofree char *log = occ_test_read (d->log);
  assert_contains (log, "plugin holder unloaded");
  assert_contains (log, "omniccd stopped");
}

static void
test_drain_timeout_bounds_the_wait (void)
{
  g_autoptr (OccTestDaemon) d = occ_test_daemon_start ("eventlog;holder", "drain-timeout=0");
  g_assert_nonnull (d);
  g_assert_cmpint (occ_test_daemon_stop (d, SIGTERM), ==, 0);
  g_autofree char *events = events_file (d);
  assert_contains (events, "\"type\":\"core.stopping\"");
  g_assert_null (strstr (events, "fixture.drained"));
  g_autofree char *log = occ_test_read (d->log);
  assert_contains (log, "drain timeout");
}

static void
test_bad_control_input_keeps_serving (void)
{
  g_autoptr (OccTestDaemon) d = occ_test_daemon_start ("", NULL);
  g_assert_nonnull (d);
  g_autofree char *a1 = occ_test_raw_request (d, "this is not json");
  assert_contains (a1, "\"code\":\"bad-request\"");
  g_autofree char *a2
      = occ_test_raw_request (d, "{\"command\":\"plugin.load\",\"args\":{\"name\":[1,2]}}");
  assert_contains (a2, "argument “name” must be a string");

  /* a line without end: answered, then hung up on */
  g_autoptr (GSocketClient) sc = g_socket_client_new ();
  g_autoptr (GSocketAddress) addr = g_unix_socket_address_new (d->socket);
  g_autoptr (GSocketConnection) conn
      = g_socket_client_connect (sc, G_SOCKET_CONNECTABLE (addr), NULL, NULL);
  g_assert_nonnull (conn);
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  g_autofree char *big = g_malloc (100 * 1024);
  memset (big, 'x', 100 * 1024);
  g_output_stream_write_all (out, big, 100 * 1024, NULL, NULL, NULL);
  g_autoptr (GDataInputStream) in
      = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (conn)));
  g_autofree char *answer = g_data_input_stream_read_line (in, NULL, NULL, NULL);
  assert_contains (answer, "request longer than 65536 bytes");
  g_autofree char *eof = g_data_input_stream_read_line (in, NULL, NULL, NULL);
  g_assert_null (eof);

  /* a client that vanishes mid-request */
  g_autoptr (GSocketConnection) c2
      = g_socket_client_connect (sc, G_SOCKET_CONNECTABLE (addr), NULL, NULL);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (c2)), "{\"comm", 6, NULL,
                             NULL, NULL);
  g_io_stream_close (G_IO_STREAM (c2), NULL, NULL);

  g_assert_cmpint (occ_test_cli (d, NULL, NULL, "status", NULL), ==, 0);
  struct stat st;
  g_assert_cmpint (stat (d->socket, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0660);
}

static void
test_events_follow_streams (void)
{
  g_autoptr (OccTestDaemon) d = occ_test_daemon_start ("", NULL);
  g_assert_nonnull (d);
  g_autoptr (GError) e = NULL;
  g_autoptr (GSubprocess) follower
      = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &e, OMNICC_CLI_PATH, "--socket",
                          d->socket, "events", "--follow", "plugin.*", NULL);
  g_assert_no_error (e);
  g_autoptr (GDataInputStream) in
      = g_data_input_stream_new (g_subprocess_get_stdout_pipe (follower));
  /* wait until the follower is subscribed: it counts as a connection */
  for (int i = 0; i < 100; i++)
    {
      g_autofree char *st = NULL;
      occ_test_cli (d, &st, NULL, "status", NULL);
      if (st && strstr (st, "subscriptions        1"))
        break;
      g_usleep (20000);
    }
  g_assert_cmpint (occ_test_cli (d, NULL, NULL, "plugin", "load", "alpha", NULL), ==, 0);
  g_assert_cmpint (occ_test_cli (d, NULL, NULL, "plugin", "unload", "alpha", NULL), ==, 0);
  g_assert_cmpint (occ_test_cli (d, NULL, NULL, "plugin", "load", "beta", NULL), ==, 1);
  g_assert_cmpint (occ_test_cli (d, NULL, NULL, "plugin", "load", "old-provider", NULL), ==, 0);
  g_autofree char *l1 = g_data_input_stream_read_line (in, NULL, NULL, &e);
  g_autofree char *l2 = g_data_input_stream_read_line (in, NULL, NULL, &e);
  g_assert_no_error (e);
  g_autoptr (JsonObject) ev1 = occ_test_parse_object (l1);
  g_autoptr (JsonObject) ev2 = occ_test_parse_object (l2);
  g_assert_cmpstr (json_object_get_string_member (ev1, "type"), ==, "plugin.loaded");
  g_assert_cmpstr (json_object_get_string_member (ev1, "signature"), ==, "(ss)");
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (ev1, "payload"), 0),
                   ==, "alpha");
  g_assert_cmpstr (json_object_get_string_member (ev2, "type"), ==, "plugin.unloaded");
  g_assert_cmpint (json_object_get_int_member (ev2, "seq"), >,
                   json_object_get_int_member (ev1, "seq"));
  g_autofree char *l3 = g_data_input_stream_read_line (in, NULL, NULL, &e);
  assert_contains (l3, "\"plugin.loaded\"");
  assert_contains (l3, "old-provider");
  /* the follower gets the last events, then ends cleanly, as the daemon stops */
  g_assert_cmpint (occ_test_daemon_stop (d, SIGTERM), ==, 0);
  g_autofree char *rest = NULL;
  gsize len = 0;
  rest = g_data_input_stream_read_upto (in, "", 0, &len, NULL, &e);
  g_assert_no_error (e);
  assert_contains (rest, "\"type\":\"plugin.unloaded\"");
  assert_contains (rest, "old-provider");
  g_subprocess_wait (follower, NULL, &e);
  g_assert_no_error (e);
  g_assert_cmpint (g_subprocess_get_exit_status (follower), ==, 0);
}

static void
test_check_config (void)
{
  g_autofree char *dir = occ_test_mkdtemp ();
  g_autofree char *good = g_strdup_printf (
      "[core]\nplugin-path=%s\n[plugins]\nenabled=configurable\n", FIXTURE_PLUGIN_DIR);
  occ_test_write (dir, "omnicc.conf", good);
  g_autofree char *conf = g_build_filename (dir, "omnicc.conf", NULL);
  const char *argv[] = { OMNICCD_PATH, "--check-config", "--config", conf, NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_assert_cmpint (occ_test_run (argv, &out, NULL), ==, 0);
  assert_contains (out, "configuration is valid");

  occ_test_write (dir, "plugins.d/configurable.conf", "[fixture]\ncount=11\n");
  g_assert_cmpint (occ_test_run (argv, NULL, &err), ==, 1);
  assert_contains (err, "configurable.conf:2: [fixture] count: 11 is out of range 0..10");

  g_autofree char *bad = g_strdup_printf (
      "[core]\nplugin-path=%s\nstate-dri=x\n[plugins]\nenabled=wrong-abi;ghost\n",
      FIXTURE_PLUGIN_DIR);
  occ_test_write (dir, "omnicc.conf", bad);
  g_autofree char *err2 = NULL;
  g_assert_cmpint (occ_test_run (argv, NULL, &err2), ==, 1);
  assert_contains (err2, "omnicc.conf:3: [core] state-dri: unknown key");
  /* a daemon given that file refuses to start, with the same words */
  const char *start[] = { OMNICCD_PATH, "--config", conf, NULL };
  g_autofree char *err3 = NULL;
  g_assert_cmpint (occ_test_run (start, NULL, &err3), ==, 1);
  assert_contains (err3, "state-dri: unknown key");

  g_autofree char *broken = g_strdup_printf (
      "[core]\nplugin-path=%s\n[plugins]\nenabled=wrong-abi;ghost\n", FIXTURE_PLUGIN_DIR);
  occ_test_write (dir, "omnicc.conf", broken);
  g_autofree char *err4 = NULL;
  g_assert_cmpint (occ_test_run (argv, NULL, &err4), ==, 1);
  assert_contains (err4, "plugin ghost is enabled but not found");
  assert_contains (err4, "ABI 99");
  occ_test_rmtree (dir);
}

static void
test_socket_path_guarded (void)
{
  g_autofree char *dir = occ_test_mkdtemp ();
  g_autofree char *conf = g_strdup_printf ("[core]\nplugin-path=%s\ncontrol-socket=precious.txt\n"
                                           "control-group=\nstate-dir=state\n",
                                           FIXTURE_PLUGIN_DIR);
  occ_test_write (dir, "omnicc.conf", conf);
  occ_test_write (dir, "precious.txt", "not a socket\n");
  g_autofree char *path = g_build_filename (dir, "omnicc.conf", NULL);
  const char *argv[] = { OMNICCD_PATH, "--config", path, NULL };
  g_autofree char *err = NULL;
  g_assert_cmpint (occ_test_run (argv, NULL, &err), ==, 1);
  assert_contains (err, "a file that is not a socket is in the way");
  g_autofree char *precious = g_build_filename (dir, "precious.txt", NULL);
  g_autofree char *kept = occ_test_read (precious);
  g_assert_cmpstr (kept, ==, "not a socket\n");
  /* a bad --log-level is refused before anything is read */
  const char *bad[] = { OMNICCD_PATH, "--config", "/nonexistent", "--log-level", "loud", NULL };
  g_autofree char *err2 = NULL;
  g_assert_cmpint (occ_test_run (bad, NULL, &err2), ==, 2);
  assert_contains (err2, "“loud” is not one of");
  occ_test_rmtree (dir);
}

static void
test_second_daemon_refused (void)
{
  g_autoptr (OccTestDaemon) d = occ_test_daemon_start ("", NULL);
  g_assert_nonnull (d);
  const char *argv[] = { OMNICCD_PATH, "--config", d->conf, NULL };
  g_autofree char *err = NULL;
  g_assert_cmpint (occ_test_run (argv, NULL, &err), ==, 1);
  assert_contains (err, "another omniccd already answers on");
  g_assert_cmpint (occ_test_cli (d, NULL, NULL, "status", NULL), ==, 0);
  /* a stale socket of a killed daemon does not stop the next start */
  g_assert_cmpint (occ_test_daemon_stop (d, SIGKILL), ==, 128 + SIGKILL);
  g_assert_true (g_file_test (d->socket, G_FILE_TEST_EXISTS));
  g_autoptr (OccTestDaemon) again = occ_test_daemon_start_in (d->dir);
  g_assert_nonnull (again);
  g_assert_cmpint (occ_test_daemon_stop (again, SIGTERM), ==, 0);
  g_free (again->dir);
  again->dir = NULL; /* d removes the folder */
}

static void
test_plugin_can_refuse_to_run (void)
{
  g_autofree char *dir = occ_test_mkdtemp ();
  g_autofree char *conf = g_strdup_printf ("[core]\nplugin-path=%s\ncontrol-socket=control.sock\n"
                                           "state-dir=state\n[plugins]\nenabled=alpha;stopper\n",
                                           FIXTURE_PLUGIN_DIR);
  occ_test_write (dir, "omnicc.conf", conf);
  g_autofree char *path = g_build_filename (dir, "omnicc.conf", NULL);
  const char *argv[] = { OMNICCD_PATH, "--config", path, NULL };
  g_autofree char *err = NULL;
  /* the daemon drains and exits with the plugin's status */
  g_assert_cmpint (occ_test_run (argv, NULL, &err), ==, 3);
  assert_contains (err, "plugin stopper: the fixture found a newer schema");
  assert_contains (err, "plugin alpha unloaded");
  occ_test_rmtree (dir);
}

static void
test_stop_command (void)
{
  g_autoptr (OccTestDaemon) d = occ_test_daemon_start ("alpha", NULL);
  g_assert_nonnull (d);
  g_autofree char *out = NULL;
  g_assert_cmpint (occ_test_cli (d, &out, NULL, "stop", NULL), ==, 0);
  assert_contains (out, "stopping");
  g_autoptr (GError) e = NULL;
  g_subprocess_wait (d->proc, NULL, &e);
  g_assert_no_error (e);
  g_assert_cmpint (g_subprocess_get_exit_status (d->proc), ==, 0);
  g_assert_false (g_file_test (d->socket, G_FILE_TEST_EXISTS));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/daemon/start/lists-broken-plugins-and-keeps-serving",
                   test_broken_plugins_listed_daemon_serves);
  g_test_add_func ("/daemon/cli/exit-codes-fit-for-scripts", test_cli_exit_codes);
  g_test_add_func ("/daemon/plugin/enable-and-disable-persist", test_enable_disable_persist);
  g_test_add_func ("/daemon/sighup/reconfigures-or-keeps-old-config",
                   test_sighup_reconfigures_or_keeps_old);
  g_test_add_func ("/daemon/sighup/applies-the-enabled-list", test_reload_applies_enabled_list);
  g_test_add_func ("/daemon/sigterm/waits-for-plugin-holds", test_sigterm_waits_for_holds);
  g_test_add_func ("/daemon/sigterm/drain-timeout-bounds-the-wait",
                   test_drain_timeout_bounds_the_wait);
  g_test_add_func ("/daemon/control/bad-input-answered-daemon-keeps-serving",
                   test_bad_control_input_keeps_serving);
  g_test_add_func ("/daemon/events/follow-streams-json-lines", test_events_follow_streams);
  g_test_add_func ("/daemon/config/check-config-names-file-and-line", test_check_config);
  g_test_add_func ("/daemon/start/second-daemon-on-socket-refused", test_second_daemon_refused);
  g_test_add_func ("/daemon/start/never-deletes-a-file-at-the-socket-path",
                   test_socket_path_guarded);
  g_test_add_func ("/daemon/stop/command-drains-and-exits", test_stop_command);
  g_test_add_func ("/daemon/stop/plugin-can-refuse-to-run", test_plugin_can_refuse_to_run);
  return g_test_run ();
}
