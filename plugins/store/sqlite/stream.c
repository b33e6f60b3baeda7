/* store-sqlite: streamed queries. A reader steps through the rows and
 * hands them over in batches; it waits while SQ_STREAM_IN_FLIGHT batches
 * are with the main thread and not yet consumed, so a query of a million
 * rows never holds more than a few batches in memory. */
#include "sqlite-store.h"

struct _SqStream {
  GMutex lock;
  GCond cond;
  guint in_flight;  /* batches queued for the main thread */
  gboolean stopped; /* the rows callback returned FALSE */
  guint batch_rows;
  OccStoreRowsFunc rows;
};

SqStream *
sq_stream_new (guint batch_rows, OccStoreRowsFunc rows)
{
  SqStream *st = g_new0 (SqStream, 1);
  g_mutex_init (&st->lock);
  g_cond_init (&st->cond);
  st->batch_rows = CLAMP (batch_rows, 1, 100000);
  st->rows = rows;
  return st;
}

void
sq_stream_free (SqStream *st)
{
  g_mutex_clear (&st->lock);
  g_cond_clear (&st->cond);
  g_free (st);
}

gboolean
sq_stream_stopped_by_consumer (SqStream *st)
{
  g_mutex_lock (&st->lock);
  gboolean stopped = st->stopped;
  g_mutex_unlock (&st->lock);
  return stopped;
}

static gboolean
is_cancelled (SqJob *job)
{
  return job->cancellable && g_cancellable_is_cancelled (job->cancellable);
}

void
sq_stream_deliver_batch (SqJob *job, OccStoreResult *batch)
{
  SqStream *st = job->stream;
  /* after a stop or a cancel the consumer hears nothing more but done */
  gboolean more = !sq_stream_stopped_by_consumer (st) && !is_cancelled (job)
                  && st->rows (batch, job->user_data);
  g_mutex_lock (&st->lock);
  st->in_flight--;
  if (!more && !is_cancelled (job))
    st->stopped = TRUE;
  g_cond_broadcast (&st->cond);
  g_mutex_unlock (&st->lock);
}

/* Waits for a free slot, then queues @batch. FALSE (with @error set unless
 * the consumer stopped) when the stream must end instead. */
static gboolean
hand_over (SqStore *s, SqJob *job, OccStoreResult *batch, GError **error)
{
  SqStream *st = job->stream;
  g_mutex_lock (&st->lock);
  while (st->in_flight >= SQ_STREAM_IN_FLIGHT && !st->stopped && !is_cancelled (job)
         && !atomic_load (&s->abort))
    /* timed: a cancellable or the store's abort does not signal us */
    g_cond_wait_until (&st->cond, &st->lock,
                       g_get_monotonic_time () + G_TIME_SPAN_MILLISECOND * 50);
  gboolean go = !st->stopped && !is_cancelled (job) && !atomic_load (&s->abort);
  if (go)
    st->in_flight++;
  g_mutex_unlock (&st->lock);
  if (!go)
    {
      occ_store_result_unref (batch);
      if (atomic_load (&s->abort))
        g_set_error_literal (error, OCC_STORE_ERROR, OCC_STORE_ERROR_UNAVAILABLE, "store stopping");
      else if (is_cancelled (job))
        g_set_error_literal (error, OCC_STORE_ERROR, OCC_STORE_ERROR_CANCELLED, "cancelled");
      return FALSE;
    }
  atomic_fetch_add (&s->stream_batches, 1);
  sq_deliver_batch (s, job, batch);
  return TRUE;
}

/* Steps through the rows; FALSE with @error set, or when stopped. */
static gboolean
run_rows (SqStore *s, SqConn *conn, SqJob *job, sqlite3_stmt *stmt, GError **error)
{
  const SqStatement *sql = &job->statements[0];
  OccStoreResult *batch = NULL;
  for (;;)
    {
      if (batch == NULL)
        batch = sq_statement_new_result (stmt);
      int rc = sq_statement_step (conn, stmt, batch, sql, 0, error);
      if (rc == SQLITE_DONE)
        break;
      if (rc != SQLITE_ROW)
        {
          occ_store_result_unref (batch);
          return FALSE;
        }
      if (occ_store_result_get_n_rows (batch) >= job->stream->batch_rows)
        {
          if (!hand_over (s, job, g_steal_pointer (&batch), error))
            return FALSE;
        }
    }
  if (occ_store_result_get_n_rows (batch) > 0)
    return hand_over (s, job, batch, error);
  occ_store_result_unref (batch);
  return TRUE;
}

void
sq_stream_run (SqStore *s, SqConn *conn, SqJob *job)
{
  if (sq_job_check_cancelled (job, &s->abort))
    return;
  const SqStatement *sql = &job->statements[0];
  GError *e = NULL;
  sqlite3_stmt *stmt = sq_conn_prepare (conn, sql->rewritten, sql->sql, 0, &e);
  if (stmt != NULL && !sqlite3_stmt_readonly (stmt))
    {
      /* it would run on a read-only connection, and its writes could not
       * be undone when the consumer stops half-way */
      sq_conn_forget (conn, sql->rewritten);
      stmt = NULL;
      g_set_error_literal (&e, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID,
                           "statements[0]: stream() takes a query, and this statement writes");
    }
  if (stmt != NULL)
    stmt = sq_statement_start (conn, sql, 0, &e);
  if (stmt == NULL)
    {
      sq_job_take_error (job, e);
      return;
    }
  conn->cancellable = job->cancellable;
  if (!run_rows (s, conn, job, stmt, &e) && e != NULL)
    sq_job_take_error (job, e);
  conn->cancellable = NULL;
  sq_statement_finish (stmt);
}
