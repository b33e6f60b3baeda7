/* See rtcp.h. */
#include "rtcp.h"

#include <gst/rtp/rtp.h>
#include <string.h>

#define MTU 1400

GstBuffer *
media_rtcp_build (const MediaRtcpReport *r)
{
  GstBuffer *buf = gst_rtcp_buffer_new (MTU);
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  GstRTCPPacket p;
  gst_rtcp_buffer_map (buf, GST_MAP_READWRITE, &rtcp);
  if (r->sender)
    {
      gst_rtcp_buffer_add_packet (&rtcp, GST_RTCP_TYPE_SR, &p);
      gst_rtcp_packet_sr_set_sender_info (&p, r->ssrc, r->ntp, r->rtp_ts, r->packets_sent,
                                          r->octets_sent);
    }
  else
    {
      gst_rtcp_buffer_add_packet (&rtcp, GST_RTCP_TYPE_RR, &p);
      gst_rtcp_packet_rr_set_ssrc (&p, r->ssrc);
    }
  if (r->have_block)
    gst_rtcp_packet_add_rb (&p, r->remote_ssrc, r->fraction_lost, r->cumulative_lost,
                            r->ext_max_seq, r->jitter, r->lsr, r->dlsr);
  gst_rtcp_buffer_add_packet (&rtcp, GST_RTCP_TYPE_SDES, &p);
  gst_rtcp_packet_sdes_add_item (&p, r->ssrc);
  gst_rtcp_packet_sdes_add_entry (&p, GST_RTCP_SDES_CNAME, (guint8) strlen (r->cname),
                                  (const guint8 *) r->cname);
  if (r->bye)
    {
      gst_rtcp_buffer_add_packet (&rtcp, GST_RTCP_TYPE_BYE, &p);
      gst_rtcp_packet_bye_add_ssrc (&p, r->ssrc);
    }
  gst_rtcp_buffer_unmap (&rtcp);
  return buf;
}

static void
read_blocks (GstRTCPPacket *p, guint32 our_ssrc, MediaRtcpInfo *info)
{
  for (guint i = 0; i < gst_rtcp_packet_get_rb_count (p); i++)
    {
      guint32 ssrc, ext, jitter, lsr, dlsr;
      guint8 fraction;
      gint32 lost;
      gst_rtcp_packet_get_rb (p, i, &ssrc, &fraction, &lost, &ext, &jitter, &lsr, &dlsr);
      if (ssrc != our_ssrc)
        continue;
      info->have_block = TRUE;
      info->fraction_lost = fraction;
      info->cumulative_lost = lost;
      info->jitter = jitter;
      info->lsr = lsr;
      info->dlsr = dlsr;
    }
}

gboolean
media_rtcp_parse (GstBuffer *buf, guint32 our_ssrc, MediaRtcpInfo *info)
{
  memset (info, 0, sizeof *info);
  /* reduced size RTCP (RFC 5506) too: some phones send a lone RR */
  if (!gst_rtcp_buffer_validate_reduced (buf))
    return FALSE;
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  if (!gst_rtcp_buffer_map (buf, GST_MAP_READ, &rtcp))
    return FALSE;
  GstRTCPPacket p;
  gboolean more = gst_rtcp_buffer_get_first_packet (&rtcp, &p);
  while (more)
    {
      switch (gst_rtcp_packet_get_type (&p))
        {
        case GST_RTCP_TYPE_SR:
          {
            guint64 ntp;
            guint32 rtptime, packets, octets;
            gst_rtcp_packet_sr_get_sender_info (&p, &info->sr_ssrc, &ntp, &rtptime, &packets,
                                                &octets);
            info->have_sr = TRUE;
            info->sr_ntp_middle = (guint32) (ntp >> 16);
            read_blocks (&p, our_ssrc, info);
            break;
          }
        case GST_RTCP_TYPE_RR:
          read_blocks (&p, our_ssrc, info);
          break;
        case GST_RTCP_TYPE_BYE:
          info->bye = TRUE;
          break;
        default:
          break;
        }
      more = gst_rtcp_packet_move_to_next (&p);
    }
  gst_rtcp_buffer_unmap (&rtcp);
  return TRUE;
}

guint64
media_rtcp_ntp_now (void)
{
  /* g_get_real_time () is µs since 1970; NTP counts from 1900 */
  guint64 us = (guint64) g_get_real_time ();
  guint64 secs = us / G_USEC_PER_SEC + G_GUINT64_CONSTANT (2208988800);
  guint64 frac = ((us % G_USEC_PER_SEC) << 32) / G_USEC_PER_SEC;
  return (secs << 32) | frac;
}
