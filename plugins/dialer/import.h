/* The dialer's contact import: a campaign's CSV file in, contacts and a
 * report out (see README.md, "Contact import").
 *
 * Streaming and pure: the caller feeds the file in chunks of any size
 * (dialer_import_file () reads one itself) and receives contacts in
 * batches through a sink, so that a million rows never sit in memory; the
 * plugin runs it in a worker thread. One import is used by one thread at
 * a time; the sink's functions are called from that thread. */
#pragma once

#include <gio/gio.h>

#include "csv.h"
#include "e164.h"

G_BEGIN_DECLS

#define DIALER_IMPORT_ERROR (dialer_import_error_quark ())
GQuark dialer_import_error_quark (void);

typedef enum {
  DIALER_IMPORT_ERROR_OPTIONS,  /* the options are unusable */
  DIALER_IMPORT_ERROR_EMPTY,    /* no header line */
  DIALER_IMPORT_ERROR_MAPPING,  /* a mapped column is not in the header, or twice */
  DIALER_IMPORT_ERROR_REJECTED, /* all-or-nothing, and rows were rejected */
  DIALER_IMPORT_ERROR_CLOSED,   /* fed after the end or after a failure */
} DialerImportError;

/* The most phone columns a mapping may name. */
#define DIALER_IMPORT_MAX_PHONES 16

typedef enum {
  DIALER_IMPORT_ALL_OR_NOTHING, /* any rejected row: nothing is imported */
  DIALER_IMPORT_SKIP_BAD_ROWS,
} DialerImportMode;

/* What an import needs to know. Strings and sets are borrowed for the
 * import's life. */
typedef struct {
  const char *country;              /* default country: "225", "+225" or "CI" */
  char separator;                   /* ',', ';', '\t', or 0 to detect */
  const char *const *phone_columns; /* NULL-terminated, 1 to DIALER_IMPORT_MAX_PHONES */
  const char *id_column;            /* optional: external or customer id */
  const char *priority_column;      /* optional: an integer, 0 when empty */
  DialerImportMode mode;
  guint max_problems; /* problems kept in full in the report (0: 100) */
  guint batch_size;   /* contacts per sink batch (0: 1000) */
  gsize max_row;      /* bytes (0: DIALER_CSV_DEFAULT_MAX_ROW) */
  /* numbers already in the campaign: E.164 strings, or NULL */
  GHashTable *existing;
  /* the do-not-call list: a set of E.164 strings, a lookup, both or
   * neither; a number listed in either is not imported */
  GHashTable *dnc;
  gboolean (*dnc_lookup) (const char *e164, gpointer data);
  gpointer dnc_data;
} DialerImportOptions;

/* One contact, ready for the contact table. */
typedef struct {
  guint64 line;   /* where its row starts in the file */
  const char *id; /* the id column's value, or NULL */
  int priority;
  const char *const *phones; /* E.164, NULL-terminated, at least one */
  const char *fields;        /* the other columns as a JSON object */
} DialerContact;

/* How an import ends up writing: begin once before the first batch, then
 * batches, then exactly one of commit and rollback. A plugin writes the
 * batches in one store transaction, or stages them and discards them on
 * rollback. An import that produces no contact never calls begin. Each
 * function returns FALSE with @error set to fail the import (which then
 * calls rollback — except after a failed commit, which the sink undoes
 * itself). The contacts are valid during the call only. */
typedef struct {
  gboolean (*begin) (gpointer data, GError **error);
  gboolean (*batch) (const DialerContact *contacts, guint n, gpointer data, GError **error);
  gboolean (*commit) (gpointer data, GError **error);
  void (*rollback) (gpointer data);
} DialerImportSink;

typedef enum {
  DIALER_PROBLEM_RAGGED,     /* a row with another field count than the header */
  DIALER_PROBLEM_BAD_NUMBER, /* a number that cannot be normalised */
  DIALER_PROBLEM_NO_NUMBER,  /* a row without any valid number: rejected */
  DIALER_PROBLEM_BAD_PRIORITY,
  DIALER_PROBLEM_DUPLICATE, /* a number seen before in the file or the campaign */
  DIALER_PROBLEM_DNC,       /* a number on the do-not-call list */
} DialerProblemKind;

typedef struct {
  guint64 line;
  DialerProblemKind kind;
  gboolean rejected;  /* the row was rejected for it */
  char *column;       /* the header's name of the field, or NULL for the row */
  char *value;        /* the field as written (cut at 80 bytes), or NULL */
  guint64 first_line; /* DUPLICATE: where it was first, 0 if in the campaign */
  char *message;
} DialerProblem;

typedef struct {
  guint64 rows;              /* data rows read (not the header, not blank lines) */
  guint64 imported;          /* contacts handed to the sink and committed */
  guint64 rejected;          /* rows refused for bad data */
  guint64 skipped;           /* rows whose every number was a duplicate or on the DNC list */
  guint64 bad_numbers;       /* numbers that could not be normalised */
  guint64 duplicates;        /* numbers dropped as duplicates */
  guint64 dnc;               /* numbers dropped as on the do-not-call list */
  guint64 problems;          /* all problems; the first max_problems are in the array */
  GPtrArray *first_problems; /* of DialerProblem */
  char separator;
  gboolean committed;
  GError *error; /* why the import failed, or NULL */
} DialerImportReport;

typedef struct _DialerImport DialerImport;

/**
 * dialer_import_new:
 * @options: what to import; copied where needed
 * @sink: where contacts go (borrowed; static is typical)
 * @sink_data: for @sink's functions
 *
 * Returns: (transfer full) (nullable): an import, or NULL with @error set
 *   if the options are unusable (unknown country, no phone column).
 */
DialerImport *dialer_import_new (const DialerImportOptions *options, const DialerImportSink *sink,
                                 gpointer sink_data, GError **error);

/**
 * dialer_import_feed:
 *
 * Parses the next bytes of the file. Bad rows are only reported; the
 * return is FALSE when the import cannot go on (broken CSV, unknown
 * column, a sink error, input after the end), and the sink has then been
 * rolled back.
 */
gboolean dialer_import_feed (DialerImport *imp, const char *data, gsize len, GError **error);

/**
 * dialer_import_finish:
 *
 * Ends the input and then commits, or rolls back when the import failed
 * or (all-or-nothing) rejected any row.
 *
 * Returns: TRUE if the contacts were committed (or there were none), FALSE
 *   with @error otherwise.
 */
gboolean dialer_import_finish (DialerImport *imp, GError **error);

/**
 * dialer_import_file:
 * @cancellable: (nullable): checked between chunks; a cancel rolls back
 *
 * Feeds the file at @path in 64 KiB chunks and finishes: the blocking
 * loop a worker thread runs.
 */
gboolean dialer_import_file (DialerImport *imp, const char *path, GCancellable *cancellable,
                             GError **error);

/* The report so far (final after dialer_import_finish ()); owned by @imp. */
const DialerImportReport *dialer_import_get_report (const DialerImport *imp);

/* The most bytes the CSV tokenizer has held, and the most contacts held
 * in one batch: what the memory bound depends on. */
gsize dialer_import_get_peak_row_buffer (const DialerImport *imp);
guint dialer_import_get_peak_batch (const DialerImport *imp);

/* The report as one JSON object (transfer full), for the CLI and the
 * control API. */
char *dialer_import_report_to_json (const DialerImportReport *report);

/* Frees @imp; an import neither finished nor failed is rolled back. */
void dialer_import_free (DialerImport *imp);

const char *dialer_problem_kind_to_string (DialerProblemKind kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DialerImport, dialer_import_free)

G_END_DECLS
