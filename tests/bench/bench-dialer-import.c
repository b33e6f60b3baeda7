/* bench dialer-import: the dialer's contact import over a realistic
 * campaign file — 1,000,000 rows (or the number given) of 5 columns with
 * 2 phones, written in a mix of national and international forms, 1 % of
 * mobiles repeated — read from disk through dialer_import_file () into a
 * sink that only counts, as the plugin's worker thread would. Prints
 * "bench dialer-import.<metric>: <value> <unit>": rows/s, MB/s, the
 * process's peak RSS and the tokenizer's largest buffer. */
#include "import.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

static void
write_file (const char *path, guint rows)
{
  FILE *f = fopen (path, "w");
  g_assert_nonnull (f);
  fputs ("\xef\xbb\xbfref;nom;mobile;fixe;ville\r\n", f);
  static const char *const towns[]
      = { "Abidjan", "Bouaké", "\"Yamoussoukro; centre\"", "San-Pédro", "Korhogo" };
  for (guint i = 1; i <= rows; i++)
    {
      guint m = i % 100 == 0 ? i - 1 : i;
      fprintf (f, "C%07u;\"Kouassi %u\";07 %02u %02u %02u %02u;+225 27 %02u %02u %02u %02u;%s\r\n",
               i, i, m / 1000000 % 100, m / 10000 % 100, m / 100 % 100, m % 100, i / 1000000 % 100,
               i / 10000 % 100, i / 100 % 100, i % 100, towns[i % 5]);
    }
  fclose (f);
}

static gboolean
count (const DialerContact *contacts, guint n, gpointer data, GError **error)
{
  (void) contacts;
  (void) error;
  *(guint64 *) data += n;
  return TRUE;
}

int
main (int argc, char **argv)
{
  guint rows = argc > 1 ? (guint) strtoul (argv[1], NULL, 10) : 1000000;
  g_autofree char *dir = g_dir_make_tmp ("bench-dialer-import-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "campaign.csv", NULL);
  write_file (path, rows);
  GStatBuf st;
  g_assert_cmpint (g_stat (path, &st), ==, 0);

  const char *const phones[] = { "mobile", "fixe", NULL };
  DialerImportOptions o = { .country = "225", .phone_columns = phones, .id_column = "ref" };
  static const DialerImportSink sink = { NULL, count, NULL, NULL };
  guint64 contacts = 0;
  g_autoptr (GError) error = NULL;
  g_autoptr (DialerImport) imp = dialer_import_new (&o, &sink, &contacts, &error);
  gint64 t0 = g_get_monotonic_time ();
  if (!dialer_import_file (imp, path, NULL, &error))
    g_error ("%s", error->message);
  double secs = (double) (g_get_monotonic_time () - t0) / G_USEC_PER_SEC;
  const DialerImportReport *r = dialer_import_get_report (imp);
  g_assert_cmpuint (r->rows, ==, rows);
  g_assert_cmpuint (contacts, ==, rows);

  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  printf ("bench dialer-import.rows: %u rows (%.1f MB, %" G_GUINT64_FORMAT " duplicates)\n", rows,
          (double) st.st_size / 1e6, r->duplicates);
  printf ("bench dialer-import.rows-per-second: %.0f rows/s\n", rows / secs);
  printf ("bench dialer-import.throughput: %.1f MB/s\n", (double) st.st_size / 1e6 / secs);
  printf ("bench dialer-import.peak-rss: %.1f MiB\n", ru.ru_maxrss / 1024.0);
  printf ("bench dialer-import.peak-row-buffer: %zu bytes\n",
          dialer_import_get_peak_row_buffer (imp));
  g_unlink (path);
  g_rmdir (dir);
  return 0;
}
