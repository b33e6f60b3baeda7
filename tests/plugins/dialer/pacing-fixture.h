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
