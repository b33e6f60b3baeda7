/* omnicc plugin API — principals and permissions: who is asking, and
 * what they may do.
 *
 * Every control command (and later every web API call and supervisor
 * action) runs on behalf of a principal: a signed-in user, or the local
 * operator who opened the control socket. A principal holds permissions:
 * dotted names such as "audit.read", "supervise.listen",
 * "interaction.read.own". The core checks the permission a command
 * declared before it runs the command (the one enforcement point); a
 * command that acts on a queue or a campaign checks the scope itself with
 * occ_control_call_check().
 *
 * Permission patterns a principal may hold:
 *   "audit.read"        exactly that permission (and "audit.read.own")
 *   "supervise.*"       every permission under supervise.
 *   "*"                 everything (the local operator's "system" role)
 * A permission ending in ".own" (act on one's own things) is also granted
 * by the permission without it ("user.password" covers "user.password.own").
 *
 * Scopes: a grant may be limited to scopes such as "queue:sales" or
 * "campaign:spring-offers" (the client viewer's). An unscoped grant covers
 * every scope; a scoped one only its scopes.
 *
 * The "access" plugin builds principals (roles, grants, sessions) and
 * provides the "access" service the core asks. Without it, every client of
 * the control socket acts with every permission, as the socket's file
 * permissions are then the only guard (the daemon says so at start).
 */
#pragma once

#include <gio/gio.h>
#include <omnicc/plugin.h>
#include <omnicc/service.h>

G_BEGIN_DECLS

/* --- principals ------------------------------------------------------------ */

/**
 * OccPrincipal:
 *
 * Reference-counted; immutable once sealed (occ_principal_seal()), which
 * the access service does before handing one out, so that checks need no
 * locking. Main thread, except occ_principal_can(), which any thread may
 * call on a sealed principal.
 */
typedef struct _OccPrincipal OccPrincipal;

/* What a principal is. */
#define OCC_PRINCIPAL_USER "user"           /* a signed-in account */
#define OCC_PRINCIPAL_LOCAL "local"         /* the control socket's local user */
#define OCC_PRINCIPAL_ANONYMOUS "anonymous" /* nobody signed in, no local role */

/** occ_principal_new: @login e.g. "alice" or "local:uid=0"; @kind one of
 * OCC_PRINCIPAL_*. Holds no permission yet. */
OCC_API OccPrincipal *occ_principal_new (const char *login, const char *kind);
OCC_API OccPrincipal *occ_principal_ref (OccPrincipal *principal);
OCC_API void occ_principal_unref (OccPrincipal *principal);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OccPrincipal, occ_principal_unref)

/**
 * occ_principal_allow:
 * @pattern: a permission or a pattern ("audit.read", "supervise.*", "*").
 * @scope: (nullable): "queue:sales"…; NULL for every scope.
 *
 * Adds a permission (before sealing). FALSE with @error for a malformed
 * pattern or scope: [a-z0-9-] words joined by dots, ".*" only at the end;
 * a scope is KIND:NAME without spaces.
 */
OCC_API gboolean occ_principal_allow (OccPrincipal *principal, const char *pattern,
                                      const char *scope, GError **error);
/** occ_principal_add_role: records a role's name, for display and audit. */
OCC_API void occ_principal_add_role (OccPrincipal *principal, const char *role);
/** occ_principal_set_display_name, _set_session: (nullable) set before sealing. */
OCC_API void occ_principal_set_display_name (OccPrincipal *principal, const char *name);
/* @session: the session's public id (not its token). */
OCC_API void occ_principal_set_session (OccPrincipal *principal, const char *session);
/** occ_principal_seal: no change after this. */
OCC_API void occ_principal_seal (OccPrincipal *principal);

/**
 * occ_principal_can:
 * @scope: (nullable): the queue, campaign… acted on; NULL when the action
 *   is not limited to one (then only an unscoped grant allows it).
 *
 * TRUE if @principal holds @permission for @scope. Fast (a hash lookup or
 * two): it sits on every call path.
 */
OCC_API gboolean occ_principal_can (const OccPrincipal *principal, const char *permission,
                                    const char *scope);
/** TRUE if @principal holds @permission for at least one scope. */
OCC_API gboolean occ_principal_can_somewhere (const OccPrincipal *principal,
                                              const char *permission);
/** The scopes @principal holds @permission in (transfer full; NULL-ended;
 * empty when it holds it unscoped or not at all — use _can to tell). */
OCC_API char **occ_principal_list_scopes (const OccPrincipal *principal, const char *permission);

OCC_API const char *occ_principal_get_login (const OccPrincipal *principal);
OCC_API const char *occ_principal_get_kind (const OccPrincipal *principal);
OCC_API const char *occ_principal_get_display_name (const OccPrincipal *principal);
OCC_API const char *occ_principal_get_session (const OccPrincipal *principal);
/** Role names, in the order added (transfer none, NULL-ended). */
OCC_API const char *const *occ_principal_get_roles (const OccPrincipal *principal);
/** An a{sv}: login, kind, display-name, session, roles (as), permissions
 * (a(ss): pattern, scope or "") — floating. */
OCC_API GVariant *occ_principal_describe (const OccPrincipal *principal);

/** occ_permission_is_valid: TRUE if @text is a well-formed permission
 * (@pattern: also "x.*" and "*"). */
OCC_API gboolean occ_permission_is_valid (const char *text, gboolean pattern);

/* --- errors ------------------------------------------------------------------ */

static inline GQuark
occ_access_error_quark (void)
{
  return g_quark_from_string ("occ-access-error-quark");
}
#define OCC_ACCESS_ERROR (occ_access_error_quark ())

typedef enum {
  OCC_ACCESS_ERROR_UNAUTHENTICATED, /* no session, or it expired or was revoked */
  OCC_ACCESS_ERROR_DENIED,          /* a permission is missing: the message names it */
  OCC_ACCESS_ERROR_LOCKED,          /* too many failed sign-ins: locked for a while */
  OCC_ACCESS_ERROR_CONFLICT,        /* separation of duties: the message names the rule */
  OCC_ACCESS_ERROR_INVALID,         /* malformed input */
  OCC_ACCESS_ERROR_NOT_FOUND,       /* no such user, role, grant */
  OCC_ACCESS_ERROR_UNAVAILABLE,     /* the store or the directory could not answer */
} OccAccessError;

/* --- the service --------------------------------------------------------------- */

#define OCC_ACCESS_SERVICE "access"
#define OCC_ACCESS_VERSION 1

/* The event type the access plugin registers and publishes when an
 * account's standing changes: "(ssa{sv})" (login, "disabled" | "enabled" |
 * "locked" | "unlocked", extra: "by" (s) who did it, "until" (x) the end
 * of a lock in ms since the epoch). A consumer that must stop serving a
 * disabled account at once (the SIP registrar drops its phones) listens
 * to it; the type exists while the access plugin is loaded. */
#define OCC_EVENT_ACCESS_ACCOUNT "access.account"

/**
 * OccAccessCallback:
 * @result: (nullable): sip_credentials: an a{sv} with "login" (s),
 *   "realm" (s), "ha1" (s, MD5 hex), "ha1-sha256" (s, hex). Transfer none.
 */
typedef void (*OccAccessCallback) (GVariant *result, const GError *error, gpointer user_data);

typedef struct _OccAccessService OccAccessService;

struct _OccAccessService {
  OccServiceHeader header;
  /* The principal a control request acts as (transfer full), or NULL
   * with OCC_ACCESS_ERROR_UNAUTHENTICATED. @token: the request's session
   * token, NULL for none; @peer: the socket peer ("uid=0 pid=12", or
   * "in-process"). Synchronous and cheap: it runs on every request. */
  OccPrincipal *(*resolve) (const OccAccessService *self, const char *token, const char *peer,
                            GError **error);
  /* A check failed: records it in the audit trail. @action: the command;
   * @source: where the request came from. */
  void (*denied) (const OccAccessService *self, const OccPrincipal *principal, const char *action,
                  const char *permission, const char *scope, const char *source);
  /* The SIP digest credentials of @login for @realm, if the account may
   * register a phone now: it exists, is enabled here and in its directory
   * (asked again when the last answer is older than the policy allows),
   * is not locked, and holds "phone.register". The HA1 is stored at the
   * account's last password sign-in. */
  void (*sip_credentials) (const OccAccessService *self, const char *login, const char *realm,
                           OccAccessCallback callback, gpointer user_data);
};

G_END_DECLS
