/* The ACD across a daemon restart (issue 6, item 6): the real omniccd with
 * store-sqlite, records, sip, acd and a strategy; callers played by sipp.
 * Agents get their presence back; chats queued with `omnicc call
 * acd.enqueue` are queued again in their original order; a call that was
 * queued when the daemon stopped is recorded as lost. */
#include "sip-site.h"
#include "sipp.h"
#include "testlib.h"

#include <signal.h>
#include <string.h>

static const char acd_conf[] = "[acd]\nstats-interval=0\n"
                               "[queue sales]\nstrategy=fifo-priority\n"
                               "[queue chats]\nstrategy=fifo-priority\nring-timeout=60\n"
                               "[agent awa]\nqueues=sales;chats\ncapacity=voice:1;chat:1\n"
                               "[agent bob]\nqueues=sales\n";

static void
site_start (OccTestSipSite *s)
{
  const char *const files[] = { "plugins.d/acd.conf", acd_conf, NULL };
  occ_test_sip_site_start_with (s, "acd;acd-fifo-priority", files, NULL, NULL,
                                "[route queued]\nnumbers=2000\nqueue=sales\n");
}

/* `omnicc --json call COMMAND ARG…` parsed (transfer full); NULL if the
 * command failed. */
static JsonNode *
call_json (OccTestDaemon *d, const char *command, const char *arg1, const char *arg2)
{
  g_autofree char *out = NULL, *err = NULL;
  int status
      = occ_test_cli (d, &out, &err, "--json", "call", command, arg1, arg2, (const char *) NULL);
  if (status != 0)
    return NULL;
  g_autoptr (JsonParser) p = json_parser_new ();
  if (!json_parser_load_from_data (p, out, -1, NULL))
    return NULL;
  return json_node_copy (json_parser_get_root (p));
}

/* "login:state[/reason] …" of every agent, from agent.status. */
static char *
agents_text (OccTestDaemon *d)
{
  g_autoptr (JsonNode) n = call_json (d, "agent.status", NULL, NULL);
  g_assert_nonnull (n);
  JsonArray *a = json_node_get_array (n);
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *o = json_array_get_object_element (a, i);
      g_string_append_printf (s, "%s%s:%s", i ? " " : "",
                              json_object_get_string_member (o, "login"),
                              json_object_get_string_member (o, "state"));
      if (json_object_has_member (o, "reason"))
        g_string_append_printf (s, "/%s", json_object_get_string_member (o, "reason"));
    }
  return g_string_free (s, FALSE);
}

/* @queue's interactions from acd.waiting, in order (transfer none of the
 * node's contents). */
static JsonArray *
waiting (JsonNode *n, const char *queue)
{
  return json_object_get_array_member (json_node_get_object (n), queue);
}

/* "id:state,…" of @queue, in the order they are served. */
static char *
queue_text (OccTestDaemon *d, const char *queue)
{
  g_autoptr (JsonNode) n = call_json (d, "acd.waiting", NULL, NULL);
  g_assert_nonnull (n);
  JsonArray *a = waiting (n, queue);
  GString *s = g_string_new (NULL);
  for (guint i = 0; a && i < json_array_get_length (a); i++)
    {
      JsonObject *o = json_array_get_object_element (a, i);
      g_assert_cmpint (json_object_get_int_member (o, "position"), ==, i + 1);
      g_string_append_printf (s, "%s%s:%s", i ? "," : "", json_object_get_string_member (o, "id"),
                              json_object_get_string_member (o, "state"));
    }
  return g_string_free (s, FALSE);
}

static gint64
joined_of (OccTestDaemon *d, const char *queue, const char *id)
{
  g_autoptr (JsonNode) n = call_json (d, "acd.waiting", NULL, NULL);
  JsonArray *a = n ? waiting (n, queue) : NULL;
  for (guint i = 0; a && i < json_array_get_length (a); i++)
    {
      JsonObject *o = json_array_get_object_element (a, i);
      if (strcmp (json_object_get_string_member (o, "id"), id) == 0)
        return json_object_get_int_member (o, "joined");
    }
  return 0;
}

typedef char *(*TextFunc) (OccTestDaemon *d, const char *arg);

/* Asks @text every 100 ms, for at most 10 s, until it answers @expected
 * (the daemon reads the store after it starts to answer). */
static gboolean
becomes (OccTestDaemon *d, TextFunc text, const char *arg, const char *expected)
{
  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *now = text (d, arg);
      if (strcmp (now, expected) == 0)
        return TRUE;
      if (i == 99)
        g_test_message ("expected “%s”, got “%s”", expected, now);
      g_usleep (100 * 1000);
    }
  return FALSE;
}

static char *
agents_of (OccTestDaemon *d, const char *unused)
{
  (void) unused;
  return agents_text (d);
}

/* How many lines of the event log hold every one of @needles (after the
 * event log's next write: it writes every second). */
static guint
events_with (OccTestSipSite *s, const char *const *needles)
{
  g_usleep (1300 * 1000);
  g_autofree char *path = g_build_filename (s->dir, "state", "events.jsonl", NULL);
  g_autofree char *text = NULL;
  g_file_get_contents (path, &text, NULL, NULL);
  g_auto (GStrv) lines = g_strsplit (text ? text : "", "\n", -1);
  guint n = 0;
  for (guint i = 0; lines[i]; i++)
    {
      gboolean all = TRUE;
      for (guint k = 0; all && needles[k]; k++)
        all = strstr (lines[i], needles[k]) != NULL;
      n += all;
    }
  return n;
}

static void
test_agents_keep_their_presence (void)
{
  OccTestSipSite s = { 0 };
  site_start (&s);
  g_autofree char *r = occ_test_call (s.d, 0, "agent.ready", "login=awa", NULL);
  g_autofree char *p = occ_test_call (s.d, 0, "agent.pause", "login=bob", "reason=training", NULL);
  g_autofree char *before = agents_text (s.d);
  g_assert_cmpstr (before, ==, "awa:ready bob:not-ready/training");
  const char *const training[] = { "\"agent.state\"", "\"bob\"", "\"training\"", NULL };
  g_assert_cmpuint (events_with (&s, training), ==, 1);

  g_assert_true (occ_test_daemon_restart (s.d));
  g_assert_true (becomes (s.d, agents_of, NULL, "awa:ready bob:not-ready/training"));
  /* told on the bus again by the new daemon */
  g_assert_cmpuint (events_with (&s, training), ==, 2);

  /* a change after the restart is kept too */
  g_autofree char *out = occ_test_call (s.d, 0, "agent.logout", "login=awa", NULL);
  g_assert_true (occ_test_daemon_restart (s.d));
  g_assert_true (becomes (s.d, agents_of, NULL, "awa:logged-out bob:not-ready/training"));
  occ_test_sip_site_stop (&s);
}

static char *
enqueue (OccTestDaemon *d, const char *id, gint64 joined)
{
  g_autofree char *with_id = g_strdup_printf ("id=%s", id);
  g_autofree char *at = g_strdup_printf ("joined=%" G_GINT64_FORMAT, joined);
  return occ_test_call (d, 0, "acd.enqueue", "queue=chats", "channel=chat", with_id,
                        "caller=chat:visitor-7", joined ? at : NULL, NULL);
}

static void
test_chats_keep_their_place (void)
{
  OccTestSipSite s = { 0 };
  site_start (&s);
  /* chat-b says it joined a minute before chat-a: it comes first */
  g_autofree char *a = enqueue (s.d, "chat-a", 0);
  gint64 b_joined = g_get_real_time () - 60 * G_USEC_PER_SEC;
  g_autofree char *b = enqueue (s.d, "chat-b", b_joined);
  g_assert_true (becomes (s.d, queue_text, "chats", "chat-b:waiting,chat-a:waiting"));
  gint64 a_joined = joined_of (s.d, "chats", "chat-a");
  g_assert_cmpint (joined_of (s.d, "chats", "chat-b"), ==, b_joined);

  g_assert_true (occ_test_daemon_restart (s.d));
  g_assert_true (becomes (s.d, queue_text, "chats", "chat-b:waiting,chat-a:waiting"));
  /* their original times, to the µs */
  g_assert_cmpint (joined_of (s.d, "chats", "chat-a"), ==, a_joined);
  g_assert_cmpint (joined_of (s.d, "chats", "chat-b"), ==, b_joined);
  /* one that joined a µs after chat-a comes after it, though chat-a was
   * queued again later than that */
  g_autofree char *c = enqueue (s.d, "chat-c", a_joined + 1);
  g_assert_true (
      becomes (s.d, queue_text, "chats", "chat-b:waiting,chat-a:waiting,chat-c:waiting"));

  /* the first in line is offered to the agent who becomes ready */
  g_autofree char *r = occ_test_call (s.d, 0, "agent.ready", "login=awa", NULL);
  g_assert_true (
      becomes (s.d, queue_text, "chats", "chat-b:ringing,chat-a:waiting,chat-c:waiting"));
  const char *const offered[] = { "\"interaction.offered\"", "\"chat-b\"", "\"awa\"", NULL };
  g_assert_cmpuint (events_with (&s, offered), ==, 1);
  occ_test_sip_site_stop (&s);
}

/* The id of the one interaction waiting in @queue, once there is one. */
static char *
only_waiting (OccTestDaemon *d, const char *queue)
{
  for (guint i = 0; i < 100; i++)
    {
      g_autoptr (JsonNode) n = call_json (d, "acd.waiting", NULL, NULL);
      JsonArray *a = n ? waiting (n, queue) : NULL;
      if (a && json_array_get_length (a) == 1)
        return g_strdup (
            json_object_get_string_member (json_array_get_object_element (a, 0), "id"));
      g_usleep (100 * 1000);
    }
  return NULL;
}

/* The interaction record @id, once the records have it. */
static JsonNode *
record_of (OccTestDaemon *d, const char *id)
{
  g_autofree char *arg = g_strdup_printf ("id=%s", id);
  for (guint i = 0; i < 100; i++)
    {
      JsonNode *n = call_json (d, "records.get", "entity=interaction", arg);
      if (n)
        return n;
      g_usleep (100 * 1000);
    }
  return NULL;
}

static void
test_queued_call_is_lost (void)
{
  OccTestSipSite s = { 0 };
  site_start (&s);
  /* nobody is ready: the call waits in sales */
  OccTestSippConfig c = { .scenario = "uac",
                          .remote = s.sip,
                          .service = "2000",
                          .caller = "+2250700000001",
                          .calls = 1,
                          .pause_ms = 30000,
                          .timeout_s = 60 };
  g_autoptr (OccTestSipp) caller = occ_test_sipp_start (&c);
  g_assert_nonnull (caller);
  g_autofree char *id = only_waiting (s.d, "sales");
  g_assert_nonnull (id);

  /* the stopping daemon ends the call (503): sipp fails, as it should */
  g_assert_true (occ_test_daemon_restart (s.d));
  g_assert_cmpint (occ_test_sipp_wait (caller, 30000), !=, 0);
  g_autoptr (JsonNode) rec = record_of (s.d, id);
  g_assert_nonnull (rec);
  JsonObject *o = json_node_get_object (rec);
  g_assert_cmpstr (json_object_get_string_member (o, "end_cause"), ==, "lost");
  g_assert_cmpstr (json_object_get_string_member (o, "queue_id"), ==, "sales");
  g_assert_cmpstr (json_object_get_string_member (o, "channel"), ==, "voice");
  g_assert_nonnull (strstr (json_object_get_string_member (o, "reason"), "waiting"));
  g_autofree char *empty = queue_text (s.d, "sales");
  g_assert_cmpstr (empty, ==, "");
  g_autofree char *quoted = g_strdup_printf ("\"%s\"", id);
  const char *const lost[] = { "\"interaction.ended\"", quoted,      "\"lost\"", "\"system\"",
                               "\"waiting\"",           "\"sales\"", NULL };
  g_assert_cmpuint (events_with (&s, lost), ==, 1);

  /* recorded once: its row is gone, the next start has nothing to say */
  g_assert_true (occ_test_daemon_restart (s.d));
  g_autofree char *after = agents_text (s.d); /* (the daemon answers) */
  g_assert_cmpuint (events_with (&s, lost), ==, 1);
  occ_test_sip_site_stop (&s);
}

static void
test_memory_only_without_a_store (void)
{
  /* (the real plugins only: LeakSanitizer's tracer trips over the
   * loader's fixtures that fail to open) */
  g_autofree char *dir = occ_test_mkdtemp ();
  g_autofree char *conf = g_strdup_printf (
      "[core]\nplugin-path=%s\nstate-dir=state\ndata-dir=%s/share\npolicy-dir=%s/policies\n"
      "control-socket=control.sock\ncontrol-group=\ndrain-timeout=5\n[plugins]\n"
      "enabled=acd;acd-fifo-priority\n",
      PLUGIN_BUILD_DIR, SOURCE_ROOT, SOURCE_ROOT);
  occ_test_write (dir, "omnicc.conf", conf);
  occ_test_write (dir, "plugins.d/acd.conf", acd_conf);
  g_autoptr (OccTestDaemon) d = occ_test_daemon_start_in (dir);
  g_assert_nonnull (d);
  g_autofree char *log = occ_test_read (d->log);
  g_assert_nonnull (strstr (log, "the ACD is kept in memory only"));
  g_autofree char *r = occ_test_call (d, 0, "agent.ready", "login=awa", NULL);
  g_autofree char *ready = agents_text (d);
  g_assert_cmpstr (ready, ==, "awa:ready bob:logged-out");
  g_assert_true (occ_test_daemon_restart (d));
  g_autofree char *forgot = agents_text (d);
  g_assert_cmpstr (forgot, ==, "awa:logged-out bob:logged-out");
  g_assert_cmpint (occ_test_daemon_stop (d, SIGTERM), ==, 0);
}

static void
test_enqueue_checks_its_input (void)
{
  OccTestSipSite s = { 0 };
  site_start (&s);
  g_autofree char *voice
      = occ_test_call (s.d, 1, "acd.enqueue", "queue=sales", "channel=voice", NULL);
  g_assert_nonnull (strstr (voice, "voice calls are queued by sip"));
  g_autofree char *nowhere
      = occ_test_call (s.d, 1, "acd.enqueue", "queue=nowhere", "channel=chat", NULL);
  g_assert_nonnull (strstr (nowhere, "no such queue"));
  g_autofree char *skills = occ_test_call (s.d, 1, "acd.enqueue", "queue=chats", "channel=chat",
                                           "skills=french:0", NULL);
  g_assert_nonnull (strstr (skills, "skills"));
  g_autofree char *future = occ_test_call (s.d, 1, "acd.enqueue", "queue=chats", "channel=chat",
                                           "joined=99999999999999999", NULL);
  g_assert_nonnull (strstr (future, "joined"));
  /* an id is made when none is given */
  g_autoptr (JsonNode) made = call_json (s.d, "acd.enqueue", "queue=chats", "channel=email");
  g_assert_nonnull (made);
  const char *made_id = json_object_get_string_member (json_node_get_object (made), "id");
  g_autofree char *expected = g_strdup_printf ("%s:waiting", made_id);
  g_assert_true (becomes (s.d, queue_text, "chats", expected));
  g_autofree char *again = g_strdup_printf ("id=%s", made_id);
  g_autofree char *twice
      = occ_test_call (s.d, 1, "acd.enqueue", "queue=chats", "channel=chat", again, NULL);
  g_assert_nonnull (strstr (twice, "queued already"));
  occ_test_sip_site_stop (&s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!occ_test_sipp_installed ())
    return 0;
  g_test_add_func ("/acd/persist/agents-keep-their-presence", test_agents_keep_their_presence);
  g_test_add_func ("/acd/persist/chats-keep-their-place", test_chats_keep_their_place);
  g_test_add_func ("/acd/persist/queued-call-is-lost", test_queued_call_is_lost);
  g_test_add_func ("/acd/persist/memory-only-without-a-store", test_memory_only_without_a_store);
  g_test_add_func ("/acd/persist/enqueue-checks-its-input", test_enqueue_checks_its_input);
  return g_test_run ();
}
