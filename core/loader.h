/* The plugin loader: finds plugin files, checks their descriptors, orders
 * them by what they require, loads and unloads them. */
#pragma once

#include "context.h"
#include "plugin-private.h"

#define OCC_LOADER_ERROR (occ_loader_error_quark ())
GQuark occ_loader_error_quark (void);

typedef enum {
  OCC_LOADER_ERROR_NOT_FOUND,  /* no such plugin in the plugin path */
  OCC_LOADER_ERROR_BROKEN,     /* file, symbol or descriptor is wrong */
  OCC_LOADER_ERROR_DEPENDENCY, /* something it requires is missing */
  OCC_LOADER_ERROR_FAILED,     /* load() failed */
  OCC_LOADER_ERROR_DECLINED,   /* load() declined */
  OCC_LOADER_ERROR_IN_USE,     /* unload refused: others require it */
  OCC_LOADER_ERROR_STATE,      /* already loaded / not loaded */
} OccLoaderError;

OccLoader *occ_loader_new (OccContext *ctx);
void occ_loader_free (OccLoader *loader);

/* Finds every *.so under @paths (two levels deep) and reads its
 * descriptor. Plugins already loaded are kept as they are. */
void occ_loader_scan (OccLoader *loader, const char *const *paths);

/* Loads @enabled in dependency order. Problems are logged, published on
 * the bus and kept in each plugin's state; the rest still loads. */
void occ_loader_load_enabled (OccLoader *loader, const char *const *enabled);

/* Loads one plugin now; what it requires must already be loaded. */
gboolean occ_loader_load (OccLoader *loader, const char *name, GError **error);

/* Unloads one plugin, refusing while a loaded plugin requires it. */
gboolean occ_loader_unload (OccLoader *loader, const char *name, GError **error);

/* Unloads every plugin, most recently loaded first. */
void occ_loader_unload_all (OccLoader *loader);

OccPlugin *occ_loader_get (OccLoader *loader, const char *name);

/* All known plugins sorted by name (transfer container). */
GPtrArray *occ_loader_list (OccLoader *loader);

/* Validates the config file of every plugin enabled in @config against its
 * schema, reading descriptors of plugins not loaded. All problems are
 * reported in one error. */
gboolean occ_loader_check_configs (OccLoader *loader, OccConfig *config, GError **error);

/* Adopts @config (transfer full) after a successful check: loaded plugins
 * whose file changed are reconfigured, plugins the old config enabled and
 * the new one does not are unloaded (plugins loaded by hand stay), and
 * newly enabled ones loaded. @changed receives the names of
 * plugins whose config changed. Problems of single plugins are logged and
 * returned as a warning in @problems (may be NULL). */
void occ_loader_apply_config (OccLoader *loader, OccConfig *config, GPtrArray *changed,
                              GString *problems);
