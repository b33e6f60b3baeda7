/* See auth-fixture.h. */
#include "auth-fixture.h"

#include <string.h>

static OccTestPostgres *pg; /* one server for the whole run */
static guint db_counter;
static GThread *test_thread; /* where the services must answer */

static char *
postgres_config (void)
{
  g_autofree char *create = g_strdup_printf ("CREATE DATABASE auth_local_%u", ++db_counter);
  g_free (occ_test_psql (pg, create));
  return g_strdup_printf ("[postgres]\ndsn=host=%s port=%d user=postgres dbname=auth_local_%u\n",
                          pg->socket_dir, pg->port, db_counter);
}

const TalBackend tal_sqlite = { "sqlite", "store-sqlite", NULL };
const TalBackend tal_postgres = { "postgres", "store-postgres", postgres_config };

gboolean
tal_postgres_start (void)
{
  g_autofree char *plugin
      = g_build_filename (PLUGIN_BUILD_DIR, "store", "postgres", "store-postgres.so", NULL);
  if (!g_file_test (plugin, G_FILE_TEST_EXISTS))
    return FALSE;
  pg = occ_test_postgres_start ();
  if (pg == NULL)
    g_error ("the PostgreSQL server for the auth-local tests did not start");
  return TRUE;
}

void
tal_postgres_stop (void)
{
  g_clear_pointer (&pg, occ_test_postgres_stop);
}

void
tal_write_config (const char *dir, const TalBackend *backend, const char *policy)
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
                         "enabled=%s;records;auth-local\n",
                         PLUGIN_BUILD_DIR, SOURCE_ROOT, SOURCE_ROOT, backend->plugin);
  occ_test_write (dir, "omnicc.conf", conf);
  g_autofree char *snippet = backend->config ? backend->config () : NULL;
  if (snippet)
    {
      g_autofree char *name = g_strdup_printf ("plugins.d/%s.conf", backend->plugin);
      occ_test_write (dir, name, snippet);
    }
  if (policy)
    occ_test_write (dir, "policies/passwords.conf", policy);
}

static gboolean
store_ready (gpointer data)
{
  TalFixture *f = data;
  g_autoptr (GVariant) st = f->store->get_status (f->store);
  const char *state = NULL;
  g_variant_lookup (st, "state", "&s", &state);
  return g_strcmp0 (state, "ready") == 0;
}

gboolean
tal_load_auth (TalFixture *f, GError **error)
{
  f->auth = NULL;
  if (!occ_loader_load (f->ctx->loader, "auth-local", error))
    return FALSE;
  f->auth = occ_registry_lookup (f->ctx->registry, "auth/local", OCC_AUTH_VERSION, error);
  return f->auth != NULL;
}

void
tal_unload_auth (TalFixture *f)
{
  g_autoptr (GError) e = NULL;
  if (f->auth)
    g_assert_true (occ_loader_unload (f->ctx->loader, "auth-local", &e));
  g_assert_no_error (e);
  f->auth = NULL;
}

void
tal_reload (TalFixture *f, const char *policy)
{
  tal_unload_auth (f);
  occ_test_write (f->dir, "policies/passwords.conf", policy);
  g_autoptr (GError) e = NULL;
  g_assert_true (tal_load_auth (f, &e));
  g_assert_no_error (e);
}

char *
tal_bootstrap_path (TalFixture *f)
{
  return g_build_filename (f->dir, "state", "initial-admin-password", NULL);
}

void
tal_wait_bootstrap (TalFixture *f)
{
  for (int i = 0; i < 3000; i++)
    {
      if (tal_count (f, "SELECT COUNT(*) FROM password_history "
                        "WHERE user_id = '" TAL_BOOTSTRAP_ID "'")
          > 0)
        return;
      occ_test_spin (10);
    }
  g_error ("the first-run administrator was not made in 30 s");
}

void
tal_setup (TalFixture *f, gconstpointer data)
{
  f->backend = data;
  test_thread = g_thread_self ();
  f->dir = occ_test_mkdtemp ();
  tal_write_config (f->dir, f->backend, TAL_FAST_POLICY);
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
  g_assert_true (occ_loader_load (f->ctx->loader, "records", &e));
  g_assert_no_error (e);
  f->records = occ_registry_lookup (f->ctx->registry, OCC_RECORDS_SERVICE, OCC_RECORDS_VERSION, &e);
  g_assert_no_error (e);
  g_assert_true (tal_load_auth (f, &e));
  g_assert_no_error (e);
  tal_wait_bootstrap (f);
}

void
tal_teardown (TalFixture *f, gconstpointer data)
{
  (void) data;
  occ_context_free (f->ctx);
  /* let what came back after the unload (answered already) free itself */
  occ_test_spin (20);
  occ_test_rmtree (f->dir);
  g_free (f->dir);
}

/* --- answers ------------------------------------------------------------------------ */

void
tal_answer_clear (TalAnswer *a)
{
  g_clear_pointer (&a->result, g_variant_unref);
  g_clear_error (&a->error);
  memset (a, 0, sizeof *a);
}

void
tal_answer_cb (GVariant *result, const GError *error, gpointer data)
{
  TalAnswer *a = data;
  g_assert_false (a->done); /* exactly once */
  if (test_thread)
    g_assert_true (g_thread_self () == test_thread); /* on the main thread */
  a->done = TRUE;
  a->answered_at = g_get_monotonic_time ();
  g_assert_true ((result == NULL) != (error == NULL));
  if (result)
    a->result = g_variant_ref (result);
  if (error)
    a->error = g_error_copy (error);
}

static gboolean
answered (gpointer data)
{
  return ((TalAnswer *) data)->done;
}

void
tal_answer_wait (TalAnswer *a)
{
  g_assert_false (a->done); /* never before the call returned */
  g_assert_true (occ_test_wait_for (answered, a, 60000));
}

static GVariant *
take (TalAnswer *a, GError **error)
{
  tal_answer_wait (a);
  if (a->error)
    {
      g_propagate_error (error, g_steal_pointer (&a->error));
      return NULL;
    }
  return g_steal_pointer (&a->result);
}

GVariant *
tal_authenticate (TalFixture *f, const char *login, const char *secret, GError **error)
{
  TalAnswer a = { .called_at = g_get_monotonic_time () };
  f->auth->authenticate (f->auth, login, secret, tal_answer_cb, &a);
  return take (&a, error);
}

GVariant *
tal_lookup (TalFixture *f, const char *login, GError **error)
{
  TalAnswer a = { 0 };
  f->auth->lookup (f->auth, login, tal_answer_cb, &a);
  return take (&a, error);
}

GVariant *
tal_change (TalFixture *f, const char *login, const char *old_secret, const char *new_secret,
            GError **error)
{
  TalAnswer a = { 0 };
  f->auth->change_password (f->auth, login, old_secret, new_secret, tal_answer_cb, &a);
  return take (&a, error);
}

GVariant *
tal_add_account (TalFixture *f, const char *login, const char *display_name, const char *password,
                 GError **error)
{
  TalAnswer a = { 0 };
  f->auth->add_account (f->auth, login, display_name, password, tal_answer_cb, &a);
  return take (&a, error);
}

GVariant *
tal_set_enabled (TalFixture *f, const char *login, gboolean enabled, GError **error)
{
  TalAnswer a = { 0 };
  f->auth->set_enabled (f->auth, login, enabled, tal_answer_cb, &a);
  return take (&a, error);
}

/* --- records and the database ------------------------------------------------------------ */

static GVariant *
put (TalFixture *f, GVariant *record)
{
  TalAnswer a = { 0 };
  f->records->put (f->records, "user", record, tal_answer_cb, &a);
  g_autoptr (GError) e = NULL;
  GVariant *stored = take (&a, &e);
  g_assert_no_error (e);
  return stored;
}

char *
tal_make_user (TalFixture *f, const char *login, const char *password, guint64 ops, gsize mem_kib,
               const char *extra)
{
  char hash[crypto_pwhash_STRBYTES];
  g_assert_cmpint (crypto_pwhash_str (hash, password, strlen (password), ops, mem_kib * 1024), ==,
                   0);
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "login", "s", login);
  g_variant_dict_insert (&d, "source", "s", "local");
  g_variant_dict_insert (&d, "password_hash", "s", hash);
  g_variant_dict_insert (&d, "enabled", "b", TRUE);
  g_variant_dict_insert (&d, "password_changed_at", "x", g_get_real_time () / 1000);
  if (extra)
    {
      g_autoptr (GVariant) more = g_variant_parse (G_VARIANT_TYPE_VARDICT, extra, NULL, NULL, NULL);
      g_assert_nonnull (more);
      GVariantIter iter;
      const char *key;
      GVariant *value;
      g_variant_iter_init (&iter, more);
      while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
        {
          g_variant_dict_insert_value (&d, key, value);
          g_variant_unref (value);
        }
    }
  g_autoptr (GVariant) stored = put (f, g_variant_dict_end (&d));
  const char *id = NULL;
  g_assert_true (g_variant_lookup (stored, "id", "&s", &id));
  return g_strdup (id);
}

void
tal_put_user (TalFixture *f, const char *text)
{
  g_variant_unref (put (f, g_variant_new_parsed (text)));
}

GVariant *
tal_find_user (TalFixture *f, const char *login)
{
  TalAnswer a = { 0 };
  f->records->find (f->records, "user", g_variant_new_parsed ("{'login': <%s>}", login), NULL, 1,
                    tal_answer_cb, &a);
  g_autoptr (GError) e = NULL;
  g_autoptr (GVariant) list = take (&a, &e);
  g_assert_no_error (e);
  return g_variant_n_children (list) ? g_variant_get_child_value (list, 0) : NULL;
}

typedef struct {
  gboolean done;
  gint64 value;
  GError *error;
} Count;

static void
on_count (GPtrArray *results, const GError *error, gpointer data)
{
  Count *c = data;
  c->done = TRUE;
  if (error)
    c->error = g_error_copy (error);
  else
    c->value = occ_store_result_get_int (g_ptr_array_index (results, 0), 0, 0);
}

static gboolean
counted (gpointer data)
{
  return ((Count *) data)->done;
}

gint64
tal_count (TalFixture *f, const char *sql)
{
  Count c = { 0 };
  occ_store_execute1 (f->store, sql, NULL, OCC_STORE_FLAGS_NONE, on_count, &c);
  g_assert_true (occ_test_wait_for (counted, &c, 30000));
  g_assert_no_error (c.error);
  return c.value;
}

/* --- the log ------------------------------------------------------------------------------ */

static GMutex log_lock;
static GString *log_text;

static GLogWriterOutput
capture (GLogLevelFlags level, const GLogField *fields, gsize n, gpointer data)
{
  for (gsize i = 0; i < n; i++)
    if (strcmp (fields[i].key, "MESSAGE") == 0)
      {
        g_mutex_lock (&log_lock);
        g_string_append_len (log_text, fields[i].value, fields[i].length);
        g_string_append_c (log_text, '\n');
        g_mutex_unlock (&log_lock);
      }
  return g_log_writer_default (level, fields, n, data);
}

void
tal_log_capture (void)
{
  log_text = g_string_new (NULL);
  g_log_set_writer_func (capture, NULL, NULL);
}

void
tal_log_clear (void)
{
  g_mutex_lock (&log_lock);
  g_string_truncate (log_text, 0);
  g_mutex_unlock (&log_lock);
}

char *
tal_log_text (void)
{
  g_mutex_lock (&log_lock);
  char *text = g_strdup (log_text->str);
  g_mutex_unlock (&log_lock);
  return text;
}

/* --- timing ---------------------------------------------------------------------------- */

gint64
tal_hash_time (guint64 ops, gsize mem_bytes, guint n)
{
  char hash[crypto_pwhash_STRBYTES];
  gint64 fastest = G_MAXINT64;
  for (guint i = 0; i < n; i++)
    {
      gint64 t = g_get_monotonic_time ();
      g_assert_cmpint (crypto_pwhash_str (hash, "a-password-1", 12, ops, mem_bytes), ==, 0);
      fastest = MIN (fastest, g_get_monotonic_time () - t);
    }
  return fastest;
}
