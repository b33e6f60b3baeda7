/* The IVR end to end: the real omniccd with sip, media, acd, records and
 * ivr; callers on the trunk played by sipp pressing keys (RFC 4733 events
 * or in-band tones) and hearing what the IVR plays through an RTP meter;
 * a web service in the test process for the HTTP node; agents' phones
 * played by sipp. The demo flows (share/examples/ivr) run on prompts the
 * test writes: short tones, one frequency per prompt that matters, so
 * that what a caller heard is measured by its audio. */
#include "dtmf.h"
#include "rtp-meter.h"
#include "sip-site.h"
#include "sipp.h"
#include "testlib.h"
#include "tone.h"
#include "web-peer.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define CALLER "+2250700000001"
#define OTHER_HZ 300 /* every prompt not listed below */

typedef struct {
  const char *name;
  guint hz;
  guint ms;
} PromptTone;

/* the prompts whose sound a test looks for */
static const PromptTone marked[] = {
  { "balance-is", 1100, 400 },
  { "balance-unavailable", 1300, 400 },
  { "moh", 900, 1000 },
  { "callback-done", 1500, 400 },
  { "technical-problem", 1700, 400 },
  { "survey-thanks", 1900, 400 },
};

typedef struct {
  OccTestSipSite s;
  OccTestWebPeer *web;
  char *prompts;
} Site;

static void
write_prompts (const char *dir, const char *lang)
{
  g_autofree char *catalogue_path = g_strdup_printf ("%s/share/prompts/%s.txt", SOURCE_ROOT, lang);
  g_autofree char *catalogue = NULL;
  g_assert_true (g_file_get_contents (catalogue_path, &catalogue, NULL, NULL));
  g_autofree char *ldir = g_build_filename (dir, lang, NULL);
  g_assert_cmpint (g_mkdir_with_parents (ldir, 0755), ==, 0);
  g_auto (GStrv) lines = g_strsplit (catalogue, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      if (lines[i][0] == '#' || lines[i][0] == '\0')
        continue;
      g_auto (GStrv) f = g_strsplit (lines[i], "\t", 2);
      guint hz = OTHER_HZ, ms = 120;
      for (guint j = 0; j < G_N_ELEMENTS (marked); j++)
        if (g_str_equal (marked[j].name, f[0]))
          hz = marked[j].hz, ms = marked[j].ms;
      g_autofree char *file = g_strconcat (f[0], ".wav", NULL);
      g_autofree char *path = g_build_filename (ldir, file, NULL);
      g_autoptr (GError) e = NULL;
      g_assert_true (occ_test_tone_write_wav (path, hz, ms, &e));
    }
}

static char *
example (const char *name)
{
  g_autofree char *path = g_strdup_printf ("%s/share/examples/ivr/%s", SOURCE_ROOT, name);
  char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

static void
site_start (Site *t, const char *queue_extra)
{
  t->web = occ_test_web_peer_start ();
  occ_test_web_peer_set_balance (t->web, CALLER, "12.50");
  t->prompts = occ_test_mkdtemp ();
  write_prompts (t->prompts, "fr");
  write_prompts (t->prompts, "en");
  g_autofree char *flows = g_build_filename (t->prompts, "flows", NULL);
  g_assert_cmpint (g_mkdir_with_parents (flows, 0755), ==, 0);
  g_autofree char *demo = example ("demo.flow");
  g_autofree char *survey = example ("survey.flow");
  occ_test_write (flows, "demo.flow", demo);
  occ_test_write (flows, "survey.flow", survey);
  /* a web service that answers too late: the node's time-out takes the
   * error branch */
  occ_test_write (flows, "slow.flow",
                  "[flow]\nstart = ask\nlanguage = fr\n"
                  "[ask]\nkind = http\n"
                  "url = http://127.0.0.1:${billing_port}/slow?ms=20000\ntimeout = 500\n"
                  "set = balance:balance\nnext = told\non-error = down\n"
                  "[told]\nkind = end\nprompt = balance-is\n"
                  "[down]\nkind = end\nprompt = balance-unavailable\n");
  g_autofree char *ivr_conf = g_strdup_printf ("[ivr]\nflow-dirs=%s\nprompt-dirs=%s\n"
                                               "country=225\n[variables]\nbilling_port=%d\n",
                                               flows, t->prompts, occ_test_web_peer_port (t->web));
  g_autofree char *acd_conf = g_strdup_printf (
      "[acd]\nstats-interval=1\n[queue support]\nstrategy=fifo-priority\nring-timeout=10\n%s"
      "[agent awa]\nqueues=support\n",
      queue_extra ? queue_extra : "");
  const char *const files[]
      = { "plugins.d/ivr.conf", ivr_conf, "plugins.d/acd.conf", acd_conf, NULL };
  occ_test_sip_site_start_with (&t->s, "acd;acd-fifo-priority;ivr", files, NULL, NULL,
                                "[route ivr]\nnumbers=3000\nivr=demo\n"
                                "[route slow]\nnumbers=3001\nivr=slow\n");
}

static void
site_stop (Site *t)
{
  occ_test_sip_site_stop (&t->s);
  occ_test_rmtree (t->prompts);
  g_free (t->prompts);
  occ_test_web_peer_free (t->web);
}

/* A caller on the trunk dialing @number, pressing @keys. */
static OccTestSipp *
caller_to (Site *t, const char *number, const char *keys, OccTestDtmfMode mode,
           guint hangup_after_ms)
{
  OccTestSippConfig c = { .scenario = "uac-dtmf",
                          .remote = t->s.sip,
                          .service = number,
                          .caller = CALLER,
                          .calls = 1,
                          .timeout_s = 60,
                          .rtp_meter = TRUE,
                          .dtmf = keys,
                          .dtmf_mode = mode,
                          .hangup_after_ms = hangup_after_ms };
  OccTestSipp *p = occ_test_sipp_start (&c);
  g_assert_nonnull (p);
  return p;
}

/* A caller on the trunk dialing the demo IVR's number, pressing @keys. */
static OccTestSipp *
caller (Site *t, const char *keys, OccTestDtmfMode mode, guint hangup_after_ms)
{
  return caller_to (t, "3000", keys, mode, hangup_after_ms);
}

/* `omnicc call COMMAND [ARG]` ("records.find entity=x": one argument at most). */
static char *
call_line (Site *t, const char *line)
{
  g_auto (GStrv) w = g_strsplit (line, " ", 2);
  return occ_test_call (t->s.d, 0, w[0], w[1], NULL);
}

/* Asks `omnicc call COMMAND [ARG]` every 100 ms until its answer holds @needle. */
static gboolean
until (Site *t, const char *command, const char *needle, guint timeout_ms)
{
  for (guint waited = 0; waited <= timeout_ms; waited += 100)
    {
      g_autofree char *out = call_line (t, command);
      if (strstr (out, needle))
        return TRUE;
      g_usleep (100000);
    }
  g_autofree char *out = call_line (t, command);
  g_test_message ("%s: %s", command, out);
  return FALSE;
}

static double
heard (OccTestSipp *p, guint hz)
{
  double s = occ_test_rtp_meter_tone_seconds (p->meter, hz);
  g_test_message ("the caller heard %.2f s of %u Hz", s, hz);
  return s;
}

/* The events of @type in the site's log, as text (one JSON object a line). */
static guint
count (const char *log, const char *needle)
{
  guint n = 0;
  for (const char *p = log; (p = strstr (p, needle)); p++)
    n++;
  return n;
}

/* --- self-care: the balance by HTTP ------------------------------------------------------------- */

static void
check_balance (OccTestDtmfMode mode, gboolean web_fails)
{
  Site t = { 0 };
  site_start (&t, NULL);
  if (web_fails)
    occ_test_web_peer_set_balance (t.web, CALLER, ""); /* unknown: 404 */
  /* "1" during the welcome: the menu takes it (typed ahead) */
  g_autoptr (OccTestSipp) p = caller (&t, "800:1", mode, 5000);
  g_assert_cmpint (occ_test_sipp_wait (p, 30000), ==, 0);
  g_assert_cmpuint (occ_test_web_peer_count (t.web, "/balance"), ==, 1);
  if (web_fails)
    {
      g_assert_cmpfloat (heard (p, 1300), >, 0.2); /* balance-unavailable */
      g_assert_cmpfloat (heard (p, 1100), <, 0.05);
    }
  else
    {
      g_assert_cmpfloat (heard (p, 1100), >, 0.2); /* balance-is, then the amount */
      g_assert_cmpfloat (heard (p, 1300), <, 0.05);
    }
  g_autofree char *ev = occ_test_sip_site_events (&t.s);
  g_assert_nonnull (strstr (ev, "\"interaction.routed\""));
  g_assert_nonnull (strstr (ev, web_fails ? "\"balance-unavailable\"" : "\"balance-is\""));
  g_assert_nonnull (strstr (ev, "\"caller-hung-up\""));
  /* the variables the IVR learnt go with the call (ivr.ended, the
   * interaction's row) */
  if (!web_fails)
    g_assert_nonnull (strstr (ev, "\"balance\":{\"type\":\"s\",\"value\":\"12.50\"}"));
  else
    g_assert_nonnull (strstr (ev, "\"http.error\""));
  g_assert_true (until (&t, "records.find entity=interaction", "\"variables\"", 5000));
  site_stop (&t);
}

static void
test_balance_rfc4733 (void)
{
  check_balance (OCC_TEST_DTMF_RFC4733, FALSE);
}

static void
test_balance_inband_web_down (void)
{
  check_balance (OCC_TEST_DTMF_INBAND, TRUE);
}

/* A web service slower than the node's time-out: the error branch, long
 * before the service would have answered; the call ends (the IVR hangs
 * up, the caller's BYE never comes). */
static void
test_web_too_slow (void)
{
  Site t = { 0 };
  site_start (&t, NULL);
  g_autoptr (OccTestSipp) p = caller_to (&t, "3001", "5000:0", OCC_TEST_DTMF_RFC4733, 15000);
  g_assert_cmpint (occ_test_sipp_wait (p, 30000), ==, 0);
  g_assert_cmpfloat (heard (p, 1300), >, 0.2); /* balance-unavailable */
  g_assert_cmpfloat (heard (p, 1100), <, 0.05);
  g_autofree char *ev = occ_test_sip_site_events (&t.s);
  g_assert_nonnull (strstr (ev, "\"down\""));
  g_assert_nonnull (strstr (ev, "\"self-care\""));
  g_assert_nonnull (strstr (ev, "\"http.error\""));
  site_stop (&t);
}

/* A key the menu does not have is refused and the menu asked again; a
 * prompt that cannot be decoded sends the call to the flow's fallback,
 * which tells the caller and hangs up. */
static void
test_bad_key_and_broken_prompt (void)
{
  Site t = { 0 };
  site_start (&t, NULL);
  g_autofree char *broken = g_build_filename (t.prompts, "fr", "balance-is.wav", NULL);
  g_assert_true (g_file_set_contents (broken, "RIFF but not a wave file", -1, NULL));
  g_autoptr (OccTestSipp) p = caller (&t, "800:7 2500:1", OCC_TEST_DTMF_RFC4733, 15000);
  g_assert_cmpint (occ_test_sipp_wait (p, 30000), ==, 0);
  g_assert_cmpuint (occ_test_web_peer_count (t.web, "/balance"), ==, 1);
  g_assert_cmpfloat (heard (p, 1700), >, 0.2); /* technical-problem */
  g_assert_cmpfloat (heard (p, 1100), <, 0.05);
  g_autofree char *ev = occ_test_sip_site_events (&t.s);
  /* the menu once (7 refused and asked again in it: its key was 1), then
   * the balance, then the fallback */
  g_assert_cmpuint (count (ev, "\"main-menu\""), ==, 1);
  g_assert_nonnull (strstr (ev, "\"menu.key\":{\"type\":\"s\",\"value\":\"1\"}"));
  g_assert_nonnull (strstr (ev, "\"oops\""));
  g_assert_nonnull (strstr (ev, "\"failed\""));
  site_stop (&t);
}

/* --- to an agent, then the survey ------------------------------------------------------------------ */

static void
test_agent_then_survey (void)
{
  Site t = { 0 };
  site_start (&t, NULL);
  /* awa answers and hangs up after 2 s */
  OccTestSippConfig ph
      = { .scenario = "uas-hangs-up", .pause_ms = 2000, .calls = 1, .timeout_s = 60 };
  g_autoptr (OccTestSipp) phone = NULL;
  {
    int port = occ_test_sip_site_register (&t.s, "awa");
    ph.port = port;
    ph.service = "awa";
    phone = occ_test_sipp_start (&ph);
    g_assert_nonnull (phone);
  }
  g_autofree char *in = occ_test_call (t.s.d, 0, "agent.login", "login=awa", NULL);
  g_autofree char *r = occ_test_call (t.s.d, 0, "agent.ready", "login=awa", NULL);
  /* "2": an agent; after the agent hangs up, the survey: 4 then 5 */
  g_autoptr (OccTestSipp) p = caller (&t, "800:2 7000:4 8500:5", OCC_TEST_DTMF_RFC4733, 20000);
  g_assert_cmpint (occ_test_sipp_wait (phone, 30000), ==, 0);
  g_assert_cmpint (occ_test_sipp_wait (p, 30000), ==, 0);
  g_autofree char *ev = occ_test_sip_site_events (&t.s);
  g_assert_nonnull (strstr (ev, "\"interaction.connected\""));
  g_assert_nonnull (strstr (ev, "\"enqueued\""));
  g_assert_nonnull (strstr (ev, "\"survey\""));
  g_assert_cmpfloat (heard (p, 1900), >, 0.2); /* survey-thanks: the IVR hung up */
  g_assert_true (until (&t, "records.find entity=survey_answer", "\"answer\":5", 5000));
  g_autofree char *answers = occ_test_call (t.s.d, 0, "records.find", "entity=survey_answer", NULL);
  g_assert_nonnull (strstr (answers, "\"answer\":4"));
  g_assert_nonnull (strstr (answers, "How satisfied"));
  g_assert_cmpuint (count (answers, "\"interaction_id\""), ==, 2);
  site_stop (&t);
}

/* --- a call-back request -------------------------------------------------------------------------------- */

static void
test_callback (void)
{
  Site t = { 0 };
  site_start (&t, NULL);
  /* "3": a call-back; "1": on this number; then a message, ended by # */
  g_autoptr (OccTestSipp) p = caller (&t, "800:3 2000:1 5000:#", OCC_TEST_DTMF_RFC4733, 12000);
  g_assert_cmpint (occ_test_sipp_wait (p, 30000), ==, 0);
  g_assert_cmpfloat (heard (p, 1500), >, 0.2); /* callback-done */
  g_assert_true (until (&t, "callback.list", CALLER, 5000));
  g_autofree char *list = occ_test_call (t.s.d, 0, "callback.list", NULL);
  g_assert_nonnull (strstr (list, "\"queue_id\":\"support\""));
  g_assert_nonnull (strstr (list, "\"message_recording_id\""));
  g_autoptr (JsonNode) root = json_from_string (list, NULL);
  JsonArray *tasks = json_object_get_array_member (json_node_get_object (root), "tasks");
  g_assert_cmpuint (json_array_get_length (tasks), ==, 1);
  JsonObject *task = json_array_get_object_element (tasks, 0);
  const char *id = json_object_get_string_member (task, "id");
  /* the message: a recording row, and its file */
  g_autofree char *arg
      = g_strdup_printf ("id=%s", json_object_get_string_member (task, "message_recording_id"));
  g_autofree char *rec = occ_test_call (t.s.d, 0, "records.get", "entity=recording", arg, NULL);
  g_autoptr (JsonNode) rn = json_from_string (rec, NULL);
  JsonObject *ro = json_node_get_object (rn);
  const char *path = json_object_get_string_member (ro, "path");
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (json_object_get_int_member (ro, "duration_ms"), >, 1000);
  /* an agent takes it, then closes it; it cannot be taken twice */
  g_autofree char *idarg = g_strdup_printf ("id=%s", id);
  g_autofree char *taken = occ_test_call (t.s.d, 0, "callback.take", idarg, NULL);
  g_assert_nonnull (strstr (taken, "\"dialing\""));
  g_autofree char *again = occ_test_call (t.s.d, 1, "callback.take", idarg, NULL);
  g_assert_nonnull (strstr (again, "not pending"));
  g_autofree char *bad = occ_test_call (t.s.d, 1, "callback.done", idarg, "outcome=maybe", NULL);
  g_assert_nonnull (strstr (bad, "done, failed or cancelled"));
  g_autofree char *done = occ_test_call (t.s.d, 0, "callback.done", idarg, "outcome=done", NULL);
  g_assert_nonnull (strstr (done, "\"done\""));
  g_autofree char *none = occ_test_call (t.s.d, 1, "callback.take", "id=nope", NULL);
  g_assert_nonnull (strstr (none, "no call-back nope"));
  site_stop (&t);
}

/* Waiting too long: the queue lets the caller go back to the IVR, which
 * offers the call-back; the caller hears music on hold meanwhile. */
static void
test_queue_timeout_offers_callback (void)
{
  Site t = { 0 };
  site_start (&t, "max-wait=3\n");
  /* nobody is ready: "2" queues; after 3 s the offer; "1" confirms, # ends the message */
  g_autoptr (OccTestSipp) p = caller (&t, "800:2 7000:1 10000:#", OCC_TEST_DTMF_RFC4733, 16000);
  g_assert_cmpint (occ_test_sipp_wait (p, 40000), ==, 0);
  g_assert_cmpfloat (heard (p, 900), >, 1.0); /* music on hold while queued */
  g_assert_cmpfloat (heard (p, 1500), >, 0.2);
  g_autofree char *ev = occ_test_sip_site_events (&t.s);
  g_assert_nonnull (strstr (ev, "\"acd.left\""));
  g_assert_true (until (&t, "callback.list", CALLER, 5000));
  site_stop (&t);
}

/* --- flows changed while the daemon runs --------------------------------------------------------- */

static void
test_flow_reload (void)
{
  Site t = { 0 };
  site_start (&t, NULL);
  g_autofree char *flows = g_build_filename (t.prompts, "flows", NULL);
  g_autofree char *before = occ_test_call (t.s.d, 0, "ivr.flows", NULL);
  g_assert_nonnull (strstr (before, "\"name\":\"demo\""));
  g_assert_nonnull (strstr (before, "\"name\":\"survey\""));
  /* a broken change: refused with file, node and reason; the old one stays */
  occ_test_write (flows, "survey.flow",
                  "[flow]\nstart = q1\n[q1]\nkind = question\nprompt = survey-q1\n"
                  "question = x\nnext = nowhere\n");
  occ_test_write (flows, "extra.flow", "[flow]\nstart = a\n[a]\nkind = teleport\n");
  g_autofree char *after = occ_test_call (t.s.d, 0, "ivr.flows", NULL);
  g_test_message ("%s", after);
  g_assert_nonnull (strstr (after, "survey.flow: node \\\"q1\\\""));
  g_assert_nonnull (strstr (after, "nowhere"));
  g_assert_nonnull (strstr (after, "extra.flow"));
  g_assert_nonnull (strstr (after, "\"name\":\"survey\",\"language\":\"fr\",\"nodes\":4"));
  g_assert_null (strstr (after, "\"name\":\"extra\""));
  /* a good change is taken */
  occ_test_write (flows, "extra.flow", "[flow]\nstart = a\n[a]\nkind = hangup\n");
  g_assert_true (until (&t, "ivr.flows", "\"name\":\"extra\"", 3000));
  site_stop (&t);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!occ_test_sipp_installed ())
    return 0;
  g_test_add_func ("/ivr/calls/balance-rfc4733", test_balance_rfc4733);
  g_test_add_func ("/ivr/calls/balance-in-band-web-down", test_balance_inband_web_down);
  g_test_add_func ("/ivr/calls/web-too-slow", test_web_too_slow);
  g_test_add_func ("/ivr/calls/bad-key-and-broken-prompt", test_bad_key_and_broken_prompt);
  g_test_add_func ("/ivr/calls/agent-then-survey", test_agent_then_survey);
  g_test_add_func ("/ivr/calls/callback", test_callback);
  g_test_add_func ("/ivr/calls/queue-timeout-offers-callback", test_queue_timeout_offers_callback);
  g_test_add_func ("/ivr/calls/flow-reload", test_flow_reload);
  return g_test_run ();
}
