/* Benchmark of the media plugin's version 2 (prompts mixed on the media
 * threads, dtmfdetect per leg, recordings written by the writer thread)
 * at the load of an IVR and of recorded calls:
 *
 *   bench-ivr [--ivr 250,500,1000] [--recorded 120,240,480] [--seconds 20] [--threads 1]
 *
 * media.so runs in this process (as in omniccd); the phones in another
 * (bench-media-phones), so that getrusage() here counts the daemon side
 * alone, its media threads and recording writer included.
 *
 * IVR sessions: N legs, one a call (the caller's), each playing the
 * generated prompt fr/main-menu.wav in a loop (all share its decoded
 * samples) with detect_tones on, while its phone says a 440 Hz tone and
 * presses an in-band key (100 ms) every 3 s. Printed for each N:
 *
 *   bench ivr.ivr-<N>-cpu: <% of one core> %
 *   bench ivr.ivr-<N>-loss: <%> %          (prompt frames that did not reach the phones)
 *   bench ivr.ivr-<N>-threads-per-session: <threads> threads
 *   bench ivr.ivr-<N>-rss-per-session: <KiB> KiB
 *   bench ivr.ivr-<N>-dtmf-detected: <%> % (media.dtmf events / keys pressed)
 *   bench ivr.ivr-<N>-dtmf-wrong: <keys>   (detected, but not the key pressed)
 *   bench ivr.ivr-<N>-start: <ms> ms       (play() on every leg until every leg sends)
 *   bench ivr.ivr-<N>-jitter-mean: <ms> ms (RFC 3550, at the phones)
 *
 * Recorded calls: N bridged calls (two legs, phones both ways: 440 Hz from
 * the trunk's, 1000 Hz from the agent's), each recorded (2 channels,
 * A-law, both legs attached). Printed for each N:
 *
 *   bench ivr.recorded-<N>-cpu: <% of one core> %
 *   bench ivr.recorded-<N>-loss: <%> %
 *   bench ivr.recorded-<N>-threads-per-call: <threads> threads
 *   bench ivr.recorded-<N>-rss-per-call: <KiB> KiB
 *   bench ivr.recorded-<N>-complete: <n> of <N> recordings (record_stop results)
 *   bench ivr.recorded-<N>-duration-off: <n> recordings (more than 1 s off the run)
 *   bench ivr.recorded-<N>-write-rate: <KB/s> KB/s
 *   bench ivr.recorded-<N>-stop: <ms> ms   (record_stop of all until every result)
 *   bench ivr.recorded-<N>-channels-right: <n> of 3 spot-checked files
 *
 * and at the end the largest N of each under 0.5 % loss, and whether 240
 * recorded calls stayed within one core. */
#include "bench-phones.h"
#include "dtmf.h"
#include "tone.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#define PROMPT PROMPTS_BUILD_DIR "/fr/main-menu.wav"
#define CALLER_HZ 440
#define AGENT_HZ 1000
#define KEYS_EVERY_MS 3000
/* the keys bench-media-phones presses, in turn */
#define KEYS "123456789*0#"

typedef struct {
  guint n;
  guint seconds;
  guint threads;
} Run;

/* What every run measures, from 1 s after the phones start to 1 s before
 * they stop. */
typedef struct {
  double cpu_percent;
  guint threads;
  guint64 rss;
  BenchPhonesResult said;
} Measured;

static void
load (MediaFixture *f, const Run *r)
{
  g_autofree char *conf = g_strdup_printf ("[media]\naddress=127.0.0.1\nrtp-port-min=20000\n"
                                           "rtp-port-max=29999\nthreads=%u\n",
                                           r->threads);
  g_autoptr (GError) e = NULL;
  if (!media_fixture_try_load (f, conf, &e))
    g_error ("media does not load: %s", e->message);
}

static Measured
measure (const Run *r, const char *const *args, const char *ports)
{
  BenchPhones *phones = bench_phones_start (args, ports);
  Measured m = { 0 };
  occ_test_spin (1000);
  double cpu0 = bench_cpu_seconds ();
  gint64 t0 = g_get_monotonic_time ();
  occ_test_spin ((r->seconds - 2) * 1000);
  double cpu = bench_cpu_seconds () - cpu0;
  m.cpu_percent = 100 * cpu / ((g_get_monotonic_time () - t0) / 1e6);
  m.threads = bench_thread_count ();
  m.rss = bench_rss_kib ();
  m.said = bench_phones_wait (phones);
  return m;
}

static guint64
packets_sent (MediaFixture *f, OccMediaLeg *leg)
{
  g_autoptr (GVariant) st = g_variant_ref_sink (f->media->leg_stats (leg));
  guint64 v = 0;
  g_variant_lookup (st, "packets-sent", "t", &v);
  return v;
}

/* --- IVR sessions ------------------------------------------------------------------------ */

/* The keys detected on the legs, against what each phone pressed (1, 2,
 * 3 … in turn): @wrong those that are not the next key of their call. */
static guint
count_keys (MediaFixture *f, guint n, guint *wrong)
{
  g_autofree guint *next = g_new0 (guint, n);
  guint found = 0;
  *wrong = 0;
  for (guint i = 0; i < f->events->len; i++)
    {
      const OccEvent *ev = f->events->pdata[i];
      if (!g_str_equal (occ_event_get_type_name (ev), OCC_EVENT_MEDIA_DTMF))
        continue;
      const char *call, *label, *digit;
      guint32 ms;
      g_variant_get (occ_event_get_payload (ev), "(&s&s&su)", &call, &label, &digit, &ms);
      guint k = (guint) g_ascii_strtoull (call + strlen ("ivr-"), NULL, 10);
      found++;
      if (k >= n || digit[0] != KEYS[next[k] % (sizeof KEYS - 1)])
        (*wrong)++;
      if (k < n)
        next[k]++;
    }
  return found;
}

/* Waits (at most 60 s) until every leg sends: each prompt decoded (or
 * found decoded) and playing. */
static gboolean
all_playing (MediaFixture *f, OccMediaLeg **legs, guint n)
{
  gint64 until = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  for (guint i = 0; i < n; i++)
    while (packets_sent (f, legs[i]) == 0)
      {
        if (g_get_monotonic_time () > until)
          return FALSE;
        occ_test_spin (10);
      }
  return TRUE;
}

static double
run_ivr (const Run *r)
{
  MediaFixture f = { 0 };
  load (&f, r);
  guint base = bench_phone_base (r->n);
  guint threads0 = bench_thread_count ();
  guint64 rss0 = bench_rss_kib ();
  OccMediaLeg **legs = g_new0 (OccMediaLeg *, r->n);
  g_autoptr (GString) ports = g_string_new (NULL);
  const char *files[] = { PROMPT, NULL };
  gint64 start0 = g_get_monotonic_time ();
  for (guint i = 0; i < r->n; i++)
    {
      g_autoptr (GError) e = NULL;
      g_autofree char *call = g_strdup_printf ("ivr-%u", i);
      legs[i] = media_fixture_leg (&f, call, "caller", OCC_MEDIA_SRTP_OFF);
      g_autofree char *offer = bench_phone_sdp (base + 4 * i, "PCMU");
      g_autofree char *answer = f.media->leg_answer_offer (legs[i], offer, &e);
      g_assert_no_error (e);
      f.media->detect_tones (legs[i], TRUE);
      if (!f.media->play (legs[i], files, OCC_MEDIA_PLAY_LOOP, NULL, NULL, NULL, &e))
        g_error ("%s", e->message);
      g_string_append_printf (ports, "%u\n", bench_sdp_port (answer));
    }
  if (!all_playing (&f, legs, r->n))
    g_error ("the prompt did not start on every leg within 60 s");
  double start_ms = (g_get_monotonic_time () - start0) / 1000.0;

  g_autofree char *n = g_strdup_printf ("%u", r->n);
  g_autofree char *b = g_strdup_printf ("%u", base);
  g_autofree char *s = g_strdup_printf ("%u", r->seconds);
  g_autofree char *hz = g_strdup_printf ("%u", CALLER_HZ);
  g_autofree char *every = g_strdup_printf ("%u", KEYS_EVERY_MS);
  const char *args[]
      = { n, b, s, "0", "--one", "--pt-a", "0", "--tone-a", hz, "--keys-every", every, NULL };
  Measured m = measure (r, args, ports->str);
  occ_test_spin (300); /* the last keys' events */
  guint wrong = 0;
  guint detected = count_keys (&f, r->n, &wrong);
  g_free (legs);
  media_fixture_stop (&f); /* unload ends the legs */

  /* a phone hears 50 frames a second while it sends */
  double expected = (double) r->n * ((r->seconds * 1000.0 - 1) / 20.0);
  double got = (double) m.said.in_window;
  double loss = got >= expected ? 0 : 100 * (expected - got) / expected;
  guint N = r->n;
  g_print ("bench ivr.ivr-%u-cpu: %.1f %%\n", N, m.cpu_percent);
  g_print ("bench ivr.ivr-%u-loss: %.3f %%\n", N, loss);
  g_print ("bench ivr.ivr-%u-threads-per-session: %.3f threads\n", N,
           ((double) m.threads - threads0) / N);
  g_print ("bench ivr.ivr-%u-rss-per-session: %.1f KiB\n", N, ((double) m.rss - (double) rss0) / N);
  g_print ("bench ivr.ivr-%u-dtmf-detected: %.1f %% (%u of %u keys)\n", N,
           m.said.keys ? 100.0 * detected / m.said.keys : 0, detected, m.said.keys);
  g_print ("bench ivr.ivr-%u-dtmf-wrong: %u keys\n", N, wrong);
  g_print ("bench ivr.ivr-%u-start: %.0f ms\n", N, start_ms);
  g_print ("bench ivr.ivr-%u-jitter-mean: %.2f ms\n", N, m.said.jitter_mean_ms);
  return loss;
}

/* --- recorded calls ------------------------------------------------------------------------ */

typedef struct {
  gint64 started_us;
  gint64 stopped_us;
  gboolean done;
  gboolean ok;
  guint64 duration_ms;
  guint64 bytes;
  char *path;
} Recorded;

static void
on_recorded (const OccMediaRecordResult *res, const GError *error, gpointer data)
{
  Recorded *r = data;
  r->done = TRUE;
  r->ok = res != NULL && error == NULL;
  if (res)
    {
      r->duration_ms = res->duration_ms;
      r->bytes = res->bytes;
    }
}

/* Channel @ch of a 2-channel A-law WAV file of ours, as samples (transfer
 * full); NULL if it is not one. */
static gint16 *
alaw_channel (const char *path, guint ch, gsize *n)
{
  g_autofree guint8 *data = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, (char **) &data, &len, NULL) || len < 12)
    return NULL;
  /* the chunks after "RIFF....WAVE", up to "data" */
  gsize at = 12;
  while (at + 8 <= len && memcmp (data + at, "data", 4) != 0)
    at += 8 + (data[at + 4] | data[at + 5] << 8 | data[at + 6] << 16 | (gsize) data[at + 7] << 24);
  if (at + 8 > len)
    return NULL;
  const guint8 *pcm = data + at + 8;
  *n = (len - at - 8) / 2;
  gint16 *out = g_new (gint16, *n + 1);
  for (gsize i = 0; i < *n; i++)
    out[i] = occ_test_alaw_decode (pcm[2 * i + ch]);
  return out;
}

/* Channel 0 holds the trunk's 440 Hz for most of @seconds and no 1000 Hz;
 * channel 1 the other way round. */
static gboolean
channels_right (const char *path, guint seconds)
{
  gsize n0 = 0, n1 = 0;
  g_autofree gint16 *c0 = alaw_channel (path, 0, &n0);
  g_autofree gint16 *c1 = alaw_channel (path, 1, &n1);
  if (c0 == NULL || c1 == NULL)
    return FALSE;
  double own0 = occ_test_tone_seconds (c0, n0, 8000, CALLER_HZ);
  double own1 = occ_test_tone_seconds (c1, n1, 8000, AGENT_HZ);
  double cross0 = occ_test_tone_seconds (c0, n0, 8000, AGENT_HZ);
  double cross1 = occ_test_tone_seconds (c1, n1, 8000, CALLER_HZ);
  gboolean ok = own0 > seconds - 1.5 && own1 > seconds - 1.5 && cross0 < 0.1 && cross1 < 0.1;
  if (!ok)
    g_printerr ("%s: channel 0 %.2f s of %u Hz, %.2f s of %u Hz; channel 1 %.2f s of %u Hz, "
                "%.2f s of %u Hz\n",
                path, own0, CALLER_HZ, cross0, AGENT_HZ, own1, AGENT_HZ, cross1, CALLER_HZ);
  return ok;
}

static gboolean
all_done (Recorded *recs, guint n)
{
  for (guint i = 0; i < n; i++)
    if (!recs[i].done)
      return FALSE;
  return TRUE;
}

/* Two legs bridged, phones offering/answering as in bench-media, and a
 * recording of both. */
static OccMediaRecording *
recorded_call (MediaFixture *f, guint i, guint base, const char *dir, GString *ports, Recorded *rec)
{
  g_autoptr (GError) e = NULL;
  g_autofree char *call = g_strdup_printf ("rec-%u", i);
  OccMediaLeg *a, *b;
  bench_bridged_call (f, call, i, base, "PCMU", "PCMU", &a, &b, ports);
  rec->path = g_strdup_printf ("%s/call-%u.wav", dir, i);
  OccMediaRecordOptions o = { .channels = 2, .format = OCC_MEDIA_RECORD_WAV_ALAW };
  OccMediaRecording *r = f->media->record_start (f->media, rec->path, &o, &e);
  g_assert_no_error (e);
  rec->started_us = g_get_monotonic_time ();
  g_assert_true (f->media->record_attach (r, a, 0, &e));
  g_assert_true (f->media->record_attach (r, b, 1, &e));
  return r;
}

static double
run_recorded (const Run *r)
{
  MediaFixture f = { 0 };
  load (&f, r);
  g_autofree char *dir = g_build_filename (f.dir, "recordings", NULL);
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  guint base = bench_phone_base (r->n);
  guint threads0 = bench_thread_count ();
  guint64 rss0 = bench_rss_kib ();
  Recorded *recs = g_new0 (Recorded, r->n);
  OccMediaRecording **handles = g_new0 (OccMediaRecording *, r->n);
  g_autoptr (GString) ports = g_string_new (NULL);
  for (guint i = 0; i < r->n; i++)
    handles[i] = recorded_call (&f, i, base, dir, ports, &recs[i]);

  g_autofree char *n = g_strdup_printf ("%u", r->n);
  g_autofree char *b = g_strdup_printf ("%u", base);
  g_autofree char *s = g_strdup_printf ("%u", r->seconds);
  g_autofree char *hz_a = g_strdup_printf ("%u", CALLER_HZ);
  g_autofree char *hz_b = g_strdup_printf ("%u", AGENT_HZ);
  const char *args[] = { n, b, s, "0", "--pt-a", "0", "--tone-a", hz_a, "--tone-b", hz_b, NULL };
  Measured m = measure (r, args, ports->str);

  gint64 stop0 = g_get_monotonic_time ();
  for (guint i = 0; i < r->n; i++)
    {
      recs[i].stopped_us = g_get_monotonic_time ();
      f.media->record_stop (handles[i], on_recorded, &recs[i], NULL);
    }
  gint64 until = stop0 + 120 * G_USEC_PER_SEC;
  while (!all_done (recs, r->n) && g_get_monotonic_time () < until)
    occ_test_spin (20);
  double stop_ms = (g_get_monotonic_time () - stop0) / 1000.0;
  guint complete = 0, off = 0, right = 0;
  guint64 bytes = 0;
  gint64 first = G_MAXINT64, last = 0;
  for (guint i = 0; i < r->n; i++)
    {
      Recorded *x = &recs[i];
      complete += x->ok;
      bytes += x->bytes;
      gint64 span_ms = (x->stopped_us - x->started_us) / 1000;
      off += x->ok && ABS ((gint64) x->duration_ms - span_ms) > 1000;
      first = MIN (first, x->started_us);
      last = MAX (last, x->stopped_us);
    }
  /* the first, the middle and the last call */
  guint spot[] = { 0, r->n / 2, r->n - 1 };
  for (guint i = 0; i < G_N_ELEMENTS (spot); i++)
    right += recs[spot[i]].ok && channels_right (recs[spot[i]].path, r->seconds);
  for (guint i = 0; i < r->n; i++)
    g_free (recs[i].path);
  g_free (recs);
  g_free (handles);
  media_fixture_stop (&f); /* ends the legs, removes the files */

  double loss = m.said.sent ? 100.0 * (double) (m.said.sent - MIN (m.said.received, m.said.sent))
                                  / (double) m.said.sent
                            : 100;
  guint N = r->n;
  g_print ("bench ivr.recorded-%u-cpu: %.1f %%\n", N, m.cpu_percent);
  g_print ("bench ivr.recorded-%u-loss: %.3f %%\n", N, loss);
  g_print ("bench ivr.recorded-%u-threads-per-call: %.3f threads\n", N,
           ((double) m.threads - threads0) / N);
  g_print ("bench ivr.recorded-%u-rss-per-call: %.1f KiB\n", N,
           ((double) m.rss - (double) rss0) / N);
  g_print ("bench ivr.recorded-%u-complete: %u of %u recordings\n", N, complete, N);
  g_print ("bench ivr.recorded-%u-duration-off: %u recordings\n", N, off);
  g_print ("bench ivr.recorded-%u-write-rate: %.0f KB/s\n", N,
           bytes / 1000.0 / MAX ((last - first) / 1e6, 1e-3));
  g_print ("bench ivr.recorded-%u-stop: %.0f ms\n", N, stop_ms);
  g_print ("bench ivr.recorded-%u-channels-right: %u of %u spot-checked files\n", N, right,
           (guint) G_N_ELEMENTS (spot));
  if (N == 240)
    g_print ("bench ivr.recorded-240-within-one-core: %s\n", m.cpu_percent <= 100 ? "yes" : "no");
  return complete == N ? loss : 100;
}

/* --- main ------------------------------------------------------------------------------------ */

static guint
run_sizes (const char *sizes, Run *r, double (*one) (const Run *))
{
  g_auto (GStrv) list = g_strsplit (sizes, ",", -1);
  guint best = 0;
  for (guint i = 0; list[i]; i++)
    {
      r->n = (guint) atoi (list[i]);
      if (r->n > 0 && one (r) < 0.5)
        best = MAX (best, r->n);
    }
  return best;
}

int
main (int argc, char **argv)
{
  gst_init (NULL, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  const char *ivr = "250,500,1000", *recorded = "120,240,480";
  Run r = { .seconds = 20, .threads = 1 };
  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--ivr") && i + 1 < argc)
        ivr = argv[++i];
      else if (g_str_equal (argv[i], "--recorded") && i + 1 < argc)
        recorded = argv[++i];
      else if (g_str_equal (argv[i], "--seconds") && i + 1 < argc)
        r.seconds = (guint) atoi (argv[++i]);
      else if (g_str_equal (argv[i], "--threads") && i + 1 < argc)
        r.threads = (guint) atoi (argv[++i]);
      else
        {
          g_printerr ("usage: bench-ivr [--ivr N,…] [--recorded N,…] [--seconds S] "
                      "[--threads T]\n");
          return 2;
        }
    }
  if (!g_file_test (PROMPT, G_FILE_TEST_IS_REGULAR))
    {
      g_printerr ("bench-ivr: %s is missing (the prompts need espeak-ng)\n", PROMPT);
      return 1;
    }
  r.seconds = MAX (r.seconds, 4);
  r.threads = MAX (r.threads, 1);
  guint best_ivr = run_sizes (ivr, &r, run_ivr);
  guint best_rec = run_sizes (recorded, &r, run_recorded);
  g_print ("bench ivr.ivr-max-under-0.5%%-loss: %u sessions (of %s, %u media thread%s)\n", best_ivr,
           ivr, r.threads, r.threads > 1 ? "s" : "");
  g_print ("bench ivr.recorded-max-under-0.5%%-loss: %u calls (of %s, %u media thread%s)\n",
           best_rec, recorded, r.threads, r.threads > 1 ? "s" : "");
  return 0;
}
