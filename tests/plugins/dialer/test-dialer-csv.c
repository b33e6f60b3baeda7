/* The dialer's CSV tokenizer (plugins/dialer/csv.c): RFC 4180 and real
 * files (BOM, semicolons, tabs, CRLF and CR, quoted separators, newlines
 * and quotes), the errors with their line and column, and a parse that
 * does not depend on how the input is cut into chunks. */
#include "csv.h"

#include <string.h>

/* Rows as "LINE:field|field|…", the separator, and the error if any. */
typedef struct {
  GPtrArray *rows;
  char separator;
  GError *error;
  gsize peak;
} Parsed;

static void
parsed_clear (Parsed *p)
{
  g_clear_pointer (&p->rows, g_ptr_array_unref);
  g_clear_error (&p->error);
}

static gboolean
collect (const DialerCsvRow *row, gpointer data, GError **error)
{
  (void) error;
  GPtrArray *rows = data;
  g_autofree char *joined = g_strjoinv ("|", (char **) row->fields);
  g_assert_cmpuint (g_strv_length ((char **) row->fields), ==, row->n_fields);
  g_ptr_array_add (rows, g_strdup_printf ("%" G_GUINT64_FORMAT ":%s", row->line, joined));
  return TRUE;
}

/* Parses @len bytes of @text fed in pieces of @piece bytes (0: whole),
 * the first piece being @first bytes when it is not 0. */
static Parsed
parse_cut (const char *text, gsize len, char sep, gsize max_row, gsize first, gsize piece)
{
  Parsed p = { g_ptr_array_new_with_free_func (g_free), 0, NULL, 0 };
  g_autoptr (DialerCsv) csv = dialer_csv_new (sep, max_row, collect, p.rows);
  gsize off = 0;
  gboolean ok = TRUE;
  if (first)
    {
      ok = dialer_csv_feed (csv, text, MIN (first, len), &p.error);
      off = MIN (first, len);
    }
  while (ok && off < len)
    {
      gsize n = piece ? MIN (piece, len - off) : len - off;
      ok = dialer_csv_feed (csv, text + off, n, &p.error);
      off += n;
    }
  if (ok)
    dialer_csv_finish (csv, &p.error);
  p.separator = dialer_csv_get_separator (csv);
  p.peak = dialer_csv_get_peak_buffer (csv);
  return p;
}

static Parsed
parse (const char *text, char sep)
{
  return parse_cut (text, strlen (text), sep, 0, 0, 0);
}

static void
assert_rows (const Parsed *p, const char *const *want)
{
  g_assert_no_error (p->error);
  for (guint i = 0; want[i]; i++)
    {
      g_assert_cmpuint (i, <, p->rows->len);
      g_assert_cmpstr (g_ptr_array_index (p->rows, i), ==, want[i]);
    }
  g_assert_cmpuint (p->rows->len, ==, g_strv_length ((char **) want));
}

/* Parses @text whole, checks the separator in use and the rows. */
static void
check (const char *text, char sep, char want_sep, const char *const *want)
{
  Parsed p = parse (text, sep);
  g_assert_cmpint (p.separator, ==, want_sep);
  assert_rows (&p, want);
  parsed_clear (&p);
}

static void
test_bom (void)
{
  check ("\xef\xbb\xbfname,phone\nAma,0707123456\n", 0, ',',
         (const char *[]){ "1:name|phone", "2:Ama|0707123456", NULL });
  /* without one, the same */
  check ("name,phone\nAma,0707123456\n", 0, ',',
         (const char *[]){ "1:name|phone", "2:Ama|0707123456", NULL });
  /* a BOM's first bytes that are not one are text (here invalid UTF-8) */
  Parsed p = parse ("\xef\xbb", 0);
  g_assert_error (p.error, DIALER_CSV_ERROR, DIALER_CSV_ERROR_INVALID_UTF8);
  parsed_clear (&p);
}

static void
test_separators (void)
{
  check ("nom;prénom;tél\nKouassi;Ama;07 07 12 34 56\n", 0, ';',
         (const char *[]){ "1:nom|prénom|tél", "2:Kouassi|Ama|07 07 12 34 56", NULL });
  check ("name\tphone\tnote\nAma\t0707123456\ta, b; c\n", 0, '\t',
         (const char *[]){ "1:name|phone|note", "2:Ama|0707123456|a, b; c", NULL });
  /* separators inside quotes in the header do not count */
  check ("\"a,b,c\";d\n1;2\n", 0, ';', (const char *[]){ "1:a,b,c|d", "2:1|2", NULL });
  /* one column: a comma */
  check ("phone\n0707123456\n", 0, ',', (const char *[]){ "1:phone", "2:0707123456", NULL });
  /* given, not detected */
  check ("a;b,c\n1;2,3\n", ',', ',', (const char *[]){ "1:a;b|c", "2:1;2|3", NULL });
}

static void
test_quoted (void)
{
  const char *text = "name,address,phone\n"
                     "\"Koné, Awa\",\"Rue 12\nCocody\nAbidjan\",0707123456\n"
                     "\"He said \"\"hello\"\"\",\"\",\"\"\"\"\n"
                     "Ama,,0101010101\n";
  check (text, 0, ',',
         (const char *[]){ "1:name|address|phone", "2:Koné, Awa|Rue 12\nCocody\nAbidjan|0707123456",
                           "5:He said \"hello\"||\"", "6:Ama||0101010101", NULL });
  /* a quote inside an unquoted field is text */
  check ("a,b\n5\" disk,x\n", 0, ',', (const char *[]){ "1:a|b", "2:5\" disk|x", NULL });
}

static void
test_line_ends (void)
{
  check ("a;b\r\n1;\"x\r\ny\"\r\n2;3\r\n", 0, ';',
         (const char *[]){ "1:a|b", "2:1|x\r\ny", "4:2|3", NULL });
  /* old Mac files end lines with CR alone */
  check ("a;b\r1;2\r3;4", 0, ';', (const char *[]){ "1:a|b", "2:1|2", "3:3|4", NULL });
  /* blank lines are skipped, a last line needs no line break, a quoted
   * empty field is a row */
  check ("\n\na,b\n\n1,2\n\r\n\"\"\n3,4", 0, ',',
         (const char *[]){ "3:a|b", "5:1|2", "7:", "8:3|4", NULL });
  /* trailing separators are empty fields */
  check ("a;b;;\n1;2;;\n", 0, ';', (const char *[]){ "1:a|b||", "2:1|2||", NULL });
}

static void
test_unterminated_quote (void)
{
  Parsed p = parse ("name,note\nAma,ok\nAwa,\"never\nclosed\n\nat all\n", 0);
  g_assert_error (p.error, DIALER_CSV_ERROR, DIALER_CSV_ERROR_UNTERMINATED_QUOTE);
  g_assert_nonnull (strstr (p.error->message, "line 3, column 5"));
  g_assert_cmpuint (p.rows->len, ==, 2);
  parsed_clear (&p);
}

static void
test_after_quote (void)
{
  Parsed p = parse ("a,b\n\"x\"y,2\n", 0);
  g_assert_error (p.error, DIALER_CSV_ERROR, DIALER_CSV_ERROR_AFTER_QUOTE);
  g_assert_nonnull (strstr (p.error->message, "line 2, column 4"));
  parsed_clear (&p);
}

static void
test_invalid_utf8 (void)
{
  /* a Latin-1 "é" at line 3, column 8 (columns count characters) */
  Parsed p = parse ("a,b\nx,y\n\xc3\xa9t\xc3\xa9,Ren\xe9\n", 0);
  g_assert_error (p.error, DIALER_CSV_ERROR, DIALER_CSV_ERROR_INVALID_UTF8);
  g_assert_nonnull (strstr (p.error->message, "line 3, column 8"));
  g_assert_cmpuint (p.rows->len, ==, 2);
  parsed_clear (&p);
  const char *bad[] = {
    "a\n\xc0\x80\n",         /* overlong NUL */
    "a\n\xed\xa0\x80\n",     /* a surrogate */
    "a\n\xf4\x90\x80\x80\n", /* past U+10FFFF */
    "a\n\xe2\x82\n",         /* cut short by a line break */
    "a\n\xe2\x82",           /* cut short by the end */
    "a\n\x80\n",             /* a lone continuation byte */
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      p = parse (bad[i], 0);
      g_assert_error (p.error, DIALER_CSV_ERROR, DIALER_CSV_ERROR_INVALID_UTF8);
      g_assert_nonnull (strstr (p.error->message, "line 2, column 1"));
      parsed_clear (&p);
    }
  /* and a NUL byte is not text */
  p = parse_cut ("a\nb\0c\n", 6, 0, 0, 0, 0);
  g_assert_error (p.error, DIALER_CSV_ERROR, DIALER_CSV_ERROR_NUL);
  g_assert_nonnull (strstr (p.error->message, "line 2, column 2"));
  parsed_clear (&p);
}

static void
test_row_too_long (void)
{
  g_autoptr (GString) text = g_string_new ("a,b\n1,2\n3,");
  for (guint i = 0; i < 100; i++)
    g_string_append_c (text, 'x');
  g_string_append (text, "\n5,6\n");
  Parsed p = parse_cut (text->str, text->len, 0, 64, 0, 7);
  g_assert_error (p.error, DIALER_CSV_ERROR, DIALER_CSV_ERROR_ROW_TOO_LONG);
  g_assert_nonnull (strstr (p.error->message, "line 3"));
  g_assert_cmpuint (p.rows->len, ==, 2);
  g_assert_cmpuint (p.peak, <=, 64 + 16 * (sizeof (gsize) + sizeof (char *)));
  parsed_clear (&p);
  /* after an error, no more input */
  g_autoptr (DialerCsv) csv = dialer_csv_new (0, 4, collect, NULL);
  g_autoptr (GError) error = NULL;
  g_assert_false (dialer_csv_feed (csv, "abcdef", 6, &error));
  g_clear_error (&error);
  g_assert_false (dialer_csv_feed (csv, "a", 1, &error));
  g_assert_error (error, DIALER_CSV_ERROR, DIALER_CSV_ERROR_CLOSED);
}

static char *
outcome (const Parsed *p)
{
  g_autoptr (GString) s = g_string_new (NULL);
  g_string_append_printf (s, "sep=%d\n", p->separator);
  for (guint i = 0; i < p->rows->len; i++)
    g_string_append_printf (s, "%s\n", (char *) g_ptr_array_index (p->rows, i));
  if (p->error)
    g_string_append_printf (s, "error %d: %s\n", p->error->code, p->error->message);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* Every way to cut these files in two, and byte by byte, gives what the
 * whole file gives. */
static void
test_chunk_boundaries (void)
{
  const char *files[] = {
    "\xef\xbb\xbfnom;\"adr;esse\";t\xc3\xa9l\r\n"
    "\"Kon\xc3\xa9 \"\"Awa\"\"\";\"Rue 12\r\nCocody\";+225 07 07 12 34 56\r\n"
    "\r\n\"\";x;\xe2\x82\xac\xf0\x9f\x93\x9e\r"
    "last;\"\";\"end\"",
    "a\tb\n\"x\ty\"\t\"z\"\"\"\n\n\n1\t2",
    "a,b\n1,\"open\n2,3\n",          /* unterminated */
    "a,b\n1,\xe2\x82\xac\xe2\x82\n", /* invalid UTF-8 */
    "\xef\xbb",                      /* half a BOM */
  };
  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      gsize len = strlen (files[f]);
      Parsed whole = parse (files[f], 0);
      g_autofree char *want = outcome (&whole);
      parsed_clear (&whole);
      for (gsize cut = 0; cut <= len; cut++)
        {
          Parsed p = parse_cut (files[f], len, 0, 0, cut, 0);
          g_autofree char *got = outcome (&p);
          g_assert_cmpstr (got, ==, want);
          parsed_clear (&p);
        }
      Parsed p = parse_cut (files[f], len, 0, 0, 0, 1);
      g_autofree char *got = outcome (&p);
      g_assert_cmpstr (got, ==, want);
      parsed_clear (&p);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dialer/csv/drops-a-bom", test_bom);
  g_test_add_func ("/dialer/csv/detects-semicolons-and-tabs", test_separators);
  g_test_add_func ("/dialer/csv/keeps-quoted-separators-newlines-and-quotes", test_quoted);
  g_test_add_func ("/dialer/csv/ends-lines-on-lf-crlf-and-cr", test_line_ends);
  g_test_add_func ("/dialer/csv/names-where-an-open-quote-started", test_unterminated_quote);
  g_test_add_func ("/dialer/csv/refuses-text-after-a-closing-quote", test_after_quote);
  g_test_add_func ("/dialer/csv/names-invalid-utf8-by-line-and-column", test_invalid_utf8);
  g_test_add_func ("/dialer/csv/caps-a-row", test_row_too_long);
  g_test_add_func ("/dialer/csv/does-not-depend-on-chunks", test_chunk_boundaries);
  return g_test_run ();
}
