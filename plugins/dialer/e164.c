/* E.164 normalisation for the contact import (see e164.h, README.md). */
#include "e164.h"

#include <string.h>

G_DEFINE_QUARK (dialer - e164 - error - quark, dialer_e164_error)

/* Digits kept while reading; past this the number is too long whatever
 * its form. */
#define MAX_READ 24

/* National lengths from the countries' numbering plans as published to the
 * ITU. Côte d'Ivoire moved to 10 digits in 2021 and has no trunk prefix:
 * the leading 0 of "07 07 12 34 56" belongs to the number. */
static const DialerCountry countries[] = {
  { "CI", "Côte d'Ivoire", "225", NULL, "00", 10, 10 },
  { "FR", "France", "33", "0", "00", 9, 9 },
  { "BE", "Belgium", "32", "0", "00", 8, 9 },
  { "CH", "Switzerland", "41", "0", "00", 9, 9 },
  { "US/CA", "United States and Canada", "1", "1", "011", 10, 10 },
  { "GB", "United Kingdom", "44", "0", "00", 9, 10 },
  { "DE", "Germany", "49", "0", "00", 6, 13 },
  { "SN", "Senegal", "221", NULL, "00", 9, 9 },
  { "CM", "Cameroon", "237", NULL, "00", 9, 9 },
  { "MA", "Morocco", "212", "0", "00", 9, 9 },
};

const DialerCountry *
dialer_e164_countries (guint *n_countries)
{
  g_return_val_if_fail (n_countries != NULL, NULL);
  *n_countries = G_N_ELEMENTS (countries);
  return countries;
}

static gboolean
iso_matches (const char *iso, const char *name)
{
  g_auto (GStrv) parts = g_strsplit (iso, "/", 0);
  for (guint i = 0; parts[i]; i++)
    if (g_ascii_strcasecmp (parts[i], name) == 0)
      return TRUE;
  return FALSE;
}

const DialerCountry *
dialer_e164_country_lookup (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);
  const char *code = name[0] == '+' ? name + 1 : name;
  for (guint i = 0; i < G_N_ELEMENTS (countries); i++)
    if (strcmp (countries[i].code, code) == 0 || iso_matches (countries[i].iso, name))
      return &countries[i];
  return NULL;
}

/* The table's country whose calling code starts @digits, or NULL. Calling
 * codes are a prefix code: at most one matches. */
static const DialerCountry *
country_of (const char *digits)
{
  for (guint i = 0; i < G_N_ELEMENTS (countries); i++)
    if (g_str_has_prefix (digits, countries[i].code))
      return &countries[i];
  return NULL;
}

/* Separators people write inside numbers: ASCII ones, and the no-break,
 * narrow no-break and thin spaces spreadsheets in French locales use. */
static gsize
separator_len (const char *p)
{
  if (*p != '\0' && strchr (" \t.-/()", *p))
    return 1;
  static const char *const spaces[] = { "\xc2\xa0", "\xe2\x80\xaf", "\xe2\x80\x89" };
  for (guint i = 0; i < G_N_ELEMENTS (spaces); i++)
    if (g_str_has_prefix (p, spaces[i]))
      return strlen (spaces[i]);
  return 0;
}

typedef struct {
  char digits[MAX_READ + 1];
  guint n;
  gboolean plus;
  int paren_zero; /* index in digits of a 0 written "(0)", or -1 */
} Scanned;

static gboolean
refuse_char (const char *p, GError **error)
{
  gunichar c = g_utf8_get_char_validated (p, -1);
  if (c == (gunichar) -1 || c == (gunichar) -2)
    {
      g_set_error (error, DIALER_E164_ERROR, DIALER_E164_ERROR_CHARACTER, "not valid UTF-8");
      return FALSE;
    }
  char text[8] = { 0 };
  g_unichar_to_utf8 (c, text);
  if (g_unichar_isalpha (c))
    g_set_error (error, DIALER_E164_ERROR, DIALER_E164_ERROR_LETTER, "contains the letter “%s”",
                 text);
  else if (c < 0x20 || c == 0x7f)
    g_set_error (error, DIALER_E164_ERROR, DIALER_E164_ERROR_CHARACTER,
                 "contains the control character U+%04X", c);
  else
    g_set_error (error, DIALER_E164_ERROR, DIALER_E164_ERROR_CHARACTER,
                 "contains the character “%s”", text);
  return FALSE;
}

static gboolean
scan (const char *input, Scanned *s, GError **error)
{
  s->n = 0;
  s->plus = FALSE;
  s->paren_zero = -1;
  for (const char *p = input; *p;)
    {
      if (g_ascii_isdigit (*p))
        {
          if (s->n == MAX_READ)
            {
              g_set_error (error, DIALER_E164_ERROR, DIALER_E164_ERROR_TOO_LONG,
                           "more than %d digits", MAX_READ);
              return FALSE;
            }
          s->digits[s->n++] = *p++;
          continue;
        }
      if (*p == '+' && s->n == 0 && !s->plus)
        {
          s->plus = TRUE;
          p++;
          continue;
        }
      if (g_str_has_prefix (p, "(0)") && s->paren_zero < 0)
        s->paren_zero = (int) s->n;
      gsize len = separator_len (p);
      if (len == 0)
        return refuse_char (p, error);
      p += len;
    }
  s->digits[s->n] = '\0';
  if (s->n == 0)
    {
      g_set_error (error, DIALER_E164_ERROR, DIALER_E164_ERROR_EMPTY, "no digits");
      return FALSE;
    }
  return TRUE;
}

/* Checks the national number's length for @c, or E.164's bounds when the
 * country is not in the table, and writes the result. */
static gboolean
finish (const char *code, const char *nsn, const DialerCountry *c, char *out, GError **error)
{
  gsize total = strlen (code) + strlen (nsn);
  gsize len = strlen (nsn);
  if (c && len < c->min_nsn)
    {
      g_set_error (error, DIALER_E164_ERROR, DIALER_E164_ERROR_TOO_SHORT,
                   "too short for %s (+%s): %zu digits after the country code, want %u", c->name,
                   c->code, len, c->min_nsn);
      return FALSE;
    }
  if (c && len > c->max_nsn)
    {
      g_set_error (error, DIALER_E164_ERROR, DIALER_E164_ERROR_TOO_LONG,
                   "too long for %s (+%s): %zu digits after the country code, want %u", c->name,
                   c->code, len, c->max_nsn);
      return FALSE;
    }
  if (total > DIALER_E164_MAX_DIGITS)
    {
      g_set_error (error, DIALER_E164_ERROR, DIALER_E164_ERROR_TOO_LONG,
                   "too long: %zu digits, E.164 allows %d", total, DIALER_E164_MAX_DIGITS);
      return FALSE;
    }
  if (total < 7)
    {
      g_set_error (error, DIALER_E164_ERROR, DIALER_E164_ERROR_TOO_SHORT,
                   "too short: %zu digits with the country code", total);
      return FALSE;
    }
  g_snprintf (out, DIALER_E164_BUFSIZE, "+%s%s", code, nsn);
  return TRUE;
}

static gboolean
international (Scanned *s, guint skip, char *out, GError **error)
{
  char *digits = s->digits + skip;
  if (digits[0] == '0')
    {
      g_set_error (error, DIALER_E164_ERROR, DIALER_E164_ERROR_CHARACTER,
                   "no country code starts with 0");
      return FALSE;
    }
  const DialerCountry *c = country_of (digits);
  if (!c)
    return finish ("", digits, NULL, out, error);
  char *nsn = digits + strlen (c->code);
  gsize len = strlen (nsn);
  /* "+33 (0)1 …" writes the trunk prefix for national callers; "+33 01 …"
   * is the same mistake without the brackets. */
  gboolean written_zero = s->paren_zero == (int) (skip + strlen (c->code));
  if (c->trunk_prefix && g_str_has_prefix (nsn, c->trunk_prefix)
      && (written_zero || len == c->max_nsn + strlen (c->trunk_prefix)))
    nsn += strlen (c->trunk_prefix);
  return finish (c->code, nsn, c, out, error);
}

gboolean
dialer_e164_normalise (const char *input, const DialerCountry *country,
                       char out[DIALER_E164_BUFSIZE], GError **error)
{
  g_return_val_if_fail (input != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  out[0] = '\0';
  if (!country)
    {
      g_set_error (error, DIALER_E164_ERROR, DIALER_E164_ERROR_COUNTRY, "no default country");
      return FALSE;
    }
  Scanned s;
  if (!scan (input, &s, error))
    return FALSE;
  if (s.plus)
    return international (&s, 0, out, error);
  if (g_str_has_prefix (s.digits, country->intl_prefix))
    return international (&s, strlen (country->intl_prefix), out, error);
  if (g_str_has_prefix (s.digits, "00"))
    return international (&s, 2, out, error);
  const char *nsn = s.digits;
  /* Without the trunk prefix too: spreadsheets drop leading zeros. */
  if (country->trunk_prefix && g_str_has_prefix (nsn, country->trunk_prefix)
      && strlen (nsn) > country->min_nsn)
    nsn += strlen (country->trunk_prefix);
  return finish (country->code, nsn, country, out, error);
}
