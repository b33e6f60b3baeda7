/* The dialer plugin in a real omniccd (store-sqlite, records, audit):
 * campaigns created and read back, contact files imported into the store
 * all or nothing (a bad row leaves nothing), skipping bad rows on demand,
 * duplicates against the campaign's numbers, the do-not-call list, bad
 * requests, and a 100,000-row import during which the daemon answers. */
#include "testlib.h"

#include <json-glib/json-glib.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>

typedef struct {
  char *dir;
  OccTestDaemon *d;
} Site;

static void
site_start (Site *s)
{
  s->dir = occ_test_mkdtemp ();
  g_autofree char *conf = g_strdup_printf (
      "[core]\nplugin-path=%s\nstate-dir=state\ndata-dir=%s/share\npolicy-dir=%s/policies\n"
      "control-socket=control.sock\ncontrol-group=\ndrain-timeout=10\n[plugins]\n"
      "enabled=store-sqlite;records;audit;dialer\n",
      PLUGIN_BUILD_DIR, SOURCE_ROOT, SOURCE_ROOT);
  occ_test_write (s->dir, "omnicc.conf", conf);
  occ_test_write (s->dir, "plugins.d/dialer.conf", "[dialer]\ncountry=225\n");
  s->d = occ_test_daemon_start_in (s->dir);
  g_assert_nonnull (s->d);
}

static void
site_stop (Site *s)
{
  g_assert_cmpint (occ_test_daemon_stop (s->d, SIGTERM), ==, 0);
  occ_test_daemon_free (s->d); /* removes the folder */
  g_free (s->dir);
}

/* `omnicc --json call COMMAND ARGS…`: the last JSON line, or NULL when
 * the command failed (@err then holds why). */
static JsonNode *call (Site *s, char **err, const char *command, ...) G_GNUC_NULL_TERMINATED;

static JsonNode *
call (Site *s, char **err, const char *command, ...)
{
  GPtrArray *argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (char *) OMNICC_CLI_PATH);
  g_ptr_array_add (argv, (char *) "--socket");
  g_ptr_array_add (argv, s->d->socket);
  g_ptr_array_add (argv, (char *) "--json");
  g_ptr_array_add (argv, (char *) "call");
  g_ptr_array_add (argv, (char *) command);
  va_list ap;
  va_start (ap, command);
  const char *a;
  while ((a = va_arg (ap, const char *)))
    g_ptr_array_add (argv, (char *) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_autofree char *out = NULL, *e = NULL;
  int status = occ_test_run ((const char *const *) argv->pdata, &out, &e);
  g_ptr_array_free (argv, TRUE);
  if (status != 0)
    g_test_message ("omnicc call %s: exit %d: %s%s", command, status, out, e);
  if (err)
    *err = g_strconcat (out, e, NULL);
  if (status != 0)
    return NULL;
  g_auto (GStrv) lines = g_strsplit (g_strstrip (out), "\n", -1);
  return json_from_string (lines[g_strv_length (lines) - 1], NULL);
}

static JsonObject *
obj (JsonNode *n)
{
  g_assert_nonnull (n);
  return json_node_get_object (n);
}

static char *
write_csv (Site *s, const char *name, const char *text)
{
  occ_test_write (s->dir, name, text);
  return g_build_filename (s->dir, name, NULL);
}

static gint64
contacts_in (Site *s, const char *campaign, const char *state)
{
  g_autofree char *id = g_strconcat ("id=", campaign, NULL);
  g_autoptr (JsonNode) st = call (s, NULL, "campaign.status", id, NULL);
  JsonObject *counts = json_object_get_object_member (obj (st), "contacts");
  return json_object_has_member (counts, state) ? json_object_get_int_member (counts, state) : 0;
}

static void
test_campaign_and_import (void)
{
  Site s = { 0 };
  site_start (&s);
  g_autoptr (JsonNode) made
      = call (&s, NULL, "campaign.create", "id=renewals", "name=Renewals", "mode=progressive",
              "queue=sales", "caller-id=+2252720000000", NULL);
  g_assert_cmpstr (json_object_get_string_member (obj (made), "id"), ==, "renewals");
  g_autoptr (JsonNode) list = call (&s, NULL, "campaign.list", NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 1);

  /* a file with one bad row: all or nothing imports nothing, says where */
  g_autofree char *bad = write_csv (&s, "bad.csv",
                                    "\xEF\xBB\xBFname;mobile;office\n"
                                    "Awa;07 07 07 07 07;\n"
                                    "Koffi;not a number;\n"
                                    "\"Yao; Jr\";+225 01 02 03 04 05;27 22 00 00 00\n");
  g_autofree char *file_bad = g_strconcat ("file=", bad, NULL);
  g_autofree char *why = NULL;
  g_assert_null (call (&s, &why, "campaign.import", "campaign=renewals", file_bad,
                       "phones=mobile,office", NULL));
  g_assert_nonnull (strstr (why, "\"line\":3"));
  g_assert_nonnull (strstr (why, "no-number"));
  g_assert_cmpint (contacts_in (&s, "renewals", "pending"), ==, 0);
  g_assert_cmpint (contacts_in (&s, "renewals", "importing"), ==, 0);

  /* skipping bad rows: two contacts, numbers in E.164, fields kept */
  g_autoptr (JsonNode) rep = call (&s, NULL, "campaign.import", "campaign=renewals", file_bad,
                                   "phones=mobile,office", "skip-bad-rows=true", NULL);
  g_assert_cmpint (json_object_get_int_member (obj (rep), "imported"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (obj (rep), "rejected"), ==, 1);
  g_assert_true (json_object_get_boolean_member (obj (rep), "committed"));
  g_assert_cmpint (contacts_in (&s, "renewals", "pending"), ==, 2);
  g_autofree char *db = g_build_filename (s.dir, "state", "omnicc.db", NULL);
  sqlite3 *sql = NULL;
  g_assert_cmpint (sqlite3_open_v2 (db, &sql, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_stmt *st = NULL;
  g_assert_cmpint (sqlite3_prepare_v2 (sql,
                                       "SELECT phones, fields FROM contact WHERE phones LIKE "
                                       "'%+2250102030405%'",
                                       -1, &st, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (st, 0), ==,
                   "[\"+2250102030405\",\"+2252722000000\"]");
  g_assert_nonnull (strstr ((const char *) sqlite3_column_text (st, 1), "Yao; Jr"));
  sqlite3_finalize (st);
  sqlite3_close (sql);

  /* the do-not-call list and the campaign's own numbers */
  g_autoptr (JsonNode) dnc
      = call (&s, NULL, "dnc.add", "number=05 55 55 55 55", "reason=asked", NULL);
  g_assert_cmpstr (json_object_get_string_member (obj (dnc), "number"), ==, "+2250555555555");
  g_autofree char *bad_dnc = NULL;
  g_assert_null (call (&s, &bad_dnc, "dnc.add", "number=call me", NULL));
  g_assert_nonnull (strstr (bad_dnc, "letter"));
  g_autofree char *more = write_csv (&s, "more.csv",
                                     "name,mobile\n"
                                     "Awa again,+225 0707070707\n"
                                     "Adjoua,0555555555\n"
                                     "Kouame,0101010101\n");
  g_autofree char *file_more = g_strconcat ("file=", more, NULL);
  g_autoptr (JsonNode) rep2
      = call (&s, NULL, "campaign.import", "campaign=renewals", file_more, "phones=mobile", NULL);
  g_assert_cmpint (json_object_get_int_member (obj (rep2), "imported"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (obj (rep2), "duplicates"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (obj (rep2), "dnc"), ==, 1);
  g_assert_cmpint (contacts_in (&s, "renewals", "pending"), ==, 3);

  /* bad requests */
  const char *bad_args[][5] = {
    { "campaign.create", "name=X", "mode=telepathic", "queue=q", NULL },
    { "campaign.create", "name=X", "mode=preview", NULL, NULL },
    { "campaign.import", "campaign=nope", file_more, "phones=mobile", NULL },
    { "campaign.import", "campaign=renewals", "file=relative.csv", "phones=mobile", NULL },
    { "campaign.import", "campaign=renewals", file_more, "phones=fax", NULL },
  };
  const char *expect[] = { "telepathic", "queue", "no campaign", "absolute", "fax" };
  for (guint i = 0; i < G_N_ELEMENTS (bad_args); i++)
    {
      g_autofree char *msg = NULL;
      const char *const *a = bad_args[i];
      g_assert_null (call (&s, &msg, a[0], a[1], a[2], a[3], (const char *) NULL));
      if (strstr (msg, expect[i]) == NULL)
        g_error ("case %u: “%s” not in: %s", i, expect[i], msg);
    }
  site_stop (&s);
}

static void
test_large_import_keeps_daemon_answering (void)
{
  Site s = { 0 };
  site_start (&s);
  g_autoptr (JsonNode) made = call (&s, NULL, "campaign.create", "id=big", "name=Big",
                                    "mode=predictive", "queue=sales", NULL);
  g_assert_nonnull (made);
  GString *csv = g_string_new ("id,phone,city\n");
  for (guint i = 0; i < 100000; i++)
    g_string_append_printf (csv, "k%u,07%08u,Abidjan\n", i, i);
  g_autofree char *path = write_csv (&s, "big.csv", csv->str);
  g_string_free (csv, TRUE);
  g_autofree char *file = g_strconcat ("file=", path, NULL);
  const char *argv[]
      = { OMNICC_CLI_PATH, "--socket", s.d->socket,    "call",         "campaign.import",
          "campaign=big",  file,       "phones=phone", "id-column=id", NULL };
  g_autoptr (GError) e = NULL;
  g_autoptr (GSubprocess) run = g_subprocess_newv (
      argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &e);
  g_assert_no_error (e);
  /* while it runs, the daemon answers (status, and a second import into
   * the same campaign is refused as busy). The two race to start: if the
   * test's own import came first, it is the subprocess's that is refused */
  gboolean busy_seen = FALSE, ours_ran = FALSE;
  for (guint i = 0; i < 2000 && !busy_seen && !ours_ran && g_subprocess_get_identifier (run); i++)
    {
      g_autofree char *msg = NULL;
      g_autoptr (JsonNode) second
          = call (&s, &msg, "campaign.import", "campaign=big", file, "phones=phone", NULL);
      busy_seen = second == NULL && strstr (msg, "busy") != NULL;
      ours_ran = second != NULL;
    }
  g_autofree char *out = NULL, *err = NULL;
  g_assert_true (g_subprocess_communicate_utf8 (run, NULL, NULL, &out, &err, &e));
  g_assert_no_error (e);
  gboolean run_ok = g_subprocess_get_if_exited (run) && g_subprocess_get_exit_status (run) == 0;
  g_test_message ("busy seen: %d, the test's import ran: %d, the subprocess: %s", busy_seen,
                  ours_ran, run_ok ? "ok" : err);
  /* one import ran while the other was refused as busy */
  g_assert_true ((run_ok && busy_seen) || (!run_ok && ours_ran && strstr (err, "busy")));
  g_assert_cmpint (contacts_in (&s, "big", "pending"), ==, 100000);
  /* the command showed the import's progress as it went: a line per
   * 10,000 contacts, before the report */
  if (!run_ok)
    {
      /* (the test's import ran instead: once more, into another campaign) */
      g_autoptr (JsonNode) other = call (&s, NULL, "campaign.create", "id=big2", "name=Big 2",
                                         "mode=predictive", "queue=sales", NULL);
      const char *again[]
          = { OMNICC_CLI_PATH, "--socket", s.d->socket,    "call", "campaign.import",
              "campaign=big2", file,       "phones=phone", NULL };
      g_clear_pointer (&out, g_free);
      g_assert_cmpint (occ_test_run (again, &out, NULL), ==, 0);
    }
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  guint progress = 0;
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], "{\"progress\":"))
      {
        progress++;
        g_assert_nonnull (strstr (lines[i], "\"written\":"));
      }
  g_test_message ("%u progress lines", progress);
  g_assert_cmpuint (progress, ==, 10);
  site_stop (&s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dialer-plugin/campaign/create-import-dnc-duplicates",
                   test_campaign_and_import);
  g_test_add_func ("/dialer-plugin/import/large-file-daemon-answers",
                   test_large_import_keeps_daemon_answering);
  return g_test_run ();
}
