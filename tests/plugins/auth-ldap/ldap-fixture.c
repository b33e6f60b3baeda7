/* Shared helpers of the auth-ldap tests; see ldap-fixture.h. */
#include "ldap-fixture.h"

#include "config.h"
#include "control.h"
#include "loader.h"
#include "registry.h"

#include <glib/gstdio.h>
#include <string.h>

LfServers lf;
static guint warnings;

/* --- the directory tree -------------------------------------------------------------- */

static gboolean
plain_ascii (const char *v)
{
  if (*v == ' ' || *v == ':' || *v == '<')
    return FALSE;
  for (const char *p = v; *p; p++)
    if ((guchar) *p < 0x20 || (guchar) *p >= 0x7f)
      return FALSE;
  return TRUE;
}

/* One "name: value" line; base64 ("name:: …") when LDIF requires it. */
static void
attr (GString *l, const char *name, const char *value)
{
  if (plain_ascii (value))
    g_string_append_printf (l, "%s: %s\n", name, value);
  else
    {
      g_autofree char *b64 = g_base64_encode ((const guchar *) value, strlen (value));
      g_string_append_printf (l, "%s:: %s\n", name, b64);
    }
}

/* A user uid=@rdn under ou=people with the AD attributes. */
static void
user (GString *l, const char *rdn, const char *uid, const char *sam, const char *cn,
      const char *password, int uac, const char *const *groups)
{
  g_string_append_printf (l, "dn: uid=%s," LF_PEOPLE "\n", rdn);
  g_string_append (l, "objectClass: inetOrgPerson\nobjectClass: adTestAccount\n");
  attr (l, "uid", uid);
  attr (l, "cn", cn);
  attr (l, "sn", cn);
  attr (l, "displayName", cn);
  attr (l, "sAMAccountName", sam);
  g_autofree char *upn = g_strdup_printf ("%s@example.org", sam);
  g_autofree char *mail = g_strdup_printf ("%s@example.org", uid);
  attr (l, "userPrincipalName", upn);
  attr (l, "mail", mail); /* IA5: ASCII only */
  g_string_append_printf (l, "userAccountControl: %d\n", uac);
  for (guint i = 0; groups && groups[i]; i++)
    g_string_append_printf (l, "memberOf: cn=%s," LF_GROUPS "\n", groups[i]);
  attr (l, "userPassword", password);
  g_string_append_c (l, '\n');
}

/* A group with its members (DNs) and the groups it belongs to. */
static void
group (GString *l, const char *cn, const char *const *members, const char *const *parents)
{
  g_string_append_printf (l,
                          "dn: cn=%s," LF_GROUPS "\nobjectClass: groupOfNames\n"
                          "objectClass: adTestAccount\ncn: %s\nsAMAccountName: %s\n",
                          cn, cn, cn);
  for (guint i = 0; members[i]; i++)
    g_string_append_printf (l, "member: %s\n", members[i]);
  for (guint i = 0; parents && parents[i]; i++)
    g_string_append_printf (l, "memberOf: cn=%s," LF_GROUPS "\n", parents[i]);
  g_string_append_c (l, '\n');
}

#define U(x) "uid=" x "," LF_PEOPLE
#define G(x) "cn=" x "," LF_GROUPS
#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })

static char *
tree (void)
{
  GString *l = g_string_new ("dn: " LF_SUFFIX "\nobjectClass: dcObject\nobjectClass: "
                             "organization\ndc: example\no: Example\n\n");
  const char *ous[] = { "people", "groups", "service" };
  for (guint i = 0; i < G_N_ELEMENTS (ous); i++)
    g_string_append_printf (
        l, "dn: ou=%s," LF_SUFFIX "\nobjectClass: organizationalUnit\nou: %s\n\n", ous[i], ous[i]);
  g_string_append (l, "dn: " LF_SERVICE_DN "\nobjectClass: organizationalRole\n"
                      "objectClass: simpleSecurityObject\ncn: omnicc\nuserPassword: svc-Pw1\n\n");
  user (l, "alice", "alice", "alice", "Alice Agent", "alice-Pw1", 512, L ("agents"));
  user (l, "bob", "bob", "bob", "Bob Boss", "bob-Pw1", 512, L ("supervisors"));
  user (l, "carol", "carol", "carol", "Carol Gone", "carol-Pw1", 514, L ("agents"));
  user (l, "admin", "admin", "admin", "Admin Istrator", "admin-Pw1", 512, L ("admins"));
  user (l, "star-user", "star-user", "star*user", "Star User", "star-Pw1", 512, NULL);
  user (l, "comma\\,user", "comma,user", "comma,user", "Comma User", "comma-Pw1", 512, NULL);
  user (l, "zoe", "zoe", "zo\xc3\xab", "Zo\xc3\xab Unicode", "zoe-Pw1", 512, L ("agents"));
  user (l, "dave", "dave", "dave", "Dave Loop", "dave-Pw1", 512, L ("loop-a"));
  user (l, "erin", "erin", "erin", "Erin Deep", "erin-Pw1", 512, L ("deep-1"));
  user (l, "frank", "frank", "frank", "Frank Alone", "frank-Pw1", 512, NULL);
  user (l, "gina", "gina", "gina", "Gina Dangling", "gina-Pw1", 512, L ("agents", "deleted-group"));
  group (l, "everyone", L (G ("callcenter-staff")), NULL);
  group (l, "callcenter-staff", L (G ("agents"), G ("supervisors")), L ("everyone"));
  group (l, "agents", L (U ("alice"), U ("carol"), U ("zoe"), U ("gina")), L ("callcenter-staff"));
  group (l, "supervisors", L (U ("bob")), L ("callcenter-staff"));
  group (l, "admins", L (U ("admin")), NULL);
  group (l, "loop-a", L (U ("dave"), G ("loop-b")), L ("loop-b"));
  group (l, "loop-b", L (G ("loop-a")), L ("loop-a"));
  for (int i = 1; i <= 5; i++)
    {
      g_autofree char *cn = g_strdup_printf ("deep-%d", i);
      g_autofree char *parent = g_strdup_printf ("deep-%d", i + 1);
      g_autofree char *member
          = i == 1 ? g_strdup (U ("erin")) : g_strdup_printf (G ("deep-%d"), i - 1);
      group (l, cn, L (member), i < 5 ? L (parent) : NULL);
    }
  return g_string_free (l, FALSE);
}

/* --- the servers ---------------------------------------------------------------------- */

static GLogWriterOutput
count_warnings (GLogLevelFlags level, const GLogField *fields, gsize n, gpointer data)
{
  if (level & G_LOG_LEVEL_WARNING)
    warnings++;
  if (level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_CRITICAL))
    return g_log_writer_standard_streams (level, fields, n, data);
  return g_log_writer_default (level, fields, n, data);
}

guint
lf_warnings (void)
{
  return warnings;
}

static OccTestSlapd *
start_one (const char *extra_ldif)
{
  g_autofree char *schema
      = g_build_filename (SOURCE_ROOT, "tests", "plugins", "auth-ldap", "ad-test.schema", NULL);
  const char *schemas[] = { schema, NULL };
  OccTestSlapdConfig config = { .suffix = LF_SUFFIX,
                                .schemas = schemas,
                                .database_extra = "index uid,sAMAccountName,userPrincipalName eq",
                                .ca = lf.ca };
  OccTestSlapd *s = occ_test_slapd_start (&config);
  if (s == NULL)
    return NULL;
  g_autofree char *ldif = tree ();
  if (!occ_test_slapd_add (s, ldif) || (extra_ldif && !occ_test_slapd_add (s, extra_ldif)))
    {
      occ_test_slapd_stop (s);
      return NULL;
    }
  return s;
}

void
lf_init (int *argc, char ***argv, const char *extra_ldif)
{
  g_test_init (argc, argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_log_set_writer_func (count_warnings, NULL, NULL);
  lf.dir = occ_test_mkdtemp ();
  lf.password_file = g_build_filename (lf.dir, "service.password", NULL);
  occ_test_write (lf.dir, "service.password", "svc-Pw1\n");
  g_chmod (lf.password_file, 0600);
  lf.ca = occ_test_ca_new ("omnicc test CA");
  lf.wrong_ca = occ_test_ca_new ("some other CA");
  if (lf.ca == NULL || lf.wrong_ca == NULL)
    return;
  lf.a = start_one (extra_ldif);
  lf.b = lf.a ? start_one (extra_ldif) : NULL;
}

void
lf_shutdown (void)
{
  g_clear_pointer (&lf.a, occ_test_slapd_stop);
  g_clear_pointer (&lf.b, occ_test_slapd_stop);
  g_clear_pointer (&lf.ca, occ_test_ca_free);
  g_clear_pointer (&lf.wrong_ca, occ_test_ca_free);
  occ_test_rmtree (lf.dir);
  g_clear_pointer (&lf.dir, g_free);
  g_clear_pointer (&lf.password_file, g_free);
}

gboolean
lf_skip (void)
{
  if (lf.a && lf.b)
    return FALSE;
  if (g_file_test ("/usr/sbin/slapd", G_FILE_TEST_IS_EXECUTABLE)
      && g_file_test ("/usr/bin/ldapadd", G_FILE_TEST_IS_EXECUTABLE))
    {
      /* installed but not starting: a failure, not a reason to skip */
      g_test_message ("slapd could not be started (see the messages above)");
      g_test_fail ();
    }
  else
    g_test_skip ("slapd or ldapadd is not installed (Debian: slapd ldap-utils)");
  return TRUE;
}

char *
lf_conf_ca (const char *servers, const char *ca_file, const char *extra)
{
  return g_strdup_printf (
      "[ldap]\nservers=%s\nca-file=%s\nbase-dn=" LF_SUFFIX "\nbind-dn=" LF_SERVICE_DN
      "\nbind-password-file=%s\n"
      "%s%s%s",
      servers, ca_file, lf.password_file,
      extra && strstr (extra, "user-filter=") ? "" : "user-filter=" LF_AD_FILTER "\n",
      extra && strstr (extra, "timeout=") ? "" : "timeout=2\n", extra ? extra : "");
}

char *
lf_conf (const char *servers, const char *extra)
{
  return lf_conf_ca (servers, lf.ca->cert, extra);
}

/* --- the core and the plugin ------------------------------------------------------------ */

LfNode *
lf_node_new (const char *conf)
{
  LfNode *n = g_new0 (LfNode, 1);
  n->dir = occ_test_mkdtemp ();
  g_autofree char *omnicc
      = g_strdup_printf ("[core]\nplugin-path=%s\nstate-dir=state\n", PLUGIN_BUILD_DIR);
  occ_test_write (n->dir, "omnicc.conf", omnicc);
  occ_test_write (n->dir, "plugins.d/auth-ldap.conf", conf);
  g_autofree char *path = g_build_filename (n->dir, "omnicc.conf", NULL);
  g_autoptr (GError) e = NULL;
  OccConfig *config = occ_config_load (path, &e);
  g_assert_no_error (e);
  n->ctx = occ_context_new (config);
  occ_loader_scan (n->ctx->loader, occ_config_get_plugin_path (config));
  if (occ_loader_load (n->ctx->loader, "auth-ldap", &n->load_error))
    {
      n->auth = occ_registry_lookup (n->ctx->registry, "auth/ldap", OCC_AUTH_VERSION, &e);
      g_assert_no_error (e);
      g_assert_nonnull (n->auth);
    }
  return n;
}

void
lf_node_free (LfNode *n)
{
  if (n == NULL)
    return;
  occ_context_free (n->ctx);
  occ_test_rmtree (n->dir);
  g_free (n->dir);
  g_clear_error (&n->load_error);
  g_free (n);
}

static void
collect (const char *line, gpointer data)
{
  GString *out = data;
  g_string_append (out, line);
}

char *
lf_status (LfNode *n)
{
  GString *out = g_string_new (NULL);
  occ_control_dispatch (n->ctx->control, "{\"id\":1,\"command\":\"auth-ldap.status\"}", collect,
                        out);
  return g_string_free (out, FALSE);
}

/* --- calls ------------------------------------------------------------------------------ */

void
lf_reply_free (LfReply *r)
{
  if (r == NULL)
    return;
  g_clear_pointer (&r->identity, g_variant_unref);
  g_clear_error (&r->error);
  g_free (r);
}

static void
on_reply (GVariant *identity, const GError *error, gpointer data)
{
  LfReply *r = data;
  g_assert_false (r->done); /* exactly once */
  g_assert_true ((identity == NULL) != (error == NULL));
  r->done = TRUE;
  r->early = !r->returned;
  r->finished = g_get_monotonic_time ();
  if (identity)
    {
      g_assert_true (g_variant_is_of_type (identity, G_VARIANT_TYPE_VARDICT));
      r->identity = g_variant_ref (identity);
    }
  if (error)
    r->error = g_error_copy (error);
}

static gboolean
reply_done (gpointer data)
{
  return ((LfReply *) data)->done;
}

LfReply *
lf_auth_start (LfNode *n, const char *login, const char *secret)
{
  LfReply *r = g_new0 (LfReply, 1);
  r->started = g_get_monotonic_time ();
  n->auth->authenticate (n->auth, login, secret, on_reply, r);
  r->returned = TRUE;
  return r;
}

void
lf_wait (LfReply *r, guint timeout_ms)
{
  g_assert_true (occ_test_wait_for (reply_done, r, timeout_ms));
  g_assert_false (r->early);
}

LfReply *
lf_auth (LfNode *n, const char *login, const char *secret)
{
  LfReply *r = lf_auth_start (n, login, secret);
  lf_wait (r, 30000);
  return r;
}

LfReply *
lf_lookup (LfNode *n, const char *login)
{
  LfReply *r = g_new0 (LfReply, 1);
  r->started = g_get_monotonic_time ();
  n->auth->lookup (n->auth, login, on_reply, r);
  r->returned = TRUE;
  lf_wait (r, 30000);
  return r;
}

void
lf_assert_login (LfReply *r, const char *login)
{
  g_assert_no_error (r->error);
  const char *got = NULL, *source = NULL;
  g_assert_true (g_variant_lookup (r->identity, "login", "&s", &got));
  g_assert_true (g_variant_lookup (r->identity, "source", "&s", &source));
  g_assert_cmpstr (got, ==, login);
  g_assert_cmpstr (source, ==, "ldap");
}

void
lf_assert_error (LfReply *r, OccAuthError code)
{
  g_assert_null (r->identity);
  g_assert_error (r->error, OCC_AUTH_ERROR, (gint) code);
}

gboolean
lf_has_group (LfReply *r, const char *group)
{
  g_autofree const char **groups = NULL;
  if (r->identity == NULL || !g_variant_lookup (r->identity, "groups", "^a&s", &groups))
    return FALSE;
  return g_strv_contains (groups, group);
}
