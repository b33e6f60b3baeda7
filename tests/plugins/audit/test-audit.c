/* The audit plugin end to end, in-process, on store-sqlite and (when it
 * is built) store-postgres, with the real records plugin: the chain, the
 * order of appends, refusals, automatic entries, the head file across
 * restarts, and unloading with entries in flight. Tampering is in
 * test-audit-tamper.c. */
#include "audit-fixture.h"

#include <glib/gstdio.h>
#include <string.h>

typedef AuditFixture Fixture;

static const char *
str (GVariant *v, const char *key)
{
  const char *s = NULL;
  if (!g_variant_lookup (v, key, "&s", &s))
    g_error ("no string %s", key);
  return s;
}

static gint64
num (GVariant *v, const char *key)
{
  gint64 n = -1;
  if (!g_variant_lookup (v, key, "x", &n))
    g_error ("no integer %s", key);
  return n;
}

static gint64
count_where (Fixture *f, const char *where)
{
  g_autofree char *sql = g_strdup_printf ("SELECT COUNT(*) FROM audit_entry WHERE %s", where);
  return audit_fixture_sql_int (f, sql);
}

/* --- the chain ---------------------------------------------------------------------- */

static void
test_append_returns_entry (Fixture *f, gconstpointer data)
{
  gint64 before = g_get_real_time () / 1000;
  g_autoptr (GError) e = NULL;
  g_autoptr (GVariant) first
      = audit_fixture_append (f, "aya", "auth.sign-in", "user:aya", OCC_AUDIT_SUCCESS, "192.0.2.7",
                              g_variant_new_parsed ("{'method': <'ldap'>}"), &e);
  g_assert_no_error (e);
  g_assert_true (g_uuid_string_is_valid (str (first, "id")));
  g_assert_cmpint (num (first, "seq"), >=, 1);
  g_assert_cmpint (num (first, "at"), >=, before);
  g_assert_cmpint (num (first, "at"), <=, g_get_real_time () / 1000);
  g_assert_cmpstr (str (first, "actor"), ==, "aya");
  g_assert_cmpstr (str (first, "target"), ==, "user:aya");
  g_assert_cmpstr (str (first, "source"), ==, "192.0.2.7");
  g_assert_cmpuint (strlen (str (first, "hash")), ==, 64);
  g_autoptr (GVariant) details = g_variant_lookup_value (first, "details", NULL);
  g_assert_cmpstr (str (details, "method"), ==, "ldap");
  g_assert_cmpstr (str (details, "node"), ==, g_get_host_name ());

  /* target and source may be left out; the next entry links to this one */
  g_autoptr (GVariant) second
      = audit_fixture_append (f, "system", "backup.run", NULL, OCC_AUDIT_FAILURE, NULL, NULL, &e);
  g_assert_no_error (e);
  g_assert_false (g_variant_lookup (second, "target", "&s", NULL));
  g_assert_false (g_variant_lookup (second, "source", "&s", NULL));
  g_assert_cmpint (num (second, "seq"), >, num (first, "seq"));
  g_assert_cmpstr (str (second, "prev_hash"), ==, str (first, "hash"));
  g_autoptr (GVariant) v = audit_fixture_verify (f);
  audit_assert_ok (v);
}

static void
test_chain_of_1000 (Fixture *f, gconstpointer data)
{
  audit_fixture_append_n (f, 1000);
  g_autoptr (GVariant) v = audit_fixture_verify (f);
  audit_assert_ok (v);
  /* and the automatic entry for audit's own load */
  g_assert_cmpint (num (v, "entries"), >=, 1000);
  g_assert_cmpint (num (v, "entries"), ==,
                   audit_fixture_sql_int (f, "SELECT COUNT(*) FROM "
                                             "audit_entry"));
}

typedef struct {
  guint next; /* the index the next callback must carry */
  gint64 seq; /* the last seq seen */
  char *hash; /* the last hash seen */
  guint pending;
} Order;

typedef struct {
  Order *order;
  guint index;
} OrderCall;

static void
order_cb (GVariant *result, const GError *error, gpointer data)
{
  OrderCall *c = data;
  Order *o = c->order;
  g_assert_no_error (error);
  g_assert_cmpuint (c->index, ==, o->next);
  o->next++;
  g_autofree char *action = g_strdup_printf ("burst.%u", c->index);
  g_assert_cmpstr (str (result, "action"), ==, action);
  g_assert_cmpint (num (result, "seq"), >, o->seq);
  if (o->hash)
    g_assert_cmpstr (str (result, "prev_hash"), ==, o->hash);
  o->seq = num (result, "seq");
  g_free (o->hash);
  o->hash = g_strdup (str (result, "hash"));
  o->pending--;
  g_free (c);
}

static gboolean
order_done (gpointer data)
{
  return ((Order *) data)->pending == 0;
}

static void
test_burst_keeps_order (Fixture *f, gconstpointer data)
{
  /* the automatic entry of audit's own load first, so that it does not
   * land in the middle of the burst */
  g_autoptr (GVariant) v0 = audit_fixture_verify (f);
  occ_test_spin (100);
  Order o = { 0 };
  const guint n = 500;
  o.pending = n;
  for (guint i = 0; i < n; i++)
    {
      OrderCall *c = g_new0 (OrderCall, 1);
      c->order = &o;
      c->index = i;
      g_autofree char *action = g_strdup_printf ("burst.%u", i);
      f->audit->append (f->audit, "tester", action, NULL, OCC_AUDIT_SUCCESS, NULL, NULL, order_cb,
                        c);
    }
  g_assert_cmpuint (o.next, ==, 0);
  g_assert_true (occ_test_wait_for (order_done, &o, 120000));
  g_free (o.hash);
  /* the database holds them in the same order */
  g_autofree char *sql = g_strdup_printf ("SELECT COUNT(*) FROM audit_entry a JOIN audit_entry b "
                                          "ON a.action LIKE 'burst.%%' AND b.action LIKE "
                                          "'burst.%%' AND a.seq < b.seq AND "
                                          "CAST(SUBSTR(a.action, 7) AS INTEGER) > "
                                          "CAST(SUBSTR(b.action, 7) AS INTEGER)");
  g_assert_cmpint (audit_fixture_sql_int (f, sql), ==, 0);
  g_autoptr (GVariant) v = audit_fixture_verify (f);
  audit_assert_ok (v);
}

/* --- refusals ----------------------------------------------------------------------------- */

static void
assert_refused (Fixture *f, const char *actor, const char *action, const char *target,
                const char *result, const char *source, const char *details, const char *part)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (GVariant) r
      = audit_fixture_append (f, actor, action, target, result, source,
                              details ? g_variant_new_parsed (details) : NULL, &e);
  g_assert_null (r);
  g_assert_error (e, OCC_AUDIT_ERROR, OCC_AUDIT_ERROR_INVALID);
  g_test_message ("refused: %s", e->message);
  if (strstr (e->message, part) == NULL)
    g_error ("“%s” does not mention “%s”", e->message, part);
}

static void
test_invalid_input (Fixture *f, gconstpointer data)
{
  g_autoptr (GVariant) v0 = audit_fixture_verify (f);
  occ_test_spin (100);
  gint64 rows = audit_fixture_sql_int (f, "SELECT COUNT(*) FROM audit_entry");
  g_autofree char *long_target = g_strnfill (501, 't');
  g_autofree char *long_source = g_strnfill (201, 's');
  /* 200 characters of two bytes each are still 200 characters */
  GString *wide = g_string_new (NULL);
  for (int i = 0; i < 200; i++)
    g_string_append (wide, "é");
  g_autofree char *ok_actor = g_string_free (wide, FALSE);
  g_autofree char *blob = g_strnfill (70000, 'x');
  g_autofree char *blob_details = g_strdup_printf ("{'blob': <'%s'>}", blob);

  assert_refused (f, "", "a.b", NULL, "success", NULL, NULL, "actor: must not be empty");
  assert_refused (f, NULL, "a.b", NULL, "success", NULL, NULL, "actor: is required");
  assert_refused (f, "aya", "", NULL, "success", NULL, NULL, "action: must not be empty");
  assert_refused (f, "aya", "a.b", long_target, "success", NULL, NULL,
                  "target: is longer than 500 characters");
  assert_refused (f, "aya", "a.b", NULL, "success", long_source, NULL,
                  "source: is longer than 200 characters");
  assert_refused (f, "a\xff", "a.b", NULL, "success", NULL, NULL, "actor: is not valid UTF-8");
  assert_refused (f, "aya", "a.b", NULL, "ok", NULL, NULL, "result: “ok” is not one of");
  assert_refused (f, "aya", "a.b", NULL, NULL, NULL, NULL, "result: is required");
  assert_refused (f, "aya", "a.b", NULL, "success", NULL, "'text'", "details: expected an a{sv}");
  assert_refused (f, "aya", "a.b", NULL, "success", NULL, "{'raw': <b'bytes'>}",
                  "details.raw: a value of type “ay” cannot be stored");
  assert_refused (f, "aya", "a.b", NULL, "success", NULL, "{'node': <'elsewhere'>}",
                  "details.node: is set by the audit plugin");
  assert_refused (f, "aya", "a.b", NULL, "success", NULL, "{'n': <1e20>}",
                  "details.n: the number 1e+20 cannot be stored");
  assert_refused (f, "aya", "a.b", NULL, "success", NULL, "{'n': <uint64 18446744073709551615>}",
                  "details.n: is too large");
  assert_refused (f, "aya", "a.b", NULL, "success", NULL, "{'n': <{'m': <(1, 2)>}>}",
                  "details.n.m: a value of type “(ii)” cannot");
  /* every problem at once */
  assert_refused (f, "", "", NULL, "nope", NULL, NULL,
                  "actor: must not be empty; action: must "
                  "not be empty; result: “nope”");
  /* refused by records (the JSON is too long), named as the audit service names it */
  assert_refused (f, "aya", "a.b", NULL, "success", NULL, blob_details,
                  "details: is longer than 65536 bytes as JSON");
  g_assert_cmpint (audit_fixture_sql_int (f, "SELECT COUNT(*) FROM audit_entry"), ==, rows);

  /* what does fit is written, and the chain is whole after the refusals */
  g_autoptr (GError) e = NULL;
  g_autoptr (GVariant) r
      = audit_fixture_append (f, ok_actor, "a.b", NULL, OCC_AUDIT_DENIED, NULL, NULL, &e);
  g_assert_no_error (e);
  g_assert_cmpstr (str (r, "actor"), ==, ok_actor);
  g_autoptr (GVariant) v = audit_fixture_verify (f);
  audit_assert_ok (v);
}

/* --- automatic entries ------------------------------------------------------------------ */

typedef struct {
  Fixture *f;
  const char *where;
  gint64 want;
} Rows;

static gboolean
rows_reached (gpointer data)
{
  Rows *r = data;
  return count_where (r->f, r->where) >= r->want;
}

static void
wait_rows (Fixture *f, const char *where, gint64 want)
{
  Rows r = { f, where, want };
  if (!occ_test_wait_for (rows_reached, &r, 20000))
    g_error ("no %" G_GINT64_FORMAT " entries where %s", want, where);
}

static void
test_plugin_events_audited (Fixture *f, gconstpointer data)
{
  wait_rows (f,
             "action = 'plugin.load' AND target = 'audit' AND result = 'success' "
             "AND actor = 'system'",
             1);
  g_autoptr (GError) e = NULL;
  g_assert_true (occ_loader_load (f->ctx->loader, "eventlog", &e));
  g_assert_no_error (e);
  g_assert_true (occ_loader_unload (f->ctx->loader, "eventlog", &e));
  g_assert_no_error (e);
  wait_rows (f, "action = 'plugin.load' AND target = 'eventlog' AND result = 'success'", 1);
  wait_rows (f, "action = 'plugin.unload' AND target = 'eventlog' AND result = 'success'", 1);
  /* in that order */
  g_assert_cmpint (count_where (f, "action = 'plugin.unload' AND seq < (SELECT seq FROM "
                                   "audit_entry WHERE action = 'plugin.load' AND target = "
                                   "'eventlog')"),
                   ==, 0);
  g_autoptr (GVariant) v = audit_fixture_verify (f);
  audit_assert_ok (v);
}

/* --- the head file across restarts ------------------------------------------------------- */

static char *
head_path (Fixture *f)
{
  return g_build_filename (f->dir, "state", "audit.head", NULL);
}

static gint64
head_value (Fixture *f, const char *key)
{
  g_autofree char *path = head_path (f);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL))
    return -1;
  return g_key_file_get_int64 (kf, "head", key, NULL);
}

static void
test_head_file_follows (Fixture *f, gconstpointer data)
{
  audit_fixture_append_n (f, 20);
  audit_fixture_stop (f);
  gint64 last = audit_fixture_last_seq (f);
  g_assert_cmpint (head_value (f, "seq"), ==, last);
  g_assert_cmpint (head_value (f, "count"), ==,
                   audit_fixture_sql_int (f, "SELECT COUNT(*) FROM audit_entry"));
  /* a restart goes on from it */
  audit_fixture_start (f);
  audit_fixture_append_n (f, 5);
  g_autoptr (GVariant) v = audit_fixture_verify (f);
  audit_assert_ok (v);
  g_assert_cmpint (count_where (f, "action = 'audit.head-mismatch'"), ==, 0);
}

static void
test_head_file_rolled_forward (Fixture *f, gconstpointer data)
{
  audit_fixture_append_n (f, 10);
  audit_fixture_stop (f);
  /* as after a crash between the write of the last entries and the head
   * file's: the file names an earlier entry */
  g_autofree char *path = head_path (f);
  g_autofree char *old = occ_test_read (path);
  audit_fixture_start (f);
  audit_fixture_append_n (f, 3);
  audit_fixture_stop (f);
  g_assert_true (g_file_set_contents (path, old, -1, NULL));
  audit_fixture_start (f);
  audit_fixture_append_n (f, 2);
  g_autoptr (GVariant) v = audit_fixture_verify (f);
  audit_assert_ok (v);
  g_assert_cmpint (count_where (f, "action = 'audit.head-mismatch'"), ==, 0);
}

static void
test_head_file_missing (Fixture *f, gconstpointer data)
{
  audit_fixture_append_n (f, 10);
  audit_fixture_stop (f);
  g_autofree char *path = head_path (f);
  g_assert_cmpint (g_unlink (path), ==, 0);
  audit_fixture_start (f);
  /* said in the trail itself, and the chain goes on from its end */
  wait_rows (f, "action = 'audit.head-mismatch' AND result = 'failure'", 1);
  g_assert_cmpint (count_where (f, "action = 'audit.head-mismatch' AND details LIKE "
                                   "'%head file is missing%'"),
                   ==, 1);
  g_autoptr (GVariant) v = audit_fixture_verify (f);
  audit_assert_ok (v);
}

/* --- unloading with entries in flight ------------------------------------------------------ */

typedef struct {
  guint answered;
  guint stored;
} Unload;

static void
unload_cb (GVariant *result, const GError *error, gpointer data)
{
  Unload *u = data;
  u->answered++;
  if (result)
    u->stored++;
  else
    g_assert_error (error, OCC_AUDIT_ERROR, OCC_AUDIT_ERROR_STORE);
}

static void
test_unload_with_entries_in_flight (Fixture *f, gconstpointer data)
{
  g_autoptr (GVariant) v0 = audit_fixture_verify (f);
  Unload u = { 0 };
  for (guint i = 0; i < 50; i++)
    f->audit->append (f->audit, "tester", "unload.test", NULL, OCC_AUDIT_SUCCESS, NULL, NULL,
                      unload_cb, &u);
  occ_test_spin (5);
  g_autoptr (GError) e = NULL;
  g_assert_true (occ_loader_unload (f->ctx->loader, "audit", &e));
  g_assert_no_error (e);
  /* every caller is answered, once, at the latest by the unload */
  g_assert_cmpuint (u.answered, ==, 50);
  occ_test_spin (200);
  g_assert_cmpuint (u.answered, ==, 50);
  /* an entry in flight may still have been stored: the next load rolls
   * the head forward over it */
  g_assert_true (occ_loader_load (f->ctx->loader, "audit", &e));
  g_assert_no_error (e);
  f->audit = occ_registry_lookup (f->ctx->registry, OCC_AUDIT_SERVICE, OCC_AUDIT_VERSION, &e);
  g_assert_no_error (e);
  g_autoptr (GVariant) v = audit_fixture_verify (f);
  audit_assert_ok (v);
  g_assert_cmpint (count_where (f, "action = 'unload.test'"), >=, u.stored);
  g_assert_cmpint (count_where (f, "action = 'audit.head-mismatch'"), ==, 0);
}

/* --- a store that goes away (PostgreSQL restarted under load) ---------------------------------- */

typedef struct {
  guint pending, ok, failed;
} Outage;

static void
outage_cb (GVariant *result, const GError *error, gpointer data)
{
  Outage *o = data;
  o->pending--;
  if (result)
    o->ok++;
  else
    {
      g_assert_error (error, OCC_AUDIT_ERROR, OCC_AUDIT_ERROR_STORE);
      o->failed++;
    }
}

static gboolean
outage_done (gpointer data)
{
  return ((Outage *) data)->pending == 0;
}

static void
test_store_outage_keeps_chain (Fixture *f, gconstpointer data)
{
  g_autoptr (GVariant) v0 = audit_fixture_verify (f);
  occ_test_spin (100);
  gint64 before = audit_fixture_sql_int (f, "SELECT COUNT(*) FROM audit_entry");
  Outage o = { 0 };
  const guint n = 300;
  o.pending = n;
  for (guint i = 0; i < n; i++)
    f->audit->append (f->audit, "tester", "outage.test", NULL, OCC_AUDIT_SUCCESS, NULL, NULL,
                      outage_cb, &o);
  occ_test_spin (30);
  occ_test_postgres_crash (audit_test_pg);
  occ_test_spin (500);
  g_assert_true (occ_test_postgres_restart (audit_test_pg));
  g_assert_true (occ_test_wait_for (outage_done, &o, 120000));
  g_test_message ("%u written, %u failed", o.ok, o.failed);
  /* what was answered as written is there, and the chain is whole */
  g_assert_cmpint (audit_fixture_sql_int (f, "SELECT COUNT(*) FROM audit_entry"), ==,
                   before + o.ok);
  g_autoptr (GVariant) v = audit_fixture_verify (f);
  audit_assert_ok (v);
}

static void
add_suite (const AuditBackend *b)
{
  struct {
    const char *name;
    void (*func) (Fixture *, gconstpointer);
  } tests[] = {
    { "append/returns-the-stored-entry", test_append_returns_entry },
    { "chain/1000-entries-verify", test_chain_of_1000 },
    { "order/burst-keeps-call-order", test_burst_keeps_order },
    { "append/refuses-invalid-input", test_invalid_input },
    { "automatic/plugin-load-and-unload", test_plugin_events_audited },
    { "head/follows-the-trail", test_head_file_follows },
    { "head/rolled-forward-after-a-crash", test_head_file_rolled_forward },
    { "head/missing-file-is-recorded", test_head_file_missing },
    { "unload/answers-entries-in-flight", test_unload_with_entries_in_flight },
  };
  for (guint i = 0; i < G_N_ELEMENTS (tests); i++)
    {
      g_autofree char *path = g_strdup_printf ("/audit/%s/%s", b->name, tests[i].name);
      g_test_add (path, Fixture, b, audit_fixture_setup, tests[i].func, audit_fixture_teardown);
    }
  if (b == &audit_postgres_backend)
    g_test_add ("/audit/postgres/store/outage-keeps-the-chain", Fixture, b, audit_fixture_setup,
                test_store_outage_keeps_chain, audit_fixture_teardown);
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
  /* store plugins warn (e.g. while a database restarts); that is their job */
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
