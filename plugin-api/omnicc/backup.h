/* omnicc plugin API — the "backup.target/<name>" services: places that keep
 * backup archives (a folder on a mounted filesystem, an SFTP server…). One
 * service per configured target, provided by the target's plugin
 * (backup-folder, backup-sftp); the backup plugin looks them up by name.
 *
 * Every function is called on the main thread. The work runs in a worker
 * thread; @callback runs on the main thread, exactly once, never before
 * the call returns. Calls on one target may run side by side; a caller
 * that needs an order (put, then list) waits for the first callback.
 *
 * Archive names are one path component: [A-Za-z0-9._-]+, not starting
 * with '.' (names starting with '.' are the targets' partial uploads).
 *
 * A target that cannot be reached answers OCC_BACKUP_TARGET_ERROR_DOWN:
 * the caller keeps the archive locally, retries later and publishes
 *   backup.target-down  (ss)  target name, reason
 * so that an operator hears of it; a target that answers but will not do
 * it answers another code, and retrying the same call will not help.
 */
#pragma once

#include <gio/gio.h>
#include <omnicc/plugin.h>
#include <omnicc/service.h>

G_BEGIN_DECLS

/* Service names are this prefix and the target's name ("backup.target/offsite"). */
#define OCC_BACKUP_TARGET_SERVICE_PREFIX "backup.target/"
#define OCC_BACKUP_TARGET_VERSION 1

/* The alert a caller publishes when a target answers DOWN. */
#define OCC_EVENT_BACKUP_TARGET_DOWN "backup.target-down"
#define OCC_EVENT_BACKUP_TARGET_DOWN_TYPE "(ss)"

static inline GQuark
occ_backup_target_error_quark (void)
{
  return g_quark_from_string ("occ-backup-target-error-quark");
}
#define OCC_BACKUP_TARGET_ERROR (occ_backup_target_error_quark ())

typedef enum {
  OCC_BACKUP_TARGET_ERROR_DOWN,      /* unreachable, connection lost, timed out:
                                      * retry later (a put resumes) */
  OCC_BACKUP_TARGET_ERROR_REFUSED,   /* host key mismatch, authentication or
                                      * permission refused, disk full */
  OCC_BACKUP_TARGET_ERROR_NOT_FOUND, /* no such archive */
  OCC_BACKUP_TARGET_ERROR_CORRUPT,   /* the copy does not match the local file
                                      * (size or SHA-256): the partial copy was
                                      * dropped, the next put starts over */
  OCC_BACKUP_TARGET_ERROR_INVALID,   /* bad name, unreadable local file */
  OCC_BACKUP_TARGET_ERROR_CANCELLED,
} OccBackupTargetError;

/* TRUE for an error after which the same call should be retried later. */
static inline gboolean
occ_backup_target_error_is_down (const GError *error)
{
  return error != NULL && error->domain == OCC_BACKUP_TARGET_ERROR
         && error->code == OCC_BACKUP_TARGET_ERROR_DOWN;
}

/**
 * OccBackupTargetCallback:
 * @result: (nullable): the call's answer (transfer none; ref it to keep):
 *   put, get, delete: NULL;
 *   list: "a(sxx)" — name, size in bytes, modification time (Unix seconds),
 *     sorted by name, partial uploads left out;
 *   free_space: "x" — bytes free, -1 when the target cannot tell.
 * @error: (nullable): why it failed; NULL on success.
 */
typedef void (*OccBackupTargetCallback) (GVariant *result, const GError *error, gpointer user_data);

/**
 * OccBackupTargetProgress:
 *
 * Called from the worker thread (not the main thread) while a put or get
 * moves bytes: @done of @total bytes are on the other side, counting what
 * a resumed put found already there.
 */
typedef void (*OccBackupTargetProgress) (guint64 done, guint64 total, gpointer user_data);

typedef struct _OccBackupTargetService OccBackupTargetService;

struct _OccBackupTargetService {
  OccServiceHeader header;
  /* The target's name from its config (transfer none). */
  const char *(*get_name) (const OccBackupTargetService *self);
  /* How many days the target keeps archives (its retention-days, or the
   * backup policy's default for its kind); the backup plugin prunes. */
  guint (*get_retention_days) (const OccBackupTargetService *self);
  /* Copies the local file @path to the target as @name: into a partial
   * copy, continued from where an earlier put of the same name stopped;
   * then the copy is read back and its size and SHA-256 checked against
   * @path's, synced, and renamed to @name (replacing an older @name). */
  void (*put) (const OccBackupTargetService *self, const char *path, const char *name,
               GCancellable *cancellable, OccBackupTargetProgress progress, gpointer progress_data,
               OccBackupTargetCallback callback, gpointer user_data);
  /* Lists the complete archives. */
  void (*list) (const OccBackupTargetService *self, GCancellable *cancellable,
                OccBackupTargetCallback callback, gpointer user_data);
  /* Copies the archive @name to the local file @path (written to a
   * temporary name beside it, synced, renamed). */
  void (*get) (const OccBackupTargetService *self, const char *name, const char *path,
               GCancellable *cancellable, OccBackupTargetProgress progress, gpointer progress_data,
               OccBackupTargetCallback callback, gpointer user_data);
  /* Deletes the archive @name (and a partial upload of it). */
  void (*delete) (const OccBackupTargetService *self, const char *name, GCancellable *cancellable,
                  OccBackupTargetCallback callback, gpointer user_data);
  /* Bytes free on the target, if it can tell. */
  void (*free_space) (const OccBackupTargetService *self, GCancellable *cancellable,
                      OccBackupTargetCallback callback, gpointer user_data);
};

G_END_DECLS
