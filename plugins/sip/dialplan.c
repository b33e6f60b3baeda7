/* sip: the dial plan — which route a called number goes to. Pure code:
 * unit-tested and fuzzed without a stack. */
#include "dialplan.h"

#include <string.h>

void
sip_route_free (SipRoute *r)
{
  g_free (r->name);
  g_strfreev (r->patterns);
  g_strfreev (r->agents);
  g_free (r->queue);
  g_free (r->ivr);
  g_free (r);
}

gboolean
sip_number_is_valid (const char *number)
{
  if (number == NULL || *number == '\0' || strlen (number) > SIP_MAX_NUMBER)
    return FALSE;
  for (const char *c = number; *c; c++)
    if (!(g_ascii_isalnum (*c) || strchr ("+*#-._", *c)))
      return FALSE;
  return TRUE;
}

gboolean
sip_pattern_is_valid (const char *pattern)
{
  if (pattern == NULL || *pattern == '\0' || strlen (pattern) > SIP_MAX_NUMBER + 1)
    return FALSE;
  gsize len = strlen (pattern);
  if (strcmp (pattern, "*") == 0)
    return TRUE;
  g_autofree char *stem = g_strndup (pattern, pattern[len - 1] == '*' ? len - 1 : len);
  /* "*" only at the end, meaning "any digits follow" */
  return strchr (stem, '*') == NULL && sip_number_is_valid (stem);
}

/* How well @pattern matches @number: -1 not at all; else the length of
 * what it fixes (an exact match beats every prefix). */
static gssize
score (const char *pattern, const char *number)
{
  gsize len = strlen (pattern);
  if (len && pattern[len - 1] == '*')
    return strncmp (pattern, number, len - 1) == 0 ? (gssize) len - 1 : -1;
  return strcmp (pattern, number) == 0 ? (gssize) len + 1000 : -1;
}

const SipRoute *
sip_dialplan_match (GPtrArray *routes, const char *number)
{
  if (!sip_number_is_valid (number))
    return NULL;
  const SipRoute *best = NULL;
  gssize best_score = -1;
  for (guint i = 0; routes && i < routes->len; i++)
    {
      const SipRoute *r = g_ptr_array_index (routes, i);
      for (guint k = 0; r->patterns && r->patterns[k]; k++)
        {
          gssize s = score (r->patterns[k], number);
          if (s > best_score)
            {
              best_score = s;
              best = r;
            }
        }
    }
  return best;
}

char *
sip_number_from_user (const char *user)
{
  if (user == NULL)
    return NULL;
  /* tel-style visual separators are dropped: +225 20-00-00-00 */
  GString *s = g_string_new (NULL);
  for (const char *c = user; *c && s->len <= SIP_MAX_NUMBER; c++)
    if (*c != '-' && *c != '.' && *c != '(' && *c != ')' && *c != ' ')
      g_string_append_c (s, *c);
  if (!sip_number_is_valid (s->str))
    {
      g_string_free (s, TRUE);
      return NULL;
    }
  return g_string_free (s, FALSE);
}

char *
sip_display_name (const char *raw)
{
  if (raw == NULL)
    return NULL;
  g_autofree char *valid = g_utf8_make_valid (raw, -1);
  const char *c = valid;
  gsize len = strlen (valid);
  if (len >= 2 && valid[0] == '"' && valid[len - 1] == '"')
    {
      c++;
      len -= 2;
    }
  GString *s = g_string_new (NULL);
  glong chars = 0;
  for (const char *end = c + len; c < end && chars < SIP_MAX_DISPLAY; c = g_utf8_next_char (c))
    {
      gunichar u = g_utf8_get_char (c);
      if (u == '\\' && c + 1 < end)
        u = g_utf8_get_char (++c); /* a quoted-pair: the character itself */
      if (u == '"' || u == '\\' || g_unichar_iscntrl (u))
        continue;
      g_string_append_unichar (s, u);
      chars++;
    }
  g_strstrip (s->str);
  if (s->str[0] == '\0')
    {
      g_string_free (s, TRUE);
      return NULL;
    }
  return g_string_free (s, FALSE);
}

gboolean
sip_flow_name_is_valid (const char *name)
{
  if (name == NULL || *name == '\0' || strlen (name) > 64)
    return FALSE;
  for (const char *c = name; *c; c++)
    if (!(g_ascii_islower (*c) || g_ascii_isdigit (*c) || *c == '_' || *c == '-'))
      return FALSE;
  return TRUE;
}
