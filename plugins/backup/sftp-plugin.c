/* backup-sftp: backup targets on SFTP servers (see README.md). */
#include "sftp-target.h"
#include "target-plugin.h"

static BkTarget *
sftp_from_config (GKeyFile *config, const char *group, const char *name, guint days, GError **error)
{
  g_autofree char *host = bk_target_config_string (config, group, "host", error);
  g_autofree char *user = host ? bk_target_config_string (config, group, "user", error) : NULL;
  g_autofree char *identity
      = user ? bk_target_config_string (config, group, "identity", error) : NULL;
  g_autofree char *known
      = identity ? bk_target_config_string (config, group, "known-hosts", error) : NULL;
  if (known == NULL)
    return NULL;
  g_autofree char *path = g_key_file_get_string (config, group, "path", NULL);
  BkSftpConfig c = {
    .host = host,
    .port = g_key_file_get_integer (config, group, "port", NULL),
    .user = user,
    .identity = identity,
    .known_hosts = known,
    .dir = path,
    .timeout_s = g_key_file_get_integer (config, group, "timeout", NULL),
  };
  return bk_sftp_target_new (name, days, &c);
}

static OccLoadResult
sftp_load (OccPlugin *plugin, GError **error)
{
  return bk_target_plugin_load (plugin, sftp_from_config, error);
}

static const OccConfigKey sftp_schema[] = {
  { "target *", "host", OCC_CONFIG_STRING, 0, 0, "SFTP server" },
  { "target *", "port", OCC_CONFIG_INT, 1, 65535, "SSH port (default 22)" },
  { "target *", "user", OCC_CONFIG_STRING, 0, 0, "login on the server" },
  { "target *", "identity", OCC_CONFIG_STRING, 0, 0, "private key file (key login only)" },
  { "target *", "known-hosts", OCC_CONFIG_STRING, 0, 0,
    "known_hosts file with the server's host key; any other key is refused" },
  { "target *", "path", OCC_CONFIG_STRING, 0, 0, "folder on the server (default: the login's)" },
  { "target *", "timeout", OCC_CONFIG_INT, 1, 3600, "connect and I/O timeout in seconds (30)" },
  BK_TARGET_SCHEMA_COMMON,
  { NULL },
};

OCC_PLUGIN_DEFINE (.name = "backup-sftp", .version = "1.0",
                   .summary = "Backup target: a folder on an SFTP server (libssh)",
                   .license = "GPL-3.0-or-later", .config_schema = sftp_schema,
                   .provides = OCC_LIST (OCC_BACKUP_TARGET_SERVICE_PREFIX "*"), .load = sftp_load,
                   .unload = bk_target_plugin_unload);
