/* IVR flows: the set of flows of a few folders (flow.h). Each flow name
 * remembers the file it was last read from and that file's size,
 * modification time and SHA-256, and the flow loaded from it (which stays
 * when a later version fails). */
#include "flow-private.h"

#include <glib/gstdio.h>
#include <string.h>

/* A file whose modification time is this close to when we read it may
 * change again within the file system's clock tick with the same size and
 * time: such a file is read again (and hashed) on the next reload. */
#define RACY_US G_USEC_PER_SEC

typedef struct {
  char *path; /* the file last read for this name */
  gint64 size;
  gint64 mtime_ns;
  gint64 read_at; /* real time of that read, µs */
  char *sha256;   /* of the bytes read */
  IvrFlow *flow;  /* the version in use, or NULL (never loaded) */
} Entry;

struct _IvrFlowSet {
  char **dirs;
  IvrFlowCheck check;
  GHashTable *entries; /* name → Entry * */
};

static void
entry_free (Entry *e)
{
  g_free (e->path);
  g_free (e->sha256);
  g_clear_pointer (&e->flow, ivr_flow_unref);
  g_free (e);
}

void
ivr_flow_problem_free (IvrFlowProblem *problem)
{
  if (!problem)
    return;
  g_free (problem->path);
  g_clear_error (&problem->error);
  g_free (problem);
}

IvrFlowSet *
ivr_flow_set_new (const char *const *dirs, const IvrFlowCheck *check)
{
  g_return_val_if_fail (dirs != NULL, NULL);
  IvrFlowSet *set = g_new0 (IvrFlowSet, 1);
  set->dirs = g_strdupv ((char **) dirs);
  if (check)
    set->check = *check;
  set->entries
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) entry_free);
  return set;
}

void
ivr_flow_set_free (IvrFlowSet *set)
{
  if (!set)
    return;
  g_strfreev (set->dirs);
  g_hash_table_unref (set->entries);
  g_free (set);
}

/* name → path of the file that provides it: the first folder wins. */
static GHashTable *
scan (IvrFlowSet *set)
{
  GHashTable *found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint d = 0; set->dirs[d]; d++)
    {
      g_autoptr (GDir) dir = g_dir_open (set->dirs[d], 0, NULL);
      const char *file;
      while (dir && (file = g_dir_read_name (dir)) != NULL)
        {
          if (!g_str_has_suffix (file, ".flow"))
            continue;
          char *name = g_strndup (file, strlen (file) - 5);
          if (g_hash_table_contains (found, name))
            g_free (name);
          else
            g_hash_table_insert (found, name, g_build_filename (set->dirs[d], file, NULL));
        }
    }
  return found;
}

static void
problem (GPtrArray *problems, const char *path, GError *error)
{
  IvrFlowProblem *p = g_new0 (IvrFlowProblem, 1);
  p->path = g_strdup (path);
  p->error = error;
  g_ptr_array_add (problems, p);
}

static gboolean
unchanged (const Entry *e, const char *path, const GStatBuf *st, gint64 mtime_ns)
{
  return g_strcmp0 (e->path, path) == 0 && e->size == (gint64) st->st_size
         && e->mtime_ns == mtime_ns && e->read_at - mtime_ns / 1000 > RACY_US;
}

/* Brings @name's entry up to date with @path; returns the error of a
 * load that failed. */
static GError *
refresh (IvrFlowSet *set, const char *name, const char *path)
{
  Entry *e = g_hash_table_lookup (set->entries, name);
  GStatBuf st;
  if (g_stat (path, &st) != 0)
    return NULL; /* gone since the scan: the next reload sees it */
  gint64 mtime_ns = (gint64) st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
  if (e && unchanged (e, path, &st, mtime_ns))
    return NULL;
  if (!e)
    {
      e = g_new0 (Entry, 1);
      g_hash_table_insert (set->entries, g_strdup (name), e);
    }
  gboolean same_path = g_strcmp0 (e->path, path) == 0;
  g_free (e->path);
  e->path = g_strdup (path);
  e->size = st.st_size;
  e->mtime_ns = mtime_ns;
  e->read_at = g_get_real_time ();
  g_autofree char *old_sha = g_steal_pointer (&e->sha256);

  GError *error = NULL;
  g_autofree char *data = NULL;
  gsize len = 0;
  if (st.st_size > IVR_FLOW_MAX_BYTES)
    {
      ivr_flow_load (path, NULL, &error); /* refused on its size, unread */
      return error;
    }
  if (!g_file_get_contents (path, &data, &len, &error))
    return error;
  e->sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
  if (same_path && g_strcmp0 (old_sha, e->sha256) == 0)
    return NULL;
  IvrFlow *flow = ivr_flow_load_from_data (path, data, len, &set->check, &error);
  if (flow)
    {
      g_clear_pointer (&e->flow, ivr_flow_unref);
      e->flow = flow;
    }
  return error;
}

GPtrArray *
ivr_flow_set_reload (IvrFlowSet *set)
{
  g_return_val_if_fail (set != NULL, NULL);
  GPtrArray *problems = g_ptr_array_new_with_free_func ((GDestroyNotify) ivr_flow_problem_free);
  g_autoptr (GHashTable) found = scan (set);
  GHashTableIter it;
  gpointer name, path;
  g_hash_table_iter_init (&it, set->entries);
  while (g_hash_table_iter_next (&it, &name, NULL))
    if (!g_hash_table_contains (found, name))
      g_hash_table_iter_remove (&it);
  g_hash_table_iter_init (&it, found);
  while (g_hash_table_iter_next (&it, &name, &path))
    {
      GError *error = refresh (set, name, path);
      if (error)
        problem (problems, path, error);
    }
  return problems;
}

IvrFlow *
ivr_flow_set_lookup (IvrFlowSet *set, const char *name)
{
  g_return_val_if_fail (set != NULL && name != NULL, NULL);
  Entry *e = g_hash_table_lookup (set->entries, name);
  return e && e->flow ? ivr_flow_ref (e->flow) : NULL;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

char **
ivr_flow_set_get_names (IvrFlowSet *set)
{
  g_return_val_if_fail (set != NULL, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  GHashTableIter it;
  gpointer name, value;
  g_hash_table_iter_init (&it, set->entries);
  while (g_hash_table_iter_next (&it, &name, &value))
    if (((Entry *) value)->flow)
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}
