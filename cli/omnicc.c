/* omnicc: the administrator's command for a running omniccd. */
#include "client.h"
#include "json-variant.h"
#include "run.h"

#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static const char usage_text[]
    = "Usage: omnicc [--socket PATH] [--json] COMMAND [ARGS…]\n"
      "\n"
      "Commands:\n"
      "  run [--state-dir DIR]         run omniccd in the foreground with the demo site\n"
      "  login [LOGIN]                 sign in (asks for the password) and keep the session\n"
      "  logout [--everywhere]         close this session (or all of yours) and forget it\n"
      "  whoami                        who the daemon takes you for: roles, permissions\n"
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
      "  WORD VERB [KEY=VALUE…]        the same as call WORD.VERB (omnicc audit verify);\n"
      "                                --KEY VALUE is KEY=VALUE (omnicc backup restore --at\n"
      "                                2027-01-31 --to /srv/restore)\n"
      "\n"
      "Examples:\n"
      "  omnicc login alice\n"
      "  omnicc user add login=alice\n"
      "  omnicc user grant login=alice role=agent\n"
      "  omnicc role list\n"
      "\n"
      "Commands send the session's token: $OMNICC_TOKEN, else the one “omnicc login”\n"
      "saved ($OMNICC_SESSION_FILE, else a file per daemon in $XDG_RUNTIME_DIR/omnicc).\n"
      "\n"
      "Exit status: 0 done, 1 the daemon refused or failed, 2 usage error,\n"
      "3 no daemon reachable, 4 unexpected answer, 5 not signed in or not allowed.\n";

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

static char *tuple_text (JsonNode *n);

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
          JsonNode *e = json_array_get_element (a, i);
          g_autofree char *v = JSON_NODE_HOLDS_ARRAY (e) ? tuple_text (e) : value_text (e);
          g_string_append_printf (s, "%s%s", i ? ", " : "", v);
        }
      return g_string_free (g_steal_pointer (&s), FALSE);
    }
  return occ_json_to_string (n);
}

/* A list inside a list is a tuple, such as a permission and its scope
 * (["queue.read", "queue:sales"]): its non-empty parts, space-separated. */
static char *
tuple_text (JsonNode *n)
{
  JsonArray *a = json_node_get_array (n);
  g_autoptr (GString) s = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      g_autofree char *v = value_text (json_array_get_element (a, i));
      if (*v)
        g_string_append_printf (s, "%s%s", s->len ? " " : "", v);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
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

/* Prints why @what failed; a missing or dead session gets a hint. */
static int
report (const char *what, const GError *e, int code, OccTokenSource source)
{
  if (!g_error_matches (e, OCC_CLIENT_ERROR, OCC_CLIENT_ERROR_UNAUTHENTICATED))
    {
      g_printerr ("omnicc: %s: %s\n", what, e->message);
      return code;
    }
  g_printerr ("omnicc: %s: %s (sign in with “omnicc login”)\n", what, e->message);
  if (source == OCC_TOKEN_ENV)
    g_printerr ("omnicc: the token came from OMNICC_TOKEN, which goes before the session of "
                "“omnicc login”\n");
  return code;
}

static int
call (const char *socket, const char *command, JsonObject *args)
{
  g_autoptr (GError) e = NULL;
  OccTokenSource source;
  int code;
  g_autoptr (OccClient) c = occ_client_connect_session (socket, &source, &code, &e);
  if (c == NULL)
    {
      g_printerr ("omnicc: %s\n", e->message);
      return code;
    }
  occ_client_set_item_func (c, print_item, NULL);
  g_autoptr (JsonNode) r = occ_client_call (c, command, args, &code, &e);
  if (r == NULL)
    return report (command, e, code, source);
  print_result (command, r);
  return OCC_EXIT_OK;
}

static int
follow (const char *socket, const char *pattern)
{
  g_autoptr (GError) e = NULL;
  OccTokenSource source;
  int code;
  g_autoptr (OccClient) c = occ_client_connect_session (socket, &source, &code, &e);
  if (c == NULL)
    {
      g_printerr ("omnicc: %s\n", e->message);
      return code;
    }
  g_autoptr (JsonObject) args = json_object_new ();
  json_object_set_string_member (args, "pattern", pattern);
  g_autoptr (JsonNode) ack = occ_client_call (c, "events.follow", args, &code, &e);
  if (ack == NULL)
    return report ("events", e, code, source);
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

/* --- prompts ----------------------------------------------------------------- */

/* The terminal settings to restore when a signal ends the program while
 * echo is off. A signal handler can reach nothing else, hence the one
 * static; it is set before the handlers are installed. */
static struct termios saved_termios;

static const int restore_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define N_RESTORE_SIGNALS G_N_ELEMENTS (restore_signals)

/* Restores the terminal and dies of the same signal: SA_RESETHAND put
 * back the default action, which runs once the handler returns. Only
 * async-signal-safe calls here. */
static void
restore_and_die (int sig)
{
  tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved_termios);
  if (write (STDERR_FILENO, "\n", 1) < 0)
    {
      /* nothing more to do on the way out */
    }
  raise (sig);
}

/* Reads bytes up to a newline or end of input; one byte at a time, so
 * that nothing after the line is consumed (a script may send a login and
 * then a password) and no copy of a secret stays in a stdio buffer. */
static gboolean
read_raw_line (char *buf, gsize size, GError **error)
{
  gsize len = 0;
  gboolean got = FALSE;
  for (;;)
    {
      char ch;
      ssize_t n = read (STDIN_FILENO, &ch, 1);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "cannot read standard input: %s", g_strerror (saved));
          return FALSE;
        }
      if (n == 0 && !got)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                               "standard input ended before a line was read");
          return FALSE;
        }
      if (n == 0 || ch == '\n')
        break;
      got = TRUE;
      if (len + 1 >= size)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                       "the line is longer than %" G_GSIZE_FORMAT " bytes", size - 1);
          return FALSE;
        }
      buf[len++] = ch;
    }
  if (len > 0 && buf[len - 1] == '\r')
    len--;
  buf[len] = '\0';
  if (len == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "the line is empty");
      return FALSE;
    }
  return TRUE;
}

/* Reads a line from the terminal with echo off. */
static gboolean
read_secret_line (char *buf, gsize size, GError **error)
{
  if (tcgetattr (STDIN_FILENO, &saved_termios) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "cannot read the terminal's settings: %s", g_strerror (saved));
      return FALSE;
    }
  struct sigaction on_signal = { .sa_handler = restore_and_die, .sa_flags = SA_RESETHAND };
  sigemptyset (&on_signal.sa_mask);
  struct sigaction old[N_RESTORE_SIGNALS];
  for (gsize i = 0; i < N_RESTORE_SIGNALS; i++)
    {
      sigaction (restore_signals[i], NULL, &old[i]);
      /* a signal the caller ignores (nohup) stays ignored */
      if (old[i].sa_handler != SIG_IGN)
        sigaction (restore_signals[i], &on_signal, NULL);
    }

  struct termios quiet = saved_termios;
  quiet.c_lflag &= ~(tcflag_t) ECHO;
  quiet.c_lflag |= ECHONL; /* the user still sees Enter taken */
  gboolean ok;
  if (tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "cannot turn off the terminal's echo: %s", g_strerror (saved));
      ok = FALSE;
    }
  else
    ok = read_raw_line (buf, size, error);

  tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved_termios);
  for (gsize i = 0; i < N_RESTORE_SIGNALS; i++)
    sigaction (restore_signals[i], &old[i], NULL);
  return ok;
}

/* Reads one line from standard input into @buf (@size bytes, at least 2)
 * without its line end: what the user types when it is a terminal (after
 * @prompt on standard error; not echoed if @secret), else the next line
 * (scripts, tests). The terminal's settings are restored on every path,
 * also when a signal (Ctrl-C) ends the program. FALSE with @error when
 * nothing could be read, the line is empty or too long; @buf is then
 * wiped. */
static gboolean
prompt_line (const char *prompt, gboolean secret, char *buf, gsize size, GError **error)
{
  g_return_val_if_fail (prompt != NULL && buf != NULL && size >= 2, FALSE);
  gboolean ok;
  if (isatty (STDIN_FILENO))
    {
      fputs (prompt, stderr);
      fflush (stderr);
      ok = secret ? read_secret_line (buf, size, error) : read_raw_line (buf, size, error);
    }
  else
    ok = read_raw_line (buf, size, error);
  if (!ok)
    explicit_bzero (buf, size);
  return ok;
}

/* --- login and logout ------------------------------------------------------- */

/* Longest login and password read from the user. */
#define LOGIN_MAX 256
#define PASSWORD_MAX 1024

/* Wipes the string value of @o's member @name in place: a password or a
 * token must not outlive its use in freed memory. json-glib owns the
 * string; zeros leave it a valid (empty) string. */
static void
wipe_member (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return;
  char *s = (char *) json_node_get_string (n);
  if (s)
    explicit_bzero (s, strlen (s));
}

/* A token we can keep in the session file and read back. */
static gboolean
is_token (const char *token)
{
  if (token == NULL || *token == '\0')
    return FALSE;
  for (const char *p = token; *p; p++)
    if (!g_ascii_isgraph (*p))
      return FALSE;
  return TRUE;
}

static const char *
string_member (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
    return json_node_get_string (n);
  return NULL;
}

/* "a, b", or "none" (transfer full). */
static char *
roles_text (JsonObject *r)
{
  JsonNode *n = json_object_get_member (r, "roles");
  JsonArray *a = n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
  g_autoptr (GString) s = g_string_new (NULL);
  for (guint i = 0; a && i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      if (JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_STRING)
        g_string_append_printf (s, "%s%s", s->len ? ", " : "", json_node_get_string (e));
    }
  if (s->len == 0)
    g_string_append (s, "none");
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* ", session expires at <local time>", or "" when the answer has no
 * expiry (transfer full). */
static char *
expiry_text (JsonObject *r)
{
  JsonNode *n = json_object_get_member (r, "expires-at");
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return g_strdup ("");
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_local (json_node_get_int (n) / 1000);
  g_autofree char *when = t ? g_date_time_format (t, "%Y-%m-%d %H:%M:%S %Z") : NULL;
  return when ? g_strdup_printf (", session expires at %s", when) : g_strdup ("");
}

static void
print_signed_in (JsonObject *r, const char *login, gboolean json)
{
  if (json)
    {
      /* everything the daemon said but the secret */
      g_autoptr (JsonNode) shown = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (shown, json_object_new ());
      JsonObject *o = json_node_get_object (shown);
      g_autoptr (GList) members = json_object_get_members (r);
      for (GList *m = members; m; m = m->next)
        if (strcmp (m->data, "token") != 0)
          json_object_set_member (o, m->data, json_node_copy (json_object_get_member (r, m->data)));
      g_autofree char *text = occ_json_to_string (shown);
      g_print ("%s\n", text);
    }
  else
    {
      const char *who = string_member (r, "login");
      g_autofree char *roles = roles_text (r);
      g_autofree char *expiry = expiry_text (r);
      g_print ("signed in as %s (roles: %s)%s\n", who ? who : login, roles, expiry);
    }
  if (g_getenv ("OMNICC_TOKEN") && *g_getenv ("OMNICC_TOKEN"))
    g_printerr ("omnicc: note: OMNICC_TOKEN is set: commands use it, not this session, "
                "until you unset it\n");
}

/* Sends session.open and saves the token. */
static int
sign_in (const char *socket, const char *login, const char *password, gboolean json)
{
  g_autoptr (GError) e = NULL;
  /* without a token: a stale one must not stand in the way of a new one */
  g_autoptr (OccClient) c = occ_client_connect (socket, &e);
  if (c == NULL)
    {
      g_printerr ("omnicc: %s\n", e->message);
      return OCC_EXIT_UNREACHABLE;
    }
  g_autoptr (JsonObject) args = json_object_new ();
  json_object_set_string_member (args, "login", login);
  json_object_set_string_member (args, "password", password);
  int code;
  g_autoptr (JsonNode) r = occ_client_call (c, "session.open", args, &code, &e);
  wipe_member (args, "password");
  if (r == NULL)
    {
      g_printerr ("omnicc: login: %s\n", e->message);
      return code;
    }
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (r) ? json_node_get_object (r) : NULL;
  const char *token = o ? string_member (o, "token") : NULL;
  if (!is_token (token))
    {
      g_printerr ("omnicc: login: the daemon's answer holds no usable token\n");
      wipe_member (o, "token");
      return OCC_EXIT_PROTOCOL;
    }
  g_autofree char *path = occ_client_session_file (socket);
  if (!occ_client_write_session_file (path, token, &e))
    {
      g_printerr ("omnicc: login: %s\n", e->message);
      /* a session nobody can use is closed rather than left to expire */
      occ_client_set_token (c, token);
      JsonNode *closed = occ_client_call (c, "session.close", NULL, &code, NULL);
      if (closed)
        json_node_unref (closed);
      wipe_member (o, "token");
      return OCC_EXIT_FAILED;
    }
  wipe_member (o, "token");
  print_signed_in (o, login, json);
  return OCC_EXIT_OK;
}

/* `omnicc login [LOGIN]`: signs in with a password read by prompt_line()
 * and saves the session's token. */
static int
run_login (const char *socket, const char *login, gboolean json)
{
  g_autoptr (GError) e = NULL;
  char typed[LOGIN_MAX];
  if (login == NULL)
    {
      if (!prompt_line ("Login: ", FALSE, typed, sizeof typed, &e))
        {
          g_printerr ("omnicc: login: no login: %s\n", e->message);
          return OCC_EXIT_USAGE;
        }
      login = typed;
    }
  char password[PASSWORD_MAX];
  if (!prompt_line ("Password: ", TRUE, password, sizeof password, &e))
    {
      g_printerr ("omnicc: login: no password: %s\n", e->message);
      return OCC_EXIT_USAGE;
    }
  int status = sign_in (socket, login, password, json);
  explicit_bzero (password, sizeof password);
  return status;
}

/* What logout did: @r is the daemon's answer, NULL when it no longer knew
 * the session. */
static void
print_signed_out (OccTokenSource source, JsonNode *r, gboolean everywhere, const char *path)
{
  gboolean known = r != NULL;
  gint64 closed
      = r && JSON_NODE_HOLDS_OBJECT (r)
            ? json_object_get_int_member_with_default (json_node_get_object (r), "closed", 0)
            : 0;
  g_autofree char *scope
      = !everywhere  ? g_strdup ("")
        : closed > 0 ? g_strdup_printf (" of every session (%" G_GINT64_FORMAT " closed)", closed)
                     : g_strdup (" of every session");
  if (source == OCC_TOKEN_ENV && known)
    g_print ("signed out%s (the session of OMNICC_TOKEN); unset OMNICC_TOKEN\n", scope);
  else if (source == OCC_TOKEN_ENV)
    g_print ("the daemon no longer knows the session of OMNICC_TOKEN; unset OMNICC_TOKEN\n");
  else if (known)
    g_print ("signed out%s; removed %s\n", scope, path);
  else
    g_print ("the daemon no longer knew this session (expired or closed); removed %s\n", path);
}

/* `omnicc logout [--everywhere]`: closes the session (or every session of
 * its user) and removes the session file, also when the daemon no longer
 * knows the session. */
static int
run_logout (const char *socket, gboolean everywhere, gboolean json)
{
  g_autoptr (GError) e = NULL;
  OccTokenSource source;
  int code;
  g_autoptr (OccClient) c = occ_client_connect_session (socket, &source, &code, &e);
  if (c == NULL)
    {
      g_printerr ("omnicc: logout: %s\n", e->message);
      return code;
    }
  g_autofree char *path = occ_client_session_file (socket);
  if (source == OCC_TOKEN_NONE && !everywhere)
    {
      g_print ("not signed in (no session file %s)\n", path);
      return OCC_EXIT_OK;
    }
  g_autoptr (JsonObject) args = NULL;
  if (everywhere)
    {
      args = json_object_new ();
      json_object_set_boolean_member (args, "everywhere", TRUE);
    }
  g_autoptr (JsonNode) r = occ_client_call (c, "session.close", args, &code, &e);
  gboolean unknown
      = r == NULL && g_error_matches (e, OCC_CLIENT_ERROR, OCC_CLIENT_ERROR_UNAUTHENTICATED);
  if (r == NULL && (!unknown || source == OCC_TOKEN_NONE))
    {
      /* the session stays, and so does its file */
      g_printerr ("omnicc: logout: %s%s\n", e->message,
                  unknown ? " (sign in with “omnicc login”)" : "");
      return code;
    }
  g_autoptr (GError) rm = NULL;
  if (source == OCC_TOKEN_FILE && !occ_client_remove_session_file (path, &rm))
    {
      g_printerr ("omnicc: logout: %s\n", rm->message);
      return OCC_EXIT_FAILED;
    }
  if (json && r)
    {
      g_autofree char *text = occ_json_to_string (r);
      g_print ("%s\n", text);
    }
  else
    print_signed_out (source, r, everywhere, path);
  if (unknown && everywhere)
    {
      /* the other sessions could not be named without a live one */
      g_printerr ("omnicc: logout: your other sessions were not closed: sign in with "
                  "“omnicc login”, then run “omnicc logout --everywhere”\n");
      return OCC_EXIT_DENIED;
    }
  return OCC_EXIT_OK;
}

/* KEY=VALUE arguments, or --KEY VALUE / --KEY=VALUE (omnicc backup
 * restore --at 2027-01-31 --to /srv/restore); values that parse as JSON
 * (numbers, true, [..]) are sent as such, anything else as a string. */
static JsonObject *
parse_kv (char **argv, int argc, GError **error)
{
  JsonObject *o = json_object_new ();
  for (int i = 0; i < argc; i++)
    {
      const char *arg = argv[i];
      g_autofree char *joined = NULL;
      if (g_str_has_prefix (arg, "--") && arg[2] != '\0' && strchr (arg, '=') == NULL)
        {
          if (i + 1 >= argc)
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s needs a value",
                           arg);
              json_object_unref (o);
              return NULL;
            }
          arg = joined = g_strconcat (arg + 2, "=", argv[++i], NULL);
        }
      else if (g_str_has_prefix (arg, "--"))
        arg += 2;
      const char *eq = strchr (arg, '=');
      if (eq == NULL || eq == arg)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "“%s” is not KEY=VALUE (or --KEY VALUE)", argv[i]);
          json_object_unref (o);
          return NULL;
        }
      g_autofree char *key = g_strndup (arg, eq - arg);
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
  if (strcmp (cmd, "login") == 0)
    {
      if (nrest > 1 || (nrest == 1 && rest[0][0] == '-'))
        return usage_error ("login takes one login name, and asks for the password");
      return run_login (socket, nrest == 1 ? rest[0] : NULL, opt_json);
    }
  if (strcmp (cmd, "logout") == 0)
    {
      if (nrest > 1 || (nrest == 1 && strcmp (rest[0], "--everywhere") != 0))
        return usage_error ("logout takes only --everywhere");
      return run_logout (socket, nrest == 1, opt_json);
    }
  if (strcmp (cmd, "whoami") == 0 && nrest == 0)
    return call (socket, "session.whoami", NULL);
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
