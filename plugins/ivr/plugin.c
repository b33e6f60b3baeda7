/* The ivr plugin: the `ivr` service (start a flow on a call), the flows
 * of the site's folders (reloaded when they change), the bus events that
 * drive sessions (keys, queue exits, answers, hang-ups), and the control
 * commands ivr.* and callback.*. See README.md and FLOWS.md. */
#include "ivr-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#define RELOAD_EVERY_S 5

static const char node_doc[]
    = "An IVR session entered a node: (interaction id, flow, node, extra: kind).";
static const char ended_doc[]
    = "An IVR session ended: (interaction id, flow, how: enqueued, transferred, callback, "
      "callback-abandoned, self-care, hangup, caller-hung-up, failed; extra: variables).";

static Ivr *
ivr_of (const OccIvrService *service)
{
  return (Ivr *) ((char *) service - G_STRUCT_OFFSET (Ivr, service));
}

char *
ivr_prompt_path (Ivr *ivr, const char *lang, const char *name)
{
  static const char *const exts[] = { ".wav", ".ogg" };
  for (guint i = 0; ivr->prompt_dirs && ivr->prompt_dirs[i]; i++)
    for (guint j = 0; j < G_N_ELEMENTS (exts); j++)
      {
        g_autofree char *file = g_strconcat (name, exts[j], NULL);
        char *path = g_build_filename (ivr->prompt_dirs[i], lang, file, NULL);
        if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
          return path;
        g_free (path);
      }
  return NULL;
}

static gboolean
prompt_exists (const char *lang, const char *name, gpointer data)
{
  g_autofree char *path = ivr_prompt_path (data, lang, name);
  return path != NULL;
}

char *
ivr_e164 (Ivr *ivr, const char *number)
{
  if (number == NULL)
    return NULL;
  g_autoptr (GString) d = g_string_new (NULL);
  gboolean plus = FALSE;
  for (const char *p = number; *p; p++)
    {
      if (*p == '+' && d->len == 0 && !plus)
        plus = TRUE;
      else if (g_ascii_isdigit (*p))
        g_string_append_c (d, *p);
      else if (!strchr (" -.()/", *p))
        return NULL;
    }
  if (!plus && g_str_has_prefix (d->str, "00"))
    {
      g_string_erase (d, 0, 2);
      plus = TRUE;
    }
  if (!plus)
    {
      if (ivr->country == NULL)
        return NULL;
      while (d->len > 0 && d->str[0] == '0')
        g_string_erase (d, 0, 1);
      g_string_prepend (d, ivr->country);
    }
  if (d->len < 6 || d->len > 15 || d->str[0] == '0')
    return NULL;
  return g_strconcat ("+", d->str, NULL);
}

/* --- the service ------------------------------------------------------------------------ */

static gboolean
service_start (const OccIvrService *service, const char *id, const char *flow, GVariant *call,
               GError **error)
{
  Ivr *ivr = ivr_of (service);
  g_return_val_if_fail (id != NULL && flow != NULL, FALSE);
  if (ivr->voice == NULL || ivr->media == NULL || !OCC_SERVICE_HAS (ivr->voice, transfer)
      || !OCC_SERVICE_HAS (ivr->media, record_stop))
    {
      g_set_error (error, OCC_IVR_ERROR, OCC_IVR_ERROR_BUSY,
                   "call %s: the IVR needs the voice service (version 3) and the media service "
                   "(version 2)",
                   id);
      return FALSE;
    }
  return ivr_session_start (ivr, id, flow, call, error);
}

/* --- bus events ---------------------------------------------------------------------------- */

static IvrSession *
session (Ivr *ivr, const char *id)
{
  return g_hash_table_lookup (ivr->sessions, id);
}

static void
on_dtmf (const OccEvent *event, gpointer data)
{
  const char *id, *label, *digit;
  g_variant_get (occ_event_get_payload (event), "(&s&s&su)", &id, &label, &digit, NULL);
  IvrSession *s = session (data, id);
  /* the caller's keys only (not an agent's or a supervisor's phone) */
  if (s && (g_str_has_prefix (label, "trunk") || g_str_has_prefix (label, "caller")))
    ivr_session_dtmf (s, digit);
}

static void
on_left (const OccEvent *event, gpointer data)
{
  const char *id, *queue, *reason;
  g_variant_get (occ_event_get_payload (event), "(&s&s&s@a{sv})", &id, &queue, &reason, NULL);
  IvrSession *s = session (data, id);
  if (s)
    ivr_session_left (s, queue, reason);
}

static void
on_connected (const OccEvent *event, gpointer data)
{
  const char *id, *agent;
  g_variant_get (occ_event_get_payload (event), "(&s&s@a{sv})", &id, &agent, NULL);
  IvrSession *s = session (data, id);
  if (s)
    ivr_session_connected (s, agent);
}

static void
on_ended (const OccEvent *event, gpointer data)
{
  const char *id, *reason;
  g_autoptr (GVariant) extra = NULL;
  g_variant_get (occ_event_get_payload (event), "(&s&s&s@a{sv})", &id, &reason, NULL, &extra);
  IvrSession *s = session (data, id);
  gboolean survey = FALSE;
  /* the agent's part ended and the caller stays for the survey: not ours */
  if (s && !(g_variant_lookup (extra, "survey", "b", &survey) && survey))
    ivr_session_ended (s, reason);
}

static void
on_service (const char *name, gconstpointer iface, const char *provider, gpointer data)
{
  Ivr *ivr = data;
  if (g_str_equal (name, OCC_VOICE_SERVICE))
    ivr->voice = iface;
  else
    ivr->media = iface;
  if (iface == NULL && g_hash_table_size (ivr->sessions) > 0)
    {
      g_message ("the %s service went away (%s): %u IVR session(s) end", name, provider,
                 g_hash_table_size (ivr->sessions));
      g_hash_table_remove_all (ivr->sessions);
    }
}

/* --- flows ------------------------------------------------------------------------------------ */

static void
log_problems (GPtrArray *problems)
{
  for (guint i = 0; i < problems->len; i++)
    {
      IvrFlowProblem *p = problems->pdata[i];
      g_warning ("IVR flow refused (the version loaded before, if any, stays): %s",
                 p->error->message);
    }
}

static gboolean
reload_tick (gpointer data)
{
  Ivr *ivr = data;
  g_autoptr (GPtrArray) problems = ivr_flow_set_reload (ivr->flows);
  log_problems (problems);
  return G_SOURCE_CONTINUE;
}

/* --- settings ----------------------------------------------------------------------------------- */

static char **
dirs_or (GKeyFile *kf, const char *key, const char *fallback)
{
  char **v = g_key_file_get_string_list (kf, "ivr", key, NULL, NULL);
  if (v && v[0])
    return v;
  g_strfreev (v);
  char **one = g_new0 (char *, 2);
  one[0] = g_strdup (fallback);
  return one;
}

static gboolean
apply_settings (Ivr *ivr, GKeyFile *kf, GError **error)
{
  const char *data = occ_plugin_get_data_dir (ivr->plugin);
  g_autofree char *share_flows = g_build_filename (data, "examples", "ivr", NULL);
  g_autofree char *share_prompts = g_build_filename (data, "prompts", NULL);
  g_autofree char *country = g_key_file_get_string (kf, "ivr", "country", NULL);
  if (country
      && (strlen (country) < 1 || strlen (country) > 3
          || strspn (country, "0123456789") != strlen (country) || country[0] == '0'))
    {
      g_set_error (error, OCC_IVR_ERROR, OCC_IVR_ERROR_NO_FLOW,
                   "[ivr] country: %s is not a calling code (1 to 3 digits, e.g. 225)", country);
      return FALSE;
    }
  g_autofree char *moh = g_key_file_get_string (kf, "ivr", "music-on-hold", NULL);
  if (moh && !ivr_var_name_is_valid (moh))
    {
      g_set_error (error, OCC_IVR_ERROR, OCC_IVR_ERROR_NO_FLOW,
                   "[ivr] music-on-hold: %s is not a prompt name", moh);
      return FALSE;
    }
  g_strfreev (ivr->flow_dirs);
  ivr->flow_dirs = dirs_or (kf, "flow-dirs", share_flows);
  g_strfreev (ivr->prompt_dirs);
  ivr->prompt_dirs = dirs_or (kf, "prompt-dirs", share_prompts);
  g_free (ivr->moh);
  ivr->moh = moh ? g_steal_pointer (&moh) : g_strdup ("moh");
  g_free (ivr->country);
  ivr->country = g_steal_pointer (&country);
  g_free (ivr->messages_dir);
  ivr->messages_dir = g_key_file_get_string (kf, "ivr", "messages-dir", NULL);
  if (ivr->messages_dir == NULL)
    ivr->messages_dir
        = g_build_filename (occ_plugin_get_state_dir (ivr->plugin), "ivr-messages", NULL);
  ivr->max_sessions = g_key_file_has_key (kf, "ivr", "max-sessions", NULL)
                          ? (guint) g_key_file_get_integer (kf, "ivr", "max-sessions", NULL)
                          : 5000;
  g_hash_table_remove_all (ivr->site_vars);
  g_auto (GStrv) keys = g_key_file_get_keys (kf, "variables", NULL, NULL);
  for (guint i = 0; keys && keys[i]; i++)
    g_hash_table_insert (ivr->site_vars, g_strdup (keys[i]),
                         g_key_file_get_string (kf, "variables", keys[i], NULL));
  if (g_mkdir_with_parents (ivr->messages_dir, 0750) != 0)
    g_warning ("[ivr] messages-dir %s: %s (call-back messages cannot be recorded)",
               ivr->messages_dir, g_strerror (errno));
  IvrFlowCheck check = { .prompt_exists = prompt_exists, .data = ivr };
  g_clear_pointer (&ivr->flows, ivr_flow_set_free);
  ivr->flows = ivr_flow_set_new ((const char *const *) ivr->flow_dirs, &check);
  g_autoptr (GPtrArray) problems = ivr_flow_set_reload (ivr->flows);
  log_problems (problems);
  g_auto (GStrv) names = ivr_flow_set_get_names (ivr->flows);
  g_autofree char *list = g_strjoinv (", ", names);
  g_message ("IVR flows: %s", *list ? list : "(none)");
  return TRUE;
}

/* --- commands ------------------------------------------------------------------------------------ */

static void
cmd_flows (OccControlCall *call, GVariant *args, gpointer data)
{
  Ivr *ivr = data;
  g_autoptr (GPtrArray) problems = ivr_flow_set_reload (ivr->flows);
  log_problems (problems);
  g_auto (GStrv) names = ivr_flow_set_get_names (ivr->flows);
  GVariantBuilder flows, errors;
  g_variant_builder_init (&flows, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; names[i]; i++)
    {
      g_autoptr (IvrFlow) f = ivr_flow_set_lookup (ivr->flows, names[i]);
      const char *desc = ivr_flow_get_description (f);
      g_variant_builder_add_parsed (&flows,
                                    "{'name': <%s>, 'language': <%s>, 'nodes': <%u>, "
                                    "'description': <%s>}",
                                    names[i], ivr_flow_get_language (f), ivr_flow_get_n_nodes (f),
                                    desc ? desc : "");
    }
  g_variant_builder_init (&errors, G_VARIANT_TYPE ("as"));
  for (guint i = 0; i < problems->len; i++)
    g_variant_builder_add (&errors, "s", ((IvrFlowProblem *) problems->pdata[i])->error->message);
  occ_control_call_return (call, g_variant_new_parsed ("{'flows': %v, 'refused': %v}",
                                                       g_variant_builder_end (&flows),
                                                       g_variant_builder_end (&errors)));
}

static void
cmd_sessions (OccControlCall *call, GVariant *args, gpointer data)
{
  Ivr *ivr = data;
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  GHashTableIter it;
  gpointer s;
  g_hash_table_iter_init (&it, ivr->sessions);
  while (g_hash_table_iter_next (&it, NULL, &s))
    g_variant_builder_add_value (&b, ivr_session_describe (s));
  GVariantBuilder how;
  g_variant_builder_init (&how, G_VARIANT_TYPE ("a{sv}"));
  GHashTableIter hi;
  gpointer k, v;
  g_hash_table_iter_init (&hi, ivr->how);
  while (g_hash_table_iter_next (&hi, &k, &v))
    g_variant_builder_add (&how, "{sv}", (const char *) k,
                           g_variant_new_uint64 (GPOINTER_TO_UINT (v)));
  occ_control_call_return (call, g_variant_new_parsed ("{'sessions': %v, 'started': <%t>, "
                                                       "'ended': <%t>, 'how': %v}",
                                                       g_variant_builder_end (&b), ivr->started,
                                                       ivr->ended, g_variant_builder_end (&how)));
}

/* --- load ------------------------------------------------------------------------------------------- */

static void
ivr_free (Ivr *ivr)
{
  if (ivr->sessions)
    g_hash_table_remove_all (ivr->sessions);
  g_clear_pointer (&ivr->http, ivr_http_free);
  g_clear_pointer (&ivr->sessions, g_hash_table_unref);
  g_clear_pointer (&ivr->flows, ivr_flow_set_free);
  g_clear_pointer (&ivr->site_vars, g_hash_table_unref);
  g_clear_pointer (&ivr->how, g_hash_table_unref);
  g_strfreev (ivr->flow_dirs);
  g_strfreev (ivr->prompt_dirs);
  g_free (ivr->moh);
  g_free (ivr->messages_dir);
  g_free (ivr->country);
  g_free (ivr);
}

static OccLoadResult
ivr_load (OccPlugin *plugin, GError **error)
{
  Ivr *ivr = g_new0 (Ivr, 1);
  ivr->plugin = plugin;
  ivr->sessions
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) ivr_session_free);
  ivr->site_vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  ivr->how = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ivr->http = ivr_http_new (NULL);
  ivr->service = (OccIvrService){
    .header = OCC_SERVICE_HEADER (OccIvrService, OCC_IVR_VERSION),
    .start = service_start,
  };
  OccBus *bus = occ_plugin_get_bus (plugin);
  gboolean ok
      = apply_settings (ivr, occ_plugin_get_config (plugin), error)
        && occ_bus_register_type (bus, plugin, OCC_EVENT_IVR_NODE, "(sssa{sv})", node_doc, error)
        && occ_bus_register_type (bus, plugin, OCC_EVENT_IVR_ENDED, "(sssa{sv})", ended_doc, error)
        && occ_bus_subscribe (bus, plugin, OCC_EVENT_MEDIA_DTMF, on_dtmf, ivr, NULL, error) != 0
        && occ_bus_subscribe (bus, plugin, OCC_EVENT_ACD_LEFT, on_left, ivr, NULL, error) != 0
        && occ_bus_subscribe (bus, plugin, OCC_EVENT_INTERACTION_CONNECTED, on_connected, ivr, NULL,
                              error)
               != 0
        && occ_bus_subscribe (bus, plugin, OCC_EVENT_INTERACTION_ENDED, on_ended, ivr, NULL, error)
               != 0
        && occ_control_add_command_full (plugin, "ivr.flows",
                                         "the IVR flows loaded (reloading changed files first), "
                                         "and the files refused",
                                         "system.status", 0, cmd_flows, ivr, NULL, error)
        && occ_control_add_command_full (plugin, "ivr.sessions",
                                         "calls in the IVR now, and how sessions ended",
                                         "system.status", 0, cmd_sessions, ivr, NULL, error)
        && ivr_callback_commands (ivr, error);
  if (!ok)
    {
      ivr_free (ivr);
      return OCC_LOAD_FAILED;
    }
  occ_service_watch (plugin, OCC_VOICE_SERVICE, on_service, ivr, NULL);
  occ_service_watch (plugin, OCC_MEDIA_SERVICE, on_service, ivr, NULL);
  occ_plugin_timeout_add (plugin, RELOAD_EVERY_S * 1000, reload_tick, ivr, NULL);
  occ_plugin_set_user_data (plugin, ivr);
  if (!occ_service_provide (plugin, OCC_IVR_SERVICE, &ivr->service, error))
    {
      occ_plugin_set_user_data (plugin, NULL);
      ivr_free (ivr);
      return OCC_LOAD_FAILED;
    }
  return OCC_LOAD_OK;
}

static void
ivr_unload (OccPlugin *plugin)
{
  Ivr *ivr = occ_plugin_get_user_data (plugin);
  if (ivr == NULL)
    return;
  occ_service_withdraw (plugin, OCC_IVR_SERVICE);
  ivr_free (ivr);
}

static gboolean
ivr_reconfigure (OccPlugin *plugin, GKeyFile *config, GError **error)
{
  return apply_settings (occ_plugin_get_user_data (plugin), config, error);
}

static const OccConfigKey ivr_schema[] = {
  { "ivr", "flow-dirs", OCC_CONFIG_STRING_LIST, 0, 0,
    "folders of flow files (NAME.flow), first wins (default: DATA/examples/ivr)" },
  { "ivr", "prompt-dirs", OCC_CONFIG_STRING_LIST, 0, 0,
    "folders of prompts (LANG/NAME.wav or .ogg), first wins (default: DATA/prompts)" },
  { "ivr", "music-on-hold", OCC_CONFIG_STRING, 0, 0,
    "the prompt played while a call waits in a queue (default moh)" },
  { "ivr", "messages-dir", OCC_CONFIG_STRING, 0, 0,
    "where call-back voice messages are recorded (default STATE/ivr-messages)" },
  { "ivr", "country", OCC_CONFIG_STRING, 0, 0,
    "calling code of national numbers (225): call-back numbers are stored in E.164" },
  { "ivr", "max-sessions", OCC_CONFIG_INT, 1, 100000,
    "calls the IVR runs at once; more are refused (default 5000)" },
  { "variables", "*", OCC_CONFIG_STRING, 0, 0,
    "site variables the flows read as ${name} (a call's own variables win)" },
  { NULL },
};

OCC_PLUGIN_DEFINE (.name = "ivr", .version = "0.1",
                   .summary = "The transactional IVR: flows, prompts, keys, HTTP, call-backs, "
                              "surveys",
                   .license = "GPL-3.0-or-later",
                   .requires = OCC_LIST ("service:voice", "service:media"),
                   .provides = OCC_LIST (OCC_IVR_SERVICE),
                   .after = OCC_LIST ("plugin:records", "plugin:audit"),
                   .config_schema = ivr_schema, .load = ivr_load, .unload = ivr_unload,
                   .reconfigure = ivr_reconfigure);
