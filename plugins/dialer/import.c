/* The contact import (see import.h, README.md "Contact import"): CSV rows
 * in, mapped, validated and deduplicated contacts out in batches. */
#include "import.h"

#include "csv.h"
#include "seen.h"

#include <string.h>

G_DEFINE_QUARK (dialer - import - error - quark, dialer_import_error)

#define DEFAULT_MAX_PROBLEMS 100
#define DEFAULT_BATCH 1000
#define VALUE_CUT 80
#define FILE_CHUNK (64 * 1024)

typedef enum {
  ROLE_FIELD,   /* a custom field in the JSON object */
  ROLE_IGNORED, /* a column without a name */
  ROLE_PHONE,
  ROLE_ID,
  ROLE_PRIORITY,
} Role;

struct _DialerImport {
  GStrv phone_columns;
  char *id_column, *priority_column;
  const DialerCountry *country;
  DialerImportMode mode;
  guint max_problems, batch_size;
  GHashTable *existing, *dnc;
  gboolean (*dnc_lookup) (const char *e164, gpointer data);
  gpointer dnc_data;

  const DialerImportSink *sink;
  gpointer sink_data;
  gboolean began, ended, failed, finished;

  DialerCsv *csv;
  GStrv header; /* NULL until the header row */
  guint n_cols;
  Role *roles;
  guint *phone_idx; /* column of each phone column, in the mapping's order */
  guint n_phones;
  int id_idx, priority_idx;

  DialerSeen *seen;

  /* the batch: contacts whose strings live in chunk */
  DialerContact *batch;
  const char **phone_ptrs; /* batch_size × (n_phones + 1) */
  guint n_batch, peak_batch;
  GStringChunk *chunk;
  GString *json;

  guint64 accepted;
  DialerImportReport report;
};

const char *
dialer_problem_kind_to_string (DialerProblemKind kind)
{
  switch (kind)
    {
    case DIALER_PROBLEM_RAGGED:
      return "ragged-row";
    case DIALER_PROBLEM_BAD_NUMBER:
      return "bad-number";
    case DIALER_PROBLEM_NO_NUMBER:
      return "no-number";
    case DIALER_PROBLEM_BAD_PRIORITY:
      return "bad-priority";
    case DIALER_PROBLEM_DUPLICATE:
      return "duplicate";
    case DIALER_PROBLEM_DNC:
      return "do-not-call";
    default:
      return "unknown";
    }
}

static void
problem_free (gpointer p)
{
  DialerProblem *problem = p;
  g_free (problem->column);
  g_free (problem->value);
  g_free (problem->message);
  g_free (problem);
}

/* ---- the sink's transaction ---- */

static void
roll_back (DialerImport *imp)
{
  if (imp->began && !imp->ended && imp->sink->rollback)
    imp->sink->rollback (imp->sink_data);
  imp->ended = TRUE;
}

/* The import cannot go on: keep @error in the report, roll back. */
static gboolean
fail (DialerImport *imp, GError *error, GError **out)
{
  imp->failed = TRUE;
  if (!imp->report.error)
    imp->report.error = g_error_copy (error);
  roll_back (imp);
  g_propagate_error (out, error);
  return FALSE;
}

static gboolean
flush (DialerImport *imp, GError **error)
{
  if (imp->n_batch == 0)
    return TRUE;
  if (!imp->began)
    {
      if (imp->sink->begin && !imp->sink->begin (imp->sink_data, error))
        return FALSE;
      imp->began = TRUE;
    }
  gboolean ok = imp->sink->batch (imp->batch, imp->n_batch, imp->sink_data, error);
  imp->n_batch = 0;
  g_string_chunk_clear (imp->chunk);
  return ok;
}

/* ---- problems ---- */

static char *
cut (const char *value)
{
  if (!value)
    return NULL;
  if (strlen (value) <= VALUE_CUT)
    return g_strdup (value);
  const char *end = g_utf8_find_prev_char (value, value + VALUE_CUT + 1);
  return g_strdup_printf ("%.*s…", (int) (end - value), value);
}

/* Counts a problem and keeps it if there is room; returns it then. */
static DialerProblem *G_GNUC_PRINTF (7, 8)
    problem (DialerImport *imp, guint64 line, DialerProblemKind kind, gboolean rejected, int col,
             const char *value, const char *format, ...)
{
  imp->report.problems++;
  if (imp->report.first_problems->len >= imp->max_problems)
    return NULL;
  DialerProblem *p = g_new0 (DialerProblem, 1);
  p->line = line;
  p->kind = kind;
  p->rejected = rejected;
  p->column = col >= 0 ? g_strdup (imp->header[col]) : NULL;
  p->value = cut (value);
  va_list args;
  va_start (args, format);
  p->message = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (imp->report.first_problems, p);
  return p;
}

/* ---- the header ---- */

static char *
header_list (GStrv header)
{
  g_autoptr (GString) s = g_string_new (NULL);
  for (guint i = 0; header[i]; i++)
    g_string_append_printf (s, "%s“%s”", i ? ", " : "", header[i]);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static gboolean
assign (DialerImport *imp, const char *name, const char *what, Role role, int *idx_out,
        GError **error)
{
  for (guint i = 0; i < imp->n_cols; i++)
    if (strcmp (imp->header[i], name) == 0)
      {
        if (imp->roles[i] != ROLE_FIELD)
          {
            g_set_error (error, DIALER_IMPORT_ERROR, DIALER_IMPORT_ERROR_MAPPING,
                         "line 1: column “%s” is mapped twice", name);
            return FALSE;
          }
        imp->roles[i] = role;
        *idx_out = (int) i;
        return TRUE;
      }
  g_autofree char *list = header_list (imp->header);
  g_set_error (error, DIALER_IMPORT_ERROR, DIALER_IMPORT_ERROR_MAPPING,
               "line 1: the %s column “%s” is not in the header; its columns are: %s", what, name,
               list);
  return FALSE;
}

static gboolean
read_header (DialerImport *imp, const DialerCsvRow *row, GError **error)
{
  imp->n_cols = row->n_fields;
  imp->header = g_new0 (char *, row->n_fields + 1);
  imp->roles = g_new0 (Role, row->n_fields);
  for (guint i = 0; i < row->n_fields; i++)
    {
      imp->header[i] = g_strstrip (g_strdup (row->fields[i]));
      imp->roles[i] = imp->header[i][0] ? ROLE_FIELD : ROLE_IGNORED;
      for (guint j = 0; j < i && imp->header[i][0]; j++)
        if (strcmp (imp->header[i], imp->header[j]) == 0)
          {
            g_set_error (error, DIALER_IMPORT_ERROR, DIALER_IMPORT_ERROR_MAPPING,
                         "line %" G_GUINT64_FORMAT ": column “%s” appears twice in the header "
                         "(columns %u and %u)",
                         row->line, imp->header[i], j + 1, i + 1);
            return FALSE;
          }
    }
  imp->phone_idx = g_new0 (guint, imp->n_phones);
  for (guint k = 0; k < imp->n_phones; k++)
    {
      int idx;
      if (!assign (imp, imp->phone_columns[k], "phone", ROLE_PHONE, &idx, error))
        return FALSE;
      imp->phone_idx[k] = (guint) idx;
    }
  if (imp->id_column && !assign (imp, imp->id_column, "id", ROLE_ID, &imp->id_idx, error))
    return FALSE;
  if (imp->priority_column
      && !assign (imp, imp->priority_column, "priority", ROLE_PRIORITY, &imp->priority_idx, error))
    return FALSE;
  imp->phone_ptrs = g_new0 (const char *, (gsize) imp->batch_size *(imp->n_phones + 1));
  return TRUE;
}

/* ---- a row ---- */

static void
json_string (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (const char *p = s; *p; p++)
    {
      guchar c = (guchar) *p;
      if (c == '"' || c == '\\')
        g_string_append_c (out, '\\');
      if (c >= 0x20)
        g_string_append_c (out, (char) c);
      else if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\r')
        g_string_append (out, "\\r");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else
        g_string_append_printf (out, "\\u%04x", c);
    }
  g_string_append_c (out, '"');
}

static const char *
fields_json (DialerImport *imp, const DialerCsvRow *row)
{
  GString *json = imp->json;
  g_string_truncate (json, 0);
  g_string_append_c (json, '{');
  gboolean first = TRUE;
  for (guint i = 0; i < imp->n_cols; i++)
    if (imp->roles[i] == ROLE_FIELD)
      {
        if (!first)
          g_string_append_c (json, ',');
        first = FALSE;
        json_string (json, imp->header[i]);
        g_string_append_c (json, ':');
        json_string (json, row->fields[i]);
      }
  g_string_append_c (json, '}');
  return g_string_chunk_insert_len (imp->chunk, json->str, (gssize) json->len);
}

static gboolean
read_priority (DialerImport *imp, const DialerCsvRow *row, int *priority)
{
  *priority = 0;
  if (imp->priority_idx < 0)
    return TRUE;
  g_autofree char *text = g_strstrip (g_strdup (row->fields[imp->priority_idx]));
  gint64 v = 0;
  if (text[0] && !g_ascii_string_to_signed (text, 10, G_MININT32, G_MAXINT32, &v, NULL))
    {
      problem (imp, row->line, DIALER_PROBLEM_BAD_PRIORITY, TRUE, imp->priority_idx,
               row->fields[imp->priority_idx], "the priority is not a whole number");
      return FALSE;
    }
  *priority = (int) v;
  return TRUE;
}

static gboolean
is_blank (const char *s)
{
  for (; *s; s++)
    if (!g_ascii_isspace (*s))
      return FALSE;
  return TRUE;
}

/* The row's valid numbers and the columns they came from. */
typedef struct {
  char e164[DIALER_IMPORT_MAX_PHONES][DIALER_E164_BUFSIZE];
  int col[DIALER_IMPORT_MAX_PHONES];
  guint n;
} Numbers;

/* Normalises the row's numbers; returns how many cells held anything. */
static guint
read_numbers (DialerImport *imp, const DialerCsvRow *row, Numbers *numbers)
{
  guint written = 0;
  numbers->n = 0;
  for (guint k = 0; k < imp->n_phones; k++)
    {
      int col = (int) imp->phone_idx[k];
      const char *cell = row->fields[col];
      if (is_blank (cell))
        continue;
      written++;
      g_autoptr (GError) error = NULL;
      if (dialer_e164_normalise (cell, imp->country, numbers->e164[numbers->n], &error))
        numbers->col[numbers->n++] = col;
      else
        {
          imp->report.bad_numbers++;
          problem (imp, row->line, DIALER_PROBLEM_BAD_NUMBER, FALSE, col, cell, "%s",
                   error->message);
        }
    }
  return written;
}

static gboolean
on_dnc (DialerImport *imp, const char *e164)
{
  return (imp->dnc && g_hash_table_contains (imp->dnc, e164))
         || (imp->dnc_lookup && imp->dnc_lookup (e164, imp->dnc_data));
}

/* Whether number @i of the row must not be dialed from it (reported as a
 * problem): on the DNC list, or already kept — in this row (the first
 * @kept numbers), the campaign or an earlier row. */
static gboolean
drop_number (DialerImport *imp, guint64 line, const Numbers *numbers, guint i, guint kept)
{
  const char *e164 = numbers->e164[i];
  int col = numbers->col[i];
  if (on_dnc (imp, e164))
    {
      imp->report.dnc++;
      problem (imp, line, DIALER_PROBLEM_DNC, FALSE, col, e164, "on the do-not-call list");
      return TRUE;
    }
  guint64 first = 0;
  for (guint j = 0; j < kept && !first; j++)
    if (strcmp (numbers->e164[j], e164) == 0)
      first = line;
  if (!first && imp->existing && g_hash_table_contains (imp->existing, e164))
    {
      imp->report.duplicates++;
      problem (imp, line, DIALER_PROBLEM_DUPLICATE, FALSE, col, e164, "already in the campaign");
      return TRUE;
    }
  if (!first)
    first = dialer_seen_lookup (imp->seen, e164);
  if (!first)
    return FALSE;
  imp->report.duplicates++;
  DialerProblem *p = problem (imp, line, DIALER_PROBLEM_DUPLICATE, FALSE, col, e164,
                              "a duplicate of the number first at line %" G_GUINT64_FORMAT, first);
  if (p)
    p->first_line = first;
  return TRUE;
}

static char *
phone_column_names (DialerImport *imp)
{
  g_autoptr (GString) s = g_string_new (NULL);
  for (guint k = 0; k < imp->n_phones; k++)
    g_string_append_printf (s, "%s“%s”", k ? ", " : "", imp->phone_columns[k]);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static gboolean
add_contact (DialerImport *imp, const DialerCsvRow *row, int priority, const Numbers *numbers,
             GError **error)
{
  DialerContact *c = &imp->batch[imp->n_batch];
  const char **phones = imp->phone_ptrs + (gsize) imp->n_batch * (imp->n_phones + 1);
  for (guint i = 0; i < numbers->n; i++)
    phones[i] = g_string_chunk_insert (imp->chunk, numbers->e164[i]);
  phones[numbers->n] = NULL;
  c->line = row->line;
  c->priority = priority;
  c->phones = phones;
  c->id = NULL;
  if (imp->id_idx >= 0 && !is_blank (row->fields[imp->id_idx]))
    {
      char *id = g_string_chunk_insert (imp->chunk, row->fields[imp->id_idx]);
      c->id = g_strstrip (id);
    }
  c->fields = fields_json (imp, row);
  imp->n_batch++;
  imp->peak_batch = MAX (imp->peak_batch, imp->n_batch);
  return imp->n_batch < imp->batch_size || flush (imp, error);
}

/* All-or-nothing after a rejected row: nothing more goes to the sink. */
static gboolean
doomed (const DialerImport *imp)
{
  return imp->mode == DIALER_IMPORT_ALL_OR_NOTHING && imp->report.rejected > 0;
}

static gboolean
read_row (DialerImport *imp, const DialerCsvRow *row, GError **error)
{
  imp->report.rows++;
  if (row->n_fields != imp->n_cols)
    {
      imp->report.rejected++;
      problem (imp, row->line, DIALER_PROBLEM_RAGGED, TRUE, -1, NULL,
               "%u fields where the header has %u", row->n_fields, imp->n_cols);
      return TRUE;
    }
  int priority;
  gboolean ok = read_priority (imp, row, &priority);
  Numbers numbers;
  guint written = read_numbers (imp, row, &numbers);
  if (numbers.n == 0)
    {
      g_autofree char *names = phone_column_names (imp);
      problem (imp, row->line, DIALER_PROBLEM_NO_NUMBER, TRUE, -1, NULL,
               written ? "no valid phone number in %s" : "no phone number: %s empty", names);
      ok = FALSE;
    }
  if (!ok)
    {
      imp->report.rejected++;
      return TRUE;
    }
  guint kept = 0;
  for (guint i = 0; i < numbers.n; i++)
    if (!drop_number (imp, row->line, &numbers, i, kept))
      {
        memmove (numbers.e164[kept], numbers.e164[i], DIALER_E164_BUFSIZE);
        numbers.col[kept++] = numbers.col[i];
      }
  numbers.n = kept;
  if (kept == 0)
    {
      imp->report.skipped++;
      return TRUE;
    }
  for (guint i = 0; i < kept; i++)
    dialer_seen_add (imp->seen, numbers.e164[i], row->line);
  imp->accepted++;
  if (doomed (imp))
    return TRUE;
  return add_contact (imp, row, priority, &numbers, error);
}

static gboolean
on_row (const DialerCsvRow *row, gpointer data, GError **error)
{
  DialerImport *imp = data;
  if (!imp->header)
    return read_header (imp, row, error);
  if (!read_row (imp, row, error))
    return FALSE;
  /* drop what a rejected row made pointless to write */
  if (doomed (imp) && imp->n_batch > 0)
    {
      imp->n_batch = 0;
      g_string_chunk_clear (imp->chunk);
    }
  return TRUE;
}

/* ---- the import ---- */

DialerImport *
dialer_import_new (const DialerImportOptions *options, const DialerImportSink *sink,
                   gpointer sink_data, GError **error)
{
  g_return_val_if_fail (options != NULL && sink != NULL && sink->batch != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  const DialerCountry *country
      = dialer_e164_country_lookup (options->country ? options->country : "");
  if (!country)
    {
      g_set_error (error, DIALER_IMPORT_ERROR, DIALER_IMPORT_ERROR_OPTIONS,
                   "default country “%s” is not one we know (see the dialer's README)",
                   options->country ? options->country : "");
      return NULL;
    }
  guint n_phones = options->phone_columns ? g_strv_length ((char **) options->phone_columns) : 0;
  if (n_phones == 0 || n_phones > DIALER_IMPORT_MAX_PHONES)
    {
      g_set_error (error, DIALER_IMPORT_ERROR, DIALER_IMPORT_ERROR_OPTIONS,
                   "the mapping needs 1 to %d phone columns, not %u", DIALER_IMPORT_MAX_PHONES,
                   n_phones);
      return NULL;
    }
  if (options->separator && !strchr (",;\t", options->separator))
    {
      g_set_error (error, DIALER_IMPORT_ERROR, DIALER_IMPORT_ERROR_OPTIONS,
                   "separator “%c” is not a comma, a semicolon or a tab", options->separator);
      return NULL;
    }
  DialerImport *imp = g_new0 (DialerImport, 1);
  imp->phone_columns = g_strdupv ((char **) options->phone_columns);
  imp->n_phones = g_strv_length (imp->phone_columns);
  imp->id_column = g_strdup (options->id_column);
  imp->priority_column = g_strdup (options->priority_column);
  imp->id_idx = imp->priority_idx = -1;
  imp->country = country;
  imp->mode = options->mode;
  imp->max_problems = options->max_problems ? options->max_problems : DEFAULT_MAX_PROBLEMS;
  imp->batch_size = options->batch_size ? options->batch_size : DEFAULT_BATCH;
  imp->existing = options->existing ? g_hash_table_ref (options->existing) : NULL;
  imp->dnc = options->dnc ? g_hash_table_ref (options->dnc) : NULL;
  imp->dnc_lookup = options->dnc_lookup;
  imp->dnc_data = options->dnc_data;
  imp->sink = sink;
  imp->sink_data = sink_data;
  imp->csv = dialer_csv_new (options->separator, options->max_row, on_row, imp);
  imp->seen = dialer_seen_new ();
  imp->batch = g_new0 (DialerContact, imp->batch_size);
  imp->chunk = g_string_chunk_new (4096);
  imp->json = g_string_new (NULL);
  imp->report.first_problems = g_ptr_array_new_with_free_func (problem_free);
  return imp;
}

static gboolean
refuse_if_closed (DialerImport *imp, GError **error)
{
  if (!imp->failed && !imp->finished)
    return TRUE;
  g_set_error (error, DIALER_IMPORT_ERROR, DIALER_IMPORT_ERROR_CLOSED, "the import has already %s",
               imp->failed ? "failed" : "finished");
  return FALSE;
}

gboolean
dialer_import_feed (DialerImport *imp, const char *data, gsize len, GError **error)
{
  g_return_val_if_fail (imp != NULL, FALSE);
  if (!refuse_if_closed (imp, error))
    return FALSE;
  GError *local = NULL;
  if (!dialer_csv_feed (imp->csv, data, len, &local))
    return fail (imp, local, error);
  return TRUE;
}

static gboolean
complete (DialerImport *imp, GError **error)
{
  if (!dialer_csv_finish (imp->csv, error))
    return FALSE;
  imp->report.separator = dialer_csv_get_separator (imp->csv);
  if (!imp->header)
    {
      g_set_error (error, DIALER_IMPORT_ERROR, DIALER_IMPORT_ERROR_EMPTY,
                   "the file is empty: no header line");
      return FALSE;
    }
  if (doomed (imp))
    {
      g_set_error (error, DIALER_IMPORT_ERROR, DIALER_IMPORT_ERROR_REJECTED,
                   "%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " rows rejected, so nothing "
                   "was imported (fix them, or import skipping bad rows)",
                   imp->report.rejected, imp->report.rows);
      return FALSE;
    }
  if (!flush (imp, error))
    return FALSE;
  if (imp->began)
    {
      imp->ended = TRUE;
      if (imp->sink->commit && !imp->sink->commit (imp->sink_data, error))
        return FALSE;
    }
  imp->report.committed = TRUE;
  imp->report.imported = imp->accepted;
  return TRUE;
}

gboolean
dialer_import_finish (DialerImport *imp, GError **error)
{
  g_return_val_if_fail (imp != NULL, FALSE);
  if (!refuse_if_closed (imp, error))
    return FALSE;
  imp->finished = TRUE;
  GError *local = NULL;
  if (!complete (imp, &local))
    return fail (imp, local, error);
  return TRUE;
}

gboolean
dialer_import_file (DialerImport *imp, const char *path, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (imp != NULL && path != NULL, FALSE);
  if (!refuse_if_closed (imp, error))
    return FALSE;
  g_autoptr (GFile) file = g_file_new_for_path (path);
  GError *local = NULL;
  g_autoptr (GFileInputStream) in = g_file_read (file, cancellable, &local);
  if (!in)
    return fail (imp, local, error);
  g_autofree char *buf = g_malloc (FILE_CHUNK);
  for (;;)
    {
      gssize n = g_input_stream_read (G_INPUT_STREAM (in), buf, FILE_CHUNK, cancellable, &local);
      if (n < 0)
        {
          g_prefix_error (&local, "%s: ", path);
          return fail (imp, local, error);
        }
      if (n == 0)
        break;
      if (!dialer_import_feed (imp, buf, (gsize) n, error))
        return FALSE;
    }
  if (!dialer_import_finish (imp, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  return TRUE;
}

const DialerImportReport *
dialer_import_get_report (const DialerImport *imp)
{
  g_return_val_if_fail (imp != NULL, NULL);
  return &imp->report;
}

gsize
dialer_import_get_peak_row_buffer (const DialerImport *imp)
{
  g_return_val_if_fail (imp != NULL, 0);
  return dialer_csv_get_peak_buffer (imp->csv);
}

guint
dialer_import_get_peak_batch (const DialerImport *imp)
{
  g_return_val_if_fail (imp != NULL, 0);
  return imp->peak_batch;
}

void
dialer_import_free (DialerImport *imp)
{
  if (!imp)
    return;
  roll_back (imp);
  g_strfreev (imp->phone_columns);
  g_free (imp->id_column);
  g_free (imp->priority_column);
  g_clear_pointer (&imp->existing, g_hash_table_unref);
  g_clear_pointer (&imp->dnc, g_hash_table_unref);
  dialer_csv_free (imp->csv);
  g_strfreev (imp->header);
  g_free (imp->roles);
  g_free (imp->phone_idx);
  dialer_seen_free (imp->seen);
  g_free (imp->batch);
  g_free (imp->phone_ptrs);
  g_string_chunk_free (imp->chunk);
  g_string_free (imp->json, TRUE);
  g_ptr_array_unref (imp->report.first_problems);
  g_clear_error (&imp->report.error);
  g_free (imp);
}

/* ---- the report as JSON ---- */

char *
dialer_import_report_to_json (const DialerImportReport *r)
{
  g_return_val_if_fail (r != NULL, NULL);
  g_autoptr (GString) s = g_string_new (NULL);
  char sep[2] = { r->separator, '\0' };
  g_string_append_printf (s,
                          "{\"rows\":%" G_GUINT64_FORMAT ",\"imported\":%" G_GUINT64_FORMAT
                          ",\"rejected\":%" G_GUINT64_FORMAT ",\"skipped\":%" G_GUINT64_FORMAT
                          ",\"bad_numbers\":%" G_GUINT64_FORMAT ",\"duplicates\":%" G_GUINT64_FORMAT
                          ",\"dnc\":%" G_GUINT64_FORMAT ",\"problems\":%" G_GUINT64_FORMAT
                          ",\"committed\":%s,\"separator\":",
                          r->rows, r->imported, r->rejected, r->skipped, r->bad_numbers,
                          r->duplicates, r->dnc, r->problems, r->committed ? "true" : "false");
  json_string (s, sep);
  g_string_append (s, ",\"error\":");
  if (r->error)
    json_string (s, r->error->message);
  else
    g_string_append (s, "null");
  g_string_append (s, ",\"first_problems\":[");
  for (guint i = 0; i < r->first_problems->len; i++)
    {
      const DialerProblem *p = g_ptr_array_index (r->first_problems, i);
      g_string_append_printf (
          s, "%s{\"line\":%" G_GUINT64_FORMAT ",\"kind\":\"%s\",\"rejected\":%s", i ? "," : "",
          p->line, dialer_problem_kind_to_string (p->kind), p->rejected ? "true" : "false");
      const char *keys[] = { "column", "value" };
      const char *values[] = { p->column, p->value };
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        if (values[k])
          {
            g_string_append_printf (s, ",\"%s\":", keys[k]);
            json_string (s, values[k]);
          }
      if (p->kind == DIALER_PROBLEM_DUPLICATE)
        g_string_append_printf (s, ",\"first_line\":%" G_GUINT64_FORMAT, p->first_line);
      g_string_append (s, ",\"message\":");
      json_string (s, p->message);
      g_string_append_c (s, '}');
    }
  g_string_append (s, "]}");
  return g_string_free (g_steal_pointer (&s), FALSE);
}
