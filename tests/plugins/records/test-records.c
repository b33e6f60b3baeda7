/* End-to-end tests of the records plugin on a real store: store-sqlite
 * always, store-postgres on a private PostgreSQL when its plugin is built.
 * One suite (add_suite) runs, unchanged, against each backend. */
#include "records-fixture.h"

#include <string.h>

typedef RecFixture Fixture;

static OccTestPostgres *pg; /* one server for the whole run */
static guint db_counter;

static char *
postgres_config (void)
{
  g_autofree char *create = g_strdup_printf ("CREATE DATABASE records_%u", ++db_counter);
  g_autofree char *ignored = occ_test_psql (pg, create);
  return g_strdup_printf ("[postgres]\ndsn=host=%s port=%d user=postgres dbname=records_%u\n",
                          pg->socket_dir, pg->port, db_counter);
}

static const RecBackend sqlite_backend = { "sqlite", "store-sqlite", NULL };
static const RecBackend postgres_backend = { "postgres", "store-postgres", postgres_config };

#define assert_error_part(e, code, part)                            \
  do                                                                \
    {                                                               \
      g_assert_error (e, OCC_RECORDS_ERROR, code);                  \
      if (strstr ((e)->message, part) == NULL)                      \
        g_error ("“%s” does not mention “%s”", (e)->message, part); \
    }                                                               \
  while (0)

static const char *
str (GVariant *record, const char *key)
{
  const char *s = NULL;
  g_assert_true (g_variant_lookup (record, key, "&s", &s));
  return s;
}

static gint64
num (GVariant *record, const char *key)
{
  gint64 n = -1;
  g_assert_true (g_variant_lookup (record, key, "x", &n));
  return n;
}

/* Every field of @given is in @stored with the same value. */
static void
assert_has_fields (GVariant *stored, GVariant *given)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;
  g_variant_iter_init (&iter, given);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr (GVariant) v = value;
      g_autoptr (GVariant) got = g_variant_lookup_value (stored, key, NULL);
      if (got == NULL || !rec_same_value (got, v))
        {
          g_autofree char *s = g_variant_print (stored, TRUE);
          g_error ("%s is not as given in %s", key, s);
        }
    }
}

/* --- put, get, find and remove for every entity ---------------------------------- */

static const struct {
  const char *entity;
  const char *record;
  const char *where;
  const char *update; /* NULL: append-only */
} samples[] = {
  { "customer",
    "{'display_name': <'Aya Kouadio'>, 'email': <'aya@example.com'>, 'language': <'fr'>, "
    "'custom': <{'segment': <'gold'>, 'tags': <['a', 'b']>}>, 'phones': <['+2250701000001']>}",
    "{'email': <'aya@example.com'>}", "{'language': <'en'>, 'phones': <['+2250502000001']>}" },
  { "interaction",
    "{'channel': <'voice'>, 'direction': <'inbound'>, 'from_addr': <'+2250701000001'>, "
    "'offered_at': <int64 1700000000000>, 'csat': <4>, 'variables': <{'ivr': <'1'>}>}",
    "{'channel': <'voice'>, 'direction': <'inbound'>}",
    "{'csat': <5>, 'ended_at': <int64 1700000060000>}" },
  { "agent",
    "{'display_name': <'Koffi'>, 'extension': <'1001'>, 'enabled': <true>, 'skills': <{'fr': "
    "<5>}>}",
    "{'extension': <'1001'>}", "{'enabled': <false>}" },
  { "queue", "{'name': <'Support'>, 'settings': <{'timeout': <120>}>}", "{'name': <'Support'>}",
    "{'strategy': <'longest-idle'>}" },
  { "campaign", "{'name': <'Relance'>, 'mode': <'progressive'>, 'caller_id': <'+2252720000000'>}",
    "{'mode': <'progressive'>}", "{'state': <'running'>}" },
  { "contact",
    "{'campaign_id': <'camp-1'>, 'phones': <['+2250701000002', '+2250502000002']>, 'fields': "
    "<{'amount': <1500.5>}>, 'priority': <10>}",
    "{'campaign_id': <'camp-1'>}", "{'state': <'done'>, 'attempts': <1>}" },
  { "callback",
    "{'number': <'+2250701000003'>, 'requested_at': <int64 1700000000000>, 'due_at': <int64 "
    "1700000600000>, 'notes': <'Rappeler après 17 h'>}",
    "{'state': <'pending'>}", "{'state': <'done'>}" },
  { "recording",
    "{'interaction_id': <'i-1'>, 'path': <'/var/lib/omnicc/rec/i-1.opus'>, 'format': <'opus'>, "
    "'duration_ms': <int64 180000>, 'sha256': "
    "<'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'>}",
    "{'format': <'opus'>}", "{'expires_at': <int64 1800000000000>}" },
  { "survey_answer", "{'interaction_id': <'i-1'>, 'question': <'satisfaction'>, 'answer': <4>}",
    "{'question': <'satisfaction'>}", "{'answer': <5>}" },
  { "user", "{'login': <'aya'>, 'display_name': <'Aya'>, 'source': <'ldap'>}", "{'login': <'aya'>}",
    "{'enabled': <false>}" },
  { "role_grant",
    "{'user_id': <'user-1'>, 'role': <'supervisor'>, 'granted_at': <int64 1700000000000>, "
    "'granted_by': <'user-1'>}",
    "{'user_id': <'user-1'>}", "{'revoked_at': <int64 1700000100000>}" },
  { "audit_entry",
    "{'at': <int64 1700000000000>, 'actor': <'admin'>, 'action': <'user.create'>, 'target': "
    "<'user:aya'>, 'result': <'ok'>, 'details': <{'ip': <'127.0.0.1'>}>}",
    "{'actor': <'admin'>}", NULL },
};

static void
add_prerequisites (Fixture *f)
{
  g_autoptr (GVariant) c
      = rec_put_ok (f, "campaign", "{'id': <'camp-1'>, 'name': <'Base'>, 'mode': <'preview'>}");
  g_autoptr (GVariant) u = rec_put_ok (f, "user", "{'id': <'user-1'>, 'login': <'root1'>}");
}

static void
check_sample (Fixture *f, guint i)
{
  const char *entity = samples[i].entity;
  g_autoptr (GVariant) given = g_variant_ref_sink (g_variant_new_parsed (samples[i].record));
  g_autoptr (GError) e = NULL;
  /* insert: a new UUID, the record as stored */
  g_autoptr (GVariant) stored = rec_put (f, entity, given, &e);
  g_assert_no_error (e);
  assert_has_fields (stored, given);
  const char *id = str (stored, "id");
  g_assert_true (g_uuid_string_is_valid (id));
  gboolean append_only = samples[i].update == NULL;
  if (append_only)
    g_assert_cmpint (num (stored, "seq"), >=, 1);
  else
    g_assert_cmpint (num (stored, "created_at"), ==, num (stored, "updated_at"));

  g_autoptr (GVariant) got = rec_get (f, entity, id, &e);
  g_assert_no_error (e);
  g_assert_true (g_variant_equal (got, stored));

  g_autoptr (GVariant) list
      = rec_find (f, entity, g_variant_new_parsed (samples[i].where), NULL, 10, &e);
  g_assert_no_error (e);
  g_assert_cmpuint (g_variant_n_children (list), ==, 1);
  g_autoptr (GVariant) found = g_variant_get_child_value (list, 0);
  g_assert_true (g_variant_equal (found, stored));

  if (append_only)
    {
      g_autoptr (GVariant) again = rec_put (f, entity, g_variant_ref (stored), &e);
      assert_error_part (e, OCC_RECORDS_ERROR_CONFLICT, "append-only");
      g_clear_error (&e);
      g_assert_null (rec_remove (f, entity, id, &e));
      assert_error_part (e, OCC_RECORDS_ERROR_INVALID, "append-only");
      return;
    }

  /* update: only the fields given change */
  GVariantDict d;
  g_variant_dict_init (&d, g_variant_new_parsed (samples[i].update));
  g_variant_dict_insert (&d, "id", "s", id);
  g_autoptr (GVariant) change = g_variant_ref_sink (g_variant_dict_end (&d));
  g_autoptr (GVariant) updated = rec_put (f, entity, change, &e);
  g_assert_no_error (e);
  assert_has_fields (updated, change);
  GVariantIter iter;
  const char *key;
  GVariant *value;
  g_variant_iter_init (&iter, stored);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr (GVariant) v = value;
      g_autoptr (GVariant) now = g_variant_lookup_value (updated, key, NULL);
      g_assert_nonnull (now);
      if (!g_variant_lookup_value (change, key, NULL) && strcmp (key, "updated_at") != 0)
        g_assert_true (g_variant_equal (now, v));
    }
  g_assert_cmpint (num (updated, "created_at"), ==, num (stored, "created_at"));
  g_assert_cmpint (num (updated, "updated_at"), >=, num (stored, "updated_at"));

  g_autoptr (GVariant) removed = rec_remove (f, entity, id, &e);
  g_assert_no_error (e);
  g_assert_cmpstr (str (removed, "id"), ==, id);
  g_assert_null (rec_get (f, entity, id, &e));
  assert_error_part (e, OCC_RECORDS_ERROR_NOT_FOUND, "does not exist");
  g_clear_error (&e);
  g_assert_null (rec_remove (f, entity, id, &e));
  assert_error_part (e, OCC_RECORDS_ERROR_NOT_FOUND, id);
}

static void
test_every_entity (Fixture *f, gconstpointer data)
{
  (void) data;
  add_prerequisites (f);
  for (guint i = 0; i < G_N_ELEMENTS (samples); i++)
    {
      g_test_message ("entity %s", samples[i].entity);
      check_sample (f, i);
    }
}

/* --- updates and required fields ------------------------------------------------- */

static void
test_update_keeps_other_fields (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GVariant) a
      = rec_put_ok (f, "agent", "{'id': <'a1'>, 'display_name': <'Koffi'>, 'extension': <'1001'>}");
  g_assert_true (g_variant_lookup (a, "enabled", "b", NULL)); /* the default, as a boolean */
  /* an update without the required display_name: the stored one stays */
  g_autoptr (GVariant) b = rec_put_ok (f, "agent", "{'id': <'a1'>, 'extension': <'1002'>}");
  g_assert_cmpstr (str (b, "display_name"), ==, "Koffi");
  g_assert_cmpstr (str (b, "extension"), ==, "1002");
  /* null clears an optional field */
  g_autoptr (GVariant) c = rec_put_ok (f, "agent", "{'id': <'a1'>, 'extension': <@ms nothing>}");
  g_assert_false (g_variant_lookup (c, "extension", "&s", NULL));
  /* read-only fields given back are ignored */
  GVariantDict d;
  g_variant_dict_init (&d, c);
  g_variant_dict_insert (&d, "created_at", "x", (gint64) 1);
  g_autoptr (GError) e = NULL;
  g_autoptr (GVariant) again = rec_put (f, "agent", g_variant_dict_end (&d), &e);
  g_assert_no_error (e);
  g_assert_cmpint (num (again, "created_at"), ==, num (a, "created_at"));
}

static void
test_missing_required_named (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GError) e = NULL;
  /* checked before the store when there is no id */
  g_assert_null (rec_put (f, "agent", g_variant_new_parsed ("{'extension': <'9'>}"), &e));
  assert_error_part (e, OCC_RECORDS_ERROR_INVALID, "agent.display_name: is required");
  g_clear_error (&e);
  /* with an id that does not exist: the database's NOT NULL names it */
  g_assert_null (
      rec_put (f, "agent", g_variant_new_parsed ("{'id': <'ghost'>, 'extension': <'9'>}"), &e));
  assert_error_part (e, OCC_RECORDS_ERROR_INVALID, "agent.display_name: is required");
  g_clear_error (&e);
  g_assert_null (rec_put (
      f, "recording",
      g_variant_new_parsed ("{'id': <'r9'>, 'path': <'/x'>, 'format': <'wav'>, 'duration_ms': "
                            "<int64 1>, 'interaction_id': <'i'>}"),
      &e));
  assert_error_part (e, OCC_RECORDS_ERROR_INVALID, "recording.sha256: is required");
  g_assert_cmpint (rec_count (f, "SELECT COUNT(*) FROM agent"), ==, 0);
  g_assert_cmpint (rec_count (f, "SELECT COUNT(*) FROM recording"), ==, 0);
}

static void
test_conflicts (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GVariant) a
      = rec_put_ok (f, "agent", "{'display_name': <'A'>, 'extension': <'1001'>}");
  g_autoptr (GError) e = NULL;
  g_assert_null (rec_put (
      f, "agent", g_variant_new_parsed ("{'display_name': <'B'>, 'extension': <'1001'>}"), &e));
  assert_error_part (e, OCC_RECORDS_ERROR_CONFLICT,
                     "agent.extension: “1001” is taken by another agent");
  g_clear_error (&e);
  g_autoptr (GVariant) u = rec_put_ok (f, "user", "{'login': <'aya'>}");
  g_assert_null (
      rec_put (f, "user", g_variant_new_parsed ("{'id': <'u2'>, 'login': <'aya'>}"), &e));
  assert_error_part (e, OCC_RECORDS_ERROR_CONFLICT, "user.login: “aya” is taken by another user");
  g_clear_error (&e);
  g_assert_cmpint (rec_count (f, "SELECT COUNT(*) FROM agent"), ==, 1);
  g_assert_cmpint (rec_count (f, "SELECT COUNT(*) FROM app_user"), ==, 1);
  /* references: to a campaign that does not exist; removing a queue in use */
  g_assert_null (rec_put (
      f, "contact",
      g_variant_new_parsed ("{'campaign_id': <'nope'>, 'phones': <['+2250701000001']>}"), &e));
  assert_error_part (e, OCC_RECORDS_ERROR_INVALID, "contact.campaign_id");
  g_clear_error (&e);
  g_autoptr (GVariant) q = rec_put_ok (f, "queue", "{'id': <'q1'>, 'name': <'Sales'>}");
  g_autoptr (GVariant) c = rec_put_ok (
      f, "campaign", "{'id': <'c1'>, 'name': <'C'>, 'mode': <'preview'>, 'queue_id': <'q1'>}");
  g_assert_null (rec_remove (f, "queue", "q1", &e));
  assert_error_part (e, OCC_RECORDS_ERROR_CONFLICT, "other records still refer to it");
}

/* --- customers and their numbers ---------------------------------------------------- */

static void
assert_phones (GVariant *record, const char *const *expected)
{
  g_autofree const char **phones = NULL;
  g_assert_true (g_variant_lookup (record, "phones", "^a&s", &phones));
  g_assert_cmpstrv (phones, expected);
}

static void
test_phones_replaced (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GVariant) a = rec_put_ok (
      f, "customer",
      "{'id': <'c1'>, 'display_name': <'A'>, 'phones': <['+2250701000001', '+2250502000001']>}");
  assert_phones (a, (const char *const[]){ "+2250701000001", "+2250502000001", NULL });
  g_autoptr (GVariant) b = rec_put_ok (
      f, "customer", "{'id': <'c1'>, 'phones': <['+2250502000001', '+33612345678']>}");
  assert_phones (b, (const char *const[]){ "+2250502000001", "+33612345678", NULL });
  g_assert_cmpint (rec_count (f, "SELECT COUNT(*) FROM customer_phone"), ==, 2);
  /* left out: kept */
  g_autoptr (GVariant) c = rec_put_ok (f, "customer", "{'id': <'c1'>, 'language': <'fr'>}");
  assert_phones (c, (const char *const[]){ "+2250502000001", "+33612345678", NULL });
  /* an empty list removes them */
  g_autoptr (GVariant) d = rec_put_ok (f, "customer", "{'id': <'c1'>, 'phones': <@as []>}");
  assert_phones (d, (const char *const[]){ NULL });
  g_autoptr (GVariant) e
      = rec_put_ok (f, "customer", "{'id': <'c1'>, 'phones': <['+2250701000009']>}");
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) gone = rec_remove (f, "customer", "c1", &error);
  g_assert_no_error (error);
  g_assert_cmpint (rec_count (f, "SELECT COUNT(*) FROM customer_phone"), ==, 0);
}

static void
add_interaction (Fixture *f, const char *id, const char *customer, gint64 offered)
{
  GVariantDict d;
  g_variant_dict_init (&d,
                       g_variant_new_parsed ("{'channel': <'voice'>, 'direction': <'inbound'>}"));
  g_variant_dict_insert (&d, "id", "s", id);
  g_variant_dict_insert (&d, "customer_id", "s", customer);
  g_variant_dict_insert (&d, "offered_at", "x", offered);
  g_autoptr (GError) e = NULL;
  g_autoptr (GVariant) r = rec_put (f, "interaction", g_variant_dict_end (&d), &e);
  g_assert_no_error (e);
}

static void
test_screen_pop (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GVariant) c = rec_put_ok (
      f, "customer",
      "{'id': <'c1'>, 'display_name': <'Aya'>, 'phones': <['+2250701000001', '+2250502000001']>}");
  const gint64 offered[] = { 3000, 1000, 5000, 2000, 4000 };
  for (guint i = 0; i < G_N_ELEMENTS (offered); i++)
    {
      g_autofree char *id = g_strdup_printf ("i%u", i);
      add_interaction (f, id, "c1", offered[i]);
    }
  g_autoptr (GError) e = NULL;
  g_autoptr (GVariant) pop = rec_screen_pop (f, "+2250502000001", 3, &e);
  g_assert_no_error (e);
  g_autoptr (GVariant) customer = g_variant_lookup_value (pop, "customer", G_VARIANT_TYPE_VARDICT);
  g_assert_cmpstr (str (customer, "display_name"), ==, "Aya");
  assert_phones (pop, (const char *const[]){ "+2250701000001", "+2250502000001", NULL });
  g_autoptr (GVariant) list
      = g_variant_lookup_value (pop, "interactions", G_VARIANT_TYPE ("aa{sv}"));
  g_assert_cmpuint (g_variant_n_children (list), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr (GVariant) it = g_variant_get_child_value (list, i);
      g_assert_cmpint (num (it, "offered_at"), ==, 5000 - 1000 * (gint64) i); /* newest first */
    }
  /* a number two customers share: the most recently updated one (times
   * are milliseconds: let the clock move) */
  occ_test_spin (5);
  g_autoptr (GVariant) other = rec_put_ok (
      f, "customer", "{'id': <'c2'>, 'display_name': <'Koffi'>, 'phones': <['+2250701000001']>}");
  g_autoptr (GVariant) pop2 = rec_screen_pop (f, "+2250701000001", 0, &e);
  g_assert_no_error (e);
  g_autoptr (GVariant) c2 = g_variant_lookup_value (pop2, "customer", G_VARIANT_TYPE_VARDICT);
  g_assert_cmpstr (str (c2, "id"), ==, "c2");
  g_autoptr (GVariant) none = g_variant_lookup_value (pop2, "interactions", NULL);
  g_assert_cmpuint (g_variant_n_children (none), ==, 0);

  g_assert_null (rec_screen_pop (f, "+2250709999999", 5, &e));
  assert_error_part (e, OCC_RECORDS_ERROR_NOT_FOUND, "no customer has the number “+2250709999999”");
  g_clear_error (&e);
  g_assert_null (rec_screen_pop (f, "0701000001", 5, &e));
  assert_error_part (e, OCC_RECORDS_ERROR_INVALID, "is not in E.164");
  g_clear_error (&e);
  g_assert_null (rec_screen_pop (f, "+2250701000001", 101, &e));
  assert_error_part (e, OCC_RECORDS_ERROR_INVALID, "101 is out of range 0..100");
}

/* --- the audit trail ------------------------------------------------------------- */

static void
test_audit_append_only (Fixture *f, gconstpointer data)
{
  (void) data;
  const char *entry = "{'id': <'e1'>, 'seq': <int64 99>, 'at': <int64 5>, 'actor': <'admin'>, "
                      "'action': <'login'>, 'result': <'ok'>}";
  g_autoptr (GVariant) a = rec_put_ok (f, "audit_entry", entry);
  gint64 seq = num (a, "seq");
  g_assert_cmpint (seq, !=, 99); /* given, ignored: the database numbers entries */
  g_autoptr (GVariant) b = rec_put_ok (
      f, "audit_entry",
      "{'at': <int64 6>, 'actor': <'admin'>, 'action': <'logout'>, 'result': <'ok'>}");
  g_assert_cmpint (num (b, "seq"), >, seq);
  g_autoptr (GError) e = NULL;
  g_assert_null (rec_put (f, "audit_entry", g_variant_new_parsed (entry), &e));
  assert_error_part (
      e, OCC_RECORDS_ERROR_CONFLICT,
      "audit_entry.id: “e1” exists already, and audit_entry records are append-only");
  g_clear_error (&e);
  g_assert_null (rec_remove (f, "audit_entry", "e1", &e));
  assert_error_part (e, OCC_RECORDS_ERROR_INVALID, "cannot be removed");
  g_clear_error (&e);
  g_autoptr (GVariant) list = rec_find (f, "audit_entry", NULL, "seq desc", 10, &e);
  g_assert_no_error (e);
  g_assert_cmpuint (g_variant_n_children (list), ==, 2);
  g_autoptr (GVariant) first = g_variant_get_child_value (list, 0);
  g_assert_cmpstr (str (first, "action"), ==, "logout");
  g_autoptr (GVariant) stored = rec_get (f, "audit_entry", "e1", &e);
  g_assert_cmpstr (str (stored, "action"), ==, "login");
}

/* --- nothing half-written -------------------------------------------------------- */

static void
test_nothing_half_written (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GError) e = NULL;
  /* refused before the store */
  g_assert_null (rec_put (
      f, "customer",
      g_variant_new_parsed ("{'display_name': <'A'>, 'phones': <['+2250701000001', '0701']>}"),
      &e));
  assert_error_part (e, OCC_RECORDS_ERROR_INVALID,
                     "customer.phones[1]: “0701” is not in E.164 (+ then 7 to 15 digits)");
  g_clear_error (&e);
  /* refused by the database in the middle of the transaction */
  g_assert_null (rec_put (f, "customer",
                          g_variant_new_parsed ("{'id': <'c1'>, 'display_name': <'A'>, 'phones': "
                                                "<['+2250701000001', '+2250701000001']>}"),
                          &e));
  assert_error_part (e, OCC_RECORDS_ERROR_INVALID,
                     "customer.phones: “+2250701000001” is listed twice");
  g_clear_error (&e);
  g_assert_cmpint (rec_count (f, "SELECT COUNT(*) FROM customer"), ==, 0);
  g_assert_cmpint (rec_count (f, "SELECT COUNT(*) FROM customer_phone"), ==, 0);
  /* the same on an existing customer: the old record stays whole */
  g_autoptr (GVariant) old = rec_put_ok (
      f, "customer", "{'id': <'c1'>, 'display_name': <'A'>, 'phones': <['+2250502000001']>}");
  g_assert_null (rec_put (f, "customer",
                          g_variant_new_parsed ("{'id': <'c1'>, 'display_name': <'B'>, 'phones': "
                                                "<['+2250701000001', '+2250701000001']>}"),
                          &e));
  g_assert_error (e, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID);
  g_clear_error (&e);
  g_autoptr (GVariant) now = rec_get (f, "customer", "c1", &e);
  g_assert_no_error (e);
  g_assert_true (g_variant_equal (now, old));
}

static void
test_oversized_and_not_utf8 (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autofree char *name = g_strnfill (201, 'x');
  g_autofree char *notes = g_strnfill (4001, 'n');
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "display_name", "s", name);
  g_variant_dict_insert_value (&d, "last_name",
                               g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, "K\xe9n\xe9", 4, 1));
  g_variant_dict_insert_value (&d, "first_name",
                               g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, "A\0ya", 4, 1));
  g_autoptr (GError) e = NULL;
  g_assert_null (rec_put (f, "customer", g_variant_dict_end (&d), &e));
  assert_error_part (e, OCC_RECORDS_ERROR_INVALID,
                     "customer.display_name: is longer than 200 characters (201); "
                     "customer.last_name: is not valid UTF-8; customer.first_name: contains a NUL "
                     "byte");
  g_clear_error (&e);
  g_variant_dict_init (&d, g_variant_new_parsed ("{'number': <'+2250701000001'>, 'requested_at': "
                                                 "<int64 1>, 'due_at': <int64 2>}"));
  g_variant_dict_insert (&d, "notes", "s", notes);
  g_assert_null (rec_put (f, "callback", g_variant_dict_end (&d), &e));
  assert_error_part (e, OCC_RECORDS_ERROR_INVALID,
                     "callback.notes: is longer than 4000 characters (4001)");
  g_assert_cmpint (rec_count (f, "SELECT COUNT(*) FROM customer"), ==, 0);
  g_assert_cmpint (rec_count (f, "SELECT COUNT(*) FROM callback"), ==, 0);
}

/* --- find ------------------------------------------------------------------------ */

static void
test_find (Fixture *f, gconstpointer data)
{
  (void) data;
  for (int i = 1; i <= 5; i++)
    {
      g_autofree char *text
          = g_strdup_printf ("{'id': <'q%d'>, 'name': <'Queue %d'>, 'strategy': <'%s'>}", i, i,
                             i % 2 ? "fifo-priority" : "longest-idle");
      g_autoptr (GVariant) q = rec_put_ok (f, "queue", text);
    }
  g_autoptr (GVariant) settings
      = rec_put_ok (f, "queue", "{'id': <'q3'>, 'settings': <{'a': <1>}>}");
  g_autoptr (GError) e = NULL;
  g_autoptr (GVariant) all = rec_find (f, "queue", NULL, "name DESC", 3, &e);
  g_assert_no_error (e);
  g_assert_cmpuint (g_variant_n_children (all), ==, 3);
  g_autoptr (GVariant) first = g_variant_get_child_value (all, 0);
  g_assert_cmpstr (str (first, "id"), ==, "q5");
  g_autoptr (GVariant) odd = rec_find (
      f, "queue", g_variant_new_parsed ("{'strategy': <'fifo-priority'>}"), "id", 100, &e);
  g_assert_cmpuint (g_variant_n_children (odd), ==, 3);
  g_autoptr (GVariant) unset
      = rec_find (f, "queue", g_variant_new_parsed ("{'settings': <@ms nothing>}"), NULL, 100, &e);
  g_assert_error (e, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID);
  g_clear_error (&e);
  g_autoptr (GVariant) campaigns = rec_find (f, "campaign", NULL, NULL, 10000, &e);
  g_assert_no_error (e);
  g_assert_cmpuint (g_variant_n_children (campaigns), ==, 0);

  g_assert_null (
      rec_find (f, "queue", g_variant_new_parsed ("{'colour': <'red'>}"), "size", 0, &e));
  assert_error_part (e, OCC_RECORDS_ERROR_INVALID,
                     "queue.colour: no such field; queue.size: no such field; limit: 0 is out of "
                     "range 1..10000");
  g_clear_error (&e);
  g_assert_null (rec_find (f, "queue", NULL, NULL, 10001, &e));
  assert_error_part (e, OCC_RECORDS_ERROR_INVALID, "limit: 10001 is out of range");
  g_clear_error (&e);
  g_assert_null (rec_find (f, "queues", NULL, NULL, 1, &e));
  assert_error_part (e, OCC_RECORDS_ERROR_INVALID, "“queues” is not an entity (customer, ");
}

/* --- the plugin ------------------------------------------------------------------ */

static void
test_describe (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GVariant) d = g_variant_ref_sink (f->records->describe (f->records));
  g_assert_cmpstr (g_variant_get_type_string (d), ==, "a{sa(ssbu)}");
  g_assert_true (g_variant_lookup (d, "role_grant", "a(ssbu)", NULL));
}

static void
test_unload_answers_calls_in_flight (Fixture *f, gconstpointer data)
{
  (void) data;
  RecAnswer a = { 0 }, b = { 0 };
  f->records->put (f->records, "queue", g_variant_new_parsed ("{'name': <'Q'>}"), rec_answer_cb,
                   &a);
  f->records->get (f->records, "queue", "bad id", rec_answer_cb, &b);
  g_autoptr (GError) e = NULL;
  g_assert_true (occ_loader_unload (f->ctx->loader, "records", &e));
  g_assert_no_error (e);
  /* answered by the unload, once: the store's late answer goes nowhere */
  g_assert_true (a.done && b.done);
  assert_error_part (a.error, OCC_RECORDS_ERROR_STORE, "unloaded");
  assert_error_part (b.error, OCC_RECORDS_ERROR_INVALID, "queue.id");
  occ_test_spin (200);
  rec_answer_clear (&a);
  rec_answer_clear (&b);
  /* and it loads again */
  g_assert_true (occ_loader_load (f->ctx->loader, "records", &e));
  g_assert_no_error (e);
  f->records = occ_registry_lookup (f->ctx->registry, OCC_RECORDS_SERVICE, 1, &e);
  g_autoptr (GVariant) q = rec_put_ok (f, "queue", "{'name': <'Q2'>}");
}

/* --- the control commands, through the real daemon and CLI -------------------------- */

static void
test_commands (Fixture *f, gconstpointer data)
{
  (void) data;
  /* the fixture's own copy is not used: a daemon of its own, same backend */
  g_autofree char *dir = occ_test_mkdtemp ();
  rec_fixture_write_config (dir, f->backend);
  g_autoptr (OccTestDaemon) d = occ_test_daemon_start_in (dir);
  g_assert_nonnull (d);

  g_autofree char *put = occ_test_call (
      d, 0, "records.put", "entity=customer",
      "record={\"display_name\":\"A\",\"phones\":[\"+2250700000001\"],\"custom\":{\"vip\":true,"
      "\"score\":7,\"ratio\":0.5,\"tags\":[\"x\",1]}}",
      NULL);
  g_autoptr (JsonObject) stored = occ_test_parse_object (put);
  const char *id = json_object_get_string_member (stored, "id");
  g_assert_true (g_uuid_string_is_valid (id));
  g_assert_cmpstr (
      json_array_get_string_element (json_object_get_array_member (stored, "phones"), 0), ==,
      "+2250700000001");
  g_autofree char *id_arg = g_strdup_printf ("id=%s", id);
  g_autofree char *get = occ_test_call (d, 0, "records.get", "entity=customer", id_arg, NULL);
  g_assert_nonnull (strstr (get, "\"vip\":true"));

  g_autofree char *interaction = g_strdup_printf (
      "record={\"channel\":\"voice\",\"direction\":\"inbound\",\"offered_at\":1700000000000,"
      "\"customer_id\":\"%s\",\"csat\":5}",
      id);
  g_autofree char *i = occ_test_call (d, 0, "records.put", "entity=interaction", interaction, NULL);
  g_autofree char *where = g_strdup_printf ("where={\"customer_id\":\"%s\"}", id);
  g_autofree char *found = occ_test_call (d, 0, "records.find", "entity=interaction", where,
                                          "order=offered_at desc", "limit=5", NULL);
  g_autoptr (JsonObject) fo = occ_test_parse_object (found);
  g_assert_cmpint (json_object_get_int_member (fo, "count"), ==, 1);

  g_autofree char *bad = occ_test_call (d, 1, "records.put", "entity=customer",
                                        "record={\"email\":\"x@\",\"phones\":[\"0701\"]}", NULL);
  g_assert_nonnull (strstr (bad, "customer.email: “x@” is not an e-mail address; "
                                 "customer.phones[0]: “0701” is not in E.164"));
  g_autofree char *missing
      = occ_test_call (d, 1, "records.get", "entity=customer", "id=nobody", NULL);
  g_assert_nonnull (strstr (missing, "customer “nobody” does not exist"));
  g_autofree char *wrong = occ_test_call (d, 1, "records.find", "entity=customer", "limit=x", NULL);
  g_assert_nonnull (strstr (wrong, "argument “limit” must be an integer"));
  /* no unchained audit rows from the control socket */
  g_autofree char *forged = occ_test_call (d, 1, "records.put", "entity=audit_entry",
                                           "record={\"actor\":\"me\",\"action\":\"x\",\"at\":1,"
                                           "\"result\":\"success\"}",
                                           NULL);
  g_assert_nonnull (strstr (forged, "audit entries are written by the audit plugin"));

  /* the demo data, twice: the same rows */
  for (int run = 0; run < 2; run++)
    {
      g_autofree char *seed = occ_test_call (d, 0, "records.seed-demo", NULL);
      g_assert_nonnull (strstr (seed, "\"customers\":20"));
      g_assert_nonnull (strstr (seed, "\"interactions\":100"));
    }
  g_autofree char *customers
      = occ_test_call (d, 0, "records.find", "entity=customer", "limit=10000", NULL);
  g_autoptr (JsonObject) co = occ_test_parse_object (customers);
  g_assert_cmpint (json_object_get_int_member (co, "count"), ==, 21);
  g_autofree char *interactions
      = occ_test_call (d, 0, "records.find", "entity=interaction", "limit=10000", NULL);
  g_autoptr (JsonObject) io = occ_test_parse_object (interactions);
  g_assert_cmpint (json_object_get_int_member (io, "count"), ==, 101);
  g_autofree char *pop
      = occ_test_call (d, 0, "records.screen-pop", "number=+2250701000001", "interactions=3", NULL);
  g_autoptr (JsonObject) po = occ_test_parse_object (pop);
  JsonObject *customer = json_object_get_object_member (po, "customer");
  g_assert_cmpstr (json_object_get_string_member (customer, "id"), ==, "demo-customer-0001");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (po, "interactions")), ==,
                    3);
  g_autofree char *desc = occ_test_call (d, 0, "records.describe", NULL);
  g_assert_nonnull (strstr (desc, "\"audit_entry\""));

  g_assert_cmpint (occ_test_daemon_stop (d, SIGTERM), ==, 0);
  occ_test_rmtree (dir);
}

static void
add_suite (const RecBackend *b)
{
#define ADD(path, fn)                                                          \
  do                                                                           \
    {                                                                          \
      g_autofree char *p = g_strdup_printf ("/records/%s/%s", b->name, path);  \
      g_test_add (p, Fixture, b, rec_fixture_setup, fn, rec_fixture_teardown); \
    }                                                                          \
  while (0)
  ADD ("put-get-find-remove/every-entity", test_every_entity);
  ADD ("put/update-keeps-fields-not-given", test_update_keeps_other_fields);
  ADD ("put/missing-required-field-named", test_missing_required_named);
  ADD ("put/conflicts-and-references", test_conflicts);
  ADD ("put/customer-phones-replaced", test_phones_replaced);
  ADD ("put/nothing-half-written", test_nothing_half_written);
  ADD ("put/oversized-and-not-utf8-refused", test_oversized_and_not_utf8);
  ADD ("audit/append-only", test_audit_append_only);
  ADD ("find/where-order-limit", test_find);
  ADD ("screen-pop/newest-first-and-not-found", test_screen_pop);
  ADD ("describe", test_describe);
  ADD ("unload/answers-calls-in-flight", test_unload_answers_calls_in_flight);
  ADD ("commands/through-the-cli", test_commands);
#undef ADD
}

static void
skip_postgres (void)
{
  g_test_skip ("store-postgres.so is not built");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* store plugins warn (e.g. while a database starts); that is their job */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  add_suite (&sqlite_backend);
  g_autofree char *pg_plugin
      = g_build_filename (PLUGIN_BUILD_DIR, "store", "postgres", "store-postgres.so", NULL);
  if (g_file_test (pg_plugin, G_FILE_TEST_EXISTS))
    {
      pg = occ_test_postgres_start ();
      if (pg == NULL)
        g_error ("the PostgreSQL server for the records suite did not start");
      add_suite (&postgres_backend);
    }
  else
    g_test_add_func ("/records/postgres/not-built", skip_postgres);
  int status = g_test_run ();
  occ_test_postgres_stop (pg);
  return status;
}
