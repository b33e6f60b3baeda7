/* omnicc: the administrator's command for a running omniccd. */
#include "client.h"
#include "json-variant.h"
#include "run.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

static const char usage_text[]
    = "Usage: omnicc [--socket PATH] [--json] COMMAND [ARGS…]\n"
      "\n"
      "Commands:\n"
      "  run [--state-dir DIR]         run omniccd in the foreground with the demo site\n"
      "  status                        the daemon's state\n"
      "  plugin list                   every plugin found, with its state\n"
      "  plugin info NAME              one plugin in detail\n"
      "  plugin load|unload NAME       load or unload a plugin now\n"
      "  plugin enable|disable NAME    load/unload it and save that in the site config\n"
      "  events --follow [PATTERN]     print bus events as JSON lines (PATTERN: type, prefix.*, "
      "*)\n"
      "  events types                  the registered event types\n"
      "  config reload                 re-read the configuration (like SIGHUP)\n"
      "  stop                          drain and stop the daemon\n"
      "  commands                      every command the daemon answers\n"
      "  call COMMAND [KEY=VALUE…]     send any command, e.g. one a plugin added\n"
      "  WORD VERB [KEY=VALUE…]        the same as call WORD.VERB (omnicc audit verify)\n"
      "\n"
      "Exit status: 0 done, 1 the daemon refused or failed, 2 usage error,\n"
      "3 no daemon reachable, 4 unexpected answer.\n";

static gboolean opt_json = FALSE;

static int usage_error (const char *fmt, ...) G_GNUC_PRINTF (1, 2);

static int
usage_error (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_printerr ("omnicc: %s\n\n%s", msg, usage_text);
  return OCC_EXIT_USAGE;
}

static void
print_json (JsonNode *node)
{
  g_autofree char *text = occ_json_to_string (node);
  g_print ("%s\n", text);
}

static const char *
str (JsonObject *o, const char *key)
{
  JsonNode *n = json_object_get_member (o, key);
  if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
    return json_node_get_string (n);
  return "";
}

/* A value as text, for key: value listings. */
static char *
value_text (JsonNode *n)
{
  if (JSON_NODE_HOLDS_VALUE (n))
    {
      GType t = json_node_get_value_type (n);
      if (t == G_TYPE_STRING)
        return g_strdup (json_node_get_string (n));
      if (t == G_TYPE_BOOLEAN)
        return g_strdup (json_node_get_boolean (n) ? "yes" : "no");
      if (t == G_TYPE_DOUBLE)
        return g_strdup_printf ("%.1f", json_node_get_double (n));
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (n));
    }
  if (JSON_NODE_HOLDS_ARRAY (n))
    {
      JsonArray *a = json_node_get_array (n);
      g_autoptr (GString) s = g_string_new (NULL);
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          g_autofree char *v = value_text (json_array_get_element (a, i));
          g_string_append_printf (s, "%s%s", i ? ", " : "", v);
        }
      return g_string_free (g_steal_pointer (&s), FALSE);
    }
  return occ_json_to_string (n);
}

static void
print_object (JsonObject *o)
{
  g_autoptr (GList) members = json_object_get_members (o);
  for (GList *m = members; m; m = m->next)
    {
      g_autofree char *v = value_text (json_object_get_member (o, m->data));
      g_print ("%-20s %s\n", (const char *) m->data, v);
    }
}

static void
print_plugin_list (JsonArray *a)
{
  g_print ("%-20s %-10s %-8s %-8s %s\n", "NAME", "STATE", "ENABLED", "VERSION", "SUMMARY / REASON");
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *p = json_array_get_object_element (a, i);
      const char *reason = str (p, "reason");
      g_print ("%-20s %-10s %-8s %-8s %s\n", str (p, "name"), str (p, "state"),
               json_object_get_boolean_member_with_default (p, "enabled", FALSE) ? "yes" : "no",
               str (p, "version"), *reason ? reason : str (p, "summary"));
    }
}

/* Prints rows of arrays (events types, commands) as aligned columns. */
static void
print_rows (JsonArray *a)
{
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonArray *row = json_array_get_array_element (a, i);
      for (guint j = 0; j < json_array_get_length (row); j++)
        {
          g_autofree char *v = value_text (json_array_get_element (row, j));
          g_print (j + 1 < json_array_get_length (row) ? "%-26s " : "%s\n", v);
        }
    }
}

static void
print_result (const char *command, JsonNode *r)
{
  if (opt_json)
    return print_json (r);
  if (strcmp (command, "plugin.list") == 0 && JSON_NODE_HOLDS_ARRAY (r))
    print_plugin_list (json_node_get_array (r));
  else if (JSON_NODE_HOLDS_OBJECT (r))
    print_object (json_node_get_object (r));
  else if (JSON_NODE_HOLDS_ARRAY (r) && json_array_get_length (json_node_get_array (r)) > 0
           && JSON_NODE_HOLDS_ARRAY (json_array_get_element (json_node_get_array (r), 0)))
    print_rows (json_node_get_array (r));
  else if (JSON_NODE_HOLDS_VALUE (r))
    {
      g_autofree char *v = value_text (r);
      g_print ("%s\n", v);
    }
  else if (!JSON_NODE_HOLDS_NULL (r))
    print_json (r);
}

/* Items of a long answer: one JSON line each, as they arrive. */
static void
print_item (JsonNode *item, gpointer data)
{
  (void) data;
  g_autofree char *line = occ_json_to_string (item);
  g_print ("%s\n", line);
  fflush (stdout);
}

static int
call (const char *socket, const char *command, JsonObject *args)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (OccClient) c = occ_client_connect (socket, &e);
  if (c == NULL)
    {
      g_printerr ("omnicc: %s\n", e->message);
      return OCC_EXIT_UNREACHABLE;
    }
  occ_client_set_item_func (c, print_item, NULL);
  int code;
  g_autoptr (JsonNode) r = occ_client_call (c, command, args, &code, &e);
  if (r == NULL)
    {
      g_printerr ("omnicc: %s: %s\n", command, e->message);
      return code;
    }
  print_result (command, r);
  return OCC_EXIT_OK;
}

static int
follow (const char *socket, const char *pattern)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (OccClient) c = occ_client_connect (socket, &e);
  if (c == NULL)
    {
      g_printerr ("omnicc: %s\n", e->message);
      return OCC_EXIT_UNREACHABLE;
    }
  g_autoptr (JsonObject) args = json_object_new ();
  json_object_set_string_member (args, "pattern", pattern);
  int code;
  g_autoptr (JsonNode) ack = occ_client_call (c, "events.follow", args, &code, &e);
  if (ack == NULL)
    {
      g_printerr ("omnicc: events: %s\n", e->message);
      return code;
    }
  JsonNode *ev;
  while ((ev = occ_client_next_item (c, &e)) != NULL)
    {
      g_autofree char *line = occ_json_to_string (ev);
      g_print ("%s\n", line);
      fflush (stdout);
      json_node_unref (ev);
    }
  if (e)
    {
      g_printerr ("omnicc: events: %s\n", e->message);
      return OCC_EXIT_PROTOCOL;
    }
  return OCC_EXIT_OK; /* the daemon stopped */
}

/* KEY=VALUE arguments; values that parse as JSON (numbers, true, [..])
 * are sent as such, anything else as a string. */
static JsonObject *
parse_kv (char **argv, int argc, GError **error)
{
  JsonObject *o = json_object_new ();
  for (int i = 0; i < argc; i++)
    {
      const char *eq = strchr (argv[i], '=');
      if (eq == NULL || eq == argv[i])
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "“%s” is not KEY=VALUE",
                       argv[i]);
          json_object_unref (o);
          return NULL;
        }
      g_autofree char *key = g_strndup (argv[i], eq - argv[i]);
      g_autoptr (JsonParser) p = json_parser_new ();
      if (json_parser_load_from_data (p, eq + 1, -1, NULL) && json_parser_get_root (p))
        json_object_set_member (o, key, json_node_copy (json_parser_get_root (p)));
      else
        json_object_set_string_member (o, key, eq + 1);
    }
  return o;
}

static JsonObject *
name_arg (const char *name)
{
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "name", name);
  return o;
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  g_autofree char *socket = NULL;
  gboolean help = FALSE;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++)
    {
      if (strcmp (argv[i], "--json") == 0)
        opt_json = TRUE;
      else if (strcmp (argv[i], "--socket") == 0 && i + 1 < argc)
        socket = g_strdup (argv[++i]);
      else if (g_str_has_prefix (argv[i], "--socket="))
        socket = g_strdup (argv[i] + 9);
      else if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0)
        help = TRUE;
      else
        return usage_error ("unknown option %s", argv[i]);
    }
  if (help || i >= argc || strcmp (argv[i], "help") == 0)
    {
      g_print ("%s", usage_text);
      return help || i < argc ? OCC_EXIT_OK : OCC_EXIT_USAGE;
    }
  if (socket == NULL)
    socket = occ_client_default_socket ();

  const char *cmd = argv[i];
  char **rest = argv + i + 1;
  int nrest = argc - i - 1;

  if (strcmp (cmd, "run") == 0)
    return occ_cli_run (nrest, rest);
  if (strcmp (cmd, "status") == 0 && nrest == 0)
    return call (socket, "status", NULL);
  if (strcmp (cmd, "commands") == 0 && nrest == 0)
    return call (socket, "commands", NULL);
  if (strcmp (cmd, "stop") == 0 && nrest == 0)
    return call (socket, "daemon.stop", NULL);
  if (strcmp (cmd, "config") == 0 && nrest == 1 && strcmp (rest[0], "reload") == 0)
    return call (socket, "config.reload", NULL);
  if (strcmp (cmd, "plugin") == 0 && nrest >= 1)
    {
      static const char *with_name[] = { "info", "load", "unload", "enable", "disable", NULL };
      if (strcmp (rest[0], "list") == 0 && nrest == 1)
        return call (socket, "plugin.list", NULL);
      if (g_strv_contains (with_name, rest[0]))
        {
          if (nrest != 2)
            return usage_error ("plugin %s takes one plugin name", rest[0]);
          g_autofree char *command = g_strconcat ("plugin.", rest[0], NULL);
          g_autoptr (JsonObject) args = name_arg (rest[1]);
          return call (socket, command, args);
        }
      return usage_error ("unknown plugin command “%s”", rest[0]);
    }
  if (strcmp (cmd, "events") == 0)
    {
      if (nrest == 1 && strcmp (rest[0], "types") == 0)
        return call (socket, "events.types", NULL);
      if (nrest >= 1 && strcmp (rest[0], "--follow") == 0 && nrest <= 2)
        return follow (socket, nrest == 2 ? rest[1] : "*");
      return usage_error ("events takes “--follow [PATTERN]” or “types”");
    }
  if (strcmp (cmd, "call") == 0 && nrest >= 1)
    {
      g_autoptr (GError) e = NULL;
      g_autoptr (JsonObject) args = parse_kv (rest + 1, nrest - 1, &e);
      if (args == NULL)
        return usage_error ("%s", e->message);
      return call (socket, rest[0], args);
    }
  /* any other "WORD VERB [KEY=VALUE…]" is the plugin command WORD.VERB,
   * e.g. "omnicc audit verify", "omnicc records get entity=customer id=…" */
  if (nrest >= 1 && strchr (rest[0], '=') == NULL)
    {
      g_autoptr (GError) e = NULL;
      g_autoptr (JsonObject) args = parse_kv (rest + 1, nrest - 1, &e);
      if (args == NULL)
        return usage_error ("%s", e->message);
      g_autofree char *command = g_strconcat (cmd, ".", rest[0], NULL);
      return call (socket, command, args);
    }
  return usage_error ("unknown command “%s”", cmd);
}
