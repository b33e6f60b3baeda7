/* The audit plugin in the real omniccd, driven with the real omnicc over
 * the control socket: `omnicc audit verify|export|tail`, exports that are
 * themselves audited, a client that stops reading during a large export
 * (the export pauses rather than overflowing it), a client that goes
 * away, and the daemon's own start, stop, plugin loads and config
 * reloads in the trail. */
#include "audit-fixture.h"

#include <gio/gunixsocketaddress.h>
#include <string.h>

#define ENABLED "store-sqlite;records;audit"

static OccTestDaemon *
start (void)
{
  OccTestDaemon *d = occ_test_daemon_start (ENABLED, NULL);
  g_assert_nonnull (d);
  return d;
}

static void
print_log (OccTestDaemon *d)
{
  g_autofree char *log = occ_test_read (d->log);
  g_test_message ("daemon log:\n%s", log ? log : "");
}

/* Runs omnicc --json ARGS… and asserts it exits with @status; its output
 * as lines (transfer full). */
static char **cli (OccTestDaemon *d, int status, const char *first, ...) G_GNUC_NULL_TERMINATED;

static char **
cli (OccTestDaemon *d, int status, const char *first, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, OMNICC_CLI_PATH);
  g_ptr_array_add (argv, "--socket");
  g_ptr_array_add (argv, d->socket);
  g_ptr_array_add (argv, "--json");
  va_list ap;
  va_start (ap, first);
  for (const char *a = first; a; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_autofree char *out = NULL, *err = NULL;
  int code = occ_test_run ((const char *const *) argv->pdata, &out, &err);
  if (code != status)
    {
      print_log (d);
      g_error ("omnicc %s: exit %d (not %d)\n%s%s", first, code, status, out, err);
    }
  g_strstrip (out);
  return *out ? g_strsplit (out, "\n", -1) : g_new0 (char *, 1);
}

static JsonObject *
parse (const char *line)
{
  return occ_test_parse_object (line);
}

/* The items of an export or tail (all lines but the last, the answer). */
static guint
n_items (char **lines)
{
  guint n = g_strv_length (lines);
  g_assert_cmpuint (n, >=, 1);
  return n - 1;
}

static gint64
member_int (JsonObject *o, const char *key)
{
  g_assert_true (json_object_has_member (o, key));
  return json_object_get_int_member (o, key);
}

static void
assert_verify_ok (OccTestDaemon *d, gint64 min_entries)
{
  g_auto (GStrv) v = cli (d, 0, "audit", "verify", NULL);
  g_autoptr (JsonObject) r = parse (v[0]);
  if (!json_object_get_boolean_member (r, "ok"))
    g_error ("verify: %s", v[0]);
  g_assert_cmpint (member_int (r, "entries"), >=, min_entries);
}

static void
test_export_and_tail (void)
{
  g_autoptr (OccTestDaemon) d = start ();
  for (int i = 0; i < 3; i++)
    {
      g_auto (GStrv) a = cli (d, 0, "plugin", "load", "eventlog", NULL);
      g_auto (GStrv) b = cli (d, 0, "plugin", "unload", "eventlog", NULL);
    }
  g_auto (GStrv) reload = cli (d, 0, "config", "reload", NULL);
  occ_test_spin (300);
  assert_verify_ok (d, 10);

  /* everything, in order, linked, ending with the export's own entry */
  g_auto (GStrv) all = cli (d, 0, "audit", "export", NULL);
  guint n = n_items (all);
  g_assert_cmpuint (n, >=, 12);
  g_autoptr (GHashTable) actions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *prev_hash = NULL;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (JsonObject) e = parse (all[i]);
      g_assert_cmpint (member_int (e, "seq"), ==, i + 1);
      if (prev_hash)
        g_assert_cmpstr (json_object_get_string_member (e, "prev_hash"), ==, prev_hash);
      g_free (prev_hash);
      prev_hash = g_strdup (json_object_get_string_member (e, "hash"));
      g_autofree char *key
          = g_strdup_printf ("%s %s %s", json_object_get_string_member (e, "action"),
                             json_object_get_string_member_with_default (e, "target", "-"),
                             json_object_get_string_member (e, "result"));
      g_hash_table_add (actions, g_steal_pointer (&key));
      g_assert_true (json_object_has_member (json_object_get_object_member (e, "details"), "node"));
    }
  static const char *const expected[] = {
    "daemon.start - success",       "plugin.load store-sqlite success",
    "plugin.load records success",  "plugin.load audit success",
    "plugin.load eventlog success", "plugin.unload eventlog success",
    "config.reload - success",      "audit.export audit_entry success",
  };
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    if (!g_hash_table_contains (actions, expected[i]))
      g_error ("no “%s” entry in the export", expected[i]);
  g_autoptr (JsonObject) own = parse (all[n - 1]);
  g_assert_cmpstr (json_object_get_string_member (own, "action"), ==, "audit.export");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (own, "actor"), "uid="));
  g_assert_cmpstr (json_object_get_string_member (own, "source"), ==, "control");
  g_autoptr (JsonObject) answer = parse (all[n]);
  g_assert_cmpint (member_int (answer, "count"), ==, n);
  g_assert_cmpint (member_int (answer, "until"), ==, n);

  /* a range */
  g_auto (GStrv) some = cli (d, 0, "audit", "export", "since=3", "until=5", NULL);
  g_assert_cmpuint (n_items (some), ==, 3);
  g_autoptr (JsonObject) third = parse (some[0]);
  g_assert_cmpint (member_int (third, "seq"), ==, 3);
  g_autoptr (JsonObject) some_answer = parse (some[3]);
  g_assert_cmpint (member_int (some_answer, "count"), ==, 3);

  /* the last entries, oldest first: the two exports */
  g_auto (GStrv) tail = cli (d, 0, "audit", "tail", "n=2", NULL);
  g_assert_cmpuint (n_items (tail), ==, 2);
  g_autoptr (JsonObject) t0 = parse (tail[0]);
  g_autoptr (JsonObject) t1 = parse (tail[1]);
  g_assert_cmpint (member_int (t0, "seq"), <, member_int (t1, "seq"));
  g_assert_cmpstr (json_object_get_string_member (t1, "action"), ==, "audit.export");
  g_autoptr (JsonObject) details = json_object_ref (json_object_get_object_member (t1, "details"));
  g_assert_cmpint (member_int (details, "since"), ==, 3);
  g_assert_cmpint (member_int (details, "until"), ==, 5);

  /* bad arguments */
  g_auto (GStrv) e1 = cli (d, 1, "audit", "export", "format=csv", NULL);
  g_auto (GStrv) e2 = cli (d, 1, "audit", "export", "since=0", NULL);
  g_auto (GStrv) e3 = cli (d, 1, "audit", "tail", "n=100000", NULL);
  g_auto (GStrv) e4 = cli (d, 1, "audit", "verify", "deep=1", NULL);

  /* the human form */
  g_autofree char *out = NULL, *err = NULL;
  g_assert_cmpint (occ_test_cli (d, &out, &err, "audit", "verify", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "ok"));
  g_assert_nonnull (strstr (out, "yes"));
  g_assert_cmpint (occ_test_daemon_stop (d, SIGTERM), ==, 0);
}

/* Whether the export holds an entry "ACTION TARGET RESULT". */
static gboolean
exported (OccTestDaemon *d, const char *wanted)
{
  g_auto (GStrv) all = cli (d, 0, "audit", "export", NULL);
  for (guint i = 0; i < n_items (all); i++)
    {
      g_autoptr (JsonObject) e = parse (all[i]);
      g_autofree char *key
          = g_strdup_printf ("%s %s %s", json_object_get_string_member (e, "action"),
                             json_object_get_string_member_with_default (e, "target", "-"),
                             json_object_get_string_member (e, "result"));
      if (strcmp (key, wanted) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
test_failures_are_audited (void)
{
  g_autoptr (OccTestDaemon) d = start ();
  /* a plugin whose load() fails (tests/fixtures) */
  g_auto (GStrv) failed = cli (d, 1, "plugin", "load", "failing", NULL);
  /* a configuration the schema refuses: the old one stays */
  occ_test_write (d->dir, "plugins.d/records.conf", "[records]\nno-such-key=1\n");
  g_auto (GStrv) rejected = cli (d, 1, "config", "reload", NULL);
  occ_test_spin (300);
  g_assert_true (exported (d, "plugin.load failing failure"));
  g_assert_true (exported (d, "config.reload - failure"));
  assert_verify_ok (d, 6);
  g_assert_cmpint (occ_test_daemon_stop (d, SIGTERM), ==, 0);
}

static void
test_restart_is_audited (void)
{
  g_autoptr (OccTestDaemon) d = start ();
  occ_test_spin (300);
  g_assert_true (occ_test_daemon_restart (d));
  occ_test_spin (300);
  assert_verify_ok (d, 8);
  g_auto (GStrv) all = cli (d, 0, "audit", "export", NULL);
  guint starts = 0, stops = 0;
  for (guint i = 0; i < n_items (all); i++)
    {
      g_autoptr (JsonObject) e = parse (all[i]);
      const char *action = json_object_get_string_member (e, "action");
      starts += strcmp (action, "daemon.start") == 0;
      stops += strcmp (action, "daemon.stop") == 0;
    }
  g_assert_cmpuint (starts, ==, 2);
  g_assert_cmpuint (stops, ==, 1);
  g_assert_cmpint (occ_test_daemon_stop (d, SIGTERM), ==, 0);
}

/* --- a large export to a client that stops reading ---------------------------------------- */

/* Writes @n entries of about 3 KB each with the plugins in-process, in a
 * folder a daemon can then start in; returns the folder. */
static char *
prepare_large_trail (guint n)
{
  AuditFixture f = { 0 };
  audit_fixture_setup (&f, &audit_sqlite_backend);
  g_autofree char *filler = g_strnfill (3000, 'x');
  for (guint done = 0; done < n; done += 500)
    {
      AuditAnswer answers[500] = { { 0 } };
      guint batch = MIN (500, n - done);
      for (guint i = 0; i < batch; i++)
        f.audit->append (f.audit, "tester", "bulk.entry", NULL, OCC_AUDIT_SUCCESS, NULL,
                         g_variant_new_parsed ("{'filler': <%s>}", filler), audit_answer_cb,
                         &answers[i]);
      for (guint i = 0; i < batch; i++)
        {
          audit_answer_wait (&answers[i]);
          g_assert_no_error (answers[i].error);
          audit_answer_clear (&answers[i]);
        }
    }
  audit_fixture_stop (&f);
  g_free (f.database);
  return f.dir;
}

static GSocketConnection *
connect_raw (OccTestDaemon *d)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketAddress) addr = g_unix_socket_address_new (d->socket);
  g_autoptr (GError) e = NULL;
  GSocketConnection *c = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (addr), NULL, &e);
  g_assert_no_error (e);
  const char *req = "{\"id\":1,\"command\":\"audit.export\",\"args\":{}}\n";
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (c)), req, strlen (req),
                             NULL, NULL, &e);
  g_assert_no_error (e);
  return c;
}

static void
test_slow_client_export (void)
{
  const guint n = 3200; /* ~10 MB: more than a client may leave unread */
  g_autofree char *dir = prepare_large_trail (n);
  g_autoptr (OccTestDaemon) d = occ_test_daemon_start_in (dir);
  g_assert_nonnull (d);
  g_autoptr (GSocketConnection) c = connect_raw (d);
  /* not reading: the daemon fills what it may, then waits */
  g_usleep (2 * G_USEC_PER_SEC);
  g_autoptr (GDataInputStream) in
      = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (c)));
  g_data_input_stream_set_newline_type (in, G_DATA_STREAM_NEWLINE_TYPE_LF);
  gint64 items = 0, expect_seq = 1;
  for (;;)
    {
      g_autoptr (GError) e = NULL;
      g_autofree char *line = g_data_input_stream_read_line (in, NULL, NULL, &e);
      g_assert_no_error (e);
      if (line == NULL)
        {
          print_log (d);
          g_error ("the daemon hung up after %" G_GINT64_FORMAT " items", items);
        }
      g_autoptr (JsonObject) msg = parse (line);
      if (json_object_has_member (msg, "item"))
        {
          JsonObject *entry = json_object_get_object_member (msg, "item");
          g_assert_cmpint (json_object_get_int_member (entry, "seq"), ==, expect_seq);
          expect_seq++;
          items++;
          continue;
        }
      g_assert_true (json_object_get_boolean_member (msg, "ok"));
      JsonObject *result = json_object_get_object_member (msg, "result");
      g_assert_cmpint (json_object_get_int_member (result, "count"), ==, items);
      break;
    }
  /* the trail the fixture wrote, its load, the daemon's start… and the
   * export's own entry */
  g_assert_cmpint (items, >=, n + 3);
  g_autofree char *log = occ_test_read (d->log);
  g_assert_null (strstr (log, "reads too slowly"));
  g_assert_nonnull (strstr (log, "the client is behind"));
  g_assert_cmpint (occ_test_daemon_stop (d, SIGTERM), ==, 0);
}

static void
test_client_goes_away (void)
{
  g_autofree char *dir = prepare_large_trail (3200);
  g_autoptr (OccTestDaemon) d = occ_test_daemon_start_in (dir);
  g_assert_nonnull (d);
  {
    g_autoptr (GSocketConnection) c = connect_raw (d);
    g_autoptr (GDataInputStream) in
        = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (c)));
    for (int i = 0; i < 10; i++)
      {
        g_autofree char *line = g_data_input_stream_read_line (in, NULL, NULL, NULL);
        g_assert_nonnull (line);
      }
    g_io_stream_close (G_IO_STREAM (c), NULL, NULL);
  }
  /* the daemon goes on serving, and gives the export up */
  assert_verify_ok (d, 3200);
  gboolean given_up = FALSE;
  for (int i = 0; i < 150 && !given_up; i++)
    {
      g_usleep (100 * 1000);
      g_autofree char *log = occ_test_read (d->log);
      given_up = strstr (log, "client too slow") != NULL;
    }
  if (!given_up)
    print_log (d);
  g_assert_true (given_up);
  assert_verify_ok (d, 3200);
  g_assert_cmpint (occ_test_daemon_stop (d, SIGTERM), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_add_func ("/audit/daemon/export-tail-and-verify", test_export_and_tail);
  g_test_add_func ("/audit/daemon/failures-are-audited", test_failures_are_audited);
  g_test_add_func ("/audit/daemon/restart-is-audited", test_restart_is_audited);
  g_test_add_func ("/audit/daemon/export-waits-for-a-slow-client", test_slow_client_export);
  g_test_add_func ("/audit/daemon/export-client-goes-away", test_client_goes_away);
  return g_test_run ();
}
