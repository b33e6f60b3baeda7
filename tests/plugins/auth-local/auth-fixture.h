/* The auth-local plugin loaded in-process, with the real records plugin,
 * on a real store backend: one fixture per test, a fresh database each
 * time. Shared by the end-to-end tests, the command tests and the
 * benchmark. */
#pragma once

#include "config.h"
#include "loader.h"
#include "registry.h"
#include "testlib.h"

#include <sodium.h>

/* Argon2id limits that make tests fast (a hash in well under 1 ms). */
#define TAL_FAST_OPS 1
#define TAL_FAST_MEM_KIB 1024
#define TAL_FAST_POLICY "[passwords]\nargon2-opslimit=1\nargon2-memlimit-kib=1024\n"
/* libsodium's interactive limits: the shipped policy's. */
#define TAL_INTERACTIVE_POLICY "[passwords]\n"

#define TAL_BOOTSTRAP_ID "auth-local:bootstrap-admin"

/* A store backend the suites run against. */
typedef struct {
  const char *name;   /* "sqlite", "postgres": the tests' path component */
  const char *plugin; /* the store plugin */
  /* The plugins.d/<plugin>.conf text for a fresh database (transfer full);
   * NULL for none. */
  char *(*config) (void);
} TalBackend;

extern const TalBackend tal_sqlite;
extern const TalBackend tal_postgres;

typedef struct {
  const TalBackend *backend;
  char *dir; /* omnicc.conf, policies/, plugins.d/, state/ */
  OccContext *ctx;
  const OccStoreService *store;
  const OccRecordsService *records;
  const OccAuthService *auth;
} TalFixture;

/* Starts the private PostgreSQL server when store-postgres.so is built
 * (FALSE when it is not); stops it. */
gboolean tal_postgres_start (void);
void tal_postgres_stop (void);

/* Writes @dir/omnicc.conf (plugins: the build tree's; share/ and shipped
 * policies: the source tree's; "<store>;records;auth-local" enabled; a
 * control socket), the backend's config, and the site policy
 * @dir/policies/passwords.conf holding @policy (NULL: none). */
void tal_write_config (const char *dir, const TalBackend *backend, const char *policy);

/* g_test_add() fixture functions; the test data is the TalBackend. Setup
 * loads the store and records, then auth-local with TAL_FAST_POLICY, and
 * waits until the first-run administrator is made. */
void tal_setup (TalFixture *f, gconstpointer backend);
void tal_teardown (TalFixture *f, gconstpointer backend);

/* Unloads auth-local (if loaded), writes @policy as the site's password
 * policy, and loads auth-local again. */
void tal_reload (TalFixture *f, const char *policy);
/* Loads auth-local; FALSE with @error when it does not load. */
gboolean tal_load_auth (TalFixture *f, GError **error);
void tal_unload_auth (TalFixture *f);
/* Waits until the first-run administrator and its history row exist. */
void tal_wait_bootstrap (TalFixture *f);
char *tal_bootstrap_path (TalFixture *f);

/* One answer of the auth service (or the records service). */
typedef struct {
  gboolean done;
  GVariant *result;
  GError *error;
  gint64 called_at;   /* monotonic µs */
  gint64 answered_at; /* monotonic µs */
} TalAnswer;

void tal_answer_clear (TalAnswer *a);
/* The callback to give the services, with a TalAnswer (called_at set) as
 * user data; fails the test if called twice, or (after tal_setup) on
 * another thread than the test's. */
void tal_answer_cb (GVariant *result, const GError *error, gpointer data);
/* Asserts @a was not answered yet (never before the call returned), then
 * waits for it (at most 60 s). */
void tal_answer_wait (TalAnswer *a);

/* Calls the service and waits: the identity (transfer full), or NULL with
 * @error set. */
GVariant *tal_authenticate (TalFixture *f, const char *login, const char *secret, GError **error);
GVariant *tal_lookup (TalFixture *f, const char *login, GError **error);
GVariant *tal_change (TalFixture *f, const char *login, const char *old_secret,
                      const char *new_secret, GError **error);
GVariant *tal_add_account (TalFixture *f, const char *login, const char *display_name,
                           const char *password, GError **error);
GVariant *tal_set_enabled (TalFixture *f, const char *login, gboolean enabled, GError **error);

/* records.put of a local user @login with the Argon2id hash of @password
 * (limits @ops/@mem_kib) and the fields in @extra (GVariant text of an
 * a{sv}, or NULL); returns its id (transfer full). */
char *tal_make_user (TalFixture *f, const char *login, const char *password, guint64 ops,
                     gsize mem_kib, const char *extra);
/* The user record of @login (transfer full), or NULL. */
GVariant *tal_find_user (TalFixture *f, const char *login);
/* records.put of @text (GVariant text) as a user; must succeed. */
void tal_put_user (TalFixture *f, const char *text);
/* The one integer @sql (no parameters) answers, run on the store. */
gint64 tal_count (TalFixture *f, const char *sql);

/* What the plugins logged since tal_log_clear(), one message a line (the
 * test program's main installs the writer with tal_log_capture()). */
void tal_log_capture (void);
void tal_log_clear (void);
char *tal_log_text (void);

/* The fastest of @n Argon2id hashes with the given limits, in µs: what
 * one costs at least (a loaded machine only makes it slower). */
gint64 tal_hash_time (guint64 ops, gsize mem_bytes, guint n);
