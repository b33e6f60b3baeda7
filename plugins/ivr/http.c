/* The IVR's HTTP node client: libsoup 3 on the main context. Each request
 * is a chain of one asynchronous step at a time (send, then reads of the
 * body), so that cancelling its cancellable — from our whole-exchange
 * timer, the caller's cancellable or ivr_http_free() — ends whichever step
 * is running, and the answer is given where that step returns. */
#include "http.h"

#include <libsoup/soup.h>
#include <string.h>

#define DEFAULT_MAX_BODY (1024 * 1024)
#define DEFAULT_CONNS_PER_HOST 32
#define READ_CHUNK 16384
/* How long ivr_http_free() waits for libsoup to hand back cancelled steps. */
#define FREE_DRAIN_MS 2000

struct _IvrHttp {
  SoupSession *session;
  GMainContext *context;
  gsize max_body;
  gboolean deny_plain_remote;
  GQueue calls; /* IvrHttpCall, oldest first, until their last step returned */
};

typedef struct {
  IvrHttp *h;
  GList link;
  char *where; /* "GET http://host:port/path" for messages: no query, no user info */
  SoupMessage *msg;
  GCancellable *cancel; /* ours: ends the running step */
  GCancellable *caller;
  gulong caller_handler;
  GSource *timer;
  GSource *idle; /* an answer given without a step (a bad URL) */
  GInputStream *stream;
  GByteArray *body;
  guint8 chunk[READ_CHUNK];
  IvrHttpPick *picks;
  guint n_picks;
  IvrHttpCallback cb;
  gpointer data;
  gint64 started;
  gboolean timed_out;
  gboolean answered;
  GError *early;
} IvrHttpCall;

static void
call_free (IvrHttpCall *call)
{
  g_queue_unlink (&call->h->calls, &call->link);
  if (call->caller_handler)
    g_cancellable_disconnect (call->caller, call->caller_handler);
  g_clear_object (&call->caller);
  if (call->timer)
    g_source_destroy (call->timer);
  g_clear_pointer (&call->timer, g_source_unref);
  if (call->idle)
    g_source_destroy (call->idle);
  g_clear_pointer (&call->idle, g_source_unref);
  g_clear_object (&call->stream);
  g_clear_object (&call->msg);
  g_clear_object (&call->cancel);
  if (call->body)
    g_byte_array_unref (call->body);
  for (guint i = 0; i < call->n_picks; i++)
    {
      g_free ((char *) call->picks[i].var);
      g_free ((char *) call->picks[i].path);
    }
  g_free (call->picks);
  g_clear_error (&call->early);
  g_free (call->where);
  g_free (call);
}

/* Gives the caller its one answer (if it has not had it). */
static void
answer (IvrHttpCall *call, const IvrHttpResult *result, const GError *error)
{
  if (call->answered)
    return;
  call->answered = TRUE;
  if (call->timer)
    g_source_destroy (call->timer);
  call->cb (result, error, call->data);
}

/* Ends @call with @error (IVR_HTTP_ERROR, or any error of a step: mapped
 * here) and frees it. A body stream not read to its end is closed with a
 * cancelled cancellable: libsoup would otherwise read (skip) the rest of
 * the body, which is what the size cap is there to avoid; it drops the
 * connection instead. */
static void
fail (IvrHttpCall *call, GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && call->timed_out)
    {
      g_clear_error (&error);
      error
          = g_error_new (IVR_HTTP_ERROR, IVR_HTTP_ERROR_TIMEOUT, "%s: no complete answer in %u ms",
                         call->where, (guint) ((g_get_monotonic_time () - call->started) / 1000));
    }
  else if (error->domain != IVR_HTTP_ERROR
           && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      GError *mapped = g_error_new (IVR_HTTP_ERROR, IVR_HTTP_ERROR_CONNECT, "%s: %s", call->where,
                                    error->message);
      g_error_free (error);
      error = mapped;
    }
  answer (call, NULL, error);
  g_error_free (error);
  if (call->stream && !g_input_stream_is_closed (call->stream))
    {
      g_cancellable_cancel (call->cancel);
      g_input_stream_close (call->stream, call->cancel, NULL);
    }
  call_free (call);
}

static void
succeed (IvrHttpCall *call, JsonNode *root)
{
  g_autoptr (GHashTable) vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < call->n_picks; i++)
    {
      GError *error = NULL;
      char *value = ivr_json_pick (root, call->picks[i].path, &error);
      if (!value)
        {
          GError *named = g_error_new (IVR_HTTP_ERROR, error->code, "%s: variable %s: %s",
                                       call->where, call->picks[i].var, error->message);
          g_error_free (error);
          fail (call, named);
          return;
        }
      g_hash_table_replace (vars, g_strdup (call->picks[i].var), value);
    }
  IvrHttpResult result = {
    .status = soup_message_get_status (call->msg),
    .vars = vars,
    .elapsed_ms = (guint64) ((g_get_monotonic_time () - call->started) / 1000),
  };
  answer (call, &result, NULL);
  call_free (call);
}

/* The whole body is in: UTF-8, JSON, an object or an array. */
static void
parse_body (IvrHttpCall *call)
{
  const char *text = (const char *) call->body->data;
  gsize len = call->body->len;
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  GError *error = NULL;
  if (len == 0 && call->n_picks == 0)
    {
      /* nothing asked of an empty answer (204 No Content to a POST) */
      g_autoptr (JsonNode) empty = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (empty, json_object_new ());
      succeed (call, empty);
      return;
    }
  if (!g_utf8_validate (text, (gssize) len, NULL) || memchr (text, '\0', len))
    error = g_error_new (IVR_HTTP_ERROR, IVR_HTTP_ERROR_NOT_JSON,
                         "%s: the answer is not UTF-8 text", call->where);
  else if (!json_parser_load_from_data (parser, text, (gssize) len, &error))
    {
      GError *e = g_error_new (IVR_HTTP_ERROR, IVR_HTTP_ERROR_NOT_JSON,
                               "%s: the answer is not JSON: %s", call->where, error->message);
      g_error_free (error);
      error = e;
    }
  else
    {
      JsonNode *root = json_parser_get_root (parser);
      if (root && (JSON_NODE_HOLDS_OBJECT (root) || JSON_NODE_HOLDS_ARRAY (root)))
        {
          succeed (call, root);
          return;
        }
      error
          = g_error_new (IVR_HTTP_ERROR, IVR_HTTP_ERROR_NOT_JSON,
                         "%s: the answer is JSON but neither an object nor an array", call->where);
    }
  fail (call, error);
}

static void
too_large (IvrHttpCall *call)
{
  fail (call, g_error_new (IVR_HTTP_ERROR, IVR_HTTP_ERROR_TOO_LARGE,
                           "%s: the answer is longer than %" G_GSIZE_FORMAT " bytes", call->where,
                           call->h->max_body));
}

static void read_next (IvrHttpCall *call);

static void
on_read (GObject *source, GAsyncResult *res, gpointer data)
{
  IvrHttpCall *call = data;
  GError *error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), res, &error);
  if (n < 0)
    {
      fail (call, error);
      return;
    }
  if (n == 0)
    {
      g_input_stream_close (call->stream, NULL, NULL); /* at the end: nothing left to skip */
      parse_body (call);
      return;
    }
  if (call->body->len + (gsize) n > call->h->max_body)
    {
      too_large (call);
      return;
    }
  g_byte_array_append (call->body, call->chunk, (guint) n);
  read_next (call);
}

static void
read_next (IvrHttpCall *call)
{
  g_input_stream_read_async (call->stream, call->chunk, sizeof call->chunk, G_PRIORITY_DEFAULT,
                             call->cancel, on_read, call);
}

static void
on_sent (GObject *source, GAsyncResult *res, gpointer data)
{
  IvrHttpCall *call = data;
  GError *error = NULL;
  call->stream = soup_session_send_finish (SOUP_SESSION (source), res, &error);
  if (!call->stream)
    {
      fail (call, error);
      return;
    }
  guint status = soup_message_get_status (call->msg);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      fail (call, g_error_new (IVR_HTTP_ERROR, IVR_HTTP_ERROR_HTTP_STATUS, "%s: HTTP %u %s",
                               call->where, status, soup_message_get_reason_phrase (call->msg)));
      return;
    }
  SoupMessageHeaders *headers = soup_message_get_response_headers (call->msg);
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH
      && (guint64) soup_message_headers_get_content_length (headers) > call->h->max_body)
    {
      too_large (call);
      return;
    }
  call->body = g_byte_array_new ();
  read_next (call);
}

static gboolean
on_timeout (gpointer data)
{
  IvrHttpCall *call = data;
  call->timed_out = TRUE;
  g_cancellable_cancel (call->cancel);
  return G_SOURCE_REMOVE;
}

static gboolean
on_early (gpointer data)
{
  IvrHttpCall *call = data;
  g_clear_pointer (&call->idle, g_source_unref);
  fail (call, g_steal_pointer (&call->early));
  return G_SOURCE_REMOVE;
}

static void
on_caller_cancelled (GCancellable *caller, gpointer data)
{
  IvrHttpCall *call = data;
  g_cancellable_cancel (call->cancel);
}

static gboolean
is_loopback (const char *host)
{
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  g_autoptr (GInetAddress) a = g_inet_address_new_from_string (host);
  return a && g_inet_address_get_is_loopback (a);
}

/* @url as a GUri if it is one we send to (transfer full); @call->where
 * is set either way. */
static GUri *
check_url (IvrHttp *h, IvrHttpCall *call, const char *method, const char *url, GError **error)
{
  g_autoptr (GError) parse_error = NULL;
  g_autoptr (GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, &parse_error);
  const char *scheme = uri ? g_uri_get_scheme (uri) : NULL;
  const char *host = uri ? g_uri_get_host (uri) : NULL;
  if (uri && g_uri_get_port (uri) > 0)
    call->where = g_strdup_printf ("%s %s://%s:%d%s", method, scheme, host ? host : "",
                                   g_uri_get_port (uri), g_uri_get_path (uri));
  else if (uri)
    call->where
        = g_strdup_printf ("%s %s://%s%s", method, scheme, host ? host : "", g_uri_get_path (uri));
  else
    call->where = g_strdup_printf ("%s (bad URL)", method);
  if (!uri)
    g_set_error (error, IVR_HTTP_ERROR, IVR_HTTP_ERROR_INVALID_URL, "%s: %s", call->where,
                 parse_error->message);
  else if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    g_set_error (error, IVR_HTTP_ERROR, IVR_HTTP_ERROR_INVALID_URL,
                 "%s: only http and https URLs are allowed, not %s", call->where, scheme);
  else if (!host || !*host)
    g_set_error (error, IVR_HTTP_ERROR, IVR_HTTP_ERROR_INVALID_URL, "%s: the URL has no host",
                 call->where);
  else if (h->deny_plain_remote && g_ascii_strcasecmp (scheme, "http") == 0 && !is_loopback (host))
    g_set_error (error, IVR_HTTP_ERROR, IVR_HTTP_ERROR_INVALID_URL,
                 "%s: plain http is only allowed to this machine here; use https", call->where);
  else
    return g_steal_pointer (&uri);
  return NULL;
}

static SoupMessage *
build_message (const IvrHttpRequest *r, const char *method, GUri *uri)
{
  SoupMessage *msg = soup_message_new_from_uri (method, uri);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept",
                                "application/json");
  if (r->method == IVR_HTTP_POST)
    {
      gsize len = r->body ? (r->body_len < 0 ? strlen (r->body) : (gsize) r->body_len) : 0;
      g_autoptr (GBytes) body = g_bytes_new (r->body, len);
      soup_message_set_request_body_from_bytes (
          msg, r->content_type ? r->content_type : "application/json", body);
    }
  return msg;
}

static void
copy_picks (IvrHttpCall *call, const IvrHttpRequest *r)
{
  call->n_picks = r->n_picks;
  call->picks = g_new0 (IvrHttpPick, r->n_picks + 1);
  for (guint i = 0; i < r->n_picks; i++)
    call->picks[i] = (IvrHttpPick){ g_strdup (r->picks[i].var), g_strdup (r->picks[i].path) };
}

static GSource *
attach (IvrHttp *h, GSource *source, GSourceFunc func, gpointer data)
{
  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, h->context);
  return source;
}

void
ivr_http_request (IvrHttp *h, const IvrHttpRequest *r, GCancellable *c, IvrHttpCallback cb,
                  gpointer data)
{
  g_return_if_fail (h != NULL && r != NULL && r->url != NULL && cb != NULL);
  g_return_if_fail (r->n_picks == 0 || r->picks != NULL);
  IvrHttpCall *call = g_new0 (IvrHttpCall, 1);
  call->h = h;
  call->link.data = call;
  g_queue_push_tail_link (&h->calls, &call->link);
  call->cb = cb;
  call->data = data;
  call->started = g_get_monotonic_time ();
  call->cancel = g_cancellable_new ();
  copy_picks (call, r);

  const char *method = r->method == IVR_HTTP_POST ? SOUP_METHOD_POST : SOUP_METHOD_GET;
  g_autoptr (GUri) uri = check_url (h, call, method, r->url, &call->early);
  for (guint i = 0; uri && i < r->n_picks; i++)
    if (!ivr_json_path_check (r->picks[i].path, &call->early))
      g_clear_pointer (&uri, g_uri_unref);
  if (!uri)
    {
      call->idle = attach (h, g_idle_source_new (), on_early, call);
      return;
    }

  guint timeout
      = r->timeout_ms ? MIN (r->timeout_ms, IVR_HTTP_MAX_TIMEOUT_MS) : IVR_HTTP_DEFAULT_TIMEOUT_MS;
  call->timer = attach (h, g_timeout_source_new (timeout), on_timeout, call);
  if (c)
    {
      call->caller = g_object_ref (c);
      /* runs at once if @c is already cancelled: the send then ends CANCELLED */
      call->caller_handler
          = g_cancellable_connect (c, G_CALLBACK (on_caller_cancelled), call, NULL);
    }
  call->msg = build_message (r, method, uri);
  soup_session_send_async (h->session, call->msg, G_PRIORITY_DEFAULT, call->cancel, on_sent, call);
}

guint
ivr_http_in_flight (IvrHttp *h)
{
  g_return_val_if_fail (h != NULL, 0);
  guint n = 0;
  for (GList *l = h->calls.head; l; l = l->next)
    n += !((IvrHttpCall *) l->data)->answered;
  return n;
}

IvrHttp *
ivr_http_new (const IvrHttpSettings *s)
{
  IvrHttpSettings none = { 0 };
  if (!s)
    s = &none;
  IvrHttp *h = g_new0 (IvrHttp, 1);
  guint per_host = s->max_conns_per_host ? s->max_conns_per_host : DEFAULT_CONNS_PER_HOST;
  h->max_body = s->max_body_bytes ? s->max_body_bytes : DEFAULT_MAX_BODY;
  h->deny_plain_remote = s->deny_plain_remote;
  h->context = g_main_context_ref_thread_default ();
  h->session = soup_session_new_with_options (
      "max-conns-per-host", per_host, "max-conns", s->max_conns ? s->max_conns : 4 * per_host,
      "user-agent", s->user_agent ? s->user_agent : "omnicc-ivr/" IVR_VERSION, NULL);
  g_queue_init (&h->calls);
  return h;
}

static gboolean
on_drain_deadline (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
ivr_http_free (IvrHttp *h)
{
  if (!h)
    return;
  /* answer everyone first (in order), then end their steps */
  g_autoptr (GError) cancelled
      = g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, "the IVR's HTTP client is closing");
  for (GList *l = h->calls.head; l; l = l->next)
    answer (l->data, NULL, cancelled);
  for (GList *l = h->calls.head; l; l = l->next)
    g_cancellable_cancel (((IvrHttpCall *) l->data)->cancel);
  /* requests refused at once end on their idle source, the others when
   * libsoup returns the cancelled step; both on this context */
  gboolean late = FALSE;
  GSource *deadline = attach (h, g_timeout_source_new (FREE_DRAIN_MS), on_drain_deadline, &late);
  while (h->calls.length > 0 && !late)
    g_main_context_iteration (h->context, TRUE);
  g_source_destroy (deadline);
  g_source_unref (deadline);
  if (h->calls.length > 0)
    {
      g_warning ("the IVR's HTTP client: %u cancelled requests did not end in %d ms; "
                 "leaving them",
                 h->calls.length, FREE_DRAIN_MS);
      return;
    }
  soup_session_abort (h->session);
  g_object_unref (h->session);
  g_main_context_unref (h->context);
  g_free (h);
}
