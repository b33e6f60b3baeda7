/* sip: the SIP plugin's state, shared by its files. See README.md. */
#pragma once

#include <omnicc/omnicc.h>

#define SU_ROOT_MAGIC_T struct _Sip
#define NUA_MAGIC_T struct _Sip
#define NUA_HMAGIC_T struct _SipCall

#include <sofia-sip/nua.h>
#include <sofia-sip/su_glib.h>

#include "dialplan.h"
#include "digest.h"

#define SIP_EVENT_ENDPOINT_UP "sip.endpoint.up"
#define SIP_EVENT_ENDPOINT_DOWN "sip.endpoint.down"
#define SIP_EVENT_TRUNK_STATE "sip.trunk.state"
#define SIP_EVENT_TRUNK_REGISTRATION "sip.trunk.registration"
/* an agent's feature code, and the ACD's answer (the acd plugin's type) */
#define SIP_EVENT_FEATURE "sip.feature"
#define SIP_EVENT_FEATURE_RESULT "acd.feature.result"

typedef struct {
  char *name;
  char *address;       /* HOST:PORT of the operator's side */
  char *transport;     /* udp, tcp, tls */
  char **inbound_from; /* hosts whose INVITEs come from this trunk */
  char *caller_id;     /* presented on outbound calls */
  char *from_domain;   /* host of From and P-Asserted-Identity */
  char *username;      /* digest credentials, or NULL */
  char *password;
  gboolean register_;    /* register USERNAME@HOST with the operator */
  gboolean inbound_auth; /* its INVITEs must prove USERNAME and the password */
  guint register_expires_s;
  char **codecs; /* NULL: the media plugin's list */
  OccMediaSrtp srtp;
  guint options_interval_s; /* 0: no keep-alive */
  guint order;              /* outbound: lower first */
  /* state */
  gboolean up;
  gboolean checked; /* an OPTIONS was answered or timed out */
  nua_handle_t *options;
  char *last_reason;
  nua_handle_t *reg;    /* the registration, while there is one */
  char *registration;   /* "registered", "trying", "failed: 403 Forbidden"… */
  guint reg_auth_tries; /* challenges answered since the last success */
  gint64 reg_retry_at;  /* monotonic s; 0: no retry due */
} SipTrunk;

typedef struct {
  char *listen;     /* sip:ADDR:PORT (UDP and TCP) */
  char *listen_tls; /* sips:ADDR:PORT, or NULL */
  char *tls_dir;    /* agent.pem (key and certificate), cafile.pem */
  char *realm;
  char *user_agent;
  guint min_expires, max_expires, default_expires;
  guint auth_failures; /* failed authentications from one address… */
  guint auth_window_s; /* …within this long… */
  guint auth_block_s;  /* …refuse it this long */
  guint nonce_lifetime_s;
  guint algorithms[2]; /* SipDigestAlgo, in the order challenged */
  guint n_algorithms;
  OccMediaSrtp agent_srtp;    /* on the agents' legs */
  guint max_call_s;           /* 0: no limit */
  guint media_timeout_s;      /* 0: calls do not end for silence */
  guint keepalive_s;          /* OPTIONS to UDP phones every this long; 0: none */
  guint keepalive_failures;   /* unanswered in a row before a phone is dropped */
  guint keepalive_timeout_s;  /* an OPTIONS unanswered this long is lost */
  guint max_message_size;     /* bytes: larger messages are refused */
  guint incomplete_timeout_s; /* a message begun over TCP must be done by then */
  char *recordings_dir;       /* NULL: STATE-DIR/recordings */
  GPtrArray *trunks;          /* SipTrunk* */
  GPtrArray *routes;          /* SipRoute* */
} SipConfig;

typedef struct {
  char *contact;   /* as the phone gave it */
  char *received;  /* where the REGISTER came from: ADDR:PORT */
  char *transport; /* udp, tcp, tls */
  char *user_agent;
  gint64 expires_at; /* monotonic µs */
  /* NAT keep-alive (keepalive.c) */
  gint64 next_ping;      /* monotonic µs; 0: not pinged (not UDP) */
  guint ping_failures;   /* in a row */
  struct _SipPing *ping; /* the OPTIONS in flight, or NULL */
} SipBinding;

typedef struct {
  char *login;         /* folded, as the access service names it */
  GPtrArray *bindings; /* SipBinding* */
} SipRegistration;

typedef struct {
  gint64 window_start; /* monotonic s */
  guint failures;
  gint64 blocked_until; /* monotonic s */
  gboolean logged;
} SipOffender;

typedef struct _Sip Sip;
typedef struct _SipCall SipCall;
typedef struct _SipSupervision SipSupervision;

struct _Sip {
  gint ref;
  OccPlugin *plugin; /* NULL once unloaded */
  SipConfig config;
  su_root_t *root;
  nua_t *nua;
  gboolean shutdown_done;
  guint8 secret[32]; /* nonce HMAC key, new at each load */
  const OccAccessService *access;
  const OccMediaService *media; /* NULL without the media plugin: no calls */
  GHashTable *calls;            /* id -> SipCall* */
  GHashTable *busy_agents;      /* login -> call id, while ringing or talking */
  guint64 calls_in, calls_answered, calls_failed;
  GHashTable *registrations; /* login -> SipRegistration* */
  GHashTable *offenders;     /* source address -> SipOffender* */
  GHashTable *pending;       /* requests waiting for the access service */
  guint64 registers_ok, registers_refused, challenges;
  const OccStoreService *store; /* NULL: the bindings live in memory only */
  GHashTable *store_writes;     /* "login\ncontact" -> SipWriteState, while one is in flight */
  GHashTable *pings;            /* nua_handle_t* -> SipPing*: keep-alives in flight */
  GHashTable *features;         /* id -> SipFeature*: feature codes being answered */
  guint64 pings_sent, pings_lost;
  OccVoiceService voice;
  OccSuperviseService supervise;
  struct _SipRecorder *recorder; /* recording.c */
  /* our Contact for each transport ("<sip:ADDR:PORT;transport=tcp>"…),
   * NULL where we do not listen or listen on every address */
  char *contact_udp, *contact_tcp, *contact_tls;
};

Sip *sip_ref (Sip *self);
void sip_unref (Sip *self);
/* The transport a request came over: udp, tcp or tls (its top Via). */
const char *sip_transport_of (const sip_t *sip);
/* Our Contact for a dialog over @transport (udp, tcp, tls), or NULL to let
 * the stack choose. With both sip: and sips: listeners, sofia-sip would
 * otherwise offer the sips: one to a plain trunk. */
const char *sip_contact_for (Sip *self, const char *transport);

/* config.c */
extern const OccConfigKey sip_config_schema[];
gboolean sip_config_read (SipConfig *config, GKeyFile *file, GError **error);
void sip_config_clear (SipConfig *config);

/* registrar.c: digest towards us, shared by the registrar and trunks */
/* Whether @host failed to authenticate too often lately. */
gboolean sip_auth_blocked (Sip *self, const char *host);
/* Counts a failed authentication of @login (@what: REGISTER, INVITE…)
 * from @host; too many within auth-window block the address. */
void sip_auth_failed (Sip *self, const char *what, const char *host, const char *login,
                      const char *why);
/* The Digest credentials for our realm in @sip's Authorization: 1 (into
 * @params, to clear), 0 none, -1 malformed (@error). */
int sip_auth_credentials (Sip *self, const sip_t *sip, SipDigestParams *params, GError **error);
/* Answers 401 with our challenge(s) and lets @nh go. */
void sip_auth_challenge (Sip *self, nua_t *nua, nua_handle_t *nh, const char *host, gboolean stale);
/* registrar.c */
/* Where the current request came from: "ADDR:PORT" and "ADDR". */
void sip_source_of (nua_t *nua, char **addr_port, char **host);
void sip_registrar_init (Sip *self);
void sip_registrar_clear (Sip *self);
void sip_registrar_request (Sip *self, nua_t *nua, nua_handle_t *nh, const sip_t *sip);
gboolean sip_registrar_sweep (gpointer data);
GVariant *sip_registrar_list (Sip *self);
/* Subscribes to account changes, watches the store (restoring the saved
 * bindings) and starts the keep-alives. */
void sip_registrar_start (Sip *self);
/* Ends @b, a binding of @login: published down with @reason, forgotten
 * here and in the store. */
void sip_registrar_drop (Sip *self, const char *login, SipBinding *b, const char *reason);
/* A binding read back from the store; FALSE if @login already has
 * @contact (a REGISTER came first) — then nothing is changed. */
gboolean sip_registrar_restore (Sip *self, const char *login, const char *contact,
                                const char *received, const char *transport, const char *user_agent,
                                gint64 expires_at);
/* The login (folded) whose phone is registered from @source (ADDR:PORT)
 * over @transport, if it calls itself @user (a From user); NULL when no
 * binding of that login came from there. (transfer full) */
char *sip_registrar_phone_login (Sip *self, const char *user, const char *source,
                                 const char *transport);
/* Calls @func for every binding. */
void sip_registrar_foreach (Sip *self, void (*func) (Sip *, const char *, SipBinding *, gpointer),
                            gpointer data);

/* bindings-store.c: the bindings kept in the store across restarts */
void sip_bindings_store_set (Sip *self, const OccStoreService *store);
/* Writes what is now known of @login's @contact (the binding, or its
 * absence) without blocking; writes of one binding stay in order. */
void sip_bindings_save (Sip *self, const char *login, const char *contact);

/* keepalive.c: OPTIONS to UDP phones, so that NAT pinholes stay open and
 * phones that went away are dropped */
void sip_keepalive_init (Sip *self);
void sip_keepalive_start (Sip *self);
/* A new or @restored binding: its first ping, at a point of the interval
 * of its own so that phones are not pinged all at once (a phone that has
 * just registered, through a pinhole its REGISTER opened, not before
 * half an interval). */
void sip_keepalive_schedule (Sip *self, SipBinding *b, gboolean restored);
/* @b goes: its ping in flight (if any) is let go. */
void sip_keepalive_detach (SipBinding *b);
/* TRUE if @nh was a keep-alive's (then handled). */
gboolean sip_keepalive_response (Sip *self, nua_handle_t *nh, int status, const sip_t *sip);
/* Before the stack goes: pings in flight are let go. */
void sip_keepalive_clear (Sip *self);

/* trunks.c */
void sip_trunks_start (Sip *self);
void sip_trunks_stop (Sip *self);
SipTrunk *sip_trunk_by_name (Sip *self, const char *name);
/* Answers a 401/407 on @nh with @trunk's credentials for the challenge's
 * realm; FALSE if the trunk has none or the answer has no challenge. */
gboolean sip_trunk_authenticate (SipTrunk *trunk, nua_handle_t *nh, const sip_t *sip);
/* An INVITE that came from @host: the trunk it belongs to, or NULL when
 * it is none's (after answering: 403, or 401 to a trunk that must prove
 * its credentials, 400) — @nh is then let go. */
SipTrunk *sip_trunk_admit (Sip *self, nua_t *nua, nua_handle_t *nh, const sip_t *sip,
                           const char *host);
/* A REGISTER's answer: TRUE if @nh is a trunk's registration. */
gboolean sip_trunk_register_response (Sip *self, nua_handle_t *nh, int status, const char *phrase,
                                      const sip_t *sip);
void sip_trunk_response (Sip *self, nua_handle_t *nh, int status, const char *phrase);
GVariant *sip_trunks_list (Sip *self);

/* calls.c */
void sip_calls_init (Sip *self);
void sip_calls_clear (Sip *self);
/* An event of a call's handle (hmagic is the call), or a new INVITE. */
void sip_call_event (Sip *self, nua_event_t event, int status, const char *phrase, nua_t *nua,
                     nua_handle_t *nh, SipCall *call, const sip_t *sip, tagi_t tags[]);
GVariant *sip_calls_list (Sip *self);
/* The ACD's events about queued calls (offered, revoked, left). */
gboolean sip_calls_subscribe (Sip *self, GError **error);
/* Every second: connected calls whose legs stopped sending end. */
gboolean sip_calls_sweep (gpointer data);
void sip_voice_init (Sip *self);
/* The newest contact of @login, or NULL (transfer none). */
SipBinding *sip_registrar_contact (Sip *self, const char *login);

/* features.c: agents' feature codes (*23…), answered by the ACD */
void sip_features_init (Sip *self);
/* Registers sip.feature and listens for the ACD's answers. */
gboolean sip_features_start (Sip *self, GError **error);
/* Before the stack goes: codes still waiting are answered 503 and let go. */
void sip_features_clear (Sip *self);
/* A new INVITE from @source: TRUE (then it is ours, and answered later)
 * if it is a registered agent's phone dialing a feature code. */
gboolean sip_feature_request (Sip *self, nua_handle_t *nh, const sip_t *sip, const char *source);
/* An event on a handle without a call: TRUE if it was a feature code's. */
gboolean sip_feature_event (Sip *self, nua_event_t event, nua_handle_t *nh);

/* calls.c: what supervise.c needs of a call */
/* The call @id, unless it ended (transfer none). */
SipCall *sip_call_find (Sip *self, const char *id);
Sip *sip_call_sip (SipCall *call);
const char *sip_call_get_id (SipCall *call);
const char *sip_call_agent (SipCall *call);
const char *sip_call_queue (SipCall *call);
/* Whether an agent talks with the caller now. */
gboolean sip_call_connected (SipCall *call);
OccMediaLeg *sip_call_caller_leg (SipCall *call);
OccMediaLeg *sip_call_agent_leg (SipCall *call);
SipSupervision **sip_call_supervision (SipCall *call);
void sip_call_publish (SipCall *call, const char *type, GVariant *payload);
/* A media leg @label for another phone of @call, with its @offer
 * (transfer full) that puts the caller's codec first; NULL when none
 * could be made (logged). */
OccMediaLeg *sip_call_phone_leg (SipCall *call, const char *label, char **offer);
/* Sends @offer to @login's @contact (where its REGISTER came from), the
 * phone showing the caller; the handle is bound to @call. */
nua_handle_t *sip_call_invite_phone (SipCall *call, const char *login, const SipBinding *contact,
                                     const char *offer);
/* The caller is bridged to @leg (@nh: @login's phone, which @call takes)
 * instead of the agent, who gets a BYE and is let go;
 * interaction.connected names @login with {@why: the previous agent}
 * ("transferred-by", "taken-over-from"). FALSE (nothing changed) if the
 * bridge failed. */
gboolean sip_call_replace_agent (SipCall *call, nua_handle_t *nh, OccMediaLeg *leg,
                                 const char *login, const char *why, GError **error);

/* supervise.c: supervisors on calls (listen, whisper, barge, take over) */
void sip_supervise_init (Sip *self);
/* Registers supervise.state and the supervise.* commands, provides the
 * supervise service. */
gboolean sip_supervise_start (Sip *self, GError **error);
void sip_supervise_stop (Sip *self);
/* An event of the call @sup is on: TRUE if it was the supervisor's
 * phone's (then handled; a re-INVITE is left to calls.c). */
gboolean sip_supervise_event (SipSupervision *sup, nua_event_t event, int status, nua_handle_t *nh,
                              const sip_t *sip);
/* The supervisor's login (folded). */
const char *sip_supervise_login (SipSupervision *sup);
/* The supervisor's media leg, NULL until the phone answered. */
OccMediaLeg *sip_supervise_leg (SipSupervision *sup);
/* The call's legs changed (a transfer): who hears whom again. */
void sip_supervise_reapply (SipSupervision *sup);
/* The call ends: the supervisor is hung up (before the call's legs go). */
void sip_supervise_call_ended (SipSupervision *sup);

/* supervise-commands.c: supervise.listen|whisper|barge|takeover|stop */
gboolean sip_supervise_commands_register (Sip *self, GError **error);

/* commands.c */
gboolean sip_commands_register (Sip *self, GError **error);

/* recording.c: calls recorded by their queue's policy (interaction.offered
 * says record), their store rows, pause and resume, retention */
typedef struct {
  const char *id;
  const char *from, *to; /* the caller's and the called number */
  const char *queue;     /* may be NULL */
  const char *agent;
  gboolean outbound;
  gint64 started; /* monotonic µs */
} SipRecordingCall;
/* Registers sip.recording and the commands, follows offers, schedules
 * the retention sweep. */
gboolean sip_recording_start (Sip *self, GError **error);
/* Frees what sip_recording_start made (calls have ended by then). */
void sip_recording_free (Sip *self);
/* The agent answered: the caller's leg @caller and the agent's @agent are
 * recorded (channels 0 and 1) if the call's offer said so. */
void sip_recording_answered (Sip *self, const SipRecordingCall *call, OccMediaLeg *caller,
                             OccMediaLeg *agent);
/* A transfer: @agent (the new agent's leg) takes channel 1. */
void sip_recording_agent_changed (Sip *self, const char *id, OccMediaLeg *agent);
/* A supervisor's leg joins the agent's channel while it barges (@heard),
 * and leaves it otherwise. */
void sip_recording_supervisor (Sip *self, const char *id, OccMediaLeg *leg, gboolean heard);
/* The call @id ends (before its legs are freed): its recording stops. */
void sip_recording_call_ended (Sip *self, const char *id);
/* Adds "recording" (path) and "recording-paused" to a sip.calls entry. */
void sip_recording_describe (Sip *self, const char *id, GVariantDict *d);
