/* auth-ldap: what the plugin's files share. One LdapAuth per loaded
 * plugin; LaConn is one connection to a directory server, LaOp one LDAP
 * operation on it (a msgid), LaRequest one authenticate() or lookup()
 * call. Everything here lives on the main thread, except what a
 * connection hands to its worker thread while the worker owns it
 * (conn.c). See README.md for the behaviour. */
#pragma once

#include <omnicc/omnicc.h>

#include <ldap.h>

/* Longest login or secret accepted, in bytes. */
#define LA_INPUT_MAX 256
/* Servers a configuration may list (a request remembers those it tried
 * in a bit mask). */
#define LA_SERVERS_MAX 16
/* Operations one connection has in flight at most; more wait in order. */
#define LA_CONN_MAX_OPS 64
/* Work of this plugin in one main-loop turn stops after this long (µs). */
#define LA_TURN_BUDGET_US 300
/* The largest LDAP message read from a server (bytes): a server that
 * announces more is broken or hostile. */
#define LA_MAX_INCOMING (8 * 1024 * 1024)

typedef struct _LdapAuth LdapAuth;
typedef struct _LaConn LaConn;
typedef struct _LaOp LaOp;
typedef struct _LaRequest LaRequest;

/* --- config.c --------------------------------------------------------------- */

typedef struct {
  char *url;  /* as configured, for messages */
  char *host; /* without brackets */
  int port;
  gboolean ldaps;
} LaServerConf;

typedef struct {
  LaServerConf servers[LA_SERVERS_MAX];
  guint n_servers;
  gboolean starttls;
  gboolean allow_plaintext;
  gboolean active_directory;
  gboolean disabled_check;
  char *ca_file;
  int timeout; /* s */
  char *base_dn;
  char *bind_dn;
  char *bind_password; /* secret: never logged, wiped when freed */
  char *user_dn_template;
  gboolean template_is_dn; /* the template makes a DN, not a UPN */
  char *user_filter;
  int connections; /* user-bind connections */
  int group_depth;
} LaConfig;

/* Reads and checks the [ldap] group. DECLINED (with @error saying why)
 * when no server is configured; FAILED for anything wrong. */
OccLoadResult la_config_parse (GKeyFile *kf, LaConfig **out, GError **error);
void la_config_free (LaConfig *cfg);
/* TRUE when a simple bind to @server would cross the network in clear. */
gboolean la_config_plaintext (const LaConfig *cfg, guint server);

extern const OccConfigKey la_config_schema[];

/* --- escape.c --------------------------------------------------------------- */

/* @value (@len bytes, NUL allowed) as an RFC 4515 filter assertion value:
 * '*', '(', ')', '\', NUL and every byte outside printable ASCII become
 * \XX (transfer full). */
char *la_escape_filter (const char *value, gsize len);
/* @value as an RFC 4514 attribute value in a DN string (transfer full). */
char *la_escape_dn (const char *value, gsize len);
/* @tmpl with every "%s" replaced by @value and "%%" by "%" (transfer full). */
char *la_expand (const char *tmpl, const char *value);
/* Checks that a template has at least one "%s" and no other conversion. */
gboolean la_check_template (const char *key, const char *tmpl, GError **error);
/* Checks that a filter has balanced parentheses around the whole. */
gboolean la_check_filter (const char *filter);
/* Checks a login or a secret from a caller: not empty, at most
 * LA_INPUT_MAX bytes, valid UTF-8 (a C string cannot hold a NUL: the
 * value ends at the first one). OCC_AUTH_ERROR_INVALID naming @what. */
gboolean la_check_input (const char *what, const char *value, GError **error);
/* A key for comparing DNs: normalised and case-folded (transfer full). */
char *la_dn_key (const char *dn);
/* The value of the first RDN of @dn ("agents" for cn=agents,ou=…), or
 * NULL (transfer full). */
char *la_dn_first_value (const char *dn);

/* --- entries (request.c) ---------------------------------------------------- */

/* One entry of a search result, with its attribute values (UTF-8 only). */
typedef struct {
  char *dn;
  GHashTable *attrs; /* lower-case name -> GPtrArray of char * */
} LaEntry;

LaEntry *la_entry_new (LDAP *ld, LDAPMessage *msg);
void la_entry_free (gpointer entry);
/* The first value of @attr, or NULL (transfer none). */
const char *la_entry_get (const LaEntry *e, const char *attr);
/* Every value of @attr, or NULL (transfer none). */
GPtrArray *la_entry_get_all (const LaEntry *e, const char *attr);

/* --- connections (conn.c) --------------------------------------------------- */

typedef enum {
  LA_CONN_RESOLVING,  /* worker: the server's name */
  LA_CONN_CONNECTING, /* non-blocking connect() */
  LA_CONN_STARTTLS,   /* StartTLS request sent */
  LA_CONN_TLS,        /* worker: the TLS handshake */
  LA_CONN_BINDING,    /* the service account's bind sent */
  LA_CONN_READY,
  LA_CONN_DEAD, /* closed; freed once its worker has ended */
} LaConnState;

typedef enum {
  LA_OP_USER_SEARCH, /* the user's entry, as the service account */
  LA_OP_USER_BIND,   /* the user's password */
  LA_OP_USER_READ,   /* the user's entry, as the user (direct bind) */
  LA_OP_GROUP_READ,  /* one group's entry (nesting followed by us) */
  LA_OP_IN_CHAIN,    /* every group, nested included (Active Directory) */
} LaOpKind;

struct _LaOp {
  LaConn *conn;
  LaRequest *req;
  LaOpKind kind;
  int msgid; /* 0 while waiting to be sent */
  gint64 deadline;
  GQueue *queue; /* the connection's ops, backlog or local, or NULL */
  GList link;
  int local_rc; /* refused before it was sent */
  /* a search waiting to be sent */
  char *base;
  int scope;
  char *filter;
  const char *const *attrs;
  int sizelimit;
  /* for request.c */
  int depth;
  char *target;
  GPtrArray *entries; /* LaEntry */
};

struct _LaConn {
  LdapAuth *la;
  guint server;
  gboolean service; /* bound as the service account, for searches */
  LaConnState state;
  LDAP *ld;
  int fd; /* the socket; owned by @ld once it exists */
  GSource *source;
  gpointer fd_tag;
  GIOCondition events;
  struct addrinfo *addrs;
  struct addrinfo *next_addr;
  char *connect_error;
  gint64 setup_deadline; /* µs: connecting, TLS and the service bind */
  int setup_msgid;
  gboolean encrypted;
  GQueue ops;     /* LaOp sent, oldest (earliest deadline) first */
  GQueue backlog; /* LaOp waiting for room */
  GQueue local;   /* LaOp refused locally, answered on the next dispatch */
  GHashTable *by_msgid;
  LaRequest *owner; /* a user-bind connection's request */
  char *broken;     /* why it failed, reported on the next dispatch */
  gboolean quiet;   /* the server closed an idle connection: no failure */
  gboolean timed_out;
  gboolean more; /* messages left unread when the turn ended */
  /* the worker (resolve or TLS): the connection is its alone meanwhile */
  GThread *thread;
  GSource *thread_done;
  int work_rc;
  char *work_error;
};

LaConn *la_conn_new (LdapAuth *la, guint server, gboolean service);
void la_conn_start (LaConn *c);
gboolean la_conn_is_ready (const LaConn *c);
guint la_conn_in_flight (const LaConn *c);
/* Sends a search (or queues it while the connection is full). The result
 * goes to la_request_op_entry()/la_request_op_done(). Never fails at
 * once: a broken connection is reported from the main loop. */
LaOp *la_conn_search (LaConn *c, LaRequest *req, LaOpKind kind, const char *base, int scope,
                      const char *filter, const char *const *attrs, int sizelimit);
/* Sends a simple bind of @dn with @secret (never empty). */
LaOp *la_conn_bind (LaConn *c, LaRequest *req, const char *dn, const char *secret);
/* Marks @c failed (a server's error that means an outage); the pool
 * hears of it on the next dispatch, so that nobody is called back from
 * inside a call into the connection. */
void la_conn_fail (LaConn *c, const char *why);
void la_conn_failf (LaConn *c, const char *format, ...) G_GNUC_PRINTF (2, 3);
/* The text of @rc with the handle's diagnostic message (transfer full). */
char *la_conn_error_text (LaConn *c, int rc);
/* Sets the connection's timer to its next deadline. */
void la_conn_update_timer (LaConn *c);
/* The request no longer wants @op: abandons it on the server. */
void la_conn_abandon (LaOp *op);
/* Closes @c (without reporting a failure) and frees it, or hands it to
 * the plugin's dead list while its worker runs. Its ops are dropped:
 * their requests must have forgotten them. */
void la_conn_close (LaConn *c);
/* Unload: waits for @c's worker (aborting a handshake) and frees it. */
void la_conn_free_now (LaConn *c);

/* --- operations (op.c) ------------------------------------------------------ */

void la_op_free (LaOp *op);
/* @op's answer came: tells the request, frees @op. */
void la_op_finish (LaOp *op, int rc, const char *diag);
/* Sends what waited for room, until @deadline; TRUE if some is left
 * that could be sent now. */
gboolean la_conn_send_backlog (LaConn *c, gint64 deadline);
/* The connection closes: its requests forget every op, which is freed. */
void la_conn_drop_ops (LaConn *c);

/* --- the pool and failover (pool.c) ----------------------------------------- */

typedef struct {
  guint64 failures;
  char *last_error;
  gint64 last_failure; /* real time, µs; 0 never */
} LaServerState;

struct _LdapAuth {
  OccAuthService iface; /* first: the service functions cast back */
  OccPlugin *plugin;
  LaConfig *cfg;
  LaServerState servers[LA_SERVERS_MAX];
  guint current;    /* the server new connections go to */
  LaConn *search;   /* the service account's connection */
  GPtrArray *binds; /* LaConn for user binds */
  GPtrArray *dead;  /* LaConn whose worker still runs */
  GQueue want_search;
  GQueue want_bind;
  GQueue requests; /* every LaRequest not yet answered */
  GQueue answered; /* answers waiting for the deliver source */
  GSource *deliver;
  gboolean closing;
  char *last_error;
  /* counters */
  guint64 authenticated, denied, disabled, invalid, unavailable, lookups, failovers, timeouts;
  gint64 longest_turn;     /* µs, the longest dispatch of a connection */
  gint64 longest_turn_cpu; /* µs of CPU time in it */
  GMutex lib_lock;         /* libldap's one-time initialisation */
  gint lib_ready;
};

/* The connection for searches, or NULL: @req is then resumed with
 * la_request_search_ready() once it is. */
void la_pool_want_search (LdapAuth *la, LaRequest *req);
/* A free user-bind connection: @req resumes in la_request_bind_ready(). */
void la_pool_want_bind (LdapAuth *la, LaRequest *req);
void la_pool_release_bind (LdapAuth *la, LaConn *c);
/* @req is answered or restarts: it waits for no connection any more. */
void la_pool_forget (LdapAuth *la, LaRequest *req);
/* From conn.c: @c is ready; hands it to the requests waiting for it
 * until @deadline. TRUE if some still wait (call again next turn). */
gboolean la_pool_conn_ready (LdapAuth *la, LaConn *c, gint64 deadline);
/* @c failed (@why names the server and the reason): the server is marked
 * failed, new connections go to the next one and every request that was
 * running on it starts again there. */
void la_pool_conn_failed (LdapAuth *la, LaConn *c, const char *why, gboolean timeout);
/* An idle connection the server closed: dropped without a failure. */
void la_pool_conn_gone (LdapAuth *la, LaConn *c);
/* How long one dispatch of this plugin's sources took, for the status:
 * wall time (which includes being preempted) and this thread's CPU time. */
typedef struct {
  gint64 wall;
  gint64 cpu;
} LaTurn;
void la_turn_begin (LaTurn *t);
void la_turn_end (LdapAuth *la, const LaTurn *t);
/* Unload: fails every request and closes every connection. */
void la_pool_shutdown (LdapAuth *la);
const char *la_conn_state_name (LaConnState state);

/* --- requests (request.c) --------------------------------------------------- */

typedef enum { LA_AUTHENTICATE, LA_LOOKUP } LaRequestKind;

typedef enum {
  LA_STEP_SEARCH, /* find the user's entry (service account) */
  LA_STEP_BIND,   /* check the password */
  LA_STEP_READ,   /* read the user's entry as the user (direct bind) */
  LA_STEP_GROUPS, /* nested groups */
} LaStep;

struct _LaRequest {
  LdapAuth *la;
  LaRequestKind kind;
  char *login;
  char *secret; /* wiped when freed */
  OccAuthCallback callback;
  gpointer user_data;
  GList link;      /* in la->requests, then la->answered */
  GQueue *waiting; /* la->want_search or want_bind, or NULL */
  GList wait_link;
  LaStep step;
  guint server;         /* the server it runs on */
  guint32 tried;        /* servers that failed it */
  gboolean second_pass; /* every server failed it once already */
  gint64 started;       /* monotonic µs */
  GString *failures;
  LaConn *bind_conn; /* the user-bind connection it holds */
  GPtrArray *ops;    /* LaOp in flight */
  LaEntry *user;
  guint users;       /* entries the user search found */
  GHashTable *seen;  /* group DN keys */
  GPtrArray *groups; /* LaGroup */
  GVariant *identity;
  GError *error;
};

void la_request_start (LdapAuth *la, LaRequestKind kind, const char *login, const char *secret,
                       OccAuthCallback callback, gpointer user_data);
void la_request_search_ready (LaRequest *req, LaConn *c);
void la_request_bind_ready (LaRequest *req, LaConn *c);
void la_request_op_entry (LaOp *op, LaEntry *entry);
void la_request_op_done (LaOp *op, int rc, const char *diag);
/* The server @req ran on failed: start again on the next one, or answer
 * UNAVAILABLE once every server was tried. */
void la_request_retry (LaRequest *req, guint server, const char *why);
/* @op's connection went away: the request forgets it. */
void la_request_drop_op (LaOp *op);
guint la_request_server (const LaRequest *req);
/* Answers @req with @error (transfer full) from the deliver source. */
void la_request_fail (LaRequest *req, GError *error);
/* Runs the callbacks of answered requests until @deadline (monotonic µs);
 * TRUE if some are left. */
gboolean la_request_deliver (LdapAuth *la, gint64 deadline);
