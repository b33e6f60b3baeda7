/* audit: rows of audit_entry, read with the store's SQL, as entries with
 * the same keys as the records service's audit_entry. */
#include "audit-private.h"

static const char *const column_names[] = {
  [AUDIT_COL_SEQ] = "seq",         [AUDIT_COL_ID] = "id",
  [AUDIT_COL_AT] = "at",           [AUDIT_COL_ACTOR] = "actor",
  [AUDIT_COL_ACTION] = "action",   [AUDIT_COL_TARGET] = "target",
  [AUDIT_COL_RESULT] = "result",   [AUDIT_COL_SOURCE] = "source",
  [AUDIT_COL_DETAILS] = "details", [AUDIT_COL_PREV_HASH] = "prev_hash",
  [AUDIT_COL_HASH] = "hash",
};

GVariant *
audit_row_to_entry (OccStoreResult *rows, guint row, JsonParser *parser)
{
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_autoptr (GString) damaged = g_string_new (NULL);
  for (guint col = 0; col < G_N_ELEMENTS (column_names); col++)
    {
      if (occ_store_result_is_null (rows, row, col))
        continue;
      const char *name = column_names[col];
      if (col == AUDIT_COL_SEQ || col == AUDIT_COL_AT)
        {
          g_variant_builder_add (&b, "{sv}", name,
                                 g_variant_new_int64 (occ_store_result_get_int (rows, row, col)));
          continue;
        }
      const char *text = occ_store_result_get_string (rows, row, col);
      if (text == NULL || !g_utf8_validate (text, -1, NULL))
        {
          /* not text, or not UTF-8: only an edited row holds that */
          g_string_append_printf (damaged, "%s%s", damaged->len ? ", " : "", name);
          continue;
        }
      if (col != AUDIT_COL_DETAILS)
        {
          g_variant_builder_add (&b, "{sv}", name, g_variant_new_string (text));
          continue;
        }
      g_autoptr (GError) e = NULL;
      GVariant *details = audit_json_to_vardict (parser, text, &e);
      if (details)
        g_variant_builder_add (&b, "{sv}", name, details);
      else
        g_variant_builder_add (&b, "{sv}", "details-error", g_variant_new_string (e->message));
    }
  if (damaged->len)
    g_variant_builder_add (&b, "{sv}", "damaged", g_variant_new_string (damaged->str));
  return g_variant_builder_end (&b);
}
