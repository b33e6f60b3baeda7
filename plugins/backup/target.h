/* The part of a backup target that does not depend on where the archives
 * go: the backup.target service's vtable, run in GTask worker threads, and
 * the resumable, verified put written once over a small set of file
 * operations that each target (folder, SFTP) provides.
 *
 * A BkTarget is reference-counted: every call in flight holds a reference,
 * so a plugin that unloads while an upload runs frees it when it ends. */
#pragma once

#include <omnicc/backup.h>

G_BEGIN_DECLS

typedef struct _BkTarget BkTarget;

/* A target's file operations. Every one runs in a worker thread, on a
 * session of its own (one per call), and sets an OCC_BACKUP_TARGET_ERROR. */
typedef struct {
  /* Opens a session (connects, checks the host key, logs in). */
  gpointer (*connect) (BkTarget *target, GError **error);
  void (*disconnect) (gpointer session);
  /* The size of @name; NOT_FOUND if there is none. */
  gboolean (*stat) (gpointer session, const char *name, guint64 *size, GError **error);
  /* Opens @name for writing at @offset, creating it, and dropping what
   * lies past @offset. */
  gpointer (*open_write) (gpointer session, const char *name, guint64 offset, GError **error);
  gpointer (*open_read) (gpointer session, const char *name, GError **error);
  /* Bytes read (0 at the end), or -1. */
  gssize (*read) (gpointer file, void *buf, gsize n, GError **error);
  gboolean (*write) (gpointer file, const void *buf, gsize n, GError **error);
  /* Closes @file; with @sync, flushes it to stable storage first. */
  gboolean (*close) (gpointer file, gboolean sync, GError **error);
  gboolean (*remove) (gpointer session, const char *name, GError **error);
  /* Renames @from to @to, replacing @to, durably. */
  gboolean (*rename) (gpointer session, const char *from, const char *to, GError **error);
  /* "a(sxx)" of the complete archives, any order (floating or full). */
  GVariant *(*list) (gpointer session, GError **error);
  /* Bytes free, -1 if unknown. */
  gboolean (*free_space) (gpointer session, gint64 *bytes, GError **error);
  /* Frees the target's own data. */
  void (*free) (gpointer impl);
} BkTargetOps;

struct _BkTarget {
  OccBackupTargetService iface; /* first: the service pointer is the target */
  char *name;
  guint retention_days;
  const BkTargetOps *ops;
  gpointer impl;
};

/* A new target (transfer full) owning @impl. */
BkTarget *bk_target_new (const char *name, guint retention_days, const BkTargetOps *ops,
                         gpointer impl);
BkTarget *bk_target_ref (BkTarget *target);
void bk_target_unref (BkTarget *target);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BkTarget, bk_target_unref)

/* TRUE if @name may name an archive (see <omnicc/backup.h>). */
gboolean bk_target_name_is_valid (const char *name);
/* The name of @name's partial upload (transfer full). */
char *bk_target_partial_name (const char *name);

/* Sets @error from @errsv: ENOENT is NOT_FOUND, permissions, read-only
 * and full filesystems are REFUSED, the rest (I/O errors, a stale or
 * vanished mount) DOWN. */
void bk_target_set_errno (GError **error, int errsv, const char *what, const char *name);

G_END_DECLS
