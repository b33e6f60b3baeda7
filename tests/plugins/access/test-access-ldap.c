/* The access plugin with directory accounts, end to end: the real
 * auth-ldap.so against two real slapd servers holding an AD-like tree
 * (tests/plugins/auth-ldap/ldap-fixture.c), the access plugin and its
 * neighbours in-process, and every request sent over the control socket
 * as the omnicc command sends it. Roles from nested directory groups,
 * permission denials and their audit entries, lockout, accounts disabled
 * in the directory, LDAP injection, SIP credentials that follow the
 * directory, a directory outage, separation of duties through groups and
 * adding directory accounts. */
#include "access-fixture.h"
#include "ldap-fixture.h"

#include <string.h>

/* Users of these tests only, added to both servers beside the shared
 * tree, as agents: the SIP test disables ivy and takes jack out of his
 * group in the directory, so no other test may use them. */
static void
extra_user (GString *l, const char *uid, const char *cn, const char *password)
{
  g_string_append_printf (l,
                          "dn: uid=%s," LF_PEOPLE "\n"
                          "objectClass: inetOrgPerson\nobjectClass: adTestAccount\n"
                          "uid: %s\ncn: %s\nsn: %s\ndisplayName: %s\nsAMAccountName: %s\n"
                          "userPrincipalName: %s@example.org\nmail: %s@example.org\n"
                          "userAccountControl: 512\nmemberOf: cn=agents," LF_GROUPS "\n"
                          "userPassword: %s\n\n"
                          "dn: cn=agents," LF_GROUPS "\nchangetype: modify\nadd: member\n"
                          "member: uid=%s," LF_PEOPLE "\n\n",
                          uid, uid, cn, cn, cn, uid, uid, uid, password, uid);
}

static char *
extra_ldif (void)
{
  GString *l = g_string_new (NULL);
  extra_user (l, "ivy", "Ivy Phone", "ivy-Pw1");
  extra_user (l, "jack", "Jack Phone", "jack-Pw1");
  return g_string_free (l, FALSE);
}

/* The site's group mappings most tests use: agents hold "agent" through
 * callcenter-staff, a group they are in only by nesting (agents is a
 * member of callcenter-staff); supervisors hold "supervisor". */
#define SITE_GROUPS "callcenter-staff=agent\nsupervisors=supervisor\n"

/* --- setup ---------------------------------------------------------------- */

/* A site whose accounts come from both slapd servers (LDAPS with the
 * test CA), then auth-local; @groups: the [groups] of roles.conf,
 * @access: more lines of access.conf. */
static void
start (AxFixture *f, const char *groups, const char *access)
{
  ax_prepare (f, &ax_sqlite);
  f->extra_plugins = "auth-ldap";
  f->extra_conf_name = g_strdup ("auth-ldap");
  g_autofree char *servers = g_strdup_printf ("%s;%s", lf.a->ldaps_url, lf.b->ldaps_url);
  f->extra_conf = lf_conf (servers, NULL);
  f->roles_policy = g_strdup_printf ("[groups]\n%s", groups);
  f->access_policy = g_strdup_printf ("[sign-in]\nsources=ldap;local\n%s", access ? access : "");
  ax_start (f);
}

/* --- helpers -------------------------------------------------------------- */

static char *
args_login (const char *login, const char *password)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "login");
  json_builder_add_string_value (b, login);
  if (password)
    {
      json_builder_set_member_name (b, "password");
      json_builder_add_string_value (b, password);
    }
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

/* session.open that must fail with @code: its message (transfer full). */
static char *
sign_in_fails (AxFixture *f, const char *login, const char *password, const char *code)
{
  g_autofree char *args = args_login (login, password);
  return ax_fails (f, NULL, "session.open", args, code);
}

/* The error code @command answers, or "ok" (transfer full). */
static char *
answer_code (AxFixture *f, const char *token, const char *command, const char *args_json)
{
  g_autoptr (JsonObject) a = ax_request (f, token, command, args_json);
  if (json_object_get_boolean_member_with_default (a, "ok", FALSE))
    return g_strdup ("ok");
  JsonObject *err = json_object_get_object_member (a, "error");
  return g_strdup (json_object_get_string_member (err, "code"));
}

/* @command with {"login": @login} that must succeed: its result. */
static JsonObject *
ok_login (AxFixture *f, const char *token, const char *command, const char *login)
{
  g_autofree char *args = args_login (login, NULL);
  g_autofree char *result = ax_ok (f, token, command, args);
  return occ_test_parse_object (result);
}

static gboolean
has_string (JsonObject *o, const char *member, const char *value)
{
  JsonArray *a = json_object_get_array_member (o, member);
  for (guint i = 0; a && i < json_array_get_length (a); i++)
    if (g_strcmp0 (json_array_get_string_element (a, i), value) == 0)
      return TRUE;
  return FALSE;
}

/* The open sessions of @login (asked as the local operator). */
static guint
sessions_of (AxFixture *f, const char *login)
{
  g_autofree char *args = args_login (login, NULL);
  g_autoptr (JsonObject) a = ax_request (f, NULL, "session.list", args);
  g_assert_true (json_object_get_boolean_member_with_default (a, "ok", FALSE));
  return json_array_get_length (json_object_get_array_member (a, "result"));
}

/* Successful sign-ins of anybody but the administrator. */
static gint64
directory_sign_ins (AxFixture *f)
{
  ax_settle (f);
  return ax_sql_int (f, "SELECT COUNT(*) FROM audit_entry WHERE action = 'auth.sign-in' AND "
                        "result = 'success' AND actor <> 'admin'");
}

typedef struct {
  GString *in;
  gboolean done;
  GInputStream *stream;
  char buf[4096];
} RawReader;

static void
raw_read (GObject *source, GAsyncResult *res, gpointer data)
{
  RawReader *r = data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), res, NULL);
  if (n > 0)
    g_string_append_len (r->in, r->buf, n);
  if (n <= 0 || memchr (r->in->str, '\n', r->in->len))
    r->done = TRUE;
  else
    g_input_stream_read_async (r->stream, r->buf, sizeof r->buf, G_PRIORITY_DEFAULT, NULL, raw_read,
                               r);
}

/* Sends @line exactly as given (ax_request() would parse it first, and
 * json-glib cuts a string at \u0000) and answers the error code. */
static char *
raw_error_code (AxFixture *f, const char *line)
{
  g_autofree char *path = g_build_filename (f->dir, "control.sock", NULL);
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketAddress) addr = g_unix_socket_address_new (path);
  g_autoptr (GError) e = NULL;
  g_autoptr (GSocketConnection) conn
      = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (addr), NULL, &e);
  g_assert_no_error (e);
  g_autofree char *with_nl = g_strconcat (line, "\n", NULL);
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  g_assert_true (g_output_stream_write_all (out, with_nl, strlen (with_nl), NULL, NULL, &e));
  g_assert_no_error (e);
  RawReader r = { .in = g_string_new (NULL) };
  r.stream = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  g_input_stream_read_async (r.stream, r.buf, sizeof r.buf, G_PRIORITY_DEFAULT, NULL, raw_read, &r);
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (!r.done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (r.done);
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  g_autoptr (JsonObject) answer = occ_test_parse_object (r.in->str);
  g_string_free (r.in, TRUE);
  if (json_object_get_boolean_member_with_default (answer, "ok", FALSE))
    g_error ("%s succeeded; it must be refused", line);
  JsonObject *err = json_object_get_object_member (answer, "error");
  return g_strdup (json_object_get_string_member (err, "code"));
}

/* Sets @uid's userAccountControl on both servers (514: AD's
 * ACCOUNTDISABLE set). */
static void
set_account_control (const char *uid, int uac)
{
  g_autofree char *ldif = g_strdup_printf ("dn: uid=%s," LF_PEOPLE "\n"
                                           "changetype: modify\n"
                                           "replace: userAccountControl\n"
                                           "userAccountControl: %d\n",
                                           uid, uac);
  g_assert_true (occ_test_slapd_modify (lf.a, ldif));
  g_assert_true (occ_test_slapd_modify (lf.b, ldif));
}

/* --- SIP credentials ------------------------------------------------------ */

typedef struct {
  gboolean done;
  GVariant *result;
  GError *error;
} SipReply;

static void
sip_reply_free (SipReply *r)
{
  g_clear_pointer (&r->result, g_variant_unref);
  g_clear_error (&r->error);
  g_free (r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipReply, sip_reply_free)

static void
sip_done (GVariant *result, const GError *error, gpointer data)
{
  SipReply *r = data;
  g_assert_false (r->done); /* exactly once */
  g_assert_true ((result == NULL) != (error == NULL));
  r->done = TRUE;
  if (result)
    r->result = g_variant_ref (result);
  if (error)
    r->error = g_error_copy (error);
}

static gboolean
sip_answered (gpointer data)
{
  return ((SipReply *) data)->done;
}

/* The access service's sip_credentials() for @login in realm omnicc. */
static SipReply *
sip_ask (AxFixture *f, const char *login)
{
  SipReply *r = g_new0 (SipReply, 1);
  f->access->sip_credentials (f->access, login, "omnicc", sip_done, r);
  g_assert_false (r->done); /* never answered before it returns */
  g_assert_true (occ_test_wait_for (sip_answered, r, 30000));
  return r;
}

static char *
digest (GChecksumType type, const char *login, const char *password)
{
  g_autofree char *text = g_strdup_printf ("%s:omnicc:%s", login, password);
  return g_compute_checksum_for_string (type, text, -1);
}

/* Asserts that @r holds @login's credentials for @password. */
static void
assert_sip (SipReply *r, const char *login, const char *password)
{
  g_assert_no_error (r->error);
  const char *got = NULL, *realm = NULL, *md5 = NULL, *sha256 = NULL;
  g_assert_true (g_variant_lookup (r->result, "login", "&s", &got));
  g_assert_true (g_variant_lookup (r->result, "realm", "&s", &realm));
  g_assert_true (g_variant_lookup (r->result, "ha1", "&s", &md5));
  g_assert_true (g_variant_lookup (r->result, "ha1-sha256", "&s", &sha256));
  g_autofree char *want_md5 = digest (G_CHECKSUM_MD5, login, password);
  g_autofree char *want_sha256 = digest (G_CHECKSUM_SHA256, login, password);
  g_assert_cmpstr (got, ==, login);
  g_assert_cmpstr (realm, ==, "omnicc");
  g_assert_cmpstr (md5, ==, want_md5);
  g_assert_cmpstr (sha256, ==, want_sha256);
}

/* --- 1. roles from nested groups ------------------------------------------ */

static void
test_role_from_nested_group (void)
{
  if (lf_skip ())
    return;
  AxFixture f = { 0 };
  start (&f, SITE_GROUPS, NULL);
  /* typed in another case: the directory's account, folded */
  g_autofree char *alice = ax_sign_in (&f, "Alice", "alice-Pw1");
  g_autofree char *who = ax_ok (&f, alice, "session.whoami", NULL);
  g_autoptr (JsonObject) me = occ_test_parse_object (who);
  g_assert_cmpstr (json_object_get_string_member (me, "login"), ==, "alice");
  g_assert_cmpstr (json_object_get_string_member (me, "kind"), ==, OCC_PRINCIPAL_USER);
  g_assert_cmpstr (json_object_get_string_member (me, "display-name"), ==, "Alice Agent");
  /* agents -> callcenter-staff: only the nested group is mapped */
  JsonArray *roles = json_object_get_array_member (me, "roles");
  g_assert_cmpuint (json_array_get_length (roles), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (roles, 0), ==, "agent");

  /* what agent lacks is denied, naming the permission, and audited */
  g_autofree char *denied = ax_fails (&f, alice, "plugin.list", NULL, "denied");
  ax_assert_contains (denied, "plugin.read");
  ax_assert_contains (denied, "alice");
  g_assert_cmpint (ax_audit_count (&f, "plugin.list", OCC_AUDIT_DENIED, "alice"), ==, 1);
  /* what agent holds works */
  g_autofree char *described = ax_ok (&f, alice, "records.describe", NULL);
  g_assert_nonnull (described);
  g_assert_cmpint (ax_audit_count (&f, "records.describe", OCC_AUDIT_DENIED, NULL), ==, 0);

  /* the account remembers the directory's groups, nested ones included */
  g_autofree char *admin = ax_admin (&f);
  g_autoptr (JsonObject) shown = ok_login (&f, admin, "user.show", "alice");
  g_assert_cmpstr (json_object_get_string_member (shown, "source"), ==, "ldap");
  g_assert_true (has_string (shown, "groups", "agents"));
  g_assert_true (has_string (shown, "groups", "callcenter-staff"));
  g_assert_true (has_string (shown, "groups", "everyone"));
  g_assert_true (has_string (shown, "holds", "agent"));
  g_assert_false (has_string (shown, "holds", "supervisor"));
  ax_teardown (&f, NULL);
}

/* --- 2. wrong passwords and lockout --------------------------------------- */

static void
test_lockout (void)
{
  if (lf_skip ())
    return;
  AxFixture f = { 0 };
  start (&f, SITE_GROUPS, "max-failures=3\n");
  /* alice signed in once: her phone has credentials */
  g_autofree char *before = ax_sign_in (&f, "alice", "alice-Pw1");
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *msg = sign_in_fails (&f, "alice", "not-her-password", "denied");
      ax_assert_contains (msg, "wrong login or password");
    }
  g_assert_cmpint (ax_audit_count (&f, "auth.lockout", OCC_AUDIT_SUCCESS, NULL), ==, 1);
  g_assert_cmpint (ax_sql_int (&f,
                               "SELECT COUNT(*) FROM audit_entry WHERE action = 'auth.lockout' AND "
                               "target = 'alice'"),
                   ==, 1);
  /* the right password no longer helps, in any case of the login */
  g_autofree char *locked = sign_in_fails (&f, "alice", "alice-Pw1", "locked");
  ax_assert_contains (locked, "locked until");
  g_autofree char *upper = sign_in_fails (&f, "ALICE", "alice-Pw1", "locked");
  g_assert_cmpuint (sessions_of (&f, "alice"), ==, 1); /* the one from before */
  {
    /* nor does her phone register */
    g_autoptr (SipReply) r = sip_ask (&f, "alice");
    g_assert_error (r->error, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_LOCKED);
  }

  /* the administrator lifts it */
  g_autofree char *admin = ax_admin (&f);
  g_autoptr (JsonObject) unlocked = ok_login (&f, admin, "user.unlock", "alice");
  g_assert_true (json_object_get_boolean_member (unlocked, "was-locked"));
  g_assert_cmpint (ax_audit_count (&f, "user.unlock", OCC_AUDIT_SUCCESS, "admin"), ==, 1);
  g_autofree char *alice = ax_sign_in (&f, "alice", "alice-Pw1");
  g_autofree char *who = ax_ok (&f, alice, "session.whoami", NULL);
  ax_assert_contains (who, "\"login\":\"alice\"");
  g_autoptr (SipReply) r = sip_ask (&f, "alice");
  assert_sip (r, "alice", "alice-Pw1");
  ax_teardown (&f, NULL);
}

/* --- 3. an account disabled in the directory ------------------------------ */

static void
test_disabled_in_directory (void)
{
  if (lf_skip ())
    return;
  AxFixture f = { 0 };
  start (&f, SITE_GROUPS, NULL);
  /* carol: userAccountControl 514, in agents (which would map to agent) */
  g_autofree char *msg = sign_in_fails (&f, "carol", "carol-Pw1", "denied");
  ax_assert_contains (msg, "disabled");
  g_assert_cmpuint (sessions_of (&f, "carol"), ==, 0);
  g_assert_cmpint (ax_audit_count (&f, "auth.sign-in", OCC_AUDIT_FAILURE, "carol"), ==, 1);
  g_assert_cmpint (directory_sign_ins (&f), ==, 0);
  /* the password was right: nothing counts toward a lockout */
  g_assert_cmpint (ax_sql_int (&f, "SELECT COUNT(*) FROM access_failure WHERE login = 'carol'"), ==,
                   0);
  /* and no account was made for her */
  g_autofree char *admin = ax_admin (&f);
  g_autofree char *args = args_login ("carol", NULL);
  g_autofree char *none = ax_fails (&f, admin, "user.show", args, "not-found");
  ax_teardown (&f, NULL);
}

/* --- 4. injection and bad input ------------------------------------------- */

static void
test_injection_and_bad_input (void)
{
  if (lf_skip ())
    return;
  AxFixture f = { 0 };
  start (&f, SITE_GROUPS, NULL);
  /* each with real users' passwords, the directory's and auth-local's
   * administrator's: none may match anybody */
  const char *injections[]
      = { "*",        "*)(uid=*",  "alice)(|(objectClass=*", "admin*", "a*", "*)(sAMAccountName=*",
          "alice)(&", "alice\\2a", "uid=alice," LF_PEOPLE };
  const char *passwords[] = { "alice-Pw1", "admin-Pw1", "bob-Pw1", f.admin_password };
  for (guint i = 0; i < G_N_ELEMENTS (injections); i++)
    for (guint j = 0; j < G_N_ELEMENTS (passwords); j++)
      {
        g_autofree char *msg = sign_in_fails (&f, injections[i], passwords[j], "denied");
        ax_assert_contains (msg, "wrong login or password");
      }
  /* too long, or with a control character: malformed input */
  g_autofree char *long_login = g_strnfill (300, 'a');
  g_autofree char *long_star = g_strnfill (300, '*');
  const char *malformed[] = { long_login, long_star, "alice\x01", "\x01*", "alice\n" };
  for (guint i = 0; i < G_N_ELEMENTS (malformed); i++)
    {
      g_autofree char *msg = sign_in_fails (&f, malformed[i], "alice-Pw1", "bad-request");
      g_assert_nonnull (msg);
    }
  g_autofree char *bad_secret = sign_in_fails (&f, "alice", "alice-Pw1\x01", "bad-request");

  /* NUL cannot hide in a string: "alice-Pw1\u0000junk" must not be read
   * as "alice-Pw1"; nor can bytes that are not UTF-8 */
  const char *raw[]
      = { "{\"id\":1,\"command\":\"session.open\",\"args\":{\"login\":\"alice\\u0000x\","
          "\"password\":\"alice-Pw1\"}}",
          "{\"id\":1,\"command\":\"session.open\",\"args\":{\"login\":\"alice\","
          "\"password\":\"alice-Pw1\\u0000junk\"}}",
          "{\"id\":1,\"command\":\"session.open\",\"args\":{\"login\":\"ali\xff"
          "ce\",\"password\":\"alice-Pw1\"}}" };
  for (guint i = 0; i < G_N_ELEMENTS (raw); i++)
    {
      g_autofree char *code = raw_error_code (&f, raw[i]);
      g_assert_cmpstr (code, ==, "bad-request");
    }
  /* nobody signed in */
  g_assert_cmpint (directory_sign_ins (&f), ==, 0);
  g_assert_cmpuint (sessions_of (&f, "alice"), ==, 0);
  /* and the escaping is right, not just restrictive */
  g_autofree char *alice = ax_sign_in (&f, "alice", "alice-Pw1");
  g_assert_cmpuint (sessions_of (&f, "alice"), ==, 1);
  g_assert_cmpint (directory_sign_ins (&f), ==, 1);
  ax_teardown (&f, NULL);
}

/* --- 5. SIP credentials follow the directory ------------------------------ */

static void
test_sip_follows_directory (void)
{
  if (lf_skip ())
    return;
  AxFixture f = { 0 };
  /* recheck-seconds=0: the directory is asked before every answer */
  start (&f, SITE_GROUPS, "[sip]\nrecheck-seconds=0\n");
  g_autofree char *ivy = ax_sign_in (&f, "ivy", "ivy-Pw1");
  g_autofree char *gina = ax_sign_in (&f, "gina", "gina-Pw1");
  g_autofree char *jack = ax_sign_in (&f, "jack", "jack-Pw1");
  {
    /* asked in another case: the login is folded, as phones send it */
    g_autoptr (SipReply) r = sip_ask (&f, "IVY");
    assert_sip (r, "ivy", "ivy-Pw1");
    g_autoptr (SipReply) g = sip_ask (&f, "gina");
    assert_sip (g, "gina", "gina-Pw1");
  }
  {
    /* nobody signed in with a password: no credentials */
    g_autoptr (SipReply) r = sip_ask (&f, "zoe");
    g_assert_error (r->error, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_NOT_FOUND);
  }

  /* the directory's administrator disables ivy: her phone may no longer
   * register, although omnicc still has her enabled and signed in */
  set_account_control ("ivy", 514);
  {
    g_autoptr (SipReply) r = sip_ask (&f, "ivy");
    g_assert_error (r->error, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_DENIED);
    g_assert_null (r->result);
  }
  g_autofree char *msg = sign_in_fails (&f, "ivy", "ivy-Pw1", "denied");
  ax_assert_contains (msg, "disabled");

  /* jack leaves agents in the directory: no role gives him phone.register
   * any more */
  {
    g_autoptr (SipReply) r = sip_ask (&f, "jack");
    assert_sip (r, "jack", "jack-Pw1");
  }
  const char *leave = "dn: uid=jack," LF_PEOPLE "\nchangetype: modify\ndelete: memberOf\n\n"
                      "dn: cn=agents," LF_GROUPS "\nchangetype: modify\ndelete: member\n"
                      "member: uid=jack," LF_PEOPLE "\n";
  g_assert_true (occ_test_slapd_modify (lf.a, leave));
  g_assert_true (occ_test_slapd_modify (lf.b, leave));
  {
    g_autoptr (SipReply) r = sip_ask (&f, "jack");
    g_assert_error (r->error, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_DENIED);
    ax_assert_contains (r->error->message, "phone.register");
  }

  /* omnicc's administrator disables gina: her sessions end, her phone
   * may no longer register */
  g_autofree char *admin = ax_admin (&f);
  g_autoptr (JsonObject) disabled = ok_login (&f, admin, "user.disable", "gina");
  g_assert_false (json_object_get_boolean_member (disabled, "enabled"));
  g_autofree char *gone = ax_fails (&f, gina, "session.whoami", NULL, "unauthenticated");
  {
    g_autoptr (SipReply) r = sip_ask (&f, "gina");
    g_assert_error (r->error, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_DENIED);
  }
  g_autofree char *again = sign_in_fails (&f, "gina", "gina-Pw1", "denied");
  ax_assert_contains (again, "disabled");
  ax_teardown (&f, NULL);
}

/* --- 6. the directory down ------------------------------------------------ */

static void
halt_directory (void)
{
  occ_test_slapd_halt (lf.a);
  occ_test_slapd_halt (lf.b);
}

static void
resume_directory (void)
{
  g_assert_true (occ_test_slapd_resume (lf.a));
  g_assert_true (occ_test_slapd_resume (lf.b));
}

static void
reload_access_policy (AxFixture *f, const char *text)
{
  occ_test_write (f->dir, "policies/access.conf", text);
  g_autofree char *status = ax_ok (f, NULL, "access.status", "{\"reload\":true}");
  g_assert_nonnull (status);
}

static void
test_directory_down (void)
{
  if (lf_skip ())
    return;
  AxFixture f = { 0 };
  /* one counted failure would lock; the directory is asked before every
   * SIP answer, and its last answer stands for an hour when it cannot be */
  start (&f, SITE_GROUPS, "max-failures=1\n[sip]\nrecheck-seconds=0\ndirectory-grace-minutes=60\n");
  /* alice confirmed by the directory moments ago */
  g_autofree char *alice = ax_sign_in (&f, "alice", "alice-Pw1");

  halt_directory ();
  /* nobody could check the password: neither denied nor counted (the
   * control socket says "unavailable" for OCC_ACCESS_ERROR_UNAVAILABLE) */
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *msg = sign_in_fails (&f, "bob", "bob-Pw1", "unavailable");
      ax_assert_contains (msg, "try again later");
    }
  g_autofree char *wrong = sign_in_fails (&f, "bob", "not-his-password", "unavailable");
  g_assert_cmpint (ax_audit_count (&f, "auth.lockout", OCC_AUDIT_SUCCESS, NULL), ==, 0);
  g_assert_cmpint (ax_sql_int (&f, "SELECT COUNT(*) FROM access_failure"), ==, 0);
  /* the last answer stands for the grace period */
  {
    g_autoptr (SipReply) r = sip_ask (&f, "alice");
    assert_sip (r, "alice", "alice-Pw1");
  }
  /* without a grace period it does not */
  reload_access_policy (&f, "[sign-in]\nsources=ldap;local\nmax-failures=1\n"
                            "[sip]\nrecheck-seconds=0\ndirectory-grace-minutes=0\n");
  {
    g_autoptr (SipReply) r = sip_ask (&f, "alice");
    g_assert_error (r->error, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_UNAVAILABLE);
  }
  resume_directory ();

  /* back: bob was never locked */
  g_autofree char *bob = ax_sign_in (&f, "bob", "bob-Pw1");
  g_autofree char *who = ax_ok (&f, bob, "session.whoami", NULL);
  ax_assert_contains (who, "\"login\":\"bob\"");
  {
    g_autoptr (SipReply) r = sip_ask (&f, "alice");
    assert_sip (r, "alice", "alice-Pw1");
  }
  ax_teardown (&f, NULL);
}

/* --- 7. separation of duties through groups ------------------------------- */

static void
test_conflict_through_groups (void)
{
  if (lf_skip ())
    return;
  AxFixture f = { 0 };
  /* bob is in supervisors, and in callcenter-staff through it */
  start (&f, "supervisors=administrator\ncallcenter-staff=auditor\n", NULL);
  g_autofree char *msg = sign_in_fails (&f, "bob", "bob-Pw1", "conflict");
  ax_assert_contains (msg, "administration-vs-audit");
  g_assert_cmpuint (sessions_of (&f, "bob"), ==, 0);
  g_assert_cmpint (ax_audit_count (&f, "auth.sign-in", OCC_AUDIT_FAILURE, "bob"), ==, 1);
  /* one side alone is fine: alice is only in callcenter-staff */
  g_autofree char *alice = ax_sign_in (&f, "alice", "alice-Pw1");
  g_autofree char *who = ax_ok (&f, alice, "session.whoami", NULL);
  g_autoptr (JsonObject) me = occ_test_parse_object (who);
  g_assert_true (has_string (me, "roles", "auditor"));
  g_assert_false (has_string (me, "roles", "administrator"));
  ax_teardown (&f, NULL);
}

/* --- 8. adding directory accounts ----------------------------------------- */

static void
test_add_directory_account (void)
{
  if (lf_skip ())
    return;
  AxFixture f = { 0 };
  start (&f, SITE_GROUPS, NULL);
  g_autofree char *admin = ax_admin (&f);
  g_autofree char *added = ax_ok (&f, admin, "user.add", "{\"login\":\"bob\",\"source\":\"ldap\"}");
  g_autoptr (JsonObject) a = occ_test_parse_object (added);
  g_assert_cmpstr (json_object_get_string_member (a, "login"), ==, "bob");
  g_autoptr (JsonObject) shown = ok_login (&f, admin, "user.show", "bob");
  g_assert_cmpstr (json_object_get_string_member (shown, "source"), ==, "ldap");
  g_assert_cmpstr (json_object_get_string_member (shown, "display-name"), ==, "Bob Boss");
  g_assert_true (json_object_get_boolean_member (shown, "enabled"));
  g_assert_true (has_string (shown, "groups", "supervisors"));
  g_assert_true (has_string (shown, "groups", "callcenter-staff"));
  g_assert_true (has_string (shown, "groups", "everyone"));
  g_assert_false (has_string (shown, "groups", "agents"));
  /* what the groups give, before bob ever signed in */
  g_assert_true (has_string (shown, "holds", "supervisor"));
  g_assert_false (json_object_get_boolean_member (shown, "sip"));
  g_assert_cmpint (ax_audit_count (&f, "user.add", OCC_AUDIT_SUCCESS, "admin"), ==, 1);

  /* an account disabled in the directory is not added */
  g_autofree char *disabled
      = ax_fails (&f, admin, "user.add", "{\"login\":\"carol\",\"source\":\"ldap\"}", "denied");
  ax_assert_contains (disabled, "disabled");
  /* a login the directory does not have */
  g_autofree char *missing = ax_fails (&f, admin, "user.add",
                                       "{\"login\":\"mallory\",\"source\":\"ldap\"}", "not-found");
  g_autofree char *args = args_login ("mallory", NULL);
  g_autofree char *none = ax_fails (&f, admin, "user.show", args, "not-found");
  g_assert_cmpint (ax_audit_count (&f, "user.add", OCC_AUDIT_FAILURE, "admin"), ==, 2);
  ax_teardown (&f, NULL);
}

/* --- one account per directory user --------------------------------------- */

/* These two record what they found with g_test_fail_printf() and still
 * tear the fixture down, rather than abort at the first mismatch. */

static void
test_conflict_leaves_no_account (void)
{
  if (lf_skip ())
    return;
  AxFixture f = { 0 };
  start (&f, "supervisors=administrator\ncallcenter-staff=auditor\n", NULL);
  g_autofree char *msg = sign_in_fails (&f, "bob", "bob-Pw1", "conflict");
  /* refused like a disabled or a locked sign-in: no account is made, in
   * memory or in the store */
  g_autofree char *admin = ax_admin (&f);
  g_autofree char *args = args_login ("bob", NULL);
  g_autofree char *code = answer_code (&f, admin, "user.show", args);
  gint64 rows = ax_sql_int (&f, "SELECT COUNT(*) FROM access_account WHERE login = 'bob'");
  if (g_strcmp0 (code, "not-found") != 0)
    g_test_fail_printf ("after a sign-in refused for separation of duties, user.show bob answers "
                        "“%s”, not “not-found”, with %" G_GINT64_FORMAT
                        " rows in access_account: an account was made (in memory only)",
                        code, rows);
  g_assert_cmpint (rows, ==, 0);
  ax_teardown (&f, NULL);
}

static void
test_add_by_principal_name (void)
{
  if (lf_skip ())
    return;
  AxFixture f = { 0 };
  start (&f, SITE_GROUPS, NULL);
  g_autofree char *admin = ax_admin (&f);
  /* alice@example.org is alice's userPrincipalName: she signs in as
   * "alice" whichever name she types, so the account added must be hers,
   * not a second one that her sessions never use */
  g_autofree char *added
      = ax_ok (&f, admin, "user.add", "{\"login\":\"alice@example.org\",\"source\":\"ldap\"}");
  g_autoptr (JsonObject) a = occ_test_parse_object (added);
  const char *login = json_object_get_string_member (a, "login");
  g_autofree char *alice = ax_sign_in (&f, "alice@example.org", "alice-Pw1");
  g_autofree char *who = ax_ok (&f, alice, "session.whoami", NULL);
  ax_assert_contains (who, "\"login\":\"alice\"");
  gint64 accounts = ax_sql_int (&f, "SELECT COUNT(*) FROM access_account WHERE login IN "
                                    "('alice', 'alice@example.org')");
  if (g_strcmp0 (login, "alice") != 0 || accounts != 1)
    g_test_fail_printf ("user.add login=alice@example.org source=ldap made the account “%s”, and "
                        "alice's sign-in the account “alice”: %" G_GINT64_FORMAT
                        " accounts for one directory user",
                        login, accounts);
  ax_teardown (&f, NULL);
}

int
main (int argc, char **argv)
{
  g_autofree char *ldif = extra_ldif ();
  lf_init (&argc, &argv, ldif);
  g_test_add_func ("/access-ldap/sign-in/role-from-nested-group-and-denials-audited",
                   test_role_from_nested_group);
  g_test_add_func ("/access-ldap/sign-in/wrong-passwords-lock-until-unlocked", test_lockout);
  g_test_add_func ("/access-ldap/sign-in/disabled-in-directory-refused",
                   test_disabled_in_directory);
  g_test_add_func ("/access-ldap/sign-in/injection-and-bad-input-sign-nobody-in",
                   test_injection_and_bad_input);
  g_test_add_func ("/access-ldap/sip/credentials-follow-the-directory", test_sip_follows_directory);
  g_test_add_func ("/access-ldap/directory-down/not-counted-and-grace", test_directory_down);
  g_test_add_func ("/access-ldap/groups/separation-of-duties-refuses-sign-in",
                   test_conflict_through_groups);
  g_test_add_func ("/access-ldap/user-add/directory-account", test_add_directory_account);
  /* one account per directory user, whatever happened: last, as the
   * first failure ends the run */
  g_test_add_func ("/access-ldap/one-account/refused-sign-in-makes-none",
                   test_conflict_leaves_no_account);
  g_test_add_func ("/access-ldap/one-account/added-by-principal-name-is-the-same",
                   test_add_by_principal_name);
  int rc = g_test_run ();
  lf_shutdown ();
  return rc;
}
