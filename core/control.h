/* The control socket: JSON lines over a local UNIX socket.
 *
 *   request   {"id": 1, "command": "plugin.list", "args": {…}}
 *   answer    {"id": 1, "ok": true, "result": …}
 *             {"id": 1, "ok": false, "error": {"code": "…", "message": "…"}}
 *   stream    {"id": 1, "event": {…}}      (events.follow)
 *   item      {"id": 1, "item": …}         (items of a long answer, before it)
 *
 * Requests may be pipelined; answers carry the request's id. */
#pragma once

#include "context.h"

/* Longest request line accepted. */
#define OCC_CONTROL_MAX_LINE (64 * 1024)
/* A client that lets this much output pile up is disconnected. */
#define OCC_CONTROL_MAX_BACKLOG (8 * 1024 * 1024)

OccControl *occ_control_new (OccContext *ctx);
void occ_control_free (OccControl *control);

/* Listens on @path (mode 0660, group @group when it exists). Fails if
 * another daemon answers there. */
gboolean occ_control_listen (OccControl *control, const char *path, const char *group,
                             GError **error);

/* Stops accepting and closes every connection. */
void occ_control_close (OccControl *control);

/* Stops accepting; each connection is closed once what it still has to
 * send (the last streamed events) is written. */
void occ_control_hang_up (OccControl *control);
void occ_control_stop_listening (OccControl *control);

/* Registers a command; @owner NULL for the core's own. */
gboolean occ_control_register (OccControl *control, OccPlugin *owner, const char *name,
                               const char *summary, const char *permission, OccControlFlags flags,
                               OccControlFunc func, gpointer user_data, GDestroyNotify notify,
                               GError **error);
void occ_control_drop_owner (OccControl *control, OccPlugin *owner);

/* @permission: "" for a public command. */
typedef void (*OccControlCommandFunc) (const char *name, const char *summary, const char *owner,
                                       const char *permission, gpointer user_data);
void occ_control_foreach_command (OccControl *control, OccControlCommandFunc func, gpointer data);

/* Streams: a call that answers with a sequence of items (events.follow).
 * @on_close runs when the client goes away or the daemon closes. */
typedef struct _OccControlStream OccControlStream;
OccControlStream *occ_control_call_begin_stream (OccControlCall *call, GDestroyNotify on_close,
                                                 gpointer data);
/* Sends one item (@json: a JSON value). FALSE once the client is gone or
 * too far behind. */
gboolean occ_control_stream_send (OccControlStream *stream, const char *key, const char *json);

/* Runs a command as if a client had sent it and hung up right after
 * (tests): @reply gets each line sent before the handler returned. */
void occ_control_dispatch (OccControl *control, const char *line,
                           void (*reply) (const char *line, gpointer data), gpointer data);

guint occ_control_count_connections (OccControl *control);
