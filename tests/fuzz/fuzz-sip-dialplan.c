/* Fuzz target: the dial plan — patterns (the first lines), then numbers
 * (the rest) matched against them, URI user parts made numbers, and
 * display names made safe to pass on. */
#include "dialplan.h"

#include "fuzz-log.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_auto (GStrv) lines = g_strsplit (text, "\n", 65);
  g_autoptr (GPtrArray) routes = g_ptr_array_new_with_free_func ((GDestroyNotify) sip_route_free);
  guint i = 0;
  for (; lines[i] && strcmp (lines[i], "--") != 0; i++)
    if (sip_pattern_is_valid (lines[i]))
      {
        SipRoute *r = g_new0 (SipRoute, 1);
        r->name = g_strdup_printf ("r%u", i);
        r->patterns = g_strdupv ((char **) (const char *const[]){ lines[i], NULL });
        g_ptr_array_add (routes, r);
      }
  for (; lines[i]; i++)
    {
      const SipRoute *r = sip_dialplan_match (routes, lines[i]);
      if (r)
        g_assert (sip_number_is_valid (lines[i]));
      g_autofree char *n = sip_number_from_user (lines[i]);
      if (n)
        g_assert (sip_number_is_valid (n));
      g_autofree char *name = sip_display_name (lines[i]);
      if (name)
        g_assert (g_utf8_validate (name, -1, NULL) && !strpbrk (name, "\"\\")
                  && g_utf8_strlen (name, -1) <= SIP_MAX_DISPLAY && name[0] != '\0');
    }
  return 0;
}
