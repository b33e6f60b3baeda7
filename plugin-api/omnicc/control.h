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
#include <omnicc/access.h>
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
/* Refusals of the enforcement point use OCC_ACCESS_ERROR (<omnicc/access.h>):
 * UNAUTHENTICATED ("unauthenticated" on the wire) and DENIED ("denied"). */

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
 * Running it needs the permission named like the command itself (e.g.
 * "agent.login"); occ_control_add_command_full() names another.
 */
OCC_API gboolean occ_control_add_command (OccPlugin *plugin, const char *name, const char *summary,
                                          OccControlFunc func, gpointer user_data,
                                          GDestroyNotify notify, GError **error);

typedef enum {
  OCC_CONTROL_FLAGS_NONE = 0,
  /* anyone who reaches the socket may run it, signed in or not (signing
   * in, signing out, "who am I"); @permission is then ignored */
  OCC_CONTROL_PUBLIC = 1 << 0,
  /* the permission may be held for some scopes only (a client viewer's
   * campaigns): the core lets the call through if the principal holds it
   * in at least one scope, and the command must check the scope it acts on
   * with occ_control_call_check() */
  OCC_CONTROL_SCOPED = 1 << 1,
} OccControlFlags;

/**
 * occ_control_add_command_full:
 * @permission: what a principal must hold to run it (see <omnicc/access.h>),
 *   e.g. "audit.read" for "audit.export"; NULL: the command's name.
 *
 * Since ABI 1.1.
 */
OCC_API gboolean occ_control_add_command_full (OccPlugin *plugin, const char *name,
                                               const char *summary, const char *permission,
                                               OccControlFlags flags, OccControlFunc func,
                                               gpointer user_data, GDestroyNotify notify,
                                               GError **error);

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

/**
 * occ_control_call_get_principal:
 *
 * On whose behalf the call runs (transfer none, valid until answered).
 * Since ABI 1.1.
 */
OCC_API const OccPrincipal *occ_control_call_get_principal (OccControlCall *call);

/**
 * occ_control_call_get_actor:
 *
 * The principal's login, for audit entries ("alice", "local:uid=0").
 * Since ABI 1.1.
 */
OCC_API const char *occ_control_call_get_actor (OccControlCall *call);

/**
 * occ_control_call_get_token:
 *
 * The session token the request carried, or NULL (transfer none): for the
 * access plugin's sign-out. Since ABI 1.1.
 */
OCC_API const char *occ_control_call_get_token (OccControlCall *call);

/**
 * occ_control_call_check:
 * @scope: (nullable): the queue, campaign… the call acts on.
 *
 * The enforcement point for what the core cannot see: TRUE if the call's
 * principal holds @permission for @scope; otherwise FALSE with
 * OCC_ACCESS_ERROR_DENIED naming the permission, and the denial is audited.
 * Answer the call with that error. Since ABI 1.1.
 */
OCC_API gboolean occ_control_call_check (OccControlCall *call, const char *permission,
                                         const char *scope, GError **error);

G_END_DECLS
