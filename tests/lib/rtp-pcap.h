/* pcap captures of RTP, what sipp's play_pcap_audio plays: written packet
 * by packet (tone.h and dtmf.h make theirs with it) and read back, so
 * that a test can check what a capture holds frame by frame.
 *
 * The format: classic pcap (version 2.4, microseconds, little-endian),
 * link type Ethernet, each packet IPv4/UDP from and to 127.0.0.1:6000
 * (sipp replaces addresses and ports with those of the call), RTP v2
 * without CSRCs or extension. Any thread; nothing is shared. */
#pragma once

#include <glib.h>

/* The fixed RTP header fields a capture sets. */
typedef struct {
  guint8 payload_type;
  gboolean marker;
  guint16 seq;
  guint32 timestamp;
  guint32 ssrc;
} OccTestRtpHeader;

/* The SSRC of the captures made here. */
#define OCC_TEST_PCAP_SSRC 0x0cc7e575u

/* A new capture: its file header alone (transfer full). */
GByteArray *occ_test_pcap_new (void);

/* Appends one packet captured at @time_us (from the capture's start) with
 * header @rtp and @len bytes of @payload. */
void occ_test_pcap_add_rtp (GByteArray *pcap, guint64 time_us, const OccTestRtpHeader *rtp,
                            const guint8 *payload, gsize len);

/* One packet read back. */
typedef struct {
  guint64 time_us; /* its capture time */
  OccTestRtpHeader rtp;
  guint8 *payload;
  gsize len;
} OccTestPcapPacket;

/* Reads a capture written as above (Ethernet/IPv4/UDP/RTP; anything else
 * in it is an error): its packets in order, as OccTestPcapPacket
 * (transfer full: the array frees them). NULL with @error set if the
 * file cannot be read or is not such a capture. */
GPtrArray *occ_test_pcap_read_rtp (const char *path, GError **error);
