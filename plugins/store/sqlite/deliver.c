/* store-sqlite: handing results back to the main thread. Workers append
 * to one queue and wake the main context; a GSource on it calls the
 * callbacks, in the order the jobs finished. Errors found while a call is
 * checked take the same path, so no callback ever runs inside the call. */
#include "sqlite-store.h"

typedef struct {
  SqJob *job;
  OccStoreResult *batch; /* a stream's rows; NULL when the job is done */
} SqDelivery;

typedef struct {
  GSource base;
  SqStore *store;
} SqSource;

static gboolean
has_pending (SqStore *s)
{
  g_mutex_lock (&s->done_lock);
  gboolean pending = !g_queue_is_empty (&s->done);
  g_mutex_unlock (&s->done_lock);
  return pending;
}

static gboolean
source_prepare (GSource *source, gint *timeout)
{
  *timeout = -1;
  return has_pending (((SqSource *) source)->store);
}

static gboolean
source_check (GSource *source)
{
  return has_pending (((SqSource *) source)->store);
}

static gboolean
source_dispatch (GSource *source, GSourceFunc callback, gpointer data)
{
  (void) callback;
  (void) data;
  /* 0.4 ms at a time, so that with what else runs in the same loop turn
   * the daemon never waits 1 ms while a burst of results is handed out */
  sq_deliver_pending (((SqSource *) source)->store, 400);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs source_funcs = {
  .prepare = source_prepare,
  .check = source_check,
  .dispatch = source_dispatch,
};

void
sq_deliver_attach (SqStore *s)
{
  s->source = g_source_new (&source_funcs, sizeof (SqSource));
  ((SqSource *) s->source)->store = s;
  g_source_set_name (s->source, "store-sqlite results");
  occ_plugin_attach_source (s->plugin, s->source);
  /* kept for the workers, which wake it up */
  s->context = g_main_context_ref (g_source_get_context (s->source));
}

void
sq_deliver_detach (SqStore *s)
{
  if (s->source == NULL)
    return;
  g_source_destroy (s->source);
  g_clear_pointer (&s->source, g_source_unref);
  g_clear_pointer (&s->context, g_main_context_unref);
}

static void
push (SqStore *s, SqJob *job, OccStoreResult *batch)
{
  SqDelivery *d = g_new (SqDelivery, 1);
  d->job = job;
  d->batch = batch;
  g_mutex_lock (&s->done_lock);
  g_queue_push_tail (&s->done, d);
  g_cond_broadcast (&s->done_cond);
  g_mutex_unlock (&s->done_lock);
  /* thread-safe; the source's prepare() then sees the queue is not empty */
  g_main_context_wakeup (s->context);
}

void
sq_deliver_job (SqStore *s, SqJob *job)
{
  push (s, job, NULL);
}

void
sq_deliver_batch (SqStore *s, SqJob *job, OccStoreResult *batch)
{
  push (s, job, batch);
}

void
sq_deliver_update_hold (SqStore *s)
{
  /* a stopping daemon waits for the writes it already accepted */
  gboolean want = s->daemon_stopping && s->writes_outstanding > 0;
  if (want && !s->held)
    {
      s->held = TRUE;
      occ_plugin_hold (s->plugin);
    }
  else if (!want && s->held)
    {
      s->held = FALSE;
      occ_plugin_release (s->plugin);
    }
}

static void
finish_job (SqStore *s, SqJob *job)
{
  if (job->for_writer)
    s->writes_outstanding--;
  if (job->kind == SQ_JOB_STREAM)
    {
      if (sq_stream_stopped_by_consumer (job->stream))
        {
          g_clear_error (&job->error);
          job->error = g_error_new_literal (OCC_STORE_ERROR, OCC_STORE_ERROR_CANCELLED,
                                            "the rows callback stopped the stream");
        }
      /* a stream's rows went to the rows callback: done gets none */
      g_clear_pointer (&job->results, g_ptr_array_unref);
    }
  else if (job->error == NULL && job->results == NULL)
    job->results = g_ptr_array_new_with_free_func ((GDestroyNotify) occ_store_result_unref);
  if (job->callback)
    job->callback (job->error ? NULL : job->results, job->error, job->user_data);
  sq_job_free (job);
  sq_deliver_update_hold (s);
}

void
sq_deliver_pending (SqStore *s, gint64 budget_usec)
{
  gint64 deadline = budget_usec > 0 ? g_get_monotonic_time () + budget_usec : 0;
  for (guint n = 1;; n++)
    {
      g_mutex_lock (&s->done_lock);
      SqDelivery *d = g_queue_pop_head (&s->done);
      g_mutex_unlock (&s->done_lock);
      if (d == NULL)
        return;
      if (d->batch)
        {
          sq_stream_deliver_batch (d->job, d->batch);
          occ_store_result_unref (d->batch);
          atomic_fetch_sub (&s->stream_batches, 1);
        }
      else
        finish_job (s, d->job);
      g_free (d);
      /* the clock is read every few deliveries: they are usually short */
      if (deadline > 0 && n % 16 == 0 && g_get_monotonic_time () >= deadline)
        return;
    }
}
