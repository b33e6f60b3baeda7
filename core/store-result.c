/* OccStoreResult: the rows a store backend hands back. Shared by every
 * backend so that consumers see one shape, whatever the database. */
#include <omnicc/store.h>

#include <string.h>

struct _OccStoreResult {
  gint ref;
  guint n_columns;
  char **names;
  GPtrArray *cells; /* n_rows * n_columns GVariant refs (NULL = SQL NULL) */
  gint64 changes;
};

static void
cell_unref (gpointer v)
{
  if (v)
    g_variant_unref (v);
}

OccStoreResult *
occ_store_result_new (guint n_columns, const char *const *names)
{
  OccStoreResult *r = g_new0 (OccStoreResult, 1);
  r->ref = 1;
  r->n_columns = n_columns;
  r->names = g_new0 (char *, n_columns + 1);
  for (guint i = 0; i < n_columns; i++)
    r->names[i] = g_strdup (names[i]);
  r->cells = g_ptr_array_new_with_free_func (cell_unref);
  return r;
}

OccStoreResult *
occ_store_result_ref (OccStoreResult *r)
{
  g_return_val_if_fail (r != NULL, NULL);
  g_atomic_int_inc (&r->ref);
  return r;
}

void
occ_store_result_unref (OccStoreResult *r)
{
  if (r == NULL || !g_atomic_int_dec_and_test (&r->ref))
    return;
  g_strfreev (r->names);
  g_ptr_array_unref (r->cells);
  g_free (r);
}

void
occ_store_result_add_row (OccStoreResult *r, GVariant **cells)
{
  g_return_if_fail (r != NULL);
  for (guint i = 0; i < r->n_columns; i++)
    g_ptr_array_add (r->cells, cells[i] ? g_variant_ref_sink (cells[i]) : NULL);
}

void
occ_store_result_set_changes (OccStoreResult *r, gint64 changes)
{
  r->changes = changes;
}

guint
occ_store_result_get_n_rows (OccStoreResult *r)
{
  g_return_val_if_fail (r != NULL, 0);
  return r->n_columns ? r->cells->len / r->n_columns : 0;
}

guint
occ_store_result_get_n_columns (OccStoreResult *r)
{
  g_return_val_if_fail (r != NULL, 0);
  return r->n_columns;
}

const char *
occ_store_result_get_column_name (OccStoreResult *r, guint column)
{
  g_return_val_if_fail (r != NULL, NULL);
  return column < r->n_columns ? r->names[column] : NULL;
}

int
occ_store_result_find_column (OccStoreResult *r, const char *name)
{
  g_return_val_if_fail (r != NULL && name != NULL, -1);
  for (guint i = 0; i < r->n_columns; i++)
    if (strcmp (r->names[i], name) == 0)
      return (int) i;
  return -1;
}

GVariant *
occ_store_result_get (OccStoreResult *r, guint row, guint column)
{
  g_return_val_if_fail (r != NULL, NULL);
  g_return_val_if_fail (column < r->n_columns && row < occ_store_result_get_n_rows (r), NULL);
  return g_ptr_array_index (r->cells, row * r->n_columns + column);
}

const char *
occ_store_result_get_string (OccStoreResult *r, guint row, guint column)
{
  GVariant *v = occ_store_result_get (r, row, column);
  return v && g_variant_is_of_type (v, G_VARIANT_TYPE_STRING) ? g_variant_get_string (v, NULL)
                                                              : NULL;
}

gint64
occ_store_result_get_int (OccStoreResult *r, guint row, guint column)
{
  GVariant *v = occ_store_result_get (r, row, column);
  if (v == NULL)
    return 0;
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
    return g_variant_get_int64 (v);
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE))
    return (gint64) g_variant_get_double (v);
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
    return g_variant_get_boolean (v);
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
    return g_ascii_strtoll (g_variant_get_string (v, NULL), NULL, 10);
  return 0;
}

double
occ_store_result_get_double (OccStoreResult *r, guint row, guint column)
{
  GVariant *v = occ_store_result_get (r, row, column);
  if (v && g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE))
    return g_variant_get_double (v);
  if (v && g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
    return g_ascii_strtod (g_variant_get_string (v, NULL), NULL);
  return (double) occ_store_result_get_int (r, row, column);
}

gboolean
occ_store_result_is_null (OccStoreResult *r, guint row, guint column)
{
  return occ_store_result_get (r, row, column) == NULL;
}

gint64
occ_store_result_get_changes (OccStoreResult *r)
{
  g_return_val_if_fail (r != NULL, 0);
  return r->changes;
}

GVariant *
occ_store_result_row_to_vardict (OccStoreResult *r, guint row)
{
  g_return_val_if_fail (r != NULL && row < occ_store_result_get_n_rows (r), NULL);
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  for (guint c = 0; c < r->n_columns; c++)
    {
      GVariant *v = g_ptr_array_index (r->cells, row * r->n_columns + c);
      if (v)
        g_variant_builder_add (&b, "{sv}", r->names[c], v);
    }
  return g_variant_builder_end (&b);
}
