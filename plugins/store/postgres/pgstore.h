/* store-postgres: what the plugin's files share. One PgStore per loaded
 * plugin; a pool of PgConn; PgJob is one execute() call, PgStream one
 * stream() call. Everything here lives on the main thread, except what
 * worker.c hands to its threads. See README.md for the behaviour. */
#pragma once

#include <omnicc/omnicc.h>

#include <libpq-fe.h>

#include "migrations.h"

/* Type OIDs of the server's catalog (pg_type.oid): stable since the 1990s
 * and part of the wire protocol, so defined here rather than taken from
 * the server's headers. */
#define PG_OID_BOOL 16
#define PG_OID_BYTEA 17
#define PG_OID_INT8 20
#define PG_OID_INT2 21
#define PG_OID_INT4 23
#define PG_OID_TEXT 25
#define PG_OID_OID 26
#define PG_OID_FLOAT4 700
#define PG_OID_FLOAT8 701
#define PG_OID_NUMERIC 1700

/* Taken by the migrating connection so that nodes starting together
 * apply each migration once: the bytes of "omniccdb". */
#define PG_MIGRATION_LOCK "8029195109589541986"

/* Prepared statements kept per connection before the cache is reset. */
#define PG_PREPARED_MAX 512

typedef struct _PgStore PgStore;
typedef struct _PgConn PgConn;
typedef struct _PgJob PgJob;
typedef struct _PgStream PgStream;
typedef struct _PgBackup PgBackup;
typedef struct _PgWorker PgWorker;

typedef enum {
  PG_STATE_CONNECTING,
  PG_STATE_READY,
  PG_STATE_DEGRADED,
  PG_STATE_FAILED,
} PgState;

typedef struct {
  char *dsn;
  int pool_size;
  int connect_timeout; /* s */
  int hold_timeout;    /* s */
  int max_held;        /* statements */
  int pipeline_depth;  /* jobs per connection */
  int reconnect_max;   /* s */
} PgConfig;

/* --- params.c ------------------------------------------------------------- */

/* One statement's parameters, converted for PQsendQuery*: text format with
 * explicit types, binary for bytea. */
typedef struct {
  int n;
  Oid *types;
  char **values; /* NULL = SQL NULL; point into @storage or the GVariant */
  int *lengths;
  int *formats;
  GPtrArray *storage; /* strings made for the text form (g_free) */
  GPtrArray *keep;    /* GVariant refs that @values point into */
  char *signature;    /* one letter per type, for the statement cache key */
} PgParams;

gboolean pg_params_build (PgParams *p, const char *sql, GVariant *params, guint index,
                          GError **error);
void pg_params_clear (PgParams *p);
/* The highest $N the statement uses (0 for none), outside literals,
 * quoted names and comments. */
int pg_sql_max_placeholder (const char *sql);

/* --- results.c ------------------------------------------------------------ */

/* Rows of a PGRES_TUPLES_OK or PGRES_COMMAND_OK result (transfer full). */
OccStoreResult *pg_result_convert (const PGresult *res, GError **error);
/* An empty result with @res's columns, for streaming. */
OccStoreResult *pg_result_new_like (const PGresult *res);
gboolean pg_result_append_rows (OccStoreResult *dest, const PGresult *res, GError **error);
/* Maps a failed result to OCC_STORE_ERROR_CONSTRAINT or _SQL. */
GError *pg_result_error (const PGresult *res, const char *sql);
/* TRUE when @res says the connection, not the statement, failed. */
gboolean pg_result_is_connection_error (const PGresult *res, PGconn *pg);
const char *pg_result_sqlstate (const PGresult *res);

/* --- conninfo.c ----------------------------------------------------------- */

/* @text with every password replaced by "***" (transfer full). */
char *pg_redact (const char *text);
/* Checks @dsn parses; *display gets host/port/db/user for messages. */
gboolean pg_conninfo_check (const char *dsn, char **display, GError **error);
/* The keywords and values for PQconnectStartParams (NULL-terminated,
 * g_strfreev both). */
void pg_conninfo_params (const char *dsn, char ***keywords, char ***values);
/* @dsn without its password, for pg_dump's command line; the password,
 * if any, goes to *password for PGPASSWORD. */
char *pg_conninfo_without_password (const char *dsn, char **password);

/* --- jobs and the pool (pool.c) ------------------------------------------- */

struct _PgJob {
  PgStore *store;
  guint n;
  char **sql;
  PgParams *params;
  char **keys; /* statement cache keys */
  OccStoreFlags flags;
  GCancellable *cancellable;
  OccStoreCallback callback;
  gpointer user_data;
  gint64 queued_at; /* monotonic µs */
  GPtrArray *results;
  GError *error;
  guint next;     /* the next statement, for jobs run one statement at a time */
  gboolean alone; /* a coalesced batch failed: run in its own sync */
};

gboolean pg_job_coalescable (const PgJob *job);
/* Jobs without OCC_STORE_TRANSACTION with several statements run one
 * statement per sync, so that earlier ones stay committed. */
gboolean pg_job_stepwise (const PgJob *job);
/* Delivers the job's outcome (results, or @error if set) and frees it. */
void pg_job_finish (PgJob *job, GError *error);
void pg_job_free (PgJob *job);

/* --- the plugin's state (plugin.c) ---------------------------------------- */

struct _PgStore {
  OccStoreService iface; /* first: the service methods cast back */
  OccPlugin *plugin;
  PgConfig cfg;
  char *display; /* the server, for messages: never the password */
  GPtrArray *migrations;
  guint latest_version;

  GPtrArray *conns; /* PgConn */
  GQueue queue;     /* PgJob waiting for a connection, FIFO */
  GQueue streams;   /* PgStream waiting for a connection */
  GQueue deferred;  /* PgJob finished before they could be sent */
  guint queued_statements;
  GSource *pool_source; /* dispatch, deferred callbacks, hold expiry */
  gboolean kicked;

  PgState state;
  guint schema_version;
  gboolean migrated;
  PgConn *migrator;
  GError *fatal; /* set when the schema is newer: every job fails with it */
  char *reason;  /* the last connection error, redacted */

  gint64 outage_since; /* monotonic µs; 0 while a connection is up */
  gboolean outage_warned;
  guint64 reconnects, coalesced, executed, retried;

  GPtrArray *backups; /* PgBackup */
  GPtrArray *workers; /* PgWorker */
  guint stopping_sub;
  gboolean stopping; /* the daemon drains */
  gboolean holding;  /* we hold the daemon while work is left */
  gint64 stop_deadline;
  gboolean closing; /* unload has begun: refuse new work */
};

PgStore *pg_store_from_iface (const OccStoreService *iface);

/* pool.c */
void pg_pool_init (PgStore *s);
void pg_pool_enqueue (PgStore *s, PgJob *job);
void pg_pool_enqueue_stream (PgStore *s, PgStream *st);
/* Fails @job after the current call returns (callbacks never run inside
 * execute()). Takes @error. */
void pg_pool_defer (PgStore *s, PgJob *job, GError *error);
/* Asks for a dispatch round on the next main-loop iteration. */
void pg_pool_kick (PgStore *s);
/* Publishes store.state with the current state. */
void pg_pool_publish_state (PgStore *s);
/* Called when a connection changes state: recomputes the store's state. */
void pg_pool_conn_changed (PgStore *s);
/* A connection attempt failed or a connection broke: one warning per
 * outage, debug lines for the retries. */
void pg_pool_conn_failed (PgStore *s, const char *message);
/* Puts back jobs a broken connection never sent, from @from on. */
void pg_pool_requeue_front (PgStore *s, GPtrArray *jobs, guint from);
/* core.stopping: hold the daemon while work is left (bounded). */
void pg_pool_stopping (PgStore *s);
/* A connection finished migrating; wakes the ones that waited. */
void pg_pool_migrated (PgStore *s, guint version);
/* The schema is newer than ours, or a migration failed: fail everything. */
void pg_pool_fatal (PgStore *s, GError *error);
gboolean pg_pool_busy (PgStore *s);
guint pg_pool_in_flight (PgStore *s);
guint pg_pool_conns_up (PgStore *s);
/* Unload: fails everything left with "store stopping". */
void pg_pool_shutdown (PgStore *s);
const char *pg_state_name (PgState state);

/* --- connections (conn.c) ------------------------------------------------- */

typedef enum {
  PG_CONN_DOWN,       /* waiting for the backoff to expire */
  PG_CONN_CONNECTING, /* PQconnectPoll */
  PG_CONN_PARKED,     /* connected; another connection migrates */
  PG_CONN_MIGRATING,
  PG_CONN_READY,     /* pipeline mode, takes jobs */
  PG_CONN_STREAMING, /* one streamed query, no pipeline */
  PG_CONN_CLOSED,    /* unload, or the store failed */
} PgConnState;

typedef struct _PgPrepared PgPrepared;
typedef struct _PgMigration PgMigration;

struct _PgConn {
  PgStore *store;
  guint index;
  PGconn *pg;
  PgConnState state;
  GSource *source; /* the socket and this connection's timer */
  gpointer fd_tag;
  int fd;
  GIOCondition events;
  gint64 connect_deadline; /* monotonic µs */
  guint backoff_ms;
  gboolean failed;   /* down after an error (degraded), not yet back */
  gboolean reserved; /* a stream waits for it to be idle */
  gboolean flushing; /* PQflush wants the socket writable */
  gboolean more;     /* results left unread when the time slice ended */

  GQueue expect; /* PgExpect: what PQgetResult returns next */
  GQueue units;  /* PgUnit in flight, in order */
  guint in_flight;
  GHashTable *prepared; /* cache key -> PgPrepared */
  guint next_name;

  PgMigration *migration;
  PgStream *stream;
  char *last_error; /* what a connection-level error result said */
};

PgConn *pg_conn_new (PgStore *s, guint index);
void pg_conn_free (PgConn *c);
void pg_conn_start (PgConn *c);
/* Sends @jobs (a batch taken from the queue) on a READY connection. */
void pg_conn_send_batch (PgConn *c, GPtrArray *jobs);
/* Enters pipeline mode and takes jobs. */
void pg_conn_set_ready (PgConn *c);
/* Fails what is in flight with CONNECTION_LOST and reconnects later. */
void pg_conn_break (PgConn *c, const char *why);
/* For unload or a fatal store: fails in-flight jobs with @error and
 * closes for good. */
void pg_conn_close (PgConn *c, const GError *error);
void pg_conn_update_io (PgConn *c);
/* Flushes output; FALSE if the connection broke. */
gboolean pg_conn_flush (PgConn *c);
/* Releases a socket source slice: called again on the next iteration. */
void pg_conn_wake (PgConn *c);

/* --- migrations (migrate.c) ----------------------------------------------- */

void pg_migrate_start (PgConn *c);
/* Reads results; returns FALSE if the connection broke. */
gboolean pg_migrate_input (PgConn *c);
void pg_migrate_free (PgMigration *m);

/* --- streams (stream.c) --------------------------------------------------- */

struct _PgStream {
  PgStore *store;
  char *sql;
  PgParams params;
  guint batch_rows;
  GCancellable *cancellable;
  OccStoreRowsFunc rows;
  OccStoreCallback done;
  gpointer user_data;
  gint64 queued_at;
  PgConn *conn;
  OccStoreResult *batch;
  gboolean finished;   /* done() was called */
  gboolean cancelling; /* a PQcancel runs in a worker */
  gboolean ended;      /* the server finished the query */
  GError *error;
};

void pg_stream_start (PgStream *st, PgConn *c);
/* Reads rows within a time slice; FALSE if the connection broke. */
gboolean pg_stream_input (PgConn *c);
/* Ends @st with @error (transfer full) if done() was not called yet. */
void pg_stream_finish (PgStream *st, GError *error);
void pg_stream_free (PgStream *st);
/* The connection broke or closes while streaming. */
void pg_stream_abort (PgConn *c, const GError *error);

/* --- backups (backup.c) --------------------------------------------------- */

void pg_backup_start (PgStore *s, const char *path, OccStoreCallback done, gpointer user_data);
/* The schema is migrated: the backups asked for before start now. */
void pg_backup_migrated (PgStore *s);
/* Fails the backups still waiting for the schema (transfer none). */
void pg_backup_fail_waiting (PgStore *s, const GError *error);
/* Unload: kills pg_dump, fails every backup with "store stopping". */
void pg_backup_shutdown (PgStore *s);

/* --- worker threads (worker.c) -------------------------------------------- */

/* Runs @func(@data) in a thread; @done(@data, FALSE) runs on the main loop
 * afterwards. At unload pg_worker_join_all() joins every thread and calls
 * @done(@data, TRUE) instead. */
typedef void (*PgWorkerDone) (gpointer data, gboolean unloading);
void pg_worker_start (PgStore *s, const char *name, GThreadFunc func, PgWorkerDone done,
                      gpointer data);
void pg_worker_join_all (PgStore *s);
/* Work of this plugin in one main-loop turn stops at this time (µs,
 * monotonic), whichever of its sources runs: the turn began at
 * g_source_get_time (@source). */
#define PG_TURN_BUDGET_US 450
gint64 pg_turn_deadline (GSource *source);
