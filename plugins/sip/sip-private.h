/* sip: the SIP plugin's state, shared by its files. See README.md. */
#pragma once

#include <omnicc/omnicc.h>

#define SU_ROOT_MAGIC_T struct _Sip
#define NUA_MAGIC_T struct _Sip
#define NUA_HMAGIC_T void

#include <sofia-sip/nua.h>
#include <sofia-sip/su_glib.h>

#define SIP_EVENT_ENDPOINT_UP "sip.endpoint.up"
#define SIP_EVENT_ENDPOINT_DOWN "sip.endpoint.down"

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

struct _Sip {
  gint ref;
  OccPlugin *plugin; /* NULL once unloaded */
  SipConfig config;
  su_root_t *root;
  nua_t *nua;
  gboolean shutdown_done;
  guint8 secret[32]; /* nonce HMAC key, new at each load */
  const OccAccessService *access;
  GHashTable *registrations; /* login -> SipRegistration* */
  GHashTable *offenders;     /* source address -> SipOffender* */
  GHashTable *pending;       /* requests waiting for the access service */
  guint64 registers_ok, registers_refused, challenges;
};

Sip *sip_ref (Sip *self);
void sip_unref (Sip *self);

/* config.c */
extern const OccConfigKey sip_config_schema[];
gboolean sip_config_read (SipConfig *config, GKeyFile *file, GError **error);
void sip_config_clear (SipConfig *config);

/* registrar.c */
void sip_registrar_init (Sip *self);
void sip_registrar_clear (Sip *self);
void sip_registrar_request (Sip *self, nua_t *nua, nua_handle_t *nh, const sip_t *sip);
gboolean sip_registrar_sweep (gpointer data);
GVariant *sip_registrar_list (Sip *self);

/* commands.c */
gboolean sip_commands_register (Sip *self, GError **error);
