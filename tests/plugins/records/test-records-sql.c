/* Unit tests of the records plugin without a database: the SQL built
 * from the entity tables, store rows turned back into records, and the
 * store's errors, as both backends word them, mapped to fields. */
#include "fields.h"
#include "sql.h"
#include "store-errors.h"

#include <string.h>

static RecRecord *
parse_ok (const char *entity, const char *text, RecParseMode mode)
{
  g_autoptr (GVariant) v = g_variant_ref_sink (g_variant_new_parsed (text));
  g_autoptr (GError) e = NULL;
  RecRecord *r = rec_record_parse (rec_entity_lookup (entity), v, mode, &e);
  g_assert_no_error (e);
  g_assert_nonnull (r);
  return r;
}

/* --- SQL ------------------------------------------------------------------------- */

static const char *
sql_of (RecBatch *b, guint i)
{
  guint n;
  const OccStoreStatement *st = rec_batch_statements (b, &n);
  g_assert_cmpuint (i, <, n);
  return st[i].sql;
}

static char *
params_of (RecBatch *b, guint i)
{
  guint n;
  const OccStoreStatement *st = rec_batch_statements (b, &n);
  return st[i].params ? g_variant_print (st[i].params, FALSE) : g_strdup ("()");
}

static void
test_sql_upsert_only_given_columns (void)
{
  g_autoptr (RecRecord) r
      = parse_ok ("customer",
                  "{'id': <'c1'>, 'display_name': <\"x'); DROP TABLE customer; --\">, "
                  "'phones': <['+2250701000001', '+2250502000001']>}",
                  REC_PARSE_PUT);
  g_autoptr (RecBatch) b = rec_batch_new ();
  rec_sql_put (b, r, r->id, FALSE, 1000);
  guint n;
  rec_batch_statements (b, &n);
  g_assert_cmpuint (n, ==, 5);
  g_assert_cmpstr (sql_of (b, 0), ==,
                   "INSERT INTO customer (id, display_name, created_at, updated_at) VALUES ($1, "
                   "$2, $3, $3) ON CONFLICT (id) DO UPDATE SET display_name = "
                   "excluded.display_name, updated_at = excluded.updated_at");
  g_autofree char *p0 = params_of (b, 0);
  g_assert_cmpstr (p0, ==, "('c1', \"x'); DROP TABLE customer; --\", 1000)");
  g_assert_cmpstr (sql_of (b, 1), ==, "DELETE FROM customer_phone WHERE customer_id = $1");
  g_assert_cmpstr (sql_of (b, 2), ==,
                   "INSERT INTO customer_phone (customer_id, e164, position) VALUES ($1, $2, $3), "
                   "($1, $4, $5)");
  g_autofree char *p2 = params_of (b, 2);
  g_assert_cmpstr (p2, ==, "('c1', '+2250701000001', 0, '+2250502000001', 1)");
  g_assert_true (g_str_has_prefix (sql_of (b, 3), "SELECT id, display_name, first_name"));
  g_assert_true (g_str_has_suffix (sql_of (b, 3), "FROM customer WHERE id = $1"));
  g_assert_cmpstr (sql_of (b, 4), ==,
                   "SELECT customer_id, e164 FROM customer_phone WHERE customer_id = $1 ORDER BY "
                   "position");
  for (guint i = 0; i < n; i++)
    g_assert_null (strstr (sql_of (b, i), "DROP"));
}

static void
test_sql_update_keeps_required (void)
{
  g_autoptr (RecRecord) r
      = parse_ok ("agent", "{'id': <'a1'>, 'extension': <'1001'>}", REC_PARSE_PUT);
  g_autoptr (RecBatch) b = rec_batch_new ();
  rec_sql_put (b, r, r->id, FALSE, 7);
  g_assert_cmpstr (sql_of (b, 0), ==,
                   "INSERT INTO agent (id, display_name, extension, created_at, updated_at) "
                   "VALUES ($1, (SELECT display_name FROM agent WHERE id = $1), $2, $3, $3) ON "
                   "CONFLICT (id) DO UPDATE SET extension = excluded.extension, updated_at = "
                   "excluded.updated_at");
  /* a new record: a plain insert */
  g_autoptr (RecRecord) n = parse_ok ("queue", "{'name': <'Sales'>}", REC_PARSE_PUT);
  g_autoptr (RecBatch) b2 = rec_batch_new ();
  rec_sql_put (b2, n, "uuid", TRUE, 7);
  g_assert_cmpstr (sql_of (b2, 0), ==,
                   "INSERT INTO queue (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)");
  /* audit entries: insert only, seq from the database, no timestamps */
  g_autoptr (RecRecord) a = parse_ok (
      "audit_entry",
      "{'id': <'e1'>, 'at': <int64 1>, 'actor': <'x'>, 'action': <'y'>, 'result': <'ok'>}",
      REC_PARSE_PUT);
  g_autoptr (RecBatch) b3 = rec_batch_new ();
  rec_sql_put (b3, a, a->id, TRUE, 7);
  g_assert_cmpstr (sql_of (b3, 0), ==,
                   "INSERT INTO audit_entry (id, at, actor, action, result) VALUES ($1, $2, $3, "
                   "$4, $5)");
  g_assert_true (g_str_has_prefix (sql_of (b3, 1), "SELECT id, seq, at, actor"));
}

static void
test_sql_find_remove_screen_pop (void)
{
  g_autoptr (RecRecord) w
      = parse_ok ("customer", "{'language': <'fr'>, 'email': <@ms nothing>}", REC_PARSE_WHERE);
  g_autoptr (RecBatch) b = rec_batch_new ();
  rec_sql_find (b, w, rec_entity_field (w->entity, "updated_at"), TRUE, 50);
  g_assert_true (g_str_has_suffix (sql_of (b, 0),
                                   " FROM customer WHERE language = $1 AND email IS NULL ORDER BY "
                                   "updated_at DESC, id LIMIT $2"));
  g_autofree char *p = params_of (b, 0);
  g_assert_cmpstr (p, ==, "('fr', 50)");
  g_assert_cmpstr (sql_of (b, 1), ==,
                   "SELECT customer_id, e164 FROM customer_phone WHERE customer_id IN (SELECT id "
                   "FROM customer WHERE language = $1 AND email IS NULL ORDER BY updated_at DESC, "
                   "id LIMIT $2) ORDER BY customer_id, position");

  g_autoptr (RecBatch) rm = rec_batch_new ();
  rec_sql_remove (rm, rec_entity_lookup ("customer"), "c1");
  g_assert_cmpstr (sql_of (rm, 0), ==, "DELETE FROM customer_phone WHERE customer_id = $1");
  g_assert_cmpstr (sql_of (rm, 1), ==, "DELETE FROM customer WHERE id = $1");

  g_autoptr (RecBatch) sp = rec_batch_new ();
  rec_sql_screen_pop (sp, "+2250701000001", 3);
  g_assert_nonnull (strstr (sql_of (sp, 0), "WHERE p2.e164 = $1 ORDER BY c2.updated_at DESC"));
  g_assert_true (g_str_has_suffix (sql_of (sp, 1), "ORDER BY offered_at DESC, id DESC LIMIT $2"));
  g_autofree char *p1 = params_of (sp, 1);
  g_assert_cmpstr (p1, ==, "('+2250701000001', 3)");
}

/* --- rows back to records ---------------------------------------------------------- */

static void
test_rows_to_records (void)
{
  const char *cols[] = { "id", "display_name", "enabled", "skills", "created_at", "unknown" };
  g_autoptr (OccStoreResult) rows = occ_store_result_new (6, cols);
  GVariant *row1[] = { g_variant_new_string ("a1"), g_variant_new_string ("Aya"),
                       g_variant_new_int64 (1),     g_variant_new_string ("{\"fr\":5}"),
                       g_variant_new_int64 (42),    g_variant_new_string ("x") };
  GVariant *row2[] = { g_variant_new_string ("a2"), NULL, g_variant_new_int64 (0), NULL,
                       g_variant_new_int64 (43),    NULL };
  occ_store_result_add_row (rows, row1);
  occ_store_result_add_row (rows, row2);
  g_autoptr (GVariant) list
      = g_variant_ref_sink (rec_rows_to_records (rec_entity_lookup ("agent"), rows, NULL));
  g_autofree char *printed = g_variant_print (list, FALSE);
  g_assert_cmpstr (printed, ==,
                   "[{'id': <'a1'>, 'display_name': <'Aya'>, 'enabled': <true>, 'skills': <{'fr': "
                   "<int64 5>}>, 'created_at': <int64 42>}, {'id': <'a2'>, 'enabled': <false>, "
                   "'created_at': <int64 43>}]");

  /* customers get their numbers, in order; none is an empty list */
  const char *ccols[] = { "id", "display_name" };
  const char *pcols[] = { "customer_id", "e164" };
  g_autoptr (OccStoreResult) cust = occ_store_result_new (2, ccols);
  g_autoptr (OccStoreResult) phones = occ_store_result_new (2, pcols);
  GVariant *c1[] = { g_variant_new_string ("c1"), g_variant_new_string ("A") };
  GVariant *c2[] = { g_variant_new_string ("c2"), g_variant_new_string ("B") };
  occ_store_result_add_row (cust, c1);
  occ_store_result_add_row (cust, c2);
  GVariant *p1[] = { g_variant_new_string ("c1"), g_variant_new_string ("+2250701000001") };
  GVariant *p2[] = { g_variant_new_string ("c1"), g_variant_new_string ("+2250502000001") };
  occ_store_result_add_row (phones, p1);
  occ_store_result_add_row (phones, p2);
  g_autoptr (GVariant) cl
      = g_variant_ref_sink (rec_rows_to_records (rec_entity_lookup ("customer"), cust, phones));
  g_autofree char *cp = g_variant_print (cl, FALSE);
  g_assert_cmpstr (cp, ==,
                   "[{'id': <'c1'>, 'display_name': <'A'>, 'phones': <['+2250701000001', "
                   "'+2250502000001']>}, {'id': <'c2'>, 'display_name': <'B'>, 'phones': "
                   "<@as []>}]");

  /* contact.phones: JSON text back to "as" */
  const char *kcols[] = { "id", "phones" };
  g_autoptr (OccStoreResult) contacts = occ_store_result_new (2, kcols);
  GVariant *k1[] = { g_variant_new_string ("k1"), g_variant_new_string ("[\"+2250701000001\"]") };
  occ_store_result_add_row (contacts, k1);
  g_autoptr (GVariant) kl
      = g_variant_ref_sink (rec_rows_to_records (rec_entity_lookup ("contact"), contacts, NULL));
  g_autofree char *kp = g_variant_print (kl, FALSE);
  g_assert_cmpstr (kp, ==, "[{'id': <'k1'>, 'phones': <['+2250701000001']>}]");
}

/* --- the store's errors ----------------------------------------------------------- */

static char *
mapped (const char *entity, const char *record, RecOpKind op, int code, const char *message,
        int *out_code)
{
  g_autoptr (RecRecord) r = record ? parse_ok (entity, record, REC_PARSE_PUT) : NULL;
  g_autoptr (GError) store = g_error_new_literal (OCC_STORE_ERROR, code, message);
  g_autoptr (GError) e = rec_error_from_store (rec_entity_lookup (entity), r, op, store);
  g_assert_true (e->domain == OCC_RECORDS_ERROR);
  *out_code = e->code;
  return g_strdup (e->message);
}

#define ASSERT_MAPPED(entity, record, op, store_code, message, code, expected)            \
  do                                                                                      \
    {                                                                                     \
      int got_code;                                                                       \
      g_autofree char *got = mapped (entity, record, op, store_code, message, &got_code); \
      g_assert_cmpstr (got, ==, expected);                                                \
      g_assert_cmpint (got_code, ==, code);                                               \
    }                                                                                     \
  while (0)

static void
test_store_errors (void)
{
  const int C = OCC_STORE_ERROR_CONSTRAINT;
  const char *agent = "{'id': <'a1'>, 'extension': <'1001'>}";
  /* NOT NULL, as SQLite and PostgreSQL say it */
  ASSERT_MAPPED ("agent", agent, REC_OP_PUT, C, "NOT NULL constraint failed: agent.display_name",
                 OCC_RECORDS_ERROR_INVALID, "agent.display_name: is required");
  ASSERT_MAPPED ("agent", agent, REC_OP_PUT, C,
                 "null value in column \"display_name\" of relation \"agent\" violates not-null "
                 "constraint",
                 OCC_RECORDS_ERROR_INVALID, "agent.display_name: is required");
  /* unique */
  ASSERT_MAPPED ("agent", agent, REC_OP_PUT, C, "UNIQUE constraint failed: agent.extension",
                 OCC_RECORDS_ERROR_CONFLICT, "agent.extension: “1001” is taken by another agent");
  ASSERT_MAPPED ("agent", agent, REC_OP_PUT, C,
                 "duplicate key value violates unique constraint \"agent_extension\"",
                 OCC_RECORDS_ERROR_CONFLICT, "agent.extension: “1001” is taken by another agent");
  const char *user = "{'id': <'u1'>, 'login': <'aya'>}";
  ASSERT_MAPPED ("user", user, REC_OP_PUT, C, "UNIQUE constraint failed: app_user.login",
                 OCC_RECORDS_ERROR_CONFLICT, "user.login: “aya” is taken by another user");
  ASSERT_MAPPED ("user", user, REC_OP_PUT, C,
                 "ERROR:  duplicate key value violates unique constraint \"app_user_login\"\n"
                 "DETAIL:  Key (login)=(aya) already exists.",
                 OCC_RECORDS_ERROR_CONFLICT, "user.login: “aya” is taken by another user");
  /* an audit entry with an id that exists */
  const char *audit
      = "{'id': <'e1'>, 'at': <1>, 'actor': <'x'>, 'action': <'y'>, 'result': <'ok'>}";
  const char *append_only = "audit_entry.id: “e1” exists already, and audit_entry records are "
                            "append-only";
  ASSERT_MAPPED ("audit_entry", audit, REC_OP_PUT, C, "UNIQUE constraint failed: audit_entry.id",
                 OCC_RECORDS_ERROR_CONFLICT, append_only);
  ASSERT_MAPPED ("audit_entry", audit, REC_OP_PUT, C,
                 "duplicate key value violates unique constraint \"audit_entry_id_key\"",
                 OCC_RECORDS_ERROR_CONFLICT, append_only);
  /* a number listed twice */
  const char *twice = "{'id': <'c1'>, 'phones': <['+2250701000001', '+2250701000001']>}";
  const char *listed = "customer.phones: “+2250701000001” is listed twice";
  ASSERT_MAPPED ("customer", twice, REC_OP_PUT, C,
                 "UNIQUE constraint failed: customer_phone.customer_id, customer_phone.e164",
                 OCC_RECORDS_ERROR_INVALID, listed);
  ASSERT_MAPPED ("customer", twice, REC_OP_PUT, C,
                 "duplicate key value violates unique constraint \"customer_phone_pkey\"",
                 OCC_RECORDS_ERROR_INVALID, listed);
  /* foreign keys */
  const char *contact = "{'id': <'k1'>, 'campaign_id': <'c9'>, 'customer_id': <'u9'>}";
  ASSERT_MAPPED ("contact", contact, REC_OP_PUT, C,
                 "insert or update on table \"contact\" violates foreign key constraint "
                 "\"contact_campaign_id_fkey\"",
                 OCC_RECORDS_ERROR_INVALID, "contact.campaign_id: there is no campaign “c9”");
  ASSERT_MAPPED ("contact", contact, REC_OP_PUT, C, "FOREIGN KEY constraint failed",
                 OCC_RECORDS_ERROR_INVALID,
                 "contact.campaign_id, contact.customer_id: refers to a record that does not "
                 "exist");
  ASSERT_MAPPED ("queue", NULL, REC_OP_REMOVE, C, "FOREIGN KEY constraint failed",
                 OCC_RECORDS_ERROR_CONFLICT,
                 "queue: other records still refer to it (FOREIGN KEY constraint failed)");
  /* what the backends add after the database's words (the statement, the
   * row's values) is not searched: "customer_id" there is not customer.id */
  ASSERT_MAPPED ("customer", twice, REC_OP_PUT, C,
                 "statements[2]: UNIQUE constraint failed: customer_phone.customer_id, "
                 "customer_phone.e164 (SQLite code 1555) in: INSERT INTO customer_phone "
                 "(customer_id, e164, position) VALUES ($1, $2, $3)",
                 OCC_RECORDS_ERROR_INVALID, listed);
  ASSERT_MAPPED ("agent", agent, REC_OP_PUT, C,
                 "null value in column \"display_name\" of relation \"agent\" violates not-null "
                 "constraint — Failing row contains (a1, null, agent.extension). [SQLSTATE 23502] "
                 "in: INSERT INTO agent (id, extension) VALUES ($1, $2)",
                 OCC_RECORDS_ERROR_INVALID, "agent.display_name: is required");
  ASSERT_MAPPED ("interaction", "{'id': <'i1'>, 'customer_id': <'c9'>}", REC_OP_PUT, C,
                 "FOREIGN KEY constraint failed (SQLite code 787) in: INSERT INTO interaction "
                 "(id, customer_id) VALUES ($1, $2)",
                 OCC_RECORDS_ERROR_INVALID,
                 "interaction.customer_id: refers to a record that does not exist");
  /* anything else: the store's message */
  ASSERT_MAPPED ("queue", NULL, REC_OP_GET, OCC_STORE_ERROR_UNAVAILABLE,
                 "could not connect to the server", OCC_RECORDS_ERROR_STORE,
                 "queue: the store failed: could not connect to the server");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/records/sql/upsert-sets-only-given-columns",
                   test_sql_upsert_only_given_columns);
  g_test_add_func ("/records/sql/update-proposes-stored-required-values",
                   test_sql_update_keeps_required);
  g_test_add_func ("/records/sql/find-remove-screen-pop", test_sql_find_remove_screen_pop);
  g_test_add_func ("/records/rows/decoded-to-records", test_rows_to_records);
  g_test_add_func ("/records/store-errors/both-backends-mapped", test_store_errors);
  return g_test_run ();
}
