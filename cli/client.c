/* A blocking control-socket client. The CLI does one thing at a time, so
 * plain blocking GIO streams keep it short. */
#include "client.h"
#include "json-variant.h"
#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct _OccClient {
  OccClientItemFunc item_func;
  gpointer item_data;
  GSocketConnection *conn;
  GDataInputStream *in;
  GOutputStream *out;
  gint64 next_id;
  char *token;
};

G_DEFINE_QUARK (occ - client - error - quark, occ_client_error)

/* Request lines carry secrets (the token, session.open's password): wiped
 * before they are freed. */
static void
wipe_free (char *s)
{
  if (s == NULL)
    return;
  explicit_bzero (s, strlen (s));
  g_free (s);
}

char *
occ_client_default_run_dir (void)
{
  return g_build_filename (g_get_user_state_dir (), "omnicc", NULL);
}

char *
occ_client_default_socket (void)
{
  const char *env = g_getenv ("OMNICC_SOCKET");
  if (env && *env)
    return g_strdup (env);
  g_autofree char *system = g_build_filename (occ_paths_get ()->run_dir, "control.sock", NULL);
  if (g_file_test (system, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&system);
  g_autofree char *run_dir = occ_client_default_run_dir ();
  g_autofree char *demo = g_build_filename (run_dir, "control.sock", NULL);
  if (g_file_test (demo, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&demo);
  return g_steal_pointer (&system);
}

OccClient *
occ_client_connect (const char *path, GError **error)
{
  g_autoptr (GSocketClient) sc = g_socket_client_new ();
  g_autoptr (GSocketAddress) addr = g_unix_socket_address_new (path);
  g_autoptr (GError) e = NULL;
  GSocketConnection *conn = g_socket_client_connect (sc, G_SOCKET_CONNECTABLE (addr), NULL, &e);
  if (conn == NULL)
    {
      g_set_error (error, G_IO_ERROR, e->code,
                   "cannot reach omniccd on %s: %s (is it running? see --socket)", path,
                   e->message);
      return NULL;
    }
  OccClient *c = g_new0 (OccClient, 1);
  c->conn = conn;
  c->in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (conn)));
  g_data_input_stream_set_newline_type (c->in, G_DATA_STREAM_NEWLINE_TYPE_LF);
  c->out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  return c;
}

void
occ_client_free (OccClient *c)
{
  if (c == NULL)
    return;
  g_clear_object (&c->in);
  g_clear_object (&c->conn);
  wipe_free (c->token);
  g_free (c);
}

void
occ_client_set_token (OccClient *c, const char *token)
{
  g_return_if_fail (c != NULL);
  wipe_free (c->token);
  c->token = g_strdup (token);
}

static OccClientError
error_from_code (const char *code)
{
  if (g_strcmp0 (code, "denied") == 0)
    return OCC_CLIENT_ERROR_DENIED;
  if (g_strcmp0 (code, "unauthenticated") == 0)
    return OCC_CLIENT_ERROR_UNAUTHENTICATED;
  if (g_strcmp0 (code, "locked") == 0)
    return OCC_CLIENT_ERROR_LOCKED;
  return OCC_CLIENT_ERROR_FAILED;
}

/* The request line for @command, newline included (transfer full; wipe it). */
static char *
request_line (OccClient *c, gint64 id, const char *command, JsonObject *args)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_int_value (b, id);
  json_builder_set_member_name (b, "command");
  json_builder_add_string_value (b, command);
  if (c->token)
    {
      json_builder_set_member_name (b, "token");
      json_builder_add_string_value (b, c->token);
    }
  if (args)
    {
      json_builder_set_member_name (b, "args");
      JsonNode *a = json_node_new (JSON_NODE_OBJECT);
      json_node_set_object (a, args);
      json_builder_add_value (b, a);
    }
  json_builder_end_object (b);
  g_autoptr (JsonNode) req = json_builder_get_root (b);
  char *text = occ_json_to_string (req);
  char *line = g_strconcat (text, "\n", NULL);
  wipe_free (text);
  return line;
}

static JsonObject *
read_message (OccClient *c, JsonNode **root_out, GError **error)
{
  gsize len = 0;
  g_autofree char *line = g_data_input_stream_read_line (c->in, &len, NULL, error);
  if (line == NULL)
    return NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, line, len, error))
    return NULL;
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "the daemon sent something that is not a JSON object");
      return NULL;
    }
  *root_out = json_node_ref (root);
  return json_node_get_object (root);
}

JsonNode *
occ_client_call (OccClient *c, const char *command, JsonObject *args, int *code, GError **error)
{
  *code = OCC_EXIT_PROTOCOL;
  gint64 id = ++c->next_id;
  char *line = request_line (c, id, command, args);
  gboolean sent = g_output_stream_write_all (c->out, line, strlen (line), NULL, NULL, error);
  wipe_free (line);
  if (!sent)
    {
      *code = OCC_EXIT_UNREACHABLE;
      return NULL;
    }
  for (;;)
    {
      g_autoptr (JsonNode) root = NULL;
      g_autoptr (GError) e = NULL;
      JsonObject *o = read_message (c, &root, &e);
      if (o == NULL)
        {
          if (e == NULL)
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                         "the daemon closed the connection without answering");
          else
            g_propagate_error (error, g_steal_pointer (&e));
          return NULL;
        }
      JsonNode *item = json_object_get_member (o, "item");
      if (item)
        {
          if (c->item_func)
            c->item_func (item, c->item_data);
          continue;
        }
      JsonNode *rid = json_object_get_member (o, "id");
      gboolean ours = rid && JSON_NODE_HOLDS_VALUE (rid) && json_node_get_int (rid) == id;
      /* an error with a null id is the daemon refusing our line outright */
      if (!ours && !json_object_has_member (o, "error"))
        continue;
      if (json_object_get_boolean_member_with_default (o, "ok", FALSE))
        {
          *code = OCC_EXIT_OK;
          JsonNode *r = json_object_get_member (o, "result");
          return r ? json_node_copy (r) : json_node_new (JSON_NODE_NULL);
        }
      JsonNode *err_n = json_object_get_member (o, "error");
      if (err_n == NULL || !JSON_NODE_HOLDS_OBJECT (err_n))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "malformed answer");
          return NULL;
        }
      JsonObject *err = json_node_get_object (err_n);
      OccClientError kind
          = error_from_code (json_object_get_string_member_with_default (err, "code", NULL));
      *code = kind == OCC_CLIENT_ERROR_FAILED ? OCC_EXIT_FAILED : OCC_EXIT_DENIED;
      g_set_error_literal (error, OCC_CLIENT_ERROR, kind,
                           json_object_get_string_member_with_default (err, "message", "error"));
      return NULL;
    }
}

JsonNode *
occ_client_next_item (OccClient *c, GError **error)
{
  for (;;)
    {
      g_autoptr (JsonNode) root = NULL;
      JsonObject *o = read_message (c, &root, error);
      if (o == NULL)
        return NULL;
      JsonNode *item = json_object_get_member (o, "event");
      if (item)
        return json_node_copy (item);
    }
}

void
occ_client_set_item_func (OccClient *c, OccClientItemFunc func, gpointer user_data)
{
  c->item_func = func;
  c->item_data = user_data;
}

/* --- the session -------------------------------------------------------------- */

/* Longest session file accepted: a token is far shorter. */
#define SESSION_FILE_MAX 4096

char *
occ_client_session_file (const char *socket)
{
  const char *env = g_getenv ("OMNICC_SESSION_FILE");
  if (env && *env)
    return g_strdup (env);
  /* the same daemon reached as ./control.sock or by its full path */
  g_autofree char *abs = g_canonicalize_filename (socket, NULL);
  g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, abs, -1);
  g_autofree char *name = g_strdup_printf ("session-%.16s", sum);
  /* $XDG_RUNTIME_DIR, else the cache folder: GLib's fallback is ours */
  return g_build_filename (g_get_user_runtime_dir (), "omnicc", name, NULL);
}

/* Refuses a session file others could read, or could have put there. */
static gboolean
check_owner_and_mode (const char *path, const struct stat *st, GError **error)
{
  if (!S_ISREG (st->st_mode))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM,
                   "refusing session file %s: it is not a regular file", path);
      return FALSE;
    }
  if (st->st_uid != geteuid ())
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM,
                   "refusing session file %s: it belongs to uid %u, not to you (uid %u); "
                   "remove it and sign in again with “omnicc login”",
                   path, (guint) st->st_uid, (guint) geteuid ());
      return FALSE;
    }
  if ((st->st_mode & 077) != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM,
                   "refusing session file %s: its mode %04o lets group or others at it; "
                   "remove it and sign in again with “omnicc login” (its token may be known)",
                   path, (guint) (st->st_mode & 07777));
      return FALSE;
    }
  return TRUE;
}

/* Reads the token from @fd: the whole file but the blanks around it, which
 * must be printable ASCII. */
static char *
read_token (int fd, const char *path, GError **error)
{
  char buf[SESSION_FILE_MAX + 1];
  gsize len = 0;
  while (len < sizeof buf - 1)
    {
      ssize_t n = read (fd, buf + len, sizeof buf - 1 - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       "cannot read session file %s: %s", path, g_strerror (saved));
          explicit_bzero (buf, sizeof buf);
          return NULL;
        }
      if (n == 0)
        break;
      len += n;
    }
  buf[len] = '\0';
  char *token = g_strstrip (buf);
  gboolean ok = *token != '\0' && len < sizeof buf - 1;
  for (const char *p = token; ok && *p; p++)
    ok = g_ascii_isgraph (*p);
  char *copy = ok ? g_strdup (token) : NULL;
  explicit_bzero (buf, sizeof buf);
  if (copy == NULL)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                 "session file %s holds no token; remove it and sign in with “omnicc login”", path);
  return copy;
}

char *
occ_client_read_session_file (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  /* no symbolic links: whoever can write the folder could point it anywhere */
  int fd = g_open (path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved = errno;
      if (saved == ENOENT)
        return NULL;
      if (saved == ELOOP)
        g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM,
                     "refusing session file %s: it is a symbolic link", path);
      else
        g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                     "cannot open session file %s: %s", path, g_strerror (saved));
      return NULL;
    }
  struct stat st;
  char *token = NULL;
  if (fstat (fd, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "cannot stat session file %s: %s", path, g_strerror (saved));
    }
  else if (check_owner_and_mode (path, &st, error))
    token = read_token (fd, path, error);
  close (fd);
  return token;
}

gboolean
occ_client_write_session_file (const char *path, const char *token, GError **error)
{
  g_return_val_if_fail (path != NULL && token != NULL, FALSE);
  g_autofree char *dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "cannot create the folder %s for the session file: %s", dir, g_strerror (saved));
      return FALSE;
    }
  /* GLib creates the temporary file with mode 0600 (open's O_EXCL, before
   * a byte is written) and renames it over @path, so that the token is
   * never readable by others nor half written. */
  char *text = g_strconcat (token, "\n", NULL);
  g_autoptr (GError) e = NULL;
  gboolean ok = g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &e);
  explicit_bzero (text, strlen (text));
  g_free (text);
  if (!ok)
    g_set_error (error, e->domain, e->code, "cannot write session file: %s", e->message);
  return ok;
}

gboolean
occ_client_remove_session_file (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  if (g_unlink (path) == 0 || errno == ENOENT)
    return TRUE;
  int saved = errno;
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
               "cannot remove session file %s: %s", path, g_strerror (saved));
  return FALSE;
}

char *
occ_client_find_token (const char *socket, OccTokenSource *source, GError **error)
{
  g_return_val_if_fail (socket != NULL, NULL);
  OccTokenSource dummy;
  source = source ? source : &dummy;
  *source = OCC_TOKEN_NONE;
  const char *env = g_getenv ("OMNICC_TOKEN");
  if (env && *env)
    {
      *source = OCC_TOKEN_ENV;
      return g_strdup (env);
    }
  g_autofree char *path = occ_client_session_file (socket);
  char *token = occ_client_read_session_file (path, error);
  if (token)
    *source = OCC_TOKEN_FILE;
  return token;
}

OccClient *
occ_client_connect_session (const char *socket, OccTokenSource *source, int *code, GError **error)
{
  g_return_val_if_fail (socket != NULL && code != NULL, NULL);
  g_autoptr (GError) e = NULL;
  char *token = occ_client_find_token (socket, source, &e);
  if (e)
    {
      *code = OCC_EXIT_FAILED;
      g_propagate_error (error, g_steal_pointer (&e));
      return NULL;
    }
  OccClient *c = occ_client_connect (socket, error);
  if (c == NULL)
    *code = OCC_EXIT_UNREACHABLE;
  else
    occ_client_set_token (c, token);
  if (token)
    explicit_bzero (token, strlen (token));
  g_free (token);
  return c;
}
