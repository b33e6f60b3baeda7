/* Configuration: the daemon's omnicc.conf, each plugin's plugins.d file,
 * and policies (shipped defaults merged with the site's overrides).
 * Every error names the file, the line, the group and the key. */
#pragma once

#include "context.h"

#define OCC_CONFIG_ERROR (occ_config_error_quark ())
GQuark occ_config_error_quark (void);

typedef enum {
  OCC_CONFIG_ERROR_IO,
  OCC_CONFIG_ERROR_PARSE,
  OCC_CONFIG_ERROR_INVALID, /* unknown key, wrong type, out of range */
  OCC_CONFIG_ERROR_NOT_FOUND,
} OccConfigError;

/* Reads and validates @path (NULL: built-in defaults only). Relative
 * paths inside the file are taken relative to the file's folder. */
OccConfig *occ_config_load (const char *path, GError **error);
void occ_config_free (OccConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OccConfig, occ_config_free)

const char *occ_config_get_path (OccConfig *config); /* NULL if none */
const char *const *occ_config_get_plugin_path (OccConfig *config);
const char *occ_config_get_state_dir (OccConfig *config);
const char *occ_config_get_data_dir (OccConfig *config);
const char *occ_config_get_control_socket (OccConfig *config);
const char *occ_config_get_control_group (OccConfig *config);
GLogLevelFlags occ_config_get_log_level (OccConfig *config);
guint occ_config_get_drain_timeout (OccConfig *config); /* seconds */
const char *const *occ_config_get_enabled (OccConfig *config);
gboolean occ_config_is_enabled (OccConfig *config, const char *plugin);

/* The file holding @plugin's configuration (transfer full). */
char *occ_config_get_plugin_file (OccConfig *config, const char *plugin);

/* Reads plugins.d/<plugin>.conf and checks it against @schema (NULL: the
 * plugin takes no configuration, so the file must not exist or be empty).
 * Returns an empty key file when the site has no file. */
GKeyFile *occ_config_load_plugin (OccConfig *config, const char *plugin, const OccConfigKey *schema,
                                  GError **error);

/* Checks @kf (read from @file, whose text is @text) against @schema;
 * every problem is listed in one error, one per line. */
gboolean occ_config_validate (GKeyFile *kf, const char *text, const char *file,
                              const OccConfigKey *schema, GError **error);

/* The line (from 1) where @key of @group is set in @text, or where @group
 * starts when @key is NULL; 0 when not found. */
guint occ_config_find_line (const char *text, const char *group, const char *key);

/* Shipped default policy merged with the site's override. */
GKeyFile *occ_config_load_policy (OccConfig *config, const char *name, GError **error);

/* Rewrites the [plugins] enabled list in the config file, keeping its
 * comments, atomically; updates @config on success. */
gboolean occ_config_set_enabled (OccConfig *config, const char *const *enabled, GError **error);

/* Returns TRUE if @a and @b hold the same groups, keys and values. */
gboolean occ_config_keyfile_equal (GKeyFile *a, GKeyFile *b);
