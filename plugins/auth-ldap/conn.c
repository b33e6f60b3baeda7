/* One connection to one directory server, driven from the main loop by a
 * GSource on its socket and a timer, never blocking it.
 *
 * Why not libldap's own LDAP_OPT_CONNECT_ASYNC: it resolves the host name
 * with a blocking getaddrinfo(), and once connected it turns the socket
 * back to blocking mode. On a blocking socket, a server that sends the
 * head of a message and then nothing more would stop the main loop inside
 * ldap_result() (liblber reads the rest of the message in a second
 * read()). So we connect a non-blocking socket ourselves and give it to
 * libldap with ldap_init_fd(); it stays non-blocking, and ldap_result()
 * with a zero timeout then only ever takes what has arrived.
 *
 * Two steps cannot be made non-blocking and run in a worker thread, which
 * owns the connection until it is done (the main thread does not touch
 * its LDAP handle meanwhile):
 *  - resolving a host name that is not an IP address (getaddrinfo);
 *  - the TLS handshake, of ldaps:// and after StartTLS: libldap's
 *    ldap_install_tls() runs it to the end, bounded by the network
 *    timeout. The main loop meanwhile watches the deadline; when it
 *    passes, or the plugin unloads, it shuts the socket down so the
 *    handshake fails at once.
 * Everything else — StartTLS's request, binds, searches, reading the
 * answers — is asynchronous: requests are sent with a msgid and answers
 * collected with ldap_result(…, zero timeout) when the socket is readable.
 */
#include "ldapauth.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openldap.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
  GSource base;
  LaConn *conn;
} ConnSource;

static void conn_dispatch (LaConn *c, GIOCondition revents, gint64 now, gint64 turn_end);

static gboolean
conn_source_dispatch (GSource *source, GSourceFunc callback, gpointer data)
{
  (void) callback;
  (void) data;
  LaConn *c = ((ConnSource *) source)->conn;
  GIOCondition revents = c->fd_tag ? g_source_query_unix_fd (source, c->fd_tag) : 0;
  g_source_set_ready_time (source, -1);
  LdapAuth *la = c->la; /* @c may be gone afterwards */
  LaTurn turn;
  la_turn_begin (&turn);
  conn_dispatch (c, revents, turn.wall, turn.wall + LA_TURN_BUDGET_US);
  la_turn_end (la, &turn);
  return G_SOURCE_CONTINUE;
}

static const GSourceFuncs conn_source_funcs = { .dispatch = conn_source_dispatch };

const char *
la_conn_state_name (LaConnState state)
{
  static const char *const names[]
      = { "resolving", "connecting", "starttls", "tls", "binding", "ready", "closed" };
  return state <= LA_CONN_DEAD ? names[state] : "?";
}

static const char *
conn_url (LaConn *c)
{
  return c->la->cfg->servers[c->server].url;
}

/* Watches @fd for @events (-1: nothing). */
static void
conn_watch (LaConn *c, int fd, GIOCondition events)
{
  if (c->fd_tag && (fd < 0 || events == 0))
    {
      g_source_remove_unix_fd (c->source, c->fd_tag);
      c->fd_tag = NULL;
    }
  if (fd < 0 || events == 0)
    return;
  if (c->fd_tag == NULL)
    c->fd_tag = g_source_add_unix_fd (c->source, fd, events);
  else if (events != c->events)
    g_source_modify_unix_fd (c->source, c->fd_tag, events);
  c->events = events;
}

/* The next time the connection must look at its deadlines. */
void
la_conn_update_timer (LaConn *c)
{
  if (c->source == NULL)
    return;
  gint64 at = -1;
  if (c->broken || c->more)
    at = 0;
  else if (c->state != LA_CONN_READY)
    at = c->setup_deadline;
  LaOp *oldest = g_queue_peek_head (&c->ops);
  if (oldest && (at < 0 || oldest->deadline < at))
    at = oldest->deadline;
  g_source_set_ready_time (c->source, at);
}

/* Marks @c failed; the pool hears of it on the next dispatch, so that
 * nobody is called back from inside a call into this file. */
void
la_conn_failf (LaConn *c, const char *format, ...)
{
  if (c->broken)
    return;
  va_list ap;
  va_start (ap, format);
  g_autofree char *why = g_strdup_vprintf (format, ap);
  va_end (ap);
  c->broken = g_strdup_printf ("%s: %s", conn_url (c), why);
  la_conn_update_timer (c);
}

char *
la_conn_error_text (LaConn *c, int rc)
{
  char *diag = NULL;
  if (c->ld)
    ldap_get_option (c->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
  char *text = diag && *diag && g_utf8_validate (diag, -1, NULL)
                   ? g_strdup_printf ("%s (%s)", ldap_err2string (rc), diag)
                   : g_strdup (ldap_err2string (rc));
  ldap_memfree (diag);
  return text;
}

static void
set_nonblocking (int fd)
{
  int flags = fcntl (fd, F_GETFL);
  if (flags >= 0 && !(flags & O_NONBLOCK))
    fcntl (fd, F_SETFL, flags | O_NONBLOCK);
}

/* --- the socket under libldap --------------------------------------------------- */

/* libldap's own TCP layer writes with write(), which raises SIGPIPE on a
 * connection the server has closed (an unbind sent to a server that went
 * away is enough) and would kill the daemon. This is the same layer with
 * send (MSG_NOSIGNAL). The TLS layer, when there is one, sits above it. */

static int
sb_setup (Sockbuf_IO_Desc *sbiod, void *arg)
{
  sbiod->sbiod_pvt = arg; /* the fd */
  return 0;
}

static int
sb_ctrl (Sockbuf_IO_Desc *sbiod, int opt, void *arg)
{
  (void) sbiod;
  (void) opt;
  (void) arg;
  return 0; /* the end of the chain: nothing buffered here */
}

static ber_slen_t
sb_read (Sockbuf_IO_Desc *sbiod, void *buf, ber_len_t len)
{
  return recv (GPOINTER_TO_INT (sbiod->sbiod_pvt), buf, len, 0);
}

static ber_slen_t
sb_write (Sockbuf_IO_Desc *sbiod, void *buf, ber_len_t len)
{
  return send (GPOINTER_TO_INT (sbiod->sbiod_pvt), buf, len, MSG_NOSIGNAL);
}

static int
sb_close (Sockbuf_IO_Desc *sbiod)
{
  close (GPOINTER_TO_INT (sbiod->sbiod_pvt));
  return 0;
}

/* Never modified; not const only because ber_sockbuf_add_io() says so. */
static Sockbuf_IO sockbuf_io_nosignal = { .sbi_setup = sb_setup,
                                          .sbi_ctrl = sb_ctrl,
                                          .sbi_read = sb_read,
                                          .sbi_write = sb_write,
                                          .sbi_close = sb_close };

/* --- the worker ----------------------------------------------------------------- */

/* libldap's first use reads ldap.conf and looks up this host's own name
 * (DNS): once per process, in a worker, before any handle is made. */
static void
conn_init_library (LdapAuth *la)
{
  g_mutex_lock (&la->lib_lock);
  if (!g_atomic_int_get (&la->lib_ready))
    {
      int version = 0;
      ldap_get_option (NULL, LDAP_OPT_PROTOCOL_VERSION, &version);
      g_atomic_int_set (&la->lib_ready, 1);
    }
  g_mutex_unlock (&la->lib_lock);
}

static void
conn_resolve (LaConn *c)
{
  const LaServerConf *s = &c->la->cfg->servers[c->server];
  char port[16];
  g_snprintf (port, sizeof port, "%d", s->port);
  struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
  if (g_hostname_is_ip_address (s->host))
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  c->work_rc = getaddrinfo (s->host, port, &hints, &c->addrs);
  if (c->work_rc != 0)
    c->work_error = g_strdup (gai_strerror (c->work_rc));
}

static void
conn_handshake (LaConn *c)
{
  const LaConfig *cfg = c->la->cfg;
  int demand = LDAP_OPT_X_TLS_DEMAND, min = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2, server = 0;
  /* The handshake blocks, bounded by LDAP_OPT_NETWORK_TIMEOUT: it must not
   * hand back half-done (libldap would with CONNECT_ASYNC on). */
  ldap_set_option (c->ld, LDAP_OPT_CONNECT_ASYNC, LDAP_OPT_OFF);
  if ((cfg->ca_file && ldap_set_option (c->ld, LDAP_OPT_X_TLS_CACERTFILE, cfg->ca_file) != 0)
      || ldap_set_option (c->ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) != 0
      || ldap_set_option (c->ld, LDAP_OPT_X_TLS_PROTOCOL_MIN, &min) != 0
      || ldap_set_option (c->ld, LDAP_OPT_X_TLS_NEWCTX, &server) != 0)
    {
      c->work_rc = LDAP_LOCAL_ERROR;
      c->work_error = g_strdup_printf ("cannot set up TLS with the CAs of %s",
                                       cfg->ca_file ? cfg->ca_file : "the system");
      return;
    }
  c->work_rc = ldap_install_tls (c->ld);
  if (c->work_rc != LDAP_SUCCESS)
    c->work_error = la_conn_error_text (c, c->work_rc);
}

static gpointer
conn_worker (gpointer data)
{
  LaConn *c = data;
  if (c->state == LA_CONN_RESOLVING)
    {
      conn_init_library (c->la);
      conn_resolve (c);
    }
  else
    conn_handshake (c);
  g_source_attach (c->thread_done, NULL);
  return NULL;
}

static void conn_connect_next (LaConn *c);
static void conn_transport_ready (LaConn *c);

static void conn_worker_finish (LaConn *c);

static gboolean
conn_worker_done (gpointer data)
{
  LaConn *c = data;
  LdapAuth *la = c->la; /* @c may be gone afterwards */
  LaTurn turn;
  la_turn_begin (&turn);
  conn_worker_finish (c);
  la_turn_end (la, &turn);
  return G_SOURCE_REMOVE;
}

static void
conn_worker_finish (LaConn *c)
{
  g_thread_join (c->thread);
  c->thread = NULL;
  g_clear_pointer (&c->thread_done, g_source_unref); /* destroyed as we return */
  if (c->state == LA_CONN_DEAD)
    {
      g_ptr_array_remove_fast (c->la->dead, c);
      la_conn_free_now (c);
      return;
    }
  if (c->broken)
    return; /* timed out meanwhile: the pool hears of it */
  if (c->state == LA_CONN_RESOLVING)
    {
      if (c->work_rc != 0)
        la_conn_failf (c, "cannot resolve %s: %s", c->la->cfg->servers[c->server].host,
                       c->work_error);
      else
        {
          c->state = LA_CONN_CONNECTING;
          c->next_addr = c->addrs;
          conn_connect_next (c);
        }
    }
  else if (c->work_rc != LDAP_SUCCESS)
    la_conn_failf (c,
                   "TLS handshake failed (certificate not trusted by ca-file, wrong host name, or "
                   "no TLS there): %s",
                   c->work_error);
  else
    {
      set_nonblocking (c->fd); /* libldap may have reset it */
      c->encrypted = TRUE;
      conn_watch (c, c->fd, G_IO_IN);
      conn_transport_ready (c);
    }
}

static void
conn_start_worker (LaConn *c, LaConnState state)
{
  c->state = state;
  conn_watch (c, -1, 0); /* the socket is the worker's until it is done */
  c->thread_done = g_idle_source_new ();
  g_source_set_callback (c->thread_done, conn_worker_done, c, NULL);
  g_source_set_static_name (c->thread_done, "auth-ldap worker");
  c->thread = g_thread_new ("auth-ldap", conn_worker, c);
  la_conn_update_timer (c);
}

/* --- connecting ----------------------------------------------------------------- */

LaConn *
la_conn_new (LdapAuth *la, guint server, gboolean service)
{
  LaConn *c = g_new0 (LaConn, 1);
  c->la = la;
  c->server = server;
  c->service = service;
  c->fd = -1;
  c->state = LA_CONN_RESOLVING;
  g_queue_init (&c->ops);
  g_queue_init (&c->backlog);
  c->by_msgid = g_hash_table_new (NULL, NULL);
  c->source = g_source_new ((GSourceFuncs *) &conn_source_funcs, sizeof (ConnSource));
  ((ConnSource *) c->source)->conn = c;
  g_source_set_static_name (c->source, "auth-ldap connection");
  occ_plugin_attach_source (la->plugin, c->source);
  return c;
}

void
la_conn_start (LaConn *c)
{
  const LaServerConf *s = &c->la->cfg->servers[c->server];
  c->setup_deadline = g_get_monotonic_time () + (gint64) c->la->cfg->timeout * G_USEC_PER_SEC;
  if (!g_hostname_is_ip_address (s->host) || !g_atomic_int_get (&c->la->lib_ready))
    {
      conn_start_worker (c, LA_CONN_RESOLVING);
      return;
    }
  conn_resolve (c); /* numeric: no lookup, nothing blocks */
  c->state = LA_CONN_CONNECTING;
  if (c->work_rc != 0)
    la_conn_failf (c, "bad address %s: %s", s->host, c->work_error);
  else
    {
      c->next_addr = c->addrs;
      conn_connect_next (c);
    }
  la_conn_update_timer (c);
}

static void
conn_connected (LaConn *c)
{
  const LaConfig *cfg = c->la->cfg;
  const LaServerConf *s = &cfg->servers[c->server];
  /* ldap:// even for ldaps: the TLS handshake is ours to run (above);
   * the host name in it is what the certificate is checked against. */
  g_autofree char *url = strchr (s->host, ':')
                             ? g_strdup_printf ("ldap://[%s]:%d", s->host, s->port)
                             : g_strdup_printf ("ldap://%s:%d", s->host, s->port);
  Sockbuf *sb = NULL;
  if (ldap_init_fd (c->fd, LDAP_PROTO_EXT, url, &c->ld) != LDAP_SUCCESS
      || ldap_get_option (c->ld, LDAP_OPT_SOCKBUF, &sb) != LDAP_OPT_SUCCESS || sb == NULL
      || ber_sockbuf_add_io (sb, &sockbuf_io_nosignal, LBER_SBIOD_LEVEL_PROVIDER,
                             GINT_TO_POINTER (c->fd))
             != 0)
    {
      la_conn_failf (c, "cannot set up the LDAP session");
      return;
    }
  int version = LDAP_VERSION3;
  /* bounds the handshake in the worker; a second more than our own
   * deadline, which is what decides (and reports) a timeout */
  struct timeval net = { cfg->timeout + 1, 0 };
  ber_len_t max = LA_MAX_INCOMING;
  ldap_set_option (c->ld, LDAP_OPT_PROTOCOL_VERSION, &version);
  /* chasing a referral would connect synchronously to wherever it points */
  ldap_set_option (c->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
  ldap_set_option (c->ld, LDAP_OPT_NETWORK_TIMEOUT, &net);
  ber_sockbuf_ctrl (sb, LBER_SB_OPT_SET_MAX_INCOMING, &max);
  if (s->ldaps)
    conn_start_worker (c, LA_CONN_TLS);
  else if (cfg->starttls)
    {
      int rc = ldap_start_tls (c->ld, NULL, NULL, &c->setup_msgid);
      if (rc != LDAP_SUCCESS)
        {
          g_autofree char *text = la_conn_error_text (c, rc);
          la_conn_failf (c, "cannot send StartTLS: %s", text);
          return;
        }
      c->state = LA_CONN_STARTTLS;
      conn_watch (c, c->fd, G_IO_IN);
    }
  else
    {
      conn_watch (c, c->fd, G_IO_IN);
      conn_transport_ready (c);
    }
}

static void
conn_connect_next (LaConn *c)
{
  while (c->next_addr)
    {
      struct addrinfo *ai = c->next_addr;
      c->next_addr = ai->ai_next;
      int fd = socket (ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0)
        {
          g_free (c->connect_error);
          c->connect_error = g_strdup (g_strerror (errno));
          continue;
        }
      int one = 1; /* small requests and answers: no Nagle delay */
      setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      c->fd = fd;
      if (connect (fd, ai->ai_addr, ai->ai_addrlen) == 0)
        {
          conn_connected (c);
          return;
        }
      if (errno == EINPROGRESS)
        {
          conn_watch (c, fd, G_IO_OUT);
          return;
        }
      g_free (c->connect_error);
      c->connect_error = g_strdup (g_strerror (errno));
      close (fd);
      c->fd = -1;
    }
  la_conn_failf (c, "cannot connect: %s", c->connect_error ? c->connect_error : "no address");
}

/* The socket became writable (or failed) while connecting. */
static void
conn_connect_check (LaConn *c)
{
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt (c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
    err = errno;
  if (err == 0)
    {
      conn_connected (c);
      return;
    }
  conn_watch (c, -1, 0);
  close (c->fd);
  c->fd = -1;
  g_free (c->connect_error);
  c->connect_error = g_strdup (g_strerror (err));
  conn_connect_next (c);
}

/* Encrypted as configured: bind the service account, or be ready. */
static void
conn_transport_ready (LaConn *c)
{
  const LaConfig *cfg = c->la->cfg;
  if (!c->service)
    {
      c->state = LA_CONN_READY;
      la_conn_update_timer (c);
      c->more = la_pool_conn_ready (c->la, c, g_get_monotonic_time () + LA_TURN_BUDGET_US);
      return;
    }
  if (!c->encrypted && !cfg->allow_plaintext)
    {
      la_conn_failf (c, "refusing a simple bind over an unencrypted connection (use ldaps://, "
                        "starttls=true or allow-plaintext=true)");
      return;
    }
  struct berval cred = { strlen (cfg->bind_password), cfg->bind_password };
  int rc
      = ldap_sasl_bind (c->ld, cfg->bind_dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, &c->setup_msgid);
  if (rc != LDAP_SUCCESS)
    {
      g_autofree char *text = la_conn_error_text (c, rc);
      la_conn_failf (c, "cannot send the service account's bind: %s", text);
      return;
    }
  c->state = LA_CONN_BINDING;
  la_conn_update_timer (c);
}

/* The answer to StartTLS or to the service account's bind. */
static void
conn_setup_result (LaConn *c, LDAPMessage *msg)
{
  int rc = LDAP_OTHER;
  char *diag = NULL;
  ldap_parse_result (c->ld, msg, &rc, NULL, &diag, NULL, NULL, 0);
  g_autofree char *text = diag && *diag && g_utf8_validate (diag, -1, NULL)
                              ? g_strdup_printf ("%s (%s)", ldap_err2string (rc), diag)
                              : g_strdup (ldap_err2string (rc));
  ldap_memfree (diag);
  c->setup_msgid = 0;
  if (c->state == LA_CONN_STARTTLS)
    {
      if (rc != LDAP_SUCCESS)
        la_conn_failf (c, "StartTLS refused: %s", text);
      else
        conn_start_worker (c, LA_CONN_TLS);
      return;
    }
  if (rc != LDAP_SUCCESS)
    {
      la_conn_failf (c, "the service account (bind-dn) was refused: %s", text);
      return;
    }
  c->state = LA_CONN_READY;
  la_conn_update_timer (c);
  c->more = la_pool_conn_ready (c->la, c, g_get_monotonic_time () + LA_TURN_BUDGET_US);
}

/* --- reading answers ------------------------------------------------------------ */

static void
conn_message (LaConn *c, int type, LDAPMessage *msg)
{
  int msgid = ldap_msgid (msg);
  if (c->setup_msgid > 0 && msgid == c->setup_msgid)
    {
      conn_setup_result (c, msg);
      return;
    }
  if (msgid == 0)
    {
      /* an unsolicited notification: the server is going away */
      la_conn_failf (c, "the server ended the connection");
      return;
    }
  LaOp *op = g_hash_table_lookup (c->by_msgid, GINT_TO_POINTER (msgid));
  if (op == NULL)
    return; /* abandoned meanwhile */
  if (type == LDAP_RES_SEARCH_ENTRY)
    {
      LaEntry *e = la_entry_new (c->ld, msg);
      if (e)
        la_request_op_entry (op, e);
      return;
    }
  if (type != LDAP_RES_SEARCH_RESULT && type != LDAP_RES_BIND)
    return; /* search references: referrals are not followed */
  int rc = LDAP_OTHER;
  char *diag = NULL;
  if (ldap_parse_result (c->ld, msg, &rc, NULL, &diag, NULL, NULL, 0) != LDAP_SUCCESS)
    rc = LDAP_DECODING_ERROR;
  g_autofree char *text = diag && g_utf8_validate (diag, -1, NULL) ? g_strdup (diag) : NULL;
  ldap_memfree (diag);
  la_op_finish (op, rc, text);
}

/* Reads every answer that has arrived, within the turn's budget. */
static void
conn_read (LaConn *c, gint64 turn_end)
{
  c->more = FALSE;
  while (c->local.length > 0 && !c->broken)
    {
      LaOp *op = g_queue_peek_head (&c->local);
      la_op_finish (op, op->local_rc, NULL);
    }
  /* stop as soon as a TLS worker owns the handle (after StartTLS) */
  while (!c->broken && c->ld && c->thread == NULL)
    {
      if (g_get_monotonic_time () >= turn_end)
        {
          c->more = TRUE; /* libldap may hold data the socket no longer shows */
          return;
        }
      LDAPMessage *msg = NULL;
      struct timeval zero = { 0, 0 };
      int type = ldap_result (c->ld, LDAP_RES_ANY, LDAP_MSG_ONE, &zero, &msg);
      if (type == 0)
        return;
      if (type < 0)
        {
          int rc = LDAP_SERVER_DOWN;
          ldap_get_option (c->ld, LDAP_OPT_RESULT_CODE, &rc);
          if (c->state == LA_CONN_READY && la_conn_in_flight (c) == 0 && c->owner == NULL)
            c->quiet = TRUE; /* an idle connection the server closed */
          la_conn_failf (c, "connection lost: %s", ldap_err2string (rc));
          return;
        }
      conn_message (c, type, msg);
      ldap_msgfree (msg);
    }
}

static void
conn_dispatch (LaConn *c, GIOCondition revents, gint64 now, gint64 turn_end)
{
  const LaConfig *cfg = c->la->cfg;
  if (c->broken == NULL)
    {
      if (c->state == LA_CONN_CONNECTING && (revents & (G_IO_OUT | G_IO_ERR | G_IO_HUP)))
        conn_connect_check (c);
      else if (c->state >= LA_CONN_STARTTLS && c->state != LA_CONN_TLS
               && ((revents & (G_IO_IN | G_IO_ERR | G_IO_HUP)) || c->more || c->local.length))
        conn_read (c, turn_end);
    }
  if (c->broken == NULL)
    {
      LaOp *oldest = g_queue_peek_head (&c->ops);
      gboolean setup = c->state != LA_CONN_READY;
      if ((setup && now >= c->setup_deadline) || (oldest && now >= oldest->deadline))
        {
          static const char *const steps[] = { " (resolving)",
                                               " (connecting)",
                                               " (StartTLS)",
                                               " (TLS handshake)",
                                               " (service bind)",
                                               "",
                                               "" };
          c->timed_out = TRUE;
          la_conn_failf (c, "no answer within %d s%s", cfg->timeout, steps[c->state]);
        }
    }
  if (c->broken)
    {
      if (c->quiet)
        la_pool_conn_gone (c->la, c);
      else
        la_pool_conn_failed (c->la, c, c->broken, c->timed_out);
      return; /* @c is gone */
    }
  if (la_conn_send_backlog (c, turn_end))
    c->more = TRUE;
  if (c->state == LA_CONN_READY && c == c->la->search && c->la->want_search.length > 0)
    c->more = la_pool_conn_ready (c->la, c, turn_end) || c->more;
  la_conn_update_timer (c);
}

/* --- closing -------------------------------------------------------------------- */

void
la_conn_close (LaConn *c)
{
  la_conn_drop_ops (c);
  if (c->source)
    {
      g_source_destroy (c->source);
      g_clear_pointer (&c->source, g_source_unref);
      c->fd_tag = NULL;
    }
  if (c->thread == NULL)
    {
      la_conn_free_now (c);
      return;
    }
  /* The worker owns the handle: end its handshake and free @c when it
   * is done (conn_worker_done). */
  if (c->fd >= 0 && c->state == LA_CONN_TLS)
    shutdown (c->fd, SHUT_RDWR);
  c->state = LA_CONN_DEAD;
  g_ptr_array_add (c->la->dead, c);
}

void
la_conn_free_now (LaConn *c)
{
  if (c->thread)
    {
      if (c->fd >= 0 && c->state != LA_CONN_RESOLVING)
        shutdown (c->fd, SHUT_RDWR);
      g_thread_join (c->thread);
      c->thread = NULL;
    }
  if (c->thread_done)
    {
      g_source_destroy (c->thread_done);
      g_clear_pointer (&c->thread_done, g_source_unref);
    }
  la_conn_drop_ops (c);
  if (c->source)
    {
      g_source_destroy (c->source);
      g_clear_pointer (&c->source, g_source_unref);
    }
  if (c->ld)
    ldap_unbind_ext (c->ld, NULL, NULL); /* closes the socket too */
  else if (c->fd >= 0)
    close (c->fd);
  if (c->addrs)
    freeaddrinfo (c->addrs);
  g_hash_table_unref (c->by_msgid);
  g_free (c->connect_error);
  g_free (c->work_error);
  g_free (c->broken);
  g_free (c);
}

void
la_conn_fail (LaConn *c, const char *why)
{
  la_conn_failf (c, "%s", why);
}
