/* bench store: for each backend (SQLite, and PostgreSQL on a private server
 * started for the run), with 200,000 customers and 2,000,000 interactions:
 *   - screen-pop through the records service (customer by number and its
 *     last 10 interactions): p50/p99/p99.9, one at a time;
 *   - sustained interaction inserts/s: coalesced single-row INSERTs through
 *     the store, and records.put() as the call path will use it;
 *   - how long the main loop was kept from polling while all that runs:
 *     the main thread's CPU time between two polls (its own work), the
 *     same on the wall clock, and a 1 ms timer's lateness (which also
 *     counts waiting for a CPU the database is using).
 * The loaded plugins are the real ones from the build tree.
 *
 *   bench-store [SCALE]   SCALE divides the data set (default 1)
 */
#include "config.h"
#include "loader.h"
#include "registry.h"
#include "testlib.h"

#include <malloc.h>
#include <stdio.h>
#include <time.h>

typedef struct {
  gint64 last_tick;
  gint64 max_gap; /* timer lateness: work on the loop plus CPU contention */
  gint64 overall;
  gboolean armed;
  gint64 busy_max; /* longest stretch between two polls, wall clock */
  gint64 busy_overall;
  gint64 cpu_max; /* the same in CPU time of the main thread: its own work */
  guint64 turns;  /* loop turns, and those whose work took over 1 ms */
  guint64 turns_over_1ms;
  gint64 cpu_overall;
} Stall;

/* The main loop's own work is the time between leaving poll() and entering
 * it again; timer lateness also counts waiting for a CPU, which on a
 * 2-core machine shared with the database is not the loop's doing. */
static Stall *poll_stall;
static gint64 left_poll, left_poll_cpu;

/* CPU time of the main thread, µs: unlike the wall clock it does not count
 * time the thread waited to be scheduled. */
static gint64
thread_cpu_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gint
timed_poll (GPollFD *fds, guint nfds, gint timeout)
{
  gint64 now = g_get_monotonic_time ();
  gint64 cpu = thread_cpu_us ();
  if (poll_stall && left_poll)
    {
      poll_stall->busy_max = MAX (poll_stall->busy_max, now - left_poll);
      poll_stall->cpu_max = MAX (poll_stall->cpu_max, cpu - left_poll_cpu);
      poll_stall->turns++;
      if (cpu - left_poll_cpu > 1000)
        poll_stall->turns_over_1ms++;
    }
  gint r = g_poll (fds, nfds, timeout);
  left_poll = g_get_monotonic_time ();
  left_poll_cpu = thread_cpu_us ();
  return r;
}

static gboolean
tick (gpointer data)
{
  Stall *s = data;
  gint64 now = g_get_monotonic_time ();
  if (s->armed && s->last_tick)
    s->max_gap = MAX (s->max_gap, now - s->last_tick);
  s->last_tick = now;
  return G_SOURCE_CONTINUE;
}

typedef struct {
  guint pending;
  guint failed;
  GArray *latencies; /* µs */
  gint64 started;
} Batch;

static void
batch_done (GPtrArray *results, const GError *error, gpointer data)
{
  Batch *b = data;
  (void) results;
  if (error)
    {
      if (b->failed++ < 3)
        g_printerr ("bench store: %s\n", error->message);
    }
  b->pending--;
}

static void
record_done (GVariant *result, const GError *error, gpointer data)
{
  Batch *b = data;
  (void) result;
  gint64 us = g_get_monotonic_time () - b->started;
  g_array_append_val (b->latencies, us);
  if (error && !g_error_matches (error, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_NOT_FOUND))
    {
      if (b->failed++ < 3)
        g_printerr ("bench store: %s\n", error->message);
    }
  b->pending--;
}

static gboolean
batch_over (gpointer data)
{
  return ((Batch *) data)->pending == 0;
}

static void
wait_batch (Batch *b)
{
  if (!occ_test_wait_for (batch_over, b, 3600 * 1000))
    g_error ("bench store: timed out");
}

static void
exec_wait (const OccStoreService *store, const char *sql, GVariant *params)
{
  Batch b = { .pending = 1 };
  occ_store_execute1 (store, sql, params, OCC_STORE_FLAGS_NONE, batch_done, &b);
  wait_batch (&b);
  if (b.failed)
    g_error ("bench store: loading failed");
}

static int
compare_i64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return (x > y) - (x < y);
}

static double
percentile (GArray *a, double p)
{
  g_array_sort (a, compare_i64);
  guint i = (guint) (p * (a->len - 1));
  return g_array_index (a, gint64, i) / 1000.0;
}

static gboolean
ready (gpointer data)
{
  const OccStoreService *store = data;
  g_autoptr (GVariant) st = store->get_status (store);
  const char *state = NULL;
  g_variant_lookup (st, "state", "&s", &state);
  return g_strcmp0 (state, "ready") == 0;
}

/* The data set, built inside the database (recursive CTEs run on both). */
static void
load_data (const OccStoreService *store, gint64 customers)
{
  exec_wait (store,
             "WITH RECURSIVE seq (k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM seq WHERE k < $1) "
             "INSERT INTO customer (id, display_name, created_at, updated_at) "
             "SELECT 'c-' || k, 'Customer ' || k, k, k FROM seq",
             g_variant_new ("(x)", customers));
  exec_wait (store,
             "WITH RECURSIVE seq (k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM seq WHERE k < $1) "
             "INSERT INTO customer_phone (customer_id, e164, kind, position) "
             "SELECT 'c-' || k, '+22507' || (10000000 + k), 'mobile', 0 FROM seq",
             g_variant_new ("(x)", customers));
  exec_wait (store,
             "WITH RECURSIVE seq (k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM seq WHERE k < $1) "
             "INSERT INTO interaction (id, channel, direction, from_addr, to_addr, customer_id, "
             "offered_at, ended_at, reason, created_at, updated_at) "
             "SELECT 'i-' || k, 'voice', 'inbound', '+22507' || (10000001 + k % $2), '100', "
             "'c-' || (1 + k % $2), 1700000000000 + k * 1000, 1700000000000 + k * 1000 + 60000, "
             "'billing question', 1, 1 FROM seq",
             g_variant_new ("(xx)", customers * 10 - 1, customers));
  /* a site that imported this much has planner statistics (autovacuum
   * gathers them; imports run ANALYZE): without them PostgreSQL joins the
   * screen-pop with a sequential scan */
  exec_wait (store, "ANALYZE", NULL);
}

/* Prints the longest stall of the phase that ended and starts a new one. */
static void
phase_end (Stall *s, const char *backend, const char *phase)
{
  printf ("bench store.%s.main_loop_work_max_%s: %.3f ms cpu\n", backend, phase,
          s->cpu_max / 1000.0);
  printf ("bench store.%s.main_loop_turns_over_1ms_%s: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
          " turns\n",
          backend, phase, s->turns_over_1ms, s->turns);
  s->turns = s->turns_over_1ms = 0;
  printf ("bench store.%s.main_loop_busy_max_%s: %.3f ms\n", backend, phase, s->busy_max / 1000.0);
  printf ("bench store.%s.timer_lateness_max_%s: %.2f ms\n", backend, phase, s->max_gap / 1000.0);
  s->overall = MAX (s->overall, s->max_gap);
  s->busy_overall = MAX (s->busy_overall, s->busy_max);
  s->cpu_overall = MAX (s->cpu_overall, s->cpu_max);
  s->cpu_max = 0;
  s->max_gap = 0;
  s->busy_max = 0;
  s->last_tick = 0;
}

static void
bench_backend (const char *backend, const char *plugin_conf, guint scale)
{
  g_autofree char *dir = occ_test_mkdtemp ();
  g_autofree char *conf = g_strdup_printf ("[core]\nplugin-path=%s\ndata-dir=%s/share\n"
                                           "state-dir=state\n",
                                           PLUGIN_BUILD_DIR, SOURCE_ROOT);
  occ_test_write (dir, "omnicc.conf", conf);
  const char *plugin = g_str_equal (backend, "sqlite") ? "store-sqlite" : "store-postgres";
  g_autofree char *plugin_file = g_strdup_printf ("plugins.d/%s.conf", plugin);
  if (plugin_conf)
    occ_test_write (dir, plugin_file, plugin_conf);
  g_autofree char *path = g_build_filename (dir, "omnicc.conf", NULL);
  g_autoptr (GError) e = NULL;
  OccContext *ctx = occ_context_new (occ_config_load (path, &e));
  g_assert_no_error (e);
  occ_loader_scan (ctx->loader, occ_config_get_plugin_path (ctx->config));
  if (!occ_loader_load (ctx->loader, plugin, &e) || !occ_loader_load (ctx->loader, "records", &e))
    g_error ("bench store: %s", e->message);
  const OccStoreService *store = occ_registry_lookup (ctx->registry, OCC_STORE_SERVICE, 1, NULL);
  const OccRecordsService *records
      = occ_registry_lookup (ctx->registry, OCC_RECORDS_SERVICE, 1, NULL);
  occ_test_wait_for (ready, (gpointer) store, 60000);

  Stall stall = { 0 };
  guint timer = g_timeout_add (1, tick, &stall);
  stall.armed = TRUE;
  poll_stall = &stall;
  left_poll = 0;

  gint64 customers = 200000 / scale;
  gint64 t0 = g_get_monotonic_time ();
  load_data (store, customers);
  printf ("bench store.%s.load_seconds: %.1f s (%" G_GINT64_FORMAT " customers, %" G_GINT64_FORMAT
          " interactions)\n",
          backend, (g_get_monotonic_time () - t0) / 1e6, customers, customers * 10);
  phase_end (&stall, backend, "load");
  fflush (stdout);

  /* screen-pop: one lookup at a time, as a call arrives */
  Batch pops = { .latencies = g_array_new (FALSE, FALSE, sizeof (gint64)) };
  GRand *rand = g_rand_new_with_seed (42);
  for (guint i = 0; i < 20000 / MIN (scale, 10); i++)
    {
      g_autofree char *number = g_strdup_printf (
          "+22507%d", 10000000 + g_rand_int_range (rand, 1, (gint32) customers + 1));
      pops.pending = 1;
      pops.started = g_get_monotonic_time ();
      records->screen_pop (records, number, 10, record_done, &pops);
      wait_batch (&pops);
    }
  printf ("bench store.%s.screen_pop_p50: %.3f ms\n", backend, percentile (pops.latencies, 0.50));
  printf ("bench store.%s.screen_pop_p99: %.3f ms\n", backend, percentile (pops.latencies, 0.99));
  printf ("bench store.%s.screen_pop_p999: %.3f ms\n", backend, percentile (pops.latencies, 0.999));
  phase_end (&stall, backend, "screen_pop");
  fflush (stdout);

  /* sustained inserts: many in flight, coalesced by the backend */
  const guint n = 200000 / scale;
  Batch ins = { 0 };
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("new-%08u", i);
      ins.pending++;
      occ_store_execute1 (store,
                          "INSERT INTO interaction (id, channel, direction, from_addr, to_addr, "
                          "offered_at, created_at, updated_at) VALUES ($1, 'voice', 'inbound', "
                          "'+2250700000001', '100', $2, $2, $2)",
                          g_variant_new ("(sx)", id, (gint64) i), OCC_STORE_COALESCE, batch_done,
                          &ins);
      /* produce as a real source would, a little per main-loop turn (the
       * stall measured is then the store's, not this loop's), and keep at
       * most 10,000 waiting */
      if (i % 16 == 15)
        g_main_context_iteration (NULL, FALSE);
      while (ins.pending >= 10000)
        g_main_context_iteration (NULL, TRUE);
    }
  wait_batch (&ins);
  double rate = n / ((g_get_monotonic_time () - t0) / 1e6);
  printf ("bench store.%s.inserts_per_s: %.0f rows/s (%u failed)\n", backend, rate, ins.failed);
  phase_end (&stall, backend, "inserts");

  /* the same through records.put, with validation and read-back */
  const guint m = 20000 / scale;
  Batch puts = { .latencies = g_array_new (FALSE, FALSE, sizeof (gint64)) };
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < m; i++)
    {
      g_auto (GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&b, "{sv}", "channel", g_variant_new_string ("voice"));
      g_variant_builder_add (&b, "{sv}", "direction", g_variant_new_string ("inbound"));
      g_variant_builder_add (&b, "{sv}", "from_addr", g_variant_new_string ("+2250700000001"));
      g_variant_builder_add (&b, "{sv}", "offered_at", g_variant_new_int64 (1700000000000 + i));
      puts.pending++;
      puts.started = g_get_monotonic_time ();
      records->put (records, "interaction", g_variant_builder_end (&b), record_done, &puts);
      if (i % 4 == 3)
        g_main_context_iteration (NULL, FALSE);
      while (puts.pending >= 2000)
        g_main_context_iteration (NULL, TRUE);
    }
  wait_batch (&puts);
  printf ("bench store.%s.records_put_per_s: %.0f records/s (%u failed)\n", backend,
          m / ((g_get_monotonic_time () - t0) / 1e6), puts.failed);
  phase_end (&stall, backend, "records_put");
  printf ("bench store.%s.main_loop_work_max: %.3f ms cpu\n", backend, stall.cpu_overall / 1000.0);
  printf ("bench store.%s.main_loop_busy_max: %.3f ms\n", backend, stall.busy_overall / 1000.0);
  printf ("bench store.%s.timer_lateness_max: %.2f ms\n", backend, stall.overall / 1000.0);
  poll_stall = NULL;
  fflush (stdout);

  g_source_remove (timer);
  g_array_unref (pops.latencies);
  g_array_unref (puts.latencies);
  g_rand_free (rand);
  occ_context_free (ctx);
  occ_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  guint scale = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 1;
  if (scale == 0)
    scale = 1;
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_main_context_set_poll_func (NULL, timed_poll);
  /* as omniccd does (core/main.c): no fastbin consolidation stalls */
  if (!g_getenv ("BENCH_FASTBINS"))
    mallopt (M_MXFAST, 0);
  bench_backend ("sqlite", NULL, scale);
  OccTestPostgres *pg = occ_test_postgres_start ();
  if (pg == NULL)
    g_error ("bench store: PostgreSQL did not start");
  g_autofree char *pconf = g_strdup_printf ("[postgres]\ndsn=%s\n", pg->dsn);
  bench_backend ("postgres", pconf, scale);
  occ_test_postgres_stop (pg);
  return 0;
}
