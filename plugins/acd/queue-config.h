/* acd: a queue's definition from a key file group, the same for the acd
 * plugin and omnicc-sim. */
#pragma once

#include "engine.h"

#include <omnicc/plugin.h>

/* The acd plugin's configuration schema ([acd], [queue *], [agent *]);
 * the "queue *" keys are a queue's, here and in omnicc-sim's scenarios. */
extern const OccConfigKey acd_config_schema[];

/* Reads group @group of @f (from @file, for messages) as queue @name into
 * @c (to clear with acd_queue_config_clear). Keys that are not a queue's
 * (other than @also_allowed, NULL-terminated, may be NULL), negative or
 * out-of-range times and inconsistent pairs are refused with the file,
 * group and key. */
gboolean acd_queue_config_read (GKeyFile *f, const char *file, const char *group, const char *name,
                                const char *const *also_allowed, AcdQueueConfig *c, GError **error);
