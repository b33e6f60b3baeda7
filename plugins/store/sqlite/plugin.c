/* store-sqlite: the embedded default store. One SQLite file in the state
 * folder, for a small site and for `omnicc run`; store-postgres takes
 * over when it is configured (this plugin then declines).
 *
 * Config (plugins.d/store-sqlite.conf), every key optional:
 *   [sqlite]
 *   path=omnicc.db        relative to the state folder
 *   synchronous=normal    normal | full
 *   busy-timeout=5000     ms a statement waits for another process's lock
 *   readers=2             read-only connections (threads) for queries
 *
 * The main loop never touches the database: see sqlite-store.h for the
 * threads. Calls are checked here, on the main thread, and queued; their
 * callbacks come back on the main thread. A query (one SELECT, WITH or
 * VALUES without OCC_STORE_TRANSACTION) runs on a reader and is not
 * ordered after writes still queued: wait for a write's callback before
 * reading what it wrote. */
#include "sqlite-store.h"

#include <errno.h>
#include <glib/gstdio.h>

static const OccConfigKey schema[]
    = { { "sqlite", "path", OCC_CONFIG_STRING, 0, 0,
          "The database file; a relative path is under the state folder (default omnicc.db)." },
        { "sqlite", "synchronous", OCC_CONFIG_STRING, 0, 0,
          "normal (default; a power cut may lose the last commits, never the database) or full "
          "(every commit is synced to disk)." },
        { "sqlite", "busy-timeout", OCC_CONFIG_INT, 0, 600000,
          "Milliseconds a statement waits for a lock held by another process (default 5000)." },
        { "sqlite", "readers", OCC_CONFIG_INT, 1, 8,
          "Read-only connections, one thread each, running queries beside the writer "
          "(default 2)." },
        { .group = NULL } };

/* --- configuration ------------------------------------------------------------------- */

static gboolean
read_int (GKeyFile *kf, const char *key, gint64 fallback, gint64 min, gint64 max, gint64 *out,
          GError **error)
{
  *out = fallback;
  if (!g_key_file_has_key (kf, "sqlite", key, NULL))
    return TRUE;
  g_autoptr (GError) e = NULL;
  gint64 v = g_key_file_get_int64 (kf, "sqlite", key, &e);
  if (e != NULL || v < min || v > max)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[sqlite] %s: must be a number from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
                   key, min, max);
      return FALSE;
    }
  *out = v;
  return TRUE;
}

static gboolean
read_settings (OccPlugin *plugin, SqSettings *out, GError **error)
{
  GKeyFile *kf = occ_plugin_get_config (plugin);
  g_autofree char *path = g_key_file_get_string (kf, "sqlite", "path", NULL);
  g_autofree char *sync = g_key_file_get_string (kf, "sqlite", "synchronous", NULL);
  if (path != NULL && *g_strstrip (path) == '\0')
    {
      g_set_error_literal (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                           "[sqlite] path: must not be empty");
      return FALSE;
    }
  if (sync != NULL && g_ascii_strcasecmp (sync, "normal") != 0
      && g_ascii_strcasecmp (sync, "full") != 0)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[sqlite] synchronous: “%s” is neither normal nor full", sync);
      return FALSE;
    }
  gint64 busy = 0, readers = 0;
  if (!read_int (kf, "busy-timeout", 5000, 0, 600000, &busy, error)
      || !read_int (kf, "readers", 2, 1, 8, &readers, error))
    return FALSE;
  const char *name = path ? path : "omnicc.db";
  out->path = g_path_is_absolute (name)
                  ? g_canonicalize_filename (name, NULL)
                  : g_canonicalize_filename (name, occ_plugin_get_state_dir (plugin));
  out->full = sync != NULL && g_ascii_strcasecmp (sync, "full") == 0;
  out->busy_timeout = (int) busy;
  out->readers = (guint) readers;
  return TRUE;
}

/* --- the store's life ----------------------------------------------------------------- */

static SqStore *
store_new (OccPlugin *plugin)
{
  SqStore *s = g_new0 (SqStore, 1);
  s->plugin = plugin;
  s->write_queue = g_async_queue_new ();
  s->read_queue = g_async_queue_new ();
  g_mutex_init (&s->done_lock);
  g_cond_init (&s->done_cond);
  g_queue_init (&s->done);
  return s;
}

/* The workers have stopped (or never started) and delivered everything. */
static void
store_free (SqStore *s)
{
  sq_deliver_detach (s);
  /* the writer last: closing the last connection checkpoints the WAL and
   * removes it, leaving one file */
  for (guint i = s->n_workers; i > 0; i--)
    sq_conn_close (s->workers[i - 1].conn);
  g_free (s->workers);
  g_async_queue_unref (s->write_queue);
  g_async_queue_unref (s->read_queue);
  g_mutex_clear (&s->done_lock);
  g_cond_clear (&s->done_cond);
  g_free (s->settings.path);
  g_free (s);
}

static gboolean
open_database (SqStore *s, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (s->settings.path);
  if (g_mkdir_with_parents (dir, 0750) != 0)
    {
      int errsv = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv), "%s: cannot create: %s",
                   dir, g_strerror (errsv));
      return FALSE;
    }
  s->n_workers = 1 + s->settings.readers;
  s->workers = g_new0 (SqWorker, s->n_workers);
  for (guint i = 0; i < s->n_workers; i++)
    {
      s->workers[i].store = s;
      s->workers[i].writer = i == 0;
    }
  /* a local file: opening and migrating it at load is quick, and a load
   * that says OK has a database ready for the plugins loaded after it */
  s->workers[0].conn = sq_conn_open (s->settings.path, TRUE, &s->settings, &s->abort, error);
  if (s->workers[0].conn == NULL)
    return FALSE;
  g_autofree char *sql_dir = g_build_filename (occ_plugin_get_data_dir (s->plugin), "sql", NULL);
  if (!sq_migrate (s->workers[0].conn, sql_dir, s->settings.path, &s->schema_version, error))
    {
      if (g_error_matches (*error, OCC_STORE_ERROR, OCC_STORE_ERROR_SCHEMA))
        /* running on would let an older release write to a newer schema */
        occ_plugin_request_stop (s->plugin, 1, (*error)->message);
      return FALSE;
    }
  for (guint i = 1; i < s->n_workers; i++)
    {
      s->workers[i].conn = sq_conn_open (s->settings.path, FALSE, &s->settings, &s->abort, error);
      if (s->workers[i].conn == NULL)
        return FALSE;
    }
  return TRUE;
}

/* --- the service ------------------------------------------------------------------------ */

static const char *
sq_get_backend (const OccStoreService *self)
{
  (void) self;
  return "sqlite";
}

static void
sq_execute (const OccStoreService *self, const OccStoreStatement *statements, guint n,
            OccStoreFlags flags, GCancellable *cancellable, OccStoreCallback callback,
            gpointer user_data)
{
  SqStore *s = (SqStore *) self;
  g_return_if_fail (n == 0 || statements != NULL);
  sq_submit (s,
             sq_job_new (SQ_JOB_EXECUTE, statements, n, flags, cancellable, callback, user_data));
}

static void
sq_stream (const OccStoreService *self, const OccStoreStatement *statement, guint batch_rows,
           GCancellable *cancellable, OccStoreRowsFunc rows, OccStoreCallback done,
           gpointer user_data)
{
  SqStore *s = (SqStore *) self;
  SqJob *job = sq_job_new (SQ_JOB_STREAM, statement, statement ? 1 : 0, OCC_STORE_FLAGS_NONE,
                           cancellable, done, user_data);
  job->stream = sq_stream_new (batch_rows, rows);
  if (statement == NULL || rows == NULL)
    sq_job_fail (job, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID,
                 "stream() needs a statement and a rows callback");
  sq_submit (s, job);
}

/* TRUE when @path names the live database or one of its side files. */
static gboolean
is_live_database (SqStore *s, const char *path)
{
  static const char *const sidecars[] = { "", "-wal", "-shm", "-journal" };
  for (guint i = 0; i < G_N_ELEMENTS (sidecars); i++)
    {
      g_autofree char *live = g_strconcat (s->settings.path, sidecars[i], NULL);
      if (g_strcmp0 (live, path) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
sq_backup (const OccStoreService *self, const char *path, OccStoreCallback done, gpointer user_data)
{
  SqStore *s = (SqStore *) self;
  SqJob *job = sq_job_new (SQ_JOB_BACKUP, NULL, 0, OCC_STORE_FLAGS_NONE, NULL, done, user_data);
  if (path == NULL || *path == '\0')
    sq_job_fail (job, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID, "backup: no path given");
  else
    {
      job->backup_path = g_canonicalize_filename (path, occ_plugin_get_state_dir (s->plugin));
      if (is_live_database (s, job->backup_path))
        {
          g_autofree char *msg
              = g_strdup_printf ("backup: %s is the live database", job->backup_path);
          sq_job_fail (job, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID, msg);
        }
    }
  sq_submit (s, job);
}

static GVariant *
sq_get_status (const OccStoreService *self)
{
  SqStore *s = (SqStore *) self;
  gint queued = g_async_queue_length (s->write_queue) + g_async_queue_length (s->read_queue);
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "backend", g_variant_new_string ("sqlite"));
  g_variant_builder_add (&b, "{sv}", "state",
                         g_variant_new_string (s->accepting ? "ready" : "failed"));
  g_variant_builder_add (&b, "{sv}", "schema-version", g_variant_new_int64 (s->schema_version));
  g_variant_builder_add (&b, "{sv}", "path", g_variant_new_string (s->settings.path));
  g_variant_builder_add (&b, "{sv}", "queued", g_variant_new_uint32 ((guint32) MAX (queued, 0)));
  g_variant_builder_add (&b, "{sv}", "threads", g_variant_new_uint32 (s->n_workers));
  g_variant_builder_add (&b, "{sv}", "coalesced",
                         g_variant_new_uint64 (atomic_load (&s->coalesced)));
  g_variant_builder_add (&b, "{sv}", "executed", g_variant_new_uint64 (atomic_load (&s->executed)));
  g_variant_builder_add (&b, "{sv}", "stream-batches",
                         g_variant_new_uint32 (atomic_load (&s->stream_batches)));
  return g_variant_builder_end (&b);
}

static void
cmd_status (OccControlCall *call, GVariant *args, gpointer data)
{
  (void) args;
  SqStore *s = data;
  occ_control_call_return (call, sq_get_status (&s->iface));
}

static void
on_stopping (const OccEvent *event, gpointer data)
{
  (void) event;
  SqStore *s = data;
  s->daemon_stopping = TRUE;
  sq_deliver_update_hold (s);
}

/* --- load and unload ---------------------------------------------------------------------- */

static gboolean
store_served (OccPlugin *plugin)
{
  g_autoptr (GError) e = NULL;
  if (occ_service_lookup (plugin, OCC_STORE_SERVICE, 1, &e) != NULL)
    return TRUE;
  return !g_error_matches (e, OCC_SERVICE_ERROR, OCC_SERVICE_ERROR_NOT_FOUND);
}

static gboolean
start (SqStore *s, GError **error)
{
  sq_deliver_attach (s);
  if (!sq_workers_start (s, error))
    return FALSE;
  s->accepting = TRUE;
  s->iface = (OccStoreService){
    .header = OCC_SERVICE_HEADER (OccStoreService, OCC_STORE_VERSION),
    .get_backend = sq_get_backend,
    .execute = sq_execute,
    .stream = sq_stream,
    .backup = sq_backup,
    .get_status = sq_get_status,
  };
  OccBus *bus = occ_plugin_get_bus (s->plugin);
  s->stopping_sub
      = occ_bus_subscribe (bus, s->plugin, OCC_EVENT_CORE_STOPPING, on_stopping, s, NULL, error);
  return s->stopping_sub != 0
         && occ_control_add_command_full (
             s->plugin, "store.status", "The database's state, schema version and queues",
             "system.status", OCC_CONTROL_FLAGS_NONE, cmd_status, s, NULL, error)
         && occ_service_provide (s->plugin, OCC_STORE_SERVICE, &s->iface, error);
}

static void
publish_ready (SqStore *s)
{
  GVariantBuilder extra;
  g_variant_builder_init (&extra, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&extra, "{sv}", "path", g_variant_new_string (s->settings.path));
  g_variant_builder_add (&extra, "{sv}", "schema-version", g_variant_new_int64 (s->schema_version));
  g_autoptr (GError) e = NULL;
  if (occ_bus_publish (occ_plugin_get_bus (s->plugin), s->plugin, OCC_EVENT_STORE_STATE,
                       g_variant_new ("(ssa{sv})", "sqlite", "ready", &extra), &e)
      == 0)
    g_warning ("publishing store.state: %s", e->message);
}

static OccLoadResult
sq_load (OccPlugin *plugin, GError **error)
{
  if (store_served (plugin))
    {
      g_set_error_literal (error, OCC_STORE_ERROR, OCC_STORE_ERROR_UNAVAILABLE,
                           "the PostgreSQL store serves this site");
      return OCC_LOAD_DECLINED;
    }
  SqStore *s = store_new (plugin);
  if (!read_settings (plugin, &s->settings, error) || !open_database (s, error)
      || !start (s, error))
    {
      /* unload() is not called after a failed load */
      occ_service_withdraw (plugin, OCC_STORE_SERVICE);
      sq_workers_stop (s);
      store_free (s);
      return OCC_LOAD_FAILED;
    }
  occ_plugin_set_user_data (plugin, s);
  g_info ("%s: schema version %u, %u reader%s", s->settings.path, s->schema_version,
          s->settings.readers, s->settings.readers == 1 ? "" : "s");
  publish_ready (s);
  return OCC_LOAD_OK;
}

static void
sq_unload (OccPlugin *plugin)
{
  SqStore *s = occ_plugin_get_user_data (plugin);
  if (s == NULL)
    return;
  /* every job already accepted gets its callback, from here */
  sq_workers_stop (s);
  occ_service_withdraw (plugin, OCC_STORE_SERVICE);
  if (s->held)
    {
      s->held = FALSE;
      occ_plugin_release (plugin);
    }
  store_free (s);
  occ_plugin_set_user_data (plugin, NULL);
}

OCC_PLUGIN_DEFINE (.name = "store-sqlite", .version = "1.0",
                   .summary = "The embedded default store: one SQLite file, WAL, worker threads",
                   .license = "GPL-3.0-or-later", .provides = OCC_LIST ("store"),
                   .after = OCC_LIST ("plugin:store-postgres"), .config_schema = schema,
                   .load = sq_load, .unload = sq_unload);
