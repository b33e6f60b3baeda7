/* See target.h. */
#include "target.h"
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BK_CHUNK (64 * 1024)

typedef enum { JOB_PUT, JOB_LIST, JOB_GET, JOB_DELETE, JOB_FREE_SPACE } JobKind;

typedef struct {
  JobKind kind;
  BkTarget *target;
  char *path;
  char *name;
  OccBackupTargetProgress progress;
  gpointer progress_data;
  OccBackupTargetCallback callback;
  gpointer user_data;
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;
  bk_target_unref (job->target);
  g_free (job->path);
  g_free (job->name);
  g_free (job);
}

gboolean
bk_target_name_is_valid (const char *name)
{
  if (name == NULL || name[0] == '\0' || name[0] == '.' || strlen (name) > 200)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != '-')
      return FALSE;
  return TRUE;
}

char *
bk_target_partial_name (const char *name)
{
  return g_strconcat (".", name, ".partial", NULL);
}

void
bk_target_set_errno (GError **error, int errsv, const char *what, const char *name)
{
  int code = OCC_BACKUP_TARGET_ERROR_DOWN;
  switch (errsv)
    {
    case ENOENT:
      code = OCC_BACKUP_TARGET_ERROR_NOT_FOUND;
      break;
    case EACCES:
    case EPERM:
    case EROFS:
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
    case ENAMETOOLONG:
    case EISDIR:
      code = OCC_BACKUP_TARGET_ERROR_REFUSED;
      break;
    default:
      break;
    }
  g_set_error (error, OCC_BACKUP_TARGET_ERROR, code, "%s %s: %s", what, name, g_strerror (errsv));
}

static gboolean
check_cancelled (GCancellable *cancellable, GError **error)
{
  if (!g_cancellable_is_cancelled (cancellable))
    return TRUE;
  g_set_error_literal (error, OCC_BACKUP_TARGET_ERROR, OCC_BACKUP_TARGET_ERROR_CANCELLED,
                       "cancelled");
  return FALSE;
}

/* --- put: partial copy, resumed, read back, renamed ------------------------- */

/* @sum's digest as hex into @sha256 (transfer full); @what names the file. */
static gboolean
digest_hex (OccBackupSha256 *sum, const char *what, char **sha256, GError **error)
{
  guint8 bytes[OCC_BACKUP_SHA256_BYTES];
  if (!occ_backup_sha256_finish (sum, bytes))
    {
      g_set_error (error, OCC_BACKUP_TARGET_ERROR, OCC_BACKUP_TARGET_ERROR_INVALID,
                   "cannot hash %s: SHA-256 failed (libcrypto)", what);
      return FALSE;
    }
  *sha256 = g_malloc (65);
  occ_backup_sha256_hex (bytes, *sha256);
  return TRUE;
}

/* The size and SHA-256 of the local file @fd. */
static gboolean
local_digest (int fd, const char *path, guint64 *size, char **sha256, GError **error)
{
  g_autoptr (OccBackupSha256) sum = occ_backup_sha256_new ();
  g_autofree guchar *buf = g_malloc (BK_CHUNK);
  guint64 total = 0;
  for (;;)
    {
      gssize n = pread (fd, buf, BK_CHUNK, total);
      if (n < 0)
        {
          int errsv = errno;
          g_set_error (error, OCC_BACKUP_TARGET_ERROR, OCC_BACKUP_TARGET_ERROR_INVALID,
                       "cannot read %s: %s", path, g_strerror (errsv));
          return FALSE;
        }
      if (n == 0)
        break;
      occ_backup_sha256_update (sum, buf, n);
      total += n;
    }
  *size = total;
  return digest_hex (sum, path, sha256, error);
}

/* The size and SHA-256 of @name on the target, read back. */
static gboolean
remote_digest (BkTarget *t, gpointer session, const char *name, GCancellable *cancellable,
               guint64 *size, char **sha256, GError **error)
{
  gpointer f = t->ops->open_read (session, name, error);
  if (f == NULL)
    return FALSE;
  g_autoptr (OccBackupSha256) sum = occ_backup_sha256_new ();
  g_autofree guchar *buf = g_malloc (BK_CHUNK);
  guint64 total = 0;
  gssize n;
  while ((n = t->ops->read (f, buf, BK_CHUNK, error)) > 0)
    {
      occ_backup_sha256_update (sum, buf, n);
      total += n;
      if (!check_cancelled (cancellable, error))
        {
          n = -1;
          break;
        }
    }
  if (!t->ops->close (f, FALSE, n < 0 ? NULL : error) || n < 0)
    return FALSE;
  *size = total;
  return digest_hex (sum, name, sha256, error);
}

/* Appends @fd's bytes from @offset to the open target file @f. */
static gboolean
copy_tail (BkTarget *t, gpointer f, int fd, const char *path, guint64 offset, guint64 size,
           Job *job, GCancellable *cancellable, GError **error)
{
  g_autofree guchar *buf = g_malloc (BK_CHUNK);
  while (offset < size)
    {
      gssize n = pread (fd, buf, MIN ((guint64) BK_CHUNK, size - offset), offset);
      if (n <= 0)
        {
          g_set_error (error, OCC_BACKUP_TARGET_ERROR, OCC_BACKUP_TARGET_ERROR_INVALID,
                       "cannot read %s: %s", path, n < 0 ? g_strerror (errno) : "file shrank");
          return FALSE;
        }
      if (!check_cancelled (cancellable, error) || !t->ops->write (f, buf, n, error))
        return FALSE;
      offset += n;
      if (job->progress)
        job->progress (offset, size, job->progress_data);
    }
  return TRUE;
}

static gboolean
put_on (BkTarget *t, gpointer session, Job *job, int fd, GCancellable *cancellable, GError **error)
{
  guint64 size = 0, have = 0;
  g_autofree char *sha = NULL;
  if (!local_digest (fd, job->path, &size, &sha, error))
    return FALSE;
  g_autofree char *partial = bk_target_partial_name (job->name);
  g_autoptr (GError) stat_error = NULL;
  if (!t->ops->stat (session, partial, &have, &stat_error))
    {
      if (!g_error_matches (stat_error, OCC_BACKUP_TARGET_ERROR, OCC_BACKUP_TARGET_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&stat_error));
          return FALSE;
        }
      have = 0;
    }
  if (have > size) /* not a prefix of this file: start over */
    have = 0;
  if (job->progress && have > 0)
    job->progress (have, size, job->progress_data);
  gpointer f = t->ops->open_write (session, partial, have, error);
  if (f == NULL)
    return FALSE;
  gboolean copied = copy_tail (t, f, fd, job->path, have, size, job, cancellable, error);
  if (!t->ops->close (f, TRUE, copied ? error : NULL) || !copied)
    return FALSE;

  guint64 got_size = 0;
  g_autofree char *got_sha = NULL;
  if (!remote_digest (t, session, partial, cancellable, &got_size, &got_sha, error))
    return FALSE;
  if (got_size != size || strcmp (got_sha, sha) != 0)
    {
      t->ops->remove (session, partial, NULL);
      g_set_error (error, OCC_BACKUP_TARGET_ERROR, OCC_BACKUP_TARGET_ERROR_CORRUPT,
                   "%s on target %s does not match %s (%" G_GUINT64_FORMAT
                   " bytes, SHA-256 %s; expected %" G_GUINT64_FORMAT " bytes, %s): dropped",
                   job->name, t->name, job->path, got_size, got_sha, size, sha);
      return FALSE;
    }
  return t->ops->rename (session, partial, job->name, error);
}

static gboolean
job_put (BkTarget *t, gpointer session, Job *job, GCancellable *cancellable, GError **error)
{
  int fd = open (job->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, OCC_BACKUP_TARGET_ERROR, OCC_BACKUP_TARGET_ERROR_INVALID,
                   "cannot open %s: %s", job->path, g_strerror (errsv));
      return FALSE;
    }
  gboolean ok = put_on (t, session, job, fd, cancellable, error);
  close (fd);
  return ok;
}

/* --- get: to a temporary name beside @path, synced, renamed ---------------- */

static gboolean
write_all (int fd, const guchar *buf, gsize n, const char *path, GError **error)
{
  while (n > 0)
    {
      gssize w = write (fd, buf, n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        {
          int errsv = errno;
          g_set_error (error, OCC_BACKUP_TARGET_ERROR, OCC_BACKUP_TARGET_ERROR_INVALID,
                       "cannot write %s: %s", path, g_strerror (errsv));
          return FALSE;
        }
      buf += w;
      n -= w;
    }
  return TRUE;
}

static gboolean
fetch (BkTarget *t, gpointer session, Job *job, int fd, const char *tmp, GCancellable *cancellable,
       GError **error)
{
  guint64 size = 0;
  if (!t->ops->stat (session, job->name, &size, error))
    return FALSE;
  gpointer f = t->ops->open_read (session, job->name, error);
  if (f == NULL)
    return FALSE;
  g_autofree guchar *buf = g_malloc (BK_CHUNK);
  guint64 done = 0;
  gssize n;
  while ((n = t->ops->read (f, buf, BK_CHUNK, error)) > 0)
    {
      if (!check_cancelled (cancellable, error) || !write_all (fd, buf, n, tmp, error))
        {
          n = -1;
          break;
        }
      done += n;
      if (job->progress)
        job->progress (done, size, job->progress_data);
    }
  if (!t->ops->close (f, FALSE, n < 0 ? NULL : error) || n < 0)
    return FALSE;
  if (fsync (fd) < 0)
    {
      int errsv = errno;
      g_set_error (error, OCC_BACKUP_TARGET_ERROR, OCC_BACKUP_TARGET_ERROR_INVALID,
                   "cannot sync %s: %s", tmp, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

static gboolean
job_get (BkTarget *t, gpointer session, Job *job, GCancellable *cancellable, GError **error)
{
  g_autofree char *tmp = g_strconcat (job->path, ".partial", NULL);
  int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, OCC_BACKUP_TARGET_ERROR, OCC_BACKUP_TARGET_ERROR_INVALID,
                   "cannot create %s: %s", tmp, g_strerror (errsv));
      return FALSE;
    }
  gboolean ok = fetch (t, session, job, fd, tmp, cancellable, error);
  close (fd);
  if (ok && rename (tmp, job->path) < 0)
    {
      int errsv = errno;
      g_set_error (error, OCC_BACKUP_TARGET_ERROR, OCC_BACKUP_TARGET_ERROR_INVALID,
                   "cannot rename %s: %s", tmp, g_strerror (errsv));
      ok = FALSE;
    }
  if (!ok)
    unlink (tmp);
  return ok;
}

/* --- the worker and the vtable ------------------------------------------------ */

static int
compare_entries (gconstpointer a, gconstpointer b)
{
  const char *na, *nb;
  g_variant_get_child (*(GVariant *const *) a, 0, "&s", &na);
  g_variant_get_child (*(GVariant *const *) b, 0, "&s", &nb);
  return strcmp (na, nb);
}

/* @list sorted by name (transfer full, not floating). */
static GVariant *
sort_list (GVariant *list)
{
  g_autoptr (GVariant) owned = g_variant_ref_sink (list);
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  GVariantIter iter;
  GVariant *child;
  g_variant_iter_init (&iter, owned);
  while ((child = g_variant_iter_next_value (&iter)))
    g_ptr_array_add (items, child);
  g_ptr_array_sort (items, compare_entries);
  return g_variant_ref_sink (
      g_variant_new_array (G_VARIANT_TYPE ("(sxx)"), (GVariant **) items->pdata, items->len));
}

static GVariant *
job_run (BkTarget *t, gpointer session, Job *job, GCancellable *cancellable, GError **error)
{
  gboolean ok = FALSE;
  switch (job->kind)
    {
    case JOB_PUT:
      ok = job_put (t, session, job, cancellable, error);
      break;
    case JOB_GET:
      ok = job_get (t, session, job, cancellable, error);
      break;
    case JOB_DELETE:
      {
        g_autofree char *partial = bk_target_partial_name (job->name);
        t->ops->remove (session, partial, NULL);
        ok = t->ops->remove (session, job->name, error);
        break;
      }
    case JOB_LIST:
      {
        GVariant *list = t->ops->list (session, error);
        return list ? sort_list (list) : NULL;
      }
    case JOB_FREE_SPACE:
      {
        gint64 bytes = -1;
        if (!t->ops->free_space (session, &bytes, error))
          return NULL;
        return g_variant_ref_sink (g_variant_new_int64 (bytes));
      }
    }
  /* a GTask's pointer result cannot be NULL on success: a unit stands in */
  return ok ? g_variant_ref_sink (g_variant_new ("()")) : NULL;
}

static void
job_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Job *job = data;
  BkTarget *t = job->target;
  GError *error = NULL;
  gpointer session = NULL;
  GVariant *result = NULL;
  if (check_cancelled (cancellable, &error) && (session = t->ops->connect (t, &error)) != NULL)
    {
      result = job_run (t, session, job, cancellable, &error);
      t->ops->disconnect (session);
    }
  if (result)
    g_task_return_pointer (task, result, (GDestroyNotify) g_variant_unref);
  else
    g_task_return_error (task, error);
}

static void
job_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Job *job = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) result = g_task_propagate_pointer (G_TASK (res), &error);
  gboolean unit = result && g_variant_is_of_type (result, G_VARIANT_TYPE_UNIT);
  job->callback (unit ? NULL : result, error, job->user_data);
}

static void
job_start (Job *job, GCancellable *cancellable)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, job_done, job);
  g_task_set_task_data (task, job, job_free);
  g_task_set_return_on_cancel (task, FALSE);
  /* our CANCELLED error, not GIO's: callers match one domain */
  g_task_set_check_cancellable (task, FALSE);
  if (job->name && !bk_target_name_is_valid (job->name))
    {
      g_task_return_new_error (task, OCC_BACKUP_TARGET_ERROR, OCC_BACKUP_TARGET_ERROR_INVALID,
                               "“%s” is not a valid archive name", job->name);
      return;
    }
  g_task_run_in_thread (task, job_thread);
}

static Job *
job_new (const OccBackupTargetService *self, JobKind kind, const char *path, const char *name,
         OccBackupTargetCallback callback, gpointer user_data)
{
  Job *job = g_new0 (Job, 1);
  job->kind = kind;
  job->target = bk_target_ref ((BkTarget *) self);
  job->path = g_strdup (path);
  job->name = g_strdup (name);
  job->callback = callback;
  job->user_data = user_data;
  return job;
}

static const char *
iface_get_name (const OccBackupTargetService *self)
{
  return ((const BkTarget *) self)->name;
}

static guint
iface_get_retention_days (const OccBackupTargetService *self)
{
  return ((const BkTarget *) self)->retention_days;
}

/* put and get: a copy between @path and @name, with progress. */
static void
start_transfer (const OccBackupTargetService *self, JobKind kind, const char *path,
                const char *name, GCancellable *cancellable, OccBackupTargetProgress progress,
                gpointer progress_data, OccBackupTargetCallback callback, gpointer user_data)
{
  Job *job = job_new (self, kind, path, name, callback, user_data);
  job->progress = progress;
  job->progress_data = progress_data;
  job_start (job, cancellable);
}

static void
iface_put (const OccBackupTargetService *self, const char *path, const char *name,
           GCancellable *cancellable, OccBackupTargetProgress progress, gpointer progress_data,
           OccBackupTargetCallback callback, gpointer user_data)
{
  g_return_if_fail (path != NULL && callback != NULL);
  start_transfer (self, JOB_PUT, path, name, cancellable, progress, progress_data, callback,
                  user_data);
}

static void
iface_list (const OccBackupTargetService *self, GCancellable *cancellable,
            OccBackupTargetCallback callback, gpointer user_data)
{
  g_return_if_fail (callback != NULL);
  job_start (job_new (self, JOB_LIST, NULL, NULL, callback, user_data), cancellable);
}

static void
iface_get (const OccBackupTargetService *self, const char *name, const char *path,
           GCancellable *cancellable, OccBackupTargetProgress progress, gpointer progress_data,
           OccBackupTargetCallback callback, gpointer user_data)
{
  g_return_if_fail (path != NULL && callback != NULL);
  start_transfer (self, JOB_GET, path, name, cancellable, progress, progress_data, callback,
                  user_data);
}

static void
iface_delete (const OccBackupTargetService *self, const char *name, GCancellable *cancellable,
              OccBackupTargetCallback callback, gpointer user_data)
{
  g_return_if_fail (callback != NULL);
  job_start (job_new (self, JOB_DELETE, NULL, name, callback, user_data), cancellable);
}

static void
iface_free_space (const OccBackupTargetService *self, GCancellable *cancellable,
                  OccBackupTargetCallback callback, gpointer user_data)
{
  g_return_if_fail (callback != NULL);
  job_start (job_new (self, JOB_FREE_SPACE, NULL, NULL, callback, user_data), cancellable);
}

BkTarget *
bk_target_new (const char *name, guint retention_days, const BkTargetOps *ops, gpointer impl)
{
  BkTarget *t = g_atomic_rc_box_new0 (BkTarget);
  t->iface = (OccBackupTargetService){
    .header = OCC_SERVICE_HEADER (OccBackupTargetService, OCC_BACKUP_TARGET_VERSION),
    .get_name = iface_get_name,
    .get_retention_days = iface_get_retention_days,
    .put = iface_put,
    .list = iface_list,
    .get = iface_get,
    .delete = iface_delete,
    .free_space = iface_free_space,
  };
  t->name = g_strdup (name);
  t->retention_days = retention_days;
  t->ops = ops;
  t->impl = impl;
  return t;
}

BkTarget *
bk_target_ref (BkTarget *target)
{
  return g_atomic_rc_box_acquire (target);
}

static void
target_clear (gpointer data)
{
  BkTarget *t = data;
  if (t->ops->free)
    t->ops->free (t->impl);
  g_free (t->name);
}

void
bk_target_unref (BkTarget *target)
{
  g_atomic_rc_box_release_full (target, target_clear);
}
