/* The service registry: named, versioned interfaces provided by plugins. */
#pragma once

#include "context.h"

OccRegistry *occ_registry_new (OccBus *bus);
void occ_registry_free (OccRegistry *registry);

/* Owner-taking forms of the public occ_service_*() functions; @owner may be
 * NULL for the core. */
gboolean occ_registry_provide (OccRegistry *registry, OccPlugin *owner, const char *name,
                               gconstpointer iface, GError **error);
void occ_registry_withdraw (OccRegistry *registry, OccPlugin *owner, const char *name);
/* TRUE if the descriptor list @provides declares @name: an entry equal to
 * it, or a family "PREFIX*" whose PREFIX it begins with. */
gboolean occ_registry_provides_match (const char *const *provides, const char *name);
gconstpointer occ_registry_lookup (OccRegistry *registry, const char *name, guint32 min_version,
                                   GError **error);
guint occ_registry_watch (OccRegistry *registry, OccPlugin *owner, const char *name,
                          OccServiceWatchFunc func, gpointer user_data, GDestroyNotify notify);
void occ_registry_unwatch (OccRegistry *registry, guint watch_id);

/* Withdraws @owner's services and drops its watches. */
void occ_registry_drop_owner (OccRegistry *registry, OccPlugin *owner);

/* The plugin providing @name, or NULL. */
OccPlugin *occ_registry_get_provider (OccRegistry *registry, const char *name);

/* Calls @func for every service, sorted by name. */
typedef void (*OccRegistryFunc) (const char *name, guint32 version, OccPlugin *provider,
                                 gpointer user_data);
void occ_registry_foreach (OccRegistry *registry, OccRegistryFunc func, gpointer user_data);
