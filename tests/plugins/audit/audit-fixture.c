/* See audit-fixture.h. */
#include "audit-fixture.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

const AuditBackend audit_sqlite_backend = { "sqlite", "store-sqlite" };
const AuditBackend audit_postgres_backend = { "postgres", "store-postgres" };

OccTestPostgres *audit_test_pg;
static guint db_counter;

gboolean
audit_fixture_init (void)
{
  g_autofree char *so
      = g_build_filename (PLUGIN_BUILD_DIR, "store", "postgres", "store-postgres.so", NULL);
  if (!g_file_test (so, G_FILE_TEST_EXISTS))
    return FALSE;
  audit_test_pg = occ_test_postgres_start ();
  if (audit_test_pg == NULL)
    g_error ("the PostgreSQL server for the audit suite did not start");
  return TRUE;
}

void
audit_fixture_shutdown (void)
{
  g_clear_pointer (&audit_test_pg, occ_test_postgres_stop);
}

static void
write_config (AuditFixture *f)
{
  g_autofree char *conf
      = g_strdup_printf ("[core]\n"
                         "plugin-path=%s\n"
                         "data-dir=%s/share\n"
                         "policy-dir=%s/policies\n"
                         "state-dir=state\n"
                         "control-socket=control.sock\n"
                         "control-group=\n"
                         "drain-timeout=5\n"
                         "[plugins]\n"
                         "enabled=%s;records;audit\n",
                         PLUGIN_BUILD_DIR, SOURCE_ROOT, SOURCE_ROOT, f->backend->plugin);
  occ_test_write (f->dir, "omnicc.conf", conf);
  if (f->database)
    {
      g_autofree char *pg
          = g_strdup_printf ("[postgres]\ndsn=host=%s port=%d user=postgres "
                             "dbname=%s\n",
                             audit_test_pg->socket_dir, audit_test_pg->port, f->database);
      occ_test_write (f->dir, "plugins.d/store-postgres.conf", pg);
    }
}

void
audit_fixture_setup (AuditFixture *f, gconstpointer data)
{
  f->backend = data;
  f->dir = occ_test_mkdtemp ();
  if (f->backend == &audit_postgres_backend)
    {
      f->database = g_strdup_printf ("audit_%u", ++db_counter);
      g_autofree char *create = g_strdup_printf ("CREATE DATABASE %s", f->database);
      g_autofree char *out = occ_test_psql (audit_test_pg, create);
      g_assert_nonnull (out);
    }
  write_config (f);
  audit_fixture_start (f);
}

void
audit_fixture_teardown (AuditFixture *f, gconstpointer data)
{
  (void) data;
  audit_fixture_stop (f);
  occ_test_rmtree (f->dir);
  g_free (f->dir);
  g_free (f->database);
}

static gboolean
store_ready (gpointer data)
{
  AuditFixture *f = data;
  g_autoptr (GVariant) st = f->store->get_status (f->store);
  const char *state = NULL;
  g_variant_lookup (st, "state", "&s", &state);
  return g_strcmp0 (state, "ready") == 0;
}

static gboolean
own_load_written (gpointer data)
{
  AuditFixture *f = data;
  return f->ctx->holds == 0
         && audit_fixture_sql_int (f, "SELECT COUNT(*) FROM audit_entry WHERE action = "
                                      "'plugin.load' AND target = 'audit'")
                > f->audit_loads;
}

void
audit_fixture_start (AuditFixture *f)
{
  g_autofree char *path = g_build_filename (f->dir, "omnicc.conf", NULL);
  g_autoptr (GError) e = NULL;
  OccConfig *config = occ_config_load (path, &e);
  g_assert_no_error (e);
  f->ctx = occ_context_new (config);
  occ_loader_scan (f->ctx->loader, occ_config_get_plugin_path (config));
  g_assert_true (occ_loader_load (f->ctx->loader, f->backend->plugin, &e));
  g_assert_no_error (e);
  f->store = occ_registry_lookup (f->ctx->registry, OCC_STORE_SERVICE, OCC_STORE_VERSION, &e);
  g_assert_no_error (e);
  g_assert_true (occ_test_wait_for (store_ready, f, 30000));
  f->audit_loads = audit_fixture_sql_int (f, "SELECT COUNT(*) FROM audit_entry WHERE action = "
                                             "'plugin.load' AND target = 'audit'");
  g_assert_true (occ_loader_load (f->ctx->loader, "records", &e));
  g_assert_no_error (e);
  f->records = occ_registry_lookup (f->ctx->registry, OCC_RECORDS_SERVICE, OCC_RECORDS_VERSION, &e);
  g_assert_no_error (e);
  g_assert_true (occ_loader_load (f->ctx->loader, "audit", &e));
  g_assert_no_error (e);
  f->audit = occ_registry_lookup (f->ctx->registry, OCC_AUDIT_SERVICE, OCC_AUDIT_VERSION, &e);
  g_assert_no_error (e);
  /* the entry of audit's own load is written before the test's */
  g_assert_true (occ_test_wait_for (own_load_written, f, 30000));
}

static gboolean
no_holds (gpointer data)
{
  return ((AuditFixture *) data)->ctx->holds == 0;
}

void
audit_fixture_stop (AuditFixture *f)
{
  /* let what is queued be written, as a daemon's drain does: the audit
   * plugin holds while entries wait */
  if (f->ctx)
    g_assert_true (occ_test_wait_for (no_holds, f, 30000));
  g_clear_pointer (&f->ctx, occ_context_free);
  f->store = NULL;
  f->records = NULL;
  f->audit = NULL;
}

/* --- the database, directly ---------------------------------------------------------- */

static char *
psql (AuditFixture *f, const char *sql)
{
  char *out = occ_test_psql_in (audit_test_pg, f->database, sql);
  if (out == NULL)
    g_error ("psql %s failed", sql);
  return out;
}

static int
first_int (void *data, int n, char **values, char **names)
{
  (void) names;
  if (n > 0 && values[0])
    *(gint64 *) data = g_ascii_strtoll (values[0], NULL, 10);
  return 0;
}

static gint64
sqlite_run (AuditFixture *f, const char *sql)
{
  g_autofree char *path = g_build_filename (f->dir, "state", "omnicc.db", NULL);
  sqlite3 *db = NULL;
  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
    g_error ("sqlite3 %s: %s", path, sqlite3_errmsg (db));
  sqlite3_busy_timeout (db, 10000);
  gint64 value = 0;
  char *msg = NULL;
  if (sqlite3_exec (db, sql, first_int, &value, &msg) != SQLITE_OK)
    g_error ("sqlite3 %s: %s", sql, msg);
  sqlite3_close (db);
  return value;
}

void
audit_fixture_sql (AuditFixture *f, const char *sql)
{
  if (f->database)
    g_free (psql (f, sql));
  else
    sqlite_run (f, sql);
}

gint64
audit_fixture_sql_int (AuditFixture *f, const char *sql)
{
  if (f->database)
    {
      g_autofree char *out = psql (f, sql);
      return g_ascii_strtoll (out, NULL, 10);
    }
  return sqlite_run (f, sql);
}

gint64
audit_fixture_last_seq (AuditFixture *f)
{
  return audit_fixture_sql_int (f, "SELECT COALESCE(MAX(seq), 0) FROM audit_entry");
}

/* --- answers ----------------------------------------------------------------------------- */

void
audit_answer_clear (AuditAnswer *a)
{
  g_clear_pointer (&a->result, g_variant_unref);
  g_clear_error (&a->error);
  a->done = FALSE;
}

void
audit_answer_cb (GVariant *result, const GError *error, gpointer data)
{
  AuditAnswer *a = data;
  g_assert_false (a->done); /* exactly once */
  a->done = TRUE;
  g_assert_true ((result == NULL) != (error == NULL));
  if (result)
    a->result = g_variant_ref (result);
  if (error)
    a->error = g_error_copy (error);
}

static gboolean
answered (gpointer data)
{
  return ((AuditAnswer *) data)->done;
}

void
audit_answer_wait (AuditAnswer *a)
{
  g_assert_true (occ_test_wait_for (answered, a, 60000));
}

GVariant *
audit_fixture_append (AuditFixture *f, const char *actor, const char *action, const char *target,
                      const char *result, const char *source, GVariant *details, GError **error)
{
  AuditAnswer a = { 0 };
  f->audit->append (f->audit, actor, action, target, result, source, details, audit_answer_cb, &a);
  /* never before the call returned */
  g_assert_false (a.done);
  audit_answer_wait (&a);
  if (a.error)
    {
      g_propagate_error (error, a.error);
      return NULL;
    }
  return a.result;
}

typedef struct {
  guint pending;
  guint failed;
} Burst;

static void
burst_cb (GVariant *result, const GError *error, gpointer data)
{
  Burst *b = data;
  if (error)
    {
      g_test_message ("append failed: %s", error->message);
      b->failed++;
    }
  b->pending--;
}

static gboolean
burst_done (gpointer data)
{
  return ((Burst *) data)->pending == 0;
}

void
audit_fixture_append_n (AuditFixture *f, guint n)
{
  Burst b = { n, 0 };
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *action = g_strdup_printf ("test.%u", i);
      f->audit->append (f->audit, "tester", action, "thing", OCC_AUDIT_SUCCESS, "127.0.0.1",
                        g_variant_new_parsed ("{'i': <%u>, 'text': <'entry'>}", i), burst_cb, &b);
    }
  g_assert_true (occ_test_wait_for (burst_done, &b, 120000));
  g_assert_cmpuint (b.failed, ==, 0);
}

GVariant *
audit_fixture_verify (AuditFixture *f)
{
  AuditAnswer a = { 0 };
  f->audit->verify (f->audit, audit_answer_cb, &a);
  g_assert_false (a.done);
  audit_answer_wait (&a);
  g_assert_no_error (a.error);
  return a.result;
}

void
audit_assert_ok (GVariant *v)
{
  gboolean ok = FALSE;
  g_assert_true (g_variant_lookup (v, "ok", "b", &ok));
  if (!ok)
    {
      g_autofree char *text = g_variant_print (v, FALSE);
      g_error ("verify: %s", text);
    }
}

void
audit_assert_bad (GVariant *v, gint64 seq, const char *part)
{
  gboolean ok = TRUE;
  gint64 bad = -1;
  const char *reason = "";
  g_assert_true (g_variant_lookup (v, "ok", "b", &ok));
  g_variant_lookup (v, "first-bad-seq", "x", &bad);
  g_variant_lookup (v, "reason", "&s", &reason);
  g_test_message ("verify: %s (first bad %" G_GINT64_FORMAT ")", reason, bad);
  if (ok || bad != seq || strstr (reason, part) == NULL)
    {
      g_autofree char *text = g_variant_print (v, FALSE);
      g_error ("expected not ok at %" G_GINT64_FORMAT " with “%s”, got %s", seq, part, text);
    }
}
