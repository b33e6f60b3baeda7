/* Tree scan internals shared by the writer (see backup-core.h). */
#pragma once

#include "backup-core.h"

/* Receives a file's bytes as they are read. */
typedef gboolean (*OccBackupSink) (const void *data, gsize len, gpointer user_data, GError **error);

typedef enum {
  OCC_BACKUP_READ_OK,
  OCC_BACKUP_READ_CHANGED, /* size or mtime moved while reading */
  OCC_BACKUP_READ_FAILED,  /* could not open or read: @error set */
} OccBackupReadResult;

/* Reads ROOT/e->path once, hashing into @sha256 (unless NULL) and passing the bytes to
 * @sink (may be NULL). Updates e->size/mtime_ns from the stat taken before
 * the read. A sink error is returned as FAILED with @sink_failed set. */
OccBackupReadResult occ_backup_read_file (const char *root, OccBackupEntry *e, guint8 *sha256,
                                          OccBackupSink sink, gpointer user_data,
                                          gboolean *sink_failed, GError **error);
void occ_backup_add_problem (OccBackupManifest *m, const char *path, const char *reason);
/* Hashes @files (entries of @m) on a few threads, each read again once
 * when it changed while read; the ones that cannot be read or keep
 * changing are removed from @m with a problem. */
void occ_backup_hash_files (OccBackupManifest *m, const char *root, GPtrArray *files);
