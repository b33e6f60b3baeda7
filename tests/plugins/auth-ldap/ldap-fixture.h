/* What the auth-ldap tests share: two real slapd servers holding the same
 * AD-like tree, a test CA and a wrong one, and an in-process core with
 * the real auth-ldap.so loaded from the build tree. */
#pragma once

#include "context.h"
#include "ldap-peer.h"
#include "testlib.h"

#define LF_SUFFIX "dc=example,dc=org"
#define LF_PEOPLE "ou=people," LF_SUFFIX
#define LF_GROUPS "ou=groups," LF_SUFFIX
#define LF_SERVICE_DN "cn=omnicc,ou=service," LF_SUFFIX
#define LF_AD_FILTER "(|(sAMAccountName=%s)(userPrincipalName=%s))"

typedef struct {
  OccTestCa *ca;
  OccTestCa *wrong_ca;
  OccTestSlapd *a;
  OccTestSlapd *b;
  char *dir;           /* the service password file and the like */
  char *password_file; /* mode 0600 */
} LfServers;

/* Set by lf_init(); a and b are NULL when slapd could not start. */
extern LfServers lf;

/* g_test_init, warnings counted rather than fatal, and the servers (with
 * @extra_ldif added to both, may be NULL). */
void lf_init (int *argc, char ***argv, const char *extra_ldif);
void lf_shutdown (void);
/* TRUE (and the test skipped) without servers. */
gboolean lf_skip (void);
/* Warnings the plugin logged since the start. */
guint lf_warnings (void);

/* A config for search-then-bind as the service account against
 * @servers (";"-separated URLs), plus @extra lines. */
char *lf_conf (const char *servers, const char *extra);
/* The same trusting the CA in @ca_file. */
char *lf_conf_ca (const char *servers, const char *ca_file, const char *extra);

typedef struct {
  char *dir;
  OccContext *ctx;
  const OccAuthService *auth; /* NULL if the plugin did not load */
  GError *load_error;
} LfNode;

/* A context with auth-ldap configured by @conf and loaded. */
LfNode *lf_node_new (const char *conf);
void lf_node_free (LfNode *n);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LfNode, lf_node_free)
/* Runs auth-ldap.status; the result as text (transfer full). */
char *lf_status (LfNode *n);

typedef struct {
  gboolean done;
  gboolean returned; /* the call had returned when the callback ran */
  gboolean early;
  GVariant *identity;
  GError *error;
  gint64 started, finished; /* monotonic µs */
} LfReply;

void lf_reply_free (LfReply *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LfReply, lf_reply_free)
/* Starts an authenticate() call answering into a new reply. */
LfReply *lf_auth_start (LfNode *n, const char *login, const char *secret);
/* Waits (asserting within @timeout_ms) for @r. */
void lf_wait (LfReply *r, guint timeout_ms);
/* authenticate() / lookup() and wait (at most 30 s). */
LfReply *lf_auth (LfNode *n, const char *login, const char *secret);
LfReply *lf_lookup (LfNode *n, const char *login);

/* Asserts that @r succeeded as @login. */
void lf_assert_login (LfReply *r, const char *login);
/* Asserts that @r failed with @code. */
void lf_assert_error (LfReply *r, OccAuthError code);
/* TRUE if @r's identity lists @group in "groups". */
gboolean lf_has_group (LfReply *r, const char *group);
