/* The IVR's HTTP node: one client (a libsoup 3 session on the main
 * context) that sends GET or POST requests to a web service, reads a
 * bounded JSON answer and picks scalar values out of it by path
 * (see HTTP.md). Everything here runs on the thread that created the
 * client, which must be the one running its main context. */
#pragma once

#include "ivr-types.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define IVR_HTTP_ERROR (ivr_http_error_quark ())
GQuark ivr_http_error_quark (void);

typedef enum {
  IVR_HTTP_ERROR_INVALID_URL, /* not an absolute http(s) URL, or plain http refused */
  IVR_HTTP_ERROR_CONNECT,     /* no connection, no answer or a broken one */
  IVR_HTTP_ERROR_TIMEOUT,     /* the whole exchange took longer than timeout_ms */
  IVR_HTTP_ERROR_HTTP_STATUS, /* an answer with a status other than 2xx */
  IVR_HTTP_ERROR_NOT_JSON,    /* not UTF-8, not JSON, or neither an object nor an array */
  IVR_HTTP_ERROR_TOO_LARGE,   /* the body is longer than max_body_bytes */
  IVR_HTTP_ERROR_MISSING,     /* a requested path is absent from the answer */
  IVR_HTTP_ERROR_NOT_SCALAR,  /* a requested path names an object or an array */
  IVR_HTTP_ERROR_BAD_PATH,    /* a path is not of the form a.b[0].c */
} IvrHttpError;

/* --- JSON paths --------------------------------------------------------- */

/* TRUE if @path is a well-formed path: keys of [A-Za-z0-9_-] separated by
 * ".", each optionally followed by indexes "[N]"; the path may start with
 * an index ("[2].name"). Otherwise FALSE with IVR_HTTP_ERROR_BAD_PATH. */
gboolean ivr_json_path_check (const char *path, GError **error);

/* The scalar at @path in @root as text (transfer full): a string as is,
 * an integer in decimal, a double in its shortest exact form of up to 17
 * significant digits ("12.5", "0.1", "1e+21"; a whole double has no ".0"),
 * booleans "true"/"false", null "". NULL with IVR_HTTP_ERROR_BAD_PATH,
 * _MISSING (the message names the first step that is absent) or
 * _NOT_SCALAR. Pure; any thread. */
char *ivr_json_pick (JsonNode *root, const char *path, GError **error);

/* --- The client --------------------------------------------------------- */

typedef struct {
  gsize max_body_bytes;       /* 0: 1 MiB */
  guint max_conns_per_host;   /* 0: 32 */
  guint max_conns;            /* in all; 0: 4 × max_conns_per_host */
  const char *user_agent;     /* NULL: "omnicc-ivr/VERSION" */
  gboolean deny_plain_remote; /* refuse http:// to hosts other than loopback */
} IvrHttpSettings;

/* One value to extract: the answer's scalar at @path goes to variable @var. */
typedef struct {
  const char *var;
  const char *path;
} IvrHttpPick;

#define IVR_HTTP_DEFAULT_TIMEOUT_MS 5000
#define IVR_HTTP_MAX_TIMEOUT_MS 120000

typedef struct {
  IvrHttpMethod method;
  const char *url;          /* already expanded; http or https only */
  const char *body;         /* POST only; NULL: empty */
  gssize body_len;          /* -1: NUL-terminated */
  const char *content_type; /* POST only; NULL: "application/json" */
  guint timeout_ms;         /* the whole exchange; 0: 5000; at most 120000 */
  const IvrHttpPick *picks;
  guint n_picks;
} IvrHttpRequest;

typedef struct {
  guint status;       /* the HTTP status, 2xx */
  GHashTable *vars;   /* var → value (char * → char *), one per pick */
  guint64 elapsed_ms; /* from the request to the end of the body */
} IvrHttpResult;

/* Called once per request, on the client's main context, never from
 * within ivr_http_request() itself: with @result (transfer none, valid
 * during the call; ref @result->vars to keep them) and @error NULL, or
 * with @result NULL and @error (transfer none) in IVR_HTTP_ERROR, or
 * G_IO_ERROR_CANCELLED when the caller's cancellable fired or the client
 * was freed. */
typedef void (*IvrHttpCallback) (const IvrHttpResult *result, const GError *error, gpointer data);

typedef struct _IvrHttp IvrHttp;

/* A client on the thread-default main context (transfer full). @s may be
 * NULL (all defaults); it is copied. */
IvrHttp *ivr_http_new (const IvrHttpSettings *s);

/* Starts @r (copied: nothing of it needs to outlive the call). @c may be
 * NULL; cancelling it ends the request with G_IO_ERROR_CANCELLED. @cb runs
 * exactly once, later, on the main context. Never blocks. */
void ivr_http_request (IvrHttp *h, const IvrHttpRequest *r, GCancellable *c, IvrHttpCallback cb,
                       gpointer data);

/* Requests started and not yet answered. */
guint ivr_http_in_flight (IvrHttp *h);

/* Frees @h. Every request still unanswered is answered with
 * G_IO_ERROR_CANCELLED before this returns, in the order they were made
 * (a callback must not start new requests on @h: they would be answered
 * CANCELLED too). It then runs the main context until libsoup has handed
 * back every cancelled operation (a few iterations; at most 2 s, after
 * which it logs a warning and leaks what is left rather than free memory
 * still in use), so that none of this library's code runs after it
 * returns and the plugin can be unloaded. Not from within a callback of
 * @h. */
void ivr_http_free (IvrHttp *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IvrHttp, ivr_http_free)

G_END_DECLS
