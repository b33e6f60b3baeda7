/* The encrypted container: see container.h and README.md. */
#define _GNU_SOURCE /* sync_file_range */
#include "container.h"
#include "sha256.h"

#include <fcntl.h>
#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#define MAGIC "OCCBKUP\n"
#define VERSION 1
#define ID_BYTES 64
#define CHECK_BYTES 16
#define CHECK_AT (12 + ID_BYTES)
#define SS_AT (CHECK_AT + CHECK_BYTES)
#define HEADER_BYTES (SS_AT + crypto_secretstream_xchacha20poly1305_HEADERBYTES)
#define ABYTES crypto_secretstream_xchacha20poly1305_ABYTES

struct OccBackupSealer {
  int fd;
  char *name;
  crypto_secretstream_xchacha20poly1305_state st;
  guint8 header[HEADER_BYTES];
  gboolean first;
  guint8 *plain;
  gsize fill;
  guint8 *cipher;
  guint64 written, fail_after, flushed;
  OccBackupSha256 *digest; /* of the bytes written */
};

struct OccBackupOpener {
  int fd;
  char *name;
  crypto_secretstream_xchacha20poly1305_state st;
  guint8 header[HEADER_BYTES];
  gboolean first, final;
  char id[ID_BYTES + 1];
  guint8 *plain;
  gsize fill, pos;
  guint8 *cipher;
  OccBackupSha256 *digest; /* of the bytes read, when asked for */
  guint64 read;
};

static gboolean
write_all (OccBackupSealer *s, const guint8 *p, gsize len, GError **error)
{
  while (len > 0)
    {
      gsize n = len;
      if (s->fail_after && s->written + n > s->fail_after)
        n = s->fail_after > s->written ? s->fail_after - s->written : 0;
      ssize_t w = n ? write (s->fd, p, n) : (errno = ENOSPC, -1);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        {
          int err = errno;
          g_set_error (error, OCC_BACKUP_ERROR,
                       err == ENOSPC ? OCC_BACKUP_ERROR_NO_SPACE : OCC_BACKUP_ERROR_IO,
                       "%s: write failed: %s", s->name, g_strerror (err));
          return FALSE;
        }
      occ_backup_sha256_update (s->digest, p, (gsize) w);
      s->written += (guint64) w;
      p += w;
      len -= (gsize) w;
    }
  /* start writeback as we go, so the final fsync has little left to do */
  if (s->written - s->flushed >= 8 << 20)
    {
      sync_file_range (s->fd, (off64_t) s->flushed, (off64_t) (s->written - s->flushed),
                       SYNC_FILE_RANGE_WRITE);
      s->flushed = s->written;
    }
  return TRUE;
}

/* A keyed hash of a constant: tells "wrong key" apart from "corrupted"
 * without decrypting anything. */
static void
key_check (const guint8 *key, guint8 *out)
{
  static const char what[] = "omnicc-backup key check";
  crypto_generichash (out, CHECK_BYTES, (const guint8 *) what, sizeof what - 1, key,
                      OCC_BACKUP_KEY_BYTES);
}

OccBackupSealer *
occ_backup_sealer_new (int fd, const char *name, const char *id, const guint8 *key,
                       guint64 fail_after_bytes, GError **error)
{
  if (sodium_init () < 0 || strlen (id) > ID_BYTES)
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_IO, "%s: cannot start encryption",
                   name);
      return NULL;
    }
  OccBackupSealer *s = g_new0 (OccBackupSealer, 1);
  s->fd = fd;
  s->name = g_strdup (name);
  s->first = TRUE;
  s->fail_after = fail_after_bytes;
  s->plain = g_malloc (OCC_BACKUP_CHUNK);
  s->cipher = g_malloc (OCC_BACKUP_CHUNK + ABYTES + 4);
  memcpy (s->header, MAGIC, 8);
  guint32 v = GUINT32_TO_LE (VERSION);
  memcpy (s->header + 8, &v, 4);
  memcpy (s->header + 12, id, strlen (id));
  s->digest = occ_backup_sha256_new ();
  key_check (key, s->header + CHECK_AT);
  crypto_secretstream_xchacha20poly1305_init_push (&s->st, s->header + SS_AT, key);
  if (!write_all (s, s->header, HEADER_BYTES, error))
    {
      occ_backup_sealer_free (s);
      return NULL;
    }
  return s;
}

/* The first chunk authenticates the whole header as additional data: a
 * header edited to another id does not decrypt. */
static gboolean
seal_chunk (OccBackupSealer *s, guint8 tag, GError **error)
{
  unsigned long long clen = 0;
  crypto_secretstream_xchacha20poly1305_push (&s->st, s->cipher + 4, &clen, s->plain, s->fill,
                                              s->first ? s->header : NULL,
                                              s->first ? HEADER_BYTES : 0, tag);
  s->first = FALSE;
  guint32 l = GUINT32_TO_LE ((guint32) clen);
  memcpy (s->cipher, &l, 4);
  s->fill = 0;
  return write_all (s, s->cipher, (gsize) clen + 4, error);
}

gboolean
occ_backup_sealer_write (OccBackupSealer *s, const void *data, gsize len, GError **error)
{
  const guint8 *p = data;
  while (len > 0)
    {
      gsize n = MIN (len, OCC_BACKUP_CHUNK - s->fill);
      memcpy (s->plain + s->fill, p, n);
      s->fill += n;
      p += n;
      len -= n;
      if (s->fill == OCC_BACKUP_CHUNK && !seal_chunk (s, 0, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
occ_backup_sealer_finish (OccBackupSealer *s, guint64 *size, guint8 *sha256, GError **error)
{
  if (!seal_chunk (s, crypto_secretstream_xchacha20poly1305_TAG_FINAL, error))
    return FALSE;
  *size = s->written;
  if (occ_backup_sha256_finish (s->digest, sha256))
    return TRUE;
  g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_IO, "%s: SHA-256 failed (libcrypto)",
               s->name);
  return FALSE;
}

void
occ_backup_sealer_free (OccBackupSealer *s)
{
  if (!s)
    return;
  sodium_memzero (&s->st, sizeof s->st);
  sodium_memzero (s->plain, OCC_BACKUP_CHUNK);
  g_free (s->plain);
  g_free (s->cipher);
  occ_backup_sha256_free (s->digest);
  g_free (s->name);
  g_free (s);
}

/* 1 read all, 0 clean end of file before any byte, -1 error or short. */
static int
read_exact (int fd, guint8 *p, gsize len)
{
  gsize got = 0;
  while (got < len)
    {
      ssize_t r = read (fd, p + got, len - got);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return r == 0 && got == 0 ? 0 : -1;
      got += (gsize) r;
    }
  return 1;
}

/* read_exact () for an opener: the bytes also go to its digest. */
static int
take (OccBackupOpener *o, guint8 *p, gsize len)
{
  int r = read_exact (o->fd, p, len);
  if (r == 1)
    {
      o->read += len;
      if (o->digest)
        occ_backup_sha256_update (o->digest, p, len);
    }
  return r;
}

OccBackupOpener *
occ_backup_opener_new (int fd, const char *name, const char *expect_id, const guint8 *key,
                       gboolean digest, GError **error)
{
  g_autofree guint8 *h = g_malloc (HEADER_BYTES);
  if (sodium_init () < 0 || read_exact (fd, h, HEADER_BYTES) != 1 || memcmp (h, MAGIC, 8) != 0)
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_CORRUPT,
                   "%s: not an omnicc backup archive", name);
      return NULL;
    }
  guint32 v;
  memcpy (&v, h + 8, 4);
  if (GUINT32_FROM_LE (v) != VERSION)
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_CORRUPT,
                   "%s: unknown archive version %u", name, GUINT32_FROM_LE (v));
      return NULL;
    }
  OccBackupOpener *o = g_new0 (OccBackupOpener, 1);
  o->fd = fd;
  o->name = g_strdup (name);
  o->first = TRUE;
  memcpy (o->header, h, HEADER_BYTES);
  memcpy (o->id, h + 12, ID_BYTES);
  o->read = HEADER_BYTES;
  if (digest)
    {
      o->digest = occ_backup_sha256_new ();
      occ_backup_sha256_update (o->digest, h, HEADER_BYTES);
    }
  o->plain = g_malloc (OCC_BACKUP_CHUNK);
  o->cipher = g_malloc (OCC_BACKUP_CHUNK + ABYTES);
  if (expect_id && strcmp (o->id, expect_id) != 0)
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_MISMATCH,
                   "%s: holds archive \"%s\", not \"%s\"", name, o->id, expect_id);
      occ_backup_opener_free (o);
      return NULL;
    }
  guint8 check[CHECK_BYTES];
  key_check (key, check);
  if (sodium_memcmp (check, h + CHECK_AT, CHECK_BYTES) != 0)
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_KEY,
                   "%s: wrong key (not the key this archive was written with)", name);
      occ_backup_opener_free (o);
      return NULL;
    }
  crypto_secretstream_xchacha20poly1305_init_pull (&o->st, h + SS_AT, key);
  return o;
}

static gboolean
open_chunk (OccBackupOpener *o, GError **error)
{
  guint8 lb[4];
  int r = take (o, lb, 4);
  guint32 len;
  memcpy (&len, lb, 4);
  len = GUINT32_FROM_LE (len);
  if (r == 1 && (len < ABYTES || len > OCC_BACKUP_CHUNK + ABYTES))
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_CORRUPT, "%s: corrupted chunk length",
                   o->name);
      return FALSE;
    }
  if (r != 1 || take (o, o->cipher, len) != 1)
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_TRUNCATED,
                   "%s: truncated (ends before its final chunk)", o->name);
      return FALSE;
    }
  unsigned long long plen = 0;
  guint8 tag = 0;
  if (crypto_secretstream_xchacha20poly1305_pull (&o->st, o->plain, &plen, &tag, o->cipher, len,
                                                  o->first ? o->header : NULL,
                                                  o->first ? HEADER_BYTES : 0)
      != 0)
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_CORRUPT,
                   "%s: corrupted chunk (tag check failed)", o->name);
      return FALSE;
    }
  o->first = FALSE;
  o->fill = (gsize) plen;
  o->pos = 0;
  if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL)
    {
      guint8 extra;
      o->final = TRUE;
      if (take (o, &extra, 1) != 0)
        {
          g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_CORRUPT,
                       "%s: data after the final chunk", o->name);
          return FALSE;
        }
    }
  return TRUE;
}

gssize
occ_backup_opener_read (OccBackupOpener *o, void *buf, gsize len, GError **error)
{
  while (o->pos == o->fill)
    {
      if (o->final)
        return 0;
      if (!open_chunk (o, error))
        return -1;
    }
  gsize n = MIN (len, o->fill - o->pos);
  memcpy (buf, o->plain + o->pos, n);
  o->pos += n;
  return (gssize) n;
}

gboolean
occ_backup_opener_digest (OccBackupOpener *o, guint64 *size, guint8 *sha256)
{
  if (o->digest == NULL || !o->final)
    return FALSE;
  *size = o->read;
  gboolean ok = occ_backup_sha256_finish (o->digest, sha256);
  g_clear_pointer (&o->digest, occ_backup_sha256_free);
  return ok;
}

const char *
occ_backup_opener_id (OccBackupOpener *o)
{
  return o->id;
}

void
occ_backup_opener_free (OccBackupOpener *o)
{
  if (!o)
    return;
  sodium_memzero (&o->st, sizeof o->st);
  if (o->digest)
    occ_backup_sha256_free (o->digest);
  g_free (o->plain);
  g_free (o->cipher);
  g_free (o->name);
  g_free (o);
}
