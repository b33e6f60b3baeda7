/* The encrypted container (README.md, "Container"): a header, then
 * XChaCha20-Poly1305 secretstream chunks, the last one tagged FINAL. */
#pragma once

#include "backup-core.h"

#define OCC_BACKUP_CHUNK (64 * 1024)

typedef struct OccBackupSealer OccBackupSealer;
typedef struct OccBackupOpener OccBackupOpener;

/* Writes the header for @id to @fd (owned by the caller). */
OccBackupSealer *occ_backup_sealer_new (int fd, const char *name, const char *id, const guint8 *key,
                                        guint64 fail_after_bytes, GError **error);
gboolean occ_backup_sealer_write (OccBackupSealer *s, const void *data, gsize len, GError **error);
/* Seals the last chunk with the FINAL tag; gives the container's size and
 * SHA-256 (of the bytes written). */
gboolean occ_backup_sealer_finish (OccBackupSealer *s, guint64 *size, guint8 *sha256,
                                   GError **error);
void occ_backup_sealer_free (OccBackupSealer *s);

/* Checks the header: magic, version, and the id when @expect_id is not
 * NULL. With @digest, every byte read is also hashed (see
 * occ_backup_opener_digest ()). */
OccBackupOpener *occ_backup_opener_new (int fd, const char *name, const char *expect_id,
                                        const guint8 *key, gboolean digest, GError **error);
/* Up to @len bytes of plaintext; 0 at the end (after the FINAL chunk,
 * with nothing behind it); -1 with @error on a bad tag or truncation. */
gssize occ_backup_opener_read (OccBackupOpener *o, void *buf, gsize len, GError **error);
const char *occ_backup_opener_id (OccBackupOpener *o);
/* After the FINAL chunk was read, with @digest: the file's size and
 * SHA-256 (FALSE before that, without @digest, or if hashing failed).
 * Once only. */
gboolean occ_backup_opener_digest (OccBackupOpener *o, guint64 *size, guint8 *sha256);
void occ_backup_opener_free (OccBackupOpener *o);
