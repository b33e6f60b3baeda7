/* store-postgres when the server goes away: held statements, hold-timeout
 * and max-held, a crash under load, and the main loop while connections
 * retry. Every test leaves the server running. */
#include "pgtest.h"

#include <string.h>

static PgtNode *
node_for (const char *dsn, const char *extra)
{
  g_autofree char *conf = g_strdup_printf ("[postgres]\ndsn=%s\n%s", dsn, extra);
  PgtNode *n = pgt_node_new (conf);
  g_assert_no_error (n->load_error);
  g_assert_nonnull (n->store);
  return n;
}

static guint32
status_uint (PgtNode *n, const char *key)
{
  g_autoptr (GVariant) status = g_variant_ref_sink (n->store->get_status (n->store));
  guint32 v = 0;
  g_assert_true (g_variant_lookup (status, key, "u", &v));
  return v;
}

static void
server_up (void)
{
  g_autofree char *out = occ_test_psql (pgt_server, "SELECT 1");
  if (out == NULL)
    g_assert_true (occ_test_postgres_restart (pgt_server));
}

typedef struct {
  PgtReply *replies;
  guint n;
} AllDone;

static gboolean
all_done (gpointer data)
{
  AllDone *a = data;
  for (guint i = 0; i < a->n; i++)
    if (!a->replies[i].done)
      return FALSE;
  return TRUE;
}

static void
test_held_at_start_then_sent_in_order (void)
{
  if (pgt_skip_without_server ())
    return;
  g_autofree char *dsn = pgt_create_database ();
  occ_test_postgres_crash (pgt_server);
  guint warnings = pgt_warnings ();
  g_autoptr (PgtNode) n = node_for (dsn, "pool-size=1\nhold-timeout=120\n");
  const guint count = 100;
  g_autofree PgtReply *r = g_new0 (PgtReply, count);
  for (guint i = 0; i < count; i++)
    {
      g_autofree char *id = g_strdup_printf ("held-%03u", i);
      occ_store_execute1 (n->store, PGT_INSERT, pgt_insert_params (id),
                          i % 2 ? OCC_STORE_COALESCE : OCC_STORE_FLAGS_NONE, pgt_reply_cb, &r[i]);
    }
  occ_test_spin (1500); /* several attempts, backing off */
  g_autofree char *state = pgt_node_state (n);
  g_assert_cmpstr (state, ==, "connecting");
  g_assert_cmpuint (status_uint (n, "held"), ==, count);
  for (guint i = 0; i < count; i++)
    g_assert_false (r[i].done);
  g_assert_cmpuint (pgt_warnings () - warnings, ==, 1); /* one per outage, not per retry */

  g_assert_true (occ_test_postgres_restart (pgt_server));
  AllDone a = { r, count };
  g_assert_true (occ_test_wait_for (all_done, &a, 60000));
  for (guint i = 0; i < count; i++)
    {
      g_assert_no_error (r[i].error);
      if (i > 0)
        g_assert_cmpuint (r[i].order, >, r[i - 1].order); /* in the order issued */
      g_clear_pointer (&r[i].results, g_ptr_array_unref);
    }
  g_autofree char *rows = pgt_psql (dsn, "SELECT count(*) FROM interaction");
  g_assert_cmpstr (g_strstrip (rows), ==, "100");
  g_assert_true (pgt_node_wait_state (n, "ready", 10000));
  g_assert_cmpuint (pgt_warnings () - warnings, ==, 1);
}

/* --- a crash while thousands of inserts are issued ---------------------------------- */

typedef struct {
  PgtNode *node;
  PgtReply *replies;
  gboolean *held;
  guint issued, total, per_tick;
} Load;

static gboolean
issue_some (gpointer data)
{
  Load *l = data;
  gboolean none_up = status_uint (l->node, "connections-up") == 0;
  for (guint k = 0; k < l->per_tick && l->issued < l->total; k++, l->issued++)
    {
      g_autofree char *id = g_strdup_printf ("load-%05u", l->issued);
      l->held[l->issued] = none_up;
      occ_store_execute1 (l->node->store, PGT_INSERT, pgt_insert_params (id), OCC_STORE_COALESCE,
                          pgt_reply_cb, &l->replies[l->issued]);
    }
  return l->issued < l->total ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
issued_at_least (gpointer data)
{
  Load *l = data;
  return l->issued >= l->total / 3;
}

static gboolean
issued_all (gpointer data)
{
  Load *l = data;
  return l->issued >= l->total;
}

/* pg_ctl blocks: run it beside the main loop, so that inserts keep
 * being issued and sent while the server dies */
static gpointer
crash_thread (gpointer data)
{
  occ_test_postgres_crash (pgt_server);
  g_atomic_int_set ((gint *) data, 1);
  return NULL;
}

static gboolean
flag_set (gpointer data)
{
  return g_atomic_int_get ((gint *) data) != 0;
}

static void
test_crash_under_load_loses_no_acknowledged_write (void)
{
  if (pgt_skip_without_server ())
    return;
  g_autofree char *dsn = pgt_create_database ();
  g_autoptr (PgtNode) n = node_for (dsn, "hold-timeout=120\nreconnect-max=1\n");
  g_assert_true (pgt_node_wait_state (n, "ready", 30000));
  Load l = { .node = n, .total = 12000, .per_tick = 40 };
  l.replies = g_new0 (PgtReply, l.total);
  l.held = g_new0 (gboolean, l.total);
  guint timer = g_timeout_add (2, issue_some, &l);
  g_assert_true (occ_test_wait_for (issued_at_least, &l, 60000));
  guint crashed_at = l.issued;
  gint crashed = 0;
  GThread *thread = g_thread_new ("crash", crash_thread, &crashed); /* pg_ctl -m immediate */
  g_assert_true (occ_test_wait_for (flag_set, &crashed, 60000));
  g_thread_join (thread);
  occ_test_spin (500); /* more inserts arrive while it is down */
  g_assert_true (occ_test_postgres_restart (pgt_server));
  g_assert_true (occ_test_wait_for (issued_all, &l, 60000));
  AllDone a = { l.replies, l.total };
  g_assert_true (occ_test_wait_for (all_done, &a, 120000));
  if (l.issued < l.total)
    g_source_remove (timer);

  g_autofree char *ids = pgt_psql (dsn, "SELECT id FROM interaction");
  g_assert_nonnull (ids);
  g_autoptr (GHashTable) stored = g_hash_table_new (g_str_hash, g_str_equal);
  g_auto (GStrv) lines = g_strsplit (ids, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (*lines[i])
      g_hash_table_add (stored, lines[i]);
  guint ok = 0, lost = 0, lost_stored = 0, held = 0;
  for (guint i = 0; i < l.total; i++)
    {
      g_autofree char *id = g_strdup_printf ("load-%05u", i);
      PgtReply *r = &l.replies[i];
      gboolean in_table = g_hash_table_remove (stored, id);
      held += l.held[i];
      if (r->error == NULL)
        {
          ok++;
          if (!in_table)
            g_error ("%s was acknowledged but is not in the table", id);
        }
      else
        {
          /* in flight at the crash: the outcome is unknown, nothing else */
          g_assert_error (r->error, OCC_STORE_ERROR, OCC_STORE_ERROR_CONNECTION_LOST);
          g_assert_false (l.held[i]); /* held ones were sent after the restart */
          lost++;
          lost_stored += in_table;
        }
      g_clear_error (&r->error);
      g_clear_pointer (&r->results, g_ptr_array_unref);
    }
  g_assert_cmpuint (g_hash_table_size (stored), ==, 0); /* nothing we did not issue */
  g_test_message ("crash from %u issued on: %u acknowledged and stored, %u lost in flight "
                  "(%u of which committed anyway), %u held and sent after the restart",
                  crashed_at, ok, lost, lost_stored, held);
  g_assert_cmpuint (held, >, 0);
  g_assert_cmpuint (ok + lost, ==, l.total);
  g_free (l.replies);
  g_free (l.held);
}

/* --- limits on holding ---------------------------------------------------------------- */

static void
test_hold_timeout_gives_unavailable (void)
{
  if (pgt_skip_without_server ())
    return;
  g_autofree char *dsn = pgt_create_database ();
  g_autoptr (PgtNode) n = node_for (dsn, "hold-timeout=1\n");
  g_assert_true (pgt_node_wait_state (n, "ready", 30000));
  guint warnings = pgt_warnings ();
  occ_test_postgres_crash (pgt_server);
  g_assert_true (pgt_node_wait_state (n, "connecting", 10000));
  gint64 start = g_get_monotonic_time ();
  g_autoptr (PgtReply) r = pgt_exec (n, "SELECT 1", NULL, 0);
  gint64 waited = g_get_monotonic_time () - start;
  g_assert_error (r->error, OCC_STORE_ERROR, OCC_STORE_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (r->error->message, "database unreachable for"));
  g_assert_cmpint (waited, >=, G_USEC_PER_SEC / 2);
  g_assert_cmpuint (pgt_warnings () - warnings, ==, 1);
  g_assert_true (occ_test_postgres_restart (pgt_server));
  g_assert_true (pgt_node_wait_state (n, "ready", 30000));
  g_assert_cmpint (pgt_query_int (n, "SELECT 7"), ==, 7);
}

static void
test_max_held_overflow_gives_unavailable (void)
{
  if (pgt_skip_without_server ())
    return;
  g_autofree char *dsn = pgt_create_database ();
  occ_test_postgres_crash (pgt_server);
  g_autoptr (PgtNode) n = node_for (dsn, "pool-size=1\nmax-held=5\nhold-timeout=600\n");
  PgtReply r[7] = { { 0 } };
  for (guint i = 0; i < G_N_ELEMENTS (r); i++)
    occ_store_execute1 (n->store, "SELECT 1", NULL, 0, pgt_reply_cb, &r[i]);
  occ_test_spin (200);
  for (guint i = 0; i < 5; i++)
    g_assert_false (r[i].done);
  for (guint i = 5; i < 7; i++)
    {
      g_assert_error (r[i].error, OCC_STORE_ERROR, OCC_STORE_ERROR_UNAVAILABLE);
      g_assert_nonnull (strstr (r[i].error->message, "5 statements already waiting"));
    }
  pgt_node_unload (n);
  for (guint i = 0; i < G_N_ELEMENTS (r); i++)
    {
      g_assert_error (r[i].error, OCC_STORE_ERROR, OCC_STORE_ERROR_UNAVAILABLE);
      g_clear_error (&r[i].error);
    }
  server_up ();
}

static void
test_main_loop_runs_during_outage_and_reconnect (void)
{
  if (pgt_skip_without_server ())
    return;
  g_autofree char *dsn = pgt_create_database ();
  g_autoptr (PgtNode) n
      = node_for (dsn, "pool-size=8\nreconnect-max=1\nconnect-timeout=1\nhold-timeout=60\n");
  g_assert_true (pgt_node_wait_state (n, "ready", 30000));
  occ_test_postgres_crash (pgt_server);
  /* 3 s of 8 connections retrying, backing off up to 1 s */
  PgtGapMeter outage;
  pgt_gap_start (&outage);
  occ_test_spin (3000);
  pgt_gap_stop (&outage);
  /* pg_ctl blocks the test itself: not measured */
  g_assert_true (occ_test_postgres_restart (pgt_server));
  PgtGapMeter back;
  pgt_gap_start (&back);
  g_assert_true (pgt_node_wait_state (n, "ready", 30000));
  occ_test_spin (500);
  pgt_gap_stop (&back);
  g_autoptr (GVariant) status = g_variant_ref_sink (n->store->get_status (n->store));
  guint64 reconnects = 0;
  g_assert_true (g_variant_lookup (status, "reconnects", "t", &reconnects));
  g_test_message ("bench store-postgres-outage-max-loop-gap: %.1f ms (%u ticks in 3 s)",
                  (double) outage.max_gap / 1000.0, outage.ticks);
  g_test_message ("bench store-postgres-reconnect-max-loop-gap: %.1f ms (%" G_GUINT64_FORMAT
                  " reconnects)",
                  (double) back.max_gap / 1000.0, reconnects);
  g_assert_cmpuint (reconnects, >=, 8);
  /* gross stalls only: timing is not what the suite checks */
  g_assert_cmpint (outage.max_gap, <, 500 * 1000);
  g_assert_cmpint (back.max_gap, <, 500 * 1000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  pgt_init ();
  g_test_add_func ("/store-postgres/outage/held-at-start-then-sent-in-order",
                   test_held_at_start_then_sent_in_order);
  g_test_add_func ("/store-postgres/outage/crash-under-load-loses-no-acknowledged-write",
                   test_crash_under_load_loses_no_acknowledged_write);
  g_test_add_func ("/store-postgres/outage/hold-timeout-gives-unavailable",
                   test_hold_timeout_gives_unavailable);
  g_test_add_func ("/store-postgres/outage/max-held-overflow-gives-unavailable",
                   test_max_held_overflow_gives_unavailable);
  g_test_add_func ("/store-postgres/outage/main-loop-runs-during-outage-and-reconnect",
                   test_main_loop_runs_during_outage_and_reconnect);
  int status = g_test_run ();
  pgt_shutdown ();
  return status;
}
