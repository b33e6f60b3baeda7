/* RTCP compound packets (RFC 3550 §6) through GStreamer's GstRTCPBuffer:
 * the reports a leg sends and what it reads from the remote's. Pure. */
#pragma once

#include <gst/gst.h>

typedef struct {
  guint32 ssrc;
  const char *cname;
  gboolean sender; /* SR: we sent RTP since the last report */
  guint64 ntp;     /* NTP time of the report (sender) */
  guint32 rtp_ts;  /* the RTP time of the same instant */
  guint32 packets_sent;
  guint32 octets_sent;
  gboolean have_block; /* a report block on the remote's stream */
  guint32 remote_ssrc;
  guint8 fraction_lost;
  gint32 cumulative_lost;
  guint32 ext_max_seq;
  guint32 jitter;
  guint32 lsr;  /* middle 32 bits of the remote's last SR */
  guint32 dlsr; /* since then, 1/65536 s */
  gboolean bye;
} MediaRtcpReport;

/* A compound packet: SR or RR, SDES CNAME, and BYE when asked. */
GstBuffer *media_rtcp_build (const MediaRtcpReport *r);

typedef struct {
  gboolean have_sr;
  guint32 sr_ssrc;
  guint32 sr_ntp_middle; /* for our next LSR */
  gboolean have_block;   /* a report block about @our_ssrc */
  guint8 fraction_lost;
  gint32 cumulative_lost;
  guint32 jitter;
  guint32 lsr;
  guint32 dlsr;
  gboolean bye;
} MediaRtcpInfo;

/* Reads a compound packet from the remote; FALSE when it is not valid
 * RTCP. */
gboolean media_rtcp_parse (GstBuffer *buf, guint32 our_ssrc, MediaRtcpInfo *info);

/* Now as a 64-bit NTP timestamp. */
guint64 media_rtcp_ntp_now (void);
