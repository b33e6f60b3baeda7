/* Benchmark of store-postgres on a private PostgreSQL with durable
 * commits (fsync on, synchronous_commit on): single-row INSERTs into
 * interaction, coalesced and not; point queries on a 200,000-row table;
 * the longest main-loop gap meanwhile. Prints `bench <name>: <value>
 * <unit>` lines. Not part of the pass/fail suite. */
#include "pgtest.h"

#include <string.h>

typedef struct {
  PgtNode *node;
  guint issued, done, failed, total;
  OccStoreFlags flags;
  const char *prefix;
  /* point queries */
  gint64 *latency;
  gint64 sent_at;
  guint ids;
} Run;

static void
insert_done (GPtrArray *results, const GError *error, gpointer data)
{
  (void) results;
  Run *r = data;
  r->done++;
  if (error)
    {
      if (r->failed++ == 0)
        g_printerr ("# %s\n", error->message);
    }
}

static gboolean
run_done (gpointer data)
{
  Run *r = data;
  return r->done >= r->total;
}

static double
inserts (PgtNode *n, const char *prefix, guint total, OccStoreFlags flags, gint64 *max_gap)
{
  Run r = { .node = n, .total = total, .flags = flags };
  PgtGapMeter gap;
  pgt_gap_start (&gap);
  gint64 start = g_get_monotonic_time ();
  for (guint i = 0; i < total; i++)
    {
      g_autofree char *id = g_strdup_printf ("%s-%07u", prefix, i);
      occ_store_execute1 (n->store, PGT_INSERT, pgt_insert_params (id), flags, insert_done, &r);
    }
  g_assert_true (occ_test_wait_for (run_done, &r, 600000));
  gint64 took = g_get_monotonic_time () - start;
  pgt_gap_stop (&gap);
  g_assert_cmpuint (r.failed, ==, 0);
  *max_gap = gap.max_gap;
  return total * (double) G_USEC_PER_SEC / (double) took;
}

static void query_next (Run *r);

static void
query_done (GPtrArray *results, const GError *error, gpointer data)
{
  Run *r = data;
  g_assert_no_error (error);
  g_assert_cmpuint (occ_store_result_get_n_rows (g_ptr_array_index (results, 0)), ==, 1);
  r->latency[r->done++] = g_get_monotonic_time () - r->sent_at;
  if (r->issued < r->total)
    query_next (r);
}

static void
query_next (Run *r)
{
  g_autofree char *id = g_strdup_printf ("fill-%07u", g_random_int_range (0, (gint32) r->ids));
  r->issued++;
  r->sent_at = g_get_monotonic_time ();
  occ_store_execute1 (r->node->store, "SELECT * FROM interaction WHERE id = $1",
                      g_variant_new ("(s)", id), 0, query_done, r);
}

static int
by_value (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return (x > y) - (x < y);
}

static void
point_queries (PgtNode *n, guint ids, guint total)
{
  Run r = { .node = n, .total = total, .ids = ids };
  r.latency = g_new0 (gint64, total);
  PgtGapMeter gap;
  pgt_gap_start (&gap);
  gint64 start = g_get_monotonic_time ();
  query_next (&r);
  g_assert_true (occ_test_wait_for (run_done, &r, 600000));
  gint64 took = g_get_monotonic_time () - start;
  pgt_gap_stop (&gap);
  qsort (r.latency, total, sizeof (gint64), by_value);
  g_print ("bench store-postgres-point-query-p50: %.3f ms\n", r.latency[total / 2] / 1000.0);
  g_print ("bench store-postgres-point-query-p99: %.3f ms\n",
           r.latency[(guint) (total * 0.99)] / 1000.0);
  g_print ("bench store-postgres-point-query-sequential: %.0f queries/s\n",
           total * (double) G_USEC_PER_SEC / (double) took);
  g_print ("bench store-postgres-point-query-max-loop-gap: %.2f ms\n", gap.max_gap / 1000.0);
  g_free (r.latency);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  pgt_init ();
  if (pgt_server == NULL)
    return 77;
  g_autofree char *dsn = pgt_create_database ();
  g_autofree char *conf = g_strdup_printf ("[postgres]\ndsn=%s\n", dsn);
  g_autoptr (PgtNode) n = pgt_node_new (conf);
  g_assert_nonnull (n->store);
  g_assert_true (pgt_node_wait_state (n, "ready", 30000));

  gint64 gap = 0;
  /* a first round warms the server's caches and the statement cache */
  inserts (n, "warm", 5000, OCC_STORE_COALESCE, &gap);
  double rate = inserts (n, "coalesced", 50000, OCC_STORE_COALESCE, &gap);
  g_print ("bench store-postgres-insert-coalesced: %.0f rows/s\n", rate);
  g_print ("bench store-postgres-insert-coalesced-max-loop-gap: %.2f ms\n", gap / 1000.0);
  rate = inserts (n, "single", 10000, OCC_STORE_FLAGS_NONE, &gap);
  g_print ("bench store-postgres-insert-single: %.0f rows/s\n", rate);
  g_print ("bench store-postgres-insert-single-max-loop-gap: %.2f ms\n", gap / 1000.0);

  /* 200,000 rows to look up by primary key */
  g_autofree char *filled = pgt_psql (
      dsn, "INSERT INTO interaction (id, channel, direction, customer_id, offered_at, "
           "created_at, updated_at) SELECT 'fill-' || lpad(g::text, 7, '0'), 'voice', "
           "'inbound', NULL, g, g, g FROM generate_series(0, 199999) g; ANALYZE interaction");
  g_assert_nonnull (filled);
  point_queries (n, 200000, 20000);

  g_autoptr (GVariant) status = g_variant_ref_sink (n->store->get_status (n->store));
  g_autofree char *text = g_variant_print (status, FALSE);
  g_print ("# status: %s\n", text);
  g_clear_pointer (&n, pgt_node_free);
  pgt_shutdown ();
  return 0;
}
