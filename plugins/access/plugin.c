/* access: who may do what. Roles and permissions from policies/roles.conf,
 * separation of duties, grants with approval and justification, sessions
 * with expiry and revocation, lockout after failed sign-ins, SIP digest
 * credentials that follow the identity — and the "access" service the
 * core's enforcement point asks on every control request. See README.md.
 *
 * Store and identity calls in flight when the plugin is unloaded still
 * call back into it: the object is linked with -z nodelete and the state
 * is reference-counted. */
#include "access.h"

Access *
ac_ref (Access *self)
{
  g_atomic_int_inc (&self->ref);
  return self;
}

void
ac_unref (Access *self)
{
  if (!g_atomic_int_dec_and_test (&self->ref))
    return;
  g_hash_table_unref (self->sessions);
  g_hash_table_unref (self->grants);
  g_hash_table_unref (self->accounts);
  g_hash_table_unref (self->failures);
  g_hash_table_unref (self->locks);
  g_hash_table_unref (self->aliases);
  g_hash_table_unref (self->locals);
  ac_policy_free (self->policy);
  g_free (self);
}

static AcPolicy *
read_policy (OccPlugin *plugin, GError **error)
{
  g_autoptr (GKeyFile) roles = occ_plugin_get_policy (plugin, AC_ROLES_POLICY, error);
  if (roles == NULL)
    return NULL;
  g_autoptr (GKeyFile) access = occ_plugin_get_policy (plugin, AC_ACCESS_POLICY, error);
  if (access == NULL)
    return NULL;
  return ac_policy_read (roles, access, error);
}

gboolean ac_reload_policy (Access *self, GError **error);

gboolean
ac_reload_policy (Access *self, GError **error)
{
  AcPolicy *fresh = read_policy (self->plugin, error);
  if (fresh == NULL)
    return FALSE;
  ac_policy_free (self->policy);
  self->policy = fresh;
  ac_locals_clear (self);
  /* every open session gets the permissions the new catalogue gives */
  g_autoptr (GHashTable) logins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, self->sessions);
  while (g_hash_table_iter_next (&it, NULL, &value))
    g_hash_table_add (logins, g_strdup (((AcSession *) value)->login));
  g_hash_table_iter_init (&it, logins);
  while (g_hash_table_iter_next (&it, &value, NULL))
    ac_sessions_refresh (self, value);
  g_message ("access policy reloaded: %u roles", g_hash_table_size (fresh->roles));
  return TRUE;
}

static void
service_denied (const OccAccessService *service, const OccPrincipal *who, const char *action,
                const char *permission, const char *scope, const char *source)
{
  Access *self = (Access *) ((char *) service - G_STRUCT_OFFSET (Access, service));
  const char *session = occ_principal_get_session (who);
  ac_audit (self, occ_principal_get_login (who), action, scope, OCC_AUDIT_DENIED, source,
            g_variant_new_parsed ("{'permission': <%s>, 'session': <%s>}", permission,
                                  session ? session : ""));
}

static OccLoadResult
access_load (OccPlugin *plugin, GError **error)
{
  const OccStoreService *store
      = occ_service_lookup (plugin, OCC_STORE_SERVICE, OCC_STORE_VERSION, error);
  const OccAuditService *audit
      = store ? occ_service_lookup (plugin, OCC_AUDIT_SERVICE, OCC_AUDIT_VERSION, error) : NULL;
  if (audit == NULL)
    return OCC_LOAD_FAILED;
  AcPolicy *policy = read_policy (plugin, error);
  if (policy == NULL)
    return OCC_LOAD_FAILED;
  Access *self = g_new0 (Access, 1);
  self->ref = 1;
  self->plugin = plugin;
  self->store = store;
  self->audit = audit;
  self->policy = policy;
  self->accounts
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) ac_account_free);
  self->grants
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) ac_grant_free);
  self->sessions
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) ac_session_free);
  self->failures
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
  self->locks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->aliases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->locals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) occ_principal_unref);
  self->service = (OccAccessService){
    .header = OCC_SERVICE_HEADER (OccAccessService, OCC_ACCESS_VERSION),
    .resolve = ac_resolve,
    .denied = service_denied,
    .sip_credentials = ac_sip_credentials,
  };
  if (!occ_bus_register_type (occ_plugin_get_bus (plugin), plugin, OCC_EVENT_ACCESS_ACCOUNT,
                              "(ssa{sv})",
                              "An account's standing changed: (login, disabled|enabled|locked|"
                              "unlocked, extra: by, until).",
                              error)
      || !ac_commands_register (self, error)
      || !occ_service_provide (plugin, AC_SERVICE_NAME, &self->service, error))
    {
      self->plugin = NULL;
      ac_unref (self);
      return OCC_LOAD_FAILED;
    }
  occ_plugin_set_user_data (plugin, self);
  occ_plugin_timeout_add (plugin, 60 * 1000, ac_sweep, self, NULL);
  if (policy->local_role == NULL)
    g_message ("control socket clients without a session hold no permission ([local] role is "
               "empty)");
  else
    g_message ("control socket clients without a session act with the role %s", policy->local_role);
  ac_state_load (self);
  return OCC_LOAD_OK;
}

static void
access_unload (OccPlugin *plugin)
{
  Access *self = occ_plugin_get_user_data (plugin);
  if (self == NULL)
    return;
  occ_service_withdraw (plugin, AC_SERVICE_NAME);
  self->plugin = NULL; /* the core drops our commands and the sweep */
  ac_unref (self);
}

OCC_PLUGIN_DEFINE (.name = "access", .version = "1.0",
                   .summary = "Roles, grants with separation of duties, sessions, lockout, "
                              "SIP credentials: who may do what",
                   .license = "GPL-3.0-or-later",
                   .requires = OCC_LIST ("service:store", "service:audit"),
                   .provides = OCC_LIST (AC_SERVICE_NAME),
                   .after = OCC_LIST ("plugin:auth-ldap", "plugin:auth-local"), .load = access_load,
                   .unload = access_unload);
