/* The access plugin end to end with local accounts: the real store (SQLite
 * and PostgreSQL), records, audit and auth-local loaded in-process, and
 * every request sent over the control socket with a session token, as the
 * omnicc command sends it. */
#include "access-fixture.h"

#include <string.h>

#define ALICE_PW "Alice-pass-1234"

static JsonObject *
parse (const char *json)
{
  return occ_test_parse_object (json);
}

/* @admin adds @login as a local account with @password, and grants it
 * @role unless NULL. */
static void
add_user (AxFixture *f, const char *admin, const char *login, const char *password,
          const char *role)
{
  g_autofree char *args
      = g_strdup_printf ("{\"login\": \"%s\", \"password\": \"%s\"}", login, password);
  g_autofree char *r = ax_ok (f, admin, "user.add", args);
  if (role == NULL)
    return;
  g_autofree char *grant = g_strdup_printf ("{\"login\": \"%s\", \"role\": \"%s\"}", login, role);
  g_autofree char *g = ax_ok (f, admin, "user.grant", grant);
  ax_assert_contains (g, "\"state\":\"active\"");
}

static gboolean
has_role (AxFixture *f, const char *token, const char *role)
{
  g_autofree char *who = ax_ok (f, token, "session.whoami", NULL);
  g_autoptr (JsonObject) o = parse (who);
  JsonArray *roles = json_object_get_array_member (o, "roles");
  for (guint i = 0; i < json_array_get_length (roles); i++)
    if (g_strcmp0 (json_array_get_string_element (roles, i), role) == 0)
      return TRUE;
  return FALSE;
}

/* --- the enforcement point ----------------------------------------------------------------- */

static void
test_first_admin_and_enforcement (AxFixture *f, gconstpointer data)
{
  (void) data;
  g_autofree char *admin = ax_admin (f);
  g_assert_true (has_role (f, admin, "administrator"));
  /* the administrator runs the platform */
  g_autofree char *plugins = ax_ok (f, admin, "plugin.list", NULL);
  g_autofree char *users = ax_ok (f, admin, "user.list", NULL);
  ax_assert_contains (users, "\"login\":\"admin\"");
  /* ...but does not read the audit trail: refused, the permission named,
   * the refusal audited with the session */
  g_autofree char *msg = ax_fails (f, admin, "audit.verify", NULL, "denied");
  ax_assert_contains (msg, "“audit.read”");
  ax_assert_contains (msg, "admin");
  g_assert_cmpint (ax_audit_count (f, "audit.verify", "denied", "admin"), ==, 1);
  /* who asked for a change is in the trail, beside what happened */
  g_autofree char *reloaded = ax_ok (f, admin, "config.reload", NULL);
  g_assert_cmpint (ax_audit_count (f, "config.reload", "success", "admin"), ==, 1);
  g_autofree char *nf = ax_fails (f, admin, "plugin.unload", "{\"name\": \"nope\"}", "not-found");
  g_assert_cmpint (ax_audit_count (f, "plugin.unload", "failure", "admin"), ==, 1);
  /* an agent: records yes, plugins no */
  add_user (f, admin, "alice", ALICE_PW, "agent");
  g_autofree char *alice = ax_sign_in (f, "Alice", ALICE_PW);
  g_autofree char *desc = ax_ok (f, alice, "records.describe", NULL);
  g_autofree char *m2 = ax_fails (f, alice, "plugin.unload", "{\"name\": \"audit\"}", "denied");
  ax_assert_contains (m2, "“plugin.manage”");
  g_autofree char *m3 = ax_fails (f, alice, "user.grant",
                                  "{\"login\": \"alice\", \"role\": \"supervisor\"}", "denied");
  ax_assert_contains (m3, "“user.grant”");
  g_autofree char *m4 = ax_fails (f, alice, "daemon.stop", NULL, "denied");
  g_assert_nonnull (f->ctx->loop);
  g_assert_false (f->ctx->stopping);
  /* changing one's own password: yes; someone else's: no */
  g_autofree char *m5 = ax_fails (
      f, alice, "auth-local.passwd",
      "{\"login\": \"admin\", \"old\": \"x\", \"new\": \"Something-else-1\"}", "denied");
  ax_assert_contains (m5, "“user.manage”");
  g_autofree char *own
      = ax_ok (f, alice, "auth-local.passwd",
               "{\"login\": \"alice\", \"old\": \"" ALICE_PW "\", \"new\": \"Alice-new-pass-99\"}");
  g_autofree char *again = ax_sign_in (f, "alice", "Alice-new-pass-99");
  /* public commands need nothing */
  g_autofree char *cmds = ax_ok (f, alice, "commands", NULL);
  ax_assert_contains (cmds, "\"audit.verify\",\"audit.read\"");
  g_autofree char *bogus = ax_fails (f, "occ_not-a-real-token", "status", NULL, "unauthenticated");
  ax_assert_contains (bogus, "sign in again");
  g_autoptr (JsonObject) bad = ax_request (f, NULL, "status", NULL);
  g_assert_true (json_object_get_boolean_member (bad, "ok")); /* the local operator */
}

static void
test_no_local_role (AxFixture *f, gconstpointer data)
{
  (void) data;
  ax_stop (f);
  f->access_policy = g_strdup ("[local]\nrole=\n");
  ax_start (f);
  /* nobody signed in: only the public commands */
  g_autofree char *m = ax_fails (f, NULL, "plugin.list", NULL, "denied");
  ax_assert_contains (m, "anonymous:");
  g_autofree char *who = ax_ok (f, NULL, "session.whoami", NULL);
  ax_assert_contains (who, "\"kind\":\"anonymous\"");
  g_autofree char *admin = ax_admin (f);
  g_autofree char *ok = ax_ok (f, admin, "plugin.list", NULL);
}

/* --- grants -------------------------------------------------------------------------------------- */

static void
test_grants_approval_and_duties (AxFixture *f, gconstpointer data)
{
  (void) data;
  g_autofree char *admin = ax_admin (f);
  add_user (f, admin, "alice", ALICE_PW, "agent");
  g_autofree char *alice = ax_sign_in (f, "alice", ALICE_PW);
  g_assert_false (has_role (f, alice, "supervisor"));

  /* supervisor needs a second person */
  g_autofree char *req
      = ax_ok (f, admin, "user.grant", "{\"login\": \"alice\", \"role\": \"supervisor\"}");
  g_autoptr (JsonObject) g = parse (req);
  g_assert_cmpstr (json_object_get_string_member (g, "state"), ==, "pending");
  g_autofree char *args
      = g_strdup_printf ("{\"id\": \"%s\"}", json_object_get_string_member (g, "id"));
  g_assert_false (has_role (f, alice, "supervisor"));
  g_autofree char *m1 = ax_fails (f, admin, "user.approve", args, "conflict");
  ax_assert_contains (m1, "requested grant");
  g_assert_cmpint (ax_audit_count (f, "user.grant.approve", "denied", "admin"), ==, 1);
  /* another person (here the local operator) approves: alice's open
   * session has the new role at once */
  g_autofree char *ok = ax_ok (f, NULL, "user.approve", args);
  ax_assert_contains (ok, "\"state\":\"active\"");
  g_assert_true (has_role (f, alice, "supervisor"));
  g_autofree char *listen = ax_ok (f, alice, "events.types", NULL);

  /* separation of duties: the rule is named, nothing is stored */
  gint64 before = ax_sql_int (f, "SELECT COUNT(*) FROM access_grant");
  g_autofree char *m2 = ax_fails (f, admin, "user.grant",
                                  "{\"login\": \"admin\", \"role\": \"auditor\"}", "conflict");
  ax_assert_contains (m2, "administration-vs-audit");
  g_autofree char *m3 = ax_fails (
      f, admin, "user.grant",
      "{\"login\": \"admin\", \"permission\": \"audit.read\", \"justification\": \"I want to "
      "read it myself\"}",
      "conflict");
  ax_assert_contains (m3, "through “audit.read”");
  g_assert_cmpint (ax_sql_int (f, "SELECT COUNT(*) FROM access_grant"), ==, before);
  g_assert_cmpint (ax_audit_count (f, "user.grant", "denied", "admin"), ==, 2);

  /* outside the catalogue: a justification, kept */
  g_autofree char *m4
      = ax_fails (f, admin, "user.grant",
                  "{\"login\": \"alice\", \"permission\": \"recording.export\"}", "bad-request");
  ax_assert_contains (m4, "justification");
  g_autofree char *p = ax_ok (f, admin, "user.grant",
                              "{\"login\": \"alice\", \"permission\": \"recording.export\", "
                              "\"justification\": \"ticket 4711: legal hold export\"}");
  g_autoptr (JsonObject) po = parse (p);
  g_assert_cmpstr (json_object_get_string_member (po, "state"), ==, "pending");
  g_autofree char *pj = ax_sql_int (f, "SELECT COUNT(*) FROM access_grant WHERE justification = "
                                       "'ticket 4711: legal hold export'")
                                == 1
                            ? g_strdup ("stored")
                            : NULL;
  g_assert_nonnull (pj);

  /* the ordering client: scoped, alone */
  g_autofree char *m5 = ax_fails (
      f, admin, "user.grant", "{\"login\": \"carol\", \"role\": \"client-viewer\"}", "bad-request");
  ax_assert_contains (m5, "scope=");
  g_autofree char *cv = ax_ok (f, admin, "user.grant",
                               "{\"login\": \"carol\", \"role\": \"client-viewer\", \"scope\": "
                               "\"campaign:spring\"}");
  g_autoptr (JsonObject) cvo = parse (cv);
  g_autofree char *cv_args
      = g_strdup_printf ("{\"id\": \"%s\"}", json_object_get_string_member (cvo, "id"));
  g_autofree char *cv_ok = ax_ok (f, NULL, "user.approve", cv_args);
  g_autofree char *m6 = ax_fails (f, admin, "user.grant",
                                  "{\"login\": \"carol\", \"role\": \"agent\"}", "conflict");
  ax_assert_contains (m6, "exclusive");
  add_user (f, admin, "carol", "Carol-pass-5678", NULL);
  g_autofree char *carol = ax_sign_in (f, "carol", "Carol-pass-5678");
  g_autoptr (GError) e = NULL;
  g_autoptr (OccPrincipal) who = f->access->resolve (f->access, carol, "test", &e);
  g_assert_no_error (e);
  g_assert_true (occ_principal_can (who, "report.read", "campaign:spring"));
  g_assert_false (occ_principal_can (who, "report.read", "campaign:autumn"));
  g_assert_false (occ_principal_can (who, "report.read", NULL));
  g_assert_false (occ_principal_can_somewhere (who, "customer.read"));

  /* revoke: gone from the open session at once */
  g_autofree char *rv
      = ax_ok (f, admin, "user.revoke", "{\"login\": \"alice\", \"role\": \"supervisor\"}");
  ax_assert_contains (rv, "\"state\":\"revoked\"");
  g_assert_false (has_role (f, alice, "supervisor"));
  g_autofree char *m7 = ax_fails (f, alice, "events.types", NULL, "denied");
  g_assert_cmpint (ax_audit_count (f, "user.revoke", "success", "admin"), ==, 1);
  /* grants survive a restart */
  ax_stop (f);
  ax_start (f);
  g_autofree char *show = ax_ok (f, NULL, "user.show", "{\"login\": \"carol\"}");
  ax_assert_contains (show, "client-viewer@campaign:spring");
}

/* --- sessions ------------------------------------------------------------------------------------ */

static void
test_sessions (AxFixture *f, gconstpointer data)
{
  (void) data;
  g_autofree char *admin = ax_admin (f);
  add_user (f, admin, "alice", ALICE_PW, "agent");
  g_autofree char *t1 = ax_sign_in (f, "alice", ALICE_PW);
  g_autofree char *t2 = ax_sign_in (f, "alice", ALICE_PW);
  g_autofree char *t3 = ax_sign_in (f, "alice", ALICE_PW);
  /* the token is never stored, only its hash */
  g_autofree char *sql = g_strdup_printf ("SELECT COUNT(*) FROM access_session WHERE token_hash "
                                          "= '%s' OR id = '%s'",
                                          t1, t1);
  g_assert_cmpint (ax_sql_int (f, sql), ==, 0);
  g_autofree char *list = ax_ok (f, t1, "session.list", NULL);
  g_autofree char *m0 = ax_fails (f, t1, "session.list", "{\"login\": \"admin\"}", "denied");
  /* sign out one */
  g_autofree char *c1 = ax_ok (f, t1, "session.close", NULL);
  g_autofree char *m1 = ax_fails (f, t1, "session.whoami", NULL, "unauthenticated");
  g_autofree char *w2 = ax_ok (f, t2, "session.whoami", NULL);
  /* sessions outlive a restart; one that expired does not */
  ax_stop (f);
  ax_start (f);
  g_autofree char *w2b = ax_ok (f, t2, "session.whoami", NULL);
  ax_assert_contains (w2b, "\"login\":\"alice\"");
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, t3, -1);
  g_autofree char *expire
      = g_strdup_printf ("UPDATE access_session SET expires_at = 1 WHERE token_hash = '%s'", hash);
  ax_sql (f, expire);
  ax_stop (f);
  ax_start (f);
  g_autofree char *m3 = ax_fails (f, t3, "session.whoami", NULL, "unauthenticated");
  /* everywhere */
  g_autofree char *t4 = ax_sign_in (f, "alice", ALICE_PW);
  g_autofree char *all = ax_ok (f, t4, "session.close", "{\"everywhere\": true}");
  ax_assert_contains (all, "\"closed\":2");
  g_autofree char *m2 = ax_fails (f, t2, "session.whoami", NULL, "unauthenticated");
  g_assert_cmpint (ax_audit_count (f, "auth.sign-out", "success", "alice"), ==, 2);
  /* an administrator signs someone out */
  g_autofree char *t5 = ax_sign_in (f, "alice", ALICE_PW);
  g_autofree char *admin2 = ax_admin (f);
  g_autofree char *rv = ax_ok (f, admin2, "session.revoke", "{\"login\": \"alice\"}");
  g_autofree char *m5 = ax_fails (f, t5, "session.whoami", NULL, "unauthenticated");
  g_autofree char *closed = ax_fails (f, NULL, "session.close", NULL, "unauthenticated");
}

static void
test_lockout_and_disable (AxFixture *f, gconstpointer data)
{
  (void) data;
  ax_stop (f);
  f->access_policy = g_strdup ("[sign-in]\nmax-failures=3\nfailure-window-minutes=5\n");
  ax_start (f);
  g_autofree char *admin = ax_admin (f);
  add_user (f, admin, "alice", ALICE_PW, "agent");
  g_autofree char *t = ax_sign_in (f, "alice", ALICE_PW);
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *m = ax_fails (f, NULL, "session.open",
                                     "{\"login\": \"alice\", \"password\": \"wrong\"}", "denied");
      ax_assert_contains (m, "wrong login or password");
    }
  g_autofree char *m3 = ax_fails (f, NULL, "session.open",
                                  "{\"login\": \"ALICE\", \"password\": \"wrong\"}", "denied");
  /* locked: even the right password is refused, without asking the source */
  g_autofree char *m4 = ax_fails (
      f, NULL, "session.open", "{\"login\": \"alice\", \"password\": \"" ALICE_PW "\"}", "locked");
  ax_assert_contains (m4, "locked until");
  g_assert_cmpint (ax_audit_count (f, "auth.lockout", "success", NULL), ==, 1);
  g_assert_cmpint (ax_sql_int (f, "SELECT COUNT(*) FROM access_failure WHERE login = 'alice'"), ==,
                   3);
  /* the lock outlives a restart */
  ax_stop (f);
  ax_start (f);
  g_autofree char *m5 = ax_fails (
      f, NULL, "session.open", "{\"login\": \"alice\", \"password\": \"" ALICE_PW "\"}", "locked");
  g_autofree char *admin2 = ax_admin (f);
  g_autofree char *un = ax_ok (f, admin2, "user.unlock", "{\"login\": \"alice\"}");
  ax_assert_contains (un, "\"was-locked\":true");
  g_autofree char *t2 = ax_sign_in (f, "alice", ALICE_PW);

  /* disabled: sessions closed, no sign-in, the local account too */
  g_autofree char *d = ax_ok (f, admin2, "user.disable", "{\"login\": \"alice\"}");
  ax_assert_contains (d, "\"enabled\":false");
  g_autofree char *m6 = ax_fails (f, t2, "session.whoami", NULL, "unauthenticated");
  g_autofree char *m7 = ax_fails (
      f, NULL, "session.open", "{\"login\": \"alice\", \"password\": \"" ALICE_PW "\"}", "denied");
  ax_assert_contains (m7, "disabled");
  ax_settle (f);
  g_assert_cmpint (ax_sql_int (f, "SELECT enabled FROM app_user WHERE login = 'alice'"), ==, 0);
  g_autofree char *en = ax_ok (f, admin2, "user.enable", "{\"login\": \"alice\"}");
  ax_settle (f);
  g_autofree char *t3 = ax_sign_in (f, "alice", ALICE_PW);
  g_assert_cmpint (ax_audit_count (f, "user.disable", "success", "admin"), ==, 1);
}

/* --- SIP credentials ---------------------------------------------------------------------------- */

typedef struct {
  gboolean done;
  GVariant *result;
  GError *error;
} Sip;

static void
sip_done (GVariant *result, const GError *error, gpointer data)
{
  Sip *s = data;
  g_assert_false (s->done);
  s->done = TRUE;
  s->result = result ? g_variant_ref (result) : NULL;
  s->error = error ? g_error_copy (error) : NULL;
}

static gboolean
sip_finished (gpointer data)
{
  return ((Sip *) data)->done;
}

static void
sip_ask (AxFixture *f, const char *login, Sip *s)
{
  memset (s, 0, sizeof *s);
  f->access->sip_credentials (f->access, login, "omnicc", sip_done, s);
  g_assert_false (s->done); /* never before the call returns */
  g_assert_true (occ_test_wait_for (sip_finished, s, 30000));
}

static void
sip_clear (Sip *s)
{
  g_clear_pointer (&s->result, g_variant_unref);
  g_clear_error (&s->error);
}

static void
test_sip_credentials (AxFixture *f, gconstpointer data)
{
  (void) data;
  g_autofree char *admin = ax_admin (f);
  add_user (f, admin, "alice", ALICE_PW, "agent");
  Sip s;
  sip_ask (f, "alice", &s);
  g_assert_error (s.error, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_NOT_FOUND); /* no sign-in yet */
  sip_clear (&s);
  g_autofree char *t = ax_sign_in (f, "alice", ALICE_PW);
  sip_ask (f, "Alice", &s);
  g_assert_no_error (s.error);
  g_autofree char *md5
      = g_compute_checksum_for_string (G_CHECKSUM_MD5, "alice:omnicc:" ALICE_PW, -1);
  g_autofree char *sha
      = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "alice:omnicc:" ALICE_PW, -1);
  const char *ha1 = NULL, *ha1_256 = NULL;
  g_assert_true (g_variant_lookup (s.result, "ha1", "&s", &ha1));
  g_assert_true (g_variant_lookup (s.result, "ha1-sha256", "&s", &ha1_256));
  g_assert_cmpstr (ha1, ==, md5);
  g_assert_cmpstr (ha1_256, ==, sha);
  sip_clear (&s);
  /* the password itself is nowhere in the database */
  g_assert_cmpint (ax_sql_int (f, "SELECT COUNT(*) FROM access_account WHERE sip_ha1 LIKE "
                                  "'%Alice-pass%'"),
                   ==, 0);
  /* the administrator holds no phone.register */
  sip_ask (f, "admin", &s);
  g_assert_error (s.error, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_DENIED);
  sip_clear (&s);
  /* another realm, an unknown login, nonsense */
  memset (&s, 0, sizeof s);
  f->access->sip_credentials (f->access, "alice", "elsewhere", sip_done, &s);
  g_assert_true (occ_test_wait_for (sip_finished, &s, 30000));
  g_assert_error (s.error, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_NOT_FOUND);
  sip_clear (&s);
  sip_ask (f, "nobody", &s);
  g_assert_error (s.error, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_NOT_FOUND);
  sip_clear (&s);
  sip_ask (f, "", &s);
  g_assert_error (s.error, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_INVALID);
  sip_clear (&s);
  /* disabled: no more registering */
  g_autofree char *d = ax_ok (f, admin, "user.disable", "{\"login\": \"alice\"}");
  sip_ask (f, "alice", &s);
  g_assert_error (s.error, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_DENIED);
  sip_clear (&s);
}

/* --- bad input ----------------------------------------------------------------------------------- */

static void
test_bad_input (AxFixture *f, gconstpointer data)
{
  (void) data;
  static const struct {
    const char *command;
    const char *args;
    const char *code;
  } cases[] = {
    { "session.open", "{\"login\": \"alice\"}", "bad-request" },
    { "session.open", "{\"password\": \"x\"}", "bad-request" },
    { "session.open", "{\"login\": \"alice\", \"password\": 12}", "bad-request" },
    { "session.open", "{\"login\": 7, \"password\": \"x\"}", "bad-request" },
    { "session.open", "{\"login\": \"alice\", \"password\": \"x\", \"otp\": 1}", "bad-request" },
    { "session.open", "{\"login\": \"a\\u0001b\", \"password\": \"x\"}", "bad-request" },
    { "session.open", "{\"login\": \"\", \"password\": \"x\"}", "bad-request" },
    { "session.open", "{\"login\": \"alice\", \"password\": \"\"}", "bad-request" },
    { "session.open", "{\"login\": \"*\", \"password\": \"x\"}", "denied" },
    { "session.close", "{\"everywhere\": \"yes\"}", "bad-request" },
    { "user.grant", "{\"login\": \"alice\"}", "bad-request" },
    { "user.grant", "{\"login\": \"alice\", \"role\": \"agent\", \"permission\": \"report.read\"}",
      "bad-request" },
    { "user.grant", "{\"login\": \"alice\", \"role\": \"pilot\"}", "not-found" },
    { "user.grant",
      "{\"login\": \"alice\", \"permission\": \"launch.rockets\", \"justification\": \"because "
      "it is fun\"}",
      "not-found" },
    { "user.grant", "{\"login\": \"x\", \"role\": \"client-viewer\", \"scope\": \"spring\"}",
      "bad-request" },
    { "user.grant", "{\"login\": \"x\", \"role\": \"agent\", \"scope\": \"queue:a\"}",
      "bad-request" },
    { "user.approve", "{\"id\": \"nope\"}", "not-found" },
    { "user.show", "{\"login\": \"nobody\"}", "not-found" },
    { "role.show", "{\"name\": \"pilot\"}", "not-found" },
    { "user.add", "{\"login\": \"x\", \"source\": \"carrier-pigeon\"}", "not-found" },
  };
  g_autofree char *admin = ax_admin (f);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *m = ax_fails (f, admin, cases[i].command, cases[i].args, cases[i].code);
      g_assert_nonnull (m);
    }
  g_autofree char *long_login = g_strnfill (300, 'a');
  g_autofree char *args = g_strdup_printf ("{\"login\": \"%s\", \"password\": \"x\"}", long_login);
  g_autofree char *m = ax_fails (f, NULL, "session.open", args, "bad-request");

  /* nobody signed in by any of that: only the administrator, with the
   * one-time password (the fixture) and with the new one */
  g_assert_cmpint (ax_audit_count (f, "auth.sign-in", "success", NULL), ==, 2);
  g_assert_cmpint (ax_audit_count (f, "auth.sign-in", "success", "admin"), ==, 2);
  /* and the trail holds together */
  g_autofree char *v = ax_ok (f, NULL, "audit.verify", NULL);
  ax_assert_contains (v, "\"ok\":true");
}

static void
test_roles_listed (AxFixture *f, gconstpointer data)
{
  (void) data;
  g_autofree char *list = ax_ok (f, NULL, "role.list", NULL);
  ax_assert_contains (list, "\"client-viewer\"");
  g_autofree char *show = ax_ok (f, NULL, "role.show", "{\"name\": \"auditor\"}");
  ax_assert_contains (show, "\"administration-vs-audit\"");
  ax_assert_contains (show, "\"audit.*\"");
  g_autofree char *status = ax_ok (f, NULL, "access.status", "{\"reload\": true}");
  ax_assert_contains (status, "\"ready\":true");
  /* a site policy that does not check out is refused whole */
  occ_test_write (f->dir, "policies/roles.conf", "[role agent]\npermissions=fly\n");
  g_autofree char *m = ax_fails (f, NULL, "access.status", "{\"reload\": true}", "failed");
  ax_assert_contains (m, "fly");
  g_autofree char *still = ax_ok (f, NULL, "role.show", "{\"name\": \"agent\"}");
  ax_assert_contains (still, "interaction.handle");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* the plugins' log on stderr: stdout carries the TAP report */
  g_log_writer_default_set_use_stderr (TRUE);
  gboolean pg = ax_postgres_start ();
  const AxBackend *backends[] = { &ax_sqlite, pg ? &ax_postgres : NULL };
  static const struct {
    const char *name;
    void (*func) (AxFixture *, gconstpointer);
  } tests[] = {
    { "enforcement", test_first_admin_and_enforcement },
    { "no-local-role", test_no_local_role },
    { "grants", test_grants_approval_and_duties },
    { "sessions", test_sessions },
    { "lockout-and-disable", test_lockout_and_disable },
    { "sip-credentials", test_sip_credentials },
    { "bad-input", test_bad_input },
    { "roles", test_roles_listed },
  };
  for (guint b = 0; b < G_N_ELEMENTS (backends); b++)
    for (guint i = 0; backends[b] && i < G_N_ELEMENTS (tests); i++)
      {
        g_autofree char *path = g_strdup_printf ("/access/%s/%s", backends[b]->name, tests[i].name);
        g_test_add (path, AxFixture, backends[b], ax_setup, tests[i].func, ax_teardown);
      }
  int rc = g_test_run ();
  ax_postgres_stop ();
  return rc;
}
