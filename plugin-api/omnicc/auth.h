/* omnicc plugin API — the "auth" services: who a user is.
 *
 * Each identity source is a plugin providing "auth/<source>" (e.g.
 * "auth/ldap", "auth/local"): it checks a user's secret and says who they
 * are and which groups they belong to. Deciding what a user may do (roles,
 * permissions, separation of duties) is not its job.
 *
 * Every call is asynchronous: the callback runs on the main thread,
 * exactly once, never before the call returns. A wrong password and an
 * unknown user give the same error (OCC_AUTH_ERROR_DENIED) so that the
 * answer does not tell which logins exist; the plugin logs the detail.
 *
 * Versions: 2 appended add_account and set_enabled, which a source may
 * leave NULL (a directory keeps its own accounts): test them with
 * OCC_SERVICE_HAS (iface, add_account) before calling.
 */
#pragma once

#include <gio/gio.h>
#include <omnicc/plugin.h>
#include <omnicc/service.h>

G_BEGIN_DECLS

#define OCC_AUTH_SERVICE_PREFIX "auth/"
#define OCC_AUTH_VERSION 2

/* A quark is named by its string, so every plugin gets the same one (the
 * string is copied: a plugin's literals go away when it is unloaded). */
static inline GQuark
occ_auth_error_quark (void)
{
  return g_quark_from_string ("occ-auth-error-quark");
}
#define OCC_AUTH_ERROR (occ_auth_error_quark ())

typedef enum {
  OCC_AUTH_ERROR_DENIED,      /* wrong secret or unknown user */
  OCC_AUTH_ERROR_DISABLED,    /* the account exists but is disabled */
  OCC_AUTH_ERROR_EXPIRED,     /* the password expired: it must be changed */
  OCC_AUTH_ERROR_INVALID,     /* malformed input (empty, too long, not UTF-8, NUL) */
  OCC_AUTH_ERROR_UNAVAILABLE, /* the directory could not be reached */
  OCC_AUTH_ERROR_POLICY,      /* a new password does not meet the policy */
  OCC_AUTH_ERROR_UNSUPPORTED, /* the source cannot do that (change a directory password) */
  OCC_AUTH_ERROR_EXISTS,      /* add_account: the login is taken */
} OccAuthError;

/**
 * OccAuthCallback:
 * @identity: (nullable): on success an a{sv} with at least "login" (s),
 *   "display-name" (s), "source" (s, e.g. "ldap"), "groups" (as: names
 *   of every group the user belongs to, nested groups included), and
 *   where known "email" (s), "dn" (s), "group-dns" (as), "upn" (s);
 *   transfer none.
 */
typedef void (*OccAuthCallback) (GVariant *identity, const GError *error, gpointer user_data);

typedef struct _OccAuthService OccAuthService;

struct _OccAuthService {
  OccServiceHeader header;
  /* "ldap", "local"… */
  const char *(*get_source) (const OccAuthService *self);
  /* Checks @login's @secret. @login may be a sAMAccountName, a
   * userPrincipalName or a local login, as the source accepts. */
  void (*authenticate) (const OccAuthService *self, const char *login, const char *secret,
                        OccAuthCallback callback, gpointer user_data);
  /* Who @login is, without a secret (for an administrator's lookup and
   * for checking that an account is still enabled). */
  void (*lookup) (const OccAuthService *self, const char *login, OccAuthCallback callback,
                  gpointer user_data);
  /* Changes the password after checking the old one; NULL where the
   * source does not allow it. */
  void (*change_password) (const OccAuthService *self, const char *login, const char *old_secret,
                           const char *new_secret, OccAuthCallback callback, gpointer user_data);
  /* Version 2. */
  /* Creates an account, for sources that keep their own accounts (NULL
   * where the source cannot, e.g. a directory). @display_name may be NULL.
   * @password NULL: the source makes a one-time password, which the answer
   * carries once as "one-time-password" (s), and the user must change it at
   * first sign-in. The answer is the new account's identity (the same a{sv}
   * as lookup). An existing login: OCC_AUTH_ERROR_EXISTS; a password that
   * fails the policy: OCC_AUTH_ERROR_POLICY; malformed input:
   * OCC_AUTH_ERROR_INVALID. */
  void (*add_account) (const OccAuthService *self, const char *login, const char *display_name,
                       const char *password, OccAuthCallback callback, gpointer user_data);
  /* Enables or disables an account (NULL where the source cannot). The
   * answer is the identity as it is now; an unknown login:
   * OCC_AUTH_ERROR_DENIED. */
  void (*set_enabled) (const OccAuthService *self, const char *login, gboolean enabled,
                       OccAuthCallback callback, gpointer user_data);
};

G_END_DECLS
