/* The core's own control commands (status, plugin.*, events.*, config.*). */
#pragma once

#include "context.h"

void occ_commands_register (OccContext *ctx);

/* Re-reads the config file. Refuses (keeping the old one) when any file
 * is invalid; otherwise applies it and returns what happened in @report.
 * Used by SIGHUP and `omnicc config reload`. */
gboolean occ_context_reload (OccContext *ctx, GString *report, GError **error);
