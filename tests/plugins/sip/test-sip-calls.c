/* The B2BUA end to end: the real omniccd with access, media and sip; a
 * trunk caller and agent phones played by sipp on 127.0.0.1; RTP counted
 * at the far side. */
#include "peers.h"
#include "sipp.h"
#include "testlib.h"

#include <string.h>

typedef struct {
  OccTestDaemon *d;
  char *dir;
  int port;       /* omniccd's SIP port */
  int trunk_port; /* where the trunk's keep-alives go */
  char *sip;      /* "127.0.0.1:PORT" */
} Site;

/* Asks `omnicc sip VERB` every 100 ms until its answer holds @needle. */
static gboolean
sip_until (Site *s, const char *verb, const char *needle, guint timeout_ms)
{
  for (guint waited = 0; waited <= timeout_ms; waited += 100)
    {
      g_autofree char *command = g_strconcat ("sip.", verb, NULL);
      g_autofree char *out = occ_test_call (s->d, 0, command, NULL);
      if (strstr (out, needle))
        return TRUE;
      g_usleep (100000);
    }
  return FALSE;
}

static void
add_agent (Site *s, const char *login)
{
  g_autofree char *pw = g_strdup_printf ("login=%s", login);
  g_autofree char *pass = g_strdup_printf ("password=%s-Pass-1234", login);
  g_autofree char *a = occ_test_call (s->d, 0, "user.add", pw, pass, NULL);
  g_autofree char *role = occ_test_call (s->d, 0, "user.grant", pw, "role=agent", NULL);
  g_autofree char *o = occ_test_call (s->d, 0, "session.open", pw, pass, NULL);
}

static void
site_start_with (Site *s, const char *trunk_extra, const char *more)
{
  s->dir = occ_test_mkdtemp ();
  s->port = occ_test_free_sip_port ();
  s->trunk_port = occ_test_free_sip_port ();
  s->sip = g_strdup_printf ("127.0.0.1:%d", s->port);
  g_autofree char *conf = g_strdup_printf (
      "[core]\nplugin-path=%s\nstate-dir=state\ndata-dir=%s/share\npolicy-dir=%s/policies\n"
      "control-socket=control.sock\ncontrol-group=\ndrain-timeout=5\n[plugins]\n"
      "enabled=store-sqlite;records;audit;auth-local;access;eventlog;media;sip\n",
      PLUGIN_BUILD_DIR, SOURCE_ROOT, SOURCE_ROOT);
  occ_test_write (s->dir, "omnicc.conf", conf);
  /* the trunk prefers PCMU: sipp plays its µ-law pcap whatever the
   * answer chose, and packets of a payload type not negotiated are
   * dropped */
  g_autofree char *sipconf
      = g_strdup_printf ("[sip]\nlisten=sip:127.0.0.1:%d\nagent-srtp=off\n"
                         "[trunk operator]\naddress=127.0.0.1:%d\n"
                         "options-interval=1\ncodecs=PCMU;PCMA\n%s\n"
                         "[route sales]\nnumbers=1000;+22520*\n"
                         "agents=awa;bob\nring-timeout=3\n%s",
                         s->port, s->trunk_port, trunk_extra ? trunk_extra : "", more ? more : "");
  occ_test_write (s->dir, "plugins.d/sip.conf", sipconf);
  occ_test_write (s->dir, "plugins.d/media.conf", "[media]\naddress=127.0.0.1\n");
  occ_test_write (s->dir, "plugins.d/eventlog.conf", "[eventlog]\npattern=*\n");
  occ_test_write (s->dir, "policies/passwords.conf",
                  "[passwords]\nargon2-opslimit=1\nargon2-memlimit-kib=1024\nmin-length=8\n");
  s->d = occ_test_daemon_start_in (s->dir);
  g_assert_nonnull (s->d);
  add_agent (s, "awa");
  add_agent (s, "bob");
}

static void
site_start (Site *s, const char *trunk_extra)
{
  site_start_with (s, trunk_extra, NULL);
}

static void
site_stop (Site *s)
{
  g_assert_cmpint (occ_test_daemon_stop (s->d, SIGTERM), ==, 0);
  occ_test_daemon_free (s->d);
  occ_test_rmtree (s->dir);
  g_free (s->dir);
  g_free (s->sip);
}

/* The event log so far (it flushes every second). */
static char *
events (Site *s)
{
  g_autofree char *path = g_build_filename (s->dir, "state", "events.jsonl", NULL);
  g_usleep (1300 * 1000);
  char *text = NULL;
  g_file_get_contents (path, &text, NULL, NULL);
  return text ? text : g_strdup ("");
}

static guint
count (const char *text, const char *needle)
{
  guint n = 0;
  for (const char *p = strstr (text, needle); p; p = strstr (p + 1, needle))
    n++;
  return n;
}

/* An agent's phone: registers from @port, then answers there with
 * @scenario. */
static OccTestSipp *
phone (Site *s, const char *login, const char *scenario, gboolean meter)
{
  int port = occ_test_free_sip_port ();
  g_autofree char *pass = g_strdup_printf ("%s-Pass-1234", login);
  g_assert_cmpint (occ_test_sipp_register (s->sip, login, pass, port, 600), ==, 0);
  OccTestSippConfig ans = { .scenario = scenario,
                            .port = port,
                            .service = login,
                            .calls = 1,
                            .rtp_meter = meter,
                            .pause_ms = 1500 };
  OccTestSipp *p = occ_test_sipp_start (&ans);
  g_assert_nonnull (p);
  return p;
}

static OccTestSippConfig
caller (Site *s, const char *scenario, const char *number)
{
  return (OccTestSippConfig){ .scenario = scenario,
                              .remote = s->sip,
                              .service = number,
                              .caller = "+2250700000001",
                              .calls = 1,
                              .pause_ms = 2000,
                              .tone_hz = 1000,
                              .timeout_s = 30 };
}

static void
test_basic_call_with_media (void)
{
  Site s = { 0 };
  site_start (&s, NULL);
  g_autoptr (OccTestSipp) agent = phone (&s, "awa", "uas", TRUE);
  OccTestSippConfig c = caller (&s, "uac", "1000");
  g_autoptr (OccTestSipp) call = occ_test_sipp_start (&c);
  g_assert_nonnull (call);
  int rc = occ_test_sipp_wait (call, 30000);
  if (rc != 0)
    occ_test_sipp_dump (call);
  g_assert_cmpint (rc, ==, 0);
  g_assert_cmpint (occ_test_sipp_wait (agent, 10000), ==, 0);
  /* the caller's tone reached the agent's phone through the anchored legs */
  guint packets = occ_test_rtp_meter_packets (agent->meter);
  g_test_message ("RTP packets at the agent: %u, tone %.2f s", packets,
                  occ_test_rtp_meter_tone_seconds (agent->meter, 1000));
  g_assert_cmpuint (packets, >=, 50);
  g_assert_cmpfloat (occ_test_rtp_meter_tone_seconds (agent->meter, 1000), >=, 0.5);
  g_autofree char *ev = events (&s);
  g_assert_cmpuint (count (ev, "\"interaction.new\""), ==, 1);
  g_assert_cmpuint (count (ev, "\"interaction.connected\""), ==, 1);
  g_assert_nonnull (strstr (ev, "\"normal\",\"caller\""));
  g_assert_nonnull (strstr (ev, "\"media.leg.ended\""));
  g_autofree char *st = occ_test_call (s.d, 0, "sip.status", NULL);
  g_assert_nonnull (strstr (st, "\"calls-answered\":1"));
  g_assert_nonnull (strstr (st, "\"calls-now\":0"));
  site_stop (&s);
}

static void
test_agent_hangs_up (void)
{
  Site s = { 0 };
  site_start (&s, NULL);
  g_autoptr (OccTestSipp) agent = phone (&s, "awa", "uas-hangs-up", FALSE);
  OccTestSippConfig c = caller (&s, "uac-callee-hangs-up", "1000");
  g_assert_cmpint (occ_test_sipp_run (&c, 30000), ==, 0);
  g_assert_cmpint (occ_test_sipp_wait (agent, 10000), ==, 0);
  g_autofree char *ev = events (&s);
  g_assert_nonnull (strstr (ev, "\"normal\",\"agent\""));
  site_stop (&s);
}

static void
test_busy_then_next_agent (void)
{
  Site s = { 0 };
  site_start (&s, NULL);
  g_autoptr (OccTestSipp) awa = phone (&s, "awa", "uas-busy", FALSE);
  g_autoptr (OccTestSipp) bob = phone (&s, "bob", "uas", FALSE);
  OccTestSippConfig c = caller (&s, "uac", "+22520000000");
  g_assert_cmpint (occ_test_sipp_run (&c, 30000), ==, 0);
  g_assert_cmpint (occ_test_sipp_wait (bob, 10000), ==, 0);
  g_autofree char *ev = events (&s);
  g_assert_cmpuint (count (ev, "\"interaction.offered\""), ==, 2);
  g_assert_nonnull (strstr (ev, "\"interaction.connected\""));
  g_assert_nonnull (strstr (ev, "\"bob\""));
  site_stop (&s);
}

static void
test_no_answer_then_next_and_cancel (void)
{
  Site s = { 0 };
  site_start (&s, NULL);
  /* awa never answers: after ring-timeout (3 s) bob rings */
  g_autoptr (OccTestSipp) awa = phone (&s, "awa", "uas-ringing-forever", FALSE);
  g_autoptr (OccTestSipp) bob = phone (&s, "bob", "uas", FALSE);
  OccTestSippConfig c = caller (&s, "uac", "1000");
  g_assert_cmpint (occ_test_sipp_run (&c, 40000), ==, 0);
  g_autofree char *ev = events (&s);
  g_assert_nonnull (strstr (ev, "\"interaction.connected\""));
  /* awa's phone was told to stop ringing (its scenario ends on CANCEL) */
  int ra = occ_test_sipp_wait (awa, 10000);
  if (ra != 0)
    occ_test_sipp_dump (awa);
  g_assert_cmpint (ra, ==, 0);
  site_stop (&s);

  /* the caller gives up while the agent rings: the agent's phone stops */
  Site t = { 0 };
  site_start (&t, NULL);
  g_autoptr (OccTestSipp) ringing = phone (&t, "awa", "uas-ringing-forever", FALSE);
  OccTestSippConfig cancel = caller (&t, "uac-cancel", "1000");
  g_assert_cmpint (occ_test_sipp_run (&cancel, 30000), ==, 0);
  g_assert_cmpint (occ_test_sipp_wait (ringing, 10000), ==, 0);
  g_autofree char *ev2 = events (&t);
  g_assert_nonnull (strstr (ev2, "\"abandoned\",\"caller\""));
  site_stop (&t);
}

static void
test_refused_calls (void)
{
  Site s = { 0 };
  site_start (&s, NULL);
  /* nobody registered: 480; no route: 404 */
  OccTestSippConfig c = caller (&s, "uac", "1000");
  g_assert_cmpint (occ_test_sipp_run (&c, 30000), !=, 0);
  OccTestSippConfig nowhere = caller (&s, "uac", "5555");
  g_assert_cmpint (occ_test_sipp_run (&nowhere, 30000), !=, 0);
  g_autofree char *ev = events (&s);
  g_assert_nonnull (strstr (ev, "\"no-agent\""));
  g_assert_nonnull (strstr (ev, "\"no-route\""));
  site_stop (&s);

  /* a caller that is not a trunk: 403, and no interaction */
  Site t = { 0 };
  site_start (&t, "inbound-from=127.0.0.9");
  OccTestSippConfig stranger = caller (&t, "uac", "1000");
  g_autoptr (OccTestSipp) x = occ_test_sipp_start (&stranger);
  g_assert_cmpint (occ_test_sipp_wait (x, 30000), !=, 0);
  g_autofree char *msgs = occ_test_read (x->messages);
  g_assert_nonnull (strstr (msgs, "403 Unknown trunk"));
  g_autofree char *ev2 = events (&t);
  g_assert_null (strstr (ev2, "\"interaction.new\""));
  site_stop (&t);
}

static void
test_hold_and_unhold (void)
{
  Site s = { 0 };
  site_start (&s, NULL);
  g_autoptr (OccTestSipp) agent = phone (&s, "awa", "uas", FALSE);
  OccTestSippConfig c = caller (&s, "uac-hold", "1000");
  g_autoptr (OccTestSipp) call = occ_test_sipp_start (&c);
  int rc = occ_test_sipp_wait (call, 30000);
  if (rc != 0)
    occ_test_sipp_dump (call);
  g_assert_cmpint (rc, ==, 0);
  /* the hold re-INVITE was answered by the trunk leg (recvonly), then
   * unhold (sendrecv) */
  g_autofree char *msgs = occ_test_read (call->messages);
  g_assert_nonnull (strstr (msgs, "a=recvonly"));
  g_autofree char *ev = events (&s);
  g_assert_nonnull (strstr (ev, "\"normal\",\"caller\""));
  site_stop (&s);
}

static void
test_blind_transfer (void)
{
  Site s = { 0 };
  site_start (&s, NULL);
  /* awa answers, then REFERs the caller to bob */
  int port = occ_test_free_sip_port ();
  g_assert_cmpint (occ_test_sipp_register (s.sip, "awa", "awa-Pass-1234", port, 600), ==, 0);
  OccTestSippConfig refer = { .scenario = "uas-refer",
                              .port = port,
                              .service = "awa",
                              .calls = 1,
                              .pause_ms = 1000,
                              .refer_to = "sip:bob@127.0.0.1" };
  g_autoptr (OccTestSipp) awa = occ_test_sipp_start (&refer);
  g_autoptr (OccTestSipp) bob = phone (&s, "bob", "uas", TRUE);
  OccTestSippConfig c = caller (&s, "uac", "1000");
  c.pause_ms = 5000;
  g_autoptr (OccTestSipp) call = occ_test_sipp_start (&c);
  int rc = occ_test_sipp_wait (call, 40000);
  if (rc != 0)
    occ_test_sipp_dump (call);
  g_assert_cmpint (rc, ==, 0);
  int ra = occ_test_sipp_wait (awa, 10000);
  if (ra != 0)
    occ_test_sipp_dump (awa);
  g_assert_cmpint (ra, ==, 0);
  g_assert_cmpint (occ_test_sipp_wait (bob, 10000), ==, 0);
  g_autofree char *ev = events (&s);
  g_assert_nonnull (strstr (ev, "\"transferred-by\""));
  g_assert_cmpuint (count (ev, "\"interaction.connected\""), ==, 2);
  site_stop (&s);
}

static void
test_originate_with_failover (void)
{
  /* the first trunk cannot be reached (nothing listens there): the call
   * goes out through the second, whose far end answers; then the agent */
  int dead = occ_test_free_sip_port ();
  int backup = occ_test_free_sip_port ();
  g_autofree char *more = g_strdup_printf ("[trunk first]\naddress=127.0.0.1:%d\norder=1\n"
                                           "options-interval=0\ncodecs=PCMU\n"
                                           "[trunk second]\naddress=127.0.0.1:%d\norder=2\n"
                                           "options-interval=0\ncodecs=PCMU\n",
                                           dead, backup);
  Site s = { 0 };
  site_start_with (&s, "order=99", more);
  OccTestSippConfig far = {
    .scenario = "uas", .port = backup, .service = "+22507000001", .calls = 1, .rtp_meter = TRUE
  };
  g_autoptr (OccTestSipp) customer = occ_test_sipp_start (&far);
  g_assert_nonnull (customer);
  g_autoptr (OccTestSipp) agent = phone (&s, "awa", "uas", FALSE);
  g_autofree char *r
      = occ_test_call (s.d, 0, "sip.originate", "number=+22507000001", "agent=awa", NULL);
  g_autoptr (JsonObject) o = occ_test_parse_object (r);
  const char *id = json_object_get_string_member (o, "id");
  g_assert_true (sip_until (&s, "calls", "\"state\":\"connected\"", 10000));
  g_usleep (1000000);
  g_autofree char *id_arg = g_strdup_printf ("id=%s", id);
  g_autofree char *h = occ_test_call (s.d, 0, "sip.hangup", id_arg, NULL);
  g_assert_cmpint (occ_test_sipp_wait (customer, 10000), ==, 0);
  g_assert_cmpint (occ_test_sipp_wait (agent, 10000), ==, 0);
  g_autofree char *ev = events (&s);
  g_assert_cmpuint (count (ev, "\"trying\""), ==, 2);
  g_assert_nonnull (strstr (ev, "\"answered\""));
  g_assert_nonnull (strstr (ev, "\"outbound\""));
  g_assert_nonnull (strstr (ev, "\"interaction.connected\""));
  /* nothing to call, nobody to call it with */
  g_autofree char *bad = occ_test_call (s.d, 1, "sip.originate", "number=12;34", NULL);
  site_stop (&s);
}

/* An INVITE from the trunk with @body (of @ctype) must be answered
 * @expect. */
static void
invite_refused (Site *s, const char *ctype, const char *body, int expect)
{
  g_autofree char *src
      = g_strdup_printf ("%s/tests/plugins/sip/scenarios/invite-refused.xml", SOURCE_ROOT);
  g_autofree char *text = occ_test_read (src);
  g_autofree char *code = g_strdup_printf ("%d", expect);
  const struct {
    const char *mark;
    const char *value;
  } fill[] = { { "@EXPECT@", code }, { "@CTYPE@", ctype }, { "@BODY@", body } };
  for (guint i = 0; i < G_N_ELEMENTS (fill); i++)
    {
      g_auto (GStrv) parts = g_strsplit (text, fill[i].mark, -1);
      g_free (text);
      text = g_strjoinv (fill[i].value, parts);
    }
  g_autofree char *name = g_strdup_printf ("invite-%d-%u.xml", expect, g_random_int ());
  occ_test_write (s->dir, name, text);
  g_autofree char *path = g_build_filename (s->dir, name, NULL);
  OccTestSippConfig c = { .scenario = path, .remote = s->sip, .calls = 1, .timeout_s = 20 };
  g_assert_cmpint (occ_test_sipp_run (&c, 30000), ==, 0);
}

static void
test_malformed_invites (void)
{
  Site s = { 0 };
  site_start (&s, NULL);
  invite_refused (&s, "application/sdp", "v=0\nthis is not SDP at all\n", 400);
  invite_refused (&s, "application/sdp",
                  "v=0\no=x 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\n"
                  "m=audio 4000 RTP/AVP 97\na=rtpmap:97 NOTACODEC/8000\n",
                  488);
  invite_refused (&s, "text/plain", "hello", 488);
  /* and calls still go through */
  g_autoptr (OccTestSipp) agent = phone (&s, "awa", "uas", FALSE);
  OccTestSippConfig c = caller (&s, "uac", "1000");
  g_assert_cmpint (occ_test_sipp_run (&c, 30000), ==, 0);
  site_stop (&s);
}

static void
test_trunk_keepalive (void)
{
  Site s = { 0 };
  site_start (&s, NULL);
  OccTestSippConfig peer = { .scenario = "options-responder", .port = s.trunk_port };
  g_autoptr (OccTestSipp) up = occ_test_sipp_start (&peer);
  g_assert_nonnull (up);
  g_assert_true (sip_until (&s, "trunks", "\"state\":\"up\"", 10000));
  occ_test_sipp_stop (up);
  g_assert_true (sip_until (&s, "trunks", "\"state\":\"down\"", 40000));
  g_autofree char *ev = events (&s);
  g_assert_nonnull (strstr (ev, "\"sip.trunk.state\""));
  site_stop (&s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!g_file_test ("/usr/bin/sipp", G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("sipp (package sip-tester) is not installed");
      return 0;
    }
  g_test_add_func ("/sip/calls/basic-with-media", test_basic_call_with_media);
  g_test_add_func ("/sip/calls/agent-hangs-up", test_agent_hangs_up);
  g_test_add_func ("/sip/calls/busy-then-next-agent", test_busy_then_next_agent);
  g_test_add_func ("/sip/calls/no-answer-then-next-and-cancel",
                   test_no_answer_then_next_and_cancel);
  g_test_add_func ("/sip/calls/refused", test_refused_calls);
  g_test_add_func ("/sip/calls/hold-and-unhold", test_hold_and_unhold);
  g_test_add_func ("/sip/calls/blind-transfer", test_blind_transfer);
  g_test_add_func ("/sip/calls/originate-with-failover", test_originate_with_failover);
  g_test_add_func ("/sip/calls/malformed-invites", test_malformed_invites);
  g_test_add_func ("/sip/calls/trunk-keepalive", test_trunk_keepalive);
  return g_test_run ();
}
