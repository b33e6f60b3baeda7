/* Shared helpers for omnicc's tests: temporary folders, files, and the
 * real daemon and CLI started on a private control socket. Later test
 * helpers (PostgreSQL, slapd, sipp…) belong here too, so that every test
 * starts and stops real peers the same way. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

/* A fresh folder under the test's temporary area (transfer full). Removed
 * by occ_test_rmtree(). */
char *occ_test_mkdtemp (void);
void occ_test_rmtree (const char *path);

/* Writes @text to @dir/@name, creating folders (aborts the test on error). */
void occ_test_write (const char *dir, const char *name, const char *text);
char *occ_test_read (const char *path);

/* Runs the main loop until @cond(@data) is TRUE or @timeout_ms passes. */
gboolean occ_test_wait_for (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms);
/* Runs the main loop for @ms. */
void occ_test_spin (guint ms);

typedef struct {
  char *dir;    /* its own temporary folder: omnicc.conf, plugins.d, state */
  char *conf;   /* omnicc.conf */
  char *socket; /* control socket */
  char *log;    /* stderr of the daemon */
  GSubprocess *proc;
  GPid pid; /* guarded: stopped with the test whatever happens */
} OccTestDaemon;

/* Writes omnicc.conf in a new temporary folder with a plugin path of the
 * fixture plugins and the real plugins, @enabled (";"-separated) and any
 * @extra lines in [core] (drain-timeout is 5 unless @extra sets it), then
 * starts omniccd and waits until it answers.
 * NULL (and the log printed) if it did not come up in 10 s. */
OccTestDaemon *occ_test_daemon_start (const char *enabled, const char *extra);

/* Like occ_test_daemon_start() on an existing folder and config. */
OccTestDaemon *occ_test_daemon_start_in (const char *dir);

/* Stops @d with SIGTERM (asserting a clean exit) and starts a new daemon
 * on the same folder; FALSE if it did not come back. */
gboolean occ_test_daemon_restart (OccTestDaemon *d);

/* Starts @d's daemon again after occ_test_daemon_stop(), on the same
 * folder (a test that needs time to pass while it is down); FALSE if it
 * did not come back. */
gboolean occ_test_daemon_respawn (OccTestDaemon *d);

/* Sends @signum and waits for the exit; returns the exit status (or
 * 128+signal). */
int occ_test_daemon_stop (OccTestDaemon *d, int signum);
void occ_test_daemon_free (OccTestDaemon *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OccTestDaemon, occ_test_daemon_free)

/* Runs the real `omnicc --socket <d's socket> ARGS…`; returns its exit
 * status and what it printed. @d may be NULL (no --socket). */
int occ_test_cli (OccTestDaemon *d, char **out, char **err, ...) G_GNUC_NULL_TERMINATED;

/* Runs `omnicc --socket <d's socket> --json call COMMAND ARGS…`, fails the
 * test unless it exits with @expect_status, and returns what it printed on
 * standard output and standard error (transfer full). */
char *occ_test_call (OccTestDaemon *d, int expect_status, const char *command,
                     ...) G_GNUC_NULL_TERMINATED;

/* Runs any program (argv NULL-terminated) and returns its exit status and
 * output. */
int occ_test_run (const char *const *argv, char **out, char **err);

/* Sends one raw line to the daemon's control socket and returns the
 * first answer line (transfer full), or NULL if the daemon hung up. */
char *occ_test_raw_request (OccTestDaemon *d, const char *line);

/* Parses a JSON answer line and returns its object (transfer full). */
JsonObject *occ_test_parse_object (const char *json);

/* --- PostgreSQL ------------------------------------------------------------- */

/* A private PostgreSQL server: initdb in a temporary folder, listening on a
 * UNIX socket in that folder only (no TCP), database "omnicc". As root the
 * server runs as the postgres user (initdb refuses root). The server is
 * stopped by occ_test_postgres_stop(), and also if the test process aborts,
 * crashes or is told to terminate. */
typedef struct {
  char *dir;
  char *dsn; /* host=DIR port=PORT user=postgres dbname=omnicc */
  char *socket_dir;
  int port;
} OccTestPostgres;

/* NULL (with the reason in g_test_message) if the server did not start. */
OccTestPostgres *occ_test_postgres_start (void);
void occ_test_postgres_stop (OccTestPostgres *pg);
/* Kills the server as a crash would (pg_ctl -m immediate). */
void occ_test_postgres_crash (OccTestPostgres *pg);
/* Starts it again on the same data; FALSE if it did not come back. */
gboolean occ_test_postgres_restart (OccTestPostgres *pg);
/* Runs SQL through psql; returns its output (transfer full), NULL on error. */
char *occ_test_psql (OccTestPostgres *pg, const char *sql);
/* The same in database @database (transfer full), NULL on error. */
char *occ_test_psql_in (OccTestPostgres *pg, const char *database, const char *sql);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OccTestPostgres, occ_test_postgres_stop)
