/* Helpers shared by the store-postgres tests and benchmark: one private
 * PostgreSQL per binary, a database per test, the real plugin loaded
 * into an in-process OccContext, and synchronous wrappers for the store
 * calls. */
#pragma once

#include "context.h"
#include "testlib.h"

/* The binary's server, started by pgt_init(); NULL if it could not start
 * (the tests then skip). */
extern OccTestPostgres *pgt_server;

/* Starts the server and a log writer that counts the plugin's warnings
 * (and keeps them from being fatal). */
void pgt_init (void);
void pgt_shutdown (void);
/* Warnings logged by the plugin since the start. */
guint pgt_warnings (void);
/* TRUE (and the test skipped) when there is no server. */
gboolean pgt_skip_without_server (void);

/* A new, empty database; returns its connection string (transfer full). */
char *pgt_create_database (void);
/* Runs @sql with psql on the database of @dsn; output (transfer full) or
 * NULL on error. */
char *pgt_psql (const char *dsn, const char *sql);

typedef struct {
  char *dir;
  OccContext *ctx;
  const OccStoreService *store; /* NULL if the plugin did not load */
  GPtrArray *states;            /* store.state payloads seen, as "state" strings */
  GError *load_error;
} PgtNode;

/* A context with store-postgres configured by @conf (the plugin's
 * plugins.d file) and loaded. */
PgtNode *pgt_node_new (const char *conf);
void pgt_node_free (PgtNode *n);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PgtNode, pgt_node_free)
/* Unloads the plugin (callbacks of what is left are delivered). */
void pgt_node_unload (PgtNode *n);
/* The status' "state" string (transfer full). */
char *pgt_node_state (PgtNode *n);
gboolean pgt_node_wait_state (PgtNode *n, const char *state, guint timeout_ms);

typedef struct {
  gboolean done;
  GPtrArray *results; /* OccStoreResult */
  GError *error;
  gint64 finished_at;
  guint order; /* position among the replies of a test */
} PgtReply;

void pgt_reply_free (PgtReply *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PgtReply, pgt_reply_free)
/* An OccStoreCallback filling a PgtReply. */
void pgt_reply_cb (GPtrArray *results, const GError *error, gpointer data);
/* Runs the main loop until @r is done (asserting within @timeout_ms). */
void pgt_reply_wait (PgtReply *r, guint timeout_ms);

/* Executes and waits: the reply (transfer full). */
PgtReply *pgt_exec (PgtNode *n, const char *sql, GVariant *params, OccStoreFlags flags);
/* Executes and asserts success: the first result's first cell as int. */
gint64 pgt_query_int (PgtNode *n, const char *sql);

/* INSERT of one interaction row: ($1 id, $2 channel, $3 direction, $4 time). */
#define PGT_INSERT                                                                        \
  "INSERT INTO interaction (id, channel, direction, offered_at, created_at, updated_at) " \
  "VALUES ($1, $2, $3, $4, $4, $4)"
GVariant *pgt_insert_params (const char *id);

/* Measures the longest gap between ticks of a 1 ms timer. */
typedef struct {
  guint id;
  gint64 last;
  gint64 max_gap;
  guint ticks;
} PgtGapMeter;

void pgt_gap_start (PgtGapMeter *m);
void pgt_gap_stop (PgtGapMeter *m);
