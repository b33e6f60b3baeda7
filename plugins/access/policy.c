/* access: the role catalogue (policies/roles.conf), the access policy
 * (policies/access.conf), separation of duties, and principals built from
 * what an account holds. Nothing here touches the store or the bus: the
 * unit tests compile it in. */
#include "access.h"

#include <string.h>

#define ROLE_PREFIX "role "

static void
role_free (AcRole *r)
{
  g_free (r->name);
  g_free (r->description);
  g_ptr_array_unref (r->permissions);
  g_free (r);
}

static void
rule_free (AcRule *r)
{
  g_free (r->name);
  g_ptr_array_unref (r->roles);
  g_free (r);
}

void
ac_policy_free (AcPolicy *p)
{
  if (p == NULL)
    return;
  g_hash_table_unref (p->permissions);
  g_hash_table_unref (p->roles);
  g_ptr_array_unref (p->role_order);
  g_ptr_array_unref (p->rules);
  g_hash_table_unref (p->groups);
  g_strfreev (p->sources);
  g_free (p->sip_realm);
  g_free (p->local_role);
  g_free (p->first_admin);
  g_free (p);
}

const AcRole *
ac_policy_role (const AcPolicy *p, const char *name)
{
  return name ? g_hash_table_lookup (p->roles, name) : NULL;
}

static gboolean
name_ok (const char *name)
{
  if (name == NULL || !g_ascii_islower (name[0]) || strlen (name) > 64)
    return FALSE;
  for (const char *c = name; *c; c++)
    if (!(g_ascii_islower (*c) || g_ascii_isdigit (*c) || *c == '-'))
      return FALSE;
  return TRUE;
}

/* A list value: ";"-separated, blanks around items dropped, empty items
 * skipped. */
static char **
get_list (GKeyFile *f, const char *group, const char *key)
{
  g_autofree char *raw = g_key_file_get_value (f, group, key, NULL);
  if (raw == NULL)
    return g_new0 (char *, 1);
  g_auto (GStrv) parts = g_strsplit (raw, ";", -1);
  GPtrArray *out = g_ptr_array_new ();
  for (guint i = 0; parts[i]; i++)
    {
      g_strstrip (parts[i]);
      if (parts[i][0])
        g_ptr_array_add (out, g_strdup (parts[i]));
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

static gboolean
get_bool (GKeyFile *f, const char *group, const char *key, gboolean *out, GError **error)
{
  g_autofree char *raw = g_key_file_get_value (f, group, key, NULL);
  if (raw == NULL)
    return TRUE;
  g_strstrip (raw);
  if (strcmp (raw, "true") == 0 || strcmp (raw, "false") == 0)
    {
      *out = raw[0] == 't';
      return TRUE;
    }
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
               "[%s] %s: “%s” is not true or false", group, key, raw);
  return FALSE;
}

static gboolean
get_uint (GKeyFile *f, const char *group, const char *key, guint64 min, guint64 max, guint64 *out,
          GError **error)
{
  g_autofree char *raw = g_key_file_get_value (f, group, key, NULL);
  if (raw == NULL)
    return TRUE;
  g_strstrip (raw);
  guint64 v;
  if (!g_ascii_string_to_unsigned (raw, 10, min, max, &v, NULL))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[%s] %s: “%s” is not a whole number from %" G_GUINT64_FORMAT
                   " to %" G_GUINT64_FORMAT,
                   group, key, raw, min, max);
      return FALSE;
    }
  *out = v;
  return TRUE;
}

static gboolean
only_keys (GKeyFile *f, const char *group, const char *const *known, GError **error)
{
  g_auto (GStrv) keys = g_key_file_get_keys (f, group, NULL, NULL);
  for (guint i = 0; keys && keys[i]; i++)
    if (!g_strv_contains (known, keys[i]))
      {
        g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                     "[%s] %s: unknown key", group, keys[i]);
        return FALSE;
      }
  return TRUE;
}

/* A role's permission must name the catalogue: a permission in it, or a
 * pattern covering at least one. */
static gboolean
permission_known (AcPolicy *p, const char *perm)
{
  if (!occ_permission_is_valid (perm, TRUE))
    return FALSE;
  if (strcmp (perm, "*") == 0)
    return FALSE; /* only the built-in system role holds everything */
  if (!g_str_has_suffix (perm, ".*"))
    return g_hash_table_contains (p->permissions, perm);
  gsize len = strlen (perm) - 1;
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init (&it, p->permissions);
  while (g_hash_table_iter_next (&it, &key, NULL))
    if (strncmp (key, perm, len) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
read_role (AcPolicy *p, GKeyFile *f, const char *group, GError **error)
{
  const char *name = group + strlen (ROLE_PREFIX);
  static const char *const known[]
      = { "description", "permissions", "scoped", "approval", "exclusive", NULL };
  if (!name_ok (name) || strcmp (name, AC_SYSTEM_ROLE) == 0)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[%s]: “%s” cannot name a role (a-z, 0-9 and -; “system” is built in)", group,
                   name);
      return FALSE;
    }
  if (!only_keys (f, group, known, error))
    return FALSE;
  AcRole *r = g_new0 (AcRole, 1);
  r->name = g_strdup (name);
  r->permissions = g_ptr_array_new_with_free_func (g_free);
  g_hash_table_insert (p->roles, r->name, r);
  g_ptr_array_add (p->role_order, g_strdup (name));
  r->description = g_key_file_get_string (f, group, "description", NULL);
  if (r->description == NULL || !*g_strstrip (r->description))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                   "[%s] description: every role says what it is for", group);
      return FALSE;
    }
  g_auto (GStrv) perms = get_list (f, group, "permissions");
  for (guint i = 0; perms[i]; i++)
    {
      if (!permission_known (p, perms[i]))
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       "[%s] permissions: “%s” is not in the [permissions] catalogue", group,
                       perms[i]);
          return FALSE;
        }
      g_ptr_array_add (r->permissions, g_strdup (perms[i]));
    }
  return get_bool (f, group, "scoped", &r->scoped, error)
         && get_bool (f, group, "approval", &r->approval, error)
         && get_bool (f, group, "exclusive", &r->exclusive, error);
}

static gboolean
read_roles (AcPolicy *p, GKeyFile *f, GError **error)
{
  g_auto (GStrv) perms = g_key_file_get_keys (f, "permissions", NULL, NULL);
  for (guint i = 0; perms && perms[i]; i++)
    {
      if (!occ_permission_is_valid (perms[i], FALSE))
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       "[permissions] %s: not a permission name (dotted words of a-z, 0-9, -)",
                       perms[i]);
          return FALSE;
        }
      g_autofree char *doc = g_key_file_get_string (f, "permissions", perms[i], NULL);
      g_hash_table_insert (p->permissions, g_strdup (perms[i]),
                           g_strdup (doc ? g_strstrip (doc) : ""));
    }
  g_auto (GStrv) groups = g_key_file_get_groups (f, NULL);
  for (guint i = 0; groups[i]; i++)
    {
      const char *g = groups[i];
      if (g_str_has_prefix (g, ROLE_PREFIX))
        {
          if (!read_role (p, f, g, error))
            return FALSE;
        }
      else if (!g_strv_contains (
                   (const char *const[]){ "permissions", "separation-of-duties", "groups", NULL },
                   g))
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
                       "[%s]: unknown group (roles are [role NAME])", g);
          return FALSE;
        }
    }
  g_auto (GStrv) rules = g_key_file_get_keys (f, "separation-of-duties", NULL, NULL);
  for (guint i = 0; rules && rules[i]; i++)
    {
      g_auto (GStrv) roles = get_list (f, "separation-of-duties", rules[i]);
      if (g_strv_length (roles) < 2)
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       "[separation-of-duties] %s: a rule names at least two roles", rules[i]);
          return FALSE;
        }
      AcRule *rule = g_new0 (AcRule, 1);
      rule->name = g_strdup (rules[i]);
      rule->roles = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (p->rules, rule);
      for (guint j = 0; roles[j]; j++)
        {
          if (!g_hash_table_contains (p->roles, roles[j]))
            {
              g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                           "[separation-of-duties] %s: no role “%s”", rules[i], roles[j]);
              return FALSE;
            }
          g_ptr_array_add (rule->roles, g_strdup (roles[j]));
        }
    }
  g_auto (GStrv) mapped = g_key_file_get_keys (f, "groups", NULL, NULL);
  for (guint i = 0; mapped && mapped[i]; i++)
    {
      g_auto (GStrv) roles = get_list (f, "groups", mapped[i]);
      GPtrArray *list = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (p->groups, g_utf8_casefold (mapped[i], -1), list);
      for (guint j = 0; roles[j]; j++)
        {
          const AcRole *r = g_hash_table_lookup (p->roles, roles[j]);
          if (r == NULL || r->scoped)
            {
              g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                           "[groups] %s: %s “%s”", mapped[i],
                           r ? "a group cannot give the scoped role" : "no role", roles[j]);
              return FALSE;
            }
          g_ptr_array_add (list, g_strdup (roles[j]));
        }
    }
  return TRUE;
}

static gboolean
read_access (AcPolicy *p, GKeyFile *f, GError **error)
{
  static const struct {
    const char *group;
    const char *const keys[6];
  } known[] = {
    { "sign-in",
      { "sources", "max-failures", "failure-window-minutes", "lockout-minutes",
        "first-administrator", NULL } },
    { "sessions", { "max-age-hours", "idle-minutes", NULL } },
    { "sip", { "realm", "recheck-seconds", "directory-grace-minutes", NULL } },
    { "local", { "role", NULL } },
  };
  g_auto (GStrv) groups = g_key_file_get_groups (f, NULL);
  for (guint i = 0; groups[i]; i++)
    {
      guint k = 0;
      while (k < G_N_ELEMENTS (known) && strcmp (known[k].group, groups[i]) != 0)
        k++;
      if (k == G_N_ELEMENTS (known))
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
                       "[%s]: unknown group", groups[i]);
          return FALSE;
        }
      if (!only_keys (f, groups[i], known[k].keys, error))
        return FALSE;
    }
  if (g_key_file_has_key (f, "sign-in", "sources", NULL))
    {
      g_strfreev (p->sources);
      p->sources = get_list (f, "sign-in", "sources");
      for (guint i = 0; p->sources[i]; i++)
        if (!name_ok (p->sources[i]))
          {
            g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                         "[sign-in] sources: “%s” is not a source name", p->sources[i]);
            return FALSE;
          }
    }
  guint64 failures = p->max_failures, window = 15, lockout = 15, age = 12, idle = 60;
  guint64 recheck = 300, grace = 60;
  if (!get_uint (f, "sign-in", "max-failures", 0, 1000, &failures, error)
      || !get_uint (f, "sign-in", "failure-window-minutes", 1, 1440, &window, error)
      || !get_uint (f, "sign-in", "lockout-minutes", 1, 10080, &lockout, error)
      || !get_uint (f, "sessions", "max-age-hours", 1, 720, &age, error)
      || !get_uint (f, "sessions", "idle-minutes", 0, 1440, &idle, error)
      || !get_uint (f, "sip", "recheck-seconds", 0, 86400, &recheck, error)
      || !get_uint (f, "sip", "directory-grace-minutes", 0, 10080, &grace, error))
    return FALSE;
  p->max_failures = failures;
  p->failure_window_ms = window * 60000;
  p->lockout_ms = lockout * 60000;
  p->session_max_age_ms = age * 3600000;
  p->session_idle_ms = idle * 60000;
  p->sip_recheck_ms = recheck * 1000;
  p->sip_grace_ms = grace * 60000;
  g_autofree char *realm = g_key_file_get_string (f, "sip", "realm", NULL);
  if (realm)
    {
      g_strstrip (realm);
      if (!*realm || strpbrk (realm, "\":\\") || !ac_text_ok (realm, 128))
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       "[sip] realm: “%s” is not a realm (no quotes, colons or backslashes)",
                       realm);
          return FALSE;
        }
      g_free (p->sip_realm);
      p->sip_realm = g_steal_pointer (&realm);
    }
  if (g_key_file_has_key (f, "local", "role", NULL))
    {
      g_free (p->local_role);
      p->local_role = g_strstrip (g_key_file_get_string (f, "local", "role", NULL));
      if (p->local_role[0] == '\0')
        g_clear_pointer (&p->local_role, g_free);
      else if (strcmp (p->local_role, AC_SYSTEM_ROLE) != 0
               && !g_hash_table_contains (p->roles, p->local_role))
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       "[local] role: no role “%s”", p->local_role);
          return FALSE;
        }
    }
  if (g_key_file_has_key (f, "sign-in", "first-administrator", NULL))
    {
      g_free (p->first_admin);
      g_autofree char *v = g_key_file_get_string (f, "sign-in", "first-administrator", NULL);
      p->first_admin = v && *g_strstrip (v) ? ac_fold (v) : NULL;
    }
  return TRUE;
}

AcPolicy *
ac_policy_read (GKeyFile *roles, GKeyFile *access, GError **error)
{
  g_autoptr (AcPolicy) p = g_new0 (AcPolicy, 1);
  p->permissions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  p->roles = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) role_free);
  p->role_order = g_ptr_array_new_with_free_func (g_free);
  p->rules = g_ptr_array_new_with_free_func ((GDestroyNotify) rule_free);
  p->groups
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  p->sources = g_strdupv ((char **) (const char *const[]){ "ldap", "local", NULL });
  p->max_failures = 5;
  p->sip_realm = g_strdup ("omnicc");
  p->local_role = g_strdup (AC_SYSTEM_ROLE);
  p->first_admin = g_strdup ("admin");
  if (!read_roles (p, roles, error))
    {
      g_prefix_error (error, "policy %s: ", AC_ROLES_POLICY);
      return NULL;
    }
  if (!read_access (p, access, error))
    {
      g_prefix_error (error, "policy %s: ", AC_ACCESS_POLICY);
      return NULL;
    }
  if (p->first_admin && !g_hash_table_contains (p->roles, "administrator"))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "policy %s: [sign-in] first-administrator needs the role “administrator”",
                   AC_ACCESS_POLICY);
      return NULL;
    }
  return g_steal_pointer (&p);
}

/* --- holdings ------------------------------------------------------------------ */

void
ac_holding_free (AcHolding *h)
{
  g_free (h->role);
  g_free (h->permission);
  g_free (h->scope);
  g_free (h->grant_id);
  g_free (h);
}

GPtrArray *
ac_holdings_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) ac_holding_free);
}

void
ac_holdings_add (GPtrArray *holdings, const char *role, const char *permission, const char *scope,
                 const char *grant_id)
{
  AcHolding *h = g_new0 (AcHolding, 1);
  h->role = g_strdup (role);
  h->permission = g_strdup (permission);
  h->scope = g_strdup (scope);
  h->grant_id = g_strdup (grant_id);
  g_ptr_array_add (holdings, h);
}

void
ac_policy_map_groups (const AcPolicy *p, const char *const *groups, GPtrArray *holdings)
{
  for (guint i = 0; groups && groups[i]; i++)
    {
      g_autofree char *folded = g_utf8_casefold (groups[i], -1);
      GPtrArray *roles = g_hash_table_lookup (p->groups, folded);
      for (guint j = 0; roles && j < roles->len; j++)
        ac_holdings_add (holdings, g_ptr_array_index (roles, j), NULL, NULL, NULL);
    }
}

/* Does @r's list grant @perm (exactly, or by an "x.*" pattern)? */
static gboolean
role_has (const AcRole *r, const char *perm)
{
  for (guint i = 0; i < r->permissions->len; i++)
    {
      const char *mine = g_ptr_array_index (r->permissions, i);
      gsize len = strlen (mine);
      if (strcmp (mine, perm) == 0
          || (len > 2 && g_str_has_suffix (mine, ".*") && strncmp (mine, perm, len - 1) == 0))
        return TRUE;
    }
  return FALSE;
}

/* Does a single-permission grant of @perm put its holder on @member's side
 * of @rule? Only if @member has it and no other role of the rule does:
 * what both sides share decides nothing. */
static gboolean
permission_sides_with (const AcPolicy *p, const AcRule *rule, const char *member, const char *perm)
{
  if (!role_has (ac_policy_role (p, member), perm))
    return FALSE;
  for (guint i = 0; i < rule->roles->len; i++)
    {
      const char *other = g_ptr_array_index (rule->roles, i);
      if (strcmp (other, member) != 0 && role_has (ac_policy_role (p, other), perm))
        return FALSE;
    }
  return TRUE;
}

char *
ac_policy_conflict (const AcPolicy *p, GPtrArray *holdings)
{
  /* exclusive roles: nothing else beside them */
  for (guint i = 0; i < holdings->len; i++)
    {
      const AcHolding *h = g_ptr_array_index (holdings, i);
      const AcRole *r = ac_policy_role (p, h->role);
      if (r == NULL || !r->exclusive)
        continue;
      for (guint j = 0; j < holdings->len; j++)
        {
          const AcHolding *o = g_ptr_array_index (holdings, j);
          if (o->permission || (o->role && strcmp (o->role, r->name) != 0))
            return g_strdup_printf ("the role %s is held alone (it is exclusive), and this "
                                    "account would also hold %s%s",
                                    r->name, o->role ? "the role " : "the permission ",
                                    o->role ? o->role : o->permission);
        }
    }
  for (guint k = 0; k < p->rules->len; k++)
    {
      const AcRule *rule = g_ptr_array_index (p->rules, k);
      const char *first = NULL;
      for (guint m = 0; m < rule->roles->len; m++)
        {
          const char *member = g_ptr_array_index (rule->roles, m);
          gboolean touched = FALSE;
          const char *via = NULL;
          for (guint i = 0; i < holdings->len && !touched; i++)
            {
              const AcHolding *h = g_ptr_array_index (holdings, i);
              if (h->role && strcmp (h->role, member) == 0)
                touched = TRUE;
              else if (h->permission && permission_sides_with (p, rule, member, h->permission))
                touched = TRUE, via = h->permission;
            }
          if (!touched)
            continue;
          if (first && strcmp (first, member) != 0)
            {
              g_autoptr (GString) roles = g_string_new (NULL);
              for (guint i = 0; i < rule->roles->len; i++)
                g_string_append_printf (roles, "%s%s", i ? ", " : "",
                                        (const char *) g_ptr_array_index (rule->roles, i));
              return g_strdup_printf ("separation of duties rule “%s” (%s: never two on one "
                                      "account): it would hold %s and %s%s%s%s",
                                      rule->name, roles->str, first, member,
                                      via ? " (through “" : "", via ? via : "", via ? "”)" : "");
            }
          first = member;
        }
    }
  return NULL;
}

OccPrincipal *
ac_policy_principal (const AcPolicy *p, const char *login, const char *kind,
                     const char *display_name, const char *session, GPtrArray *holdings)
{
  OccPrincipal *who = occ_principal_new (login, kind);
  occ_principal_set_display_name (who, display_name);
  occ_principal_set_session (who, session);
  for (guint i = 0; holdings && i < holdings->len; i++)
    {
      const AcHolding *h = g_ptr_array_index (holdings, i);
      g_autoptr (GError) e = NULL;
      if (h->permission)
        {
          if (!occ_principal_allow (who, h->permission, h->scope, &e))
            g_warning ("grant %s of %s: %s", h->grant_id, login, e->message);
          continue;
        }
      if (g_strcmp0 (h->role, AC_SYSTEM_ROLE) == 0)
        {
          occ_principal_add_role (who, AC_SYSTEM_ROLE);
          occ_principal_allow (who, "*", NULL, NULL);
          continue;
        }
      const AcRole *r = ac_policy_role (p, h->role);
      if (r == NULL)
        {
          /* a role the catalogue no longer has gives nothing */
          g_message ("%s holds the role “%s”, which is not in the catalogue: ignored", login,
                     h->role);
          continue;
        }
      occ_principal_add_role (who, r->name);
      for (guint j = 0; j < r->permissions->len; j++)
        occ_principal_allow (who, g_ptr_array_index (r->permissions, j), h->scope, NULL);
    }
  occ_principal_seal (who);
  return who;
}

/* --- descriptions ----------------------------------------------------------------- */

GVariant *
ac_policy_describe_role (const AcPolicy *p, const AcRole *r)
{
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "name", "s", r->name);
  g_variant_dict_insert (&d, "description", "s", r->description);
  g_variant_dict_insert_value (
      &d, "permissions",
      g_variant_new_strv ((const char *const *) r->permissions->pdata, r->permissions->len));
  g_variant_dict_insert (&d, "scoped", "b", r->scoped);
  g_variant_dict_insert (&d, "approval", "b", r->approval);
  g_variant_dict_insert (&d, "exclusive", "b", r->exclusive);
  GVariantBuilder conflicts;
  g_variant_builder_init (&conflicts, G_VARIANT_TYPE ("as"));
  for (guint k = 0; k < p->rules->len; k++)
    {
      const AcRule *rule = g_ptr_array_index (p->rules, k);
      gboolean in = FALSE;
      for (guint i = 0; i < rule->roles->len; i++)
        in = in || strcmp (g_ptr_array_index (rule->roles, i), r->name) == 0;
      if (in)
        g_variant_builder_add (&conflicts, "s", rule->name);
    }
  g_variant_dict_insert_value (&d, "separation-of-duties", g_variant_builder_end (&conflicts));
  GVariantBuilder docs;
  g_variant_builder_init (&docs, G_VARIANT_TYPE ("a{ss}"));
  for (guint i = 0; i < r->permissions->len; i++)
    {
      const char *perm = g_ptr_array_index (r->permissions, i);
      const char *doc = g_hash_table_lookup (p->permissions, perm);
      g_variant_builder_add (&docs, "{ss}", perm, doc ? doc : "(every permission under it)");
    }
  g_variant_dict_insert_value (&d, "meaning", g_variant_builder_end (&docs));
  return g_variant_dict_end (&d);
}

GVariant *
ac_policy_describe_roles (const AcPolicy *p)
{
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ssbbb)"));
  for (guint i = 0; i < p->role_order->len; i++)
    {
      const AcRole *r = ac_policy_role (p, g_ptr_array_index (p->role_order, i));
      g_variant_builder_add (&b, "(ssbbb)", r->name, r->description, r->scoped, r->approval,
                             r->exclusive);
    }
  return g_variant_builder_end (&b);
}
