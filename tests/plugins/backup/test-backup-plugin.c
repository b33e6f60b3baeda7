/* The backup plugin in a real omniccd: the run missed while down starts at
 * load, on-demand fulls and differentials with the store's online copy,
 * copies to a folder target (and a target that is down, then back),
 * verify, restore at a date byte-identical, tampering refused, and the
 * restore drill: a second, empty site restores the first one's latest
 * backup from the target and a third daemon starts from what it restored.
 * Real store-sqlite, audit, eventlog, backup-folder, acd. */
#include "testlib.h"
#include "tree.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>

typedef struct {
  char *top;  /* everything of the test */
  char *site; /* the site's config folder (omnicc.conf, plugins.d…) */
  char *rec;  /* its recordings */
  char *nas;  /* the folder target */
  char *key;  /* the key file */
  OccTestDaemon *d;
} Site;

static const char acd_conf[] = "[queue sales]\nstrategy=fifo-priority\n";

static void
write_key (const char *path)
{
  guint8 key[32];
  for (guint i = 0; i < sizeof key; i++)
    key[i] = (guint8) (i * 7 + 3);
  g_assert_true (g_file_set_contents (path, (const char *) key, sizeof key, NULL));
  g_chmod (path, 0600);
}

/* A schedule that is never due during the test: the daily time 12 hours
 * away, no catch-up. */
static char *
quiet_policy (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autoptr (GDateTime) later = g_date_time_add_hours (now, 12);
  return g_strdup_printf ("[schedule]\ntime=%02d:%02d\ncatch-up=false\ngrace-minutes=1\n",
                          g_date_time_get_hour (later), g_date_time_get_minute (later));
}

static void
write_site (Site *s, const char *targets, const char *extra_backup, gboolean quiet)
{
  g_autofree char *conf = g_strdup_printf (
      "[core]\nplugin-path=%s\nstate-dir=state\ndata-dir=%s/share\npolicy-dir=%s/policies\n"
      "control-socket=control.sock\ncontrol-group=\ndrain-timeout=30\n[plugins]\n"
      "enabled=store-sqlite;records;audit;eventlog;acd;acd-fifo-priority;backup-folder;backup\n",
      PLUGIN_BUILD_DIR, SOURCE_ROOT, SOURCE_ROOT);
  occ_test_write (s->site, "omnicc.conf", conf);
  occ_test_write (s->site, "plugins.d/eventlog.conf", "[eventlog]\npattern=backup.*\n");
  occ_test_write (s->site, "plugins.d/acd.conf", acd_conf);
  g_autofree char *folder = g_strdup_printf ("[target nas]\npath=%s\nkind=remote\n"
                                             "[target offsite]\npath=%s/offsite\nkind=remote\n",
                                             s->nas, s->top);
  occ_test_write (s->site, "plugins.d/backup-folder.conf", folder);
  g_autofree char *backup
      = g_strdup_printf ("[backup]\nkey-file=%s\ntargets=%s\nretry-seconds=1\n"
                         "exclude=config/state;config/control.sock;config/daemon.log\n%s"
                         "[source config]\npath=%s\n[source recordings]\npath=%s\n",
                         s->key, targets, extra_backup ? extra_backup : "", s->site, s->rec);
  occ_test_write (s->site, "plugins.d/backup.conf", backup);
  if (quiet)
    {
      g_autofree char *policy = quiet_policy ();
      occ_test_write (s->site, "policies/backup.conf", policy);
    }
}

static void
site_init (Site *s)
{
  s->top = occ_test_mkdtemp ();
  s->site = g_build_filename (s->top, "site", NULL);
  s->rec = g_build_filename (s->top, "recordings", NULL);
  s->nas = g_build_filename (s->top, "nas", NULL);
  s->key = g_build_filename (s->top, "backup.key", NULL);
  g_assert_cmpint (g_mkdir_with_parents (s->nas, 0700), ==, 0);
  write_key (s->key);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("2027/01/call-%u.wav", i);
      g_autofree guint8 *b = bk_tree_noise (i + 1, 30000 + i * 1000);
      bk_tree_write (s->rec, name, b, 30000 + i * 1000, 0640, 1798761600 + i);
    }
}

static void
site_clear (Site *s)
{
  if (s->d)
    g_assert_cmpint (occ_test_daemon_stop (s->d, SIGTERM), ==, 0);
  occ_test_daemon_free (s->d);
  occ_test_rmtree (s->top);
  g_free (s->top);
  g_free (s->site);
  g_free (s->rec);
  g_free (s->nas);
  g_free (s->key);
}

static void
site_start (Site *s)
{
  s->d = occ_test_daemon_start_in (s->site);
  g_assert_nonnull (s->d);
}

/* The event log's lines of @type naming @word (NULL: any). */
static guint
events_with (Site *s, const char *type, const char *word)
{
  g_autofree char *path = g_build_filename (s->site, "state", "events.jsonl", NULL);
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  g_autofree char *needle = g_strdup_printf ("\"type\":\"%s\"", type);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = 0;
  for (guint i = 0; lines[i]; i++)
    n += strstr (lines[i], needle) && (!word || strstr (lines[i], word));
  return n;
}

/* Waits (polling the event log the daemon writes) for @at_least events. */
static void
wait_event (Site *s, const char *type, const char *word, guint at_least)
{
  for (guint i = 0; i < 1200; i++)
    {
      if (events_with (s, type, word) >= at_least)
        return;
      g_usleep (100 * 1000);
    }
  g_autofree char *log = occ_test_read (s->d->log);
  g_error ("no %u× %s (%s) in the event log; daemon log:\n%s", at_least, type, word ? word : "*",
           log);
}

/* `omnicc --json call COMMAND ARGS…` parsed; fails unless it exits @status. */
static JsonNode *
call (Site *s, int status, const char *command, const char *a1, const char *a2, const char *a3)
{
  g_autofree char *out = NULL, *err = NULL;
  int got
      = occ_test_cli (s->d, &out, &err, "--json", "call", command, a1, a2, a3, (const char *) NULL);
  if (got != status)
    g_error ("omnicc call %s exited %d (expected %d): %s%s", command, got, status, out, err);
  if (status != 0)
    return json_node_new (JSON_NODE_NULL);
  /* items (verify) come first, one JSON line each: keep the last */
  g_auto (GStrv) lines = g_strsplit (g_strstrip (out), "\n", -1);
  guint n = g_strv_length (lines);
  g_assert_cmpuint (n, >, 0);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_data (p, lines[n - 1], -1, NULL));
  return json_node_copy (json_parser_get_root (p));
}

static char *
call_error (Site *s, const char *command, const char *a1, const char *a2)
{
  g_autofree char *out = NULL, *err = NULL;
  int got = occ_test_cli (s->d, &out, &err, "call", command, a1, a2, (const char *) NULL);
  g_assert_cmpint (got, ==, 1);
  return g_strconcat (out, err, NULL);
}

static const char *
member (JsonNode *n, const char *name)
{
  return json_object_get_string_member (json_node_get_object (n), name);
}

/* The recordings, byte for byte. */
static char *
snapshot_sources (Site *s)
{
  return bk_tree_snapshot (s->rec);
}

static char *
snapshot_config_files (const char *dir)
{
  /* the files the site's config is made of (the state folder is excluded) */
  const char *names[] = { "omnicc.conf", "plugins.d/acd.conf", "plugins.d/backup.conf", NULL };
  GString *g = g_string_new (NULL);
  for (guint i = 0; names[i]; i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      g_autofree char *text = occ_test_read (path);
      g_string_append_printf (g, "%s\n%s\n", names[i], text ? text : "(missing)");
    }
  return g_string_free (g, FALSE);
}

static guint
sqlite_count (const char *db_path, const char *sql)
{
  sqlite3 *db = NULL;
  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_stmt *st = NULL;
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &st, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  guint n = (guint) sqlite3_column_int (st, 0);
  sqlite3_finalize (st);
  sqlite3_close (db);
  return n;
}

static void
flip_byte (const char *path, gsize at)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_assert_cmpuint (len, >, at);
  data[at] ^= 0x40;
  g_assert_true (g_file_set_contents (path, data, (gssize) len, NULL));
}

static void
test_catch_up_full_diff_verify_restore (void)
{
  Site s = { 0 };
  site_init (&s);
  /* shipped policy: the run missed while down (never run) starts at load */
  write_site (&s, "nas", NULL, FALSE);
  site_start (&s);
  wait_event (&s, "backup.finished", "-full", 1);
  wait_event (&s, "backup.copied", "nas", 1);
  g_autoptr (JsonNode) list1 = call (&s, 0, "backup.list", NULL, NULL, NULL);
  JsonArray *a1 = json_node_get_array (list1);
  g_assert_cmpuint (json_array_get_length (a1), ==, 1);
  JsonObject *full = json_array_get_object_element (a1, 0);
  g_autofree char *full_id = g_strdup (json_object_get_string_member (full, "id"));
  g_assert_cmpstr (json_object_get_string_member (full, "kind"), ==, "full");
  g_autofree char *rec_at_full = snapshot_sources (&s);
  g_autofree char *conf_at_full = snapshot_config_files (s.site);

  /* the tree changes: a new recording, an edited config, a deletion */
  g_autofree guint8 *noise = bk_tree_noise (99, 45000);
  bk_tree_write (s.rec, "2027/02/call-new.wav", noise, 45000, 0640, 1798761700);
  g_autofree char *gone = g_build_filename (s.rec, "2027/01/call-1.wav", NULL);
  g_assert_cmpint (g_unlink (gone), ==, 0);
  occ_test_write (s.site, "plugins.d/acd.conf",
                  "[queue sales]\nstrategy=fifo-priority\n"
                  "[queue support]\nstrategy=fifo-priority\n");
  g_autoptr (JsonNode) diff = call (&s, 0, "backup.run", "kind=differential", NULL, NULL);
  g_assert_cmpstr (member (diff, "kind"), ==, "differential");
  g_assert_cmpstr (member (diff, "base"), ==, full_id);
  JsonObject *d = json_node_get_object (diff);
  g_assert_true (json_object_get_boolean_member (d, "complete"));
  g_assert_cmpint (json_object_get_int_member (d, "deleted"), ==, 1);
  /* stored: the new recording, the edited acd.conf, the database copy */
  g_assert_cmpint (json_object_get_int_member (d, "files-stored"), >=, 3);
  g_autofree char *diff_id = g_strdup (member (diff, "id"));
  g_autofree char *rec_at_diff = snapshot_sources (&s);
  g_autofree char *conf_at_diff = snapshot_config_files (s.site);
  wait_event (&s, "backup.copied", diff_id, 1);
  g_autoptr (JsonNode) list2 = call (&s, 0, "backup.list", NULL, NULL, NULL);
  JsonArray *a2 = json_node_get_array (list2);
  g_assert_cmpuint (json_array_get_length (a2), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      JsonArray *copies
          = json_object_get_array_member (json_array_get_object_element (a2, i), "copies");
      g_assert_cmpuint (json_array_get_length (copies), ==, 1);
      g_assert_cmpstr (json_array_get_string_element (copies, 0), ==, "nas");
    }
  /* the copies on the target are the same bytes */
  g_autofree char *local_diff = g_strdup_printf ("%s/state/backup/%s.occbk", s.site, diff_id);
  g_autofree char *nas_diff = g_strdup_printf ("%s/%s.occbk", s.nas, diff_id);
  g_autofree char *l = occ_test_read (local_diff);
  g_autofree char *r = occ_test_read (nas_diff);
  g_assert_nonnull (l);
  g_assert_true (r != NULL && strcmp (l, r) == 0);

  /* a second run at once is refused while busy? no: it ended; verify */
  g_autoptr (JsonNode) ver = call (&s, 0, "backup.verify", NULL, NULL, NULL);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (ver), "verified"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (ver), "failed"), ==, 0);

  /* restore the latest: the tree as at the differential, and its store */
  g_autofree char *r1 = g_build_filename (s.top, "r1", NULL);
  g_autofree char *to1 = g_strconcat ("to=", r1, NULL);
  /* as the admin guide spells it: omnicc backup restore --at … --to … */
  g_autofree char *rep_text = NULL, *rep_err = NULL;
  g_assert_cmpint (occ_test_cli (s.d, &rep_text, &rep_err, "--json", "backup", "restore", "--at",
                                 "latest", "--to", r1, NULL),
                   ==, 0);
  g_autoptr (JsonNode) rep = json_from_string (rep_text, NULL);
  g_assert_nonnull (rep);
  g_assert_cmpstr (member (rep, "full"), ==, full_id);
  g_assert_cmpstr (member (rep, "differential"), ==, diff_id);
  g_assert_cmpstr (member (rep, "database-check"), ==, "ok");
  g_autofree char *r1rec = g_build_filename (r1, "recordings", NULL);
  g_autofree char *r1conf = g_build_filename (r1, "config", NULL);
  g_autofree char *got_rec = bk_tree_snapshot (r1rec);
  g_autofree char *got_conf = snapshot_config_files (r1conf);
  g_assert_cmpstr (got_rec, ==, rec_at_diff);
  g_assert_cmpstr (got_conf, ==, conf_at_diff);
  g_autofree char *state = g_build_filename (r1conf, "state", NULL);
  g_assert_false (g_file_test (state, G_FILE_TEST_EXISTS)); /* excluded */
  /* the store as it was: the full's row of the catalogue is in it */
  g_autofree char *db = g_build_filename (r1, "database", "store.sqlite", NULL);
  g_autofree char *sql
      = g_strdup_printf ("SELECT count(*) FROM backup_archive WHERE id = '%s'", full_id);
  g_assert_cmpuint (sqlite_count (db, sql), ==, 1);

  /* restore at the full's time: the tree before the changes */
  gint64 full_time = 0;
  {
    g_autoptr (GDateTime) t
        = g_date_time_new_from_iso8601 (json_object_get_string_member (full, "created"), NULL);
    full_time = g_date_time_to_unix (t);
  }
  g_autoptr (GDateTime) at_full = g_date_time_new_from_unix_utc (full_time);
  g_autofree char *at_text = g_date_time_format_iso8601 (at_full);
  g_autofree char *at_arg = g_strconcat ("at=", at_text, NULL);
  g_autofree char *r2 = g_build_filename (s.top, "r2", NULL);
  g_autofree char *to2 = g_strconcat ("to=", r2, NULL);
  g_autoptr (JsonNode) rep2 = call (&s, 0, "backup.restore", to2, at_arg, NULL);
  g_assert_cmpstr (member (rep2, "full"), ==, full_id);
  g_assert_false (json_object_has_member (json_node_get_object (rep2), "differential"));
  g_autofree char *r2rec = g_build_filename (r2, "recordings", NULL);
  g_autofree char *r2conf = g_build_filename (r2, "config", NULL);
  g_autofree char *got_rec2 = bk_tree_snapshot (r2rec);
  g_autofree char *got_conf2 = snapshot_config_files (r2conf);
  g_assert_cmpstr (got_rec2, ==, rec_at_full);
  g_assert_cmpstr (got_conf2, ==, conf_at_full);

  /* bad requests: a date before every backup, a folder not empty */
  g_autofree char *r3 = g_build_filename (s.top, "r3", NULL);
  g_autofree char *to3 = g_strconcat ("to=", r3, NULL);
  g_autofree char *early = call_error (&s, "backup.restore", to3, "at=2001-01-01");
  g_assert_nonnull (strstr (early, "no backup was taken at or before"));
  g_autofree char *full_again = call_error (&s, "backup.restore", to1, "at=latest");
  g_assert_nonnull (strstr (full_again, "is not empty"));
  g_autofree char *bad_kind = call_error (&s, "backup.run", "kind=weekly", NULL);
  g_assert_nonnull (strstr (bad_kind, "kind"));

  /* a catalogue that disagrees with an archive: reported by archive */
  g_autofree char *catalogue = g_strdup_printf ("%s/state/backup/catalogue", s.site);
  g_autofree char *cat_text = occ_test_read (catalogue);
  g_auto (GStrv) cat_lines = g_strsplit (cat_text, "\n", -1);
  g_autofree char *full_line = g_strconcat ("archive ", full_id, " ", NULL);
  for (guint i = 0; cat_lines[i]; i++)
    if (g_str_has_prefix (cat_lines[i], full_line))
      {
        char *sha = strrchr (cat_lines[i], ' ') + 1;
        memset (sha, '0', 64);
      }
  g_autofree char *cat_bad = g_strjoinv ("\n", cat_lines);
  g_assert_true (g_file_set_contents (catalogue, cat_bad, -1, NULL));
  g_autofree char *disagree = call_error (&s, "backup.verify", NULL, NULL);
  g_assert_nonnull (strstr (disagree, "1 of 2 archives failed verification"));
  g_assert_nonnull (strstr (disagree, "the catalogue and the archive disagree"));
  g_assert_nonnull (strstr (disagree, full_id));
  g_assert_true (g_file_set_contents (catalogue, cat_text, -1, NULL));

  /* tampering: one flipped byte in the differential */
  flip_byte (local_diff, 4000);
  g_autofree char *tampered = call_error (&s, "backup.verify", NULL, NULL);
  g_assert_nonnull (strstr (tampered, "1 of 2 archives failed verification"));
  g_assert_nonnull (strstr (tampered, diff_id));
  g_autofree char *refused = call_error (&s, "backup.restore", to3, "at=latest");
  g_assert_nonnull (strstr (refused, diff_id));
  wait_event (&s, "backup.verified", "false", 1);
  /* each step is in the audit trail, with its result */
  g_autofree char *trail = NULL;
  g_assert_cmpint (occ_test_cli (s.d, &trail, NULL, "--json", "audit", "tail", "n=100", NULL), ==,
                   0);
  g_assert_nonnull (strstr (trail, "\"action\":\"backup.run\""));
  g_assert_nonnull (strstr (trail, "\"action\":\"backup.copy\""));
  g_assert_nonnull (strstr (trail, "\"action\":\"backup.restore\""));
  g_autofree char *failed_verify = g_strdup_printf (
      "\"action\":\"backup.verify\",\"target\":\"%s\",\"result\":\"failure\"", diff_id);
  g_assert_nonnull (strstr (trail, failed_verify));
  site_clear (&s);
}

static void
test_target_down_then_up (void)
{
  Site s = { 0 };
  site_init (&s);
  write_site (&s, "nas;offsite", NULL, TRUE);
  site_start (&s);
  /* nothing due: the quiet schedule */
  g_autoptr (JsonNode) st = call (&s, 0, "backup.status", NULL, NULL, NULL);
  g_assert_cmpstr (member (st, "state"), ==, "idle");
  g_autoptr (JsonNode) r = call (&s, 0, "backup.run", "kind=full", NULL, NULL);
  g_autofree char *id = g_strdup (member (r, "id"));
  /* offsite's folder does not exist: down, announced; nas gets its copy */
  wait_event (&s, "backup.target-down", "offsite", 1);
  wait_event (&s, "backup.copied", "nas", 1);
  g_autoptr (JsonNode) st2 = call (&s, 0, "backup.status", NULL, NULL, NULL);
  JsonArray *targets = json_object_get_array_member (json_node_get_object (st2), "targets");
  gboolean saw_down = FALSE;
  for (guint i = 0; i < json_array_get_length (targets); i++)
    {
      JsonObject *t = json_array_get_object_element (targets, i);
      if (strcmp (json_object_get_string_member (t, "name"), "offsite") == 0)
        saw_down = strcmp (json_object_get_string_member (t, "state"), "down") == 0;
    }
  g_assert_true (saw_down);
  /* the local backup did not wait for it */
  g_autofree char *local = g_strdup_printf ("%s/state/backup/%s.occbk", s.site, id);
  g_assert_true (g_file_test (local, G_FILE_TEST_IS_REGULAR));
  /* the target comes back: the retry copies the archive */
  g_autofree char *offsite = g_build_filename (s.top, "offsite", NULL);
  g_assert_cmpint (g_mkdir_with_parents (offsite, 0700), ==, 0);
  wait_event (&s, "backup.copied", "offsite", 1);
  g_autofree char *copy = g_strdup_printf ("%s/%s.occbk", offsite, id);
  g_assert_true (g_file_test (copy, G_FILE_TEST_IS_REGULAR));
  /* the alert was raised once, not at every retry */
  g_assert_cmpuint (events_with (&s, "backup.target-down", "offsite"), ==, 1);
  site_clear (&s);
}

/* The restore drill (README.md): site A is lost; site B, set up empty with
 * the same key and the remote target, restores A's latest backup; a daemon
 * started from what B restored has A's configuration, queues and store. */
static void
test_restore_drill (void)
{
  Site a = { 0 };
  site_init (&a);
  write_site (&a, "nas", NULL, TRUE);
  site_start (&a);
  g_autoptr (JsonNode) f1 = call (&a, 0, "backup.run", "kind=full", NULL, NULL);
  g_autoptr (JsonNode) f2 = call (&a, 0, "backup.run", NULL, NULL, NULL);
  g_assert_cmpstr (member (f2, "kind"), ==, "differential");
  g_autofree char *first = g_strdup (member (f1, "id"));
  wait_event (&a, "backup.copied", member (f2, "id"), 1);
  g_autofree char *conf_a = snapshot_config_files (a.site);
  g_autofree char *rec_a = snapshot_sources (&a);
  /* site A is lost (occ_test_daemon_free removes its folder) */
  g_assert_cmpint (occ_test_daemon_stop (a.d, SIGTERM), ==, 0);
  g_clear_pointer (&a.d, occ_test_daemon_free);

  /* site B: the key (kept off site), the target, nothing else */
  g_autofree char *b_dir = g_build_filename (a.top, "site-b", NULL);
  g_autofree char *b_conf = g_strdup_printf (
      "[core]\nplugin-path=%s\nstate-dir=state\ndata-dir=%s/share\npolicy-dir=%s/policies\n"
      "control-socket=control.sock\ncontrol-group=\ndrain-timeout=30\n[plugins]\n"
      "enabled=backup-folder;backup\n",
      PLUGIN_BUILD_DIR, SOURCE_ROOT, SOURCE_ROOT);
  occ_test_write (b_dir, "omnicc.conf", b_conf);
  g_autofree char *b_folder = g_strdup_printf ("[target nas]\npath=%s\nkind=remote\n", a.nas);
  occ_test_write (b_dir, "plugins.d/backup-folder.conf", b_folder);
  g_autofree char *b_backup
      = g_strdup_printf ("[backup]\nkey-file=%s\ntargets=nas\ndatabase=false\n", a.key);
  occ_test_write (b_dir, "plugins.d/backup.conf", b_backup);
  g_autofree char *policy = quiet_policy ();
  occ_test_write (b_dir, "policies/backup.conf", policy);
  Site b = { .d = occ_test_daemon_start_in (b_dir) };
  g_assert_nonnull (b.d);
  g_autofree char *restored = g_build_filename (a.top, "restored", NULL);
  g_autofree char *to = g_strconcat ("to=", restored, NULL);
  g_autoptr (JsonNode) rep = call (&b, 0, "backup.restore", to, "at=latest", "target=nas");
  g_assert_cmpstr (member (rep, "full"), ==, first);
  g_assert_cmpstr (member (rep, "database-check"), ==, "ok");
  /* the fetched archives are verified too, and said to be uncatalogued */
  g_autofree char *fetched = NULL;
  g_assert_cmpint (occ_test_cli (b.d, &fetched, NULL, "--json", "backup", "verify", NULL), ==, 0);
  g_assert_nonnull (strstr (fetched, "not in its catalogue"));
  g_assert_nonnull (strstr (fetched, "\"verified\":2"));
  g_assert_cmpint (occ_test_daemon_stop (b.d, SIGTERM), ==, 0);
  occ_test_daemon_free (b.d);

  /* what B restored is A's site: start it (config/ is the config folder,
   * the store goes into its state folder, recordings where A had them) */
  g_autofree char *c_dir = g_build_filename (restored, "config", NULL);
  g_autofree char *got_conf = snapshot_config_files (c_dir);
  g_assert_cmpstr (got_conf, ==, conf_a);
  g_autofree char *c_rec = g_build_filename (restored, "recordings", NULL);
  g_autofree char *got_rec = bk_tree_snapshot (c_rec);
  g_assert_cmpstr (got_rec, ==, rec_a);
  g_autofree char *c_state = g_build_filename (c_dir, "state", NULL);
  g_assert_cmpint (g_mkdir_with_parents (c_state, 0700), ==, 0);
  g_autofree char *db_from = g_build_filename (restored, "database", "store.sqlite", NULL);
  g_autofree char *db_to = g_build_filename (c_state, "omnicc.db", NULL);
  g_assert_cmpint (g_rename (db_from, db_to), ==, 0);
  g_autofree char *c_policy = quiet_policy ();
  occ_test_write (c_dir, "policies/backup.conf", c_policy);
  Site c = { .d = occ_test_daemon_start_in (c_dir), .site = c_dir };
  g_assert_nonnull (c.d);
  g_autoptr (JsonNode) queues = call (&c, 0, "acd.queues", NULL, NULL, NULL);
  g_autofree char *qtext = json_to_string (queues, FALSE);
  g_assert_nonnull (strstr (qtext, "\"sales\""));
  /* its store is A's: the catalogue rows of A's backups are there */
  g_autoptr (JsonNode) st = call (&c, 0, "store.status", NULL, NULL, NULL);
  g_assert_cmpstr (member (st, "state"), ==, "ready");
  g_assert_cmpint (occ_test_daemon_stop (c.d, SIGTERM), ==, 0);
  g_autofree char *sql
      = g_strdup_printf ("SELECT count(*) FROM backup_archive WHERE id = '%s'", first);
  g_assert_cmpuint (sqlite_count (db_to, sql), ==, 1);
  occ_test_daemon_free (c.d); /* (removes its folder) */
  site_clear (&a);
}

static char *
psql_in (OccTestPostgres *pg, const char *db, const char *sql)
{
  char *out = occ_test_psql_in (pg, db, sql);
  return out ? g_strstrip (out) : NULL;
}

/* The newest schema version the sources ship (share/sql/NNNN-*.sql). */
static guint
newest_migration (void)
{
  g_autofree char *dir = g_build_filename (SOURCE_ROOT, "share", "sql", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  guint newest = 0;
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".sql"))
      newest = MAX (newest, (guint) g_ascii_strtoull (name, NULL, 10));
  return newest;
}

/* A PostgreSQL site: the store's copy is pg_dump's; the restore loads it
 * into a new, empty database with pg_restore. */
static void
test_postgres_dump_restored_into_new_database (void)
{
  g_autofree char *so
      = g_build_filename (PLUGIN_BUILD_DIR, "store", "postgres", "store-postgres.so", NULL);
  if (!g_file_test (so, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("store-postgres is not built");
      return;
    }
  g_autoptr (OccTestPostgres) pg = occ_test_postgres_start ();
  g_assert_nonnull (pg);
  Site s = { 0 };
  site_init (&s);
  write_site (&s, "nas", NULL, TRUE);
  g_autofree char *conf = g_strdup_printf (
      "[core]\nplugin-path=%s\nstate-dir=state\ndata-dir=%s/share\npolicy-dir=%s/policies\n"
      "control-socket=control.sock\ncontrol-group=\ndrain-timeout=30\n[plugins]\n"
      "enabled=store-postgres;records;audit;eventlog;backup-folder;backup\n",
      PLUGIN_BUILD_DIR, SOURCE_ROOT, SOURCE_ROOT);
  occ_test_write (s.site, "omnicc.conf", conf);
  g_autofree char *pgconf = g_strdup_printf ("[postgres]\ndsn=%s\n", pg->dsn);
  occ_test_write (s.site, "plugins.d/store-postgres.conf", pgconf);
  site_start (&s);
  g_autoptr (JsonNode) f1 = call (&s, 0, "backup.run", "kind=full", NULL, NULL);
  g_autoptr (JsonNode) f2 = call (&s, 0, "backup.run", "kind=full", NULL, NULL);
  g_assert_cmpstr (member (f2, "kind"), ==, "full");
  g_autofree char *fresh = psql_in (pg, "postgres", "CREATE DATABASE restored");
  g_assert_nonnull (fresh);
  g_autofree char *dsn = g_strdup_printf ("store-dsn=host=%s port=%d user=postgres dbname=restored",
                                          pg->socket_dir, pg->port);
  g_autofree char *r = g_build_filename (s.top, "r", NULL);
  g_autofree char *to = g_strconcat ("to=", r, NULL);
  g_autoptr (JsonNode) rep = call (&s, 0, "backup.restore", to, "at=latest", dsn);
  g_assert_cmpstr (member (rep, "full"), ==, member (f2, "id"));
  g_assert_cmpstr (member (rep, "database-restored-into"), ==, "postgres");
  /* the new database is the site's as at the second full */
  g_autofree char *sql
      = g_strdup_printf ("SELECT count(*) FROM backup_archive WHERE id = '%s'", member (f1, "id"));
  g_autofree char *rows = psql_in (pg, "restored", sql);
  g_assert_cmpstr (rows, ==, "1");
  g_autofree char *version = psql_in (pg, "restored", "SELECT max(version) FROM schema_version");
  g_autofree char *newest = g_strdup_printf ("%u", newest_migration ());
  g_assert_cmpstr (version, ==, newest);
  /* a database that is not empty is refused, with pg_restore's reason */
  g_autofree char *r2 = g_build_filename (s.top, "r2", NULL);
  g_autofree char *to2 = g_strconcat ("to=", r2, NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_assert_cmpint (
      occ_test_cli (s.d, &out, &err, "call", "backup.restore", to2, "at=latest", dsn, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "pg_restore into the new database failed"));
  site_clear (&s);
}

/* While a backup runs in its thread the main loop answers: backup.status
 * says so, with its progress. */
static void
test_main_loop_answers_during_a_run (void)
{
  Site s = { 0 };
  site_init (&s);
  write_site (&s, "", NULL, TRUE);
  /* enough to take a while at nice 19 */
  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *name = g_strdup_printf ("big/call-%u.wav", i);
      g_autofree guint8 *b = bk_tree_noise (1000 + i, 3 * 1024 * 1024);
      bk_tree_write (s.rec, name, b, 3 * 1024 * 1024, 0640, 1798761600 + i);
    }
  site_start (&s);
  g_autofree char *cli = g_strdup (OMNICC_CLI_PATH);
  const char *argv[] = { cli, "--socket", s.d->socket, "call", "backup.run", "kind=full", NULL };
  g_autoptr (GError) e = NULL;
  g_autoptr (GSubprocess) run = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &e);
  g_assert_no_error (e);
  gboolean seen = FALSE;
  for (guint i = 0; i < 3000 && !seen; i++)
    {
      g_autoptr (JsonNode) st = call (&s, 0, "backup.status", NULL, NULL, NULL);
      JsonObject *o = json_node_get_object (st);
      if (strcmp (json_object_get_string_member (o, "state"), "backup") == 0)
        {
          seen = TRUE;
          if (json_object_has_member (o, "total"))
            g_assert_cmpint (json_object_get_int_member (o, "done"), <=,
                             json_object_get_int_member (o, "total"));
          /* a second run is refused while one runs */
          g_autofree char *busy = call_error (&s, "backup.run", NULL, NULL);
          g_assert_nonnull (strstr (busy, "busy: a backup is running"));
        }
    }
  g_assert_true (seen);
  g_assert_true (g_subprocess_wait_check (run, NULL, &e));
  g_assert_no_error (e);
  site_clear (&s);
}

/* Retention, local and on a target: of two old fulls outside the window,
 * the newer stays (the starting state of the window), the older goes. */
static void
test_target_retention_prunes (void)
{
  Site s = { 0 };
  site_init (&s);
  write_site (&s, "nas", NULL, TRUE);
  const char *old[] = { "20200101T023000Z-full", "20200115T023000Z-full" };
  for (guint i = 0; i < G_N_ELEMENTS (old); i++)
    {
      g_autofree char *name = g_strconcat (old[i], ".occbk", NULL);
      occ_test_write (s.nas, name, "an old archive");
    }
  /* the same two in the local folder and its catalogue (local-days) */
  g_autofree char *local = g_build_filename (s.site, "state", "backup", NULL);
  GString *cat = g_string_new ("omnicc-backup-catalogue 1\n");
  for (guint i = 0; i < G_N_ELEMENTS (old); i++)
    {
      g_autofree char *name = g_strconcat (old[i], ".occbk", NULL);
      occ_test_write (local, name, "an old archive");
      g_string_append_printf (cat, "archive %s full - %d 14 %064d\n", old[i],
                              1577845800 + (int) i * 14 * 86400, 0);
    }
  occ_test_write (local, "catalogue", cat->str);
  g_string_free (cat, TRUE);
  site_start (&s);
  /* the newest full (an old, unreadable one) cannot be a differential's base */
  g_autoptr (JsonNode) r = call (&s, 0, "backup.run", "kind=differential", NULL, NULL);
  g_assert_cmpstr (member (r, "kind"), ==, "full");
  g_assert_nonnull (strstr (member (r, "note"), "cannot be read"));
  JsonArray *pruned = json_object_get_array_member (json_node_get_object (r), "pruned");
  g_assert_cmpuint (json_array_get_length (pruned), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (pruned, 0), ==, old[0]);
  g_autofree char *local_gone = g_strdup_printf ("%s/%s.occbk", local, old[0]);
  g_assert_false (g_file_test (local_gone, G_FILE_TEST_EXISTS));
  g_autofree char *cat_now = g_build_filename (local, "catalogue", NULL);
  g_autofree char *cat_text = occ_test_read (cat_now);
  g_assert_null (strstr (cat_text, old[0]));
  g_assert_nonnull (strstr (cat_text, old[1]));
  wait_event (&s, "backup.pruned", "\"local\"", 1);
  wait_event (&s, "backup.pruned", "\"nas\"", 1);
  wait_event (&s, "backup.copied", member (r, "id"), 1);
  g_autofree char *gone = g_strdup_printf ("%s/%s.occbk", s.nas, old[0]);
  g_autofree char *kept = g_strdup_printf ("%s/%s.occbk", s.nas, old[1]);
  g_assert_false (g_file_test (gone, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (kept, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (events_with (&s, "backup.pruned", old[1]), ==, 0);
  g_assert_cmpuint (events_with (&s, "backup.pruned", old[0]), ==, 2); /* local, nas */
  site_clear (&s);
}

/* A scheduled run that fails (here the store's copy cannot be written)
 * is announced and retried after retry-seconds, not at once in a loop. */
static void
test_failed_run_not_retried_at_once (void)
{
  Site s = { 0 };
  site_init (&s);
  write_site (&s, "", "retry-seconds=3600\n", FALSE);
  /* where the store's copy goes, a folder the copy cannot replace */
  g_autofree char *blocker
      = g_build_filename (s.site, "state", "backup-root", "database", "store.sqlite", "x", NULL);
  occ_test_write (s.site, "state/backup-root/database/store.sqlite/x", "in the way");
  site_start (&s);
  wait_event (&s, "backup.failed", "database could not be copied", 1);
  g_usleep (3 * G_USEC_PER_SEC);
  wait_event (&s, "backup.failed", NULL, 1);
  g_assert_cmpuint (events_with (&s, "backup.failed", NULL), ==, 1);
  g_autoptr (JsonNode) st = call (&s, 0, "backup.status", NULL, NULL, NULL);
  g_assert_cmpstr (member (st, "state"), ==, "idle");
  g_assert_true (g_file_test (blocker, G_FILE_TEST_EXISTS));
  site_clear (&s);
}

static void
test_bad_config (void)
{
  Site s = { 0 };
  site_init (&s);
  write_site (&s, "nas", NULL, TRUE);
  /* a key of the wrong size: the plugin refuses to load, and says why */
  g_assert_true (g_file_set_contents (s.key, "short", 5, NULL));
  site_start (&s);
  g_autofree char *out = NULL, *err = NULL;
  occ_test_cli (s.d, &out, &err, "plugin", "info", "backup", NULL);
  g_autofree char *log = occ_test_read (s.d->log);
  g_assert_nonnull (strstr (log, "backup.key"));
  g_assert_cmpint (occ_test_cli (s.d, NULL, NULL, "call", "backup.status", NULL), !=, 0);
  site_clear (&s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/backup-plugin/run/catch-up-full-diff-verify-restore-tamper",
                   test_catch_up_full_diff_verify_restore);
  g_test_add_func ("/backup-plugin/targets/down-announced-then-copied", test_target_down_then_up);
  g_test_add_func ("/backup-plugin/drill/second-site-restores-and-starts", test_restore_drill);
  g_test_add_func ("/backup-plugin/config/bad-key-refused", test_bad_config);
  g_test_add_func ("/backup-plugin/run/failed-scheduled-run-waits-before-retrying",
                   test_failed_run_not_retried_at_once);
  g_test_add_func ("/backup-plugin/targets/retention-prunes-old-archives",
                   test_target_retention_prunes);
  g_test_add_func ("/backup-plugin/postgres/dump-restored-into-a-new-database",
                   test_postgres_dump_restored_into_new_database);
  g_test_add_func ("/backup-plugin/run/main-loop-answers-during-a-run",
                   test_main_loop_answers_during_a_run);
  return g_test_run ();
}
