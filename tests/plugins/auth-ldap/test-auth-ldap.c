/* auth-ldap against real slapd servers: sign-in by sAMAccountName and by
 * userPrincipalName, wrong passwords and unknown users, disabled
 * accounts, nested groups, lookups, direct binds, LDAP injection, bad
 * input, TLS (LDAPS, StartTLS, a wrong CA) and plaintext refusal. */
#include "ldap-fixture.h"

#include "loader.h"

#include <glib/gstdio.h>
#include <string.h>

static LfNode *
node_ldaps (const char *extra)
{
  g_autofree char *conf = lf_conf (lf.a->ldaps_url, extra);
  LfNode *n = lf_node_new (conf);
  g_assert_no_error (n->load_error);
  return n;
}

/* --- configuration -------------------------------------------------------------------- */

static void
assert_load_fails (const char *conf, const char *needle)
{
  g_autoptr (LfNode) n = lf_node_new (conf);
  g_assert_null (n->auth);
  g_assert_nonnull (n->load_error);
  if (strstr (n->load_error->message, needle) == NULL)
    g_error ("load error “%s” does not mention “%s”", n->load_error->message, needle);
}

static void
test_declines_without_servers (void)
{
  g_autoptr (LfNode) n = lf_node_new ("[ldap]\nbase-dn=dc=example,dc=org\n");
  g_assert_null (n->auth);
  g_assert_error (n->load_error, OCC_LOADER_ERROR, OCC_LOADER_ERROR_DECLINED);
  g_assert_nonnull (strstr (n->load_error->message, "no LDAP server configured"));
}

static void
test_refuses_bad_config (void)
{
  if (lf_skip ())
    return;
  const char *url = lf.a->ldaps_url;
  /* plaintext without allow-plaintext, and the way out named */
  g_autofree char *plain = lf_conf (lf.a->url, NULL);
  assert_load_fails (plain, "allow-plaintext");
  g_autofree char *bad_url = lf_conf ("http://example.org/", NULL);
  assert_load_fails (bad_url, "not an ldap:// or ldaps:// URL");
  g_autofree char *with_dn = lf_conf ("ldaps://127.0.0.1/dc=x", NULL);
  assert_load_fails (with_dn, "base goes in base-dn");
  g_autofree char *both = lf_conf (url, "user-dn-template=uid=%s,dc=example,dc=org\n");
  assert_load_fails (both, "exclude each other");
  g_autofree char *neither = g_strdup_printf ("[ldap]\nservers=%s\nca-file=%s\n", url, lf.ca->cert);
  assert_load_fails (neither, "user-dn-template");
  g_autofree char *no_s
      = g_strdup_printf ("[ldap]\nservers=%s\nuser-dn-template=uid=x,dc=example,dc=org\n", url);
  assert_load_fails (no_s, "must contain %s");
  g_autofree char *bad_conv
      = g_strdup_printf ("[ldap]\nservers=%s\nuser-dn-template=uid=%%d,dc=example,dc=org\n", url);
  assert_load_fails (bad_conv, "is not allowed");
  g_autofree char *upn_no_base
      = g_strdup_printf ("[ldap]\nservers=%s\nuser-dn-template=%%s@example.org\n", url);
  assert_load_fails (upn_no_base, "set base-dn");
  g_autofree char *bad_filter = g_strdup_printf (
      "[ldap]\nservers=%s\nbase-dn=dc=x\nbind-dn=cn=a,dc=x\nbind-password-file=%s\n"
      "user-filter=uid=%%s\n",
      url, lf.password_file);
  assert_load_fails (bad_filter, "not a filter");
  g_autofree char *bad_base = g_strdup_printf (
      "[ldap]\nservers=%s\nbase-dn=not a dn\nbind-dn=cn=a,dc=x\nbind-password-file=%s\n", url,
      lf.password_file);
  assert_load_fails (bad_base, "not a distinguished name");
  g_autofree char *missing_ca
      = g_strdup_printf ("[ldap]\nservers=%s\nca-file=/nonexistent/ca.pem\n", url);
  assert_load_fails (missing_ca, "not a readable file");
  /* the password file must be private */
  g_autofree char *open_file = g_build_filename (lf.dir, "open.password", NULL);
  occ_test_write (lf.dir, "open.password", "svc-Pw1\n");
  g_chmod (open_file, 0644);
  g_autofree char *readable = g_strdup_printf (
      "[ldap]\nservers=%s\nbase-dn=dc=x\nbind-dn=cn=a,dc=x\nbind-password-file=%s\n", url,
      open_file);
  assert_load_fails (readable, "chmod 600");
  /* a key the schema does not know, and one out of range */
  g_autofree char *unknown = lf_conf (url, "password=oops\n");
  assert_load_fails (unknown, "unknown key");
  g_autofree char *range = lf_conf (url, "connections=0\n");
  assert_load_fails (range, "out of range");
}

/* --- signing in ----------------------------------------------------------------------- */

static void
test_sam_account_name (void)
{
  if (lf_skip ())
    return;
  g_autoptr (LfNode) n = node_ldaps (NULL);
  g_assert_cmpstr (n->auth->get_source (n->auth), ==, "ldap");
  g_assert_null (n->auth->change_password);
  g_autoptr (LfReply) r = lf_auth (n, "alice", "alice-Pw1");
  lf_assert_login (r, "alice");
  const char *display = NULL, *email = NULL, *dn = NULL;
  g_assert_true (g_variant_lookup (r->identity, "display-name", "&s", &display));
  g_assert_true (g_variant_lookup (r->identity, "email", "&s", &email));
  g_assert_true (g_variant_lookup (r->identity, "dn", "&s", &dn));
  g_assert_cmpstr (display, ==, "Alice Agent");
  g_assert_cmpstr (email, ==, "alice@example.org");
  g_assert_cmpstr (dn, ==, "uid=alice," LF_PEOPLE);
  g_autofree const char **dns = NULL;
  g_assert_true (g_variant_lookup (r->identity, "group-dns", "^a&s", &dns));
  g_assert_true (g_strv_contains (dns, "cn=everyone," LF_GROUPS));
}

static void
test_user_principal_name (void)
{
  if (lf_skip ())
    return;
  g_autoptr (LfNode) n = node_ldaps (NULL);
  g_autoptr (LfReply) r = lf_auth (n, "alice@example.org", "alice-Pw1");
  lf_assert_login (r, "alice"); /* the same account, whichever name was typed */
  g_autoptr (LfReply) upper = lf_auth (n, "ALICE@Example.Org", "alice-Pw1");
  lf_assert_login (upper, "alice");
}

static void
test_wrong_password_and_unknown_user (void)
{
  if (lf_skip ())
    return;
  g_autoptr (LfNode) n = node_ldaps (NULL);
  g_autoptr (LfReply) wrong = lf_auth (n, "alice", "not-her-password");
  g_autoptr (LfReply) unknown = lf_auth (n, "mallory", "whatever-Pw1");
  g_autoptr (LfReply) case_pw = lf_auth (n, "alice", "ALICE-PW1");
  lf_assert_error (wrong, OCC_AUTH_ERROR_DENIED);
  lf_assert_error (unknown, OCC_AUTH_ERROR_DENIED);
  lf_assert_error (case_pw, OCC_AUTH_ERROR_DENIED);
  /* the answer does not tell which logins exist */
  g_assert_cmpstr (wrong->error->message, ==, unknown->error->message);
  /* and the plugin still works afterwards */
  g_autoptr (LfReply) ok = lf_auth (n, "bob", "bob-Pw1");
  lf_assert_login (ok, "bob");
}

static void
test_ambiguous_login (void)
{
  if (lf_skip ())
    return;
  /* a filter that matches more than the user: nobody signs in through it */
  g_autoptr (LfNode) n
      = node_ldaps ("user-filter=(|(sAMAccountName=%s)(objectClass=inetOrgPerson))\n");
  guint before = lf_warnings ();
  g_autoptr (LfReply) r = lf_auth (n, "alice", "alice-Pw1");
  lf_assert_error (r, OCC_AUTH_ERROR_DENIED);
  g_assert_cmpuint (lf_warnings (), >, before);
}

static void
test_disabled_account (void)
{
  if (lf_skip ())
    return;
  g_autoptr (LfNode) n = node_ldaps (NULL);
  g_autoptr (LfReply) right = lf_auth (n, "carol", "carol-Pw1");
  lf_assert_error (right, OCC_AUTH_ERROR_DISABLED);
  /* without the password nobody learns that the account exists */
  g_autoptr (LfReply) wrong = lf_auth (n, "carol", "guess");
  lf_assert_error (wrong, OCC_AUTH_ERROR_DENIED);
  g_autoptr (LfNode) off = node_ldaps ("disabled-check=false\n");
  g_autoptr (LfReply) unchecked = lf_auth (off, "carol", "carol-Pw1");
  lf_assert_login (unchecked, "carol");
}

static void
test_empty_password_refused (void)
{
  if (lf_skip ())
    return;
  g_autoptr (LfNode) n = node_ldaps (NULL);
  g_autoptr (LfReply) empty = lf_auth (n, "alice", "");
  g_autoptr (LfReply) null = lf_auth (n, "alice", NULL);
  lf_assert_error (empty, OCC_AUTH_ERROR_INVALID);
  lf_assert_error (null, OCC_AUTH_ERROR_INVALID);
  /* refused before anything was sent: no connection was even opened */
  g_autofree char *status = lf_status (n);
  g_assert_nonnull (strstr (status, "\"search-connection\":\"closed\""));
  g_assert_nonnull (strstr (status, "\"bind-connections\":[]"));
}

static void
test_bad_input (void)
{
  if (lf_skip ())
    return;
  g_autoptr (LfNode) n = node_ldaps (NULL);
  g_autofree char *long_login = g_strnfill (257, 'a');
  g_autofree char *long_secret = g_strnfill (257, 'p');
  g_autofree char *max_login = g_strnfill (256, 'a');
  const struct {
    const char *login, *secret;
  } cases[] = { { "", "alice-Pw1" },
                { NULL, "alice-Pw1" },
                { long_login, "x" },
                { "alice", long_secret },
                { "ali\xff"
                  "ce",
                  "alice-Pw1" },
                { "alice", "alice-Pw1\xc3" },
                { "\xc0\xaf", "x" } };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (LfReply) r = lf_auth (n, cases[i].login, cases[i].secret);
      lf_assert_error (r, OCC_AUTH_ERROR_INVALID);
    }
  /* 256 bytes is still a login (one that does not exist) */
  g_autoptr (LfReply) max = lf_auth (n, max_login, "x");
  lf_assert_error (max, OCC_AUTH_ERROR_DENIED);
}

static void
test_injection (void)
{
  if (lf_skip ())
    return;
  g_autoptr (LfNode) n = node_ldaps (NULL);
  /* each with the passwords of real users: none may match anyone */
  const char *logins[] = { "*",
                           ")(uid=*",
                           "admin)(|(x=",
                           "*)(sAMAccountName=*",
                           "admin*",
                           "a*",
                           "*admin",
                           "alice)(",
                           "alice)(&",
                           "(alice)",
                           "alice\\",
                           "alice\\2a",
                           "\\2a",
                           "star*",
                           "star\\2auser",
                           "ali\0ce", /* C strings end at the NUL: "ali" */
                           "admin\x01",
                           "*@example.org",
                           "uid=admin," LF_PEOPLE };
  const char *secrets[] = { "admin-Pw1", "alice-Pw1", "star-Pw1" };
  for (guint i = 0; i < G_N_ELEMENTS (logins); i++)
    for (guint j = 0; j < G_N_ELEMENTS (secrets); j++)
      {
        g_autoptr (LfReply) r = lf_auth (n, logins[i], secrets[j]);
        if (r->error == NULL || !g_error_matches (r->error, OCC_AUTH_ERROR, OCC_AUTH_ERROR_DENIED))
          g_error ("login “%s” with a real password: %s", logins[i],
                   r->error ? r->error->message : "signed in");
      }
  /* the escaping is right, not just restrictive: special characters in a
   * real name work, and UTF-8 too */
  g_autoptr (LfReply) star = lf_auth (n, "star*user", "star-Pw1");
  lf_assert_login (star, "star*user");
  g_autoptr (LfReply) comma = lf_auth (n, "comma,user", "comma-Pw1");
  lf_assert_login (comma, "comma,user");
  g_autoptr (LfReply) zoe = lf_auth (n, "zo\xc3\xab", "zoe-Pw1");
  lf_assert_login (zoe, "zo\xc3\xab");
}

/* --- groups and lookups ---------------------------------------------------------------- */

static void
test_nested_groups (void)
{
  if (lf_skip ())
    return;
  g_autoptr (LfNode) n = node_ldaps (NULL);
  g_autoptr (LfReply) alice = lf_auth (n, "alice", "alice-Pw1");
  g_assert_true (lf_has_group (alice, "agents"));
  g_assert_true (lf_has_group (alice, "callcenter-staff"));
  g_assert_true (lf_has_group (alice, "everyone")); /* the grandparent */
  g_assert_false (lf_has_group (alice, "supervisors"));
  g_autoptr (LfReply) bob = lf_auth (n, "bob", "bob-Pw1");
  g_assert_true (lf_has_group (bob, "supervisors") && lf_has_group (bob, "everyone"));
  g_assert_false (lf_has_group (bob, "agents"));
  /* a cycle ends */
  g_autoptr (LfReply) dave = lf_auth (n, "dave", "dave-Pw1");
  g_assert_true (lf_has_group (dave, "loop-a") && lf_has_group (dave, "loop-b"));
  /* a group that no longer exists is named from its DN */
  g_autoptr (LfReply) gina = lf_auth (n, "gina", "gina-Pw1");
  g_assert_true (lf_has_group (gina, "deleted-group") && lf_has_group (gina, "everyone"));
  /* nobody's groups: an empty list */
  g_autoptr (LfReply) frank = lf_auth (n, "frank", "frank-Pw1");
  lf_assert_login (frank, "frank");
  g_autofree const char **none = NULL;
  g_assert_true (g_variant_lookup (frank->identity, "groups", "^a&s", &none));
  g_assert_cmpuint (g_strv_length ((char **) none), ==, 0);
}

static void
test_group_depth (void)
{
  if (lf_skip ())
    return;
  g_autoptr (LfNode) all = node_ldaps (NULL);
  g_autoptr (LfReply) deep = lf_auth (all, "erin", "erin-Pw1");
  g_assert_true (lf_has_group (deep, "deep-5"));
  g_autoptr (LfNode) two = node_ldaps ("group-depth=2\n");
  g_autoptr (LfReply) r = lf_auth (two, "erin", "erin-Pw1");
  g_assert_true (lf_has_group (r, "deep-1") && lf_has_group (r, "deep-3"));
  g_assert_false (lf_has_group (r, "deep-4"));
  g_autoptr (LfNode) zero = node_ldaps ("group-depth=0\n");
  g_autoptr (LfReply) direct = lf_auth (zero, "alice", "alice-Pw1");
  g_assert_true (lf_has_group (direct, "agents"));
  g_assert_false (lf_has_group (direct, "callcenter-staff"));
}

static void
test_active_directory_mode (void)
{
  if (lf_skip ())
    return;
  /* slapd does not know the in-chain rule: nesting is followed anyway */
  g_autoptr (LfNode) n = node_ldaps ("active-directory=true\n");
  g_autoptr (LfReply) r = lf_auth (n, "alice", "alice-Pw1");
  lf_assert_login (r, "alice");
  g_assert_true (lf_has_group (r, "everyone"));
  g_autoptr (LfReply) wrong = lf_auth (n, "alice", "nope");
  lf_assert_error (wrong, OCC_AUTH_ERROR_DENIED);
}

static void
test_lookup (void)
{
  if (lf_skip ())
    return;
  g_autoptr (LfNode) n = node_ldaps (NULL);
  g_autoptr (LfReply) alice = lf_lookup (n, "alice@example.org");
  lf_assert_login (alice, "alice");
  g_assert_true (lf_has_group (alice, "everyone"));
  g_autoptr (LfReply) carol = lf_lookup (n, "carol");
  lf_assert_error (carol, OCC_AUTH_ERROR_DISABLED);
  g_autoptr (LfReply) nobody = lf_lookup (n, "mallory");
  lf_assert_error (nobody, OCC_AUTH_ERROR_DENIED);
  g_autoptr (LfReply) star = lf_lookup (n, "*");
  lf_assert_error (star, OCC_AUTH_ERROR_DENIED);
}

static void
test_direct_bind (void)
{
  if (lf_skip ())
    return;
  g_autofree char *conf = g_strdup_printf ("[ldap]\nservers=%s\nca-file=%s\n"
                                           "user-dn-template=uid=%%s," LF_PEOPLE "\n",
                                           lf.a->ldaps_url, lf.ca->cert);
  g_autoptr (LfNode) n = lf_node_new (conf);
  g_assert_no_error (n->load_error);
  g_autoptr (LfReply) alice = lf_auth (n, "alice", "alice-Pw1");
  lf_assert_login (alice, "alice");
  g_assert_true (lf_has_group (alice, "everyone"));
  g_autoptr (LfReply) wrong = lf_auth (n, "alice", "nope");
  lf_assert_error (wrong, OCC_AUTH_ERROR_DENIED);
  g_autoptr (LfReply) unknown = lf_auth (n, "mallory", "nope");
  lf_assert_error (unknown, OCC_AUTH_ERROR_DENIED);
  /* the login is escaped as a DN value (RFC 4514): "comma,user" binds as
   * uid=comma\,user, and ",ou=…" cannot graft another DN */
  g_autoptr (LfReply) comma = lf_auth (n, "comma,user", "comma-Pw1");
  lf_assert_login (comma, "comma,user");
  g_autoptr (LfReply) graft = lf_auth (n, "admin,ou=people", "admin-Pw1");
  lf_assert_error (graft, OCC_AUTH_ERROR_DENIED);
  g_autoptr (LfReply) disabled = lf_auth (n, "carol", "carol-Pw1");
  lf_assert_error (disabled, OCC_AUTH_ERROR_DISABLED);
  g_autoptr (LfReply) lookup = lf_lookup (n, "alice");
  lf_assert_error (lookup, OCC_AUTH_ERROR_UNSUPPORTED);
}

/* --- TLS ------------------------------------------------------------------------------- */

static void
test_ldaps_wrong_ca (void)
{
  if (lf_skip ())
    return;
  g_autofree char *wrong = lf_conf_ca (lf.a->ldaps_url, lf.wrong_ca->cert, NULL);
  g_autoptr (LfNode) n = lf_node_new (wrong);
  g_assert_no_error (n->load_error);
  g_autoptr (LfReply) r = lf_auth (n, "alice", "alice-Pw1");
  lf_assert_error (r, OCC_AUTH_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (r->error->message, "TLS handshake failed"));
  g_assert_nonnull (strstr (r->error->message, lf.a->ldaps_url));
}

static void
test_starttls (void)
{
  if (lf_skip ())
    return;
  g_autofree char *conf = lf_conf (lf.a->url, "starttls=true\n");
  g_autoptr (LfNode) tls = lf_node_new (conf);
  g_assert_no_error (tls->load_error);
  g_autoptr (LfReply) r = lf_auth (tls, "alice", "alice-Pw1");
  lf_assert_login (r, "alice");
  g_assert_true (lf_has_group (r, "everyone"));
  g_autofree char *wrong = lf_conf_ca (lf.a->url, lf.wrong_ca->cert, "starttls=true\n");
  g_autoptr (LfNode) bad = lf_node_new (wrong);
  g_autoptr (LfReply) refused = lf_auth (bad, "alice", "alice-Pw1");
  lf_assert_error (refused, OCC_AUTH_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (refused->error->message, "TLS"));
}

static void
test_plaintext_when_allowed (void)
{
  if (lf_skip ())
    return;
  g_autofree char *conf = lf_conf (lf.a->url, "allow-plaintext=true\n");
  g_autoptr (LfNode) n = lf_node_new (conf);
  g_assert_no_error (n->load_error);
  g_autoptr (LfReply) r = lf_auth (n, "alice", "alice-Pw1");
  lf_assert_login (r, "alice");
}

static void
test_status (void)
{
  if (lf_skip ())
    return;
  g_autoptr (LfNode) n = node_ldaps (NULL);
  g_autoptr (LfReply) ok = lf_auth (n, "alice", "alice-Pw1");
  g_autoptr (LfReply) bad = lf_auth (n, "alice", "wrong");
  g_autofree char *status = lf_status (n);
  g_test_message ("%s", status);
  g_assert_nonnull (strstr (status, "\"ok\":true"));
  g_assert_nonnull (strstr (status, "\"authenticated\":1"));
  g_assert_nonnull (strstr (status, "\"denied\":1"));
  g_assert_nonnull (strstr (status, "\"connected\":true"));
  g_assert_nonnull (strstr (status, lf.a->ldaps_url));
  /* nothing secret */
  g_assert_null (strstr (status, "svc-Pw1"));
  g_assert_null (strstr (status, "alice-Pw1"));
}

int
main (int argc, char **argv)
{
  lf_init (&argc, &argv, NULL);
  g_test_add_func ("/auth-ldap/config/declines-without-servers", test_declines_without_servers);
  g_test_add_func ("/auth-ldap/config/refuses-bad-values", test_refuses_bad_config);
  g_test_add_func ("/auth-ldap/sign-in/by-sam-account-name", test_sam_account_name);
  g_test_add_func ("/auth-ldap/sign-in/by-user-principal-name", test_user_principal_name);
  g_test_add_func ("/auth-ldap/sign-in/wrong-password-and-unknown-user-look-alike",
                   test_wrong_password_and_unknown_user);
  g_test_add_func ("/auth-ldap/sign-in/disabled-account", test_disabled_account);
  g_test_add_func ("/auth-ldap/sign-in/ambiguous-login-denied", test_ambiguous_login);
  g_test_add_func ("/auth-ldap/sign-in/empty-password-refused-before-any-bind",
                   test_empty_password_refused);
  g_test_add_func ("/auth-ldap/sign-in/bad-input-refused", test_bad_input);
  g_test_add_func ("/auth-ldap/sign-in/injection-never-matches", test_injection);
  g_test_add_func ("/auth-ldap/groups/nested", test_nested_groups);
  g_test_add_func ("/auth-ldap/groups/depth-limit", test_group_depth);
  g_test_add_func ("/auth-ldap/groups/active-directory-mode", test_active_directory_mode);
  g_test_add_func ("/auth-ldap/lookup", test_lookup);
  g_test_add_func ("/auth-ldap/direct-bind", test_direct_bind);
  g_test_add_func ("/auth-ldap/tls/ldaps-wrong-ca-refused", test_ldaps_wrong_ca);
  g_test_add_func ("/auth-ldap/tls/starttls", test_starttls);
  g_test_add_func ("/auth-ldap/plaintext/when-allowed", test_plaintext_when_allowed);
  g_test_add_func ("/auth-ldap/status", test_status);
  int rc = g_test_run ();
  lf_shutdown ();
  return rc;
}
