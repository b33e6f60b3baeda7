/* Fuzz target: the dialer's E.164 normaliser — the first line names the
 * default country, each further line is a number. What it accepts is "+"
 * and at most 15 digits, and normalising that again gives it back. */
#include "e164.h"

#include "fuzz-log.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_auto (GStrv) lines = g_strsplit (text, "\n", 65);
  const DialerCountry *country = lines[0] ? dialer_e164_country_lookup (lines[0]) : NULL;
  if (!country)
    country = dialer_e164_country_lookup ("225");
  for (guint i = 1; lines[0] && lines[i]; i++)
    {
      char out[DIALER_E164_BUFSIZE];
      GError *error = NULL;
      if (!dialer_e164_normalise (lines[i], country, out, &error))
        {
          g_assert (error != NULL && error->domain == DIALER_E164_ERROR && out[0] == '\0');
          g_assert (g_utf8_validate (error->message, -1, NULL));
          g_error_free (error);
          continue;
        }
      gsize n = strlen (out);
      g_assert (out[0] == '+' && n >= 8 && n <= DIALER_E164_MAX_DIGITS + 1 && out[1] != '0');
      for (gsize k = 1; k < n; k++)
        g_assert (g_ascii_isdigit (out[k]));
      char again[DIALER_E164_BUFSIZE];
      g_assert (dialer_e164_normalise (out, country, again, NULL));
      g_assert (strcmp (out, again) == 0);
    }
  return 0;
}
