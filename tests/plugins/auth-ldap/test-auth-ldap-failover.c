/* auth-ldap when servers fail: the first one down, both down, a server
 * that accepts connections and never answers (plain and TLS), one that
 * answers garbage or half a message, one that goes away between two
 * sign-ins, an unload while requests wait, and many sign-ins at once.
 * Meanwhile a 1 ms timer measures the longest stall of the main loop. */
#include "ldap-fixture.h"

#include <gio/gio.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* --- the main loop's longest gap ------------------------------------------------------ */

typedef struct {
  guint id;
  gint64 last;
  gint64 max_gap;
} Gap;

static gboolean
gap_tick (gpointer data)
{
  Gap *g = data;
  gint64 now = g_get_monotonic_time ();
  if (g->last)
    g->max_gap = MAX (g->max_gap, now - g->last);
  g->last = now;
  return G_SOURCE_CONTINUE;
}

static void
gap_start (Gap *g)
{
  memset (g, 0, sizeof *g);
  g->id = g_timeout_add (1, gap_tick, g);
}

/* Stops measuring; asserts a gross bound and reports the figure. */
static void
gap_end (Gap *g, const char *what)
{
  g_source_remove (g->id);
  g_test_message ("%s: longest main-loop gap %.2f ms", what, g->max_gap / 1000.0);
  g_assert_cmpint (g->max_gap, <, 500000);
}

/* --- servers that misbehave ---------------------------------------------------------- */

/* A socket that listens and never accepts: the kernel completes the TCP
 * handshake, nothing ever answers. */
static int
hang_open (int *port)
{
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof a;
  g_assert_cmpint (bind (fd, (struct sockaddr *) &a, sizeof a), ==, 0);
  g_assert_cmpint (listen (fd, 128), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &a, &len), ==, 0);
  *port = ntohs (a.sin_port);
  return fd;
}

/* A server that answers every connection with @reply, then keeps it open. */
typedef struct {
  GSocketService *service;
  GPtrArray *conns;
  GBytes *reply;
  int port;
} Rude;

static gboolean
rude_incoming (GSocketService *service, GSocketConnection *conn, GObject *source, gpointer data)
{
  (void) service;
  (void) source;
  Rude *r = data;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  g_output_stream_write_all (out, g_bytes_get_data (r->reply, NULL), g_bytes_get_size (r->reply),
                             NULL, NULL, NULL);
  g_ptr_array_add (r->conns, g_object_ref (conn));
  return TRUE;
}

static Rude *
rude_new (const void *reply, gsize len)
{
  Rude *r = g_new0 (Rude, 1);
  r->service = g_socket_service_new ();
  r->conns = g_ptr_array_new_with_free_func (g_object_unref);
  r->reply = g_bytes_new (reply, len);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GError) e = NULL;
  g_socket_listener_add_address (G_SOCKET_LISTENER (r->service), addr, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &e);
  g_assert_no_error (e);
  r->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_signal_connect (r->service, "incoming", G_CALLBACK (rude_incoming), r);
  g_socket_service_start (r->service);
  return r;
}

static void
rude_free (Rude *r)
{
  g_socket_service_stop (r->service);
  g_socket_listener_close (G_SOCKET_LISTENER (r->service));
  g_object_unref (r->service);
  g_ptr_array_unref (r->conns);
  g_bytes_unref (r->reply);
  g_free (r);
}

static LfNode *
node_for (const char *servers, const char *extra)
{
  g_autofree char *conf = lf_conf (servers, extra);
  LfNode *n = lf_node_new (conf);
  g_assert_no_error (n->load_error);
  return n;
}

static double
elapsed_s (LfReply *r)
{
  return (r->finished - r->started) / (double) G_USEC_PER_SEC;
}

/* --- tests --------------------------------------------------------------------------- */

static void
test_first_down (void)
{
  if (lf_skip ())
    return;
  occ_test_slapd_halt (lf.a);
  g_autofree char *servers = g_strdup_printf ("%s;%s", lf.a->ldaps_url, lf.b->ldaps_url);
  g_autoptr (LfNode) n = node_for (servers, NULL);
  Gap gap;
  gap_start (&gap);
  g_autoptr (LfReply) r = lf_auth (n, "alice", "alice-Pw1");
  gap_end (&gap, "first server down");
  lf_assert_login (r, "alice");
  g_assert_true (lf_has_group (r, "everyone"));
  g_autofree char *status = lf_status (n);
  g_test_message ("%s", status);
  g_assert_nonnull (strstr (status, "\"failovers\":1"));
  g_autofree char *current = g_strdup_printf ("\"current\":\"%s\"", lf.b->ldaps_url);
  g_assert_nonnull (strstr (status, current));
  /* it stays on the server that works */
  g_autoptr (LfReply) again = lf_auth (n, "bob", "bob-Pw1");
  lf_assert_login (again, "bob");
  g_autofree char *after = lf_status (n);
  g_assert_nonnull (strstr (after, "\"failovers\":1"));
  g_assert_true (occ_test_slapd_resume (lf.a));
}

static void
test_both_down (void)
{
  if (lf_skip ())
    return;
  occ_test_slapd_halt (lf.a);
  occ_test_slapd_halt (lf.b);
  g_autofree char *servers = g_strdup_printf ("%s;%s", lf.a->ldaps_url, lf.b->ldaps_url);
  g_autoptr (LfNode) n = node_for (servers, NULL);
  g_autoptr (LfReply) r = lf_auth (n, "alice", "alice-Pw1");
  lf_assert_error (r, OCC_AUTH_ERROR_UNAVAILABLE);
  g_test_message ("%s", r->error->message);
  g_assert_nonnull (strstr (r->error->message, "no LDAP server could be used"));
  g_assert_nonnull (strstr (r->error->message, lf.a->ldaps_url));
  g_assert_nonnull (strstr (r->error->message, lf.b->ldaps_url));
  g_assert_nonnull (strstr (r->error->message, "Connection refused"));
  /* and once a server is back, sign-ins work again */
  g_assert_true (occ_test_slapd_resume (lf.b));
  g_autoptr (LfReply) back = lf_auth (n, "alice", "alice-Pw1");
  lf_assert_login (back, "alice");
  g_assert_true (occ_test_slapd_resume (lf.a));
}

static void
hanging (const char *scheme, const char *extra)
{
  int port = 0;
  int fd = hang_open (&port);
  g_autofree char *servers
      = g_strdup_printf ("%s://127.0.0.1:%d/;%s", scheme, port, lf.b->ldaps_url);
  g_autofree char *more = g_strdup_printf ("timeout=1\n%s", extra ? extra : "");
  g_autoptr (LfNode) n = node_for (servers, more);
  Gap gap;
  gap_start (&gap);
  g_autoptr (LfReply) r = lf_auth (n, "alice", "alice-Pw1");
  g_autofree char *what = g_strdup_printf ("%s server that never answers", scheme);
  gap_end (&gap, what);
  lf_assert_login (r, "alice");
  g_test_message ("signed in after %.3f s (timeout 1 s)", elapsed_s (r));
  /* the timeout, then the second server: well within twice the timeout */
  g_assert_cmpfloat (elapsed_s (r), >=, 0.9);
  g_assert_cmpfloat (elapsed_s (r), <, 1.9);
  g_autofree char *status = lf_status (n);
  g_test_message ("%s", status);
  g_assert_nonnull (strstr (status, "\"timeouts\":1"));
  g_assert_nonnull (strstr (status, "no answer within 1 s"));
  close (fd);
}

static void
test_hanging_plain (void)
{
  if (lf_skip ())
    return;
  hanging ("ldap", "allow-plaintext=true\n");
}

static void
test_hanging_tls (void)
{
  if (lf_skip ())
    return;
  hanging ("ldaps", NULL); /* the handshake itself hangs, in the worker */
}

static void
test_hanging_only (void)
{
  if (lf_skip ())
    return;
  int port = 0;
  int fd = hang_open (&port);
  g_autofree char *servers = g_strdup_printf ("ldaps://127.0.0.1:%d/", port);
  g_autoptr (LfNode) n = node_for (servers, "timeout=1\n");
  g_autoptr (LfReply) r = lf_auth (n, "alice", "alice-Pw1");
  lf_assert_error (r, OCC_AUTH_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (r->error->message, "no answer within 1 s"));
  g_assert_cmpfloat (elapsed_s (r), <, 1.9);
  close (fd);
}

static void
rude (const void *reply, gsize len, const char *what)
{
  Rude *bad = rude_new (reply, len);
  g_autofree char *servers
      = g_strdup_printf ("ldap://127.0.0.1:%d/;%s", bad->port, lf.b->ldaps_url);
  g_autoptr (LfNode) n = node_for (servers, "timeout=1\nallow-plaintext=true\n");
  Gap gap;
  gap_start (&gap);
  g_autoptr (LfReply) r = lf_auth (n, "alice", "alice-Pw1");
  gap_end (&gap, what);
  lf_assert_login (r, "alice");
  g_assert_cmpfloat (elapsed_s (r), <, 1.9);
  g_autofree char *status = lf_status (n);
  g_assert_nonnull (strstr (status, "\"failovers\":1"));
  lf_node_free (g_steal_pointer (&n));
  rude_free (bad);
}

static void
test_garbage_answer (void)
{
  if (lf_skip ())
    return;
  static const char http[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
  rude (http, sizeof http - 1, "a server answering garbage");
  /* a message that claims 2 GB */
  static const char huge[] = { 0x30, (char) 0x84, 0x7f, 0x00, 0x00, 0x00, 0x02, 0x01, 0x01 };
  rude (huge, sizeof huge, "a server announcing a huge message");
}

static void
test_half_message (void)
{
  if (lf_skip ())
    return;
  /* the head of a 4 KB message, then nothing: must not stall the loop */
  static const char head[] = { 0x30, (char) 0x82, 0x10, 0x00, 0x02, 0x01 };
  rude (head, sizeof head, "a server sending half a message");
}

static void
test_server_goes_away (void)
{
  if (lf_skip ())
    return;
  g_autofree char *servers = g_strdup_printf ("%s;%s", lf.a->ldaps_url, lf.b->ldaps_url);
  g_autoptr (LfNode) n = node_for (servers, NULL);
  g_autoptr (LfReply) before = lf_auth (n, "alice", "alice-Pw1");
  lf_assert_login (before, "alice");
  occ_test_slapd_halt (lf.a); /* with our connections open */
  occ_test_spin (100);
  g_autoptr (LfReply) after = lf_auth (n, "bob", "bob-Pw1");
  lf_assert_login (after, "bob");
  g_autofree char *current = g_strdup_printf ("\"current\":\"%s\"", lf.b->ldaps_url);
  g_autofree char *status = lf_status (n);
  g_assert_nonnull (strstr (status, current));
  g_assert_true (occ_test_slapd_resume (lf.a));
}

static void
test_unload_while_waiting (void)
{
  if (lf_skip ())
    return;
  int port = 0;
  int fd = hang_open (&port);
  g_autofree char *servers = g_strdup_printf ("ldaps://127.0.0.1:%d/", port);
  LfNode *n = node_for (servers, "timeout=30\n");
  LfReply *r[3];
  for (guint i = 0; i < G_N_ELEMENTS (r); i++)
    r[i] = lf_auth_start (n, "alice", "alice-Pw1");
  occ_test_spin (200); /* the handshake now hangs in the worker */
  gint64 t0 = g_get_monotonic_time ();
  lf_node_free (n); /* unloads: answers everyone, ends the worker */
  double took = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
  g_test_message ("unloaded in %.3f s with a handshake in progress", took);
  g_assert_cmpfloat (took, <, 2.0);
  for (guint i = 0; i < G_N_ELEMENTS (r); i++)
    {
      g_assert_true (r[i]->done);
      lf_assert_error (r[i], OCC_AUTH_ERROR_UNAVAILABLE);
      lf_reply_free (r[i]);
    }
  close (fd);
}

static void
test_many_at_once (void)
{
  if (lf_skip ())
    return;
  int port = 0;
  int fd = hang_open (&port);
  /* 300 sign-ins start on a server that hangs, fail over together */
  g_autofree char *servers = g_strdup_printf ("ldaps://127.0.0.1:%d/;%s", port, lf.b->ldaps_url);
  g_autoptr (LfNode) n = node_for (servers, "timeout=1\n");
  const struct {
    const char *login, *secret;
    gboolean ok;
  } who[] = { { "alice", "alice-Pw1", TRUE },
              { "bob", "bob-Pw1", TRUE },
              { "alice", "bad", FALSE },
              { "nobody", "x", FALSE },
              { "dave", "dave-Pw1", TRUE } };
  GPtrArray *replies = g_ptr_array_new_with_free_func ((GDestroyNotify) lf_reply_free);
  Gap gap;
  gap_start (&gap);
  for (guint i = 0; i < 300; i++)
    g_ptr_array_add (replies, lf_auth_start (n, who[i % 5].login, who[i % 5].secret));
  for (guint i = 0; i < replies->len; i++)
    lf_wait (g_ptr_array_index (replies, i), 30000);
  gap_end (&gap, "300 sign-ins failing over together");
  for (guint i = 0; i < replies->len; i++)
    {
      LfReply *r = g_ptr_array_index (replies, i);
      if (who[i % 5].ok)
        lf_assert_login (r, who[i % 5].login);
      else
        lf_assert_error (r, OCC_AUTH_ERROR_DENIED);
    }
  g_ptr_array_unref (replies);
  close (fd);
}

typedef struct {
  LfNode *node;
  guint started, done, ok, total;
  GPtrArray *errors;
} Load;

static void load_next (Load *l);

static void
load_answer (GVariant *identity, const GError *error, gpointer data)
{
  Load *l = data;
  l->done++;
  if (identity)
    {
      const char *login = NULL;
      g_assert_true (g_variant_lookup (identity, "login", "&s", &login));
      g_assert_cmpstr (login, ==, "alice");
      l->ok++;
    }
  else
    g_ptr_array_add (l->errors, g_strdup (error->message));
  /* the servers change under the load */
  if (l->done == l->total / 4)
    occ_test_slapd_halt (lf.a);
  else if (l->done == l->total / 2)
    {
      g_assert_true (occ_test_slapd_resume (lf.a));
      occ_test_slapd_halt (lf.b);
    }
  load_next (l);
}

static void
load_next (Load *l)
{
  if (l->started < l->total)
    {
      l->started++;
      l->node->auth->authenticate (l->node->auth, "alice", "alice-Pw1", load_answer, l);
    }
}

static gboolean
load_done (gpointer data)
{
  Load *l = data;
  return l->done == l->total;
}

static void
test_outage_under_load (void)
{
  if (lf_skip ())
    return;
  g_autofree char *servers = g_strdup_printf ("%s;%s", lf.a->ldaps_url, lf.b->ldaps_url);
  g_autoptr (LfNode) n = node_for (servers, NULL);
  Load l = { .node = n, .total = 2000, .errors = g_ptr_array_new_with_free_func (g_free) };
  for (guint i = 0; i < 50; i++)
    load_next (&l);
  g_assert_true (occ_test_wait_for (load_done, &l, 120000));
  g_assert_true (occ_test_slapd_resume (lf.b));
  for (guint i = 0; i < l.errors->len; i++)
    g_test_message ("%s", (char *) g_ptr_array_index (l.errors, i));
  /* every sign-in moved to the server that was up: none failed */
  g_assert_cmpuint (l.ok, ==, l.total);
  g_autofree char *status = lf_status (n);
  g_test_message ("%s", status);
  g_assert_nonnull (strstr (status, "\"failovers\":2"));
  g_assert_nonnull (strstr (status, "\"in-flight\":0"));
  g_ptr_array_unref (l.errors);
}

int
main (int argc, char **argv)
{
  lf_init (&argc, &argv, NULL);
  g_test_add_func ("/auth-ldap/failover/first-server-down", test_first_down);
  g_test_add_func ("/auth-ldap/failover/both-down-unavailable", test_both_down);
  g_test_add_func ("/auth-ldap/failover/server-never-answers", test_hanging_plain);
  g_test_add_func ("/auth-ldap/failover/tls-handshake-never-answers", test_hanging_tls);
  g_test_add_func ("/auth-ldap/failover/only-server-never-answers", test_hanging_only);
  g_test_add_func ("/auth-ldap/failover/garbage-answer", test_garbage_answer);
  g_test_add_func ("/auth-ldap/failover/half-a-message", test_half_message);
  g_test_add_func ("/auth-ldap/failover/server-goes-away", test_server_goes_away);
  g_test_add_func ("/auth-ldap/failover/unload-while-waiting", test_unload_while_waiting);
  g_test_add_func ("/auth-ldap/failover/many-at-once", test_many_at_once);
  g_test_add_func ("/auth-ldap/failover/outage-under-load", test_outage_under_load);
  int rc = g_test_run ();
  lf_shutdown ();
  return rc;
}
