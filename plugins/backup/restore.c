/* Restore: one full and an optional differential into a target folder.
 * Every path is opened component by component below the target with
 * O_NOFOLLOW, so nothing is written outside it or through a symlink. */
#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  int root_fd;
  const char *target;
  const OccBackupManifest *final; /* the tree to rebuild */
  const char *const *only;
  gboolean from_base;  /* reading the full under a differential */
  GHashTable *written; /* paths restored so far */
  OccBackupProgress progress;
  gpointer user_data;
  guint64 done, total;
} Restore;

static gboolean
wanted (const Restore *st, const char *path)
{
  if (!st->only || !st->only[0])
    return TRUE;
  for (guint i = 0; st->only[i]; i++)
    {
      gsize n = strlen (st->only[i]);
      while (n > 0 && st->only[i][n - 1] == '/')
        n--;
      if (strncmp (path, st->only[i], n) == 0 && (path[n] == '\0' || path[n] == '/'))
        return TRUE;
      /* the folders leading to a wanted path */
      gsize pl = strlen (path);
      if (pl < n && strncmp (st->only[i], path, pl) == 0 && st->only[i][pl] == '/')
        return TRUE;
    }
  return FALSE;
}

static gboolean
fail_errno (GError **error, const char *target, const char *path, const char *what)
{
  int err = errno;
  g_autofree char *p = occ_backup_escape (path);
  g_set_error (error, OCC_BACKUP_ERROR,
               err == ELOOP || err == ENOTDIR ? OCC_BACKUP_ERROR_UNSAFE : OCC_BACKUP_ERROR_IO,
               "%s: cannot %s \"%s\": %s", target, what, p, g_strerror (err));
  return FALSE;
}

/* Opens the folder holding @path; @name points at its last component. */
static int
open_parent (const Restore *st, const char *path, const char **name, GError **error)
{
  int fd = dup (st->root_fd);
  const char *p = path;
  const char *slash;
  while (fd >= 0 && (slash = strchr (p, '/')))
    {
      g_autofree char *comp = g_strndup (p, (gsize) (slash - p));
      int next = openat (fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      close (fd);
      fd = next;
      p = slash + 1;
    }
  *name = p;
  if (fd < 0)
    fail_errno (error, st->target, path, "open the folder of");
  return fd;
}

static gboolean
make_node (const Restore *st, const OccBackupEntry *e, GError **error)
{
  const char *name;
  int dfd = open_parent (st, e->path, &name, error);
  if (dfd < 0)
    return FALSE;
  struct stat sb;
  int rc = 0;
  if (e->type == OCC_BACKUP_ENTRY_DIR)
    {
      rc = mkdirat (dfd, name, 0700);
      if (rc < 0 && errno == EEXIST && fstatat (dfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0
          && S_ISDIR (sb.st_mode))
        rc = 0;
    }
  else
    {
      unlinkat (dfd, name, 0);
      rc = symlinkat (e->target, dfd, name);
    }
  close (dfd);
  return rc == 0 || fail_errno (error, st->target, e->path, "create");
}

static gboolean
restore_member (OccBackupReader *r, guint index, gpointer data, GError **error)
{
  Restore *st = data;
  const OccBackupEntry *src = g_ptr_array_index (r->manifest->entries, index);
  const OccBackupEntry *e = occ_backup_manifest_lookup (st->final, src->path);
  /* a full's file the differential changed, deleted or does not want */
  gboolean take = e && e->type == OCC_BACKUP_ENTRY_FILE && wanted (st, e->path)
                  && (!st->from_base || !e->in_archive) && memcmp (e->sha256, src->sha256, 32) == 0;
  if (!take)
    return occ_backup_reader_data (r, src, -1, error);
  const char *name;
  int dfd = open_parent (st, e->path, &name, error);
  if (dfd < 0)
    return FALSE;
  unlinkat (dfd, name, 0);
  int fd = openat (dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  close (dfd);
  if (fd < 0)
    return fail_errno (error, st->target, e->path, "create");
  gboolean ok = occ_backup_reader_data (r, src, fd, error);
  close (fd);
  g_hash_table_add (st->written, e->path);
  st->done += e->size;
  if (st->progress)
    st->progress (st->done, st->total, e->path, st->user_data);
  return ok;
}

static gboolean
set_meta (const Restore *st, const OccBackupEntry *e, GError **error)
{
  const char *name;
  int dfd = open_parent (st, e->path, &name, error);
  if (dfd < 0)
    return FALSE;
  struct timespec ts[2];
  ts[0].tv_sec = ts[1].tv_sec = e->mtime_ns / 1000000000;
  ts[0].tv_nsec = ts[1].tv_nsec = e->mtime_ns % 1000000000;
  int rc = e->type == OCC_BACKUP_ENTRY_SYMLINK ? 0 : fchmodat (dfd, name, e->mode, 0);
  if (rc == 0)
    rc = utimensat (dfd, name, ts, AT_SYMLINK_NOFOLLOW);
  close (dfd);
  return rc == 0 || fail_errno (error, st->target, e->path, "set mode and time of");
}

static gboolean
restore_from (Restore *st, const char *archive, const guint8 *key, const OccBackupManifest *expect,
              GError **error)
{
  OccBackupReader *r = occ_backup_reader_open (archive, key, FALSE, error);
  if (!r)
    return FALSE;
  gboolean ok = TRUE;
  if (expect && strcmp (r->manifest->id, expect->id) != 0)
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_MISMATCH,
                   "%s: changed since it was first read", archive);
      ok = FALSE;
    }
  ok = ok && occ_backup_reader_walk (r, restore_member, st, error);
  occ_backup_reader_free (r);
  return ok;
}

static gboolean
check_pair (const char *full, const char *diff, const OccBackupManifest *fm,
            const OccBackupManifest *dm, GError **error)
{
  if (fm->kind != OCC_BACKUP_FULL)
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_MISMATCH, "%s: not a full backup",
                   full);
      return FALSE;
    }
  if (dm && (dm->kind != OCC_BACKUP_DIFFERENTIAL || g_strcmp0 (dm->base_id, fm->id) != 0))
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_MISMATCH,
                   "%s: not a differential of %s", diff, full);
      return FALSE;
    }
  return TRUE;
}

static gboolean
build_tree (Restore *st, const char *full, const char *diff, const guint8 *key,
            const OccBackupManifest *fm, GError **error)
{
  const OccBackupManifest *m = st->final;
  for (guint i = 0; i < m->entries->len; i++)
    {
      const OccBackupEntry *e = g_ptr_array_index (m->entries, i);
      if (e->type == OCC_BACKUP_ENTRY_FILE)
        st->total += wanted (st, e->path) ? e->size : 0;
      else if (wanted (st, e->path) && !make_node (st, e, error))
        return FALSE;
    }
  /* from the full: what the final tree still has unchanged; then the
   * differential's own files */
  st->from_base = diff != NULL;
  if (diff && !restore_from (st, full, key, fm, error))
    return FALSE;
  st->from_base = FALSE;
  if (!restore_from (st, diff ? diff : full, key, m, error))
    return FALSE;
  for (guint i = 0; i < m->entries->len; i++)
    {
      const OccBackupEntry *e = g_ptr_array_index (m->entries, i);
      if (e->type == OCC_BACKUP_ENTRY_FILE && wanted (st, e->path)
          && !g_hash_table_contains (st->written, e->path))
        {
          g_autofree char *p = occ_backup_escape (e->path);
          g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_CORRUPT,
                       "%s: no content for \"%s\" in %s%s%s", st->target, p, full,
                       diff ? " or " : "", diff ? diff : "");
          return FALSE;
        }
    }
  /* folders last and deepest first: writing inside changes their mtime */
  for (guint i = m->entries->len; i-- > 0;)
    {
      const OccBackupEntry *e = g_ptr_array_index (m->entries, i);
      if (wanted (st, e->path) && !set_meta (st, e, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
occ_backup_restore (const char *full, const char *diff, const guint8 *key, const char *target,
                    const char *const *only, OccBackupProgress progress, gpointer user_data,
                    GError **error)
{
  g_return_val_if_fail (full && key && target, FALSE);
  g_autoptr (OccBackupManifest) fm = occ_backup_read_manifest (full, key, error);
  if (!fm)
    return FALSE;
  g_autoptr (OccBackupManifest) dm = diff ? occ_backup_read_manifest (diff, key, error) : NULL;
  if ((diff && !dm) || !check_pair (full, diff, fm, dm, error))
    return FALSE;
  if (g_mkdir_with_parents (target, 0700) < 0)
    return fail_errno (error, target, ".", "create");
  Restore st = { .target = target,
                 .final = dm ? dm : fm,
                 .only = only,
                 .progress = progress,
                 .user_data = user_data };
  st.root_fd = open (target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (st.root_fd < 0)
    return fail_errno (error, target, ".", "open");
  st.written = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean ok = build_tree (&st, full, diff, key, fm, error);
  g_hash_table_unref (st.written);
  close (st.root_fd);
  return ok;
}
