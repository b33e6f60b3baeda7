/* See access-fixture.h. */
#include "access-fixture.h"

#include <string.h>

const AxBackend ax_sqlite = { "sqlite", "store-sqlite" };
const AxBackend ax_postgres = { "postgres", "store-postgres" };

static OccTestPostgres *pg;
static guint db_counter;

gboolean
ax_postgres_start (void)
{
  g_autofree char *so
      = g_build_filename (PLUGIN_BUILD_DIR, "store", "postgres", "store-postgres.so", NULL);
  if (!g_file_test (so, G_FILE_TEST_EXISTS))
    return FALSE;
  pg = occ_test_postgres_start ();
  if (pg == NULL)
    g_error ("the PostgreSQL server for the access suite did not start");
  return TRUE;
}

void
ax_postgres_stop (void)
{
  g_clear_pointer (&pg, occ_test_postgres_stop);
}

void
ax_prepare (AxFixture *f, gconstpointer backend)
{
  f->backend = backend;
  f->dir = occ_test_mkdtemp ();
  if (f->backend == &ax_postgres)
    {
      f->database = g_strdup_printf ("access_%u", ++db_counter);
      g_autofree char *create = g_strdup_printf ("CREATE DATABASE %s", f->database);
      g_autofree char *out = occ_test_psql (pg, create);
      g_assert_nonnull (out);
    }
}

void
ax_setup (AxFixture *f, gconstpointer backend)
{
  ax_prepare (f, backend);
  ax_start (f);
}

void
ax_teardown (AxFixture *f, gconstpointer backend)
{
  (void) backend;
  ax_stop (f);
  occ_test_rmtree (f->dir);
  g_free (f->dir);
  g_free (f->database);
  g_free (f->admin_password);
  g_free (f->roles_policy);
  g_free (f->access_policy);
  g_free (f->extra_conf_name);
  g_free (f->extra_conf);
}

static void
write_config (AxFixture *f)
{
  /* the shipped policies are the source tree's; a site's override them */
  g_autofree char *shipped = g_build_filename (SOURCE_ROOT, "policies", NULL);
  g_autofree char *conf = g_strdup_printf ("[core]\n"
                                           "plugin-path=%s\n"
                                           "data-dir=%s/share\n"
                                           "policy-dir=%s\n"
                                           "state-dir=state\n"
                                           "control-socket=control.sock\n"
                                           "control-group=\n"
                                           "drain-timeout=5\n",
                                           PLUGIN_BUILD_DIR, SOURCE_ROOT, shipped);
  occ_test_write (f->dir, "omnicc.conf", conf);
  if (f->roles_policy)
    occ_test_write (f->dir, "policies/roles.conf", f->roles_policy);
  if (f->access_policy)
    occ_test_write (f->dir, "policies/access.conf", f->access_policy);
  /* fast Argon2id: sign-ins in well under a millisecond */
  occ_test_write (f->dir, "policies/passwords.conf",
                  "[passwords]\nargon2-opslimit=1\nargon2-memlimit-kib=1024\nmin-length=8\n");
  if (f->database)
    {
      g_autofree char *text = g_strdup_printf ("[postgres]\ndsn=host=%s port=%d user=postgres "
                                               "dbname=%s\n",
                                               pg->socket_dir, pg->port, f->database);
      occ_test_write (f->dir, "plugins.d/store-postgres.conf", text);
    }
  if (f->extra_conf_name)
    {
      g_autofree char *name = g_strdup_printf ("plugins.d/%s.conf", f->extra_conf_name);
      occ_test_write (f->dir, name, f->extra_conf);
    }
}

static gboolean
store_ready (gpointer data)
{
  AxFixture *f = data;
  g_autoptr (GVariant) st = f->store->get_status (f->store);
  const char *state = NULL;
  g_variant_lookup (st, "state", "&s", &state);
  return g_strcmp0 (state, "ready") == 0;
}

static gboolean
access_ready (gpointer data)
{
  AxFixture *f = data;
  g_autoptr (JsonObject) a = ax_request (f, NULL, "access.status", NULL);
  if (!json_object_get_boolean_member_with_default (a, "ok", FALSE))
    {
      /* without a local role: a sign-in that is answered "denied" (not
       * "unavailable") shows the accounts are read */
      JsonObject *err = json_object_get_object_member (a, "error");
      if (g_strcmp0 (json_object_get_string_member (err, "code"), "denied") != 0)
        return FALSE;
      g_autoptr (JsonObject) probe = ax_request (
          f, NULL, "session.open", "{\"login\": \"ready-probe\", \"password\": \"-\"}");
      err = json_object_get_object_member (probe, "error");
      return err && g_strcmp0 (json_object_get_string_member (err, "code"), "denied") == 0;
    }
  JsonObject *r = json_object_get_object_member (a, "result");
  return json_object_get_boolean_member_with_default (r, "ready", FALSE);
}

static gboolean
bootstrap_written (gpointer data)
{
  AxFixture *f = data;
  /* the file is written first, then the account and its history row */
  return ax_sql_int (f, "SELECT COUNT(*) FROM password_history WHERE user_id = "
                        "'auth-local:bootstrap-admin'")
         > 0;
}

static void
load (AxFixture *f, const char *name)
{
  g_autoptr (GError) e = NULL;
  if (!occ_loader_load (f->ctx->loader, name, &e))
    g_error ("plugin %s did not load: %s", name, e ? e->message : "?");
}

void
ax_start (AxFixture *f)
{
  write_config (f);
  g_autofree char *path = g_build_filename (f->dir, "omnicc.conf", NULL);
  g_autoptr (GError) e = NULL;
  OccConfig *config = occ_config_load (path, &e);
  g_assert_no_error (e);
  f->ctx = occ_context_new (config);
  g_assert_true (occ_control_listen (f->ctx->control,
                                     occ_config_get_control_socket (f->ctx->config), NULL, &e));
  g_assert_no_error (e);
  occ_loader_scan (f->ctx->loader, occ_config_get_plugin_path (config));
  load (f, f->backend->plugin);
  f->store = occ_registry_lookup (f->ctx->registry, OCC_STORE_SERVICE, OCC_STORE_VERSION, &e);
  g_assert_no_error (e);
  g_assert_true (occ_test_wait_for (store_ready, f, 30000));
  load (f, "records");
  load (f, "audit");
  f->audit = occ_registry_lookup (f->ctx->registry, OCC_AUDIT_SERVICE, OCC_AUDIT_VERSION, &e);
  g_assert_no_error (e);
  load (f, "auth-local");
  if (f->extra_plugins)
    load (f, f->extra_plugins);
  load (f, "access");
  f->access = occ_registry_lookup (f->ctx->registry, OCC_ACCESS_SERVICE, OCC_ACCESS_VERSION, &e);
  g_assert_no_error (e);
  g_assert_true (occ_test_wait_for (access_ready, f, 30000));
  g_assert_true (occ_test_wait_for (bootstrap_written, f, 30000));
  if (f->admin_password == NULL)
    {
      g_autofree char *pw_path = g_build_filename (f->dir, "state", "initial-admin-password", NULL);
      g_autofree char *text = NULL;
      g_assert_true (g_file_get_contents (pw_path, &text, NULL, NULL));
      g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
      for (guint i = 0; lines[i]; i++)
        if (lines[i][0] && lines[i][0] != '#')
          {
            g_free (f->admin_password);
            f->admin_password = g_strdup (g_strstrip (lines[i]));
          }
      g_assert_nonnull (f->admin_password);
      /* a one-time password signs in for one thing only: changing it */
      g_autofree char *once = ax_sign_in (f, "admin", f->admin_password);
      g_autofree char *m = ax_fails (f, once, "user.list", NULL, "denied");
      g_autofree char *args
          = g_strdup_printf ("{\"login\": \"admin\", \"old\": \"%s\", \"new\": \"%s\"}",
                             f->admin_password, AX_ADMIN_PASSWORD);
      g_autofree char *changed = ax_ok (f, once, "auth-local.passwd", args);
      g_free (f->admin_password);
      f->admin_password = g_strdup (AX_ADMIN_PASSWORD);
    }
}

static gboolean
no_holds (gpointer data)
{
  return ((AxFixture *) data)->ctx->holds == 0;
}

void
ax_stop (AxFixture *f)
{
  if (f->ctx == NULL)
    return;
  g_assert_true (occ_test_wait_for (no_holds, f, 30000));
  /* what was queued (the audit trail's last entries, saves) is written */
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  occ_loader_unload_all (f->ctx->loader);
  g_clear_pointer (&f->ctx, occ_context_free);
  f->store = NULL;
  f->audit = NULL;
  f->access = NULL;
}

/* --- requests ---------------------------------------------------------------------------- */

typedef struct {
  GString *in;
  gboolean done;
  gboolean failed;
  char buf[65536];
  GInputStream *stream;
} Reader;

static void
read_some (GObject *source, GAsyncResult *res, gpointer data)
{
  Reader *r = data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), res, NULL);
  if (n <= 0)
    {
      r->failed = r->done = TRUE;
      return;
    }
  g_string_append_len (r->in, r->buf, n);
  if (memchr (r->in->str, '\n', r->in->len))
    r->done = TRUE;
  else
    g_input_stream_read_async (r->stream, r->buf, sizeof r->buf, G_PRIORITY_DEFAULT, NULL,
                               read_some, r);
}

JsonObject *
ax_request (AxFixture *f, const char *token, const char *command, const char *args_json)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "command");
  json_builder_add_string_value (b, command);
  if (token)
    {
      json_builder_set_member_name (b, "token");
      json_builder_add_string_value (b, token);
    }
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  if (args_json)
    {
      g_autoptr (JsonParser) p = json_parser_new ();
      g_assert_true (json_parser_load_from_data (p, args_json, -1, NULL));
      json_object_set_member (json_node_get_object (root), "args",
                              json_node_copy (json_parser_get_root (p)));
    }
  g_autofree char *line = json_to_string (root, FALSE);
  g_autofree char *with_nl = g_strconcat (line, "\n", NULL);

  g_autofree char *path = g_build_filename (f->dir, "control.sock", NULL);
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketAddress) addr = g_unix_socket_address_new (path);
  g_autoptr (GError) e = NULL;
  g_autoptr (GSocketConnection) conn
      = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (addr), NULL, &e);
  g_assert_no_error (e);
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  g_assert_true (g_output_stream_write_all (out, with_nl, strlen (with_nl), NULL, NULL, &e));
  Reader r = { .in = g_string_new (NULL) };
  r.stream = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  g_input_stream_read_async (r.stream, r.buf, sizeof r.buf, G_PRIORITY_DEFAULT, NULL, read_some,
                             &r);
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (!r.done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (r.done && !r.failed);
  JsonObject *answer = occ_test_parse_object (r.in->str);
  g_string_free (r.in, TRUE);
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  return answer;
}

char *
ax_ok (AxFixture *f, const char *token, const char *command, const char *args_json)
{
  g_autoptr (JsonObject) a = ax_request (f, token, command, args_json);
  if (!json_object_get_boolean_member_with_default (a, "ok", FALSE))
    {
      JsonObject *err = json_object_get_object_member (a, "error");
      g_error ("%s %s failed: %s: %s", command, args_json ? args_json : "",
               json_object_get_string_member (err, "code"),
               json_object_get_string_member (err, "message"));
    }
  JsonNode *result = json_object_get_member (a, "result");
  return json_to_string (result, FALSE);
}

char *
ax_fails (AxFixture *f, const char *token, const char *command, const char *args_json,
          const char *code)
{
  g_autoptr (JsonObject) a = ax_request (f, token, command, args_json);
  if (json_object_get_boolean_member_with_default (a, "ok", FALSE))
    g_error ("%s %s succeeded; expected %s", command, args_json ? args_json : "", code);
  JsonObject *err = json_object_get_object_member (a, "error");
  g_assert_cmpstr (json_object_get_string_member (err, "code"), ==, code);
  return g_strdup (json_object_get_string_member (err, "message"));
}

char *
ax_sign_in (AxFixture *f, const char *login, const char *password)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "login");
  json_builder_add_string_value (b, login);
  json_builder_set_member_name (b, "password");
  json_builder_add_string_value (b, password);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *args = json_to_string (root, FALSE);
  g_autofree char *result = ax_ok (f, NULL, "session.open", args);
  g_autoptr (JsonObject) o = occ_test_parse_object (result);
  return g_strdup (json_object_get_string_member (o, "token"));
}

char *
ax_admin (AxFixture *f)
{
  return ax_sign_in (f, "admin", f->admin_password);
}

/* --- the store ------------------------------------------------------------------------------ */

typedef struct {
  gboolean done;
  OccStoreResult *result;
  GError *error;
} SqlCall;

static void
sql_done (GPtrArray *results, const GError *error, gpointer data)
{
  SqlCall *c = data;
  c->done = TRUE;
  if (error)
    c->error = g_error_copy (error);
  else
    c->result = occ_store_result_ref (g_ptr_array_index (results, 0));
}

static gboolean
sql_finished (gpointer data)
{
  return ((SqlCall *) data)->done;
}

static OccStoreResult *
run_sql (AxFixture *f, const char *sql)
{
  SqlCall c = { 0 };
  occ_store_execute1 (f->store, sql, NULL, OCC_STORE_FLAGS_NONE, sql_done, &c);
  g_assert_true (occ_test_wait_for (sql_finished, &c, 30000));
  if (c.error)
    g_error ("%s: %s", sql, c.error->message);
  return c.result;
}

gint64
ax_sql_int (AxFixture *f, const char *sql)
{
  g_autoptr (OccStoreResult) r = run_sql (f, sql);
  g_assert_cmpuint (occ_store_result_get_n_rows (r), ==, 1);
  return occ_store_result_get_int (r, 0, 0);
}

void
ax_sql (AxFixture *f, const char *sql)
{
  g_autoptr (OccStoreResult) r = run_sql (f, sql);
}

void
ax_settle (AxFixture *f)
{
  g_assert_true (occ_test_wait_for (no_holds, f, 30000));
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
}

gint64
ax_audit_count (AxFixture *f, const char *action, const char *result, const char *actor)
{
  ax_settle (f);
  g_autofree char *sql = g_strdup_printf (
      "SELECT COUNT(*) FROM audit_entry WHERE action = '%s' AND result = '%s'%s%s%s", action,
      result, actor ? " AND actor = '" : "", actor ? actor : "", actor ? "'" : "");
  return ax_sql_int (f, sql);
}

void
ax_assert_contains (const char *haystack, const char *needle)
{
  if (haystack == NULL || strstr (haystack, needle) == NULL)
    g_error ("“%s” does not contain “%s”", haystack ? haystack : "(null)", needle);
}
