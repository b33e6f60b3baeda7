/* auth-local: local accounts — the "auth/local" service over the records
 * service's "user" entity, with Argon2id password hashes (libsodium), the
 * password policy of policies/passwords.conf, a password history, and a
 * first-run administrator. See README.md.
 *
 * Operations outlive an unload while a step is in flight (records, store,
 * hashing): the object is linked with -z nodelete and the state is
 * reference-counted; unload answers every caller. */
#include "auth-local.h"

#include <sodium.h>

static const OccConfigKey schema[] = {
  { "auth-local", "hash-threads", OCC_CONFIG_INT, 1, 16,
    "Threads hashing and checking passwords at once (default 2); more sign-ins wait." },
  { .group = NULL } /* end */
};

AuthLocal *
al_ref (AuthLocal *self)
{
  g_atomic_int_inc (&self->ref);
  return self;
}

void
al_unref (AuthLocal *self)
{
  if (!g_atomic_int_dec_and_test (&self->ref))
    return;
  g_hash_table_unref (self->pending);
  g_object_unref (self->cancel);
  g_free (self->dummy_hash);
  g_free (self->bootstrap_path);
  g_free (self);
}

/* The policy in force: the built-in one, overlaid by the shipped file and
 * the site's. Without a readable policy the plugin does not start: a site
 * override that does not parse must not quietly give way to defaults. */
static gboolean
read_policy (OccPlugin *plugin, AlPolicy *policy, GError **error)
{
  al_policy_defaults (policy);
  g_autoptr (GKeyFile) file = occ_plugin_get_policy (plugin, AL_POLICY_NAME, error);
  if (file == NULL)
    {
      g_prefix_error (error, "policy %s: ", AL_POLICY_NAME);
      return FALSE;
    }
  g_autoptr (GString) unknown = g_string_new (NULL);
  if (!al_policy_read (policy, file, unknown, error))
    {
      g_prefix_error (error, "policy %s: ", AL_POLICY_NAME);
      return FALSE;
    }
  if (unknown->len)
    g_warning ("policy %s: [%s]: unknown keys ignored: %s", AL_POLICY_NAME, AL_POLICY_GROUP,
               unknown->str);
  if (policy->opslimit < crypto_pwhash_OPSLIMIT_INTERACTIVE
      || policy->memlimit < crypto_pwhash_MEMLIMIT_INTERACTIVE)
    g_message ("policy %s: Argon2id limits of %" G_GUINT64_FORMAT " passes and %" G_GUINT64_FORMAT
               " KiB are below libsodium's interactive ones (%u, %u KiB): passwords are cheaper "
               "to guess",
               AL_POLICY_NAME, policy->opslimit, policy->memlimit / 1024,
               crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE / 1024);
  return TRUE;
}

gboolean
al_reload_policy (AuthLocal *self, GError **error)
{
  AlPolicy fresh;
  if (!read_policy (self->plugin, &fresh, error))
    return FALSE;
  if (fresh.opslimit != self->policy.opslimit || fresh.memlimit != self->policy.memlimit)
    g_clear_pointer (&self->dummy_hash, g_free);
  self->policy = fresh;
  return TRUE;
}

static guint
read_threads (GKeyFile *config)
{
  if (!g_key_file_has_key (config, "auth-local", "hash-threads", NULL))
    return AL_DEFAULT_THREADS;
  return (guint) g_key_file_get_integer (config, "auth-local", "hash-threads", NULL);
}

static OccLoadResult
auth_local_load (OccPlugin *plugin, GError **error)
{
  if (sodium_init () < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "libsodium cannot start");
      return OCC_LOAD_FAILED;
    }
  const OccRecordsService *records
      = occ_service_lookup (plugin, OCC_RECORDS_SERVICE, OCC_RECORDS_VERSION, error);
  const OccStoreService *store
      = records ? occ_service_lookup (plugin, OCC_STORE_SERVICE, OCC_STORE_VERSION, error) : NULL;
  AlPolicy policy;
  if (store == NULL || !read_policy (plugin, &policy, error))
    return OCC_LOAD_FAILED;
  AuthLocal *self = g_new0 (AuthLocal, 1);
  self->ref = 1;
  self->plugin = plugin;
  self->records = records;
  self->store = store;
  self->policy = policy;
  self->cancel = g_cancellable_new ();
  self->pending = g_hash_table_new (NULL, NULL);
  self->hasher = al_hasher_new (read_threads (occ_plugin_get_config (plugin)), AL_MAX_QUEUED);
  self->bootstrap_path
      = g_build_filename (occ_plugin_get_state_dir (plugin), AL_BOOTSTRAP_FILE, NULL);
  al_service_init (self);
  if (!occ_service_provide (plugin, AL_SERVICE_NAME, &self->service, error)
      || !al_commands_register (self, error))
    {
      /* unload() is not called after a failed load; the core drops what
       * was registered */
      occ_service_withdraw (plugin, AL_SERVICE_NAME);
      al_hasher_free (self->hasher);
      self->plugin = NULL;
      al_unref (self);
      return OCC_LOAD_FAILED;
    }
  occ_plugin_set_user_data (plugin, self);
  al_bootstrap_start (self);
  return OCC_LOAD_OK;
}

static void
auth_local_unload (OccPlugin *plugin)
{
  AuthLocal *self = occ_plugin_get_user_data (plugin);
  if (self == NULL)
    return;
  occ_service_withdraw (plugin, AL_SERVICE_NAME);
  self->plugin = NULL; /* the core drops our holds and sources */
  g_cancellable_cancel (self->cancel);
  /* waits for the jobs hashing now (tens of ms); queued ones are dropped */
  g_clear_pointer (&self->hasher, al_hasher_free);
  g_autoptr (GError) gone = g_error_new_literal (OCC_AUTH_ERROR, OCC_AUTH_ERROR_UNAVAILABLE,
                                                 "the auth-local plugin was unloaded");
  al_op_answer_all (self, gone);
  al_unref (self);
}

static gboolean
auth_local_reconfigure (OccPlugin *plugin, GKeyFile *config, GError **error)
{
  (void) error;
  AuthLocal *self = occ_plugin_get_user_data (plugin);
  al_hasher_set_threads (self->hasher, read_threads (config));
  return TRUE;
}

OCC_PLUGIN_DEFINE (.name = "auth-local", .version = "1.0",
                   .summary = "Local accounts: Argon2id passwords, password policy and history, "
                              "first-run administrator",
                   .license = "GPL-3.0-or-later",
                   .requires = OCC_LIST ("service:records", "service:store"),
                   .provides = OCC_LIST (AL_SERVICE_NAME), .config_schema = schema,
                   .load = auth_local_load, .unload = auth_local_unload,
                   .reconfigure = auth_local_reconfigure);
