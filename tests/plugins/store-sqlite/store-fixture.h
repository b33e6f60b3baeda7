/* What the store-sqlite tests share: an in-process core with the real
 * store-sqlite.so loaded from the build tree, and helpers to call the
 * store and wait for its callbacks. */
#pragma once

#include "bus-private.h"
#include "config.h"
#include "context.h"
#include "loader.h"
#include "registry.h"
#include "testlib.h"

#include <sqlite3.h>

typedef struct {
  char *dir; /* omnicc.conf, plugins.d/, state/ */
  OccContext *ctx;
  const OccStoreService *store;
  GPtrArray *states; /* store.state payloads, printed */
} TfStore;

/* Writes omnicc.conf in a new temporary folder — plugin path the build
 * tree's plugins, data-dir @data_dir (NULL: the source tree's share/) —
 * and plugins.d/store-sqlite.conf holding @plugin_conf (NULL: none), then
 * creates the context and scans the plugins. */
void tf_init (TfStore *f, const char *plugin_conf, const char *data_dir);
/* Loads store-sqlite and looks the service up. */
gboolean tf_load (TfStore *f, GError **error);
/* Frees the context (unloading the plugin) and removes the folder. */
void tf_clear (TfStore *f);

/* The database file the plugin uses by default (transfer full). */
char *tf_db_path (TfStore *f);
/* Opens the database directly, as another process would. */
sqlite3 *tf_open_db (const char *path);
/* Runs @sql on @db and returns the first column of the first row as text. */
char *tf_db_text (sqlite3 *db, const char *sql);

/* One pending call. */
typedef struct {
  gboolean done;
  gboolean returned; /* the call had returned when the callback ran */
  gboolean early;    /* the callback ran before the call returned */
  gboolean off_main; /* the callback ran on another thread */
  GPtrArray *results;
  GError *error;
} TfCall;

void tf_call_clear (TfCall *c);
/* An OccStoreCallback filling a TfCall. */
void tf_call_done (GPtrArray *results, const GError *error, gpointer data);
gboolean tf_call_finished (gpointer data);
/* Waits (at most 60 s) for @c. */
void tf_call_wait (TfCall *c);

/* Runs @n statements and waits for the answer. */
void tf_run (TfStore *f, TfCall *c, const OccStoreStatement *st, guint n, OccStoreFlags flags);
/* Runs one statement; its result, or NULL on error (see c->error). */
OccStoreResult *tf_run1 (TfStore *f, TfCall *c, const char *sql, GVariant *params);
/* Runs one statement that must succeed. */
void tf_ok (TfStore *f, const char *sql, GVariant *params);
gint64 tf_count (TfStore *f, const char *table);

/* The threads of this process. */
guint tf_count_threads (void);
/* This process's resident memory in bytes. */
gsize tf_rss (void);
/* Sets up the test program: main thread noted, warnings not fatal (the
 * loader warns about every failed plugin: that is its job). */
void tf_test_init (int *argc, char ***argv);
