/* backup-core: the archive core of the backup plugin (see README.md).
 *
 * Every function here is synchronous and does file I/O: call it from a
 * worker thread, never from the main loop. Nothing here keeps global
 * state; functions may run in several threads at once on different
 * archives. Errors are reported in OCC_BACKUP_ERROR and name the archive
 * or path and the reason. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OCC_BACKUP_ERROR (occ_backup_error_quark ())
GQuark occ_backup_error_quark (void);

typedef enum {
  OCC_BACKUP_ERROR_IO,        /* reading or writing a file failed */
  OCC_BACKUP_ERROR_NO_SPACE,  /* the archive folder is full */
  OCC_BACKUP_ERROR_KEY,       /* key file unusable, or not the archive's key */
  OCC_BACKUP_ERROR_CORRUPT,   /* a chunk, a member or a SHA-256 does not check */
  OCC_BACKUP_ERROR_TRUNCATED, /* the archive ends before its FINAL chunk */
  OCC_BACKUP_ERROR_MISMATCH,  /* wrong archive (id, kind or base full) */
  OCC_BACKUP_ERROR_PARSE,     /* manifest or catalogue text is malformed */
  OCC_BACKUP_ERROR_UNSAFE,    /* a path would leave the restore target */
} OccBackupError;

#define OCC_BACKUP_KEY_BYTES 32
#define OCC_BACKUP_SUFFIX ".occbk"

typedef enum {
  OCC_BACKUP_FULL,
  OCC_BACKUP_DIFFERENTIAL,
} OccBackupKind;

typedef enum {
  OCC_BACKUP_ENTRY_FILE = 'f',
  OCC_BACKUP_ENTRY_DIR = 'd',
  OCC_BACKUP_ENTRY_SYMLINK = 'l',
} OccBackupEntryType;

/* One path of a tree. path is relative to the root, '/'-separated, the
 * exact bytes of the names (not necessarily UTF-8). */
typedef struct {
  char *path;
  OccBackupEntryType type;
  guint64 size;
  guint32 mode; /* permission bits (07777) */
  gint64 mtime_ns;
  guint32 uid, gid;
  char *target;        /* symlinks: the link's bytes; else NULL */
  guint8 sha256[32];   /* files: content hash; else zeros */
  gboolean in_archive; /* files: content stored in this archive */
} OccBackupEntry;

/* Something the backup could not do for a path, and what it did about it. */
typedef struct {
  char *path;
  char *reason;
} OccBackupProblem;

typedef struct {
  OccBackupKind kind;
  char *id;
  char *base_id;       /* differential: the full it needs; full: NULL */
  gint64 created;      /* seconds since the epoch (the caller's clock) */
  gboolean complete;   /* FALSE when problems lost data */
  GPtrArray *entries;  /* OccBackupEntry*, sorted by path (byte order) */
  GPtrArray *deleted;  /* char*: paths of the full gone by this time */
  GPtrArray *problems; /* OccBackupProblem* */
} OccBackupManifest;

OccBackupManifest *occ_backup_manifest_new (void);
void occ_backup_manifest_free (OccBackupManifest *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OccBackupManifest, occ_backup_manifest_free)
/* Finds an entry by path (binary search); (transfer none) or NULL. */
const OccBackupEntry *occ_backup_manifest_lookup (const OccBackupManifest *m, const char *path);
/* The manifest's text form (README.md, "Manifest"). (transfer full) */
char *occ_backup_manifest_to_string (const OccBackupManifest *m);
/* Parses untrusted manifest text: every path is checked to stay inside a
 * restore target. (transfer full) or NULL with @error set. */
OccBackupManifest *occ_backup_manifest_parse (const char *data, gsize len, GError **error);
/* Escapes arbitrary name bytes for the manifest and catalogue. */
char *occ_backup_escape (const char *bytes);

/* Progress: @done of @total bytes of content, @path the current file (may
 * be NULL). Called on the calling thread. */
typedef void (*OccBackupProgress) (guint64 done, guint64 total, const char *path,
                                   gpointer user_data);

typedef enum {
  OCC_BACKUP_SCAN_HASH = 1 << 0,
  /* a symlink directly in @root that leads to a folder is walked as that
   * folder (the backup plugin links its sources into one root) */
  OCC_BACKUP_SCAN_FOLLOW_ROOT_LINKS = 1 << 1,
} OccBackupScanFlags;

/* Scans @root: every file, folder and symlink below it (symlinks are never
 * followed, but see OCC_BACKUP_SCAN_FOLLOW_ROOT_LINKS), minus paths
 * matching a glob in @exclude (NULL-terminated, matched against the
 * relative path and each name; may be NULL). With OCC_BACKUP_SCAN_HASH,
 * reads each file for its SHA-256 (a file that changes while read is read
 * again once, then reported). Unreadable paths land in ->problems and
 * clear ->complete. kind/id/created are left empty. (transfer full) or
 * NULL when @root itself cannot be read. */
OccBackupManifest *occ_backup_scan (const char *root, const char *const *exclude,
                                    OccBackupScanFlags flags, GError **error);

typedef struct {
  const char *root;           /* tree to save */
  const char *const *exclude; /* globs, may be NULL */
  gboolean follow_root_links; /* see OCC_BACKUP_SCAN_FOLLOW_ROOT_LINKS */
  const char *dir;            /* archive folder */
  const guint8 *key;          /* OCC_BACKUP_KEY_BYTES */
  gint64 now;                 /* the (possibly virtual) clock, seconds */
  OccBackupKind kind;
  const OccBackupManifest *base; /* differential: the full's manifest */
  OccBackupProgress progress;    /* may be NULL */
  gpointer user_data;
  guint64 fail_after_bytes; /* tests: ENOSPC after so many bytes (0: never) */
} OccBackupOptions;

typedef struct {
  char *path;        /* the archive file */
  guint64 size;      /* its size in bytes */
  guint8 sha256[32]; /* of the archive file */
  OccBackupManifest *manifest;
} OccBackupResult;

void occ_backup_result_free (OccBackupResult *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OccBackupResult, occ_backup_result_free)

/* Writes one archive DIR/ID.occbk (ID from @now and the kind). A
 * differential stores the files new or changed since opts->base and
 * records deletions. Written under a temporary name, fsync'ed, renamed,
 * the folder fsync'ed. Problems with single paths do not fail the call:
 * they are in result->manifest->problems (complete = FALSE). (transfer full) */
OccBackupResult *occ_backup_write (const OccBackupOptions *opts, GError **error);

/* Reads a key file of exactly OCC_BACKUP_KEY_BYTES bytes into @key. */
gboolean occ_backup_key_load (const char *path, guint8 *key, GError **error);

/* Decrypts @archive far enough to return its manifest (transfer full). */
OccBackupManifest *occ_backup_read_manifest (const char *archive, const guint8 *key,
                                             GError **error);

/* Reads the whole archive: every chunk's tag, the FINAL chunk, the id in
 * the header against the file name, every member's SHA-256 against the
 * manifest. @manifest_out (optional) receives the manifest. */
gboolean occ_backup_verify (const char *archive, const guint8 *key,
                            OccBackupManifest **manifest_out, GError **error);
/* The same, and the archive file's size and SHA-256 from that one read
 * (for the catalogue's line); @size_out and @sha256_out may be NULL. */
gboolean occ_backup_verify_file (const char *archive, const guint8 *key,
                                 OccBackupManifest **manifest_out, guint64 *size_out,
                                 guint8 *sha256_out, GError **error);

/* Restores @full and, when not NULL, @diff (which must be based on @full)
 * into @target (created if missing): the tree as it was at the later
 * archive's time. @only (NULL-terminated prefixes, may be NULL) restricts
 * the paths. Never writes outside @target, never through a symlink. */
gboolean occ_backup_restore (const char *full, const char *diff, const guint8 *key,
                             const char *target, const char *const *only,
                             OccBackupProgress progress, gpointer user_data, GError **error);

/* The catalogue: one line per archive beside the archives. */
typedef struct {
  char *id;
  OccBackupKind kind;
  char *base_id; /* NULL for a full */
  gint64 created;
  guint64 size;
  guint8 sha256[32];
} OccBackupCatalogueEntry;

void occ_backup_catalogue_entry_free (OccBackupCatalogueEntry *e);
/* (transfer full): GPtrArray of OccBackupCatalogueEntry*, or NULL. */
GPtrArray *occ_backup_catalogue_parse (const char *data, gsize len, GError **error);
char *occ_backup_catalogue_to_string (GPtrArray *entries);
/* Loads DIR/catalogue (an empty list when missing). */
GPtrArray *occ_backup_catalogue_load (const char *dir, GError **error);
/* Adds @r to DIR/catalogue, rewritten atomically (temp, fsync, rename). */
gboolean occ_backup_catalogue_add (const char *dir, const OccBackupResult *r, GError **error);
/* Writes @entries as DIR/catalogue, atomically (temp, fsync, rename). */
gboolean occ_backup_catalogue_save (const char *dir, GPtrArray *entries, GError **error);

G_END_DECLS
