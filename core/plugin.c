/* The OccPlugin handle: what a plugin reaches the core through. */
#include "plugin-private.h"
#include "bus-private.h"
#include "config.h"
#include "control.h"
#include "registry.h"

#include <string.h>

const char *
occ_plugin_state_to_string (OccPluginState state)
{
  switch (state)
    {
    case OCC_PLUGIN_AVAILABLE:
      return "available";
    case OCC_PLUGIN_LOADED:
      return "loaded";
    case OCC_PLUGIN_DECLINED:
      return "declined";
    case OCC_PLUGIN_FAILED:
      return "failed";
    }
  return "unknown";
}

const char *
occ_plugin_get_interned_name (OccPlugin *plugin)
{
  if (plugin->interned_name == NULL)
    plugin->interned_name = g_intern_string (plugin->name);
  return plugin->interned_name;
}

OccPlugin *
occ_plugin_new_builtin (OccContext *ctx, const char *name)
{
  OccPlugin *p = g_new0 (OccPlugin, 1);
  p->ctx = ctx;
  p->name = g_strdup (name);
  p->version = g_strdup (OCC_VERSION);
  p->summary = g_strdup ("built into the core");
  p->license = g_strdup ("GPL-3.0-or-later");
  p->state = OCC_PLUGIN_LOADED;
  p->builtin = TRUE;
  p->config = g_key_file_new ();
  p->sources = g_ptr_array_new_with_free_func ((GDestroyNotify) g_source_unref);
  return p;
}

void
occ_plugin_drop_registrations (OccPlugin *plugin)
{
  OccContext *ctx = plugin->ctx;
  occ_bus_drop_owner (ctx->bus, plugin);
  occ_registry_drop_owner (ctx->registry, plugin);
  if (ctx->control)
    occ_control_drop_owner (ctx->control, plugin);
  if (plugin->sources)
    {
      for (guint i = 0; i < plugin->sources->len; i++)
        g_source_destroy (g_ptr_array_index (plugin->sources, i));
      g_ptr_array_set_size (plugin->sources, 0);
    }
  if (plugin->holds > 0)
    {
      ctx->holds -= plugin->holds;
      plugin->holds = 0;
      occ_context_holds_changed (ctx);
    }
}

void
occ_plugin_free (OccPlugin *plugin)
{
  if (plugin == NULL)
    return;
  g_free (plugin->name);
  g_free (plugin->path);
  g_free (plugin->reason);
  g_free (plugin->version);
  g_free (plugin->summary);
  g_free (plugin->license);
  g_strfreev (plugin->requires);
  g_strfreev (plugin->provides);
  g_strfreev (plugin->after);
  g_clear_pointer (&plugin->config, g_key_file_unref);
  g_clear_pointer (&plugin->sources, g_ptr_array_unref);
  g_free (plugin);
}

const char *
occ_plugin_get_name (OccPlugin *plugin)
{
  g_return_val_if_fail (plugin != NULL, NULL);
  return plugin->name;
}

GKeyFile *
occ_plugin_get_config (OccPlugin *plugin)
{
  g_return_val_if_fail (plugin != NULL, NULL);
  if (plugin->config == NULL)
    plugin->config = g_key_file_new ();
  return plugin->config;
}

GKeyFile *
occ_plugin_get_policy (OccPlugin *plugin, const char *name, GError **error)
{
  g_return_val_if_fail (plugin != NULL && name != NULL, NULL);
  return occ_config_load_policy (plugin->ctx->config, name, error);
}

const char *
occ_plugin_get_state_dir (OccPlugin *plugin)
{
  g_return_val_if_fail (plugin != NULL, NULL);
  return occ_config_get_state_dir (plugin->ctx->config);
}

const char *
occ_plugin_get_data_dir (OccPlugin *plugin)
{
  g_return_val_if_fail (plugin != NULL, NULL);
  return occ_config_get_data_dir (plugin->ctx->config);
}

gpointer
occ_plugin_get_user_data (OccPlugin *plugin)
{
  g_return_val_if_fail (plugin != NULL, NULL);
  return plugin->user_data;
}

void
occ_plugin_set_user_data (OccPlugin *plugin, gpointer data)
{
  g_return_if_fail (plugin != NULL);
  plugin->user_data = data;
}

OccBus *
occ_plugin_get_bus (OccPlugin *plugin)
{
  g_return_val_if_fail (plugin != NULL, NULL);
  return plugin->ctx->bus;
}

/* Forget sources that already ended, so a plugin that adds many one-shot
 * timers does not grow the array for ever. */
static void
prune_sources (OccPlugin *plugin)
{
  for (guint i = plugin->sources->len; i > 0; i--)
    if (g_source_is_destroyed (g_ptr_array_index (plugin->sources, i - 1)))
      g_ptr_array_remove_index_fast (plugin->sources, i - 1);
}

guint
occ_plugin_attach_source (OccPlugin *plugin, GSource *source)
{
  g_return_val_if_fail (plugin != NULL && source != NULL, 0);
  if (plugin->sources->len >= 64 && (plugin->sources->len & 63) == 0)
    prune_sources (plugin);
  g_ptr_array_add (plugin->sources, g_source_ref (source));
  return g_source_attach (source, NULL);
}

guint
occ_plugin_timeout_add (OccPlugin *plugin, guint interval_ms, GSourceFunc func, gpointer data,
                        GDestroyNotify notify)
{
  g_return_val_if_fail (plugin != NULL && func != NULL, 0);
  g_autoptr (GSource) source = g_timeout_source_new (interval_ms);
  g_source_set_callback (source, func, data, notify);
  g_source_set_static_name (source, "omnicc plugin timeout");
  return occ_plugin_attach_source (plugin, source);
}

void
occ_plugin_hold (OccPlugin *plugin)
{
  g_return_if_fail (plugin != NULL);
  plugin->holds++;
  plugin->ctx->holds++;
}

void
occ_plugin_release (OccPlugin *plugin)
{
  g_return_if_fail (plugin != NULL);
  g_return_if_fail (plugin->holds > 0);
  plugin->holds--;
  plugin->ctx->holds--;
  occ_context_holds_changed (plugin->ctx);
}

gboolean
occ_plugin_is_stopping (OccPlugin *plugin)
{
  g_return_val_if_fail (plugin != NULL, FALSE);
  return plugin->ctx->stopping;
}

void
occ_plugin_request_stop (OccPlugin *plugin, int exit_status, const char *reason)
{
  g_return_if_fail (plugin != NULL && reason != NULL);
  g_autofree char *why = g_strdup_printf ("plugin %s: %s", plugin->name, reason);
  if (exit_status != 0)
    g_warning ("%s", why);
  if (plugin->ctx->exit_status == 0)
    plugin->ctx->exit_status = exit_status;
  occ_context_stop (plugin->ctx, why);
}
