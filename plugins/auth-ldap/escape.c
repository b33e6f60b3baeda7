/* Escaping what a user typed before it goes into an LDAP filter (RFC 4515)
 * or a DN (RFC 4514), and checking what callers and the configuration
 * give us. A login is never pasted into a filter or a DN unescaped: that
 * is what LDAP injection (`*`, `)(uid=*`) exploits. */
#include "ldapauth.h"

#include <string.h>

static const char hex[] = "0123456789abcdef";

static void
append_hex (GString *s, guchar c)
{
  g_string_append_c (s, '\\');
  g_string_append_c (s, hex[c >> 4]);
  g_string_append_c (s, hex[c & 0xf]);
}

char *
la_escape_filter (const char *value, gsize len)
{
  GString *s = g_string_sized_new (len + 8);
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) value[i];
      /* RFC 4515 requires the first five; any octet may be escaped, and
       * escaping everything outside printable ASCII keeps the filter
       * plain ASCII whatever the server's parser makes of UTF-8. */
      if (c == '*' || c == '(' || c == ')' || c == '\\' || c == '\0' || c < 0x20 || c >= 0x7f)
        append_hex (s, c);
      else
        g_string_append_c (s, (char) c);
    }
  return g_string_free (s, FALSE);
}

char *
la_escape_dn (const char *value, gsize len)
{
  GString *s = g_string_sized_new (len + 8);
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) value[i];
      gboolean first = i == 0, last = i + 1 == len;
      if (c == '\0' || c < 0x20 || c == 0x7f)
        append_hex (s, c);
      else if (strchr ("\"+,;<>\\=", c) != NULL || (first && (c == '#' || c == ' '))
               || (last && c == ' '))
        {
          /* RFC 4514 section 2.4; '=' is optional there, escaped anyway */
          g_string_append_c (s, '\\');
          g_string_append_c (s, (char) c);
        }
      else
        g_string_append_c (s, (char) c); /* UTF-8 is allowed as it is */
    }
  return g_string_free (s, FALSE);
}

char *
la_expand (const char *tmpl, const char *value)
{
  GString *s = g_string_new (NULL);
  for (const char *p = tmpl; *p; p++)
    {
      if (p[0] == '%' && p[1] == 's')
        {
          g_string_append (s, value);
          p++;
        }
      else if (p[0] == '%' && p[1] == '%')
        {
          g_string_append_c (s, '%');
          p++;
        }
      else
        g_string_append_c (s, *p);
    }
  return g_string_free (s, FALSE);
}

gboolean
la_check_template (const char *key, const char *tmpl, GError **error)
{
  guint n = 0;
  for (const char *p = tmpl; *p; p++)
    {
      if (*p != '%')
        continue;
      if (p[1] == 's')
        n++;
      else if (p[1] != '%')
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       "[ldap] %s: “%%%.1s” is not allowed; use %%s for the login and %%%% for a "
                       "per cent sign",
                       key, p[1] ? p + 1 : "");
          return FALSE;
        }
      p++;
    }
  if (n == 0)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[ldap] %s: must contain %%s where the login goes", key);
      return FALSE;
    }
  return TRUE;
}

gboolean
la_check_filter (const char *filter)
{
  gsize len = strlen (filter);
  if (len < 3 || filter[0] != '(' || filter[len - 1] != ')')
    return FALSE;
  int depth = 0;
  for (gsize i = 0; i < len; i++)
    {
      if (filter[i] == '\\')
        {
          i++; /* an escaped character, not a parenthesis */
          continue;
        }
      if (filter[i] == '(')
        depth++;
      else if (filter[i] == ')' && --depth < 0)
        return FALSE;
      /* the outer parentheses close only at the end */
      if (depth == 0 && i + 1 < len)
        return FALSE;
    }
  return depth == 0;
}

gboolean
la_check_input (const char *what, const char *value, GError **error)
{
  if (value == NULL || *value == '\0')
    {
      g_set_error (error, OCC_AUTH_ERROR, OCC_AUTH_ERROR_INVALID, "the %s is empty", what);
      return FALSE;
    }
  gsize len = strlen (value);
  if (len > LA_INPUT_MAX)
    {
      g_set_error (error, OCC_AUTH_ERROR, OCC_AUTH_ERROR_INVALID,
                   "the %s is too long (%" G_GSIZE_FORMAT " bytes; at most %d)", what, len,
                   LA_INPUT_MAX);
      return FALSE;
    }
  if (!g_utf8_validate (value, (gssize) len, NULL))
    {
      g_set_error (error, OCC_AUTH_ERROR, OCC_AUTH_ERROR_INVALID, "the %s is not valid UTF-8",
                   what);
      return FALSE;
    }
  return TRUE;
}

char *
la_dn_key (const char *dn)
{
  char *norm = NULL;
  char *key;
  if (ldap_dn_normalize (dn, LDAP_DN_FORMAT_LDAPV3, &norm, LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS
      && norm != NULL)
    key = g_utf8_casefold (norm, -1);
  else
    key = g_utf8_casefold (dn, -1);
  ldap_memfree (norm);
  return key;
}

char *
la_dn_first_value (const char *dn)
{
  LDAPDN parsed = NULL;
  char *value = NULL;
  if (ldap_str2dn (dn, &parsed, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS || parsed == NULL)
    return NULL;
  if (parsed[0] != NULL && parsed[0][0] != NULL)
    {
      struct berval *v = &parsed[0][0]->la_value;
      if (g_utf8_validate (v->bv_val, (gssize) v->bv_len, NULL)
          && memchr (v->bv_val, 0, v->bv_len) == NULL)
        value = g_strndup (v->bv_val, v->bv_len);
    }
  ldap_dnfree (parsed);
  return value;
}
