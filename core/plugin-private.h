/* The core's side of OccPlugin: what the loader knows of a plugin file and,
 * while it is loaded, everything it registered. */
#pragma once

#include "context.h"

typedef enum {
  OCC_PLUGIN_AVAILABLE, /* found, valid, not loaded */
  OCC_PLUGIN_LOADED,
  OCC_PLUGIN_DECLINED, /* load() said it is not configured here */
  OCC_PLUGIN_FAILED,   /* broken file or load() failed; see reason */
} OccPluginState;

struct _OccPlugin {
  OccContext *ctx;
  char *name;
  const char *interned_name; /* the same, interned: events point to it */
  char *path;
  OccPluginState state;
  char *reason; /* why DECLINED or FAILED */
  /* copied from the descriptor when scanned, so they outlive dlclose() */
  char *version;
  char *summary;
  char *license;
  guint32 abi_major, abi_minor;
  GStrv requires;
  GStrv provides;
  GStrv after;
  gboolean has_schema;
  gboolean has_reconfigure;
  /* while loaded */
  gpointer module; /* dlopen() handle */
  const OccPluginDesc *desc;
  GKeyFile *config;
  gpointer user_data;
  GPtrArray *sources; /* GSource refs */
  guint holds;
  gboolean builtin; /* made by occ_plugin_new_builtin(): no file */
};

const char *occ_plugin_state_to_string (OccPluginState state);

/* The plugin's name as an interned string (never freed). */
const char *occ_plugin_get_interned_name (OccPlugin *plugin);

/* A plugin with no file, for the core's own use and for tests: it can own
 * subscriptions, services and sources like a loaded one. */
OccPlugin *occ_plugin_new_builtin (OccContext *ctx, const char *name);

/* Removes everything @plugin registered (subscriptions, event types,
 * services, watches, control commands, sources) and drops its holds. */
void occ_plugin_drop_registrations (OccPlugin *plugin);

void occ_plugin_free (OccPlugin *plugin);
