/* acd: agents' feature codes from their phones (see README.md). */
#pragma once

#include "engine.h"

#include <omnicc/omnicc.h>

/* The sip plugin's event: an agent dialed a code from a registered phone,
 * (sssa{sv}) id, login, code, extra. */
#define ACD_EVENT_FEATURE "sip.feature"
/* Ours, the answer: (ssbsa{sv}) id (the feature's), login, done, text
 * for the phone, extra: error (unknown-code, unknown-reason,
 * not-an-agent), state, reason. */
#define ACD_EVENT_FEATURE_RESULT "acd.feature.result"

/* Sets @login's presence as the agent commands do, on behalf of @actor;
 * FALSE (with @error) when @login is no agent of acd.conf. */
typedef gboolean (*AcdPresenceFunc) (gpointer data, const char *login, AcdPresence presence,
                                     const char *reason, const char *actor, GError **error);

/* Reads the [features] group of @config (@file names it in errors: a bad
 * code, reason or duplicate is refused with the group and the key),
 * registers acd.feature.result and answers sip.feature through @apply
 * (called with @data). What it keeps goes with the subscription, when the
 * plugin unloads. Main thread only. */
gboolean acd_features_start (OccPlugin *plugin, GKeyFile *config, const char *file,
                             AcdPresenceFunc apply, gpointer data, GError **error);
