/* Fuzz target: a backup archive's manifest (plugins/backup/manifest.c),
 * untrusted input once an archive comes from elsewhere. What parses must
 * be safe to restore and must print back to text that parses the same. */
#include "backup-core.h"

#include "fuzz-log.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (OccBackupManifest) m = occ_backup_manifest_parse ((const char *) data, size, &e);
  if (!m)
    {
      g_assert (e != NULL && e->domain == OCC_BACKUP_ERROR);
      return 0;
    }
  for (guint i = 0; i < m->entries->len; i++)
    {
      const OccBackupEntry *en = g_ptr_array_index (m->entries, i);
      g_auto (GStrv) parts = g_strsplit (en->path, "/", -1);
      for (guint k = 0; parts[k]; k++)
        g_assert (*parts[k] && strcmp (parts[k], ".") != 0 && strcmp (parts[k], "..") != 0);
      g_assert (occ_backup_manifest_lookup (m, en->path) == en);
    }
  g_autofree char *text = occ_backup_manifest_to_string (m);
  g_autoptr (OccBackupManifest) again = occ_backup_manifest_parse (text, strlen (text), NULL);
  g_assert (again != NULL);
  g_autofree char *text2 = occ_backup_manifest_to_string (again);
  g_assert (strcmp (text, text2) == 0);
  return 0;
}
