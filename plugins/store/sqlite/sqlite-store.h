/* store-sqlite internals, shared by the plugin's files; not installed.
 *
 * Threads: the main thread validates calls and delivers results; one
 * writer thread owns the read-write connection; N reader threads own a
 * read-only connection each. Jobs reach the workers through GAsyncQueues
 * and come back through one queue of deliveries that a GSource on the
 * main context drains, so callbacks run on the main thread, in order of
 * completion, never inside the call that queued them. */
#pragma once

#include <omnicc/omnicc.h>
#include <sqlite3.h>
#include <stdatomic.h>

#include "placeholders.h"

/* Prepared statements kept per connection (least recently used dropped). */
#define SQ_CACHE_MAX 256
/* Coalescable writes committed in one transaction, at most. */
#define SQ_COALESCE_MAX 512
/* Stream batches handed to the main thread and not yet consumed, at most. */
#define SQ_STREAM_IN_FLIGHT 3
/* How long unload() lets queued jobs finish before failing the rest. */
#define SQ_DRAIN_USEC (5 * G_USEC_PER_SEC)
/* SQLite virtual-machine steps between checks for cancellation. */
#define SQ_PROGRESS_STEPS 1000
/* Database pages copied per backup step. */
#define SQ_BACKUP_PAGES 256

typedef struct _SqStore SqStore;
typedef struct _SqConn SqConn;
typedef struct _SqJob SqJob;
typedef struct _SqStream SqStream;
typedef struct _SqWorker SqWorker;

typedef struct {
  char *path;       /* the database file, absolute */
  gboolean full;    /* synchronous=FULL rather than NORMAL */
  int busy_timeout; /* ms */
  guint readers;
} SqSettings;

/* --- connections (connection.c) ----------------------------------------------------- */

struct _SqConn {
  sqlite3 *db;
  GHashTable *cache; /* SQL text -> SqCached */
  GQueue lru;        /* SqCached, most recently used first */
  /* what the progress handler looks at: the running job's cancellable
   * and the store's abort flag (both read from this connection's thread) */
  GCancellable *cancellable;
  atomic_int *abort;
  gboolean shielded; /* transaction control runs to its end */
  int busy_timeout;  /* ms to wait for another process's lock */
  gint64 busy_since; /* when the current wait began */
  int failed_rc;     /* SQLite's code for the last statement that failed */
};

/* For errors that are about no statement of the caller's (COMMIT…). */
#define SQ_NO_INDEX G_MAXUINT

/* Opens @path: read-write (creating it) for the writer, read-only for a
 * reader, with the pragmas of @settings. Any thread; the connection is
 * then used by one thread at a time. */
SqConn *sq_conn_open (const char *path, gboolean writer, const SqSettings *settings,
                      atomic_int *abort, GError **error);
/* Finalizes every cached statement and closes. */
void sq_conn_close (SqConn *conn);

/* The prepared statement for @sql, from the cache or prepared now (and
 * checked to be one statement). The statement is reset and unbound. NULL
 * with @error mapped as for statement @index. */
sqlite3_stmt *sq_conn_prepare (SqConn *conn, const char *sql, const char *shown, guint index,
                               GError **error);
/* Drops @sql from the cache (a statement the connection cannot run). */
void sq_conn_forget (SqConn *conn, const char *sql);
/* Runs a statement without parameters and rows (BEGIN, COMMIT…). */
gboolean sq_conn_exec (SqConn *conn, const char *sql, GError **error);

/* Maps SQLite's error @rc on @conn into @error: CONSTRAINT for constraint
 * violations; UNAVAILABLE ("store stopping") or CANCELLED for an interrupt
 * or a lock wait given up because the store stops or the job was
 * cancelled; UNAVAILABLE when the busy timeout passed; SQL for the rest.
 * The message names the statement @index (unless SQ_NO_INDEX), SQLite's
 * message and the first 200 characters of @shown. */
void sq_set_sqlite_error (GError **error, SqConn *conn, int rc, guint index, const char *shown);

/* Applies the migrations of @sql_dir that @conn's database lacks, in one
 * transaction, and sets @version to the schema version (migrate.c).
 * OCC_STORE_ERROR_SCHEMA when the database is newer than the migrations. */
gboolean sq_migrate (SqConn *conn, const char *sql_dir, const char *db_path, guint *version,
                     GError **error);

/* --- statements (statement.c, params.c) -------------------------------------------- */

typedef struct {
  char *sql;        /* as the caller wrote it, for messages */
  char *rewritten;  /* $N -> ?N */
  GVariant *params; /* a tuple (sunk), or NULL */
  guint n_params;
  char keyword[16];
} SqStatement;

/* Checks @params against the placeholders of a statement (main thread). */
gboolean sq_params_check (GVariant *params, guint n_placeholders, GError **error);
/* Binds a checked @params to @stmt; returns an SQLite code. */
int sq_params_bind (sqlite3_stmt *stmt, GVariant *params);

/* Prepares and binds statement @index of a job on @conn. */
sqlite3_stmt *sq_statement_start (SqConn *conn, const SqStatement *st, guint index, GError **error);
/* Steps @stmt once, appending the row to @result. Returns SQLITE_ROW,
 * SQLITE_DONE, or an error code with @error set. */
int sq_statement_step (SqConn *conn, sqlite3_stmt *stmt, OccStoreResult *result,
                       const SqStatement *st, guint index, GError **error);
/* A result with @stmt's columns and no rows (transfer full). */
OccStoreResult *sq_statement_new_result (sqlite3_stmt *stmt);
/* Resets @stmt for the cache and drops its bindings. */
void sq_statement_finish (sqlite3_stmt *stmt);
/* Runs statement @index of a job whole. NULL with @error on failure. */
OccStoreResult *sq_statement_run (SqConn *conn, const SqStatement *st, guint index, GError **error);
/* TRUE when a failure left the transaction usable: SQLite undid the one
 * statement (constraint, SQL error) and nothing else. */
gboolean sq_error_is_statement_level (SqConn *conn, const GError *error);

/* --- jobs (job.c) ------------------------------------------------------------------ */

typedef enum {
  SQ_JOB_EXECUTE,
  SQ_JOB_STREAM,
  SQ_JOB_BACKUP,
  SQ_JOB_STOP, /* tells a worker to exit */
} SqJobKind;

struct _SqJob {
  SqJobKind kind;
  SqStatement *statements;
  guint n;
  OccStoreFlags flags;
  gboolean for_writer; /* counted in the store's outstanding writes */
  GCancellable *cancellable;
  OccStoreCallback callback;
  gpointer user_data;
  /* the outcome, set by the worker before delivery */
  GPtrArray *results;
  GError *error;
  SqStream *stream;  /* SQ_JOB_STREAM */
  char *backup_path; /* SQ_JOB_BACKUP */
};

/* A job for execute() or stream(): every statement checked and rewritten
 * (main thread). On a problem the job carries the error and no statements. */
SqJob *sq_job_new (SqJobKind kind, const OccStoreStatement *statements, guint n,
                   OccStoreFlags flags, GCancellable *cancellable, OccStoreCallback callback,
                   gpointer user_data);
void sq_job_free (SqJob *job);
/* TRUE when the job may run on a reader: one query, no transaction. */
gboolean sq_job_is_read (const SqJob *job);
/* TRUE when the job may share a transaction with its neighbours. */
gboolean sq_job_is_coalescable (const SqJob *job);
/* Sets the job's error unless it has one; results are dropped. */
void sq_job_fail (SqJob *job, GQuark domain, int code, const char *message);
void sq_job_take_error (SqJob *job, GError *error);
/* TRUE (with the job failed) when its cancellable fired or the store aborts. */
gboolean sq_job_check_cancelled (SqJob *job, atomic_int *abort);

/* Runs an execute job on the writer: one statement after the other, or
 * in one transaction with OCC_STORE_TRANSACTION (exec.c). */
void sq_exec_job (SqConn *conn, SqJob *job, atomic_int *abort);
/* Runs a query job on a reader's connection; FALSE when the statement
 * writes after all and the job must go to the writer. */
gboolean sq_exec_read_job (SqConn *conn, SqJob *job, atomic_int *abort);
/* Runs coalescable @jobs in one transaction; each that fails fails alone.
 * Returns how many were committed together. */
guint sq_exec_coalesced (SqConn *conn, GPtrArray *jobs, atomic_int *abort);

/* --- streams (stream.c) ------------------------------------------------------------ */

SqStream *sq_stream_new (guint batch_rows, OccStoreRowsFunc rows);
void sq_stream_free (SqStream *stream);
/* Worker side: runs the query and hands batches to the main thread. */
void sq_stream_run (SqStore *store, SqConn *conn, SqJob *job);
/* Main thread: hands one batch to the consumer and frees a slot. */
void sq_stream_deliver_batch (SqJob *job, OccStoreResult *batch);
/* Main thread: TRUE when the consumer stopped the stream. */
gboolean sq_stream_stopped_by_consumer (SqStream *stream);

/* --- backup (backup.c) ------------------------------------------------------------- */

/* Worker side: copies the database to job->backup_path. Between steps it
 * lets @worker serve queries that are waiting. */
void sq_backup_run (SqStore *store, SqWorker *worker, SqJob *job);

/* --- the store and its threads (worker.c, deliver.c) --------------------------------- */

struct _SqWorker {
  SqStore *store;
  SqConn *conn;
  gboolean writer;
  GThread *thread;
};

struct _SqStore {
  OccStoreService iface; /* first: the service's methods find the store */
  OccPlugin *plugin;
  SqSettings settings;
  guint schema_version;

  SqWorker *workers; /* [0] the writer, then the readers */
  guint n_workers;
  GAsyncQueue *write_queue;
  GAsyncQueue *read_queue;
  atomic_int abort; /* the drain bound passed: fail instead of run */
  atomic_int readers_alive;
  atomic_int writer_alive;

  /* deliveries from the workers to the main thread */
  GMutex done_lock;
  GCond done_cond; /* signalled with each delivery and each worker exit */
  GQueue done;     /* SqDelivery */
  GSource *source;
  GMainContext *context;

  /* main thread only */
  gboolean accepting;
  gboolean daemon_stopping;
  gboolean held;
  guint writes_outstanding;
  guint stopping_sub;

  /* for get_status(), counted by the workers */
  atomic_uint_fast64_t executed;  /* jobs run */
  atomic_uint_fast64_t coalesced; /* writes committed in shared transactions */
  atomic_uint stream_batches;     /* handed to the main thread, not yet consumed */
};

/* Starts the writer and the readers on the connections already open. */
gboolean sq_workers_start (SqStore *store, GError **error);
/* Main thread: queues @job (already checked) on the right worker, or
 * delivers its error. */
void sq_submit (SqStore *store, SqJob *job);
/* Any thread, from a reader: hands @job to the writer. */
void sq_forward_to_writer (SqStore *store, SqJob *job);
/* Main thread: stops accepting, lets queued jobs finish (at most
 * SQ_DRAIN_USEC, then fails the rest), joins the threads and delivers
 * every callback. */
void sq_workers_stop (SqStore *store);
/* Any thread, from a reader: runs waiting plain queries on @worker. */
void sq_worker_serve_waiting (SqWorker *worker);

/* Creates the main-context source that delivers results (deliver.c). */
void sq_deliver_attach (SqStore *store);
void sq_deliver_detach (SqStore *store);
/* Any thread: queues a finished @job, or a stream @batch, for delivery. */
void sq_deliver_job (SqStore *store, SqJob *job);
void sq_deliver_batch (SqStore *store, SqJob *job, OccStoreResult *batch);
/* Main thread: delivers what is queued, at most @budget_usec (0: all). */
void sq_deliver_pending (SqStore *store, gint64 budget_usec);
/* Main thread: takes or gives back the daemon hold as writes come and go. */
void sq_deliver_update_hold (SqStore *store);
