/* See bench-phones.h. */
#include "bench-phones.h"

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

struct _BenchPhones {
  GPid pid;
  int out_fd;
};

guint
bench_phone_base (guint calls)
{
  guint base = 40000;
  while (!media_fixture_ports_free (base, 4 * calls))
    {
      base += 4 * calls;
      if (base + 4 * calls > 65535)
        g_error ("no %u free ports for the phones", 4 * calls);
    }
  return base;
}

char *
bench_phone_sdp (guint port, const char *codec)
{
  guint pt = g_str_equal (codec, "PCMU") ? 0 : 8;
  return g_strdup_printf ("v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
                          "t=0 0\r\nm=audio %u RTP/AVP %u 101\r\na=rtpmap:%u %s/8000\r\n"
                          "a=rtpmap:101 telephone-event/8000\r\na=ptime:20\r\n",
                          port, pt, pt, codec);
}

guint
bench_sdp_port (const char *sdp)
{
  const char *m = strstr (sdp, "m=audio ");
  g_assert_nonnull (m);
  return (guint) atoi (m + 8);
}

void
bench_bridged_call (MediaFixture *f, const char *call_id, guint i, guint phone_base,
                    const char *codec_a, const char *codec_b, OccMediaLeg **a, OccMediaLeg **b,
                    GString *ports)
{
  g_autoptr (GError) e = NULL;
  *a = media_fixture_leg (f, call_id, "trunk", OCC_MEDIA_SRTP_OFF);
  *b = media_fixture_leg (f, call_id, "agent", OCC_MEDIA_SRTP_OFF);
  g_autofree char *offer = bench_phone_sdp (phone_base + 4 * i, codec_a);
  g_autofree char *answer = f->media->leg_answer_offer (*a, offer, &e);
  g_assert_no_error (e);
  g_autofree char *offer_b = f->media->leg_offer (*b, *a, &e);
  g_autofree char *answer_b = bench_phone_sdp (phone_base + 4 * i + 2, codec_b);
  g_assert_true (f->media->leg_accept_answer (*b, answer_b, &e));
  g_assert_true (f->media->bridge (*a, *b, &e));
  g_assert_no_error (e);
  g_string_append_printf (ports, "%u %u\n", bench_sdp_port (answer), bench_sdp_port (offer_b));
}

BenchPhones *
bench_phones_start (const char *const *args, const char *ports)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) BENCH_PHONES_PATH);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  BenchPhones *p = g_new0 (BenchPhones, 1);
  int in_fd;
  g_autoptr (GError) e = NULL;
  if (!g_spawn_async_with_pipes (NULL, (char **) argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                 NULL, &p->pid, &in_fd, &p->out_fd, NULL, &e))
    g_error ("%s: %s", BENCH_PHONES_PATH, e->message);
  g_autoptr (GOutputStream) in = g_unix_output_stream_new (in_fd, TRUE);
  if (!g_output_stream_write_all (in, ports, strlen (ports), NULL, NULL, &e)
      || !g_output_stream_close (in, NULL, &e))
    g_error ("%s: %s", BENCH_PHONES_PATH, e->message);
  return p;
}

BenchPhonesResult
bench_phones_wait (BenchPhones *p)
{
  g_autoptr (GInputStream) out = g_unix_input_stream_new (p->out_fd, TRUE);
  char said[512] = "";
  gsize got = 0;
  g_input_stream_read_all (out, said, sizeof said - 1, &got, NULL, NULL);
  said[got] = '\0';
  int status = 0;
  waitpid (p->pid, &status, 0);
  g_spawn_close_pid (p->pid);
  g_free (p);
  g_autoptr (GError) e = NULL;
  if (!g_spawn_check_wait_status (status, &e))
    g_error ("%s: %s", BENCH_PHONES_PATH, e->message);
  BenchPhonesResult r = { 0 };
  if (sscanf (said,
              "sent %" G_GUINT64_FORMAT " received %" G_GUINT64_FORMAT
              " jitter %lf %lf keys %u window %" G_GUINT64_FORMAT,
              &r.sent, &r.received, &r.jitter_mean_ms, &r.jitter_worst_ms, &r.keys, &r.in_window)
      != 6)
    g_error ("bench-media-phones said: %s", said);
  return r;
}

guint
bench_thread_count (void)
{
  g_autoptr (GDir) d = g_dir_open ("/proc/self/task", 0, NULL);
  guint n = 0;
  while (d && g_dir_read_name (d))
    n++;
  return n;
}

guint64
bench_rss_kib (void)
{
  g_autofree char *status = NULL;
  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  const char *line = strstr (status, "VmRSS:");
  return line ? g_ascii_strtoull (line + 6, NULL, 10) : 0;
}

double
bench_cpu_seconds (void)
{
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec
         + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}
