/* Untrusted SIP: the real omniccd with access, media and sip gets
 * hand-made requests over UDP and TCP from the test itself (missing
 * headers, bad numbers, bad SDP, garbage, oversized messages) and must
 * answer each with the right status or drop it, leave no call behind, and
 * keep serving: a good OPTIONS after every bad message, and a whole call
 * from the trunk to an agent at the end. */
#include "peers.h"
#include "sip-site.h"
#include "sipp.h"
#include "testlib.h"

#include <string.h>

/* The [sip] max-message-size of the site under test. */
#define MAX_SIZE 16384
#define SDP_HEAD "v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
#define SDP_PCMU SDP_HEAD "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"

/* A hand-made request; fields left NULL take the value of a good one. */
typedef struct {
  const char *method;       /* OPTIONS */
  const char *version;      /* SIP/2.0 */
  const char *drop;         /* a header left out: Via, From, To, Call-ID, CSeq */
  const char *cseq_method;  /* .method */
  const char *max_forwards; /* 70 */
  const char *extra;        /* more header lines, each ending in CRLF */
  const char *body;         /* none */
  const char *ctype;        /* application/sdp (with a body) */
  const char *length;       /* Content-Length: the body's */
} Request;

/* What came back on one socket. */
typedef struct {
  char *status;    /* the first final status line, or NULL */
  char *text;      /* everything received */
  gboolean closed; /* TCP: the daemon closed the connection */
} Answer;

static void
answer_clear (Answer *a)
{
  g_free (a->status);
  g_free (a->text);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Answer, answer_clear)

static char *
request_text (const Request *r, gboolean tcp, int port)
{
  const char *method = r->method ? r->method : "OPTIONS";
  const char *ruri = strcmp (method, "REGISTER") == 0 ? "sip:127.0.0.1" : "sip:1000@127.0.0.1";
  g_autofree char *via = g_strdup_printf ("SIP/2.0/%s 127.0.0.1:%d;branch=z9hG4bK-%08x;rport",
                                          tcp ? "TCP" : "UDP", port, g_random_int ());
  g_autofree char *from
      = g_strdup_printf ("<sip:+2250700000001@127.0.0.1>;tag=%x", g_random_int ());
  g_autofree char *to = g_strdup_printf ("<%s>", ruri);
  g_autofree char *call_id = g_strdup_printf ("%08x@malformed", g_random_int ());
  g_autofree char *cseq = g_strdup_printf ("1 %s", r->cseq_method ? r->cseq_method : method);
  const char *headers[][2]
      = { { "Via", via },         { "Max-Forwards", r->max_forwards ? r->max_forwards : "70" },
          { "From", from },       { "To", to },
          { "Call-ID", call_id }, { "CSeq", cseq } };
  GString *t = g_string_new (NULL);
  g_string_append_printf (t, "%s %s %s\r\n", method, ruri, r->version ? r->version : "SIP/2.0");
  for (guint i = 0; i < G_N_ELEMENTS (headers); i++)
    if (g_strcmp0 (r->drop, headers[i][0]) != 0)
      g_string_append_printf (t, "%s: %s\r\n", headers[i][0], headers[i][1]);
  g_string_append_printf (t, "Contact: <sip:malformed@127.0.0.1:%d>\r\n%s", port,
                          r->extra ? r->extra : "");
  if (r->body)
    g_string_append_printf (t, "Content-Type: %s\r\n", r->ctype ? r->ctype : "application/sdp");
  if (r->length)
    g_string_append_printf (t, "Content-Length: %s\r\n\r\n", r->length);
  else
    g_string_append_printf (t, "Content-Length: %zu\r\n\r\n", r->body ? strlen (r->body) : 0);
  g_string_append (t, r->body ? r->body : "");
  return g_string_free (t, FALSE);
}

static GSocket *
connect_to (OccTestSipSite *s, gboolean tcp, int *local_port)
{
  g_autoptr (GError) e = NULL;
  GSocket *sock
      = g_socket_new (G_SOCKET_FAMILY_IPV4, tcp ? G_SOCKET_TYPE_STREAM : G_SOCKET_TYPE_DATAGRAM,
                      tcp ? G_SOCKET_PROTOCOL_TCP : G_SOCKET_PROTOCOL_UDP, &e);
  g_assert_no_error (e);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) daemon = g_inet_socket_address_new (lo, s->port);
  g_socket_bind (sock, any, FALSE, &e);
  g_assert_no_error (e);
  g_socket_connect (sock, daemon, NULL, &e);
  g_assert_no_error (e);
  g_autoptr (GSocketAddress) local = g_socket_get_local_address (sock, &e);
  g_assert_no_error (e);
  *local_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  /* every read below gives up after this long */
  g_socket_set_timeout (sock, 5);
  return sock;
}

/* Sends @data on @sock; a peer that closes while we send is no failure. */
static void
send_all (GSocket *sock, const char *data, gsize len)
{
  for (gsize done = 0; done < len;)
    {
      gssize n = g_socket_send (sock, data + done, len - done, NULL, NULL);
      if (n <= 0)
        return;
      done += (gsize) n;
    }
}

/* Reads until a final status line came, the connection closed or a read
 * timed out (a bounded number of times). */
static void
read_answer (GSocket *sock, Answer *a)
{
  GString *text = g_string_new (NULL);
  for (guint reads = 0; reads < 64 && a->status == NULL; reads++)
    {
      char buf[8192];
      g_autoptr (GError) e = NULL;
      gssize n = g_socket_receive (sock, buf, sizeof buf, NULL, &e);
      if (n <= 0)
        {
          a->closed = n == 0 || g_error_matches (e, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
          break;
        }
      g_string_append_len (text, buf, n);
      g_auto (GStrv) lines = g_strsplit (text->str, "\r\n", -1);
      for (guint i = 0; lines[i] && a->status == NULL; i++)
        if (g_str_has_prefix (lines[i], "SIP/2.0 ") && !g_str_has_prefix (lines[i], "SIP/2.0 1"))
          a->status = g_strdup (lines[i]);
    }
  a->text = g_string_free (text, FALSE);
}

static void assert_serving (OccTestSipSite *s, gboolean tcp);

/* Sends @r (plus @pad bytes of body beyond its Content-Length when
 * nonzero) on a new socket and reads the answer; on TCP, also whether the
 * daemon then closed the connection. */
static Answer
exchange_padded (OccTestSipSite *s, gboolean tcp, const Request *r, gsize pad)
{
  int port;
  g_autoptr (GSocket) sock = connect_to (s, tcp, &port);
  g_autofree char *text = request_text (r, tcp, port);
  send_all (sock, text, strlen (text));
  if (pad)
    {
      /* the daemon serves others while this body is on its way */
      assert_serving (s, tcp);
      g_autofree char *more = g_strnfill (pad, 'x');
      send_all (sock, more, pad);
    }
  Answer a = { 0 };
  read_answer (sock, &a);
  /* (whether an answered connection then closes matters only for the
   * padded body: waiting for it after every answer costs 2 s each) */
  if (tcp && pad && a.status && !a.closed)
    {
      char c;
      g_socket_set_timeout (sock, 2);
      a.closed = g_socket_receive (sock, &c, 1, NULL, NULL) == 0;
    }
  return a;
}

static Answer
exchange (OccTestSipSite *s, gboolean tcp, const Request *r)
{
  return exchange_padded (s, tcp, r, 0);
}

/* Sends raw bytes; the answer, if any. */
static Answer
exchange_raw (OccTestSipSite *s, gboolean tcp, const char *data, gsize len)
{
  int port;
  g_autoptr (GSocket) sock = connect_to (s, tcp, &port);
  if (tcp)
    send_all (sock, data, len);
  else
    g_socket_send (sock, data, len, NULL, NULL);
  g_socket_set_timeout (sock, 2);
  Answer a = { 0 };
  read_answer (sock, &a);
  return a;
}

/* The daemon still answers a good OPTIONS, on a new socket. */
static void
assert_serving (OccTestSipSite *s, gboolean tcp)
{
  g_auto (Answer) a = exchange (s, tcp, &(Request){ 0 });
  g_assert_cmpstr (a.status, ==, "SIP/2.0 200 OK");
}

/* @r is answered with the status line @expect (NULL: not at all), and the
 * daemon keeps serving. */
static void
assert_answer (OccTestSipSite *s, gboolean tcp, const Request *r, const char *expect)
{
  g_auto (Answer) a = exchange (s, tcp, r);
  g_test_message ("%s %s%s%s: %s", tcp ? "TCP" : "UDP", r->method ? r->method : "OPTIONS",
                  r->drop ? " without " : "", r->drop ? r->drop : "",
                  a.status ? a.status : "(no answer)");
  g_assert_cmpstr (a.status, ==, expect);
  assert_serving (s, tcp);
}

/* No call was left behind in the calls table (`omnicc sip calls`). */
static void
site_stop_with_no_call (OccTestSipSite *s)
{
  g_autofree char *calls = occ_test_call (s->d, 0, "sip.calls", NULL);
  g_assert_cmpstr (g_strstrip (calls), ==, "[]");
  occ_test_sip_site_stop (s);
}

static const char *const transports[] = { "UDP", "TCP" };

static void
site_start (OccTestSipSite *s)
{
  /* (a message left unfinished is given up after 3 s, not 32) */
  g_autofree char *limit
      = g_strdup_printf ("max-message-size=%d\nincomplete-message-timeout=3", MAX_SIZE);
  occ_test_sip_site_start (s, limit, NULL, NULL);
}

static void
test_missing_headers (void)
{
  OccTestSipSite s = { 0 };
  site_start (&s);
  const char *const methods[] = { "INVITE", "REGISTER" };
  const char *const headers[] = { "Call-ID", "CSeq", "From", "To" };
  for (guint t = 0; t < G_N_ELEMENTS (transports); t++)
    for (guint m = 0; m < G_N_ELEMENTS (methods); m++)
      {
        gboolean tcp = t == 1;
        const char *body = m == 0 ? SDP_PCMU : NULL;
        for (guint h = 0; h < G_N_ELEMENTS (headers); h++)
          assert_answer (&s, tcp,
                         &(Request){ .method = methods[m], .drop = headers[h], .body = body },
                         "SIP/2.0 400 Bad Request");
        /* without a Via there is nowhere to answer: dropped (over TCP the
         * connection is closed) */
        g_auto (Answer) a = exchange (&s, tcp, &(Request){ .method = methods[m], .drop = "Via" });
        g_assert_null (a.status);
        g_assert_true (a.closed == tcp);
        assert_serving (&s, tcp);
        /* a loop: what has no hop left is not passed on */
        assert_answer (&s, tcp,
                       &(Request){ .method = methods[m], .max_forwards = "0", .body = body },
                       "SIP/2.0 483 Too Many Hops");
        assert_answer (&s, tcp,
                       &(Request){ .method = methods[m], .cseq_method = "OPTIONS", .body = body },
                       "SIP/2.0 400 Bad Request");
      }
  site_stop_with_no_call (&s);
}

static void
test_bad_lengths_and_lines (void)
{
  OccTestSipSite s = { 0 };
  site_start (&s);
  for (guint t = 0; t < G_N_ELEMENTS (transports); t++)
    {
      gboolean tcp = t == 1;
      const char *const lengths[] = { "many", "-5" };
      for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
        assert_answer (&s, tcp,
                       &(Request){ .method = "INVITE", .body = SDP_PCMU, .length = lengths[i] },
                       "SIP/2.0 400 Bad Content-Length Header");
      assert_answer (&s, tcp, &(Request){ .version = "SIP/3.0" },
                     "SIP/2.0 505 Version Not Supported");
      assert_answer (&s, tcp,
                     &(Request){ .method = "INVITE", .version = "SIP/3.0", .body = SDP_PCMU },
                     "SIP/2.0 505 Version Not Supported");
      /* an unknown method: 501, with what we do allow */
      g_auto (Answer) a = exchange (&s, tcp, &(Request){ .method = "FROBNICATE" });
      g_assert_cmpstr (a.status, ==, "SIP/2.0 501 Not Implemented");
      g_assert_nonnull (strstr (a.text, "\r\nAllow: INVITE, ACK, BYE, CANCEL, OPTIONS"));
      /* an extension we do not have: 420, naming it */
      g_auto (Answer) r = exchange (&s, tcp,
                                    &(Request){ .method = "INVITE",
                                                .extra = "Require: teleportation\r\n",
                                                .body = SDP_PCMU });
      g_assert_cmpstr (r.status, ==, "SIP/2.0 420 Bad Extension");
      g_assert_nonnull (strstr (r.text, "\r\nUnsupported: teleportation\r\n"));
      assert_serving (&s, tcp);
    }
  /* UDP: a datagram is the whole message, so a body shorter than its
   * Content-Length is an error at once */
  g_autofree char *longer = g_strdup_printf ("%zu", strlen (SDP_PCMU) + 100);
  assert_answer (&s, FALSE, &(Request){ .method = "INVITE", .body = SDP_PCMU, .length = longer },
                 "SIP/2.0 400 Bad Request");
  site_stop_with_no_call (&s);
}

/* TCP: a body that never comes in full. The daemon answers others at once,
 * and after its incomplete-message-timeout (3 s here) answers 400 and closes
 * that connection. */
static void
test_unfinished_message_over_tcp (void)
{
  OccTestSipSite s = { 0 };
  site_start (&s);
  int port;
  g_autoptr (GSocket) stuck = connect_to (&s, TRUE, &port);
  g_autofree char *longer = g_strdup_printf ("%zu", strlen (SDP_PCMU) + 100);
  g_autofree char *text = request_text (
      &(Request){ .method = "INVITE", .body = SDP_PCMU, .length = longer }, TRUE, port);
  send_all (stuck, text, strlen (text));
  assert_serving (&s, TRUE);
  assert_serving (&s, FALSE);
  g_socket_set_timeout (stuck, 90);
  Answer a = { 0 };
  read_answer (stuck, &a);
  g_assert_cmpstr (a.status, ==, "SIP/2.0 400 Bad Request");
  char c;
  g_assert_cmpint (g_socket_receive (stuck, &c, 1, NULL, NULL), ==, 0);
  answer_clear (&a);
  site_stop_with_no_call (&s);
}

static void
test_bad_sdp (void)
{
  OccTestSipSite s = { 0 };
  site_start (&s);
  const struct {
    const char *ctype;
    const char *body;
    const char *expect;
  } cases[] = {
    { NULL, "hello, this is no SDP\r\n", "SIP/2.0 400 Bad SDP" },
    { NULL, SDP_HEAD, "SIP/2.0 400 Bad SDP" }, /* no m= line */
    { NULL, SDP_HEAD "m=audio 70000 RTP/AVP 0\r\n", "SIP/2.0 400 Bad SDP" },
    { NULL, SDP_HEAD "m=audio 4000 RTP/AVP 97\r\na=rtpmap:97 NOTACODEC/8000\r\n",
      "SIP/2.0 488 Not Acceptable Here" },
    { "text/plain", "hello", "SIP/2.0 488 An SDP offer is needed" },
  };
  for (guint t = 0; t < G_N_ELEMENTS (transports); t++)
    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      assert_answer (
          &s, t == 1,
          &(Request){ .method = "INVITE", .ctype = cases[i].ctype, .body = cases[i].body },
          cases[i].expect);
  /* each became an interaction that ended at once: none is left */
  site_stop_with_no_call (&s);
}

static void
test_garbage (void)
{
  OccTestSipSite s = { 0 };
  site_start (&s);
  /* (a first byte of 0 or 1 would make it a STUN request, which sofia-sip
   * answers in STUN) */
  char junk[1024];
  for (guint i = 0; i < sizeof junk; i++)
    junk[i] = (char) (0xff - (i * 7) % 200);
  for (guint t = 0; t < G_N_ELEMENTS (transports); t++)
    {
      gboolean tcp = t == 1;
      g_auto (Answer) g = exchange_raw (&s, tcp, junk, sizeof junk);
      g_assert_null (g.status);
      assert_serving (&s, tcp);
      g_auto (Answer) e = exchange_raw (&s, tcp, "", 0);
      g_assert_null (e.status);
      assert_serving (&s, tcp);
    }
  occ_test_sip_site_stop (&s);
}

/* A request padded with headers to about @size bytes. */
static char *
padding (gsize size)
{
  GString *p = g_string_new (NULL);
  for (guint i = 0; p->len < size; i++)
    g_string_append_printf (p, "X-Padding-%u: %s\r\n", i, "0123456789abcdef0123456789abcdef");
  return g_string_free (p, FALSE);
}

static void
test_oversized (void)
{
  OccTestSipSite s = { 0 };
  site_start (&s);
  g_autofree char *under = padding (MAX_SIZE - 4096);
  g_autofree char *over = padding (MAX_SIZE + 4096);
  g_autofree char *huge = padding (200 * 1024);
  g_autofree char *a_lot = g_strnfill (MAX_SIZE + 1000, 'a');
  g_autofree char *line = g_strdup_printf ("X-Long: %s\r\n", a_lot);
  /* under the limit: served, over either transport */
  for (guint t = 0; t < G_N_ELEMENTS (transports); t++)
    assert_answer (&s, t == 1, &(Request){ .extra = under }, "SIP/2.0 200 OK");
  /* over it, in a datagram: 413 */
  assert_answer (&s, FALSE, &(Request){ .extra = over }, "SIP/2.0 413 Request Entity Too Large");
  assert_answer (&s, FALSE, &(Request){ .extra = line }, "SIP/2.0 413 Request Entity Too Large");
  /* over TCP, headers past the limit never end in time: the connection is
   * closed without an answer */
  const char *const too_long[] = { over, huge, line };
  for (guint i = 0; i < G_N_ELEMENTS (too_long); i++)
    {
      g_auto (Answer) a = exchange (&s, TRUE, &(Request){ .extra = too_long[i] });
      g_assert_null (a.status);
      g_assert_true (a.closed);
      assert_serving (&s, TRUE);
    }
  /* a Content-Length of 10 MB whose body goes past the limit: the
   * connection is closed, after a 413 when sofia-sip had parsed the headers
   * before a read took the message past the limit, else without an answer
   * (that read fails): which one depends on how the bytes arrive */
  g_auto (Answer) a = exchange_padded (
      &s, TRUE, &(Request){ .method = "INVITE", .length = "10485760" }, MAX_SIZE + 4096);
  g_test_message ("TCP INVITE of 10 MB: %s", a.status ? a.status : "(closed, no answer)");
  if (a.status)
    g_assert_cmpstr (a.status, ==, "SIP/2.0 413 Request Entity Too Large");
  g_assert_true (a.closed);
  assert_serving (&s, TRUE);
  site_stop_with_no_call (&s);
}

/* After a bit of everything, a whole call from the trunk to an agent. */
static void
test_calls_go_on (void)
{
  OccTestSipSite s = { 0 };
  site_start (&s);
  assert_answer (&s, FALSE, &(Request){ .method = "INVITE", .drop = "Call-ID", .body = SDP_PCMU },
                 "SIP/2.0 400 Bad Request");
  assert_answer (&s, TRUE, &(Request){ .method = "INVITE", .body = SDP_HEAD },
                 "SIP/2.0 400 Bad SDP");
  g_autofree char *over = padding (MAX_SIZE + 4096);
  assert_answer (&s, FALSE, &(Request){ .extra = over }, "SIP/2.0 413 Request Entity Too Large");
  g_autoptr (OccTestSipp) agent = occ_test_sip_site_phone (&s, "awa", "uas", FALSE);
  OccTestSippConfig c = { .scenario = "uac",
                          .remote = s.sip,
                          .service = "1000",
                          .caller = "+2250700000001",
                          .calls = 1,
                          .pause_ms = 1000,
                          .timeout_s = 30 };
  g_assert_cmpint (occ_test_sipp_run (&c, 30000), ==, 0);
  g_assert_cmpint (occ_test_sipp_wait (agent, 10000), ==, 0);
  g_autofree char *st = occ_test_call (s.d, 0, "sip.status", NULL);
  g_assert_nonnull (strstr (st, "\"calls-answered\":1"));
  g_assert_nonnull (strstr (st, "\"calls-now\":0"));
  occ_test_sip_site_stop (&s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!occ_test_sipp_installed ())
    return 0;
  g_test_add_func ("/sip/malformed/missing-headers", test_missing_headers);
  g_test_add_func ("/sip/malformed/bad-lengths-and-lines", test_bad_lengths_and_lines);
  g_test_add_func ("/sip/malformed/unfinished-message-over-tcp", test_unfinished_message_over_tcp);
  g_test_add_func ("/sip/malformed/bad-sdp", test_bad_sdp);
  g_test_add_func ("/sip/malformed/garbage", test_garbage);
  g_test_add_func ("/sip/malformed/oversized", test_oversized);
  g_test_add_func ("/sip/malformed/calls-go-on", test_calls_go_on);
  return g_test_run ();
}
