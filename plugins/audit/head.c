/* audit: the head file. After each entry is written, the chain's head
 * (the last entry's seq and hash, and how many entries were written) is
 * saved in <state-dir>/audit.head, so that verify can tell a trail whose
 * last entries were deleted from a complete one: the rest of the chain
 * stays consistent when its end is cut off.
 *
 * Saving means a temp file, fsync, rename and fsync of the folder: a
 * millisecond or more on a disk, so a worker thread does it. Saves asked
 * for while one is running are merged: the worker writes the newest head
 * next. The file can therefore lag the database by the entries written
 * during one fsync, and by more after a crash; chain.c rolls it forward
 * at the next load when the entries that follow it link up. */
#include "audit-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define GROUP "head"

struct _AuditHeadFile {
  char *path;
  GMutex lock;
  GCond cond;
  char *text;       /* the newest head not yet written */
  gboolean closing; /* the worker writes what is left and ends */
  GThread *thread;
};

static char *
head_text (const AuditHead *head)
{
  return g_strdup_printf ("# omnicc audit: the last entry written (see plugins/audit/README.md).\n"
                          "# Restore it together with the database, or audit.verify reports\n"
                          "# the difference.\n"
                          "[" GROUP "]\n"
                          "seq=%" G_GINT64_FORMAT "\n"
                          "hash=%s\n"
                          "count=%" G_GINT64_FORMAT "\n",
                          head->seq, head->hash, head->count);
}

/* fsync of the folder, so that the rename itself survives a power cut */
static void
sync_folder (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return;
  if (fsync (fd) != 0)
    g_warning ("audit: fsync of %s: %s", dir, g_strerror (errno));
  close (fd);
}

static void
write_text (AuditHeadFile *file, const char *text)
{
  g_autoptr (GError) e = NULL;
  if (!g_file_set_contents_full (file->path, text, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0640,
                                 &e))
    {
      g_warning ("audit: cannot save the head file: %s", e->message);
      return;
    }
  sync_folder (file->path);
}

static gpointer
worker (gpointer data)
{
  AuditHeadFile *file = data;
  g_mutex_lock (&file->lock);
  for (;;)
    {
      while (file->text == NULL && !file->closing)
        g_cond_wait (&file->cond, &file->lock);
      if (file->text == NULL)
        break;
      g_autofree char *text = g_steal_pointer (&file->text);
      g_mutex_unlock (&file->lock);
      write_text (file, text);
      g_mutex_lock (&file->lock);
    }
  g_mutex_unlock (&file->lock);
  return NULL;
}

AuditHeadFile *
audit_head_file_new (const char *path)
{
  AuditHeadFile *file = g_new0 (AuditHeadFile, 1);
  file->path = g_strdup (path);
  g_mutex_init (&file->lock);
  g_cond_init (&file->cond);
  file->thread = g_thread_new ("audit-head", worker, file);
  return file;
}

const char *
audit_head_file_get_path (AuditHeadFile *file)
{
  return file->path;
}

void
audit_head_file_save (AuditHeadFile *file, const AuditHead *head)
{
  char *text = head_text (head);
  g_mutex_lock (&file->lock);
  g_free (file->text);
  file->text = text;
  g_cond_signal (&file->cond);
  g_mutex_unlock (&file->lock);
}

void
audit_head_file_close (AuditHeadFile *file)
{
  if (file == NULL)
    return;
  g_mutex_lock (&file->lock);
  file->closing = TRUE;
  g_cond_signal (&file->cond);
  g_mutex_unlock (&file->lock);
  g_thread_join (file->thread);
  g_mutex_clear (&file->lock);
  g_cond_clear (&file->cond);
  g_free (file->text);
  g_free (file->path);
  g_free (file);
}

static gboolean
is_hash (const char *s)
{
  if (s == NULL || strlen (s) != AUDIT_HASH_LEN)
    return FALSE;
  for (const char *p = s; *p; p++)
    if (!g_ascii_isdigit (*p) && !(*p >= 'a' && *p <= 'f'))
      return FALSE;
  return TRUE;
}

AuditHeadState
audit_head_file_read (AuditHeadFile *file, AuditHead *head, char **problem)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) e = NULL;
  if (!g_key_file_load_from_file (kf, file->path, G_KEY_FILE_NONE, &e))
    {
      if (g_error_matches (e, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return AUDIT_HEAD_MISSING;
      *problem = g_strdup_printf ("%s: %s", file->path, e->message);
      return AUDIT_HEAD_INVALID;
    }
  g_autofree char *hash = g_key_file_get_string (kf, GROUP, "hash", NULL);
  GError *seq_error = NULL, *count_error = NULL;
  gint64 seq = g_key_file_get_int64 (kf, GROUP, "seq", &seq_error);
  gint64 count = g_key_file_get_int64 (kf, GROUP, "count", &count_error);
  gboolean ok = seq_error == NULL && count_error == NULL && seq >= 0 && count >= 0 && is_hash (hash)
                && (seq > 0 || count == 0);
  g_clear_error (&seq_error);
  g_clear_error (&count_error);
  if (!ok)
    {
      *problem = g_strdup_printf ("%s: [" GROUP "] needs seq, hash (64 hex digits) and count",
                                  file->path);
      return AUDIT_HEAD_INVALID;
    }
  head->seq = seq;
  head->count = count;
  g_strlcpy (head->hash, hash, sizeof head->hash);
  return AUDIT_HEAD_OK;
}
