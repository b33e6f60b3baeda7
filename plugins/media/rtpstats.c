/* See rtpstats.h; the algorithms are RFC 3550's appendix A. */
#include "rtpstats.h"

#define MAX_DROPOUT 3000
#define MAX_MISORDER 100
#define SEQ_MOD (1u << 16)

static void
init_seq (MediaRecvStats *s, guint16 seq)
{
  s->restarts++;
  s->base_seq = seq;
  s->max_seq = seq;
  s->bad_seq = SEQ_MOD + 1; /* so seq == bad_seq is false */
  s->cycles = 0;
  s->received = 0;
  s->expected_prior = 0;
  s->received_prior = 0;
}

static guint64
expected (const MediaRecvStats *s)
{
  return (guint64) s->cycles + s->max_seq - s->base_seq + 1;
}

static guint64
current_lost (const MediaRecvStats *s)
{
  if (!s->init)
    return 0;
  guint64 e = expected (s);
  return e > s->received ? e - s->received : 0;
}

gboolean
media_recv_stats_packet (MediaRecvStats *s, guint32 ssrc, guint16 seq, gsize size, guint64 *ext_seq)
{
  if (!s->init || ssrc != s->ssrc)
    {
      s->lost_before += current_lost (s);
      init_seq (s, seq);
      s->init = TRUE;
      s->ssrc = ssrc;
      s->have_transit = FALSE;
    }
  else
    {
      guint16 udelta = (guint16) (seq - s->max_seq);
      if (udelta < MAX_DROPOUT)
        {
          if (seq < s->max_seq)
            s->cycles += SEQ_MOD;
          s->max_seq = seq;
        }
      else if (udelta <= SEQ_MOD - MAX_MISORDER)
        {
          /* a big jump: the sender restarted, or a stray packet */
          if (seq != s->bad_seq)
            {
              s->bad_seq = (seq + 1) & (SEQ_MOD - 1);
              return FALSE;
            }
          s->lost_before += current_lost (s);
          init_seq (s, seq);
        }
      /* else: duplicate or reordered, counted below */
    }
  s->received++;
  s->packets++;
  s->bytes += size;
  guint64 ext_max = (guint64) s->cycles + s->max_seq;
  gint16 back = (gint16) (guint16) (seq - s->max_seq);
  *ext_seq = (guint64) ((gint64) ext_max + back);
  return TRUE;
}

void
media_recv_stats_jitter (MediaRecvStats *s, guint32 rtp_ts, guint64 arrival)
{
  gint32 transit = (gint32) ((guint32) arrival - rtp_ts);
  if (s->have_transit)
    {
      gint64 d = (gint64) transit - s->transit;
      if (d < 0)
        d = -d;
      s->jitter += ((double) d - s->jitter) / 16.0;
    }
  s->transit = transit;
  s->have_transit = TRUE;
}

guint64
media_recv_stats_lost (const MediaRecvStats *s)
{
  return s->lost_before + current_lost (s);
}

guint32
media_recv_stats_ext_max (const MediaRecvStats *s)
{
  return s->cycles + s->max_seq;
}

void
media_recv_stats_interval (MediaRecvStats *s, guint8 *fraction, gint32 *cumulative)
{
  guint32 exp = (guint32) expected (s);
  guint32 exp_interval = exp - s->expected_prior;
  guint32 recv_interval = (guint32) s->received - s->received_prior;
  s->expected_prior = exp;
  s->received_prior = (guint32) s->received;
  gint64 lost_interval = (gint64) exp_interval - recv_interval;
  *fraction = exp_interval == 0 || lost_interval <= 0
                  ? 0
                  : (guint8) MIN (255, (lost_interval << 8) / exp_interval);
  gint64 lost = (gint64) exp - (gint64) s->received;
  *cumulative = (gint32) CLAMP (lost, -0x800000, 0x7fffff);
}
