/* audit: the plugin's state, shared by its files; not installed.
 *
 *   audit.c     the service, input checks, bus events, load and unload
 *   chain.c     the queue of entries, written one at a time, and the
 *               chain's head read back at load
 *   head.c      the head file in the state folder
 *   verify.c    re-reading the trail and checking every link
 *   commands.c  audit.verify, audit.export, audit.tail
 *   rows.c      the audit_entry rows as entries
 *   canonical.c the canonical form and the hash (no daemon needed)
 *
 * Everything runs on the main thread except the head file's writes. */
#pragma once

#include <omnicc/omnicc.h>

#include "canonical.h"

G_BEGIN_DECLS

/* Entries waiting to be written, at most; more are refused (the store is
 * down or far too slow). */
#define AUDIT_QUEUE_MAX 100000
/* The key of an entry's details that names the node that wrote it. */
#define AUDIT_NODE_KEY "node"
/* The head file, in the state folder. */
#define AUDIT_HEAD_FILE "audit.head"

/* The last entry written: the chain's head. */
typedef struct {
  gint64 seq;                    /* 0 for an empty trail */
  char hash[AUDIT_HASH_LEN + 1]; /* AUDIT_GENESIS for an empty trail */
  gint64 count;                  /* entries written since the trail began */
} AuditHead;

/* Longest text the records entity takes, in characters. */
typedef struct {
  guint actor, action, target, result, source;
} AuditLimits;

typedef enum {
  AUDIT_LOADING,  /* reading the head back; entries wait */
  AUDIT_READY,    /* nothing in flight */
  AUDIT_WRITING,  /* one records.put() in flight */
  AUDIT_CHECKING, /* a write failed with its outcome unknown: looking it up */
} AuditPhase;

typedef struct _Audit Audit;
typedef struct _AuditEntry AuditEntry;
typedef struct _AuditHeadFile AuditHeadFile;
typedef struct _AuditJob AuditJob;

/* Something in flight that must be answered when the plugin unloads (a
 * verification, a control command). abort() answers it with @error and
 * removes it from Audit.jobs; it may free the job, or leave that to a
 * store callback still due. */
struct _AuditJob {
  void (*abort) (AuditJob *job, const GError *error);
};

struct _Audit {
  OccAuditService service; /* first: the methods get it as their self */
  gint ref;                /* the plugin's, and one per callback still due */
  OccPlugin *plugin;       /* NULL once unloaded */
  const OccRecordsService *records;
  const OccStoreService *store;
  GCancellable *cancel; /* cancelled on unload */
  char *node;
  AuditLimits limits;
  AuditHeadFile *head_file;
  GHashTable *jobs; /* AuditJob * */

  /* the chain (chain.c) */
  AuditPhase phase;
  AuditHead head;
  GQueue queue;            /* AuditEntry *, in append order */
  AuditEntry *current;     /* the entry being written, until it settles */
  gboolean call_in_flight; /* a records call about current is due back */
  guint64 n_started;       /* writes begun */
  guint64 n_settled;       /* writes whose outcome is known */
  GArray *on_ready;        /* of Waiting (chain.c): jobs waiting for the load */
  guint retry_id;          /* load or look-up retry timer */
  guint retry_ms;
  gboolean held;
};

Audit *audit_ref (Audit *self);
void audit_unref (Audit *self);

/* Registers @job so that unload answers it. */
void audit_job_add (Audit *self, AuditJob *job);
/* Forgets @job (answered, or freed). */
void audit_job_remove (Audit *self, AuditJob *job);

/* --- entries (audit.c) ------------------------------------------------------------ */

/* A checked entry; NULL with OCC_AUDIT_ERROR_INVALID naming every field
 * that does not fit. @details is sunk; the node is added to it. */
AuditEntry *audit_entry_new (Audit *self, const char *actor, const char *action, const char *target,
                             const char *result, const char *source, GVariant *details,
                             GError **error);
void audit_entry_set_callback (AuditEntry *entry, OccAuditCallback callback, gpointer user_data);

/* --- the chain (chain.c) ----------------------------------------------------------- */

/* Reads the head back (file, then database) and starts writing. */
void audit_chain_start (Audit *self);
/* Queues @entry (transfer full) after every entry appended before it. */
void audit_chain_push (Audit *self, AuditEntry *entry);
/* Runs @job->abort-free @start (job) once the head is known: now, or
 * after the load. */
void audit_chain_when_ready (Audit *self, AuditJob *job, void (*start) (AuditJob *job));
/* Answers every entry not yet written with @error (unload). */
void audit_chain_abort (Audit *self, const GError *error);
void audit_entry_free (AuditEntry *entry);
/* Fills the hashed fields of @entry: the view audit_hash() takes. */
void audit_entry_fields (const AuditEntry *entry, AuditFields *fields);

struct _AuditEntry {
  Audit *self;
  char *id;
  gint64 at;
  char *actor, *action, *target, *result, *source;
  GVariant *details; /* a{sv}, the node included */
  GString *canon;    /* the canonical form of details */
  char prev_hash[AUDIT_HASH_LEN + 1];
  char hash[AUDIT_HASH_LEN + 1];
  GError *put_error;         /* a failed write's error, while its outcome is looked up */
  OccAuditCallback callback; /* NULL once answered */
  gpointer user_data;
};

/* --- the head file (head.c) ------------------------------------------------------------ */

typedef enum {
  AUDIT_HEAD_OK,
  AUDIT_HEAD_MISSING,
  AUDIT_HEAD_INVALID,
} AuditHeadState;

AuditHeadFile *audit_head_file_new (const char *path);
const char *audit_head_file_get_path (AuditHeadFile *file);
/* Reads the file now (it is small); AUDIT_HEAD_INVALID with @problem set
 * (transfer full) when it does not parse. */
AuditHeadState audit_head_file_read (AuditHeadFile *file, AuditHead *head, char **problem);
/* Saves @head in a worker thread (temp file, fsync, rename); writes that
 * pile up while one is in flight are merged into the newest. */
void audit_head_file_save (AuditHeadFile *file, const AuditHead *head);
/* Writes what is still unsaved now, waiting for a write in flight
 * (unload). Frees @file once its worker is done with it. */
void audit_head_file_close (AuditHeadFile *file);

/* --- rows (rows.c) ------------------------------------------------------------------- */

/* The columns every query on audit_entry selects, in AuditColumn order. */
#define AUDIT_COLUMNS "seq, id, at, actor, action, target, result, source, details, prev_hash, hash"

typedef enum {
  AUDIT_COL_SEQ,
  AUDIT_COL_ID,
  AUDIT_COL_AT,
  AUDIT_COL_ACTOR,
  AUDIT_COL_ACTION,
  AUDIT_COL_TARGET,
  AUDIT_COL_RESULT,
  AUDIT_COL_SOURCE,
  AUDIT_COL_DETAILS,
  AUDIT_COL_PREV_HASH,
  AUDIT_COL_HASH,
} AuditColumn;

/* Row @row of a result selecting AUDIT_COLUMNS as an entry (a{sv},
 * floating): the keys of records' audit_entry, SQL NULLs left out,
 * details decoded. An edited row must still be exported: details that do
 * not parse are left out with "details-error" set to why, and a column
 * that is not UTF-8 text is left out and named in "damaged". */
GVariant *audit_row_to_entry (OccStoreResult *rows, guint row, JsonParser *parser);

/* --- verification (verify.c) ------------------------------------------------------------- */

void audit_verify_start (Audit *self, OccAuditCallback callback, gpointer user_data);

/* --- control commands (commands.c) ---------------------------------------------------------- */

gboolean audit_commands_register (Audit *self, GError **error);

G_END_DECLS
