/* Tampering with the audit trail directly in the database (sqlite3 on the
 * file, psql on PostgreSQL) while the plugins are idle, and what verify
 * says about it: an edited field, a deleted row, two rows swapped, the
 * last row deleted (found through the head file, also across a restart),
 * a row edited with its hash recomputed, a row forged at the end — and a
 * details object rewritten in another key order, which is no change. */
#include "audit-fixture.h"

#include "canonical.h"

#include <string.h>

typedef AuditFixture Fixture;

/* Fills the trail: @n entries after the automatic ones; returns the last
 * seq. */
static gint64
fill (Fixture *f, guint n)
{
  g_autoptr (GVariant) v0 = audit_fixture_verify (f);
  occ_test_spin (100);
  audit_fixture_append_n (f, n);
  g_autoptr (GVariant) v = audit_fixture_verify (f);
  audit_assert_ok (v);
  return audit_fixture_last_seq (f);
}

static void sqlf (Fixture *f, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
sqlf (Fixture *f, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *sql = g_strdup_vprintf (format, ap);
  va_end (ap);
  audit_fixture_sql (f, sql);
}

static void
assert_verify_bad (Fixture *f, gint64 seq, const char *part)
{
  g_autoptr (GVariant) v = audit_fixture_verify (f);
  audit_assert_bad (v, seq, part);
}

/* --- reading rows through the store, to forge hashes ------------------------------------ */

typedef struct {
  gboolean done;
  OccStoreResult *rows;
} Read;

static void
on_read (GPtrArray *results, const GError *error, gpointer data)
{
  Read *r = data;
  g_assert_no_error (error);
  r->rows = occ_store_result_ref (g_ptr_array_index (results, 0));
  r->done = TRUE;
}

static gboolean
read_done (gpointer data)
{
  return ((Read *) data)->done;
}

static OccStoreResult *
read_row (Fixture *f, gint64 seq)
{
  Read r = { 0 };
  occ_store_execute1 (f->store,
                      "SELECT prev_hash, id, at, actor, action, target, result, source, details "
                      "FROM audit_entry WHERE seq = $1",
                      g_variant_new ("(x)", seq), OCC_STORE_FLAGS_NONE, on_read, &r);
  g_assert_true (occ_test_wait_for (read_done, &r, 10000));
  g_assert_cmpuint (occ_store_result_get_n_rows (r.rows), ==, 1);
  return r.rows;
}

/* The hash entry @seq would have with @actor instead of its own. */
static char *
forge_hash (Fixture *f, gint64 seq, const char *actor)
{
  g_autoptr (OccStoreResult) row = read_row (f, seq);
  AuditFields fields = {
    .prev_hash = occ_store_result_get_string (row, 0, 0),
    .id = occ_store_result_get_string (row, 0, 1),
    .at = occ_store_result_get_int (row, 0, 2),
    .actor = actor,
    .action = occ_store_result_get_string (row, 0, 4),
    .target = occ_store_result_get_string (row, 0, 5),
    .result = occ_store_result_get_string (row, 0, 6),
    .source = occ_store_result_get_string (row, 0, 7),
  };
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GString) canon = g_string_new (NULL);
  g_autoptr (GString) scratch = g_string_new (NULL);
  const char *details = occ_store_result_get_string (row, 0, 8);
  g_assert_true (details == NULL || audit_canon_json (parser, details, canon, NULL));
  char hash[AUDIT_HASH_LEN + 1];
  audit_hash (&fields, details ? canon : NULL, scratch, hash);
  return g_strdup (hash);
}

/* --- edits --------------------------------------------------------------------------------- */

static void
test_field_edited (Fixture *f, gconstpointer data)
{
  gint64 k = fill (f, 40) - 10;
  sqlf (f, "UPDATE audit_entry SET actor = 'mallory' WHERE seq = %" G_GINT64_FORMAT, k);
  g_autofree char *reason = g_strdup_printf ("entry %" G_GINT64_FORMAT " was altered", k);
  assert_verify_bad (f, k, reason);
}

static void
test_other_fields_edited (Fixture *f, gconstpointer data)
{
  gint64 last = fill (f, 40);
  static const char *const edits[] = {
    "at = at + 1",
    "details = REPLACE(details, '\"entry\"', '\"changed\"')",
    "target = NULL",
    "source = '198.51.100.1'",
    "result = 'failure'",
    "hash = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'",
    "prev_hash = hash",
    "id = 'another-id'",
  };
  /* each on its own row, the earliest found first */
  for (guint i = 0; i < G_N_ELEMENTS (edits); i++)
    {
      gint64 k = last - 1 - 3 * (gint64) i;
      sqlf (f, "UPDATE audit_entry SET %s WHERE seq = %" G_GINT64_FORMAT, edits[i], k);
      g_autofree char *reason = g_strdup_printf ("entry %" G_GINT64_FORMAT " was altered", k);
      g_test_message ("edit: %s", edits[i]);
      assert_verify_bad (f, k, reason);
    }
}

static void
test_row_deleted (Fixture *f, gconstpointer data)
{
  gint64 k = fill (f, 40) - 10;
  sqlf (f, "DELETE FROM audit_entry WHERE seq = %" G_GINT64_FORMAT, k);
  g_autofree char *reason = g_strdup_printf ("entry after %" G_GINT64_FORMAT " is missing", k - 1);
  assert_verify_bad (f, k + 1, reason);
}

/* Swaps the contents of rows @a and @b, seq staying (ids are unique, so
 * through a temporary id). */
static void
swap_rows (Fixture *f, gint64 a, gint64 b)
{
  sqlf (f,
        "CREATE TEMP TABLE t AS SELECT * FROM audit_entry WHERE seq IN (%1$" G_GINT64_FORMAT
        ", %2$" G_GINT64_FORMAT ");"
        "UPDATE audit_entry SET id = 'swap-' || seq WHERE seq IN (%1$" G_GINT64_FORMAT
        ", %2$" G_GINT64_FORMAT ");"
        "UPDATE audit_entry SET (id, at, actor, action, target, result, source, details, "
        "prev_hash, hash) = (SELECT id, at, actor, action, target, result, source, details, "
        "prev_hash, hash FROM t WHERE t.seq = %1$" G_GINT64_FORMAT " + %2$" G_GINT64_FORMAT
        " - audit_entry.seq) WHERE seq IN (%1$" G_GINT64_FORMAT ", %2$" G_GINT64_FORMAT ");"
        "DROP TABLE t;",
        a, b);
}

static void
test_rows_swapped (Fixture *f, gconstpointer data)
{
  gint64 k = fill (f, 40) - 10;
  swap_rows (f, k, k + 1);
  g_autofree char *reason = g_strdup_printf ("entries out of order at %" G_GINT64_FORMAT, k);
  assert_verify_bad (f, k, reason);
}

static void
test_rows_swapped_apart (Fixture *f, gconstpointer data)
{
  gint64 k = fill (f, 40) - 20;
  swap_rows (f, k, k + 7);
  g_autofree char *reason = g_strdup_printf ("entries out of order at %" G_GINT64_FORMAT, k);
  assert_verify_bad (f, k, reason);
}

/* --- the end of the trail ------------------------------------------------------------------ */

static void
test_last_row_deleted (Fixture *f, gconstpointer data)
{
  gint64 last = fill (f, 30);
  gint64 count = audit_fixture_sql_int (f, "SELECT COUNT(*) FROM audit_entry");
  sqlf (f, "DELETE FROM audit_entry WHERE seq = %" G_GINT64_FORMAT, last);
  /* the rest of the chain is whole: only the head tells */
  g_autofree char *reason = g_strdup_printf ("the trail ends at %" G_GINT64_FORMAT
                                             " but %" G_GINT64_FORMAT " entries were written",
                                             last - 1, count);
  assert_verify_bad (f, last, reason);
}

static gboolean
no_holds (gpointer data)
{
  return ((Fixture *) data)->ctx->holds == 0;
}

static void
test_last_row_deleted_while_stopped (Fixture *f, gconstpointer data)
{
  gint64 last = fill (f, 30);
  audit_fixture_stop (f);
  sqlf (f, "DELETE FROM audit_entry WHERE seq = %" G_GINT64_FORMAT, last);
  audit_fixture_start (f);
  /* the load finds the head file's entry gone, says so in the trail, and
   * chains on from the head file, so the gap stays where verify sees it */
  g_autoptr (GVariant) v0 = audit_fixture_verify (f);
  g_assert_true (occ_test_wait_for (no_holds, f, 10000));
  gint64 mismatch = audit_fixture_sql_int (f, "SELECT MIN(seq) FROM audit_entry WHERE action = "
                                              "'audit.head-mismatch'");
  g_assert_cmpint (mismatch, >, last);
  g_autofree char *reason
      = g_strdup_printf ("entry after %" G_GINT64_FORMAT " is missing", last - 1);
  assert_verify_bad (f, mismatch, reason);
  /* and it stays found after more entries and another restart */
  audit_fixture_append_n (f, 5);
  audit_fixture_stop (f);
  audit_fixture_start (f);
  assert_verify_bad (f, mismatch, reason);
}

static void
test_last_row_rehashed (Fixture *f, gconstpointer data)
{
  gint64 last = fill (f, 20);
  g_autofree char *hash = forge_hash (f, last, "mallory");
  sqlf (f, "UPDATE audit_entry SET actor = 'mallory', hash = '%s' WHERE seq = %" G_GINT64_FORMAT,
        hash, last);
  g_autofree char *reason
      = g_strdup_printf ("entry %" G_GINT64_FORMAT " does not match the head file", last);
  assert_verify_bad (f, last, reason);
}

static void
test_row_forged_at_end (Fixture *f, gconstpointer data)
{
  gint64 last = fill (f, 20);
  g_autoptr (OccStoreResult) row = read_row (f, last);
  g_autofree char *prev = forge_hash (f, last, occ_store_result_get_string (row, 0, 3));
  AuditFields fields = { .prev_hash = prev,
                         .id = "forged",
                         .at = 1,
                         .actor = "mallory",
                         .action = "user.grant",
                         .result = OCC_AUDIT_SUCCESS };
  g_autoptr (GString) scratch = g_string_new (NULL);
  char hash[AUDIT_HASH_LEN + 1];
  audit_hash (&fields, NULL, scratch, hash);
  sqlf (f,
        "INSERT INTO audit_entry (id, at, actor, action, result, prev_hash, hash) VALUES "
        "('forged', 1, 'mallory', 'user.grant', 'success', '%s', '%s')",
        prev, hash);
  gint64 forged = audit_fixture_last_seq (f);
  assert_verify_bad (f, forged, "not written by this daemon");
}

/* --- what is not a change -------------------------------------------------------------------- */

static void
test_details_in_another_key_order (Fixture *f, gconstpointer data)
{
  gint64 k = fill (f, 20) - 5;
  g_autoptr (OccStoreResult) row = read_row (f, k);
  const char *details = occ_store_result_get_string (row, 0, 8);
  /* the same object, its members the other way round and spaced out */
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_data (parser, details, -1, NULL));
  JsonObject *o = json_node_get_object (json_parser_get_root (parser));
  g_autoptr (GList) keys = g_list_reverse (json_object_get_members (o));
  g_autoptr (GString) text = g_string_new ("{ ");
  for (GList *l = keys; l; l = l->next)
    {
      g_autoptr (JsonGenerator) gen = json_generator_new ();
      json_generator_set_root (gen, json_object_get_member (o, l->data));
      g_autofree char *value = json_generator_to_data (gen, NULL);
      g_string_append_printf (text, "%s\"%s\" : %s", l == keys ? "" : ", ", (const char *) l->data,
                              value);
    }
  g_string_append (text, " }");
  g_test_message ("%s -> %s", details, text->str);
  g_assert_cmpstr (text->str, !=, details);
  g_assert_null (strchr (text->str, '\''));
  sqlf (f, "UPDATE audit_entry SET details = '%s' WHERE seq = %" G_GINT64_FORMAT, text->str, k);
  g_autoptr (GVariant) v = audit_fixture_verify (f);
  audit_assert_ok (v);
  /* while another value under the same key is a change */
  sqlf (f,
        "UPDATE audit_entry SET details = REPLACE(details, '\"entry\"', '\"Entry\"') "
        "WHERE seq = %" G_GINT64_FORMAT,
        k);
  g_autofree char *reason = g_strdup_printf ("entry %" G_GINT64_FORMAT " was altered", k);
  assert_verify_bad (f, k, reason);
}

static void
add_suite (const AuditBackend *b)
{
  struct {
    const char *name;
    void (*func) (Fixture *, gconstpointer);
  } tests[] = {
    { "tamper/field-edited", test_field_edited },
    { "tamper/other-fields-edited", test_other_fields_edited },
    { "tamper/row-deleted", test_row_deleted },
    { "tamper/rows-swapped", test_rows_swapped },
    { "tamper/rows-swapped-apart", test_rows_swapped_apart },
    { "tamper/last-row-deleted", test_last_row_deleted },
    { "tamper/last-row-deleted-while-stopped", test_last_row_deleted_while_stopped },
    { "tamper/last-row-rehashed", test_last_row_rehashed },
    { "tamper/row-forged-at-the-end", test_row_forged_at_end },
    { "canonical/details-in-another-key-order", test_details_in_another_key_order },
  };
  for (guint i = 0; i < G_N_ELEMENTS (tests); i++)
    {
      g_autofree char *path = g_strdup_printf ("/audit/%s/%s", b->name, tests[i].name);
      g_test_add (path, Fixture, b, audit_fixture_setup, tests[i].func, audit_fixture_teardown);
    }
}

static void
skip_postgres (void)
{
  g_test_skip ("store-postgres is not built");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  add_suite (&audit_sqlite_backend);
  if (audit_fixture_init ())
    add_suite (&audit_postgres_backend);
  else
    g_test_add_func ("/audit/postgres/not-built", skip_postgres);
  int status = g_test_run ();
  audit_fixture_shutdown ();
  return status;
}
