/* The IVR's HTTP node client (plugins/ivr/http.c) against the tests' web
 * peer on loopback, and its JSON paths (json-pick.c) on a table. */
#include "demo-billing.h"
#include "http.h"
#include "peers.h"
#include "testlib.h"
#include "web-peer.h"

#include <string.h>

/* --- json_pick ------------------------------------------------------------ */

static const char doc[]
    = "{\"s\":\"café\",\"i\":42,\"neg\":-7,\"d\":12.5,\"whole\":3.0,\"tenth\":0.1,\"big\":1e21,"
      "\"t\":true,\"f\":false,\"n\":null,\"empty\":\"\",\"with-dash_1\":\"ok\","
      "\"a\":{\"b\":[{\"c\":\"deep\"},[10,20,[30]]]},\"obj\":{},\"arr\":[]}";

typedef struct {
  const char *path;
  const char *want; /* NULL: an error */
  int code;
} PickCase;

static const PickCase picks[] = {
  { "s", "café", 0 },
  { "i", "42", 0 },
  { "neg", "-7", 0 },
  { "d", "12.5", 0 },
  { "whole", "3", 0 },
  { "tenth", "0.1", 0 },
  { "big", "1e+21", 0 },
  { "t", "true", 0 },
  { "f", "false", 0 },
  { "n", "", 0 },
  { "empty", "", 0 },
  { "with-dash_1", "ok", 0 },
  { "a.b[0].c", "deep", 0 },
  { "a.b[1][1]", "20", 0 },
  { "a.b[1][2][0]", "30", 0 },
  { "a.b[0].x", NULL, IVR_HTTP_ERROR_MISSING },
  { "a.b[2]", NULL, IVR_HTTP_ERROR_MISSING },
  { "s.x", NULL, IVR_HTTP_ERROR_MISSING },
  { "i[0]", NULL, IVR_HTTP_ERROR_MISSING },
  { "nope", NULL, IVR_HTTP_ERROR_MISSING },
  { "[0]", NULL, IVR_HTTP_ERROR_MISSING },
  { "a", NULL, IVR_HTTP_ERROR_NOT_SCALAR },
  { "a.b", NULL, IVR_HTTP_ERROR_NOT_SCALAR },
  { "obj", NULL, IVR_HTTP_ERROR_NOT_SCALAR },
  { "arr", NULL, IVR_HTTP_ERROR_NOT_SCALAR },
  { "", NULL, IVR_HTTP_ERROR_BAD_PATH },
  { ".s", NULL, IVR_HTTP_ERROR_BAD_PATH },
  { "s.", NULL, IVR_HTTP_ERROR_BAD_PATH },
  { "a..b", NULL, IVR_HTTP_ERROR_BAD_PATH },
  { "a.[0]", NULL, IVR_HTTP_ERROR_BAD_PATH },
  { "a[]", NULL, IVR_HTTP_ERROR_BAD_PATH },
  { "a[-1]", NULL, IVR_HTTP_ERROR_BAD_PATH },
  { "a[1", NULL, IVR_HTTP_ERROR_BAD_PATH },
  { "a[1234567890]", NULL, IVR_HTTP_ERROR_BAD_PATH },
  { "a b", NULL, IVR_HTTP_ERROR_BAD_PATH },
  { "a/b", NULL, IVR_HTTP_ERROR_BAD_PATH },
  { "a[0]b", NULL, IVR_HTTP_ERROR_BAD_PATH },
  { "é", NULL, IVR_HTTP_ERROR_BAD_PATH },
};

static void
test_pick_table (void)
{
  g_autoptr (JsonNode) root = json_from_string (doc, NULL);
  g_assert_nonnull (root);
  for (guint i = 0; i < G_N_ELEMENTS (picks); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *got = ivr_json_pick (root, picks[i].path, &error);
      g_test_message ("path \"%s\" → %s", picks[i].path, got ? got : error->message);
      if (picks[i].want)
        {
          g_assert_no_error (error);
          g_assert_cmpstr (got, ==, picks[i].want);
        }
      else
        {
          g_assert_null (got);
          g_assert_error (error, IVR_HTTP_ERROR, picks[i].code);
          g_assert_true (strstr (error->message, picks[i].path) != NULL);
          /* the syntax alone is checked the same way */
          g_autoptr (GError) check_error = NULL;
          gboolean ok = ivr_json_path_check (picks[i].path, &check_error);
          g_assert_true (ok == (picks[i].code != IVR_HTTP_ERROR_BAD_PATH));
        }
    }
}

/* A top-level array, and doubles that need more than 15 digits. */
static void
test_pick_top_array_and_doubles (void)
{
  g_autoptr (JsonNode) root = json_from_string ("[1,{\"x\":0.30000000000000004},2.5e-8]", NULL);
  g_autofree char *a = ivr_json_pick (root, "[0]", NULL);
  g_autofree char *b = ivr_json_pick (root, "[1].x", NULL);
  g_autofree char *c = ivr_json_pick (root, "[2]", NULL);
  g_assert_cmpstr (a, ==, "1");
  g_assert_cmpstr (b, ==, "0.30000000000000004");
  g_assert_cmpstr (c, ==, "2.5e-08");
  g_autoptr (GError) error = NULL;
  g_assert_null (ivr_json_pick (root, "[3]", &error));
  g_assert_error (error, IVR_HTTP_ERROR, IVR_HTTP_ERROR_MISSING);
}

/* --- the client -------------------------------------------------------------- */

typedef struct {
  OccTestWebPeer *peer;
  IvrHttp *http;
} Fixture;

/* What one request's callback saw. */
typedef struct {
  guint calls;
  guint status;
  GHashTable *vars;
  GError *error;
  gint64 at; /* monotonic µs of the (first) call */
} Answer;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->peer = occ_test_web_peer_start ();
  f->http = ivr_http_new (data);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  ivr_http_free (f->http);
  occ_test_web_peer_free (f->peer);
}

static void
answer_clear (Answer *a)
{
  g_clear_pointer (&a->vars, g_hash_table_unref);
  g_clear_error (&a->error);
}

static void
on_answer (const IvrHttpResult *result, const GError *error, gpointer data)
{
  Answer *a = data;
  a->calls++;
  if (a->calls > 1)
    return;
  a->at = g_get_monotonic_time ();
  if (result)
    {
      a->status = result->status;
      a->vars = g_hash_table_ref (result->vars);
    }
  else
    a->error = g_error_copy (error);
}

static gboolean
answered (gpointer data)
{
  return ((Answer *) data)->calls > 0;
}

/* Runs @r and waits (up to 20 s) for its answer. */
static void
run (Fixture *f, const IvrHttpRequest *r, Answer *a)
{
  ivr_http_request (f->http, r, NULL, on_answer, a);
  g_assert_cmpuint (a->calls, ==, 0); /* never from within the request */
  g_assert_true (occ_test_wait_for (answered, a, 20000));
  g_assert_cmpuint (a->calls, ==, 1);
}

static void
run_get (Fixture *f, const char *path, const IvrHttpPick *p, guint n, Answer *a)
{
  g_autofree char *url = occ_test_web_peer_url (f->peer, path);
  IvrHttpRequest r = { .method = IVR_HTTP_GET, .url = url, .picks = p, .n_picks = n };
  run (f, &r, a);
}

/* GETs @path, which must fail with @code; its message (transfer full). */
static char *
get_fails (Fixture *f, const char *path, int code)
{
  Answer a = { 0 };
  run_get (f, path, NULL, 0, &a);
  g_assert_error (a.error, IVR_HTTP_ERROR, code);
  char *message = g_strdup (a.error->message);
  answer_clear (&a);
  return message;
}

static void
test_get_extracts (Fixture *f, gconstpointer data)
{
  occ_test_web_peer_set_balance (f->peer, "+2250707123456", "99.90");
  static const IvrHttpPick p[] = {
    { "balance", "balance" }, { "currency", "currency" }, { "who", "number" }, { "due", "due" }
  };
  Answer a = { 0 };
  run_get (f, "/balance?number=%2B2250707123456", p, G_N_ELEMENTS (p), &a);
  g_assert_no_error (a.error);
  g_assert_cmpuint (a.status, ==, 200);
  g_assert_cmpuint (g_hash_table_size (a.vars), ==, 4);
  g_assert_cmpstr (g_hash_table_lookup (a.vars, "balance"), ==, "99.90");
  g_assert_cmpstr (g_hash_table_lookup (a.vars, "currency"), ==, "EUR");
  g_assert_cmpstr (g_hash_table_lookup (a.vars, "who"), ==, "+2250707123456");
  g_assert_cmpstr (g_hash_table_lookup (a.vars, "due"), ==, "2026-12-03");
  answer_clear (&a);

  /* another number gets the default balance */
  Answer b = { 0 };
  run_get (f, "/balance?number=123", p, 1, &b);
  g_assert_no_error (b.error);
  g_assert_cmpstr (g_hash_table_lookup (b.vars, "balance"), ==, "12.50");
  answer_clear (&b);
  g_assert_cmpuint (occ_test_web_peer_count (f->peer, "/balance"), ==, 2);

  /* a number the table says is unknown */
  occ_test_web_peer_set_balance (f->peer, "404", "");
  g_autofree char *message = get_fails (f, "/balance?number=404", IVR_HTTP_ERROR_HTTP_STATUS);
  g_assert_true (strstr (message, "HTTP 404") != NULL);
}

/* The demo's own billing service, as omnicc run starts it. */
static void
test_demo_billing (void)
{
  g_autoptr (GError) error = NULL;
  guint16 port = omnicc_demo_billing_start (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (port, >, 0);
  g_autoptr (IvrHttp) http = ivr_http_new (NULL);
  static const IvrHttpPick p[] = { { "balance", "balance" }, { "currency", "currency" } };
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/balance?number=0707", port);
  IvrHttpRequest r = { .method = IVR_HTTP_GET, .url = url, .picks = p, .n_picks = 2 };
  Answer a = { 0 };
  ivr_http_request (http, &r, NULL, on_answer, &a);
  g_assert_true (occ_test_wait_for (answered, &a, 20000));
  g_assert_no_error (a.error);
  g_assert_cmpstr (g_hash_table_lookup (a.vars, "balance"), ==, OMNICC_DEMO_BILLING_BALANCE);
  g_assert_cmpstr (g_hash_table_lookup (a.vars, "currency"), ==, "EUR");
  answer_clear (&a);
  /* no number: 400 */
  g_autofree char *bare = g_strdup_printf ("http://127.0.0.1:%u/balance", port);
  IvrHttpRequest n = { .method = IVR_HTTP_GET, .url = bare };
  Answer b = { 0 };
  ivr_http_request (http, &n, NULL, on_answer, &b);
  g_assert_true (occ_test_wait_for (answered, &b, 20000));
  g_assert_error (b.error, IVR_HTTP_ERROR, IVR_HTTP_ERROR_HTTP_STATUS);
  g_assert_true (strstr (b.error->message, "HTTP 400") != NULL);
  answer_clear (&b);
  omnicc_demo_billing_stop ();
}

static void
test_get_nested (Fixture *f, gconstpointer data)
{
  occ_test_web_peer_serve (f->peer, "/customer", 200, "application/json",
                           "{\"customer\":{\"name\":\"Awa\",\"vip\":true,\"age\":41,"
                           "\"accounts\":[{\"id\":\"A1\",\"balance\":12.5},{\"id\":\"A2\","
                           "\"balance\":-3}],\"note\":null}}");
  static const IvrHttpPick p[] = {
    { "name", "customer.name" },
    { "vip", "customer.vip" },
    { "age", "customer.age" },
    { "first", "customer.accounts[0].id" },
    { "b2", "customer.accounts[1].balance" },
    { "note", "customer.note" },
  };
  Answer a = { 0 };
  run_get (f, "/customer", p, G_N_ELEMENTS (p), &a);
  g_assert_no_error (a.error);
  g_assert_cmpstr (g_hash_table_lookup (a.vars, "name"), ==, "Awa");
  g_assert_cmpstr (g_hash_table_lookup (a.vars, "vip"), ==, "true");
  g_assert_cmpstr (g_hash_table_lookup (a.vars, "age"), ==, "41");
  g_assert_cmpstr (g_hash_table_lookup (a.vars, "first"), ==, "A1");
  g_assert_cmpstr (g_hash_table_lookup (a.vars, "b2"), ==, "-3");
  g_assert_cmpstr (g_hash_table_lookup (a.vars, "note"), ==, "");
  answer_clear (&a);

  /* a top-level array */
  occ_test_web_peer_serve (f->peer, "/list", 200, "application/json", "[{\"id\":7},{\"id\":8}]");
  static const IvrHttpPick q[] = { { "second", "[1].id" } };
  Answer b = { 0 };
  run_get (f, "/list", q, 1, &b);
  g_assert_no_error (b.error);
  g_assert_cmpstr (g_hash_table_lookup (b.vars, "second"), ==, "8");
  answer_clear (&b);
}

static void
test_post_body (Fixture *f, gconstpointer data)
{
  g_autofree char *url = occ_test_web_peer_url (f->peer, "/echo");
  static const IvrHttpPick p[]
      = { { "method", "method" }, { "body", "body" }, { "type", "content_type" } };
  IvrHttpRequest r = { .method = IVR_HTTP_POST,
                       .url = url,
                       .body = "number=0707&keys=1#",
                       .body_len = -1,
                       .content_type = "application/x-www-form-urlencoded",
                       .picks = p,
                       .n_picks = G_N_ELEMENTS (p) };
  Answer a = { 0 };
  run (f, &r, &a);
  g_assert_no_error (a.error);
  g_assert_cmpstr (g_hash_table_lookup (a.vars, "method"), ==, "POST");
  g_assert_cmpstr (g_hash_table_lookup (a.vars, "body"), ==, "number=0707&keys=1#");
  g_assert_cmpstr (g_hash_table_lookup (a.vars, "type"), ==, "application/x-www-form-urlencoded");
  answer_clear (&a);

  /* JSON by default, and a body with its length given */
  IvrHttpRequest j = { .method = IVR_HTTP_POST,
                       .url = url,
                       .body = "{\"n\":1}IGNORED",
                       .body_len = 7,
                       .picks = p,
                       .n_picks = G_N_ELEMENTS (p) };
  Answer b = { 0 };
  run (f, &j, &b);
  g_assert_no_error (b.error);
  g_assert_cmpstr (g_hash_table_lookup (b.vars, "body"), ==, "{\"n\":1}");
  g_assert_cmpstr (g_hash_table_lookup (b.vars, "type"), ==, "application/json");
  answer_clear (&b);
}

static void
test_timeout (Fixture *f, gconstpointer data)
{
  g_autofree char *url = occ_test_web_peer_url (f->peer, "/slow?ms=10000");
  IvrHttpRequest r = { .method = IVR_HTTP_GET, .url = url, .timeout_ms = 200 };
  Answer a = { 0 };
  gint64 start = g_get_monotonic_time ();
  run (f, &r, &a);
  g_assert_error (a.error, IVR_HTTP_ERROR, IVR_HTTP_ERROR_TIMEOUT);
  /* the route would have answered at 10 s: the timer ended it */
  g_assert_cmpint (a.at - start, <, 5 * G_USEC_PER_SEC);
  g_assert_cmpuint (occ_test_web_peer_count (f->peer, "/slow"), ==, 1);
  occ_test_spin (300);
  g_assert_cmpuint (a.calls, ==, 1);
  g_assert_cmpuint (ivr_http_in_flight (f->http), ==, 0);
  answer_clear (&a);
}

static void
test_http_status (Fixture *f, gconstpointer data)
{
  g_autofree char *e500 = get_fails (f, "/fail?status=500", IVR_HTTP_ERROR_HTTP_STATUS);
  g_assert_true (strstr (e500, "HTTP 500") != NULL);
  g_autofree char *e404 = get_fails (f, "/fail?status=404", IVR_HTTP_ERROR_HTTP_STATUS);
  g_assert_true (strstr (e404, "HTTP 404") != NULL);
}

static void
test_not_json (Fixture *f, gconstpointer data)
{
  g_free (get_fails (f, "/notjson", IVR_HTTP_ERROR_NOT_JSON));
  /* JSON, but a bare scalar */
  occ_test_web_peer_serve (f->peer, "/scalar", 200, "application/json", "\"hello\"");
  g_free (get_fails (f, "/scalar", IVR_HTTP_ERROR_NOT_JSON));
  /* not UTF-8 */
  occ_test_web_peer_serve (f->peer, "/latin1", 200, "application/json", "{\"s\":\"caf\xe9\"}");
  g_free (get_fails (f, "/latin1", IVR_HTTP_ERROR_NOT_JSON));
}

static gboolean
big_over (gpointer data)
{
  return occ_test_web_peer_big_done (data) > 0;
}

/* 50 MiB offered as fast as we read: we stop at the cap (1 MiB) and drop
 * the connection, so the server could hand the kernel only what the
 * socket buffers took on top. */
static void
test_too_large (Fixture *f, gconstpointer data)
{
  g_free (get_fails (f, "/big?bytes=52428800", IVR_HTTP_ERROR_TOO_LARGE));
  g_assert_true (occ_test_wait_for (big_over, f->peer, 20000));
  guint64 sent = occ_test_web_peer_big_bytes (f->peer);
  g_test_message ("the server wrote %" G_GUINT64_FORMAT " bytes of 52428800", sent);
  g_assert_cmpuint (sent, <, 16 * 1024 * 1024);
}

/* A Content-Length over the cap fails before the body is read. */
static void
test_too_large_declared (Fixture *f, gconstpointer data)
{
  g_free (get_fails (f, "/big?bytes=52428800&declared=1", IVR_HTTP_ERROR_TOO_LARGE));
  g_assert_true (occ_test_wait_for (big_over, f->peer, 20000));
  g_assert_cmpuint (occ_test_web_peer_big_bytes (f->peer), <, 16 * 1024 * 1024);
}

/* Under the cap, a body read in many pieces is whole. */
static void
test_big_under_cap (Fixture *f, gconstpointer data)
{
  static const IvrHttpPick p[] = { { "pad", "pad" } };
  Answer a = { 0 };
  run_get (f, "/big?bytes=600000", p, 1, &a);
  g_assert_no_error (a.error);
  const char *pad = g_hash_table_lookup (a.vars, "pad");
  g_assert_cmpuint (strlen (pad), ==, 600000 - 10);
  g_assert_cmpuint (strspn (pad, "x"), ==, 600000 - 10);
  answer_clear (&a);
}

/* A smaller cap from the settings. */
static void
test_cap_setting (Fixture *f, gconstpointer data)
{
  g_free (get_fails (f, "/big?bytes=5000", IVR_HTTP_ERROR_TOO_LARGE));
  Answer b = { 0 };
  run_get (f, "/big?bytes=4000", NULL, 0, &b);
  g_assert_no_error (b.error);
  answer_clear (&b);
}

static void
test_connect_refused (Fixture *f, gconstpointer data)
{
  int port = occ_test_free_port (); /* nobody listens there */
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%d/balance?number=1", port);
  IvrHttpRequest r = { .method = IVR_HTTP_GET, .url = url };
  Answer a = { 0 };
  run (f, &r, &a);
  g_assert_error (a.error, IVR_HTTP_ERROR, IVR_HTTP_ERROR_CONNECT);
  g_assert_true (strstr (a.error->message, "/balance") != NULL);
  g_assert_null (strstr (a.error->message, "number=1")); /* no query in messages */
  answer_clear (&a);
}

static void
test_invalid_url (Fixture *f, gconstpointer data)
{
  static const char *const bad[]
      = { "ftp://127.0.0.1/x", "file:///etc/passwd", "127.0.0.1:80/x", "http://", "not a url", "" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      IvrHttpRequest r = { .method = IVR_HTTP_GET, .url = bad[i] };
      Answer a = { 0 };
      run (f, &r, &a);
      g_test_message ("%s → %s", bad[i], a.error ? a.error->message : "ok");
      g_assert_error (a.error, IVR_HTTP_ERROR, IVR_HTTP_ERROR_INVALID_URL);
      answer_clear (&a);
    }
  /* a bad path is refused before anything is sent */
  g_autofree char *url = occ_test_web_peer_url (f->peer, "/balance?number=1");
  static const IvrHttpPick p[] = { { "x", "a..b" } };
  IvrHttpRequest r = { .method = IVR_HTTP_GET, .url = url, .picks = p, .n_picks = 1 };
  Answer b = { 0 };
  run (f, &r, &b);
  g_assert_error (b.error, IVR_HTTP_ERROR, IVR_HTTP_ERROR_BAD_PATH);
  g_assert_cmpuint (occ_test_web_peer_count (f->peer, "/balance"), ==, 0);
  answer_clear (&b);
}

/* deny_plain_remote: http:// only to loopback. */
static void
test_plain_remote_denied (Fixture *f, gconstpointer data)
{
  IvrHttpRequest r = { .method = IVR_HTTP_GET, .url = "http://192.0.2.1/balance" };
  Answer a = { 0 };
  run (f, &r, &a);
  g_assert_error (a.error, IVR_HTTP_ERROR, IVR_HTTP_ERROR_INVALID_URL);
  answer_clear (&a);
  Answer b = { 0 };
  run_get (f, "/balance?number=1", NULL, 0, &b);
  g_assert_no_error (b.error);
  answer_clear (&b);
  g_autofree char *local
      = g_strdup_printf ("http://localhost:%d/balance?number=1", occ_test_web_peer_port (f->peer));
  IvrHttpRequest l = { .method = IVR_HTTP_GET, .url = local };
  Answer c = { 0 };
  run (f, &l, &c);
  g_assert_no_error (c.error);
  answer_clear (&c);
}

static void
test_missing (Fixture *f, gconstpointer data)
{
  static const IvrHttpPick p[] = { { "balance", "balance" }, { "limit", "account.limit" } };
  Answer a = { 0 };
  run_get (f, "/balance?number=1", p, G_N_ELEMENTS (p), &a);
  g_assert_error (a.error, IVR_HTTP_ERROR, IVR_HTTP_ERROR_MISSING);
  g_assert_true (strstr (a.error->message, "limit") != NULL);
  g_assert_true (strstr (a.error->message, "account") != NULL);
  answer_clear (&a);
}

typedef struct {
  Fixture *f;
  guint seen;
} Reached;

static gboolean
slow_reached (gpointer data)
{
  Reached *r = data;
  return occ_test_web_peer_count (r->f->peer, "/slow") >= r->seen;
}

static void
test_cancel (Fixture *f, gconstpointer data)
{
  g_autofree char *url = occ_test_web_peer_url (f->peer, "/slow?ms=10000");
  IvrHttpRequest r = { .method = IVR_HTTP_GET, .url = url, .timeout_ms = 60000 };
  /* cancelled while the server holds it */
  g_autoptr (GCancellable) c = g_cancellable_new ();
  Answer a = { 0 };
  ivr_http_request (f->http, &r, c, on_answer, &a);
  Reached reached = { f, 1 };
  g_assert_true (occ_test_poll_until (slow_reached, &reached, 20000));
  g_assert_cmpuint (a.calls, ==, 0);
  g_cancellable_cancel (c);
  g_assert_cmpuint (a.calls, ==, 0); /* on the main loop, not from cancel () */
  g_assert_true (occ_test_wait_for (answered, &a, 20000));
  g_assert_error (a.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* cancelled before it started */
  Answer b = { 0 };
  ivr_http_request (f->http, &r, c, on_answer, &b);
  g_assert_true (occ_test_wait_for (answered, &b, 20000));
  g_assert_error (b.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  occ_test_spin (300);
  g_assert_cmpuint (a.calls, ==, 1);
  g_assert_cmpuint (b.calls, ==, 1);
  g_assert_cmpuint (ivr_http_in_flight (f->http), ==, 0);
  answer_clear (&a);
  answer_clear (&b);
}

/* Freed with requests on the wire and one refused whose answer is still
 * to come: each answered CANCELLED once, before free returns (and, under
 * ASan, nothing leaks). */
static void
test_free_in_flight (Fixture *f, gconstpointer data)
{
  g_autofree char *slow = occ_test_web_peer_url (f->peer, "/slow?ms=10000");
  IvrHttpRequest r = { .method = IVR_HTTP_GET, .url = slow, .timeout_ms = 60000 };
  Answer a[5] = { 0 };
  for (guint i = 0; i < 4; i++)
    ivr_http_request (f->http, &r, NULL, on_answer, &a[i]);
  Reached reached = { f, 4 };
  g_assert_true (occ_test_poll_until (slow_reached, &reached, 20000));
  IvrHttpRequest bad = { .method = IVR_HTTP_GET, .url = "gopher://127.0.0.1/" };
  ivr_http_request (f->http, &bad, NULL, on_answer, &a[4]);
  g_assert_cmpuint (ivr_http_in_flight (f->http), ==, 5);
  ivr_http_free (g_steal_pointer (&f->http));
  for (guint i = 0; i < G_N_ELEMENTS (a); i++)
    {
      g_assert_cmpuint (a[i].calls, ==, 1);
      g_assert_error (a[i].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    }
  occ_test_spin (100);
  for (guint i = 0; i < G_N_ELEMENTS (a); i++)
    {
      g_assert_cmpuint (a[i].calls, ==, 1);
      answer_clear (&a[i]);
    }
}

typedef struct {
  guint done;
  guint good;
} Many;

typedef struct {
  Many *many;
  char *number;
} ManyOne;

static void
on_many (const IvrHttpResult *result, const GError *error, gpointer data)
{
  ManyOne *one = data;
  one->many->done++;
  if (result && g_strcmp0 (g_hash_table_lookup (result->vars, "n"), one->number) == 0)
    one->many->good++;
  g_free (one->number);
  g_free (one);
}

static gboolean
many_done (gpointer data)
{
  return ((Many *) data)->done == 200;
}

static void
test_many_concurrent (Fixture *f, gconstpointer data)
{
  Many many = { 0 };
  static const IvrHttpPick p[] = { { "n", "number" } };
  for (guint i = 0; i < 200; i++)
    {
      ManyOne *one = g_new0 (ManyOne, 1);
      one->many = &many;
      one->number = g_strdup_printf ("%u", 1000 + i);
      g_autofree char *path = g_strdup_printf ("/balance?number=%s", one->number);
      g_autofree char *url = occ_test_web_peer_url (f->peer, path);
      IvrHttpRequest r
          = { .method = IVR_HTTP_GET, .url = url, .timeout_ms = 60000, .picks = p, .n_picks = 1 };
      ivr_http_request (f->http, &r, NULL, on_many, one);
    }
  g_assert_cmpuint (ivr_http_in_flight (f->http), ==, 200);
  g_assert_true (occ_test_wait_for (many_done, &many, 60000));
  g_assert_cmpuint (many.good, ==, 200);
  g_assert_cmpuint (occ_test_web_peer_count (f->peer, "/balance"), ==, 200);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  static const IvrHttpSettings small_cap = { .max_body_bytes = 4096 };
  static const IvrHttpSettings deny = { .deny_plain_remote = TRUE };
  g_test_add_func ("/ivr/http/json-pick/table", test_pick_table);
  g_test_add_func ("/ivr/http/json-pick/top-array-and-doubles", test_pick_top_array_and_doubles);
  g_test_add_func ("/ivr/http/demo-billing/answers-balances", test_demo_billing);
#define ADD(path, fn, settings) \
  g_test_add ("/ivr/http/" path, Fixture, settings, fixture_set_up, fn, fixture_tear_down)
  ADD ("get/extracts-strings", test_get_extracts, NULL);
  ADD ("get/extracts-nested-numbers-arrays", test_get_nested, NULL);
  ADD ("post/sends-body-and-content-type", test_post_body, NULL);
  ADD ("timeout/ends-a-slow-answer-once", test_timeout, NULL);
  ADD ("error/http-status", test_http_status, NULL);
  ADD ("error/not-json", test_not_json, NULL);
  ADD ("error/too-large-stops-reading", test_too_large, NULL);
  ADD ("error/too-large-declared", test_too_large_declared, NULL);
  ADD ("body/under-the-cap-is-whole", test_big_under_cap, NULL);
  ADD ("body/cap-from-settings", test_cap_setting, &small_cap);
  ADD ("error/connect-refused", test_connect_refused, NULL);
  ADD ("error/invalid-url", test_invalid_url, NULL);
  ADD ("error/plain-remote-denied", test_plain_remote_denied, &deny);
  ADD ("error/missing-path", test_missing, NULL);
  ADD ("cancel/answers-once", test_cancel, NULL);
  ADD ("free/answers-in-flight", test_free_in_flight, NULL);
  ADD ("many/200-concurrent", test_many_concurrent, NULL);
  return g_test_run ();
}
