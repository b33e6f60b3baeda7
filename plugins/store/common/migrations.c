/* Reading share/sql/: see migrations.h. */
#include "migrations.h"

#include <gio/gio.h>
#include <string.h>

static void
migration_free (OccMigration *m)
{
  g_free (m->name);
  g_free (m->sql);
  g_free (m);
}

/* "0002-audit.postgres.sql" -> version 2, variant "postgres" (NULL for a
 * portable file). FALSE when the name does not follow the pattern. */
static gboolean
parse_name (const char *name, guint *version, char **variant)
{
  if (!g_str_has_suffix (name, ".sql") || strlen (name) < 10)
    return FALSE;
  for (int i = 0; i < 4; i++)
    if (!g_ascii_isdigit (name[i]))
      return FALSE;
  if (name[4] != '-')
    return FALSE;
  *version = (guint) g_ascii_strtoull (name, NULL, 10);
  g_autofree char *stem = g_strndup (name + 5, strlen (name) - 5 - 4);
  if (*stem == '\0')
    return FALSE;
  for (const char *p = stem; *p; p++)
    if (!(g_ascii_isalnum (*p) || *p == '-' || *p == '_' || *p == '.'))
      return FALSE;
  const char *dot = strrchr (stem, '.');
  *variant = dot ? g_strdup (dot + 1) : NULL;
  return *version > 0;
}

static int
by_version (gconstpointer a, gconstpointer b)
{
  const OccMigration *x = *(OccMigration *const *) a, *y = *(OccMigration *const *) b;
  return (x->version > y->version) - (x->version < y->version);
}

GPtrArray *
occ_migrations_load (const char *dir, const char *backend, GError **error)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, error);
  if (d == NULL)
    {
      g_prefix_error (error, "migrations: ");
      return NULL;
    }
  /* version -> file chosen for this backend; a variant beats a portable file */
  g_autoptr (GHashTable) chosen = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_autoptr (GHashTable) portable = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_autoptr (GHashTable) any = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      if (!g_str_has_suffix (name, ".sql"))
        continue;
      guint version = 0;
      g_autofree char *variant = NULL;
      if (!parse_name (name, &version, &variant))
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       "%s/%s: a migration is named NNNN-words.sql or NNNN-words.BACKEND.sql", dir,
                       name);
          return NULL;
        }
      gpointer key = GUINT_TO_POINTER (version);
      g_hash_table_replace (any, key, g_strdup (name));
      if (variant && (strcmp (variant, "sqlite") == 0 || strcmp (variant, "postgres") == 0))
        {
          if (strcmp (variant, backend) != 0)
            continue;
          if (g_hash_table_contains (chosen, key))
            {
              g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                           "%s/%s: migration %u has two files for %s", dir, name, version, backend);
              return NULL;
            }
          g_hash_table_insert (chosen, key, g_strdup (name));
        }
      else
        {
          if (g_hash_table_contains (portable, key))
            {
              g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                           "%s/%s: migration %u has two portable files", dir, name, version);
              return NULL;
            }
          g_hash_table_insert (portable, key, g_strdup (name));
        }
    }

  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) migration_free);
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init (&it, any);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      const char *file = g_hash_table_lookup (chosen, key);
      if (file == NULL)
        file = g_hash_table_lookup (portable, key);
      if (file == NULL)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       "%s/%s: migration %u has no file for %s", dir, (const char *) value,
                       GPOINTER_TO_UINT (key), backend);
          g_ptr_array_unref (out);
          return NULL;
        }
      OccMigration *m = g_new0 (OccMigration, 1);
      m->version = GPOINTER_TO_UINT (key);
      m->name = g_strdup (file);
      g_autofree char *path = g_build_filename (dir, file, NULL);
      gsize len = 0;
      if (!g_file_get_contents (path, &m->sql, &len, error) || !g_utf8_validate (m->sql, len, NULL))
        {
          if (error && *error == NULL)
            g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not UTF-8", path);
          migration_free (m);
          g_ptr_array_unref (out);
          return NULL;
        }
      g_ptr_array_add (out, m);
    }
  g_ptr_array_sort (out, by_version);
  for (guint i = 0; i < out->len; i++)
    {
      OccMigration *m = g_ptr_array_index (out, i);
      if (m->version != i + 1)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       "%s/%s: migration %u follows %u: versions must have no gaps", dir, m->name,
                       m->version, i);
          g_ptr_array_unref (out);
          return NULL;
        }
    }
  return out;
}

guint
occ_migrations_latest (GPtrArray *migrations)
{
  if (migrations == NULL || migrations->len == 0)
    return 0;
  return ((OccMigration *) g_ptr_array_index (migrations, migrations->len - 1))->version;
}
