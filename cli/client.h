/* A blocking client of omniccd's control socket, for the omnicc command,
 * and where its session token comes from. A token is never taken from the
 * command line, where every user could read it (ps). */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

/* Exit codes of the omnicc command, fit for scripts. */
enum {
  OCC_EXIT_OK = 0,
  OCC_EXIT_FAILED = 1,      /* the daemon answered with an error */
  OCC_EXIT_USAGE = 2,       /* wrong command line */
  OCC_EXIT_UNREACHABLE = 3, /* no daemon answers on the socket */
  OCC_EXIT_PROTOCOL = 4,    /* the daemon's answer made no sense */
  OCC_EXIT_DENIED = 5,      /* not signed in, or not allowed ("denied",
                               "unauthenticated", "locked") */
};

/* Errors the daemon answered with, by their "code"; transport and
 * parsing errors are G_IO_ERROR. */
#define OCC_CLIENT_ERROR (occ_client_error_quark ())
GQuark occ_client_error_quark (void);

typedef enum {
  OCC_CLIENT_ERROR_FAILED,          /* any other code */
  OCC_CLIENT_ERROR_DENIED,          /* "denied": the message names the permission */
  OCC_CLIENT_ERROR_UNAUTHENTICATED, /* "unauthenticated": no, expired or revoked session */
  OCC_CLIENT_ERROR_LOCKED,          /* "locked": the account is locked */
} OccClientError;

typedef struct _OccClient OccClient;

/* The socket to use: --socket, else $OMNICC_SOCKET, else the system
 * daemon's, else the one `omnicc run` uses. Transfer full. */
char *occ_client_default_socket (void);

/* The folder `omnicc run` keeps its demo site in (transfer full). */
char *occ_client_default_run_dir (void);

OccClient *occ_client_connect (const char *path, GError **error);
/* Closes the connection; wipes the token. */
void occ_client_free (OccClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OccClient, occ_client_free)

/* Sends @token (copied; NULL for none) as the "token" member of every
 * later request. */
void occ_client_set_token (OccClient *client, const char *token);

/* Sends @command with @args (a JSON object, may be NULL; transfer none) and
 * waits for the answer. Returns the "result" node (transfer full), or NULL
 * with @error set: OCC_CLIENT_ERROR with the daemon's message when it
 * answered with an error, G_IO_ERROR otherwise. @code receives an
 * OCC_EXIT_* (OCC_EXIT_DENIED for "denied", "unauthenticated", "locked"). */
JsonNode *occ_client_call (OccClient *client, const char *command, JsonObject *args, int *code,
                           GError **error);

/* Items a command sends before its answer go to @func (transfer none);
 * NULL (the default) drops them. */
typedef void (*OccClientItemFunc) (JsonNode *item, gpointer user_data);
void occ_client_set_item_func (OccClient *client, OccClientItemFunc func, gpointer user_data);

/* Reads the next streamed item of the last call (the "event" member);
 * NULL at end of stream. */
JsonNode *occ_client_next_item (OccClient *client, GError **error);

/* --- the session: token sources and the session file ------------------------ */

typedef enum {
  OCC_TOKEN_NONE, /* not signed in */
  OCC_TOKEN_ENV,  /* $OMNICC_TOKEN */
  OCC_TOKEN_FILE, /* the session file of `omnicc login` */
} OccTokenSource;

/* The session file for the daemon on @socket (transfer full):
 * $OMNICC_SESSION_FILE, else $XDG_RUNTIME_DIR/omnicc/session-KEY, else
 * $XDG_CACHE_HOME (~/.cache)/omnicc/session-KEY, where KEY is a hash of
 * the socket's path, so that sessions with different daemons stay apart. */
char *occ_client_session_file (const char *socket);

/* The token in @path (transfer full). NULL without @error when there is no
 * such file; NULL with @error when the file is unsafe (a symbolic link,
 * not a regular file, not the user's, readable or writable by group or
 * others) or holds no token. */
char *occ_client_read_session_file (const char *path, GError **error);

/* Writes @token to @path: the folder is created with mode 0700, the file
 * is written to a temporary file of mode 0600 and renamed over @path. */
gboolean occ_client_write_session_file (const char *path, const char *token, GError **error);

/* Removes @path; TRUE if it is gone (also when there was none). */
gboolean occ_client_remove_session_file (const char *path, GError **error);

/* The token to send to the daemon on @socket (transfer full): $OMNICC_TOKEN
 * if set, else the session file's. NULL without @error when there is none;
 * @source (may be NULL) says where it came from. */
char *occ_client_find_token (const char *socket, OccTokenSource *source, GError **error);

/* Connects to @socket with the token of occ_client_find_token() set on
 * the client. NULL with @error and @code (OCC_EXIT_FAILED for an unusable
 * session file, OCC_EXIT_UNREACHABLE) on failure. */
OccClient *occ_client_connect_session (const char *socket, OccTokenSource *source, int *code,
                                       GError **error);
