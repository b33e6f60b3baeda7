/* Statement parameters: checked before anything is sent, converted to the
 * form libpq sends. Text format with an explicit type for numbers and text
 * (so that a prepared statement's parameter types do not depend on what
 * the server would guess), binary format for blobs. */
#include "pgstore.h"

#include <math.h>
#include <string.h>

static gboolean
ident_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || (guchar) c >= 0x80;
}

/* Skips a '…' literal starting at @p (E'…' when @escapes); returns what
 * follows it. */
static const char *
skip_literal (const char *p, gboolean escapes)
{
  for (p++; *p; p++)
    {
      if (escapes && *p == '\\' && p[1])
        p++;
      else if (*p == '\'' && p[1] == '\'')
        p++;
      else if (*p == '\'')
        return p + 1;
    }
  return p;
}

static const char *
skip_quoted_name (const char *p)
{
  for (p++; *p; p++)
    {
      if (*p == '"' && p[1] == '"')
        p++;
      else if (*p == '"')
        return p + 1;
    }
  return p;
}

static const char *
skip_block_comment (const char *p)
{
  int depth = 1;
  p += 2;
  while (*p && depth > 0)
    {
      if (p[0] == '/' && p[1] == '*')
        depth++, p += 2;
      else if (p[0] == '*' && p[1] == '/')
        depth--, p += 2;
      else
        p++;
    }
  return p;
}

/* At a '$' that does not follow a name: a $tag$…$tag$ string, or NULL if
 * it is not one. */
static const char *
skip_dollar_quote (const char *p)
{
  const char *q = p + 1;
  while (*q && (g_ascii_isalnum (*q) || *q == '_' || (guchar) *q >= 0x80))
    q++;
  if (*q != '$')
    return NULL;
  g_autofree char *tag = g_strndup (p, (gsize) (q - p) + 1);
  const char *end = strstr (q + 1, tag);
  return end ? end + strlen (tag) : q + strlen (q);
}

int
pg_sql_max_placeholder (const char *sql)
{
  int max = 0;
  const char *p = sql;
  while (*p)
    {
      gboolean after_name = p > sql && ident_char (p[-1]);
      if (*p == '\'')
        {
          gboolean e
              = p > sql && (p[-1] == 'E' || p[-1] == 'e') && (p - 1 == sql || !ident_char (p[-2]));
          p = skip_literal (p, e);
        }
      else if (*p == '"')
        p = skip_quoted_name (p);
      else if (p[0] == '-' && p[1] == '-')
        p += strcspn (p, "\n");
      else if (p[0] == '/' && p[1] == '*')
        p = skip_block_comment (p);
      else if (*p == '$' && !after_name && g_ascii_isdigit (p[1]))
        {
          int n = 0;
          for (p++; g_ascii_isdigit (*p); p++)
            n = MIN (n * 10 + (*p - '0'), 1000000);
          max = MAX (max, n);
        }
      else if (*p == '$' && !after_name && !g_ascii_isdigit (p[1]))
        {
          const char *end = skip_dollar_quote (p);
          p = end ? end : p + 1;
        }
      else
        p++;
    }
  return max;
}

static gboolean
set_integer (PgParams *p, int i, GVariant *v, guint index, GError **error)
{
  gint64 n = 0;
  switch (g_variant_classify (v))
    {
    case G_VARIANT_CLASS_BOOLEAN:
      n = g_variant_get_boolean (v) ? 1 : 0;
      break;
    case G_VARIANT_CLASS_BYTE:
      n = g_variant_get_byte (v);
      break;
    case G_VARIANT_CLASS_INT16:
      n = g_variant_get_int16 (v);
      break;
    case G_VARIANT_CLASS_UINT16:
      n = g_variant_get_uint16 (v);
      break;
    case G_VARIANT_CLASS_INT32:
      n = g_variant_get_int32 (v);
      break;
    case G_VARIANT_CLASS_UINT32:
      n = g_variant_get_uint32 (v);
      break;
    case G_VARIANT_CLASS_INT64:
      n = g_variant_get_int64 (v);
      break;
    case G_VARIANT_CLASS_UINT64:
      if (g_variant_get_uint64 (v) > G_MAXINT64)
        {
          g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID,
                       "statement[%u] parameter $%d: %" G_GUINT64_FORMAT
                       " does not fit in a BIGINT",
                       index, i + 1, g_variant_get_uint64 (v));
          return FALSE;
        }
      n = (gint64) g_variant_get_uint64 (v);
      break;
    default:
      g_assert_not_reached ();
    }
  char *text = g_strdup_printf ("%" G_GINT64_FORMAT, n);
  g_ptr_array_add (p->storage, text);
  p->values[i] = text;
  return TRUE;
}

static void
set_double (PgParams *p, int i, double d)
{
  char *text;
  if (isnan (d))
    text = g_strdup ("NaN");
  else if (isinf (d))
    text = g_strdup (d > 0 ? "Infinity" : "-Infinity");
  else
    {
      text = g_malloc (G_ASCII_DTOSTR_BUF_SIZE);
      g_ascii_dtostr (text, G_ASCII_DTOSTR_BUF_SIZE, d);
    }
  g_ptr_array_add (p->storage, text);
  p->values[i] = text;
}

/* The type and signature letter of a parameter of type @t ("s", "x",
 * "ay"…); FALSE for a type we do not send. */
static gboolean
type_of (const GVariantType *t, Oid *oid, char *letter)
{
  const char *s = (const char *) t;
  switch (s[0])
    {
    case 'b':
    case 'y':
    case 'n':
    case 'q':
    case 'i':
    case 'u':
    case 'x':
    case 't':
      *oid = PG_OID_INT8, *letter = 'x';
      return TRUE;
    case 'd':
      *oid = PG_OID_FLOAT8, *letter = 'd';
      return TRUE;
    case 's':
      *oid = PG_OID_TEXT, *letter = 's';
      return TRUE;
    case 'a':
      if (s[1] != 'y')
        return FALSE;
      *oid = PG_OID_BYTEA, *letter = 'a';
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
set_value (PgParams *p, int i, GVariant *v, guint index, GError **error)
{
  const GVariantType *t = g_variant_get_type (v);
  gboolean maybe = g_variant_type_is_maybe (t);
  const GVariantType *inner = maybe ? g_variant_type_element (t) : t;
  if (!type_of (inner, &p->types[i], &p->signature[i]))
    {
      g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID,
                   "statement[%u] parameter $%d: type “%s” is not one of s, x (or another "
                   "integer), d, b, ay or a maybe of those",
                   index, i + 1, g_variant_get_type_string (v));
      return FALSE;
    }
  g_autoptr (GVariant) value = NULL;
  if (maybe)
    {
      value = g_variant_get_maybe (v);
      if (value == NULL)
        {
          p->values[i] = NULL; /* SQL NULL, typed by the maybe */
          p->formats[i] = p->types[i] == PG_OID_BYTEA;
          return TRUE;
        }
    }
  else
    value = g_variant_ref (v);

  switch (p->types[i])
    {
    case PG_OID_INT8:
      return set_integer (p, i, value, index, error);
    case PG_OID_FLOAT8:
      set_double (p, i, g_variant_get_double (value));
      return TRUE;
    case PG_OID_TEXT:
      {
        gsize len = 0;
        const char *s = g_variant_get_string (value, &len);
        if (!g_utf8_validate (s, (gssize) len, NULL))
          {
            g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID,
                         "statement[%u] parameter $%d: the text is not valid UTF-8", index, i + 1);
            return FALSE;
          }
        p->values[i] = (char *) s;
        g_ptr_array_add (p->keep, g_steal_pointer (&value)); /* keeps s alive */
        return TRUE;
      }
    case PG_OID_BYTEA:
      {
        gsize len = 0;
        const guint8 *data = g_variant_get_fixed_array (value, &len, 1);
        if (len > G_MAXINT)
          {
            g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID,
                         "statement[%u] parameter $%d: a blob of %" G_GSIZE_FORMAT
                         " bytes is too large",
                         index, i + 1, len);
            return FALSE;
          }
        /* libpq wants a pointer even for an empty blob */
        p->values[i] = len ? (char *) data : (char *) "";
        p->lengths[i] = (int) len;
        p->formats[i] = 1;
        g_ptr_array_add (p->keep, g_steal_pointer (&value));
        return TRUE;
      }
    default:
      g_assert_not_reached ();
    }
}

gboolean
pg_params_build (PgParams *p, const char *sql, GVariant *params, guint index, GError **error)
{
  memset (p, 0, sizeof *p);
  int want = pg_sql_max_placeholder (sql);
  if (params && !g_variant_is_of_type (params, G_VARIANT_TYPE_TUPLE))
    {
      g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID,
                   "statement[%u]: parameters must be a tuple, not “%s”", index,
                   g_variant_get_type_string (params));
      return FALSE;
    }
  int have = params ? (int) g_variant_n_children (params) : 0;
  if (have != want)
    {
      g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID,
                   "statement[%u]: %d parameter%s given, but the SQL uses %d ($1..$%d)", index,
                   have, have == 1 ? "" : "s", want, want);
      return FALSE;
    }
  p->n = have;
  p->types = g_new0 (Oid, MAX (have, 1));
  p->values = g_new0 (char *, MAX (have, 1));
  p->lengths = g_new0 (int, MAX (have, 1));
  p->formats = g_new0 (int, MAX (have, 1));
  p->signature = g_new0 (char, have + 1);
  p->storage = g_ptr_array_new_with_free_func (g_free);
  p->keep = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  for (int i = 0; i < have; i++)
    {
      g_autoptr (GVariant) v = g_variant_get_child_value (params, (gsize) i);
      if (!set_value (p, i, v, index, error))
        {
          pg_params_clear (p);
          return FALSE;
        }
    }
  return TRUE;
}

void
pg_params_clear (PgParams *p)
{
  g_clear_pointer (&p->types, g_free);
  g_clear_pointer (&p->values, g_free);
  g_clear_pointer (&p->lengths, g_free);
  g_clear_pointer (&p->formats, g_free);
  g_clear_pointer (&p->signature, g_free);
  g_clear_pointer (&p->storage, g_ptr_array_unref);
  g_clear_pointer (&p->keep, g_ptr_array_unref);
  p->n = 0;
}
