/* backup: the backup.restore command, from the local archives or fetched
 * from a target first; see plugin.h. */
#include "plugin.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* "latest", "2027-01-31" (the end of that day, local time) or an ISO 8601
 * date and time (local time unless it names its offset). */
static gboolean
parse_at (const char *text, gint64 *at, GError **error)
{
  if (text == NULL || strcmp (text, "latest") == 0 || strcmp (text, "now") == 0)
    {
      *at = G_MAXINT64;
      return TRUE;
    }
  g_autoptr (GTimeZone) local = g_time_zone_new_local ();
  int y, m, d, n = 0;
  if (sscanf (text, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && text[n] == '\0')
    {
      g_autoptr (GDateTime) t = g_date_time_new (local, y, m, d, 23, 59, 59);
      if (t)
        {
          *at = g_date_time_to_unix (t);
          return TRUE;
        }
    }
  g_autoptr (GDateTime) t = g_date_time_new_from_iso8601 (text, local);
  if (t == NULL)
    {
      g_set_error (error, OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_BAD_REQUEST,
                   "at “%s”: use latest, YYYY-MM-DD or an ISO 8601 date and time", text);
      return FALSE;
    }
  *at = g_date_time_to_unix (t);
  return TRUE;
}

/* A restore that first fetches its archives from a target. */
typedef struct {
  Work *w;
  Target *t;
  gint64 at;
  GPtrArray *fetch; /* IDs still to get */
} Fetch;

/* A fetch's callback after the plugin was unloaded: drop everything. */
static gboolean
fetch_alive (Fetch *f)
{
  Backup *b = f->w->b;
  if (b->plugin != NULL)
    {
      bkp_unref (b); /* the plugin's own reference keeps it */
      return TRUE;
    }
  b->work = NULL;
  bkp_work_free (f->w);
  g_ptr_array_unref (f->fetch);
  g_free (f);
  bkp_unref (b);
  return FALSE;
}

static void restore_fetch_next (Fetch *f);

static void
fetch_fail (Fetch *f, const GError *error)
{
  Backup *b = f->w->b;
  bkp_audit (b, f->w, "backup.restore", f->w->restore->to, OCC_AUDIT_FAILURE,
             g_variant_new_parsed ("{'reason': <%s>}", error->message));
  bkp_answer_error (f->w, error);
  g_ptr_array_unref (f->fetch);
  g_free (f);
  bkp_work_end (b);
}

static void
fetched (GVariant *result, const GError *error, gpointer data)
{
  (void) result;
  Fetch *f = data;
  if (!fetch_alive (f))
    return;
  if (error)
    {
      fetch_fail (f, error);
      return;
    }
  restore_fetch_next (f);
}

static void
restore_fetch_next (Fetch *f)
{
  Work *w = f->w;
  Backup *b = w->b;
  while (f->fetch->len > 0)
    {
      g_autofree char *id = g_ptr_array_steal_index (f->fetch, 0);
      g_autofree char *file = bkp_archive_name (id);
      g_autofree char *path = g_build_filename (b->dir, file, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;
      const OccBackupTargetService *svc = bkp_target_service (f->t);
      if (svc == NULL)
        {
          g_autoptr (GError) e
              = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_NOT_FOUND, "the target is gone");
          fetch_fail (f, e);
          return;
        }
      bkp_ref (b);
      svc->get (svc, file, path, NULL, NULL, NULL, fetched, f);
      return;
    }
  g_ptr_array_unref (f->fetch);
  g_free (f);
  bkp_work_spawn (w);
}

static void
restore_listed (GVariant *result, const GError *error, gpointer data)
{
  Fetch *f = data;
  if (!fetch_alive (f))
    return;
  if (error)
    {
      fetch_fail (f, error);
      return;
    }
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  GVariantIter it;
  const char *name;
  g_variant_iter_init (&it, result);
  while (g_variant_iter_next (&it, "(&sxx)", &name, NULL, NULL))
    {
      char *id = bkp_id_of_name (name);
      if (id)
        g_ptr_array_add (ids, id);
    }
  g_ptr_array_add (ids, NULL);
  BkRestoreJob *job = f->w->restore;
  g_autoptr (GError) e = NULL;
  if (!bk_job_pick_point ((const char *const *) ids->pdata, f->at, NULL, &job->full, &job->diff,
                          &e))
    {
      fetch_fail (f, e);
      return;
    }
  g_ptr_array_add (f->fetch, g_strdup (job->full));
  if (job->diff)
    g_ptr_array_add (f->fetch, g_strdup (job->diff));
  restore_fetch_next (f);
}

static char **
only_arg (GVariant *args)
{
  g_autoptr (GVariant) v = g_variant_lookup_value (args, "only", NULL);
  if (v == NULL)
    return NULL;
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
    return g_strsplit (g_variant_get_string (v, NULL), ",", -1);
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING_ARRAY))
    return g_variant_dup_strv (v, NULL);
  return NULL;
}

void
bkp_cmd_restore (OccControlCall *call, GVariant *args, gpointer data)
{
  Backup *b = data;
  const char *to = NULL, *at_text = NULL, *target = NULL, *dsn = NULL;
  g_variant_lookup (args, "to", "&s", &to);
  g_variant_lookup (args, "at", "&s", &at_text);
  g_variant_lookup (args, "target", "&s", &target);
  g_variant_lookup (args, "store-dsn", "&s", &dsn);
  g_autoptr (GError) e = NULL;
  gint64 at = 0;
  if (to == NULL || !g_path_is_absolute (to))
    e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_BAD_REQUEST,
                     "to: the folder to restore into, as an absolute path");
  else if (b->work)
    e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_REFUSED, "busy: a %s is running",
                     bkp_work_names[b->work->kind]);
  else
    parse_at (at_text, &at, &e);
  Target *t = NULL;
  for (guint i = 0; !e && target && i < b->targets->len && !t; i++)
    if (strcmp (((Target *) b->targets->pdata[i])->name, target) == 0)
      t = b->targets->pdata[i];
  if (!e && target && t == NULL)
    e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_NOT_FOUND,
                     "target “%s” is not in this site's targets", target);
  if (e)
    {
      occ_control_call_return_error (call, e);
      return;
    }
  g_autofree char *trigger = target ? g_strconcat ("target:", target, NULL) : g_strdup ("control");
  Work *w = bkp_work_new (b, WORK_RESTORE, trigger, call);
  BkRestoreJob *job = g_new0 (BkRestoreJob, 1);
  job->dir = g_strdup (b->dir);
  memcpy (job->key, b->key, sizeof b->key);
  job->to = g_strdup (to);
  job->only = only_arg (args);
  job->store_dsn = g_strdup (dsn);
  w->restore = job;
  b->work = w;
  if (t)
    {
      const OccBackupTargetService *svc = bkp_target_service (t);
      if (svc == NULL)
        {
          e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_NOT_FOUND,
                           "no service backup.target/%s", target);
          bkp_answer_error (w, e);
          bkp_work_end (b);
          return;
        }
      if (g_mkdir_with_parents (b->dir, 0700) < 0)
        g_warning ("backup: %s: %s", b->dir, g_strerror (errno));
      Fetch *f = g_new0 (Fetch, 1);
      f->w = w;
      f->t = t;
      f->at = at;
      f->fetch = g_ptr_array_new_with_free_func (g_free);
      bkp_ref (b);
      svc->list (svc, NULL, restore_listed, f);
      return;
    }
  g_autoptr (GPtrArray) list = occ_backup_catalogue_load (b->dir, &e);
  g_autoptr (GHashTable) base_of = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) ids = g_ptr_array_new ();
  for (guint i = 0; list && i < list->len; i++)
    {
      OccBackupCatalogueEntry *c = list->pdata[i];
      g_ptr_array_add (ids, c->id);
      if (c->base_id)
        g_hash_table_insert (base_of, c->id, c->base_id);
    }
  g_ptr_array_add (ids, NULL);
  if (list == NULL
      || !bk_job_pick_point ((const char *const *) ids->pdata, at, base_of, &job->full, &job->diff,
                             &e))
    {
      bkp_answer_error (w, e);
      bkp_work_end (b);
      return;
    }
  bkp_work_spawn (w);
}
