/* Reading an archive member by member (reader.c), shared by verify and
 * restore (restore.c). */
#pragma once

#include "container.h"

#include <archive.h>

typedef struct {
  char *path;
  int fd;
  OccBackupOpener *opener;
  struct archive *ar;
  GError *error;                /* the opener's, kept across libarchive's callback */
  guint8 buf[OCC_BACKUP_CHUNK]; /* libarchive's input */
  guint8 out[OCC_BACKUP_CHUNK]; /* member data read out of it */
  OccBackupManifest *manifest;
} OccBackupReader;

/* Opens @archive and reads its first member, the manifest; with @digest
 * the file's bytes are hashed as they are read (occ_backup_opener_digest). */
OccBackupReader *occ_backup_reader_open (const char *archive, const guint8 *key, gboolean digest,
                                         GError **error);
/* The next data member: its manifest index in @index; FALSE at the
 * trailing "problems" member (then merged into the manifest) or on error
 * (@error set). */
gboolean occ_backup_reader_next (OccBackupReader *r, guint *index, gboolean *done, GError **error);
/* Streams the current member to @sink, checking its SHA-256 against @e. */
gboolean occ_backup_reader_data (OccBackupReader *r, const OccBackupEntry *e, int out_fd,
                                 GError **error);
/* Reads to the end: the FINAL chunk must be there and nothing after it. */
gboolean occ_backup_reader_finish (OccBackupReader *r, GError **error);
/* Calls @each for every data member, then checks the end; a SHA-256
 * mismatch is an error unless the writer reported that path. */
gboolean occ_backup_reader_walk (OccBackupReader *r,
                                 gboolean (*each) (OccBackupReader *, guint, gpointer, GError **),
                                 gpointer data, GError **error);
void occ_backup_reader_free (OccBackupReader *r);
