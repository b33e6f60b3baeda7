/* A streaming CSV tokenizer for the dialer's contact import: RFC 4180 and
 * what spreadsheets really write (see README.md, "CSV").
 *
 * Push parser: feed it chunks of any size, a row may span chunks; each
 * complete row goes to a callback. It holds one row at a time, so memory
 * stays bounded by the longest row (capped) whatever the file's size. Not
 * thread-safe: one thread feeds one tokenizer. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DIALER_CSV_ERROR (dialer_csv_error_quark ())
GQuark dialer_csv_error_quark (void);

typedef enum {
  DIALER_CSV_ERROR_UNTERMINATED_QUOTE,
  DIALER_CSV_ERROR_AFTER_QUOTE, /* text between a closing quote and the separator */
  DIALER_CSV_ERROR_INVALID_UTF8,
  DIALER_CSV_ERROR_NUL, /* a NUL byte: not text */
  DIALER_CSV_ERROR_ROW_TOO_LONG,
  DIALER_CSV_ERROR_CLOSED, /* input after an error or after the end */
} DialerCsvError;

/* The default cap on one row's size. */
#define DIALER_CSV_DEFAULT_MAX_ROW (1024 * 1024)

/* One row, valid during the callback only. */
typedef struct {
  guint64 line; /* physical line where the row starts, from 1 */
  guint n_fields;
  const char *const *fields; /* NUL-terminated UTF-8, quotes removed */
} DialerCsvRow;

/* Returns FALSE (with @error set) to stop the parse. */
typedef gboolean (*DialerCsvRowFunc) (const DialerCsvRow *row, gpointer user_data, GError **error);

typedef struct _DialerCsv DialerCsv;

/**
 * dialer_csv_new:
 * @separator: ',', ';' or '\t', or 0 to detect it from the first line
 * @max_row: the largest row in bytes (0: DIALER_CSV_DEFAULT_MAX_ROW)
 * @func: called for each row, the header included; rows that are wholly
 *   empty (blank lines) are skipped
 * @user_data: for @func
 *
 * Returns: (transfer full): a tokenizer; free with dialer_csv_free ().
 */
DialerCsv *dialer_csv_new (char separator, gsize max_row, DialerCsvRowFunc func,
                           gpointer user_data);

void dialer_csv_free (DialerCsv *csv);

/**
 * dialer_csv_feed:
 * @data: (array length=len): the next bytes of the file
 *
 * Parses @data, calling the row function for each row it completes.
 * Errors name the line (and column, in characters) where the problem is;
 * after one, the tokenizer refuses further input.
 *
 * Returns: FALSE with @error set on malformed input or when the row
 *   function stopped the parse.
 */
gboolean dialer_csv_feed (DialerCsv *csv, const char *data, gsize len, GError **error);

/**
 * dialer_csv_finish:
 *
 * Ends the input: emits the last row if it had no line break, and fails
 * on a quote left open (naming the line where its field started) or a
 * character cut short.
 */
gboolean dialer_csv_finish (DialerCsv *csv, GError **error);

/* The separator in use (0 until the first line has been read). */
char dialer_csv_get_separator (const DialerCsv *csv);

/* The most bytes the tokenizer has had allocated at once for rows: a
 * test's and a benchmark's check that it never held more than a row. */
gsize dialer_csv_get_peak_buffer (const DialerCsv *csv);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DialerCsv, dialer_csv_free)

G_END_DECLS
