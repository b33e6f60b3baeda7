/* The ACD end to end: the real omniccd with sip, media, acd and the
 * strategy plugins; a trunk's callers and the agents' phones played by
 * sipp on 127.0.0.1. A call to the queue's number waits until an agent is
 * ready, rings the one the strategy picks, connects; the agent wraps up;
 * a phone that refuses passes the call to the next; a caller who waits
 * too long is let go; agents log in and out with `omnicc agent …`. */
#include "sip-site.h"
#include "sipp.h"
#include "testlib.h"

#include <string.h>

static const char acd_conf[]
    = "[acd]\nstats-interval=1\n"
      "[queue sales]\nstrategy=longest-idle\nwrapup=2\nring-timeout=10\nmax-wait=30\n"
      "sl-threshold=20\npriority-callers=+2250700000009:10\n"
      "[queue short]\nstrategy=fifo-priority\nmax-wait=2\n"
      "[queue auto]\nstrategy=fifo-priority\nauto-answer=true\n"
      "[agent awa]\nqueues=sales;short;auto\n"
      "[agent bob]\nqueues=sales\n";

static void
site_start (OccTestSipSite *s)
{
  const char *const files[] = { "plugins.d/acd.conf", acd_conf, NULL };
  occ_test_sip_site_start_with (s, "acd;acd-longest-idle;acd-fifo-priority", files, NULL, NULL,
                                "[route queued]\nnumbers=2000\nqueue=sales\n"
                                "[route hurried]\nnumbers=2001\nqueue=short\n"
                                "[route auto]\nnumbers=2002\nqueue=auto\n");
}

/* Asks `omnicc call COMMAND` every 100 ms until its answer holds @needle. */
static gboolean
until (OccTestSipSite *s, const char *command, const char *needle, guint timeout_ms)
{
  for (guint waited = 0; waited <= timeout_ms; waited += 100)
    {
      g_autofree char *out = occ_test_call (s->d, 0, command, NULL);
      if (strstr (out, needle))
        return TRUE;
      g_usleep (100000);
    }
  g_autofree char *out = occ_test_call (s->d, 0, command, NULL);
  g_test_message ("%s: %s", command, out);
  return FALSE;
}

static char *
agent_state (OccTestSipSite *s, const char *login)
{
  g_autoptr (JsonObject) o = occ_test_sip_site_agent (s, login);
  return o ? g_strdup (json_object_get_string_member (o, "state")) : NULL;
}

static OccTestSippConfig
caller (OccTestSipSite *s, const char *scenario, const char *number, guint pause_ms)
{
  return (OccTestSippConfig){ .scenario = scenario,
                              .remote = s->sip,
                              .service = number,
                              .caller = "+2250700000001",
                              .calls = 1,
                              .pause_ms = pause_ms,
                              .timeout_s = 60 };
}

static void
test_waits_for_a_ready_agent (void)
{
  OccTestSipSite s = { 0 };
  site_start (&s);
  g_autoptr (OccTestSipp) phone = occ_test_sip_site_phone (&s, "awa", "uas", FALSE);
  g_autofree char *st0 = agent_state (&s, "awa");
  g_assert_cmpstr (st0, ==, "logged-out");
  /* the call waits: nobody is ready */
  OccTestSippConfig c = caller (&s, "uac", "2000", 2000);
  g_autoptr (OccTestSipp) call = occ_test_sipp_start (&c);
  g_assert_nonnull (call);
  g_assert_true (until (&s, "sip.calls", "\"state\":\"queued\"", 10000));
  g_assert_true (until (&s, "acd.queues", "\"waiting\":1", 5000));
  g_autofree char *in = occ_test_call (s.d, 0, "agent.login", "login=awa", NULL);
  g_assert_nonnull (strstr (in, "not-ready"));
  g_usleep (500000);
  g_assert_true (until (&s, "sip.calls", "\"state\":\"queued\"", 1000));
  g_autofree char *r = occ_test_call (s.d, 0, "agent.ready", "login=awa", NULL);
  /* offered to awa's phone, answered, the caller hangs up after 2 s */
  g_assert_cmpint (occ_test_sipp_wait (call, 30000), ==, 0);
  g_assert_cmpint (occ_test_sipp_wait (phone, 10000), ==, 0);
  /* wrap-up (2 s), then ready again */
  g_assert_true (until (&s, "agent.status", "\"state\":\"wrap-up\"", 3000));
  g_assert_true (until (&s, "agent.status", "\"state\":\"ready\"", 5000));
  g_assert_true (until (&s, "acd.queues", "\"answered\":1", 5000));
  g_autofree char *ev = occ_test_sip_site_events (&s);
  g_assert_nonnull (strstr (ev, "\"interaction.enqueue\""));
  g_assert_nonnull (strstr (ev, "\"interaction.offered\""));
  g_assert_nonnull (strstr (ev, "\"interaction.connected\""));
  g_assert_nonnull (strstr (ev, "\"agent.state\""));
  g_assert_nonnull (strstr (ev, "\"acd.queue.stats\""));
  occ_test_sip_site_stop (&s);
}

/* A queue whose phones answer by themselves (dialing ahead): the INVITE
 * to the agent asks for it; another queue's does not. */
static void
test_auto_answer_queue (void)
{
  OccTestSipSite s = { 0 };
  site_start (&s);
  OccTestSippConfig ph = { .scenario = "uas", .calls = 2, .timeout_s = 60 };
  ph.port = occ_test_sip_site_register (&s, "awa");
  ph.service = "awa";
  g_autoptr (OccTestSipp) phone = occ_test_sipp_start (&ph);
  g_assert_nonnull (phone);
  g_autofree char *in = occ_test_call (s.d, 0, "agent.login", "login=awa", NULL);
  g_autofree char *r = occ_test_call (s.d, 0, "agent.ready", "login=awa", NULL);
  OccTestSippConfig c = caller (&s, "uac", "2002", 500);
  g_assert_cmpint (occ_test_sipp_run (&c, 30000), ==, 0);
  g_autofree char *first = occ_test_read (phone->messages);
  g_assert_nonnull (strstr (first, "answer-after=0"));
  g_assert_nonnull (strstr (first, "info=alert-autoanswer"));
  /* (wrap-up, then ready again for the sales call) */
  g_assert_true (until (&s, "agent.status", "\"state\":\"ready\"", 10000));
  OccTestSippConfig c2 = caller (&s, "uac", "2000", 500);
  g_assert_cmpint (occ_test_sipp_run (&c2, 30000), ==, 0);
  g_assert_cmpint (occ_test_sipp_wait (phone, 10000), ==, 0);
  g_autofree char *both = occ_test_read (phone->messages);
  const char *second = strstr (strstr (both, "INVITE sip:awa@") + 1, "INVITE sip:awa@");
  g_assert_nonnull (second);
  g_assert_null (strstr (second, "answer-after"));
  occ_test_sip_site_stop (&s);
}

static void
test_refused_goes_to_the_next (void)
{
  OccTestSipSite s = { 0 };
  site_start (&s);
  /* awa has been ready longer (longest-idle picks her) but is busy */
  g_autoptr (OccTestSipp) busy = occ_test_sip_site_phone (&s, "awa", "uas-busy", FALSE);
  g_autoptr (OccTestSipp) good = occ_test_sip_site_phone (&s, "bob", "uas", FALSE);
  g_autofree char *a = occ_test_call (s.d, 0, "agent.ready", "login=awa", NULL);
  g_usleep (200000);
  g_autofree char *b = occ_test_call (s.d, 0, "agent.ready", "login=bob", NULL);
  OccTestSippConfig c = caller (&s, "uac", "2000", 1500);
  g_assert_cmpint (occ_test_sipp_run (&c, 30000), ==, 0);
  g_assert_cmpint (occ_test_sipp_wait (busy, 10000), ==, 0);
  g_assert_cmpint (occ_test_sipp_wait (good, 10000), ==, 0);
  g_autofree char *ev = occ_test_sip_site_events (&s);
  g_assert_nonnull (strstr (ev, "\"interaction.unanswered\""));
  g_assert_nonnull (strstr (ev, "\"refused\""));
  occ_test_sip_site_stop (&s);
}

static void
test_max_wait_lets_the_caller_go (void)
{
  OccTestSipSite s = { 0 };
  site_start (&s);
  /* nobody ready; the queue's max-wait is 2 s: the caller gets 480 */
  g_autofree char *dir = occ_test_mkdtemp ();
  g_autofree char *src
      = g_strdup_printf ("%s/tests/plugins/sip/scenarios/invite-refused.xml", SOURCE_ROOT);
  g_autofree char *text = occ_test_read (src);
  const struct {
    const char *mark, *value;
  } fill[] = { { "@EXPECT@", "480" },
               { "@CTYPE@", "application/sdp" },
               { "@BODY@", "v=0\no=x 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\n"
                           "m=audio 4000 RTP/AVP 0\na=rtpmap:0 PCMU/8000\n" } };
  for (guint i = 0; i < G_N_ELEMENTS (fill); i++)
    {
      g_auto (GStrv) parts = g_strsplit (text, fill[i].mark, -1);
      g_free (text);
      text = g_strjoinv (fill[i].value, parts);
    }
  g_auto (GStrv) parts = g_strsplit (text, "sip:1000@", -1);
  g_free (text);
  text = g_strjoinv ("sip:2001@", parts);
  occ_test_write (dir, "wait.xml", text);
  g_autofree char *path = g_build_filename (dir, "wait.xml", NULL);
  OccTestSippConfig c = { .scenario = path, .remote = s.sip, .calls = 1, .timeout_s = 20 };
  g_assert_cmpint (occ_test_sipp_run (&c, 30000), ==, 0);
  g_autofree char *ev = occ_test_sip_site_events (&s);
  g_assert_nonnull (strstr (ev, "\"acd.left\""));
  g_assert_nonnull (strstr (ev, "\"queue-timeout\""));
  occ_test_rmtree (dir);
  occ_test_sip_site_stop (&s);
}

static void
test_agent_commands_check_their_input (void)
{
  OccTestSipSite s = { 0 };
  site_start (&s);
  g_autofree char *unknown = occ_test_call (s.d, 1, "agent.ready", "login=nobody", NULL);
  g_assert_nonnull (strstr (unknown, "no agent"));
  g_autofree char *bad = occ_test_call (
      s.d, 1, "agent.pause", "login=awa",
      "reason=a reason far too long to be a reason code for anybody at all, even a "
      "supervisor in a hurry",
      NULL);
  g_assert_nonnull (strstr (bad, "reason"));
  g_autofree char *lunch = occ_test_call (s.d, 0, "agent.pause", "login=awa", "reason=lunch", NULL);
  g_assert_nonnull (strstr (lunch, "\"reason\":\"lunch\""));
  g_autofree char *out = occ_test_call (s.d, 0, "agent.logout", "login=awa", NULL);
  g_assert_nonnull (strstr (out, "logged-out"));
  occ_test_sip_site_stop (&s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!occ_test_sipp_installed ())
    return 0;
  g_test_add_func ("/acd/calls/waits-for-a-ready-agent", test_waits_for_a_ready_agent);
  g_test_add_func ("/acd/calls/auto-answer-queue", test_auto_answer_queue);
  g_test_add_func ("/acd/calls/refused-goes-to-the-next", test_refused_goes_to_the_next);
  g_test_add_func ("/acd/calls/max-wait-lets-the-caller-go", test_max_wait_lets_the_caller_go);
  g_test_add_func ("/acd/calls/agent-commands-check-their-input",
                   test_agent_commands_check_their_input);
  return g_test_run ();
}
