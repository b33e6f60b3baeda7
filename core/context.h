/* The core's context: the one object that owns all daemon state.
 * Internal to the core; plugins only ever see opaque handles. */
#pragma once

#include <omnicc/omnicc.h>

typedef struct _OccContext OccContext;
typedef struct _OccConfig OccConfig;
typedef struct _OccRegistry OccRegistry;
typedef struct _OccLoader OccLoader;
typedef struct _OccControl OccControl;

struct _OccContext {
  OccBus *bus;
  OccRegistry *registry;
  OccLoader *loader;
  OccControl *control;
  OccConfig *config; /* the accepted configuration */
  GMainLoop *loop;
  gint64 started_at; /* monotonic µs */
  gboolean stopping;
  guint holds; /* sum of plugin holds, see occ_plugin_hold() */
  guint drain_source;
  gint64 drain_deadline; /* monotonic µs */
  gint64 hangup_deadline;
  int exit_status;
};

/* Creates a context with a bus (standard event types registered), a
 * registry and a loader, all empty. @config may be NULL (tests): an empty
 * configuration is then used. Takes ownership of @config. */
OccContext *occ_context_new (OccConfig *config);
void occ_context_free (OccContext *ctx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OccContext, occ_context_free)

/* Begins a graceful stop: publishes core.stopping, waits for plugin holds
 * (at most the drain timeout), unloads every plugin in reverse order, then
 * quits ctx->loop. Idempotent. */
void occ_context_stop (OccContext *ctx, const char *reason);

/* Called by the plugin module when holds drop to zero while stopping. */
void occ_context_holds_changed (OccContext *ctx);
