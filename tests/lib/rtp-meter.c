/* An RTP endpoint that counts and keeps what arrives; see rtp-meter.h. */
#include "rtp-meter.h"

#include "dtmf.h"
#include "peers.h"
#include "tone.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_SAMPLES (8000 * 60)

struct _OccTestRtpMeter {
  int fd;
  int port;
  gboolean echo;
  GThread *thread;
  gint stop;   /* atomic */
  GMutex lock; /* guards what follows */
  guint packets;
  int payload_type;
  GArray *samples; /* gint16, 8 kHz */
  GString *events; /* the keys of RFC 4733 events */
  gboolean in_event;
  guint32 event_timestamp; /* of the last event packet */
};

static void
keep_audio (OccTestRtpMeter *m, int pt, const guint8 *payload, gsize len)
{
  if (pt != 0 && pt != 8)
    return;
  for (gsize i = 0; i < len && m->samples->len < MAX_SAMPLES; i++)
    {
      gint16 s = pt == 0 ? occ_test_ulaw_decode (payload[i]) : occ_test_alaw_decode (payload[i]);
      g_array_append_val (m->samples, s);
    }
}

/* An RFC 4733 packet: a new event (a new RTP timestamp) adds its key. */
static void
keep_event (OccTestRtpMeter *m, guint32 timestamp, const guint8 *payload, gsize len)
{
  OccTestDtmfEvent e;
  if (!occ_test_dtmf_event_parse (payload, len, &e) || occ_test_dtmf_event_key (e.event) == 0)
    return;
  if (m->in_event && timestamp == m->event_timestamp)
    return;
  m->in_event = TRUE;
  m->event_timestamp = timestamp;
  g_string_append_c (m->events, occ_test_dtmf_event_key (e.event));
}

/* One datagram: counted and kept if it is RTP. */
static void
take (OccTestRtpMeter *m, const guint8 *buf, gsize len)
{
  if (len < 12 || (buf[0] >> 6) != 2)
    return;
  int pt = buf[1] & 0x7f;
  gsize header = 12 + 4 * (gsize) (buf[0] & 0x0f);
  if (buf[0] & 0x10) /* an extension header */
    {
      if (len < header + 4)
        return;
      header += 4 + 4 * (gsize) (buf[header + 2] << 8 | buf[header + 3]);
    }
  gsize padding = (buf[0] & 0x20) ? buf[len - 1] : 0;
  if (len < header + padding)
    return;
  g_mutex_lock (&m->lock);
  m->packets++;
  m->payload_type = pt;
  if (pt == OCC_TEST_DTMF_PAYLOAD_TYPE)
    keep_event (m, (guint32) buf[4] << 24 | (guint32) buf[5] << 16 | (guint32) buf[6] << 8 | buf[7],
                buf + header, len - header - padding);
  else
    keep_audio (m, pt, buf + header, len - header - padding);
  g_mutex_unlock (&m->lock);
}

static gpointer
run (gpointer data)
{
  OccTestRtpMeter *m = data;
  guint8 buf[2048];
  while (!g_atomic_int_get (&m->stop))
    {
      struct pollfd p = { .fd = m->fd, .events = POLLIN };
      if (poll (&p, 1, 50) <= 0)
        continue;
      struct sockaddr_in from;
      socklen_t from_len = sizeof from;
      ssize_t n = recvfrom (m->fd, buf, sizeof buf, 0, (struct sockaddr *) &from, &from_len);
      if (n <= 0)
        continue;
      take (m, buf, (gsize) n);
      if (m->echo)
        sendto (m->fd, buf, (size_t) n, MSG_DONTWAIT, (struct sockaddr *) &from, from_len);
    }
  return NULL;
}

OccTestRtpMeter *
occ_test_rtp_meter_new (gboolean echo)
{
  OccTestRtpMeter *m = g_new0 (OccTestRtpMeter, 1);
  m->echo = echo;
  m->payload_type = -1;
  m->samples = g_array_new (FALSE, FALSE, sizeof (gint16));
  m->events = g_string_new (NULL);
  g_mutex_init (&m->lock);
  for (int attempt = 0; attempt < 20 && m->port == 0; attempt++)
    {
      int port = occ_test_free_udp_ports (2);
      m->fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      g_assert_cmpint (m->fd, >=, 0);
      struct sockaddr_in a = { .sin_family = AF_INET,
                               .sin_port = htons ((uint16_t) port),
                               .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
      if (bind (m->fd, (struct sockaddr *) &a, sizeof a) == 0)
        m->port = port;
      else
        close (m->fd);
    }
  g_assert_cmpint (m->port, >, 0);
  m->thread = g_thread_new ("rtp-meter", run, m);
  return m;
}

int
occ_test_rtp_meter_port (OccTestRtpMeter *m)
{
  return m->port;
}

guint
occ_test_rtp_meter_packets (OccTestRtpMeter *m)
{
  g_mutex_lock (&m->lock);
  guint n = m->packets;
  g_mutex_unlock (&m->lock);
  return n;
}

int
occ_test_rtp_meter_payload_type (OccTestRtpMeter *m)
{
  g_mutex_lock (&m->lock);
  int pt = m->payload_type;
  g_mutex_unlock (&m->lock);
  return pt;
}

typedef struct {
  OccTestRtpMeter *m;
  guint packets;
} Enough;

static gboolean
enough (gpointer data)
{
  Enough *e = data;
  return occ_test_rtp_meter_packets (e->m) >= e->packets;
}

gboolean
occ_test_rtp_meter_wait (OccTestRtpMeter *m, guint packets, guint timeout_ms)
{
  Enough e = { m, packets };
  return occ_test_poll_until (enough, &e, timeout_ms);
}

double
occ_test_rtp_meter_tone_seconds (OccTestRtpMeter *m, guint hz)
{
  g_mutex_lock (&m->lock);
  double s = occ_test_tone_seconds ((const gint16 *) m->samples->data, m->samples->len, 8000, hz);
  g_mutex_unlock (&m->lock);
  return s;
}

char *
occ_test_rtp_meter_dtmf (OccTestRtpMeter *m)
{
  g_mutex_lock (&m->lock);
  char *keys = occ_test_dtmf_detect ((const gint16 *) m->samples->data, m->samples->len, 8000);
  g_mutex_unlock (&m->lock);
  return keys;
}

char *
occ_test_rtp_meter_events (OccTestRtpMeter *m)
{
  g_mutex_lock (&m->lock);
  char *keys = g_strdup (m->events->str);
  g_mutex_unlock (&m->lock);
  return keys;
}

void
occ_test_rtp_meter_free (OccTestRtpMeter *m)
{
  if (m == NULL)
    return;
  g_atomic_int_set (&m->stop, 1);
  g_thread_join (m->thread);
  close (m->fd);
  g_array_unref (m->samples);
  g_string_free (m->events, TRUE);
  g_mutex_clear (&m->lock);
  g_free (m);
}
