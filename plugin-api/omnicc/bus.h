/* omnicc plugin API — the typed event bus.
 *
 * Plugins never call each other: they publish events and subscribe to
 * them. Each event type has a dotted name, a GVariant type string for its
 * payload and a one-line doc. The standard types are in <omnicc/events.h>.
 *
 * All functions here are for the main thread only.
 */
#pragma once

#include <glib.h>
#include <omnicc/plugin.h>

G_BEGIN_DECLS

/** OccBus: the daemon's bus. Opaque. */
typedef struct _OccBus OccBus;

/** OccEvent: one published event, immutable and reference-counted. */
typedef struct _OccEvent OccEvent;

#define OCC_BUS_ERROR (occ_bus_error_quark ())
OCC_API GQuark occ_bus_error_quark (void);

typedef enum {
  OCC_BUS_ERROR_UNKNOWN_TYPE,  /* publish of an unregistered type */
  OCC_BUS_ERROR_WRONG_PAYLOAD, /* payload does not match the type string */
  OCC_BUS_ERROR_INVALID,       /* bad name, pattern or signature */
  OCC_BUS_ERROR_EXISTS,        /* type registered twice with another signature */
  OCC_BUS_ERROR_PARSE,         /* JSON that is not an event */
} OccBusError;

/**
 * OccEventFunc:
 * @event: (transfer none): the event; take a ref to keep it.
 *
 * A subscriber. Runs on the main loop, in publish order. It may publish,
 * subscribe and unsubscribe (itself included).
 */
typedef void (*OccEventFunc) (const OccEvent *event, gpointer user_data);

/** occ_plugin_get_bus: the bus (transfer none). */
OCC_API OccBus *occ_plugin_get_bus (OccPlugin *plugin);

/**
 * occ_bus_register_type:
 * @owner: (nullable): the registering plugin; its types are removed when
 *   it unloads. NULL for the core.
 * @name: dotted lower-case name, e.g. "acd.queue.stats".
 * @signature: GVariant type string of the payload, e.g. "(sua{sv})".
 * @doc: one line, shown by `omnicc events types`.
 *
 * Registering the same name again with the same signature is allowed (and
 * a no-op); with another signature it fails with OCC_BUS_ERROR_EXISTS.
 */
OCC_API gboolean occ_bus_register_type (OccBus *bus, OccPlugin *owner, const char *name,
                                        const char *signature, const char *doc, GError **error);

/**
 * occ_bus_publish:
 * @publisher: (nullable): the publishing plugin, NULL for the core.
 * @payload: (transfer floating): sunk if floating.
 *
 * Queues an event for delivery on the main loop. Fails, and delivers
 * nothing, when the type is unknown or @payload does not match it.
 * Returns the event's sequence number (> 0) or 0 on error.
 */
OCC_API guint64 occ_bus_publish (OccBus *bus, OccPlugin *publisher, const char *type,
                                 GVariant *payload, GError **error);

/**
 * occ_bus_subscribe:
 * @owner: (nullable): subscriptions of a plugin are dropped when it unloads.
 * @pattern: an exact type name ("interaction.new"), a prefix ending in
 *   ".*" ("interaction.*"), or "*" for every event.
 * @notify: (nullable): called on @user_data once the subscription is gone
 *   and no delivery to it is running.
 *
 * Returns a subscription id (> 0), or 0 with @error set for a malformed
 * pattern. Events are matched when they are delivered: a subscription made
 * after a publish but before its delivery sees the event.
 */
OCC_API guint occ_bus_subscribe (OccBus *bus, OccPlugin *owner, const char *pattern,
                                 OccEventFunc func, gpointer user_data, GDestroyNotify notify,
                                 GError **error);

/** occ_bus_unsubscribe: ends a subscription; safe inside its own handler. */
OCC_API void occ_bus_unsubscribe (OccBus *bus, guint subscription_id);

/** occ_bus_lookup_signature: the type string of @type, or NULL if unknown. */
OCC_API const char *occ_bus_lookup_signature (OccBus *bus, const char *type);

/* --- Events -------------------------------------------------------------- */

OCC_API OccEvent *occ_event_ref (const OccEvent *event);
OCC_API void occ_event_unref (OccEvent *event);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OccEvent, occ_event_unref)

/** occ_event_get_type_name: the dotted type name (transfer none). */
OCC_API const char *occ_event_get_type_name (const OccEvent *event);
/** occ_event_get_signature: the payload's GVariant type string (transfer none). */
OCC_API const char *occ_event_get_signature (const OccEvent *event);
/** occ_event_get_payload: the payload (transfer none). */
OCC_API GVariant *occ_event_get_payload (const OccEvent *event);
/** occ_event_get_seq: the bus-wide sequence number, from 1, in publish order. */
OCC_API guint64 occ_event_get_seq (const OccEvent *event);
/** occ_event_get_time: g_get_monotonic_time() at publish, in µs. */
OCC_API gint64 occ_event_get_time (const OccEvent *event);
/** occ_event_get_publisher: the publishing plugin's name, or "core". */
OCC_API const char *occ_event_get_publisher (const OccEvent *event);

/**
 * occ_event_to_json:
 *
 * Serialises the event, payload included, to one line of JSON (transfer
 * full). The payload's GVariant type string travels with it, so
 * occ_event_from_json() restores it exactly.
 */
OCC_API char *occ_event_to_json (const OccEvent *event);

/**
 * occ_event_from_json:
 *
 * Parses what occ_event_to_json() wrote. Any other input is refused with
 * OCC_BUS_ERROR_PARSE naming what was wrong. Transfer full.
 */
OCC_API OccEvent *occ_event_from_json (const char *json, gssize length, GError **error);

/** occ_event_equal: TRUE when type, payload, seq, time and publisher match. */
OCC_API gboolean occ_event_equal (const OccEvent *a, const OccEvent *b);

G_END_DECLS
