/* The control socket server. Everything is asynchronous GIO on the main
 * context: reads in chunks (so a client cannot make us buffer an endless
 * line), one write in flight per connection with a bounded backlog. */
#include "control.h"
#include "json-variant.h"
#include "plugin-private.h"
#include "registry.h"

#include <errno.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <grp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* g_ptr_array_sort() passes pointers to the elements */
static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* clang-format off */
G_DEFINE_QUARK (occ-control-error-quark, occ_control_error)
/* clang-format on */

typedef struct {
  char *name;
  char *summary;
  char *permission;
  OccControlFlags flags;
  OccPlugin *owner;
  OccControlFunc func;
  gpointer user_data;
  GDestroyNotify notify;
} Command;

typedef struct _Conn Conn;

struct _OccControl {
  OccContext *ctx;
  GHashTable *commands; /* name -> Command */
  GSocketService *service;
  char *path;
  GPtrArray *conns;
  gboolean warned_unguarded; /* said that no access service guards it */
};

struct _Conn {
  gint ref;
  OccControl *control;
  GSocketConnection *sock; /* NULL for a virtual connection */
  GCancellable *cancel;
  GString *inbuf;
  char readbuf[8192];
  GQueue outq; /* GBytes */
  gsize backlog;
  gboolean writing;
  gboolean closed;
  gboolean hangup; /* close once the output queue is empty */
  char *peer;
  GPtrArray *streams;
  void (*reply) (const char *line, gpointer data); /* virtual connection */
  gpointer reply_data;
};

struct _OccControlCall {
  Conn *conn;
  JsonNode *id;
  char *command;
  char *token;
  OccPrincipal *principal;
  gboolean answered;
};

struct _OccControlStream {
  Conn *conn;
  JsonNode *id;
  GDestroyNotify on_close;
  gpointer data;
};

static void conn_close (Conn *c);

/* --- commands --------------------------------------------------------------- */

static void
command_free (Command *cmd)
{
  if (cmd->notify)
    cmd->notify (cmd->user_data);
  g_free (cmd->name);
  g_free (cmd->summary);
  g_free (cmd->permission);
  g_free (cmd);
}

static gboolean
command_name_is_valid (const char *name)
{
  if (name == NULL || !g_ascii_islower (name[0]) || strlen (name) > 64)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!(g_ascii_islower (*p) || g_ascii_isdigit (*p) || *p == '.' || *p == '-'))
      return FALSE;
  return TRUE;
}

gboolean
occ_control_register (OccControl *control, OccPlugin *owner, const char *name, const char *summary,
                      const char *permission, OccControlFlags flags, OccControlFunc func,
                      gpointer user_data, GDestroyNotify notify, GError **error)
{
  if (!command_name_is_valid (name))
    {
      g_set_error (error, OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_BAD_REQUEST,
                   "“%s” is not a valid command name", name ? name : "(null)");
      return FALSE;
    }
  if (permission == NULL)
    permission = name;
  if (!(flags & OCC_CONTROL_PUBLIC) && !occ_permission_is_valid (permission, FALSE))
    {
      g_set_error (error, OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_BAD_REQUEST,
                   "command %s: “%s” is not a valid permission name", name, permission);
      return FALSE;
    }
  if (g_hash_table_contains (control->commands, name))
    {
      g_set_error (error, OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_EXISTS,
                   "control command %s is already registered", name);
      return FALSE;
    }
  Command *cmd = g_new0 (Command, 1);
  cmd->name = g_strdup (name);
  cmd->summary = g_strdup (summary ? summary : "");
  cmd->permission = (flags & OCC_CONTROL_PUBLIC) ? NULL : g_strdup (permission);
  cmd->flags = flags;
  cmd->owner = owner;
  cmd->func = func;
  cmd->user_data = user_data;
  cmd->notify = notify;
  g_hash_table_insert (control->commands, cmd->name, cmd);
  return TRUE;
}

gboolean
occ_control_add_command (OccPlugin *plugin, const char *name, const char *summary,
                         OccControlFunc func, gpointer user_data, GDestroyNotify notify,
                         GError **error)
{
  g_return_val_if_fail (plugin != NULL && func != NULL, FALSE);
  return occ_control_register (plugin->ctx->control, plugin, name, summary, NULL,
                               OCC_CONTROL_FLAGS_NONE, func, user_data, notify, error);
}

gboolean
occ_control_add_command_full (OccPlugin *plugin, const char *name, const char *summary,
                              const char *permission, OccControlFlags flags, OccControlFunc func,
                              gpointer user_data, GDestroyNotify notify, GError **error)
{
  g_return_val_if_fail (plugin != NULL && func != NULL, FALSE);
  return occ_control_register (plugin->ctx->control, plugin, name, summary, permission, flags, func,
                               user_data, notify, error);
}

void
occ_control_drop_owner (OccControl *control, OccPlugin *owner)
{
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, control->commands);
  while (g_hash_table_iter_next (&it, NULL, &value))
    if (((Command *) value)->owner == owner)
      g_hash_table_iter_remove (&it);
}

void
occ_control_foreach_command (OccControl *control, OccControlCommandFunc func, gpointer data)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init (&it, control->commands);
  while (g_hash_table_iter_next (&it, &key, NULL))
    g_ptr_array_add (names, key);
  g_ptr_array_sort (names, compare_strings);
  for (guint i = 0; i < names->len; i++)
    {
      Command *cmd = g_hash_table_lookup (control->commands, g_ptr_array_index (names, i));
      func (cmd->name, cmd->summary, cmd->owner ? occ_plugin_get_name (cmd->owner) : "core",
            cmd->permission ? cmd->permission : "", data);
    }
}

/* --- connections: output ------------------------------------------------------ */

static Conn *
conn_ref (Conn *c)
{
  c->ref++;
  return c;
}

static void
conn_unref (Conn *c)
{
  if (--c->ref > 0)
    return;
  g_queue_clear_full (&c->outq, (GDestroyNotify) g_bytes_unref);
  g_string_free (c->inbuf, TRUE);
  g_clear_object (&c->sock);
  g_clear_object (&c->cancel);
  g_ptr_array_unref (c->streams);
  g_free (c->peer);
  g_free (c);
}

static void write_next (Conn *c);

static void
write_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Conn *c = data;
  g_autoptr (GError) error = NULL;
  gsize written = 0;
  gboolean ok = g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), res, &written, &error);
  GBytes *b = g_queue_pop_head (&c->outq);
  c->backlog -= g_bytes_get_size (b);
  g_bytes_unref (b);
  c->writing = FALSE;
  if (!ok)
    conn_close (c);
  else if (!c->closed)
    write_next (c);
  conn_unref (c);
}

static void
write_next (Conn *c)
{
  if (c->writing || c->closed)
    return;
  if (g_queue_is_empty (&c->outq))
    {
      if (c->hangup)
        conn_close (c);
      return;
    }
  GBytes *b = g_queue_peek_head (&c->outq);
  gsize len;
  const void *data = g_bytes_get_data (b, &len);
  c->writing = TRUE;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (c->sock));
  g_output_stream_write_all_async (out, data, len, G_PRIORITY_DEFAULT, c->cancel, write_done,
                                   conn_ref (c));
}

/* Queues one line; FALSE when the client is gone or too far behind. */
static gboolean
conn_send (Conn *c, JsonNode *message)
{
  if (c->closed)
    return FALSE;
  g_autofree char *json = occ_json_to_string (message);
  if (c->reply)
    {
      c->reply (json, c->reply_data);
      return TRUE;
    }
  if (c->backlog > OCC_CONTROL_MAX_BACKLOG)
    {
      g_message ("control: %s reads too slowly; disconnecting it", c->peer);
      conn_close (c);
      return FALSE;
    }
  gsize len = strlen (json);
  char *line = g_malloc (len + 1);
  memcpy (line, json, len);
  line[len] = '\n';
  g_queue_push_tail (&c->outq, g_bytes_new_take (line, len + 1));
  c->backlog += len + 1;
  write_next (c);
  return TRUE;
}

static JsonNode *
message_new (JsonNode *id, JsonObject **out)
{
  JsonObject *o = json_object_new ();
  json_object_set_member (o, "id", id ? json_node_copy (id) : json_node_new (JSON_NODE_NULL));
  JsonNode *n = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (n, o);
  *out = o;
  return n;
}

static const char *
error_code (const GError *error)
{
  if (error->domain == OCC_CONTROL_ERROR)
    switch (error->code)
      {
      case OCC_CONTROL_ERROR_BAD_REQUEST:
        return "bad-request";
      case OCC_CONTROL_ERROR_UNKNOWN_COMMAND:
        return "unknown-command";
      case OCC_CONTROL_ERROR_NOT_FOUND:
        return "not-found";
      case OCC_CONTROL_ERROR_REFUSED:
        return "refused";
      case OCC_CONTROL_ERROR_EXISTS:
        return "exists";
      default:
        return "failed";
      }
  if (error->domain == OCC_ACCESS_ERROR)
    switch (error->code)
      {
      case OCC_ACCESS_ERROR_UNAUTHENTICATED:
        return "unauthenticated";
      case OCC_ACCESS_ERROR_DENIED:
        return "denied";
      case OCC_ACCESS_ERROR_LOCKED:
        return "locked";
      case OCC_ACCESS_ERROR_CONFLICT:
        return "conflict";
      case OCC_ACCESS_ERROR_INVALID:
        return "bad-request";
      case OCC_ACCESS_ERROR_NOT_FOUND:
        return "not-found";
      case OCC_ACCESS_ERROR_UNAVAILABLE:
        return "unavailable";
      default:
        return "failed";
      }
  return "failed";
}

static void
send_error (Conn *c, JsonNode *id, const GError *error)
{
  JsonObject *o;
  g_autoptr (JsonNode) msg = message_new (id, &o);
  json_object_set_boolean_member (o, "ok", FALSE);
  JsonObject *e = json_object_new ();
  json_object_set_string_member (e, "code", error_code (error));
  json_object_set_string_member (e, "message", error->message);
  json_object_set_object_member (o, "error", e);
  conn_send (c, msg);
}

/* --- calls ------------------------------------------------------------------- */

static void
call_free (OccControlCall *call)
{
  if (!call->answered)
    {
      g_autoptr (GError) e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_FAILED,
                                          "command %s ended without an answer", call->command);
      send_error (call->conn, call->id, e);
    }
  g_clear_pointer (&call->id, json_node_unref);
  g_clear_pointer (&call->principal, occ_principal_unref);
  if (call->token)
    memset (call->token, 0, strlen (call->token));
  g_free (call->token);
  g_free (call->command);
  conn_unref (call->conn);
  g_free (call);
}

void
occ_control_call_return (OccControlCall *call, GVariant *result)
{
  g_return_if_fail (call != NULL && !call->answered);
  call->answered = TRUE;
  JsonObject *o;
  g_autoptr (JsonNode) msg = message_new (call->id, &o);
  json_object_set_boolean_member (o, "ok", TRUE);
  if (result)
    {
      g_variant_ref_sink (result);
      json_object_set_member (o, "result", occ_json_from_variant_plain (result));
      g_variant_unref (result);
    }
  else
    json_object_set_null_member (o, "result");
  conn_send (call->conn, msg);
  call_free (call);
}

gboolean
occ_control_call_send_item (OccControlCall *call, GVariant *item)
{
  g_return_val_if_fail (call != NULL && !call->answered && item != NULL, FALSE);
  g_variant_ref_sink (item);
  JsonObject *o;
  g_autoptr (JsonNode) msg = message_new (call->id, &o);
  json_object_set_member (o, "item", occ_json_from_variant_plain (item));
  g_variant_unref (item);
  return conn_send (call->conn, msg) && call->conn->backlog < OCC_CONTROL_MAX_BACKLOG / 2;
}

void
occ_control_call_return_error (OccControlCall *call, const GError *error)
{
  g_return_if_fail (call != NULL && !call->answered && error != NULL);
  call->answered = TRUE;
  send_error (call->conn, call->id, error);
  call_free (call);
}

const char *
occ_control_call_get_peer (OccControlCall *call)
{
  g_return_val_if_fail (call != NULL, NULL);
  return call->conn->peer;
}

const OccPrincipal *
occ_control_call_get_principal (OccControlCall *call)
{
  g_return_val_if_fail (call != NULL, NULL);
  return call->principal;
}

const char *
occ_control_call_get_actor (OccControlCall *call)
{
  g_return_val_if_fail (call != NULL, NULL);
  return occ_principal_get_login (call->principal);
}

const char *
occ_control_call_get_token (OccControlCall *call)
{
  g_return_val_if_fail (call != NULL, NULL);
  return call->token;
}

static const OccAccessService *
access_service (OccControl *control)
{
  return occ_registry_lookup (control->ctx->registry, OCC_ACCESS_SERVICE, 1, NULL);
}

static void
deny (OccControl *control, const OccPrincipal *who, const char *action, const char *permission,
      const char *scope, const char *peer, GError **error)
{
  const char *const *roles = occ_principal_get_roles (who);
  g_autofree char *role_list = roles[0] ? g_strjoinv (", ", (char **) roles) : g_strdup ("none");
  g_set_error (error, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_DENIED,
               "%s needs the permission “%s”%s%s, which %s does not hold (roles: %s)", action,
               permission, scope ? " for " : "", scope ? scope : "", occ_principal_get_login (who),
               role_list);
  const OccAccessService *access = access_service (control);
  if (access)
    access->denied (access, who, action, permission, scope, peer);
}

gboolean
occ_control_call_check (OccControlCall *call, const char *permission, const char *scope,
                        GError **error)
{
  g_return_val_if_fail (call != NULL && permission != NULL, FALSE);
  if (occ_principal_can (call->principal, permission, scope))
    return TRUE;
  deny (call->conn->control, call->principal, call->command, permission, scope, call->conn->peer,
        error);
  return FALSE;
}

OccControlStream *
occ_control_call_begin_stream (OccControlCall *call, GDestroyNotify on_close, gpointer data)
{
  g_return_val_if_fail (call != NULL && !call->answered, NULL);
  OccControlStream *s = g_new0 (OccControlStream, 1);
  s->conn = conn_ref (call->conn);
  s->id = call->id ? json_node_ref (call->id) : NULL;
  s->on_close = on_close;
  s->data = data;
  g_ptr_array_add (call->conn->streams, s);
  /* the stream is the answer: acknowledge it, then items follow */
  occ_control_call_return (call, g_variant_new_string ("streaming"));
  return s;
}

gboolean
occ_control_stream_send (OccControlStream *s, const char *key, const char *json)
{
  if (s->conn->closed)
    return FALSE;
  g_autoptr (JsonNode) item = occ_json_parse (json, -1, NULL);
  g_return_val_if_fail (item != NULL, FALSE);
  JsonObject *o;
  g_autoptr (JsonNode) msg = message_new (s->id, &o);
  json_object_set_member (o, key, json_node_ref (item));
  return conn_send (s->conn, msg);
}

static void
stream_free (OccControlStream *s)
{
  if (s->on_close)
    s->on_close (s->data);
  g_clear_pointer (&s->id, json_node_unref);
  conn_unref (s->conn);
  g_free (s);
}

/* --- requests ----------------------------------------------------------------- */

static void bad_request (Conn *c, JsonNode *id, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static void
bad_request (Conn *c, JsonNode *id, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_autoptr (GError) e
      = g_error_new_literal (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_BAD_REQUEST, msg);
  send_error (c, id, e);
}

/* Who sends requests on @c with @token. */
static OccPrincipal *
resolve (Conn *c, const char *token, GError **error)
{
  OccControl *control = c->control;
  const OccAccessService *access = access_service (control);
  if (access)
    return access->resolve (access, token, c->peer, error);
  if (token)
    {
      g_set_error (error, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_UNAUTHENTICATED,
                   "sessions need the access plugin, which is not loaded");
      return NULL;
    }
  if (!control->warned_unguarded && c->sock)
    {
      control->warned_unguarded = TRUE;
      g_warning ("no access plugin is loaded: every client of the control socket may run "
                 "every command");
    }
  /* "local:uid=0" from "uid=0 pid=12" */
  const char *space = strchr (c->peer, ' ');
  g_autofree char *login = g_strdup_printf (
      "local:%.*s", space ? (int) (space - c->peer) : (int) strlen (c->peer), c->peer);
  OccPrincipal *who = occ_principal_new (login, OCC_PRINCIPAL_LOCAL);
  occ_principal_add_role (who, "system");
  occ_principal_allow (who, "*", NULL, NULL);
  occ_principal_seal (who);
  return who;
}

static void
handle_line (Conn *c, const char *line, gsize len)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (JsonNode) root = occ_json_parse (line, len, &e);
  if (root == NULL)
    return bad_request (c, NULL, "request is not JSON: %s", e->message);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return bad_request (c, NULL, "request is not a JSON object");
  JsonObject *o = json_node_get_object (root);
  JsonNode *id = json_object_get_member (o, "id");
  if (id && !JSON_NODE_HOLDS_VALUE (id) && !JSON_NODE_HOLDS_NULL (id))
    return bad_request (c, NULL, "request id must be a number or a string");
  JsonNode *cmd_n = json_object_get_member (o, "command");
  if (cmd_n == NULL || !JSON_NODE_HOLDS_VALUE (cmd_n)
      || json_node_get_value_type (cmd_n) != G_TYPE_STRING)
    return bad_request (c, id, "request has no “command” string");
  GList *members = json_object_get_members (o);
  for (GList *m = members; m; m = m->next)
    if (!g_strv_contains ((const char *const[]){ "id", "command", "args", "token", NULL }, m->data))
      {
        g_autofree char *k = g_strdup (m->data);
        g_list_free (members);
        return bad_request (c, id, "unknown request member “%s”", k);
      }
  g_list_free (members);
  JsonNode *token_n = json_object_get_member (o, "token");
  const char *token = NULL;
  if (token_n && !JSON_NODE_HOLDS_NULL (token_n))
    {
      if (!JSON_NODE_HOLDS_VALUE (token_n) || json_node_get_value_type (token_n) != G_TYPE_STRING)
        return bad_request (c, id, "“token” must be a string");
      token = json_node_get_string (token_n);
    }
  const char *name = json_node_get_string (cmd_n);
  Command *cmd = g_hash_table_lookup (c->control->commands, name);
  if (cmd == NULL)
    {
      g_autoptr (GError) u = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_UNKNOWN_COMMAND,
                                          "unknown command “%s” (try “commands”)", name);
      return send_error (c, id, u);
    }
  JsonNode *args_n = json_object_get_member (o, "args");
  g_autoptr (GVariant) args = NULL;
  if (args_n == NULL || JSON_NODE_HOLDS_NULL (args_n))
    args = g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
  else if (!JSON_NODE_HOLDS_OBJECT (args_n))
    return bad_request (c, id, "“args” must be a JSON object");
  else
    {
      GVariant *v = occ_json_object_to_vardict (json_node_get_object (args_n), &e);
      if (v == NULL)
        return bad_request (c, id, "args: %s", e->message);
      args = g_variant_ref_sink (v);
    }
  /* the enforcement point: who is asking, and may they */
  g_autoptr (OccPrincipal) who = resolve (c, token, &e);
  if (who == NULL)
    return send_error (c, id, e);
  if (!(cmd->flags & OCC_CONTROL_PUBLIC)
      && !((cmd->flags & OCC_CONTROL_SCOPED) ? occ_principal_can_somewhere (who, cmd->permission)
                                             : occ_principal_can (who, cmd->permission, NULL)))
    {
      deny (c->control, who, name, cmd->permission, NULL, c->peer, &e);
      return send_error (c, id, e);
    }
  OccControlCall *call = g_new0 (OccControlCall, 1);
  call->conn = conn_ref (c);
  call->id = id ? json_node_ref (id) : NULL;
  call->command = g_strdup (name);
  call->token = g_strdup (token);
  call->principal = g_steal_pointer (&who);
  cmd->func (call, args, cmd->user_data);
}

static void read_more (Conn *c);

static void
read_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Conn *c = data;
  g_autoptr (GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), res, &error);
  if (n <= 0 || c->closed)
    {
      conn_close (c);
      conn_unref (c);
      return;
    }
  g_string_append_len (c->inbuf, c->readbuf, n);
  char *nl;
  while (!c->closed && (nl = memchr (c->inbuf->str, '\n', c->inbuf->len)) != NULL)
    {
      gsize len = nl - c->inbuf->str;
      g_autofree char *line = g_strndup (c->inbuf->str, len);
      g_string_erase (c->inbuf, 0, len + 1);
      if (len > OCC_CONTROL_MAX_LINE)
        bad_request (c, NULL, "request longer than %d bytes", OCC_CONTROL_MAX_LINE);
      else if (len > 0 && !(len == 1 && line[0] == '\r'))
        handle_line (c, line, len);
    }
  if (c->inbuf->len > OCC_CONTROL_MAX_LINE)
    {
      /* answer, let the answer go out, then hang up: reading on would
       * mean buffering a line without end */
      bad_request (c, NULL, "request longer than %d bytes", OCC_CONTROL_MAX_LINE);
      g_string_truncate (c->inbuf, 0);
      c->hangup = TRUE;
      write_next (c);
    }
  else if (!c->closed)
    read_more (c);
  conn_unref (c);
}

static void
read_more (Conn *c)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (c->sock));
  g_input_stream_read_async (in, c->readbuf, sizeof c->readbuf, G_PRIORITY_DEFAULT, c->cancel,
                             read_done, conn_ref (c));
}

static void
conn_close (Conn *c)
{
  if (c->closed)
    return;
  c->closed = TRUE;
  g_cancellable_cancel (c->cancel);
  conn_ref (c);
  while (c->streams->len > 0)
    {
      OccControlStream *s = g_ptr_array_steal_index (c->streams, c->streams->len - 1);
      stream_free (s);
    }
  if (c->sock)
    g_io_stream_close (G_IO_STREAM (c->sock), NULL, NULL);
  if (g_ptr_array_remove (c->control->conns, c))
    conn_unref (c);
  conn_unref (c);
}

static char *
describe_peer (GSocketConnection *sock)
{
  GSocket *s = g_socket_connection_get_socket (sock);
  g_autoptr (GCredentials) cred = g_socket_get_credentials (s, NULL);
  if (cred == NULL)
    return g_strdup ("unknown peer");
  return g_strdup_printf ("uid=%u pid=%d", (guint) g_credentials_get_unix_user (cred, NULL),
                          (int) g_credentials_get_unix_pid (cred, NULL));
}

static gboolean
on_incoming (GSocketService *service, GSocketConnection *sock, GObject *source, gpointer data)
{
  (void) service;
  (void) source;
  OccControl *control = data;
  Conn *c = g_new0 (Conn, 1);
  c->ref = 1; /* held by control->conns */
  c->control = control;
  c->sock = g_object_ref (sock);
  c->cancel = g_cancellable_new ();
  c->inbuf = g_string_new (NULL);
  c->streams = g_ptr_array_new ();
  c->peer = describe_peer (sock);
  g_queue_init (&c->outq);
  g_ptr_array_add (control->conns, c);
  g_debug ("control: connection from %s", c->peer);
  read_more (c);
  return TRUE;
}

void
occ_control_dispatch (OccControl *control, const char *line,
                      void (*reply) (const char *line, gpointer data), gpointer data)
{
  Conn *c = g_new0 (Conn, 1);
  c->ref = 1;
  c->control = control;
  c->inbuf = g_string_new (NULL);
  c->streams = g_ptr_array_new ();
  c->peer = g_strdup ("in-process");
  c->reply = reply;
  c->reply_data = data;
  g_queue_init (&c->outq);
  handle_line (c, line, strlen (line));
  /* the "connection" ends with the request: streams stop, and answers
   * given later are dropped as they would be for a client that left */
  conn_close (c);
  conn_unref (c);
}

/* --- the socket ---------------------------------------------------------------- */

OccControl *
occ_control_new (OccContext *ctx)
{
  OccControl *control = g_new0 (OccControl, 1);
  control->ctx = ctx;
  control->commands
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) command_free);
  control->conns = g_ptr_array_new ();
  return control;
}

/* TRUE if a daemon answers on @path. */
static gboolean
socket_is_live (const char *path)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketAddress) addr = g_unix_socket_address_new (path);
  g_autoptr (GSocketConnection) conn
      = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (addr), NULL, NULL);
  return conn != NULL;
}

gboolean
occ_control_listen (OccControl *control, const char *path, const char *group, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0750) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "control socket folder %s: %s",
                   dir, g_strerror (errno));
      return FALSE;
    }
  struct stat st;
  if (lstat (path, &st) == 0)
    {
      if (!S_ISSOCK (st.st_mode))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                       "control socket %s: a file that is not a socket is in the way", path);
          return FALSE;
        }
      if (socket_is_live (path))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                       "another omniccd already answers on %s", path);
          return FALSE;
        }
      unlink (path); /* stale, from a daemon that died */
    }
  g_autoptr (GSocketAddress) addr = g_unix_socket_address_new (path);
  control->service = g_socket_service_new ();
  mode_t old = umask (0117); /* created 0660 */
  gboolean ok = g_socket_listener_add_address (G_SOCKET_LISTENER (control->service), addr,
                                               G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT,
                                               NULL, NULL, error);
  umask (old);
  if (!ok)
    {
      g_prefix_error (error, "control socket %s: ", path);
      g_clear_object (&control->service);
      return FALSE;
    }
  /* an empty group leaves the socket to the daemon's own group */
  struct group *gr = group && *group ? getgrnam (group) : NULL;
  if (group && *group && gr == NULL)
    g_warning ("control socket %s: group %s does not exist; only the daemon's own group may "
               "use the socket",
               path, group);
  if (gr && chown (path, (uid_t) -1, gr->gr_gid) != 0)
    g_warning ("control socket %s: cannot give it to group %s: %s", path, group,
               g_strerror (errno));
  control->path = g_strdup (path);
  g_signal_connect (control->service, "incoming", G_CALLBACK (on_incoming), control);
  g_socket_service_start (control->service);
  return TRUE;
}

void
occ_control_hang_up (OccControl *control)
{
  occ_control_stop_listening (control);
  /* iterate over a copy: closing removes from the list */
  g_autoptr (GPtrArray) conns = g_ptr_array_copy (control->conns, NULL, NULL);
  for (guint i = 0; i < conns->len; i++)
    {
      Conn *c = g_ptr_array_index (conns, i);
      c->hangup = TRUE;
      write_next (c);
    }
}

void
occ_control_stop_listening (OccControl *control)
{
  if (control->service)
    {
      g_socket_service_stop (control->service);
      g_socket_listener_close (G_SOCKET_LISTENER (control->service));
      g_clear_object (&control->service);
      unlink (control->path);
    }
}

void
occ_control_close (OccControl *control)
{
  if (control->service)
    {
      g_socket_service_stop (control->service);
      g_socket_listener_close (G_SOCKET_LISTENER (control->service));
      g_clear_object (&control->service);
      unlink (control->path);
    }
  while (control->conns->len > 0)
    conn_close (g_ptr_array_index (control->conns, control->conns->len - 1));
}

void
occ_control_free (OccControl *control)
{
  if (control == NULL)
    return;
  occ_control_close (control);
  g_ptr_array_unref (control->conns);
  g_hash_table_unref (control->commands);
  g_free (control->path);
  g_free (control);
}

guint
occ_control_count_connections (OccControl *control)
{
  return control->conns->len;
}
