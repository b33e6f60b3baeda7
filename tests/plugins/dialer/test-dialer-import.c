/* The dialer's contact import (plugins/dialer/import.c): mapping, numbers
 * normalised, rejected rows with line, field and reason, duplicates,
 * do-not-call, batches in one transaction, all-or-nothing against
 * skip-bad-rows, a result that does not depend on chunking, and a
 * million generated rows streamed through a bounded buffer. */
#include "import.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

/* ---- a sink that writes down what it was told ---- */

typedef struct {
  guint begins, batches, commits, rollbacks;
  guint64 contacts;
  guint max_batch;
  GPtrArray *lines;    /* "LINE id=… prio=… phones=…,… fields=…", or NULL to only count */
  guint fail_at_batch; /* 1-based; 0 never */
} Sink;

static gboolean
sink_begin (gpointer data, GError **error)
{
  (void) error;
  Sink *s = data;
  g_assert_cmpuint (s->begins, ==, 0);
  s->begins++;
  return TRUE;
}

static gboolean
sink_batch (const DialerContact *contacts, guint n, gpointer data, GError **error)
{
  Sink *s = data;
  g_assert_cmpuint (s->begins, ==, 1);
  g_assert_cmpuint (s->commits + s->rollbacks, ==, 0);
  s->batches++;
  s->max_batch = MAX (s->max_batch, n);
  if (s->batches == s->fail_at_batch)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "store full");
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      g_assert_nonnull (contacts[i].phones[0]);
      s->contacts++;
      if (!s->lines)
        continue;
      g_autofree char *phones = g_strjoinv (",", (char **) contacts[i].phones);
      g_ptr_array_add (s->lines,
                       g_strdup_printf ("%" G_GUINT64_FORMAT " id=%s prio=%d phones=%s "
                                        "fields=%s",
                                        contacts[i].line, contacts[i].id ? contacts[i].id : "-",
                                        contacts[i].priority, phones, contacts[i].fields));
    }
  return TRUE;
}

static gboolean
sink_commit (gpointer data, GError **error)
{
  (void) error;
  Sink *s = data;
  g_assert_cmpuint (s->commits + s->rollbacks, ==, 0);
  s->commits++;
  return TRUE;
}

static void
sink_rollback (gpointer data)
{
  Sink *s = data;
  g_assert_cmpuint (s->commits + s->rollbacks, ==, 0);
  s->rollbacks++;
}

static const DialerImportSink sink_funcs = { sink_begin, sink_batch, sink_commit, sink_rollback };

static const char *const phone12[] = { "phone1", "phone2", NULL };

static DialerImportOptions
options (DialerImportMode mode)
{
  DialerImportOptions o = { 0 };
  o.country = "225";
  o.phone_columns = phone12;
  o.mode = mode;
  return o;
}

/* One import of @text cut at @cut (0: whole); the report as JSON. */
typedef struct {
  Sink sink;
  gboolean ok;
  GError *error;
  char *json;
  JsonObject *report;
  JsonParser *parser;
} Run;

static void
run_clear (Run *r)
{
  g_clear_pointer (&r->sink.lines, g_ptr_array_unref);
  g_clear_error (&r->error);
  g_clear_pointer (&r->json, g_free);
  g_clear_object (&r->parser);
}

static Run
run_cut (const char *text, const DialerImportOptions *o, gsize cut)
{
  Run r = { 0 };
  r.sink.lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autoptr (DialerImport) imp = dialer_import_new (o, &sink_funcs, &r.sink, &error);
  g_assert_no_error (error);
  gsize len = strlen (text);
  cut = MIN (cut, len);
  r.ok = dialer_import_feed (imp, text, cut, &r.error)
         && dialer_import_feed (imp, text + cut, len - cut, &r.error)
         && dialer_import_finish (imp, &r.error);
  r.json = dialer_import_report_to_json (dialer_import_get_report (imp));
  r.parser = json_parser_new ();
  g_assert_true (json_parser_load_from_data (r.parser, r.json, -1, NULL));
  r.report = json_node_get_object (json_parser_get_root (r.parser));
  /* exactly one end to every transaction begun */
  g_assert_cmpuint (r.sink.commits + r.sink.rollbacks, ==, r.sink.begins);
  return r;
}

static Run
run (const char *text, const DialerImportOptions *o)
{
  return run_cut (text, o, 0);
}

static gint64
count (const Run *r, const char *name)
{
  return json_object_get_int_member (r->report, name);
}

static JsonObject *
problem_at (const Run *r, guint i)
{
  JsonArray *a = json_object_get_array_member (r->report, "first_problems");
  g_assert_cmpuint (i, <, json_array_get_length (a));
  return json_array_get_object_element (a, i);
}

static void
assert_problem (const Run *r, guint i, gint64 line, const char *kind, const char *column,
                const char *message_part)
{
  JsonObject *p = problem_at (r, i);
  g_assert_cmpint (json_object_get_int_member (p, "line"), ==, line);
  g_assert_cmpstr (json_object_get_string_member (p, "kind"), ==, kind);
  g_assert_cmpstr (json_object_get_string_member_with_default (p, "column", NULL), ==, column);
  const char *message = json_object_get_string_member (p, "message");
  if (!strstr (message, message_part))
    g_error ("problem %u: “%s” does not say “%s”", i, message, message_part);
}

static const char *
contact (const Run *r, guint i)
{
  g_assert_cmpuint (i, <, r->sink.lines->len);
  return g_ptr_array_index (r->sink.lines, i);
}

/* ---- mapping ---- */

static void
test_mapping (void)
{
  DialerImportOptions o = options (DIALER_IMPORT_ALL_OR_NOTHING);
  o.id_column = "ref";
  o.priority_column = "prio";
  Run r = run ("\xef\xbb\xbfref;nom;phone1;phone2;prio;ville;\n"
               "C-1;Koné \"Awa\";07 07 12 34 56;;5;Abidjan\\Cocody;\n"
               " C-2 ;Ama;;+33 6 12 34 56 78;;\"Bouaké\nNord\";\n"
               ";Yao;01.02.03.04.05;05-06-07-08-09;-3;;\n",
               &o);
  g_assert_no_error (r.error);
  g_assert_true (r.ok);
  g_assert_cmpstr (contact (&r, 0), ==,
                   "2 id=C-1 prio=5 phones=+2250707123456 "
                   "fields={\"nom\":\"Koné \\\"Awa\\\"\",\"ville\":\"Abidjan\\\\Cocody\"}");
  g_assert_cmpstr (contact (&r, 1), ==,
                   "3 id=C-2 prio=0 phones=+33612345678 "
                   "fields={\"nom\":\"Ama\",\"ville\":\"Bouaké\\nNord\"}");
  g_assert_cmpstr (contact (&r, 2), ==,
                   "5 id=- prio=-3 phones=+2250102030405,+2250506070809 "
                   "fields={\"nom\":\"Yao\",\"ville\":\"\"}");
  g_assert_cmpint (count (&r, "rows"), ==, 3);
  g_assert_cmpint (count (&r, "imported"), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (r.report, "separator"), ==, ";");
  g_assert_true (json_object_get_boolean_member (r.report, "committed"));
  g_assert_cmpuint (r.sink.commits, ==, 1);
  run_clear (&r);
}

static const char *const phone13[] = { "phone1", "phone3", NULL };

/* A mapping the header cannot satisfy fails the import before any write. */
static const struct {
  const char *const *phones;
  const char *id, *priority, *text;
  DialerImportError code;
  const char *message_part;
} bad_mappings[] = {
  { phone13, NULL, NULL, "name,phone1,phone2\nAma,0707123456,\n", DIALER_IMPORT_ERROR_MAPPING,
    "line 1: the phone column “phone3” is not in the header; its columns are: "
    "“name”, “phone1”, “phone2”" },
  { phone12, NULL, "prio", "phone1,phone2\n0707123456,\n", DIALER_IMPORT_ERROR_MAPPING,
    "the priority column “prio” is not in the header" },
  { phone12, NULL, NULL, "phone1,x,phone2,x\n0707123456,,,\n", DIALER_IMPORT_ERROR_MAPPING,
    "“x” appears twice in the header (columns 2 and 4)" },
  { phone12, "phone1", NULL, "phone1,phone2\n0707123456,\n", DIALER_IMPORT_ERROR_MAPPING,
    "column “phone1” is mapped twice" },
  { phone12, NULL, NULL, "\n\n", DIALER_IMPORT_ERROR_EMPTY, "no header line" },
};

static void
test_mapping_errors (void)
{
  DialerImportOptions o;
  for (guint i = 0; i < G_N_ELEMENTS (bad_mappings); i++)
    {
      o = options (DIALER_IMPORT_SKIP_BAD_ROWS);
      o.phone_columns = bad_mappings[i].phones;
      o.id_column = bad_mappings[i].id;
      o.priority_column = bad_mappings[i].priority;
      Run r = run (bad_mappings[i].text, &o);
      g_assert_error (r.error, DIALER_IMPORT_ERROR, (gint) bad_mappings[i].code);
      g_assert_nonnull (strstr (r.error->message, bad_mappings[i].message_part));
      g_assert_cmpuint (r.sink.begins, ==, 0);
      run_clear (&r);
    }

  /* unusable options */
  g_autoptr (GError) error = NULL;
  Sink sink = { 0 };
  o = options (DIALER_IMPORT_SKIP_BAD_ROWS);
  o.country = "999";
  g_assert_null (dialer_import_new (&o, &sink_funcs, &sink, &error));
  g_assert_error (error, DIALER_IMPORT_ERROR, DIALER_IMPORT_ERROR_OPTIONS);
  g_clear_error (&error);
  const char *const none[] = { NULL };
  o = options (DIALER_IMPORT_SKIP_BAD_ROWS);
  o.phone_columns = none;
  g_assert_null (dialer_import_new (&o, &sink_funcs, &sink, &error));
  g_assert_error (error, DIALER_IMPORT_ERROR, DIALER_IMPORT_ERROR_OPTIONS);
}

/* ---- rows ---- */

static const char bad_rows[] = "name,phone1,phone2,prio\n"
                               "Ama,0707123456,07 07 12 34 5x,1\n" /* 2: one bad number */
                               "Awa,abc,12,2\n"                    /* 3: none valid */
                               "Yao,,,3\n"                         /* 4: none at all */
                               "Koffi,0101010101\n"                /* 5: ragged */
                               "Adjoua,0505050505,,high\n"         /* 6: bad priority */
                               "Kouamé,0202020202,,4\n";           /* 7: fine */

static void
test_rejected_rows (void)
{
  DialerImportOptions o = options (DIALER_IMPORT_SKIP_BAD_ROWS);
  o.priority_column = "prio";
  Run r = run (bad_rows, &o);
  g_assert_no_error (r.error);
  g_assert_true (r.ok);
  g_assert_cmpint (count (&r, "rows"), ==, 6);
  g_assert_cmpint (count (&r, "imported"), ==, 2);
  g_assert_cmpint (count (&r, "rejected"), ==, 4);
  g_assert_cmpint (count (&r, "bad_numbers"), ==, 3);
  g_assert_cmpint (count (&r, "problems"), ==, 7);
  assert_problem (&r, 0, 2, "bad-number", "phone2", "letter “x”");
  assert_problem (&r, 1, 3, "bad-number", "phone1", "letter “a”");
  assert_problem (&r, 2, 3, "bad-number", "phone2", "too short");
  assert_problem (&r, 3, 3, "no-number", NULL, "no valid phone number in “phone1”, “phone2”");
  assert_problem (&r, 4, 4, "no-number", NULL, "no phone number: “phone1”, “phone2” empty");
  assert_problem (&r, 5, 5, "ragged-row", NULL, "2 fields where the header has 4");
  assert_problem (&r, 6, 6, "bad-priority", "prio", "not a whole number");
  g_assert_true (json_object_get_boolean_member (problem_at (&r, 3), "rejected"));
  g_assert_false (json_object_get_boolean_member (problem_at (&r, 0), "rejected"));
  g_assert_cmpstr (json_object_get_string_member (problem_at (&r, 0), "value"), ==,
                   "07 07 12 34 5x");
  g_assert_cmpuint (r.sink.lines->len, ==, 2);
  g_assert_true (g_str_has_prefix (contact (&r, 0), "2 id=- prio=1 phones=+2250707123456 "));
  g_assert_true (g_str_has_prefix (contact (&r, 1), "7 "));
  g_assert_cmpuint (r.sink.commits, ==, 1);
  run_clear (&r);
}

static void
test_all_or_nothing (void)
{
  DialerImportOptions o = options (DIALER_IMPORT_ALL_OR_NOTHING);
  o.priority_column = "prio";
  o.batch_size = 1; /* the good first row reaches the sink before the bad ones */
  Run r = run (bad_rows, &o);
  g_assert_false (r.ok);
  g_assert_error (r.error, DIALER_IMPORT_ERROR, DIALER_IMPORT_ERROR_REJECTED);
  g_assert_nonnull (strstr (r.error->message, "4 of 6 rows rejected"));
  g_assert_cmpuint (r.sink.begins, ==, 1);
  g_assert_cmpuint (r.sink.contacts, ==, 1);
  g_assert_cmpuint (r.sink.rollbacks, ==, 1);
  g_assert_cmpuint (r.sink.commits, ==, 0);
  /* the whole file is still reported */
  g_assert_cmpint (count (&r, "imported"), ==, 0);
  g_assert_cmpint (count (&r, "rejected"), ==, 4);
  g_assert_cmpint (count (&r, "problems"), ==, 7);
  g_assert_false (json_object_get_boolean_member (r.report, "committed"));
  g_assert_nonnull (strstr (json_object_get_string_member (r.report, "error"), "rejected"));
  run_clear (&r);

  /* a clean file commits */
  r = run ("phone1,phone2,prio\n0707123456,,1\n0101010101,,2\n", &o);
  g_assert_true (r.ok);
  g_assert_cmpuint (r.sink.commits, ==, 1);
  g_assert_cmpint (count (&r, "imported"), ==, 2);
  run_clear (&r);
}

/* ---- duplicates and do-not-call ---- */

static gboolean
dnc_lookup (const char *e164, gpointer data)
{
  (void) data;
  return g_str_has_prefix (e164, "+2252799");
}

static void
test_duplicates_and_dnc (void)
{
  g_autoptr (GHashTable) existing = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_add (existing, "+2250505050505");
  g_autoptr (GHashTable) dnc = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_add (dnc, "+2250303030303");
  DialerImportOptions o = options (DIALER_IMPORT_ALL_OR_NOTHING);
  o.existing = existing;
  o.dnc = dnc;
  o.dnc_lookup = dnc_lookup;
  Run r = run ("name,phone1,phone2\n"
               "a,0707123456,07.07.12.34.56\n"      /* 2: the same twice in a row */
               "b,0101010101,+225 07 07 12 34 56\n" /* 3: phone2 as line 2 */
               "c,0505050505,\n"                    /* 4: in the campaign */
               "d,0303030303,0202020202\n"          /* 5: phone1 on the DNC set */
               "e,2799000000,\n"                    /* 6: DNC by lookup */
               "f,+33 1 23 45 67 89,0101010101\n",  /* 7: phone2 as line 3 */
               &o);
  g_assert_no_error (r.error);
  g_assert_true (r.ok);
  g_assert_cmpint (count (&r, "rows"), ==, 6);
  g_assert_cmpint (count (&r, "imported"), ==, 4);
  g_assert_cmpint (count (&r, "rejected"), ==, 0);
  g_assert_cmpint (count (&r, "skipped"), ==, 2);
  g_assert_cmpint (count (&r, "duplicates"), ==, 4);
  g_assert_cmpint (count (&r, "dnc"), ==, 2);
  assert_problem (&r, 0, 2, "duplicate", "phone2", "first at line 2");
  assert_problem (&r, 1, 3, "duplicate", "phone2", "first at line 2");
  assert_problem (&r, 2, 4, "duplicate", "phone1", "already in the campaign");
  assert_problem (&r, 3, 5, "do-not-call", "phone1", "do-not-call");
  assert_problem (&r, 4, 6, "do-not-call", "phone1", "do-not-call");
  assert_problem (&r, 5, 7, "duplicate", "phone2", "first at line 3");
  g_assert_cmpint (json_object_get_int_member (problem_at (&r, 1), "first_line"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (problem_at (&r, 2), "first_line"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (problem_at (&r, 3), "value"), ==,
                   "+2250303030303");
  g_assert_cmpuint (r.sink.lines->len, ==, 4);
  g_assert_true (g_str_has_prefix (contact (&r, 0), "2 id=- prio=0 phones=+2250707123456 "));
  g_assert_true (g_str_has_prefix (contact (&r, 1), "3 id=- prio=0 phones=+2250101010101 "));
  g_assert_true (g_str_has_prefix (contact (&r, 2), "5 id=- prio=0 phones=+2250202020202 "));
  g_assert_true (g_str_has_prefix (contact (&r, 3), "7 id=- prio=0 phones=+33123456789 "));
  run_clear (&r);
}

/* A rejected row's numbers are not taken: a later row may have them. */
static void
test_rejected_numbers_free (void)
{
  DialerImportOptions o = options (DIALER_IMPORT_SKIP_BAD_ROWS);
  o.priority_column = "prio";
  Run r = run ("phone1,phone2,prio\n0707123456,,x\n0707123456,,1\n", &o);
  g_assert_true (r.ok);
  g_assert_cmpint (count (&r, "imported"), ==, 1);
  g_assert_cmpint (count (&r, "duplicates"), ==, 0);
  g_assert_true (g_str_has_prefix (contact (&r, 0), "3 "));
  run_clear (&r);
}

/* ---- the report, the batches, the transaction ---- */

static void
test_report_limit (void)
{
  g_autoptr (GString) text = g_string_new ("phone1,phone2\n");
  for (guint i = 0; i < 50; i++)
    g_string_append (text, "bad,\n");
  DialerImportOptions o = options (DIALER_IMPORT_SKIP_BAD_ROWS);
  o.max_problems = 5;
  Run r = run (text->str, &o);
  g_assert_true (r.ok);
  g_assert_cmpint (count (&r, "problems"), ==, 100);
  g_assert_cmpint (count (&r, "rejected"), ==, 50);
  g_assert_cmpuint (
      json_array_get_length (json_object_get_array_member (r.report, "first_problems")), ==, 5);
  g_assert_cmpuint (r.sink.begins, ==, 0); /* nothing to write */
  run_clear (&r);
}

static void
test_batches (void)
{
  g_autoptr (GString) text = g_string_new ("phone1,phone2\n");
  for (guint i = 0; i < 10; i++)
    g_string_append_printf (text, "07070000%02u,\n", i);
  DialerImportOptions o = options (DIALER_IMPORT_ALL_OR_NOTHING);
  o.batch_size = 3;
  Run r = run (text->str, &o);
  g_assert_true (r.ok);
  g_assert_cmpuint (r.sink.begins, ==, 1);
  g_assert_cmpuint (r.sink.batches, ==, 4);
  g_assert_cmpuint (r.sink.max_batch, ==, 3);
  g_assert_cmpuint (r.sink.contacts, ==, 10);
  g_assert_cmpuint (r.sink.commits, ==, 1);
  run_clear (&r);

  /* a sink that fails ends the import, rolled back, in either mode */
  for (int mode = 0; mode < 2; mode++)
    {
      o.mode = (DialerImportMode) mode;
      Sink sink = { .fail_at_batch = 2 };
      g_autoptr (GError) error = NULL;
      g_autoptr (DialerImport) imp = dialer_import_new (&o, &sink_funcs, &sink, &error);
      g_assert_false (dialer_import_feed (imp, text->str, text->len, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
      g_assert_cmpuint (sink.rollbacks, ==, 1);
      g_clear_error (&error);
      g_assert_false (dialer_import_finish (imp, &error));
      g_assert_error (error, DIALER_IMPORT_ERROR, DIALER_IMPORT_ERROR_CLOSED);
      g_assert_false (dialer_import_get_report (imp)->committed);
      g_assert_cmpuint (sink.commits, ==, 0);
    }
}

/* Broken CSV half-way rolls back even when skipping bad rows. */
static void
test_broken_csv_rolls_back (void)
{
  DialerImportOptions o = options (DIALER_IMPORT_SKIP_BAD_ROWS);
  o.batch_size = 1;
  Run r = run ("phone1,phone2\n0707123456,\n0101010101,\"\n", &o);
  g_assert_false (r.ok);
  g_assert_error (r.error, DIALER_CSV_ERROR, DIALER_CSV_ERROR_UNTERMINATED_QUOTE);
  g_assert_cmpuint (r.sink.contacts, ==, 1);
  g_assert_cmpuint (r.sink.rollbacks, ==, 1);
  g_assert_nonnull (strstr (json_object_get_string_member (r.report, "error"), "line 3"));
  run_clear (&r);

  r = run ("phone1,phone2\n0707123456,\n01\xff,\n", &o);
  g_assert_error (r.error, DIALER_CSV_ERROR, DIALER_CSV_ERROR_INVALID_UTF8);
  g_assert_cmpuint (r.sink.rollbacks, ==, 1);
  run_clear (&r);
}

/* An import dropped half-way (the daemon stops) is rolled back; so is a
 * cancelled file import. */
static void
test_abandoned (void)
{
  DialerImportOptions o = options (DIALER_IMPORT_SKIP_BAD_ROWS);
  o.batch_size = 1;
  Sink sink = { 0 };
  DialerImport *imp = dialer_import_new (&o, &sink_funcs, &sink, NULL);
  const char *text = "phone1,phone2\n0707123456,\n";
  g_assert_true (dialer_import_feed (imp, text, strlen (text), NULL));
  g_assert_true (dialer_import_feed (imp, text + 14, 12, NULL)); /* a duplicate */
  g_assert_cmpuint (sink.begins, ==, 1);
  dialer_import_free (imp);
  g_assert_cmpuint (sink.rollbacks, ==, 1);

  g_autofree char *path = NULL;
  int fd = g_file_open_tmp ("dialer-import-XXXXXX.csv", &path, NULL);
  g_assert_cmpint (fd, >=, 0);
  close (fd);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  Sink sink2 = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (DialerImport) imp2 = dialer_import_new (&o, &sink_funcs, &sink2, NULL);
  g_assert_false (dialer_import_file (imp2, path, cancel, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (sink2.commits, ==, 0);
  g_clear_error (&error);
  /* and a file import that runs to the end commits */
  Sink sink3 = { 0 };
  g_autoptr (DialerImport) imp3 = dialer_import_new (&o, &sink_funcs, &sink3, NULL);
  g_assert_true (dialer_import_file (imp3, path, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sink3.contacts, ==, 1);
  g_assert_cmpuint (sink3.commits, ==, 1);
  g_unlink (path);
}

/* ---- chunking ---- */

static char *
outcome (const Run *r)
{
  g_autofree char *contacts = NULL;
  g_ptr_array_add (r->sink.lines, NULL);
  contacts = g_strjoinv ("\n", (char **) r->sink.lines->pdata);
  g_ptr_array_set_size (r->sink.lines, r->sink.lines->len - 1);
  return g_strdup_printf ("%d %s\n%s\n%s", r->ok, r->error ? r->error->message : "-", r->json,
                          contacts);
}

static void
test_chunk_boundaries (void)
{
  const char *files[] = {
    "\xef\xbb\xbf\"na;me\";phone1;phone2;note\r\n"
    "\"Koné \"\"Awa\"\"\";07 07 12 34 56;\"+33 (0)1\n23 45 67 89\";\"a;b\r\nc\"\r\n"
    "Ama;0707123456;bad;\xe2\x82\xac\r\n"
    "\r\n"
    "Yao;;;\n"
    "Kouamé;+1 (212) 555-0100;0033612345678;\"\"",
    "phone1\tphone2\n0707123456\t\"x\n", /* unterminated */
  };
  DialerImportOptions o = options (DIALER_IMPORT_SKIP_BAD_ROWS);
  o.batch_size = 2;
  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      Run whole = run (files[f], &o);
      g_autofree char *want = outcome (&whole);
      run_clear (&whole);
      for (gsize cut = 1; cut < strlen (files[f]); cut++)
        {
          Run r = run_cut (files[f], &o, cut);
          g_autofree char *got = outcome (&r);
          g_assert_cmpstr (got, ==, want);
          run_clear (&r);
        }
    }
}

/* ---- a million rows ---- */

/* What a generated file holds. */
typedef struct {
  guint64 duplicates, dnc, bad, rejected;
} Expected;

/* Row i of a generated campaign file: 5 columns, 2 phones, a mobile and a
 * landline. Now and then the mobile repeats the row before's, the
 * landline is on the DNC list (see dnc_lookup) or malformed, or the row
 * has no number at all. */
static void
million_row (GString *s, guint i, Expected *e)
{
  guint mobile = i % 100 == 1 && i > 1 ? i - 1 : i;
  e->duplicates += mobile != i;
  if (i % 100000 == 4)
    {
      e->rejected++;
      g_string_append_printf (s, "C%07u;\"Client %u, Abidjan\";;;%u\n", i, i, i % 7);
      return;
    }
  g_string_append_printf (s, "C%07u;\"Client %u, Abidjan\";07 %02u %02u %02u %02u;", i, i,
                          mobile / 1000000 % 100, mobile / 10000 % 100, mobile / 100 % 100,
                          mobile % 100);
  if (i % 1000 == 2)
    {
      e->dnc++;
      g_string_append_printf (s, "27 99 %02u %02u %02u", i / 10000 % 100, i / 100 % 100, i % 100);
    }
  else if (i % 10000 == 3)
    {
      e->bad++;
      g_string_append (s, "07 bad");
    }
  else
    g_string_append_printf (s, "+225 27 %02u %02u %02u %02u", i / 1000000 % 100, i / 10000 % 100,
                            i / 100 % 100, i % 100);
  g_string_append_printf (s, ";%u\n", i % 7);
}

static void
test_million_rows (void)
{
  const guint n = 1000000;
  DialerImportOptions o = options (DIALER_IMPORT_SKIP_BAD_ROWS);
  o.separator = 0;
  o.id_column = "ref";
  o.priority_column = "prio";
  o.dnc_lookup = dnc_lookup;
  Sink sink = { 0 }; /* counts only */
  g_autoptr (GError) error = NULL;
  g_autoptr (DialerImport) imp = dialer_import_new (&o, &sink_funcs, &sink, &error);
  g_autoptr (GString) chunk = g_string_new ("ref;name;phone1;phone2;prio\n");
  Expected e = { 0 };
  for (guint i = 1; i <= n; i++)
    {
      million_row (chunk, i, &e);
      /* odd-sized chunks, so rows span them */
      if (chunk->len >= 65521)
        {
          g_assert_true (dialer_import_feed (imp, chunk->str, 65521, &error));
          g_string_erase (chunk, 0, 65521);
        }
    }
  g_assert_true (dialer_import_feed (imp, chunk->str, chunk->len, &error));
  g_assert_true (dialer_import_finish (imp, &error));
  g_assert_no_error (error);
  const DialerImportReport *rep = dialer_import_get_report (imp);
  g_assert_cmpuint (rep->rows, ==, n);
  g_assert_cmpuint (rep->imported, ==, n - e.rejected);
  g_assert_cmpuint (rep->rejected, ==, e.rejected);
  g_assert_cmpuint (rep->skipped, ==, 0);
  g_assert_cmpuint (rep->duplicates, ==, e.duplicates);
  g_assert_cmpuint (rep->dnc, ==, e.dnc);
  g_assert_cmpuint (rep->bad_numbers, ==, e.bad);
  g_assert_cmpuint (e.rejected * e.duplicates * e.dnc * e.bad, >, 0);
  g_assert_cmpuint (sink.contacts, ==, n - e.rejected);
  g_assert_cmpuint (sink.commits, ==, 1);
  /* one row at a time: the tokenizer never held more than its first
   * allocation (rows are under 100 bytes), nor the sink more than a batch */
  g_assert_cmpuint (dialer_import_get_peak_row_buffer (imp), <=, 1024);
  g_assert_cmpuint (dialer_import_get_peak_batch (imp), <=, 1000);
  g_assert_cmpuint (sink.max_batch, <=, 1000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dialer/import/maps-phones-id-priority-and-fields", test_mapping);
  g_test_add_func ("/dialer/import/names-unknown-columns", test_mapping_errors);
  g_test_add_func ("/dialer/import/reports-rejected-rows-with-line-field-reason",
                   test_rejected_rows);
  g_test_add_func ("/dialer/import/all-or-nothing-rolls-back", test_all_or_nothing);
  g_test_add_func ("/dialer/import/drops-duplicates-and-dnc", test_duplicates_and_dnc);
  g_test_add_func ("/dialer/import/frees-numbers-of-rejected-rows", test_rejected_numbers_free);
  g_test_add_func ("/dialer/import/keeps-the-first-problems", test_report_limit);
  g_test_add_func ("/dialer/import/writes-batches-in-one-transaction", test_batches);
  g_test_add_func ("/dialer/import/rolls-back-broken-csv", test_broken_csv_rolls_back);
  g_test_add_func ("/dialer/import/rolls-back-when-abandoned", test_abandoned);
  g_test_add_func ("/dialer/import/does-not-depend-on-chunks", test_chunk_boundaries);
  g_test_add_func ("/dialer/import/streams-a-million-rows", test_million_rows);
  return g_test_run ();
}
