/* acd: what the ACD keeps in the store across a daemon restart (tables
 * acd_agent_presence and acd_interaction, share/sql/0006-acd.sql).
 *
 * Memory (the engine) stays the truth: the plugin says which agent or
 * interaction may have changed, and a write puts in the store what the
 * engine holds of it at that moment (a row, or none). At most one write
 * per key is in flight; a change meanwhile writes again when it is done;
 * a stopping daemon waits for writes in flight. Once the store answers,
 * agents get their saved presence back, interactions whose legs survive a
 * restart (every channel but voice) are queued again with their original
 * time (so in their original order), and voice interactions, whose calls
 * died with the daemon, are recorded as lost. Without a store the ACD
 * lives in memory only. Main thread only. */
#pragma once

#include "engine.h"

#include <omnicc/omnicc.h>

G_BEGIN_DECLS

typedef struct _AcdPersist AcdPersist;

/* Starts watching the store service for @plugin's @engine (both must
 * outlive the result until acd_persist_free()). @changed(@data) is called
 * after the engine was changed from the store (agents' presences given
 * back), so that the plugin re-arms its timer. (transfer full) */
AcdPersist *acd_persist_new (OccPlugin *plugin, AcdEngine *engine, void (*changed) (gpointer),
                             gpointer data);
/* The plugin goes: nothing more is written (writes in flight finish). */
void acd_persist_free (AcdPersist *p);

/* @login's presence may have changed: write it (soon). */
void acd_persist_agent (AcdPersist *p, const char *login);
/* Interaction @id may have joined, changed state or queue, or left. */
void acd_persist_interaction (AcdPersist *p, const char *id);

/* Wall-clock µs since the epoch (the "joined" of interaction.enqueue and
 * of the store) to the engine's monotonic clock and back. The offset
 * between the clocks is read once per process, so that conversions keep
 * the order of times exactly. */
gint64 acd_persist_to_engine_time (AcdPersist *p, gint64 wall_us);
gint64 acd_persist_to_wall_time (AcdPersist *p, gint64 engine_us);

G_END_DECLS
