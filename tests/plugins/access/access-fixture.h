/* The access plugin in-process with its real neighbours — a store
 * backend, records, audit, auth-local — and the control socket listening
 * in the test process, so that commands are sent as JSON lines with a
 * session token, exactly as the omnicc command sends them. Shared by the
 * access tests (local accounts and, with the slapd harness, directory
 * accounts) and the benchmark. */
#pragma once

#include "config.h"
#include "context.h"
#include "control.h"
#include "loader.h"
#include "registry.h"
#include "testlib.h"

#include <json-glib/json-glib.h>

/* The first-run administrator's password once the fixture changed it. */
#define AX_ADMIN_PASSWORD "Admin-pass-1234!"

typedef struct {
  const char *name;   /* "sqlite", "postgres" */
  const char *plugin; /* the store plugin */
} AxBackend;

extern const AxBackend ax_sqlite;
extern const AxBackend ax_postgres;

typedef struct {
  const AxBackend *backend;
  char *dir;
  char *database; /* postgres */
  OccContext *ctx;
  const OccStoreService *store;
  const OccAuditService *audit;
  const OccAccessService *access;
  char *admin_password; /* auth-local's first-run administrator's */
  /* set before ax_start(): site policy texts (NULL: shipped ones), more
   * plugins to enable after access's neighbours, and their config files */
  char *roles_policy;
  char *access_policy;
  const char *extra_plugins; /* e.g. "auth-ldap", loaded before access */
  char *extra_conf_name;     /* plugins.d/<name>.conf */
  char *extra_conf;
} AxFixture;

/* Starts the private PostgreSQL server when store-postgres.so is built
 * (FALSE when it is not); stops it. */
gboolean ax_postgres_start (void);
void ax_postgres_stop (void);

/* A fresh folder (and database); then ax_start(). The test data is the
 * AxBackend. */
void ax_setup (AxFixture *f, gconstpointer backend);
void ax_teardown (AxFixture *f, gconstpointer backend);
/* The setup without ax_start(), to set policies first. */
void ax_prepare (AxFixture *f, gconstpointer backend);
/* Writes the config, loads the plugins, waits until access has read its
 * state, and reads the first-run administrator's password. */
void ax_start (AxFixture *f);
/* Lets queued writes finish and frees the context (the folder stays). */
void ax_stop (AxFixture *f);

/* Sends {"command": @command, "args": @args_json, "token": @token} over
 * the control socket and waits for the answer (at most 60 s): the answer
 * object (transfer full). @token and @args_json may be NULL. */
JsonObject *ax_request (AxFixture *f, const char *token, const char *command,
                        const char *args_json);
/* ax_request() that must succeed: its "result" as JSON text. */
char *ax_ok (AxFixture *f, const char *token, const char *command, const char *args_json);
/* ax_request() that must fail with @code: its error message (transfer full). */
char *ax_fails (AxFixture *f, const char *token, const char *command, const char *args_json,
                const char *code);
/* session.open that must succeed: the token (transfer full). */
char *ax_sign_in (AxFixture *f, const char *login, const char *password);
/* The administrator's token. */
char *ax_admin (AxFixture *f);

/* The one integer @sql answers, run on the store. */
gint64 ax_sql_int (AxFixture *f, const char *sql);
/* Runs @sql on the store; must succeed. */
void ax_sql (AxFixture *f, const char *sql);
/* The number of audit entries with @action and @result (and @actor unless NULL). */
gint64 ax_audit_count (AxFixture *f, const char *action, const char *result, const char *actor);
/* Waits until the audit plugin has written what is queued. */
void ax_settle (AxFixture *f);

/* TRUE if @haystack contains @needle; asserts with both shown. */
void ax_assert_contains (const char *haystack, const char *needle);
