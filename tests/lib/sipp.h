/* sipp as a SIP peer in tests: a caller, a phone that answers (or is busy,
 * or rings forever, or transfers), a registering client or registrar, a
 * trunk peer that answers OPTIONS; on 127.0.0.1 only, on free ports.
 *
 * Built-in scenarios, in tests/lib/sipp/NAME.xml (the comment at the top
 * of each tells its flow and keys):
 *   callers (give .remote)      | answerers (no .remote)
 *   "uac" (= "uac-caller-hangs-up": INVITE … ACK, pause, BYE)
 *   "uac-callee-hangs-up"       | "uas" (answers; waits for BYE; answers
 *                               |   re-INVITEs, hold included)
 *   "uac-cancel" (CANCEL while  | "uas-hangs-up" (answers, pause, BYE)
 *     it rings)                 | "uas-busy" (486)
 *   "uac-hold" (re-INVITE       | "uas-ringing-forever" (180 until CANCEL)
 *     sendonly, then sendrecv)  | "uas-refer" (answers, pause, REFER:
 *   "uac-transferee" (takes a   |   a blind transfer by the agent)
 *     REFER: 202, NOTIFY, BYE)  | "options-responder" (OPTIONS → 200:
 *   "register" (digest: -au,    |   a trunk peer that is up)
 *     -ap; fails on 403)        | "registrar" (401, verifies the digest
 *   "options" (one OPTIONS)     |   against auth_user/auth_password)
 * "uac-dtmf": INVITE … ACK, presses .dtmf, waits for the far end's BYE
 *   or .hangup_after_ms, then BYE; a caller driving a menu (IVR).
 * "pause" is sipp's -d (.pause_ms). Any other scenario: give a path.
 *
 * Media: sipp owns its media ports (.media_port and +2) and can echo what
 * arrives there (.rtp_echo). With .tone_hz it plays a G.711 µ-law tone
 * (a pcap written here; sipp needs root for it: a raw socket) from
 * .media_port once the call is up. With .rtp_meter, the SDP offers the
 * port of an OccTestRtpMeter in the test process instead, so that a test
 * can count the RTP sent to this peer and find a tone in it. The SDP is
 * then asymmetric: a peer that latches onto the source of the RTP it
 * receives answers sipp's media port rather than the meter.
 *
 * Keys (IVR menus): with .dtmf, "uac-dtmf" plays the keys of the spec (a
 * pcap from occ_test_dtmf_write_pcap(); root needed, as for the tone)
 * from .media_port once the call is up, and its SDP offers what
 * .dtmf_mode needs: PCMU and telephone-event 101 for RFC 4733, PCMU alone
 * for in-band. With .rtp_meter too, the meter gets what the caller hears
 * (prompts, tones, keys: occ_test_rtp_meter_dtmf() and _events()). Then,
 * after the far end's BYE or .hangup_after_ms, the call ends.
 *
 * Processes go with the test whatever happens (see peers.h). Waits run
 * the default main context. Main thread only. */
#pragma once

#include "dtmf.h"
#include "rtp-meter.h"

#include <glib.h>

typedef struct {
  const char *scenario;      /* a built-in name, or a path to an XML file */
  const char *remote;        /* host:port to send to (callers); NULL for answerers */
  int port;                  /* local SIP port; 0: a free one */
  const char *transport;     /* sipp's -t: NULL or "u1" (UDP), "t1" (TCP) */
  const char *service;       /* -s, the user called or registered (default "service") */
  const char *caller;        /* the From user of calls (default "sipp") */
  const char *auth_user;     /* -au and [auth_user] (default: .service) */
  const char *auth_password; /* -ap and [auth_password] (default "password") */
  const char *refer_to;      /* [refer_to] (default "sip:transfer@127.0.0.1") */
  guint expires;             /* [expires] of REGISTER (default 3600) */
  guint calls;               /* -m: exit after this many calls; 0: run until stopped */
  guint rate;                /* -r: calls per second (default 10) */
  guint limit;               /* -l: calls at once (0: sipp's default) */
  guint pause_ms;            /* -d: what a <pause/> lasts (default 1000) */
  guint timeout_s;           /* -timeout: sipp gives up (and fails) after this (default 60) */
  gboolean rtp_echo;         /* -rtp_echo: echo what reaches .media_port */
  guint tone_hz;             /* nonzero: play a tone of this frequency once the call is up */
  gboolean rtp_meter;        /* the SDP offers an RTP meter in the test process */
  gboolean meter_echo;       /* … which echoes what it receives */
  const char *dtmf;          /* keys to press once the call is up (dtmf.h), "uac-dtmf" */
  OccTestDtmfMode dtmf_mode; /* … as RFC 4733 events (the default) or in-band tones */
  guint hangup_after_ms;     /* "uac-dtmf": its BYE, unless the far end's came first
                              * (default 30000); sipp's -recv_timeout, so also
                              * the longest wait for the answer */
  const char *const *keys;   /* more -key pairs: { "name", "value", …, NULL } */
  const char *const *args;   /* more sipp arguments, NULL-terminated */
} OccTestSippConfig;

typedef struct {
  char *dir;              /* its temporary folder; files are in dir/data */
  char *scenario;         /* the XML file it runs */
  int port;               /* its SIP port on 127.0.0.1 */
  char *address;          /* "127.0.0.1:PORT", to give as another peer's .remote */
  char *uri;              /* "sip:SERVICE@127.0.0.1:PORT" */
  int media_port;         /* sipp's own RTP port (-mp; it also binds +2) */
  int sdp_port;           /* the RTP port its SDP offers: the meter's or media_port */
  OccTestRtpMeter *meter; /* with .rtp_meter, else NULL */
  char *log;              /* its standard output and error */
  char *stats;            /* -trace_stat CSV, written every second and at exit */
  char *errors;           /* -trace_err */
  char *messages;         /* -trace_msg: every SIP message sent and received */
  GPid pid;               /* 0 once it has exited */
  int status;             /* its exit status once it has exited, else -1 */
} OccTestSipp;

/* TRUE if sipp (package sip-tester) is installed; else marks the test as
 * skipped, for main() to return 0 at once. */
gboolean occ_test_sipp_installed (void);

/* Starts sipp and, for answerers, waits until it listens. NULL (with the
 * reason in g_test_message) if the scenario is unknown or sipp failed to
 * start; the test should then fail or skip. */
OccTestSipp *occ_test_sipp_start (const OccTestSippConfig *config);

/* Waits up to @timeout_ms for sipp to exit (after .calls calls, or its
 * timeout). Returns its exit status: 0 every call succeeded, 1 some
 * failed, 97 stopped by a command, 99 no call was made, 255 and 254 fatal
 * errors (254: a port was taken); or -1 if it is still running. sipp's
 * errors are shown with g_test_message when the status is not 0. */
int occ_test_sipp_wait (OccTestSipp *s, guint timeout_ms);

/* Starts, waits and frees: for callers that make their calls and exit.
 * Returns the exit status, or -1 if it did not start or finish in time. */
int occ_test_sipp_run (const OccTestSippConfig *config, guint timeout_ms);

/* Registers @user with @password (digest) at @remote once, from
 * 127.0.0.1:@port (0: a free one; a phone registers from the port it
 * answers on, before it listens there), for @expires seconds (0: 3600).
 * Returns sipp's exit status: 0 registered, 1 refused (see _wait). */
int occ_test_sipp_register (const char *remote, const char *user, const char *password, int port,
                            guint expires);

/* The cumulative counts of successful and failed calls from the
 * statistics file (at most a second old while sipp runs). FALSE if there
 * are none yet. */
gboolean occ_test_sipp_counts (OccTestSipp *s, guint *successful, guint *failed);

/* Waits until @calls calls have ended (successful or failed). */
gboolean occ_test_sipp_wait_calls (OccTestSipp *s, guint calls, guint timeout_ms);

/* Shows its log, errors and SIP messages with g_test_message (a failing
 * test's best friend). */
void occ_test_sipp_dump (OccTestSipp *s);

/* Stops it gently (SIGUSR1: no new calls, current ones finish), killing
 * it after 3 s; returns the exit status (that of the earlier exit if it
 * had already exited). */
int occ_test_sipp_stop (OccTestSipp *s);

/* Stops it if needed, removes its folder and frees @s. */
void occ_test_sipp_free (OccTestSipp *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OccTestSipp, occ_test_sipp_free)
