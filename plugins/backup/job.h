/* The backup plugin's work that runs in worker threads (see README.md,
 * "The backup plugin"): writing an archive and pruning the local folder,
 * verifying archives, restoring a point in time. Nothing here touches the
 * bus, the store or the plugin: the plugin hands a job to a thread and
 * reads its outcome back on the main loop. */
#pragma once

#include "backup-core.h"
#include "policy.h"

G_BEGIN_DECLS

/* Lowers the calling thread's CPU (nice 19) and I/O (idle class)
 * priority; threads it starts inherit both. */
void bk_job_lower_priority (void);

/* The archive ID's time and kind ("20270101T023000Z-full"); FALSE when
 * @id is not one of ours. */
gboolean bk_job_parse_id (const char *id, gint64 *time, OccBackupKind *kind);
/* GCompareFunc over char** (IDs sort by time: "20270101T…"). */
int bk_job_compare_ids (gconstpointer a, gconstpointer b);

typedef struct {
  /* in */
  char *root;     /* the folder of linked sources */
  char **exclude; /* globs */
  char *dir;      /* the local archive folder */
  guint8 key[OCC_BACKUP_KEY_BYTES];
  gint64 now;
  BkRunKind want; /* BK_RUN_NONE: full when due by policy, else differential */
  guint full_every_days;
  guint local_days; /* retention of the local folder */
  /* progress, read by the main loop */
  guint64 done, total; /* __atomic_load_n */
  /* out */
  OccBackupResult *result;
  char *note;        /* why the kind differs from the one asked, or NULL */
  GPtrArray *pruned; /* char*: archive IDs deleted from the folder */
  GError *error;
} BkWriteJob;

void bk_write_job_run (BkWriteJob *job);
void bk_write_job_free (BkWriteJob *job);

/* The local archives to keep/delete: prunes @dir's catalogue by
 * @keep_days at @now; deleted IDs are added to @pruned. */
gboolean bk_job_prune_local (const char *dir, guint keep_days, gint64 now, GPtrArray *pruned,
                             GError **error);

typedef struct {
  char *dir;
  guint8 key[OCC_BACKUP_KEY_BYTES];
  char **ids;       /* NULL: every archive of the catalogue */
  GVariant *report; /* out: aa{sv} id, ok, reason, files, size */
  guint failed;     /* out */
  GError *error;    /* out: the catalogue could not be read */
} BkVerifyJob;

void bk_verify_job_run (BkVerifyJob *job);
void bk_verify_job_free (BkVerifyJob *job);

/* Which archives restore the tree as it was at @at: @full and, when the
 * point is a differential, @diff (else NULL). From @ids (archive IDs, any
 * order); the differential's base is read from @base_of (id → base id)
 * when known there. FALSE when no archive is old enough. */
gboolean bk_job_pick_point (const char *const *ids, gint64 at, GHashTable *base_of, char **full,
                            char **diff, GError **error);

typedef struct {
  char *dir; /* where the archives are */
  guint8 key[OCC_BACKUP_KEY_BYTES];
  char *full, *diff;   /* IDs (diff may be NULL) */
  char *to;            /* the restore target */
  char **only;         /* prefixes, or NULL */
  char *store_dsn;     /* restore a PostgreSQL dump into this database */
  guint64 done, total; /* __atomic_load_n */
  GVariant *report;    /* out: a{sv} */
  GError *error;
} BkRestoreJob;

void bk_restore_job_run (BkRestoreJob *job);
void bk_restore_job_free (BkRestoreJob *job);

G_END_DECLS
