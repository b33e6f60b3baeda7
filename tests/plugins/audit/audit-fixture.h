/* The audit plugin loaded in-process on a real store (store-sqlite, or
 * store-postgres on a private server) with the real records plugin: one
 * fixture per test, a fresh database each time, and ways to reach the
 * database behind the plugins' backs to tamper with it. */
#pragma once

#include "config.h"
#include "loader.h"
#include "registry.h"
#include "testlib.h"

#include <omnicc/omnicc.h>

typedef struct {
  const char *name;   /* "sqlite", "postgres": the tests' path component */
  const char *plugin; /* the store plugin */
} AuditBackend;

extern const AuditBackend audit_sqlite_backend;
extern const AuditBackend audit_postgres_backend;

/* The PostgreSQL server of the run (NULL when store-postgres is not
 * built); started by audit_fixture_init(). */
extern OccTestPostgres *audit_test_pg;

typedef struct {
  const AuditBackend *backend;
  char *dir;      /* omnicc.conf, plugins.d/, state/ */
  char *database; /* PostgreSQL: the fixture's own database */
  OccContext *ctx;
  const OccStoreService *store;
  const OccRecordsService *records;
  const OccAuditService *audit;
  gint64 audit_loads; /* "plugin.load audit" entries before the last start */
} AuditFixture;

/* Starts PostgreSQL when store-postgres is built; TRUE when it is. */
gboolean audit_fixture_init (void);
void audit_fixture_shutdown (void);

/* g_test_add() fixture functions; the test data is the AuditBackend. */
void audit_fixture_setup (AuditFixture *f, gconstpointer backend);
void audit_fixture_teardown (AuditFixture *f, gconstpointer backend);

/* Loads store, records and audit (again) on the fixture's folder and
 * database; audit_fixture_stop() unloads them, like a daemon stopping. */
void audit_fixture_start (AuditFixture *f);
void audit_fixture_stop (AuditFixture *f);

/* Runs @sql on the database directly (sqlite3 on the file, or psql),
 * behind the plugins' backs; aborts the test when it fails. */
void audit_fixture_sql (AuditFixture *f, const char *sql);
/* The one integer @sql answers, read directly from the database. */
gint64 audit_fixture_sql_int (AuditFixture *f, const char *sql);

/* An answer of the audit service. */
typedef struct {
  gboolean done;
  GVariant *result;
  GError *error;
} AuditAnswer;

void audit_answer_clear (AuditAnswer *a);
/* The callback to hand the service, with an AuditAnswer as user data; it
 * fails the test if called twice. */
void audit_answer_cb (GVariant *result, const GError *error, gpointer data);
/* Waits (at most 60 s) for @a. */
void audit_answer_wait (AuditAnswer *a);

/* append() and wait: the stored entry (transfer full) or NULL with @error. */
GVariant *audit_fixture_append (AuditFixture *f, const char *actor, const char *action,
                                const char *target, const char *result, const char *source,
                                GVariant *details, GError **error);
/* Appends @n entries ("test.<i>") at once and waits for all of them. */
void audit_fixture_append_n (AuditFixture *f, guint n);
/* verify() and wait: its a{sv} (transfer full). */
GVariant *audit_fixture_verify (AuditFixture *f);

/* Asserts @v (verify's answer) says ok. */
void audit_assert_ok (GVariant *v);
/* Asserts @v says not ok, at @seq, with a reason containing @part. */
void audit_assert_bad (GVariant *v, gint64 seq, const char *part);

/* The last seq of the trail (0 when empty). */
gint64 audit_fixture_last_seq (AuditFixture *f);
