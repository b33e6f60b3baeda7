/* Principals: who a request acts for, and the permissions they hold.
 *
 * A check sits on every call path, so the holdings are indexed for it:
 * exact permissions in a hash table, "x.*" patterns in a short list of
 * prefixes, "*" as a flag. Each holding is either unscoped (covers every
 * scope) or a list of scopes. Sealed principals never change, so checks
 * need no lock. */
#include <omnicc/access.h>

#include <string.h>

#define MAX_PERMISSION 128
#define MAX_SCOPE 160

typedef struct {
  gboolean everywhere; /* held unscoped */
  GPtrArray *scopes;   /* char*; only where !everywhere */
} Holding;

typedef struct {
  char *prefix; /* "supervise." for "supervise.*" */
  gsize len;
  Holding holding;
} Prefix;

struct _OccPrincipal {
  gint ref;
  gboolean sealed;
  char *login;
  char *kind;
  char *display_name;
  char *session;
  GPtrArray *roles;   /* NULL-terminated */
  GHashTable *exact;  /* permission -> Holding* */
  GPtrArray *pattern; /* Prefix* */
  Holding all;        /* "*" */
};

static void
holding_clear (Holding *h)
{
  g_clear_pointer (&h->scopes, g_ptr_array_unref);
  h->everywhere = FALSE;
}

static void
holding_free (Holding *h)
{
  holding_clear (h);
  g_free (h);
}

static void
prefix_free (Prefix *p)
{
  holding_clear (&p->holding);
  g_free (p->prefix);
  g_free (p);
}

static void
holding_add (Holding *h, const char *scope)
{
  if (h->everywhere)
    return;
  if (scope == NULL)
    {
      h->everywhere = TRUE;
      g_clear_pointer (&h->scopes, g_ptr_array_unref);
      return;
    }
  if (h->scopes == NULL)
    h->scopes = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < h->scopes->len; i++)
    if (strcmp (g_ptr_array_index (h->scopes, i), scope) == 0)
      return;
  g_ptr_array_add (h->scopes, g_strdup (scope));
}

static inline gboolean
holding_covers (const Holding *h, const char *scope)
{
  if (h->everywhere)
    return TRUE;
  if (scope == NULL || h->scopes == NULL)
    return FALSE;
  for (guint i = 0; i < h->scopes->len; i++)
    if (strcmp (g_ptr_array_index (h->scopes, i), scope) == 0)
      return TRUE;
  return FALSE;
}

static inline gboolean
holding_any (const Holding *h)
{
  return h->everywhere || (h->scopes && h->scopes->len > 0);
}

/* --- validation -------------------------------------------------------------- */

gboolean
occ_permission_is_valid (const char *text, gboolean pattern)
{
  if (text == NULL)
    return FALSE;
  gsize len = strlen (text);
  if (len == 0 || len > MAX_PERMISSION)
    return FALSE;
  if (pattern && strcmp (text, "*") == 0)
    return TRUE;
  if (pattern && len > 2 && g_str_has_suffix (text, ".*"))
    len -= 2;
  gboolean word_start = TRUE;
  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];
      if (c == '.')
        {
          if (word_start)
            return FALSE;
          word_start = TRUE;
        }
      else if (g_ascii_islower (c) || g_ascii_isdigit (c) || (c == '-' && !word_start))
        word_start = FALSE;
      else
        return FALSE;
    }
  return !word_start;
}

static gboolean
scope_is_valid (const char *scope)
{
  const char *colon = strchr (scope, ':');
  gsize len = strlen (scope);
  if (colon == NULL || colon == scope || colon[1] == '\0' || len > MAX_SCOPE
      || !g_utf8_validate (scope, -1, NULL))
    return FALSE;
  for (const char *p = scope; p < colon; p++)
    if (!(g_ascii_islower (*p) || *p == '-'))
      return FALSE;
  for (const char *p = colon + 1; *p; p++)
    if ((guchar) *p <= ' ' || *p == 0x7f)
      return FALSE;
  return TRUE;
}

/* --- building ------------------------------------------------------------------ */

OccPrincipal *
occ_principal_new (const char *login, const char *kind)
{
  g_return_val_if_fail (login != NULL && kind != NULL, NULL);
  OccPrincipal *p = g_new0 (OccPrincipal, 1);
  p->ref = 1;
  p->login = g_strdup (login);
  p->kind = g_strdup (kind);
  p->roles = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (p->roles, NULL);
  p->exact = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) holding_free);
  p->pattern = g_ptr_array_new_with_free_func ((GDestroyNotify) prefix_free);
  return p;
}

OccPrincipal *
occ_principal_ref (OccPrincipal *p)
{
  g_return_val_if_fail (p != NULL, NULL);
  g_atomic_int_inc (&p->ref);
  return p;
}

void
occ_principal_unref (OccPrincipal *p)
{
  if (p == NULL || !g_atomic_int_dec_and_test (&p->ref))
    return;
  g_free (p->login);
  g_free (p->kind);
  g_free (p->display_name);
  g_free (p->session);
  g_ptr_array_unref (p->roles);
  g_hash_table_unref (p->exact);
  g_ptr_array_unref (p->pattern);
  holding_clear (&p->all);
  g_free (p);
}

gboolean
occ_principal_allow (OccPrincipal *p, const char *pattern, const char *scope, GError **error)
{
  g_return_val_if_fail (p != NULL && !p->sealed, FALSE);
  if (!occ_permission_is_valid (pattern, TRUE))
    {
      g_set_error (error, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_INVALID,
                   "“%s” is not a permission: dotted words of a-z, 0-9 and -, "
                   "optionally ending in .*",
                   pattern ? pattern : "(null)");
      return FALSE;
    }
  if (scope && !scope_is_valid (scope))
    {
      g_set_error (error, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_INVALID,
                   "“%s” is not a scope: KIND:NAME, e.g. queue:sales", scope);
      return FALSE;
    }
  if (strcmp (pattern, "*") == 0)
    holding_add (&p->all, scope);
  else if (g_str_has_suffix (pattern, ".*"))
    {
      gsize len = strlen (pattern) - 1; /* keep the dot */
      Prefix *found = NULL;
      for (guint i = 0; i < p->pattern->len && !found; i++)
        {
          Prefix *x = g_ptr_array_index (p->pattern, i);
          if (x->len == len && strncmp (x->prefix, pattern, len) == 0)
            found = x;
        }
      if (found == NULL)
        {
          found = g_new0 (Prefix, 1);
          found->prefix = g_strndup (pattern, len);
          found->len = len;
          g_ptr_array_add (p->pattern, found);
        }
      holding_add (&found->holding, scope);
    }
  else
    {
      Holding *h = g_hash_table_lookup (p->exact, pattern);
      if (h == NULL)
        {
          h = g_new0 (Holding, 1);
          g_hash_table_insert (p->exact, g_strdup (pattern), h);
        }
      holding_add (h, scope);
    }
  return TRUE;
}

void
occ_principal_add_role (OccPrincipal *p, const char *role)
{
  g_return_if_fail (p != NULL && !p->sealed && role != NULL);
  for (guint i = 0; i + 1 < p->roles->len; i++)
    if (strcmp (g_ptr_array_index (p->roles, i), role) == 0)
      return;
  g_ptr_array_insert (p->roles, p->roles->len - 1, g_strdup (role));
}

void
occ_principal_set_display_name (OccPrincipal *p, const char *name)
{
  g_return_if_fail (p != NULL && !p->sealed);
  g_free (p->display_name);
  p->display_name = g_strdup (name);
}

void
occ_principal_set_session (OccPrincipal *p, const char *session)
{
  g_return_if_fail (p != NULL && !p->sealed);
  g_free (p->session);
  p->session = g_strdup (session);
}

void
occ_principal_seal (OccPrincipal *p)
{
  g_return_if_fail (p != NULL);
  p->sealed = TRUE;
}

/* --- checks -------------------------------------------------------------------- */

/* @any: held in any scope rather than for @scope */
static gboolean
holds (const OccPrincipal *p, const char *permission, const char *scope, gboolean any)
{
  if (any ? holding_any (&p->all) : holding_covers (&p->all, scope))
    return TRUE;
  const Holding *h = g_hash_table_lookup (p->exact, permission);
  if (h && (any ? holding_any (h) : holding_covers (h, scope)))
    return TRUE;
  for (guint i = 0; i < p->pattern->len; i++)
    {
      const Prefix *x = g_ptr_array_index (p->pattern, i);
      if (strncmp (permission, x->prefix, x->len) == 0
          && (any ? holding_any (&x->holding) : holding_covers (&x->holding, scope)))
        return TRUE;
    }
  return FALSE;
}

static gboolean
check (const OccPrincipal *p, const char *permission, const char *scope, gboolean any)
{
  if (p == NULL || permission == NULL)
    return FALSE;
  if (holds (p, permission, scope, any))
    return TRUE;
  /* "x.own" is also granted by "x" */
  gsize len = strlen (permission);
  if (len > 4 && len <= MAX_PERMISSION && strcmp (permission + len - 4, ".own") == 0)
    {
      char stem[MAX_PERMISSION + 1];
      memcpy (stem, permission, len - 4);
      stem[len - 4] = '\0';
      return holds (p, stem, scope, any);
    }
  return FALSE;
}

gboolean
occ_principal_can (const OccPrincipal *p, const char *permission, const char *scope)
{
  return check (p, permission, scope, FALSE);
}

gboolean
occ_principal_can_somewhere (const OccPrincipal *p, const char *permission)
{
  return check (p, permission, NULL, TRUE);
}

static void
collect_scopes (GPtrArray *out, const Holding *h)
{
  if (h->scopes == NULL)
    return;
  for (guint i = 0; i < h->scopes->len; i++)
    if (!g_ptr_array_find_with_equal_func (out, g_ptr_array_index (h->scopes, i), g_str_equal,
                                           NULL))
      g_ptr_array_add (out, g_strdup (g_ptr_array_index (h->scopes, i)));
}

char **
occ_principal_list_scopes (const OccPrincipal *p, const char *permission)
{
  g_return_val_if_fail (p != NULL && permission != NULL, NULL);
  GPtrArray *out = g_ptr_array_new ();
  collect_scopes (out, &p->all);
  const Holding *h = g_hash_table_lookup (p->exact, permission);
  if (h)
    collect_scopes (out, h);
  for (guint i = 0; i < p->pattern->len; i++)
    {
      const Prefix *x = g_ptr_array_index (p->pattern, i);
      if (strncmp (permission, x->prefix, x->len) == 0)
        collect_scopes (out, &x->holding);
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

/* --- reading ------------------------------------------------------------------- */

const char *
occ_principal_get_login (const OccPrincipal *p)
{
  g_return_val_if_fail (p != NULL, NULL);
  return p->login;
}

const char *
occ_principal_get_kind (const OccPrincipal *p)
{
  g_return_val_if_fail (p != NULL, NULL);
  return p->kind;
}

const char *
occ_principal_get_display_name (const OccPrincipal *p)
{
  g_return_val_if_fail (p != NULL, NULL);
  return p->display_name ? p->display_name : p->login;
}

const char *
occ_principal_get_session (const OccPrincipal *p)
{
  g_return_val_if_fail (p != NULL, NULL);
  return p->session;
}

const char *const *
occ_principal_get_roles (const OccPrincipal *p)
{
  g_return_val_if_fail (p != NULL, NULL);
  return (const char *const *) p->roles->pdata;
}

static void
describe_holding (GVariantBuilder *b, const char *pattern, const Holding *h)
{
  if (h->everywhere)
    g_variant_builder_add (b, "(ss)", pattern, "");
  else if (h->scopes)
    for (guint i = 0; i < h->scopes->len; i++)
      g_variant_builder_add (b, "(ss)", pattern, (const char *) g_ptr_array_index (h->scopes, i));
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

GVariant *
occ_principal_describe (const OccPrincipal *p)
{
  g_return_val_if_fail (p != NULL, NULL);
  GVariantBuilder perms;
  g_variant_builder_init (&perms, G_VARIANT_TYPE ("a(ss)"));
  describe_holding (&perms, "*", &p->all);
  for (guint i = 0; i < p->pattern->len; i++)
    {
      const Prefix *x = g_ptr_array_index (p->pattern, i);
      g_autofree char *pattern = g_strconcat (x->prefix, "*", NULL);
      describe_holding (&perms, pattern, &x->holding);
    }
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init (&it, p->exact);
  while (g_hash_table_iter_next (&it, &key, NULL))
    g_ptr_array_add (names, key);
  g_ptr_array_sort (names, compare_strings);
  for (guint i = 0; i < names->len; i++)
    describe_holding (&perms, g_ptr_array_index (names, i),
                      g_hash_table_lookup (p->exact, g_ptr_array_index (names, i)));
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "login", "s", p->login);
  g_variant_dict_insert (&d, "kind", "s", p->kind);
  g_variant_dict_insert (&d, "display-name", "s", occ_principal_get_display_name (p));
  if (p->session)
    g_variant_dict_insert (&d, "session", "s", p->session);
  g_variant_dict_insert_value (&d, "roles", g_variant_new_strv (occ_principal_get_roles (p), -1));
  g_variant_dict_insert_value (&d, "permissions", g_variant_builder_end (&perms));
  return g_variant_dict_end (&d);
}
