/* Benchmark of the media plugin: N bridged G.711 calls with RTP both ways.
 *
 *   bench-media [--calls 240,480,1000] [--seconds 20] [--threads 1] [--transcode]
 *
 * media.so runs in this process (as in omniccd); the phones run in another
 * one (bench-media-phones), so that getrusage() here counts the daemon
 * side alone. For each number of calls it prints (tests/bench's form):
 *
 *   bench media.cpu-<N>-calls: <% of one core> %
 *   bench media.loss-<N>-calls: <%> %
 *   bench media.threads-per-call-<N>-calls: <threads> threads
 *   bench media.rss-per-call-<N>-calls: <KiB> KiB
 *   bench media.packets-<N>-calls: <packets/s through the daemon> packets/s
 *   bench media.load: <ms> ms                     (load(), GStreamer's start included)
 *   bench media.setup-per-call-<N>-calls: <ms> ms (two legs, offer/answer, bridge)
 *   bench media.unload-<N>-calls: <ms> ms         (with the calls up)
 *   bench media.jitter-mean-<N>-calls: <ms> ms   (RFC 3550, at the phones)
 *   bench media.jitter-worst-<N>-calls: <ms> ms
 *
 * and at the end the largest N whose loss stayed under 0.5 %. With
 * --transcode the agents' phones speak PCMU, the trunks' PCMA. */
#include "bench-phones.h"

#include <stdlib.h>

typedef struct {
  guint calls;
  guint seconds;
  guint threads;
  gboolean transcode;
} Run;

/* Bridged calls: the trunk's phone offers, the agent's answers. */
static void
make_calls (MediaFixture *f, const Run *r, guint phone_base, OccMediaLeg **legs, GString *ports)
{
  for (guint i = 0; i < r->calls; i++)
    {
      g_autofree char *call = g_strdup_printf ("bench-%u", i);
      OccMediaLeg *a, *b;
      bench_bridged_call (f, call, i, phone_base, "PCMA", r->transcode ? "PCMU" : "PCMA", &a, &b,
                          ports);
      legs[2 * i] = a;
      legs[2 * i + 1] = b;
    }
}

/* One run; returns the loss in %. */
static double
run (const Run *r)
{
  MediaFixture f = { 0 };
  g_autofree char *conf = g_strdup_printf ("[media]\naddress=127.0.0.1\nrtp-port-min=20000\n"
                                           "rtp-port-max=29999\nthreads=%u\n",
                                           r->threads);
  g_autoptr (GError) e = NULL;
  gint64 load0 = g_get_monotonic_time ();
  if (!media_fixture_try_load (&f, conf, &e))
    g_error ("media does not load: %s", e->message);
  double load_ms = (g_get_monotonic_time () - load0) / 1000.0;
  guint phone_base = bench_phone_base (r->calls);

  guint threads0 = bench_thread_count ();
  guint64 rss0 = bench_rss_kib ();
  OccMediaLeg **legs = g_new0 (OccMediaLeg *, 2 * r->calls);
  g_autoptr (GString) ports = g_string_new (NULL);
  gint64 setup0 = g_get_monotonic_time ();
  make_calls (&f, r, phone_base, legs, ports);
  double setup_ms = (g_get_monotonic_time () - setup0) / 1000.0 / r->calls;

  g_autofree char *calls = g_strdup_printf ("%u", r->calls);
  g_autofree char *base = g_strdup_printf ("%u", phone_base);
  g_autofree char *secs = g_strdup_printf ("%u", r->seconds);
  const char *args[] = { calls, base, secs, r->transcode ? "0" : "8", NULL };
  BenchPhones *phones = bench_phones_start (args, ports->str);

  /* measure while every phone sends: from 1 s in to 1 s before the end */
  occ_test_spin (1000);
  double cpu0 = bench_cpu_seconds ();
  gint64 t0 = g_get_monotonic_time ();
  occ_test_spin ((r->seconds - 2) * 1000);
  double cpu = bench_cpu_seconds () - cpu0;
  double wall = (g_get_monotonic_time () - t0) / 1e6;
  guint threads = bench_thread_count ();
  guint64 rss = bench_rss_kib ();
  BenchPhonesResult said = bench_phones_wait (phones);
  guint64 sent = said.sent, received = said.received;
  double jitter = said.jitter_mean_ms, worst = said.jitter_worst_ms;
  double loss = sent ? 100.0 * (double) (sent - MIN (received, sent)) / (double) sent : 100;
  guint64 through = 0;
  for (guint i = 0; i < 2 * r->calls; i++)
    {
      g_autoptr (GVariant) st = g_variant_ref_sink (f.media->leg_stats (legs[i]));
      guint64 v = 0;
      g_variant_lookup (st, "packets-received", "t", &v);
      through += v;
    }
  g_free (legs);
  /* the legs are still up: unload ends them all, as a daemon's stop does */
  gint64 unload0 = g_get_monotonic_time ();
  g_assert_true (occ_loader_unload (f.ctx->loader, "media", &e));
  double unload_ms = (g_get_monotonic_time () - unload0) / 1000.0;
  f.media = NULL;
  media_fixture_stop (&f);

  const char *what = r->transcode ? "-transcoded" : "";
  g_print ("bench media.cpu-%u-calls%s: %.1f %%\n", r->calls, what, 100 * cpu / wall);
  g_print ("bench media.loss-%u-calls%s: %.3f %%\n", r->calls, what, loss);
  g_print ("bench media.threads-per-call-%u-calls%s: %.3f threads\n", r->calls, what,
           ((double) threads - threads0) / r->calls);
  g_print ("bench media.rss-per-call-%u-calls%s: %.1f KiB\n", r->calls, what,
           ((double) rss - (double) rss0) / r->calls);
  g_print ("bench media.packets-%u-calls%s: %.0f packets/s\n", r->calls, what,
           through / (double) r->seconds);
  g_print ("bench media.load%s: %.1f ms\n", what, load_ms);
  g_print ("bench media.setup-per-call-%u-calls%s: %.3f ms\n", r->calls, what, setup_ms);
  g_print ("bench media.unload-%u-calls%s: %.1f ms\n", r->calls, what, unload_ms);
  g_print ("bench media.jitter-mean-%u-calls%s: %.2f ms\n", r->calls, what, jitter);
  g_print ("bench media.jitter-worst-%u-calls%s: %.2f ms\n", r->calls, what, worst);
  return loss;
}

int
main (int argc, char **argv)
{
  gst_init (NULL, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  const char *calls = "240,480,1000";
  Run r = { .seconds = 20, .threads = 1 };
  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--calls") && i + 1 < argc)
        calls = argv[++i];
      else if (g_str_equal (argv[i], "--seconds") && i + 1 < argc)
        r.seconds = (guint) atoi (argv[++i]);
      else if (g_str_equal (argv[i], "--threads") && i + 1 < argc)
        r.threads = (guint) atoi (argv[++i]);
      else if (g_str_equal (argv[i], "--transcode"))
        r.transcode = TRUE;
      else
        {
          g_printerr ("usage: bench-media [--calls N,…] [--seconds S] [--threads T] "
                      "[--transcode]\n");
          return 2;
        }
    }
  r.seconds = MAX (r.seconds, 4);
  r.threads = MAX (r.threads, 1);
  g_auto (GStrv) list = g_strsplit (calls, ",", -1);
  guint best = 0;
  for (guint i = 0; list[i]; i++)
    {
      r.calls = (guint) atoi (list[i]);
      if (r.calls == 0)
        continue;
      if (run (&r) < 0.5)
        best = MAX (best, r.calls);
    }
  g_print ("bench media.max-calls-under-0.5%%-loss%s: %u calls (of %s, %u media thread%s)\n",
           r.transcode ? "-transcoded" : "", best, calls, r.threads, r.threads > 1 ? "s" : "");
  return 0;
}
