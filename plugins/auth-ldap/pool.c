/* The connections and the failover between servers.
 *
 * Every connection goes to the current server: one connection bound as
 * the service account carries every search (many at once, told apart by
 * msgid), and up to `connections` others carry the users' binds, one at a
 * time each (a bind may not share a connection with other operations).
 *
 * When a connection to a server fails — it cannot connect, the TLS
 * handshake fails, the service account is refused, the server breaks the
 * connection, says it is busy or unavailable, or does not answer within
 * the timeout — the server is marked failed, the next one in the list
 * becomes current, every connection to the failed one is closed, and every
 * request that ran there starts again on the new current server. A
 * request that has seen every server fail is answered UNAVAILABLE naming
 * each server and why. The plugin stays on the server that works until it
 * fails in turn; then the list is walked on, wrapping around. */
#include "ldapauth.h"

#include <time.h>

static void
wait_on (LaRequest *r, GQueue *queue)
{
  r->waiting = queue;
  g_queue_push_tail_link (queue, &r->wait_link);
}

static void
stop_waiting (LaRequest *r)
{
  if (r->waiting == NULL)
    return;
  g_queue_unlink (r->waiting, &r->wait_link);
  r->waiting = NULL;
}

void
la_pool_want_search (LdapAuth *la, LaRequest *req)
{
  if (la->search && la_conn_is_ready (la->search))
    {
      la_request_search_ready (req, la->search);
      return;
    }
  wait_on (req, &la->want_search);
  if (la->search == NULL)
    {
      la->search = la_conn_new (la, la->current, TRUE);
      la_conn_start (la->search);
    }
}

void
la_pool_want_bind (LdapAuth *la, LaRequest *req)
{
  for (guint i = 0; i < la->binds->len; i++)
    {
      LaConn *c = g_ptr_array_index (la->binds, i);
      if (c->owner == NULL && la_conn_is_ready (c))
        {
          c->owner = req;
          la_request_bind_ready (req, c);
          return;
        }
    }
  /* a connection still connecting for nobody (its request went) */
  for (guint i = 0; i < la->binds->len; i++)
    {
      LaConn *c = g_ptr_array_index (la->binds, i);
      if (c->owner == NULL && c->broken == NULL && !la_conn_is_ready (c))
        {
          c->owner = req;
          return;
        }
    }
  if (la->binds->len < (guint) la->cfg->connections)
    {
      LaConn *c = la_conn_new (la, la->current, FALSE);
      c->owner = req;
      g_ptr_array_add (la->binds, c);
      la_conn_start (c);
      return;
    }
  wait_on (req, &la->want_bind);
}

void
la_pool_release_bind (LdapAuth *la, LaConn *c)
{
  c->owner = NULL;
  if (!la_conn_is_ready (c) || la->want_bind.length == 0)
    return;
  LaRequest *next = g_queue_peek_head (&la->want_bind);
  stop_waiting (next);
  c->owner = next;
  la_request_bind_ready (next, c);
}

void
la_pool_forget (LdapAuth *la, LaRequest *req)
{
  stop_waiting (req);
  for (guint i = 0; i < la->binds->len; i++)
    {
      LaConn *c = g_ptr_array_index (la->binds, i);
      if (c->owner == req)
        c->owner = NULL; /* still connecting: whoever asks next gets it */
    }
}

gboolean
la_pool_conn_ready (LdapAuth *la, LaConn *c, gint64 deadline)
{
  if (c == la->search)
    {
      while (la->want_search.length > 0 && la_conn_is_ready (c))
        {
          if (g_get_monotonic_time () >= deadline)
            return TRUE; /* the rest on the next turn */
          LaRequest *r = g_queue_peek_head (&la->want_search);
          stop_waiting (r);
          la_request_search_ready (r, c);
        }
      return FALSE;
    }
  if (c->owner)
    la_request_bind_ready (c->owner, c);
  else
    la_pool_release_bind (la, c);
  return FALSE;
}

/* Takes @c out of the pool and closes it. */
static void
pool_remove (LdapAuth *la, LaConn *c)
{
  if (c == la->search)
    la->search = NULL;
  else
    g_ptr_array_remove_fast (la->binds, c);
  LaRequest *owner = g_steal_pointer (&c->owner);
  if (owner && owner->bind_conn == c)
    owner->bind_conn = NULL;
  else if (owner && owner->waiting == NULL)
    wait_on (owner, &la->want_bind); /* it waited for this one to connect */
  la_conn_close (c);
}

/* Requests that still wait get a connection again (after one closed). */
static void
pool_kick (LdapAuth *la)
{
  if (la->want_search.length > 0 && la->search == NULL)
    {
      la->search = la_conn_new (la, la->current, TRUE);
      la_conn_start (la->search);
    }
  while (la->want_bind.length > 0 && la->binds->len < (guint) la->cfg->connections)
    {
      LaRequest *r = g_queue_peek_head (&la->want_bind);
      stop_waiting (r);
      la_pool_want_bind (la, r);
    }
}

void
la_pool_conn_gone (LdapAuth *la, LaConn *c)
{
  g_debug ("%s: the server closed an idle connection", la->cfg->servers[c->server].url);
  pool_remove (la, c);
  pool_kick (la);
}

void
la_pool_conn_failed (LdapAuth *la, LaConn *c, const char *why, gboolean timeout)
{
  guint server = c->server;
  g_autofree char *message = g_strdup (why); /* lives in @c */
  LaServerState *s = &la->servers[server];
  s->failures++;
  s->last_failure = g_get_real_time ();
  g_free (s->last_error);
  s->last_error = g_strdup (message);
  g_free (la->last_error);
  la->last_error = g_strdup (message);
  if (timeout)
    la->timeouts++;
  if (server == la->current && la->cfg->n_servers > 1)
    {
      la->current = (server + 1) % la->cfg->n_servers;
      la->failovers++;
      g_warning ("%s; switching to %s", message, la->cfg->servers[la->current].url);
    }
  else
    g_warning ("%s", message);

  /* every connection to that server goes… */
  if (la->search && la->search->server == server)
    pool_remove (la, la->search);
  for (guint i = la->binds->len; i > 0; i--)
    {
      LaConn *b = g_ptr_array_index (la->binds, i - 1);
      if (b->server == server)
        pool_remove (la, b);
    }
  /* …and every request that ran there starts again on the current one */
  g_autoptr (GPtrArray) again = g_ptr_array_new ();
  for (GList *l = la->requests.head; l; l = l->next)
    if (la_request_server (l->data) == server)
      g_ptr_array_add (again, l->data);
  for (guint i = 0; i < again->len; i++)
    la_request_retry (g_ptr_array_index (again, i), server, message);
  pool_kick (la);
}

static gint64
thread_cpu_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

void
la_turn_begin (LaTurn *t)
{
  t->wall = g_get_monotonic_time ();
  t->cpu = thread_cpu_us ();
}

void
la_turn_end (LdapAuth *la, const LaTurn *t)
{
  la->longest_turn = MAX (la->longest_turn, g_get_monotonic_time () - t->wall);
  la->longest_turn_cpu = MAX (la->longest_turn_cpu, thread_cpu_us () - t->cpu);
}

void
la_pool_shutdown (LdapAuth *la)
{
  la->closing = TRUE;
  while (la->requests.length > 0)
    la_request_fail (
        g_queue_peek_head (&la->requests),
        g_error_new_literal (OCC_AUTH_ERROR, OCC_AUTH_ERROR_UNAVAILABLE, "auth-ldap is unloading"));
  if (la->search)
    {
      la_conn_free_now (la->search);
      la->search = NULL;
    }
  while (la->binds->len > 0)
    la_conn_free_now (g_ptr_array_steal_index_fast (la->binds, la->binds->len - 1));
  while (la->dead->len > 0)
    la_conn_free_now (g_ptr_array_steal_index_fast (la->dead, la->dead->len - 1));
  la_request_deliver (la, G_MAXINT64);
}
