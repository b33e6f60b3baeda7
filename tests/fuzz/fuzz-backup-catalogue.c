/* Fuzz target: the catalogue beside the archives
 * (plugins/backup/catalogue.c), which may come back from any target.
 * What parses must print back to text that parses the same. */
#include "backup-core.h"

#include "fuzz-log.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (GPtrArray) list = occ_backup_catalogue_parse ((const char *) data, size, &e);
  if (!list)
    {
      g_assert (e != NULL && e->domain == OCC_BACKUP_ERROR);
      return 0;
    }
  for (guint i = 0; i < list->len; i++)
    {
      const OccBackupCatalogueEntry *c = g_ptr_array_index (list, i);
      g_assert (!strchr (c->id, '/') && (c->kind == OCC_BACKUP_FULL) == (c->base_id == NULL));
    }
  g_autofree char *text = occ_backup_catalogue_to_string (list);
  g_autoptr (GPtrArray) again = occ_backup_catalogue_parse (text, strlen (text), NULL);
  g_assert (again != NULL && again->len == list->len);
  g_autofree char *text2 = occ_backup_catalogue_to_string (again);
  g_assert (strcmp (text, text2) == 0);
  return 0;
}
