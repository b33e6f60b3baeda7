/* Fuzz target: the IVR's say (plugins/ivr/say.c). The input is up to four
 * lines: language, kind, value, argument (absent: NULL). Whatever it is,
 * say either appends prompt names [a-z0-9-]+ or refuses with an
 * IVR_SAY_ERROR, a readable message and nothing appended. */
#include "say.h"

#include "fuzz-log.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* [a-z0-9-]+ */
static gboolean
valid_name (const char *name)
{
  return *name && strspn (name, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen (name);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_auto (GStrv) lines = g_strsplit (text, "\n", 4);
  guint n = g_strv_length (lines);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  GError *error = NULL;

  if (n < 3)
    return 0;
  g_ptr_array_add (out, g_strdup ("welcome"));
  if (!ivr_say (lines[0], lines[1], lines[2], n > 3 ? lines[3] : NULL, out, &error))
    {
      g_assert (error != NULL && error->domain == IVR_SAY_ERROR);
      g_assert (g_utf8_validate (error->message, -1, NULL));
      g_assert (out->len == 1);
      g_error_free (error);
      return 0;
    }
  g_assert (out->len > 1);
  for (guint i = 0; i < out->len; i++)
    g_assert (valid_name (out->pdata[i]));
  return 0;
}
