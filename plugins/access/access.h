/* access: roles, grants, sessions and the "access" service. See README.md. */
#pragma once

#include <omnicc/omnicc.h>

#define AC_SERVICE_NAME OCC_ACCESS_SERVICE
#define AC_ROLES_POLICY "roles"
#define AC_ACCESS_POLICY "access"
/* the built-in role of the local operator: every permission, never granted */
#define AC_SYSTEM_ROLE "system"
#define AC_MAX_LOGIN 256
#define AC_MAX_SECRET 1024
#define AC_MAX_JUSTIFICATION 2000
#define AC_MIN_JUSTIFICATION 10

/* --- policy (policy.c) ---------------------------------------------------------- */

typedef struct {
  char *name;
  char *description;
  GPtrArray *permissions; /* char*: permissions and patterns */
  gboolean scoped;        /* granted for named scopes only */
  gboolean approval;      /* a grant needs a second person's approval */
  gboolean exclusive;     /* an account holding it holds nothing else */
} AcRole;

typedef struct {
  char *name;
  GPtrArray *roles; /* char*: no account holds two of them */
} AcRule;

typedef struct {
  GHashTable *permissions; /* name -> description: the catalogue */
  GHashTable *roles;       /* name -> AcRole* */
  GPtrArray *role_order;   /* char*, as in the file */
  GPtrArray *rules;        /* AcRule* */
  GHashTable *groups;      /* case-folded group name -> GPtrArray of role names */
  /* access.conf */
  char **sources;           /* auth sources tried in order: "ldap", "local" */
  guint max_failures;       /* 0: no lockout */
  gint64 failure_window_ms; /* failures counted over this long */
  gint64 lockout_ms;
  gint64 session_max_age_ms;
  gint64 session_idle_ms; /* 0: no idle limit */
  char *sip_realm;
  gint64 sip_recheck_ms; /* ask the directory again after this long */
  gint64 sip_grace_ms;   /* trust the last answer this long while it cannot be asked */
  char *local_role;      /* the control socket's local clients' role; NULL: none */
  char *first_admin;     /* the login given "administrator" on an empty site */
} AcPolicy;

AcPolicy *ac_policy_read (GKeyFile *roles, GKeyFile *access, GError **error);
void ac_policy_free (AcPolicy *policy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AcPolicy, ac_policy_free)
const AcRole *ac_policy_role (const AcPolicy *policy, const char *name);

/* What an account holds: catalogue roles and single permissions, each for
 * every scope (scope NULL) or one scope. */
typedef struct {
  char *role;       /* or NULL */
  char *permission; /* or NULL */
  char *scope;      /* or NULL */
  char *grant_id;   /* NULL for a role the account's groups map to */
} AcHolding;

void ac_holding_free (AcHolding *h);
GPtrArray *ac_holdings_new (void);
void ac_holdings_add (GPtrArray *holdings, const char *role, const char *permission,
                      const char *scope, const char *grant_id);
/* The roles @groups map to, added to @holdings. */
void ac_policy_map_groups (const AcPolicy *policy, const char *const *groups, GPtrArray *holdings);
/* NULL if @holdings respect separation of duties; else the conflict, in
 * words naming the rule (transfer full). */
char *ac_policy_conflict (const AcPolicy *policy, GPtrArray *holdings);
/* A sealed principal holding @holdings. */
OccPrincipal *ac_policy_principal (const AcPolicy *policy, const char *login, const char *kind,
                                   const char *display_name, const char *session,
                                   GPtrArray *holdings);
/* role.list / role.show answers (floating). */
GVariant *ac_policy_describe_roles (const AcPolicy *policy);
GVariant *ac_policy_describe_role (const AcPolicy *policy, const AcRole *role);

/* --- state -------------------------------------------------------------------------- */

typedef struct {
  char *login; /* case-folded: the key */
  char *source;
  char *display_name;
  char **groups;
  gboolean disabled;
  char *disabled_by;
  gint64 disabled_at;
  gint64 locked_until; /* ms since the epoch, 0: not locked */
  char *sip_realm;
  char *sip_ha1;
  char *sip_ha1_sha256;
  gint64 confirmed_at; /* ms: the source last said the account is usable */
  gint64 last_sign_in;
} AcAccount;

typedef struct {
  char *id;
  char *login;
  char *role;
  char *permission;
  char *scope;
  char *justification;
  char *state; /* "pending", "active", "refused", "revoked" */
  char *requested_by;
  gint64 requested_at;
  char *decided_by;
  gint64 decided_at;
  char *revoked_by;
  gint64 revoked_at;
} AcGrant;

typedef struct {
  char *id;         /* public: shown in lists, never a credential */
  char *token_hash; /* hex SHA-256 of the token */
  char *login;
  char *source_addr;
  gint64 created_at; /* ms since the epoch */
  gint64 expires_at;
  gint64 last_used;    /* monotonic µs */
  gboolean restricted; /* opened with a one-time password: may only change it */
  OccPrincipal *principal;
} AcSession;

typedef struct {
  gint ref;
  OccPlugin *plugin; /* NULL once unloaded */
  const OccStoreService *store;
  const OccAuditService *audit;
  AcPolicy *policy;
  GHashTable *accounts; /* login -> AcAccount* */
  GHashTable *grants;   /* id -> AcGrant* (pending and active ones) */
  GHashTable *sessions; /* token hash -> AcSession* */
  GHashTable *failures; /* attempted login (folded) -> GArray of gint64 ms */
  GHashTable *locks;    /* login (folded) -> gint64* ms: locked until */
  GHashTable *aliases;  /* another name an account signed in with -> its login */
  GHashTable *locals;   /* peer uid text -> OccPrincipal*: the local clients */
  gboolean ready;       /* the state is loaded from the store */
  guint sweep;
  OccAccessService service;
} Access;

Access *ac_ref (Access *self);
void ac_unref (Access *self);

/* time, ids, text (util.c) */
gint64 ac_now_ms (void);
char *ac_random_id (void);    /* 32 hex */
char *ac_random_token (void); /* "occ_" + 43 base64url */
char *ac_hash_token (const char *token);
char *ac_fold (const char *login); /* NULL if not a valid login */
gboolean ac_text_ok (const char *text, gsize max);
char *ac_strv_to_json (const char *const *v);
char **ac_strv_from_json (const char *json);
/* Publishes OCC_EVENT_ACCESS_ACCOUNT: @login's @state changed (by
 * @by, NULL for the system; @until: a lock's end, 0 for none). */
void ac_publish_account (Access *self, const char *login, const char *state, const char *by,
                         gint64 until);
/* Fire-and-forget audit entry (logged if it cannot be written). */
void ac_audit (Access *self, const char *actor, const char *action, const char *target,
               const char *result, const char *source, GVariant *details);

/* store (state.c) */
void ac_state_load (Access *self);
void ac_account_free (AcAccount *a);
void ac_grant_free (AcGrant *g);
void ac_session_free (AcSession *s);
AcAccount *ac_account_get (Access *self, const char *login);
/* Saves @a (insert or update); @done may be NULL. */
void ac_account_save (Access *self, AcAccount *a, OccStoreCallback done, gpointer data);
void ac_grant_save (Access *self, AcGrant *g, OccStoreCallback done, gpointer data);
void ac_session_save_new (Access *self, AcSession *s, OccStoreCallback done, gpointer data);
void ac_session_save_closed (Access *self, AcSession *s, const char *closed_by);
void ac_failure_save (Access *self, const char *login, gint64 at, const char *source_addr);
/* What @login holds now: its groups' roles and its active grants. */
GPtrArray *ac_account_holdings (Access *self, const char *login, const char *const *groups);

/* sessions (sessions.c) */
OccPrincipal *ac_resolve (const OccAccessService *service, const char *token, const char *peer,
                          GError **error);
/* Rebuilds the principals of @login's open sessions (after a grant
 * change); closes them all when the account may no longer sign in. */
void ac_sessions_refresh (Access *self, const char *login);
/* Closes the sessions of @login (all of them); returns how many. */
guint ac_sessions_close_login (Access *self, const char *login, const char *closed_by);
void ac_sessions_close (Access *self, AcSession *s, const char *closed_by);
AcSession *ac_session_by_token (Access *self, const char *token);
gboolean ac_sweep (gpointer data);
/* Lifts @login's lockout and forgets its failures. */
void ac_unlock (Access *self, const char *login);
void ac_locals_clear (Access *self);

typedef void (*AcSignInFunc) (GVariant *answer, const GError *error, gpointer data);
/* session.open: authenticates, checks lockout and duties, opens a session.
 * @answer: token, session, login, display-name, roles, expires-at. */
void ac_sign_in (Access *self, const char *login, const char *secret, const char *source_addr,
                 AcSignInFunc done, gpointer data);

/* sip.c */
void ac_sip_credentials (const OccAccessService *service, const char *login, const char *realm,
                         OccAccessCallback callback, gpointer user_data);
void ac_sip_derive (AcAccount *a, const char *realm, const char *secret);

/* commands.c */
gboolean ac_commands_register (Access *self, GError **error);
