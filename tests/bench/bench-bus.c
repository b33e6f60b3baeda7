/* bench bus: events/s through publish -> deliver with 1, 8 and 64
 * subscribers, publish-to-handler latency, and memory over 10 M events.
 * Prints "bench bus.<metric>: <value> <unit>" lines. */
#include "bus-private.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static guint64 delivered;
static gint64 latency_start_ns;
static gint64 latency_ns;

static gint64
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
count (const OccEvent *e, gpointer data)
{
  (void) e;
  (void) data;
  delivered++;
}

static void
stamp (const OccEvent *e, gpointer data)
{
  (void) e;
  (void) data;
  latency_ns = now_ns () - latency_start_ns;
}

static long
rss_kib (void)
{
  long pages = 0, resident = 0;
  FILE *f = fopen ("/proc/self/statm", "r");
  if (f)
    {
      if (fscanf (f, "%ld %ld", &pages, &resident) != 2)
        resident = 0;
      fclose (f);
    }
  return resident * (sysconf (_SC_PAGESIZE) / 1024);
}

typedef enum {
  PAYLOAD_TYPED,  /* built per event with typed constructors */
  PAYLOAD_FORMAT, /* built per event with g_variant_new ("(tu)", …) */
  PAYLOAD_SHARED, /* one payload for all: the bus alone */
} PayloadKind;

static GVariant *shared_payload;

static GVariant *
make_payload (PayloadKind kind, guint64 i)
{
  switch (kind)
    {
    case PAYLOAD_TYPED:
      {
        GVariant *items[2] = { g_variant_new_uint64 (i), g_variant_new_uint32 (7) };
        return g_variant_new_tuple (items, 2);
      }
    case PAYLOAD_FORMAT:
      return g_variant_new ("(tu)", i, 7);
    default:
      return g_variant_ref (shared_payload);
    }
}

/* Publishes @n events in batches and lets the main loop deliver them, as
 * a daemon would: the time covers payload creation, type check, queueing,
 * dispatch and every handler. */
static double
throughput (OccBus *bus, guint subscribers, guint64 n, PayloadKind kind)
{
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; i < subscribers; i++)
    {
      guint id = occ_bus_subscribe (bus, NULL, i % 2 ? "bench.*" : "bench.tick", count, NULL, NULL,
                                    NULL);
      g_array_append_val (ids, id);
    }
  delivered = 0;
  gint64 t0 = now_ns ();
  for (guint64 sent = 0; sent < n;)
    {
      for (guint b = 0; b < 1024 && sent < n; b++, sent++)
        occ_bus_publish (bus, NULL, "bench.tick", make_payload (kind, sent), NULL);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
  gint64 t1 = now_ns ();
  g_assert_cmpuint (delivered, ==, n * subscribers);
  for (guint i = 0; i < ids->len; i++)
    occ_bus_unsubscribe (bus, g_array_index (ids, guint, i));
  return n / ((t1 - t0) / 1e9);
}

static int
compare_i64 (const void *a, const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

int
main (int argc, char **argv)
{
  guint64 scale = argc > 1 ? g_ascii_strtoull (argv[1], NULL, 10) : 1;
  if (scale == 0)
    scale = 1;
  OccBus *bus = occ_bus_new ();
  occ_bus_register_type (bus, NULL, "bench.tick", "(tu)", "benchmark", NULL);

  shared_payload = g_variant_ref_sink (g_variant_new ("(tu)", (guint64) 1, 7));
  /* warm up allocator and caches */
  throughput (bus, 1, 100000, PAYLOAD_TYPED);
  const guint subs[] = { 1, 8, 64 };
  const guint64 counts[] = { 5000000, 2000000, 500000 };
  for (guint i = 0; i < G_N_ELEMENTS (subs); i++)
    {
      double rate = throughput (bus, subs[i], counts[i] / scale, PAYLOAD_TYPED);
      printf ("bench bus.events_per_s_%usub: %.0f events/s\n", subs[i], rate);
      printf ("bench bus.deliveries_per_s_%usub: %.0f deliveries/s\n", subs[i], rate * subs[i]);
      fflush (stdout);
    }
  printf ("bench bus.events_per_s_1sub_format_string_payload: %.0f events/s\n",
          throughput (bus, 1, 2000000 / scale, PAYLOAD_FORMAT));
  printf ("bench bus.events_per_s_1sub_shared_payload: %.0f events/s\n",
          throughput (bus, 1, 5000000 / scale, PAYLOAD_SHARED));

  /* latency: one event at a time through a main-loop iteration */
  guint id = occ_bus_subscribe (bus, NULL, "bench.tick", stamp, NULL, NULL, NULL);
  const guint samples = 200000 / scale;
  g_autofree gint64 *lat = g_new (gint64, samples);
  for (guint i = 0; i < samples; i++)
    {
      latency_start_ns = now_ns ();
      occ_bus_publish (bus, NULL, "bench.tick", make_payload (PAYLOAD_TYPED, i), NULL);
      g_main_context_iteration (NULL, FALSE);
      lat[i] = latency_ns;
    }
  qsort (lat, samples, sizeof *lat, compare_i64);
  printf ("bench bus.latency_p50: %.2f us\n", lat[samples / 2] / 1000.0);
  printf ("bench bus.latency_p99: %.2f us\n", lat[samples * 99 / 100] / 1000.0);
  printf ("bench bus.latency_p999: %.2f us\n", lat[samples * 999 / 1000] / 1000.0);
  occ_bus_unsubscribe (bus, id);

  /* memory: RSS after 1 M events and after 10 M more */
  throughput (bus, 1, 1000000 / scale, PAYLOAD_TYPED);
  long before = rss_kib ();
  throughput (bus, 1, 10000000 / scale, PAYLOAD_TYPED);
  long after = rss_kib ();
  printf ("bench bus.rss_after_1M: %ld KiB\n", before);
  printf ("bench bus.rss_growth_over_10M: %ld KiB\n", after - before);
  occ_bus_free (bus);
  g_variant_unref (shared_payload);
  return 0;
}
