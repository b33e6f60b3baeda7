/* store-postgres against a real PostgreSQL: loading, migrations,
 * parameters and results, errors, transactions, coalesced bursts,
 * streaming, backups and unloading. The server goes away in
 * test-store-postgres-outage.c. One server for the binary, one database
 * per test. */
#include "pgtest.h"

#include "bus-private.h"
#include "control.h"
#include "loader.h"
#include "registry.h"

#include <string.h>

static PgtNode *
node_for (const char *dsn, const char *extra)
{
  g_autofree char *conf = g_strdup_printf ("[postgres]\ndsn=%s\n%s", dsn, extra ? extra : "");
  PgtNode *n = pgt_node_new (conf);
  g_assert_no_error (n->load_error);
  g_assert_nonnull (n->store);
  return n;
}

static PgtNode *
ready_node (const char *dsn, const char *extra)
{
  PgtNode *n = node_for (dsn, extra);
  g_assert_true (pgt_node_wait_state (n, "ready", 30000));
  return n;
}

static void
assert_error (PgtReply *r, int code, const char *part)
{
  g_assert_true (r->done);
  g_assert_error (r->error, OCC_STORE_ERROR, code);
  if (part && strstr (r->error->message, part) == NULL)
    g_error ("“%s” does not mention “%s”", r->error->message, part);
  g_assert_null (r->results);
}

static void
test_declines_without_dsn (void)
{
  g_autoptr (PgtNode) n = pgt_node_new ("[postgres]\npool-size=2\n");
  g_assert_error (n->load_error, OCC_LOADER_ERROR, OCC_LOADER_ERROR_DECLINED);
  g_assert_nonnull (strstr (n->load_error->message, "no dsn configured; the SQLite store serves"));
  g_assert_null (n->store);
  g_autoptr (PgtNode) none = pgt_node_new (NULL);
  g_assert_error (none->load_error, OCC_LOADER_ERROR, OCC_LOADER_ERROR_DECLINED);
}

static void
test_bad_dsn_fails_without_leaking_password (void)
{
  g_autoptr (PgtNode) n = pgt_node_new ("[postgres]\ndsn=host=x password=s3cret nonsense\n");
  g_assert_nonnull (n->load_error);
  g_assert_null (strstr (n->load_error->message, "s3cret"));
}

static void
test_migrations_applied_once (void)
{
  if (pgt_skip_without_server ())
    return;
  g_autofree char *dsn = pgt_create_database ();
  {
    g_autoptr (PgtNode) n = ready_node (dsn, NULL);
    g_assert_cmpstr (g_ptr_array_index (n->states, 0), ==, "connecting");
    g_assert_true (g_ptr_array_find_with_equal_func (n->states, "ready", g_str_equal, NULL));
    g_autoptr (GVariant) status = g_variant_ref_sink (n->store->get_status (n->store));
    guint32 version = 0;
    g_assert_true (g_variant_lookup (status, "schema-version", "u", &version));
    g_assert_cmpuint (version, ==, 9);
    g_assert_cmpstr (n->store->get_backend (n->store), ==, "postgres");
  }
  /* a second start finds nothing to do */
  g_autoptr (PgtNode) again = ready_node (dsn, NULL);
  g_autofree char *rows = pgt_psql (dsn, "SELECT string_agg(version::text, ',' ORDER BY version) "
                                         "FROM schema_version");
  g_assert_cmpstr (g_strstrip (rows), ==, "1,2,3,4,5,6,7,8,9");
}

static void
test_concurrent_nodes_migrate_once (void)
{
  if (pgt_skip_without_server ())
    return;
  g_autofree char *dsn = pgt_create_database ();
  /* both start before either has run a step: they race for the lock */
  g_autoptr (PgtNode) a = node_for (dsn, "pool-size=3\n");
  g_autoptr (PgtNode) b = node_for (dsn, "pool-size=3\n");
  g_assert_true (pgt_node_wait_state (a, "ready", 30000));
  g_assert_true (pgt_node_wait_state (b, "ready", 30000));
  g_autofree char *rows = pgt_psql (dsn, "SELECT count(*), count(DISTINCT version) "
                                         "FROM schema_version");
  g_assert_cmpstr (g_strstrip (rows), ==, "9|9");
  g_assert_cmpint (pgt_query_int (a, "SELECT count(*) FROM interaction"), ==, 0);
  g_assert_cmpint (pgt_query_int (b, "SELECT count(*) FROM audit_entry"), ==, 0);
}

static void
test_newer_schema_fails_and_stops (void)
{
  if (pgt_skip_without_server ())
    return;
  g_autofree char *dsn = pgt_create_database ();
  g_autofree char *made = pgt_psql (dsn, "CREATE TABLE schema_version (version INTEGER PRIMARY "
                                         "KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL); "
                                         "INSERT INTO schema_version VALUES (99, 'future', 0)");
  g_assert_nonnull (made);
  g_autoptr (PgtNode) n = node_for (dsn, NULL);
  /* queued before the schema was read: no statement runs before it is */
  g_autoptr (PgtReply) r = g_new0 (PgtReply, 1);
  occ_store_execute1 (n->store, "SELECT 1", NULL, 0, pgt_reply_cb, r);
  pgt_reply_wait (r, 30000);
  assert_error (r, OCC_STORE_ERROR_SCHEMA, "version 99");
  g_assert_nonnull (strstr (r->error->message, "version 9"));
  g_assert_true (n->ctx->stopping);
  g_assert_cmpint (n->ctx->exit_status, ==, 1);
  occ_bus_flush (n->ctx->bus);
  g_assert_true (g_ptr_array_find_with_equal_func (n->states, "failed", g_str_equal, NULL));
  /* later statements fail the same way, while the daemon drains */
  g_autoptr (PgtReply) later = g_new0 (PgtReply, 1);
  occ_store_execute1 (n->store, "SELECT 1", NULL, 0, pgt_reply_cb, later);
  pgt_reply_wait (later, 5000);
  assert_error (later, OCC_STORE_ERROR_SCHEMA, "newer");
  g_autofree char *rows = pgt_psql (dsn, "SELECT count(*) FROM schema_version");
  g_assert_cmpstr (g_strstrip (rows), ==, "1");
}

static void
test_parameters_validated (void)
{
  if (pgt_skip_without_server ())
    return;
  g_autofree char *dsn = pgt_create_database ();
  g_autoptr (PgtNode) n = ready_node (dsn, NULL);
  struct {
    const char *sql;
    const char *params;
    const char *part;
  } bad[] = {
    { "SELECT $1, $2", "('a',)", "1 parameter given, but the SQL uses 2" },
    { "SELECT 1", "('a',)", "but the SQL uses 0" },
    { "SELECT $1", "(@a{sv} {},)", "statement[0] parameter $1: type “a{sv}”" },
    { "SELECT $1", "(@t 18446744073709551615,)", "does not fit in a BIGINT" },
    { "SELECT $1", "(@mms just nothing,)", "parameter $1" },
    { "SELECT $1", "@as ['a']", "must be a tuple" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (PgtReply) r
          = pgt_exec (n, bad[i].sql, g_variant_new_parsed (bad[i].params), OCC_STORE_FLAGS_NONE);
      assert_error (r, OCC_STORE_ERROR_INVALID, bad[i].part);
    }
  /* the index of the statement is named */
  OccStoreStatement two[]
      = { { "SELECT 1", NULL }, { "SELECT $1", g_variant_new_parsed ("(@a{sv} {},)") } };
  g_autoptr (PgtReply) r = g_new0 (PgtReply, 1);
  n->store->execute (n->store, two, 2, OCC_STORE_TRANSACTION, NULL, pgt_reply_cb, r);
  pgt_reply_wait (r, 5000);
  assert_error (r, OCC_STORE_ERROR_INVALID, "statement[1] parameter $1");
  /* placeholders in literals, names and comments do not count */
  g_autoptr (PgtReply) ok = pgt_exec (n, "SELECT '$5', $1 AS \"$7\" -- $9\n /* $8 */",
                                      g_variant_new ("(s)", "x"), OCC_STORE_FLAGS_NONE);
  g_assert_no_error (ok->error);
}

static void
test_types_round_trip (void)
{
  if (pgt_skip_without_server ())
    return;
  g_autofree char *dsn = pgt_create_database ();
  g_autoptr (PgtNode) n = ready_node (dsn, NULL);
  const guint8 blob[] = { 0, 1, 2, 255, '\\', 'x', 0 };
  GVariant *params = g_variant_new (
      "(sxdb@ayims@mx@mayy)", "héllo ✓", G_GINT64_CONSTANT (-9007199254740993), 2.5, TRUE,
      g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, blob, sizeof blob, 1), 42, NULL,
      g_variant_new_maybe (G_VARIANT_TYPE_INT64, NULL),
      g_variant_new_maybe (G_VARIANT_TYPE_BYTESTRING, NULL), 7);
  g_autoptr (PgtReply) r = pgt_exec (
      n,
      "SELECT $1 AS s, $2 AS x, $3 AS d, $4 AS b, $5 AS blob, $6 AS i, $7 AS nul, $8 AS nx, "
      "$9 AS nblob, $10 AS y, 1::int2 AS small, 3.25::numeric AS num, true AS flag, "
      "now()::date AS day",
      params, OCC_STORE_FLAGS_NONE);
  g_assert_no_error (r->error);
  OccStoreResult *res = g_ptr_array_index (r->results, 0);
  g_assert_cmpuint (occ_store_result_get_n_rows (res), ==, 1);
  g_assert_cmpstr (occ_store_result_get_column_name (res, 0), ==, "s");
  g_assert_cmpstr (occ_store_result_get_string (res, 0, 0), ==, "héllo ✓");
  g_assert_cmpint (occ_store_result_get_int (res, 0, 1), ==, G_GINT64_CONSTANT (-9007199254740993));
  g_assert_cmpfloat (occ_store_result_get_double (res, 0, 2), ==, 2.5);
  g_assert_cmpint (occ_store_result_get_int (res, 0, 3), ==, 1); /* b is sent as 0/1 */
  GVariant *b = occ_store_result_get (res, 0, 4);
  g_assert_true (g_variant_is_of_type (b, G_VARIANT_TYPE_BYTESTRING));
  gsize len = 0;
  const guint8 *data = g_variant_get_fixed_array (b, &len, 1);
  g_assert_cmpmem (data, len, blob, sizeof blob);
  g_assert_cmpint (occ_store_result_get_int (res, 0, 5), ==, 42);
  for (guint c = 6; c <= 8; c++)
    g_assert_true (occ_store_result_is_null (res, 0, c));
  g_assert_cmpint (occ_store_result_get_int (res, 0, 9), ==, 7);
  g_assert_true (g_variant_is_of_type (occ_store_result_get (res, 0, 10), G_VARIANT_TYPE_INT64));
  g_assert_cmpfloat (occ_store_result_get_double (res, 0, 11), ==, 3.25);
  g_assert_true (g_variant_is_of_type (occ_store_result_get (res, 0, 12), G_VARIANT_TYPE_BOOLEAN));
  g_assert_true (g_variant_is_of_type (occ_store_result_get (res, 0, 13), G_VARIANT_TYPE_STRING));
}

static void
test_statement_cache_resets_when_full (void)
{
  if (pgt_skip_without_server ())
    return;
  g_autofree char *dsn = pgt_create_database ();
  g_autoptr (PgtNode) n = ready_node (dsn, "pool-size=1\n");
  /* more distinct statements than a connection keeps prepared (512) */
  const guint total = 700;
  g_autofree PgtReply *r = g_new0 (PgtReply, total);
  for (guint i = 0; i < total; i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT $1::bigint + %u", i);
      occ_store_execute1 (n->store, sql, g_variant_new ("(x)", (gint64) 1000), 0, pgt_reply_cb,
                          &r[i]);
    }
  for (guint i = 0; i < total; i++)
    {
      pgt_reply_wait (&r[i], 30000);
      g_assert_no_error (r[i].error);
      g_assert_cmpint (occ_store_result_get_int (g_ptr_array_index (r[i].results, 0), 0, 0), ==,
                       1000 + i);
      g_clear_pointer (&r[i].results, g_ptr_array_unref);
    }
  /* one connection: this runs in the session that prepared them */
  gint64 prepared = pgt_query_int (n, "SELECT count(*) FROM pg_prepared_statements");
  g_assert_cmpint (prepared, >, 0);
  g_assert_cmpint (prepared, <=, 512);
}

static void
test_constraint_and_sql_errors (void)
{
  if (pgt_skip_without_server ())
    return;
  g_autofree char *dsn = pgt_create_database ();
  g_autoptr (PgtNode) n = ready_node (dsn, NULL);
  g_autoptr (PgtReply) first = pgt_exec (n, PGT_INSERT, pgt_insert_params ("i-1"), 0);
  g_assert_no_error (first->error);
  g_assert_cmpint (occ_store_result_get_changes (g_ptr_array_index (first->results, 0)), ==, 1);
  g_autoptr (PgtReply) dup = pgt_exec (n, PGT_INSERT, pgt_insert_params ("i-1"), 0);
  assert_error (dup, OCC_STORE_ERROR_CONSTRAINT, "duplicate key");
  g_assert_nonnull (strstr (dup->error->message, "Key (id)=(i-1) already exists"));
  g_assert_nonnull (strstr (dup->error->message, "INSERT INTO interaction"));
  g_autoptr (PgtReply) syntax = pgt_exec (n, "SELEKT nothing", NULL, 0);
  assert_error (syntax, OCC_STORE_ERROR_SQL, "syntax error");
  /* the same bad statement again: its failed PREPARE is not cached */
  g_autoptr (PgtReply) again = pgt_exec (n, "SELEKT nothing", NULL, 0);
  assert_error (again, OCC_STORE_ERROR_SQL, "syntax error");
  g_autoptr (PgtReply) update
      = pgt_exec (n, "UPDATE interaction SET disposition = $1", g_variant_new ("(s)", "sale"), 0);
  g_assert_no_error (update->error);
  g_assert_cmpint (occ_store_result_get_changes (g_ptr_array_index (update->results, 0)), ==, 1);
}

static void
test_transaction_rolls_back (void)
{
  if (pgt_skip_without_server ())
    return;
  g_autofree char *dsn = pgt_create_database ();
  g_autoptr (PgtNode) n = ready_node (dsn, NULL);
  g_autoptr (PgtReply) seed = pgt_exec (n, PGT_INSERT, pgt_insert_params ("taken"), 0);
  g_assert_no_error (seed->error);
  OccStoreStatement tx[] = { { PGT_INSERT, pgt_insert_params ("tx-1") },
                             { PGT_INSERT, pgt_insert_params ("taken") },
                             { PGT_INSERT, pgt_insert_params ("tx-3") } };
  g_autoptr (PgtReply) r = g_new0 (PgtReply, 1);
  n->store->execute (n->store, tx, 3, OCC_STORE_TRANSACTION, NULL, pgt_reply_cb, r);
  pgt_reply_wait (r, 10000);
  assert_error (r, OCC_STORE_ERROR_CONSTRAINT, "duplicate key");
  g_assert_cmpint (pgt_query_int (n, "SELECT count(*) FROM interaction"), ==, 1);
  /* the connection is clean afterwards */
  OccStoreStatement good[] = { { PGT_INSERT, pgt_insert_params ("tx-4") },
                               { "SELECT count(*) FROM interaction", NULL } };
  g_autoptr (PgtReply) ok = g_new0 (PgtReply, 1);
  n->store->execute (n->store, good, 2, OCC_STORE_TRANSACTION, NULL, pgt_reply_cb, ok);
  pgt_reply_wait (ok, 10000);
  g_assert_no_error (ok->error);
  g_assert_cmpuint (ok->results->len, ==, 2);
  g_assert_cmpint (occ_store_result_get_int (g_ptr_array_index (ok->results, 1), 0, 0), ==, 2);
  /* without TRANSACTION, statements before the failing one stay */
  OccStoreStatement steps[] = { { PGT_INSERT, pgt_insert_params ("step-1") },
                                { PGT_INSERT, pgt_insert_params ("taken") },
                                { PGT_INSERT, pgt_insert_params ("step-3") } };
  g_autoptr (PgtReply) s = g_new0 (PgtReply, 1);
  n->store->execute (n->store, steps, 3, 0, NULL, pgt_reply_cb, s);
  pgt_reply_wait (s, 10000);
  assert_error (s, OCC_STORE_ERROR_CONSTRAINT, NULL);
  g_assert_cmpint (pgt_query_int (n, "SELECT count(*) FROM interaction WHERE id LIKE 'step-%'"), ==,
                   1);
}

typedef struct {
  guint done, ok, constraint, other;
} Tally;

static void
tally_cb (GPtrArray *results, const GError *error, gpointer data)
{
  Tally *t = data;
  t->done++;
  if (error == NULL && results && results->len == 1)
    t->ok++;
  else if (g_error_matches (error, OCC_STORE_ERROR, OCC_STORE_ERROR_CONSTRAINT))
    t->constraint++;
  else
    t->other++;
}

typedef struct {
  Tally *tally;
  guint want;
} TallyWait;

static gboolean
tally_done (gpointer data)
{
  TallyWait *w = data;
  return w->tally->done >= w->want;
}

static void
test_coalesced_burst_isolates_bad_rows (void)
{
  if (pgt_skip_without_server ())
    return;
  g_autofree char *dsn = pgt_create_database ();
  g_autoptr (PgtNode) n = ready_node (dsn, NULL);
  const guint total = 10000, bad[] = { 17, 5000, 9999 };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *id = g_strdup_printf ("burst-%u", bad[i]);
      g_autoptr (PgtReply) r = pgt_exec (n, PGT_INSERT, pgt_insert_params (id), 0);
      g_assert_no_error (r->error);
    }
  Tally t = { 0 };
  PgtGapMeter gap;
  pgt_gap_start (&gap);
  gint64 start = g_get_monotonic_time ();
  for (guint i = 0; i < total; i++)
    {
      g_autofree char *id = g_strdup_printf ("burst-%u", i);
      occ_store_execute1 (n->store, PGT_INSERT, pgt_insert_params (id), OCC_STORE_COALESCE,
                          tally_cb, &t);
    }
  TallyWait w = { &t, total };
  g_assert_true (occ_test_wait_for (tally_done, &w, 120000));
  gint64 took = g_get_monotonic_time () - start;
  pgt_gap_stop (&gap);
  g_test_message ("bench store-postgres-burst-coalesced: %.0f rows/s (%u rows in %.3f s)",
                  total * (double) G_USEC_PER_SEC / (double) took, total,
                  (double) took / G_USEC_PER_SEC);
  g_test_message ("bench store-postgres-burst-max-loop-gap: %.1f ms",
                  (double) gap.max_gap / 1000.0);
  g_assert_cmpuint (t.ok, ==, total - G_N_ELEMENTS (bad));
  g_assert_cmpuint (t.constraint, ==, G_N_ELEMENTS (bad));
  g_assert_cmpuint (t.other, ==, 0);
  g_assert_cmpint (pgt_query_int (n, "SELECT count(*) FROM interaction"), ==, total);
  g_assert_cmpint (gap.max_gap, <, 500 * 1000); /* gross stalls only */
  g_autoptr (GVariant) status = g_variant_ref_sink (n->store->get_status (n->store));
  guint64 coalesced = 0, retried = 0;
  g_assert_true (g_variant_lookup (status, "coalesced", "t", &coalesced));
  g_assert_true (g_variant_lookup (status, "coalesce-retried", "t", &retried));
  g_assert_cmpuint (coalesced, >, 0);
  g_assert_cmpuint (retried, >, 0);
}

static gboolean
store_gone (gpointer data)
{
  PgtNode *n = data;
  return occ_registry_lookup (n->ctx->registry, OCC_STORE_SERVICE, 1, NULL) == NULL;
}

static void
test_stop_waits_for_work_in_flight (void)
{
  if (pgt_skip_without_server ())
    return;
  g_autofree char *dsn = pgt_create_database ();
  g_autoptr (PgtNode) n = ready_node (dsn, "pool-size=2\n");
  const guint total = 3000;
  Tally t = { 0 };
  for (guint i = 0; i < total; i++)
    {
      g_autofree char *id = g_strdup_printf ("stop-%u", i);
      occ_store_execute1 (n->store, PGT_INSERT, pgt_insert_params (id), OCC_STORE_COALESCE,
                          tally_cb, &t);
    }
  occ_context_stop (n->ctx, "the test stops the daemon");
  occ_bus_flush (n->ctx->bus); /* core.stopping: the store holds the daemon */
  g_assert_cmpuint (n->ctx->holds, >, 0);
  g_assert_true (occ_test_wait_for (store_gone, n, 60000));
  n->store = NULL;
  g_assert_cmpuint (t.done, ==, total);
  g_assert_cmpuint (t.ok, ==, total);
  g_autofree char *rows = pgt_psql (dsn, "SELECT count(*) FROM interaction");
  g_assert_cmpstr (g_strstrip (rows), ==, "3000");
}

typedef struct {
  guint batches, rows, max_batch, stop_after;
  gboolean done;
  GError *error;
} StreamTally;

static gboolean
stream_rows (OccStoreResult *batch, gpointer data)
{
  StreamTally *t = data;
  guint n = occ_store_result_get_n_rows (batch);
  t->batches++;
  t->rows += n;
  t->max_batch = MAX (t->max_batch, n);
  return t->stop_after == 0 || t->batches < t->stop_after;
}

static void
stream_done (GPtrArray *results, const GError *error, gpointer data)
{
  StreamTally *t = data;
  g_assert_null (results);
  g_assert_false (t->done);
  t->done = TRUE;
  t->error = error ? g_error_copy (error) : NULL;
}

static gboolean
stream_finished (gpointer data)
{
  return ((StreamTally *) data)->done;
}

static gsize
rss_kb (void)
{
  g_autofree char *status = NULL;
  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  const char *line = strstr (status, "VmRSS:");
  return line ? (gsize) g_ascii_strtoull (line + 6, NULL, 10) : 0;
}

static void
test_stream_in_bounded_batches (void)
{
  if (pgt_skip_without_server ())
    return;
  g_autofree char *dsn = pgt_create_database ();
  g_autoptr (PgtNode) n = ready_node (dsn, "pool-size=1\n");
  const char *sql = "SELECT g AS n, 'row number ' || g AS label, g * 0.5 AS half "
                    "FROM generate_series(1, $1) g";
  OccStoreStatement st = { sql, g_variant_new ("(x)", (gint64) 200000) };
  StreamTally t = { 0 };
  gsize before = rss_kb ();
  n->store->stream (n->store, &st, 1000, NULL, stream_rows, stream_done, &t);
  g_assert_true (occ_test_wait_for (stream_finished, &t, 120000));
  gsize grew = rss_kb () - before;
  g_test_message ("stream of 200000 rows: %u batches, RSS grew by %" G_GSIZE_FORMAT " kB",
                  t.batches, grew);
  g_assert_no_error (t.error);
  g_assert_cmpuint (t.rows, ==, 200000);
  g_assert_cmpuint (t.max_batch, <=, 1000);
#ifndef __SANITIZE_ADDRESS__ /* AddressSanitizer keeps freed memory in quarantine */
  g_assert_cmpuint (grew, <, 64 * 1024);
#endif

  /* stopped early: CANCELLED, and the connection serves the next job */
  StreamTally stop = { .stop_after = 3 };
  OccStoreStatement big = { sql, g_variant_new ("(x)", (gint64) 5000000) };
  n->store->stream (n->store, &big, 500, NULL, stream_rows, stream_done, &stop);
  g_autoptr (PgtReply) next = g_new0 (PgtReply, 1);
  occ_store_execute1 (n->store, "SELECT 41 + 1", NULL, 0, pgt_reply_cb, next);
  g_assert_true (occ_test_wait_for (stream_finished, &stop, 60000));
  g_assert_error (stop.error, OCC_STORE_ERROR, OCC_STORE_ERROR_CANCELLED);
  g_assert_cmpuint (stop.batches, ==, 3);
  pgt_reply_wait (next, 60000);
  g_assert_no_error (next->error);
  g_assert_cmpint (occ_store_result_get_int (g_ptr_array_index (next->results, 0), 0, 0), ==, 42);
  g_clear_error (&t.error);
  g_clear_error (&stop.error);

  /* an error after some rows: done gets it */
  StreamTally broken = { 0 };
  OccStoreStatement div = { "SELECT 10 / (g - 5000) FROM generate_series(1, 10000) g", NULL };
  n->store->stream (n->store, &div, 100, NULL, stream_rows, stream_done, &broken);
  g_assert_true (occ_test_wait_for (stream_finished, &broken, 60000));
  g_assert_error (broken.error, OCC_STORE_ERROR, OCC_STORE_ERROR_SQL);
  g_assert_nonnull (strstr (broken.error->message, "division by zero"));
  g_clear_error (&broken.error);
  g_assert_cmpint (pgt_query_int (n, "SELECT 5"), ==, 5);
}

static void
test_backup_is_restorable (void)
{
  if (pgt_skip_without_server ())
    return;
  g_autofree char *dsn = pgt_create_database ();
  g_autoptr (PgtNode) n = ready_node (dsn, NULL);
  g_autoptr (PgtReply) seed = pgt_exec (n, PGT_INSERT, pgt_insert_params ("kept"), 0);
  g_assert_no_error (seed->error);
  g_autofree char *dir = occ_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "site.dump", NULL);
  g_autoptr (PgtReply) r = g_new0 (PgtReply, 1);
  n->store->backup (n->store, path, pgt_reply_cb, r);
  g_assert_false (r->done);
  pgt_reply_wait (r, 60000);
  g_assert_no_error (r->error);
  g_autofree char *partial = g_strconcat (path, ".partial", NULL);
  g_assert_false (g_file_test (partial, G_FILE_TEST_EXISTS));
  const char *argv[] = { "/usr/bin/pg_restore", "--list", path, NULL };
  g_autofree char *out = NULL;
  g_assert_cmpint (occ_test_run (argv, &out, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "TABLE public interaction"));
  /* a failing dump reports pg_dump's message */
  g_autofree char *bad_path = g_build_filename (dir, "missing", "folder", "x.dump", NULL);
  g_autoptr (PgtReply) bad = g_new0 (PgtReply, 1);
  n->store->backup (n->store, bad_path, pgt_reply_cb, bad);
  pgt_reply_wait (bad, 60000);
  g_assert_nonnull (bad->error);
  g_assert_nonnull (strstr (bad->error->message, "pg_dump"));
  occ_test_rmtree (dir);
}

/* A backup asked for at once, while the new database is still being
 * migrated, waits for the migrations: the dump holds the whole schema. */
static void
test_backup_waits_for_the_schema (void)
{
  if (pgt_skip_without_server ())
    return;
  g_autofree char *dsn = pgt_create_database ();
  g_autoptr (PgtNode) n = node_for (dsn, NULL);
  g_autofree char *dir = occ_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "early.dump", NULL);
  g_autoptr (PgtReply) r = g_new0 (PgtReply, 1);
  n->store->backup (n->store, path, pgt_reply_cb, r);
  pgt_reply_wait (r, 60000);
  g_assert_no_error (r->error);
  const char *argv[] = { "/usr/bin/pg_restore", "--list", path, NULL };
  g_autofree char *out = NULL;
  g_assert_cmpint (occ_test_run (argv, &out, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "TABLE public schema_version"));
  g_assert_nonnull (strstr (out, "TABLE public backup_archive")); /* the last migration's */
  occ_test_rmtree (dir);
}

static void
append_line (const char *line, gpointer data)
{
  g_string_append ((GString *) data, line);
}

static void
test_status_command (void)
{
  if (pgt_skip_without_server ())
    return;
  g_autofree char *dsn = pgt_create_database ();
  g_autoptr (PgtNode) n = ready_node (dsn, "pool-size=2\n");
  g_autoptr (GString) got = g_string_new (NULL);
  occ_control_dispatch (n->ctx->control, "{\"id\":1,\"command\":\"store.status\"}", append_line,
                        got);
  g_assert_nonnull (strstr (got->str, "\"backend\":\"postgres\""));
  g_assert_nonnull (strstr (got->str, "\"state\":\"ready\""));
  g_assert_nonnull (strstr (got->str, "\"connections-up\":2"));
  g_assert_nonnull (strstr (got->str, "\"pool-size\":2"));
}

static void
test_unload_delivers_held_callbacks (void)
{
  /* a server that is not there: everything is held */
  g_autoptr (PgtNode) n
      = node_for ("host=/nonexistent/omnicc-test port=1 dbname=x", "hold-timeout=600\n");
  PgtReply replies[10] = { { 0 } };
  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    occ_store_execute1 (n->store, "SELECT 1", NULL, 0, pgt_reply_cb, &replies[i]);
  StreamTally st = { 0 };
  OccStoreStatement q = { "SELECT 1", NULL };
  n->store->stream (n->store, &q, 10, NULL, stream_rows, stream_done, &st);
  occ_test_spin (300);
  g_autofree char *state = pgt_node_state (n);
  g_assert_cmpstr (state, ==, "connecting");
  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    g_assert_false (replies[i].done);
  pgt_node_unload (n);
  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    {
      assert_error (&replies[i], OCC_STORE_ERROR_UNAVAILABLE, "store stopping");
      g_clear_error (&replies[i].error);
    }
  g_assert_true (st.done);
  g_assert_error (st.error, OCC_STORE_ERROR, OCC_STORE_ERROR_UNAVAILABLE);
  g_clear_error (&st.error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  pgt_init ();
  g_test_add_func ("/store-postgres/load/declines-without-dsn", test_declines_without_dsn);
  g_test_add_func ("/store-postgres/load/bad-dsn-fails-without-its-password",
                   test_bad_dsn_fails_without_leaking_password);
  g_test_add_func ("/store-postgres/migrations/applied-once", test_migrations_applied_once);
  g_test_add_func ("/store-postgres/migrations/concurrent-nodes-apply-once",
                   test_concurrent_nodes_migrate_once);
  g_test_add_func ("/store-postgres/migrations/newer-schema-fails-and-stops",
                   test_newer_schema_fails_and_stops);
  g_test_add_func ("/store-postgres/params/validated-before-sending", test_parameters_validated);
  g_test_add_func ("/store-postgres/params/types-round-trip", test_types_round_trip);
  g_test_add_func ("/store-postgres/prepared/cache-resets-when-full",
                   test_statement_cache_resets_when_full);
  g_test_add_func ("/store-postgres/errors/constraint-and-sql-mapped",
                   test_constraint_and_sql_errors);
  g_test_add_func ("/store-postgres/transaction/rolls-back-on-error", test_transaction_rolls_back);
  g_test_add_func ("/store-postgres/coalesce/burst-fails-only-bad-rows",
                   test_coalesced_burst_isolates_bad_rows);
  g_test_add_func ("/store-postgres/stream/rows-in-bounded-batches",
                   test_stream_in_bounded_batches);
  g_test_add_func ("/store-postgres/backup/restorable-by-pg-restore", test_backup_is_restorable);
  g_test_add_func ("/store-postgres/backup/waits-for-the-schema", test_backup_waits_for_the_schema);
  g_test_add_func ("/store-postgres/control/status", test_status_command);
  g_test_add_func ("/store-postgres/stop/waits-for-work-in-flight",
                   test_stop_waits_for_work_in_flight);
  g_test_add_func ("/store-postgres/unload/delivers-held-callbacks",
                   test_unload_delivers_held_callbacks);
  int status = g_test_run ();
  pgt_shutdown ();
  return status;
}
