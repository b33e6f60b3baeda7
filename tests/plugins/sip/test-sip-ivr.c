/* The voice service's call control for the IVR (version 3): the real
 * omniccd with sip, media and the ACD; test-ivr (ivr-fixture.c) stands in
 * for the ivr service and drives each call as its configuration says;
 * sipp is the trunk's caller (its RTP meter hears what the caller hears),
 * the agents' phones and the far end of a transfer; baresip an agent.
 * Tones tell who was heard: the prompt 600 Hz, music on hold 800 Hz, the
 * IVR after acd.left 1000 Hz, the survey and the outside party 1300 Hz,
 * the agent 440 Hz. */
#include "baresip.h"
#include "peers.h"
#include "sip-site.h"
#include "sipp.h"
#include "tone.h"

#include <string.h>

#define PROMPT_HZ 600
#define MOH_HZ 800
#define LEFT_HZ 1000
#define SURVEY_HZ 1300
#define AGENT_HZ 440

static const char acd_conf[] = "[acd]\nstats-interval=1\n"
                               "[queue sales]\nstrategy=fifo-priority\nmax-wait=60\n"
                               "[queue short]\nstrategy=fifo-priority\nmax-wait=2\n"
                               "[agent awa]\nqueues=sales;short\n";

typedef struct {
  OccTestSipSite s;
  char *tones; /* prompt.wav, moh.wav, left.wav, survey.wav */
} Site;

/* The site with the ACD and (if @ivr_conf) test-ivr configured with
 * @ivr_conf lines, in which @T@ stands for the folder of the tones; the
 * route "menu" (3000) goes to flow "main". */
static void
site_start (Site *t, const char *ivr_conf, const char *trunk_extra, const char *more)
{
  t->tones = occ_test_mkdtemp ();
  const struct {
    const char *name;
    guint hz, ms;
  } tones[] = { { "prompt.wav", PROMPT_HZ, 1500 },
                { "moh.wav", MOH_HZ, 1000 },
                { "left.wav", LEFT_HZ, 1500 },
                { "survey.wav", SURVEY_HZ, 1500 } };
  for (guint i = 0; i < G_N_ELEMENTS (tones); i++)
    {
      g_autofree char *path = g_build_filename (t->tones, tones[i].name, NULL);
      g_assert_true (occ_test_tone_write_wav (path, tones[i].hz, tones[i].ms, NULL));
    }
  g_auto (GStrv) parts = g_strsplit (ivr_conf ? ivr_conf : "", "@T@", -1);
  g_autofree char *body = g_strjoinv (t->tones, parts);
  g_autofree char *conf = g_strconcat ("[test-ivr]\n", body, NULL);
  const char *const files[]
      = { "plugins.d/acd.conf", acd_conf, "plugins.d/test-ivr.conf", conf, NULL };
  g_autofree char *routes
      = g_strconcat ("[route menu]\nnumbers=3000\nivr=main\n", more ? more : "", NULL);
  t->s.plugin_dir = IVR_FIXTURE_DIR;
  occ_test_sip_site_start_with (&t->s, ivr_conf ? "acd;acd-fifo-priority;test-ivr" : "acd", files,
                                NULL, trunk_extra, routes);
}

static void
site_stop (Site *t)
{
  occ_test_sip_site_stop (&t->s);
  occ_test_rmtree (t->tones);
  g_free (t->tones);
}

static OccTestSippConfig
caller (Site *t, const char *scenario, guint pause_ms)
{
  return (OccTestSippConfig){ .scenario = scenario,
                              .remote = t->s.sip,
                              .service = "3000",
                              .caller = "+2250700000001",
                              .calls = 1,
                              .pause_ms = pause_ms,
                              .rtp_meter = TRUE,
                              .timeout_s = 40 };
}

/* A call to the IVR's number (@scenario, @pause_ms), started. */
static OccTestSipp *
dial (Site *t, const char *scenario, guint pause_ms)
{
  OccTestSippConfig c = caller (t, scenario, pause_ms);
  OccTestSipp *call = occ_test_sipp_start (&c);
  g_assert_nonnull (call);
  return call;
}

/* Waits for @call to succeed; the event log then (transfer full). */
static char *
events_after (Site *t, OccTestSipp *call)
{
  g_assert_cmpint (occ_test_sipp_wait (call, 30000), ==, 0);
  return occ_test_sip_site_events (&t->s);
}

/* Asks `omnicc call COMMAND` every 100 ms until its answer holds @needle. */
static gboolean
until (Site *t, const char *command, const char *needle, guint timeout_ms)
{
  for (guint waited = 0; waited <= timeout_ms; waited += 100)
    {
      g_autofree char *out = occ_test_call (t->s.d, 0, command, NULL);
      if (strstr (out, needle))
        return TRUE;
      g_usleep (100000);
    }
  return FALSE;
}

/* Waits until the caller heard @seconds of @hz. */
static gboolean
heard (OccTestSipp *p, guint hz, double seconds, guint timeout_ms)
{
  for (guint waited = 0; waited <= timeout_ms; waited += 200)
    {
      if (occ_test_rtp_meter_tone_seconds (p->meter, hz) >= seconds)
        return TRUE;
      g_usleep (200000);
    }
  g_test_message ("heard %.2f s of %u Hz", occ_test_rtp_meter_tone_seconds (p->meter, hz), hz);
  return FALSE;
}

static char *
sipp_messages (OccTestSipp *p)
{
  char *text = NULL;
  g_file_get_contents (p->messages, &text, NULL, NULL);
  return text ? text : g_strdup ("");
}

/* A call to the IVR's number is never answered but refused with @status. */
static void
refused_with (Site *t, const char *status)
{
  g_autoptr (OccTestSipp) call = dial (t, "uac", 1000);
  g_assert_cmpint (occ_test_sipp_wait (call, 30000), !=, 0);
  g_autofree char *msgs = sipp_messages (call);
  g_assert_nonnull (strstr (msgs, status));
  g_assert_null (strstr (msgs, "SIP/2.0 200"));
}

/* A site whose IVR transfers its calls to +22507000009 through the trunk
 * "outside" (tried first), where sipp answers with @scenario (sending
 * @tone_hz); that sipp, started. */
static OccTestSipp *
site_with_outside (Site *t, const char *scenario, guint tone_hz)
{
  int far_port = occ_test_free_sip_port ();
  g_autofree char *outside = g_strdup_printf ("[trunk outside]\naddress=127.0.0.1:%d\norder=1\n"
                                              "options-interval=0\ncodecs=PCMU\n",
                                              far_port);
  /* the prompt first: the caller has its 200 before anything can fail */
  site_start (t, "tone=@T@/prompt.wav\ntransfer=+22507000009\n", "order=99", outside);
  OccTestSippConfig fc = { .scenario = scenario,
                           .port = far_port,
                           .service = "+22507000009",
                           .calls = 1,
                           .tone_hz = tone_hz };
  OccTestSipp *far = occ_test_sipp_start (&fc);
  g_assert_nonnull (far);
  return far;
}

/* The one line of the event log of @type that mentions @needle (transfer
 * full), or NULL. */
static char *
event_line (const char *log, const char *type, const char *needle)
{
  g_autofree char *quoted = g_strdup_printf ("\"%s\"", type);
  g_auto (GStrv) lines = g_strsplit (log, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (strstr (lines[i], quoted) && (needle == NULL || strstr (lines[i], needle)))
      return g_strdup (lines[i]);
  return NULL;
}

static void
assert_event (const char *log, const char *type, const char *needle)
{
  g_autofree char *line = event_line (log, type, needle);
  if (line == NULL)
    g_test_message ("no %s with %s in:\n%s", type, needle ? needle : "-", log);
  g_assert_nonnull (line);
}

static void
test_started_and_answered_by_the_ivr (void)
{
  Site t = { 0 };
  site_start (&t, "tone=@T@/prompt.wav\nhangup=true\n", NULL, NULL);
  g_autoptr (OccTestSipp) call = dial (&t, "uac-callee-hangs-up", 1000);
  /* answered (200), the prompt heard, then the IVR hangs up (our BYE) */
  g_autofree char *ev = events_after (&t, call);
  g_assert_cmpfloat (occ_test_rtp_meter_tone_seconds (call->meter, PROMPT_HZ), >=, 1.0);
  assert_event (ev, "interaction.routed", "\"ivr\"");
  assert_event (ev, "interaction.routed", "\"main\"");
  assert_event (ev, "test-ivr.started", "false");
  assert_event (ev, "interaction.ended", "\"normal\"");
  site_stop (&t);
}

static void
test_no_ivr_service_is_503 (void)
{
  Site t = { 0 };
  site_start (&t, NULL, NULL, NULL);
  refused_with (&t, "SIP/2.0 503");
  g_autofree char *ev = occ_test_sip_site_events (&t.s);
  assert_event (ev, "interaction.ended", "\"no-ivr\"");
  site_stop (&t);
}

static void
test_unanswered_hangup_is_480 (void)
{
  Site t = { 0 };
  site_start (&t, "answer=false\nhangup=true\n", NULL, NULL);
  refused_with (&t, "SIP/2.0 480");
  site_stop (&t);
}

static void
test_enqueued_with_music_then_agent (void)
{
  Site t = { 0 };
  site_start (&t, "tone=@T@/prompt.wav\nqueue=sales\nmoh=@T@/moh.wav\npriority=5\n", NULL, NULL);
  OccTestBaresipConfig bc = { .user = "awa",
                              .registrar = t.s.sip,
                              .password = "awa-Pass-1234",
                              .auto_answer = TRUE,
                              .tone_hz = AGENT_HZ };
  g_autoptr (OccTestBaresip) agent = occ_test_baresip_start (&bc);
  g_assert_nonnull (agent);
  g_assert_true (occ_test_baresip_wait_registered (agent, 10000));
  g_autofree char *in = occ_test_call (t.s.d, 0, "agent.login", "login=awa", NULL);
  g_autoptr (OccTestSipp) call = dial (&t, "uac", 14000);
  /* the prompt, then music on hold while nobody is ready */
  g_assert_true (until (&t, "sip.calls", "\"state\":\"queued\"", 10000));
  g_assert_true (heard (call, MOH_HZ, 1.5, 10000));
  g_assert_cmpfloat (occ_test_rtp_meter_tone_seconds (call->meter, PROMPT_HZ), >=, 1.0);
  g_assert_cmpfloat (occ_test_rtp_meter_tone_seconds (call->meter, AGENT_HZ), <, 0.2);
  g_autofree char *r = occ_test_call (t.s.d, 0, "agent.ready", "login=awa", NULL);
  g_assert_true (until (&t, "sip.calls", "\"state\":\"connected\"", 10000));
  /* the agent, and the music no more */
  g_assert_true (heard (call, AGENT_HZ, 1.5, 10000));
  double moh = occ_test_rtp_meter_tone_seconds (call->meter, MOH_HZ);
  g_assert_true (heard (call, AGENT_HZ, 3.0, 10000));
  g_assert_cmpfloat (occ_test_rtp_meter_tone_seconds (call->meter, MOH_HZ), <, moh + 0.3);
  g_autofree char *ev = events_after (&t, call);
  assert_event (ev, "interaction.enqueue", "\"ivr-choice\"");
  assert_event (ev, "interaction.connected", "\"awa\"");
  site_stop (&t);
}

static void
test_queue_timeout_goes_back_to_the_ivr (void)
{
  Site t = { 0 };
  site_start (&t, "queue=short\nmoh=@T@/moh.wav\nleft-tone=@T@/left.wav\n", NULL, NULL);
  g_autoptr (OccTestSipp) call = dial (&t, "uac-callee-hangs-up", 1000);
  /* max-wait 2 s: acd.left; the call stays up and the IVR plays, then
   * hangs up */
  g_autofree char *ev = events_after (&t, call);
  g_assert_cmpfloat (occ_test_rtp_meter_tone_seconds (call->meter, MOH_HZ), >=, 1.0);
  g_assert_cmpfloat (occ_test_rtp_meter_tone_seconds (call->meter, LEFT_HZ), >=, 1.0);
  assert_event (ev, "acd.left", "\"timeout\"");
  g_assert_null (strstr (ev, "queue-timeout"));
  assert_event (ev, "interaction.ended", "\"system\"");
  site_stop (&t);
}

static void
test_dequeue_withdraws_from_the_acd (void)
{
  Site t = { 0 };
  site_start (&t, "queue=sales\nmoh=@T@/moh.wav\ndequeue-after=1500\nleft-tone=@T@/left.wav\n",
              NULL, NULL);
  g_autoptr (OccTestSipp) call = dial (&t, "uac-callee-hangs-up", 1000);
  g_assert_true (until (&t, "acd.queues", "\"waiting\":1", 10000));
  g_autofree char *ev = events_after (&t, call);
  g_assert_cmpfloat (occ_test_rtp_meter_tone_seconds (call->meter, LEFT_HZ), >=, 1.0);
  /* the ACD took it out (counted as abandoned) and said so */
  g_assert_true (until (&t, "acd.queues", "\"waiting\":0", 5000));
  g_assert_true (until (&t, "acd.queues", "\"abandoned\":1", 5000));
  assert_event (ev, "acd.withdraw", "\"callback\"");
  assert_event (ev, "acd.left", "\"callback\"");
  site_stop (&t);
}

static void
test_survey_after_the_agent_hangs_up (void)
{
  Site t = { 0 };
  site_start (&t, "queue=sales\nsurvey=post\nsurvey-tone=@T@/survey.wav\n", NULL, NULL);
  g_autoptr (OccTestSipp) phone = occ_test_sip_site_phone (&t.s, "awa", "uas-hangs-up", FALSE);
  g_autofree char *r = occ_test_call (t.s.d, 0, "agent.ready", "login=awa", NULL);
  g_autoptr (OccTestSipp) call = dial (&t, "uac-callee-hangs-up", 1000);
  /* the agent answers and hangs up; the caller stays for the survey,
   * hears it, and the IVR hangs up */
  g_assert_cmpint (occ_test_sipp_wait (phone, 30000), ==, 0);
  g_autofree char *ev = events_after (&t, call);
  g_assert_cmpfloat (occ_test_rtp_meter_tone_seconds (call->meter, SURVEY_HZ), >=, 1.0);
  assert_event (ev, "test-ivr.started", "\"post\"");
  assert_event (ev, "test-ivr.started", "true");
  assert_event (ev, "interaction.ended", "\"survey\"");
  /* the agent was let go to wrap-up */
  g_autoptr (JsonObject) awa = occ_test_sip_site_agent (&t.s, "awa");
  g_assert_nonnull (awa);
  g_assert_cmpstr (json_object_get_string_member (awa, "state"), !=, "busy");
  site_stop (&t);
}

static void
test_transfer_to_an_outside_number (void)
{
  Site t = { 0 };
  g_autoptr (OccTestSipp) far = site_with_outside (&t, "uas", SURVEY_HZ);
  g_autoptr (OccTestSipp) call = dial (&t, "uac", 5000);
  g_autofree char *ev = events_after (&t, call);
  /* the caller's BYE reached the outside party */
  g_assert_cmpint (occ_test_sipp_wait (far, 10000), ==, 0);
  g_assert_cmpfloat (occ_test_rtp_meter_tone_seconds (call->meter, SURVEY_HZ), >=, 1.0);
  assert_event (ev, "interaction.routed", "\"external\"");
  assert_event (ev, "voice.progress", "\"answered\"");
  assert_event (ev, "interaction.ended", "\"transfer-to\"");
  assert_event (ev, "interaction.ended", "\"caller\"");
  site_stop (&t);
}

static void
test_transfer_failure_ends_the_call (void)
{
  Site t = { 0 };
  g_autoptr (OccTestSipp) far = site_with_outside (&t, "uas-busy", 0);
  g_autoptr (OccTestSipp) call = dial (&t, "uac-callee-hangs-up", 1000);
  g_autofree char *ev = events_after (&t, call);
  assert_event (ev, "voice.progress", "\"busy\"");
  assert_event (ev, "interaction.ended", "\"transfer-failed\"");
  site_stop (&t);
}

static void
test_hangup_while_queued (void)
{
  Site t = { 0 };
  site_start (&t, "queue=sales\nmoh=@T@/moh.wav\n", NULL, NULL);
  g_autoptr (OccTestSipp) call = dial (&t, "uac-callee-hangs-up", 1000);
  g_assert_true (until (&t, "acd.queues", "\"waiting\":1", 10000));
  g_autofree char *calls = occ_test_call (t.s.d, 0, "sip.calls", NULL);
  const char *at = strstr (calls, "\"id\":\"");
  g_assert_nonnull (at);
  g_autofree char *id = g_strndup (at + 6, 36);
  g_autofree char *arg = g_strdup_printf ("id=%s", id);
  g_autofree char *h = occ_test_call (t.s.d, 0, "sip.hangup", arg, NULL);
  /* the caller gets our BYE; the queue lets it go */
  g_assert_cmpint (occ_test_sipp_wait (call, 10000), ==, 0);
  g_assert_true (until (&t, "acd.queues", "\"waiting\":0", 5000));
  site_stop (&t);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!occ_test_sipp_installed ())
    return 0;
  g_test_add_func ("/sip/ivr/started-and-answered-by-the-ivr",
                   test_started_and_answered_by_the_ivr);
  g_test_add_func ("/sip/ivr/no-ivr-service-is-503", test_no_ivr_service_is_503);
  g_test_add_func ("/sip/ivr/unanswered-hangup-is-480", test_unanswered_hangup_is_480);
  g_test_add_func ("/sip/ivr/enqueued-with-music-then-agent", test_enqueued_with_music_then_agent);
  g_test_add_func ("/sip/ivr/queue-timeout-goes-back-to-the-ivr",
                   test_queue_timeout_goes_back_to_the_ivr);
  g_test_add_func ("/sip/ivr/dequeue-withdraws-from-the-acd", test_dequeue_withdraws_from_the_acd);
  g_test_add_func ("/sip/ivr/survey-after-the-agent-hangs-up",
                   test_survey_after_the_agent_hangs_up);
  g_test_add_func ("/sip/ivr/transfer-to-an-outside-number", test_transfer_to_an_outside_number);
  g_test_add_func ("/sip/ivr/transfer-failure-ends-the-call", test_transfer_failure_ends_the_call);
  g_test_add_func ("/sip/ivr/hangup-while-queued", test_hangup_while_queued);
  return g_test_run ();
}
