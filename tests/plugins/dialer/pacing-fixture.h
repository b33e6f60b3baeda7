/* The dialer's tests: the real pacing plugins of the build tree loaded
 * in-process through the core (loader + service registry), campaign
 * settings from key-file text, and an engine driven by a test clock. */
#pragma once

#include "context.h"
#include "engine.h"

/* A core context with every dialer-<pacing> plugin of the build tree
 * loaded (asserts on failure). */
OccContext *dialer_test_context_new (void);

/* The pacing service @name ("progressive") of @ctx (transfer none). */
const OccDialerPacing *dialer_test_pacing (OccContext *ctx, const char *name);

/* Settings read from "[campaign test]\n" + @keys (asserts they are
 * valid); clear with dialer_settings_clear(). */
void dialer_test_settings (const char *keys, DialerSettings *out);
/* The error reading them gives (asserts there is one; transfer full). */
char *dialer_test_settings_error (const char *keys);

/* µs since the epoch of a UTC time "2026-03-30T09:00:00Z". */
gint64 dialer_test_time (const char *iso);

#define S G_GINT64_CONSTANT (1000000)

/* An engine under the test's clock: fx->now, the actions of the last
 * tick in fx->acts. */
typedef struct {
  DialerEngine *e;
  gint64 now;
  GArray *acts;
} Fx;

/* A new engine for @pacing (by name, from @core) with settings @keys at
 * @start (an ISO time; NULL: Monday 30 March 2026, 10:00 UTC). */
void fx_start (Fx *fx, OccContext *core, const char *pacing, const char *keys, const char *start);
void fx_start_with (Fx *fx, const OccDialerPacing *pacing, const char *keys, const char *start);
/* Audits the books (asserts they are clean) and frees the engine. */
void fx_stop (Fx *fx);
/* Adds contact @id with @numbers ("+225…,+225…"). */
void fx_contact (Fx *fx, const char *id, const char *numbers, gint priority, gint64 callback_at);
/* Moves the clock by @seconds and ticks; the actions are in fx->acts. */
GArray *fx_tick (Fx *fx, double seconds);
/* The @i-th action of type @type in the last tick, or NULL. */
const DialerAction *fx_action (Fx *fx, DialerActionType type, guint i);
guint fx_count (Fx *fx, DialerActionType type);
DialerContactInfo fx_info (Fx *fx, const char *id);
/* Ticks and returns the call of the first DIAL (asserts there is one, for
 * @expect_contact when given). */
guint64 dial_one (Fx *fx, const char *expect_contact);
/* @call is answered, taken by @agent, ended a minute later; @agent free. */
void talk (Fx *fx, guint64 call, const char *agent);
