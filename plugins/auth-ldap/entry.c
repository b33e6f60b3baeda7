/* An entry of a search result, copied out of libldap's message. What a
 * server sends is outside input: values that are not UTF-8 or hold a NUL
 * are skipped, and the number and size of values are bounded. */
#include "ldapauth.h"

#include <string.h>

#define MAX_VALUES 4096
#define MAX_VALUE_LEN (64 * 1024)

static gboolean
clean (const struct berval *v)
{
  return v->bv_len > 0 && v->bv_len <= MAX_VALUE_LEN && memchr (v->bv_val, 0, v->bv_len) == NULL
         && g_utf8_validate (v->bv_val, (gssize) v->bv_len, NULL);
}

static void
read_attribute (LaEntry *e, LDAP *ld, LDAPMessage *msg, const char *name)
{
  struct berval **values = ldap_get_values_len (ld, msg, name);
  if (values == NULL)
    return;
  g_autofree char *lower = g_ascii_strdown (name, -1);
  GPtrArray *list = g_hash_table_lookup (e->attrs, lower);
  if (list == NULL)
    {
      list = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (e->attrs, g_steal_pointer (&lower), list);
    }
  for (guint i = 0; values[i] && list->len < MAX_VALUES; i++)
    if (clean (values[i]))
      g_ptr_array_add (list, g_strndup (values[i]->bv_val, values[i]->bv_len));
    else
      g_debug ("entry %s: a value of %s that is not UTF-8 text was skipped", e->dn, name);
  ldap_value_free_len (values);
}

LaEntry *
la_entry_new (LDAP *ld, LDAPMessage *msg)
{
  char *dn = ldap_get_dn (ld, msg);
  if (dn == NULL || !g_utf8_validate (dn, -1, NULL) || *dn == '\0')
    {
      ldap_memfree (dn);
      return NULL;
    }
  LaEntry *e = g_new0 (LaEntry, 1);
  e->dn = g_strdup (dn);
  ldap_memfree (dn);
  e->attrs
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  BerElement *ber = NULL;
  for (char *a = ldap_first_attribute (ld, msg, &ber); a; a = ldap_next_attribute (ld, msg, ber))
    {
      if (g_utf8_validate (a, -1, NULL))
        read_attribute (e, ld, msg, a);
      ldap_memfree (a);
    }
  if (ber)
    ber_free (ber, 0);
  return e;
}

void
la_entry_free (gpointer entry)
{
  LaEntry *e = entry;
  if (e == NULL)
    return;
  g_free (e->dn);
  g_hash_table_unref (e->attrs);
  g_free (e);
}

GPtrArray *
la_entry_get_all (const LaEntry *e, const char *attr)
{
  g_autofree char *lower = g_ascii_strdown (attr, -1);
  GPtrArray *list = g_hash_table_lookup (e->attrs, lower);
  return list && list->len > 0 ? list : NULL;
}

const char *
la_entry_get (const LaEntry *e, const char *attr)
{
  GPtrArray *list = la_entry_get_all (e, attr);
  return list ? g_ptr_array_index (list, 0) : NULL;
}
