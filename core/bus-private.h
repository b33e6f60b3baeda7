/* Core-side bus functions that plugins do not get. */
#pragma once

#include <omnicc/omnicc.h>

OccBus *occ_bus_new (void);
void occ_bus_free (OccBus *bus);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OccBus, occ_bus_free)

/* Registers every type of OCC_EVENT_CATALOGUE. */
void occ_bus_register_standard_types (OccBus *bus);

/* Drops every subscription and event type @owner registered. */
void occ_bus_drop_owner (OccBus *bus, OccPlugin *owner);

/* Delivers every queued event now (tests, shutdown). */
void occ_bus_flush (OccBus *bus);

typedef struct {
  guint64 published;
  guint64 delivered;
  guint subscriptions;
  guint types;
  guint queued;
} OccBusStats;

void occ_bus_get_stats (OccBus *bus, OccBusStats *stats);

/* Calls @func for each registered type, sorted by name. */
typedef void (*OccBusTypeFunc) (const char *name, const char *signature, const char *doc,
                                const char *owner, gpointer user_data);
void occ_bus_foreach_type (OccBus *bus, OccBusTypeFunc func, gpointer user_data);

/* Counts subscriptions of @owner. */
guint occ_bus_count_subscriptions (OccBus *bus, OccPlugin *owner);

/* Builds an event outside any bus (JSON parsing, tests). */
OccEvent *occ_event_new (const char *type, const char *signature, GVariant *payload, guint64 seq,
                         gint64 time, const char *publisher);
