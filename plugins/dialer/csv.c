/* The streaming CSV tokenizer (see csv.h, README.md "CSV").
 *
 * Bytes go through three stages: the byte-order mark is dropped, the first
 * line is held back until its separator is known (when asked to detect
 * it), then each byte is checked as UTF-8 and tokenized by a small state
 * machine. No stage looks ahead, so how the input is cut into chunks can
 * never change the result. */
#include "csv.h"

#include <string.h>

G_DEFINE_QUARK (dialer - csv - error - quark, dialer_csv_error)

typedef enum {
  ROW_START,   /* between rows */
  FIELD_START, /* after a separator */
  UNQUOTED,
  QUOTED,
  QUOTE_SEEN, /* a quote inside a quoted field: doubled, or the closing one */
} State;

static const guchar bom[3] = { 0xef, 0xbb, 0xbf };

struct _DialerCsv {
  char sep;
  gsize max_row;
  DialerCsvRowFunc func;
  gpointer user_data;

  /* the row being read: its fields, each NUL-terminated, one after the
   * other in buf; starts[i] is where field i begins */
  char *buf;
  gsize len, cap;
  gsize *starts;
  const char **ptrs;
  guint n_fields, fields_cap;
  gsize peak;
  gboolean row_quoted;

  State state;
  gboolean swallow_lf; /* the row ended on CR: an LF right after belongs to it */
  guint64 row_line, field_line, field_col;

  /* position of the next byte; CR, LF and CRLF each end one line */
  guint64 line, col;
  gboolean prev_cr;

  /* UTF-8: continuation bytes still due and the range the next must be in */
  guint utf8_need;
  guchar utf8_lo, utf8_hi;
  guint64 utf8_line, utf8_col;

  guint bom_matched;
  gboolean bom_done;

  GByteArray *head; /* the first line, while detecting the separator */
  gboolean head_quoted;
  gboolean head_text; /* more than line breaks held */

  gboolean failed;
};

DialerCsv *
dialer_csv_new (char separator, gsize max_row, DialerCsvRowFunc func, gpointer user_data)
{
  g_return_val_if_fail (separator == 0 || separator == ',' || separator == ';' || separator == '\t',
                        NULL);
  g_return_val_if_fail (func != NULL, NULL);
  DialerCsv *csv = g_new0 (DialerCsv, 1);
  csv->sep = separator;
  csv->max_row = max_row ? max_row : DIALER_CSV_DEFAULT_MAX_ROW;
  csv->func = func;
  csv->user_data = user_data;
  csv->line = 1;
  csv->state = ROW_START;
  if (!separator)
    csv->head = g_byte_array_new ();
  return csv;
}

void
dialer_csv_free (DialerCsv *csv)
{
  if (!csv)
    return;
  g_free (csv->buf);
  g_free (csv->starts);
  g_free (csv->ptrs);
  if (csv->head)
    g_byte_array_unref (csv->head);
  g_free (csv);
}

char
dialer_csv_get_separator (const DialerCsv *csv)
{
  g_return_val_if_fail (csv != NULL, 0);
  return csv->sep;
}

gsize
dialer_csv_get_peak_buffer (const DialerCsv *csv)
{
  g_return_val_if_fail (csv != NULL, 0);
  return csv->peak;
}

static void
note_peak (DialerCsv *csv)
{
  gsize now = csv->cap + csv->fields_cap * (sizeof (gsize) + sizeof (char *));
  if (csv->head)
    now += csv->head->len;
  csv->peak = MAX (csv->peak, now);
}

static gboolean
too_long (DialerCsv *csv, guint64 line, GError **error)
{
  g_set_error (error, DIALER_CSV_ERROR, DIALER_CSV_ERROR_ROW_TOO_LONG,
               "line %" G_GUINT64_FORMAT ": the row is longer than %" G_GSIZE_FORMAT " bytes", line,
               csv->max_row);
  return FALSE;
}

static gboolean
append (DialerCsv *csv, char c, GError **error)
{
  if (csv->len + 1 > csv->max_row)
    return too_long (csv, csv->row_line, error);
  if (csv->len == csv->cap)
    {
      csv->cap = MIN (MAX (csv->cap * 2, 256), csv->max_row);
      csv->buf = g_realloc (csv->buf, csv->cap);
      note_peak (csv);
    }
  csv->buf[csv->len++] = c;
  return TRUE;
}

static void
open_field (DialerCsv *csv)
{
  if (csv->n_fields == csv->fields_cap)
    {
      csv->fields_cap = MAX (csv->fields_cap * 2, 16);
      csv->starts = g_renew (gsize, csv->starts, csv->fields_cap);
      csv->ptrs = g_renew (const char *, csv->ptrs, csv->fields_cap + 1);
      note_peak (csv);
    }
  csv->starts[csv->n_fields++] = csv->len;
}

static gboolean
end_row (DialerCsv *csv, GError **error)
{
  if (!append (csv, '\0', error))
    return FALSE;
  csv->state = ROW_START;
  /* a blank line: one empty field that was not even quoted */
  if (csv->n_fields == 1 && csv->len == 1 && !csv->row_quoted)
    return TRUE;
  for (guint i = 0; i < csv->n_fields; i++)
    csv->ptrs[i] = csv->buf + csv->starts[i];
  csv->ptrs[csv->n_fields] = NULL;
  DialerCsvRow row = { csv->row_line, csv->n_fields, csv->ptrs };
  return csv->func (&row, csv->user_data, error);
}

static gboolean
bad_utf8 (DialerCsv *csv, guint64 line, guint64 col, guchar c, GError **error)
{
  (void) csv;
  g_set_error (error, DIALER_CSV_ERROR, DIALER_CSV_ERROR_INVALID_UTF8,
               "line %" G_GUINT64_FORMAT ", column %" G_GUINT64_FORMAT
               ": invalid UTF-8 (byte 0x%02X); save the file as UTF-8",
               line, col, c);
  return FALSE;
}

/* Checks @c as the next byte of UTF-8 text and moves the position on. */
static gboolean
check_utf8 (DialerCsv *csv, guchar c, GError **error)
{
  if (csv->utf8_need > 0)
    {
      if (c < csv->utf8_lo || c > csv->utf8_hi)
        return bad_utf8 (csv, csv->utf8_line, csv->utf8_col, c, error);
      csv->utf8_need--;
      csv->utf8_lo = 0x80;
      csv->utf8_hi = 0xbf;
      return TRUE;
    }
  csv->col++;
  csv->utf8_line = csv->line;
  csv->utf8_col = csv->col;
  csv->utf8_lo = 0x80;
  csv->utf8_hi = 0xbf;
  if (c == 0)
    {
      g_set_error (error, DIALER_CSV_ERROR, DIALER_CSV_ERROR_NUL,
                   "line %" G_GUINT64_FORMAT ", column %" G_GUINT64_FORMAT
                   ": a NUL byte; this is not a text file",
                   csv->line, csv->col);
      return FALSE;
    }
  if (c < 0x80)
    return TRUE;
  /* The ranges of RFC 3629: no overlong forms, no surrogates, nothing
   * past U+10FFFF. */
  if (c >= 0xc2 && c <= 0xdf)
    csv->utf8_need = 1;
  else if (c >= 0xe0 && c <= 0xef)
    {
      csv->utf8_need = 2;
      if (c == 0xe0)
        csv->utf8_lo = 0xa0;
      else if (c == 0xed)
        csv->utf8_hi = 0x9f;
    }
  else if (c >= 0xf0 && c <= 0xf4)
    {
      csv->utf8_need = 3;
      if (c == 0xf0)
        csv->utf8_lo = 0x90;
      else if (c == 0xf4)
        csv->utf8_hi = 0x8f;
    }
  else
    return bad_utf8 (csv, csv->line, csv->col, c, error);
  return TRUE;
}

static void
advance_line (DialerCsv *csv, char c)
{
  if (c == '\r' || (c == '\n' && !csv->prev_cr))
    {
      csv->line++;
      csv->col = 0;
    }
  else if (c == '\n')
    csv->col = 0;
  csv->prev_cr = c == '\r';
}

static gboolean
end_of_line (DialerCsv *csv, char c, GError **error)
{
  csv->swallow_lf = c == '\r';
  return end_row (csv, error);
}

static gboolean
tokenize (DialerCsv *csv, char c, GError **error)
{
  gboolean swallow = csv->swallow_lf && c == '\n';
  csv->swallow_lf = FALSE;
  if (swallow)
    return TRUE;
  if (csv->state == ROW_START)
    {
      csv->len = 0;
      csv->n_fields = 0;
      csv->row_quoted = FALSE;
      csv->row_line = csv->line;
      open_field (csv);
      csv->state = FIELD_START;
    }
  gboolean eol = c == '\r' || c == '\n';
  switch (csv->state)
    {
    case FIELD_START:
      if (c == '"')
        {
          csv->state = QUOTED;
          csv->row_quoted = TRUE;
          csv->field_line = csv->line;
          csv->field_col = csv->col;
          return TRUE;
        }
      G_GNUC_FALLTHROUGH;
    case UNQUOTED:
    case QUOTE_SEEN:
      if (c == csv->sep)
        {
          csv->state = FIELD_START;
          if (!append (csv, '\0', error))
            return FALSE;
          open_field (csv);
          return TRUE;
        }
      if (eol)
        return end_of_line (csv, c, error);
      if (csv->state == QUOTE_SEEN && c != '"')
        {
          g_set_error (error, DIALER_CSV_ERROR, DIALER_CSV_ERROR_AFTER_QUOTE,
                       "line %" G_GUINT64_FORMAT ", column %" G_GUINT64_FORMAT
                       ": text after the closing quote of a field (a quote inside a quoted "
                       "field is written twice)",
                       csv->line, csv->col);
          return FALSE;
        }
      csv->state = csv->state == QUOTE_SEEN ? QUOTED : UNQUOTED;
      return append (csv, c, error);
    case QUOTED:
      if (c == '"')
        {
          csv->state = QUOTE_SEEN;
          return TRUE;
        }
      return append (csv, c, error);
    case ROW_START:
    default:
      g_assert_not_reached ();
    }
}

static gboolean
step (DialerCsv *csv, char c, GError **error)
{
  if (!check_utf8 (csv, (guchar) c, error) || !tokenize (csv, c, error))
    return FALSE;
  advance_line (csv, c);
  return TRUE;
}

/* The separator of the first line: the most frequent of ',', ';' and tab
 * outside quotes; ',' if none (a file of one column). */
static char
detect (const GByteArray *head)
{
  static const char candidates[] = { ',', ';', '\t' };
  guint counts[3] = { 0 };
  gboolean quoted = FALSE;
  for (guint i = 0; i < head->len; i++)
    {
      if (head->data[i] == '"')
        quoted = !quoted;
      for (guint k = 0; k < 3 && !quoted; k++)
        counts[k] += head->data[i] == (guchar) candidates[k];
    }
  guint best = 0;
  for (guint k = 1; k < 3; k++)
    if (counts[k] > counts[best])
      best = k;
  return candidates[best];
}

static gboolean
replay_head (DialerCsv *csv, GError **error)
{
  g_autoptr (GByteArray) head = g_steal_pointer (&csv->head);
  csv->sep = detect (head);
  for (guint i = 0; i < head->len; i++)
    if (!step (csv, (char) head->data[i], error))
      return FALSE;
  return TRUE;
}

/* Holds the first line back until it ends, outside quotes. */
static gboolean
hold (DialerCsv *csv, char c, GError **error)
{
  if (csv->head->len >= csv->max_row)
    return too_long (csv, 1, error);
  g_byte_array_append (csv->head, (const guint8 *) &c, 1);
  note_peak (csv);
  if (c == '"')
    csv->head_quoted = !csv->head_quoted;
  gboolean eol = c == '\n' || c == '\r';
  /* blank lines before the header say nothing */
  if (eol && !csv->head_quoted && csv->head_text)
    return replay_head (csv, error);
  csv->head_text |= !eol;
  return TRUE;
}

static gboolean
take (DialerCsv *csv, char c, GError **error)
{
  return csv->head ? hold (csv, c, error) : step (csv, c, error);
}

static gboolean
unbom (DialerCsv *csv, char c, GError **error)
{
  if (csv->bom_done)
    return take (csv, c, error);
  if ((guchar) c == bom[csv->bom_matched])
    {
      csv->bom_done = ++csv->bom_matched == sizeof bom;
      return TRUE;
    }
  csv->bom_done = TRUE;
  for (guint i = 0; i < csv->bom_matched; i++)
    if (!take (csv, (char) bom[i], error))
      return FALSE;
  return take (csv, c, error);
}

static gboolean
refuse_if_failed (DialerCsv *csv, GError **error)
{
  if (csv->failed)
    g_set_error (error, DIALER_CSV_ERROR, DIALER_CSV_ERROR_CLOSED,
                 "the CSV input has already failed or ended");
  return !csv->failed;
}

gboolean
dialer_csv_feed (DialerCsv *csv, const char *data, gsize len, GError **error)
{
  g_return_val_if_fail (csv != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  if (!refuse_if_failed (csv, error))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!unbom (csv, data[i], error))
      {
        csv->failed = TRUE;
        return FALSE;
      }
  return TRUE;
}

static gboolean
finish_input (DialerCsv *csv, GError **error)
{
  if (!csv->bom_done)
    {
      csv->bom_done = TRUE;
      for (guint i = 0; i < csv->bom_matched; i++)
        if (!take (csv, (char) bom[i], error))
          return FALSE;
    }
  if (csv->head && !replay_head (csv, error))
    return FALSE;
  if (csv->utf8_need > 0)
    {
      g_set_error (error, DIALER_CSV_ERROR, DIALER_CSV_ERROR_INVALID_UTF8,
                   "line %" G_GUINT64_FORMAT ", column %" G_GUINT64_FORMAT
                   ": invalid UTF-8 (a character cut short at the end of the file)",
                   csv->utf8_line, csv->utf8_col);
      return FALSE;
    }
  if (csv->state == QUOTED)
    {
      g_set_error (error, DIALER_CSV_ERROR, DIALER_CSV_ERROR_UNTERMINATED_QUOTE,
                   "line %" G_GUINT64_FORMAT ", column %" G_GUINT64_FORMAT
                   ": the quote opening this field is never closed",
                   csv->field_line, csv->field_col);
      return FALSE;
    }
  if (csv->state != ROW_START)
    return end_row (csv, error);
  return TRUE;
}

gboolean
dialer_csv_finish (DialerCsv *csv, GError **error)
{
  g_return_val_if_fail (csv != NULL, FALSE);
  if (!refuse_if_failed (csv, error))
    return FALSE;
  csv->failed = TRUE; /* nothing may come after the end */
  return finish_input (csv, error);
}
