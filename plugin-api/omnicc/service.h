/* omnicc plugin API — the service registry.
 *
 * A service is a named, versioned interface: a struct of function pointers
 * whose first member is an OccServiceHeader. Plugins provide services
 * ("store", "media", "acd.strategy/longest-idle") and look them up.
 *
 * Versioning: @version grows when functions are appended to the struct;
 * @size is sizeof the struct the provider was built with. A consumer asks
 * for the minimum version it needs and, before calling a function appended
 * later, checks OCC_SERVICE_HAS (iface, field).
 *
 * All functions are for the main thread only.
 */
#pragma once

#include <stddef.h>
#include <glib.h>
#include <omnicc/plugin.h>

G_BEGIN_DECLS

/** OccServiceHeader: the first member of every service struct. */
typedef struct {
  gsize size;      /* sizeof the provider's struct */
  guint32 version; /* interface version, from 1 */
  guint32 _reserved;
} OccServiceHeader;

/* Initialises the header of a service struct literal. */
#define OCC_SERVICE_HEADER(type, ver)       \
  {                                         \
    .size = sizeof (type), .version = (ver) \
  }

/* TRUE when the provider's struct is long enough to hold @field and the
 * pointer is set. */
#define OCC_SERVICE_HAS(iface, field)                                          \
  ((iface) != NULL                                                             \
   && ((const OccServiceHeader *) (iface))->size                               \
          >= offsetof (__typeof__ (*(iface)), field) + sizeof ((iface)->field) \
   && (iface)->field != NULL)

#define OCC_SERVICE_ERROR (occ_service_error_quark ())
OCC_API GQuark occ_service_error_quark (void);

typedef enum {
  OCC_SERVICE_ERROR_NOT_FOUND, /* nobody provides it */
  OCC_SERVICE_ERROR_TOO_OLD,   /* provided, but an older version than asked */
  OCC_SERVICE_ERROR_EXISTS,    /* provided twice */
  OCC_SERVICE_ERROR_INVALID,   /* bad name or header */
} OccServiceError;

/**
 * occ_service_provide:
 * @iface: (transfer none): the interface; must stay valid until the plugin
 *   withdraws it or unloads (a static const struct is the usual choice).
 *
 * Registers a service under @name. Watchers are told. One provider per
 * name: a second is refused with OCC_SERVICE_ERROR_EXISTS.
 */
OCC_API gboolean occ_service_provide (OccPlugin *plugin, const char *name, gconstpointer iface,
                                      GError **error);

/** occ_service_withdraw: removes a service @plugin provided; watchers are told. */
OCC_API void occ_service_withdraw (OccPlugin *plugin, const char *name);

/**
 * occ_service_lookup:
 * @min_version: the oldest interface version the caller can use.
 *
 * Returns the interface (transfer none) or NULL with @error saying whether
 * it is missing or too old (with both versions named). The pointer stays
 * valid until a watcher hears the service went away; a plugin that lists
 * the service in its descriptor's `requires` is guaranteed it stays while
 * the plugin is loaded.
 */
OCC_API gconstpointer occ_service_lookup (OccPlugin *plugin, const char *name, guint32 min_version,
                                          GError **error);

/**
 * OccServiceWatchFunc:
 * @iface: the interface when it appeared, NULL when it went away.
 */
typedef void (*OccServiceWatchFunc) (const char *name, gconstpointer iface, const char *provider,
                                     gpointer user_data);

/**
 * occ_service_watch:
 *
 * Calls @func now if @name is provided, then every time it appears or goes
 * away, until occ_service_unwatch() or the plugin unloads. Returns the
 * watch id.
 */
OCC_API guint occ_service_watch (OccPlugin *plugin, const char *name, OccServiceWatchFunc func,
                                 gpointer user_data, GDestroyNotify notify);
OCC_API void occ_service_unwatch (OccPlugin *plugin, guint watch_id);

G_END_DECLS
