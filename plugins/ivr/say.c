/* say: checks the kind, the language and the value, then lets the
 * language (say-fr.c, say-en.c) choose the words. See SAY.md. */
#include "say.h"

#include "say-private.h"

#include <stdarg.h>
#include <string.h>

G_DEFINE_QUARK (ivr - say - error - quark, ivr_say_error)

static const IvrSayCurrency currencies[] = {
  { "EUR", "cur-eur", TRUE },
  { "USD", "cur-usd", TRUE },
  { "XOF", "cur-xof", FALSE },
};

static const IvrSayLang *const languages[] = { &ivr_say_fr, &ivr_say_en };

void
ivr_say_add (GPtrArray *out, const char *name)
{
  g_ptr_array_add (out, g_strdup (name));
}

void
ivr_say_addf (GPtrArray *out, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_ptr_array_add (out, g_strdup_vprintf (format, args));
  va_end (args);
}

/* A number as it was written: sign, whole part, the decimals' digits. */
typedef struct {
  gboolean negative;
  guint64 integer;
  char decimals[IVR_SAY_MAX_DECIMALS + 1];
} SayNumber;

/* The value quoted for an error message: bounded, escaped, valid UTF-8. */
static char *
quote (const char *value)
{
  g_autofree char *cut = g_strndup (value, IVR_SAY_MAX_VALUE);
  return g_strescape (cut, NULL);
}

static gboolean
fail (GError **error, IvrSayError code, const char *what, const char *value, const char *why)
{
  g_autofree char *quoted = quote (value);
  g_set_error (error, IVR_SAY_ERROR, code, "say %s \"%s\": %s", what, quoted, why);
  return FALSE;
}

/* [+-]DIGITS[(.|,)DIGITS]: at most @max_decimals decimals and a whole part
 * up to IVR_SAY_MAX_INTEGER. */
static gboolean
parse_number (const char *kind, const char *value, guint max_decimals, SayNumber *number,
              GError **error)
{
  const char *p = value;
  guint n_digits = 0, n_decimals = 0;
  gboolean zero = TRUE;

  memset (number, 0, sizeof *number);
  if (*p == '-' || *p == '+')
    number->negative = *p++ == '-';
  for (; g_ascii_isdigit (*p); p++)
    {
      if (n_digits > 0 || *p != '0')
        n_digits++;
      if (n_digits > 12
          || (number->integer = number->integer * 10 + (guint) (*p - '0')) > IVR_SAY_MAX_INTEGER)
        return fail (error, IVR_SAY_ERROR_RANGE, kind, value, "larger than 999999999999");
      zero = zero && *p == '0';
    }
  if (p == value || !g_ascii_isdigit (p[-1]))
    return fail (error, IVR_SAY_ERROR_INVALID, kind, value, "not a number");
  if (*p == '.' || *p == ',')
    {
      for (p++; g_ascii_isdigit (*p); p++)
        {
          if (n_decimals == max_decimals)
            return fail (error, IVR_SAY_ERROR_RANGE, kind, value,
                         max_decimals == 0 ? "no decimals allowed" : "too many decimals");
          number->decimals[n_decimals++] = *p;
          zero = zero && *p == '0';
        }
      if (n_decimals == 0)
        return fail (error, IVR_SAY_ERROR_INVALID, kind, value, "no digit after the point");
    }
  if (*p != '\0')
    return fail (error, IVR_SAY_ERROR_INVALID, kind, value, "not a number");
  /* "-0" reads "zero" */
  number->negative = number->negative && !zero;
  return TRUE;
}

static gboolean
say_number (const IvrSayLang *lang, const char *value, GPtrArray *out, GError **error)
{
  SayNumber number;
  if (!parse_number ("number", value, IVR_SAY_MAX_DECIMALS, &number, error))
    return FALSE;
  if (number.negative)
    ivr_say_add (out, "minus");
  lang->integer (number.integer, FALSE, out);
  if (number.decimals[0])
    lang->decimals (number.decimals, out);
  return TRUE;
}

static gboolean
say_amount (const IvrSayLang *lang, const char *value, const char *arg, GPtrArray *out,
            GError **error)
{
  const IvrSayCurrency *currency = NULL;
  SayNumber number;
  guint cents;

  for (guint i = 0; arg && i < G_N_ELEMENTS (currencies); i++)
    if (g_ascii_strcasecmp (arg, currencies[i].code) == 0)
      currency = &currencies[i];
  if (!currency && arg && *arg)
    return fail (error, IVR_SAY_ERROR_UNKNOWN, "currency", arg, "not EUR, USD or XOF");
  if (!currency)
    return fail (error, IVR_SAY_ERROR_UNKNOWN, "amount", value,
                 "needs a currency: EUR, USD or XOF");
  if (!parse_number ("amount", value, 2, &number, error))
    return FALSE;
  cents = (guint) g_ascii_strtoull (number.decimals, NULL, 10);
  if (number.decimals[0] && !number.decimals[1])
    cents *= 10; /* "12.5" is 12.50 */
  if (cents > 0 && !currency->has_cents)
    return fail (error, IVR_SAY_ERROR_RANGE, "amount", value, "XOF has no cents");
  if (number.negative)
    ivr_say_add (out, "minus");
  lang->amount (number.integer, cents, currency, out);
  return TRUE;
}

/* Digits one by one; spaces, dots, dashes, slashes and brackets are only
 * there for the eye. */
static gboolean
say_digits (const char *value, GPtrArray *out, GError **error)
{
  guint before = out->len;
  for (const char *p = value; *p; p++)
    {
      if (g_ascii_isdigit (*p))
        ivr_say_addf (out, "num-%d", *p - '0');
      else if (*p == '+')
        ivr_say_add (out, "plus");
      else if (*p == '*')
        ivr_say_add (out, "star");
      else if (*p == '#')
        ivr_say_add (out, "hash");
      else if (!strchr (" .-/()", *p))
        return fail (error, IVR_SAY_ERROR_INVALID, "digits", value,
                     "only digits, + * # and separators");
    }
  if (out->len == before)
    return fail (error, IVR_SAY_ERROR_INVALID, "digits", value, "no digit");
  return TRUE;
}

/* Exactly @n_digits ASCII digits at @p. */
static gboolean
fixed_digits (const char *p, guint n_digits, guint *result)
{
  *result = 0;
  for (guint i = 0; i < n_digits; i++)
    {
      if (!g_ascii_isdigit (p[i]))
        return FALSE;
      *result = *result * 10 + (guint) (p[i] - '0');
    }
  return TRUE;
}

/* YYYY-MM-DD, a real day */
static gboolean
say_date (const IvrSayLang *lang, const char *value, GPtrArray *out, GError **error)
{
  guint year, month, day;
  if (strlen (value) != 10 || value[4] != '-' || value[7] != '-' || !fixed_digits (value, 4, &year)
      || !fixed_digits (value + 5, 2, &month) || !fixed_digits (value + 8, 2, &day))
    return fail (error, IVR_SAY_ERROR_INVALID, "date", value, "not YYYY-MM-DD");
  if (year == 0 || !g_date_valid_dmy ((GDateDay) day, (GDateMonth) month, (GDateYear) year))
    return fail (error, IVR_SAY_ERROR_RANGE, "date", value, "no such day");
  lang->date (year, month, day, out);
  return TRUE;
}

/* HH:MM or H:MM, 00:00 to 23:59 */
static gboolean
say_time (const IvrSayLang *lang, const char *value, GPtrArray *out, GError **error)
{
  gsize len = strlen (value);
  guint hour, minute;
  if ((len != 4 && len != 5) || value[len - 3] != ':'
      || !fixed_digits (value, (guint) len - 3, &hour)
      || !fixed_digits (value + len - 2, 2, &minute))
    return fail (error, IVR_SAY_ERROR_INVALID, "time", value, "not HH:MM");
  if (hour > 23 || minute > 59)
    return fail (error, IVR_SAY_ERROR_RANGE, "time", value, "no such time of day");
  lang->time (hour, minute, out);
  return TRUE;
}

static gboolean
say_kind (const IvrSayLang *lang, const char *kind, const char *value, const char *arg,
          GPtrArray *out, GError **error)
{
  static const char *const kinds[] = { "number", "digits", "amount", "date", "time" };

  if (!g_strv_contains (kinds, kind))
    return fail (error, IVR_SAY_ERROR_UNKNOWN, "kind", kind,
                 "unknown kind (number, digits, amount, date, time)");
  if (strcmp (kind, "amount") == 0)
    return say_amount (lang, value, arg, out, error);
  /* only amounts take an argument: a stray one is a mistake in the flow */
  if (arg && *arg)
    return fail (error, IVR_SAY_ERROR_INVALID, kind, value, "takes no argument");
  if (strcmp (kind, "number") == 0)
    return say_number (lang, value, out, error);
  if (strcmp (kind, "digits") == 0)
    return say_digits (value, out, error);
  if (strcmp (kind, "date") == 0)
    return say_date (lang, value, out, error);
  return say_time (lang, value, out, error);
}

gboolean
ivr_say (const char *lang, const char *kind, const char *value, const char *arg, GPtrArray *out,
         GError **error)
{
  const IvrSayLang *language = NULL;
  g_autoptr (GPtrArray) words = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (lang != NULL && kind != NULL && value != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (languages); i++)
    if (strcmp (lang, languages[i]->name) == 0)
      language = languages[i];
  if (!language)
    return fail (error, IVR_SAY_ERROR_UNKNOWN, "language", lang, "unknown language (fr, en)");
  if (strnlen (value, IVR_SAY_MAX_VALUE + 1) > IVR_SAY_MAX_VALUE)
    return fail (error, IVR_SAY_ERROR_RANGE, "value", value, "longer than 64 bytes");
  if (arg && strnlen (arg, IVR_SAY_MAX_VALUE + 1) > IVR_SAY_MAX_VALUE)
    return fail (error, IVR_SAY_ERROR_RANGE, "argument", arg, "longer than 64 bytes");
  if (!say_kind (language, kind, value, arg, words, error))
    return FALSE;
  for (guint i = 0; i < words->len; i++)
    g_ptr_array_add (out, g_steal_pointer (&words->pdata[i]));
  return TRUE;
}
