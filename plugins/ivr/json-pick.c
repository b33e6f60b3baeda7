/* JSON paths of the HTTP node: "a.b[0].c" walked through a parsed answer
 * to one scalar, turned into the text a flow variable holds. */
#include "http.h"

#include <string.h>

G_DEFINE_QUARK (ivr - http - error - quark, ivr_http_error)

/* Indexes longer than this are refused: no answer we accept is that long. */
#define MAX_INDEX_DIGITS 9

typedef struct {
  const char *key; /* NULL for an index */
  gsize key_len;
  guint index;
} Step;

static gboolean
is_key_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '-';
}

/* Reads the step at *@p (after a ".", or "[N]"), advancing *@p. */
static gboolean
read_step (const char *path, const char **p, Step *step, GError **error)
{
  const char *s = *p;
  if (*s == '[')
    {
      const char *d = s + 1;
      guint64 n = 0;
      while (g_ascii_isdigit (*d) && d - s <= MAX_INDEX_DIGITS)
        n = n * 10 + (guint64) (*d++ - '0');
      if (d == s + 1 || *d != ']')
        {
          g_set_error (error, IVR_HTTP_ERROR, IVR_HTTP_ERROR_BAD_PATH,
                       "JSON path \"%s\": expected an index of up to %d digits and \"]\" at "
                       "offset %d",
                       path, MAX_INDEX_DIGITS, (int) (s - path));
          return FALSE;
        }
      *step = (Step){ .index = (guint) n };
      *p = d + 1;
      return TRUE;
    }
  const char *e = s;
  while (is_key_char (*e))
    e++;
  if (e == s)
    {
      g_set_error (error, IVR_HTTP_ERROR, IVR_HTTP_ERROR_BAD_PATH,
                   "JSON path \"%s\": expected a key of [A-Za-z0-9_-] at offset %d", path,
                   (int) (s - path));
      return FALSE;
    }
  *step = (Step){ .key = s, .key_len = (gsize) (e - s) };
  *p = e;
  return TRUE;
}

/* Takes @step from @node; NULL (MISSING, naming @done, the path so far)
 * if it is not there. */
static JsonNode *
take_step (JsonNode *node, const Step *step, const char *path, const char *done, GError **error)
{
  g_autofree char *prefix = g_strndup (path, (gsize) (done - path));
  const char *where = *prefix ? prefix : "the answer";
  if (step->key)
    {
      g_autofree char *key = g_strndup (step->key, step->key_len);
      if (JSON_NODE_HOLDS_OBJECT (node))
        {
          JsonObject *o = json_node_get_object (node);
          if (json_object_has_member (o, key))
            return json_object_get_member (o, key);
        }
      g_set_error (error, IVR_HTTP_ERROR, IVR_HTTP_ERROR_MISSING,
                   "JSON path \"%s\": %s has no key \"%s\"", path, where, key);
      return NULL;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      if (step->index < json_array_get_length (a))
        return json_array_get_element (a, step->index);
    }
  g_set_error (error, IVR_HTTP_ERROR, IVR_HTTP_ERROR_MISSING,
               "JSON path \"%s\": %s has no element [%u]", path, where, step->index);
  return NULL;
}

/* Walks @path through @root (NULL: checks the syntax only). */
static JsonNode *
walk (JsonNode *root, const char *path, GError **error)
{
  const char *p = path;
  JsonNode *node = root;
  if (*p == '\0')
    {
      g_set_error (error, IVR_HTTP_ERROR, IVR_HTTP_ERROR_BAD_PATH, "empty JSON path");
      return NULL;
    }
  while (TRUE)
    {
      const char *done = p;
      Step step;
      if (!read_step (path, &p, &step, error))
        return NULL;
      if (root && !(node = take_step (node, &step, path, done, error)))
        return NULL;
      if (*p == '\0')
        return root ? node : (JsonNode *) path; /* any non-NULL for a check */
      if (*p == '.' && p[1] != '[')
        p++;
      else if (*p != '[')
        {
          g_set_error (error, IVR_HTTP_ERROR, IVR_HTTP_ERROR_BAD_PATH,
                       "JSON path \"%s\": expected \".\" or \"[\" at offset %d", path,
                       (int) (p - path));
          return NULL;
        }
    }
}

gboolean
ivr_json_path_check (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  return walk (NULL, path, error) != NULL;
}

/* The shortest of %.15g, %.16g, %.17g that reads back as @d. */
static char *
format_double (double d)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  for (int digits = 15; digits <= 17; digits++)
    {
      char format[8];
      g_snprintf (format, sizeof format, "%%.%dg", digits);
      g_ascii_formatd (buf, sizeof buf, format, d);
      if (g_ascii_strtod (buf, NULL) == d)
        break;
    }
  return g_strdup (buf);
}

char *
ivr_json_pick (JsonNode *root, const char *path, GError **error)
{
  g_return_val_if_fail (root != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);
  /* the whole path's syntax first: a bad path is BAD_PATH whatever @root holds */
  JsonNode *node = walk (NULL, path, error) ? walk (root, path, error) : NULL;
  if (!node)
    return NULL;
  if (JSON_NODE_HOLDS_NULL (node))
    return g_strdup ("");
  if (!JSON_NODE_HOLDS_VALUE (node))
    {
      g_set_error (error, IVR_HTTP_ERROR, IVR_HTTP_ERROR_NOT_SCALAR,
                   "JSON path \"%s\" names an %s, not a single value", path,
                   JSON_NODE_HOLDS_OBJECT (node) ? "object" : "array");
      return NULL;
    }
  GType t = json_node_get_value_type (node);
  if (t == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  if (t == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  if (t == G_TYPE_BOOLEAN)
    return g_strdup (json_node_get_boolean (node) ? "true" : "false");
  return format_double (json_node_get_double (node));
}
