/* See target-plugin.h. */
#include "target-plugin.h"

#include "policy.h"

#include <omnicc/service.h>
#include <string.h>

char *
bk_target_config_string (GKeyFile *config, const char *group, const char *key, GError **error)
{
  g_autofree char *value = g_key_file_get_string (config, group, key, NULL);
  if (value == NULL || *value == '\0')
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND, "[%s] needs %s", group,
                   key);
      return NULL;
    }
  return g_steal_pointer (&value);
}

/* The group's retention-days, else the policy's default for its kind. */
static gboolean
retention_days (GKeyFile *config, const char *group, const BkPolicy *policy, guint *days,
                GError **error)
{
  if (g_key_file_has_key (config, group, "retention-days", NULL))
    {
      *days = g_key_file_get_integer (config, group, "retention-days", NULL);
      return TRUE;
    }
  g_autofree char *kind = g_key_file_get_string (config, group, "kind", NULL);
  if (kind == NULL || strcmp (kind, "remote") == 0)
    *days = policy->remote_days;
  else if (strcmp (kind, "local") == 0)
    *days = policy->local_days;
  else
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[%s] kind: “%s” is neither local nor remote", group, kind);
      return FALSE;
    }
  return TRUE;
}

static void
withdraw_all (OccPlugin *plugin, GPtrArray *targets)
{
  for (guint i = 0; i < targets->len; i++)
    {
      BkTarget *t = targets->pdata[i];
      g_autofree char *service = g_strconcat (OCC_BACKUP_TARGET_SERVICE_PREFIX, t->name, NULL);
      occ_service_withdraw (plugin, service);
    }
}

static gboolean
provide (OccPlugin *plugin, GKeyFile *config, const char *group, const BkPolicy *policy,
         BkTargetFromConfig build, GPtrArray *targets, GError **error)
{
  const char *name = group + strlen ("target ");
  guint days = 0;
  if (!retention_days (config, group, policy, &days, error))
    return FALSE;
  BkTarget *t = build (config, group, name, days, error);
  if (t == NULL)
    return FALSE;
  g_ptr_array_add (targets, t);
  g_autofree char *service = g_strconcat (OCC_BACKUP_TARGET_SERVICE_PREFIX, name, NULL);
  return occ_service_provide (plugin, service, &t->iface, error);
}

OccLoadResult
bk_target_plugin_load (OccPlugin *plugin, BkTargetFromConfig build, GError **error)
{
  GKeyFile *config = occ_plugin_get_config (plugin);
  g_autoptr (GKeyFile) policy_file = occ_plugin_get_policy (plugin, "backup", error);
  if (policy_file == NULL)
    return OCC_LOAD_FAILED;
  g_autoptr (BkPolicy) policy = bk_policy_new_from_keyfile (policy_file, error);
  if (policy == NULL)
    return OCC_LOAD_FAILED;
  g_autoptr (GPtrArray) targets = g_ptr_array_new_with_free_func ((GDestroyNotify) bk_target_unref);
  g_auto (GStrv) groups = g_key_file_get_groups (config, NULL);
  for (guint i = 0; groups[i]; i++)
    if (g_str_has_prefix (groups[i], "target ")
        && !provide (plugin, config, groups[i], policy, build, targets, error))
      {
        withdraw_all (plugin, targets);
        return OCC_LOAD_FAILED;
      }
  if (targets->len == 0)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
                   "no [target NAME] group configured");
      return OCC_LOAD_DECLINED;
    }
  occ_plugin_set_user_data (plugin, g_steal_pointer (&targets));
  return OCC_LOAD_OK;
}

void
bk_target_plugin_unload (OccPlugin *plugin)
{
  GPtrArray *targets = occ_plugin_get_user_data (plugin);
  withdraw_all (plugin, targets);
  /* calls still in flight hold their own reference */
  g_ptr_array_unref (targets);
}
