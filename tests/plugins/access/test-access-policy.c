/* The role catalogue, separation of duties and principals, without a
 * daemon or a database: policy.c and util.c compiled in, the core's
 * principal linked. */
#include "access.h"
#include "testlib.h"

#include <string.h>

static GKeyFile *
keyfile (const char *text)
{
  GKeyFile *k = g_key_file_new ();
  g_autoptr (GError) e = NULL;
  if (!g_key_file_load_from_data (k, text, -1, G_KEY_FILE_KEEP_COMMENTS, &e))
    g_error ("%s: %s", text, e->message);
  return k;
}

static GKeyFile *
shipped (const char *name)
{
  g_autofree char *path = g_strdup_printf ("%s/policies/%s.conf", SOURCE_ROOT, name);
  GKeyFile *k = g_key_file_new ();
  g_autoptr (GError) e = NULL;
  g_assert_true (g_key_file_load_from_file (k, path, G_KEY_FILE_NONE, &e));
  return k;
}

/* The shipped catalogue with @extra merged over it, key by key. */
static AcPolicy *
policy_with (const char *roles_extra, const char *access_extra, GError **error)
{
  g_autoptr (GKeyFile) roles = shipped ("roles");
  g_autoptr (GKeyFile) access = shipped ("access");
  for (int pass = 0; pass < 2; pass++)
    {
      const char *extra = pass ? access_extra : roles_extra;
      GKeyFile *into = pass ? access : roles;
      if (extra == NULL)
        continue;
      g_autoptr (GKeyFile) k = keyfile (extra);
      g_auto (GStrv) groups = g_key_file_get_groups (k, NULL);
      for (guint i = 0; groups[i]; i++)
        {
          g_auto (GStrv) keys = g_key_file_get_keys (k, groups[i], NULL, NULL);
          for (guint j = 0; keys[j]; j++)
            {
              g_autofree char *v = g_key_file_get_value (k, groups[i], keys[j], NULL);
              g_key_file_set_value (into, groups[i], keys[j], v);
            }
        }
    }
  return ac_policy_read (roles, access, error);
}

static void
test_shipped_catalogue (void)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (AcPolicy) p = policy_with (NULL, NULL, &e);
  g_assert_no_error (e);
  const char *roles[] = { "agent",         "team-lead", "supervisor",   "quality-analyst",
                          "administrator", "auditor",   "client-viewer" };
  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    g_assert_nonnull (ac_policy_role (p, roles[i]));
  g_assert_cmpuint (g_hash_table_size (p->roles), ==, G_N_ELEMENTS (roles));
  /* least privilege: the agent cannot supervise, the administrator cannot
   * read the audit trail, the auditor cannot change accounts */
  g_autoptr (GPtrArray) h = ac_holdings_new ();
  ac_holdings_add (h, "agent", NULL, NULL, NULL);
  g_autoptr (OccPrincipal) agent = ac_policy_principal (p, "a", OCC_PRINCIPAL_USER, NULL, NULL, h);
  g_assert_true (occ_principal_can (agent, "interaction.handle", NULL));
  g_assert_true (occ_principal_can (agent, "phone.register", NULL));
  g_assert_false (occ_principal_can (agent, "supervise.listen", NULL));
  g_assert_false (occ_principal_can (agent, "interaction.read", NULL));
  g_assert_true (occ_principal_can (agent, "interaction.read.own", NULL));
  g_ptr_array_set_size (h, 0);
  ac_holdings_add (h, "administrator", NULL, NULL, NULL);
  g_autoptr (OccPrincipal) admin = ac_policy_principal (p, "b", OCC_PRINCIPAL_USER, NULL, NULL, h);
  g_assert_true (occ_principal_can (admin, "plugin.manage", NULL));
  g_assert_true (occ_principal_can (admin, "system.stop", NULL));
  g_assert_false (occ_principal_can (admin, "audit.read", NULL));
  g_ptr_array_set_size (h, 0);
  ac_holdings_add (h, "auditor", NULL, NULL, NULL);
  g_autoptr (OccPrincipal) auditor
      = ac_policy_principal (p, "c", OCC_PRINCIPAL_USER, NULL, NULL, h);
  g_assert_true (occ_principal_can (auditor, "audit.export", NULL));
  g_assert_false (occ_principal_can (auditor, "user.manage", NULL));
  g_assert_false (occ_principal_can (auditor, "user.grant", NULL));
  /* access.conf defaults */
  g_assert_cmpuint (p->max_failures, ==, 5);
  g_assert_cmpint (p->lockout_ms, ==, 15 * 60000);
  g_assert_cmpstr (p->local_role, ==, "system");
  g_assert_cmpstr (p->sip_realm, ==, "omnicc");
  g_assert_cmpstr (p->first_admin, ==, "admin");
}

static void
test_bad_policies_named (void)
{
  static const struct {
    const char *roles;
    const char *access;
    const char *says;
  } cases[] = {
    { "[role agent]\ncolour=blue\n", NULL, "[role agent] colour: unknown key" },
    { "[role agent]\npermissions=interaction.handle;fly.to-the-moon\n", NULL,
      "“fly.to-the-moon” is not in the [permissions] catalogue" },
    { "[role agent]\npermissions=*\n", NULL, "“*” is not in the [permissions] catalogue" },
    { "[role agent]\npermissions=Interaction.Handle\n", NULL, "not in the [permissions]" },
    { "[role pilot]\npermissions=report.read\n", NULL,
      "[role pilot] description: every role says what it is for" },
    { "[role system]\ndescription=x\n", NULL, "“system” is built in" },
    { "[role Big Boss]\ndescription=x\n", NULL, "cannot name a role" },
    { "[separation-of-duties]\nx=agent;astronaut\n", NULL, "x: no role “astronaut”" },
    { "[separation-of-duties]\nalone=agent\n", NULL, "alone: a rule names at least two roles" },
    { "[groups]\nclients=client-viewer\n", NULL, "a group cannot give the scoped role" },
    { "[groups]\nstaff=captain\n", NULL, "staff: no role “captain”" },
    { "[roles]\nx=y\n", NULL, "[roles]: unknown group" },
    { "[permissions]\nNot A Permission=x\n", NULL, "not a permission name" },
    { "[role agent]\nscoped=perhaps\n", NULL, "scoped: “perhaps” is not true or false" },
    { NULL, "[sign-in]\nmax-failures=-1\n", "max-failures: “-1” is not a whole number" },
    { NULL, "[sign-in]\nlockout-minutes=0\n", "lockout-minutes" },
    { NULL, "[sessions]\nmax-age-hours=100000\n", "max-age-hours" },
    { NULL, "[sip]\nrealm=a:b\n", "[sip] realm" },
    { NULL, "[local]\nrole=overlord\n", "[local] role: no role “overlord”" },
    { NULL, "[sign-in]\nsources=ldap;Local Accounts\n", "sources" },
    { NULL, "[sign-in]\ncolour=blue\n", "[sign-in] colour: unknown key" },
    { NULL, "[lunch]\nat=12\n", "[lunch]: unknown group" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) e = NULL;
      g_autoptr (AcPolicy) p = policy_with (cases[i].roles, cases[i].access, &e);
      g_assert_null (p);
      g_assert_nonnull (e);
      if (strstr (e->message, cases[i].says) == NULL)
        g_error ("case %u: “%s” does not say “%s”", i, e->message, cases[i].says);
      g_assert_nonnull (strstr (e->message, cases[i].access ? "policy access" : "policy roles"));
    }
}

static char *
conflict_of (AcPolicy *p, const char *const *roles, const char *const *perms)
{
  g_autoptr (GPtrArray) h = ac_holdings_new ();
  for (guint i = 0; roles && roles[i]; i++)
    ac_holdings_add (h, roles[i], NULL, g_str_equal (roles[i], "client-viewer") ? "queue:x" : NULL,
                     NULL);
  for (guint i = 0; perms && perms[i]; i++)
    ac_holdings_add (h, NULL, perms[i], NULL, "g1");
  return ac_policy_conflict (p, h);
}

static void
test_separation_of_duties (void)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (AcPolicy) p = policy_with (NULL, NULL, &e);
  g_assert_no_error (e);
  g_autofree char *c1 = conflict_of (p, OCC_LIST ("administrator", "auditor"), NULL);
  g_assert_nonnull (c1);
  g_assert_nonnull (strstr (c1, "“administration-vs-audit”"));
  /* a single permission only one side has counts for that side */
  g_autofree char *c2 = conflict_of (p, OCC_LIST ("administrator"), OCC_LIST ("audit.read"));
  g_assert_nonnull (c2);
  g_assert_nonnull (strstr (c2, "through “audit.read”"));
  g_autofree char *c3 = conflict_of (p, OCC_LIST ("auditor"), OCC_LIST ("plugin.manage"));
  g_assert_nonnull (c3);
  /* one both sides have decides nothing */
  g_autofree char *c4 = conflict_of (p, OCC_LIST ("administrator"), OCC_LIST ("user.read"));
  g_assert_null (c4);
  g_autofree char *c5 = conflict_of (p, OCC_LIST ("quality-analyst", "team-lead"), NULL);
  g_assert_nonnull (strstr (c5, "quality-vs-team-lead"));
  /* exclusive: the ordering client's role is held alone */
  g_autofree char *c6 = conflict_of (p, OCC_LIST ("client-viewer", "agent"), NULL);
  g_assert_nonnull (strstr (c6, "exclusive"));
  g_autofree char *c7 = conflict_of (p, OCC_LIST ("client-viewer"), OCC_LIST ("report.export"));
  g_assert_nonnull (strstr (c7, "report.export"));
  /* what may go together */
  g_autofree char *ok1 = conflict_of (p, OCC_LIST ("agent", "team-lead"), NULL);
  g_assert_null (ok1);
  g_autofree char *ok2 = conflict_of (p, OCC_LIST ("supervisor", "administrator"), NULL);
  g_assert_null (ok2);
  g_autofree char *ok3 = conflict_of (p, OCC_LIST ("client-viewer", "client-viewer"), NULL);
  g_assert_null (ok3);
}

static void
test_groups_map_to_roles (void)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (AcPolicy) p
      = policy_with ("[groups]\nOmnicc-Agents=agent\nfloor=supervisor;team-lead\n", NULL, &e);
  g_assert_no_error (e);
  g_autoptr (GPtrArray) h = ac_holdings_new ();
  ac_policy_map_groups (p, OCC_LIST ("omnicc-agents", "FLOOR", "unrelated"), h);
  g_assert_cmpuint (h->len, ==, 3);
  g_autoptr (OccPrincipal) who = ac_policy_principal (p, "x", OCC_PRINCIPAL_USER, NULL, NULL, h);
  const char *const *roles = occ_principal_get_roles (who);
  g_assert_true (g_strv_contains (roles, "agent"));
  g_assert_true (g_strv_contains (roles, "supervisor"));
  g_assert_true (g_strv_contains (roles, "team-lead"));
}

/* --- principals -------------------------------------------------------------------------- */

static void
test_permission_names (void)
{
  const char *good[] = { "audit.read", "a", "user.password.own", "x-1.y-2", "report.read" };
  const char *bad[] = { "",  ".a",   "a.",        "a..b", "A.b", "a b", "a.*",
                        "*", "a.-b", "a.b.own\n", "é.a",  "a/b", NULL };
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (occ_permission_is_valid (good[i], FALSE));
  for (guint i = 0; bad[i]; i++)
    g_assert_false (occ_permission_is_valid (bad[i], FALSE));
  g_assert_false (occ_permission_is_valid (NULL, FALSE));
  g_autofree char *long_one = g_strnfill (129, 'a');
  g_assert_false (occ_permission_is_valid (long_one, TRUE));
  const char *patterns[] = { "a.*", "*", "supervise.*", "a.b.*" };
  const char *bad_patterns[] = { "*.a", "a.*.b", ".*", "a*", "**" };
  for (guint i = 0; i < G_N_ELEMENTS (patterns); i++)
    g_assert_true (occ_permission_is_valid (patterns[i], TRUE));
  for (guint i = 0; i < G_N_ELEMENTS (bad_patterns); i++)
    g_assert_false (occ_permission_is_valid (bad_patterns[i], TRUE));
}

static void
test_principal_checks (void)
{
  g_autoptr (OccPrincipal) p = occ_principal_new ("alice", OCC_PRINCIPAL_USER);
  g_autoptr (GError) e = NULL;
  g_assert_true (occ_principal_allow (p, "audit.read", NULL, &e));
  g_assert_true (occ_principal_allow (p, "supervise.*", NULL, &e));
  g_assert_true (occ_principal_allow (p, "user.password", NULL, &e));
  g_assert_true (occ_principal_allow (p, "report.read", "campaign:spring", &e));
  g_assert_true (occ_principal_allow (p, "report.read", "queue:sales", &e));
  g_assert_true (occ_principal_allow (p, "campaign.*", "campaign:spring", &e));
  g_assert_false (occ_principal_allow (p, "bad..name", NULL, &e));
  g_assert_error (e, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_INVALID);
  g_clear_error (&e);
  g_assert_false (occ_principal_allow (p, "report.read", "no scope kind", &e));
  g_clear_error (&e);
  g_assert_false (occ_principal_allow (p, "report.read", "queue:", &e));
  g_clear_error (&e);
  g_assert_false (occ_principal_allow (p, "report.read", "queue:a b", &e));
  g_clear_error (&e);
  occ_principal_add_role (p, "auditor");
  occ_principal_add_role (p, "auditor");
  occ_principal_seal (p);

  g_assert_true (occ_principal_can (p, "audit.read", NULL));
  g_assert_true (occ_principal_can (p, "audit.read", "queue:any")); /* unscoped covers all */
  g_assert_false (occ_principal_can (p, "audit.export", NULL));
  g_assert_false (occ_principal_can (p, "audit", NULL));
  g_assert_false (occ_principal_can (p, "audit.rea", NULL));
  g_assert_true (occ_principal_can (p, "supervise.listen", NULL));
  g_assert_true (occ_principal_can (p, "supervise.listen.deep", NULL));
  g_assert_false (occ_principal_can (p, "supervise", NULL));
  g_assert_false (occ_principal_can (p, "supervisex.listen", NULL));
  /* .own is granted by the permission without it, not the other way */
  g_assert_true (occ_principal_can (p, "user.password.own", NULL));
  g_assert_true (occ_principal_can (p, "audit.read.own", NULL));
  g_assert_false (occ_principal_can (p, "user.manage.own", NULL));
  /* scoped grants */
  g_assert_true (occ_principal_can (p, "report.read", "campaign:spring"));
  g_assert_true (occ_principal_can (p, "report.read", "queue:sales"));
  g_assert_false (occ_principal_can (p, "report.read", "campaign:autumn"));
  g_assert_false (occ_principal_can (p, "report.read", NULL));
  g_assert_true (occ_principal_can_somewhere (p, "report.read"));
  g_assert_true (occ_principal_can (p, "campaign.read", "campaign:spring"));
  g_assert_false (occ_principal_can (p, "campaign.read", "campaign:autumn"));
  g_assert_false (occ_principal_can_somewhere (p, "report.export"));
  g_auto (GStrv) scopes = occ_principal_list_scopes (p, "report.read");
  g_assert_cmpuint (g_strv_length (scopes), ==, 2);
  g_assert_true (g_strv_contains ((const char *const *) scopes, "queue:sales"));
  g_assert_false (occ_principal_can (p, NULL, NULL));
  g_assert_false (occ_principal_can (NULL, "audit.read", NULL));

  const char *const *roles = occ_principal_get_roles (p);
  g_assert_cmpuint (g_strv_length ((char **) roles), ==, 1);
  g_autoptr (GVariant) d = g_variant_ref_sink (occ_principal_describe (p));
  g_autofree char *text = g_variant_print (d, FALSE);
  g_assert_nonnull (strstr (text, "('report.read', 'queue:sales')"));
  g_assert_nonnull (strstr (text, "('supervise.*', '')"));
  g_assert_nonnull (strstr (text, "'login': <'alice'>"));

  g_autoptr (OccPrincipal) all = occ_principal_new ("root", OCC_PRINCIPAL_LOCAL);
  occ_principal_allow (all, "*", NULL, NULL);
  occ_principal_seal (all);
  g_assert_true (occ_principal_can (all, "anything.at.all", "queue:x"));
  g_autoptr (OccPrincipal) none = occ_principal_new ("nobody", OCC_PRINCIPAL_ANONYMOUS);
  occ_principal_seal (none);
  g_assert_false (occ_principal_can (none, "session.whoami", NULL));
  g_assert_false (occ_principal_can_somewhere (none, "report.read"));
}

/* --- helpers ------------------------------------------------------------------------------- */

static void
test_logins_and_tokens (void)
{
  g_autofree char *a = ac_fold ("Alice");
  g_assert_cmpstr (a, ==, "alice");
  g_autofree char *b = ac_fold ("ÉLODIE");
  g_assert_cmpstr (b, ==, "élodie");
  g_assert_null (ac_fold (""));
  g_assert_null (ac_fold ("a\tb"));
  g_assert_null (ac_fold ("\xff\xfe"));
  g_autofree char *long_login = g_strnfill (257, 'x');
  g_assert_null (ac_fold (long_login));
  g_autofree char *t1 = ac_random_token ();
  g_autofree char *t2 = ac_random_token ();
  g_assert_true (g_str_has_prefix (t1, "occ_"));
  g_assert_cmpuint (strlen (t1), ==, 4 + 43);
  g_assert_cmpstr (t1, !=, t2);
  g_assert_null (strpbrk (t1 + 4, "+/="));
  g_autofree char *h = ac_hash_token (t1);
  g_assert_cmpuint (strlen (h), ==, 64);
  g_autofree char *id = ac_random_id ();
  g_assert_cmpuint (strlen (id), ==, 32);
  g_autofree char *json = ac_strv_to_json (OCC_LIST ("a", "b\"c"));
  g_auto (GStrv) back = ac_strv_from_json (json);
  g_assert_cmpstr (back[1], ==, "b\"c");
  g_auto (GStrv) junk = ac_strv_from_json ("{not json");
  g_assert_cmpuint (g_strv_length (junk), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/access/policy/shipped-catalogue", test_shipped_catalogue);
  g_test_add_func ("/access/policy/bad-policies-named", test_bad_policies_named);
  g_test_add_func ("/access/policy/separation-of-duties", test_separation_of_duties);
  g_test_add_func ("/access/policy/groups-map-to-roles", test_groups_map_to_roles);
  g_test_add_func ("/access/principal/permission-names", test_permission_names);
  g_test_add_func ("/access/principal/checks", test_principal_checks);
  g_test_add_func ("/access/util/logins-and-tokens", test_logins_and_tokens);
  return g_test_run ();
}
