/* hello: the omnicc plugin template.
 *
 * Copy this folder, rename "hello" everywhere, and keep what you need.
 * The plugin greets people:
 *
 *   omnicc call hello.greet name=world              -> "Hello, world!"
 *   omnicc call hello.greet name=monde language=fr  -> "Bonjour, monde!"
 *
 * Every greeting is published on the bus as a hello.greeted event. Other
 * plugins are greeted when they load, a timer greets the world every
 * [hello] interval seconds, and other plugins can greet through the
 * "hello" service (hello-service.h).
 *
 * Config, plugins.d/hello.conf (see hello.conf in this folder):
 *   [hello]
 *   greeting=Hello      put before the name
 *   interval=60         seconds between greetings to the world; 0: never
 *   [language fr]       any number of these, picked with language=fr
 *   greeting=Bonjour
 */
#include "hello-service.h"

#include <omnicc/omnicc.h>
#include <string.h>

#define HELLO_EVENT_GREETED "hello.greeted"
#define HELLO_DEFAULT_GREETING "Hello"
#define HELLO_DEFAULT_INTERVAL 60

/* The core refuses keys that are not listed here, values of the wrong type
 * and integers out of bounds, naming file, line and key, before load() or
 * reconfigure() runs: the plugin only checks what a schema cannot say.
 * Each doc line ends up in the admin guide. */
static const OccConfigKey hello_schema[] = {
  { "hello", "greeting", OCC_CONFIG_STRING, 0, 0,
    "Word put before the name (default " HELLO_DEFAULT_GREETING ")." },
  { "hello", "interval", OCC_CONFIG_INT, 0, 86400,
    "Seconds between greetings to the world on the bus; 0 turns them off (default 60)." },
  /* "language *" matches [language fr], [language de]… */
  { "language *", "greeting", OCC_CONFIG_STRING, 0, 0,
    "The greeting used when hello.greet is called with language=<the group's suffix>." },
  { .group = NULL } /* end */
};

/* The config, copied out of the GKeyFile: the core replaces that key file
 * on every successful reconfigure, so nothing may point into it. */
typedef struct {
  char *greeting;
  guint interval_s;
  GHashTable *languages; /* language -> greeting */
} HelloSettings;

/* All of the plugin's state, reached through the pointers the core hands
 * back to callbacks: a plugin keeps no global mutable state, because the
 * same object can be loaded, unloaded and loaded again. */
typedef struct {
  /* First member, so that a service call, which only gets the
   * HelloService pointer, can find the rest (see hello_service_greet). */
  HelloService service;
  OccPlugin *plugin;
  HelloSettings *settings;
  guint timer;
  guint64 greeted;
} Hello;

static void
hello_settings_free (HelloSettings *settings)
{
  if (settings == NULL)
    return;
  g_free (settings->greeting);
  g_clear_pointer (&settings->languages, g_hash_table_unref);
  g_free (settings);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HelloSettings, hello_settings_free)

static gboolean
hello_check_greeting (const char *greeting, const char *group, GError **error)
{
  for (const char *p = greeting; *p != '\0'; p++)
    if (!g_ascii_isspace (*p))
      return TRUE;
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
               "[%s] greeting: must not be empty", group);
  return FALSE;
}

/* Reads @config, already checked against hello_schema. NULL with @error
 * set when a value is well-typed but still unusable. */
static HelloSettings *
hello_settings_new (GKeyFile *config, GError **error)
{
  g_autoptr (HelloSettings) settings = g_new0 (HelloSettings, 1);
  settings->languages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  settings->greeting = g_key_file_get_string (config, "hello", "greeting", NULL);
  if (settings->greeting == NULL)
    settings->greeting = g_strdup (HELLO_DEFAULT_GREETING);
  if (!hello_check_greeting (settings->greeting, "hello", error))
    return NULL;
  settings->interval_s = HELLO_DEFAULT_INTERVAL;
  if (g_key_file_has_key (config, "hello", "interval", NULL))
    settings->interval_s = (guint) g_key_file_get_integer (config, "hello", "interval", NULL);

  g_auto (GStrv) groups = g_key_file_get_groups (config, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      if (!g_str_has_prefix (groups[i], "language "))
        continue;
      g_autofree char *greeting = g_key_file_get_string (config, groups[i], "greeting", NULL);
      if (greeting == NULL)
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                       "[%s] has no greeting", groups[i]);
          return NULL;
        }
      if (!hello_check_greeting (greeting, groups[i], error))
        return NULL;
      g_hash_table_insert (settings->languages, g_strdup (groups[i] + strlen ("language ")),
                           g_steal_pointer (&greeting));
    }
  return g_steal_pointer (&settings);
}

/* The greeting word for @language (NULL: the default), or NULL when the
 * site has not configured that language. */
static const char *
hello_pick_greeting (Hello *self, const char *language)
{
  if (language == NULL)
    return self->settings->greeting;
  return g_hash_table_lookup (self->settings->languages, language);
}

/* Every way of greeting ends here, so the bus hears of each one. */
static char *
hello_greet (Hello *self, const char *greeting, const char *name)
{
  char *text = g_strdup_printf ("%s, %s!", greeting, name);
  self->greeted++;
  g_autoptr (GError) error = NULL;
  /* The bus checks the payload against the registered "(ss)"; a mismatch
   * is a bug in this plugin, and is refused rather than delivered. */
  if (occ_bus_publish (occ_plugin_get_bus (self->plugin), self->plugin, HELLO_EVENT_GREETED,
                       g_variant_new ("(ss)", name, text), &error)
      == 0)
    g_warning ("cannot publish %s: %s", HELLO_EVENT_GREETED, error->message);
  return text;
}

/* --- the service ------------------------------------------------------------ */

static char *
hello_service_greet (const HelloService *service, const char *name)
{
  /* The interface is the first member of the (non-const) Hello, so the
   * cast gets the whole state back without a global. */
  Hello *self = (Hello *) service;
  g_return_val_if_fail (name != NULL, NULL);
  return hello_greet (self, self->settings->greeting, name);
}

/* --- the control command ------------------------------------------------------ */

static void
hello_return_error (OccControlCall *call, OccControlError code, const char *message)
{
  g_autoptr (GError) error = g_error_new_literal (OCC_CONTROL_ERROR, code, message);
  occ_control_call_return_error (call, error);
}

/* Arguments are guessed from JSON (`name=42` arrives as a number), so
 * every one is type-checked; a wrong one is the caller's error, named. */
static gboolean
hello_string_arg (OccControlCall *call, GVariant *args, const char *key, gboolean required,
                  const char **value)
{
  g_autoptr (GVariant) v = g_variant_lookup_value (args, key, NULL);
  *value = NULL;
  if (v == NULL && !required)
    return TRUE;
  /* "&s" borrows the string from @args, which outlives this call */
  if (v != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_STRING)
      && g_variant_lookup (args, key, "&s", value) && **value != '\0')
    return TRUE;
  g_autofree char *message = g_strdup_printf (
      v ? "argument “%s” must be a non-empty string" : "argument “%s” is missing", key);
  hello_return_error (call, OCC_CONTROL_ERROR_BAD_REQUEST, message);
  return FALSE;
}

/* hello.greet name=NAME [language=LANG]: answers {greeting, greeted}.
 * Every path answers exactly once; a command that must wait for I/O keeps
 * @call and answers later from the main loop instead. */
static void
hello_cmd_greet (OccControlCall *call, GVariant *args, gpointer user_data)
{
  Hello *self = user_data;
  const char *name, *language;
  if (!hello_string_arg (call, args, "name", TRUE, &name)
      || !hello_string_arg (call, args, "language", FALSE, &language))
    return;
  const char *greeting = hello_pick_greeting (self, language);
  if (greeting == NULL)
    {
      g_autofree char *message = g_strdup_printf ("no [language %s] group in hello.conf", language);
      hello_return_error (call, OCC_CONTROL_ERROR_NOT_FOUND, message);
      return;
    }
  g_autofree char *text = hello_greet (self, greeting, name);
  g_info ("%s (asked by %s)", text, occ_control_call_get_peer (call));

  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "greeting", g_variant_new_string (text));
  g_variant_builder_add (&b, "{sv}", "greeted", g_variant_new_uint64 (self->greeted));
  occ_control_call_return (call, g_variant_builder_end (&b));
}

/* --- bus and timer ------------------------------------------------------------- */

static void
hello_on_plugin_loaded (const OccEvent *event, gpointer user_data)
{
  Hello *self = user_data;
  const char *name, *version;
  /* No type check needed: the bus only delivers payloads that match the
   * catalogue's "(ss)" for plugin.loaded. */
  g_variant_get (occ_event_get_payload (event), "(&s&s)", &name, &version);
  /* Delivery is asynchronous, so this plugin hears of its own load too. */
  if (strcmp (name, occ_plugin_get_name (self->plugin)) == 0)
    return;
  g_autofree char *text = hello_greet (self, self->settings->greeting, name);
  g_debug ("%s (version %s)", text, version);
}

static gboolean
hello_on_timer (gpointer user_data)
{
  Hello *self = user_data;
  /* A draining daemon is finishing work, not taking new: stay quiet. */
  if (occ_plugin_is_stopping (self->plugin))
    return G_SOURCE_CONTINUE;
  g_autofree char *text = hello_greet (self, self->settings->greeting, "world");
  g_debug ("%s", text);
  return G_SOURCE_CONTINUE;
}

static void
hello_restart_timer (Hello *self)
{
  if (self->timer != 0)
    g_source_remove (self->timer);
  self->timer = 0;
  /* Through the plugin, not g_timeout_add(): the core destroys the source
   * when the plugin unloads, before its code is unmapped. */
  if (self->settings->interval_s > 0)
    self->timer = occ_plugin_timeout_add (self->plugin, self->settings->interval_s * 1000,
                                          hello_on_timer, self, NULL);
}

/* --- lifecycle ----------------------------------------------------------------- */

static void
hello_free (Hello *self)
{
  hello_settings_free (self->settings);
  g_free (self);
}

/* Everything registered here belongs to the plugin: the core removes it
 * all on unload, and after a failed load. */
static gboolean
hello_register (Hello *self, GError **error)
{
  OccPlugin *plugin = self->plugin;
  OccBus *bus = occ_plugin_get_bus (plugin);
  return occ_bus_register_type (bus, plugin, HELLO_EVENT_GREETED, "(ss)",
                                "Someone was greeted by the hello plugin: (name, greeting).", error)
         && occ_bus_subscribe (bus, plugin, OCC_EVENT_PLUGIN_LOADED, hello_on_plugin_loaded, self,
                               NULL, error)
                != 0
         && occ_service_provide (plugin, HELLO_SERVICE_NAME, &self->service, error)
         && occ_control_add_command (plugin, "hello.greet",
                                     "Greet someone (args: name, optional language)",
                                     hello_cmd_greet, self, NULL, error);
}

static OccLoadResult
hello_load (OccPlugin *plugin, GError **error)
{
  /* A plugin that is merely not set up on this site (no trunk, no
   * account…) returns OCC_LOAD_DECLINED with a reason instead: that is
   * reported, but not as a failure. hello works without any config. */
  HelloSettings *settings = hello_settings_new (occ_plugin_get_config (plugin), error);
  if (settings == NULL)
    return OCC_LOAD_FAILED;

  Hello *self = g_new0 (Hello, 1);
  self->plugin = plugin;
  self->settings = settings;
  self->service.header
      = (OccServiceHeader) OCC_SERVICE_HEADER (HelloService, HELLO_SERVICE_VERSION);
  self->service.greet = hello_service_greet;
  if (!hello_register (self, error))
    {
      /* unload() is not called after a failed load, so free here; the
       * core drops the registrations when load() returns, and none of
       * their callbacks can run before that. */
      hello_free (self);
      return OCC_LOAD_FAILED;
    }
  occ_plugin_set_user_data (plugin, self);
  hello_restart_timer (self);
  if (settings->interval_s > 0)
    g_info ("loaded; greeting with “%s”, and the world every %u s", settings->greeting,
            settings->interval_s);
  else
    g_info ("loaded; greeting with “%s”", settings->greeting);
  return OCC_LOAD_OK;
}

static void
hello_unload (OccPlugin *plugin)
{
  Hello *self = occ_plugin_get_user_data (plugin);
  /* The core withdraws services only after unload() returns, but this
   * one lives inside *self: withdraw it first, so that no consumer is
   * ever left holding freed memory. The subscription, the event type, the
   * command and the timer are removed by the core, and none of them can
   * run between here and there. */
  occ_service_withdraw (plugin, HELLO_SERVICE_NAME);
  g_info ("unloading after %" G_GUINT64_FORMAT " greetings", self->greeted);
  hello_free (self);
}

/* Called after `omnicc config reload` or SIGHUP when plugins.d/hello.conf
 * changed. All or nothing: on FALSE the core keeps the old config, so
 * nothing of the new one may have been applied. */
static gboolean
hello_reconfigure (OccPlugin *plugin, GKeyFile *config, GError **error)
{
  Hello *self = occ_plugin_get_user_data (plugin);
  HelloSettings *fresh = hello_settings_new (config, error);
  if (fresh == NULL)
    return FALSE;
  gboolean interval_changed = fresh->interval_s != self->settings->interval_s;
  hello_settings_free (self->settings);
  self->settings = fresh;
  if (interval_changed)
    hello_restart_timer (self);
  g_info ("reconfigured; greeting with “%s”", fresh->greeting);
  return TRUE;
}

/* The one exported symbol. The name must equal the file name (hello.so)
 * and the ABI numbers are filled in from the headers built against. */
OCC_PLUGIN_DEFINE (.name = "hello", .version = "0.1.0",
                   .summary = "Greets people: the omnicc plugin template",
                   .license = "GPL-3.0-or-later", .provides = OCC_LIST (HELLO_SERVICE_NAME),
                   .config_schema = hello_schema, .load = hello_load, .unload = hello_unload,
                   .reconfigure = hello_reconfigure);
