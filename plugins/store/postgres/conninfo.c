/* The connection string: checking it, what libpq is given, and keeping
 * its password out of every message, log line and command line. */
#include "pgstore.h"

#include <string.h>

static gboolean
word_char (char c)
{
  return g_ascii_isalnum (c) || c == '_';
}

/* At "password = value": the end of the value. */
static const char *
skip_password_value (const char *q)
{
  while (*q == ' ' || *q == '\t')
    q++;
  if (*q != '\'')
    {
      while (*q && !g_ascii_isspace (*q))
        q++;
      return q;
    }
  for (q++; *q && *q != '\''; q++)
    if (*q == '\\' && q[1])
      q++;
  return *q ? q + 1 : q;
}

char *
pg_redact (const char *text)
{
  if (text == NULL)
    return NULL;
  GString *out = g_string_sized_new (strlen (text));
  const char *p = text;
  while (*p)
    {
      if (g_ascii_strncasecmp (p, "password", 8) == 0 && (p == text || !word_char (p[-1])))
        {
          const char *q = p + 8;
          while (*q == ' ' || *q == '\t')
            q++;
          if (*q == '=')
            {
              g_string_append (out, "password=***");
              p = skip_password_value (q + 1);
              continue;
            }
        }
      if (p[0] == ':' && p[1] == '/' && p[2] == '/')
        {
          /* postgresql://user:secret@host/db */
          g_string_append (out, "://");
          p += 3;
          const char *end = p + strcspn (p, "/?# \t\n");
          const char *at = NULL;
          for (const char *q = p; q < end; q++)
            if (*q == '@')
              at = q;
          const char *colon = at ? memchr (p, ':', (size_t) (at - p)) : NULL;
          if (colon)
            {
              g_string_append_len (out, p, colon - p + 1);
              g_string_append (out, "***");
              p = at;
            }
          continue;
        }
      g_string_append_c (out, *p++);
    }
  return g_string_free (out, FALSE);
}

gboolean
pg_conninfo_check (const char *dsn, char **display, GError **error)
{
  char *msg = NULL;
  PQconninfoOption *opts = PQconninfoParse (dsn, &msg);
  if (opts == NULL)
    {
      /* libpq quotes the part it did not understand, which may be the
       * password itself: only repeat it when there is no password */
      gboolean secret = strstr (dsn, "password") != NULL || strstr (dsn, "@") != NULL;
      g_autofree char *why = msg && !secret ? g_strstrip (g_strdup (msg)) : NULL;
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[postgres] dsn: not a valid libpq connection string%s%s", why ? ": " : "",
                   why ? why : "");
      PQfreemem (msg);
      return FALSE;
    }
  static const char *const shown[] = { "host", "hostaddr", "port", "dbname", "user", NULL };
  GString *s = g_string_new (NULL);
  for (PQconninfoOption *o = opts; o->keyword; o++)
    if (o->val && *o->val && g_strv_contains (shown, o->keyword))
      g_string_append_printf (s, "%s%s=%s", s->len ? " " : "", o->keyword, o->val);
  if (s->len == 0)
    g_string_append (s, "(libpq defaults)");
  *display = g_string_free (s, FALSE);
  PQconninfoFree (opts);
  return TRUE;
}

void
pg_conninfo_params (const char *dsn, char ***keywords, char ***values)
{
  /* With expand_dbname, "dbname" is read as the whole connection string
   * and the keywords after it override it: the client encoding must be
   * UTF-8 (GVariant strings are), the application name is only a
   * fallback. */
  const char *k[] = { "dbname", "client_encoding", "fallback_application_name", NULL };
  const char *v[] = { dsn, "UTF8", "omniccd", NULL };
  *keywords = g_strdupv ((char **) k);
  *values = g_strdupv ((char **) v);
}

char *
pg_conninfo_without_password (const char *dsn, char **password)
{
  *password = NULL;
  PQconninfoOption *opts = PQconninfoParse (dsn, NULL);
  if (opts == NULL)
    return g_strdup (dsn);
  GString *s = g_string_new (NULL);
  for (PQconninfoOption *o = opts; o->keyword; o++)
    {
      if (o->val == NULL || *o->val == '\0')
        continue;
      if (strcmp (o->keyword, "password") == 0)
        {
          g_free (*password);
          *password = g_strdup (o->val);
          continue;
        }
      g_string_append_printf (s, "%s%s='", s->len ? " " : "", o->keyword);
      for (const char *c = o->val; *c; c++)
        {
          if (*c == '\'' || *c == '\\')
            g_string_append_c (s, '\\');
          g_string_append_c (s, *c);
        }
      g_string_append_c (s, '\'');
    }
  PQconninfoFree (opts);
  return g_string_free (s, FALSE);
}
