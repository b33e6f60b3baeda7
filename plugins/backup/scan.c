/* Tree scan: stat every path below a root, never following symlinks. */
#include "scan.h"
#include "sha256.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
occ_backup_add_problem (OccBackupManifest *m, const char *path, const char *reason)
{
  OccBackupProblem *pr = g_new0 (OccBackupProblem, 1);
  pr->path = g_strdup (path);
  pr->reason = g_strdup (reason);
  g_ptr_array_add (m->problems, pr);
  m->complete = FALSE;
}

static gint64
mtime_ns (const struct stat *st)
{
  return (gint64) st->st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + st->st_mtim.tv_nsec;
}

OccBackupReadResult
occ_backup_read_file (const char *root, OccBackupEntry *e, guint8 *sha256, OccBackupSink sink,
                      gpointer user_data, gboolean *sink_failed, GError **error)
{
  g_autofree char *full = g_build_filename (root, e->path, NULL);
  int fd = open (full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  struct stat before, after;
  if (fd < 0 || fstat (fd, &before) < 0)
    {
      int err = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err), "cannot read: %s",
                   g_strerror (err));
      if (fd >= 0)
        close (fd);
      return OCC_BACKUP_READ_FAILED;
    }
  e->size = (guint64) before.st_size;
  e->mtime_ns = mtime_ns (&before);
  g_autoptr (OccBackupSha256) h = sha256 ? occ_backup_sha256_new () : NULL;
  g_autofree guint8 *buf = g_malloc (256 * 1024);
  guint64 total = 0;
  OccBackupReadResult res = OCC_BACKUP_READ_OK;
  for (;;)
    {
      ssize_t r = read (fd, buf, 256 * 1024);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          int err = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err), "read failed: %s",
                       g_strerror (err));
          res = OCC_BACKUP_READ_FAILED;
          break;
        }
      if (r == 0)
        break;
      /* the archive holds exactly the size stat gave; more is a change */
      gsize n = (gsize) MIN ((guint64) r, e->size - total);
      total += (guint64) r;
      if (h)
        occ_backup_sha256_update (h, buf, (gsize) r);
      if (n > 0 && sink && !sink (buf, n, user_data, error))
        {
          *sink_failed = TRUE;
          res = OCC_BACKUP_READ_FAILED;
          break;
        }
    }
  if (h && !occ_backup_sha256_finish (h, sha256) && res != OCC_BACKUP_READ_FAILED)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "SHA-256 failed (libcrypto)");
      res = OCC_BACKUP_READ_FAILED;
    }
  if (res == OCC_BACKUP_READ_OK
      && (fstat (fd, &after) < 0 || total != e->size || (guint64) after.st_size != e->size
          || mtime_ns (&after) != e->mtime_ns))
    res = OCC_BACKUP_READ_CHANGED;
  close (fd);
  return res;
}

/* Hashes one file, reading it again once when it changed while read;
 * NULL, or why it could not (transfer full). Any thread. */
static char *
hash_one (const char *root, OccBackupEntry *e)
{
  for (int attempt = 0; attempt < 2; attempt++)
    {
      g_autoptr (GError) err = NULL;
      OccBackupReadResult r = occ_backup_read_file (root, e, e->sha256, NULL, NULL, NULL, &err);
      if (r == OCC_BACKUP_READ_OK)
        return NULL;
      if (r == OCC_BACKUP_READ_FAILED)
        return g_strdup (err->message);
    }
  return g_strdup ("changed while read, twice: not saved");
}

typedef struct {
  OccBackupEntry *e;
  char *problem;
} HashJob;

typedef struct {
  const char *root;
  HashJob *jobs;
  guint n;
  gint next; /* atomic: the next job to take */
} HashWork;

/* Plain threads, not a GThreadPool: its spawner thread does not survive
 * fork (), and the plugin's tests and workers may fork. */
static gpointer
hash_worker (gpointer data)
{
  HashWork *w = data;
  for (;;)
    {
      guint i = (guint) g_atomic_int_add (&w->next, 1);
      if (i >= w->n)
        return NULL;
      w->jobs[i].problem = hash_one (w->root, w->jobs[i].e);
    }
}

void
occ_backup_hash_files (OccBackupManifest *m, const char *root, GPtrArray *files)
{
  g_autofree HashJob *jobs = g_new0 (HashJob, files->len);
  for (guint i = 0; i < files->len; i++)
    jobs[i].e = g_ptr_array_index (files, i);
  HashWork work = { .root = root, .jobs = jobs, .n = files->len };
  guint nthreads = MIN (MIN (g_get_num_processors (), 8u), MAX (files->len, 1u));
  g_autofree GThread **threads = g_new0 (GThread *, nthreads);
  for (guint t = 1; t < nthreads; t++)
    threads[t] = g_thread_new ("backup-hash", hash_worker, &work);
  hash_worker (&work);
  for (guint t = 1; t < nthreads; t++)
    g_thread_join (threads[t]);
  g_autoptr (GHashTable) drop = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < files->len; i++)
    if (jobs[i].problem)
      {
        occ_backup_add_problem (m, jobs[i].e->path, jobs[i].problem);
        g_hash_table_add (drop, jobs[i].e);
        g_free (jobs[i].problem);
      }
  for (guint i = m->entries->len; g_hash_table_size (drop) > 0 && i-- > 0;)
    if (g_hash_table_contains (drop, g_ptr_array_index (m->entries, i)))
      g_ptr_array_remove_index (m->entries, i);
}

static gboolean
excluded (GPtrArray *patterns, const char *rel, const char *name)
{
  for (guint i = 0; patterns && i < patterns->len; i++)
    {
      GPatternSpec *p = g_ptr_array_index (patterns, i);
      if (g_pattern_spec_match_string (p, rel) || g_pattern_spec_match_string (p, name))
        return TRUE;
    }
  return FALSE;
}

static OccBackupEntry *
entry_from_stat (const char *rel, const struct stat *st)
{
  OccBackupEntry *e = g_new0 (OccBackupEntry, 1);
  e->path = g_strdup (rel);
  e->mode = st->st_mode & 07777;
  e->mtime_ns = mtime_ns (st);
  e->uid = st->st_uid;
  e->gid = st->st_gid;
  if (S_ISREG (st->st_mode))
    {
      e->type = OCC_BACKUP_ENTRY_FILE;
      e->size = (guint64) st->st_size;
    }
  else
    e->type = S_ISDIR (st->st_mode) ? OCC_BACKUP_ENTRY_DIR : OCC_BACKUP_ENTRY_SYMLINK;
  return e;
}

/* Walks ROOT/rel (rel "" for the root) depth first; an explicit stack
 * bounds the recursion whatever the tree's depth. */
static void
walk (OccBackupManifest *m, const char *root, GPtrArray *patterns, gboolean follow_root_links)
{
  g_autoptr (GPtrArray) folders = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (folders, g_strdup (""));
  while (folders->len > 0)
    {
      g_autofree char *rel = g_ptr_array_steal_index (folders, folders->len - 1);
      g_autofree char *dir = g_build_filename (root, rel, NULL);
      /* a followed root link is the one symlink opened through */
      gboolean through = follow_root_links && *rel && strchr (rel, '/') == NULL;
      int dfd = open (dir, O_RDONLY | O_DIRECTORY | (through ? 0 : O_NOFOLLOW) | O_CLOEXEC);
      DIR *d = dfd >= 0 ? fdopendir (dfd) : NULL;
      if (!d)
        {
          int err = errno;
          g_autofree char *why = g_strdup_printf ("cannot list folder: %s", g_strerror (err));
          occ_backup_add_problem (m, *rel ? rel : ".", why);
          if (dfd >= 0)
            close (dfd);
          continue;
        }
      struct dirent *de;
      while ((de = readdir (d)))
        {
          if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
            continue;
          g_autofree char *child
              = *rel ? g_strconcat (rel, "/", de->d_name, NULL) : g_strdup (de->d_name);
          if (excluded (patterns, child, de->d_name))
            continue;
          struct stat st;
          if (fstatat (dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            {
              occ_backup_add_problem (m, child, g_strerror (errno));
              continue;
            }
          struct stat through_st;
          if (follow_root_links && !*rel && S_ISLNK (st.st_mode)
              && fstatat (dfd, de->d_name, &through_st, 0) == 0 && S_ISDIR (through_st.st_mode))
            st = through_st; /* a source folder linked into the root */
          if (!S_ISREG (st.st_mode) && !S_ISDIR (st.st_mode) && !S_ISLNK (st.st_mode))
            {
              occ_backup_add_problem (m, child, "not a file, folder or symlink: skipped");
              continue;
            }
          OccBackupEntry *e = entry_from_stat (child, &st);
          if (e->type == OCC_BACKUP_ENTRY_SYMLINK)
            {
              g_autofree char *buf = g_malloc0 ((gsize) st.st_size + 2);
              ssize_t n = readlinkat (dfd, de->d_name, buf, (gsize) st.st_size + 1);
              e->target = g_strndup (buf, n > 0 ? (gsize) n : 0);
              e->size = strlen (e->target);
            }
          g_ptr_array_add (m->entries, e);
          if (e->type == OCC_BACKUP_ENTRY_DIR)
            g_ptr_array_add (folders, g_strdup (child));
        }
      closedir (d);
    }
}

static int
by_path (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(OccBackupEntry **) a)->path, (*(OccBackupEntry **) b)->path);
}

OccBackupManifest *
occ_backup_scan (const char *root, const char *const *exclude, OccBackupScanFlags flags,
                 GError **error)
{
  g_return_val_if_fail (root != NULL, NULL);
  struct stat st;
  if (stat (root, &st) < 0 || !S_ISDIR (st.st_mode))
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_IO, "%s: not a readable folder", root);
      return NULL;
    }
  g_autoptr (GPtrArray) patterns
      = g_ptr_array_new_with_free_func ((GDestroyNotify) g_pattern_spec_free);
  for (guint i = 0; exclude && exclude[i]; i++)
    g_ptr_array_add (patterns, g_pattern_spec_new (exclude[i]));
  OccBackupManifest *m = occ_backup_manifest_new ();
  walk (m, root, patterns, (flags & OCC_BACKUP_SCAN_FOLLOW_ROOT_LINKS) != 0);
  g_ptr_array_sort (m->entries, by_path);
  if (flags & OCC_BACKUP_SCAN_HASH)
    {
      g_autoptr (GPtrArray) files = g_ptr_array_new ();
      for (guint i = 0; i < m->entries->len; i++)
        if (((OccBackupEntry *) g_ptr_array_index (m->entries, i))->type == OCC_BACKUP_ENTRY_FILE)
          g_ptr_array_add (files, g_ptr_array_index (m->entries, i));
      occ_backup_hash_files (m, root, files);
    }
  return m;
}
