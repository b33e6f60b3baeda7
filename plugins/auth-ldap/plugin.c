/* auth-ldap: the "auth/ldap" service — users of an LDAP directory or of
 * Active Directory sign in with their directory password. See README.md
 * beside this file for the configuration and the behaviour.
 *
 * Nothing here blocks the main loop: connections are driven by GSources
 * (conn.c), requests are state machines (request.c), and the pool
 * (pool.c) moves them to the next server when one fails. Answers reach
 * the callers from a source of their own, never inside the call. */
#include "ldapauth.h"

#include <string.h>

#define LDAP_AUTH_SERVICE OCC_AUTH_SERVICE_PREFIX "ldap"

static LdapAuth *
from_iface (const OccAuthService *self)
{
  return (LdapAuth *) self;
}

static const char *
ldap_get_source (const OccAuthService *self)
{
  (void) self;
  return "ldap";
}

static void
ldap_authenticate (const OccAuthService *self, const char *login, const char *secret,
                   OccAuthCallback callback, gpointer user_data)
{
  la_request_start (from_iface (self), LA_AUTHENTICATE, login, secret, callback, user_data);
}

static void
ldap_lookup (const OccAuthService *self, const char *login, OccAuthCallback callback,
             gpointer user_data)
{
  la_request_start (from_iface (self), LA_LOOKUP, login, NULL, callback, user_data);
}

/* --- delivering answers ------------------------------------------------------ */

typedef struct {
  GSource base;
  LdapAuth *la;
} DeliverSource;

static gboolean
deliver_dispatch (GSource *source, GSourceFunc callback, gpointer data)
{
  (void) callback;
  (void) data;
  LdapAuth *la = ((DeliverSource *) source)->la;
  LaTurn turn;
  la_turn_begin (&turn);
  gboolean more = la_request_deliver (la, turn.wall + LA_TURN_BUDGET_US);
  la_turn_end (la, &turn);
  g_source_set_ready_time (source, more ? 0 : -1);
  return G_SOURCE_CONTINUE;
}

static const GSourceFuncs deliver_funcs = { .dispatch = deliver_dispatch };

/* --- auth-ldap.status ----------------------------------------------------------- */

static GVariant *
server_status (LdapAuth *la, guint i)
{
  const LaServerState *s = &la->servers[i];
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "url", g_variant_new_string (la->cfg->servers[i].url));
  g_variant_builder_add (&b, "{sv}", "current", g_variant_new_boolean (i == la->current));
  g_variant_builder_add (&b, "{sv}", "failures", g_variant_new_uint64 (s->failures));
  if (s->last_error)
    {
      g_autoptr (GDateTime) at = g_date_time_new_from_unix_utc (s->last_failure / G_USEC_PER_SEC);
      g_autofree char *when = at ? g_date_time_format_iso8601 (at) : g_strdup ("");
      g_variant_builder_add (&b, "{sv}", "last-error", g_variant_new_string (s->last_error));
      g_variant_builder_add (&b, "{sv}", "last-failure", g_variant_new_string (when));
    }
  return g_variant_builder_end (&b);
}

static void
cmd_status (OccControlCall *call, GVariant *args, gpointer data)
{
  (void) args;
  LdapAuth *la = data;
  GVariantBuilder servers, binds, b;
  g_variant_builder_init (&servers, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < la->cfg->n_servers; i++)
    g_variant_builder_add_value (&servers, server_status (la, i));
  g_variant_builder_init (&binds, G_VARIANT_TYPE_STRING_ARRAY);
  guint up = la->search && la_conn_is_ready (la->search) ? 1 : 0;
  for (guint i = 0; i < la->binds->len; i++)
    {
      LaConn *c = g_ptr_array_index (la->binds, i);
      up += la_conn_is_ready (c);
      g_variant_builder_add (&binds, "s", la_conn_state_name (c->state));
    }
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "servers", g_variant_builder_end (&servers));
  g_variant_builder_add (&b, "{sv}", "current",
                         g_variant_new_string (la->cfg->servers[la->current].url));
  g_variant_builder_add (&b, "{sv}", "connected", g_variant_new_boolean (up > 0));
  g_variant_builder_add (
      &b, "{sv}", "mode",
      g_variant_new_string (la->cfg->bind_dn ? "search-then-bind" : "direct-bind"));
  if (la->cfg->bind_dn)
    g_variant_builder_add (
        &b, "{sv}", "search-connection",
        g_variant_new_string (la->search ? la_conn_state_name (la->search->state) : "closed"));
  g_variant_builder_add (&b, "{sv}", "bind-connections", g_variant_builder_end (&binds));
  g_variant_builder_add (&b, "{sv}", "last-error",
                         g_variant_new_string (la->last_error ? la->last_error : ""));
  g_variant_builder_add (&b, "{sv}", "in-flight", g_variant_new_uint32 (la->requests.length));
  g_variant_builder_add (&b, "{sv}", "longest-turn-us", g_variant_new_int64 (la->longest_turn));
  g_variant_builder_add (&b, "{sv}", "longest-turn-cpu-us",
                         g_variant_new_int64 (la->longest_turn_cpu));
  g_variant_builder_add (&b, "{sv}", "waiting",
                         g_variant_new_uint32 (la->want_search.length + la->want_bind.length));
  const struct {
    const char *name;
    guint64 value;
  } counters[] = { { "authenticated", la->authenticated }, { "denied", la->denied },
                   { "disabled", la->disabled },           { "invalid", la->invalid },
                   { "unavailable", la->unavailable },     { "lookups", la->lookups },
                   { "failovers", la->failovers },         { "timeouts", la->timeouts } };
  for (guint i = 0; i < G_N_ELEMENTS (counters); i++)
    g_variant_builder_add (&b, "{sv}", counters[i].name, g_variant_new_uint64 (counters[i].value));
  occ_control_call_return (call, g_variant_builder_end (&b));
}

/* --- load and unload ------------------------------------------------------------- */

static void
ldap_auth_free (LdapAuth *la)
{
  la_pool_shutdown (la);
  for (guint i = 0; i < LA_SERVERS_MAX; i++)
    g_free (la->servers[i].last_error);
  g_ptr_array_unref (la->binds);
  g_ptr_array_unref (la->dead);
  g_source_destroy (la->deliver);
  g_source_unref (la->deliver);
  g_free (la->last_error);
  la_config_free (la->cfg);
  g_mutex_clear (&la->lib_lock);
  g_free (la);
}

static void
log_setup (const LaConfig *cfg)
{
  g_autoptr (GString) urls = g_string_new (NULL);
  for (guint i = 0; i < cfg->n_servers; i++)
    {
      g_string_append_printf (urls, "%s%s", i ? ", " : "", cfg->servers[i].url);
      if (la_config_plaintext (cfg, i))
        g_warning ("%s: allow-plaintext is set: passwords cross the network unencrypted",
                   cfg->servers[i].url);
    }
  if (cfg->bind_dn)
    g_info ("servers %s; search then bind as %s under %s", urls->str, cfg->bind_dn, cfg->base_dn);
  else
    g_info ("servers %s; direct bind as %s", urls->str, cfg->user_dn_template);
}

static OccLoadResult
ldap_auth_load (OccPlugin *plugin, GError **error)
{
  LaConfig *cfg = NULL;
  OccLoadResult result = la_config_parse (occ_plugin_get_config (plugin), &cfg, error);
  if (result != OCC_LOAD_OK)
    return result;
  LdapAuth *la = g_new0 (LdapAuth, 1);
  la->iface = (OccAuthService){ .header = OCC_SERVICE_HEADER (OccAuthService, OCC_AUTH_VERSION),
                                .get_source = ldap_get_source,
                                .authenticate = ldap_authenticate,
                                .lookup = ldap_lookup,
                                /* directory passwords are changed in the directory */
                                .change_password = NULL };
  la->plugin = plugin;
  la->cfg = cfg;
  g_mutex_init (&la->lib_lock);
  la->binds = g_ptr_array_new ();
  la->dead = g_ptr_array_new ();
  la->deliver = g_source_new ((GSourceFuncs *) &deliver_funcs, sizeof (DeliverSource));
  ((DeliverSource *) la->deliver)->la = la;
  g_source_set_static_name (la->deliver, "auth-ldap answers");
  occ_plugin_attach_source (plugin, la->deliver);
  if (!occ_control_add_command_full (
          plugin, "auth-ldap.status", "The directory servers, which one is in use, and counters",
          "system.status", OCC_CONTROL_FLAGS_NONE, cmd_status, la, NULL, error)
      || !occ_service_provide (plugin, LDAP_AUTH_SERVICE, &la->iface, error))
    {
      /* unload() is not called after a failed load */
      ldap_auth_free (la);
      return OCC_LOAD_FAILED;
    }
  log_setup (cfg);
  occ_plugin_set_user_data (plugin, la);
  return OCC_LOAD_OK;
}

static void
ldap_auth_unload (OccPlugin *plugin)
{
  LdapAuth *la = occ_plugin_get_user_data (plugin);
  if (la == NULL)
    return;
  occ_service_withdraw (plugin, LDAP_AUTH_SERVICE);
  ldap_auth_free (la);
}

OCC_PLUGIN_DEFINE (.name = "auth-ldap", .version = "1.0",
                   .summary = "Sign-in against LDAP directories and Active Directory",
                   .license = "GPL-3.0-or-later", .provides = OCC_LIST (LDAP_AUTH_SERVICE),
                   .config_schema = la_config_schema, .load = ldap_auth_load,
                   .unload = ldap_auth_unload);
