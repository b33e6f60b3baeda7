/* store-sqlite: online backup. SQLite's backup API copies the pages of a
 * snapshot held open by a read transaction of the backup's own, so the
 * copy is consistent while the writer goes on (in WAL a reader never
 * blocks it). The copy is written under a temporary name, synced, and
 * renamed over the target, so the target is always a whole database. */
#include "sqlite-store.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

static void
remove_copy (const char *tmp)
{
  static const char *const sidecars[] = { "", "-journal", "-wal", "-shm" };
  for (guint i = 0; i < G_N_ELEMENTS (sidecars); i++)
    {
      g_autofree char *path = g_strconcat (tmp, sidecars[i], NULL);
      g_unlink (path);
    }
}

static gboolean
sync_path (const char *path, int flags, GError **error)
{
  int fd = g_open (path, flags, 0);
  if (fd < 0 || fsync (fd) != 0)
    {
      int errsv = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_SQL, "backup: syncing %s: %s", path,
                   g_strerror (errsv));
      return FALSE;
    }
  close (fd);
  return TRUE;
}

static gboolean
fail_db (GError **error, sqlite3 *db, const char *what, const char *path)
{
  g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_SQL, "backup: %s %s: %s", what, path,
               db ? sqlite3_errmsg (db) : "out of memory");
  return FALSE;
}

/* Copies page by page, letting the worker serve waiting queries between
 * steps so that a long backup does not hold up reads. */
static gboolean
copy_pages (SqStore *s, SqWorker *w, sqlite3 *src, sqlite3 *dst, const char *tmp, int *pages,
            GError **error)
{
  sqlite3_backup *b = sqlite3_backup_init (dst, "main", src, "main");
  if (b == NULL)
    return fail_db (error, dst, "starting the copy to", tmp);
  int rc;
  while ((rc = sqlite3_backup_step (b, SQ_BACKUP_PAGES)) != SQLITE_DONE)
    {
      if (atomic_load (&s->abort))
        {
          sqlite3_backup_finish (b);
          g_set_error_literal (error, OCC_STORE_ERROR, OCC_STORE_ERROR_UNAVAILABLE,
                               "store stopping");
          return FALSE;
        }
      if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        g_usleep (10 * G_TIME_SPAN_MILLISECOND);
      else if (rc != SQLITE_OK)
        break;
      sq_worker_serve_waiting (w);
    }
  *pages = sqlite3_backup_pagecount (b);
  sqlite3_backup_finish (b);
  if (rc != SQLITE_DONE)
    return fail_db (error, dst, "copying to", tmp);
  return TRUE;
}

static gboolean
make_copy (SqStore *s, SqWorker *w, const char *tmp, int *pages, GError **error)
{
  sqlite3 *src = NULL, *dst = NULL;
  gboolean ok = FALSE;
  if (sqlite3_open_v2 (s->settings.path, &src, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL)
      != SQLITE_OK)
    {
      fail_db (error, src, "opening", s->settings.path);
      goto out;
    }
  sqlite3_busy_timeout (src, s->settings.busy_timeout);
  /* the snapshot: a read transaction that lasts the whole copy, so that no
   * step sees a newer version of the database than the one before */
  if (sqlite3_exec (src, "BEGIN; SELECT COUNT(*) FROM sqlite_schema", NULL, NULL, NULL)
      != SQLITE_OK)
    {
      fail_db (error, src, "reading", s->settings.path);
      goto out;
    }
  if (sqlite3_open_v2 (tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                       NULL)
      != SQLITE_OK)
    {
      fail_db (error, dst, "creating", tmp);
      goto out;
    }
  if (!copy_pages (s, w, src, dst, tmp, pages, error))
    goto out;
  /* the pages say WAL, like the live database's: a copy is one file */
  if (sqlite3_exec (dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK)
    {
      fail_db (error, dst, "finishing", tmp);
      goto out;
    }
  ok = TRUE;
out:
  if (src)
    sqlite3_exec (src, "COMMIT", NULL, NULL, NULL);
  sqlite3_close (src);
  if (dst && sqlite3_close (dst) != SQLITE_OK && ok)
    ok = fail_db (error, dst, "closing", tmp);
  return ok;
}

static OccStoreResult *
describe_copy (const char *path, int pages)
{
  static const char *const names[] = { "path", "pages", "bytes" };
  GStatBuf st = { 0 };
  g_stat (path, &st);
  OccStoreResult *r = occ_store_result_new (3, names);
  GVariant *row[] = { g_variant_new_string (path), g_variant_new_int64 (pages),
                      g_variant_new_int64 (st.st_size) };
  occ_store_result_add_row (r, row);
  return r;
}

void
sq_backup_run (SqStore *s, SqWorker *w, SqJob *job)
{
  if (sq_job_check_cancelled (job, &s->abort))
    return;
  g_autofree char *tmp = g_strconcat (job->backup_path, ".partial", NULL);
  g_autofree char *dir = g_path_get_dirname (job->backup_path);
  GError *e = NULL;
  int pages = 0;
  remove_copy (tmp); /* left by a crash */
  if (!make_copy (s, w, tmp, &pages, &e) || !sync_path (tmp, O_RDONLY, &e))
    goto failed;
  if (g_rename (tmp, job->backup_path) != 0)
    {
      int errsv = errno;
      g_set_error (&e, OCC_STORE_ERROR, OCC_STORE_ERROR_SQL, "backup: renaming %s to %s: %s", tmp,
                   job->backup_path, g_strerror (errsv));
      goto failed;
    }
  /* the rename itself lives in the folder */
  if (!sync_path (dir, O_RDONLY | O_DIRECTORY, &e))
    {
      sq_job_take_error (job, e);
      return;
    }
  job->results = g_ptr_array_new_with_free_func ((GDestroyNotify) occ_store_result_unref);
  g_ptr_array_add (job->results, describe_copy (job->backup_path, pages));
  return;
failed:
  remove_copy (tmp);
  sq_job_take_error (job, e);
}
