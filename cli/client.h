/* A blocking client of omniccd's control socket, for the omnicc command. */
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
};

typedef struct _OccClient OccClient;

/* The socket to use: --socket, else $OMNICC_SOCKET, else the system
 * daemon's, else the one `omnicc run` uses. Transfer full. */
char *occ_client_default_socket (void);

/* The folder `omnicc run` keeps its demo site in (transfer full). */
char *occ_client_default_run_dir (void);

OccClient *occ_client_connect (const char *path, GError **error);
void occ_client_free (OccClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OccClient, occ_client_free)

/* Sends @command with @args (a JSON object, may be NULL; transfer none) and
 * waits for the answer. Returns the "result" node (transfer full), or NULL
 * with @error set to the daemon's message; @code receives an OCC_EXIT_*. */
JsonNode *occ_client_call (OccClient *client, const char *command, JsonObject *args, int *code,
                           GError **error);

/* Items a command sends before its answer go to @func (transfer none);
 * NULL (the default) drops them. */
typedef void (*OccClientItemFunc) (JsonNode *item, gpointer user_data);
void occ_client_set_item_func (OccClient *client, OccClientItemFunc func, gpointer user_data);

/* Reads the next streamed item of the last call (the "event" member);
 * NULL at end of stream. */
JsonNode *occ_client_next_item (OccClient *client, GError **error);
