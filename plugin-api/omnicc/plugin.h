/* omnicc plugin API — the plugin descriptor and the plugin handle.
 *
 * Every omnicc plugin is one shared object that exports exactly one symbol:
 * its descriptor, written by OCC_PLUGIN_DEFINE(). Everything else in the
 * object is hidden (build with -fvisibility=hidden).
 */
#pragma once

#include <glib.h>
#include <omnicc/version.h>

G_BEGIN_DECLS

/* Marks a function the core exports to plugins. */
#define OCC_API __attribute__ ((visibility ("default")))

/* The name of the one symbol a plugin exports. */
#define OCC_PLUGIN_DESCRIPTOR_SYMBOL "occ_plugin_descriptor"

/**
 * OccPlugin:
 *
 * The core's handle for one loaded plugin. Opaque. Everything a plugin
 * registers through it (subscriptions, services, event types, control
 * commands, main-loop sources) is owned by the plugin and removed by the
 * core when the plugin is unloaded.
 */
typedef struct _OccPlugin OccPlugin;

/**
 * OccLoadResult:
 * @OCC_LOAD_OK: the plugin is loaded and working.
 * @OCC_LOAD_DECLINED: the plugin is not configured on this site (for
 *   example no trunk defined); not an error. Set @error to say why.
 * @OCC_LOAD_FAILED: the plugin could not start; @error says why.
 */
typedef enum {
  OCC_LOAD_OK = 0,
  OCC_LOAD_DECLINED = 1,
  OCC_LOAD_FAILED = 2,
} OccLoadResult;

/**
 * OccConfigType:
 *
 * The type of a config key, checked by the core before the plugin sees
 * the file.
 */
typedef enum {
  OCC_CONFIG_STRING = 1,
  OCC_CONFIG_INT,
  OCC_CONFIG_BOOL,
  OCC_CONFIG_DOUBLE,
  OCC_CONFIG_STRING_LIST,
} OccConfigType;

/**
 * OccConfigKey:
 * @group: group name; a trailing '*' matches any group with that prefix
 *   (e.g. "trunk *" matches "[trunk operator1]").
 * @key: key name; a trailing '*' matches any key with that prefix (e.g.
 *   "strategy-*", whose values the plugin checks itself).
 * @type: value type.
 * @min: for OCC_CONFIG_INT and OCC_CONFIG_DOUBLE, the smallest value allowed.
 * @max: the largest value allowed (min == max == 0 means no bounds).
 * @doc: one line for the admin guide.
 *
 * One entry of a plugin's config schema. The schema is an array ended by
 * an entry whose @group is NULL. Keys not in the schema are refused, with
 * the file, line, group and key named.
 */
typedef struct {
  const char *group;
  const char *key;
  OccConfigType type;
  double min;
  double max;
  const char *doc;
} OccConfigKey;

typedef OccLoadResult (*OccPluginLoadFunc) (OccPlugin *plugin, GError **error);
typedef void (*OccPluginUnloadFunc) (OccPlugin *plugin);
/* Called after SIGHUP with the plugin's new, already validated config.
 * Return FALSE (and set @error) to refuse it: the old one is kept, and the
 * plugin must not have applied any part of the new one. */
typedef gboolean (*OccPluginReconfigureFunc) (OccPlugin *plugin, GKeyFile *config, GError **error);

/**
 * OccPluginDesc:
 * @abi_major: OCC_PLUGIN_ABI_MAJOR at build time (checked first).
 * @abi_minor: OCC_PLUGIN_ABI_MINOR at build time.
 * @name: unique plugin name, [a-z0-9-]+; the file is `<name>.so`.
 * @version: the plugin's own version.
 * @summary: one line for `omnicc plugin list`.
 * @license: SPDX identifier.
 * @requires: NULL-terminated list of what must be loaded first:
 *   `"plugin:NAME"` or `"service:NAME"` (any plugin providing it), or NULL.
 * @provides: NULL-terminated list of service names the plugin registers,
 *   used to order loading; or NULL. An entry "PREFIX*" declares a family
 *   whose names come from the site's config (the backup targets
 *   declare OCC_BACKUP_TARGET_SERVICE_PREFIX "*").
 * @after: NULL-terminated list of `"plugin:NAME"`: load after these when
 *   they are enabled too, but do not require them; or NULL. (store-sqlite
 *   loads after store-postgres and declines if that one serves.)
 *   `"plugin:PREFIX*"` names a family: every enabled plugin whose name
 *   begins so (the acd plugin loads after "plugin:acd-*", its strategies).
 * @config_schema: the keys allowed in plugins.d/<name>.conf, or NULL for
 *   a plugin without configuration.
 * @load: called once on the main thread; must not block.
 * @unload: called once on the main thread before the object is closed,
 *   after a load() that returned OK — never after DECLINED or FAILED, so
 *   load() frees what it allocated before giving up; may be NULL.
 * @reconfigure: may be NULL (config changes then wait for a reload).
 *
 * Fields are appended only by taking them from @_reserved, so a plugin
 * built against an older minor keeps working.
 */
typedef struct {
  guint32 abi_major;
  guint32 abi_minor;
  const char *name;
  const char *version;
  const char *summary;
  const char *license;
  const char *const *requires;
  const char *const *provides;
  const char *const *after;
  const OccConfigKey *config_schema;
  OccPluginLoadFunc load;
  OccPluginUnloadFunc unload;
  OccPluginReconfigureFunc reconfigure;
  gpointer _reserved[11];
} OccPluginDesc;

/* Helpers for the descriptor's NULL-terminated lists. */
#define OCC_LIST(...) ((const char *const[]){ __VA_ARGS__, NULL })

/**
 * OCC_PLUGIN_DEFINE:
 *
 * Writes the plugin's exported descriptor. Use once per plugin:
 *
 * |[
 * OCC_PLUGIN_DEFINE (.name = "eventlog", .version = "1.0",
 *                    .summary = "Writes bus events to a JSON-lines file",
 *                    .license = "GPL-3.0-or-later",
 *                    .load = eventlog_load, .unload = eventlog_unload);
 * ]|
 */
#define OCC_PLUGIN_DEFINE(...)                                                       \
  extern const OccPluginDesc occ_plugin_descriptor;                                  \
  __attribute__ ((visibility ("default"))) const OccPluginDesc occ_plugin_descriptor \
      = { .abi_major = OCC_PLUGIN_ABI_MAJOR, .abi_minor = OCC_PLUGIN_ABI_MINOR, __VA_ARGS__ }

/* --- The plugin handle -------------------------------------------------- */

/** occ_plugin_get_name: the plugin's name (transfer none). Main thread. */
OCC_API const char *occ_plugin_get_name (OccPlugin *plugin);

/**
 * occ_plugin_get_config:
 *
 * The plugin's validated config (plugins.d/<name>.conf); an empty key
 * file when the site has none. Transfer none: valid until the next
 * successful reconfigure. Main thread.
 */
OCC_API GKeyFile *occ_plugin_get_config (OccPlugin *plugin);

/**
 * occ_plugin_get_policy:
 * @name: policy name, e.g. "backup" for policies/backup.conf.
 *
 * The shipped default policy merged key by key with the site's override
 * (/etc/omnicc/policies/<name>.conf). Transfer full. NULL with @error set
 * when neither exists or one does not parse.
 */
OCC_API GKeyFile *occ_plugin_get_policy (OccPlugin *plugin, const char *name, GError **error);

/** occ_plugin_get_state_dir: the daemon's writable state folder (transfer none). */
OCC_API const char *occ_plugin_get_state_dir (OccPlugin *plugin);

/** occ_plugin_get_data_dir: the read-only share folder (prompts, SQL…). */
OCC_API const char *occ_plugin_get_data_dir (OccPlugin *plugin);

/**
 * occ_plugin_get_user_data / occ_plugin_set_user_data:
 *
 * One pointer of the plugin's own state, so that callbacks that only get
 * the OccPlugin can reach it. The core never touches it.
 */
OCC_API gpointer occ_plugin_get_user_data (OccPlugin *plugin);
OCC_API void occ_plugin_set_user_data (OccPlugin *plugin, gpointer data);

/**
 * occ_plugin_timeout_add:
 *
 * Like g_timeout_add() on the main context, but the source belongs to the
 * plugin and is destroyed when it unloads. Returns the source id.
 */
OCC_API guint occ_plugin_timeout_add (OccPlugin *plugin, guint interval_ms, GSourceFunc func,
                                      gpointer data, GDestroyNotify notify);

/**
 * occ_plugin_attach_source:
 *
 * Attaches @source (I/O watch, child watch…) to the main context on the
 * plugin's behalf; the core destroys it when the plugin unloads. The caller
 * keeps its own reference. Returns the source id.
 */
OCC_API guint occ_plugin_attach_source (OccPlugin *plugin, GSource *source);

/**
 * occ_plugin_hold / occ_plugin_release:
 *
 * While a plugin holds, a stopping daemon waits (up to the configured
 * drain timeout) before unloading plugins — e.g. while calls finish.
 * Holds nest.
 */
OCC_API void occ_plugin_hold (OccPlugin *plugin);
OCC_API void occ_plugin_release (OccPlugin *plugin);

/**
 * occ_plugin_request_stop:
 * @exit_status: what omniccd exits with (non-zero for an error).
 * @reason: logged and published with core.stopping.
 *
 * Asks the daemon to drain and stop, for a plugin that finds the site
 * cannot run safely (a database schema newer than this release knows).
 * Under systemd a non-zero status counts as a failed start.
 */
OCC_API void occ_plugin_request_stop (OccPlugin *plugin, int exit_status, const char *reason);

/** occ_plugin_is_stopping: TRUE once the daemon has begun to drain. */
OCC_API gboolean occ_plugin_is_stopping (OccPlugin *plugin);

G_END_DECLS
