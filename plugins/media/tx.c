/* The send path of a leg, on whichever media thread feeds it (its bridged
 * peer's, or its own for RTCP), under the leg's tx_lock:
 *
 *   payloader or forwarded event → our SSRC and sequence → [srtpenc] → socket
 *
 * The leg keeps one SSRC and one sequence for its whole life, whoever it
 * is bridged to: the remote sees one stream. */
#include "leg-private.h"

#include <gst/rtp/rtp.h>

static void
send_buffer (OccMediaLeg *leg, int fd, const struct sockaddr_storage *to, GstBuffer *buf,
             gboolean rtp)
{
  GstMapInfo map;
  if (gst_buffer_map (buf, &map, GST_MAP_READ))
    {
      /* a full socket buffer drops the packet, as the network would */
      if (sendto (fd, map.data, map.size, MSG_DONTWAIT, (const struct sockaddr *) to,
                  leg->remote_len)
              > 0
          && rtp)
        {
          leg->packets_sent++;
          leg->bytes_sent += map.size;
        }
      gst_buffer_unmap (buf, &map);
    }
  gst_buffer_unref (buf);
}

GstFlowReturn
media_tx_rtp (gpointer data, GstBuffer *buf)
{
  OccMediaLeg *leg = data;
  if (!leg->send_on || !leg->have_remote || leg->chain == NULL)
    {
      gst_buffer_unref (buf);
      return GST_FLOW_OK;
    }
  buf = gst_buffer_make_writable (buf);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map (buf, GST_MAP_READWRITE, &rtp))
    {
      gst_buffer_unref (buf);
      return GST_FLOW_OK;
    }
  gst_rtp_buffer_set_ssrc (&rtp, leg->ssrc);
  gst_rtp_buffer_set_seq (&rtp, leg->seq++);
  leg->octets_sent += gst_rtp_buffer_get_payload_len (&rtp);
  gst_rtp_buffer_unmap (&rtp);
  leg->sent_since_report = TRUE;
  if (media_chain_is_srtp (leg->chain))
    return media_chain_protect_rtp (leg->chain, buf); /* → media_tx_net_rtp */
  send_buffer (leg, leg->rtp_fd, &leg->remote, buf, TRUE);
  return GST_FLOW_OK;
}

GstFlowReturn
media_tx_net_rtp (gpointer data, GstBuffer *buf)
{
  OccMediaLeg *leg = data;
  send_buffer (leg, leg->rtp_fd, &leg->remote, buf, TRUE);
  return GST_FLOW_OK;
}

GstFlowReturn
media_tx_net_rtcp (gpointer data, GstBuffer *buf)
{
  OccMediaLeg *leg = data;
  send_buffer (leg, leg->rtcp_fd, &leg->remote_rtcp, buf, FALSE);
  return GST_FLOW_OK;
}

/* The report block on the remote's stream (rx_lock held). */
static void
fill_block (OccMediaLeg *leg, gint64 now_us, MediaRtcpReport *r)
{
  if (!leg->rs.init)
    return;
  r->have_block = TRUE;
  r->remote_ssrc = leg->rs.ssrc;
  media_recv_stats_interval (&leg->rs, &r->fraction_lost, &r->cumulative_lost);
  r->ext_max_seq = media_recv_stats_ext_max (&leg->rs);
  r->jitter = (guint32) leg->rs.jitter;
  if (leg->remote_sr_at_us)
    {
      r->lsr = leg->remote_sr_middle;
      r->dlsr = (guint32) ((now_us - leg->remote_sr_at_us) * 65536 / G_USEC_PER_SEC);
    }
}

void
media_tx_send_report (OccMediaLeg *leg, gint64 now_us, gboolean bye)
{
  MediaRtcpReport r = { .ssrc = leg->ssrc, .cname = leg->cname, .bye = bye };
  g_mutex_lock (&leg->rx_lock);
  g_mutex_lock (&leg->tx_lock);
  if (leg->chain && leg->have_remote)
    {
      fill_block (leg, now_us, &r);
      if (leg->sent_since_report)
        {
          /* the instant's RTP time as the payloaders count it */
          guint64 running = (guint64) (now_us - leg->engine_t0_us) * 1000;
          r.sender = TRUE;
          r.ntp = media_rtcp_ntp_now ();
          r.rtp_ts
              = leg->ts_base
                + (guint32) gst_util_uint64_scale_int (running, (gint) leg->clock_rate, GST_SECOND);
          r.packets_sent = (guint32) leg->packets_sent;
          r.octets_sent = (guint32) leg->octets_sent;
          leg->sent_since_report = FALSE;
        }
      GstBuffer *buf = media_rtcp_build (&r);
      leg->rtcp_sent++;
      if (media_chain_is_srtp (leg->chain))
        media_chain_protect_rtcp (leg->chain, buf); /* → media_tx_net_rtcp */
      else
        send_buffer (leg, leg->rtcp_fd, &leg->remote_rtcp, buf, FALSE);
    }
  g_mutex_unlock (&leg->tx_lock);
  g_mutex_unlock (&leg->rx_lock);
}
