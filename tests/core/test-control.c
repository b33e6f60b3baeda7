/* Tests of the control protocol, in process: request checking, answers,
 * core commands, streams. The socket itself is covered by the daemon
 * integration test. */
#include "bus-private.h"
#include "config.h"
#include "control.h"
#include "loader.h"
#include "testlib.h"

typedef struct {
  OccContext *ctx;
  GPtrArray *lines;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  (void) data;
  f->ctx = occ_context_new (NULL);
  f->lines = g_ptr_array_new_with_free_func (g_free);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  (void) data;
  occ_context_free (f->ctx);
  g_ptr_array_unref (f->lines);
}

static void
collect (const char *line, gpointer data)
{
  g_ptr_array_add (((Fixture *) data)->lines, g_strdup (line));
}

/* Sends @request and returns the first answer as an object. */
static JsonObject *
ask (Fixture *f, const char *request)
{
  g_ptr_array_set_size (f->lines, 0);
  occ_control_dispatch (f->ctx->control, request, collect, f);
  g_assert_cmpuint (f->lines->len, >=, 1);
  return occ_test_parse_object (g_ptr_array_index (f->lines, 0));
}

static void
assert_error (Fixture *f, const char *request, const char *code, const char *needle)
{
  g_autoptr (JsonObject) o = ask (f, request);
  g_assert_false (json_object_get_boolean_member (o, "ok"));
  JsonObject *e = json_object_get_object_member (o, "error");
  g_assert_cmpstr (json_object_get_string_member (e, "code"), ==, code);
  const char *msg = json_object_get_string_member (e, "message");
  if (strstr (msg, needle) == NULL)
    g_error ("“%s” → “%s” does not mention “%s”", request, msg, needle);
}

static void
test_malformed_requests (Fixture *f, gconstpointer data)
{
  (void) data;
  assert_error (f, "not json", "bad-request", "not JSON");
  assert_error (f, "[1]", "bad-request", "not a JSON object");
  assert_error (f, "{\"id\":1}", "bad-request", "no “command” string");
  assert_error (f, "{\"id\":1,\"command\":5}", "bad-request", "no “command” string");
  assert_error (f, "{\"id\":{},\"command\":\"status\"}", "bad-request", "id must be");
  assert_error (f, "{\"id\":1,\"command\":\"status\",\"extra\":1}", "bad-request",
                "unknown request member “extra”");
  assert_error (f, "{\"id\":1,\"command\":\"status\",\"args\":[1]}", "bad-request",
                "“args” must be a JSON object");
  assert_error (f, "{\"id\":1,\"command\":\"nope\"}", "unknown-command", "unknown command “nope”");
  assert_error (f, "{\"id\":1,\"command\":\"plugin.info\"}", "bad-request",
                "argument “name” is missing");
  assert_error (f, "{\"id\":1,\"command\":\"plugin.info\",\"args\":{\"name\":3}}", "bad-request",
                "argument “name” must be a string");
  assert_error (f, "{\"id\":1,\"command\":\"plugin.info\",\"args\":{\"name\":\"ghost\"}}",
                "not-found", "no plugin named ghost");
  assert_error (f, "{\"id\":1,\"command\":\"events.follow\",\"args\":{\"pattern\":\"Bad*\"}}",
                "bad-request", "subscription pattern");
  assert_error (f, "{\"id\":1,\"command\":\"\xff\"}", "bad-request", "not JSON");
  assert_error (f, "{\"id\":1,\"command\":\"status\",\"args\":{\"password\":\"a\\u0000b\"}}",
                "bad-request", "NUL");
  assert_error (f, "{\"id\":1,\"command\":\"events.follow\",\"args\":{\"pattern\":\"a\\207\"}}",
                "bad-request", "args: string is not valid UTF-8");
}

static void
test_answers_carry_id (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (JsonObject) o = ask (f, "{\"id\":\"abc\",\"command\":\"status\"}");
  g_assert_cmpstr (json_object_get_string_member (o, "id"), ==, "abc");
  g_assert_true (json_object_get_boolean_member (o, "ok"));
  JsonObject *r = json_object_get_object_member (o, "result");
  g_assert_cmpstr (json_object_get_string_member (r, "version"), ==, OCC_VERSION);
  g_assert_false (json_object_get_boolean_member (r, "stopping"));
}

static void
test_commands_listed (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (JsonObject) o = ask (f, "{\"id\":1,\"command\":\"commands\"}");
  JsonArray *a = json_object_get_array_member (o, "result");
  g_autoptr (GString) names = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (a); i++)
    g_string_append_printf (names, "%s ",
                            json_array_get_string_element (json_array_get_array_element (a, i), 0));
  g_assert_cmpstr (names->str, ==,
                   "commands config.reload daemon.stop events.follow events.types plugin.disable "
                   "plugin.enable plugin.info plugin.list plugin.load plugin.unload status ");
}

static void
test_event_types_listed (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (JsonObject) o = ask (f, "{\"id\":1,\"command\":\"events.types\"}");
  JsonArray *a = json_object_get_array_member (o, "result");
  gboolean found = FALSE;
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonArray *row = json_array_get_array_element (a, i);
      if (g_str_equal (json_array_get_string_element (row, 0), "interaction.new"))
        {
          found = TRUE;
          g_assert_cmpstr (json_array_get_string_element (row, 1), ==, "(ssssssa{sv})");
          g_assert_cmpstr (json_array_get_string_element (row, 3), ==, "core");
        }
    }
  g_assert_true (found);
}

static void
test_follow_streams_events (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (JsonObject) ack
      = ask (f, "{\"id\":7,\"command\":\"events.follow\",\"args\":{\"pattern\":\"agent.*\"}}");
  g_assert_true (json_object_get_boolean_member (ack, "ok"));
  occ_bus_publish (f->ctx->bus, NULL, OCC_EVENT_AGENT_STATE,
                   g_variant_new_parsed ("('1001', 'ready', '', @a{sv} {})"), NULL);
  occ_bus_publish (f->ctx->bus, NULL, OCC_EVENT_CORE_STARTED, g_variant_new ("(s)", "x"), NULL);
  occ_bus_flush (f->ctx->bus);
  /* the dispatch's virtual connection ended with the call, so the stream
   * is already closed: nothing more arrives and nothing leaks */
  g_assert_cmpuint (f->lines->len, ==, 1);
  OccBusStats st;
  occ_bus_get_stats (f->ctx->bus, &st);
  g_assert_cmpuint (st.subscriptions, ==, 0);
}

static void
test_config_reload_without_file (Fixture *f, gconstpointer data)
{
  (void) data;
  assert_error (f, "{\"id\":1,\"command\":\"config.reload\"}", "refused", "without a config file");
  assert_error (f, "{\"id\":1,\"command\":\"plugin.enable\",\"args\":{\"name\":\"ghost\"}}",
                "not-found", "no plugin named ghost");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/control/request/malformed-refused-with-reason", test_malformed_requests);
  ADD ("/control/answer/carries-request-id", test_answers_carry_id);
  ADD ("/control/commands/core-commands-listed", test_commands_listed);
  ADD ("/control/events/types-listed", test_event_types_listed);
  ADD ("/control/events/follow-ends-with-connection", test_follow_streams_events);
  ADD ("/control/config/reload-needs-a-file", test_config_reload_without_file);
  return g_test_run ();
}
