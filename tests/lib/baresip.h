/* baresip as an agent's phone in tests: headless, on 127.0.0.1, sending a
 * tone and recording what it hears, driven through its ctrl_tcp module
 * (netstring-framed JSON: commands with answers, and events).
 *
 * Each instance has its own config folder (dir/data: config, accounts,
 * the tone it sends, recordings/), free ports for SIP (UDP and TCP, and
 * TLS on the next one, which baresip 1.0 always binds) and ctrl_tcp, and
 * loads only g711 aufile sndfile account menu ctrl_tcp. The sndfile module
 * writes each call's audio to recordings/dump-<time>-enc.wav (what it
 * sent) and -dec.wav (what it heard); two calls starting in the same
 * second share those names.
 *
 * Processes go with the test whatever happens (see peers.h). Waits run
 * the default main context. Main thread only. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

typedef struct {
  const char *user;          /* the account's user (default "agent") */
  const char *registrar;     /* host:port to register with; NULL: no registration */
  const char *auth_user;     /* default: .user */
  const char *password;      /* default "password" */
  guint regint;              /* registration interval in seconds (default 3600) */
  const char *transport;     /* "udp" (default), "tcp" or "tls", towards the registrar */
  const char *cafile;        /* TLS: the CA that signed the registrar's certificate */
  const char *mediaenc;      /* "srtp-mand", "srtp" (SDES, RFC 4568) or NULL: plain RTP */
  gboolean auto_answer;      /* answer incoming calls by itself */
  guint tone_hz;             /* the tone it sends in calls (default 440) */
  const char *const *config; /* more lines for its config file, NULL-terminated */
} OccTestBaresipConfig;

typedef struct _OccTestBaresipCtrl OccTestBaresipCtrl;

typedef struct {
  char *dir;        /* its temporary folder; dir/data is its config folder */
  char *aor;        /* its account: sip:USER@REGISTRAR, or sip:USER@127.0.0.1:PORT */
  char *uri;        /* where to call it directly: sip:USER@127.0.0.1:PORT */
  int sip_port;     /* UDP and TCP (TLS on sip_port + 1) */
  int ctrl_port;    /* ctrl_tcp */
  guint tone_hz;    /* the tone it sends */
  char *recordings; /* the folder of its WAV files */
  char *log;        /* its standard output and error */
  GPid pid;         /* 0 once stopped */
  OccTestBaresipCtrl *ctrl;
} OccTestBaresip;

/* TRUE if baresip is installed; else marks the test as skipped, for
 * main() to return 0 at once. */
gboolean occ_test_baresip_installed (void);

/* Starts baresip and connects to its ctrl_tcp. NULL (with the reason and
 * its log in g_test_message) if it did not come up in 5 s. */
OccTestBaresip *occ_test_baresip_start (const OccTestBaresipConfig *config);

/* Runs one of its commands ("dial", "hangup", "accept", "reginfo",
 * "listcalls", "callstat", …; "help" lists them) with @params (may be
 * NULL) and waits up to 5 s for the answer. TRUE if it succeeded; @data
 * (may be NULL) receives its text (transfer full). */
gboolean occ_test_baresip_command (OccTestBaresip *b, const char *command, const char *params,
                                   char **data);
gboolean occ_test_baresip_dial (OccTestBaresip *b, const char *uri);
gboolean occ_test_baresip_accept (OccTestBaresip *b);
gboolean occ_test_baresip_hangup (OccTestBaresip *b);

/* Waits for its next event of @type ("CALL_INCOMING", "CALL_RINGING",
 * "CALL_PROGRESS", "CALL_ESTABLISHED", "CALL_CLOSED", "CALL_TRANSFER",
 * "REGISTER_OK", "REGISTER_FAIL", …) not yet waited for, and returns it
 * (transfer full: "class", "type", "param", "peeruri", "id"…); NULL if it
 * did not come within @timeout_ms. Events since the start are kept.
 * Answering by itself, baresip 1.0 tells no CALL_INCOMING. */
JsonObject *occ_test_baresip_wait_event (OccTestBaresip *b, const char *type, guint timeout_ms);
/* Waits until its account is registered (asking "reginfo" every 100 ms,
 * so a registration done before we connected counts). */
gboolean occ_test_baresip_wait_registered (OccTestBaresip *b, guint timeout_ms);

/* The WAV file of what it heard (-dec.wav) or sent (-enc.wav) in its
 * latest call (transfer full), NULL if there is none. */
char *occ_test_baresip_heard_wav (OccTestBaresip *b);
char *occ_test_baresip_sent_wav (OccTestBaresip *b);
/* Seconds of its latest call's heard audio that carry a tone of @hz (see
 * occ_test_tone_seconds()); -1 without a recording. */
double occ_test_baresip_heard_tone_seconds (OccTestBaresip *b, guint hz);

/* Stops it (SIGTERM: it hangs up and unregisters; SIGKILL after 2 s).
 * Recordings stay until occ_test_baresip_free(). */
void occ_test_baresip_stop (OccTestBaresip *b);
void occ_test_baresip_free (OccTestBaresip *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OccTestBaresip, occ_test_baresip_free)
