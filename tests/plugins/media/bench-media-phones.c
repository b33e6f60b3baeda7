/* The remote phones of bench-media and bench-ivr, in a process of their
 * own so that the daemon side's CPU can be measured alone:
 *
 *   bench-media-phones CALLS PHONE_BASE SECONDS [PT_B] [OPTIONS] < "LEG_A LEG_B" lines
 *
 * Call i has phone A on PHONE_BASE + 4i (RTCP + 1) talking to the leg on
 * port LEG_A, phone B on PHONE_BASE + 4i + 2 talking to LEG_B, all on
 * 127.0.0.1. Every phone sends a 20 ms G.711 packet every 20 ms (A-law,
 * payload type 8; phone B with PT_B: 0 for µ-law)
 * (spread over the 20 ms, as independent phones are) for SECONDS, then
 * waits half a second for the last ones, and prints
 *
 *   sent <packets> received <packets> jitter <mean ms> <max ms> keys <n> window <packets>
 *
 * the jitter being RFC 3550's interarrival jitter of what each phone
 * received (the variation of delay the daemon added), mean and worst over
 * the phones; keys the in-band DTMF keys phone A pressed; window the
 * packets received while the phones were sending (from the first 20 ms
 * round to the last: SECONDS × 50 a phone when nothing is lost).
 *
 * Options (what the phones say is silence unless told):
 *   --one          one phone a call (phone A): the input has one port a line
 *   --pt-a PT      phone A's payload type (default 8)
 *   --tone-a HZ    phone A says a HZ tone (µ-law: payload type 0 only)
 *   --tone-b HZ    phone B likewise
 *   --keys-every MS  phone A presses an in-band DTMF key (100 ms, in place of
 *                  its tone; 1 2 3 … # in turn) every MS ms, the phones'
 *                  first presses spread over the first MS ms */
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "dtmf.h"
#include "tone.h"

#define PAYLOAD 160
#define GROUPS 20 /* 1 ms apart */
#define KEY_MS 100
#define KEY_PACKETS (KEY_MS / 20)
#define LOOP_SAMPLES 8000 /* a second: a whole number of periods of an integer Hz */

static const char keys[] = "123456789*0#";

typedef struct {
  int fd;
  int rtcp_fd;
  guint16 seq;
  guint32 ts;
  guint32 ssrc;
  guint8 pt;
  guint64 sent;
  guint64 received;
  gboolean have_transit;
  gint64 transit; /* RTP timestamp units */
  double jitter;
  guint64 in_window;
  const guint8 *audio; /* LOOP_SAMPLES of what it says, or NULL: silence */
  guint audio_pos;
  guint64 next_key; /* the tick of its next key press (0: none) */
  guint key_left;   /* packets of the key being pressed */
  guint keys;       /* pressed */
} BenchPhone;

typedef struct {
  gboolean one;
  guint pt_a;
  guint tone_a;
  guint tone_b;
  guint keys_every;
} Options;

/* µ-law bytes of @n samples (transfer full) */
static guint8 *
ulaw (gint16 *samples, gsize n)
{
  guint8 *out = g_new (guint8, n);
  for (gsize i = 0; i < n; i++)
    out[i] = occ_test_ulaw_encode (samples[i]);
  g_free (samples);
  return out;
}

static int
udp_socket (guint port, guint to_port)
{
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons ((guint16) port) };
  a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (fd < 0 || bind (fd, (struct sockaddr *) &a, sizeof a) < 0)
    {
      fprintf (stderr, "bench-media-phones: port %u: %s\n", port, g_strerror (errno));
      exit (1);
    }
  int size = 1 << 20;
  setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  if (to_port)
    {
      a.sin_port = htons ((guint16) to_port);
      connect (fd, (struct sockaddr *) &a, sizeof a);
    }
  return fd;
}

/* @key_audio: KEY_MS of each key of keys[], µ-law */
static void
send_packet (BenchPhone *p, guint8 *const *key_audio, guint64 tick, guint64 last_tick,
             guint keys_every)
{
  guint8 pkt[12 + PAYLOAD];
  pkt[0] = 0x80;
  pkt[1] = p->pt;
  pkt[2] = (guint8) (p->seq >> 8);
  pkt[3] = (guint8) p->seq;
  for (int i = 0; i < 4; i++)
    {
      pkt[4 + i] = (guint8) (p->ts >> (24 - 8 * i));
      pkt[8 + i] = (guint8) (p->ssrc >> (24 - 8 * i));
    }
  if (p->next_key && tick >= p->next_key && tick + 2 * KEY_MS < last_tick)
    {
      p->key_left = KEY_PACKETS;
      p->keys++;
      p->next_key += keys_every;
    }
  if (p->key_left > 0)
    {
      guint k = (p->keys - 1) % (sizeof keys - 1);
      memcpy (pkt + 12, key_audio[k] + (KEY_PACKETS - p->key_left) * PAYLOAD, PAYLOAD);
      p->key_left--;
    }
  else if (p->audio)
    memcpy (pkt + 12, p->audio + p->audio_pos, PAYLOAD);
  else
    memset (pkt + 12, p->pt == 0 ? 0xff : 0xd5, PAYLOAD); /* silence */
  p->audio_pos = (p->audio_pos + PAYLOAD) % LOOP_SAMPLES;
  p->seq++;
  p->ts += PAYLOAD;
  if (send (p->fd, pkt, sizeof pkt, 0) == (ssize_t) sizeof pkt)
    p->sent++;
}

static void
drain (int fd, BenchPhone *p, gboolean sending)
{
  guint8 buf[2048];
  for (;;)
    {
      ssize_t n = recv (fd, buf, sizeof buf, 0);
      if (n < 0)
        return;
      if (p == NULL || n < 12)
        continue;
      p->received++;
      if (sending)
        p->in_window++;
      /* RFC 3550 A.8, at 8 kHz */
      guint32 ts = (guint32) buf[4] << 24 | (guint32) buf[5] << 16 | (guint32) buf[6] << 8 | buf[7];
      gint64 arrival = g_get_monotonic_time () * 8 / 1000;
      gint64 transit = (gint32) ((guint32) arrival - ts);
      if (p->have_transit)
        {
          gint64 d = transit - p->transit;
          p->jitter += ((double) ABS (d) - p->jitter) / 16.0;
        }
      p->transit = transit;
      p->have_transit = TRUE;
    }
}

static gboolean
parse_options (int *argc, char ***argv, Options *o)
{
  gint pt_a = 8, tone_a = 0, tone_b = 0, keys_every = 0;
  GOptionEntry entries[] = {
    { "one", 0, 0, G_OPTION_ARG_NONE, &o->one, "one phone a call", NULL },
    { "pt-a", 0, 0, G_OPTION_ARG_INT, &pt_a, "phone A's payload type", "PT" },
    { "tone-a", 0, 0, G_OPTION_ARG_INT, &tone_a, "phone A says a tone", "HZ" },
    { "tone-b", 0, 0, G_OPTION_ARG_INT, &tone_b, "phone B says a tone", "HZ" },
    { "keys-every", 0, 0, G_OPTION_ARG_INT, &keys_every, "phone A presses keys", "MS" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("CALLS PHONE_BASE SECONDS [PT_B] < ports");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) e = NULL;
  if (!g_option_context_parse (ctx, argc, argv, &e))
    {
      fprintf (stderr, "bench-media-phones: %s\n", e->message);
      return FALSE;
    }
  o->pt_a = (guint) pt_a;
  o->tone_a = (guint) MAX (tone_a, 0);
  o->tone_b = (guint) MAX (tone_b, 0);
  o->keys_every = (guint) MAX (keys_every, 0);
  if ((o->tone_a || o->keys_every) && o->pt_a != 0)
    {
      fprintf (stderr, "bench-media-phones: tones and keys are µ-law: --pt-a 0\n");
      return FALSE;
    }
  return TRUE;
}

static const guint8 *
tone_audio (guint hz, GPtrArray *keep)
{
  if (hz == 0)
    return NULL;
  guint8 *a = ulaw (occ_test_tone_samples (hz, 8000, LOOP_SAMPLES), LOOP_SAMPLES);
  g_ptr_array_add (keep, a);
  return a;
}

int
main (int argc, char **argv)
{
  Options o = { 0 };
  if (!parse_options (&argc, &argv, &o) || (argc != 4 && argc != 5))
    {
      fprintf (stderr, "usage: bench-media-phones CALLS PHONE_BASE SECONDS [PT_B] [--one] "
                       "[--pt-a PT] [--tone-a HZ] [--tone-b HZ] [--keys-every MS] < ports\n");
      return 2;
    }
  guint calls = (guint) atoi (argv[1]);
  guint base = (guint) atoi (argv[2]);
  guint seconds = (guint) atoi (argv[3]);
  guint8 pt_b = argc == 5 ? (guint8) atoi (argv[4]) : 8;
  if (o.tone_b && pt_b != 0)
    {
      fprintf (stderr, "bench-media-phones: tones are µ-law: PT_B 0\n");
      return 2;
    }
  guint per_call = o.one ? 1 : 2;
  guint n = per_call * calls;
  g_autoptr (GPtrArray) keep = g_ptr_array_new_with_free_func (g_free);
  const guint8 *said[2] = { tone_audio (o.tone_a, keep), tone_audio (o.tone_b, keep) };
  guint8 *key_audio[sizeof keys - 1];
  for (guint k = 0; k < sizeof keys - 1; k++)
    {
      key_audio[k] = ulaw (occ_test_dtmf_key_samples (keys[k], 8000, KEY_MS * 8), KEY_MS * 8);
      g_ptr_array_add (keep, key_audio[k]);
    }
  BenchPhone *phones = g_new0 (BenchPhone, n);
  int ep = epoll_create1 (EPOLL_CLOEXEC);
  for (guint i = 0; i < calls; i++)
    {
      guint to[2] = { 0, 0 };
      if (scanf ("%u", &to[0]) != 1 || (!o.one && scanf ("%u", &to[1]) != 1))
        {
          fprintf (stderr, "bench-media-phones: ports of call %u missing\n", i);
          return 1;
        }
      for (guint k = 0; k < per_call; k++)
        {
          BenchPhone *p = &phones[per_call * i + k];
          guint port = base + 4 * i + 2 * k;
          p->fd = udp_socket (port, to[k]);
          p->rtcp_fd = udp_socket (port + 1, 0);
          p->ssrc = g_random_int ();
          p->pt = k == 0 ? (guint8) o.pt_a : pt_b;
          p->seq = (guint16) g_random_int ();
          p->ts = g_random_int ();
          p->audio = said[k];
          if (k == 0 && o.keys_every)
            p->next_key = 1 + (guint64) g_random_int_range (0, (gint32) o.keys_every);
          guint32 id = per_call * i + k;
          struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 2 * id };
          epoll_ctl (ep, EPOLL_CTL_ADD, p->fd, &ev);
          ev.data.u32 = 2 * id + 1;
          epoll_ctl (ep, EPOLL_CTL_ADD, p->rtcp_fd, &ev);
        }
    }
  int tfd = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC);
  struct itimerspec its = { { 0, 1000000 }, { 0, 1000000 } };
  timerfd_settime (tfd, 0, &its, NULL);
  struct epoll_event tev = { .events = EPOLLIN, .data.u32 = G_MAXUINT32 };
  epoll_ctl (ep, EPOLL_CTL_ADD, tfd, &tev);

  guint64 ticks = 0, last_ticks = (guint64) seconds * 1000;
  gint64 end = 0;
  struct epoll_event evs[256];
  for (;;)
    {
      int k = epoll_wait (ep, evs, G_N_ELEMENTS (evs), 10);
      for (int e = 0; e < k; e++)
        {
          guint32 d = evs[e].data.u32;
          if (d == G_MAXUINT32)
            {
              guint64 exp = 0;
              if (read (tfd, &exp, sizeof exp) != sizeof exp)
                continue;
              /* each expiry is a 1 ms group, even those the loop was late for */
              for (guint64 t = 0; t < exp && ticks < last_ticks; t++, ticks++)
                for (guint i = (guint) (ticks % GROUPS); i < n; i += GROUPS)
                  send_packet (&phones[i], key_audio, ticks, last_ticks, o.keys_every);
              continue;
            }
          BenchPhone *p = &phones[d / 2];
          if (d % 2)
            drain (p->rtcp_fd, NULL, FALSE);
          else
            drain (p->fd, p, ticks > 0 && ticks < last_ticks);
        }
      if (ticks >= last_ticks && end == 0)
        end = g_get_monotonic_time () + 500000;
      if (end && g_get_monotonic_time () >= end)
        break;
    }
  guint64 sent = 0, received = 0, in_window = 0;
  guint pressed = 0;
  double jitter = 0, worst = 0;
  for (guint i = 0; i < n; i++)
    {
      sent += phones[i].sent;
      received += phones[i].received;
      in_window += phones[i].in_window;
      pressed += phones[i].keys;
      jitter += phones[i].jitter / 8.0 / n;
      worst = MAX (worst, phones[i].jitter / 8.0);
      close (phones[i].fd);
      close (phones[i].rtcp_fd);
    }
  printf ("sent %" G_GUINT64_FORMAT " received %" G_GUINT64_FORMAT
          " jitter %.2f %.2f keys %u window %" G_GUINT64_FORMAT "\n",
          sent, received, jitter, worst, pressed, in_window);
  g_free (phones);
  return 0;
}
