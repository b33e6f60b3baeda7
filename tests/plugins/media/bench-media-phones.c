/* The remote phones of bench-media, in a process of their own so that the
 * daemon side's CPU can be measured alone:
 *
 *   bench-media-phones CALLS PHONE_BASE SECONDS [PT_B] < "LEG_A LEG_B" lines
 *
 * Call i has phone A on PHONE_BASE + 4i (RTCP + 1) talking to the leg on
 * port LEG_A, phone B on PHONE_BASE + 4i + 2 talking to LEG_B, all on
 * 127.0.0.1. Every phone sends a 20 ms G.711 packet every 20 ms (A-law,
 * payload type 8; phone B with PT_B: 0 for µ-law)
 * (spread over the 20 ms, as independent phones are) for SECONDS, then
 * waits half a second for the last ones, and prints
 *
 *   sent <packets> received <packets> jitter <mean ms> <max ms>
 *
 * the jitter being RFC 3550's interarrival jitter of what each phone
 * received (the variation of delay the daemon added), mean and worst over
 * the phones. */
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

#define PAYLOAD 160
#define GROUPS 20 /* 1 ms apart */

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
} BenchPhone;

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

static void
send_packet (BenchPhone *p)
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
  memset (pkt + 12, p->pt == 0 ? 0xff : 0xd5, PAYLOAD); /* silence */
  p->seq++;
  p->ts += PAYLOAD;
  if (send (p->fd, pkt, sizeof pkt, 0) == (ssize_t) sizeof pkt)
    p->sent++;
}

static void
drain (int fd, BenchPhone *p)
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

int
main (int argc, char **argv)
{
  if (argc != 4 && argc != 5)
    {
      fprintf (stderr, "usage: bench-media-phones CALLS PHONE_BASE SECONDS [PT_B] < ports\n");
      return 2;
    }
  guint calls = (guint) atoi (argv[1]);
  guint base = (guint) atoi (argv[2]);
  guint seconds = (guint) atoi (argv[3]);
  guint8 pt_b = argc == 5 ? (guint8) atoi (argv[4]) : 8;
  guint n = 2 * calls;
  BenchPhone *phones = g_new0 (BenchPhone, n);
  int ep = epoll_create1 (EPOLL_CLOEXEC);
  for (guint i = 0; i < calls; i++)
    {
      guint la, lb;
      if (scanf ("%u %u", &la, &lb) != 2)
        {
          fprintf (stderr, "bench-media-phones: ports of call %u missing\n", i);
          return 1;
        }
      guint to[2] = { la, lb };
      for (guint k = 0; k < 2; k++)
        {
          BenchPhone *p = &phones[2 * i + k];
          guint port = base + 4 * i + 2 * k;
          p->fd = udp_socket (port, to[k]);
          p->rtcp_fd = udp_socket (port + 1, 0);
          p->ssrc = g_random_int ();
          p->pt = k == 0 ? 8 : pt_b;
          p->seq = (guint16) g_random_int ();
          p->ts = g_random_int ();
          struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 2 * (2 * i + k) };
          epoll_ctl (ep, EPOLL_CTL_ADD, p->fd, &ev);
          ev.data.u32 = 2 * (2 * i + k) + 1;
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
                  send_packet (&phones[i]);
              continue;
            }
          BenchPhone *p = &phones[d / 2];
          if (d % 2)
            drain (p->rtcp_fd, NULL);
          else
            drain (p->fd, p);
        }
      if (ticks >= last_ticks && end == 0)
        end = g_get_monotonic_time () + 500000;
      if (end && g_get_monotonic_time () >= end)
        break;
    }
  guint64 sent = 0, received = 0;
  double jitter = 0, worst = 0;
  for (guint i = 0; i < n; i++)
    {
      sent += phones[i].sent;
      received += phones[i].received;
      jitter += phones[i].jitter / 8.0 / n;
      worst = MAX (worst, phones[i].jitter / 8.0);
      close (phones[i].fd);
      close (phones[i].rtcp_fd);
    }
  printf ("sent %" G_GUINT64_FORMAT " received %" G_GUINT64_FORMAT " jitter %.2f %.2f\n", sent,
          received, jitter, worst);
  g_free (phones);
  return 0;
}
