/* omnicc-sim: reading a scenario's keys (see sim-keys.h). */
#include "sim-keys.h"

#include <math.h>

gboolean
sim_key_number (GKeyFile *file, const char *path, const char *group, const char *key,
                double fallback, double min, double max, double *out, GError **error)
{
  g_autofree char *v = g_key_file_get_value (file, group, key, NULL);
  if (v == NULL)
    {
      *out = fallback;
      return TRUE;
    }
  char *end = NULL;
  double d = g_ascii_strtod (g_strstrip (v), &end);
  if (*v == '\0' || *end != '\0' || !isfinite (d))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "%s: [%s] %s: not a number", path, group, key);
      return FALSE;
    }
  if (d < min || d > max)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "%s: [%s] %s: must be between %g and %g", path, group, key, min, max);
      return FALSE;
    }
  *out = d;
  return TRUE;
}
