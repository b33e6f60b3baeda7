/* The records plugin loaded in-process on a real store backend, for the
 * end-to-end tests: one fixture per test, a fresh database each time. */
#pragma once

#include "config.h"
#include "loader.h"
#include "registry.h"
#include "testlib.h"

/* A store backend the suite runs against. */
typedef struct {
  const char *name;   /* "sqlite", "postgres": the tests' path component */
  const char *plugin; /* the store plugin */
  /* The plugins.d/<plugin>.conf text for a fresh database (transfer full);
   * NULL for none. */
  char *(*config) (void);
} RecBackend;

typedef struct {
  const RecBackend *backend;
  char *dir;
  OccContext *ctx;
  const OccStoreService *store;
  const OccRecordsService *records;
} RecFixture;

/* Writes omnicc.conf (plugin path: the build tree's plugins; data: the
 * source tree's share/) and @backend's config into @dir, with
 * "<store>;records" enabled. */
void rec_fixture_write_config (const char *dir, const RecBackend *backend);

/* g_test_add() fixture functions; the test data is the RecBackend. */
void rec_fixture_setup (RecFixture *f, gconstpointer backend);
void rec_fixture_teardown (RecFixture *f, gconstpointer backend);

/* An answer of the records service. */
typedef struct {
  gboolean done;
  GVariant *result;
  GError *error;
} RecAnswer;

void rec_answer_clear (RecAnswer *a);
/* The callback to hand the service, with a RecAnswer as user data; it
 * fails the test if called twice. */
void rec_answer_cb (GVariant *result, const GError *error, gpointer data);
/* Asserts @a was not answered yet (never before the call returned), then
 * waits for it (at most 30 s). */
void rec_answer_wait (RecAnswer *a);

/* Calls the service and waits: the answer's result (transfer full), or
 * NULL with @error set. */
GVariant *rec_put (RecFixture *f, const char *entity, GVariant *record, GError **error);
GVariant *rec_get (RecFixture *f, const char *entity, const char *id, GError **error);
GVariant *rec_find (RecFixture *f, const char *entity, GVariant *where, const char *order,
                    guint limit, GError **error);
GVariant *rec_remove (RecFixture *f, const char *entity, const char *id, GError **error);
GVariant *rec_screen_pop (RecFixture *f, const char *number, guint n, GError **error);

/* put() of a record written in GVariant text that must succeed. */
GVariant *rec_put_ok (RecFixture *f, const char *entity, const char *text);

/* The one integer a query answers, run on the store directly. */
gint64 rec_count (RecFixture *f, const char *sql);

/* TRUE when @a and @b are the same values, integer types aside (what was
 * given as int32 comes back as int64) and variants unwrapped. */
gboolean rec_same_value (GVariant *a, GVariant *b);
