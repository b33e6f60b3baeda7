/* See job.h. */
#include "job.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DAY_SECONDS (24 * 3600)

void
bk_job_lower_priority (void)
{
  pid_t tid = (pid_t) syscall (SYS_gettid);
  if (setpriority (PRIO_PROCESS, (id_t) tid, 19) < 0)
    g_debug ("backup worker: nice 19 refused: %s", g_strerror (errno));
  /* ioprio_set (IOPRIO_WHO_PROCESS, tid, IOPRIO_CLASS_IDLE << 13) */
  if (syscall (SYS_ioprio_set, 1, tid, 3 << 13) < 0)
    g_debug ("backup worker: idle I/O class refused: %s", g_strerror (errno));
}

gboolean
bk_job_parse_id (const char *id, gint64 *time, OccBackupKind *kind)
{
  int y, mo, d, h, mi, s, n = 0;
  char tail[8] = "";
  if (id == NULL
      || sscanf (id, "%4d%2d%2dT%2d%2d%2dZ-%4s%n", &y, &mo, &d, &h, &mi, &s, tail, &n) != 7
      || id[n] != '\0' || strlen (id) != 21)
    return FALSE;
  if (strcmp (tail, "full") == 0)
    *kind = OCC_BACKUP_FULL;
  else if (strcmp (tail, "diff") == 0)
    *kind = OCC_BACKUP_DIFFERENTIAL;
  else
    return FALSE;
  g_autoptr (GDateTime) t = g_date_time_new_utc (y, mo, d, h, mi, s);
  if (t == NULL)
    return FALSE;
  *time = g_date_time_to_unix (t);
  return TRUE;
}

/* --- writing ------------------------------------------------------------ */

static void
on_progress (guint64 done, guint64 total, const char *path, gpointer data)
{
  BkWriteJob *job = data;
  (void) path;
  __atomic_store_n (&job->done, done, __ATOMIC_RELAXED);
  __atomic_store_n (&job->total, total, __ATOMIC_RELAXED);
}

static gboolean
archive_exists (const char *dir, const char *id)
{
  g_autofree char *file = g_strconcat (id, OCC_BACKUP_SUFFIX, NULL);
  g_autofree char *path = g_build_filename (dir, file, NULL);
  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

/* The newest full of @list still in @dir, or NULL (transfer none). */
static const OccBackupCatalogueEntry *
latest_full (GPtrArray *list, const char *dir)
{
  const OccBackupCatalogueEntry *best = NULL;
  for (guint i = 0; i < list->len; i++)
    {
      const OccBackupCatalogueEntry *c = list->pdata[i];
      if (c->kind == OCC_BACKUP_FULL && (!best || c->created > best->created)
          && archive_exists (dir, c->id))
        best = c;
    }
  return best;
}

void
bk_write_job_run (BkWriteJob *job)
{
  bk_job_lower_priority ();
  g_autoptr (GPtrArray) list = occ_backup_catalogue_load (job->dir, &job->error);
  if (list == NULL)
    return;
  /* archive IDs name the second: never two at the same one */
  for (guint i = 0; i < list->len; i++)
    job->now = MAX (job->now, ((OccBackupCatalogueEntry *) list->pdata[i])->created + 1);
  const OccBackupCatalogueEntry *full = latest_full (list, job->dir);
  OccBackupKind kind = OCC_BACKUP_DIFFERENTIAL;
  if (job->want == BK_RUN_FULL)
    kind = OCC_BACKUP_FULL;
  else if (full == NULL)
    {
      kind = OCC_BACKUP_FULL;
      if (job->want == BK_RUN_DIFFERENTIAL)
        job->note = g_strdup ("no full backup to base a differential on: wrote a full");
    }
  else if (job->want == BK_RUN_NONE
           && job->now - full->created >= (gint64) job->full_every_days * DAY_SECONDS)
    kind = OCC_BACKUP_FULL;
  g_autoptr (OccBackupManifest) base = NULL;
  if (kind == OCC_BACKUP_DIFFERENTIAL)
    {
      g_autofree char *file = g_strconcat (full->id, OCC_BACKUP_SUFFIX, NULL);
      g_autofree char *path = g_build_filename (job->dir, file, NULL);
      g_autoptr (GError) e = NULL;
      base = occ_backup_read_manifest (path, job->key, &e);
      if (base == NULL)
        {
          /* a base that cannot be read cannot be restored either */
          job->note = g_strdup_printf ("the full %s cannot be read (%s): wrote a full", full->id,
                                       e->message);
          kind = OCC_BACKUP_FULL;
        }
    }
  OccBackupOptions o = {
    .root = job->root,
    .exclude = (const char *const *) job->exclude,
    .follow_root_links = TRUE,
    .dir = job->dir,
    .key = job->key,
    .now = job->now,
    .kind = kind,
    .base = base,
    .progress = on_progress,
    .user_data = job,
  };
  job->result = occ_backup_write (&o, &job->error);
  if (job->result == NULL)
    return;
  if (!occ_backup_catalogue_add (job->dir, job->result, &job->error))
    return;
  job->pruned = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) e = NULL;
  if (!bk_job_prune_local (job->dir, job->local_days, job->now, job->pruned, &e))
    g_warning ("backup: pruning %s: %s", job->dir, e->message);
}

void
bk_write_job_free (BkWriteJob *job)
{
  if (job == NULL)
    return;
  g_free (job->root);
  g_strfreev (job->exclude);
  g_free (job->dir);
  memset (job->key, 0, sizeof job->key);
  if (job->result)
    occ_backup_result_free (job->result);
  g_free (job->note);
  if (job->pruned)
    g_ptr_array_unref (job->pruned);
  g_clear_error (&job->error);
  g_free (job);
}

gboolean
bk_job_prune_local (const char *dir, guint keep_days, gint64 now, GPtrArray *pruned, GError **error)
{
  g_autoptr (GPtrArray) list = occ_backup_catalogue_load (dir, error);
  if (list == NULL)
    return FALSE;
  g_autofree BkArchive *archives = g_new0 (BkArchive, MAX (list->len, 1u));
  for (guint i = 0; i < list->len; i++)
    {
      const OccBackupCatalogueEntry *c = list->pdata[i];
      archives[i] = (BkArchive){ c->id, c->created,
                                 c->kind == OCC_BACKUP_FULL ? BK_RUN_FULL : BK_RUN_DIFFERENTIAL,
                                 c->base_id };
    }
  g_autofree gboolean *drop = bk_retention_prune (archives, list->len, keep_days, now);
  gboolean any = FALSE;
  for (guint i = list->len; i-- > 0;)
    {
      if (!drop[i])
        continue;
      const OccBackupCatalogueEntry *c = list->pdata[i];
      g_autofree char *file = g_strconcat (c->id, OCC_BACKUP_SUFFIX, NULL);
      g_autofree char *path = g_build_filename (dir, file, NULL);
      if (g_unlink (path) < 0 && errno != ENOENT)
        {
          g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_IO, "%s: %s", path,
                       g_strerror (errno));
          break;
        }
      g_ptr_array_add (pruned, g_strdup (c->id));
      g_ptr_array_remove_index (list, i);
      any = TRUE;
    }
  /* the catalogue lists what is there, also after a failed unlink */
  if (any && !occ_backup_catalogue_save (dir, list, error))
    return FALSE;
  return error == NULL || *error == NULL;
}

/* --- verifying ---------------------------------------------------------- */

/* One archive: read whole (every chunk, every file's SHA-256), then
 * checked against its catalogue line @c (NULL: the archive is in the
 * folder but not in the catalogue, which the report says). */
static GVariant *
verify_one (const char *dir, const guint8 *key, const char *id, const OccBackupCatalogueEntry *c,
            guint *failed)
{
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "id", "s", id);
  g_autofree char *file = g_strconcat (id, OCC_BACKUP_SUFFIX, NULL);
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autoptr (GError) e = NULL;
  g_autoptr (OccBackupManifest) m = NULL;
  guint64 size = 0;
  guint8 sha[32];
  gboolean ok = occ_backup_verify_file (path, key, &m, &size, sha, &e);
  if (ok && c && m->kind != c->kind)
    {
      ok = FALSE;
      g_set_error (&e, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_MISMATCH,
                   "%s: the catalogue and the archive disagree on its kind", path);
    }
  if (ok && c && (size != c->size || memcmp (sha, c->sha256, sizeof sha) != 0))
    {
      ok = FALSE;
      g_set_error (&e, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_MISMATCH,
                   "%s: the catalogue and the archive disagree (size or SHA-256 of the file): "
                   "the file was changed or replaced after it was written",
                   path);
    }
  g_variant_dict_insert (&d, "ok", "b", ok);
  if (ok)
    {
      g_variant_dict_insert (&d, "files", "u", m->entries->len);
      g_variant_dict_insert (&d, "complete", "b", m->complete);
    }
  else
    {
      g_variant_dict_insert (&d, "reason", "s", e->message);
      (*failed)++;
    }
  if (c == NULL)
    g_variant_dict_insert (&d, "note", "s",
                           "in the archive folder but not in its catalogue (fetched from a "
                           "target, or copied in by hand): verified, left as it is");
  return g_variant_dict_end (&d);
}

/* The archive IDs of the files in @dir (sorted). */
static GPtrArray *
archives_in (const char *dir)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    {
      gint64 t;
      OccBackupKind k;
      if (name[0] == '.' || !g_str_has_suffix (name, OCC_BACKUP_SUFFIX))
        continue;
      g_autofree char *id = g_strndup (name, strlen (name) - strlen (OCC_BACKUP_SUFFIX));
      if (bk_job_parse_id (id, &t, &k))
        g_ptr_array_add (ids, g_steal_pointer (&id));
    }
  g_ptr_array_sort (ids, (GCompareFunc) bk_job_compare_ids);
  return ids;
}

int
bk_job_compare_ids (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

void
bk_verify_job_run (BkVerifyJob *job)
{
  bk_job_lower_priority ();
  g_autoptr (GPtrArray) list = occ_backup_catalogue_load (job->dir, &job->error);
  if (list == NULL)
    return;
  g_autoptr (GHashTable) catalogued = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < list->len; i++)
    g_hash_table_insert (catalogued, ((OccBackupCatalogueEntry *) list->pdata[i])->id,
                         list->pdata[i]);
  for (guint i = 0; job->ids && job->ids[i]; i++)
    if (!g_hash_table_contains (catalogued, job->ids[i]))
      {
        g_set_error (&job->error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_MISMATCH,
                     "no archive %s in the catalogue", job->ids[i]);
        return;
      }
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < list->len; i++)
    {
      const OccBackupCatalogueEntry *c = list->pdata[i];
      if (!job->ids || g_strv_contains ((const char *const *) job->ids, c->id))
        g_variant_builder_add_value (&b, verify_one (job->dir, job->key, c->id, c, &job->failed));
    }
  /* every archive of the folder is looked at, the uncatalogued too */
  g_autoptr (GPtrArray) present = job->ids ? NULL : archives_in (job->dir);
  for (guint i = 0; present && i < present->len; i++)
    if (!g_hash_table_contains (catalogued, present->pdata[i]))
      g_variant_builder_add_value (
          &b, verify_one (job->dir, job->key, present->pdata[i], NULL, &job->failed));
  job->report = g_variant_ref_sink (g_variant_builder_end (&b));
}

void
bk_verify_job_free (BkVerifyJob *job)
{
  if (job == NULL)
    return;
  g_free (job->dir);
  memset (job->key, 0, sizeof job->key);
  g_strfreev (job->ids);
  if (job->report)
    g_variant_unref (job->report);
  g_clear_error (&job->error);
  g_free (job);
}

/* --- restoring ---------------------------------------------------------- */

gboolean
bk_job_pick_point (const char *const *ids, gint64 at, GHashTable *base_of, char **full, char **diff,
                   GError **error)
{
  const char *point = NULL;
  gint64 point_time = G_MININT64;
  OccBackupKind point_kind = OCC_BACKUP_FULL;
  for (guint i = 0; ids && ids[i]; i++)
    {
      gint64 t;
      OccBackupKind k;
      if (!bk_job_parse_id (ids[i], &t, &k) || t > at)
        continue;
      /* at the same second a full and a differential: the differential
       * holds the later state */
      if (t > point_time || (t == point_time && k == OCC_BACKUP_DIFFERENTIAL))
        {
          point = ids[i];
          point_time = t;
          point_kind = k;
        }
    }
  if (point == NULL)
    {
      g_autoptr (GDateTime) when = g_date_time_new_from_unix_utc (at);
      g_autofree char *text = when ? g_date_time_format_iso8601 (when) : g_strdup ("?");
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_MISMATCH,
                   "no backup was taken at or before %s", text);
      return FALSE;
    }
  if (point_kind == OCC_BACKUP_FULL)
    {
      *full = g_strdup (point);
      *diff = NULL;
      return TRUE;
    }
  const char *base = base_of ? g_hash_table_lookup (base_of, point) : NULL;
  if (base == NULL)
    {
      /* not in the catalogue: the newest full before it (the one the
       * plugin bases a differential on); the restore checks the pair */
      gint64 best = G_MININT64;
      for (guint i = 0; ids[i]; i++)
        {
          gint64 t;
          OccBackupKind k;
          if (bk_job_parse_id (ids[i], &t, &k) && k == OCC_BACKUP_FULL && t <= point_time
              && t > best)
            {
              best = t;
              base = ids[i];
            }
        }
    }
  if (base == NULL)
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_MISMATCH,
                   "the differential %s has no full backup to start from", point);
      return FALSE;
    }
  *full = g_strdup (base);
  *diff = g_strdup (point);
  return TRUE;
}

static void
on_restore_progress (guint64 done, guint64 total, const char *path, gpointer data)
{
  BkRestoreJob *job = data;
  (void) path;
  __atomic_store_n (&job->done, done, __ATOMIC_RELAXED);
  __atomic_store_n (&job->total, total, __ATOMIC_RELAXED);
}

static gboolean
folder_is_empty_or_missing (const char *path, GError **error)
{
  g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
  if (d == NULL)
    {
      if (g_file_test (path, G_FILE_TEST_EXISTS))
        {
          g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_UNSAFE,
                       "restore target %s exists and is not a folder", path);
          return FALSE;
        }
      return TRUE;
    }
  if (g_dir_read_name (d) != NULL)
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_UNSAFE,
                   "restore target %s is not empty: restore into a new folder", path);
      return FALSE;
    }
  return TRUE;
}

/* The restored SQLite store: opened read-only and checked whole. */
static gboolean
check_sqlite (const char *path, GVariantDict *report, GError **error)
{
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL);
  g_autofree char *verdict = NULL;
  guint tables = 0;
  if (rc == SQLITE_OK)
    {
      sqlite3_stmt *st = NULL;
      if (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK
          && sqlite3_step (st) == SQLITE_ROW)
        verdict = g_strdup ((const char *) sqlite3_column_text (st, 0));
      sqlite3_finalize (st);
      st = NULL;
      if (sqlite3_prepare_v2 (db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'", -1,
                              &st, NULL)
              == SQLITE_OK
          && sqlite3_step (st) == SQLITE_ROW)
        tables = (guint) sqlite3_column_int (st, 0);
      sqlite3_finalize (st);
    }
  if (rc != SQLITE_OK || verdict == NULL || strcmp (verdict, "ok") != 0)
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_CORRUPT,
                   "%s: the restored database does not check: %s", path,
                   verdict ? verdict : sqlite3_errmsg (db));
      sqlite3_close (db);
      return FALSE;
    }
  sqlite3_close (db);
  g_variant_dict_insert (report, "database", "s", path);
  g_variant_dict_insert (report, "database-tables", "u", tables);
  g_variant_dict_insert (report, "database-check", "s", "ok");
  return TRUE;
}

/* The restored PostgreSQL dump into the (new, empty) database @dsn. */
static gboolean
restore_postgres (const char *dump, const char *dsn, GVariantDict *report, GError **error)
{
  const char *argv[] = { "pg_restore", "--exit-on-error",
                         "--no-owner", "--single-transaction",
                         "--dbname",   dsn,
                         dump,         NULL };
  g_autofree char *err = NULL;
  int status = 0;
  g_autoptr (GError) e = NULL;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, &err, &status, &e)
      || !g_spawn_check_wait_status (status, &e))
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_IO,
                   "pg_restore into the new database failed: %s%s%s", e->message,
                   err && *err ? ": " : "", err ? g_strstrip (err) : "");
      return FALSE;
    }
  g_variant_dict_insert (report, "database", "s", dump);
  g_variant_dict_insert (report, "database-restored-into", "s", "postgres");
  return TRUE;
}

void
bk_restore_job_run (BkRestoreJob *job)
{
  bk_job_lower_priority ();
  if (!folder_is_empty_or_missing (job->to, &job->error))
    return;
  g_autofree char *full_file = g_strconcat (job->full, OCC_BACKUP_SUFFIX, NULL);
  g_autofree char *full = g_build_filename (job->dir, full_file, NULL);
  g_autofree char *diff_file = job->diff ? g_strconcat (job->diff, OCC_BACKUP_SUFFIX, NULL) : NULL;
  g_autofree char *diff = diff_file ? g_build_filename (job->dir, diff_file, NULL) : NULL;
  if (!occ_backup_restore (full, diff, job->key, job->to, (const char *const *) job->only,
                           on_restore_progress, job, &job->error))
    return;
  GVariantDict report;
  g_variant_dict_init (&report, NULL);
  g_variant_dict_insert (&report, "full", "s", job->full);
  if (job->diff)
    g_variant_dict_insert (&report, "differential", "s", job->diff);
  g_variant_dict_insert (&report, "to", "s", job->to);
  g_autofree char *sqlite = g_build_filename (job->to, "database", "store.sqlite", NULL);
  g_autofree char *pgdump = g_build_filename (job->to, "database", "store.pgdump", NULL);
  gboolean ok = TRUE;
  if (g_file_test (sqlite, G_FILE_TEST_IS_REGULAR))
    ok = check_sqlite (sqlite, &report, &job->error);
  else if (g_file_test (pgdump, G_FILE_TEST_IS_REGULAR) && job->store_dsn)
    ok = restore_postgres (pgdump, job->store_dsn, &report, &job->error);
  else if (g_file_test (pgdump, G_FILE_TEST_IS_REGULAR))
    g_variant_dict_insert (&report, "database", "s", pgdump);
  if (!ok)
    {
      g_variant_dict_clear (&report);
      return;
    }
  g_variant_dict_insert (&report, "bytes", "t", __atomic_load_n (&job->done, __ATOMIC_RELAXED));
  job->report = g_variant_ref_sink (g_variant_dict_end (&report));
}

void
bk_restore_job_free (BkRestoreJob *job)
{
  if (job == NULL)
    return;
  g_free (job->dir);
  memset (job->key, 0, sizeof job->key);
  g_free (job->full);
  g_free (job->diff);
  g_free (job->to);
  g_strfreev (job->only);
  g_free (job->store_dsn);
  if (job->report)
    g_variant_unref (job->report);
  g_clear_error (&job->error);
  g_free (job);
}
