/* A blocking control-socket client. The CLI does one thing at a time, so
 * plain blocking GIO streams keep it short. */
#include "client.h"
#include "json-variant.h"
#include "paths.h"

#include <gio/gunixsocketaddress.h>
#include <string.h>

struct _OccClient {
  OccClientItemFunc item_func;
  gpointer item_data;
  GSocketConnection *conn;
  GDataInputStream *in;
  GOutputStream *out;
  gint64 next_id;
};

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
  g_free (c);
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
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_int_value (b, id);
  json_builder_set_member_name (b, "command");
  json_builder_add_string_value (b, command);
  if (args)
    {
      json_builder_set_member_name (b, "args");
      JsonNode *a = json_node_new (JSON_NODE_OBJECT);
      json_node_set_object (a, args);
      json_builder_add_value (b, a);
    }
  json_builder_end_object (b);
  g_autoptr (JsonNode) req = json_builder_get_root (b);
  g_autofree char *text = occ_json_to_string (req);
  g_autofree char *line = g_strconcat (text, "\n", NULL);
  if (!g_output_stream_write_all (c->out, line, strlen (line), NULL, NULL, error))
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
      JsonObject *err = json_object_get_object_member (o, "error");
      const char *msg = err ? json_object_get_string_member_with_default (err, "message", "error")
                            : "malformed answer";
      *code = err ? OCC_EXIT_FAILED : OCC_EXIT_PROTOCOL;
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, msg);
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
