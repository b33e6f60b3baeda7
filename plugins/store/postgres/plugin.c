/* store-postgres: the "store" service on PostgreSQL, for production sites
 * and for several nodes sharing one database. See README.md beside this
 * file for the configuration and the behaviour.
 *
 * Everything runs on the main loop and nothing blocks it: connections are
 * made with PQconnectStartParams/PQconnectPoll, queries are sent and read
 * in non-blocking pipeline mode, each connection watched by a GSource on
 * its socket (conn.c). Jobs wait in one FIFO queue (pool.c) and go in
 * batches to the least busy connection.
 *
 * When the database goes away:
 *  - jobs not yet sent are HELD, in order, and sent once a connection is
 *    back; a job held longer than hold-timeout, or arriving when max-held
 *    statements already wait, fails with OCC_STORE_ERROR_UNAVAILABLE —
 *    nothing is ever dropped silently;
 *  - jobs IN FLIGHT when their connection breaks fail with
 *    OCC_STORE_ERROR_CONNECTION_LOST ("outcome unknown") and are NOT
 *    retried here: the server may have committed a write before the
 *    connection broke, and running it again could apply it twice. Only
 *    the caller knows whether its write is idempotent, so the caller
 *    decides (check, then retry).
 * The one re-run the plugin does itself is safe by construction: when a
 * coalesced batch fails, its transaction was rolled back, and each job is
 * run again alone so that one bad write does not fail the others. */
#include "pgstore.h"

#include <string.h>

static const OccConfigKey schema[]
    = { { "postgres", "dsn", OCC_CONFIG_STRING, 0, 0,
          "libpq connection string or URI of the site database; without it the plugin declines and "
          "store-sqlite serves." },
        { "postgres", "pool-size", OCC_CONFIG_INT, 1, 32, "Connections kept open (default 4)." },
        { "postgres", "connect-timeout", OCC_CONFIG_INT, 1, 300,
          "Seconds a connection attempt may take (default 5)." },
        { "postgres", "hold-timeout", OCC_CONFIG_INT, 0, 3600,
          "Seconds a statement is held while the database is unreachable before it fails "
          "(default 30; 0 fails at once)." },
        { "postgres", "max-held", OCC_CONFIG_INT, 0, 10000000,
          "Statements held at most while the database is unreachable; more fail at once (default "
          "100000)." },
        { "postgres", "pipeline-depth", OCC_CONFIG_INT, 1, 4096,
          "Jobs a connection has in flight at most (default 256)." },
        { "postgres", "reconnect-max", OCC_CONFIG_INT, 1, 300,
          "Longest wait in seconds between reconnection attempts (default 30); waits start at "
          "100 ms and double." },
        { .group = NULL } };

PgStore *
pg_store_from_iface (const OccStoreService *iface)
{
  return (PgStore *) iface;
}

static int
get_int (GKeyFile *kf, const char *key, int fallback)
{
  if (!g_key_file_has_key (kf, "postgres", key, NULL))
    return fallback;
  return (int) g_key_file_get_int64 (kf, "postgres", key, NULL);
}

/* --- the service ------------------------------------------------------------------ */

static const char *
store_get_backend (const OccStoreService *self)
{
  (void) self;
  return "postgres";
}

/* Why a new job cannot be queued now, or NULL. */
static GError *
refusal (PgStore *s, guint statements)
{
  if (s->fatal)
    return g_error_copy (s->fatal);
  if (s->closing)
    return g_error_new (OCC_STORE_ERROR, OCC_STORE_ERROR_UNAVAILABLE, "store stopping");
  if (pg_pool_conns_up (s) == 0 && s->queued_statements + statements > (guint) s->cfg.max_held)
    return g_error_new (OCC_STORE_ERROR, OCC_STORE_ERROR_UNAVAILABLE,
                        "database unreachable: %u statements already waiting (max-held)",
                        s->queued_statements);
  return NULL;
}

static PgJob *
job_new (PgStore *s, const OccStoreStatement *statements, guint n, OccStoreFlags flags,
         GCancellable *cancellable, OccStoreCallback callback, gpointer user_data, GError **error)
{
  PgJob *job = g_new0 (PgJob, 1);
  job->store = s;
  job->flags = flags;
  job->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  job->callback = callback;
  job->user_data = user_data;
  job->results = g_ptr_array_new_with_free_func ((GDestroyNotify) occ_store_result_unref);
  /* every floating parameter is sunk, even when the job is refused */
  g_autoptr (GPtrArray) params = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  for (guint i = 0; i < n; i++)
    if (statements[i].params)
      g_ptr_array_add (params, g_variant_ref_sink (statements[i].params));
  if (n == 0)
    {
      g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID, "no statement given");
      return job;
    }
  job->sql = g_new0 (char *, n);
  job->keys = g_new0 (char *, n);
  job->params = g_new0 (PgParams, n);
  for (guint i = 0; i < n; i++)
    {
      if (statements[i].sql == NULL || !g_utf8_validate (statements[i].sql, -1, NULL))
        {
          g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID,
                       "statement[%u]: the SQL is missing or not UTF-8", i);
          return job;
        }
      job->n = i + 1;
      job->sql[i] = g_strdup (statements[i].sql);
      if (!pg_params_build (&job->params[i], job->sql[i], statements[i].params, i, error))
        return job;
      job->keys[i] = g_strconcat (job->params[i].signature, "\x1f", job->sql[i], NULL);
    }
  return job;
}

static void
store_execute (const OccStoreService *self, const OccStoreStatement *statements, guint n,
               OccStoreFlags flags, GCancellable *cancellable, OccStoreCallback callback,
               gpointer user_data)
{
  PgStore *s = pg_store_from_iface (self);
  GError *e = NULL;
  PgJob *job = job_new (s, statements, n, flags, cancellable, callback, user_data, &e);
  if (e == NULL)
    e = refusal (s, n);
  if (e == NULL && cancellable && g_cancellable_is_cancelled (cancellable))
    e = g_error_new (OCC_STORE_ERROR, OCC_STORE_ERROR_CANCELLED, "cancelled before it was sent");
  if (e)
    pg_pool_defer (s, job, e);
  else
    pg_pool_enqueue (s, job);
}

/* A stream refused before it starts is reported as a job with no rows. */
static void
refuse_stream (PgStore *s, OccStoreCallback done, gpointer user_data, GError *error)
{
  PgJob *job = g_new0 (PgJob, 1);
  job->callback = done;
  job->user_data = user_data;
  pg_pool_defer (s, job, error);
}

static void
store_stream (const OccStoreService *self, const OccStoreStatement *statement, guint batch_rows,
              GCancellable *cancellable, OccStoreRowsFunc rows, OccStoreCallback done,
              gpointer user_data)
{
  PgStore *s = pg_store_from_iface (self);
  g_autoptr (GVariant) params = statement->params ? g_variant_ref_sink (statement->params) : NULL;
  GError *e = NULL;
  PgStream *st = g_new0 (PgStream, 1);
  st->store = s;
  st->batch_rows = batch_rows ? batch_rows : 1000;
  st->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  st->rows = rows;
  st->done = done;
  st->user_data = user_data;
  if (statement->sql == NULL || !g_utf8_validate (statement->sql, -1, NULL))
    e = g_error_new (OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID,
                     "statement[0]: the SQL is missing or not UTF-8");
  else
    {
      st->sql = g_strdup (statement->sql);
      pg_params_build (&st->params, st->sql, params, 0, &e);
    }
  if (e == NULL)
    e = refusal (s, 1);
  if (e == NULL && cancellable && g_cancellable_is_cancelled (cancellable))
    e = g_error_new (OCC_STORE_ERROR, OCC_STORE_ERROR_CANCELLED, "cancelled before it started");
  if (e)
    {
      pg_stream_free (st);
      refuse_stream (s, done, user_data, e);
      return;
    }
  pg_pool_enqueue_stream (s, st);
}

static void
store_backup (const OccStoreService *self, const char *path, OccStoreCallback done,
              gpointer user_data)
{
  PgStore *s = pg_store_from_iface (self);
  GError *e = s->closing
                  ? g_error_new (OCC_STORE_ERROR, OCC_STORE_ERROR_UNAVAILABLE, "store stopping")
              : path == NULL || *path == '\0'
                  ? g_error_new (OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID, "no backup path given")
                  : NULL;
  if (e)
    {
      refuse_stream (s, done, user_data, e);
      return;
    }
  pg_backup_start (s, path, done, user_data);
}

static GVariant *
store_get_status (const OccStoreService *self)
{
  PgStore *s = pg_store_from_iface (self);
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  gint64 outage = s->outage_since ? g_get_monotonic_time () - s->outage_since : 0;
#define ADD(key, value) g_variant_builder_add (&b, "{sv}", key, value)
  ADD ("backend", g_variant_new_string ("postgres"));
  ADD ("state", g_variant_new_string (pg_state_name (s->state)));
  ADD ("schema-version", g_variant_new_uint32 (s->schema_version));
  ADD ("server", g_variant_new_string (s->display));
  ADD ("connections-up", g_variant_new_uint32 (pg_pool_conns_up (s)));
  ADD ("pool-size", g_variant_new_uint32 ((guint32) s->cfg.pool_size));
  ADD ("held", g_variant_new_uint32 (s->queued_statements));
  ADD ("in-flight", g_variant_new_uint32 (pg_pool_in_flight (s)));
  ADD ("reconnects", g_variant_new_uint64 (s->reconnects));
  ADD ("coalesced", g_variant_new_uint64 (s->coalesced));
  ADD ("coalesce-retried", g_variant_new_uint64 (s->retried));
  ADD ("executed", g_variant_new_uint64 (s->executed));
  ADD ("outage-seconds", g_variant_new_double ((double) outage / G_USEC_PER_SEC));
  if (s->reason && s->state != PG_STATE_READY)
    ADD ("reason", g_variant_new_string (s->reason));
#undef ADD
  return g_variant_builder_end (&b);
}

static void
cmd_status (OccControlCall *call, GVariant *args, gpointer data)
{
  (void) args;
  PgStore *s = data;
  occ_control_call_return (call, store_get_status (&s->iface));
}

static void
on_stopping (const OccEvent *event, gpointer data)
{
  (void) event;
  pg_pool_stopping (data);
}

/* --- load and unload --------------------------------------------------------------- */

static void
store_free (PgStore *s)
{
  if (s->conns)
    {
      for (guint i = 0; i < s->conns->len; i++)
        pg_conn_free (g_ptr_array_index (s->conns, i));
      g_ptr_array_unref (s->conns);
    }
  if (s->pool_source)
    {
      g_source_destroy (s->pool_source);
      g_source_unref (s->pool_source);
    }
  g_clear_pointer (&s->backups, g_ptr_array_unref);
  g_clear_pointer (&s->workers, g_ptr_array_unref);
  g_clear_pointer (&s->migrations, g_ptr_array_unref);
  g_clear_error (&s->fatal);
  g_free (s->reason);
  g_free (s->display);
  g_free (s->cfg.dsn);
  g_free (s);
}

static gboolean
read_config (OccPlugin *plugin, PgConfig *cfg, char **display, GError **error)
{
  GKeyFile *kf = occ_plugin_get_config (plugin);
  g_autofree char *dsn = g_key_file_get_string (kf, "postgres", "dsn", NULL);
  if (dsn == NULL || *g_strstrip (dsn) == '\0')
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                   "no dsn configured; the SQLite store serves");
      return FALSE;
    }
  if (!pg_conninfo_check (dsn, display, error))
    return FALSE;
  cfg->dsn = g_steal_pointer (&dsn);
  cfg->pool_size = get_int (kf, "pool-size", 4);
  cfg->connect_timeout = get_int (kf, "connect-timeout", 5);
  cfg->hold_timeout = get_int (kf, "hold-timeout", 30);
  cfg->max_held = get_int (kf, "max-held", 100000);
  cfg->pipeline_depth = get_int (kf, "pipeline-depth", 256);
  cfg->reconnect_max = get_int (kf, "reconnect-max", 30);
  return TRUE;
}

static OccLoadResult
pg_load (OccPlugin *plugin, GError **error)
{
  PgConfig cfg = { 0 };
  g_autofree char *display = NULL;
  g_autoptr (GError) e = NULL;
  if (!read_config (plugin, &cfg, &display, &e))
    {
      gboolean declined = g_error_matches (e, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND);
      g_propagate_error (error, g_steal_pointer (&e));
      return declined ? OCC_LOAD_DECLINED : OCC_LOAD_FAILED;
    }
  g_autofree char *sql_dir = g_build_filename (occ_plugin_get_data_dir (plugin), "sql", NULL);
  GPtrArray *migrations = occ_migrations_load (sql_dir, "postgres", error);
  if (migrations == NULL)
    {
      g_free (cfg.dsn);
      return OCC_LOAD_FAILED;
    }

  PgStore *s = g_new0 (PgStore, 1);
  s->iface.header = (OccServiceHeader) OCC_SERVICE_HEADER (OccStoreService, OCC_STORE_VERSION);
  s->iface.get_backend = store_get_backend;
  s->iface.execute = store_execute;
  s->iface.stream = store_stream;
  s->iface.backup = store_backup;
  s->iface.get_status = store_get_status;
  s->plugin = plugin;
  s->cfg = cfg;
  s->display = g_steal_pointer (&display);
  s->migrations = migrations;
  s->latest_version = occ_migrations_latest (migrations);
  s->backups = g_ptr_array_new ();
  s->workers = g_ptr_array_new ();
  pg_pool_init (s);
  s->conns = g_ptr_array_new ();
  for (int i = 0; i < cfg.pool_size; i++)
    g_ptr_array_add (s->conns, pg_conn_new (s, (guint) i));

  OccBus *bus = occ_plugin_get_bus (plugin);
  if (occ_bus_subscribe (bus, plugin, OCC_EVENT_CORE_STOPPING, on_stopping, s, NULL, error) == 0
      || !occ_control_add_command_full (
          plugin, "store.status", "State of the store's database, its connections and queue",
          "system.status", OCC_CONTROL_FLAGS_NONE, cmd_status, s, NULL, error)
      || !occ_service_provide (plugin, OCC_STORE_SERVICE, &s->iface, error))
    {
      /* unload() is not called after a failed load: free here */
      store_free (s);
      return OCC_LOAD_FAILED;
    }
  occ_plugin_set_user_data (plugin, s);
  g_message ("PostgreSQL store for %s: %d connections, schema version %u expected", s->display,
             cfg.pool_size, s->latest_version);
  pg_pool_publish_state (s); /* "connecting" */
  for (guint i = 0; i < s->conns->len; i++)
    pg_conn_start (g_ptr_array_index (s->conns, i));
  return OCC_LOAD_OK;
}

static void
pg_unload (OccPlugin *plugin)
{
  PgStore *s = occ_plugin_get_user_data (plugin);
  if (s == NULL)
    return;
  occ_service_withdraw (plugin, OCC_STORE_SERVICE);
  pg_pool_shutdown (s);
  if (s->holding)
    occ_plugin_release (plugin);
  store_free (s);
}

OCC_PLUGIN_DEFINE (.name = "store-postgres", .version = "1.0",
                   .summary = "The store service on PostgreSQL (libpq, pooled and pipelined)",
                   .license = "GPL-3.0-or-later", .provides = OCC_LIST ("store"),
                   .config_schema = schema, .load = pg_load, .unload = pg_unload);
