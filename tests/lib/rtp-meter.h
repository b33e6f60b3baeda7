/* An RTP endpoint inside the test process that counts what arrives and
 * keeps the audio: a peer (sipp) advertises its port in SDP, the system
 * under test sends RTP there, and the test checks that packets came and
 * that they carried the expected tone. It can echo each packet back to
 * its sender, as sipp's -rtp_echo does. It also finds the DTMF keys that
 * came, as tones in the audio or as RFC 4733 events (dtmf.h).
 *
 * A thread of its own receives, so the test may block meanwhile. */
#pragma once

#include <glib.h>

typedef struct _OccTestRtpMeter OccTestRtpMeter;

/* Binds 127.0.0.1 on a free even UDP port (its RTCP neighbour left
 * alone) and starts receiving; @echo: send each packet back to its
 * sender. */
OccTestRtpMeter *occ_test_rtp_meter_new (gboolean echo);
int occ_test_rtp_meter_port (OccTestRtpMeter *m);

/* RTP packets received so far (UDP datagrams that look like RTP v2). */
guint occ_test_rtp_meter_packets (OccTestRtpMeter *m);
/* The payload type of the last packet, -1 if none came. */
int occ_test_rtp_meter_payload_type (OccTestRtpMeter *m);
/* Waits (running the default main context) until @packets have come;
 * FALSE if they did not within @timeout_ms. */
gboolean occ_test_rtp_meter_wait (OccTestRtpMeter *m, guint packets, guint timeout_ms);
/* Seconds of the audio received (PCMU and PCMA decoded, at most the
 * first 60 s kept) that carry a tone of @hz; see occ_test_tone_seconds(). */
double occ_test_rtp_meter_tone_seconds (OccTestRtpMeter *m, guint hz);
/* The DTMF keys heard in the audio received (in-band tones; see
 * occ_test_dtmf_detect()), "" if none (transfer full). */
char *occ_test_rtp_meter_dtmf (OccTestRtpMeter *m);
/* The keys of the RFC 4733 telephone-events received (payload type 101,
 * what the SDP of the sipp scenarios offers): one per event, an event
 * being the packets of one RTP timestamp; "" if none (transfer full).
 * Event packets are not audio: they add nothing to the samples. */
char *occ_test_rtp_meter_events (OccTestRtpMeter *m);

/* Stops the thread and closes the socket. */
void occ_test_rtp_meter_free (OccTestRtpMeter *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OccTestRtpMeter, occ_test_rtp_meter_free)
