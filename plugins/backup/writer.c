/* The archive writer: scan, decide what a differential needs, stream the
 * tar (pax) through zstd into the encrypted container, then publish the
 * file atomically. */
#include "container.h"
#include "scan.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  const OccBackupOptions *opts;
  OccBackupSealer *sealer;
  struct archive *ar;
  GError *error; /* the sealer's, kept across libarchive's callback */
  guint64 done, total;
} Writer;

static la_ssize_t
tar_out (struct archive *a, void *data, const void *buf, size_t len)
{
  Writer *w = data;
  if (!occ_backup_sealer_write (w->sealer, buf, len, w->error ? NULL : &w->error))
    {
      archive_set_error (a, EIO, "container write failed");
      return -1;
    }
  return (la_ssize_t) len;
}

static gboolean
tar_failed (Writer *w, const char *archive, GError **error)
{
  if (w->error)
    g_propagate_error (error, g_steal_pointer (&w->error));
  else
    g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_IO, "%s: %s", archive,
                 archive_error_string (w->ar));
  return FALSE;
}

static gboolean
member_begin (Writer *w, const char *name, guint64 size)
{
  struct archive_entry *ae = archive_entry_new ();
  archive_entry_set_pathname (ae, name);
  archive_entry_set_filetype (ae, AE_IFREG);
  archive_entry_set_perm (ae, 0600);
  archive_entry_set_size (ae, (la_int64_t) size);
  int r = archive_write_header (w->ar, ae);
  archive_entry_free (ae);
  return r == ARCHIVE_OK;
}

static gboolean
member_text (Writer *w, const char *name, const char *text)
{
  gsize len = strlen (text);
  return member_begin (w, name, len)
         && (len == 0 || archive_write_data (w->ar, text, len) == (la_ssize_t) len);
}

static gboolean
file_sink (const void *data, gsize len, gpointer user_data, GError **error)
{
  Writer *w = user_data;
  if (archive_write_data (w->ar, data, len) != (la_ssize_t) len)
    return FALSE;
  w->done += len;
  return TRUE;
}

/* Streams one file into member data/INDEX. The scan hashed it moments
 * ago; it is not hashed again (another SHA-256 of every byte: a sixth
 * more CPU time): the file is taken as unchanged when its size and mtime
 * are still the scan's before and after this read. A file that no longer matches is still
 * written to the declared size (zero padded) and reported in the
 * trailing "problems" member. */
static gboolean
member_file (Writer *w, OccBackupManifest *m, guint index, GString *late)
{
  OccBackupEntry *e = g_ptr_array_index (m->entries, index);
  g_autofree char *name = g_strdup_printf ("data/%u", index);
  if (!member_begin (w, name, e->size))
    return FALSE;
  OccBackupEntry copy = *e;
  gboolean sink_failed = FALSE;
  g_autoptr (GError) err = NULL;
  guint64 before = w->done;
  OccBackupReadResult r
      = occ_backup_read_file (w->opts->root, &copy, NULL, file_sink, w, &sink_failed, &err);
  if (sink_failed)
    return FALSE;
  guint64 written = w->done - before;
  static const guint8 zeros[4096];
  while (written < e->size)
    {
      gsize n = (gsize) MIN ((guint64) sizeof zeros, e->size - written);
      if (archive_write_data (w->ar, zeros, n) != (la_ssize_t) n)
        return FALSE;
      written += n;
    }
  if (r != OCC_BACKUP_READ_OK || copy.size != e->size || copy.mtime_ns != e->mtime_ns)
    {
      const char *why = r == OCC_BACKUP_READ_FAILED
                            ? err->message
                            : "changed while archived: stored content is not the manifest's";
      occ_backup_add_problem (m, e->path, why);
      g_autofree char *p = occ_backup_escape (e->path);
      g_autofree char *q = occ_backup_escape (why);
      g_string_append_printf (late, "problem %s %s\n", p, q);
    }
  if (w->opts->progress)
    w->opts->progress (w->done, w->total, e->path, w->opts->user_data);
  return TRUE;
}

/* Unchanged since the full when size and mtime match, unless the mtime is
 * within the last two seconds before the full was taken: such a file may
 * have been written again in the same timestamp tick after the full read
 * it, so it is hashed and compared (README.md, "Differential"). */
static gboolean
unchanged_since (const OccBackupEntry *e, const OccBackupEntry *b, gint64 base_created)
{
  if (!b || b->type != OCC_BACKUP_ENTRY_FILE || b->size != e->size || b->mtime_ns != e->mtime_ns)
    return FALSE;
  return e->mtime_ns < (base_created - 2) * G_GINT64_CONSTANT (1000000000);
}

static void
plan (const OccBackupOptions *o, OccBackupManifest *m, guint64 *total)
{
  const OccBackupManifest *base = o->kind == OCC_BACKUP_DIFFERENTIAL ? o->base : NULL;
  g_autoptr (GPtrArray) to_hash = g_ptr_array_new ();
  for (guint i = 0; i < m->entries->len; i++)
    {
      OccBackupEntry *e = g_ptr_array_index (m->entries, i);
      const OccBackupEntry *b = base ? occ_backup_manifest_lookup (base, e->path) : NULL;
      if (e->type != OCC_BACKUP_ENTRY_FILE)
        continue;
      if (b && unchanged_since (e, b, base->created))
        memcpy (e->sha256, b->sha256, 32);
      else
        g_ptr_array_add (to_hash, e);
    }
  occ_backup_hash_files (m, o->root, to_hash);
  g_autoptr (GHashTable) hashed = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < to_hash->len; i++)
    g_hash_table_add (hashed, g_ptr_array_index (to_hash, i));
  *total = 0;
  for (guint i = 0; i < m->entries->len; i++)
    {
      OccBackupEntry *e = g_ptr_array_index (m->entries, i);
      if (!g_hash_table_contains (hashed, e))
        continue;
      const OccBackupEntry *b = base ? occ_backup_manifest_lookup (base, e->path) : NULL;
      e->in_archive = !(b && b->type == OCC_BACKUP_ENTRY_FILE && b->size == e->size
                        && memcmp (b->sha256, e->sha256, 32) == 0);
      if (e->in_archive)
        *total += e->size;
    }
  if (!base)
    return;
  g_autoptr (GHashTable) trouble = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < m->problems->len; i++)
    g_hash_table_add (trouble, ((OccBackupProblem *) g_ptr_array_index (m->problems, i))->path);
  for (guint i = 0; i < base->entries->len; i++)
    {
      const OccBackupEntry *b = g_ptr_array_index (base->entries, i);
      if (!occ_backup_manifest_lookup (m, b->path) && !g_hash_table_contains (trouble, b->path))
        g_ptr_array_add (m->deleted, g_strdup (b->path));
    }
}

static gboolean
write_members (Writer *w, OccBackupManifest *m, const char *name, GError **error)
{
  g_autofree char *text = occ_backup_manifest_to_string (m);
  g_autoptr (GString) late = g_string_new (NULL);
  w->ar = archive_write_new ();
  archive_write_set_format_pax_restricted (w->ar);
  archive_write_add_filter_zstd (w->ar);
  /* zstd's own worker threads: compression overlaps reading and sealing */
  g_autofree char *threads = g_strdup_printf ("%u", MIN (g_get_num_processors (), 8u));
  archive_write_set_filter_option (w->ar, "zstd", "threads", threads);
  archive_write_set_bytes_in_last_block (w->ar, 1);
  if (archive_write_open2 (w->ar, w, NULL, tar_out, NULL, NULL) != ARCHIVE_OK
      || !member_text (w, "manifest", text))
    return tar_failed (w, name, error);
  guint n = m->entries->len;
  for (guint i = 0; i < n; i++)
    {
      OccBackupEntry *e = g_ptr_array_index (m->entries, i);
      if (e->in_archive && !member_file (w, m, i, late))
        return tar_failed (w, name, error);
    }
  if (!member_text (w, "problems", late->str) || archive_write_close (w->ar) != ARCHIVE_OK)
    return tar_failed (w, name, error);
  return TRUE;
}

static gboolean
sync_dir (const char *dir, GError **error)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  gboolean ok = fd >= 0 && fsync (fd) == 0;
  if (!ok)
    g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_IO, "%s: cannot sync folder: %s", dir,
                 g_strerror (errno));
  if (fd >= 0)
    close (fd);
  return ok;
}

/* Leftovers of an interrupted run: never complete, safe to delete. */
static void
remove_partials (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    if (name[0] == '.' && g_str_has_suffix (name, OCC_BACKUP_SUFFIX ".partial"))
      {
        g_autofree char *p = g_build_filename (dir, name, NULL);
        unlink (p);
      }
}

static gboolean
publish (Writer *w, OccBackupResult *res, const char *tmp, int fd, GError **error)
{
  if (!occ_backup_sealer_finish (w->sealer, &res->size, res->sha256, error))
    return FALSE;
  if (fsync (fd) != 0 || rename (tmp, res->path) != 0)
    {
      int err = errno;
      g_set_error (error, OCC_BACKUP_ERROR,
                   err == ENOSPC ? OCC_BACKUP_ERROR_NO_SPACE : OCC_BACKUP_ERROR_IO, "%s: %s",
                   res->path, g_strerror (err));
      return FALSE;
    }
  return sync_dir (w->opts->dir, error);
}

static OccBackupManifest *
build_manifest (const OccBackupOptions *o, guint64 *total, GError **error)
{
  OccBackupManifest *m = occ_backup_scan (
      o->root, o->exclude, o->follow_root_links ? OCC_BACKUP_SCAN_FOLLOW_ROOT_LINKS : 0, error);
  if (!m)
    return NULL;
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (o->now);
  g_autofree char *stamp = g_date_time_format (t, "%Y%m%dT%H%M%SZ");
  m->kind = o->kind;
  m->created = o->now;
  m->id = g_strconcat (stamp, o->kind == OCC_BACKUP_FULL ? "-full" : "-diff", NULL);
  m->base_id = o->base && o->kind == OCC_BACKUP_DIFFERENTIAL ? g_strdup (o->base->id) : NULL;
  plan (o, m, total);
  return m;
}

OccBackupResult *
occ_backup_write (const OccBackupOptions *o, GError **error)
{
  g_return_val_if_fail (o && o->root && o->dir && o->key, NULL);
  g_return_val_if_fail (o->kind == OCC_BACKUP_FULL || (o->base && o->base->kind == OCC_BACKUP_FULL),
                        NULL);
  remove_partials (o->dir);
  Writer w = { .opts = o };
  g_autoptr (OccBackupManifest) m = build_manifest (o, &w.total, error);
  if (!m)
    return NULL;
  g_autoptr (OccBackupResult) res = g_new0 (OccBackupResult, 1);
  g_autofree char *file = g_strconcat (m->id, OCC_BACKUP_SUFFIX, NULL);
  g_autofree char *tmpname = g_strconcat (".", file, ".partial", NULL);
  g_autofree char *tmp = g_build_filename (o->dir, tmpname, NULL);
  res->path = g_build_filename (o->dir, file, NULL);
  int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_IO, "%s: %s", tmp, g_strerror (errno));
      return NULL;
    }
  w.sealer = occ_backup_sealer_new (fd, res->path, m->id, o->key, o->fail_after_bytes, error);
  gboolean ok
      = w.sealer && write_members (&w, m, res->path, error) && publish (&w, res, tmp, fd, error);
  if (w.ar)
    archive_write_free (w.ar);
  g_clear_error (&w.error);
  occ_backup_sealer_free (w.sealer);
  close (fd);
  if (!ok)
    {
      unlink (tmp);
      return NULL;
    }
  res->manifest = g_steal_pointer (&m);
  return g_steal_pointer (&res);
}

void
occ_backup_result_free (OccBackupResult *r)
{
  if (!r)
    return;
  g_free (r->path);
  occ_backup_manifest_free (r->manifest);
  g_free (r);
}

gboolean
occ_backup_key_load (const char *path, guint8 *key, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &data, &len, error))
    return FALSE;
  if (len != OCC_BACKUP_KEY_BYTES)
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_KEY,
                   "%s: a key file holds exactly %d bytes, not %" G_GSIZE_FORMAT, path,
                   OCC_BACKUP_KEY_BYTES, len);
      return FALSE;
    }
  memcpy (key, data, len);
  return TRUE;
}
