/* eventlog: appends bus events, as JSON lines, to a file in the state
 * folder, rotating it by size. A plain journal of what happened on the
 * bus, for troubleshooting and for tools that tail it.
 *
 * Config (plugins.d/eventlog.conf):
 *   [eventlog]
 *   path=events.jsonl     relative to the state folder
 *   pattern=*             which events (a type, a prefix.*, or *)
 * Retention comes from the "retention" policy, group [eventlog]:
 *   max-size=BYTES, keep=N rotated files.
 */
#include <omnicc/omnicc.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

typedef struct {
  OccPlugin *plugin;
  char *path;
  char *pattern;
  guint sub;
  GFileOutputStream *file;
  GBufferedOutputStream *out;
  goffset size;
  goffset max_size;
  int keep;
  guint64 written;
  guint flush_timer;
} EventLog;

static const OccConfigKey schema[]
    = { { "eventlog", "path", OCC_CONFIG_STRING, 0, 0,
          "File the events are appended to, relative to the state folder (default events.jsonl)." },
        { "eventlog", "pattern", OCC_CONFIG_STRING, 0, 0,
          "Which events to log: a type, a prefix ending in .*, or * (default)." },
        { .group = NULL } };

static void
close_file (EventLog *log)
{
  if (log->out)
    g_output_stream_close (G_OUTPUT_STREAM (log->out), NULL, NULL);
  g_clear_object (&log->out);
  g_clear_object (&log->file);
}

static gboolean
open_file (EventLog *log, GError **error)
{
  g_autoptr (GFile) f = g_file_new_for_path (log->path);
  g_autoptr (GFile) dir = g_file_get_parent (f);
  g_autoptr (GError) e = NULL;
  if (!g_file_make_directory_with_parents (dir, NULL, &e)
      && !g_error_matches (e, G_IO_ERROR, G_IO_ERROR_EXISTS))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&e), "%s: ", log->path);
      return FALSE;
    }
  log->file = g_file_append_to (f, G_FILE_CREATE_NONE, NULL, error);
  if (log->file == NULL)
    {
      g_prefix_error (error, "%s: ", log->path);
      return FALSE;
    }
  g_autoptr (GFileInfo) info
      = g_file_query_info (f, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE, NULL, NULL);
  log->size = info ? g_file_info_get_size (info) : 0;
  log->out = G_BUFFERED_OUTPUT_STREAM (
      g_buffered_output_stream_new_sized (G_OUTPUT_STREAM (log->file), 64 * 1024));
  return TRUE;
}

/* events.jsonl -> events.jsonl.1 -> … -> events.jsonl.<keep> (dropped) */
static void
rotate (EventLog *log)
{
  close_file (log);
  for (int i = log->keep; i >= 1; i--)
    {
      g_autofree char *from
          = i == 1 ? g_strdup (log->path) : g_strdup_printf ("%s.%d", log->path, i - 1);
      g_autofree char *to = g_strdup_printf ("%s.%d", log->path, i);
      g_rename (from, to);
    }
  if (log->keep == 0)
    g_unlink (log->path);
  g_autoptr (GError) e = NULL;
  if (!open_file (log, &e))
    g_warning ("cannot reopen the event log: %s", e->message);
}

static void
on_event (const OccEvent *event, gpointer data)
{
  EventLog *log = data;
  if (log->out == NULL)
    return;
  g_autofree char *json = occ_event_to_json (event);
  gsize len = strlen (json);
  g_autoptr (GError) e = NULL;
  if (!g_output_stream_write_all (G_OUTPUT_STREAM (log->out), json, len, NULL, NULL, &e)
      || !g_output_stream_write_all (G_OUTPUT_STREAM (log->out), "\n", 1, NULL, NULL, &e))
    {
      g_warning ("event log %s: %s; logging stops until reconfigured", log->path, e->message);
      close_file (log);
      return;
    }
  log->size += len + 1;
  log->written++;
  if (log->max_size > 0 && log->size >= log->max_size)
    rotate (log);
}

static gboolean
flush_tick (gpointer data)
{
  EventLog *log = data;
  if (log->out)
    g_output_stream_flush (G_OUTPUT_STREAM (log->out), NULL, NULL);
  return G_SOURCE_CONTINUE;
}

static void
cmd_status (OccControlCall *call, GVariant *args, gpointer data)
{
  (void) args;
  EventLog *log = data;
  flush_tick (log);
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "path", g_variant_new_string (log->path));
  g_variant_builder_add (&b, "{sv}", "pattern", g_variant_new_string (log->pattern));
  g_variant_builder_add (&b, "{sv}", "events-written", g_variant_new_uint64 (log->written));
  g_variant_builder_add (&b, "{sv}", "size", g_variant_new_int64 (log->size));
  g_variant_builder_add (&b, "{sv}", "max-size", g_variant_new_int64 (log->max_size));
  g_variant_builder_add (&b, "{sv}", "keep", g_variant_new_int32 (log->keep));
  occ_control_call_return (call, g_variant_builder_end (&b));
}

/* Reads path and pattern from @config, resolving the path. */
static void
read_config (OccPlugin *plugin, GKeyFile *config, char **path, char **pattern)
{
  g_autofree char *p = g_key_file_get_string (config, "eventlog", "path", NULL);
  *pattern = g_key_file_get_string (config, "eventlog", "pattern", NULL);
  if (*pattern == NULL)
    *pattern = g_strdup ("*");
  if (p == NULL)
    p = g_strdup ("events.jsonl");
  *path = g_path_is_absolute (p) ? g_steal_pointer (&p)
                                 : g_build_filename (occ_plugin_get_state_dir (plugin), p, NULL);
}

static void
read_policy (EventLog *log)
{
  log->max_size = 64 * 1024 * 1024;
  log->keep = 5;
  g_autoptr (GError) e = NULL;
  g_autoptr (GKeyFile) policy = occ_plugin_get_policy (log->plugin, "retention", &e);
  if (policy == NULL)
    {
      g_message ("no retention policy (%s); keeping %d files of %" G_GOFFSET_FORMAT " bytes",
                 e->message, log->keep, log->max_size);
      return;
    }
  if (g_key_file_has_key (policy, "eventlog", "max-size", NULL))
    log->max_size = g_key_file_get_int64 (policy, "eventlog", "max-size", NULL);
  if (g_key_file_has_key (policy, "eventlog", "keep", NULL))
    log->keep = CLAMP (g_key_file_get_integer (policy, "eventlog", "keep", NULL), 0, 1000);
}

static OccLoadResult
eventlog_load (OccPlugin *plugin, GError **error)
{
  EventLog *log = g_new0 (EventLog, 1);
  log->plugin = plugin;
  occ_plugin_set_user_data (plugin, log);
  read_config (plugin, occ_plugin_get_config (plugin), &log->path, &log->pattern);
  read_policy (log);
  if (!open_file (log, error))
    return OCC_LOAD_FAILED;
  log->sub = occ_bus_subscribe (occ_plugin_get_bus (plugin), plugin, log->pattern, on_event, log,
                                NULL, error);
  if (log->sub == 0)
    return OCC_LOAD_FAILED;
  if (!occ_control_add_command_full (plugin, "eventlog.status",
                                     "Where the event log is and how big", "system.status",
                                     OCC_CONTROL_FLAGS_NONE, cmd_status, log, NULL, error))
    return OCC_LOAD_FAILED;
  log->flush_timer = occ_plugin_timeout_add (plugin, 1000, flush_tick, log, NULL);
  return OCC_LOAD_OK;
}

static void
eventlog_unload (OccPlugin *plugin)
{
  EventLog *log = occ_plugin_get_user_data (plugin);
  if (log == NULL)
    return;
  close_file (log);
  g_free (log->path);
  g_free (log->pattern);
  g_free (log);
}

static gboolean
eventlog_reconfigure (OccPlugin *plugin, GKeyFile *config, GError **error)
{
  EventLog *log = occ_plugin_get_user_data (plugin);
  g_autofree char *path = NULL, *pattern = NULL;
  read_config (plugin, config, &path, &pattern);
  OccBus *bus = occ_plugin_get_bus (plugin);
  /* subscribe first: a bad pattern refuses the whole change */
  guint sub = occ_bus_subscribe (bus, plugin, pattern, on_event, log, NULL, error);
  if (sub == 0)
    return FALSE;
  if (strcmp (path, log->path) != 0)
    {
      g_autofree char *old = log->path;
      close_file (log);
      log->path = g_strdup (path);
      if (!open_file (log, error))
        {
          occ_bus_unsubscribe (bus, sub);
          g_free (log->path);
          log->path = g_steal_pointer (&old);
          g_autoptr (GError) e = NULL;
          open_file (log, &e);
          return FALSE;
        }
    }
  occ_bus_unsubscribe (bus, log->sub);
  log->sub = sub;
  g_free (log->pattern);
  log->pattern = g_steal_pointer (&pattern);
  read_policy (log);
  return TRUE;
}

OCC_PLUGIN_DEFINE (.name = "eventlog", .version = "1.0",
                   .summary = "Writes bus events to a JSON-lines file, rotated by size",
                   .license = "GPL-3.0-or-later", .config_schema = schema, .load = eventlog_load,
                   .unload = eventlog_unload, .reconfigure = eventlog_reconfigure);
