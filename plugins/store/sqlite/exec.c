/* store-sqlite: running execute() jobs on a worker's connection — one
 * after the other, in a transaction of their own, or many coalescable
 * writes in one shared transaction. */
#include "sqlite-store.h"

static void
rollback_if_open (SqConn *conn)
{
  if (sqlite3_get_autocommit (conn->db))
    return; /* SQLite already rolled back */
  g_autoptr (GError) e = NULL;
  if (!sq_conn_exec (conn, "ROLLBACK", &e))
    g_warning ("ROLLBACK failed: %s", e->message);
}

/* Runs the job's statements in order, stopping at the first failure. */
static gboolean
run_statements (SqConn *conn, SqJob *job, GPtrArray *results, GError **error)
{
  for (guint i = 0; i < job->n; i++)
    {
      OccStoreResult *r = sq_statement_run (conn, &job->statements[i], i, error);
      if (r == NULL)
        return FALSE;
      g_ptr_array_add (results, r);
    }
  return TRUE;
}

void
sq_exec_job (SqConn *conn, SqJob *job, atomic_int *abort)
{
  if (sq_job_check_cancelled (job, abort))
    return;
  g_autoptr (GPtrArray) results
      = g_ptr_array_new_with_free_func ((GDestroyNotify) occ_store_result_unref);
  GError *e = NULL;
  gboolean transaction = (job->flags & OCC_STORE_TRANSACTION) != 0;
  conn->cancellable = job->cancellable;
  gboolean ok = (!transaction || sq_conn_exec (conn, "BEGIN IMMEDIATE", &e))
                && run_statements (conn, job, results, &e)
                && (!transaction || sq_conn_exec (conn, "COMMIT", &e));
  conn->cancellable = NULL;
  /* Without a transaction each statement committed on its own; with one,
   * this undoes them all. */
  if (!ok && transaction)
    rollback_if_open (conn);
  if (!sqlite3_get_autocommit (conn->db))
    {
      /* cannot happen: BEGIN is refused, but a connection left inside a
       * transaction would keep every later write uncommitted */
      g_warning ("a job left a transaction open; rolling it back");
      rollback_if_open (conn);
    }
  if (ok)
    job->results = g_steal_pointer (&results);
  else
    sq_job_take_error (job, e);
}

gboolean
sq_exec_read_job (SqConn *conn, SqJob *job, atomic_int *abort)
{
  if (sq_job_check_cancelled (job, abort))
    return TRUE;
  const SqStatement *st = &job->statements[0];
  GError *e = NULL;
  sqlite3_stmt *stmt = sq_conn_prepare (conn, st->rewritten, st->sql, 0, &e);
  if (stmt == NULL)
    {
      sq_job_take_error (job, e);
      return TRUE;
    }
  /* "WITH … INSERT" starts like a query: SQLite knows better */
  if (!sqlite3_stmt_readonly (stmt))
    {
      sq_conn_forget (conn, st->rewritten);
      return FALSE;
    }
  conn->cancellable = job->cancellable;
  OccStoreResult *r = sq_statement_run (conn, st, 0, &e);
  conn->cancellable = NULL;
  if (r == NULL)
    {
      sq_job_take_error (job, e);
      return TRUE;
    }
  job->results = g_ptr_array_new_with_free_func ((GDestroyNotify) occ_store_result_unref);
  g_ptr_array_add (job->results, r);
  return TRUE;
}

static void
reset_outcome (SqJob *job)
{
  g_clear_pointer (&job->results, g_ptr_array_unref);
  g_clear_error (&job->error);
}

/* Runs every job of @jobs inside the transaction already begun. FALSE when
 * the transaction itself failed and must be rolled back. */
static gboolean
run_shared (SqConn *conn, GPtrArray *jobs, atomic_int *abort)
{
  for (guint i = 0; i < jobs->len; i++)
    {
      SqJob *job = g_ptr_array_index (jobs, i);
      if (sq_job_check_cancelled (job, abort))
        continue;
      GError *e = NULL;
      conn->cancellable = job->cancellable;
      OccStoreResult *r = sq_statement_run (conn, &job->statements[0], 0, &e);
      conn->cancellable = NULL;
      if (r != NULL)
        {
          job->results = g_ptr_array_new_with_free_func ((GDestroyNotify) occ_store_result_unref);
          g_ptr_array_add (job->results, r);
        }
      else if (sq_error_is_statement_level (conn, e))
        sq_job_take_error (job, e); /* SQLite undid this one alone */
      else
        {
          g_error_free (e);
          return FALSE;
        }
    }
  return TRUE;
}

guint
sq_exec_coalesced (SqConn *conn, GPtrArray *jobs, atomic_int *abort)
{
  /* One BEGIN … COMMIT for the lot: the commit (and its fsync) is what a
   * write costs, so sharing it is what makes bursts of inserts fast. A
   * constraint violation undoes only its own statement, so a bad write
   * fails alone inside the shared transaction; anything that breaks the
   * transaction itself sends every job back to run alone. */
  g_autoptr (GError) e = NULL;
  if (sq_conn_exec (conn, "BEGIN IMMEDIATE", &e))
    {
      if (run_shared (conn, jobs, abort) && sq_conn_exec (conn, "COMMIT", &e))
        {
          guint committed = 0;
          for (guint i = 0; i < jobs->len; i++)
            committed += ((SqJob *) g_ptr_array_index (jobs, i))->error == NULL;
          return committed;
        }
      rollback_if_open (conn);
    }
  g_debug ("a shared transaction of %u writes failed (%s); running each alone", jobs->len,
           e ? e->message : "a statement broke it");
  for (guint i = 0; i < jobs->len; i++)
    {
      SqJob *job = g_ptr_array_index (jobs, i);
      reset_outcome (job);
      sq_exec_job (conn, job, abort);
    }
  return 0;
}
