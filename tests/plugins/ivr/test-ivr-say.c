/* say (plugins/ivr/say.c): what each kind reads in French and English,
 * the errors, and that every word it can produce is in the prompt
 * catalogue and (when espeak-ng generated them) a valid WAV file. */
#include "ivr-fixture.h"
#include "say.h"

#include <string.h>

typedef struct {
  const char *lang, *kind, *value, *arg;
  const char *expected; /* the prompt names, space-separated */
} Case;

/* The names @kind reads for @value, space-separated; NULL on error. */
static char *
said (const char *lang, const char *kind, const char *value, const char *arg, GError **error)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  if (!ivr_say (lang, kind, value, arg, out, error))
    return NULL;
  g_ptr_array_add (out, NULL);
  return g_strjoinv (" ", (char **) out->pdata);
}

static void
check_cases (const Case *cases, gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *got
          = said (cases[i].lang, cases[i].kind, cases[i].value, cases[i].arg, &error);
      g_assert_no_error (error);
      if (g_strcmp0 (got, cases[i].expected) != 0)
        g_error ("%s %s \"%s\" %s: want \"%s\", got \"%s\"", cases[i].lang, cases[i].kind,
                 cases[i].value, cases[i].arg ? cases[i].arg : "", cases[i].expected, got);
    }
}

static void
test_fr_numbers (void)
{
  static const Case cases[] = {
    { "fr", "number", "0", NULL, "num-0" },
    { "fr", "number", "16", NULL, "num-16" },
    { "fr", "number", "17", NULL, "num-10 num-7" },
    { "fr", "number", "19", NULL, "num-10 num-9" },
    { "fr", "number", "20", NULL, "num-20" },
    { "fr", "number", "21", NULL, "num-20-and num-1" },
    { "fr", "number", "22", NULL, "num-20 num-2" },
    { "fr", "number", "61", NULL, "num-60-and num-1" },
    { "fr", "number", "70", NULL, "num-60 num-10" },
    { "fr", "number", "71", NULL, "num-60-and num-11" },
    { "fr", "number", "77", NULL, "num-60 num-10 num-7" },
    { "fr", "number", "80", NULL, "num-4 num-20s" },
    { "fr", "number", "81", NULL, "num-4 num-20 num-1" },
    { "fr", "number", "91", NULL, "num-4 num-20 num-11" },
    { "fr", "number", "99", NULL, "num-4 num-20 num-10 num-9" },
    { "fr", "number", "100", NULL, "num-hundred" },
    { "fr", "number", "101", NULL, "num-hundred num-1" },
    { "fr", "number", "200", NULL, "num-2 num-hundreds" },
    { "fr", "number", "201", NULL, "num-2 num-hundred num-1" },
    { "fr", "number", "280", NULL, "num-2 num-hundred num-4 num-20s" },
    { "fr", "number", "1000", NULL, "num-thousand" },
    { "fr", "number", "1001", NULL, "num-thousand num-1" },
    { "fr", "number", "2000", NULL, "num-2 num-thousand" },
    { "fr", "number", "21000", NULL, "num-20-and num-1 num-thousand" },
    { "fr", "number", "80000", NULL, "num-4 num-20 num-thousand" },
    { "fr", "number", "200000", NULL, "num-2 num-hundred num-thousand" },
    { "fr", "number", "1000000", NULL, "num-1 num-million" },
    { "fr", "number", "2000000", NULL, "num-2 num-millions" },
    { "fr", "number", "80000000", NULL, "num-4 num-20s num-millions" },
    { "fr", "number", "200000000", NULL, "num-2 num-hundreds num-millions" },
    { "fr", "number", "1000000000", NULL, "num-1 num-billion" },
    { "fr", "number", "3000001000", NULL, "num-3 num-billions num-thousand" },
    { "fr", "number", "999999999999", NULL,
      "num-9 num-hundred num-4 num-20 num-10 num-9 num-billions "
      "num-9 num-hundred num-4 num-20 num-10 num-9 num-millions "
      "num-9 num-hundred num-4 num-20 num-10 num-9 num-thousand "
      "num-9 num-hundred num-4 num-20 num-10 num-9" },
    { "fr", "number", "-5", NULL, "minus num-5" },
    { "fr", "number", "-0", NULL, "num-0" },
    { "fr", "number", "007", NULL, "num-7" },
    { "fr", "number", "12.5", NULL, "num-12 point num-5" },
    { "fr", "number", "12,05", NULL, "num-12 point num-0 num-5" },
    { "fr", "number", "3.14", NULL, "num-3 point num-14" },
    { "fr", "number", "-0.5", NULL, "minus num-0 point num-5" },
  };
  check_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_en_numbers (void)
{
  static const Case cases[] = {
    { "en", "number", "0", NULL, "num-0" },
    { "en", "number", "13", NULL, "num-13" },
    { "en", "number", "21", NULL, "num-20 num-1" },
    { "en", "number", "80", NULL, "num-80" },
    { "en", "number", "100", NULL, "num-1 num-hundred" },
    { "en", "number", "105", NULL, "num-1 num-hundred and num-5" },
    { "en", "number", "1005", NULL, "num-1 num-thousand and num-5" },
    { "en", "number", "1234", NULL, "num-1 num-thousand num-2 num-hundred and num-30 num-4" },
    { "en", "number", "2000000", NULL, "num-2 num-million" },
    { "en", "number", "1000000000", NULL, "num-1 num-billion" },
    { "en", "number", "-7", NULL, "minus num-7" },
    { "en", "number", "12.5", NULL, "num-12 point num-5" },
    { "en", "number", "12.05", NULL, "num-12 point num-0 num-5" },
  };
  check_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_amounts (void)
{
  static const Case cases[] = {
    { "fr", "amount", "12.50", "EUR", "num-12 cur-eur-pl num-50" },
    { "fr", "amount", "12.5", "eur", "num-12 cur-eur-pl num-50" },
    { "fr", "amount", "1", "EUR", "num-1 cur-eur" },
    { "fr", "amount", "2", "EUR", "num-2 cur-eur-pl" },
    { "fr", "amount", "0", "EUR", "num-0 cur-eur" },
    { "fr", "amount", "0.01", "EUR", "num-1 cent" },
    { "fr", "amount", "0.50", "EUR", "num-50 cents" },
    { "fr", "amount", "1.05", "EUR", "num-1 cur-eur num-5" },
    { "fr", "amount", "1000000", "EUR", "num-1 num-million cur-eur-of" },
    { "fr", "amount", "1000001", "EUR", "num-1 num-million num-1 cur-eur-pl" },
    { "fr", "amount", "-3.20", "USD", "minus num-3 cur-usd-pl num-20" },
    { "fr", "amount", "1500", "XOF", "num-thousand num-5 num-hundreds cur-xof-pl" },
    { "fr", "amount", "1500.00", "XOF", "num-thousand num-5 num-hundreds cur-xof-pl" },
    { "en", "amount", "12.50", "EUR", "num-12 cur-eur-pl and num-50 cents" },
    { "en", "amount", "1.01", "USD", "num-1 cur-usd and num-1 cent" },
    { "en", "amount", "0.50", "EUR", "num-50 cents" },
    { "en", "amount", "0", "EUR", "num-0 cur-eur-pl" },
    { "en", "amount", "1", "XOF", "num-1 cur-xof" },
    { "en", "amount", "2", "XOF", "num-2 cur-xof-pl" },
    { "en", "amount", "-2.5", "USD", "minus num-2 cur-usd-pl and num-50 cents" },
  };
  check_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_dates (void)
{
  static const Case cases[] = {
    { "fr", "date", "2026-12-03", NULL, "the num-3 month-12 num-2 num-thousand num-20 num-6" },
    { "fr", "date", "2026-01-01", NULL, "the ord-1 month-1 num-2 num-thousand num-20 num-6" },
    { "fr", "date", "1999-05-21", NULL,
      "the num-20-and num-1 month-5 num-thousand num-9 num-hundred num-4 num-20 num-10 num-9" },
    { "en", "date", "2026-12-03", NULL, "month-12 ord-3 num-20 num-20 num-6" },
    { "en", "date", "2026-01-21", NULL, "month-1 num-20 ord-1 num-20 num-20 num-6" },
    { "en", "date", "2005-03-30", NULL, "month-3 ord-30 num-2 num-thousand and num-5" },
    { "en", "date", "1905-07-04", NULL, "month-7 ord-4 num-19 oh num-5" },
    { "en", "date", "1900-02-28", NULL, "month-2 num-20 ord-8 num-19 num-hundred" },
    { "en", "date", "2010-11-11", NULL, "month-11 ord-11 num-20 num-10" },
  };
  check_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_times (void)
{
  static const Case cases[] = {
    { "fr", "time", "14:05", NULL, "num-14 hours num-5" },
    { "fr", "time", "01:00", NULL, "num-1-f hour" },
    { "fr", "time", "0:00", NULL, "num-0 hour" },
    { "fr", "time", "21:01", NULL, "num-20-and num-1-f hours num-1-f" },
    { "fr", "time", "12:41", NULL, "num-12 hours num-40-and num-1-f" },
    { "fr", "time", "09:30", NULL, "num-9 hours num-30" },
    { "en", "time", "14:05", NULL, "num-2 oh num-5 pm" },
    { "en", "time", "00:00", NULL, "num-12 am" },
    { "en", "time", "12:00", NULL, "num-12 pm" },
    { "en", "time", "9:30", NULL, "num-9 num-30 am" },
    { "en", "time", "23:59", NULL, "num-11 num-50 num-9 pm" },
  };
  check_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_digits (void)
{
  static const Case cases[] = {
    { "fr", "digits", "+225 07-08", NULL, "plus num-2 num-2 num-5 num-0 num-7 num-0 num-8" },
    { "en", "digits", "*#1", NULL, "star hash num-1" },
    { "en", "digits", "(0) 12.3", NULL, "num-0 num-1 num-2 num-3" },
  };
  check_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_errors (void)
{
  static const struct {
    const char *lang, *kind, *value, *arg;
    IvrSayError code;
  } cases[] = {
    { "fr", "number", "abc", NULL, IVR_SAY_ERROR_INVALID },
    { "fr", "number", "", NULL, IVR_SAY_ERROR_INVALID },
    { "fr", "number", "-", NULL, IVR_SAY_ERROR_INVALID },
    { "fr", "number", "1e5", NULL, IVR_SAY_ERROR_INVALID },
    { "fr", "number", "1.", NULL, IVR_SAY_ERROR_INVALID },
    { "fr", "number", ".5", NULL, IVR_SAY_ERROR_INVALID },
    { "fr", "number", " 5", NULL, IVR_SAY_ERROR_INVALID },
    { "fr", "number", "${balance}", NULL, IVR_SAY_ERROR_INVALID },
    { "en", "number", "1000000000000", NULL, IVR_SAY_ERROR_RANGE },
    { "en", "number", "99999999999999999999999", NULL, IVR_SAY_ERROR_RANGE },
    { "en", "number", "1.1234567", NULL, IVR_SAY_ERROR_RANGE },
    { "en", "number", "12", "EUR", IVR_SAY_ERROR_INVALID },
    { "en", "number", "00000000000000000000000000000000000000000000000000000000000000001", NULL,
      IVR_SAY_ERROR_RANGE },
    { "fr", "amount", "12.505", "EUR", IVR_SAY_ERROR_RANGE },
    { "fr", "amount", "12", NULL, IVR_SAY_ERROR_UNKNOWN },
    { "fr", "amount", "12", "GBP", IVR_SAY_ERROR_UNKNOWN },
    { "fr", "amount", "10.50", "XOF", IVR_SAY_ERROR_RANGE },
    { "fr", "amount", "12 EUR", "EUR", IVR_SAY_ERROR_INVALID },
    { "fr", "date", "2026-02-30", NULL, IVR_SAY_ERROR_RANGE },
    { "fr", "date", "0000-01-01", NULL, IVR_SAY_ERROR_RANGE },
    { "fr", "date", "2026-13-01", NULL, IVR_SAY_ERROR_RANGE },
    { "fr", "date", "2026-2-3", NULL, IVR_SAY_ERROR_INVALID },
    { "fr", "date", "03/12/2026", NULL, IVR_SAY_ERROR_INVALID },
    { "en", "time", "24:00", NULL, IVR_SAY_ERROR_RANGE },
    { "en", "time", "12:60", NULL, IVR_SAY_ERROR_RANGE },
    { "en", "time", "1200", NULL, IVR_SAY_ERROR_INVALID },
    { "en", "time", "12:5", NULL, IVR_SAY_ERROR_INVALID },
    { "en", "digits", "12a", NULL, IVR_SAY_ERROR_INVALID },
    { "en", "digits", " - ", NULL, IVR_SAY_ERROR_INVALID },
    { "en", "colour", "12", NULL, IVR_SAY_ERROR_UNKNOWN },
    { "de", "number", "12", NULL, IVR_SAY_ERROR_UNKNOWN },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
      g_autoptr (GError) error = NULL;
      g_ptr_array_add (out, g_strdup ("welcome"));
      g_assert_false (
          ivr_say (cases[i].lang, cases[i].kind, cases[i].value, cases[i].arg, out, &error));
      g_assert_error (error, IVR_SAY_ERROR, (gint) cases[i].code);
      /* nothing appended on error */
      g_assert_cmpuint (out->len, ==, 1);
      g_autofree char *quoted = g_strndup (cases[i].value, IVR_SAY_MAX_VALUE);
      if (cases[i].code != IVR_SAY_ERROR_UNKNOWN)
        g_assert_nonnull (strstr (error->message, quoted));
      g_test_message ("%s", error->message);
    }
}

/* Not valid UTF-8 and control characters: refused, and the message is
 * printable. */
static void
test_garbage (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *long_value = g_strnfill (100000, '1');

  g_assert_false (ivr_say ("fr", "number", "\xff\x01\n", NULL, out, &error));
  g_assert_error (error, IVR_SAY_ERROR, IVR_SAY_ERROR_INVALID);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_clear_error (&error);
  g_assert_false (ivr_say ("fr", "\xc3(\n", "1", NULL, out, &error));
  g_assert_error (error, IVR_SAY_ERROR, IVR_SAY_ERROR_UNKNOWN);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_clear_error (&error);
  g_assert_false (ivr_say ("fr", "amount", "1", "\xe2\x82", out, &error));
  g_assert_error (error, IVR_SAY_ERROR, IVR_SAY_ERROR_UNKNOWN);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_clear_error (&error);
  g_assert_false (ivr_say ("fr", "digits", long_value, NULL, out, &error));
  g_assert_error (error, IVR_SAY_ERROR, IVR_SAY_ERROR_RANGE);
  g_assert_cmpuint (strlen (error->message), <, 200);
  g_assert_cmpuint (out->len, ==, 0);
}

/* The names of a catalogue (share/prompts/<lang>.txt). */
static GHashTable *
catalogue_names (const char *lang)
{
  g_autofree char *file = g_strconcat (lang, ".txt", NULL);
  g_autofree char *path = g_build_filename (SOURCE_ROOT, "share", "prompts", file, NULL);
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  GHashTable *names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      if (!lines[i][0] || lines[i][0] == '#')
        continue;
      char *tab = strchr (lines[i], '\t');
      g_assert_nonnull (tab);
      g_hash_table_add (names, g_strndup (lines[i], (gsize) (tab - lines[i])));
    }
  return names;
}

static void
collect (GHashTable *words, const char *lang, const char *kind, const char *value, const char *arg)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  ivr_say (lang, kind, value, arg, out, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (out->len, >, 0);
  for (guint i = 0; i < out->len; i++)
    g_hash_table_add (words, g_strdup (out->pdata[i]));
}

/* Every name say produces for a broad sweep of inputs. */
static GHashTable *
swept_words (const char *lang)
{
  static const char *const currencies[] = { "EUR", "USD", "XOF" };
  GHashTable *words = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  char value[64];

  for (guint n = 0; n <= 100000; n++)
    {
      g_snprintf (value, sizeof value, "%u", n);
      collect (words, lang, "number", value, NULL);
    }
  for (guint64 n = 100000; n <= G_GUINT64_CONSTANT (999999999999); n = n * 3 + 7)
    {
      g_snprintf (value, sizeof value, "-%" G_GUINT64_FORMAT ".0%u", n, (guint) (n % 10));
      collect (words, lang, "number", value, NULL);
      g_snprintf (value, sizeof value, "%" G_GUINT64_FORMAT "000", n % 1000000000);
      collect (words, lang, "number", value, NULL);
    }
  for (guint c = 0; c < G_N_ELEMENTS (currencies); c++)
    for (guint n = 0; n < 3000; n += 7)
      {
        g_snprintf (value, sizeof value, "%u.%02u", n * 1001, c == 2 ? 0 : n % 100);
        collect (words, lang, "amount", value, currencies[c]);
        g_snprintf (value, sizeof value, "-%u", n * 1000000);
        collect (words, lang, "amount", value, currencies[c]);
        g_snprintf (value, sizeof value, "0.%02u", n % 100);
        if (c != 2)
          collect (words, lang, "amount", value, currencies[c]);
      }
  for (guint year = 1900; year <= 2100; year += year < 2024 ? 1 : 77)
    for (guint day = 0; day < (year == 2024 ? 366 : 1); day++)
      {
        g_autoptr (GDate) date = g_date_new_dmy (1, G_DATE_JANUARY, (GDateYear) year);
        g_date_add_days (date, day);
        g_snprintf (value, sizeof value, "%04u-%02u-%02u", year, g_date_get_month (date),
                    g_date_get_day (date));
        collect (words, lang, "date", value, NULL);
      }
  for (guint minute = 0; minute < 24 * 60; minute++)
    {
      g_snprintf (value, sizeof value, "%02u:%02u", minute / 60, minute % 60);
      collect (words, lang, "time", value, NULL);
    }
  collect (words, lang, "digits", "+0123456789*#", NULL);
  return words;
}

static void
test_catalogue_covers_every_word (gconstpointer data)
{
  const char *lang = data;
  g_autoptr (GHashTable) names = catalogue_names (lang);
  g_autoptr (GHashTable) words = swept_words (lang);
  GHashTableIter it;
  gpointer word;

  g_hash_table_iter_init (&it, words);
  while (g_hash_table_iter_next (&it, &word, NULL))
    if (!g_hash_table_contains (names, word))
      g_error ("%s: say produces \"%s\", not in share/prompts/%s.txt", lang, (char *) word, lang);
  g_test_message ("%s: %u words", lang, g_hash_table_size (words));
  /* the sweep reaches the rare words */
  g_assert_true (g_hash_table_contains (words, "num-billion"));
  g_assert_true (g_hash_table_contains (words, "cur-xof-pl"));
}

/* The prompts of the demo flows, in every catalogue. */
static void
test_catalogue_has_the_flow_prompts (gconstpointer data)
{
  g_autoptr (GHashTable) names = catalogue_names (data);
  for (guint i = 0; test_common_prompts[i]; i++)
    if (!g_hash_table_contains (names, test_common_prompts[i]))
      g_error ("share/prompts/%s.txt: no %s", (const char *) data, test_common_prompts[i]);
}

/* RIFF PCM 16-bit mono 8 kHz; returns its number of samples. */
static gsize
wav_samples (const char *path)
{
  g_autofree guint8 *data = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;

  g_file_get_contents (path, (char **) &data, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (len, >=, 44);
  g_assert_cmpmem (data, 4, "RIFF", 4);
  g_assert_cmpmem (data + 8, 8, "WAVEfmt ", 8);
  g_assert_cmpuint (GUINT16_FROM_LE (*(guint16 *) (data + 20)), ==, 1); /* PCM */
  g_assert_cmpuint (GUINT16_FROM_LE (*(guint16 *) (data + 22)), ==, 1); /* mono */
  g_assert_cmpuint (GUINT32_FROM_LE (*(guint32 *) (data + 24)), ==, 8000);
  g_assert_cmpuint (GUINT16_FROM_LE (*(guint16 *) (data + 34)), ==, 16);
  g_assert_cmpmem (data + 36, 4, "data", 4);
  guint32 size = GUINT32_FROM_LE (*(guint32 *) (data + 40));
  g_assert_cmpuint (size, ==, len - 44);
  g_assert_cmpuint (GUINT32_FROM_LE (*(guint32 *) (data + 4)), ==, len - 8);
  return size / 2;
}

static void
test_prompts_are_wav_files (gconstpointer data)
{
  const char *lang = data;
  g_autoptr (GHashTable) names = NULL;
  GHashTableIter it;
  gpointer name;

  if (!PROMPTS_GENERATED)
    {
      g_test_skip ("espeak-ng was not found at build time: no prompts generated");
      return;
    }
  names = catalogue_names (lang);
  g_hash_table_iter_init (&it, names);
  while (g_hash_table_iter_next (&it, &name, NULL))
    {
      g_autofree char *file = g_strconcat (name, ".wav", NULL);
      g_autofree char *path = g_build_filename (PROMPTS_BUILD_DIR, lang, file, NULL);
      gsize samples = wav_samples (path);
      /* speech: some sound, not a minute of it */
      g_assert_cmpuint (samples, >, 800);
      g_assert_cmpuint (samples, <, 60 * 8000);
    }
  g_autofree char *beep = g_build_filename (PROMPTS_BUILD_DIR, lang, "beep.wav", NULL);
  g_autofree char *moh = g_build_filename (PROMPTS_BUILD_DIR, lang, "moh.wav", NULL);
  g_assert_cmpuint (wav_samples (beep), ==, 2000);
  g_assert_cmpuint (wav_samples (moh), ==, 20 * 8000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ivr/say/fr/numbers", test_fr_numbers);
  g_test_add_func ("/ivr/say/en/numbers", test_en_numbers);
  g_test_add_func ("/ivr/say/amounts", test_amounts);
  g_test_add_func ("/ivr/say/dates", test_dates);
  g_test_add_func ("/ivr/say/times", test_times);
  g_test_add_func ("/ivr/say/digits", test_digits);
  g_test_add_func ("/ivr/say/refuses-bad-values", test_errors);
  g_test_add_func ("/ivr/say/refuses-garbage", test_garbage);
  g_test_add_data_func ("/ivr/say/fr/catalogue-covers-every-word", "fr",
                        test_catalogue_covers_every_word);
  g_test_add_data_func ("/ivr/say/en/catalogue-covers-every-word", "en",
                        test_catalogue_covers_every_word);
  g_test_add_data_func ("/ivr/prompts/fr/catalogue-has-the-flow-prompts", "fr",
                        test_catalogue_has_the_flow_prompts);
  g_test_add_data_func ("/ivr/prompts/en/catalogue-has-the-flow-prompts", "en",
                        test_catalogue_has_the_flow_prompts);
  g_test_add_data_func ("/ivr/prompts/fr/are-wav-files", "fr", test_prompts_are_wav_files);
  g_test_add_data_func ("/ivr/prompts/en/are-wav-files", "en", test_prompts_are_wav_files);
  return g_test_run ();
}
