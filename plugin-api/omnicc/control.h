/* omnicc plugin API — commands on the control socket.
 *
 * The `omnicc` CLI (and later the web API) talk to the daemon with JSON
 * requests over a local socket. The core answers its own commands
 * (status, plugin.*, events.*); plugins add theirs ("agent.login",
 * "campaign.import"…) here. Arguments arrive as an a{sv} dictionary built
 * from the request's JSON object; the result is any GVariant, sent back as
 * JSON.
 */
#pragma once

#include <glib.h>
#include <omnicc/plugin.h>

G_BEGIN_DECLS

/** OccControlCall: one pending request. Answer it exactly once. */
typedef struct _OccControlCall OccControlCall;

#define OCC_CONTROL_ERROR (occ_control_error_quark ())
OCC_API GQuark occ_control_error_quark (void);

typedef enum {
  OCC_CONTROL_ERROR_BAD_REQUEST,     /* malformed JSON or arguments */
  OCC_CONTROL_ERROR_UNKNOWN_COMMAND, /* nobody registered that command */
  OCC_CONTROL_ERROR_FAILED,          /* the command ran and failed */
  OCC_CONTROL_ERROR_NOT_FOUND,       /* the thing named does not exist */
  OCC_CONTROL_ERROR_REFUSED,         /* not allowed in the current state */
  OCC_CONTROL_ERROR_EXISTS,          /* command registered twice */
} OccControlError;

/**
 * OccControlFunc:
 * @args: (transfer none): an a{sv} of the request's arguments.
 *
 * Handles a command on the main loop. Answer now or later (after an
 * asynchronous job) with occ_control_call_return() or
 * occ_control_call_return_error().
 */
typedef void (*OccControlFunc) (OccControlCall *call, GVariant *args, gpointer user_data);

/**
 * occ_control_add_command:
 * @name: dotted name, e.g. "agent.login".
 * @summary: one line, listed by `omnicc help`.
 *
 * Registers a control command owned by @plugin (removed when it unloads).
 */
OCC_API gboolean occ_control_add_command (OccPlugin *plugin, const char *name, const char *summary,
                                          OccControlFunc func, gpointer user_data,
                                          GDestroyNotify notify, GError **error);

/** occ_control_call_return: answers with @result (transfer floating; may be NULL). */
OCC_API void occ_control_call_return (OccControlCall *call, GVariant *result);

/**
 * occ_control_call_send_item:
 * @item: (transfer floating): one item of a long answer (an exported
 *   entry, a progress report).
 *
 * Sends @item to the client at once, before the final answer; the omnicc
 * command prints each item as a JSON line as it arrives. Any number of
 * items may precede occ_control_call_return(). Returns FALSE once the
 * client has gone or is too far behind (stop producing then, and answer).
 */
OCC_API gboolean occ_control_call_send_item (OccControlCall *call, GVariant *item);

/** occ_control_call_return_error: answers with an error (transfer none). */
OCC_API void occ_control_call_return_error (OccControlCall *call, const GError *error);

/** occ_control_call_get_peer: who sent it, e.g. "uid=0 pid=123" (transfer none). */
OCC_API const char *occ_control_call_get_peer (OccControlCall *call);

G_END_DECLS
