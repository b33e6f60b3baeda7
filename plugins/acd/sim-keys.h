/* omnicc-sim: reading a scenario's keys, for both of its modes. */
#pragma once

#include <glib.h>

/* @key of @group in @file as a number ≥ @min and ≤ @max, or @fallback
 * when absent. FALSE with @error naming @path, the group and the key. */
gboolean sim_key_number (GKeyFile *file, const char *path, const char *group, const char *key,
                         double fallback, double min, double max, double *out, GError **error);
