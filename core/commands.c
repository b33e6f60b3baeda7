/* The core's control commands. Each answers with plain GVariants that the
 * control socket turns into JSON; the `omnicc` CLI formats them. */
#include "commands.h"
#include "bus-private.h"
#include "config.h"
#include "control.h"
#include "loader.h"
#include "log.h"
#include "registry.h"

#include <string.h>
#include <unistd.h>

static void return_error (OccControlCall *call, OccControlError code, const char *fmt, ...)
    G_GNUC_PRINTF (3, 4);

static void
return_error (OccControlCall *call, OccControlError code, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_autoptr (GError) e = g_error_new_literal (OCC_CONTROL_ERROR, code, msg);
  occ_control_call_return_error (call, e);
}

static void
audited (GVariant *result, const GError *error, gpointer data)
{
  (void) result;
  if (error)
    g_warning ("audit entry %s not written: %s", (const char *) data, error->message);
  g_free (data);
}

/* Records who asked for a change, and how it went, when an audit service
 * is loaded (the audit plugin records what happened, as "system"; this
 * is who asked). */
static void
audit_request (OccContext *ctx, OccControlCall *call, const char *action, const char *target,
               const GError *error)
{
  const OccAuditService *audit
      = occ_registry_lookup (ctx->registry, OCC_AUDIT_SERVICE, OCC_AUDIT_VERSION, NULL);
  if (audit == NULL)
    return;
  GVariant *details = error ? g_variant_new_parsed ("{'reason': <%s>}", error->message) : NULL;
  audit->append (audit, occ_control_call_get_actor (call), action, target,
                 error ? OCC_AUDIT_FAILURE : OCC_AUDIT_SUCCESS, occ_control_call_get_peer (call),
                 details, audited, g_strdup (action));
}

/* Answers with @e after recording the failed request. */
static void
refuse_audited (OccContext *ctx, OccControlCall *call, const char *action, const char *target,
                OccControlError code, const GError *e)
{
  g_autoptr (GError) answer = g_error_new_literal (OCC_CONTROL_ERROR, code, e->message);
  audit_request (ctx, call, action, target, answer);
  occ_control_call_return_error (call, answer);
}

/* The string argument @key, or NULL after answering with an error. */
static const char *
string_arg (OccControlCall *call, GVariant *args, const char *key, gboolean required)
{
  const char *v = NULL;
  g_autoptr (GVariant) any = g_variant_lookup_value (args, key, NULL);
  if (any && g_variant_is_of_type (any, G_VARIANT_TYPE_STRING))
    {
      g_variant_lookup (args, key, "&s", &v);
      return v;
    }
  if (any || required)
    return_error (call, OCC_CONTROL_ERROR_BAD_REQUEST,
                  any ? "argument “%s” must be a string" : "argument “%s” is missing", key);
  return NULL;
}

static OccControlError
loader_code (const GError *e)
{
  if (e->domain != OCC_LOADER_ERROR)
    return OCC_CONTROL_ERROR_FAILED;
  switch (e->code)
    {
    case OCC_LOADER_ERROR_NOT_FOUND:
      return OCC_CONTROL_ERROR_NOT_FOUND;
    case OCC_LOADER_ERROR_IN_USE:
    case OCC_LOADER_ERROR_STATE:
    case OCC_LOADER_ERROR_DEPENDENCY:
      return OCC_CONTROL_ERROR_REFUSED;
    default:
      return OCC_CONTROL_ERROR_FAILED;
    }
}

/* --- status ----------------------------------------------------------------- */

static void
add_service_name (const char *name, guint32 version, OccPlugin *provider, gpointer data)
{
  (void) provider;
  g_autofree char *s = g_strdup_printf ("%s@%u", name, version);
  g_variant_builder_add ((GVariantBuilder *) data, "s", s);
}

static void
cmd_status (OccControlCall *call, GVariant *args, gpointer data)
{
  (void) args;
  OccContext *ctx = data;
  OccBusStats st;
  occ_bus_get_stats (ctx->bus, &st);
  guint counts[4] = { 0 };
  g_autoptr (GPtrArray) plugins = occ_loader_list (ctx->loader);
  for (guint i = 0; i < plugins->len; i++)
    counts[((OccPlugin *) g_ptr_array_index (plugins, i))->state]++;
  GVariantBuilder svc;
  g_variant_builder_init (&svc, G_VARIANT_TYPE_STRING_ARRAY);
  occ_registry_foreach (ctx->registry, add_service_name, &svc);

  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "version", g_variant_new_string (OCC_VERSION));
  g_variant_builder_add (&b, "{sv}", "abi",
                         g_variant_new_take_string (g_strdup_printf ("%d.%d", OCC_PLUGIN_ABI_MAJOR,
                                                                     OCC_PLUGIN_ABI_MINOR)));
  g_variant_builder_add (&b, "{sv}", "pid", g_variant_new_int64 (getpid ()));
  g_variant_builder_add (&b, "{sv}", "uptime",
                         g_variant_new_double ((g_get_monotonic_time () - ctx->started_at) / 1e6));
  g_variant_builder_add (&b, "{sv}", "config",
                         g_variant_new_string (occ_config_get_path (ctx->config)
                                                   ? occ_config_get_path (ctx->config)
                                                   : ""));
  g_variant_builder_add (&b, "{sv}", "state-dir",
                         g_variant_new_string (occ_config_get_state_dir (ctx->config)));
  g_variant_builder_add (&b, "{sv}", "stopping", g_variant_new_boolean (ctx->stopping));
  g_variant_builder_add (&b, "{sv}", "plugins-loaded",
                         g_variant_new_uint32 (counts[OCC_PLUGIN_LOADED]));
  g_variant_builder_add (&b, "{sv}", "plugins-failed",
                         g_variant_new_uint32 (counts[OCC_PLUGIN_FAILED]));
  g_variant_builder_add (&b, "{sv}", "plugins-declined",
                         g_variant_new_uint32 (counts[OCC_PLUGIN_DECLINED]));
  g_variant_builder_add (&b, "{sv}", "plugins-available",
                         g_variant_new_uint32 (counts[OCC_PLUGIN_AVAILABLE]));
  g_variant_builder_add (&b, "{sv}", "events-published", g_variant_new_uint64 (st.published));
  g_variant_builder_add (&b, "{sv}", "events-delivered", g_variant_new_uint64 (st.delivered));
  g_variant_builder_add (&b, "{sv}", "subscriptions", g_variant_new_uint32 (st.subscriptions));
  g_variant_builder_add (&b, "{sv}", "event-types", g_variant_new_uint32 (st.types));
  g_variant_builder_add (&b, "{sv}", "services", g_variant_builder_end (&svc));
  g_variant_builder_add (&b, "{sv}", "control-connections",
                         g_variant_new_uint32 (occ_control_count_connections (ctx->control)));
  occ_control_call_return (call, g_variant_builder_end (&b));
}

/* --- plugins ------------------------------------------------------------------- */

static GVariant *
plugin_summary (OccContext *ctx, OccPlugin *p)
{
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "name", g_variant_new_string (p->name));
  g_variant_builder_add (&b, "{sv}", "state",
                         g_variant_new_string (occ_plugin_state_to_string (p->state)));
  g_variant_builder_add (&b, "{sv}", "enabled",
                         g_variant_new_boolean (occ_config_is_enabled (ctx->config, p->name)));
  g_variant_builder_add (&b, "{sv}", "version",
                         g_variant_new_string (p->version ? p->version : ""));
  g_variant_builder_add (&b, "{sv}", "summary",
                         g_variant_new_string (p->summary ? p->summary : ""));
  g_variant_builder_add (&b, "{sv}", "reason", g_variant_new_string (p->reason ? p->reason : ""));
  g_variant_builder_add (&b, "{sv}", "file", g_variant_new_string (p->path ? p->path : ""));
  return g_variant_builder_end (&b);
}

static void
cmd_plugin_list (OccControlCall *call, GVariant *args, gpointer data)
{
  (void) args;
  OccContext *ctx = data;
  g_autoptr (GPtrArray) plugins = occ_loader_list (ctx->loader);
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < plugins->len; i++)
    {
      OccPlugin *p = g_ptr_array_index (plugins, i);
      if (!p->builtin)
        g_variant_builder_add_value (&b, plugin_summary (ctx, p));
    }
  occ_control_call_return (call, g_variant_builder_end (&b));
}

typedef struct {
  OccPlugin *plugin;
  GVariantBuilder *b;
} ServicesOf;

static void
add_if_provided_by (const char *name, guint32 version, OccPlugin *provider, gpointer data)
{
  ServicesOf *s = data;
  if (provider == s->plugin)
    add_service_name (name, version, provider, s->b);
}

static OccPlugin *
plugin_arg (OccControlCall *call, OccContext *ctx, GVariant *args)
{
  const char *name = string_arg (call, args, "name", TRUE);
  if (name == NULL)
    return NULL;
  OccPlugin *p = occ_loader_get (ctx->loader, name);
  if (p == NULL || p->builtin)
    return_error (call, OCC_CONTROL_ERROR_NOT_FOUND, "no plugin named %s", name);
  return p && !p->builtin ? p : NULL;
}

static void
cmd_plugin_info (OccControlCall *call, GVariant *args, gpointer data)
{
  OccContext *ctx = data;
  OccPlugin *p = plugin_arg (call, ctx, args);
  if (p == NULL)
    return;
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_autoptr (GVariant) summary = g_variant_ref_sink (plugin_summary (ctx, p));
  GVariantIter it;
  const char *k;
  GVariant *v;
  g_variant_iter_init (&it, summary);
  while (g_variant_iter_next (&it, "{&sv}", &k, &v))
    {
      g_variant_builder_add (&b, "{sv}", k, v);
      g_variant_unref (v);
    }
  g_variant_builder_add (&b, "{sv}", "license",
                         g_variant_new_string (p->license ? p->license : ""));
  g_variant_builder_add (
      &b, "{sv}", "abi",
      g_variant_new_take_string (g_strdup_printf ("%u.%u", p->abi_major, p->abi_minor)));
  g_variant_builder_add (&b, "{sv}", "requires",
                         g_variant_new_strv ((const char *const *) p->requires, -1));
  g_variant_builder_add (&b, "{sv}", "provides",
                         g_variant_new_strv ((const char *const *) p->provides, -1));
  GVariantBuilder svc;
  g_variant_builder_init (&svc, G_VARIANT_TYPE_STRING_ARRAY);
  ServicesOf so = { p, &svc };
  occ_registry_foreach (ctx->registry, add_if_provided_by, &so);
  g_variant_builder_add (&b, "{sv}", "services", g_variant_builder_end (&svc));
  g_variant_builder_add (&b, "{sv}", "subscriptions",
                         g_variant_new_uint32 (occ_bus_count_subscriptions (ctx->bus, p)));
  g_autofree char *conf = occ_config_get_plugin_file (ctx->config, p->name);
  g_variant_builder_add (&b, "{sv}", "config-file", g_variant_new_string (conf));
  g_variant_builder_add (&b, "{sv}", "reconfigurable", g_variant_new_boolean (p->has_reconfigure));
  occ_control_call_return (call, g_variant_builder_end (&b));
}

static void
cmd_plugin_load (OccControlCall *call, GVariant *args, gpointer data)
{
  OccContext *ctx = data;
  const char *name = string_arg (call, args, "name", TRUE);
  if (name == NULL)
    return;
  g_autoptr (GError) e = NULL;
  if (!occ_loader_load (ctx->loader, name, &e))
    return refuse_audited (ctx, call, "plugin.load", name, loader_code (e), e);
  audit_request (ctx, call, "plugin.load", name, NULL);
  occ_control_call_return (call, plugin_summary (ctx, occ_loader_get (ctx->loader, name)));
}

static void
cmd_plugin_unload (OccControlCall *call, GVariant *args, gpointer data)
{
  OccContext *ctx = data;
  const char *name = string_arg (call, args, "name", TRUE);
  if (name == NULL)
    return;
  g_autoptr (GError) e = NULL;
  if (!occ_loader_unload (ctx->loader, name, &e))
    return refuse_audited (ctx, call, "plugin.unload", name, loader_code (e), e);
  audit_request (ctx, call, "plugin.unload", name, NULL);
  occ_control_call_return (call, plugin_summary (ctx, occ_loader_get (ctx->loader, name)));
}

/* Saves the enabled list with @name added or removed. */
static gboolean
save_enabled (OccContext *ctx, const char *name, gboolean enable, GError **error)
{
  g_autoptr (GStrvBuilder) sb = g_strv_builder_new ();
  const char *const *cur = occ_config_get_enabled (ctx->config);
  for (guint i = 0; cur[i]; i++)
    if (strcmp (cur[i], name) != 0)
      g_strv_builder_add (sb, cur[i]);
  if (enable)
    g_strv_builder_add (sb, name);
  g_auto (GStrv) list = g_strv_builder_end (sb);
  return occ_config_set_enabled (ctx->config, (const char *const *) list, error);
}

static void
cmd_plugin_enable (OccControlCall *call, GVariant *args, gpointer data)
{
  OccContext *ctx = data;
  const char *name = string_arg (call, args, "name", TRUE);
  if (name == NULL)
    return;
  OccPlugin *p = occ_loader_get (ctx->loader, name);
  if (p == NULL || p->path == NULL)
    {
      occ_loader_scan (ctx->loader, occ_config_get_plugin_path (ctx->config));
      p = occ_loader_get (ctx->loader, name);
    }
  if (p == NULL || p->path == NULL)
    return return_error (call, OCC_CONTROL_ERROR_NOT_FOUND, "no plugin named %s in the plugin path",
                         name);
  g_autoptr (GError) e = NULL;
  if (!occ_config_is_enabled (ctx->config, name) && !save_enabled (ctx, name, TRUE, &e))
    return return_error (call, OCC_CONTROL_ERROR_FAILED, "cannot save the config: %s", e->message);
  g_info ("plugin %s enabled by %s", name, occ_control_call_get_peer (call));
  if (p->state != OCC_PLUGIN_LOADED && !occ_loader_load (ctx->loader, name, &e))
    {
      g_prefix_error (&e, "%s is enabled, but did not load: ", name);
      return refuse_audited (ctx, call, "plugin.enable", name, loader_code (e), e);
    }
  audit_request (ctx, call, "plugin.enable", name, NULL);
  occ_control_call_return (call, plugin_summary (ctx, p));
}

static void
cmd_plugin_disable (OccControlCall *call, GVariant *args, gpointer data)
{
  OccContext *ctx = data;
  const char *name = string_arg (call, args, "name", TRUE);
  if (name == NULL)
    return;
  OccPlugin *p = occ_loader_get (ctx->loader, name);
  g_autoptr (GError) e = NULL;
  if (p && p->state == OCC_PLUGIN_LOADED && !occ_loader_unload (ctx->loader, name, &e))
    return refuse_audited (ctx, call, "plugin.disable", name, loader_code (e), e);
  if (occ_config_is_enabled (ctx->config, name) && !save_enabled (ctx, name, FALSE, &e))
    return return_error (call, OCC_CONTROL_ERROR_FAILED, "cannot save the config: %s", e->message);
  if (p == NULL)
    return return_error (call, OCC_CONTROL_ERROR_NOT_FOUND, "no plugin named %s", name);
  g_info ("plugin %s disabled by %s", name, occ_control_call_get_peer (call));
  audit_request (ctx, call, "plugin.disable", name, NULL);
  occ_control_call_return (call, plugin_summary (ctx, p));
}

/* --- events -------------------------------------------------------------------- */

typedef struct {
  OccContext *ctx;
  OccControlStream *stream;
  guint sub;
} Follow;

static void
follow_event (const OccEvent *event, gpointer data)
{
  Follow *f = data;
  g_autofree char *json = occ_event_to_json (event);
  occ_control_stream_send (f->stream, "event", json);
}

static void
follow_closed (gpointer data)
{
  Follow *f = data;
  if (f->sub)
    occ_bus_unsubscribe (f->ctx->bus, f->sub);
  g_free (f);
}

static void
cmd_events_follow (OccControlCall *call, GVariant *args, gpointer data)
{
  OccContext *ctx = data;
  const char *pattern = "*";
  g_autoptr (GVariant) given = g_variant_lookup_value (args, "pattern", NULL);
  if (given)
    {
      pattern = string_arg (call, args, "pattern", TRUE);
      if (pattern == NULL)
        return;
    }
  Follow *f = g_new0 (Follow, 1);
  f->ctx = ctx;
  g_autoptr (GError) e = NULL;
  /* subscribe before answering, so a bad pattern is an ordinary error */
  f->sub = occ_bus_subscribe (ctx->bus, NULL, pattern, follow_event, f, NULL, &e);
  if (f->sub == 0)
    {
      g_free (f);
      return return_error (call, OCC_CONTROL_ERROR_BAD_REQUEST, "%s", e->message);
    }
  f->stream = occ_control_call_begin_stream (call, follow_closed, f);
}

static void
add_type (const char *name, const char *signature, const char *doc, const char *owner,
          gpointer data)
{
  g_variant_builder_add ((GVariantBuilder *) data, "(ssss)", name, signature, doc, owner);
}

static void
cmd_events_types (OccControlCall *call, GVariant *args, gpointer data)
{
  (void) args;
  OccContext *ctx = data;
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ssss)"));
  occ_bus_foreach_type (ctx->bus, add_type, &b);
  occ_control_call_return (call, g_variant_builder_end (&b));
}

/* --- the rest ------------------------------------------------------------------- */

static void
cmd_config_reload (OccControlCall *call, GVariant *args, gpointer data)
{
  (void) args;
  OccContext *ctx = data;
  g_autoptr (GString) report = g_string_new (NULL);
  g_autoptr (GError) e = NULL;
  if (!occ_context_reload (ctx, report, &e))
    return refuse_audited (ctx, call, "config.reload", NULL, OCC_CONTROL_ERROR_REFUSED, e);
  audit_request (ctx, call, "config.reload", NULL, NULL);
  occ_control_call_return (call, g_variant_new_string (report->str));
}

static gboolean
stop_later (gpointer data)
{
  occ_context_stop (data, "stop requested on the control socket");
  return G_SOURCE_REMOVE;
}

static void
cmd_daemon_stop (OccControlCall *call, GVariant *args, gpointer data)
{
  (void) args;
  g_message ("stop requested by %s", occ_control_call_get_peer (call));
  audit_request (data, call, "daemon.stop", NULL, NULL);
  occ_control_call_return (call, g_variant_new_string ("stopping"));
  g_idle_add (stop_later, data); /* let the answer go out first */
}

static void
add_command (const char *name, const char *summary, const char *owner, const char *permission,
             gpointer data)
{
  g_variant_builder_add ((GVariantBuilder *) data, "(ssss)", name, permission[0] ? permission : "-",
                         owner, summary);
}

static void
cmd_commands (OccControlCall *call, GVariant *args, gpointer data)
{
  (void) args;
  OccContext *ctx = data;
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ssss)"));
  occ_control_foreach_command (ctx->control, add_command, &b);
  occ_control_call_return (call, g_variant_builder_end (&b));
}

gboolean
occ_context_reload (OccContext *ctx, GString *report, GError **error)
{
  const char *path = occ_config_get_path (ctx->config);
  if (path == NULL)
    {
      g_set_error (error, OCC_CONFIG_ERROR, OCC_CONFIG_ERROR_IO,
                   "the daemon was started without a config file");
      return FALSE;
    }
  g_autoptr (GError) e = NULL;
  g_autoptr (OccConfig) fresh = occ_config_load (path, &e);
  if (fresh)
    occ_loader_scan (ctx->loader, occ_config_get_plugin_path (fresh));
  if (fresh == NULL || !occ_loader_check_configs (ctx->loader, fresh, &e))
    {
      g_warning ("new configuration refused, the old one stays: %s", e->message);
      occ_bus_publish (ctx->bus, NULL, OCC_EVENT_CONFIG_REJECTED, g_variant_new ("(s)", e->message),
                       NULL);
      g_propagate_prefixed_error (error, g_steal_pointer (&e),
                                  "new configuration refused, the old one stays: ");
      return FALSE;
    }
  /* what only a restart can change: say so instead of ignoring it */
  if (g_strcmp0 (occ_config_get_control_socket (fresh), occ_config_get_control_socket (ctx->config))
          != 0
      || g_strcmp0 (occ_config_get_control_group (fresh),
                    occ_config_get_control_group (ctx->config))
             != 0)
    {
      g_warning ("control-socket and control-group changes apply at the next start");
      g_string_append_printf (report,
                              "%scontrol-socket and control-group changes apply at the "
                              "next start",
                              report->len ? "\n" : "");
    }
  if (occ_log_get_override () == 0)
    occ_log_set_level (occ_config_get_log_level (fresh));
  g_autoptr (GPtrArray) changed = g_ptr_array_new_with_free_func (g_free);
  occ_loader_apply_config (ctx->loader, g_steal_pointer (&fresh), changed, report);
  g_ptr_array_add (changed, NULL);
  occ_bus_publish (ctx->bus, NULL, OCC_EVENT_CONFIG_RELOADED,
                   g_variant_new ("(^as)", (char **) changed->pdata), NULL);
  g_message ("configuration reloaded%s%s", report->len ? ": " : "", report->str);
  if (report->len == 0)
    g_string_append (report, "configuration reloaded");
  return TRUE;
}

void
occ_commands_register (OccContext *ctx)
{
  static const struct {
    const char *name;
    const char *summary;
    const char *permission;
    OccControlFunc func;
  } core[] = {
    { "status", "Daemon state: version, uptime, plugins, bus counters", "system.status",
      cmd_status },
    { "plugin.list", "Every plugin found, with its state", "plugin.read", cmd_plugin_list },
    { "plugin.info", "One plugin in detail (args: name)", "plugin.read", cmd_plugin_info },
    { "plugin.load", "Load a plugin now (args: name)", "plugin.manage", cmd_plugin_load },
    { "plugin.unload", "Unload a plugin now (args: name)", "plugin.manage", cmd_plugin_unload },
    { "plugin.enable", "Enable at start, saved in the config, and load (args: name)",
      "plugin.manage", cmd_plugin_enable },
    { "plugin.disable", "Unload and disable, saved in the config (args: name)", "plugin.manage",
      cmd_plugin_disable },
    { "events.follow", "Stream bus events as JSON (args: pattern)", "events.read",
      cmd_events_follow },
    { "events.types", "The registered event types", "events.read", cmd_events_types },
    { "config.reload", "Re-read the configuration, like SIGHUP", "config.manage",
      cmd_config_reload },
    { "daemon.stop", "Drain and stop the daemon", "system.stop", cmd_daemon_stop },
    /* public: it only names commands, and says which permission each needs */
    { "commands", "The commands the daemon answers, with the permission each needs", NULL,
      cmd_commands },
  };
  for (guint i = 0; i < G_N_ELEMENTS (core); i++)
    occ_control_register (ctx->control, NULL, core[i].name, core[i].summary, core[i].permission,
                          core[i].permission ? OCC_CONTROL_FLAGS_NONE : OCC_CONTROL_PUBLIC,
                          core[i].func, ctx, NULL, NULL);
}
