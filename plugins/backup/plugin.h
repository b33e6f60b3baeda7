/* The backup plugin's parts (plugin.c, plugin-copies.c, plugin-restore.c)
 * share these. backup: the site's scheduled and on-demand backups (see README.md, "The
 * backup plugin"). The main loop only decides and reports: every archive
 * is written, verified or restored in a worker thread at low CPU and I/O
 * priority, the database is copied by the store's own online backup, and
 * copies go to the backup.target services one at a time per target. */
#pragma once

#include "job.h"
#include "policy.h"

#include <omnicc/audit.h>
#include <omnicc/backup.h>
#include <omnicc/bus.h>
#include <omnicc/control.h>
#include <omnicc/events.h>
#include <omnicc/plugin.h>
#include <omnicc/service.h>
#include <omnicc/store.h>

#define EV_STARTED "backup.started"
#define EV_PROGRESS "backup.progress"
#define EV_FINISHED "backup.finished"
#define EV_FAILED "backup.failed"
#define EV_COPIED "backup.copied"
#define EV_COPY_FAILED "backup.copy-failed"
#define EV_PRUNED "backup.pruned"
#define EV_VERIFIED "backup.verified"
#define EV_RESTORED "backup.restored"

typedef struct _Backup Backup;

typedef struct {
  char *name;
  char *path;
} Source;

/* One backup.target the archives are copied to. */
typedef struct {
  Backup *b;
  char *name;
  gboolean busy;       /* a pass (list, puts, deletes) is running */
  gboolean again;      /* another pass was asked for meanwhile */
  gboolean down;       /* the last call answered DOWN */
  char *reason;        /* why it is down */
  guint retry_id;      /* the next pass after DOWN */
  GHashTable *present; /* archive IDs the last listing showed */
  GPtrArray *puts;     /* IDs still to copy in this pass */
  GPtrArray *deletes;  /* IDs still to delete in this pass */
} Target;

typedef enum {
  WORK_NONE,
  WORK_BACKUP,
  WORK_VERIFY,
  WORK_RESTORE,
} WorkKind;

extern const char *const bkp_work_names[];

/* What the plugin is doing, with who asked. One at a time. */
typedef struct {
  Backup *b;
  WorkKind kind;
  char *trigger; /* schedule, control */
  char *actor;   /* a login or "system" */
  char *source;  /* where the request came from, or NULL */
  OccControlCall *call;
  BkWriteJob *write;
  BkVerifyJob *verify;
  BkRestoreJob *restore;
  guint64 last_done;
} Work;

struct _Backup {
  gint ref;
  OccPlugin *plugin; /* NULL once unloaded: late callbacks only free */
  BkPolicy *policy;
  char *dir;  /* local archive folder */
  char *root; /* the folder the sources are linked into */
  guint8 key[OCC_BACKUP_KEY_BYTES];
  gboolean database;
  char **exclude;
  GPtrArray *sources; /* Source* */
  GPtrArray *targets; /* Target* */
  guint retry_seconds;
  const OccStoreService *store;
  const OccAuditService *audit;
  Work *work;
  guint schedule_id, progress_id;
  gint64 next_run;
  GVariant *last; /* the last backup's summary */
  gboolean holding;
  gint64 retry_after; /* a failed scheduled run: not again before (s) */
};

Backup *bkp_ref (Backup *b);
void bkp_unref (Backup *b);
gint64 bkp_now (void);
/* "2027-01-31T02:30:00Z" (transfer full) */
char *bkp_iso_time (gint64 unix_seconds);
void bkp_publish (Backup *b, const char *type, GVariant *payload);
/* @w: who asked (NULL: the system) */
void bkp_audit (Backup *b, const Work *w, const char *action, const char *target,
                const char *result, GVariant *details);
void bkp_store_write (Backup *b, const char *sql, GVariant *params);
const char *bkp_kind_name (OccBackupKind kind);
char *bkp_archive_name (const char *id);
/* The archive ID of a target's file name, or NULL. */
char *bkp_id_of_name (const char *name);

Work *bkp_work_new (Backup *b, WorkKind kind, const char *trigger, OccControlCall *call);
void bkp_work_free (Work *w);
/* Answers the work's control call, if any (@result: floating or given). */
void bkp_answer (Work *w, GVariant *result);
void bkp_answer_error (Work *w, const GError *error);
/* Runs the work's job in a worker thread; ends on the main loop. */
void bkp_work_spawn (Work *w);
/* Ends the current work; the next due backup may start. */
void bkp_work_end (Backup *b);

/* plugin-copies.c: copies to the targets and their retention */
const OccBackupTargetService *bkp_target_service (Target *t);
void bkp_copy_to_targets (Backup *b);
GVariant *bkp_target_states (Backup *b);

/* plugin-restore.c: the backup.restore command */
void bkp_cmd_restore (OccControlCall *call, GVariant *args, gpointer data);
