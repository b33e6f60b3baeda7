/* See engine.h. */
#include "media-private.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define TICK_US 10000
#define MAX_EVENTS 64
#define RTCP_TAG 1 /* low bit of the epoll data: the RTCP socket */

typedef enum { CMD_ADD, CMD_REMOVE, CMD_STOP } CommandType;

typedef struct {
  CommandType type;
  OccMediaLeg *leg;
} Command;

struct _MediaWorker {
  MediaEngine *engine;
  GThread *thread;
  int epfd;
  int wakefd;
  GMutex lock;
  GQueue commands; /* of Command, under lock */
  GPtrArray *legs; /* the thread's own */
  gint count;      /* legs handed to it (atomic) */
};

struct _MediaEngine {
  MediaWorker **workers;
  guint n;
  gint64 t0_us;
};

gint64
media_engine_epoch (MediaEngine *e)
{
  return e->t0_us;
}

guint
media_engine_threads (MediaEngine *e)
{
  return e->n;
}

static void
run_command (MediaWorker *w, Command *c, gint64 now_us, gboolean *stop)
{
  switch (c->type)
    {
    case CMD_ADD:
      {
        /* under rx_lock: a leg ended meanwhile has its sockets closed (-1) */
        struct epoll_event ev = { .events = EPOLLIN };
        g_mutex_lock (&c->leg->rx_lock);
        if (c->leg->rtp_fd >= 0)
          {
            ev.data.u64 = (guint64) (guintptr) c->leg;
            epoll_ctl (w->epfd, EPOLL_CTL_ADD, c->leg->rtp_fd, &ev);
            ev.data.u64 = (guint64) (guintptr) c->leg | RTCP_TAG;
            epoll_ctl (w->epfd, EPOLL_CTL_ADD, c->leg->rtcp_fd, &ev);
          }
        g_mutex_unlock (&c->leg->rx_lock);
        g_ptr_array_add (w->legs, c->leg);
        media_leg_started (c->leg, now_us);
        break;
      }
    case CMD_REMOVE:
      g_ptr_array_remove_fast (w->legs, c->leg);
      media_leg_unref (c->leg);
      break;
    case CMD_STOP:
      *stop = TRUE;
      break;
    }
}

static void
run_commands (MediaWorker *w, gboolean *stop)
{
  guint64 v;
  if (read (w->wakefd, &v, sizeof v) < 0 && errno != EAGAIN)
    g_warning ("media thread: reading its wake-up: %s", g_strerror (errno));
  gint64 now_us = g_get_monotonic_time ();
  for (;;)
    {
      g_mutex_lock (&w->lock);
      Command *c = g_queue_pop_head (&w->commands);
      g_mutex_unlock (&w->lock);
      if (c == NULL)
        return;
      run_command (w, c, now_us, stop);
      g_free (c);
    }
}

static gpointer
worker_main (gpointer data)
{
  MediaWorker *w = data;
  struct epoll_event evs[MAX_EVENTS];
  gboolean stop = FALSE;
  gint64 next_tick = g_get_monotonic_time () + TICK_US;
  while (!stop)
    {
      gint64 now = g_get_monotonic_time ();
      int timeout = next_tick > now ? (int) ((next_tick - now + 999) / 1000) : 0;
      int n = epoll_wait (w->epfd, evs, MAX_EVENTS, timeout);
      if (n < 0 && errno != EINTR)
        g_warning ("media thread: epoll_wait: %s", g_strerror (errno));
      now = g_get_monotonic_time ();
      gboolean wake = FALSE;
      for (int i = 0; i < n; i++)
        {
          guint64 d = evs[i].data.u64;
          if (d == 0)
            {
              wake = TRUE;
              continue;
            }
          OccMediaLeg *leg = (OccMediaLeg *) (guintptr) (d & ~(guint64) RTCP_TAG);
          if (d & RTCP_TAG)
            media_leg_rtcp_readable (leg, now);
          else
            media_leg_rtp_readable (leg, now);
        }
      /* commands after the batch: no event above names a leg taken back */
      if (wake)
        run_commands (w, &stop);
      if (now >= next_tick)
        {
          for (guint i = 0; i < w->legs->len; i++)
            media_leg_tick (w->legs->pdata[i], now);
          next_tick = now + TICK_US;
        }
    }
  for (guint i = 0; i < w->legs->len; i++)
    media_leg_unref (w->legs->pdata[i]);
  g_ptr_array_set_size (w->legs, 0);
  return NULL;
}

static void
send_command (MediaWorker *w, CommandType type, OccMediaLeg *leg)
{
  Command *c = g_new0 (Command, 1);
  c->type = type;
  c->leg = leg;
  g_mutex_lock (&w->lock);
  g_queue_push_tail (&w->commands, c);
  g_mutex_unlock (&w->lock);
  guint64 one = 1;
  if (write (w->wakefd, &one, sizeof one) < 0)
    g_warning ("media thread: cannot wake it: %s", g_strerror (errno));
}

static void
worker_free (MediaWorker *w)
{
  if (w->epfd >= 0)
    close (w->epfd);
  if (w->wakefd >= 0)
    close (w->wakefd);
  g_queue_clear_full (&w->commands, g_free);
  g_ptr_array_unref (w->legs);
  g_mutex_clear (&w->lock);
  g_free (w);
}

static MediaWorker *
worker_new (MediaEngine *e, guint index, GError **error)
{
  MediaWorker *w = g_new0 (MediaWorker, 1);
  w->engine = e;
  g_mutex_init (&w->lock);
  g_queue_init (&w->commands);
  w->legs = g_ptr_array_new ();
  w->epfd = epoll_create1 (EPOLL_CLOEXEC);
  w->wakefd = eventfd (0, EFD_NONBLOCK | EFD_CLOEXEC);
  struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0 };
  if (w->epfd < 0 || w->wakefd < 0 || epoll_ctl (w->epfd, EPOLL_CTL_ADD, w->wakefd, &ev) < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "media thread %u: epoll: %s",
                   index, g_strerror (errno));
      worker_free (w);
      return NULL;
    }
  g_autofree char *name = g_strdup_printf ("media-%u", index);
  w->thread = g_thread_try_new (name, worker_main, w, error);
  if (w->thread == NULL)
    {
      worker_free (w);
      return NULL;
    }
  return w;
}

MediaEngine *
media_engine_new (guint threads, GError **error)
{
  MediaEngine *e = g_new0 (MediaEngine, 1);
  e->t0_us = g_get_monotonic_time ();
  e->workers = g_new0 (MediaWorker *, threads);
  for (guint i = 0; i < threads; i++)
    {
      e->workers[i] = worker_new (e, i, error);
      if (e->workers[i] == NULL)
        {
          media_engine_free (e);
          return NULL;
        }
      e->n++;
    }
  return e;
}

void
media_engine_free (MediaEngine *e)
{
  if (e == NULL)
    return;
  for (guint i = 0; i < e->n; i++)
    send_command (e->workers[i], CMD_STOP, NULL);
  for (guint i = 0; i < e->n; i++)
    {
      g_thread_join (e->workers[i]->thread);
      worker_free (e->workers[i]);
    }
  g_free (e->workers);
  g_free (e);
}

MediaWorker *
media_engine_pick (MediaEngine *e)
{
  MediaWorker *best = e->workers[0];
  for (guint i = 1; i < e->n; i++)
    if (g_atomic_int_get (&e->workers[i]->count) < g_atomic_int_get (&best->count))
      best = e->workers[i];
  return best;
}

void
media_worker_add (MediaWorker *w, OccMediaLeg *leg)
{
  g_atomic_int_inc (&w->count);
  send_command (w, CMD_ADD, media_leg_ref (leg));
}

void
media_worker_unwatch (MediaWorker *w, OccMediaLeg *leg)
{
  epoll_ctl (w->epfd, EPOLL_CTL_DEL, leg->rtp_fd, NULL);
  epoll_ctl (w->epfd, EPOLL_CTL_DEL, leg->rtcp_fd, NULL);
}

void
media_worker_remove (MediaWorker *w, OccMediaLeg *leg)
{
  g_atomic_int_add (&w->count, -1);
  send_command (w, CMD_REMOVE, leg);
}
