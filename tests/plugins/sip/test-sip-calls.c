/* The B2BUA end to end: the real omniccd with access, media and sip; a
 * trunk caller and agent phones played by sipp on 127.0.0.1; RTP counted
 * at the far side. */
#include "peers.h"
#include "rtp-meter.h"
#include "sip-site.h"
#include "sipp.h"
#include "testlib.h"

#include <string.h>

typedef OccTestSipSite Site;

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
site_start_with (Site *s, const char *trunk_extra, const char *more)
{
  occ_test_sip_site_start (s, NULL, trunk_extra, more);
}

static void
site_start (Site *s, const char *trunk_extra)
{
  occ_test_sip_site_start (s, NULL, trunk_extra, NULL);
}

static void
site_stop (Site *s)
{
  occ_test_sip_site_stop (s);
}

static guint
count (const char *text, const char *needle)
{
  guint n = 0;
  for (const char *p = strstr (text, needle); p; p = strstr (p + 1, needle))
    n++;
  return n;
}

static OccTestSipp *
phone (Site *s, const char *login, const char *scenario, gboolean meter)
{
  return occ_test_sip_site_phone (s, login, scenario, meter);
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
  g_autofree char *ev = occ_test_sip_site_events (&s);
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
  g_autofree char *ev = occ_test_sip_site_events (&s);
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
  g_autofree char *ev = occ_test_sip_site_events (&s);
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
  g_autofree char *ev = occ_test_sip_site_events (&s);
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
  g_autofree char *ev2 = occ_test_sip_site_events (&t);
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
  g_autofree char *ev = occ_test_sip_site_events (&s);
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
  g_autofree char *ev2 = occ_test_sip_site_events (&t);
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
  g_autofree char *ev = occ_test_sip_site_events (&s);
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
  g_autofree char *ev = occ_test_sip_site_events (&s);
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
  g_autofree char *ev = occ_test_sip_site_events (&s);
  g_assert_cmpuint (count (ev, "\"trying\""), ==, 2);
  g_assert_nonnull (strstr (ev, "\"answered\""));
  g_assert_nonnull (strstr (ev, "\"outbound\""));
  g_assert_nonnull (strstr (ev, "\"interaction.connected\""));
  /* nothing to call, nobody to call it with */
  g_autofree char *bad = occ_test_call (s.d, 1, "sip.originate", "number=12;34", NULL);
  site_stop (&s);
}

/* What a sipp peer received: its -trace_msg log. */
static char *
received (OccTestSipp *p)
{
  char *text = NULL;
  g_file_get_contents (p->messages, &text, NULL, NULL);
  return text ? text : g_strdup ("");
}

/* The agent's phone sends media before it answers (183 with SDP): the
 * caller hears it while the call still rings, then the answer keeps the
 * same media going. */
static void
test_early_media_reaches_the_caller (void)
{
  Site s = { 0 };
  /* (a route whose ring timeout outlasts the phone's 2 s of early media;
   * and media both ways keeps the call up under a 1 s media-timeout) */
  site_start_with (&s, NULL,
                   "[route early]\nnumbers=2000\nagents=awa\nring-timeout=30\n"
                   "[sip]\nmedia-timeout=1\n");
  g_autoptr (OccTestSipp) agent = phone (&s, "awa", "uas-early-media", FALSE);
  OccTestSippConfig c = caller (&s, "uac", "2000");
  c.rtp_meter = TRUE;
  g_autoptr (OccTestSipp) call = occ_test_sipp_start (&c);
  g_assert_nonnull (call);
  gboolean heard_while_ringing = FALSE;
  for (guint waited = 0; waited < 10000 && !heard_while_ringing; waited += 100)
    {
      guint packets = occ_test_rtp_meter_packets (call->meter);
      g_autofree char *calls = occ_test_call (s.d, 0, "sip.calls", NULL);
      heard_while_ringing = packets >= 25 && strstr (calls, "\"state\":\"ringing\"") != NULL;
      g_usleep (100000);
    }
  g_assert_true (heard_while_ringing);
  int rc = occ_test_sipp_wait (call, 20000);
  if (rc != 0)
    occ_test_sipp_dump (call);
  g_assert_cmpint (rc, ==, 0);
  g_assert_cmpint (occ_test_sipp_wait (agent, 10000), ==, 0);
  g_assert_cmpfloat (occ_test_rtp_meter_tone_seconds (call->meter, 440), >=, 2.5);
  g_autofree char *ev = occ_test_sip_site_events (&s);
  g_assert_nonnull (strstr (ev, "\"interaction.connected\""));
  site_stop (&s);
}

/* A leg that stops sending (its peer gone without a BYE) ends the call
 * after media-timeout: here the agent's phone never sends RTP while the
 * caller does; both get a BYE. */
static void
test_media_timeout_ends_a_silent_call (void)
{
  Site s = { 0 };
  site_start_with (&s, NULL, "[sip]\nmedia-timeout=2\n");
  g_autoptr (OccTestSipp) agent = phone (&s, "awa", "uas", FALSE);
  OccTestSippConfig c = caller (&s, "uac-callee-hangs-up", "1000");
  g_assert_cmpint (occ_test_sipp_run (&c, 30000), ==, 0);
  g_assert_cmpint (occ_test_sipp_wait (agent, 10000), ==, 0);
  g_autofree char *ev = occ_test_sip_site_events (&s);
  g_assert_nonnull (strstr (ev, "\"media-timeout\""));
  site_stop (&s);
}

/* Caller-ID in: the trunk's P-Asserted-Identity names the caller (not
 * the From), the display name reaches the agent's phone, and a caller who
 * asks for privacy shows as Anonymous there while the interaction keeps
 * the number (for records and call-backs) marked withheld. */
static void
test_caller_identity_reaches_the_agent (void)
{
  Site s = { 0 };
  site_start (&s, NULL);
  g_autofree char *scenario
      = g_strdup_printf ("%s/tests/plugins/sip/scenarios/uac-identity.xml", SOURCE_ROOT);
  const struct {
    const char *privacy;
    const char *agent_sees;
  } cases[] = {
    { "none", "From: \"Awa Kone\" <sip:+2250700000002@omnicc>" },
    { "id", "From: \"Anonymous\" <sip:anonymous@anonymous.invalid>" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (OccTestSipp) agent = phone (&s, "awa", "uas", FALSE);
      const char *const keys[] = { "display", "Awa Kone",       "pai", "+225-07-00-00-00-02",
                                   "privacy", cases[i].privacy, NULL };
      OccTestSippConfig c = caller (&s, scenario, "1000");
      c.caller = "0700000001"; /* the From's number, which the PAI overrides */
      c.keys = keys;
      g_assert_cmpint (occ_test_sipp_run (&c, 30000), ==, 0);
      g_assert_cmpint (occ_test_sipp_wait (agent, 10000), ==, 0);
      g_autofree char *msgs = received (agent);
      g_assert_nonnull (strstr (msgs, cases[i].agent_sees));
      g_assert_null (strstr (msgs, "0700000001"));
    }
  g_autofree char *ev = occ_test_sip_site_events (&s);
  g_assert_cmpuint (count (ev, "\"+2250700000002\""), >=, 2);
  /* (the event log writes extras as {"type": …, "value": …}) */
  g_assert_nonnull (strstr (ev, "\"withheld\":{\"type\":\"b\",\"value\":true}"));
  g_assert_nonnull (strstr (ev, "\"withheld\":{\"type\":\"b\",\"value\":false}"));
  g_assert_nonnull (strstr (ev, "\"value\":\"Awa Kone\""));
  site_stop (&s);
}

/* A caller through @s's trunk that answers the challenge as @user with
 * @password: sipp's exit status; what it received goes to @msgs. */
static int
call_with_credentials (Site *s, const char *user, const char *password, char **msgs)
{
  OccTestSippConfig c = caller (s, "uac-auth", "1000");
  c.auth_user = user;
  c.auth_password = password;
  c.timeout_s = 15;
  g_autoptr (OccTestSipp) call = occ_test_sipp_start (&c);
  g_assert_nonnull (call);
  int rc = occ_test_sipp_wait (call, 30000);
  *msgs = received (call);
  return rc;
}

/* A trunk that must prove its credentials (inbound-auth): the first
 * INVITE is challenged, the right answer is a call, a wrong one 403, none
 * no call at all; with inbound-from=* the credentials alone name the
 * trunk. */
static void
test_trunk_proves_its_credentials (void)
{
  Site s = { 0 };
  site_start (&s, "inbound-auth=true\nusername=site-b\npassword=In-Secret-2\n");
  g_autoptr (OccTestSipp) agent = phone (&s, "awa", "uas", FALSE);
  g_autofree char *good = NULL, *bad = NULL;
  g_assert_cmpint (call_with_credentials (&s, "site-b", "In-Secret-2", &good), ==, 0);
  g_assert_nonnull (strstr (good, "SIP/2.0 401 Unauthorized"));
  g_assert_nonnull (strstr (good, "WWW-Authenticate: Digest realm=\"omnicc\""));
  g_assert_cmpint (occ_test_sipp_wait (agent, 10000), ==, 0);
  g_assert_cmpint (call_with_credentials (&s, "site-b", "not-it", &bad), !=, 0);
  g_assert_nonnull (strstr (bad, "SIP/2.0 403"));
  g_autofree char *other = NULL;
  g_assert_cmpint (call_with_credentials (&s, "someone", "In-Secret-2", &other), !=, 0);
  g_assert_nonnull (strstr (other, "SIP/2.0 403"));
  g_autofree char *ev = occ_test_sip_site_events (&s);
  g_assert_cmpuint (count (ev, "\"interaction.new\""), ==, 1);
  site_stop (&s);

  /* a trunk anywhere: the operator's trunk takes another address, the
   * roaming one any, known by its credentials */
  Site t = { 0 };
  int nowhere = occ_test_free_sip_port ();
  g_autofree char *more
      = g_strdup_printf ("[trunk roaming]\naddress=127.0.0.1:%d\ninbound-from=*\n"
                         "inbound-auth=true\nusername=site-c\npassword=Roam-Secret-3\n"
                         "options-interval=0\ncodecs=PCMU;PCMA\n",
                         nowhere);
  site_start_with (&t, "inbound-from=192.0.2.1", more);
  g_autoptr (OccTestSipp) agent2 = phone (&t, "awa", "uas", FALSE);
  g_autofree char *roamed = NULL;
  g_assert_cmpint (call_with_credentials (&t, "site-c", "Roam-Secret-3", &roamed), ==, 0);
  g_autofree char *ev2 = occ_test_sip_site_events (&t);
  g_assert_nonnull (strstr (ev2, "\"roaming\""));
  site_stop (&t);
}

/* The operator wants us registered and challenges our INVITEs: the trunk
 * registers with its credentials (read from a password file), answers
 * the 401, and presents the trunk's number — or withholds it when the
 * call asks, asserting it only in P-Asserted-Identity. */
static void
test_trunk_registers_and_authenticates (void)
{
  Site s = { 0 };
  s.trunk_port = occ_test_free_sip_port ();
  OccTestSippConfig registrar = { .scenario = "registrar",
                                  .port = s.trunk_port,
                                  .auth_user = "site-a",
                                  .auth_password = "Trunk-Secret-1",
                                  .calls = 1,
                                  .timeout_s = 20 };
  g_autoptr (OccTestSipp) operator_registrar = occ_test_sipp_start (&registrar);
  g_assert_nonnull (operator_registrar);
  g_autofree char *secret_dir = occ_test_mkdtemp ();
  occ_test_write (secret_dir, "trunk.secret", "Trunk-Secret-1\n");
  g_autofree char *trunk = g_strdup_printf (
      "options-interval=0\nusername=site-a\npassword-file=%s/trunk.secret\nregister=true\n"
      "caller-id=+22520300000\nfrom-domain=operator.example\n",
      secret_dir);
  site_start (&s, trunk);
  g_assert_cmpint (occ_test_sipp_wait (operator_registrar, 15000), ==, 0);
  g_assert_true (sip_until (&s, "trunks", "\"registration\":\"registered\"", 5000));
  g_autofree char *reg = received (operator_registrar);
  g_assert_nonnull (strstr (reg, "To: <sip:site-a@operator.example>"));
  g_assert_nonnull (strstr (reg, "Expires: 600"));

  /* two calls through the challenging switch: the trunk's number, then
   * withheld */
  OccTestSippConfig far = { .scenario = "uas-auth",
                            .port = s.trunk_port,
                            .service = "+22507000001",
                            .auth_user = "site-a",
                            .auth_password = "Trunk-Secret-1",
                            .calls = 2,
                            .timeout_s = 40 };
  g_autoptr (OccTestSipp) customer = occ_test_sipp_start (&far);
  g_assert_nonnull (customer);
  const char *const presentations[] = { NULL, "caller_id=anonymous" };
  for (guint i = 0; i < G_N_ELEMENTS (presentations); i++)
    {
      g_autofree char *r
          = occ_test_call (s.d, 0, "sip.originate", "number=+22507000001", presentations[i], NULL);
      g_autoptr (JsonObject) o = occ_test_parse_object (r);
      g_assert_true (sip_until (&s, "calls", "\"state\":\"connected\"", 10000));
      g_autofree char *id_arg = g_strdup_printf ("id=%s", json_object_get_string_member (o, "id"));
      g_autofree char *h = occ_test_call (s.d, 0, "sip.hangup", id_arg, NULL);
      g_assert_true (sip_until (&s, "calls", "[]", 5000));
    }
  g_assert_cmpint (occ_test_sipp_wait (customer, 10000), ==, 0);
  g_autofree char *msgs = received (customer);
  g_test_message ("the switch received:\n%s", msgs);
  /* (the switch answers 200 only to a right Authorization: both calls
   * connecting proves the credentials; sofia-sip also sends them on the
   * BYEs) */
  g_assert_cmpuint (count (msgs, "\nAuthorization: Digest username=\"site-a\""), >=, 2);
  g_assert_nonnull (strstr (msgs, "From: <sip:+22520300000@operator.example>"));
  g_assert_cmpuint (count (msgs, "P-Asserted-Identity: <sip:+22520300000@operator.example>"), >=,
                    4);
  g_assert_nonnull (strstr (msgs, "From: \"Anonymous\" <sip:anonymous@anonymous.invalid>"));
  g_assert_nonnull (strstr (msgs, "Privacy: id"));
  g_autofree char *ev = occ_test_sip_site_events (&s);
  g_assert_nonnull (strstr (ev, "\"sip.trunk.registration\""));
  site_stop (&s);
  occ_test_rmtree (secret_dir);
}

/* Wrong credentials: the registration fails and says why; a call through
 * that trunk fails (credentials refused) and is not left hanging. */
static void
test_trunk_credentials_refused (void)
{
  Site s = { 0 };
  s.trunk_port = occ_test_free_sip_port ();
  OccTestSippConfig registrar = { .scenario = "registrar",
                                  .port = s.trunk_port,
                                  .auth_user = "site-a",
                                  .auth_password = "the-right-one",
                                  .calls = 1,
                                  .timeout_s = 20 };
  g_autoptr (OccTestSipp) operator_registrar = occ_test_sipp_start (&registrar);
  g_assert_nonnull (operator_registrar);
  site_start (&s, "options-interval=0\nusername=site-a\npassword=a-wrong-one\nregister=true\n");
  g_assert_true (sip_until (&s, "trunks", "\"registration\":\"failed: 403 Forbidden\"", 10000));
  occ_test_sipp_wait (operator_registrar, 10000);
  OccTestSippConfig far = { .scenario = "uas-auth",
                            .port = s.trunk_port,
                            .service = "+22507000001",
                            .auth_user = "site-a",
                            .auth_password = "the-right-one",
                            .calls = 1,
                            .timeout_s = 20 };
  g_autoptr (OccTestSipp) customer = occ_test_sipp_start (&far);
  g_assert_nonnull (customer);
  g_autofree char *r = occ_test_call (s.d, 0, "sip.originate", "number=+22507000001", NULL);
  g_assert_true (sip_until (&s, "calls", "[]", 10000));
  g_autofree char *ev = occ_test_sip_site_events (&s);
  g_assert_nonnull (strstr (ev, "\"failed\""));
  g_assert_null (strstr (ev, "\"answered\""));
  occ_test_sipp_stop (customer);
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
  g_autofree char *ev = occ_test_sip_site_events (&s);
  g_assert_nonnull (strstr (ev, "\"sip.trunk.state\""));
  site_stop (&s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!occ_test_sipp_installed ())
    return 0;
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
  g_test_add_func ("/sip/calls/trunk-registers-and-authenticates",
                   test_trunk_registers_and_authenticates);
  g_test_add_func ("/sip/calls/trunk-credentials-refused", test_trunk_credentials_refused);
  g_test_add_func ("/sip/calls/trunk-proves-its-credentials", test_trunk_proves_its_credentials);
  g_test_add_func ("/sip/calls/media-timeout-ends-a-silent-call",
                   test_media_timeout_ends_a_silent_call);
  g_test_add_func ("/sip/calls/early-media-reaches-the-caller",
                   test_early_media_reaches_the_caller);
  g_test_add_func ("/sip/calls/caller-identity-reaches-the-agent",
                   test_caller_identity_reaches_the_agent);
  g_test_add_func ("/sip/calls/trunk-keepalive", test_trunk_keepalive);
  return g_test_run ();
}
