/* The receive path of a leg, on its media thread:
 *
 *   socket → [srtpdec] → statistics → jitter buffer ─┬─ audio → depay → decoder → peer's encoder
 *                                                    └─ telephone-event → digits, and the peer
 *
 * Everything here runs under the leg's rx_lock; the bridged peer is
 * reached under its tx_lock. */
#include "leg-private.h"

#include <errno.h>
#include <gst/rtp/rtp.h>
#include <string.h>

#define MAX_PACKET 1500
#define READS_PER_WAKE 16 /* then other sockets get their turn */
#define DTMF_TIMEOUT_US (1 * G_USEC_PER_SEC)
/* a stream whose timestamps stray this far from the clock started anew */
#define TS_JUMP_NS (2 * GST_SECOND)

void
media_rx_reset (OccMediaLeg *leg)
{
  media_jb_clear (&leg->jb);
  leg->have_ts_base = FALSE;
  memset (&leg->dtmf, 0, sizeof leg->dtmf);
}

/* The running time of a packet from its RTP timestamp: anchored at the
 * arrival of the stream's first packet, so that every leg's audio is on
 * one timeline (the payloaders turn it into their own RTP time). */
static gint64
packet_pts (OccMediaLeg *leg, guint32 ssrc, guint32 ts, gboolean audio)
{
  gint64 now = (leg->rx_now_us - leg->engine_t0_us) * 1000;
  if (!leg->have_ts_base || ssrc != leg->ts_base_ssrc)
    {
      leg->have_ts_base = TRUE;
      leg->ts_base_ssrc = ssrc;
      leg->ts_base_pts = now;
      leg->ts_base_ext = leg->ts_last_ext = ts;
    }
  gint64 ext = leg->ts_last_ext + (gint32) (ts - (guint32) leg->ts_last_ext);
  gint64 pts = leg->ts_base_pts + (ext - leg->ts_base_ext) * GST_SECOND / leg->clock_rate;
  if (!audio)
    return MAX (pts, 0); /* an event keeps its start time for its whole length */
  if (pts < now - TS_JUMP_NS || pts > now + TS_JUMP_NS)
    {
      leg->ts_base_pts = pts = now;
      leg->ts_base_ext = ext;
    }
  if (ext > leg->ts_last_ext)
    leg->ts_last_ext = ext;
  return MAX (pts, 0);
}

static void
post_digit (OccMediaLeg *leg, const MediaDtmfDigit *d)
{
  guint rate = leg->dtmf_rate_recv ? leg->dtmf_rate_recv : 8000;
  char digit[2] = { d->digit, '\0' };
  GstStructure *s = gst_structure_new (MEDIA_MSG_DTMF, "leg", G_TYPE_UINT64, leg->id, "digit",
                                       G_TYPE_STRING, digit, "duration", G_TYPE_UINT,
                                       (guint) ((guint64) d->duration * 1000 / rate), NULL);
  gst_bus_post (leg->bus, gst_message_new_application (NULL, s));
  leg->dtmf_received++;
}

/* An RFC 4733 packet for @peer: its payload type, SSRC, sequence and
 * time line, the event's start at @pts. */
static void
forward_event (OccMediaLeg *peer, const guint8 *payload, gboolean marker, gint64 pts, guint rate_in)
{
  g_mutex_lock (&peer->tx_lock);
  if (peer->chain && peer->send_on && peer->dtmf_pt_send >= 0)
    {
      guint rate = peer->dtmf_rate_send;
      GstBuffer *out = gst_rtp_buffer_new_allocate (4, 0, 0);
      GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
      gst_rtp_buffer_map (out, GST_MAP_WRITE, &rtp);
      gst_rtp_buffer_set_payload_type (&rtp, (guint8) peer->dtmf_pt_send);
      gst_rtp_buffer_set_marker (&rtp, marker);
      gst_rtp_buffer_set_timestamp (
          &rtp, peer->ts_base
                    + (guint32) gst_util_uint64_scale_int ((guint64) pts, (gint) rate, GST_SECOND));
      guint8 *p = gst_rtp_buffer_get_payload (&rtp);
      memcpy (p, payload, 4);
      guint64 duration = ((guint64) payload[2] << 8 | payload[3]) * rate / MAX (rate_in, 1);
      duration = MIN (duration, 0xffff);
      p[2] = (guint8) (duration >> 8);
      p[3] = (guint8) duration;
      gst_rtp_buffer_unmap (&rtp);
      peer->dtmf_sent++;
      media_tx_rtp (peer, out);
    }
  g_mutex_unlock (&peer->tx_lock);
}

static void
handle_event (OccMediaLeg *leg, GstBuffer *buf)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp))
    {
      gst_buffer_unref (buf);
      return;
    }
  const guint8 *payload = gst_rtp_buffer_get_payload (&rtp);
  guint len = gst_rtp_buffer_get_payload_len (&rtp);
  MediaDtmfDigit done[2];
  gboolean forward;
  guint n = media_dtmf_rx_packet (&leg->dtmf, payload, len, gst_rtp_buffer_get_timestamp (&rtp),
                                  leg->rx_now_us, done, &forward);
  for (guint i = 0; i < n; i++)
    post_digit (leg, &done[i]);
  if (forward && leg->recv_on && leg->peer)
    forward_event (leg->peer, payload, gst_rtp_buffer_get_marker (&rtp),
                   (gint64) GST_BUFFER_PTS (buf), leg->dtmf_rate_recv);
  gst_rtp_buffer_unmap (&rtp);
  gst_buffer_unref (buf);
}

/* A packet's turn came in the jitter buffer. */
static void
deliver (gpointer item, gpointer data)
{
  OccMediaLeg *leg = data;
  GstBuffer *buf = item;
  if (GST_BUFFER_OFFSET (buf) == 1)
    handle_event (leg, buf);
  else if (leg->recv_on && leg->chain && (leg->peer || leg->n_extra || leg->rec || leg->tone_pad))
    media_chain_decode (leg->chain, buf); /* → media_rx_audio */
  else
    gst_buffer_unref (buf); /* nobody to hear it: not decoded */
}

static void
rx_rtp (OccMediaLeg *leg, GstBuffer *buf)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp))
    {
      gst_buffer_unref (buf);
      return;
    }
  guint pt = gst_rtp_buffer_get_payload_type (&rtp);
  guint16 seq = gst_rtp_buffer_get_seq (&rtp);
  guint32 ts = gst_rtp_buffer_get_timestamp (&rtp);
  guint32 ssrc = gst_rtp_buffer_get_ssrc (&rtp);
  gst_rtp_buffer_unmap (&rtp);
  gboolean audio = pt == leg->pt_recv;
  gboolean event = !audio && leg->dtmf_pt_recv >= 0 && pt == (guint) leg->dtmf_pt_recv;
  guint64 ext;
  guint restarts = leg->rs.restarts;
  /* comfort noise and payload types never agreed are not the stream */
  if ((!audio && !event) || !media_recv_stats_packet (&leg->rs, ssrc, seq, leg->rx_wire_size, &ext))
    {
      gst_buffer_unref (buf);
      return;
    }
  if (leg->rs.restarts != restarts)
    {
      /* a new source, or the sender restarted: its numbers start afresh */
      media_jb_tick (&leg->jb, G_MAXINT64, deliver, leg);
      media_jb_clear (&leg->jb);
    }
  if (audio)
    media_recv_stats_jitter (&leg->rs, ts,
                             (guint64) leg->rx_now_us * leg->clock_rate / G_USEC_PER_SEC);
  GST_BUFFER_PTS (buf) = (GstClockTime) packet_pts (leg, ssrc, ts, audio);
  GST_BUFFER_OFFSET (buf) = event ? 1 : 0;
  media_jb_push (&leg->jb, buf, ext, leg->rx_now_us, deliver, leg);
  gint64 due = media_jb_deadline (&leg->jb);
  if (due && (leg->wake_us == 0 || due < leg->wake_us))
    leg->wake_us = due;
}

GstFlowReturn
media_rx_srtp_rtp (gpointer data, GstBuffer *buf)
{
  rx_rtp (data, buf);
  return GST_FLOW_OK;
}

static void
rx_rtcp (OccMediaLeg *leg, GstBuffer *buf)
{
  MediaRtcpInfo info;
  if (media_rtcp_parse (buf, leg->ssrc, &info))
    {
      leg->rtcp_received++;
      if (info.have_sr)
        {
          leg->remote_sr_middle = info.sr_ntp_middle;
          leg->remote_sr_at_us = leg->rx_now_us;
        }
      if (info.have_block)
        {
          leg->remote_report = info;
          leg->have_remote_report = TRUE;
          if (info.lsr != 0)
            {
              /* RFC 3550 §6.4.1: A - LSR - DLSR, in 1/65536 s */
              guint32 a = (guint32) (media_rtcp_ntp_now () >> 16);
              guint32 rtt = a - info.lsr - info.dlsr;
              if (rtt < 65536u * 10)
                leg->rtt_ms = rtt * 1000.0 / 65536.0;
            }
        }
    }
  gst_buffer_unref (buf);
}

GstFlowReturn
media_rx_srtp_rtcp (gpointer data, GstBuffer *buf)
{
  rx_rtcp (data, buf);
  return GST_FLOW_OK;
}

/* Decoded audio of @leg: to its recording and tone detector, to the legs
 * that hear it besides its peer (their mixes), and to its peer — into
 * its mix, or encoded at once (the direct path). */
GstFlowReturn
media_rx_audio (gpointer data, GstBuffer *audio)
{
  OccMediaLeg *leg = data;
  OccMediaLeg *peer = leg->peer;
  media_audio_tap (leg, audio);
  for (guint i = 0; i < leg->n_extra; i++)
    {
      OccMediaLeg *h = leg->extra[i];
      if (h == peer)
        continue;
      g_mutex_lock (&h->tx_lock);
      media_audio_put (h, leg, audio);
      g_mutex_unlock (&h->tx_lock);
    }
  if (peer == NULL)
    {
      gst_buffer_unref (audio);
      return GST_FLOW_OK;
    }
  g_mutex_lock (&peer->tx_lock);
  if (media_audio_put (peer, leg, audio))
    gst_buffer_unref (audio);
  else if (peer->chain && peer->send_on)
    {
      if (peer->discont)
        {
          /* another source: the encoder and payloader start afresh on
           * the running time (same SSRC and sequence) */
          audio = gst_buffer_make_writable (audio);
          GST_BUFFER_FLAG_SET (audio, GST_BUFFER_FLAG_DISCONT);
          peer->discont = FALSE;
        }
      media_chain_encode (peer->chain, audio); /* → media_tx_rtp (peer) */
    }
  else
    gst_buffer_unref (audio);
  g_mutex_unlock (&peer->tx_lock);
  return GST_FLOW_OK;
}

/* (rx_lock held) */
static void
handle_packet (OccMediaLeg *leg, const guint8 *data, gsize len, gint64 now_us, gboolean rtcp)
{
  if (leg->chain == NULL)
    return; /* not negotiated yet, or ended */
  leg->rx_now_us = now_us;
  leg->rx_wire_size = len;
  GstBuffer *buf = gst_buffer_new_memdup (data, len);
  if (media_chain_is_srtp (leg->chain))
    {
      if (rtcp)
        media_chain_unprotect_rtcp (leg->chain, buf); /* → media_rx_srtp_rtcp */
      else
        media_chain_unprotect_rtp (leg->chain, buf); /* → media_rx_srtp_rtp */
    }
  else if (rtcp)
    rx_rtcp (leg, buf);
  else
    rx_rtp (leg, buf);
}

/* RFC 5761 §4: an RTCP packet type as the second byte */
static gboolean
looks_like_rtcp (const guint8 *data)
{
  return data[1] >= 192 && data[1] <= 223;
}

/* Reads what waits on @rtcp's or the RTP socket, under rx_lock: the main
 * thread closes a leg's sockets under it, so a stale event of the epoll
 * batch finds them gone (-1). */
static void
readable (OccMediaLeg *leg, gint64 now_us, gboolean rtcp_socket)
{
  guint8 data[MAX_PACKET];
  g_mutex_lock (&leg->rx_lock);
  int fd = rtcp_socket ? leg->rtcp_fd : leg->rtp_fd;
  for (guint i = 0; fd >= 0 && i < READS_PER_WAKE; i++)
    {
      gssize n = recv (fd, data, sizeof data, 0);
      if (n < 0)
        break; /* EAGAIN: drained */
      if (n < 8 || (data[0] >> 6) != 2 || (!rtcp_socket && n < 12 && !looks_like_rtcp (data)))
        continue;
      handle_packet (leg, data, (gsize) n, now_us, rtcp_socket || looks_like_rtcp (data));
    }
  g_mutex_unlock (&leg->rx_lock);
}

void
media_leg_rtp_readable (OccMediaLeg *leg, gint64 now_us)
{
  readable (leg, now_us, FALSE);
}

void
media_leg_rtcp_readable (OccMediaLeg *leg, gint64 now_us)
{
  readable (leg, now_us, TRUE);
}

void
media_leg_started (OccMediaLeg *leg, gint64 now_us)
{
  /* the first report after half an interval, then every interval
   * (randomised, RFC 3550 §6.2) */
  leg->next_rtcp_us
      = now_us + (gint64) (leg->rtcp_interval_us * g_random_double_range (0.25, 0.75));
  leg->wake_us = leg->next_rtcp_us;
}

void
media_leg_tick (OccMediaLeg *leg, gint64 now_us)
{
  g_mutex_lock (&leg->tx_lock);
  media_audio_tick (leg, now_us);
  g_mutex_unlock (&leg->tx_lock);
  if (now_us < leg->wake_us)
    return;
  g_mutex_lock (&leg->rx_lock);
  gint64 due = 0;
  if (leg->chain)
    {
      leg->rx_now_us = now_us;
      media_jb_tick (&leg->jb, now_us, deliver, leg);
      MediaDtmfDigit d;
      if (media_dtmf_rx_timeout (&leg->dtmf, now_us, DTMF_TIMEOUT_US, &d))
        post_digit (leg, &d);
      due = media_jb_deadline (&leg->jb);
      if (leg->dtmf.active && (due == 0 || leg->dtmf.last_us + DTMF_TIMEOUT_US < due))
        due = leg->dtmf.last_us + DTMF_TIMEOUT_US;
    }
  g_mutex_unlock (&leg->rx_lock);
  if (now_us >= leg->next_rtcp_us)
    {
      media_tx_send_report (leg, now_us, FALSE);
      leg->next_rtcp_us
          = now_us + (gint64) (leg->rtcp_interval_us * g_random_double_range (0.5, 1.5));
    }
  leg->wake_us = due && due < leg->next_rtcp_us ? due : leg->next_rtcp_us;
}
