/* sip: the SIP plugin's state, shared by its files. See README.md. */
#pragma once

#include <omnicc/omnicc.h>

#define SU_ROOT_MAGIC_T struct _Sip
#define NUA_MAGIC_T struct _Sip
#define NUA_HMAGIC_T struct _SipCall

#include <sofia-sip/nua.h>
#include <sofia-sip/su_glib.h>

#include "dialplan.h"

#define SIP_EVENT_ENDPOINT_UP "sip.endpoint.up"
#define SIP_EVENT_ENDPOINT_DOWN "sip.endpoint.down"
#define SIP_EVENT_TRUNK_STATE "sip.trunk.state"

typedef struct {
  char *name;
  char *address;       /* HOST:PORT of the operator's side */
  char *transport;     /* udp, tcp, tls */
  char **inbound_from; /* hosts whose INVITEs come from this trunk */
  char *caller_id;     /* presented on outbound calls */
  char **codecs;       /* NULL: the media plugin's list */
  OccMediaSrtp srtp;
  guint options_interval_s; /* 0: no keep-alive */
  guint order;              /* outbound: lower first */
  /* state */
  gboolean up;
  gboolean checked; /* an OPTIONS was answered or timed out */
  nua_handle_t *options;
  char *last_reason;
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
  OccMediaSrtp agent_srtp; /* on the agents' legs */
  guint max_call_s;        /* 0: no limit */
  guint max_message_size;  /* bytes: larger messages are refused */
  GPtrArray *trunks;       /* SipTrunk* */
  GPtrArray *routes;       /* SipRoute* */
} SipConfig;

typedef struct {
  char *contact;   /* as the phone gave it */
  char *received;  /* where the REGISTER came from: ADDR:PORT */
  char *transport; /* udp, tcp, tls */
  char *user_agent;
  gint64 expires_at; /* monotonic µs */
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
  OccVoiceService voice;
};

Sip *sip_ref (Sip *self);
void sip_unref (Sip *self);

/* config.c */
extern const OccConfigKey sip_config_schema[];
gboolean sip_config_read (SipConfig *config, GKeyFile *file, GError **error);
void sip_config_clear (SipConfig *config);

/* registrar.c */
/* Where the current request came from: "ADDR:PORT" and "ADDR". */
void sip_source_of (nua_t *nua, char **addr_port, char **host);
void sip_registrar_init (Sip *self);
void sip_registrar_clear (Sip *self);
void sip_registrar_request (Sip *self, nua_t *nua, nua_handle_t *nh, const sip_t *sip);
gboolean sip_registrar_sweep (gpointer data);
GVariant *sip_registrar_list (Sip *self);

/* trunks.c */
void sip_trunks_start (Sip *self);
void sip_trunks_stop (Sip *self);
SipTrunk *sip_trunk_for_source (Sip *self, const char *host);
void sip_trunk_response (Sip *self, nua_handle_t *nh, int status, const char *phrase);
GVariant *sip_trunks_list (Sip *self);

/* calls.c */
void sip_calls_init (Sip *self);
void sip_calls_clear (Sip *self);
/* An event of a call's handle (hmagic is the call), or a new INVITE. */
void sip_call_event (Sip *self, nua_event_t event, int status, const char *phrase, nua_t *nua,
                     nua_handle_t *nh, SipCall *call, const sip_t *sip, tagi_t tags[]);
GVariant *sip_calls_list (Sip *self);
void sip_voice_init (Sip *self);
/* The newest contact of @login, or NULL (transfer none). */
SipBinding *sip_registrar_contact (Sip *self, const char *login);

/* commands.c */
gboolean sip_commands_register (Sip *self, GError **error);
