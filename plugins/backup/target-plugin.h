/* What the target plugins (backup-folder, backup-sftp) share: each
 * "[target NAME]" group of the plugin's config becomes the service
 * "backup.target/NAME". */
#pragma once

#include "target.h"

#include <omnicc/plugin.h>

G_BEGIN_DECLS

/* Builds the target of the config group @group (the name after
 * "target "), or NULL with @error naming the group and key. */
typedef BkTarget *(*BkTargetFromConfig) (GKeyFile *config, const char *group, const char *name,
                                         guint retention_days, GError **error);

/* The plugin's load(): provides every configured target; DECLINED when
 * none is configured. */
OccLoadResult bk_target_plugin_load (OccPlugin *plugin, BkTargetFromConfig build, GError **error);
/* The plugin's unload(): withdraws them. */
void bk_target_plugin_unload (OccPlugin *plugin);

/* A required string key of @group, or NULL with @error naming it. */
char *bk_target_config_string (GKeyFile *config, const char *group, const char *key,
                               GError **error);

/* The keys every target group has, for the end of a plugin's schema. */
#define BK_TARGET_SCHEMA_COMMON                                                         \
  { "target *",                                                                         \
    "kind",                                                                             \
    OCC_CONFIG_STRING,                                                                  \
    0,                                                                                  \
    0,                                                                                  \
    "local or remote: which retention of the backup policy applies (default remote)" }, \
  {                                                                                     \
    "target *", "retention-days", OCC_CONFIG_INT, 1, 36600,                             \
        "days archives are kept on this target (overrides the policy)"                  \
  }

G_END_DECLS
