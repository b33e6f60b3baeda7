/* The real omnicc command's sessions (login, logout, the token in every
 * request, the session file) against a fake control socket served in this
 * process: no daemon needed. The fake answers each command with what the
 * test told it and keeps every request it got. */
#include "testlib.h"

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  char *dir;
  char *socket;
  char *session; /* OMNICC_SESSION_FILE of most runs; its folder does not exist yet */
  GSocketService *service;
  GPtrArray *requests; /* JsonObject, as received */
  GHashTable *answers; /* command → its answer's JSON text but the "id" */
  guint open_conns;
} Fake;

typedef struct {
  Fake *fake;
  GSocketConnection *conn;
  GDataInputStream *in;
} Conn;

static void
assert_contains (const char *haystack, const char *needle)
{
  if (haystack == NULL || strstr (haystack, needle) == NULL)
    g_error ("“%s” not found in:\n%s", needle, haystack ? haystack : "(null)");
}

static void
assert_lacks (const char *haystack, const char *needle)
{
  if (haystack && strstr (haystack, needle) != NULL)
    g_error ("“%s” should not be in:\n%s", needle, haystack);
}

/* --- the fake control socket ----------------------------------------------------- */

static void
conn_free (Conn *c)
{
  g_io_stream_close (G_IO_STREAM (c->conn), NULL, NULL);
  g_object_unref (c->in);
  g_object_unref (c->conn);
  c->fake->open_conns--;
  g_free (c);
}

static void read_next (Conn *c);

/* The answer to one request line, newline included (transfer full). */
static char *
answer_for (Fake *f, const char *line)
{
  g_autoptr (JsonObject) req = occ_test_parse_object (line);
  g_ptr_array_add (f->requests, json_object_ref (req));
  const char *command = json_object_get_string_member_with_default (req, "command", "");
  const char *canned = g_hash_table_lookup (f->answers, command);
  g_autofree char *unknown
      = g_strdup_printf ("{\"ok\":false,\"error\":{\"code\":\"unknown-command\","
                         "\"message\":\"unknown command “%s”\"}}",
                         command);
  g_autoptr (JsonObject) answer = occ_test_parse_object (canned ? canned : unknown);
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (root, answer);
  JsonNode *id = json_object_get_member (req, "id");
  json_object_set_member (json_node_get_object (root), "id",
                          id ? json_node_copy (id) : json_node_new (JSON_NODE_NULL));
  g_autofree char *text = json_to_string (root, FALSE);
  return g_strconcat (text, "\n", NULL);
}

static void
on_line (GObject *source, GAsyncResult *res, gpointer data)
{
  Conn *c = data;
  gsize len;
  g_autofree char *line
      = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), res, &len, NULL);
  if (line == NULL)
    return conn_free (c);
  g_autofree char *answer = answer_for (c->fake, line);
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (c->conn));
  g_output_stream_write_all (out, answer, strlen (answer), NULL, NULL, NULL);
  /* a stream of events that ends at once, as when the daemon stops */
  if (strstr (line, "\"events.follow\""))
    return conn_free (c);
  read_next (c);
}

static void
read_next (Conn *c)
{
  g_data_input_stream_read_line_async (c->in, G_PRIORITY_DEFAULT, NULL, on_line, c);
}

static gboolean
on_incoming (GSocketService *service, GSocketConnection *connection, GObject *source, gpointer data)
{
  Fake *f = data;
  Conn *c = g_new0 (Conn, 1);
  c->fake = f;
  c->conn = g_object_ref (connection);
  c->in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  f->open_conns++;
  read_next (c);
  return TRUE;
}

static void
fake_setup (Fake *f, gconstpointer data)
{
  f->dir = occ_test_mkdtemp ();
  f->socket = g_build_filename (f->dir, "control.sock", NULL);
  f->session = g_build_filename (f->dir, "sessions", "session", NULL);
  f->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  f->answers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  f->service = g_socket_service_new ();
  g_autoptr (GSocketAddress) addr = g_unix_socket_address_new (f->socket);
  g_autoptr (GError) e = NULL;
  g_socket_listener_add_address (G_SOCKET_LISTENER (f->service), addr, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL, &e);
  g_assert_no_error (e);
  g_signal_connect (f->service, "incoming", G_CALLBACK (on_incoming), f);
  g_socket_service_start (f->service);
}

static gboolean
all_closed (gpointer data)
{
  return ((Fake *) data)->open_conns == 0;
}

static void
fake_teardown (Fake *f, gconstpointer data)
{
  /* the clients have exited: their connections end on the next reads */
  g_assert_true (occ_test_wait_for (all_closed, f, 5000));
  g_socket_service_stop (f->service);
  g_socket_listener_close (G_SOCKET_LISTENER (f->service));
  g_object_unref (f->service);
  g_ptr_array_unref (f->requests);
  g_hash_table_unref (f->answers);
  occ_test_rmtree (f->dir);
  g_free (f->dir);
  g_free (f->socket);
  g_free (f->session);
}

static void
fake_answer (Fake *f, const char *command, const char *answer_json)
{
  g_hash_table_replace (f->answers, g_strdup (command), g_strdup (answer_json));
}

static void
fake_ok (Fake *f, const char *command, const char *result_json)
{
  g_autofree char *answer = g_strdup_printf ("{\"ok\":true,\"result\":%s}", result_json);
  fake_answer (f, command, answer);
}

static void
fake_error (Fake *f, const char *command, const char *code, const char *message)
{
  g_autofree char *answer = g_strdup_printf (
      "{\"ok\":false,\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}", code, message);
  fake_answer (f, command, answer);
}

/* The last request the fake got; fails the test if it got none. */
static JsonObject *
last_request (Fake *f)
{
  g_assert_cmpuint (f->requests->len, >, 0);
  return g_ptr_array_index (f->requests, f->requests->len - 1);
}

static const char *
request_token (JsonObject *req)
{
  return json_object_get_string_member_with_default (req, "token", NULL);
}

/* --- running omnicc ------------------------------------------------------------- */

typedef struct {
  gboolean done;
  char *out;
  char *err;
  GError *error;
} Run;

static void
on_communicated (GObject *source, GAsyncResult *res, gpointer data)
{
  Run *r = data;
  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), res, &r->out, &r->err, &r->error);
  r->done = TRUE;
}

static gboolean
run_done (gpointer data)
{
  return ((Run *) data)->done;
}

/* Runs `omnicc --socket <fake> ARGS…` with @input on its standard input
 * (NULL: none; omnicc must read it all, or writing it may fail with a
 * broken pipe) while this process serves the fake socket; returns its exit
 * status. The environment is cleaned of session variables, with
 * OMNICC_SESSION_FILE=<f->session>; @env ("NAME=VALUE" sets, "NAME"
 * unsets; may be NULL) changes it. */
static int
run_cli (Fake *f, const char *const *env, const char *input, char **out, char **err, ...)
{
  g_autoptr (GSubprocessLauncher) l
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                   | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autofree char *home = g_build_filename (f->dir, "home", NULL);
  g_subprocess_launcher_setenv (l, "HOME", home, TRUE);
  g_subprocess_launcher_setenv (l, "OMNICC_SESSION_FILE", f->session, TRUE);
  for (const char *const *name = (const char *const[]){ "OMNICC_TOKEN", "OMNICC_SOCKET",
                                                        "XDG_RUNTIME_DIR", "XDG_CACHE_HOME", NULL };
       *name; name++)
    g_subprocess_launcher_unsetenv (l, *name);
  for (guint i = 0; env && env[i]; i++)
    {
      const char *eq = strchr (env[i], '=');
      g_autofree char *name = eq ? g_strndup (env[i], eq - env[i]) : g_strdup (env[i]);
      if (eq)
        g_subprocess_launcher_setenv (l, name, eq + 1, TRUE);
      else
        g_subprocess_launcher_unsetenv (l, name);
    }
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (char *) OMNICC_CLI_PATH);
  g_ptr_array_add (argv, (char *) "--socket");
  g_ptr_array_add (argv, f->socket);
  va_list ap;
  va_start (ap, err);
  const char *a;
  while ((a = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  g_autoptr (GError) e = NULL;
  g_autoptr (GSubprocess) p
      = g_subprocess_launcher_spawnv (l, (const char *const *) argv->pdata, &e);
  g_assert_no_error (e);
  Run r = { 0 };
  g_subprocess_communicate_utf8_async (p, input, NULL, on_communicated, &r);
  if (!occ_test_wait_for (run_done, &r, 30000))
    {
      g_subprocess_force_exit (p);
      g_error ("omnicc did not finish in 30 s");
    }
  g_assert_no_error (r.error);
  g_subprocess_wait (p, NULL, NULL);
  g_test_message ("omnicc %s ... exited %d\nout: %s\nerr: %s", (char *) argv->pdata[3],
                  g_subprocess_get_exit_status (p), r.out, r.err);
  if (out)
    *out = g_steal_pointer (&r.out);
  if (err)
    *err = g_steal_pointer (&r.err);
  g_free (r.out);
  g_free (r.err);
  g_assert_true (g_subprocess_get_if_exited (p));
  return g_subprocess_get_exit_status (p);
}

/* --- helpers ------------------------------------------------------------------- */

static guint
mode_of (const char *path)
{
  GStatBuf st;
  g_assert_cmpint (g_lstat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

/* Writes a session file as `omnicc login` would have, with @mode. */
static void
write_session (const char *path, const char *token, guint mode)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_autofree char *text = g_strconcat (token, "\n", NULL);
  g_autoptr (GError) e = NULL;
  g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &e);
  g_assert_no_error (e);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
}

#define ALICE_SESSION                                                          \
  "{\"token\":\"tok-alice-1\",\"login\":\"alice\",\"display-name\":\"Alice\"," \
  "\"roles\":[\"agent\",\"supervisor\"],\"expires-at\":1900000000000,\"session\":\"s-1\"}"

/* --- tests ----------------------------------------------------------------------- */

static void
test_login_saves_token (Fake *f, gconstpointer data)
{
  fake_ok (f, "session.open", ALICE_SESSION);
  fake_ok (f, "status", "{\"state\":\"running\"}");
  fake_ok (f, "events.follow", "true");
  g_autofree char *out = NULL, *err = NULL;
  g_assert_cmpint (run_cli (f, NULL, "s3cret pass\n", &out, &err, "login", "alice", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (
      out, "signed in as alice (roles: agent, supervisor), session expires at 20"));
  /* neither secret is shown */
  assert_lacks (out, "tok-alice-1");
  assert_lacks (err, "tok-alice-1");
  assert_lacks (out, "s3cret");
  assert_lacks (err, "s3cret");

  g_assert_cmpuint (f->requests->len, ==, 1);
  JsonObject *open = last_request (f);
  g_assert_cmpstr (json_object_get_string_member (open, "command"), ==, "session.open");
  JsonObject *args = json_object_get_object_member (open, "args");
  g_assert_cmpstr (json_object_get_string_member (args, "login"), ==, "alice");
  g_assert_cmpstr (json_object_get_string_member (args, "password"), ==, "s3cret pass");
  g_assert_false (json_object_has_member (open, "token"));

  g_autofree char *folder = g_path_get_dirname (f->session);
  g_assert_cmpuint (mode_of (folder), ==, 0700);
  g_assert_cmpuint (mode_of (f->session), ==, 0600);
  g_autofree char *saved = occ_test_read (f->session);
  g_assert_cmpstr (saved, ==, "tok-alice-1\n");

  /* the next commands carry the token, events --follow too */
  g_assert_cmpint (run_cli (f, NULL, NULL, NULL, NULL, "status", NULL), ==, 0);
  g_assert_cmpstr (request_token (last_request (f)), ==, "tok-alice-1");
  g_assert_cmpint (run_cli (f, NULL, NULL, NULL, NULL, "events", "--follow", NULL), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (last_request (f), "command"), ==,
                   "events.follow");
  g_assert_cmpstr (request_token (last_request (f)), ==, "tok-alice-1");
}

static void
test_login_reads_login_and_password_lines (Fake *f, gconstpointer data)
{
  fake_ok (f, "session.open", ALICE_SESSION);
  g_autofree char *json = NULL;
  g_assert_cmpint (run_cli (f, NULL, "alice\nsecret\n", &json, NULL, "--json", "login", NULL), ==,
                   0);
  JsonObject *args = json_object_get_object_member (last_request (f), "args");
  g_assert_cmpstr (json_object_get_string_member (args, "login"), ==, "alice");
  g_assert_cmpstr (json_object_get_string_member (args, "password"), ==, "secret");
  /* --json prints the answer, but not its token */
  g_autoptr (JsonObject) shown = occ_test_parse_object (json);
  g_assert_cmpstr (json_object_get_string_member (shown, "session"), ==, "s-1");
  g_assert_false (json_object_has_member (shown, "token"));
}

static void
test_login_refuses_empty_password (Fake *f, gconstpointer data)
{
  fake_ok (f, "session.open", ALICE_SESSION);
  g_autofree char *err1 = NULL, *err2 = NULL, *err3 = NULL;
  g_assert_cmpint (run_cli (f, NULL, "\n", NULL, &err1, "login", "alice", NULL), ==, 2);
  assert_contains (err1, "no password");
  g_assert_cmpint (run_cli (f, NULL, "", NULL, &err2, "login", "alice", NULL), ==, 2);
  assert_contains (err2, "no password");
  /* never from the command line */
  g_assert_cmpint (run_cli (f, NULL, NULL, NULL, &err3, "login", "alice", "secret", NULL), ==, 2);
  assert_contains (err3, "Usage:");
  g_assert_cmpuint (f->requests->len, ==, 0);
  g_assert_false (g_file_test (f->session, G_FILE_TEST_EXISTS));
}

static void
test_login_denied (Fake *f, gconstpointer data)
{
  fake_error (f, "session.open", "denied", "wrong login or password");
  g_autofree char *err = NULL;
  g_assert_cmpint (run_cli (f, NULL, "wrong\n", NULL, &err, "login", "alice", NULL), ==, 5);
  assert_contains (err, "wrong login or password");
  g_assert_false (g_file_test (f->session, G_FILE_TEST_EXISTS));
  fake_error (f, "session.open", "locked", "account alice is locked");
  g_autofree char *err2 = NULL;
  g_assert_cmpint (run_cli (f, NULL, "wrong\n", NULL, &err2, "login", "alice", NULL), ==, 5);
  assert_contains (err2, "locked");
}

static void
test_env_token_goes_first (Fake *f, gconstpointer data)
{
  fake_ok (f, "status", "{}");
  write_session (f->session, "file-token", 0600);
  const char *env[] = { "OMNICC_TOKEN=env-token", NULL };
  g_assert_cmpint (run_cli (f, env, NULL, NULL, NULL, "status", NULL), ==, 0);
  g_assert_cmpstr (request_token (last_request (f)), ==, "env-token");
  g_assert_cmpint (run_cli (f, NULL, NULL, NULL, NULL, "status", NULL), ==, 0);
  g_assert_cmpstr (request_token (last_request (f)), ==, "file-token");
  /* no session at all: no token member */
  g_assert_cmpint (g_unlink (f->session), ==, 0);
  g_assert_cmpint (run_cli (f, NULL, NULL, NULL, NULL, "status", NULL), ==, 0);
  g_assert_false (json_object_has_member (last_request (f), "token"));
}

static void
test_logout_closes_and_removes (Fake *f, gconstpointer data)
{
  fake_ok (f, "session.close", "null");
  write_session (f->session, "tok-1", 0600);
  g_autofree char *out = NULL;
  g_assert_cmpint (run_cli (f, NULL, NULL, &out, NULL, "logout", NULL), ==, 0);
  assert_contains (out, "signed out");
  JsonObject *close = last_request (f);
  g_assert_cmpstr (json_object_get_string_member (close, "command"), ==, "session.close");
  g_assert_cmpstr (request_token (close), ==, "tok-1");
  g_assert_false (json_object_has_member (close, "args"));
  g_assert_false (g_file_test (f->session, G_FILE_TEST_EXISTS));

  fake_ok (f, "session.close", "{\"closed\":3}");
  write_session (f->session, "tok-2", 0600);
  g_autofree char *out_all = NULL;
  g_assert_cmpint (run_cli (f, NULL, NULL, &out_all, NULL, "logout", "--everywhere", NULL), ==, 0);
  assert_contains (out_all, "signed out of every session (3 closed)");
  close = last_request (f);
  g_assert_cmpstr (request_token (close), ==, "tok-2");
  JsonObject *args = json_object_get_object_member (close, "args");
  g_assert_true (json_object_get_boolean_member (args, "everywhere"));
  g_assert_false (g_file_test (f->session, G_FILE_TEST_EXISTS));

  /* signed out already: nothing to send */
  guint sent = f->requests->len;
  g_autofree char *out2 = NULL;
  g_assert_cmpint (run_cli (f, NULL, NULL, &out2, NULL, "logout", NULL), ==, 0);
  assert_contains (out2, "not signed in");
  g_assert_cmpuint (f->requests->len, ==, sent);
}

static void
test_logout_of_unknown_session (Fake *f, gconstpointer data)
{
  fake_error (f, "session.close", "unauthenticated", "no such session");
  write_session (f->session, "tok-old", 0600);
  g_autofree char *out = NULL;
  g_assert_cmpint (run_cli (f, NULL, NULL, &out, NULL, "logout", NULL), ==, 0);
  assert_contains (out, "no longer knew this session");
  g_assert_false (g_file_test (f->session, G_FILE_TEST_EXISTS));
  /* other failures keep the session and its file */
  fake_error (f, "session.close", "failed", "the store is down");
  write_session (f->session, "tok-live", 0600);
  g_autofree char *err = NULL;
  g_assert_cmpint (run_cli (f, NULL, NULL, NULL, &err, "logout", NULL), ==, 1);
  assert_contains (err, "the store is down");
  g_assert_true (g_file_test (f->session, G_FILE_TEST_EXISTS));
}

static void
test_denied_exits_5 (Fake *f, gconstpointer data)
{
  fake_error (f, "user.add", "denied", "permission “user.manage” needed");
  write_session (f->session, "tok-agent", 0600);
  g_autofree char *err = NULL;
  g_assert_cmpint (run_cli (f, NULL, NULL, NULL, &err, "user", "add", "login=bob", NULL), ==, 5);
  assert_contains (err, "omnicc: user.add: permission “user.manage” needed");
  assert_lacks (err, "omnicc login");
  JsonObject *req = last_request (f);
  g_assert_cmpstr (request_token (req), ==, "tok-agent");
  g_assert_cmpstr (
      json_object_get_string_member (json_object_get_object_member (req, "args"), "login"), ==,
      "bob");
}

static void
test_unauthenticated_hints_login (Fake *f, gconstpointer data)
{
  fake_error (f, "role.list", "unauthenticated", "the session expired");
  g_autofree char *err = NULL;
  g_assert_cmpint (run_cli (f, NULL, NULL, NULL, &err, "role", "list", NULL), ==, 5);
  assert_contains (err, "the session expired (sign in with “omnicc login”)");
  /* other errors keep exit status 1 */
  fake_error (f, "role.list", "not-found", "no such role");
  g_assert_cmpint (run_cli (f, NULL, NULL, NULL, NULL, "role", "list", NULL), ==, 1);
}

static void
test_refuses_unsafe_session_file (Fake *f, gconstpointer data)
{
  fake_ok (f, "status", "{}");
  write_session (f->session, "tok-leaked", 0640);
  g_autofree char *err = NULL;
  g_assert_cmpint (run_cli (f, NULL, NULL, NULL, &err, "status", NULL), ==, 1);
  assert_contains (err, "refusing session file");
  assert_contains (err, f->session);
  assert_contains (err, "0640");
  g_assert_cmpuint (f->requests->len, ==, 0);

  /* nor through a symbolic link */
  g_autofree char *real = g_build_filename (f->dir, "elsewhere", NULL);
  write_session (real, "tok-linked", 0600);
  g_assert_cmpint (g_unlink (f->session), ==, 0);
  g_assert_cmpint (symlink (real, f->session), ==, 0);
  g_autofree char *err2 = NULL;
  g_assert_cmpint (run_cli (f, NULL, NULL, NULL, &err2, "status", NULL), ==, 1);
  assert_contains (err2, "symbolic link");

  /* nor someone else's (root can hand the file to nobody) */
  if (geteuid () == 0)
    {
      g_assert_cmpint (g_unlink (f->session), ==, 0);
      write_session (f->session, "tok-theirs", 0600);
      g_assert_cmpint (chown (f->session, 65534, 65534), ==, 0);
      g_autofree char *err3 = NULL;
      g_assert_cmpint (run_cli (f, NULL, NULL, NULL, &err3, "status", NULL), ==, 1);
      assert_contains (err3, "belongs to uid 65534");
    }
  g_assert_cmpuint (f->requests->len, ==, 0);
}

static void
test_default_path_in_runtime_dir (Fake *f, gconstpointer data)
{
  fake_ok (f, "session.open", ALICE_SESSION);
  fake_ok (f, "status", "{}");
  g_autofree char *runtime = g_build_filename (f->dir, "run", NULL);
  g_assert_cmpint (g_mkdir (runtime, 0700), ==, 0);
  g_autofree char *setting = g_strconcat ("XDG_RUNTIME_DIR=", runtime, NULL);
  const char *env[] = { "OMNICC_SESSION_FILE", setting, NULL };
  g_assert_cmpint (run_cli (f, env, "s3cret\n", NULL, NULL, "login", "alice", NULL), ==, 0);

  g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, f->socket, -1);
  g_autofree char *name = g_strdup_printf ("session-%.16s", sum);
  g_autofree char *folder = g_build_filename (runtime, "omnicc", NULL);
  g_autofree char *path = g_build_filename (folder, name, NULL);
  g_assert_cmpuint (mode_of (folder), ==, 0700);
  g_assert_cmpuint (mode_of (path), ==, 0600);
  g_autofree char *saved = occ_test_read (path);
  g_assert_cmpstr (saved, ==, "tok-alice-1\n");
  g_assert_false (g_file_test (f->session, G_FILE_TEST_EXISTS));

  g_assert_cmpint (run_cli (f, env, NULL, NULL, NULL, "status", NULL), ==, 0);
  g_assert_cmpstr (request_token (last_request (f)), ==, "tok-alice-1");
  /* without XDG_RUNTIME_DIR the session is looked for elsewhere */
  const char *no_runtime[] = { "OMNICC_SESSION_FILE", NULL };
  g_assert_cmpint (run_cli (f, no_runtime, NULL, NULL, NULL, "status", NULL), ==, 0);
  g_assert_false (json_object_has_member (last_request (f), "token"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add (path, Fake, NULL, fake_setup, func, fake_teardown)
  ADD ("/cli/session/login/saves-token-0600-that-later-commands-send", test_login_saves_token);
  ADD ("/cli/session/login/reads-login-and-password-lines-from-stdin",
       test_login_reads_login_and_password_lines);
  ADD ("/cli/session/login/refuses-empty-password-and-argv-password",
       test_login_refuses_empty_password);
  ADD ("/cli/session/login/denied-exits-5-and-saves-nothing", test_login_denied);
  ADD ("/cli/session/token/environment-goes-before-the-file", test_env_token_goes_first);
  ADD ("/cli/session/logout/closes-the-session-and-removes-the-file",
       test_logout_closes_and_removes);
  ADD ("/cli/session/logout/forgets-a-session-the-daemon-does-not-know",
       test_logout_of_unknown_session);
  ADD ("/cli/session/answer/denied-exits-5", test_denied_exits_5);
  ADD ("/cli/session/answer/unauthenticated-exits-5-with-a-hint", test_unauthenticated_hints_login);
  ADD ("/cli/session/file/refuses-readable-linked-or-foreign-files",
       test_refuses_unsafe_session_file);
  ADD ("/cli/session/file/defaults-to-xdg-runtime-dir-by-socket", test_default_path_in_runtime_dir);
#undef ADD
  return g_test_run ();
}
