/* omnicc-sim's campaign mode (sim-campaign.c): built when the dialer's
 * engine is (OCC_SIM_CAMPAIGN). */
#pragma once

#include "context.h"

#include <glib.h>

/* Does the scenario @file describe a campaign (a [campaign] group)? */
gboolean sim_campaign_is (GKeyFile *file);

/* Runs the campaign scenario @file (read from @path) for each mode it
 * lists (or @mode) and prints the figures; @seed ≥ 0 and @replications
 * > 0 override the scenario's. Returns the exit status. */
int sim_campaign_main (GKeyFile *file, const char *path, OccContext *ctx, gint64 seed,
                       gint replications, gboolean json, const char *mode);
