/* SHA-256 for the backup code (archive core and targets), on OpenSSL's
 * libcrypto: its EVP digest uses the CPU's SHA instructions (about six
 * times libsodium's portable code here, README.md "where the time goes").
 * libsodium stays for the encryption. */
#pragma once

#include <glib.h>

#define OCC_BACKUP_SHA256_BYTES 32

typedef struct OccBackupSha256 OccBackupSha256;

/* A running digest; (transfer full), free with occ_backup_sha256_free.
 * One thread at a time per digest; any number of digests at once. */
OccBackupSha256 *occ_backup_sha256_new (void);
void occ_backup_sha256_update (OccBackupSha256 *h, const void *data, gsize len);
/* Writes the digest of everything passed to update into @out; FALSE
 * (and @out zeroed) if libcrypto failed at any step. The digest cannot
 * be updated afterwards. */
gboolean occ_backup_sha256_finish (OccBackupSha256 *h, guint8 out[OCC_BACKUP_SHA256_BYTES]);
void occ_backup_sha256_free (OccBackupSha256 *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OccBackupSha256, occ_backup_sha256_free)

/* 64 lower-case hex digits and a NUL into @hex. */
void occ_backup_sha256_hex (const guint8 sha[OCC_BACKUP_SHA256_BYTES], char hex[65]);
