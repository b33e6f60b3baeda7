/* The store conformance suite: the same tests, run against every store
 * backend (store-sqlite always; store-postgres on a private PostgreSQL
 * started for the run). A backend that passes serves the records plugin
 * and every other consumer of the "store" service the same way. */
#include "config.h"
#include "loader.h"
#include "registry.h"
#include "testlib.h"

#include <glib/gstdio.h>

typedef struct {
  const char *backend; /* "sqlite" or "postgres" */
} Backend;

static const Backend sqlite_backend = { "sqlite" };
static const Backend postgres_backend = { "postgres" };

static OccTestPostgres *pg; /* one server for the whole run */
static guint db_counter;

typedef struct {
  char *dir;
  OccContext *ctx;
  const OccStoreService *store;
  const Backend *backend;
} Fixture;

/* --- waiting for callbacks ------------------------------------------------------- */

typedef struct {
  gboolean done;
  gboolean returned; /* execute() has returned */
  gboolean early;    /* the callback ran before execute() returned */
  GPtrArray *results;
  GError *error;
} Call;

static void
call_clear (Call *c)
{
  g_clear_pointer (&c->results, g_ptr_array_unref);
  g_clear_error (&c->error);
  memset (c, 0, sizeof *c);
}

static void
on_done (GPtrArray *results, const GError *error, gpointer data)
{
  Call *c = data;
  g_assert_false (c->done); /* exactly once */
  c->done = TRUE;
  c->early = !c->returned;
  if (results)
    {
      c->results = g_ptr_array_new_with_free_func ((GDestroyNotify) occ_store_result_unref);
      for (guint i = 0; i < results->len; i++)
        g_ptr_array_add (c->results, occ_store_result_ref (g_ptr_array_index (results, i)));
    }
  if (error)
    c->error = g_error_copy (error);
}

static gboolean
call_done (gpointer data)
{
  return ((Call *) data)->done;
}

/* Runs @n statements and waits for the answer (at most 30 s). */
static void
run (Fixture *f, Call *c, const OccStoreStatement *st, guint n, OccStoreFlags flags)
{
  call_clear (c);
  f->store->execute (f->store, st, n, flags, NULL, on_done, c);
  c->returned = TRUE;
  g_assert_true (occ_test_wait_for (call_done, c, 30000));
  g_assert_false (c->early);
}

static OccStoreResult *
run1 (Fixture *f, Call *c, const char *sql, GVariant *params)
{
  OccStoreStatement st = { sql, params };
  run (f, c, &st, 1, OCC_STORE_FLAGS_NONE);
  if (c->error)
    return NULL;
  g_assert_cmpuint (c->results->len, ==, 1);
  return g_ptr_array_index (c->results, 0);
}

static gint64
count_rows (Fixture *f, const char *table)
{
  Call c = { 0 };
  g_autofree char *sql = g_strdup_printf ("SELECT COUNT(*) AS n FROM %s", table);
  OccStoreResult *r = run1 (f, &c, sql, NULL);
  g_assert_no_error (c.error);
  gint64 n = occ_store_result_get_int (r, 0, 0);
  call_clear (&c);
  return n;
}

/* --- fixture: a context with the backend loaded on a fresh database --------------- */

static gboolean
store_ready (gpointer data)
{
  Fixture *f = data;
  g_autoptr (GVariant) st = f->store->get_status (f->store);
  const char *state = NULL;
  g_variant_lookup (st, "state", "&s", &state);
  return g_strcmp0 (state, "ready") == 0;
}

static void
setup (Fixture *f, gconstpointer data)
{
  f->backend = data;
  f->dir = occ_test_mkdtemp ();
  g_autofree char *conf = g_strdup_printf ("[core]\nplugin-path=%s\ndata-dir=%s/share\n"
                                           "state-dir=state\n",
                                           PLUGIN_BUILD_DIR, SOURCE_ROOT);
  occ_test_write (f->dir, "omnicc.conf", conf);
  const char *plugin = "store-sqlite";
  if (g_str_equal (f->backend->backend, "postgres"))
    {
      g_assert_nonnull (pg);
      g_autofree char *create = g_strdup_printf ("CREATE DATABASE conf_%u", ++db_counter);
      g_autofree char *ignored = occ_test_psql (pg, create);
      g_autofree char *dsn = g_strdup_printf ("host=%s port=%d user=postgres dbname=conf_%u",
                                              pg->socket_dir, pg->port, db_counter);
      g_autofree char *pconf = g_strdup_printf ("[postgres]\ndsn=%s\n", dsn);
      occ_test_write (f->dir, "plugins.d/store-postgres.conf", pconf);
      plugin = "store-postgres";
    }
  g_autofree char *path = g_build_filename (f->dir, "omnicc.conf", NULL);
  g_autoptr (GError) e = NULL;
  OccConfig *config = occ_config_load (path, &e);
  g_assert_no_error (e);
  f->ctx = occ_context_new (config);
  occ_loader_scan (f->ctx->loader, occ_config_get_plugin_path (config));
  g_assert_true (occ_loader_load (f->ctx->loader, plugin, &e));
  g_assert_no_error (e);
  f->store = occ_registry_lookup (f->ctx->registry, OCC_STORE_SERVICE, OCC_STORE_VERSION, &e);
  g_assert_no_error (e);
  g_assert_cmpstr (f->store->get_backend (f->store), ==, f->backend->backend);
  g_assert_true (occ_test_wait_for (store_ready, f, 30000));
}

static void
teardown (Fixture *f, gconstpointer data)
{
  (void) data;
  occ_context_free (f->ctx);
  occ_test_rmtree (f->dir);
  g_free (f->dir);
}

/* --- the suite ---------------------------------------------------------------- */

static void
test_migrations_recorded (Fixture *f, gconstpointer data)
{
  (void) data;
  Call c = { 0 };
  OccStoreResult *r
      = run1 (f, &c, "SELECT version, name FROM schema_version ORDER BY version", NULL);
  g_assert_no_error (c.error);
  g_assert_cmpuint (occ_store_result_get_n_rows (r), >=, 2);
  g_assert_cmpint (occ_store_result_get_int (r, 0, 0), ==, 1);
  g_assert_cmpstr (occ_store_result_get_string (r, 0, 1), ==, "0001-initial.sql");
  g_autofree char *audit = g_strdup_printf ("0002-audit.%s.sql", f->backend->backend);
  g_assert_cmpstr (occ_store_result_get_string (r, 1, 1), ==, audit);
  g_autoptr (GVariant) st = f->store->get_status (f->store);
  gint64 version = -1;
  g_autoptr (GVariant) v = g_variant_lookup_value (st, "schema-version", NULL);
  g_assert_nonnull (v);
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_UINT32))
    version = g_variant_get_uint32 (v);
  else if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
    version = g_variant_get_int64 (v);
  else if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT32))
    version = g_variant_get_int32 (v);
  g_assert_cmpint (version, ==, (gint64) occ_store_result_get_n_rows (r));
  call_clear (&c);
  /* every table of the model is there and empty */
  const char *tables[] = { "customer", "customer_phone", "agent",      "queue",     "campaign",
                           "contact",  "interaction",    "callback",   "recording", "survey_answer",
                           "app_user", "role_grant",     "audit_entry" };
  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    g_assert_cmpint (count_rows (f, tables[i]), ==, 0);
}

static void
test_types_round_trip (Fixture *f, gconstpointer data)
{
  (void) data;
  Call c = { 0 };
  run1 (f, &c, "CREATE TABLE t (i BIGINT, r DOUBLE PRECISION, s TEXT, b INTEGER, n TEXT)", NULL);
  g_assert_no_error (c.error);
  const char *text = "Yao Kouassi — «ça marche» 😀 ' \" \\ %";
  OccStoreResult *ins = run1 (f, &c, "INSERT INTO t (i, r, s, b, n) VALUES ($1, $2, $3, $4, $5)",
                              g_variant_new ("(xdsbms)", G_MININT64 + 1, 0.1, text, TRUE, NULL));
  g_assert_no_error (c.error);
  g_assert_cmpint (occ_store_result_get_changes (ins), ==, 1);
  call_clear (&c);
  OccStoreResult *r = run1 (f, &c, "SELECT i, r, s, b, n FROM t", NULL);
  g_assert_no_error (c.error);
  g_assert_cmpuint (occ_store_result_get_n_rows (r), ==, 1);
  g_assert_cmpuint (occ_store_result_get_n_columns (r), ==, 5);
  g_assert_cmpstr (occ_store_result_get_column_name (r, 2), ==, "s");
  g_assert_cmpint (occ_store_result_find_column (r, "n"), ==, 4);
  g_assert_true (g_variant_is_of_type (occ_store_result_get (r, 0, 0), G_VARIANT_TYPE_INT64));
  g_assert_cmpint (occ_store_result_get_int (r, 0, 0), ==, G_MININT64 + 1);
  g_assert_cmpfloat (occ_store_result_get_double (r, 0, 1), ==, 0.1);
  g_assert_cmpstr (occ_store_result_get_string (r, 0, 2), ==, text);
  g_assert_cmpint (occ_store_result_get_int (r, 0, 3), ==, 1);
  g_assert_true (occ_store_result_is_null (r, 0, 4));
  g_autoptr (GVariant) row = g_variant_ref_sink (occ_store_result_row_to_vardict (r, 0));
  g_assert_false (g_variant_lookup (row, "n", "s", NULL));
  call_clear (&c);
}

static void
test_placeholders_by_number (Fixture *f, gconstpointer data)
{
  (void) data;
  Call c = { 0 };
  /* $2 before $1, $1 twice, a '$1' inside a literal that is not a placeholder */
  OccStoreResult *r = run1 (f, &c, "SELECT $2 || '-' || $1 || '-' || $1 || '$1' AS x",
                            g_variant_new ("(ss)", "a", "b"));
  g_assert_no_error (c.error);
  g_assert_cmpstr (occ_store_result_get_string (r, 0, 0), ==, "b-a-a$1");
  call_clear (&c);
}

static void
test_invalid_parameters (Fixture *f, gconstpointer data)
{
  (void) data;
  Call c = { 0 };
  run1 (f, &c, "SELECT $1, $2", g_variant_new ("(s)", "only one"));
  g_assert_error (c.error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID);
  run1 (f, &c, "SELECT $1", g_variant_new ("(v)", g_variant_new_string ("x")));
  g_assert_error (c.error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID);
  run1 (f, &c, "SELECT $1", g_variant_new ("(t)", G_MAXUINT64));
  g_assert_error (c.error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID);
  run1 (f, &c, "SELECT $1", g_variant_new_string ("not a tuple"));
  g_assert_error (c.error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID);
  call_clear (&c);
}

static void
test_errors_mapped (Fixture *f, gconstpointer data)
{
  (void) data;
  Call c = { 0 };
  run1 (f, &c, "SELEKT nonsense", NULL);
  g_assert_error (c.error, OCC_STORE_ERROR, OCC_STORE_ERROR_SQL);
  g_assert_nonnull (strstr (c.error->message, "SELEKT"));
  run1 (f, &c, "INSERT INTO queue (id, name, created_at, updated_at) VALUES ('q1', 'Sales', 1, 1)",
        NULL);
  g_assert_no_error (c.error);
  run1 (f, &c, "INSERT INTO queue (id, name, created_at, updated_at) VALUES ('q1', 'Again', 1, 1)",
        NULL);
  g_assert_error (c.error, OCC_STORE_ERROR, OCC_STORE_ERROR_CONSTRAINT);
  run1 (f, &c, "INSERT INTO queue (id, created_at, updated_at) VALUES ('q2', 1, 1)", NULL);
  g_assert_error (c.error, OCC_STORE_ERROR, OCC_STORE_ERROR_CONSTRAINT);
  g_assert_nonnull (strstr (c.error->message, "name"));
  call_clear (&c);
}

static void
test_transaction_all_or_nothing (Fixture *f, gconstpointer data)
{
  (void) data;
  Call c = { 0 };
  OccStoreStatement st[] = {
    { "INSERT INTO queue (id, name, created_at, updated_at) VALUES ($1, $2, 1, 1)",
      g_variant_new ("(ss)", "q1", "Sales") },
    { "INSERT INTO queue (id, name, created_at, updated_at) VALUES ($1, $2, 1, 1)",
      g_variant_new ("(ss)", "q2", "Support") },
    { "INSERT INTO queue (id, name, created_at, updated_at) VALUES ($1, $2, 1, 1)",
      g_variant_new ("(ss)", "q1", "Duplicate") },
  };
  run (f, &c, st, 3, OCC_STORE_TRANSACTION);
  g_assert_error (c.error, OCC_STORE_ERROR, OCC_STORE_ERROR_CONSTRAINT);
  g_assert_cmpint (count_rows (f, "queue"), ==, 0);

  /* without a transaction the first failure stops the rest; earlier stay */
  OccStoreStatement st2[] = {
    { "INSERT INTO queue (id, name, created_at, updated_at) VALUES ('a', 'A', 1, 1)", NULL },
    { "INSERT INTO queue (id, name, created_at, updated_at) VALUES ('a', 'B', 1, 1)", NULL },
    { "INSERT INTO queue (id, name, created_at, updated_at) VALUES ('c', 'C', 1, 1)", NULL },
  };
  run (f, &c, st2, 3, OCC_STORE_FLAGS_NONE);
  g_assert_error (c.error, OCC_STORE_ERROR, OCC_STORE_ERROR_CONSTRAINT);
  g_assert_cmpint (count_rows (f, "queue"), ==, 1);

  OccStoreStatement ok[] = {
    { "INSERT INTO queue (id, name, created_at, updated_at) VALUES ('x', 'X', 1, 1)", NULL },
    { "SELECT name FROM queue WHERE id = 'x'", NULL },
  };
  run (f, &c, ok, 2, OCC_STORE_TRANSACTION);
  g_assert_no_error (c.error);
  g_assert_cmpuint (c.results->len, ==, 2);
  g_assert_cmpstr (occ_store_result_get_string (g_ptr_array_index (c.results, 1), 0, 0), ==, "X");
  call_clear (&c);
}

/* Many coalescable inserts, a few of them bad: exactly those fail. */
typedef struct {
  guint pending;
  guint ok;
  guint failed;
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
  (void) results;
  if (error)
    {
      g_assert_true (g_error_matches (error, OCC_STORE_ERROR, OCC_STORE_ERROR_CONSTRAINT));
      item->burst->failed++;
      g_hash_table_add (item->burst->failed_ids, GUINT_TO_POINTER (item->id));
    }
  else
    item->burst->ok++;
  item->burst->pending--;
  g_free (item);
}

static gboolean
burst_done_all (gpointer data)
{
  return ((Burst *) data)->pending == 0;
}

static void
test_coalesced_burst (Fixture *f, gconstpointer data)
{
  (void) data;
  const guint n = 3000;
  Burst b = { 0, 0, 0, g_hash_table_new (NULL, NULL) };
  for (guint i = 0; i < n; i++)
    {
      /* every 500th reuses the id of the one before: a unique violation */
      guint id = (i % 500 == 499) ? i - 1 : i;
      BurstItem *item = g_new0 (BurstItem, 1);
      item->burst = &b;
      item->id = i;
      g_autofree char *sid = g_strdup_printf ("i-%06u", id);
      b.pending++;
      occ_store_execute1 (f->store,
                          "INSERT INTO interaction (id, channel, direction, offered_at, "
                          "created_at, updated_at) VALUES ($1, 'voice', 'inbound', $2, $2, $2)",
                          g_variant_new ("(sx)", sid, (gint64) i), OCC_STORE_COALESCE, burst_done,
                          item);
    }
  g_assert_true (occ_test_wait_for (burst_done_all, &b, 60000));
  g_assert_cmpuint (b.failed, ==, n / 500);
  g_assert_cmpuint (b.ok, ==, n - n / 500);
  /* separate calls may run in any order (a pool runs them side by side):
   * of each pair sharing an id, exactly one failed */
  for (guint i = 499; i < n; i += 500)
    g_assert_true (g_hash_table_contains (b.failed_ids, GUINT_TO_POINTER (i))
                   != g_hash_table_contains (b.failed_ids, GUINT_TO_POINTER (i - 1)));
  g_assert_cmpint (count_rows (f, "interaction"), ==, n - n / 500);
  g_hash_table_unref (b.failed_ids);
}

/* Streams: batches arrive, memory stays bounded, a stop cancels. */
typedef struct {
  guint64 rows;
  guint batches;
  guint max_batch;
  guint64 stop_after;
  gboolean done;
  GError *error;
} Stream;

static gboolean
stream_rows (OccStoreResult *batch, gpointer data)
{
  Stream *s = data;
  guint n = occ_store_result_get_n_rows (batch);
  s->rows += n;
  s->batches++;
  s->max_batch = MAX (s->max_batch, n);
  return s->stop_after == 0 || s->rows < s->stop_after;
}

static void
stream_done (GPtrArray *results, const GError *error, gpointer data)
{
  Stream *s = data;
  (void) results;
  s->done = TRUE;
  if (error)
    s->error = g_error_copy (error);
}

static gboolean
stream_finished (gpointer data)
{
  return ((Stream *) data)->done;
}

static void
fill_numbers (Fixture *f, guint n)
{
  Call c = { 0 };
  run1 (f, &c, "CREATE TABLE numbers (n BIGINT PRIMARY KEY, label TEXT)", NULL);
  g_assert_no_error (c.error);
  /* a recursive CTE fills the table on both backends */
  run1 (f, &c,
        "INSERT INTO numbers (n, label) WITH RECURSIVE seq (k) AS (SELECT 1 UNION ALL "
        "SELECT k + 1 FROM seq WHERE k < $1) SELECT k, 'row ' || k FROM seq",
        g_variant_new ("(x)", (gint64) n));
  g_assert_no_error (c.error);
  call_clear (&c);
}

static void
test_stream (Fixture *f, gconstpointer data)
{
  (void) data;
  fill_numbers (f, 50000);
  Stream s = { 0 };
  OccStoreStatement st = { "SELECT n, label FROM numbers ORDER BY n", NULL };
  f->store->stream (f->store, &st, 1000, NULL, stream_rows, stream_done, &s);
  g_assert_true (occ_test_wait_for (stream_finished, &s, 60000));
  g_assert_no_error (s.error);
  g_assert_cmpuint (s.rows, ==, 50000);
  g_assert_cmpuint (s.batches, >=, 25); /* never the whole result at once */
  g_assert_cmpuint (s.max_batch, <=, 2000);

  Stream stop = { .stop_after = 5000 };
  f->store->stream (f->store, &st, 1000, NULL, stream_rows, stream_done, &stop);
  g_assert_true (occ_test_wait_for (stream_finished, &stop, 60000));
  g_assert_error (stop.error, OCC_STORE_ERROR, OCC_STORE_ERROR_CANCELLED);
  g_assert_cmpuint (stop.rows, <, 50000);
  g_clear_error (&stop.error);
}

static void
test_backup (Fixture *f, gconstpointer data)
{
  (void) data;
  fill_numbers (f, 1000);
  Call c = { 0 };
  g_autofree char *path = g_build_filename (f->dir, "backup.db", NULL);
  f->store->backup (f->store, path, on_done, &c);
  c.returned = TRUE;
  g_assert_true (occ_test_wait_for (call_done, &c, 60000));
  g_assert_no_error (c.error);
  GStatBuf st;
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, 1000);
  call_clear (&c);
}

static void
test_cancel_before_start (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  Call c = { 0 };
  OccStoreStatement st = { "SELECT 1", NULL };
  f->store->execute (f->store, &st, 1, OCC_STORE_FLAGS_NONE, cancel, on_done, &c);
  c.returned = TRUE;
  g_assert_true (occ_test_wait_for (call_done, &c, 30000));
  g_assert_error (c.error, OCC_STORE_ERROR, OCC_STORE_ERROR_CANCELLED);
  call_clear (&c);
}

static void
test_large_text_and_utf8 (Fixture *f, gconstpointer data)
{
  (void) data;
  Call c = { 0 };
  run1 (f, &c, "CREATE TABLE big (s TEXT)", NULL);
  g_autoptr (GString) s = g_string_new (NULL);
  for (int i = 0; i < 100000; i++)
    g_string_append (s, "é0123456");
  run1 (f, &c, "INSERT INTO big (s) VALUES ($1)", g_variant_new ("(s)", s->str));
  g_assert_no_error (c.error);
  OccStoreResult *r = run1 (f, &c, "SELECT s FROM big", NULL);
  g_assert_no_error (c.error);
  g_assert_cmpstr (occ_store_result_get_string (r, 0, 0), ==, s->str);
  call_clear (&c);
}

static void
add_suite (const char *name, const Backend *b)
{
#define ADD(path, fn)                                                    \
  do                                                                     \
    {                                                                    \
      g_autofree char *p = g_strdup_printf ("/store/%s/%s", name, path); \
      g_test_add (p, Fixture, b, setup, fn, teardown);                   \
    }                                                                    \
  while (0)
  ADD ("migrations/applied-and-recorded", test_migrations_recorded);
  ADD ("execute/types-round-trip", test_types_round_trip);
  ADD ("execute/placeholders-by-number", test_placeholders_by_number);
  ADD ("execute/invalid-parameters-refused", test_invalid_parameters);
  ADD ("execute/errors-mapped", test_errors_mapped);
  ADD ("execute/transaction-all-or-nothing", test_transaction_all_or_nothing);
  ADD ("execute/coalesced-burst-fails-only-bad-rows", test_coalesced_burst);
  ADD ("execute/cancelled-before-start", test_cancel_before_start);
  ADD ("execute/large-text-and-utf8", test_large_text_and_utf8);
  ADD ("stream/batches-and-stop", test_stream);
  ADD ("backup/writes-a-copy", test_backup);
#undef ADD
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* plugins warn (e.g. about an unreachable database); that is their job */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  add_suite ("sqlite", &sqlite_backend);
  pg = occ_test_postgres_start ();
  if (pg == NULL)
    g_error ("the PostgreSQL server for the conformance suite did not start");
  add_suite ("postgres", &postgres_backend);
  int status = g_test_run ();
  occ_test_postgres_stop (pg);
  return status;
}
