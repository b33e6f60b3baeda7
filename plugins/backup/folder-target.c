/* A backup target in a local folder, usually a mounted remote filesystem
 * (NFS, SMB): see folder-target.h. */
#include "folder-target.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

typedef struct {
  char *dir;
} Folder;

typedef struct {
  int fd;
  char *name;
} FolderFile;

static char *
folder_path (Folder *f, const char *name)
{
  return g_build_filename (f->dir, name, NULL);
}

static gpointer
folder_connect (BkTarget *target, GError **error)
{
  Folder *f = target->impl;
  struct stat st;
  if (stat (f->dir, &st) < 0 || !S_ISDIR (st.st_mode))
    {
      /* an unmounted share looks like a missing folder: retry later */
      g_set_error (error, OCC_BACKUP_TARGET_ERROR, OCC_BACKUP_TARGET_ERROR_DOWN,
                   "target %s: folder %s is not there", target->name, f->dir);
      return NULL;
    }
  return f;
}

static void
folder_disconnect (gpointer session)
{
}

static gboolean
folder_stat (gpointer session, const char *name, guint64 *size, GError **error)
{
  g_autofree char *path = folder_path (session, name);
  struct stat st;
  if (stat (path, &st) < 0)
    {
      bk_target_set_errno (error, errno, "cannot stat", path);
      return FALSE;
    }
  *size = st.st_size;
  return TRUE;
}

static gpointer
folder_open (const char *path, int flags, guint64 offset, GError **error)
{
  int fd = open (path, flags | O_CLOEXEC, 0640);
  if (fd < 0)
    {
      bk_target_set_errno (error, errno, "cannot open", path);
      return NULL;
    }
  if ((flags & O_WRONLY) && (ftruncate (fd, offset) < 0 || lseek (fd, offset, SEEK_SET) < 0))
    {
      bk_target_set_errno (error, errno, "cannot seek in", path);
      close (fd);
      return NULL;
    }
  FolderFile *file = g_new0 (FolderFile, 1);
  file->fd = fd;
  file->name = g_strdup (path);
  return file;
}

static gpointer
folder_open_write (gpointer session, const char *name, guint64 offset, GError **error)
{
  g_autofree char *path = folder_path (session, name);
  return folder_open (path, O_WRONLY | O_CREAT, offset, error);
}

static gpointer
folder_open_read (gpointer session, const char *name, GError **error)
{
  g_autofree char *path = folder_path (session, name);
  return folder_open (path, O_RDONLY, 0, error);
}

static gssize
folder_read (gpointer file, void *buf, gsize n, GError **error)
{
  FolderFile *f = file;
  gssize r;
  do
    r = read (f->fd, buf, n);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    bk_target_set_errno (error, errno, "cannot read", f->name);
  return r;
}

static gboolean
folder_write (gpointer file, const void *buf, gsize n, GError **error)
{
  FolderFile *f = file;
  const char *p = buf;
  while (n > 0)
    {
      gssize w = write (f->fd, p, n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        {
          bk_target_set_errno (error, errno, "cannot write", f->name);
          return FALSE;
        }
      p += w;
      n -= w;
    }
  return TRUE;
}

static gboolean
folder_close (gpointer file, gboolean sync, GError **error)
{
  FolderFile *f = file;
  gboolean ok = TRUE;
  if (sync && fsync (f->fd) < 0)
    {
      bk_target_set_errno (error, errno, "cannot sync", f->name);
      ok = FALSE;
    }
  if (close (f->fd) < 0 && ok)
    {
      bk_target_set_errno (error, errno, "cannot close", f->name);
      ok = FALSE;
    }
  g_free (f->name);
  g_free (f);
  return ok;
}

static gboolean
folder_remove (gpointer session, const char *name, GError **error)
{
  g_autofree char *path = folder_path (session, name);
  if (unlink (path) < 0)
    {
      bk_target_set_errno (error, errno, "cannot delete", path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
folder_rename (gpointer session, const char *from, const char *to, GError **error)
{
  Folder *f = session;
  g_autofree char *src = folder_path (f, from);
  g_autofree char *dst = folder_path (f, to);
  if (rename (src, dst) < 0)
    {
      bk_target_set_errno (error, errno, "cannot rename", src);
      return FALSE;
    }
  /* the rename itself is durable once the folder is synced */
  int dfd = open (f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  gboolean ok = dfd >= 0 && fsync (dfd) == 0;
  if (!ok)
    bk_target_set_errno (error, errno, "cannot sync", f->dir);
  if (dfd >= 0)
    close (dfd);
  return ok;
}

static GVariant *
folder_list (gpointer session, GError **error)
{
  Folder *f = session;
  DIR *dir = opendir (f->dir);
  if (dir == NULL)
    {
      bk_target_set_errno (error, errno, "cannot list", f->dir);
      return NULL;
    }
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(sxx)"));
  struct dirent *e;
  while ((e = readdir (dir)) != NULL)
    {
      struct stat st;
      if (!bk_target_name_is_valid (e->d_name)
          || fstatat (dirfd (dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0
          || !S_ISREG (st.st_mode))
        continue;
      g_variant_builder_add (&b, "(sxx)", e->d_name, (gint64) st.st_size, (gint64) st.st_mtime);
    }
  closedir (dir);
  return g_variant_builder_end (&b);
}

static gboolean
folder_free_space (gpointer session, gint64 *bytes, GError **error)
{
  Folder *f = session;
  struct statvfs vfs;
  if (statvfs (f->dir, &vfs) < 0)
    {
      bk_target_set_errno (error, errno, "cannot measure", f->dir);
      return FALSE;
    }
  *bytes = (gint64) vfs.f_bavail * (gint64) vfs.f_frsize;
  return TRUE;
}

static void
folder_free (gpointer impl)
{
  Folder *f = impl;
  g_free (f->dir);
  g_free (f);
}

static const BkTargetOps folder_ops = {
  .connect = folder_connect,
  .disconnect = folder_disconnect,
  .stat = folder_stat,
  .open_write = folder_open_write,
  .open_read = folder_open_read,
  .read = folder_read,
  .write = folder_write,
  .close = folder_close,
  .remove = folder_remove,
  .rename = folder_rename,
  .list = folder_list,
  .free_space = folder_free_space,
  .free = folder_free,
};

BkTarget *
bk_folder_target_new (const char *name, guint retention_days, const char *dir)
{
  Folder *f = g_new0 (Folder, 1);
  f->dir = g_strdup (dir);
  return bk_target_new (name, retention_days, &folder_ops, f);
}
