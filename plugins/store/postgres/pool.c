/* The pool: jobs wait here, in order, until a connection is ready; then
 * they go in batches to the least busy connection. While no connection is
 * up, jobs are held — up to hold-timeout seconds and max-held statements —
 * and fail with UNAVAILABLE past either. This file also keeps the store's
 * state (connecting, ready, degraded, failed) and publishes it. */
#include "pgstore.h"

#include <string.h>

typedef struct {
  GSource base;
  PgStore *store;
} PoolSource;

static void pool_run (PgStore *s);

static gboolean
pool_source_dispatch (GSource *source, GSourceFunc callback, gpointer data)
{
  (void) callback;
  (void) data;
  PgStore *s = ((PoolSource *) source)->store;
  g_source_set_ready_time (source, -1);
  s->kicked = FALSE;
  pool_run (s);
  return G_SOURCE_CONTINUE;
}

static const GSourceFuncs pool_source_funcs = { .dispatch = pool_source_dispatch };

const char *
pg_state_name (PgState state)
{
  switch (state)
    {
    case PG_STATE_CONNECTING:
      return "connecting";
    case PG_STATE_READY:
      return "ready";
    case PG_STATE_DEGRADED:
      return "degraded";
    case PG_STATE_FAILED:
      return "failed";
    }
  return "unknown";
}

void
pg_pool_init (PgStore *s)
{
  g_queue_init (&s->queue);
  g_queue_init (&s->streams);
  g_queue_init (&s->deferred);
  s->pool_source = g_source_new ((GSourceFuncs *) &pool_source_funcs, sizeof (PoolSource));
  ((PoolSource *) s->pool_source)->store = s;
  g_source_set_static_name (s->pool_source, "store-postgres pool");
  occ_plugin_attach_source (s->plugin, s->pool_source);
  s->state = PG_STATE_CONNECTING;
  s->outage_since = g_get_monotonic_time ();
}

void
pg_pool_kick (PgStore *s)
{
  if (s->kicked || s->pool_source == NULL)
    return;
  s->kicked = TRUE;
  g_source_set_ready_time (s->pool_source, 0);
}

/* --- jobs --------------------------------------------------------------------- */

gboolean
pg_job_coalescable (const PgJob *job)
{
  return (job->flags & OCC_STORE_COALESCE) && !job->alone
         && (job->n == 1 || (job->flags & OCC_STORE_TRANSACTION));
}

gboolean
pg_job_stepwise (const PgJob *job)
{
  return job->n > 1 && !(job->flags & OCC_STORE_TRANSACTION);
}

void
pg_job_free (PgJob *job)
{
  for (guint i = 0; i < job->n; i++)
    {
      g_free (job->sql[i]);
      g_free (job->keys[i]);
      pg_params_clear (&job->params[i]);
    }
  g_free (job->sql);
  g_free (job->keys);
  g_free (job->params);
  g_clear_object (&job->cancellable);
  g_clear_pointer (&job->results, g_ptr_array_unref);
  g_clear_error (&job->error);
  g_free (job);
}

void
pg_job_finish (PgJob *job, GError *error)
{
  if (error == NULL && job->error)
    error = g_steal_pointer (&job->error);
  if (job->callback)
    job->callback (error ? NULL : job->results, error, job->user_data);
  g_clear_error (&error);
  pg_job_free (job);
}

void
pg_pool_defer (PgStore *s, PgJob *job, GError *error)
{
  g_clear_error (&job->error);
  job->error = error;
  g_queue_push_tail (&s->deferred, job);
  pg_pool_kick (s);
}

void
pg_pool_enqueue (PgStore *s, PgJob *job)
{
  job->queued_at = g_get_monotonic_time ();
  g_queue_push_tail (&s->queue, job);
  s->queued_statements += job->n;
  pg_pool_kick (s);
}

void
pg_pool_enqueue_stream (PgStore *s, PgStream *st)
{
  st->queued_at = g_get_monotonic_time ();
  g_queue_push_tail (&s->streams, st);
  s->queued_statements++;
  pg_pool_kick (s);
}

static void
deliver_deferred (PgStore *s)
{
  /* only what is queued now: callbacks may defer more */
  guint n = s->deferred.length;
  for (guint i = 0; i < n && s->deferred.length > 0; i++)
    pg_job_finish (g_queue_pop_head (&s->deferred), NULL);
}

/* --- counting ------------------------------------------------------------------- */

guint
pg_pool_conns_up (PgStore *s)
{
  guint up = 0;
  for (guint i = 0; s->conns && i < s->conns->len; i++)
    {
      PgConn *c = g_ptr_array_index (s->conns, i);
      up += c->state == PG_CONN_READY || c->state == PG_CONN_STREAMING;
    }
  return up;
}

guint
pg_pool_in_flight (PgStore *s)
{
  guint n = 0;
  for (guint i = 0; s->conns && i < s->conns->len; i++)
    {
      PgConn *c = g_ptr_array_index (s->conns, i);
      n += c->in_flight + (c->stream != NULL);
    }
  return n;
}

gboolean
pg_pool_busy (PgStore *s)
{
  return s->queue.length > 0 || s->streams.length > 0 || s->deferred.length > 0
         || pg_pool_in_flight (s) > 0 || s->backups->len > 0;
}

/* --- state ------------------------------------------------------------------------ */

void
pg_pool_publish_state (PgStore *s)
{
  GVariantBuilder extra;
  g_variant_builder_init (&extra, G_VARIANT_TYPE_VARDICT);
  if (s->state == PG_STATE_FAILED && s->fatal)
    g_variant_builder_add (&extra, "{sv}", "reason", g_variant_new_string (s->fatal->message));
  else if (s->state != PG_STATE_READY && s->reason)
    g_variant_builder_add (&extra, "{sv}", "reason", g_variant_new_string (s->reason));
  g_variant_builder_add (&extra, "{sv}", "schema-version",
                         g_variant_new_uint32 (s->schema_version));
  g_variant_builder_add (&extra, "{sv}", "connections-up",
                         g_variant_new_uint32 (pg_pool_conns_up (s)));
  g_autoptr (GError) e = NULL;
  if (!occ_bus_publish (occ_plugin_get_bus (s->plugin), s->plugin, OCC_EVENT_STORE_STATE,
                        g_variant_new ("(ssa{sv})", "postgres", pg_state_name (s->state), &extra),
                        &e))
    g_warning ("cannot publish store.state: %s", e->message);
}

void
pg_pool_conn_changed (PgStore *s)
{
  if (s->closing)
    return;
  guint up = pg_pool_conns_up (s);
  gboolean some_failed = FALSE;
  for (guint i = 0; i < s->conns->len; i++)
    {
      PgConn *c = g_ptr_array_index (s->conns, i);
      some_failed |= c->failed && c->state != PG_CONN_READY && c->state != PG_CONN_STREAMING;
    }
  gint64 now = g_get_monotonic_time ();
  if (up == 0 && s->outage_since == 0)
    s->outage_since = now;
  else if (up > 0 && s->outage_since != 0)
    {
      if (s->outage_warned)
        g_message ("PostgreSQL (%s) is reachable again after %.1f s; %u held statements go "
                   "out now",
                   s->display, (double) (now - s->outage_since) / G_USEC_PER_SEC,
                   s->queued_statements);
      s->outage_since = 0;
      s->outage_warned = FALSE;
    }

  PgState state = s->fatal      ? PG_STATE_FAILED
                  : up == 0     ? PG_STATE_CONNECTING
                  : some_failed ? PG_STATE_DEGRADED
                                : PG_STATE_READY;
  if (state != s->state)
    {
      if (state == PG_STATE_DEGRADED)
        g_message ("PostgreSQL (%s): %u of %d connections up (%s)", s->display, up,
                   s->cfg.pool_size, s->reason ? s->reason : "");
      s->state = state;
      pg_pool_publish_state (s);
    }
  pg_pool_kick (s);
}

void
pg_pool_conn_failed (PgStore *s, const char *message)
{
  g_autofree char *first = g_strdup (message ? message : "unknown error");
  g_strdelimit (first, "\n", '\0');
  g_free (s->reason);
  s->reason = pg_redact (g_strstrip (first));
  if (pg_pool_conns_up (s) == 0 && !s->outage_warned && !s->closing && !s->fatal)
    {
      g_warning ("PostgreSQL (%s) is unreachable: %s; statements are held for up to %d s "
                 "(at most %d) while every connection retries, backing off up to %d s",
                 s->display, s->reason, s->cfg.hold_timeout, s->cfg.max_held, s->cfg.reconnect_max);
      s->outage_warned = TRUE;
    }
  else
    g_debug ("PostgreSQL (%s): %s", s->display, s->reason);
}

void
pg_pool_migrated (PgStore *s, guint version)
{
  s->migrated = TRUE;
  s->schema_version = version;
  s->migrator = NULL;
  for (guint i = 0; i < s->conns->len; i++)
    {
      PgConn *c = g_ptr_array_index (s->conns, i);
      if (c->state == PG_CONN_PARKED)
        pg_conn_set_ready (c);
    }
  pg_backup_migrated (s);
}

static void
fail_waiting (PgStore *s, const GError *error)
{
  while (s->queue.length > 0)
    {
      PgJob *job = g_queue_pop_head (&s->queue);
      s->queued_statements -= job->n;
      pg_job_finish (job, g_error_copy (error));
    }
  while (s->streams.length > 0)
    {
      PgStream *st = g_queue_pop_head (&s->streams);
      s->queued_statements--;
      pg_stream_finish (st, g_error_copy (error));
      pg_stream_free (st);
    }
}

void
pg_pool_fatal (PgStore *s, GError *error)
{
  if (s->fatal)
    {
      g_error_free (error);
      return;
    }
  s->fatal = error;
  /* the core warns when the stop is requested: one warning is enough */
  g_message ("PostgreSQL (%s): %s", s->display, error->message);
  for (guint i = 0; i < s->conns->len; i++)
    pg_conn_close (g_ptr_array_index (s->conns, i), error);
  s->state = PG_STATE_FAILED;
  pg_pool_publish_state (s);
  fail_waiting (s, error);
  pg_backup_fail_waiting (s, error);
  occ_plugin_request_stop (s->plugin, 1, error->message);
}

/* --- the round: deferred callbacks, held jobs, dispatch ----------------------- */

static void
expire_held (PgStore *s, gint64 now)
{
  if (pg_pool_conns_up (s) > 0 || s->outage_since == 0)
    return;
  gint64 hold = (gint64) s->cfg.hold_timeout * G_USEC_PER_SEC;
  while (s->queue.length > 0)
    {
      PgJob *job = g_queue_peek_head (&s->queue);
      gint64 since = MAX (job->queued_at, s->outage_since);
      if (since + hold > now)
        break;
      g_queue_pop_head (&s->queue);
      s->queued_statements -= job->n;
      pg_job_finish (job, g_error_new (OCC_STORE_ERROR, OCC_STORE_ERROR_UNAVAILABLE,
                                       "database unreachable for %d s (%s)",
                                       (int) ((now - s->outage_since) / G_USEC_PER_SEC),
                                       s->reason ? s->reason : "connecting"));
    }
  while (s->streams.length > 0)
    {
      PgStream *st = g_queue_peek_head (&s->streams);
      if (MAX (st->queued_at, s->outage_since) + hold > now)
        break;
      g_queue_pop_head (&s->streams);
      s->queued_statements--;
      pg_stream_finish (st, g_error_new (OCC_STORE_ERROR, OCC_STORE_ERROR_UNAVAILABLE,
                                         "database unreachable for %d s (%s)",
                                         (int) ((now - s->outage_since) / G_USEC_PER_SEC),
                                         s->reason ? s->reason : "connecting"));
      pg_stream_free (st);
    }
}

static gboolean
conn_idle (PgConn *c)
{
  return c->state == PG_CONN_READY && c->in_flight == 0 && c->expect.length == 0;
}

/* Streams need a connection of their own: take an idle one, or reserve
 * the least busy so that it takes no more jobs until it is idle. */
static void
dispatch_streams (PgStore *s)
{
  /* a stream cancelled while it waited must not keep its connection
   * from jobs */
  if (s->streams.length == 0)
    for (guint i = 0; i < s->conns->len; i++)
      ((PgConn *) g_ptr_array_index (s->conns, i))->reserved = FALSE;
  while (s->streams.length > 0)
    {
      PgStream *st = g_queue_peek_head (&s->streams);
      if (st->cancellable && g_cancellable_is_cancelled (st->cancellable))
        {
          g_queue_pop_head (&s->streams);
          s->queued_statements--;
          pg_stream_finish (st, g_error_new (OCC_STORE_ERROR, OCC_STORE_ERROR_CANCELLED,
                                             "the stream was cancelled before it started"));
          pg_stream_free (st);
          continue;
        }
      PgConn *idle = NULL, *reserved = NULL, *least = NULL;
      for (guint i = 0; i < s->conns->len; i++)
        {
          PgConn *c = g_ptr_array_index (s->conns, i);
          if (c->state != PG_CONN_READY)
            continue;
          if (c->reserved)
            reserved = c;
          if (conn_idle (c) && (idle == NULL || c->reserved))
            idle = c;
          if (least == NULL || c->in_flight < least->in_flight)
            least = c;
        }
      if (idle == NULL)
        {
          /* sticky, so that one connection drains to idle under load */
          if (reserved == NULL && least != NULL)
            least->reserved = TRUE;
          return;
        }
      g_queue_pop_head (&s->streams);
      s->queued_statements--;
      idle->reserved = FALSE;
      pg_stream_start (st, idle);
    }
}

static PgConn *
least_busy (PgStore *s)
{
  PgConn *best = NULL;
  for (guint i = 0; i < s->conns->len; i++)
    {
      PgConn *c = g_ptr_array_index (s->conns, i);
      if (c->state != PG_CONN_READY || c->reserved || c->in_flight >= (guint) s->cfg.pipeline_depth)
        continue;
      if (best == NULL || c->in_flight < best->in_flight)
        best = c;
    }
  return best;
}

gint64
pg_turn_deadline (GSource *source)
{
  /* g_source_get_time() is the time the loop turn began, the same for
   * every source dispatched in it: all of this plugin's work in one turn
   * shares one budget, so the turn stays under a millisecond */
  gint64 started = source ? g_source_get_time (source) : g_get_monotonic_time ();
  return started + PG_TURN_BUDGET_US;
}

/* Sends batches until the turn's budget is spent, then lets the loop run. */
static void
dispatch (PgStore *s)
{
  if (s->fatal || s->closing)
    return;
  dispatch_streams (s);
  gint64 until = pg_turn_deadline (s->pool_source);
  PgConn *c;
  while (s->queue.length > 0 && (c = least_busy (s)) != NULL)
    {
      if (g_get_monotonic_time () > until)
        {
          pg_pool_kick (s);
          return;
        }
      guint take = MIN ((guint) s->cfg.pipeline_depth - c->in_flight, s->queue.length);
      g_autoptr (GPtrArray) batch = g_ptr_array_sized_new (take);
      while (batch->len < take && s->queue.length > 0)
        {
          PgJob *job = g_queue_pop_head (&s->queue);
          s->queued_statements -= job->n;
          if (job->cancellable && g_cancellable_is_cancelled (job->cancellable))
            pg_job_finish (job, g_error_new (OCC_STORE_ERROR, OCC_STORE_ERROR_CANCELLED,
                                             "cancelled before it was sent"));
          else
            g_ptr_array_add (batch, job);
        }
      if (batch->len > 0)
        pg_conn_send_batch (c, batch);
    }
}

void
pg_pool_requeue_front (PgStore *s, GPtrArray *jobs, guint from)
{
  for (guint i = jobs->len; i > from; i--)
    {
      PgJob *job = g_ptr_array_index (jobs, i - 1);
      g_queue_push_head (&s->queue, job);
      s->queued_statements += job->n;
    }
  pg_pool_kick (s);
}

static void
check_stopping (PgStore *s, gint64 now)
{
  if (s->holding && (!pg_pool_busy (s) || now >= s->stop_deadline))
    {
      s->holding = FALSE;
      occ_plugin_release (s->plugin);
    }
}

static void
schedule (PgStore *s)
{
  if (s->kicked)
    return;
  gint64 next = -1;
  if (pg_pool_conns_up (s) == 0 && s->outage_since != 0)
    {
      gint64 hold = (gint64) s->cfg.hold_timeout * G_USEC_PER_SEC;
      PgJob *job = g_queue_peek_head (&s->queue);
      PgStream *st = g_queue_peek_head (&s->streams);
      if (job)
        next = MAX (job->queued_at, s->outage_since) + hold;
      if (st)
        {
          gint64 t = MAX (st->queued_at, s->outage_since) + hold;
          next = next < 0 ? t : MIN (next, t);
        }
    }
  if (s->holding)
    next = next < 0 ? s->stop_deadline : MIN (next, s->stop_deadline);
  g_source_set_ready_time (s->pool_source, next);
}

static void
pool_run (PgStore *s)
{
  gint64 now = g_get_monotonic_time ();
  deliver_deferred (s);
  expire_held (s, now);
  dispatch (s);
  check_stopping (s, now);
  schedule (s);
}

void
pg_pool_stopping (PgStore *s)
{
  if (s->stopping)
    return;
  s->stopping = TRUE;
  s->stop_deadline
      = g_get_monotonic_time () + (gint64) MAX (s->cfg.hold_timeout, 1) * G_USEC_PER_SEC;
  if (pg_pool_busy (s))
    {
      occ_plugin_hold (s->plugin);
      s->holding = TRUE;
    }
  pg_pool_kick (s);
}

void
pg_pool_shutdown (PgStore *s)
{
  s->closing = TRUE;
  g_autoptr (GError) never_sent = g_error_new (OCC_STORE_ERROR, OCC_STORE_ERROR_UNAVAILABLE,
                                               "store stopping: the statement was never sent");
  g_autoptr (GError) in_flight = g_error_new (OCC_STORE_ERROR, OCC_STORE_ERROR_CONNECTION_LOST,
                                              "store stopping while the statement was in "
                                              "flight: its outcome is unknown");
  fail_waiting (s, never_sent);
  for (guint i = 0; i < s->conns->len; i++)
    pg_conn_close (g_ptr_array_index (s->conns, i), in_flight);
  pg_backup_shutdown (s);
  pg_worker_join_all (s);
  /* callbacks may have called execute() again: those were deferred with
   * "store stopping"; deliver them too, a bounded number of rounds */
  for (int round = 0; round < 1000 && (s->deferred.length > 0 || s->queue.length > 0); round++)
    {
      fail_waiting (s, never_sent);
      deliver_deferred (s);
    }
  if (s->deferred.length > 0)
    g_warning ("%u callbacks kept issuing statements while the store stopped; dropped",
               s->deferred.length);
  while (s->deferred.length > 0)
    pg_job_free (g_queue_pop_head (&s->deferred));
}
