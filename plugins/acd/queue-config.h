/* acd: a queue's definition from a key file group, the same for the acd
 * plugin and omnicc-sim. */
#pragma once

#include "engine.h"

typedef struct {
  const char *key;
  const char *doc;
} AcdQueueKey;

/* The keys of a queue's group (besides "strategy-*", passed to the
 * strategy), with their documentation. */
extern const AcdQueueKey acd_queue_keys[];

/* Reads group @group of @f (from @file, for messages) as queue @name into
 * @c (to clear with acd_queue_config_clear). Unknown keys (other than
 * @also_allowed, NULL-terminated, may be NULL), negative or
 * out-of-range times and inconsistent pairs are refused with the file,
 * group and key. */
gboolean acd_queue_config_read (GKeyFile *f, const char *file, const char *group, const char *name,
                                const char *const *also_allowed, AcdQueueConfig *c, GError **error);
