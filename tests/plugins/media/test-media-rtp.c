/* The media plugin's RTP helpers, compiled in: receive statistics (RFC
 * 3550), the jitter buffer, RFC 4733 DTMF and RTCP packets. */
#include "dtmf.h"
#include "jitterbuf.h"
#include "mix.h"
#include "rtcp.h"
#include "rtpstats.h"

#include <gst/rtp/rtp.h>

/* --- RFC 3550 statistics ------------------------------------------------------- */

static void
test_stats_loss_and_wrap (void)
{
  MediaRecvStats s = { 0 };
  guint64 ext;
  /* 65530 .. 65535, 0 .. 9 with 3 and 4 missing: 16 expected, 14 received */
  for (guint i = 0; i < 16; i++)
    {
      guint16 seq = (guint16) (65530 + i);
      if (seq == 3 || seq == 4)
        continue;
      g_assert_true (media_recv_stats_packet (&s, 42, seq, 172, &ext));
      g_assert_cmpuint (ext, ==, 65530 + i);
    }
  g_assert_cmpuint (s.packets, ==, 14);
  g_assert_cmpuint (s.bytes, ==, 14 * 172);
  g_assert_cmpuint (media_recv_stats_lost (&s), ==, 2);
  g_assert_cmpuint (media_recv_stats_ext_max (&s), ==, 65536 + 9);
  /* a late one fills a hole, with its extended number before the wrap */
  g_assert_true (media_recv_stats_packet (&s, 42, 3, 172, &ext));
  g_assert_cmpuint (ext, ==, 65536 + 3);
  g_assert_cmpuint (media_recv_stats_lost (&s), ==, 1);
  guint8 fraction;
  gint32 cumulative;
  media_recv_stats_interval (&s, &fraction, &cumulative);
  g_assert_cmpint (cumulative, ==, 1);
  g_assert_cmpuint (fraction, ==, 256 / 16);
  /* the next interval lost nothing */
  g_assert_true (media_recv_stats_packet (&s, 42, 10, 172, &ext));
  media_recv_stats_interval (&s, &fraction, &cumulative);
  g_assert_cmpuint (fraction, ==, 0);
}

static void
test_stats_jump_and_new_source (void)
{
  MediaRecvStats s = { 0 };
  guint64 ext;
  for (guint16 seq = 100; seq < 110; seq++)
    g_assert_true (media_recv_stats_packet (&s, 1, seq, 100, &ext));
  /* a far jump is taken only when the next packet follows it */
  g_assert_false (media_recv_stats_packet (&s, 1, 30000, 100, &ext));
  g_assert_true (media_recv_stats_packet (&s, 1, 30001, 100, &ext));
  g_assert_cmpuint (media_recv_stats_lost (&s), ==, 0);
  /* a new SSRC starts afresh, the loss so far is kept */
  g_assert_true (media_recv_stats_packet (&s, 1, 30003, 100, &ext));
  g_assert_cmpuint (media_recv_stats_lost (&s), ==, 1);
  g_assert_true (media_recv_stats_packet (&s, 2, 5, 100, &ext));
  g_assert_true (media_recv_stats_packet (&s, 2, 6, 100, &ext));
  g_assert_cmpuint (media_recv_stats_lost (&s), ==, 1);
}

static void
test_stats_jitter (void)
{
  MediaRecvStats s = { 0 };
  /* perfectly paced: no jitter */
  for (guint i = 0; i < 50; i++)
    media_recv_stats_jitter (&s, 1000 + i * 160, 5000 + i * 160);
  g_assert_cmpfloat (s.jitter, <, 0.001);
  /* every other packet 80 units (10 ms) late: J converges to 80 */
  for (guint i = 50; i < 1000; i++)
    media_recv_stats_jitter (&s, 1000 + i * 160, 5000 + i * 160 + (i % 2) * 80);
  g_assert_cmpfloat (s.jitter, >, 75);
  g_assert_cmpfloat (s.jitter, <, 85);
}

/* --- jitter buffer ------------------------------------------------------------- */

typedef struct {
  GArray *out;
} Sink;

static void
collect (gpointer item, gpointer data)
{
  Sink *s = data;
  guint v = GPOINTER_TO_UINT (item);
  g_array_append_val (s->out, v);
}

static void
nothing (gpointer item)
{
  (void) item;
}

static void
test_jb_reorders (void)
{
  MediaJitterBuffer jb;
  media_jb_init (&jb, 60, nothing);
  Sink s = { g_array_new (FALSE, FALSE, sizeof (guint)) };
  /* 13 again after its turn and 9 before the start are late; 15 twice
   * while it waits for 14 is a duplicate */
  guint order[] = { 10, 12, 11, 13, 13, 9, 15, 15 };
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    media_jb_push (&jb, GUINT_TO_POINTER (order[i]), order[i], 1000 * i, collect, &s);
  g_assert_cmpuint (s.out->len, ==, 4);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (g_array_index (s.out, guint, i), ==, 10 + i);
  g_assert_cmpuint (jb.duplicates, ==, 1);
  g_assert_cmpuint (jb.late, ==, 2);
  g_assert_cmpint (media_jb_deadline (&jb), ==, 6000 + 60000);
  media_jb_clear (&jb);
  g_assert_cmpint (media_jb_deadline (&jb), ==, 0);
  g_array_unref (s.out);
}

static void
test_jb_gives_up_after_latency (void)
{
  MediaJitterBuffer jb;
  media_jb_init (&jb, 60, nothing);
  Sink s = { g_array_new (FALSE, FALSE, sizeof (guint)) };
  media_jb_push (&jb, GUINT_TO_POINTER (1), 1, 0, collect, &s);
  /* 2 is lost: 3 and 4 wait for it */
  media_jb_push (&jb, GUINT_TO_POINTER (3), 3, 20000, collect, &s);
  media_jb_push (&jb, GUINT_TO_POINTER (4), 4, 40000, collect, &s);
  g_assert_cmpuint (s.out->len, ==, 1);
  g_assert_cmpint (media_jb_deadline (&jb), ==, 80000);
  media_jb_tick (&jb, 79999, collect, &s);
  g_assert_cmpuint (s.out->len, ==, 1);
  media_jb_tick (&jb, 80000, collect, &s);
  g_assert_cmpuint (s.out->len, ==, 3);
  g_assert_cmpuint (g_array_index (s.out, guint, 2), ==, 4);
  g_assert_cmpuint (jb.skipped, ==, 1);
  /* 2 arrives after all: too late */
  media_jb_push (&jb, GUINT_TO_POINTER (2), 2, 90000, collect, &s);
  g_assert_cmpuint (jb.late, ==, 1);
  g_array_unref (s.out);
}

static void
test_jb_zero_latency_and_jumps (void)
{
  MediaJitterBuffer jb;
  media_jb_init (&jb, 0, nothing);
  Sink s = { g_array_new (FALSE, FALSE, sizeof (guint)) };
  media_jb_push (&jb, GUINT_TO_POINTER (1), 1, 0, collect, &s);
  media_jb_push (&jb, GUINT_TO_POINTER (3), 3, 0, collect, &s);
  g_assert_cmpuint (s.out->len, ==, 2);
  media_jb_clear (&jb);
  media_jb_init (&jb, 60, nothing);
  media_jb_push (&jb, GUINT_TO_POINTER (1), 1, 0, collect, &s);
  media_jb_push (&jb, GUINT_TO_POINTER (3), 3, 0, collect, &s);
  /* far ahead: what waits is let go at once */
  media_jb_push (&jb, GUINT_TO_POINTER (1000), 1000, 0, collect, &s);
  g_assert_cmpuint (s.out->len, ==, 5);
  g_assert_cmpuint (g_array_index (s.out, guint, 4), ==, 1000);
  g_array_unref (s.out);
}

/* --- RFC 4733 ------------------------------------------------------------------- */

static void
event (guint8 *p, guint8 code, gboolean end, guint16 duration)
{
  p[0] = code;
  p[1] = (end ? 0x80 : 0) | 10;
  p[2] = (guint8) (duration >> 8);
  p[3] = (guint8) duration;
}

static void
test_dtmf_digit (void)
{
  MediaDtmfRx d = { 0 };
  MediaDtmfDigit done[2];
  gboolean fwd;
  guint8 p[4];
  for (guint i = 1; i <= 5; i++)
    {
      event (p, 5, FALSE, (guint16) (i * 160));
      g_assert_cmpuint (media_dtmf_rx_packet (&d, p, 4, 8000, i * 20000, done, &fwd), ==, 0);
      g_assert_true (fwd);
    }
  event (p, 5, TRUE, 960);
  g_assert_cmpuint (media_dtmf_rx_packet (&d, p, 4, 8000, 120000, done, &fwd), ==, 1);
  g_assert_cmpint (done[0].digit, ==, '5');
  g_assert_cmpuint (done[0].duration, ==, 960);
  /* the end's two repeats: passed on, not reported again */
  for (guint i = 0; i < 2; i++)
    {
      g_assert_cmpuint (media_dtmf_rx_packet (&d, p, 4, 8000, 140000, done, &fwd), ==, 0);
      g_assert_true (fwd);
    }
  /* # and other events */
  event (p, 11, TRUE, 800);
  g_assert_cmpuint (media_dtmf_rx_packet (&d, p, 4, 9600, 200000, done, &fwd), ==, 1);
  g_assert_cmpint (done[0].digit, ==, '#');
  event (p, 16, TRUE, 800); /* flash */
  g_assert_cmpuint (media_dtmf_rx_packet (&d, p, 4, 12000, 300000, done, &fwd), ==, 0);
  g_assert_false (fwd);
  g_assert_cmpuint (media_dtmf_rx_packet (&d, p, 3, 12000, 300000, done, &fwd), ==, 0);
  g_assert_false (fwd);
  g_assert_cmpint (media_dtmf_digit (12), ==, 'A');
  g_assert_cmpint (media_dtmf_digit (10), ==, '*');
}

static void
test_dtmf_lost_end (void)
{
  MediaDtmfRx d = { 0 };
  MediaDtmfDigit done[2];
  gboolean fwd;
  guint8 p[4];
  event (p, 1, FALSE, 400);
  media_dtmf_rx_packet (&d, p, 4, 1000, 0, done, &fwd);
  /* the next digit starts: the first ends with what it had */
  event (p, 2, FALSE, 160);
  g_assert_cmpuint (media_dtmf_rx_packet (&d, p, 4, 5000, 50000, done, &fwd), ==, 1);
  g_assert_cmpint (done[0].digit, ==, '1');
  g_assert_cmpuint (done[0].duration, ==, 400);
  /* no more packets: it ends after the time-out */
  g_assert_false (media_dtmf_rx_timeout (&d, 500000, 1000000, &done[0]));
  g_assert_true (media_dtmf_rx_timeout (&d, 1050000, 1000000, &done[0]));
  g_assert_cmpint (done[0].digit, ==, '2');
  g_assert_false (media_dtmf_rx_timeout (&d, 2000000, 1000000, &done[0]));
}

/* --- RTCP ------------------------------------------------------------------------ */

static void
test_rtcp_roundtrip (void)
{
  MediaRtcpReport r = { .ssrc = 0x11111111,
                        .cname = "abc@omnicc",
                        .sender = TRUE,
                        .ntp = G_GUINT64_CONSTANT (0x0123456789abcdef),
                        .rtp_ts = 4242,
                        .packets_sent = 100,
                        .octets_sent = 16000,
                        .have_block = TRUE,
                        .remote_ssrc = 0x22222222,
                        .fraction_lost = 12,
                        .cumulative_lost = 3,
                        .ext_max_seq = 70000,
                        .jitter = 40,
                        .lsr = 0x5555,
                        .dlsr = 0x10000,
                        .bye = TRUE };
  g_autoptr (GstBuffer) buf = media_rtcp_build (&r);
  g_assert_true (gst_rtcp_buffer_validate (buf));
  /* the remote reads our report as a report on its stream */
  MediaRtcpInfo info;
  g_assert_true (media_rtcp_parse (buf, 0x22222222, &info));
  g_assert_true (info.have_sr);
  g_assert_cmpuint (info.sr_ssrc, ==, 0x11111111);
  g_assert_cmpuint (info.sr_ntp_middle, ==, 0x456789ab);
  g_assert_true (info.have_block);
  g_assert_cmpuint (info.fraction_lost, ==, 12);
  g_assert_cmpint (info.cumulative_lost, ==, 3);
  g_assert_cmpuint (info.jitter, ==, 40);
  g_assert_cmpuint (info.lsr, ==, 0x5555);
  g_assert_true (info.bye);
  /* a receiver report, about someone else */
  r.sender = FALSE;
  r.bye = FALSE;
  g_autoptr (GstBuffer) rr = media_rtcp_build (&r);
  g_assert_true (media_rtcp_parse (rr, 0x33333333, &info));
  g_assert_false (info.have_sr);
  g_assert_false (info.have_block);
  /* not RTCP */
  guint8 junk[12] = { 0x80, 0x00 };
  g_autoptr (GstBuffer) j = gst_buffer_new_memdup (junk, sizeof junk);
  g_assert_false (media_rtcp_parse (j, 1, &info));
}

/* --- mix.c: rings, A-law, players ------------------------------------------------------ */

static void
test_ring_places_by_time (void)
{
  static MediaRing r;
  media_ring_init (&r, 1000);
  gint16 a[4] = { 100, 200, 300, 400 };
  /* too late (before the window) and too early (a ring ahead) are dropped */
  g_assert_cmpuint (media_ring_add (&r, 998, a, 4), ==, 2);
  g_assert_cmpuint (media_ring_add (&r, 1000 + MEDIA_RING - 1, a, 4), ==, 1);
  /* two sources at one instant add up, and saturate */
  gint16 loud[2] = { 30000, -30000 };
  media_ring_add (&r, 1010, loud, 2);
  media_ring_add (&r, 1010, loud, 2);
  gint32 out[12] = { 0 };
  media_ring_take (&r, out, 12);
  g_assert_cmpint (out[0], ==, 300);
  g_assert_cmpint (out[1], ==, 400);
  g_assert_cmpint (out[2], ==, 0);
  g_assert_cmpint (out[10], ==, G_MAXINT16);
  g_assert_cmpint (out[11], ==, G_MININT16);
  g_assert_cmpint (r.pos, ==, 1012);
  /* what was taken is cleared: the slot is silent when the ring comes round */
  memset (out, 0, sizeof out);
  media_ring_seek (&r, 1000 + MEDIA_RING);
  media_ring_take (&r, out, 12);
  for (guint i = 0; i < 12; i++)
    g_assert_cmpint (out[i], ==, 0);
  /* a seek far ahead forgets everything */
  media_ring_add (&r, r.pos + 5, a, 1);
  media_ring_seek (&r, r.pos + 10 * MEDIA_RING);
  media_ring_take (&r, out, 12);
  for (guint i = 0; i < 12; i++)
    g_assert_cmpint (out[i], ==, 0);
}

/* A-law (G.711): each code decodes into the segment its sample came from;
 * reference points from the standard's tables. */
static gint
alaw_decode (guint8 code)
{
  code ^= 0x55;
  gint seg = (code >> 4) & 7, mant = code & 0x0f;
  gint v = seg == 0 ? (mant << 4) + 8 : ((mant << 4) + 0x108) << (seg - 1);
  return (code & 0x80) ? v : -v;
}

static void
test_alaw (void)
{
  g_assert_cmphex (media_alaw_encode (0), ==, 0xd5);
  g_assert_cmphex (media_alaw_encode (-1), ==, 0x55);
  g_assert_cmphex (media_alaw_encode (G_MAXINT16), ==, 0xaa);
  g_assert_cmphex (media_alaw_encode (G_MININT16), ==, 0x2a);
  for (gint x = G_MININT16; x <= G_MAXINT16; x += 7)
    {
      gint y = alaw_decode (media_alaw_encode ((gint16) x));
      /* the quantisation step grows with the segment: at most 1/16 of |x| (+ 16) */
      g_assert_cmpint (ABS (y - x), <=, ABS (x) / 16 + 16);
    }
}

static MediaPrompt *
prompt_of (gint16 value, gsize n)
{
  MediaPrompt *p = g_new0 (MediaPrompt, 1);
  p->ref = 1;
  p->samples = g_new (gint16, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    p->samples[i] = value;
  p->n = n;
  return p;
}

static void
test_player (void)
{
  g_autoptr (MediaPrompt) one = prompt_of (1, 100);
  g_autoptr (MediaPrompt) two = prompt_of (2, 150);
  g_autoptr (MediaPrompt) empty = prompt_of (0, 0);
  MediaPrompt *list[] = { one, empty, two };
  MediaPlayer *p = media_player_new (7, list, 3, FALSE);
  gint32 out[160] = { 0 };
  /* 250 samples over two frames: 100 of 1, then 150 of 2, then the end */
  g_assert_true (media_player_fill (p, out, 160));
  g_assert_cmpint (out[99], ==, 1);
  g_assert_cmpint (out[100], ==, 2);
  memset (out, 0, sizeof out);
  g_assert_false (media_player_fill (p, out, 160));
  g_assert_cmpint (out[89], ==, 2);
  g_assert_cmpint (out[90], ==, 0);
  media_player_free (p);
  /* a loop comes round; a loop of nothing but empty prompts ends */
  p = media_player_new (8, list, 1, TRUE);
  for (guint i = 0; i < 10; i++)
    g_assert_true (media_player_fill (p, out, 160));
  media_player_free (p);
  MediaPrompt *nothing[] = { empty };
  p = media_player_new (9, nothing, 1, TRUE);
  g_assert_false (media_player_fill (p, out, 160));
  media_player_free (p);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/media/rtp/stats/loss-across-the-wrap", test_stats_loss_and_wrap);
  g_test_add_func ("/media/rtp/stats/jump-and-new-source", test_stats_jump_and_new_source);
  g_test_add_func ("/media/rtp/stats/interarrival-jitter", test_stats_jitter);
  g_test_add_func ("/media/rtp/jitter-buffer/reorders-and-drops", test_jb_reorders);
  g_test_add_func ("/media/rtp/jitter-buffer/gives-up-after-latency",
                   test_jb_gives_up_after_latency);
  g_test_add_func ("/media/rtp/jitter-buffer/zero-latency-and-jumps",
                   test_jb_zero_latency_and_jumps);
  g_test_add_func ("/media/rtp/dtmf/digit-once-with-duration", test_dtmf_digit);
  g_test_add_func ("/media/rtp/dtmf/lost-end-packets", test_dtmf_lost_end);
  g_test_add_func ("/media/rtp/rtcp/report-round-trip", test_rtcp_roundtrip);
  g_test_add_func ("/media/mix/ring-places-by-time", test_ring_places_by_time);
  g_test_add_func ("/media/mix/alaw", test_alaw);
  g_test_add_func ("/media/mix/player", test_player);
  return g_test_run ();
}
