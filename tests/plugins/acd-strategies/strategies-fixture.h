/* The ACD strategy plugins loaded in-process from the build tree through
 * the real core (loader + service registry), and small helpers to call
 * them the way the engine does. */
#pragma once

#include "context.h"

#include <omnicc/acd.h>

/* The strategies plugins/acd-strategies builds, in its meson order. */
extern const char *const acd_test_strategy_names[];

/* A core context with every acd-<strategy> plugin of the build tree
 * loaded (asserts on failure). */
OccContext *acd_test_context_new (void);

/* The strategy service @name ("round-robin") of @ctx (transfer none). */
const OccAcdStrategy *acd_test_strategy (OccContext *ctx, const char *name);

/* One queue run by a strategy, as the engine would hold it: its state
 * from queue_new (with @params, "key=value" strings, or none) and a
 * random source seeded with @seed. */
typedef struct {
  const OccAcdStrategy *strategy;
  OccAcdContext ctx;
} AcdTestQueue;

AcdTestQueue *acd_test_queue_new (OccContext *ctx, const char *strategy, guint32 seed,
                                  const char *const *params);
void acd_test_queue_free (AcdTestQueue *q);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AcdTestQueue, acd_test_queue_free)

/* Calls select and asserts what the engine relies on: at most @n
 * indices, each < @n, none twice. Returns how many. */
guint acd_test_select (AcdTestQueue *q, const OccAcdInteraction *ix, const OccAcdAgent *agents,
                       guint n, guint *out);

/* The ranking as the agents' logins, "b,c,a" (transfer full). */
char *acd_test_rank (AcdTestQueue *q, const OccAcdInteraction *ix, const OccAcdAgent *agents,
                     guint n);

/* What the engine does for a strategy without ring-all: select, then
 * offer to the first. Returns the index offered. */
guint acd_test_offer_first (AcdTestQueue *q, const OccAcdInteraction *ix, const OccAcdAgent *agents,
                            guint n);

/* An agent named @login with @id, @order and @idle_since; everything
 * else 0 (free_capacity 1). */
OccAcdAgent acd_test_agent (const char *login, guint id, guint order, gint64 idle_since);
