/* store-sqlite: statement parameters. Checked on the main thread when the
 * call is made, so that a bad one is refused before anything runs; bound
 * on the worker, where the checks already passed. */
#include "sqlite-store.h"

#include <string.h>

/* The one-letter types a parameter may have; a maybe of them is NULL when
 * empty. 'h' is an integer to GVariant, so it is stored as one. */
static gboolean
is_scalar_type (const GVariantType *type)
{
  static const char allowed[] = "bynqiuxthds";
  const char *s = g_variant_type_peek_string (type);
  return g_variant_type_get_string_length (type) == 1 && strchr (allowed, s[0]) != NULL;
}

static gboolean
is_allowed_type (const GVariantType *type)
{
  if (g_variant_type_equal (type, G_VARIANT_TYPE_BYTESTRING))
    return TRUE;
  if (g_variant_type_is_maybe (type))
    {
      const GVariantType *inner = g_variant_type_element (type);
      return is_scalar_type (inner) || g_variant_type_equal (inner, G_VARIANT_TYPE_BYTESTRING);
    }
  return is_scalar_type (type);
}

gboolean
sq_params_check (GVariant *params, guint n_placeholders, GError **error)
{
  guint n = 0;
  if (params != NULL)
    {
      if (!g_variant_is_of_type (params, G_VARIANT_TYPE_TUPLE))
        {
          g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID,
                       "parameters must be a tuple, not “%s”", g_variant_get_type_string (params));
          return FALSE;
        }
      n = (guint) g_variant_n_children (params);
    }
  if (n != n_placeholders)
    {
      g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID,
                   "%u parameter%s given for %u placeholder%s", n, n == 1 ? "" : "s",
                   n_placeholders, n_placeholders == 1 ? "" : "s");
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GVariant) v = g_variant_get_child_value (params, i);
      const GVariantType *type = g_variant_get_type (v);
      if (!is_allowed_type (type))
        {
          g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID,
                       "parameter $%u has type “%s”: allowed are s, integers, d, b, ay and maybes "
                       "of them",
                       i + 1, g_variant_get_type_string (v));
          return FALSE;
        }
      g_autoptr (GVariant) inner
          = g_variant_is_of_type (v, G_VARIANT_TYPE ("mt")) ? g_variant_get_maybe (v) : NULL;
      GVariant *number = inner ? inner : v;
      if (g_variant_is_of_type (number, G_VARIANT_TYPE_UINT64)
          && g_variant_get_uint64 (number) > G_MAXINT64)
        {
          g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID,
                       "parameter $%u: %" G_GUINT64_FORMAT " does not fit a 64-bit signed integer",
                       i + 1, g_variant_get_uint64 (number));
          return FALSE;
        }
    }
  return TRUE;
}

static int
bind_one (sqlite3_stmt *stmt, int index, GVariant *v)
{
  switch (g_variant_classify (v))
    {
    case G_VARIANT_CLASS_MAYBE:
      {
        g_autoptr (GVariant) inner = g_variant_get_maybe (v);
        return inner ? bind_one (stmt, index, inner) : sqlite3_bind_null (stmt, index);
      }
    case G_VARIANT_CLASS_STRING:
      {
        gsize len = 0;
        /* STATIC: the job keeps the parameters until the statement is reset */
        const char *s = g_variant_get_string (v, &len);
        return sqlite3_bind_text64 (stmt, index, s, len, SQLITE_STATIC, SQLITE_UTF8);
      }
    case G_VARIANT_CLASS_BOOLEAN:
      return sqlite3_bind_int (stmt, index, g_variant_get_boolean (v) ? 1 : 0);
    case G_VARIANT_CLASS_BYTE:
      return sqlite3_bind_int64 (stmt, index, g_variant_get_byte (v));
    case G_VARIANT_CLASS_INT16:
      return sqlite3_bind_int64 (stmt, index, g_variant_get_int16 (v));
    case G_VARIANT_CLASS_UINT16:
      return sqlite3_bind_int64 (stmt, index, g_variant_get_uint16 (v));
    case G_VARIANT_CLASS_INT32:
      return sqlite3_bind_int64 (stmt, index, g_variant_get_int32 (v));
    case G_VARIANT_CLASS_HANDLE:
      return sqlite3_bind_int64 (stmt, index, g_variant_get_handle (v));
    case G_VARIANT_CLASS_UINT32:
      return sqlite3_bind_int64 (stmt, index, g_variant_get_uint32 (v));
    case G_VARIANT_CLASS_INT64:
      return sqlite3_bind_int64 (stmt, index, g_variant_get_int64 (v));
    case G_VARIANT_CLASS_UINT64:
      return sqlite3_bind_int64 (stmt, index, (sqlite3_int64) g_variant_get_uint64 (v));
    case G_VARIANT_CLASS_DOUBLE:
      return sqlite3_bind_double (stmt, index, g_variant_get_double (v));
    case G_VARIANT_CLASS_ARRAY:
      {
        gsize len = 0;
        const void *data = g_variant_get_fixed_array (v, &len, 1);
        /* a NULL pointer would bind SQL NULL, not an empty blob */
        return len == 0 ? sqlite3_bind_zeroblob (stmt, index, 0)
                        : sqlite3_bind_blob64 (stmt, index, data, len, SQLITE_STATIC);
      }
    default:
      return SQLITE_MISMATCH; /* refused by sq_params_check() already */
    }
}

int
sq_params_bind (sqlite3_stmt *stmt, GVariant *params)
{
  if (params == NULL)
    return SQLITE_OK;
  gsize n = g_variant_n_children (params);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr (GVariant) v = g_variant_get_child_value (params, i);
      int rc = bind_one (stmt, (int) i + 1, v);
      if (rc != SQLITE_OK)
        return rc;
    }
  return SQLITE_OK;
}
