/* The tests' web service (see web-peer.h). */
#include "web-peer.h"

#include "demo-billing.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#define BIG_CHUNK 65536
#define BIG_PREFIX "{\"pad\":\""
#define BIG_SUFFIX "\"}"

struct _OccTestWebPeer {
  SoupServer *server;
  int port;
  GHashTable *balances; /* number → balance, shared with the /balance handler */
  GHashTable *counts;   /* path → count */
  GList *slow;          /* Slow, waiting */
  guint64 big_bytes;
  unsigned big_done;
};

typedef struct {
  OccTestWebPeer *peer;
  SoupServerMessage *msg;
  GSource *timer;
  guint ms;
} Slow;

typedef struct {
  OccTestWebPeer *peer;
  guint64 total;
  guint64 queued; /* bytes appended so far */
  guint last;     /* size of the last chunk appended */
  gboolean done;
} Big;

typedef struct {
  unsigned status;
  char *content_type;
  char *body;
} Fixed;

static void
reply_text (SoupServerMessage *msg, unsigned status, const char *type, const char *text)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, type, SOUP_MEMORY_COPY, text, strlen (text));
}

static void
on_request_read (SoupServer *server, SoupServerMessage *msg, gpointer data)
{
  OccTestWebPeer *peer = data;
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (peer->counts, path));
  g_hash_table_replace (peer->counts, g_strdup (path), GUINT_TO_POINTER (n + 1));
}

static void
slow_free (Slow *s)
{
  g_source_destroy (s->timer);
  g_source_unref (s->timer);
  g_object_unref (s->msg);
  g_free (s);
}

static gboolean
on_slow_due (gpointer data)
{
  Slow *s = data;
  g_autofree char *body = g_strdup_printf ("{\"slept_ms\":%u}", s->ms);
  reply_text (s->msg, SOUP_STATUS_OK, "application/json", body);
  soup_server_message_unpause (s->msg);
  s->peer->slow = g_list_remove (s->peer->slow, s);
  slow_free (s);
  return G_SOURCE_REMOVE;
}

static void
on_slow (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
         gpointer data)
{
  const char *ms = query ? g_hash_table_lookup (query, "ms") : NULL;
  Slow *s = g_new0 (Slow, 1);
  s->peer = data;
  s->msg = g_object_ref (msg);
  s->ms = ms ? (guint) g_ascii_strtoull (ms, NULL, 10) : 1000;
  s->timer = g_timeout_source_new (s->ms);
  g_source_set_callback (s->timer, on_slow_due, s, NULL);
  g_source_attach (s->timer, NULL);
  s->peer->slow = g_list_prepend (s->peer->slow, s);
  soup_server_message_pause (msg);
}

static void
on_fail (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
         gpointer data)
{
  const char *status = query ? g_hash_table_lookup (query, "status") : NULL;
  reply_text (msg, status ? (unsigned) g_ascii_strtoull (status, NULL, 10) : 500,
              "application/json", "{\"error\":\"failing on purpose\"}");
}

static void
on_notjson (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
            gpointer data)
{
  reply_text (msg, SOUP_STATUS_OK, "text/plain", "this is not JSON\n");
}

/* Appends the next chunk of @big's body: the prefix, "x" and the suffix. */
static void
big_append (SoupMessageBody *body, Big *big)
{
  guint n = (guint) MIN ((guint64) BIG_CHUNK, big->total - big->queued);
  char *chunk = g_malloc (n);
  memset (chunk, 'x', n);
  gsize prefix = strlen (BIG_PREFIX), suffix = strlen (BIG_SUFFIX);
  for (guint i = 0; i < n; i++)
    {
      guint64 at = big->queued + i;
      if (at < prefix)
        chunk[i] = BIG_PREFIX[at];
      else if (at >= big->total - suffix)
        chunk[i] = BIG_SUFFIX[at - (big->total - suffix)];
    }
  soup_message_body_append_take (body, (guchar *) chunk, n);
  big->queued += n;
  big->last = n;
}

static void
on_big_wrote (SoupServerMessage *msg, gpointer data)
{
  Big *big = data;
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  big->peer->big_bytes += big->last;
  if (big->queued < big->total)
    big_append (body, big);
  else
    soup_message_body_complete (body);
}

static void
on_big_over (SoupServerMessage *msg, gpointer data)
{
  Big *big = data;
  if (!big->done)
    big->peer->big_done++;
  big->done = TRUE;
}

static void
on_big (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
        gpointer data)
{
  const char *bytes = query ? g_hash_table_lookup (query, "bytes") : NULL;
  const char *declared = query ? g_hash_table_lookup (query, "declared") : NULL;
  Big *big = g_new0 (Big, 1);
  big->peer = data;
  big->total = MAX (bytes ? g_ascii_strtoull (bytes, NULL, 10) : 0, 10);
  g_object_set_data_full (G_OBJECT (msg), "occ-test-big", big, g_free);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  if (declared)
    soup_message_headers_set_content_length (headers, (goffset) big->total);
  else
    soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type (headers, "application/json", NULL);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  soup_message_body_set_accumulate (body, FALSE);
  g_signal_connect (msg, "wrote-chunk", G_CALLBACK (on_big_wrote), big);
  g_signal_connect (msg, "finished", G_CALLBACK (on_big_over), big);
  g_signal_connect (msg, "disconnected", G_CALLBACK (on_big_over), big);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  big_append (body, big);
}

static void
on_echo (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
         gpointer data)
{
  g_autoptr (GBytes) bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  const char *type
      = soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL);
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "method");
  json_builder_add_string_value (b, soup_server_message_get_method (msg));
  json_builder_set_member_name (b, "body");
  json_builder_add_string_value (b, text);
  json_builder_set_member_name (b, "content_type");
  json_builder_add_string_value (b, type ? type : "");
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *json = json_to_string (root, FALSE);
  reply_text (msg, SOUP_STATUS_OK, "application/json", json);
}

static void
fixed_free (gpointer data)
{
  Fixed *f = data;
  g_free (f->content_type);
  g_free (f->body);
  g_free (f);
}

static void
on_fixed (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
          gpointer data)
{
  Fixed *f = data;
  reply_text (msg, f->status, f->content_type, f->body);
}

OccTestWebPeer *
occ_test_web_peer_start (void)
{
  OccTestWebPeer *peer = g_new0 (OccTestWebPeer, 1);
  g_autoptr (GError) error = NULL;
  peer->server = soup_server_new ("server-header", "occ-test-web-peer ", NULL);
  peer->balances = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  peer->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  omnicc_demo_billing_add_handler (peer->server, peer->balances);
  soup_server_add_handler (peer->server, "/slow", on_slow, peer, NULL);
  soup_server_add_handler (peer->server, "/fail", on_fail, peer, NULL);
  soup_server_add_handler (peer->server, "/notjson", on_notjson, peer, NULL);
  soup_server_add_handler (peer->server, "/big", on_big, peer, NULL);
  soup_server_add_handler (peer->server, "/echo", on_echo, peer, NULL);
  g_signal_connect (peer->server, "request-read", G_CALLBACK (on_request_read), peer);
  g_assert_true (soup_server_listen_local (peer->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  GSList *uris = soup_server_get_uris (peer->server);
  g_assert_nonnull (uris);
  peer->port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return peer;
}

void
occ_test_web_peer_free (OccTestWebPeer *peer)
{
  if (!peer)
    return;
  g_list_free_full (g_steal_pointer (&peer->slow), (GDestroyNotify) slow_free);
  soup_server_disconnect (peer->server);
  g_object_unref (peer->server);
  g_hash_table_unref (peer->balances);
  g_hash_table_unref (peer->counts);
  g_free (peer);
}

int
occ_test_web_peer_port (OccTestWebPeer *peer)
{
  return peer->port;
}

char *
occ_test_web_peer_url (OccTestWebPeer *peer, const char *path_and_query)
{
  return g_strdup_printf ("http://127.0.0.1:%d%s", peer->port, path_and_query);
}

void
occ_test_web_peer_set_balance (OccTestWebPeer *peer, const char *number, const char *balance)
{
  g_hash_table_replace (peer->balances, g_strdup (number), g_strdup (balance));
}

void
occ_test_web_peer_serve (OccTestWebPeer *peer, const char *path, unsigned status,
                         const char *content_type, const char *body)
{
  Fixed *f = g_new0 (Fixed, 1);
  f->status = status;
  f->content_type = g_strdup (content_type);
  f->body = g_strdup (body);
  soup_server_remove_handler (peer->server, path);
  soup_server_add_handler (peer->server, path, on_fixed, f, fixed_free);
}

unsigned
occ_test_web_peer_count (OccTestWebPeer *peer, const char *path)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (peer->counts, path));
}

guint64
occ_test_web_peer_big_bytes (OccTestWebPeer *peer)
{
  return peer->big_bytes;
}

unsigned
occ_test_web_peer_big_done (OccTestWebPeer *peer)
{
  return peer->big_done;
}
