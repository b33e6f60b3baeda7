/* Shared helpers of the store-sqlite tests; see store-fixture.h. */
#include "store-fixture.h"

#include <unistd.h>

static GThread *main_thread;

static void
on_state (const OccEvent *e, gpointer data)
{
  TfStore *f = data;
  g_ptr_array_add (f->states, g_variant_print (occ_event_get_payload (e), FALSE));
}

void
tf_init (TfStore *f, const char *plugin_conf, const char *data_dir)
{
  memset (f, 0, sizeof *f);
  f->dir = occ_test_mkdtemp ();
  g_autofree char *share = g_build_filename (SOURCE_ROOT, "share", NULL);
  g_autofree char *conf
      = g_strdup_printf ("[core]\nplugin-path=%s\ndata-dir=%s\nstate-dir=state\ndrain-timeout=30\n",
                         PLUGIN_BUILD_DIR, data_dir ? data_dir : share);
  occ_test_write (f->dir, "omnicc.conf", conf);
  if (plugin_conf)
    occ_test_write (f->dir, "plugins.d/store-sqlite.conf", plugin_conf);
  g_autofree char *path = g_build_filename (f->dir, "omnicc.conf", NULL);
  g_autoptr (GError) e = NULL;
  OccConfig *config = occ_config_load (path, &e);
  g_assert_no_error (e);
  f->ctx = occ_context_new (config);
  f->states = g_ptr_array_new_with_free_func (g_free);
  occ_bus_subscribe (f->ctx->bus, NULL, OCC_EVENT_STORE_STATE, on_state, f, NULL, NULL);
  occ_loader_scan (f->ctx->loader, occ_config_get_plugin_path (config));
}

gboolean
tf_load (TfStore *f, GError **error)
{
  if (!occ_loader_load (f->ctx->loader, "store-sqlite", error))
    return FALSE;
  f->store = occ_registry_lookup (f->ctx->registry, OCC_STORE_SERVICE, OCC_STORE_VERSION, error);
  occ_bus_flush (f->ctx->bus);
  return f->store != NULL;
}

void
tf_clear (TfStore *f)
{
  occ_context_free (f->ctx);
  g_ptr_array_unref (f->states);
  occ_test_rmtree (f->dir);
  g_free (f->dir);
}

char *
tf_db_path (TfStore *f)
{
  return g_build_filename (f->dir, "state", "omnicc.db", NULL);
}

sqlite3 *
tf_open_db (const char *path)
{
  sqlite3 *db = NULL;
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  return db;
}

char *
tf_db_text (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  char *text = NULL;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return text;
}

void
tf_call_clear (TfCall *c)
{
  g_clear_pointer (&c->results, g_ptr_array_unref);
  g_clear_error (&c->error);
  memset (c, 0, sizeof *c);
}

void
tf_call_done (GPtrArray *results, const GError *error, gpointer data)
{
  TfCall *c = data;
  g_assert_false (c->done); /* exactly once */
  c->done = TRUE;
  c->early = !c->returned;
  c->off_main = g_thread_self () != main_thread;
  g_assert_true ((results == NULL) != (error == NULL));
  if (results)
    c->results = g_ptr_array_ref (results);
  if (error)
    c->error = g_error_copy (error);
}

gboolean
tf_call_finished (gpointer data)
{
  return ((TfCall *) data)->done;
}

void
tf_call_wait (TfCall *c)
{
  g_assert_true (occ_test_wait_for (tf_call_finished, c, 60000));
  g_assert_false (c->early);
  g_assert_false (c->off_main);
}

void
tf_run (TfStore *f, TfCall *c, const OccStoreStatement *st, guint n, OccStoreFlags flags)
{
  tf_call_clear (c);
  f->store->execute (f->store, st, n, flags, NULL, tf_call_done, c);
  c->returned = TRUE;
  tf_call_wait (c);
}

OccStoreResult *
tf_run1 (TfStore *f, TfCall *c, const char *sql, GVariant *params)
{
  OccStoreStatement st = { sql, params };
  tf_run (f, c, &st, 1, OCC_STORE_FLAGS_NONE);
  if (c->error)
    return NULL;
  g_assert_cmpuint (c->results->len, ==, 1);
  return g_ptr_array_index (c->results, 0);
}

void
tf_ok (TfStore *f, const char *sql, GVariant *params)
{
  TfCall c = { 0 };
  tf_run1 (f, &c, sql, params);
  g_assert_no_error (c.error);
  tf_call_clear (&c);
}

gint64
tf_count (TfStore *f, const char *table)
{
  TfCall c = { 0 };
  g_autofree char *sql = g_strdup_printf ("SELECT COUNT(*) FROM %s", table);
  OccStoreResult *r = tf_run1 (f, &c, sql, NULL);
  g_assert_no_error (c.error);
  gint64 n = occ_store_result_get_int (r, 0, 0);
  tf_call_clear (&c);
  return n;
}

guint
tf_count_threads (void)
{
  g_autoptr (GDir) d = g_dir_open ("/proc/self/task", 0, NULL);
  g_assert_nonnull (d);
  guint n = 0;
  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

gsize
tf_rss (void)
{
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents ("/proc/self/statm", &text, NULL, NULL));
  g_auto (GStrv) fields = g_strsplit (text, " ", 3);
  return (gsize) g_ascii_strtoull (fields[1], NULL, 10) * (gsize) sysconf (_SC_PAGESIZE);
}

void
tf_test_init (int *argc, char ***argv)
{
  g_test_init (argc, argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  main_thread = g_thread_self ();
}
