/* One connection of the pool: connecting without blocking (PQconnectPoll
 * driven by a GSource on its socket), reconnecting with backoff, and the
 * pipeline — jobs sent back to back, one sync per unit, results matched
 * to jobs in the order they were sent.
 *
 * A unit is what runs between two syncs, in one implicit transaction: a
 * job (all its statements, or one statement of a job that runs them one
 * at a time), a coalesced batch of jobs, or a PREPARE of our own. An
 * implicit transaction rather than BEGIN…COMMIT: in pipeline mode a
 * failed explicit block stays aborted after the sync and would fail the
 * units queued behind it, while the implicit one is rolled back at the
 * sync and the next unit starts clean. The effect is the same: all of the
 * unit, or none of it. */
#include "pgstore.h"

#include <string.h>

struct _PgPrepared {
  gint ref;
  char *name; /* s1, s2… */
  char *key;  /* parameter types + SQL */
  GError *error;
};

typedef enum { UNIT_PREPARE, UNIT_UTILITY, UNIT_JOB, UNIT_COALESCED } UnitKind;

typedef struct {
  UnitKind kind;
  GPtrArray *jobs; /* PgJob, not owned */
  GError *error;   /* the first error of the unit */
} PgUnit;

typedef enum { EXP_PREPARE, EXP_UTILITY, EXP_STMT, EXP_SYNC } ExpKind;

typedef struct {
  ExpKind kind;
  PgUnit *unit;
  PgJob *job;
  guint stmt;
  PgPrepared *prep;
  gboolean got; /* its result came: the NULL that ends it is next */
} PgExpect;

typedef struct {
  GSource base;
  PgConn *conn;
} ConnSource;

static void conn_dispatch (PgConn *c, GIOCondition revents, gboolean timer);

static gboolean
conn_source_dispatch (GSource *source, GSourceFunc callback, gpointer data)
{
  (void) callback;
  (void) data;
  PgConn *c = ((ConnSource *) source)->conn;
  GIOCondition revents = c->fd_tag ? g_source_query_unix_fd (source, c->fd_tag) : 0;
  gint64 ready = g_source_get_ready_time (source);
  gboolean timer = ready >= 0 && g_source_get_time (source) >= ready;
  if (timer)
    g_source_set_ready_time (source, -1);
  conn_dispatch (c, revents, timer);
  return G_SOURCE_CONTINUE;
}

static const GSourceFuncs conn_source_funcs = { .dispatch = conn_source_dispatch };

/* --- small things ------------------------------------------------------------- */

static void
prepared_unref (gpointer data)
{
  PgPrepared *p = data;
  if (p == NULL || --p->ref > 0)
    return;
  g_free (p->name);
  g_free (p->key);
  g_clear_error (&p->error);
  g_free (p);
}

static PgUnit *
unit_new (PgConn *c, UnitKind kind)
{
  PgUnit *u = g_new0 (PgUnit, 1);
  u->kind = kind;
  u->jobs = g_ptr_array_new ();
  g_queue_push_tail (&c->units, u);
  return u;
}

static void
unit_free (PgUnit *u)
{
  g_ptr_array_unref (u->jobs);
  g_clear_error (&u->error);
  g_free (u);
}

static void
expect (PgConn *c, ExpKind kind, PgUnit *u, PgJob *job, guint stmt, PgPrepared *prep)
{
  PgExpect *e = g_new0 (PgExpect, 1);
  e->kind = kind;
  e->unit = u;
  e->job = job;
  e->stmt = stmt;
  if (prep)
    {
      prep->ref++;
      e->prep = prep;
    }
  g_queue_push_tail (&c->expect, e);
}

static void
expect_free (gpointer data)
{
  PgExpect *e = data;
  prepared_unref (e->prep);
  g_free (e);
}

static void
on_notice (void *arg, const char *message)
{
  PgConn *c = arg;
  g_debug ("connection %u: server notice: %s", c->index, message);
}

/* Watches @fd for @events on the connection's source (-1: none). */
static void
conn_watch (PgConn *c, int fd, GIOCondition events)
{
  if (c->fd_tag && fd != c->fd)
    {
      g_source_remove_unix_fd (c->source, c->fd_tag);
      c->fd_tag = NULL;
      c->fd = -1;
    }
  if (fd < 0)
    return;
  if (c->fd_tag == NULL)
    {
      c->fd_tag = g_source_add_unix_fd (c->source, fd, events);
      c->fd = fd;
      c->events = events;
    }
  else if (events != c->events)
    {
      g_source_modify_unix_fd (c->source, c->fd_tag, events);
      c->events = events;
    }
}

void
pg_conn_update_io (PgConn *c)
{
  if (c->pg == NULL || c->state == PG_CONN_DOWN || c->state == PG_CONN_CLOSED)
    {
      conn_watch (c, -1, 0);
      return;
    }
  conn_watch (c, PQsocket (c->pg), G_IO_IN | (c->flushing ? G_IO_OUT : 0));
  if (c->more)
    g_source_set_ready_time (c->source, 0);
}

void
pg_conn_wake (PgConn *c)
{
  c->more = TRUE;
  g_source_set_ready_time (c->source, 0);
}

gboolean
pg_conn_flush (PgConn *c)
{
  int r = PQflush (c->pg);
  if (r < 0)
    {
      pg_conn_break (c, PQerrorMessage (c->pg));
      return FALSE;
    }
  c->flushing = r == 1;
  pg_conn_update_io (c);
  return TRUE;
}

/* --- life of a connection ------------------------------------------------------ */

PgConn *
pg_conn_new (PgStore *s, guint index)
{
  PgConn *c = g_new0 (PgConn, 1);
  c->store = s;
  c->index = index;
  c->fd = -1;
  c->state = PG_CONN_DOWN;
  g_queue_init (&c->expect);
  g_queue_init (&c->units);
  c->prepared = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, prepared_unref);
  c->source = g_source_new ((GSourceFuncs *) &conn_source_funcs, sizeof (ConnSource));
  ((ConnSource *) c->source)->conn = c;
  g_source_set_static_name (c->source, "store-postgres connection");
  occ_plugin_attach_source (s->plugin, c->source);
  return c;
}

void
pg_conn_free (PgConn *c)
{
  if (c->pg)
    PQfinish (c->pg);
  g_queue_clear_full (&c->expect, expect_free);
  g_queue_clear_full (&c->units, (GDestroyNotify) unit_free);
  g_hash_table_unref (c->prepared);
  g_source_destroy (c->source);
  g_source_unref (c->source);
  g_free (c->last_error);
  g_free (c);
}

static void
schedule_retry (PgConn *c)
{
  PgStore *s = c->store;
  if (s->closing || s->fatal)
    return;
  guint cap = (guint) s->cfg.reconnect_max * 1000;
  c->backoff_ms = c->backoff_ms == 0 ? 100 : MIN (c->backoff_ms * 2, cap);
  /* jitter, so that the connections of several nodes do not knock in step */
  double delay = MIN (c->backoff_ms * g_random_double_range (0.75, 1.25), (double) cap);
  g_source_set_ready_time (c->source, g_get_monotonic_time () + (gint64) (delay * 1000));
}

static void
connect_failed (PgConn *c, const char *message)
{
  PgStore *s = c->store;
  g_autofree char *why = g_strdup (message); /* may live in c->pg */
  if (c->pg)
    PQfinish (c->pg);
  c->pg = NULL;
  conn_watch (c, -1, 0);
  c->failed = TRUE;
  c->state = PG_CONN_DOWN;
  pg_pool_conn_failed (s, why);
  schedule_retry (c);
  pg_pool_conn_changed (s);
}

void
pg_conn_start (PgConn *c)
{
  PgStore *s = c->store;
  if (s->closing || s->fatal)
    return;
  g_auto (GStrv) keywords = NULL;
  g_auto (GStrv) values = NULL;
  pg_conninfo_params (s->cfg.dsn, &keywords, &values);
  c->pg = PQconnectStartParams ((const char *const *) keywords, (const char *const *) values, 1);
  if (c->pg == NULL || PQstatus (c->pg) == CONNECTION_BAD)
    {
      connect_failed (c, c->pg ? PQerrorMessage (c->pg) : "out of memory");
      return;
    }
  PQsetNoticeProcessor (c->pg, on_notice, c);
  c->state = PG_CONN_CONNECTING;
  c->connect_deadline = g_get_monotonic_time () + (gint64) s->cfg.connect_timeout * G_USEC_PER_SEC;
  /* before the first PQconnectPoll, wait as if it asked for writing */
  conn_watch (c, PQsocket (c->pg), G_IO_OUT);
  g_source_set_ready_time (c->source, c->connect_deadline);
}

static void
connected (PgConn *c)
{
  PgStore *s = c->store;
  if (PQsetnonblocking (c->pg, 1) != 0)
    {
      connect_failed (c, PQerrorMessage (c->pg));
      return;
    }
  g_source_set_ready_time (c->source, -1);
  if (c->failed)
    s->reconnects++;
  g_debug ("connection %u: connected to server %d, backend %d", c->index, PQserverVersion (c->pg),
           PQbackendPID (c->pg));
  if (s->migrated)
    pg_conn_set_ready (c);
  else if (s->migrator == NULL)
    {
      s->migrator = c;
      pg_migrate_start (c);
    }
  else
    {
      c->state = PG_CONN_PARKED;
      pg_conn_update_io (c);
    }
}

static void
connect_step (PgConn *c, GIOCondition revents, gboolean timer)
{
  if (g_get_monotonic_time () >= c->connect_deadline)
    {
      g_autofree char *why = g_strdup_printf ("no answer within connect-timeout (%d s)",
                                              c->store->cfg.connect_timeout);
      connect_failed (c, why);
      return;
    }
  if (revents == 0 && !timer)
    return;
  switch (PQconnectPoll (c->pg))
    {
    case PGRES_POLLING_READING:
      conn_watch (c, PQsocket (c->pg), G_IO_IN);
      break;
    case PGRES_POLLING_WRITING:
      conn_watch (c, PQsocket (c->pg), G_IO_OUT);
      break;
    case PGRES_POLLING_OK:
      connected (c);
      return;
    case PGRES_POLLING_FAILED:
      connect_failed (c, PQerrorMessage (c->pg));
      return;
    default: /* PGRES_POLLING_ACTIVE: call again */
      g_source_set_ready_time (c->source, 0);
      return;
    }
  g_source_set_ready_time (c->source, c->connect_deadline);
}

void
pg_conn_set_ready (PgConn *c)
{
  if (PQpipelineStatus (c->pg) == PQ_PIPELINE_OFF && !PQenterPipelineMode (c->pg))
    {
      pg_conn_break (c, "cannot enter pipeline mode");
      return;
    }
  c->state = PG_CONN_READY;
  c->failed = FALSE;
  c->backoff_ms = 0;
  pg_conn_update_io (c);
  pg_pool_conn_changed (c->store);
}

/* Empties the connection of its work: returns the jobs in flight, in the
 * order they were sent. */
static GPtrArray *
take_in_flight (PgConn *c)
{
  GPtrArray *jobs = g_ptr_array_new ();
  for (GList *l = c->units.head; l; l = l->next)
    {
      PgUnit *u = l->data;
      for (guint i = 0; i < u->jobs->len; i++)
        g_ptr_array_add (jobs, g_ptr_array_index (u->jobs, i));
    }
  g_queue_clear_full (&c->units, (GDestroyNotify) unit_free);
  g_queue_clear_full (&c->expect, expect_free);
  c->in_flight = 0;
  g_hash_table_remove_all (c->prepared);
  if (c->migration)
    {
      pg_migrate_free (c->migration);
      c->migration = NULL;
    }
  if (c->pg)
    PQfinish (c->pg);
  c->pg = NULL;
  conn_watch (c, -1, 0);
  c->flushing = c->more = c->reserved = FALSE;
  g_clear_pointer (&c->last_error, g_free);
  return jobs;
}

static void
fail_jobs (GPtrArray *jobs, const GError *error)
{
  for (guint i = 0; i < jobs->len; i++)
    pg_job_finish (g_ptr_array_index (jobs, i), g_error_copy (error));
}

void
pg_conn_break (PgConn *c, const char *why)
{
  PgStore *s = c->store;
  g_autofree char *first = g_strdup (why && *why ? why : "the connection broke");
  g_strdelimit (first, "\n", '\0');
  g_autofree char *reason = pg_redact (g_strstrip (first));
  g_autoptr (GPtrArray) jobs = take_in_flight (c);
  c->state = PG_CONN_DOWN;
  c->failed = TRUE;
  c->backoff_ms = 0;
  if (s->migrator == c)
    {
      s->migrator = NULL;
      for (guint i = 0; i < s->conns->len && s->migrator == NULL; i++)
        {
          PgConn *other = g_ptr_array_index (s->conns, i);
          if (other->state == PG_CONN_PARKED)
            {
              s->migrator = other;
              pg_migrate_start (other);
            }
        }
    }
  pg_pool_conn_failed (s, reason);
  schedule_retry (c);
  pg_pool_conn_changed (s);

  /* callbacks last, with the pool already consistent */
  g_autoptr (GError) lost
      = g_error_new (OCC_STORE_ERROR, OCC_STORE_ERROR_CONNECTION_LOST,
                     "the connection to PostgreSQL broke while the statement was in flight "
                     "(%s): its outcome is unknown",
                     reason);
  if (c->stream)
    pg_stream_abort (c, lost);
  fail_jobs (jobs, lost);
}

void
pg_conn_close (PgConn *c, const GError *error)
{
  g_autoptr (GPtrArray) jobs = take_in_flight (c);
  c->state = PG_CONN_CLOSED;
  g_source_set_ready_time (c->source, -1);
  if (c->stream)
    pg_stream_abort (c, error);
  fail_jobs (jobs, error);
}

/* --- sending -------------------------------------------------------------------- */

static void
job_range (const PgJob *job, guint *first, guint *end)
{
  *first = pg_job_stepwise (job) ? job->next : 0;
  *end = pg_job_stepwise (job) ? job->next + 1 : job->n;
}

static gboolean
send_sync (PgConn *c, PgUnit *u)
{
  expect (c, EXP_SYNC, u, NULL, 0, NULL);
  return PQpipelineSync (c->pg) == 1;
}

/* DEALLOCATE ALL, when the cache is full: simpler than tracking use, and
 * a busy site uses far fewer than PG_PREPARED_MAX statements. */
static gboolean
reset_cache (PgConn *c)
{
  g_hash_table_remove_all (c->prepared);
  PgUnit *u = unit_new (c, UNIT_UTILITY);
  expect (c, EXP_UTILITY, u, NULL, 0, NULL);
  if (!PQsendQueryParams (c->pg, "DEALLOCATE ALL", 0, NULL, NULL, NULL, NULL, 0))
    return FALSE;
  return send_sync (c, u);
}

/* Prepares in a sync of its own, so that an error of another unit can
 * never abort the PREPARE that later units rely on. */
static gboolean
ensure_prepared (PgConn *c, PgJob *job, guint i)
{
  if (g_hash_table_contains (c->prepared, job->keys[i]))
    return TRUE;
  PgPrepared *p = g_new0 (PgPrepared, 1);
  p->ref = 1;
  p->name = g_strdup_printf ("s%u", ++c->next_name);
  p->key = g_strdup (job->keys[i]);
  g_hash_table_insert (c->prepared, p->key, p);
  PgUnit *u = unit_new (c, UNIT_PREPARE);
  expect (c, EXP_PREPARE, u, job, i, p);
  if (!PQsendPrepare (c->pg, p->name, job->sql[i], job->params[i].n, job->params[i].types))
    return FALSE;
  return send_sync (c, u);
}

static gboolean
send_unit (PgConn *c, UnitKind kind, PgJob **jobs, guint n)
{
  guint missing = 0, first, end;
  for (guint j = 0; j < n; j++)
    {
      job_range (jobs[j], &first, &end);
      for (guint i = first; i < end; i++)
        missing += !g_hash_table_contains (c->prepared, jobs[j]->keys[i]);
    }
  if (missing > 0 && g_hash_table_size (c->prepared) + missing > PG_PREPARED_MAX
      && !reset_cache (c))
    return FALSE;

  PgUnit *u = unit_new (c, kind);
  for (guint j = 0; j < n; j++)
    g_ptr_array_add (u->jobs, jobs[j]);
  c->in_flight += n;
  for (guint j = 0; j < n; j++)
    {
      job_range (jobs[j], &first, &end);
      for (guint i = first; i < end; i++)
        if (!ensure_prepared (c, jobs[j], i))
          return FALSE;
    }
  for (guint j = 0; j < n; j++)
    {
      PgJob *job = jobs[j];
      job_range (job, &first, &end);
      for (guint i = first; i < end; i++)
        {
          PgPrepared *p = g_hash_table_lookup (c->prepared, job->keys[i]);
          const PgParams *pp = &job->params[i];
          expect (c, EXP_STMT, u, job, i, p);
          if (!PQsendQueryPrepared (c->pg, p->name, pp->n, (const char *const *) pp->values,
                                    pp->lengths, pp->formats, 0))
            return FALSE;
        }
    }
  return send_sync (c, u);
}

void
pg_conn_send_batch (PgConn *c, GPtrArray *jobs)
{
  guint i = 0;
  while (i < jobs->len)
    {
      PgJob **all = (PgJob **) jobs->pdata;
      guint j = i + 1;
      if (pg_job_coalescable (all[i]))
        while (j < jobs->len && pg_job_coalescable (all[j]))
          j++;
      if (!send_unit (c, j - i > 1 ? UNIT_COALESCED : UNIT_JOB, all + i, j - i))
        {
          /* what was not handed to libpq goes back to the queue */
          pg_pool_requeue_front (c->store, jobs, j);
          pg_conn_break (c, PQerrorMessage (c->pg));
          return;
        }
      i = j;
    }
  pg_conn_flush (c);
}

/* --- results ---------------------------------------------------------------------- */

static void
unit_error (PgUnit *u, GError *error)
{
  if (u->error == NULL)
    u->error = error;
  else
    g_error_free (error);
}

static void
handle_result (PgConn *c, PgExpect *e, PGresult *r)
{
  ExecStatusType st = PQresultStatus (r);
  gboolean ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
  switch (e->kind)
    {
    case EXP_PREPARE:
      if (!ok && e->prep->error == NULL)
        {
          e->prep->error = st == PGRES_PIPELINE_ABORTED
                               ? g_error_new (OCC_STORE_ERROR, OCC_STORE_ERROR_SQL,
                                              "the statement could not be prepared")
                               : pg_result_error (r, e->job->sql[e->stmt]);
          if (g_hash_table_lookup (c->prepared, e->prep->key) == e->prep)
            g_hash_table_remove (c->prepared, e->prep->key);
        }
      break;
    case EXP_UTILITY:
      if (!ok)
        g_debug ("connection %u: %s", c->index, PQresultErrorMessage (r));
      break;
    case EXP_STMT:
      if (ok && e->unit->error == NULL)
        {
          GError *err = NULL;
          OccStoreResult *res = pg_result_convert (r, &err);
          if (res)
            g_ptr_array_add (e->job->results, res);
          else
            unit_error (e->unit, err);
        }
      else if (st != PGRES_PIPELINE_ABORTED && !ok)
        unit_error (e->unit, e->prep && e->prep->error ? g_error_copy (e->prep->error)
                                                       : pg_result_error (r, e->job->sql[e->stmt]));
      break;
    case EXP_SYNC:
      /* an error reported at the sync itself: the commit failed */
      if (st == PGRES_FATAL_ERROR)
        unit_error (e->unit, pg_result_error (r, NULL));
      break;
    }
}

static void
complete_jobs (PgStore *s, GPtrArray *jobs)
{
  for (guint i = 0; i < jobs->len; i++)
    {
      PgJob *job = g_ptr_array_index (jobs, i);
      s->executed += job->n;
      pg_job_finish (job, NULL);
    }
}

/* At a unit's sync: its jobs are done, or go on. */
static void
unit_done (PgConn *c, PgUnit *u)
{
  PgStore *s = c->store;
  g_queue_remove (&c->units, u);
  g_autoptr (GPtrArray) jobs = g_ptr_array_ref (u->jobs);
  GError *error = g_steal_pointer (&u->error);
  UnitKind kind = u->kind;
  unit_free (u);
  c->in_flight -= jobs->len;

  if (kind == UNIT_JOB)
    {
      PgJob *job = g_ptr_array_index (jobs, 0);
      if (error)
        pg_job_finish (job, error);
      else if (pg_job_stepwise (job) && job->next + 1 < job->n)
        {
          job->next++;
          if (!send_unit (c, UNIT_JOB, &job, 1))
            pg_conn_break (c, PQerrorMessage (c->pg));
        }
      else
        complete_jobs (s, jobs);
    }
  else if (kind == UNIT_COALESCED && error)
    {
      /* rolled back as a whole: run each alone so that only the bad ones fail */
      g_debug ("connection %u: a batch of %u failed (%s); running each alone", c->index, jobs->len,
               error->message);
      g_error_free (error);
      s->retried += jobs->len;
      for (guint i = 0; i < jobs->len; i++)
        {
          PgJob *job = g_ptr_array_index (jobs, i);
          job->alone = TRUE;
          g_ptr_array_set_size (job->results, 0);
          if (!send_unit (c, UNIT_JOB, &job, 1))
            {
              /* the batch was rolled back: the ones not sent yet can wait
               * for another connection */
              pg_pool_requeue_front (s, jobs, i + 1);
              pg_conn_break (c, PQerrorMessage (c->pg));
              return;
            }
        }
    }
  else if (kind == UNIT_COALESCED)
    {
      s->coalesced += jobs->len;
      complete_jobs (s, jobs);
    }
  else
    g_clear_error (&error);
  pg_pool_kick (s);
}

/* Reads what libpq has until the turn's budget is spent (see
 * pg_turn_deadline): the pool's connections may all be ready in the same
 * loop turn, and together they must not keep the loop a millisecond.
 * FALSE when the connection broke. */
static gboolean
read_results (PgConn *c)
{
  gint64 until = pg_turn_deadline (c->source);
  guint count = 0, nulls = 0;
  while (c->expect.length > 0 && c->state == PG_CONN_READY)
    {
      if (PQisBusy (c->pg))
        return PQstatus (c->pg) != CONNECTION_BAD;
      PGresult *r = PQgetResult (c->pg);
      PgExpect *e = g_queue_peek_head (&c->expect);
      if (r == NULL)
        {
          if (e->got)
            expect_free (g_queue_pop_head (&c->expect));
          else if (++nulls > 2)
            return FALSE; /* libpq has nothing more for us: it lost the connection */
          continue;
        }
      nulls = 0;
      ExecStatusType st = PQresultStatus (r);
      if (st == PGRES_FATAL_ERROR && pg_result_is_connection_error (r, c->pg))
        {
          g_free (c->last_error);
          c->last_error = g_strdup (PQresultErrorMessage (r));
          PQclear (r);
          return FALSE;
        }
      if (st == PGRES_PIPELINE_SYNC)
        {
          PQclear (r);
          if (e->kind != EXP_SYNC)
            {
              g_free (c->last_error);
              c->last_error = g_strdup ("results out of step with the statements sent");
              return FALSE;
            }
          g_queue_pop_head (&c->expect);
          PgUnit *u = e->unit;
          expect_free (e);
          unit_done (c, u);
        }
      else
        {
          handle_result (c, e, r);
          e->got = e->kind != EXP_SYNC;
          PQclear (r);
        }
      if ((++count & 3) == 0 && g_get_monotonic_time () > until)
        {
          pg_conn_wake (c);
          return TRUE;
        }
    }
  return TRUE;
}

static void
conn_dispatch (PgConn *c, GIOCondition revents, gboolean timer)
{
  switch (c->state)
    {
    case PG_CONN_DOWN:
      if (timer)
        pg_conn_start (c);
      return;
    case PG_CONN_CONNECTING:
      connect_step (c, revents, timer);
      return;
    case PG_CONN_CLOSED:
      return;
    default:
      break;
    }
  if ((revents & G_IO_OUT) && !pg_conn_flush (c))
    return;
  gboolean input_failed = (revents & (G_IO_IN | G_IO_HUP | G_IO_ERR)) && !PQconsumeInput (c->pg);
  c->more = FALSE;
  gboolean ok = TRUE;
  switch (c->state)
    {
    case PG_CONN_READY:
      ok = read_results (c);
      break;
    case PG_CONN_MIGRATING:
      ok = pg_migrate_input (c);
      break;
    case PG_CONN_STREAMING:
      ok = pg_stream_input (c);
      break;
    default:
      break;
    }
  /* the handlers may have broken, closed or failed the connection */
  if (c->pg == NULL || c->state == PG_CONN_DOWN || c->state == PG_CONN_CLOSED)
    return;
  if (!ok || input_failed || PQstatus (c->pg) == CONNECTION_BAD)
    {
      g_autofree char *why = g_strdup (c->last_error ? c->last_error : PQerrorMessage (c->pg));
      pg_conn_break (c, why);
      return;
    }
  if (c->state == PG_CONN_READY || c->state == PG_CONN_STREAMING || c->state == PG_CONN_MIGRATING)
    pg_conn_flush (c);
  else
    pg_conn_update_io (c);
}
