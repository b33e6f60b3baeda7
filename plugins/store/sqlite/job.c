/* store-sqlite: a job is one call to execute(), stream() or backup(), from
 * the moment it is checked on the main thread until its callback ran. */
#include "sqlite-store.h"

#include <string.h>

/* The caller's statements become ours: SQL copied and rewritten, the
 * parameters sunk (the interface promises that even when it refuses). */
static void
take_statements (SqJob *job, const OccStoreStatement *statements, guint n)
{
  job->n = n;
  job->statements = g_new0 (SqStatement, n);
  for (guint i = 0; i < n; i++)
    {
      job->statements[i].sql = g_strdup (statements[i].sql);
      if (statements[i].params)
        job->statements[i].params = g_variant_ref_sink (statements[i].params);
    }
}

static const char *const transaction_keywords[]
    = { "BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", NULL };

static gboolean
check_statement (SqStatement *st, GError **error)
{
  if (st->sql == NULL)
    {
      g_set_error_literal (error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID, "no SQL");
      return FALSE;
    }
  if (!g_utf8_validate (st->sql, -1, NULL))
    {
      g_set_error_literal (error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID,
                           "the SQL is not valid UTF-8");
      return FALSE;
    }
  SqRewrite r;
  if (!sq_placeholders_rewrite (st->sql, strlen (st->sql), &r, error))
    return FALSE;
  st->rewritten = g_steal_pointer (&r.sql);
  st->n_params = r.n_params;
  memcpy (st->keyword, r.keyword, sizeof st->keyword);
  sq_rewrite_clear (&r);
  /* the writer's connection is shared by every caller: a BEGIN left open
   * by one would swallow everybody's writes */
  if (g_strv_contains (transaction_keywords, st->keyword))
    {
      g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID,
                   "%s: transactions are asked for with OCC_STORE_TRANSACTION", st->keyword);
      return FALSE;
    }
  if (!sq_params_check (st->params, st->n_params, error))
    return FALSE;
  /* A tuple built with g_variant_new() is serialised the first time its
   * data is asked for, and its children are freed then. Doing it now, on
   * this thread, keeps the text and blob pointers a worker binds valid. */
  if (st->params)
    (void) g_variant_get_data (st->params);
  return TRUE;
}

SqJob *
sq_job_new (SqJobKind kind, const OccStoreStatement *statements, guint n, OccStoreFlags flags,
            GCancellable *cancellable, OccStoreCallback callback, gpointer user_data)
{
  SqJob *job = g_new0 (SqJob, 1);
  job->kind = kind;
  job->flags = flags;
  job->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  job->callback = callback;
  job->user_data = user_data;
  take_statements (job, statements, n);
  for (guint i = 0; i < n; i++)
    {
      GError *e = NULL;
      if (!check_statement (&job->statements[i], &e))
        {
          g_prefix_error (&e, "statements[%u]: ", i);
          sq_job_take_error (job, e);
          break;
        }
    }
  return job;
}

void
sq_job_free (SqJob *job)
{
  if (job == NULL)
    return;
  for (guint i = 0; i < job->n; i++)
    {
      g_free (job->statements[i].sql);
      g_free (job->statements[i].rewritten);
      g_clear_pointer (&job->statements[i].params, g_variant_unref);
    }
  g_free (job->statements);
  g_clear_object (&job->cancellable);
  g_clear_pointer (&job->results, g_ptr_array_unref);
  g_clear_error (&job->error);
  g_clear_pointer (&job->stream, sq_stream_free);
  g_free (job->backup_path);
  g_free (job);
}

gboolean
sq_job_is_read (const SqJob *job)
{
  static const char *const queries[] = { "SELECT", "WITH", "VALUES", NULL };
  return job->kind == SQ_JOB_EXECUTE && job->n == 1 && !(job->flags & OCC_STORE_TRANSACTION)
         && g_strv_contains (queries, job->statements[0].keyword);
}

gboolean
sq_job_is_coalescable (const SqJob *job)
{
  return job->kind == SQ_JOB_EXECUTE && job->n == 1 && job->error == NULL
         && (job->flags & OCC_STORE_COALESCE) && !(job->flags & OCC_STORE_TRANSACTION);
}

void
sq_job_take_error (SqJob *job, GError *error)
{
  if (job->error == NULL)
    job->error = error;
  else
    g_error_free (error);
  g_clear_pointer (&job->results, g_ptr_array_unref);
}

void
sq_job_fail (SqJob *job, GQuark domain, int code, const char *message)
{
  sq_job_take_error (job, g_error_new_literal (domain, code, message));
}

gboolean
sq_job_check_cancelled (SqJob *job, atomic_int *abort)
{
  if (atomic_load (abort))
    sq_job_fail (job, OCC_STORE_ERROR, OCC_STORE_ERROR_UNAVAILABLE, "store stopping");
  else if (job->cancellable && g_cancellable_is_cancelled (job->cancellable))
    sq_job_fail (job, OCC_STORE_ERROR, OCC_STORE_ERROR_CANCELLED, "cancelled before it started");
  else
    return FALSE;
  return TRUE;
}
