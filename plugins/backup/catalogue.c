/* The catalogue beside the archives: one line per archive. */
#include "text.h"

#include <errno.h>
#include <string.h>

#define CATALOGUE_MAGIC "omnicc-backup-catalogue 1"

void
occ_backup_catalogue_entry_free (OccBackupCatalogueEntry *e)
{
  if (!e)
    return;
  g_free (e->id);
  g_free (e->base_id);
  g_free (e);
}

/* Ids are file names: letters, digits, "-", "_", "." after a letter or digit. */
static gboolean
id_is_safe (const char *id)
{
  if (!g_ascii_isalnum (*id) || strlen (id) > 64)
    return FALSE;
  for (const char *p = id; *p; p++)
    if (!g_ascii_isalnum (*p) && !strchr ("-_.", *p))
      return FALSE;
  return TRUE;
}

static OccBackupCatalogueEntry *
parse_line (const char *line, GError **error)
{
  g_auto (GStrv) f = g_strsplit (line, " ", 9);
  guint64 size = 0;
  g_autoptr (GError) e = NULL;
  OccBackupCatalogueEntry *c = g_new0 (OccBackupCatalogueEntry, 1);
  gboolean ok = g_strv_length (f) == 7 && strcmp (f[0], "archive") == 0 && id_is_safe (f[1])
                && (strcmp (f[2], "full") == 0 || strcmp (f[2], "differential") == 0)
                && g_ascii_string_to_signed (f[4], 10, 0, G_MAXINT64, &c->created, NULL)
                && g_ascii_string_to_unsigned (f[5], 10, 0, G_MAXINT64, &size, NULL)
                && occ_backup_parse_hex32 (f[6], c->sha256);
  if (ok)
    {
      c->id = g_strdup (f[1]);
      c->kind = f[2][0] == 'f' ? OCC_BACKUP_FULL : OCC_BACKUP_DIFFERENTIAL;
      c->size = size;
      if (c->kind == OCC_BACKUP_DIFFERENTIAL)
        ok = id_is_safe (f[3]) && (c->base_id = g_strdup (f[3]));
      else
        ok = strcmp (f[3], "-") == 0;
    }
  if (!ok)
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_PARSE, "malformed archive line");
      occ_backup_catalogue_entry_free (c);
      return NULL;
    }
  return c;
}

GPtrArray *
occ_backup_catalogue_parse (const char *data, gsize len, GError **error)
{
  g_auto (GStrv) lines = occ_backup_text_lines (data, len, CATALOGUE_MAGIC, "catalogue", error);
  if (!lines)
    return NULL;
  g_autoptr (GPtrArray) out
      = g_ptr_array_new_with_free_func ((GDestroyNotify) occ_backup_catalogue_entry_free);
  for (guint i = 1; lines[i]; i++)
    {
      if (!*lines[i] || lines[i][0] == '#')
        continue;
      g_autoptr (GError) e = NULL;
      OccBackupCatalogueEntry *c = parse_line (lines[i], &e);
      if (!c)
        {
          g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_PARSE, "catalogue line %u: %s",
                       i + 1, e->message);
          return NULL;
        }
      g_ptr_array_add (out, c);
    }
  return g_steal_pointer (&out);
}

char *
occ_backup_catalogue_to_string (GPtrArray *entries)
{
  GString *s = g_string_new (CATALOGUE_MAGIC "\n# archive ID KIND BASE CREATED SIZE SHA256\n");
  for (guint i = 0; i < entries->len; i++)
    {
      const OccBackupCatalogueEntry *c = g_ptr_array_index (entries, i);
      g_string_append_printf (s, "archive %s %s %s %" G_GINT64_FORMAT " %" G_GUINT64_FORMAT " ",
                              c->id, c->kind == OCC_BACKUP_FULL ? "full" : "differential",
                              c->base_id ? c->base_id : "-", c->created, c->size);
      for (int k = 0; k < 32; k++)
        g_string_append_printf (s, "%02x", c->sha256[k]);
      g_string_append_c (s, '\n');
    }
  return g_string_free (s, FALSE);
}

GPtrArray *
occ_backup_catalogue_load (const char *dir, GError **error)
{
  g_autofree char *path = g_build_filename (dir, "catalogue", NULL);
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) e = NULL;
  if (!g_file_get_contents (path, &data, &len, &e))
    {
      if (g_error_matches (e, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_ptr_array_new_with_free_func ((GDestroyNotify) occ_backup_catalogue_entry_free);
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_IO, "%s: %s", path, e->message);
      return NULL;
    }
  GPtrArray *out = occ_backup_catalogue_parse (data, len, &e);
  if (!out)
    g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_PARSE, "%s: %s", path, e->message);
  return out;
}

gboolean
occ_backup_catalogue_add (const char *dir, const OccBackupResult *r, GError **error)
{
  g_autoptr (GPtrArray) list = occ_backup_catalogue_load (dir, error);
  if (!list)
    return FALSE;
  OccBackupCatalogueEntry *c = g_new0 (OccBackupCatalogueEntry, 1);
  c->id = g_strdup (r->manifest->id);
  c->kind = r->manifest->kind;
  c->base_id = g_strdup (r->manifest->base_id);
  c->created = r->manifest->created;
  c->size = r->size;
  memcpy (c->sha256, r->sha256, 32);
  g_ptr_array_add (list, c);
  return occ_backup_catalogue_save (dir, list, error);
}

gboolean
occ_backup_catalogue_save (const char *dir, GPtrArray *entries, GError **error)
{
  g_autofree char *text = occ_backup_catalogue_to_string (entries);
  g_autofree char *path = g_build_filename (dir, "catalogue", NULL);
  g_autoptr (GError) e = NULL;
  /* g_file_set_contents_full: temporary file, fsync, rename */
  if (!g_file_set_contents_full (
          path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0644, &e))
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_IO, "%s: %s", path, e->message);
      return FALSE;
    }
  return TRUE;
}
