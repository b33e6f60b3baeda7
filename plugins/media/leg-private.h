/* Between leg.c, rx.c and tx.c. */
#pragma once

#include "media-private.h"

/* rx.c — under the leg's rx_lock */
GstFlowReturn media_rx_srtp_rtp (gpointer leg, GstBuffer *buf);
GstFlowReturn media_rx_srtp_rtcp (gpointer leg, GstBuffer *buf);
GstFlowReturn media_rx_audio (gpointer leg, GstBuffer *buf);
/* Forgets the stream's timing, the jitter buffer and any DTMF under way. */
void media_rx_reset (OccMediaLeg *leg);

/* tx.c — under the leg's tx_lock */
GstFlowReturn media_tx_rtp (gpointer leg, GstBuffer *buf);
GstFlowReturn media_tx_net_rtp (gpointer leg, GstBuffer *buf);
GstFlowReturn media_tx_net_rtcp (gpointer leg, GstBuffer *buf);
/* Sends an RTCP report (with BYE when @bye); takes both locks itself. */
void media_tx_send_report (OccMediaLeg *leg, gint64 now_us, gboolean bye);
