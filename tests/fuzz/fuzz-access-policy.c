/* Fuzz target: a role catalogue (roles.conf) through the access plugin's
 * reader and its checks — roles, rules, group mappings — then every role's
 * principal and separation-of-duties check over all of them; and each
 * input line as a permission, a pattern and a scope through the core's
 * principal. */
#include "access.h"

#include "fuzz-log.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
principal_lines (const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", 65);
  g_autoptr (OccPrincipal) p = occ_principal_new ("fuzz", OCC_PRINCIPAL_USER);
  for (guint i = 0; lines[i] && i < 64; i++)
    {
      const char *scope
          = lines[i + 1] && g_str_has_prefix (lines[i + 1], "scope ") ? lines[i + 1] + 6 : NULL;
      gboolean valid = occ_permission_is_valid (lines[i], TRUE);
      g_autoptr (GError) e = NULL;
      gboolean allowed = occ_principal_allow (p, lines[i], scope, &e);
      g_assert (allowed || e != NULL);
      if (allowed)
        g_assert (valid);
    }
  occ_principal_seal (p);
  for (guint i = 0; lines[i] && i < 64; i++)
    {
      gboolean can = occ_principal_can (p, lines[i], NULL);
      /* holding it everywhere means holding it somewhere */
      if (can)
        g_assert (occ_principal_can_somewhere (p, lines[i]));
      g_auto (GStrv) scopes = occ_principal_list_scopes (p, lines[i]);
    }
  g_autoptr (GVariant) d = g_variant_ref_sink (occ_principal_describe (p));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  if (!g_utf8_validate (text, -1, NULL))
    return 0;
  principal_lines (text);
  g_autoptr (GKeyFile) roles = g_key_file_new ();
  if (!g_key_file_load_from_data (roles, text, -1, G_KEY_FILE_NONE, NULL))
    return 0;
  g_autoptr (GKeyFile) access = g_key_file_new ();
  g_autoptr (GError) e = NULL;
  g_autoptr (AcPolicy) p = ac_policy_read (roles, access, &e);
  if (p == NULL)
    {
      g_assert (e != NULL && g_str_has_prefix (e->message, "policy "));
      return 0;
    }
  g_autoptr (GPtrArray) all = ac_holdings_new ();
  for (guint i = 0; i < p->role_order->len; i++)
    {
      const AcRole *r = ac_policy_role (p, g_ptr_array_index (p->role_order, i));
      g_assert (r != NULL);
      g_autoptr (GPtrArray) one = ac_holdings_new ();
      ac_holdings_add (one, r->name, NULL, r->scoped ? "queue:q" : NULL, NULL);
      ac_holdings_add (all, r->name, NULL, r->scoped ? "queue:q" : NULL, NULL);
      g_autofree char *alone = ac_policy_conflict (p, one);
      g_assert (alone == NULL); /* one role never conflicts with itself */
      g_autoptr (OccPrincipal) who
          = ac_policy_principal (p, "fuzz", OCC_PRINCIPAL_USER, NULL, NULL, one);
      for (guint j = 0; j < r->permissions->len; j++)
        {
          const char *perm = g_ptr_array_index (r->permissions, j);
          if (!g_str_has_suffix (perm, ".*"))
            g_assert (occ_principal_can (who, perm, r->scoped ? "queue:q" : NULL));
        }
      g_autoptr (GVariant) d = g_variant_ref_sink (ac_policy_describe_role (p, r));
    }
  g_autofree char *conflict = ac_policy_conflict (p, all);
  g_autoptr (GVariant) list = g_variant_ref_sink (ac_policy_describe_roles (p));
  const char *groups[] = { "a", "B", "omnicc-agents", NULL };
  ac_policy_map_groups (p, groups, all);
  return 0;
}
