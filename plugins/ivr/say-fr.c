/* French words for say (see SAY.md): the numbers with their spelling
 * rules (vingt-et-un, soixante-et-onze, quatre-vingts, deux cents, mille,
 * un million), amounts, dates and the 24-hour clock. */
#include "say-private.h"

/* 0 to 99; @plural: "quatre-vingts" keeps its s (at the end of the
 * number, or before million/milliard, not before mille). */
static void
fr_below_100 (guint n, gboolean plural, GPtrArray *out)
{
  guint tens = n / 10, unit = n % 10;

  if (n <= 16)
    ivr_say_addf (out, "num-%u", n);
  else if (n < 20)
    {
      ivr_say_add (out, "num-10");
      ivr_say_addf (out, "num-%u", unit);
    }
  else if (tens <= 6)
    {
      /* "vingt et": one prompt, so that the liaison is spoken */
      if (unit == 1)
        ivr_say_addf (out, "num-%u-and", tens * 10);
      else
        ivr_say_addf (out, "num-%u", tens * 10);
      if (unit != 0)
        ivr_say_addf (out, "num-%u", unit);
    }
  else if (tens == 7)
    {
      if (unit == 1)
        {
          ivr_say_add (out, "num-60-and");
          ivr_say_add (out, "num-11");
        }
      else
        {
          ivr_say_add (out, "num-60");
          fr_below_100 (n - 60, plural, out);
        }
    }
  else
    {
      ivr_say_add (out, "num-4");
      if (n == 80)
        ivr_say_add (out, plural ? "num-20s" : "num-20");
      else
        {
          ivr_say_add (out, "num-20");
          fr_below_100 (n - 80, plural, out);
        }
    }
}

/* 1 to 999: "cent", "deux cents", "deux cent un". */
static void
fr_below_1000 (guint n, gboolean plural, GPtrArray *out)
{
  guint hundreds = n / 100, rest = n % 100;

  if (hundreds > 1)
    ivr_say_addf (out, "num-%u", hundreds);
  if (hundreds > 0)
    ivr_say_add (out, hundreds > 1 && rest == 0 && plural ? "num-hundreds" : "num-hundred");
  if (rest > 0)
    fr_below_100 (rest, plural, out);
}

static void
fr_integer (guint64 n, gboolean feminine, GPtrArray *out)
{
  guint billions = (guint) (n / 1000000000), millions = (guint) (n / 1000000 % 1000);
  guint thousands = (guint) (n / 1000 % 1000), rest = (guint) (n % 1000);

  if (n == 0)
    {
      ivr_say_add (out, "num-0");
      return;
    }
  if (billions > 0)
    {
      fr_below_1000 (billions, TRUE, out);
      ivr_say_add (out, billions > 1 ? "num-billions" : "num-billion");
    }
  if (millions > 0)
    {
      fr_below_1000 (millions, TRUE, out);
      ivr_say_add (out, millions > 1 ? "num-millions" : "num-million");
    }
  /* "mille", never "un mille"; mille is invariable */
  if (thousands > 1)
    fr_below_1000 (thousands, FALSE, out);
  if (thousands > 0)
    ivr_say_add (out, "num-thousand");
  if (rest > 0)
    fr_below_1000 (rest, TRUE, out);
  /* "vingt-et-une heures": only the final unit agrees */
  if (feminine && g_strcmp0 (out->pdata[out->len - 1], "num-1") == 0)
    {
      g_free (out->pdata[out->len - 1]);
      out->pdata[out->len - 1] = g_strdup ("num-1-f");
    }
}

/* "douze virgule cinq", "douze virgule zéro cinq": the leading zeros one
 * by one, then the rest as a number. */
static void
fr_decimals (const char *digits, GPtrArray *out)
{
  guint64 rest = 0;

  ivr_say_add (out, "point");
  while (digits[0] == '0' && digits[1] != '\0')
    {
      ivr_say_add (out, "num-0");
      digits++;
    }
  for (const char *p = digits; *p; p++)
    rest = rest * 10 + (guint) (*p - '0');
  fr_integer (rest, FALSE, out);
}

/* "douze euros cinquante", "un euro", "zéro euro", "un million d'euros",
 * "cinquante centimes". */
static void
fr_amount (guint64 units, guint cents, const IvrSayCurrency *currency, GPtrArray *out)
{
  if (units > 0 || cents == 0)
    {
      fr_integer (units, FALSE, out);
      if (units < 2)
        ivr_say_add (out, currency->stem);
      else if (units % 1000000 == 0)
        ivr_say_addf (out, "%s-of", currency->stem);
      else
        ivr_say_addf (out, "%s-pl", currency->stem);
    }
  if (cents > 0)
    {
      fr_integer (cents, FALSE, out);
      if (units == 0)
        ivr_say_add (out, cents > 1 ? "cents" : "cent");
    }
}

/* "le premier janvier deux mille vingt-six", "le trois décembre …" */
static void
fr_date (guint year, guint month, guint day, GPtrArray *out)
{
  ivr_say_add (out, "the");
  if (day == 1)
    ivr_say_add (out, "ord-1");
  else
    fr_integer (day, FALSE, out);
  ivr_say_addf (out, "month-%u", month);
  fr_integer (year, FALSE, out);
}

/* "quatorze heures cinq", "une heure", "zéro heure", "vingt-et-une heures
 * une" */
static void
fr_time (guint hour, guint minute, GPtrArray *out)
{
  fr_integer (hour, TRUE, out);
  ivr_say_add (out, hour > 1 ? "hours" : "hour");
  if (minute > 0)
    fr_integer (minute, TRUE, out);
}

const IvrSayLang ivr_say_fr = {
  .name = "fr",
  .integer = fr_integer,
  .decimals = fr_decimals,
  .amount = fr_amount,
  .date = fr_date,
  .time = fr_time,
};
