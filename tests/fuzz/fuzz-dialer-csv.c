/* Fuzz target: the dialer's contact import — the CSV tokenizer fed whole
 * and cut in two must agree, and the import over the same bytes must keep
 * its report consistent and hand out only E.164 numbers and valid JSON.
 * The first byte picks the separator, the mode and where to cut. */
#include "import.h"

#include "fuzz-log.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static gboolean
collect (const DialerCsvRow *row, gpointer user_data, GError **error)
{
  (void) error;
  GString *out = user_data;
  g_assert (row->line >= 1 && row->n_fields >= 1);
  for (guint i = 0; i < row->n_fields; i++)
    {
      g_assert (g_utf8_validate (row->fields[i], -1, NULL));
      g_string_append_printf (out, "%" G_GUINT64_FORMAT ":%s\x1f", row->line, row->fields[i]);
    }
  g_string_append_c (out, '\x1e');
  return TRUE;
}

static char *
tokenize (const char *text, gsize len, char sep, gsize cut)
{
  GString *out = g_string_new (NULL);
  g_autoptr (DialerCsv) csv = dialer_csv_new (sep, 4096, collect, out);
  g_autoptr (GError) error = NULL;
  if (dialer_csv_feed (csv, text, cut, &error)
      && dialer_csv_feed (csv, text + cut, len - cut, &error))
    dialer_csv_finish (csv, &error);
  if (error)
    g_string_append_printf (out, "error %d: %s", error->code, error->message);
  g_assert (dialer_csv_get_peak_buffer (csv) <= 4096 + 4096 * 2 * sizeof (gsize) + 64);
  return g_string_free (out, FALSE);
}

static gboolean
check_batch (const DialerContact *contacts, guint n, gpointer data, GError **error)
{
  (void) error;
  guint64 *count = data;
  for (guint i = 0; i < n; i++)
    {
      g_assert (contacts[i].phones[0] != NULL);
      for (guint k = 0; contacts[i].phones[k]; k++)
        {
          const char *p = contacts[i].phones[k];
          g_assert (p[0] == '+' && strlen (p) <= DIALER_E164_BUFSIZE - 1);
          for (const char *d = p + 1; *d; d++)
            g_assert (g_ascii_isdigit (*d));
        }
      g_assert (contacts[i].fields[0] == '{' && g_utf8_validate (contacts[i].fields, -1, NULL));
    }
  *count += n;
  return TRUE;
}

static const DialerImportSink sink = { NULL, check_batch, NULL, NULL };

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  static const char seps[] = { 0, ',', ';', '\t' };
  char sep = seps[data[0] & 3];
  const char *text = (const char *) data + 1;
  gsize len = size - 1;
  gsize cut = len ? (data[0] >> 2) % (len + 1) : 0;

  g_autofree char *whole = tokenize (text, len, sep, 0);
  g_autofree char *split = tokenize (text, len, sep, cut);
  g_assert (strcmp (whole, split) == 0);

  const char *const phones[] = { "phone1", "phone2", NULL };
  DialerImportOptions o
      = { .country = "225",
          .separator = sep,
          .phone_columns = phones,
          .priority_column = (data[0] & 0x40) ? "prio" : NULL,
          .mode = (data[0] & 0x80) ? DIALER_IMPORT_SKIP_BAD_ROWS : DIALER_IMPORT_ALL_OR_NOTHING,
          .max_problems = 8,
          .batch_size = 3,
          .max_row = 4096 };
  guint64 delivered = 0;
  g_autoptr (DialerImport) imp = dialer_import_new (&o, &sink, &delivered, NULL);
  g_assert (imp != NULL);
  gboolean ok = dialer_import_feed (imp, text, cut, NULL)
                && dialer_import_feed (imp, text + cut, len - cut, NULL)
                && dialer_import_finish (imp, NULL);
  const DialerImportReport *r = dialer_import_get_report (imp);
  g_assert (ok == r->committed && ok == (r->error == NULL));
  if (ok)
    g_assert (r->rows == r->imported + r->rejected + r->skipped && delivered == r->imported);
  g_assert (r->first_problems->len <= 8 && r->first_problems->len <= r->problems);
  g_autofree char *json = dialer_import_report_to_json (r);
  g_assert (g_utf8_validate (json, -1, NULL));
  return 0;
}
