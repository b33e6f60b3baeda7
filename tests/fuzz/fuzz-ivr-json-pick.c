/* Fuzz target: the IVR HTTP node's JSON paths — the first line is a path,
 * the rest a JSON document. A path that passes the syntax check picks a
 * scalar or fails with MISSING/NOT_SCALAR; one that does not fails with
 * BAD_PATH; a picked value is valid UTF-8 when the document was. */
#include "http.h"

#include "fuzz-log.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *) data;
  const char *nl = memchr (text, '\n', size);
  if (!nl)
    return 0;
  g_autofree char *path = g_strndup (text, (gsize) (nl - text));
  gsize json_len = size - (gsize) (nl - text) - 1;
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  if (!g_utf8_validate (nl + 1, (gssize) json_len, NULL)
      || !json_parser_load_from_data (parser, nl + 1, (gssize) json_len, NULL)
      || !json_parser_get_root (parser))
    return 0;
  g_autoptr (GError) check_error = NULL;
  gboolean well_formed = ivr_json_path_check (path, &check_error);
  g_autoptr (GError) error = NULL;
  g_autofree char *value = ivr_json_pick (json_parser_get_root (parser), path, &error);
  if (value)
    {
      g_assert_true (well_formed && error == NULL);
      g_assert_true (g_utf8_validate (value, -1, NULL));
      return 0;
    }
  g_assert_nonnull (error);
  g_assert_true (error->domain == IVR_HTTP_ERROR);
  if (well_formed)
    g_assert_true (error->code == IVR_HTTP_ERROR_MISSING
                   || error->code == IVR_HTTP_ERROR_NOT_SCALAR);
  else
    g_assert_true (error->code == IVR_HTTP_ERROR_BAD_PATH);
  return 0;
}
