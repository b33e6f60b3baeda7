/* English words for say (see SAY.md): British style numbers ("one
 * hundred and five"), amounts with cents, dates with ordinal days and
 * years in pairs ("twenty twenty-six"), the 12-hour clock ("two oh five
 * p.m."). */
#include "say-private.h"

/* 0 to 99: "twenty-one" is "twenty" "one" */
static void
en_below_100 (guint n, GPtrArray *out)
{
  if (n < 20)
    ivr_say_addf (out, "num-%u", n);
  else
    {
      ivr_say_addf (out, "num-%u", n / 10 * 10);
      if (n % 10 != 0)
        ivr_say_addf (out, "num-%u", n % 10);
    }
}

/* 1 to 999: "one hundred and five" */
static void
en_below_1000 (guint n, GPtrArray *out)
{
  if (n >= 100)
    {
      ivr_say_addf (out, "num-%u", n / 100);
      ivr_say_add (out, "num-hundred");
      if (n % 100 != 0)
        ivr_say_add (out, "and");
    }
  if (n % 100 != 0)
    en_below_100 (n % 100, out);
}

static void
en_integer (guint64 n, gboolean feminine, GPtrArray *out)
{
  static const struct {
    guint64 size;
    const char *name;
  } scales[] = {
    { 1000000000, "num-billion" },
    { 1000000, "num-million" },
    { 1000, "num-thousand" },
  };
  guint rest = (guint) (n % 1000);

  if (n == 0)
    {
      ivr_say_add (out, "num-0");
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (scales); i++)
    {
      guint group = (guint) (n / scales[i].size % 1000);
      if (group == 0)
        continue;
      en_below_1000 (group, out);
      ivr_say_add (out, scales[i].name);
    }
  /* "two thousand and five" */
  if (rest > 0 && rest < 100 && n >= 1000)
    ivr_say_add (out, "and");
  if (rest > 0)
    en_below_1000 (rest, out);
}

/* "twelve point zero five": each digit */
static void
en_decimals (const char *digits, GPtrArray *out)
{
  ivr_say_add (out, "point");
  for (const char *p = digits; *p; p++)
    ivr_say_addf (out, "num-%d", *p - '0');
}

/* "twelve euros and fifty cents", "one euro", "fifty cents" */
static void
en_amount (guint64 units, guint cents, const IvrSayCurrency *currency, GPtrArray *out)
{
  if (units > 0 || cents == 0)
    {
      en_integer (units, FALSE, out);
      if (units == 1)
        ivr_say_add (out, currency->stem);
      else
        ivr_say_addf (out, "%s-pl", currency->stem);
    }
  if (cents > 0)
    {
      if (units > 0)
        ivr_say_add (out, "and");
      en_integer (cents, FALSE, out);
      ivr_say_add (out, cents > 1 ? "cents" : "cent");
    }
}

/* "twenty twenty-six", "nineteen oh five", "nineteen hundred", "two
 * thousand and five" */
static void
en_year (guint year, GPtrArray *out)
{
  if (year < 1000 || year % 1000 < 10)
    {
      en_integer (year, FALSE, out);
      return;
    }
  en_below_100 (year / 100, out);
  if (year % 100 == 0)
    ivr_say_add (out, "num-hundred");
  else if (year % 100 < 10)
    {
      ivr_say_add (out, "oh");
      ivr_say_addf (out, "num-%u", year % 100);
    }
  else
    en_below_100 (year % 100, out);
}

/* "December third, twenty twenty-six"; "twenty-first" is "twenty"
 * "first". */
static void
en_date (guint year, guint month, guint day, GPtrArray *out)
{
  ivr_say_addf (out, "month-%u", month);
  if (day < 20 || day % 10 == 0)
    ivr_say_addf (out, "ord-%u", day);
  else
    {
      ivr_say_addf (out, "num-%u", day / 10 * 10);
      ivr_say_addf (out, "ord-%u", day % 10);
    }
  en_year (year, out);
}

/* "two oh five p.m.", "two p.m.", "twelve thirty a.m." */
static void
en_time (guint hour, guint minute, GPtrArray *out)
{
  guint twelve = hour % 12 == 0 ? 12 : hour % 12;

  ivr_say_addf (out, "num-%u", twelve);
  if (minute > 0 && minute < 10)
    ivr_say_add (out, "oh");
  if (minute > 0)
    en_below_100 (minute, out);
  ivr_say_add (out, hour < 12 ? "am" : "pm");
}

const IvrSayLang ivr_say_en = {
  .name = "en",
  .integer = en_integer,
  .decimals = en_decimals,
  .amount = en_amount,
  .date = en_date,
  .time = en_time,
};
