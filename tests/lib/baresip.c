/* baresip as an agent's phone in tests; see baresip.h. */
#include "baresip.h"

#include "peers.h"
#include "testlib.h"
#include "tone.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BARESIP "/usr/bin/baresip"
#define MODULES "/usr/lib/baresip/modules"
#define TONE_MS 60000
#define ANSWER_MS 5000

struct _OccTestBaresipCtrl {
  int fd;
  GString *input; /* bytes read and not parsed yet */
  GQueue events;  /* JsonObject *, oldest first */
  GQueue answers; /* JsonObject *, answers to commands */
  guint token;    /* of the last command */
};

/* --- the control connection --------------------------------------------------------- */

static void
take_message (OccTestBaresipCtrl *c, const char *json, gsize len)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  if (!json_parser_load_from_data (p, json, (gssize) len, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p)))
    {
      g_test_message ("baresip ctrl_tcp sent what is not a JSON object: %.*s", (int) len, json);
      return;
    }
  JsonObject *o = json_node_get_object (json_parser_get_root (p));
  if (json_object_get_boolean_member_with_default (o, "event", FALSE))
    g_queue_push_tail (&c->events, json_object_ref (o));
  else if (json_object_get_boolean_member_with_default (o, "response", FALSE))
    g_queue_push_tail (&c->answers, json_object_ref (o));
}

/* Splits the netstrings ("LEN:JSON,") read so far into messages. */
static void
parse_input (OccTestBaresipCtrl *c)
{
  for (;;)
    {
      const char *colon = memchr (c->input->str, ':', MIN (c->input->len, 12));
      if (colon == NULL)
        return;
      char *end = NULL;
      guint64 len = g_ascii_strtoull (c->input->str, &end, 10);
      if (end != colon || len > 1 << 20)
        {
          g_test_message ("baresip ctrl_tcp: not a netstring; dropping what was read");
          g_string_truncate (c->input, 0);
          return;
        }
      gsize start = (gsize) (colon - c->input->str) + 1;
      if (c->input->len < start + len + 1)
        return;
      take_message (c, c->input->str + start, (gsize) len);
      g_string_erase (c->input, 0, (gssize) (start + len + 1));
    }
}

/* Reads what has arrived, without blocking. */
static void
pump (OccTestBaresipCtrl *c)
{
  char buf[4096];
  ssize_t n;
  while ((n = recv (c->fd, buf, sizeof buf, MSG_DONTWAIT)) > 0)
    g_string_append_len (c->input, buf, n);
  parse_input (c);
}

static gboolean
connect_ctrl (OccTestBaresip *b)
{
  struct sockaddr_in a = { .sin_family = AF_INET,
                           .sin_port = htons ((uint16_t) b->ctrl_port),
                           .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  for (int i = 0; i < 250; i++)
    {
      int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      g_assert_cmpint (fd, >=, 0);
      if (connect (fd, (struct sockaddr *) &a, sizeof a) == 0)
        {
          b->ctrl->fd = fd;
          return TRUE;
        }
      close (fd);
      if (!occ_test_process_alive (b->pid))
        return FALSE;
      g_usleep (20 * 1000);
    }
  return FALSE;
}

typedef struct {
  OccTestBaresip *b;
  const char *type;
  JsonObject *found;
} EventWait;

static gboolean
event_came (gpointer data)
{
  EventWait *w = data;
  pump (w->b->ctrl);
  for (GList *l = w->b->ctrl->events.head; l; l = l->next)
    {
      const char *type = json_object_get_string_member_with_default (l->data, "type", "");
      if (strcmp (type, w->type) == 0)
        {
          w->found = l->data;
          g_queue_delete_link (&w->b->ctrl->events, l);
          return TRUE;
        }
    }
  return FALSE;
}

JsonObject *
occ_test_baresip_wait_event (OccTestBaresip *b, const char *type, guint timeout_ms)
{
  g_return_val_if_fail (b != NULL && type != NULL, NULL);
  EventWait w = { b, type, NULL };
  if (occ_test_poll_until (event_came, &w, timeout_ms))
    return w.found;
  g_autoptr (GString) seen = g_string_new (NULL);
  for (GList *l = b->ctrl->events.head; l; l = l->next)
    g_string_append_printf (seen, " %s",
                            json_object_get_string_member_with_default (l->data, "type", "?"));
  g_test_message ("baresip %s: no %s event within %u ms (events not waited for:%s)", b->aor, type,
                  timeout_ms, seen->len ? seen->str : " none");
  return NULL;
}

typedef struct {
  OccTestBaresipCtrl *c;
  char *token;
  JsonObject *answer;
} AnswerWait;

static gboolean
answer_came (gpointer data)
{
  AnswerWait *w = data;
  pump (w->c);
  for (GList *l = w->c->answers.head; l; l = l->next)
    {
      const char *token = json_object_get_string_member_with_default (l->data, "token", "");
      if (strcmp (token, w->token) == 0)
        {
          w->answer = l->data;
          g_queue_delete_link (&w->c->answers, l);
          return TRUE;
        }
    }
  return FALSE;
}

/* The netstring of a command (transfer full). */
static char *
command_text (const char *command, const char *params, const char *token)
{
  g_autoptr (JsonBuilder) jb = json_builder_new ();
  json_builder_begin_object (jb);
  json_builder_set_member_name (jb, "command");
  json_builder_add_string_value (jb, command);
  if (params)
    {
      json_builder_set_member_name (jb, "params");
      json_builder_add_string_value (jb, params);
    }
  json_builder_set_member_name (jb, "token");
  json_builder_add_string_value (jb, token);
  json_builder_end_object (jb);
  g_autoptr (JsonNode) root = json_builder_get_root (jb);
  g_autofree char *json = json_to_string (root, FALSE);
  return g_strdup_printf ("%zu:%s,", strlen (json), json);
}

gboolean
occ_test_baresip_command (OccTestBaresip *b, const char *command, const char *params, char **data)
{
  g_return_val_if_fail (b != NULL && b->ctrl->fd >= 0 && command != NULL, FALSE);
  g_autofree char *token = g_strdup_printf ("omnicc-test-%u", ++b->ctrl->token);
  g_autofree char *text = command_text (command, params, token);
  if (send (b->ctrl->fd, text, strlen (text), MSG_NOSIGNAL) != (ssize_t) strlen (text))
    {
      g_test_message ("baresip %s: cannot send %s: %s", b->aor, command, g_strerror (errno));
      return FALSE;
    }
  AnswerWait w = { b->ctrl, token, NULL };
  if (!occ_test_poll_until (answer_came, &w, ANSWER_MS))
    {
      g_test_message ("baresip %s: no answer to %s within %d ms", b->aor, command, ANSWER_MS);
      return FALSE;
    }
  g_autoptr (JsonObject) answer = w.answer;
  gboolean ok = json_object_get_boolean_member_with_default (answer, "ok", FALSE);
  const char *text_out = json_object_get_string_member_with_default (answer, "data", "");
  if (!ok)
    g_test_message ("baresip %s: %s %s failed: %s", b->aor, command, params ? params : "",
                    text_out);
  if (data)
    *data = g_strdup (text_out);
  return ok;
}

gboolean
occ_test_baresip_dial (OccTestBaresip *b, const char *uri)
{
  return occ_test_baresip_command (b, "dial", uri, NULL);
}

gboolean
occ_test_baresip_accept (OccTestBaresip *b)
{
  return occ_test_baresip_command (b, "accept", NULL, NULL);
}

gboolean
occ_test_baresip_hangup (OccTestBaresip *b)
{
  return occ_test_baresip_command (b, "hangup", NULL, NULL);
}

typedef struct {
  OccTestBaresip *b;
  gint64 asked; /* when "reginfo" was last sent, monotonic µs */
} RegWait;

static gboolean
registered (gpointer data)
{
  RegWait *w = data;
  if (g_get_monotonic_time () - w->asked < 100 * 1000)
    return FALSE;
  w->asked = g_get_monotonic_time ();
  g_autofree char *info = NULL;
  /* "> sip:agent@127.0.0.1:5060   \x1b[32mOK \x1b[;m  Expires 3600s" */
  return occ_test_baresip_command (w->b, "reginfo", NULL, &info) && strstr (info, "OK ") != NULL;
}

gboolean
occ_test_baresip_wait_registered (OccTestBaresip *b, guint timeout_ms)
{
  RegWait w = { b, 0 };
  if (occ_test_poll_until (registered, &w, timeout_ms))
    return TRUE;
  g_autofree char *info = NULL;
  occ_test_baresip_command (b, "reginfo", NULL, &info);
  g_test_message ("baresip %s: not registered after %u ms: %s", b->aor, timeout_ms, info);
  return FALSE;
}

/* --- recordings --------------------------------------------------------------------- */

/* The latest recording ending in @suffix (transfer full): the names hold
 * the time the call started, so the greatest is the latest. */
static char *
latest (OccTestBaresip *b, const char *suffix)
{
  g_autoptr (GDir) d = g_dir_open (b->recordings, 0, NULL);
  g_autofree char *best = NULL;
  const char *n;
  while (d && (n = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (n, suffix) && (best == NULL || strcmp (n, best) > 0))
      {
        g_free (best);
        best = g_strdup (n);
      }
  return best ? g_build_filename (b->recordings, best, NULL) : NULL;
}

char *
occ_test_baresip_heard_wav (OccTestBaresip *b)
{
  return latest (b, "-dec.wav");
}

char *
occ_test_baresip_sent_wav (OccTestBaresip *b)
{
  return latest (b, "-enc.wav");
}

double
occ_test_baresip_heard_tone_seconds (OccTestBaresip *b, guint hz)
{
  g_autofree char *wav = occ_test_baresip_heard_wav (b);
  return wav ? occ_test_wav_tone_seconds (wav, hz) : -1;
}

/* --- the process -------------------------------------------------------------------- */

static void
write_config (OccTestBaresip *b, const OccTestBaresipConfig *c, const char *data)
{
  g_autofree char *tone = g_build_filename (data, "tone.wav", NULL);
  g_autoptr (GError) e = NULL;
  occ_test_tone_write_wav (tone, b->tone_hz, TONE_MS, &e);
  g_assert_no_error (e);
  GString *conf = g_string_new ("# written by the omnicc test harness (tests/lib/baresip.c)\n");
  g_string_append_printf (conf,
                          "poll_method epoll\n"
                          "sip_listen 127.0.0.1:%d\n"
                          /* without it, SDP and RTP use the machine's other address */
                          "net_interface 127.0.0.1\n"
                          "audio_source aufile,%s\n"
                          /* no such player: what it hears goes only to sndfile */
                          "audio_player aufile,/dev/null\n"
                          "module_path " MODULES "\n"
                          "module g711.so\n"
                          "module aufile.so\n"
                          "module sndfile.so\n"
                          "module_app account.so\n"
                          "module_app menu.so\n"
                          "module_app ctrl_tcp.so\n"
                          "snd_path %s\n"
                          "ctrl_tcp_listen 127.0.0.1:%d\n",
                          b->sip_port, tone, b->recordings, b->ctrl_port);
  if (c->cafile)
    g_string_append_printf (conf, "sip_cafile %s\n", c->cafile);
  if (c->mediaenc)
    g_string_append (conf, "module srtp.so\n");
  for (guint i = 0; c->config && c->config[i]; i++)
    g_string_append_printf (conf, "%s\n", c->config[i]);
  occ_test_write (data, "config", conf->str);
  g_string_free (conf, TRUE);

  const char *user = c->user ? c->user : "agent";
  const char *answer = c->auto_answer ? "auto" : "manual";
  g_autofree char *mediaenc
      = c->mediaenc ? g_strdup_printf (";mediaenc=%s", c->mediaenc) : g_strdup ("");
  g_autofree char *account = NULL;
  if (c->registrar)
    account = g_strdup_printf (
        "<%s;transport=%s>;auth_user=%s;auth_pass=%s;regint=%u;"
        "answermode=%s%s\n",
        b->aor, c->transport ? c->transport : "udp", c->auth_user ? c->auth_user : user,
        c->password ? c->password : "password", c->regint ? c->regint : 3600, answer, mediaenc);
  else
    account = g_strdup_printf ("<%s>;regint=0;answermode=%s%s\n", b->aor, answer, mediaenc);
  occ_test_write (data, "accounts", account);
}

gboolean
occ_test_baresip_installed (void)
{
  if (g_file_test (BARESIP, G_FILE_TEST_IS_EXECUTABLE))
    return TRUE;
  g_test_skip ("baresip is not installed");
  return FALSE;
}

OccTestBaresip *
occ_test_baresip_start (const OccTestBaresipConfig *c)
{
  g_return_val_if_fail (c != NULL, NULL);
  if (!g_file_test (BARESIP, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_message ("baresip is not installed");
      return NULL;
    }
  const char *user = c->user ? c->user : "agent";
  OccTestBaresip *b = g_new0 (OccTestBaresip, 1);
  b->ctrl = g_new0 (OccTestBaresipCtrl, 1);
  b->ctrl->fd = -1;
  b->ctrl->input = g_string_new (NULL);
  b->dir = occ_test_mkdtemp ();
  g_autofree char *data = g_build_filename (b->dir, "data", NULL);
  b->recordings = g_build_filename (data, "recordings", NULL);
  g_assert_cmpint (g_mkdir_with_parents (b->recordings, 0755), ==, 0);
  b->log = g_build_filename (data, "baresip.log", NULL);
  b->sip_port = occ_test_free_sip_ports ();
  b->ctrl_port = occ_test_free_port ();
  b->tone_hz = c->tone_hz ? c->tone_hz : 440;
  b->uri = g_strdup_printf ("sip:%s@127.0.0.1:%d", user, b->sip_port);
  b->aor = c->registrar ? g_strdup_printf ("sip:%s@%s", user, c->registrar) : g_strdup (b->uri);
  write_config (b, c, data);

  const char *argv[] = { BARESIP, "-f", data, NULL };
  g_autoptr (GError) e = NULL;
  b->pid = occ_test_spawn (argv, data, b->log, &e);
  g_assert_no_error (e);
  if (!connect_ctrl (b))
    {
      g_autofree char *log = NULL;
      g_file_get_contents (b->log, &log, NULL, NULL);
      g_test_message ("baresip %s did not come up:\n%s", b->aor, log ? log : "");
      occ_test_baresip_free (b);
      return NULL;
    }
  return b;
}

void
occ_test_baresip_stop (OccTestBaresip *b)
{
  if (b->ctrl->fd >= 0)
    {
      close (b->ctrl->fd);
      b->ctrl->fd = -1;
    }
  if (b->pid != 0)
    {
      occ_test_process_stop (b->pid, SIGTERM, 2000);
      b->pid = 0;
    }
}

void
occ_test_baresip_free (OccTestBaresip *b)
{
  if (b == NULL)
    return;
  occ_test_baresip_stop (b);
  g_queue_clear_full (&b->ctrl->events, (GDestroyNotify) json_object_unref);
  g_queue_clear_full (&b->ctrl->answers, (GDestroyNotify) json_object_unref);
  g_string_free (b->ctrl->input, TRUE);
  g_free (b->ctrl);
  occ_test_rmtree (b->dir);
  g_free (b->dir);
  g_free (b->aor);
  g_free (b->uri);
  g_free (b->recordings);
  g_free (b->log);
  g_free (b);
}
