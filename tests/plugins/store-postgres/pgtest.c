/* Helpers of the store-postgres tests; see pgtest.h. */
#include "pgtest.h"

#include "bus-private.h"
#include "config.h"
#include "loader.h"
#include "registry.h"

#include <string.h>

OccTestPostgres *pgt_server;
static guint warnings;
static guint databases;
static guint replies;

static GLogWriterOutput
count_warnings (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  if (level & G_LOG_LEVEL_WARNING)
    for (gsize i = 0; i < n_fields; i++)
      if (strcmp (fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].length < 0
          && strcmp (fields[i].value, "omnicc-store-postgres") == 0)
        warnings++;
  return g_log_writer_default (level, fields, n_fields, data);
}

void
pgt_init (void)
{
  /* the plugin warns when the database is away: that is what some tests
   * provoke, and count */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_log_set_writer_func (count_warnings, NULL, NULL);
  pgt_server = occ_test_postgres_start ();
  if (pgt_server == NULL)
    g_printerr ("# PostgreSQL did not start: the tests skip\n");
}

void
pgt_shutdown (void)
{
  g_clear_pointer (&pgt_server, occ_test_postgres_stop);
}

guint
pgt_warnings (void)
{
  return warnings;
}

gboolean
pgt_skip_without_server (void)
{
  if (pgt_server)
    return FALSE;
  g_test_skip ("no PostgreSQL server");
  return TRUE;
}

char *
pgt_create_database (void)
{
  g_autofree char *sql = g_strdup_printf ("CREATE DATABASE t_%u", ++databases);
  g_autofree char *out = occ_test_psql (pgt_server, sql);
  g_assert_nonnull (out);
  return g_strdup_printf ("host=%s port=%d user=postgres dbname=t_%u", pgt_server->socket_dir,
                          pgt_server->port, databases);
}

char *
pgt_psql (const char *dsn, const char *sql)
{
  const char *argv[] = { "/usr/bin/psql",   "-X", "-q", "-A", "-t", "-v",
                         "ON_ERROR_STOP=1", "-d", dsn,  "-c", sql,  NULL };
  char *out = NULL;
  g_autofree char *err = NULL;
  if (occ_test_run (argv, &out, &err) != 0)
    {
      g_test_message ("psql: %s", err);
      g_clear_pointer (&out, g_free);
    }
  return out;
}

/* --- nodes ---------------------------------------------------------------------- */

static void
on_state (const OccEvent *event, gpointer data)
{
  PgtNode *n = data;
  const char *state;
  g_variant_get (occ_event_get_payload (event), "(&s&s@a{sv})", NULL, &state, NULL);
  g_ptr_array_add (n->states, g_strdup (state));
}

PgtNode *
pgt_node_new (const char *conf)
{
  PgtNode *n = g_new0 (PgtNode, 1);
  n->dir = occ_test_mkdtemp ();
  g_autofree char *core = g_strdup_printf ("[core]\nplugin-path=%s\nstate-dir=state\n"
                                           "data-dir=%s/share\n",
                                           PLUGIN_BUILD_DIR, SOURCE_ROOT);
  occ_test_write (n->dir, "omnicc.conf", core);
  if (conf)
    occ_test_write (n->dir, "plugins.d/store-postgres.conf", conf);
  g_autofree char *path = g_build_filename (n->dir, "omnicc.conf", NULL);
  g_autoptr (GError) e = NULL;
  OccConfig *config = occ_config_load (path, &e);
  g_assert_no_error (e);
  n->ctx = occ_context_new (config);
  n->states = g_ptr_array_new_with_free_func (g_free);
  occ_bus_subscribe (n->ctx->bus, NULL, OCC_EVENT_STORE_STATE, on_state, n, NULL, NULL);
  occ_loader_scan (n->ctx->loader, occ_config_get_plugin_path (n->ctx->config));
  if (occ_loader_load (n->ctx->loader, "store-postgres", &n->load_error))
    n->store = occ_registry_lookup (n->ctx->registry, OCC_STORE_SERVICE, OCC_STORE_VERSION, NULL);
  return n;
}

void
pgt_node_unload (PgtNode *n)
{
  if (n->store == NULL)
    return;
  g_autoptr (GError) e = NULL;
  g_assert_true (occ_loader_unload (n->ctx->loader, "store-postgres", &e));
  g_assert_no_error (e);
  n->store = NULL;
}

void
pgt_node_free (PgtNode *n)
{
  if (n == NULL)
    return;
  occ_context_free (n->ctx);
  occ_test_rmtree (n->dir);
  g_free (n->dir);
  g_ptr_array_unref (n->states);
  g_clear_error (&n->load_error);
  g_free (n);
}

char *
pgt_node_state (PgtNode *n)
{
  g_assert_nonnull (n->store);
  g_autoptr (GVariant) status = g_variant_ref_sink (n->store->get_status (n->store));
  char *state = NULL;
  g_assert_true (g_variant_lookup (status, "state", "s", &state));
  return state;
}

typedef struct {
  PgtNode *node;
  const char *state;
} StateWait;

static gboolean
state_is (gpointer data)
{
  StateWait *w = data;
  g_autofree char *s = pgt_node_state (w->node);
  return strcmp (s, w->state) == 0;
}

gboolean
pgt_node_wait_state (PgtNode *n, const char *state, guint timeout_ms)
{
  StateWait w = { n, state };
  gboolean reached = occ_test_wait_for (state_is, &w, timeout_ms);
  occ_bus_flush (n->ctx->bus); /* store.state events follow the state */
  return reached;
}

/* --- replies ---------------------------------------------------------------------- */

void
pgt_reply_free (PgtReply *r)
{
  if (r == NULL)
    return;
  g_clear_pointer (&r->results, g_ptr_array_unref);
  g_clear_error (&r->error);
  g_free (r);
}

void
pgt_reply_cb (GPtrArray *results, const GError *error, gpointer data)
{
  PgtReply *r = data;
  g_assert_false (r->done); /* exactly once */
  r->done = TRUE;
  r->finished_at = g_get_monotonic_time ();
  r->order = ++replies;
  if (error)
    r->error = g_error_copy (error);
  if (results)
    {
      r->results = g_ptr_array_new_with_free_func ((GDestroyNotify) occ_store_result_unref);
      for (guint i = 0; i < results->len; i++)
        g_ptr_array_add (r->results, occ_store_result_ref (g_ptr_array_index (results, i)));
    }
}

static gboolean
reply_done (gpointer data)
{
  return ((PgtReply *) data)->done;
}

void
pgt_reply_wait (PgtReply *r, guint timeout_ms)
{
  g_assert_true (occ_test_wait_for (reply_done, r, timeout_ms));
}

PgtReply *
pgt_exec (PgtNode *n, const char *sql, GVariant *params, OccStoreFlags flags)
{
  PgtReply *r = g_new0 (PgtReply, 1);
  OccStoreStatement st = { sql, params };
  n->store->execute (n->store, &st, 1, flags, NULL, pgt_reply_cb, r);
  g_assert_false (r->done); /* never before the call returns */
  pgt_reply_wait (r, 60000);
  return r;
}

gint64
pgt_query_int (PgtNode *n, const char *sql)
{
  g_autoptr (PgtReply) r = pgt_exec (n, sql, NULL, OCC_STORE_FLAGS_NONE);
  g_assert_no_error (r->error);
  g_assert_cmpuint (r->results->len, ==, 1);
  return occ_store_result_get_int (g_ptr_array_index (r->results, 0), 0, 0);
}

GVariant *
pgt_insert_params (const char *id)
{
  return g_variant_new ("(sssx)", id, "voice", "inbound", g_get_real_time () / 1000);
}

/* --- main-loop gaps ------------------------------------------------------------------ */

static gboolean
gap_tick (gpointer data)
{
  PgtGapMeter *m = data;
  gint64 now = g_get_monotonic_time ();
  if (m->last)
    m->max_gap = MAX (m->max_gap, now - m->last);
  m->last = now;
  m->ticks++;
  return G_SOURCE_CONTINUE;
}

void
pgt_gap_start (PgtGapMeter *m)
{
  memset (m, 0, sizeof *m);
  m->id = g_timeout_add (1, gap_tick, m);
}

void
pgt_gap_stop (PgtGapMeter *m)
{
  if (m->id)
    g_source_remove (m->id);
  m->id = 0;
}
