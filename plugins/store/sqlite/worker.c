/* store-sqlite: the worker threads. One writer owns the read-write
 * connection, so writes never wait for each other's locks; the readers
 * each own a read-only connection, and WAL lets them read while the
 * writer writes. The number of threads is fixed at load: 1 + readers. */
#include "sqlite-store.h"

static SqJob *
stop_job (void)
{
  SqJob *job = g_new0 (SqJob, 1);
  job->kind = SQ_JOB_STOP;
  return job;
}

/* Takes the coalescable jobs queued right behind @first (in order, at most
 * SQ_COALESCE_MAX together); the first job that is not stays in @next. */
static void
run_writes (SqWorker *w, SqJob *first, SqJob **next)
{
  SqStore *s = w->store;
  g_autoptr (GPtrArray) batch = g_ptr_array_new ();
  g_ptr_array_add (batch, first);
  while (sq_job_is_coalescable (first) && batch->len < SQ_COALESCE_MAX)
    {
      SqJob *job = g_async_queue_try_pop (s->write_queue);
      if (job == NULL)
        break;
      if (!sq_job_is_coalescable (job))
        {
          *next = job;
          break;
        }
      g_ptr_array_add (batch, job);
    }
  if (batch->len == 1)
    sq_exec_job (w->conn, first, &s->abort);
  else
    atomic_fetch_add (&s->coalesced, sq_exec_coalesced (w->conn, batch, &s->abort));
  atomic_fetch_add (&s->executed, batch->len);
  for (guint i = 0; i < batch->len; i++)
    sq_deliver_job (s, g_ptr_array_index (batch, i));
}

static void
worker_exited (SqStore *s, atomic_int *alive)
{
  g_mutex_lock (&s->done_lock);
  atomic_fetch_sub (alive, 1);
  g_cond_broadcast (&s->done_cond);
  g_mutex_unlock (&s->done_lock);
}

static gpointer
writer_main (gpointer data)
{
  SqWorker *w = data;
  SqStore *s = w->store;
  SqJob *next = NULL;
  for (;;)
    {
      SqJob *job = next ? next : g_async_queue_pop (s->write_queue);
      next = NULL;
      if (job->kind == SQ_JOB_STOP)
        {
          sq_job_free (job);
          break;
        }
      run_writes (w, job, &next);
    }
  worker_exited (s, &s->writer_alive);
  return NULL;
}

static void
run_read (SqWorker *w, SqJob *job)
{
  SqStore *s = w->store;
  switch (job->kind)
    {
    case SQ_JOB_EXECUTE:
      if (!sq_exec_read_job (w->conn, job, &s->abort))
        {
          sq_forward_to_writer (s, job);
          return;
        }
      break;
    case SQ_JOB_STREAM:
      sq_stream_run (s, w->conn, job);
      break;
    case SQ_JOB_BACKUP:
      sq_backup_run (s, w, job);
      break;
    case SQ_JOB_STOP:
    default:
      g_assert_not_reached ();
    }
  atomic_fetch_add (&s->executed, 1);
  sq_deliver_job (s, job);
}

static gpointer
reader_main (gpointer data)
{
  SqWorker *w = data;
  SqStore *s = w->store;
  for (;;)
    {
      SqJob *job = g_async_queue_pop (s->read_queue);
      if (job->kind == SQ_JOB_STOP)
        {
          sq_job_free (job);
          break;
        }
      run_read (w, job);
    }
  worker_exited (s, &s->readers_alive);
  return NULL;
}

void
sq_worker_serve_waiting (SqWorker *w)
{
  SqStore *s = w->store;
  SqJob *job;
  while ((job = g_async_queue_try_pop (s->read_queue)) != NULL)
    {
      /* a stream or backup would keep this thread from its own job */
      if (job->kind != SQ_JOB_EXECUTE)
        {
          g_async_queue_push_front (s->read_queue, job);
          return;
        }
      run_read (w, job);
    }
}

void
sq_forward_to_writer (SqStore *s, SqJob *job)
{
  /* the readers stop before the writer does, so the writer is there */
  g_async_queue_push (s->write_queue, job);
}

gboolean
sq_workers_start (SqStore *s, GError **error)
{
  for (guint i = 0; i < s->n_workers; i++)
    {
      SqWorker *w = &s->workers[i];
      g_autofree char *name
          = w->writer ? g_strdup ("store-writer") : g_strdup_printf ("store-reader%u", i);
      atomic_fetch_add (w->writer ? &s->writer_alive : &s->readers_alive, 1);
      w->thread = g_thread_try_new (name, w->writer ? writer_main : reader_main, w, error);
      if (w->thread == NULL)
        {
          atomic_fetch_sub (w->writer ? &s->writer_alive : &s->readers_alive, 1);
          g_prefix_error (error, "starting the %s thread: ", name);
          sq_workers_stop (s);
          return FALSE;
        }
    }
  return TRUE;
}

void
sq_submit (SqStore *s, SqJob *job)
{
  if (job->error == NULL && !s->accepting)
    sq_job_fail (job, OCC_STORE_ERROR, OCC_STORE_ERROR_UNAVAILABLE, "store stopping");
  if (job->error != NULL)
    {
      /* through the delivery queue all the same: never before the call returns */
      sq_deliver_job (s, job);
      return;
    }
  if (job->kind == SQ_JOB_EXECUTE && !sq_job_is_read (job))
    {
      job->for_writer = TRUE;
      s->writes_outstanding++;
      g_async_queue_push (s->write_queue, job);
      sq_deliver_update_hold (s);
    }
  else
    g_async_queue_push (s->read_queue, job);
}

/* Delivers results until @alive drops to zero or @deadline (monotonic µs,
 * 0: none) passes. TRUE when the workers exited. */
static gboolean
pump_until_exited (SqStore *s, atomic_int *alive, gint64 deadline)
{
  for (;;)
    {
      sq_deliver_pending (s, 0);
      gint64 now = g_get_monotonic_time ();
      if (atomic_load (alive) == 0)
        return TRUE;
      if (deadline > 0 && now >= deadline)
        return FALSE;
      gint64 until = now + G_USEC_PER_SEC / 10;
      if (deadline > 0)
        until = MIN (until, deadline);
      g_mutex_lock (&s->done_lock);
      if (g_queue_is_empty (&s->done) && atomic_load (alive) > 0)
        g_cond_wait_until (&s->done_cond, &s->done_lock, until);
      g_mutex_unlock (&s->done_lock);
    }
}

/* Past the deadline: what is still queued fails with "store stopping",
 * and the running statements are interrupted (see on_progress()). */
static void
abort_workers (SqStore *s)
{
  if (atomic_exchange (&s->abort, 1))
    return;
  g_message ("jobs still running after %d s; failing the rest",
             (int) (SQ_DRAIN_USEC / G_USEC_PER_SEC));
  for (guint i = 0; i < s->n_workers; i++)
    if (s->workers[i].conn)
      sqlite3_interrupt (s->workers[i].conn->db);
}

void
sq_workers_stop (SqStore *s)
{
  s->accepting = FALSE;
  gint64 deadline = g_get_monotonic_time () + SQ_DRAIN_USEC;
  /* Readers first: a reader may still hand a job to the writer. */
  for (int i = atomic_load (&s->readers_alive); i > 0; i--)
    g_async_queue_push (s->read_queue, stop_job ());
  if (!pump_until_exited (s, &s->readers_alive, deadline))
    {
      abort_workers (s);
      pump_until_exited (s, &s->readers_alive, 0);
    }
  if (atomic_load (&s->writer_alive) > 0)
    g_async_queue_push (s->write_queue, stop_job ());
  if (!pump_until_exited (s, &s->writer_alive, deadline))
    {
      abort_workers (s);
      pump_until_exited (s, &s->writer_alive, 0);
    }
  for (guint i = 0; i < s->n_workers; i++)
    if (s->workers[i].thread)
      g_thread_join (g_steal_pointer (&s->workers[i].thread));
  /* a callback delivered above may have queued more (refused) calls */
  sq_deliver_pending (s, 0);
}
