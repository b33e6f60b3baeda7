/* backup-folder: backup targets in local folders (see README.md). */
#include "folder-target.h"
#include "target-plugin.h"

static BkTarget *
folder_from_config (GKeyFile *config, const char *group, const char *name, guint days,
                    GError **error)
{
  g_autofree char *path = bk_target_config_string (config, group, "path", error);
  if (path == NULL)
    return NULL;
  if (!g_path_is_absolute (path))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[%s] path: “%s” is not an absolute path", group, path);
      return NULL;
    }
  return bk_folder_target_new (name, days, path);
}

static OccLoadResult
folder_load (OccPlugin *plugin, GError **error)
{
  return bk_target_plugin_load (plugin, folder_from_config, error);
}

static const OccConfigKey folder_schema[] = {
  { "target *", "path", OCC_CONFIG_STRING, 0, 0, "folder that keeps the archives (absolute)" },
  BK_TARGET_SCHEMA_COMMON,
  { NULL },
};

OCC_PLUGIN_DEFINE (.name = "backup-folder", .version = "1.0",
                   .summary = "Backup target: a folder, e.g. a mounted remote filesystem",
                   .license = "GPL-3.0-or-later", .config_schema = folder_schema,
                   .provides = OCC_LIST (OCC_BACKUP_TARGET_SERVICE_PREFIX "*"), .load = folder_load,
                   .unload = bk_target_plugin_unload);
