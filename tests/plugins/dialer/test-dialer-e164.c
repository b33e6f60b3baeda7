/* The dialer's E.164 normaliser (plugins/dialer/e164.c): every country of
 * its table in national and international forms, the formatting people
 * write, and the numbers it must refuse, with their reasons. */
#include "e164.h"

#include <string.h>

typedef struct {
  const char *country;
  const char *input;
  const char *want;
} Case;

static const Case good[] = {
  /* Côte d'Ivoire: 10 digits since 2021, no trunk prefix (the 0 stays) */
  { "225", "07 07 12 34 56", "+2250707123456" },
  { "CI", "27.22.44.55.66", "+2252722445566" },
  { "225", "+225 01 02 03 04 05", "+2250102030405" },
  { "33", "00225 05-06-07-08-09", "+2250506070809" },
  /* France: trunk 0, 9 digits */
  { "33", "06 12 34 56 78", "+33612345678" },
  { "FR", "612345678", "+33612345678" },
  { "225", "+33 (0)1 23 45 67 89", "+33123456789" },
  { "225", "+33 01 23 45 67 89", "+33123456789" },
  { "225", "0033 1 23 45 67 89", "+33123456789" },
  /* Belgium: trunk 0, 8 or 9 digits */
  { "32", "02/123.45.67", "+3221234567" },
  { "BE", "0470 12 34 56", "+32470123456" },
  { "225", "+32 470 12 34 56", "+32470123456" },
  /* Switzerland */
  { "41", "044 668 18 00", "+41446681800" },
  { "225", "+41 (0)44 668 18 00", "+41446681800" },
  /* United States and Canada: trunk 1, 10 digits, international 011 */
  { "1", "(212) 555-0100", "+12125550100" },
  { "US", "1-212-555-0100", "+12125550100" },
  { "CA", "416 555 0199", "+14165550199" },
  { "1", "011 33 6 12 34 56 78", "+33612345678" },
  { "225", "+1 212 555 0100", "+12125550100" },
  /* United Kingdom: trunk 0, 9 or 10 digits */
  { "44", "020 7946 0018", "+442079460018" },
  { "GB", "07700 900123", "+447700900123" },
  { "225", "+44 (0)20 7946 0018", "+442079460018" },
  /* Germany: trunk 0, variable length */
  { "49", "030 123456", "+4930123456" },
  { "DE", "0151 23456789", "+4915123456789" },
  { "225", "+49 30 1234567", "+49301234567" },
  /* Senegal, Cameroon: 9 digits, no trunk prefix */
  { "221", "77 123 45 67", "+221771234567" },
  { "SN", "+221 33 821 00 00", "+221338210000" },
  { "237", "6 71 23 45 67", "+237671234567" },
  { "CM", "00237 2 22 23 45 67", "+237222234567" },
  /* Morocco: trunk 0, 9 digits */
  { "212", "06 12 34 56 78", "+212612345678" },
  { "MA", "+212 5 22 12 34 56", "+212522123456" },
  /* no-break and thin spaces from spreadsheets */
  { "33",
    "06\xc2\xa0"
    "12\xe2\x80\xaf"
    "34\xe2\x80\x89"
    "56 78",
    "+33612345678" },
  /* a country outside the table: E.164's bounds only */
  { "225", "+81 3 1234 5678", "+81312345678" },
  { "225", "+683 4002", "+6834002" },
};

typedef struct {
  const char *country;
  const char *input;
  DialerE164Error code;
  const char *reason; /* a part of the message */
} BadCase;

static const BadCase bad[] = {
  { "225", "", DIALER_E164_ERROR_EMPTY, "no digits" },
  { "225", " - ", DIALER_E164_ERROR_EMPTY, "no digits" },
  { "225", "07 07 12 34 5x", DIALER_E164_ERROR_LETTER, "letter “x”" },
  { "225", "call me", DIALER_E164_ERROR_LETTER, "letter “c”" },
  { "225", "07 07 12 34 5é", DIALER_E164_ERROR_LETTER, "letter “é”" },
  { "225", "07#07 12 34 56", DIALER_E164_ERROR_CHARACTER, "character “#”" },
  { "225", "07 07+12 34 56", DIALER_E164_ERROR_CHARACTER, "character “+”" },
  { "225", "07\x01", DIALER_E164_ERROR_CHARACTER, "control character U+0001" },
  /* the old 8-digit Ivorian numbers are gone */
  { "225", "07 12 34 56", DIALER_E164_ERROR_TOO_SHORT, "Côte d'Ivoire (+225): 8 digits" },
  { "225", "+225 07 07 12 34 56 7", DIALER_E164_ERROR_TOO_LONG, "want 10" },
  { "33", "06 12 34 56", DIALER_E164_ERROR_TOO_SHORT, "France" },
  { "33", "06 12 34 56 78 9", DIALER_E164_ERROR_TOO_LONG, "France" },
  { "1", "555 0100", DIALER_E164_ERROR_TOO_SHORT, "United States and Canada" },
  { "44", "020 7946 00188", DIALER_E164_ERROR_TOO_LONG, "United Kingdom" },
  { "49", "030 12", DIALER_E164_ERROR_TOO_SHORT, "Germany" },
  { "221", "77 123 45", DIALER_E164_ERROR_TOO_SHORT, "Senegal" },
  { "237", "6 71 23 45 67 8", DIALER_E164_ERROR_TOO_LONG, "Cameroon" },
  { "212", "06 12 34", DIALER_E164_ERROR_TOO_SHORT, "Morocco" },
  { "32", "0470 12 34 56 78", DIALER_E164_ERROR_TOO_LONG, "Belgium" },
  { "41", "044 668 18", DIALER_E164_ERROR_TOO_SHORT, "Switzerland" },
  /* E.164 itself: at most 15 digits, no country code 0 */
  { "225", "+81 3 1234 5678 90123", DIALER_E164_ERROR_TOO_LONG, "E.164 allows 15" },
  { "225", "+0 123 456 789", DIALER_E164_ERROR_CHARACTER, "country code" },
  { "225", "+683 40", DIALER_E164_ERROR_TOO_SHORT, "too short" },
  { "225", "1234567890123456789012345", DIALER_E164_ERROR_TOO_LONG, "more than" },
};

static void
test_good (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      const DialerCountry *c = dialer_e164_country_lookup (good[i].country);
      g_assert_nonnull (c);
      char out[DIALER_E164_BUFSIZE];
      g_autoptr (GError) error = NULL;
      if (!dialer_e164_normalise (good[i].input, c, out, &error))
        g_error ("“%s” (%s): %s", good[i].input, good[i].country, error->message);
      g_assert_cmpstr (out, ==, good[i].want);
    }
}

static void
test_bad (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      const DialerCountry *c = dialer_e164_country_lookup (bad[i].country);
      char out[DIALER_E164_BUFSIZE];
      g_autoptr (GError) error = NULL;
      if (dialer_e164_normalise (bad[i].input, c, out, &error))
        g_error ("“%s” (%s) accepted as %s", bad[i].input, bad[i].country, out);
      g_assert_error (error, DIALER_E164_ERROR, (gint) bad[i].code);
      if (!strstr (error->message, bad[i].reason))
        g_error ("“%s”: “%s” does not say “%s”", bad[i].input, error->message, bad[i].reason);
      g_assert_cmpstr (out, ==, "");
    }
}

/* Each entry of the table can be found by code and ISO name, and has a
 * national example in the cases above. */
static void
test_table (void)
{
  guint n = 0;
  const DialerCountry *table = dialer_e164_countries (&n);
  g_assert_cmpuint (n, >=, 10);
  for (guint i = 0; i < n; i++)
    {
      g_assert_true (dialer_e164_country_lookup (table[i].code) == &table[i]);
      g_autofree char *plus = g_strconcat ("+", table[i].code, NULL);
      g_assert_true (dialer_e164_country_lookup (plus) == &table[i]);
      g_auto (GStrv) isos = g_strsplit (table[i].iso, "/", 0);
      for (guint k = 0; isos[k]; k++)
        {
          g_autofree char *lower = g_ascii_strdown (isos[k], -1);
          g_assert_true (dialer_e164_country_lookup (isos[k]) == &table[i]);
          g_assert_true (dialer_e164_country_lookup (lower) == &table[i]);
        }
      gboolean example = FALSE;
      for (guint k = 0; k < G_N_ELEMENTS (good) && !example; k++)
        example = dialer_e164_country_lookup (good[k].country) == &table[i]
                  && good[k].input[0] != '+' && !g_str_has_prefix (good[k].input, "00");
      g_assert_true (example);
    }
  g_assert_null (dialer_e164_country_lookup ("999"));
  g_assert_null (dialer_e164_country_lookup ("XX"));
  char out[DIALER_E164_BUFSIZE];
  g_autoptr (GError) error = NULL;
  g_assert_false (dialer_e164_normalise ("0707123456", NULL, out, &error));
  g_assert_error (error, DIALER_E164_ERROR, DIALER_E164_ERROR_COUNTRY);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dialer/e164/normalises-every-country", test_good);
  g_test_add_func ("/dialer/e164/refuses-bad-numbers-with-the-reason", test_bad);
  g_test_add_func ("/dialer/e164/finds-countries-by-code-and-iso", test_table);
  return g_test_run ();
}
