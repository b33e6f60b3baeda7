/* Tests of store-sqlite loaded into an in-process core: loading and
 * migrations, and what execute() does with statements, parameters,
 * errors and transactions. (Threads, streams, backups and unloading are
 * in test-store-sqlite-threads.c.) */
#include "store-fixture.h"

#include "control.h"
#include "plugin-private.h"

static void
setup_loaded (TfStore *f, gconstpointer data)
{
  (void) data;
  tf_init (f, NULL, NULL);
  g_autoptr (GError) e = NULL;
  g_assert_true (tf_load (f, &e));
  g_assert_no_error (e);
}

static void
setup_empty (TfStore *f, gconstpointer data)
{
  (void) data;
  tf_init (f, NULL, NULL);
}

static void
teardown (TfStore *f, gconstpointer data)
{
  (void) data;
  tf_clear (f);
}

static OccPlugin *
plugin (TfStore *f)
{
  return occ_loader_get (f->ctx->loader, "store-sqlite");
}

/* --- loading ------------------------------------------------------------------------ */

static void
test_migrations_applied_once (TfStore *f, gconstpointer data)
{
  (void) data;
  g_autofree char *path = tf_db_path (f);
  sqlite3 *db = tf_open_db (path);
  g_autofree char *rows
      = tf_db_text (db, "SELECT group_concat(version || ':' || name, ' ') FROM schema_version");
  g_assert_cmpstr (rows, ==,
                   "1:0001-initial.sql 2:0002-audit.sqlite.sql 3:0003-password-history.sql "
                   "4:0004-access.sql 5:0005-sip-bindings.sql 6:0006-acd.sql 7:0007-backup.sql "
                   "8:0008-dialer.sql 9:0009-dialer-books.sql");
  g_autofree char *applied = tf_db_text (db, "SELECT group_concat(applied_at) FROM schema_version");
  g_autofree char *mode = tf_db_text (db, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");
  sqlite3_close (db);

  g_autoptr (GVariant) status = g_variant_ref_sink (f->store->get_status (f->store));
  gint64 version = 0;
  g_assert_true (g_variant_lookup (status, "schema-version", "x", &version));
  g_assert_cmpint (version, ==, 9);
  g_assert_cmpuint (f->states->len, ==, 1);
  g_autofree char *expected = g_strdup_printf (
      "('sqlite', 'ready', {'path': <'%s'>, 'schema-version': <int64 9>})", path);
  g_assert_cmpstr (g_ptr_array_index (f->states, 0), ==, expected);

  /* loaded again: nothing to apply, nothing recorded twice */
  g_autoptr (GError) e = NULL;
  g_assert_true (occ_loader_unload (f->ctx->loader, "store-sqlite", &e));
  g_assert_true (tf_load (f, &e));
  db = tf_open_db (path);
  g_autofree char *again = tf_db_text (db, "SELECT group_concat(applied_at) FROM schema_version");
  g_assert_cmpstr (again, ==, applied);
  sqlite3_close (db);
}

static void
test_newer_schema_stops_the_daemon (TfStore *f, gconstpointer data)
{
  (void) data;
  g_autofree char *state = g_build_filename (f->dir, "state", NULL);
  g_assert_cmpint (g_mkdir_with_parents (state, 0755), ==, 0);
  g_autofree char *path = tf_db_path (f);
  sqlite3 *db = tf_open_db (path);
  g_assert_cmpint (sqlite3_exec (db,
                                 "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
                                 "name TEXT NOT NULL, applied_at BIGINT NOT NULL);"
                                 "INSERT INTO schema_version VALUES (10, '0010-future.sql', 1)",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (db);
  guint threads = tf_count_threads ();

  g_autoptr (GError) e = NULL;
  g_assert_false (tf_load (f, &e));
  g_assert_error (e, OCC_LOADER_ERROR, OCC_LOADER_ERROR_FAILED);
  g_assert_nonnull (strstr (e->message, "schema version 10, newer than version 9"));
  g_assert_true (f->ctx->stopping);
  g_assert_cmpint (f->ctx->exit_status, ==, 1);
  g_assert_cmpuint (tf_count_threads (), ==, threads);
  /* the database is left as it was */
  db = tf_open_db (path);
  g_autofree char *n = tf_db_text (db, "SELECT COUNT(*) FROM sqlite_schema");
  g_assert_cmpstr (n, ==, "1");
  sqlite3_close (db);
}

static void
test_broken_migration_applies_nothing (void)
{
  g_autofree char *share = occ_test_mkdtemp ();
  occ_test_write (share, "sql/0001-first.sql", "CREATE TABLE first (id INTEGER);\n");
  occ_test_write (share, "sql/0002-second.sql",
                  "CREATE TABLE second (id INTEGER);\nINSERT INTO nowhere VALUES (1);\n");
  TfStore f;
  tf_init (&f, NULL, share);
  guint threads = tf_count_threads ();
  g_autoptr (GError) e = NULL;
  g_assert_false (tf_load (&f, &e));
  g_assert_nonnull (
      strstr (e->message, "migration 0002-second.sql failed: no such table: nowhere"));
  g_assert_false (f.ctx->stopping);
  g_assert_cmpuint (tf_count_threads (), ==, threads);
  g_autofree char *path = tf_db_path (&f);
  sqlite3 *db = tf_open_db (path);
  /* one transaction: not even the first migration or the version table */
  g_autofree char *tables = tf_db_text (db, "SELECT COUNT(*) FROM sqlite_schema");
  g_assert_cmpstr (tables, ==, "0");
  sqlite3_close (db);
  tf_clear (&f);
  occ_test_rmtree (share);
}

static void
test_declines_when_store_served (TfStore *f, gconstpointer data)
{
  (void) data;
  static const OccStoreService other = { .header = OCC_SERVICE_HEADER (OccStoreService, 1) };
  OccPlugin *pg = occ_plugin_new_builtin (f->ctx, "store-postgres");
  g_autoptr (GError) e = NULL;
  g_assert_true (occ_registry_provide (f->ctx->registry, pg, OCC_STORE_SERVICE, &other, &e));
  g_assert_false (tf_load (f, &e));
  g_assert_error (e, OCC_LOADER_ERROR, OCC_LOADER_ERROR_DECLINED);
  g_assert_cmpuint (plugin (f)->state, ==, OCC_PLUGIN_DECLINED);
  g_assert_cmpstr (plugin (f)->reason, ==, "the PostgreSQL store serves this site");
  occ_plugin_drop_registrations (pg);
  occ_plugin_free (pg);
}

static void
test_bad_config_refused (void)
{
  const char *confs[][2] = {
    { "[sqlite]\nsynchronous=fast\n", "[sqlite] synchronous: “fast” is neither normal nor full" },
    { "[sqlite]\npath=\n", "[sqlite] path: must not be empty" },
    { "[sqlite]\nreaders=9\n", "readers" },
    { "[sqlite]\nbusy-timeout=-1\n", "busy-timeout" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (confs); i++)
    {
      TfStore f;
      tf_init (&f, confs[i][0], NULL);
      g_autoptr (GError) e = NULL;
      g_assert_false (tf_load (&f, &e));
      if (strstr (e->message, confs[i][1]) == NULL)
        g_error ("“%s” does not mention “%s”", e->message, confs[i][1]);
      tf_clear (&f);
    }
}

static void
test_config_applied (void)
{
  TfStore f;
  tf_init (&f, "[sqlite]\npath=sub/dir/site.db\nsynchronous=full\nreaders=1\nbusy-timeout=100\n",
           NULL);
  g_autoptr (GError) e = NULL;
  g_assert_true (tf_load (&f, &e));
  g_autofree char *path = g_build_filename (f.dir, "state", "sub", "dir", "site.db", NULL);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_autoptr (GVariant) status = g_variant_ref_sink (f.store->get_status (f.store));
  const char *got = NULL;
  guint32 threads = 0;
  g_assert_true (g_variant_lookup (status, "path", "&s", &got));
  g_assert_cmpstr (got, ==, path);
  g_assert_true (g_variant_lookup (status, "threads", "u", &threads));
  g_assert_cmpuint (threads, ==, 2);
  TfCall c = { 0 };
  OccStoreResult *r = tf_run1 (&f, &c, "PRAGMA synchronous", NULL);
  g_assert_no_error (c.error);
  g_assert_cmpint (occ_store_result_get_int (r, 0, 0), ==, 2); /* FULL */
  tf_call_clear (&c);
  tf_clear (&f);
}

static void
append_line (const char *line, gpointer data)
{
  g_string_append ((GString *) data, line);
}

static void
test_status_command (TfStore *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GString) got = g_string_new (NULL);
  occ_control_dispatch (f->ctx->control, "{\"id\":1,\"command\":\"store.status\"}", append_line,
                        got);
  g_autoptr (JsonObject) answer = occ_test_parse_object (got->str);
  g_assert_true (json_object_get_boolean_member (answer, "ok"));
  JsonObject *result = json_object_get_object_member (answer, "result");
  g_assert_cmpstr (json_object_get_string_member (result, "backend"), ==, "sqlite");
  g_assert_cmpstr (json_object_get_string_member (result, "state"), ==, "ready");
  g_assert_cmpint (json_object_get_int_member (result, "schema-version"), ==, 9);
  g_assert_cmpint (json_object_get_int_member (result, "threads"), ==, 3);
  g_assert_true (json_object_has_member (result, "queued"));
  g_assert_true (json_object_has_member (result, "coalesced"));
  g_assert_true (json_object_has_member (result, "executed"));
}

/* --- execute ---------------------------------------------------------------------------- */

static void
test_parameter_types (TfStore *f, gconstpointer data)
{
  (void) data;
  static const guint8 blob[] = { 0, 1, 255 };
  TfCall c = { 0 };
  GVariant *params = g_variant_new (
      "(ynqiuxthdb@ay@ay@ms@ms@mx)", (guchar) 200, (gint16) -3, (guint16) 65535, (gint32) -70000,
      (guint32) 4000000000u, G_MININT64, (guint64) G_MAXINT64, (gint32) 5, 2.5, TRUE,
      g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, blob, sizeof blob, 1),
      g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, NULL, 0, 1),
      g_variant_new_maybe (G_VARIANT_TYPE_STRING, NULL),
      g_variant_new_maybe (NULL, g_variant_new_string ("just")),
      g_variant_new_maybe (NULL, g_variant_new_int64 (42)));
  OccStoreResult *r
      = tf_run1 (f, &c,
                 "SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
                 "$15, typeof($12)",
                 params);
  g_assert_no_error (c.error);
  const gint64 ints[] = { 200, -3, 65535, -70000, 4000000000, G_MININT64, G_MAXINT64, 5 };
  for (guint i = 0; i < G_N_ELEMENTS (ints); i++)
    {
      g_assert_true (g_variant_is_of_type (occ_store_result_get (r, 0, i), G_VARIANT_TYPE_INT64));
      g_assert_cmpint (occ_store_result_get_int (r, 0, i), ==, ints[i]);
    }
  g_assert_cmpfloat (occ_store_result_get_double (r, 0, 8), ==, 2.5);
  g_assert_cmpint (occ_store_result_get_int (r, 0, 9), ==, 1);
  gsize len = 0;
  const guint8 *got = g_variant_get_fixed_array (occ_store_result_get (r, 0, 10), &len, 1);
  g_assert_cmpmem (got, len, blob, sizeof blob);
  /* an empty blob is a blob, not NULL */
  g_assert_cmpuint (g_variant_n_children (occ_store_result_get (r, 0, 11)), ==, 0);
  g_assert_cmpstr (occ_store_result_get_string (r, 0, 15), ==, "blob");
  g_assert_true (occ_store_result_is_null (r, 0, 12));
  g_assert_cmpstr (occ_store_result_get_string (r, 0, 13), ==, "just");
  g_assert_cmpint (occ_store_result_get_int (r, 0, 14), ==, 42);
  tf_call_clear (&c);
}

static void
assert_invalid (TfStore *f, const OccStoreStatement *st, guint n, const char *part)
{
  TfCall c = { 0 };
  tf_run (f, &c, st, n, OCC_STORE_FLAGS_NONE);
  g_assert_error (c.error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID);
  if (strstr (c.error->message, part) == NULL)
    g_error ("“%s” does not mention “%s”", c.error->message, part);
  tf_call_clear (&c);
}

static void
test_parameters_refused (TfStore *f, gconstpointer data)
{
  (void) data;
  OccStoreStatement st[] = {
    { "SELECT $1", g_variant_new ("(t)", (guint64) G_MAXINT64 + 1) },
  };
  assert_invalid (f, st, 1, "does not fit a 64-bit signed integer");
  st[0].params = g_variant_new ("(v)", g_variant_new_string ("x"));
  assert_invalid (f, st, 1, "parameter $1 has type “v”");
  st[0].params = g_variant_new ("(mms)", NULL);
  assert_invalid (f, st, 1, "“mms”");
  st[0].params = g_variant_new ("(as)", NULL);
  assert_invalid (f, st, 1, "“as”");
  st[0].params = g_variant_new_string ("not a tuple");
  assert_invalid (f, st, 1, "must be a tuple");
  st[0].params = g_variant_new ("(ss)", "a", "b");
  assert_invalid (f, st, 1, "2 parameters given for 1 placeholder");
  st[0].params = NULL;
  assert_invalid (f, st, 1, "0 parameters given for 1 placeholder");
  /* SQLite's own forms have no value: caught once SQLite counts them */
  OccStoreStatement q = { "SELECT ?", NULL };
  assert_invalid (f, &q, 1, "SQLite counts 1 parameters and 0 were given");
  /* the statement's index is named */
  OccStoreStatement two[] = { { "SELECT 1", NULL }, { "SELECT $1, $3", NULL } };
  assert_invalid (f, two, 2, "statements[1]: placeholder $2 is missing");
  OccStoreStatement bad_utf8 = { "SELECT '\xff'", NULL };
  assert_invalid (f, &bad_utf8, 1, "not valid UTF-8");
  OccStoreStatement multi = { "SELECT 1; SELECT 2", NULL };
  assert_invalid (f, &multi, 1, "more than one statement");
  OccStoreStatement none = { "-- nothing", NULL };
  assert_invalid (f, &none, 1, "holds no statement");
  OccStoreStatement begin = { "BEGIN", NULL };
  assert_invalid (f, &begin, 1, "OCC_STORE_TRANSACTION");
  /* the rest of a refused call is not run: its floating params are sunk */
  OccStoreStatement later[] = { { NULL, NULL }, { "SELECT $1", g_variant_new ("(s)", "x") } };
  assert_invalid (f, later, 2, "statements[0]: no SQL");
}

static void
test_results_shape (TfStore *f, gconstpointer data)
{
  (void) data;
  tf_ok (f, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL)", NULL);
  TfCall c = { 0 };
  OccStoreResult *r
      = tf_run1 (f, &c, "INSERT INTO t (name, score) VALUES ('a', 1.5), ('b', NULL)", NULL);
  g_assert_cmpint (occ_store_result_get_changes (r), ==, 2);
  g_assert_cmpuint (occ_store_result_get_n_columns (r), ==, 0);
  r = tf_run1 (f, &c, "UPDATE t SET score = 3 WHERE name = $1", g_variant_new ("(s)", "b"));
  g_assert_cmpint (occ_store_result_get_changes (r), ==, 1);
  /* DDL reports no changes, not those of the statement before it */
  r = tf_run1 (f, &c, "CREATE INDEX t_name ON t (name)", NULL);
  g_assert_cmpint (occ_store_result_get_changes (r), ==, 0);
  r = tf_run1 (f, &c, "INSERT INTO t (name) VALUES ($1) RETURNING id, name AS label",
               g_variant_new ("(s)", "c"));
  g_assert_no_error (c.error);
  g_assert_cmpuint (occ_store_result_get_n_rows (r), ==, 1);
  g_assert_cmpstr (occ_store_result_get_column_name (r, 1), ==, "label");
  g_assert_cmpint (occ_store_result_get_int (r, 0, 0), ==, 3);
  /* "WITH … INSERT" looks like a query at first: it still writes */
  r = tf_run1 (f, &c, "WITH n (x) AS (VALUES ('d')) INSERT INTO t (name) SELECT x FROM n", NULL);
  g_assert_no_error (c.error);
  g_assert_cmpint (occ_store_result_get_changes (r), ==, 1);
  r = tf_run1 (f, &c, "SELECT id, name, score FROM t ORDER BY id", NULL);
  g_assert_cmpuint (occ_store_result_get_n_rows (r), ==, 4);
  g_assert_true (g_variant_is_of_type (occ_store_result_get (r, 0, 2), G_VARIANT_TYPE_DOUBLE));
  g_assert_true (occ_store_result_is_null (r, 3, 2));
  r = tf_run1 (f, &c, "SELECT * FROM t WHERE id < 0", NULL);
  g_assert_cmpuint (occ_store_result_get_n_rows (r), ==, 0);
  g_assert_cmpuint (occ_store_result_get_n_columns (r), ==, 3);
  /* text that is not UTF-8 cannot be a string cell */
  tf_ok (f, "INSERT INTO t (name) VALUES (CAST(x'41ff42' AS TEXT))", NULL);
  tf_run1 (f, &c, "SELECT name FROM t WHERE id = 5", NULL);
  g_assert_error (c.error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (c.error->message, "column “name” of row 1 is not valid UTF-8"));
  /* no statements: nothing to do, no results */
  tf_run (f, &c, NULL, 0, OCC_STORE_FLAGS_NONE);
  g_assert_no_error (c.error);
  g_assert_cmpuint (c.results->len, ==, 0);
  tf_call_clear (&c);
}

static void
test_errors_mapped (TfStore *f, gconstpointer data)
{
  (void) data;
  TfCall c = { 0 };
  tf_run1 (f, &c, "SELEKT 1", NULL);
  g_assert_error (c.error, OCC_STORE_ERROR, OCC_STORE_ERROR_SQL);
  g_assert_nonnull (strstr (c.error->message, "statements[0]: near \"SELEKT\": syntax error"));
  g_assert_nonnull (strstr (c.error->message, "in: SELEKT 1"));
  tf_ok (f, "INSERT INTO queue (id, name, created_at, updated_at) VALUES ('q', 'Q', 1, 1)", NULL);
  tf_run1 (f, &c, "INSERT INTO queue (id, name, created_at, updated_at) VALUES ('q', 'Q', 1, 1)",
           NULL);
  g_assert_error (c.error, OCC_STORE_ERROR, OCC_STORE_ERROR_CONSTRAINT);
  g_assert_nonnull (strstr (c.error->message, "UNIQUE constraint failed: queue.id"));
  tf_run1 (f, &c,
           "INSERT INTO customer_phone (customer_id, e164) VALUES ('nobody', '+2250700000000')",
           NULL);
  g_assert_error (c.error, OCC_STORE_ERROR, OCC_STORE_ERROR_CONSTRAINT);
  g_assert_nonnull (strstr (c.error->message, "FOREIGN KEY"));
  /* the SQL quoted in the message stops after 200 characters */
  g_autofree char *pad = g_strnfill (300, 'x');
  g_autofree char *sql = g_strdup_printf ("SELECT * FROM no_such_table WHERE 'é%s' = ''", pad);
  tf_run1 (f, &c, sql, NULL);
  g_assert_error (c.error, OCC_STORE_ERROR, OCC_STORE_ERROR_SQL);
  const char *quoted = strstr (c.error->message, "in: ");
  g_assert_nonnull (quoted);
  g_assert_cmpuint (g_utf8_strlen (quoted + 4, -1), ==, 201); /* 200 and an ellipsis */
  g_assert_true (g_str_has_suffix (quoted, "xx…"));
  tf_call_clear (&c);
}

static void
test_transactions (TfStore *f, gconstpointer data)
{
  (void) data;
  const char *ins = "INSERT INTO queue (id, name, created_at, updated_at) VALUES ($1, $1, 1, 1)";
  OccStoreStatement st[] = {
    { ins, g_variant_new ("(s)", "a") },
    { ins, g_variant_new ("(s)", "b") },
    { ins, g_variant_new ("(s)", "a") },
  };
  TfCall c = { 0 };
  tf_run (f, &c, st, 3, OCC_STORE_TRANSACTION);
  g_assert_error (c.error, OCC_STORE_ERROR, OCC_STORE_ERROR_CONSTRAINT);
  g_assert_nonnull (strstr (c.error->message, "statements[2]"));
  g_assert_cmpint (tf_count (f, "queue"), ==, 0);
  /* a failure in COMMIT (a deferred foreign key) undoes it all too */
  tf_ok (f, "CREATE TABLE parent (id TEXT PRIMARY KEY)", NULL);
  tf_ok (f,
         "CREATE TABLE child (id TEXT, parent TEXT REFERENCES parent (id) DEFERRABLE INITIALLY "
         "DEFERRED)",
         NULL);
  OccStoreStatement deferred[] = { { "INSERT INTO child VALUES ('c', 'nobody')", NULL } };
  tf_run (f, &c, deferred, 1, OCC_STORE_TRANSACTION);
  g_assert_error (c.error, OCC_STORE_ERROR, OCC_STORE_ERROR_CONSTRAINT);
  g_assert_cmpint (tf_count (f, "child"), ==, 0);
  /* without a transaction: the first failure stops the rest, the ones
   * before it stay */
  st[0].params = g_variant_new ("(s)", "a");
  st[1].params = g_variant_new ("(s)", "a");
  st[2].params = g_variant_new ("(s)", "c");
  tf_run (f, &c, st, 3, OCC_STORE_FLAGS_NONE);
  g_assert_error (c.error, OCC_STORE_ERROR, OCC_STORE_ERROR_CONSTRAINT);
  g_assert_nonnull (strstr (c.error->message, "statements[1]"));
  g_assert_cmpint (tf_count (f, "queue"), ==, 1);
  /* a transaction sees its own writes and answers every statement */
  OccStoreStatement ok[] = {
    { ins, g_variant_new ("(s)", "x") },
    { "SELECT COUNT(*) FROM queue", NULL },
  };
  tf_run (f, &c, ok, 2, OCC_STORE_TRANSACTION);
  g_assert_no_error (c.error);
  g_assert_cmpuint (c.results->len, ==, 2);
  g_assert_cmpint (occ_store_result_get_int (g_ptr_array_index (c.results, 1), 0, 0), ==, 2);
  tf_call_clear (&c);
}

typedef struct {
  guint pending, ok, failed;
  GHashTable *failed_ids;
} Burst;

typedef struct {
  Burst *burst;
  guint id;
} BurstItem;

static void
burst_done (GPtrArray *results, const GError *error, gpointer data)
{
  BurstItem *item = data;
  if (error)
    {
      g_assert_error ((GError *) error, OCC_STORE_ERROR, OCC_STORE_ERROR_CONSTRAINT);
      item->burst->failed++;
      g_hash_table_add (item->burst->failed_ids, GUINT_TO_POINTER (item->id));
    }
  else
    {
      g_assert_cmpint (occ_store_result_get_changes (g_ptr_array_index (results, 0)), ==, 1);
      item->burst->ok++;
    }
  item->burst->pending--;
  g_free (item);
}

static gboolean
burst_over (gpointer data)
{
  return ((Burst *) data)->pending == 0;
}

static void
test_coalesced_bad_write_fails_alone (TfStore *f, gconstpointer data)
{
  (void) data;
  const guint n = 2000;
  Burst b = { .failed_ids = g_hash_table_new (NULL, NULL) };
  for (guint i = 0; i < n; i++)
    {
      /* every 250th repeats the id before it: a unique violation in the
       * middle of a shared transaction */
      g_autofree char *id = g_strdup_printf ("i-%05u", i % 250 == 249 ? i - 1 : i);
      BurstItem *item = g_new0 (BurstItem, 1);
      item->burst = &b;
      item->id = i;
      b.pending++;
      occ_store_execute1 (f->store,
                          "INSERT INTO interaction (id, channel, direction, offered_at, "
                          "created_at, updated_at) VALUES ($1, 'voice', 'inbound', $2, $2, $2)",
                          g_variant_new ("(sx)", id, (gint64) i), OCC_STORE_COALESCE, burst_done,
                          item);
    }
  g_assert_true (occ_test_wait_for (burst_over, &b, 60000));
  g_assert_cmpuint (b.failed, ==, n / 250);
  g_assert_cmpuint (b.ok, ==, n - n / 250);
  for (guint i = 249; i < n; i += 250)
    g_assert_true (g_hash_table_contains (b.failed_ids, GUINT_TO_POINTER (i)));
  g_assert_cmpint (tf_count (f, "interaction"), ==, n - n / 250);
  g_autoptr (GVariant) status = g_variant_ref_sink (f->store->get_status (f->store));
  guint64 coalesced = 0;
  g_assert_true (g_variant_lookup (status, "coalesced", "t", &coalesced));
  g_test_message ("%" G_GUINT64_FORMAT " of %u writes were committed in shared transactions",
                  coalesced, b.ok);
  /* the bad writes failed inside shared transactions without sending
   * their neighbours back to run alone (only a write the writer found
   * alone in its queue commits by itself) */
  g_assert_cmpuint (coalesced, >=, b.ok * 9 / 10);
  g_assert_cmpuint (coalesced, <=, b.ok);
  g_hash_table_unref (b.failed_ids);
}

static void
test_coalesced_broken_transaction_retried_alone (TfStore *f, gconstpointer data)
{
  (void) data;
  /* RAISE(ROLLBACK) undoes the whole shared transaction, not one statement:
   * every write of it must be run again alone */
  tf_ok (f, "CREATE TABLE notes (v TEXT)", NULL);
  tf_ok (f,
         "CREATE TRIGGER notes_veto BEFORE INSERT ON notes WHEN NEW.v = 'veto' "
         "BEGIN SELECT RAISE(ROLLBACK, 'vetoed'); END",
         NULL);
  Burst b = { .failed_ids = g_hash_table_new (NULL, NULL) };
  for (guint i = 0; i < 300; i++)
    {
      BurstItem *item = g_new0 (BurstItem, 1);
      item->burst = &b;
      item->id = i;
      b.pending++;
      g_autofree char *v = i == 150 ? g_strdup ("veto") : g_strdup_printf ("n%u", i);
      occ_store_execute1 (f->store, "INSERT INTO notes (v) VALUES ($1)", g_variant_new ("(s)", v),
                          OCC_STORE_COALESCE, burst_done, item);
    }
  g_assert_true (occ_test_wait_for (burst_over, &b, 60000));
  g_assert_cmpuint (b.failed, ==, 1);
  g_assert_true (g_hash_table_contains (b.failed_ids, GUINT_TO_POINTER (150)));
  g_assert_cmpint (tf_count (f, "notes"), ==, 299);
  g_hash_table_unref (b.failed_ids);
}

static void
test_callbacks_after_the_call (TfStore *f, gconstpointer data)
{
  (void) data;
  /* refused at once, failed on a worker, succeeded on each kind of worker:
   * every callback after the call returned, on the main thread */
  const char *sqls[] = { "SELECT $1", "SELEKT", "SELECT 1", "CREATE TABLE x (a)" };
  for (guint i = 0; i < G_N_ELEMENTS (sqls); i++)
    {
      TfCall c = { 0 };
      OccStoreStatement st = { sqls[i], NULL };
      f->store->execute (f->store, &st, 1, OCC_STORE_FLAGS_NONE, NULL, tf_call_done, &c);
      g_assert_false (c.done);
      c.returned = TRUE;
      tf_call_wait (&c);
      tf_call_clear (&c);
    }
  TfCall c = { 0 };
  f->store->backup (f->store, NULL, tf_call_done, &c);
  c.returned = TRUE;
  tf_call_wait (&c);
  g_assert_error (c.error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID);
  tf_call_clear (&c);
}

int
main (int argc, char **argv)
{
  tf_test_init (&argc, &argv);
#define ADD(path, setup, fn) g_test_add ("/store-sqlite/" path, TfStore, NULL, setup, fn, teardown)
  ADD ("load/migrations-applied-once-and-recorded", setup_loaded, test_migrations_applied_once);
  ADD ("load/newer-schema-fails-and-stops-the-daemon", setup_empty,
       test_newer_schema_stops_the_daemon);
  g_test_add_func ("/store-sqlite/load/broken-migration-applies-nothing",
                   test_broken_migration_applies_nothing);
  ADD ("load/declines-when-a-store-is-served", setup_empty, test_declines_when_store_served);
  g_test_add_func ("/store-sqlite/load/bad-config-refused", test_bad_config_refused);
  g_test_add_func ("/store-sqlite/load/config-applied", test_config_applied);
  ADD ("control/store-status", setup_loaded, test_status_command);
  ADD ("execute/parameter-types-round-trip", setup_loaded, test_parameter_types);
  ADD ("execute/bad-parameters-refused", setup_loaded, test_parameters_refused);
  ADD ("execute/results-columns-and-changes", setup_loaded, test_results_shape);
  ADD ("execute/errors-mapped", setup_loaded, test_errors_mapped);
  ADD ("execute/transaction-all-or-nothing", setup_loaded, test_transactions);
  ADD ("execute/coalesced-bad-write-fails-alone", setup_loaded,
       test_coalesced_bad_write_fails_alone);
  ADD ("execute/coalesced-broken-transaction-retried-alone", setup_loaded,
       test_coalesced_broken_transaction_retried_alone);
  ADD ("execute/callbacks-after-the-call-on-main-thread", setup_loaded,
       test_callbacks_after_the_call);
#undef ADD
  return g_test_run ();
}
