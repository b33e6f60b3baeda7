/* The real-peer harness of tests/lib, tested against itself: sipp calling
 * sipp with each built-in scenario and its counterpart, RTP and tones
 * arriving where they should, baresip calling sipp and baresip, and no
 * peer (kamailio's workers included) outliving a test that aborts or is
 * killed. */
#include "sip-peers.h"
#include "testlib.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CALL_MS 20000 /* how long a sipp pair may take, at most */

/* --- tones ---------------------------------------------------------------------------- */

static void
test_tone_survives_g711 (void)
{
  const gsize n = 8000; /* a second */
  g_autofree gint16 *pcm = occ_test_tone_samples (440, 8000, n);
  g_autofree gint16 *back = g_new (gint16, n);
  for (gsize i = 0; i < n; i++)
    back[i] = occ_test_ulaw_decode (occ_test_ulaw_encode (pcm[i]));
  g_assert_cmpfloat (occ_test_tone_seconds (back, n, 8000, 440), >=, 0.95);
  g_assert_cmpfloat (occ_test_tone_seconds (back, n, 8000, 1000), ==, 0);
  /* silence carries no tone */
  g_autofree gint16 *quiet = g_new0 (gint16, n);
  g_assert_cmpfloat (occ_test_tone_seconds (quiet, n, 8000, 440), ==, 0);
}

static void
test_tone_wav_round_trip (void)
{
  g_autofree char *dir = occ_test_mkdtemp ();
  g_autofree char *wav = g_build_filename (dir, "tone.wav", NULL);
  g_autoptr (GError) e = NULL;
  g_assert_true (occ_test_tone_write_wav (wav, 1000, 2000, &e));
  g_assert_no_error (e);
  gsize n = 0;
  guint rate = 0;
  g_autofree gint16 *samples = occ_test_wav_read (wav, &n, &rate);
  g_assert_nonnull (samples);
  g_assert_cmpuint (rate, ==, 8000);
  g_assert_cmpuint (n, ==, 16000);
  g_assert_cmpfloat (occ_test_wav_tone_seconds (wav, 1000), >=, 1.9);
  g_assert_cmpfloat (occ_test_wav_tone_seconds (wav, 440), ==, 0);
  occ_test_rmtree (dir);
}

/* --- sipp against sipp ---------------------------------------------------------------- */

/* Starts @answerer, then runs @caller against it; both must end with
 * their expected exit status, each having made @calls calls. */
static void
sipp_pair (OccTestSippConfig *answerer, int answerer_status, OccTestSippConfig *caller,
           int caller_status)
{
  if (answerer->calls == 0)
    answerer->calls = 1;
  if (caller->calls == 0)
    caller->calls = answerer->calls;
  g_autoptr (OccTestSipp) uas = occ_test_sipp_start (answerer);
  g_assert_nonnull (uas);
  caller->remote = uas->address;
  g_autoptr (OccTestSipp) uac = occ_test_sipp_start (caller);
  g_assert_nonnull (uac);
  int uac_status = occ_test_sipp_wait (uac, CALL_MS);
  int uas_status = occ_test_sipp_wait (uas, CALL_MS);
  if (uac_status != caller_status || uas_status != answerer_status)
    {
      occ_test_sipp_dump (uac);
      occ_test_sipp_dump (uas);
    }
  g_assert_cmpint (uac_status, ==, caller_status);
  g_assert_cmpint (uas_status, ==, answerer_status);
  guint ok = 0, failed = 0;
  g_assert_true (occ_test_sipp_counts (uac, &ok, &failed));
  g_assert_cmpuint (ok + failed, ==, caller->calls);
  g_assert_cmpuint (ok, ==, caller_status == 0 ? caller->calls : 0);
}

static void
test_sipp_call_with_rtp (void)
{
  if (getuid () != 0)
    {
      /* play_pcap_audio sends through a raw socket */
      g_test_skip ("sipp plays RTP only as root");
      return;
    }
  OccTestSippConfig uas_c = { .scenario = "uas", .rtp_meter = TRUE };
  g_autoptr (OccTestSipp) uas = occ_test_sipp_start (&uas_c);
  g_assert_nonnull (uas);
  OccTestSippConfig uac_c = { .scenario = "uac",
                              .remote = uas->address,
                              .calls = 1,
                              .pause_ms = 1500,
                              .tone_hz = 440,
                              .service = "agent",
                              .caller = "customer" };
  g_autoptr (OccTestSipp) uac = occ_test_sipp_start (&uac_c);
  g_assert_nonnull (uac);
  g_assert_cmpint (occ_test_sipp_wait (uac, CALL_MS), ==, 0);
  g_assert_true (occ_test_sipp_wait_calls (uas, 1, 3000));
  guint ok = 0, failed = 0;
  g_assert_true (occ_test_sipp_counts (uac, &ok, &failed));
  g_assert_cmpuint (ok, ==, 1);
  g_assert_cmpuint (failed, ==, 0);
  /* 1.5 s of 20 ms packets reached the answerer's SDP address */
  guint packets = occ_test_rtp_meter_packets (uas->meter);
  g_test_message ("RTP packets at the answerer: %u", packets);
  g_assert_cmpuint (packets, >=, 40);
  g_assert_cmpint (occ_test_rtp_meter_payload_type (uas->meter), ==, 0);
  g_assert_cmpfloat (occ_test_rtp_meter_tone_seconds (uas->meter, 440), >=, 0.8);
  g_assert_cmpfloat (occ_test_rtp_meter_tone_seconds (uas->meter, 1000), ==, 0);
  /* the caller named in the INVITE, as the scenario says */
  g_autofree char *messages = occ_test_read (uac->messages);
  g_assert_nonnull (strstr (messages, "INVITE sip:agent@127.0.0.1:"));
  g_assert_nonnull (strstr (messages, "From: <sip:customer@127.0.0.1:"));
  g_assert_cmpint (occ_test_sipp_stop (uas), ==, 0);
}

static void
test_sipp_cancel (void)
{
  OccTestSippConfig uas = { .scenario = "uas-ringing-forever" };
  OccTestSippConfig uac = { .scenario = "uac-cancel", .pause_ms = 300 };
  sipp_pair (&uas, 0, &uac, 0);
}

static void
test_sipp_busy (void)
{
  /* a caller expecting an answer fails on 486; the busy phone does not */
  OccTestSippConfig uas = { .scenario = "uas-busy" };
  OccTestSippConfig uac = { .scenario = "uac" };
  sipp_pair (&uas, 0, &uac, 1);
}

static void
test_sipp_callee_hangs_up (void)
{
  OccTestSippConfig uas = { .scenario = "uas-hangs-up", .pause_ms = 300 };
  OccTestSippConfig uac = { .scenario = "uac-callee-hangs-up" };
  sipp_pair (&uas, 0, &uac, 0);
}

static void
test_sipp_caller_hangs_up_twice (void)
{
  OccTestSippConfig uas = { .scenario = "uas", .calls = 2 };
  OccTestSippConfig uac = { .scenario = "uac-caller-hangs-up", .pause_ms = 200, .limit = 2 };
  sipp_pair (&uas, 0, &uac, 0);
}

static void
test_sipp_hold (void)
{
  OccTestSippConfig uas_c = { .scenario = "uas", .calls = 1 };
  g_autoptr (OccTestSipp) uas = occ_test_sipp_start (&uas_c);
  g_assert_nonnull (uas);
  OccTestSippConfig uac_c
      = { .scenario = "uac-hold", .remote = uas->address, .calls = 1, .pause_ms = 200 };
  g_autoptr (OccTestSipp) uac = occ_test_sipp_start (&uac_c);
  g_assert_nonnull (uac);
  g_assert_cmpint (occ_test_sipp_wait (uac, CALL_MS), ==, 0);
  g_assert_cmpint (occ_test_sipp_wait (uas, CALL_MS), ==, 0);
  /* the answerer took the hold (sendonly) as such: recvonly */
  g_autofree char *messages = occ_test_read (uas->messages);
  const char *sendonly = strstr (messages, "a=sendonly");
  g_assert_nonnull (sendonly);
  g_assert_nonnull (strstr (sendonly, "a=recvonly"));
}

static void
test_sipp_blind_transfer (void)
{
  OccTestSippConfig uas_c = {
    .scenario = "uas-refer", .calls = 1, .pause_ms = 300, .refer_to = "sip:queue-sales@127.0.0.1"
  };
  g_autoptr (OccTestSipp) uas = occ_test_sipp_start (&uas_c);
  g_assert_nonnull (uas);
  OccTestSippConfig uac_c = { .scenario = "uac-transferee", .remote = uas->address, .calls = 1 };
  g_autoptr (OccTestSipp) uac = occ_test_sipp_start (&uac_c);
  g_assert_nonnull (uac);
  g_assert_cmpint (occ_test_sipp_wait (uac, CALL_MS), ==, 0);
  g_assert_cmpint (occ_test_sipp_wait (uas, CALL_MS), ==, 0);
  g_autofree char *messages = occ_test_read (uac->messages);
  g_assert_nonnull (strstr (messages, "Refer-To: <sip:queue-sales@127.0.0.1>"));
}

static void
test_sipp_options (void)
{
  /* a trunk peer that is up answers every ping until it is stopped */
  OccTestSippConfig peer_c = { .scenario = "options-responder" };
  g_autoptr (OccTestSipp) peer = occ_test_sipp_start (&peer_c);
  g_assert_nonnull (peer);
  OccTestSippConfig ping = { .scenario = "options", .remote = peer->address, .calls = 3 };
  g_assert_cmpint (occ_test_sipp_run (&ping, CALL_MS), ==, 0);
  g_assert_true (occ_test_sipp_wait_calls (peer, 3, 3000));
  g_assert_cmpint (occ_test_sipp_stop (peer), ==, 0);
  guint ok = 0, failed = 0;
  g_assert_true (occ_test_sipp_counts (peer, &ok, &failed));
  g_assert_cmpuint (ok, ==, 3);
  g_assert_cmpuint (failed, ==, 0);
}

static void
test_sipp_register_digest (void)
{
  OccTestSippConfig registrar
      = { .scenario = "registrar", .auth_user = "awa", .auth_password = "Awa-pass-1234" };
  OccTestSippConfig right = {
    .scenario = "register", .service = "awa", .auth_password = "Awa-pass-1234", .expires = 60
  };
  sipp_pair (&registrar, 0, &right, 0);

  /* a wrong password: 403, the client fails, and so does the registrar's call */
  OccTestSippConfig wrong = { .scenario = "register", .service = "awa", .auth_password = "nope" };
  sipp_pair (&registrar, 1, &wrong, 1);
}

static void
test_sipp_unknown_scenario (void)
{
  OccTestSippConfig c = { .scenario = "uac-that-does-not-exist" };
  g_assert_null (occ_test_sipp_start (&c));
}

/* --- baresip ------------------------------------------------------------------------ */

/* Ends @b's call from its side after @ms and waits until it is closed. */
static void
talk_then_hang_up (OccTestBaresip *b, guint ms)
{
  occ_test_spin (ms);
  g_assert_true (occ_test_baresip_hangup (b));
  g_autoptr (JsonObject) closed = occ_test_baresip_wait_event (b, "CALL_CLOSED", 5000);
  g_assert_nonnull (closed);
}

static void
test_baresip_calls_echoing_sipp (void)
{
  OccTestSippConfig uas_c = { .scenario = "uas", .calls = 1, .rtp_echo = TRUE };
  g_autoptr (OccTestSipp) uas = occ_test_sipp_start (&uas_c);
  g_assert_nonnull (uas);
  OccTestBaresipConfig c = { .user = "agent1" };
  g_autoptr (OccTestBaresip) b = occ_test_baresip_start (&c);
  g_assert_nonnull (b);
  g_assert_true (occ_test_baresip_dial (b, uas->uri));
  g_autoptr (JsonObject) up = occ_test_baresip_wait_event (b, "CALL_ESTABLISHED", 5000);
  g_assert_nonnull (up);
  talk_then_hang_up (b, 2500);
  g_assert_cmpint (occ_test_sipp_wait (uas, 5000), ==, 0);
  /* its own tone came back from sipp's echo */
  double heard = occ_test_baresip_heard_tone_seconds (b, 440);
  g_test_message ("baresip heard its 440 Hz tone for %.2f s", heard);
  g_assert_cmpfloat (heard, >=, 1.0);
  g_autofree char *sent = occ_test_baresip_sent_wav (b);
  g_assert_nonnull (sent);
  g_assert_cmpfloat (occ_test_wav_tone_seconds (sent, 440), >=, 1.0);
}

static void
test_baresip_calls_baresip (void)
{
  OccTestBaresipConfig ac = { .user = "agent1", .auto_answer = TRUE, .tone_hz = 440 };
  OccTestBaresipConfig bc = { .user = "agent2", .tone_hz = 1000 };
  g_autoptr (OccTestBaresip) a = occ_test_baresip_start (&ac);
  g_autoptr (OccTestBaresip) b = occ_test_baresip_start (&bc);
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_true (occ_test_baresip_dial (b, a->uri));
  /* (answering by itself, baresip 1.0 tells no CALL_INCOMING) */
  g_autoptr (JsonObject) a_up = occ_test_baresip_wait_event (a, "CALL_ESTABLISHED", 5000);
  g_autoptr (JsonObject) b_up = occ_test_baresip_wait_event (b, "CALL_ESTABLISHED", 5000);
  g_assert_nonnull (a_up);
  g_assert_nonnull (b_up);
  g_assert_cmpstr (json_object_get_string_member_with_default (a_up, "peeruri", ""), ==, b->uri);
  talk_then_hang_up (b, 2500);
  g_autoptr (JsonObject) a_closed = occ_test_baresip_wait_event (a, "CALL_CLOSED", 5000);
  g_assert_nonnull (a_closed);
  /* each heard the other's tone, and not its own */
  double a_heard = occ_test_baresip_heard_tone_seconds (a, 1000);
  double b_heard = occ_test_baresip_heard_tone_seconds (b, 440);
  g_test_message ("agent1 heard 1000 Hz for %.2f s, agent2 heard 440 Hz for %.2f s", a_heard,
                  b_heard);
  g_assert_cmpfloat (a_heard, >=, 1.0);
  g_assert_cmpfloat (b_heard, >=, 1.0);
  g_assert_cmpfloat (occ_test_baresip_heard_tone_seconds (a, 440), <, 0.2);
}

static void
test_baresip_answers_sipp_caller (void)
{
  if (getuid () != 0)
    {
      g_test_skip ("sipp plays RTP only as root");
      return;
    }
  OccTestBaresipConfig c = { .user = "agent1" };
  g_autoptr (OccTestBaresip) b = occ_test_baresip_start (&c);
  g_assert_nonnull (b);
  g_autofree char *remote = g_strdup_printf ("127.0.0.1:%d", b->sip_port);
  OccTestSippConfig uac_c = { .scenario = "uac",
                              .remote = remote,
                              .service = "agent1",
                              .calls = 1,
                              .pause_ms = 2500,
                              .tone_hz = 1000 };
  g_autoptr (OccTestSipp) uac = occ_test_sipp_start (&uac_c);
  g_assert_nonnull (uac);
  /* it rings until answered */
  g_autoptr (JsonObject) incoming = occ_test_baresip_wait_event (b, "CALL_INCOMING", 5000);
  g_assert_nonnull (incoming);
  occ_test_spin (300);
  g_assert_true (occ_test_baresip_accept (b));
  g_autoptr (JsonObject) up = occ_test_baresip_wait_event (b, "CALL_ESTABLISHED", 5000);
  g_assert_nonnull (up);
  g_assert_cmpint (occ_test_sipp_wait (uac, CALL_MS), ==, 0);
  g_autoptr (JsonObject) closed = occ_test_baresip_wait_event (b, "CALL_CLOSED", 5000);
  g_assert_nonnull (closed);
  double heard = occ_test_baresip_heard_tone_seconds (b, 1000);
  g_test_message ("baresip heard sipp's 1000 Hz tone for %.2f s", heard);
  g_assert_cmpfloat (heard, >=, 1.5);
}

static void
test_baresip_registers_with_digest (void)
{
  OccTestSippConfig registrar_c
      = { .scenario = "registrar", .auth_user = "agent1", .auth_password = "Agent1-pass" };
  g_autoptr (OccTestSipp) registrar = occ_test_sipp_start (&registrar_c);
  g_assert_nonnull (registrar);
  OccTestBaresipConfig c
      = { .user = "agent1", .registrar = registrar->address, .password = "Agent1-pass" };
  g_autoptr (OccTestBaresip) b = occ_test_baresip_start (&c);
  g_assert_nonnull (b);
  g_assert_true (occ_test_baresip_wait_registered (b, 5000));
  g_assert_true (occ_test_sipp_wait_calls (registrar, 1, 3000));
  guint ok = 0, failed = 0;
  g_assert_true (occ_test_sipp_counts (registrar, &ok, &failed));
  g_assert_cmpuint (ok, ==, 1);
  g_assert_cmpuint (failed, ==, 0);
}

/* --- the guard ------------------------------------------------------------------------ */

#define PID_FILE_VAR "OCC_TEST_GUARD_PID_FILE"

typedef struct {
  int how;           /* SIGABRT or SIGKILL */
  gboolean kamailio; /* the peer: kamailio (with its workers) or sipp */
} GuardCase;

/* In the test's subprocess: starts a peer, tells its pid and folder, and
 * dies. */
static void
start_peer_and_die (const GuardCase *c)
{
  GPid pid;
  const char *dir;
  if (c->kamailio)
    {
      OccTestKamailioConfig kc = { .lifetime_s = 60 };
      OccTestKamailio *k = occ_test_kamailio_start (&kc); /* left running on purpose */
      g_assert_nonnull (k);
      pid = k->pid;
      dir = k->dir;
    }
  else
    {
      OccTestSippConfig sc = { .scenario = "uas" };
      OccTestSipp *s = occ_test_sipp_start (&sc); /* left running on purpose */
      g_assert_nonnull (s);
      pid = s->pid;
      dir = s->dir;
    }
  g_autofree char *text = g_strdup_printf ("%d\n%s", pid, dir);
  g_assert_true (g_file_set_contents (g_getenv (PID_FILE_VAR), text, -1, NULL));
  if (c->how == SIGKILL)
    raise (SIGKILL);
  abort ();
}

typedef struct {
  GPid pid;
} Gone;

static gboolean
peer_gone (gpointer data)
{
  return !occ_test_process_alive (((Gone *) data)->pid);
}

static void
test_guard (gconstpointer data)
{
  const GuardCase *c = data;
  if (g_test_subprocess ())
    {
      start_peer_and_die (c);
      return;
    }
  g_autofree char *dir = occ_test_mkdtemp ();
  g_autofree char *file = g_build_filename (dir, "pid", NULL);
  g_setenv (PID_FILE_VAR, file, TRUE);
  g_test_trap_subprocess (NULL, 20 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_unsetenv (PID_FILE_VAR);
  g_autofree char *text = occ_test_read (file);
  g_auto (GStrv) lines = g_strsplit (text, "\n", 2);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  GPid pid = (GPid) g_ascii_strtoll (lines[0], NULL, 10);
  g_assert_cmpint (pid, >, 0);
  /* after an abort the guard has killed its group before the test died;
   * after SIGKILL the kernel kills it (PR_SET_PDEATHSIG), and kamailio's
   * workers, which that misses, go by the watchdog in its configuration
   * (it looks every second) */
  g_assert_true (occ_test_group_wait_gone (pid, c->kamailio ? 10000 : 3000));
  occ_test_rmtree (lines[1]); /* the peer's folder, which nobody freed */
  occ_test_rmtree (dir);
}

static gboolean
file_has_line (gpointer path)
{
  g_autofree char *text = NULL;
  return g_file_get_contents (path, &text, NULL, NULL) && strchr (text, '\n') != NULL;
}

/* The guard kills a peer's whole process group, not just the peer: what
 * the peer started goes too (PR_SET_PDEATHSIG alone would miss it). */
static void
test_guard_kills_the_group (void)
{
  if (g_test_subprocess ())
    {
      const char *path = g_getenv (PID_FILE_VAR);
      g_autofree char *script = g_strdup_printf ("sleep 30 & echo $! > '%s'; wait", path);
      const char *argv[] = { "/bin/sh", "-c", script, NULL };
      g_autoptr (GError) e = NULL;
      g_assert_cmpint (occ_test_spawn (argv, NULL, NULL, &e), >, 0);
      g_assert_no_error (e);
      g_assert_true (occ_test_poll_until (file_has_line, (gpointer) path, 5000));
      abort ();
    }
  g_autofree char *dir = occ_test_mkdtemp ();
  g_autofree char *file = g_build_filename (dir, "pid", NULL);
  g_setenv (PID_FILE_VAR, file, TRUE);
  g_test_trap_subprocess (NULL, 20 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_unsetenv (PID_FILE_VAR);
  g_autofree char *text = occ_test_read (file);
  Gone g = { (GPid) g_ascii_strtoll (text, NULL, 10) };
  g_assert_cmpint (g.pid, >, 0);
  g_assert_true (occ_test_poll_until (peer_gone, &g, 3000));
  occ_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/peers/tone/survives-g711", test_tone_survives_g711);
  g_test_add_func ("/peers/tone/wav-round-trip", test_tone_wav_round_trip);
  g_test_add_func ("/peers/sipp/call-carries-rtp-and-tone", test_sipp_call_with_rtp);
  g_test_add_func ("/peers/sipp/caller-cancels-while-ringing", test_sipp_cancel);
  g_test_add_func ("/peers/sipp/busy-fails-the-caller", test_sipp_busy);
  g_test_add_func ("/peers/sipp/callee-hangs-up", test_sipp_callee_hangs_up);
  g_test_add_func ("/peers/sipp/caller-hangs-up-two-calls", test_sipp_caller_hangs_up_twice);
  g_test_add_func ("/peers/sipp/hold-is-answered-recvonly", test_sipp_hold);
  g_test_add_func ("/peers/sipp/blind-transfer-with-refer", test_sipp_blind_transfer);
  g_test_add_func ("/peers/sipp/options-responder-answers-pings", test_sipp_options);
  g_test_add_func ("/peers/sipp/register-with-digest", test_sipp_register_digest);
  g_test_add_func ("/peers/sipp/unknown-scenario-is-refused", test_sipp_unknown_scenario);
  g_test_add_func ("/peers/baresip/calls-echoing-sipp-and-hears-itself",
                   test_baresip_calls_echoing_sipp);
  g_test_add_func ("/peers/baresip/calls-baresip-and-both-hear", test_baresip_calls_baresip);
  g_test_add_func ("/peers/baresip/answers-sipp-caller-and-hears-its-tone",
                   test_baresip_answers_sipp_caller);
  g_test_add_func ("/peers/baresip/registers-with-digest", test_baresip_registers_with_digest);
  static const GuardCase aborts = { SIGABRT, FALSE }, killed = { SIGKILL, FALSE },
                         kamailio_aborts = { SIGABRT, TRUE }, kamailio_killed = { SIGKILL, TRUE };
  g_test_add_data_func ("/peers/guard/kills-peers-when-the-test-aborts", &aborts, test_guard);
  g_test_add_data_func ("/peers/guard/kills-peers-when-the-test-is-killed", &killed, test_guard);
  g_test_add_data_func ("/peers/guard/kills-kamailio-workers-when-the-test-aborts",
                        &kamailio_aborts, test_guard);
  g_test_add_data_func ("/peers/guard/kills-kamailio-workers-when-the-test-is-killed",
                        &kamailio_killed, test_guard);
  g_test_add_func ("/peers/guard/kills-what-a-peer-started", test_guard_kills_the_group);
  return g_test_run ();
}
