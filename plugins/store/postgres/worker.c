/* The few calls that block (PQcancel's round trip, fsync of a backup) run
 * in a thread of their own. The plugin's code must not run after it is
 * unloaded, so every thread is joined before unload returns, and the
 * source that reports back is destroyed then — which is why this is not
 * a GTask, whose completion could be dispatched after dlclose(). */
#include "pgstore.h"

struct _PgWorker {
  PgStore *store;
  GThread *thread;
  GThreadFunc func;
  PgWorkerDone done;
  gpointer data;
  GSource *idle; /* made here, attached by the thread when it ends */
};

static gpointer
worker_main (gpointer data)
{
  PgWorker *w = data;
  w->func (w->data);
  g_source_attach (w->idle, NULL);
  return NULL;
}

static void
worker_free (PgWorker *w)
{
  g_source_destroy (w->idle);
  g_source_unref (w->idle);
  g_free (w);
}

static gboolean
worker_finished (gpointer data)
{
  PgWorker *w = data;
  g_thread_join (w->thread);
  g_ptr_array_remove_fast (w->store->workers, w);
  w->done (w->data, FALSE);
  worker_free (w);
  return G_SOURCE_REMOVE;
}

void
pg_worker_start (PgStore *s, const char *name, GThreadFunc func, PgWorkerDone done, gpointer data)
{
  PgWorker *w = g_new0 (PgWorker, 1);
  w->store = s;
  w->func = func;
  w->done = done;
  w->data = data;
  w->idle = g_idle_source_new ();
  g_source_set_callback (w->idle, worker_finished, w, NULL);
  g_source_set_static_name (w->idle, "store-postgres worker");
  g_ptr_array_add (s->workers, w);
  w->thread = g_thread_new (name, worker_main, w);
}

void
pg_worker_join_all (PgStore *s)
{
  while (s->workers->len > 0)
    {
      PgWorker *w = g_ptr_array_steal_index (s->workers, s->workers->len - 1);
      g_thread_join (w->thread);
      w->done (w->data, TRUE);
      worker_free (w);
    }
}
