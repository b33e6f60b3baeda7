/* Receive statistics of one RTP stream, as RFC 3550 defines them:
 * extended sequence numbers and loss (appendix A.1, A.3), interarrival
 * jitter (A.8), and the numbers of an RTCP report block. Pure. */
#pragma once

#include <glib.h>

typedef struct {
  gboolean init;
  guint32 ssrc;
  guint16 max_seq;
  guint32 cycles; /* sequence number wraps, times 65536 */
  guint32 base_seq;
  guint32 bad_seq;
  guint64 received; /* packets of this source, by RFC 3550's count */
  guint32 expected_prior;
  guint32 received_prior;
  gboolean have_transit;
  gint32 transit;
  double jitter;       /* timestamp units */
  guint64 lost_before; /* of earlier sources (SSRC changes) */
  guint64 packets;     /* every packet taken, all sources */
  guint64 bytes;       /* their UDP payload bytes */
  guint restarts;      /* new sources and confirmed jumps: sequence numbering restarted */
} MediaRecvStats;

/* Counts a packet of @size bytes; FALSE when it must be dropped (a jump
 * of the sequence number that is not yet confirmed by the next packet).
 * @ext_seq receives its extended sequence number. A new @ssrc starts the
 * count afresh (the loss so far is kept). */
gboolean media_recv_stats_packet (MediaRecvStats *s, guint32 ssrc, guint16 seq, gsize size,
                                  guint64 *ext_seq);

/* Feeds the jitter estimate: @rtp_ts of a packet that arrived at
 * @arrival, both in timestamp units (the arrival from a local clock). */
void media_recv_stats_jitter (MediaRecvStats *s, guint32 rtp_ts, guint64 arrival);

/* Packets lost so far (expected − received, never negative), all sources. */
guint64 media_recv_stats_lost (const MediaRecvStats *s);

/* The highest extended sequence number seen. */
guint32 media_recv_stats_ext_max (const MediaRecvStats *s);

/* An RTCP report block's fraction lost since the last call and cumulative
 * loss (24-bit signed, clamped); moves the interval on. */
void media_recv_stats_interval (MediaRecvStats *s, guint8 *fraction, gint32 *cumulative);
