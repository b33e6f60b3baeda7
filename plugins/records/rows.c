/* records: what the store hands back, as records. Columns are matched to
 * fields by name, so the order of a SELECT does not matter. */
#include "fields.h"

#include <string.h>

/* One cell as the field's value (floating or full), or NULL to leave it out. */
static GVariant *
cell_value (const RecEntity *e, const RecField *f, OccStoreResult *rows, guint row, guint col)
{
  if (occ_store_result_is_null (rows, row, col))
    return NULL;
  switch (f->kind)
    {
    case REC_KIND_INT:
    case REC_KIND_TIME:
      return g_variant_new_int64 (occ_store_result_get_int (rows, row, col));
    case REC_KIND_BOOL:
      return g_variant_new_boolean (occ_store_result_get_int (rows, row, col) != 0);
    case REC_KIND_JSON:
    case REC_KIND_PHONES:
      {
        const char *text = occ_store_result_get_string (rows, row, col);
        g_autoptr (GError) error = NULL;
        const GVariantType *type
            = f->kind == REC_KIND_JSON ? G_VARIANT_TYPE_VARDICT : G_VARIANT_TYPE_STRING_ARRAY;
        GVariant *v = rec_json_decode (text, type, &error);
        if (v == NULL)
          {
            /* written by something else than this plugin: say so, keep going */
            g_warning ("%s.%s: the stored value is left out: %s", e->name, f->name, error->message);
            return NULL;
          }
        return v; /* full; the builder takes it */
      }
    default:
      {
        const char *text = occ_store_result_get_string (rows, row, col);
        return text ? g_variant_new_string (text) : NULL;
      }
    }
}

/* @phones' numbers grouped by owner (owner -> GPtrArray of numbers). */
static GHashTable *
group_phones (OccStoreResult *phones)
{
  GHashTable *by_owner
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_ptr_array_unref);
  if (phones == NULL)
    return by_owner;
  guint n = occ_store_result_get_n_rows (phones);
  for (guint i = 0; i < n; i++)
    {
      const char *owner = occ_store_result_get_string (phones, i, 0);
      const char *number = occ_store_result_get_string (phones, i, 1);
      if (owner == NULL || number == NULL)
        continue;
      GPtrArray *list = g_hash_table_lookup (by_owner, owner);
      if (list == NULL)
        {
          list = g_ptr_array_new ();
          g_hash_table_insert (by_owner, (gpointer) owner, list);
        }
      g_ptr_array_add (list, (gpointer) number);
    }
  return by_owner;
}

GVariant *
rec_rows_to_records (const RecEntity *e, OccStoreResult *rows, OccStoreResult *phones)
{
  g_autoptr (GHashTable) by_owner = group_phones (phones);
  const RecField *side = rec_entity_side_field (e);
  guint n_cols = occ_store_result_get_n_columns (rows);
  const RecField **fields = g_newa (const RecField *, n_cols + 1);
  for (guint c = 0; c < n_cols; c++)
    fields[c] = rec_entity_field (e, occ_store_result_get_column_name (rows, c));
  GVariantBuilder list;
  g_variant_builder_init (&list, G_VARIANT_TYPE ("aa{sv}"));
  guint n = occ_store_result_get_n_rows (rows);
  for (guint r = 0; r < n; r++)
    {
      GVariantBuilder b;
      g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
      const char *id = NULL;
      for (guint c = 0; c < n_cols; c++)
        {
          if (fields[c] == NULL)
            continue;
          g_autoptr (GVariant) v = cell_value (e, fields[c], rows, r, c);
          if (v == NULL)
            continue;
          g_variant_take_ref (v);
          if (fields[c]->flags & REC_FIELD_KEY)
            id = occ_store_result_get_string (rows, r, c);
          g_variant_builder_add (&b, "{sv}", fields[c]->name, v);
        }
      if (side && phones)
        {
          GPtrArray *numbers = id ? g_hash_table_lookup (by_owner, id) : NULL;
          g_variant_builder_add (
              &b, "{sv}", side->name,
              g_variant_new_strv (numbers ? (const char *const *) numbers->pdata : NULL,
                                  numbers ? (gssize) numbers->len : 0));
        }
      g_variant_builder_add_value (&list, g_variant_builder_end (&b));
    }
  return g_variant_builder_end (&list);
}
