/* stream(): one query on a connection taken out of pipeline mode, read in
 * single-row mode and handed over in batches, so that a large result is
 * never held whole. Stopping early sends a cancel request; libpq's
 * PQcancel blocks on its own round trip to the server, so it runs in a
 * worker thread while the rows still coming are read and dropped here.
 * The connection takes jobs again once the query has ended and the
 * cancel request is done, so that a late cancel cannot hit the next
 * statement. */
#include "pgstore.h"

typedef struct {
  PgStream *st;
  PGcancel *cancel;
  char err[256];
  int ok;
} CancelRequest;

void
pg_stream_free (PgStream *st)
{
  g_free (st->sql);
  pg_params_clear (&st->params);
  g_clear_object (&st->cancellable);
  g_clear_pointer (&st->batch, occ_store_result_unref);
  g_clear_error (&st->error);
  g_free (st);
}

void
pg_stream_finish (PgStream *st, GError *error)
{
  if (error == NULL)
    error = g_steal_pointer (&st->error);
  if (st->finished)
    {
      g_clear_error (&error);
      return;
    }
  st->finished = TRUE;
  g_clear_pointer (&st->batch, occ_store_result_unref);
  if (st->done)
    st->done (NULL, error, st->user_data);
  g_clear_error (&error);
}

/* The query is over and no cancel is pending: the connection goes back
 * to the pool. */
static void
release_conn (PgConn *c)
{
  PgStream *st = c->stream;
  c->stream = NULL;
  st->conn = NULL;
  pg_stream_free (st);
  pg_conn_set_ready (c);
}

static gpointer
cancel_thread (gpointer data)
{
  CancelRequest *cr = data;
  cr->ok = PQcancel (cr->cancel, cr->err, sizeof cr->err);
  PQfreeCancel (cr->cancel);
  cr->cancel = NULL;
  return NULL;
}

static void
cancel_done (gpointer data, gboolean unloading)
{
  CancelRequest *cr = data;
  PgStream *st = cr->st;
  if (!cr->ok)
    g_debug ("the cancel request failed: %s", cr->err);
  st->cancelling = FALSE;
  if (st->conn == NULL)
    pg_stream_free (st); /* the connection broke or closed meanwhile */
  else if (st->ended && !unloading)
    release_conn (st->conn);
  g_free (cr);
}

/* Ends the stream for its caller now; the server is told to stop. */
static void
stop (PgStream *st, GError *error)
{
  pg_stream_finish (st, error);
  if (st->ended || st->cancelling || st->conn == NULL)
    return;
  PGcancel *cancel = PQgetCancel (st->conn->pg);
  if (cancel == NULL)
    return; /* the rest is read and dropped */
  CancelRequest *cr = g_new0 (CancelRequest, 1);
  cr->st = st;
  cr->cancel = cancel;
  st->cancelling = TRUE;
  pg_worker_start (st->store, "pg-cancel", cancel_thread, cancel_done, cr);
}

static GError *
cancelled (const char *why)
{
  return g_error_new (OCC_STORE_ERROR, OCC_STORE_ERROR_CANCELLED, "stream stopped: %s", why);
}

static void
deliver_batch (PgStream *st)
{
  OccStoreResult *batch = g_steal_pointer (&st->batch);
  gboolean go = st->rows ? st->rows (batch, st->user_data) : TRUE;
  occ_store_result_unref (batch);
  if (!go)
    stop (st, cancelled ("the rows callback returned FALSE"));
  else if (st->cancellable && g_cancellable_is_cancelled (st->cancellable))
    stop (st, cancelled ("cancelled"));
}

static void
take_row (PgStream *st, const PGresult *r)
{
  if (st->batch == NULL)
    st->batch = pg_result_new_like (r);
  GError *e = NULL;
  if (!pg_result_append_rows (st->batch, r, &e))
    {
      stop (st, e);
      return;
    }
  if (occ_store_result_get_n_rows (st->batch) >= st->batch_rows)
    deliver_batch (st);
  else if (st->cancellable && g_cancellable_is_cancelled (st->cancellable))
    stop (st, cancelled ("cancelled"));
}

static void
query_ended (PgConn *c)
{
  PgStream *st = c->stream;
  st->ended = TRUE;
  if (!st->finished && st->error == NULL && st->batch
      && occ_store_result_get_n_rows (st->batch) > 0)
    deliver_batch (st);
  pg_stream_finish (st, NULL);
  if (!st->cancelling)
    release_conn (c);
}

gboolean
pg_stream_input (PgConn *c)
{
  gint64 until = pg_turn_deadline (c->source);
  guint count = 0;
  while (c->state == PG_CONN_STREAMING && !PQisBusy (c->pg))
    {
      PgStream *st = c->stream;
      PGresult *r = PQgetResult (c->pg);
      if (r == NULL)
        {
          query_ended (c);
          return TRUE;
        }
      switch (PQresultStatus (r))
        {
        case PGRES_SINGLE_TUPLE:
          if (!st->finished)
            take_row (st, r);
          break;
        case PGRES_FATAL_ERROR:
          if (pg_result_is_connection_error (r, c->pg))
            {
              g_free (c->last_error);
              c->last_error = g_strdup (PQresultErrorMessage (r));
              PQclear (r);
              return FALSE;
            }
          if (st->error == NULL && !st->finished)
            st->error = pg_result_error (r, st->sql);
          break;
        default:
          break;
        }
      PQclear (r);
      if ((++count & 15) == 0 && g_get_monotonic_time () > until)
        {
          pg_conn_wake (c);
          return TRUE;
        }
    }
  return c->pg == NULL || PQstatus (c->pg) != CONNECTION_BAD;
}

void
pg_stream_start (PgStream *st, PgConn *c)
{
  c->state = PG_CONN_STREAMING;
  c->stream = st;
  st->conn = c;
  const PgParams *p = &st->params;
  if (!PQexitPipelineMode (c->pg)
      || !PQsendQueryParams (c->pg, st->sql, p->n, p->types, (const char *const *) p->values,
                             p->lengths, p->formats, 0)
      || !PQsetSingleRowMode (c->pg))
    {
      pg_conn_break (c, PQerrorMessage (c->pg));
      return;
    }
  pg_conn_flush (c);
}

void
pg_stream_abort (PgConn *c, const GError *error)
{
  PgStream *st = c->stream;
  c->stream = NULL;
  st->conn = NULL;
  pg_stream_finish (st, g_error_copy (error));
  if (!st->cancelling)
    pg_stream_free (st);
}
