/* Reading and verifying archives. */
#include "reader.h"
#include "sha256.h"

#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define MANIFEST_MAX (G_GUINT64_CONSTANT (1) << 30)

static la_ssize_t
tar_in (struct archive *a, void *data, const void **buf)
{
  OccBackupReader *r = data;
  gssize n = occ_backup_opener_read (r->opener, r->buf, sizeof r->buf, r->error ? NULL : &r->error);
  if (n < 0)
    {
      archive_set_error (a, EIO, "container read failed");
      return -1;
    }
  *buf = r->buf;
  return n;
}

static gboolean
tar_failed (OccBackupReader *r, GError **error)
{
  if (r->error)
    g_propagate_error (error, g_steal_pointer (&r->error));
  else
    g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_CORRUPT, "%s: bad archive content: %s",
                 r->path, archive_error_string (r->ar));
  return FALSE;
}

static char *
read_text_member (OccBackupReader *r, struct archive_entry *ae, gsize *len, GError **error)
{
  la_int64_t size = archive_entry_size (ae);
  if (size < 0 || (guint64) size > MANIFEST_MAX)
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_CORRUPT, "%s: member too large",
                   r->path);
      return NULL;
    }
  g_autofree char *text = g_malloc ((gsize) size + 1);
  gsize got = 0;
  while (got < (gsize) size)
    {
      la_ssize_t n = archive_read_data (r->ar, text + got, (gsize) size - got);
      if (n <= 0)
        {
          if (n == 0)
            g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_CORRUPT, "%s: short member",
                         r->path);
          else
            tar_failed (r, error);
          return NULL;
        }
      got += (gsize) n;
    }
  text[got] = '\0';
  *len = got;
  return g_steal_pointer (&text);
}

/* An archive's id is its file name without the suffix: a file renamed to
 * another archive's name is refused. */
static char *
expected_id (const char *archive)
{
  g_autofree char *base = g_path_get_basename (archive);
  if (!g_str_has_suffix (base, OCC_BACKUP_SUFFIX))
    return NULL;
  return g_strndup (base, strlen (base) - strlen (OCC_BACKUP_SUFFIX));
}

OccBackupReader *
occ_backup_reader_open (const char *archive, const guint8 *key, gboolean digest, GError **error)
{
  OccBackupReader *r = g_new0 (OccBackupReader, 1);
  r->path = g_strdup (archive);
  r->fd = open (archive, O_RDONLY | O_CLOEXEC);
  g_autofree char *expect = expected_id (archive);
  struct archive_entry *ae = NULL;
  if (r->fd < 0)
    g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_IO, "%s: %s", archive,
                 g_strerror (errno));
  else if ((r->opener = occ_backup_opener_new (r->fd, archive, expect, key, digest, error)))
    {
      r->ar = archive_read_new ();
      archive_read_support_filter_zstd (r->ar);
      archive_read_support_format_tar (r->ar);
      if (archive_read_open (r->ar, r, NULL, tar_in, NULL) != ARCHIVE_OK
          || archive_read_next_header (r->ar, &ae) != ARCHIVE_OK)
        tar_failed (r, error);
      else if (strcmp (archive_entry_pathname (ae), "manifest") != 0)
        g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_CORRUPT,
                     "%s: first member is not the manifest", archive);
      else
        {
          gsize len = 0;
          g_autofree char *text = read_text_member (r, ae, &len, error);
          g_autoptr (GError) perr = NULL;
          if (text && !(r->manifest = occ_backup_manifest_parse (text, len, &perr)))
            g_set_error (error, OCC_BACKUP_ERROR, perr->code, "%s: %s", archive, perr->message);
          else if (r->manifest && strcmp (r->manifest->id, occ_backup_opener_id (r->opener)) != 0)
            g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_MISMATCH,
                         "%s: manifest id \"%s\" is not the header's", archive, r->manifest->id);
          else if (r->manifest)
            return r;
        }
    }
  occ_backup_reader_free (r);
  return NULL;
}

static gboolean
merge_problems (OccBackupReader *r, struct archive_entry *ae, GError **error)
{
  gsize len = 0;
  g_autofree char *text = read_text_member (r, ae, &len, error);
  if (!text)
    return FALSE;
  g_autofree char *doc = g_strdup_printf ("omnicc-backup-manifest 1\nid x\n%send\n", text);
  g_autoptr (GError) perr = NULL;
  g_autoptr (OccBackupManifest) late = occ_backup_manifest_parse (doc, strlen (doc), &perr);
  if (!late || late->entries->len || late->deleted->len)
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_CORRUPT, "%s: bad problems member",
                   r->path);
      return FALSE;
    }
  if (late->problems->len)
    r->manifest->complete = FALSE;
  while (late->problems->len)
    g_ptr_array_add (r->manifest->problems, g_ptr_array_steal_index (late->problems, 0));
  return TRUE;
}

gboolean
occ_backup_reader_next (OccBackupReader *r, guint *index, gboolean *done, GError **error)
{
  struct archive_entry *ae = NULL;
  *done = FALSE;
  int rc = archive_read_next_header (r->ar, &ae);
  if (rc != ARCHIVE_OK)
    return tar_failed (r, error);
  const char *name = archive_entry_pathname (ae);
  guint64 i = 0;
  if (strcmp (name, "problems") == 0)
    {
      *done = TRUE;
      return merge_problems (r, ae, error);
    }
  if (!g_str_has_prefix (name, "data/")
      || !g_ascii_string_to_unsigned (name + 5, 10, 0, r->manifest->entries->len - 1, &i, NULL))
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_CORRUPT,
                   "%s: unexpected member \"%s\"", r->path, name);
      return FALSE;
    }
  const OccBackupEntry *e = g_ptr_array_index (r->manifest->entries, i);
  if (!e->in_archive || archive_entry_size (ae) != (la_int64_t) e->size)
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_CORRUPT,
                   "%s: member \"%s\" disagrees with the manifest", r->path, name);
      return FALSE;
    }
  *index = (guint) i;
  return TRUE;
}

static gboolean
write_out (int fd, const void *p, gsize len, GError **error)
{
  const guint8 *b = p;
  while (len > 0)
    {
      ssize_t w = write (fd, b, len);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        {
          g_set_error (error, OCC_BACKUP_ERROR,
                       errno == ENOSPC ? OCC_BACKUP_ERROR_NO_SPACE : OCC_BACKUP_ERROR_IO,
                       "restore write failed: %s", g_strerror (errno));
          return FALSE;
        }
      b += w;
      len -= (gsize) w;
    }
  return TRUE;
}

/* A content mismatch the writer already reported (trailing "problems") is
 * known when the archive is read to its end; verify and restore check
 * the mismatches against that list then. */
gboolean
occ_backup_reader_data (OccBackupReader *r, const OccBackupEntry *e, int out_fd, GError **error)
{
  g_autoptr (OccBackupSha256) h = occ_backup_sha256_new ();
  guint64 got = 0;
  for (;;)
    {
      la_ssize_t n = archive_read_data (r->ar, r->out, sizeof r->out);
      if (n < 0)
        return tar_failed (r, error);
      if (n == 0)
        break;
      occ_backup_sha256_update (h, r->out, (gsize) n);
      got += (guint64) n;
      if (out_fd >= 0 && !write_out (out_fd, r->out, (gsize) n, error))
        return FALSE;
    }
  guint8 sha[32];
  if (!occ_backup_sha256_finish (h, sha))
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_IO, "%s: SHA-256 failed (libcrypto)",
                   r->path);
      return FALSE;
    }
  if (got != e->size || memcmp (sha, e->sha256, 32) != 0)
    {
      g_autofree char *p = occ_backup_escape (e->path);
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_CORRUPT,
                   "%s: SHA-256 of \"%s\" does not match the manifest", r->path, p);
      return FALSE;
    }
  return TRUE;
}

gboolean
occ_backup_reader_finish (OccBackupReader *r, GError **error)
{
  struct archive_entry *ae = NULL;
  int rc = archive_read_next_header (r->ar, &ae);
  if (rc == ARCHIVE_OK)
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_CORRUPT,
                   "%s: members after the problems list", r->path);
      return FALSE;
    }
  if (rc != ARCHIVE_EOF)
    return tar_failed (r, error);
  /* drain what libarchive did not need, so the FINAL tag is checked */
  for (;;)
    {
      gssize n = occ_backup_opener_read (r->opener, r->out, sizeof r->out, error);
      if (n < 0)
        return FALSE;
      if (n == 0)
        return TRUE;
    }
}

void
occ_backup_reader_free (OccBackupReader *r)
{
  if (!r)
    return;
  if (r->ar)
    archive_read_free (r->ar);
  occ_backup_opener_free (r->opener);
  occ_backup_manifest_free (r->manifest);
  g_clear_error (&r->error);
  if (r->fd >= 0)
    close (r->fd);
  g_free (r->path);
  g_free (r);
}

static gboolean
known_problem (const OccBackupManifest *m, const char *path)
{
  for (guint i = 0; i < m->problems->len; i++)
    if (strcmp (((OccBackupProblem *) g_ptr_array_index (m->problems, i))->path, path) == 0)
      return TRUE;
  return FALSE;
}

/* Mismatches are only errors when the writer did not report them. */
gboolean
occ_backup_reader_walk (OccBackupReader *r,
                        gboolean (*each) (OccBackupReader *, guint, gpointer, GError **),
                        gpointer data, GError **error)
{
  g_autoptr (GPtrArray) bad = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr (GPtrArray) bad_paths = g_ptr_array_new ();
  for (;;)
    {
      guint index = 0;
      gboolean done = FALSE;
      if (!occ_backup_reader_next (r, &index, &done, error))
        return FALSE;
      if (done)
        break;
      GError *e = NULL;
      if (!each (r, index, data, &e))
        {
          if (e->code != OCC_BACKUP_ERROR_CORRUPT || !strstr (e->message, "does not match"))
            {
              g_propagate_error (error, e);
              return FALSE;
            }
          g_ptr_array_add (bad, e);
          g_ptr_array_add (
              bad_paths,
              ((OccBackupEntry *) g_ptr_array_index (r->manifest->entries, index))->path);
        }
    }
  if (!occ_backup_reader_finish (r, error))
    return FALSE;
  for (guint i = 0; i < bad->len; i++)
    if (!known_problem (r->manifest, g_ptr_array_index (bad_paths, i)))
      {
        g_propagate_error (error, g_error_copy (g_ptr_array_index (bad, i)));
        return FALSE;
      }
  return TRUE;
}

static gboolean
verify_one (OccBackupReader *r, guint index, gpointer data, GError **error)
{
  return occ_backup_reader_data (r, g_ptr_array_index (r->manifest->entries, index), -1, error);
}

gboolean
occ_backup_verify (const char *archive, const guint8 *key, OccBackupManifest **manifest_out,
                   GError **error)
{
  return occ_backup_verify_file (archive, key, manifest_out, NULL, NULL, error);
}

gboolean
occ_backup_verify_file (const char *archive, const guint8 *key, OccBackupManifest **manifest_out,
                        guint64 *size_out, guint8 *sha256_out, GError **error)
{
  g_return_val_if_fail (archive && key, FALSE);
  gboolean digest = size_out != NULL || sha256_out != NULL;
  OccBackupReader *r = occ_backup_reader_open (archive, key, digest, error);
  if (!r)
    return FALSE;
  gboolean ok = occ_backup_reader_walk (r, verify_one, NULL, error);
  guint64 size = 0;
  guint8 sha[32];
  if (ok && digest && !occ_backup_opener_digest (r->opener, &size, sha))
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_IO, "%s: SHA-256 failed", archive);
      ok = FALSE;
    }
  if (ok && size_out)
    *size_out = size;
  if (ok && sha256_out)
    memcpy (sha256_out, sha, sizeof sha);
  if (ok && manifest_out)
    *manifest_out = g_steal_pointer (&r->manifest);
  occ_backup_reader_free (r);
  return ok;
}

OccBackupManifest *
occ_backup_read_manifest (const char *archive, const guint8 *key, GError **error)
{
  OccBackupReader *r = occ_backup_reader_open (archive, key, FALSE, error);
  if (!r)
    return NULL;
  OccBackupManifest *m = g_steal_pointer (&r->manifest);
  occ_backup_reader_free (r);
  return m;
}
