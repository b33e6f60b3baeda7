/* omnicc plugin API — the "store" service: asynchronous, parameterised SQL
 * on the site's database, whichever backend serves it (store-sqlite, the
 * embedded default, or store-postgres).
 *
 * Most plugins do not write SQL: the "records" service (<omnicc/records.h>)
 * reads and writes the shared domain tables. The store is for the records
 * plugin and for plugins that own tables of their own.
 *
 * SQL is written once for both backends: placeholders are $1, $2, … (the
 * SQLite backend rewrites them), types are the portable ones (TEXT, BIGINT,
 * DOUBLE PRECISION, BLOB/BYTEA through a migration variant), timestamps are
 * BIGINT milliseconds since the epoch, booleans INTEGER 0/1.
 *
 * Every function is called on the main thread; every callback runs on the
 * main thread, exactly once, never before the call returns.
 *
 * Separate calls are independent: they may run in any order (a pool runs
 * them side by side, reads may pass queued writes). A caller that needs
 * an order puts the statements in one call, or waits for the first
 * callback before making the second.
 */
#pragma once

#include <gio/gio.h>
#include <omnicc/plugin.h>
#include <omnicc/service.h>

G_BEGIN_DECLS

#define OCC_STORE_SERVICE "store"
#define OCC_STORE_VERSION 1

#define OCC_STORE_ERROR (occ_store_error_quark ())
/* A quark is named by its string, so every plugin gets the same one; the
 * string is copied (not from_static_string): a plugin's literals go away
 * when it is unloaded. */
static inline GQuark
occ_store_error_quark (void)
{
  return g_quark_from_string ("occ-store-error-quark");
}

typedef enum {
  OCC_STORE_ERROR_SQL,             /* the database refused the statement */
  OCC_STORE_ERROR_CONSTRAINT,      /* unique, foreign-key or check violation */
  OCC_STORE_ERROR_INVALID,         /* bad parameters (types, count, not UTF-8) */
  OCC_STORE_ERROR_UNAVAILABLE,     /* the database could not be reached in time */
  OCC_STORE_ERROR_CONNECTION_LOST, /* the connection broke while the statement
                                    * was in flight: its outcome is unknown */
  OCC_STORE_ERROR_SCHEMA,          /* the database's schema is newer than ours */
  OCC_STORE_ERROR_CANCELLED,
} OccStoreError;

/* --- results ------------------------------------------------------------------ */

/**
 * OccStoreResult:
 *
 * The rows of one statement. Reference-counted and immutable once handed
 * to a callback. Cells are GVariants: "x" (integers), "d" (reals), "s"
 * (text), "ay" (blobs), "b"; NULL for SQL NULL.
 */
typedef struct _OccStoreResult OccStoreResult;

OCC_API OccStoreResult *occ_store_result_ref (OccStoreResult *result);
OCC_API void occ_store_result_unref (OccStoreResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OccStoreResult, occ_store_result_unref)

OCC_API guint occ_store_result_get_n_rows (OccStoreResult *result);
OCC_API guint occ_store_result_get_n_columns (OccStoreResult *result);
/** The column's name (transfer none), or NULL past the last column. */
OCC_API const char *occ_store_result_get_column_name (OccStoreResult *result, guint column);
/** The index of the column named @name, or -1. */
OCC_API int occ_store_result_find_column (OccStoreResult *result, const char *name);
/** The cell (transfer none); NULL for SQL NULL. */
OCC_API GVariant *occ_store_result_get (OccStoreResult *result, guint row, guint column);
/** The cell as text (transfer none); NULL for SQL NULL or a non-text cell. */
OCC_API const char *occ_store_result_get_string (OccStoreResult *result, guint row, guint column);
/** The cell as an integer; 0 for SQL NULL; reals truncated; text parsed. */
OCC_API gint64 occ_store_result_get_int (OccStoreResult *result, guint row, guint column);
OCC_API double occ_store_result_get_double (OccStoreResult *result, guint row, guint column);
OCC_API gboolean occ_store_result_is_null (OccStoreResult *result, guint row, guint column);
/** Rows changed by an INSERT, UPDATE or DELETE (without RETURNING). */
OCC_API gint64 occ_store_result_get_changes (OccStoreResult *result);
/** Row @row as an a{sv} keyed by column name, SQL NULLs left out (floating). */
OCC_API GVariant *occ_store_result_row_to_vardict (OccStoreResult *result, guint row);

/* For backends: build a result. @names has @n_columns entries. */
OCC_API OccStoreResult *occ_store_result_new (guint n_columns, const char *const *names);
/* Appends a row of @n_columns cells (each floating or full, NULL = SQL NULL);
 * takes ownership of the cells, not of the array. */
OCC_API void occ_store_result_add_row (OccStoreResult *result, GVariant **cells);
OCC_API void occ_store_result_set_changes (OccStoreResult *result, gint64 changes);

/* --- the service ---------------------------------------------------------------- */

/**
 * OccStoreStatement:
 * @sql: one statement, parameters written $1, $2, …
 * @params: (nullable): a tuple with one value per parameter: "s", "x"
 *   (or any integer type), "d", "b" (stored 0/1), "ay", or a maybe of
 *   those for NULL. Floating references are sunk by the call.
 */
typedef struct {
  const char *sql;
  GVariant *params;
} OccStoreStatement;

typedef enum {
  OCC_STORE_FLAGS_NONE = 0,
  /* all statements or none */
  OCC_STORE_TRANSACTION = 1 << 0,
  /* a write independent of others, safe to commit in one transaction with
   * other coalescable writes queued at the same time (bursts of inserts);
   * if that shared transaction fails, each is retried alone, so one bad
   * write never fails another */
  OCC_STORE_COALESCE = 1 << 1,
} OccStoreFlags;

/**
 * OccStoreCallback:
 * @results: (nullable): one OccStoreResult per statement, in order
 *   (transfer none; ref the ones to keep); NULL on error.
 * @error: (nullable): why it failed.
 */
typedef void (*OccStoreCallback) (GPtrArray *results, const GError *error, gpointer user_data);

/**
 * OccStoreRowsFunc:
 * @batch: (transfer none): the next rows of a streamed query.
 *
 * Return FALSE to stop the stream (the done callback then gets
 * OCC_STORE_ERROR_CANCELLED).
 */
typedef gboolean (*OccStoreRowsFunc) (OccStoreResult *batch, gpointer user_data);

typedef struct _OccStoreService OccStoreService;

struct _OccStoreService {
  OccServiceHeader header;
  /* "sqlite" or "postgres" */
  const char *(*get_backend) (const OccStoreService *self);
  /* Runs @n statements in order (in one transaction with
   * OCC_STORE_TRANSACTION), each prepared once per connection and cached by
   * its text. A statement that fails stops the rest. */
  void (*execute) (const OccStoreService *self, const OccStoreStatement *statements, guint n,
                   OccStoreFlags flags, GCancellable *cancellable, OccStoreCallback callback,
                   gpointer user_data);
  /* Streams the rows of one query in batches of about @batch_rows, so a
   * large result is never held whole; @done gets NULL results. */
  void (*stream) (const OccStoreService *self, const OccStoreStatement *statement, guint batch_rows,
                  GCancellable *cancellable, OccStoreRowsFunc rows, OccStoreCallback done,
                  gpointer user_data);
  /* A consistent copy of the whole database in @path while it serves
   * (SQLite online backup; pg_dump custom format). */
  void (*backup) (const OccStoreService *self, const char *path, OccStoreCallback done,
                  gpointer user_data);
  /* State for monitoring: an a{sv} with at least "backend", "state"
   * (connecting|ready|degraded|failed), "schema-version" (floating). */
  GVariant *(*get_status) (const OccStoreService *self);
};

/* Convenience: one statement. */
static inline void
occ_store_execute1 (const OccStoreService *store, const char *sql, GVariant *params,
                    OccStoreFlags flags, OccStoreCallback callback, gpointer user_data)
{
  OccStoreStatement st = { sql, params };
  store->execute (store, &st, 1, flags, NULL, callback, user_data);
}

G_END_DECLS
