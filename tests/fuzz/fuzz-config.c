/* Fuzz target: config files through GKeyFile and our schema check, with
 * the line finder that names the place of each problem. */
#include "config.h"

#include "fuzz-log.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
static const OccConfigKey schema[] = { { "core", "state-dir", OCC_CONFIG_STRING, 0, 0, "" },
                                       { "core", "drain-timeout", OCC_CONFIG_INT, 0, 3600, "" },
                                       { "core", "flag", OCC_CONFIG_BOOL, 0, 0, "" },
                                       { "core", "ratio", OCC_CONFIG_DOUBLE, 0, 1, "" },
                                       { "plugins", "enabled", OCC_CONFIG_STRING_LIST, 0, 0, "" },
                                       { "trunk *", "host", OCC_CONFIG_STRING, 0, 0, "" },
                                       { .group = NULL } };

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  if (!g_utf8_validate (text, -1, NULL)
      || !g_key_file_load_from_data (kf, text, -1, G_KEY_FILE_KEEP_COMMENTS, NULL))
    return 0;
  g_autoptr (GError) e = NULL;
  if (!occ_config_validate (kf, text, "fuzz.conf", schema, &e))
    g_assert (g_str_has_prefix (e->message, "fuzz.conf:"));
  occ_config_find_line (text, "core", "state-dir");
  occ_config_find_line (text, "trunk a", NULL);
  return 0;
}
