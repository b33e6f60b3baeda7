/* store-sqlite: one SQLite connection with its pragmas, its cache of
 * prepared statements and its cancellation hook. A connection is used by
 * one thread at a time (handed over when a worker starts). */
#include "sqlite-store.h"

#include <string.h>

typedef struct {
  char *sql; /* the cache's key */
  sqlite3_stmt *stmt;
  GList link; /* in SqConn.lru */
} SqCached;

static void
cached_free (gpointer data)
{
  SqCached *c = data;
  sqlite3_finalize (c->stmt);
  g_free (c->sql);
  g_free (c);
}

/* Called by SQLite every SQ_PROGRESS_STEPS steps of a running statement:
 * non-zero interrupts it, so a cancelled job or a store that stops does
 * not wait for a long query to end. */
static int
on_progress (void *data)
{
  SqConn *conn = data;
  if (conn->shielded)
    return 0;
  if (atomic_load (conn->abort))
    return 1;
  return conn->cancellable && g_cancellable_is_cancelled (conn->cancellable);
}

static char *
excerpt (const char *sql)
{
  if (!g_utf8_validate (sql, -1, NULL))
    return g_utf8_make_valid (sql, MIN ((gssize) strlen (sql), 200));
  /* the first 200 characters, without measuring a long statement whole */
  const char *end = sql;
  for (guint n = 0; n < 200 && *end != '\0'; n++)
    end = g_utf8_next_char (end);
  if (*end == '\0')
    return g_strdup (sql);
  g_autofree char *head = g_strndup (sql, (gsize) (end - sql));
  return g_strconcat (head, "…", NULL);
}

void
sq_set_sqlite_error (GError **error, SqConn *conn, int rc, guint index, const char *shown)
{
  /* an interrupt, or a lock wait given up, says why it stopped */
  gboolean aborting = atomic_load (conn->abort);
  gboolean cancelled = conn->cancellable && g_cancellable_is_cancelled (conn->cancellable);
  int primary = rc & 0xff;
  gboolean stopped
      = primary == SQLITE_INTERRUPT || primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
  int code = OCC_STORE_ERROR_SQL;
  if (primary == SQLITE_CONSTRAINT)
    code = OCC_STORE_ERROR_CONSTRAINT;
  else if (stopped && aborting)
    code = OCC_STORE_ERROR_UNAVAILABLE;
  else if (stopped && cancelled)
    code = OCC_STORE_ERROR_CANCELLED;
  else if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
    code = OCC_STORE_ERROR_UNAVAILABLE; /* the busy timeout passed: "not reached in time" */
  /* errmsg can be stale when @rc did not come from the last call */
  const char *msg
      = sqlite3_extended_errcode (conn->db) == rc ? sqlite3_errmsg (conn->db) : sqlite3_errstr (rc);
  if (stopped && aborting)
    msg = "store stopping";
  else if (stopped && cancelled)
    msg = "cancelled";
  g_autofree char *sql = excerpt (shown ? shown : "");
  if (index == SQ_NO_INDEX)
    g_set_error (error, OCC_STORE_ERROR, code, "%s (SQLite code %d) in: %s", msg, rc, sql);
  else
    g_set_error (error, OCC_STORE_ERROR, code, "statements[%u]: %s (SQLite code %d) in: %s", index,
                 msg, rc, sql);
}

static gboolean
pragma (sqlite3 *db, const char *path, const char *sql, const char *expect, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW && expect != NULL)
    {
      const char *got = (const char *) sqlite3_column_text (stmt, 0);
      if (g_ascii_strcasecmp (got ? got : "", expect) != 0)
        {
          g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_SQL,
                       "%s: “%s” answered “%s”, not “%s”", path, sql, got ? got : "", expect);
          sqlite3_finalize (stmt);
          return FALSE;
        }
    }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_SQL, "%s: %s: %s", path, sql,
                   sqlite3_errmsg (db));
      sqlite3_finalize (stmt);
      return FALSE;
    }
  sqlite3_finalize (stmt);
  return TRUE;
}

static gboolean
setup_writer (sqlite3 *db, const char *path, const SqSettings *settings, GError **error)
{
  /* WAL: readers keep reading while the writer writes. journal_mode
   * answers the mode it got: a file system without shared memory stays
   * in "delete", and the readers would then block the writer. */
  return pragma (db, path, "PRAGMA journal_mode=WAL", "wal", error)
         && pragma (db, path,
                    settings->full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", NULL,
                    error)
         && pragma (db, path, "PRAGMA foreign_keys=ON", NULL, error);
}

/* Called by SQLite while another process holds the lock it needs. Unlike
 * sqlite3_busy_timeout() it gives up at once when the job is cancelled or
 * the store stops, so that a lock held elsewhere cannot stretch unload's
 * drain to the whole busy timeout. */
static int
on_busy (void *data, int count)
{
  SqConn *conn = data;
  if (count == 0)
    conn->busy_since = g_get_monotonic_time ();
  if (!conn->shielded && on_progress (conn))
    return 0;
  if (g_get_monotonic_time () - conn->busy_since >= conn->busy_timeout * G_TIME_SPAN_MILLISECOND)
    return 0;
  /* short naps first: most locks are held for one commit */
  g_usleep (MIN (count + 1, 20) * G_TIME_SPAN_MILLISECOND);
  return 1;
}

SqConn *
sq_conn_open (const char *path, gboolean writer, const SqSettings *settings, atomic_int *abort,
              GError **error)
{
  /* NOMUTEX: each connection is used by one thread at a time, so SQLite's
   * per-connection mutex would only cost time */
  int flags = SQLITE_OPEN_NOMUTEX
              | (writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY);
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2 (path, &db, flags, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_UNAVAILABLE, "%s: cannot open: %s", path,
                   db ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      sqlite3_close (db);
      return NULL;
    }
  SqConn *conn = g_new0 (SqConn, 1);
  conn->db = db;
  conn->abort = abort;
  conn->busy_timeout = settings->busy_timeout;
  sqlite3_extended_result_codes (db, 1);
  sqlite3_busy_handler (db, on_busy, conn);
  sqlite3_progress_handler (db, SQ_PROGRESS_STEPS, on_progress, conn);
  gboolean ok = writer ? setup_writer (db, path, settings, error)
                       : pragma (db, path, "PRAGMA query_only=ON", NULL, error);
  if (!ok)
    {
      sqlite3_close (db);
      g_free (conn);
      return NULL;
    }
  conn->cache = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, cached_free);
  g_queue_init (&conn->lru);
  return conn;
}

void
sq_conn_close (SqConn *conn)
{
  if (conn == NULL)
    return;
  g_hash_table_unref (conn->cache); /* finalizes the statements */
  if (sqlite3_close (conn->db) != SQLITE_OK)
    g_warning ("closing the database: %s", sqlite3_errmsg (conn->db));
  g_free (conn);
}

static void
cache_add (SqConn *conn, const char *sql, sqlite3_stmt *stmt)
{
  if (g_hash_table_size (conn->cache) >= SQ_CACHE_MAX)
    {
      GList *oldest = g_queue_pop_tail_link (&conn->lru);
      SqCached *victim = oldest->data;
      g_hash_table_remove (conn->cache, victim->sql);
    }
  SqCached *c = g_new0 (SqCached, 1);
  c->sql = g_strdup (sql);
  c->stmt = stmt;
  c->link.data = c;
  g_queue_push_head_link (&conn->lru, &c->link);
  g_hash_table_insert (conn->cache, c->sql, c);
}

sqlite3_stmt *
sq_conn_prepare (SqConn *conn, const char *sql, const char *shown, guint index, GError **error)
{
  SqCached *c = g_hash_table_lookup (conn->cache, sql);
  if (c != NULL)
    {
      g_queue_unlink (&conn->lru, &c->link);
      g_queue_push_head_link (&conn->lru, &c->link);
      return c->stmt;
    }
  sqlite3_stmt *stmt = NULL;
  const char *tail = NULL;
  int rc = sqlite3_prepare_v3 (conn->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
  if (rc != SQLITE_OK)
    {
      conn->failed_rc = rc;
      sq_set_sqlite_error (error, conn, rc, index, shown);
      return NULL;
    }
  if (stmt == NULL || (tail != NULL && !sq_sql_is_blank (tail)))
    {
      g_autofree char *text
          = g_strdup_printf ("statements[%u]: %s", index,
                             stmt ? "holds more than one statement" : "holds no statement");
      g_set_error_literal (error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID, text);
      sqlite3_finalize (stmt);
      return NULL;
    }
  cache_add (conn, sql, stmt);
  return stmt;
}

void
sq_conn_forget (SqConn *conn, const char *sql)
{
  SqCached *c = g_hash_table_lookup (conn->cache, sql);
  if (c == NULL)
    return;
  g_queue_unlink (&conn->lru, &c->link);
  g_hash_table_remove (conn->cache, sql);
}

gboolean
sq_conn_exec (SqConn *conn, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = sq_conn_prepare (conn, sql, sql, SQ_NO_INDEX, error);
  if (stmt == NULL)
    return FALSE;
  /* a COMMIT or ROLLBACK that has begun is worth finishing even when the
   * job was cancelled or the store stops: interrupting it gains nothing */
  conn->shielded = TRUE;
  int rc;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ;
  conn->shielded = FALSE;
  if (rc != SQLITE_DONE)
    sq_set_sqlite_error (error, conn, rc, SQ_NO_INDEX, sql);
  sqlite3_reset (stmt);
  return rc == SQLITE_DONE;
}
