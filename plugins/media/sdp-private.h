/* Shared between sdp.c, sdp-read.c and sdp-grammar.c only. */
#pragma once

#include "sdp.h"

#include <gst/sdp/sdp.h>

#define MEDIA_SDP_MAX_FORMATS 64
#define MEDIA_SDP_MAX_MEDIA 16
#define MEDIA_SDP_DEFAULT_PTIME 20

/* --- sdp-read.c ------------------------------------------------------------------ */

typedef struct {
  const char *name; /* as in rtpmap */
  gint static_pt;   /* -1: dynamic */
  guint rate;
  guint channels;
  guint default_pt; /* ours, in offers */
} MediaCodecInfo;

extern const MediaCodecInfo media_codec_info[MEDIA_CODEC_COUNT];

/* telephone-event: its clock rates (index 0: 8 kHz, 1: 48 kHz) and our
 * payload types for them */
#define MEDIA_TE_RATES 2
extern const guint media_te_rate[MEDIA_TE_RATES];
extern const guint media_te_default_pt[MEDIA_TE_RATES];
/* The index of @rate in media_te_rate, or -1. */
gint media_te_index (guint rate);

/* One format of a remote m= line. */
typedef struct {
  guint pt;
  gboolean known; /* one of our codecs */
  MediaCodec codec;
  gboolean te; /* a telephone-event we can use (0..15 covered) */
  guint rate;
} MediaFormat;

/* Sets OCC_MEDIA_ERROR_INVALID ("SDP: …"); returns FALSE. */
gboolean media_sdp_invalid (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
/* Checks the grammar (media_sdp_check) and parses; NULL with INVALID. */
GstSDPMessage *media_sdp_parse (const char *text, gsize len, GError **error);
/* The formats of @m (INVALID for a malformed rtpmap). */
gboolean media_sdp_read_formats (const GstSDPMedia *m, MediaFormat *out, guint *n_out,
                                 GError **error);
/* The first usable telephone-event of @f, preferring @rate; @allowed
 * (nullable) by media_te_index. */
const MediaFormat *media_sdp_pick_te (const MediaFormat *f, guint n, guint rate,
                                      const gboolean *allowed);
/* The remote's direction for @m, from its own point of view. */
MediaDirection media_sdp_remote_direction (const GstSDPMessage *msg, const GstSDPMedia *m);
/* Their sendonly is our recvonly. */
MediaDirection media_direction_mirror (MediaDirection d);
/* The address for @m into neg->remote_addr ("" for 0.0.0.0/::);
 * NOT_ACCEPTABLE for what we cannot send to, INVALID for no c=. */
gboolean media_sdp_read_address (gboolean ipv6, const GstSDPMessage *msg, const GstSDPMedia *m,
                                 MediaNegotiated *neg, GError **error);
/* RTP port and RTCP port (a=rtcp, else RTP + 1). */
void media_sdp_read_ports (const GstSDPMedia *m, MediaNegotiated *neg);
/* a=ptime (media, else session level) if usable for @codec, else 20. */
guint media_sdp_read_ptime (const GstSDPMessage *msg, const GstSDPMedia *m, MediaCodec codec);
/* RTP/AVP(F) or RTP/SAVP(F); @secure for the latter. */
gboolean media_sdp_proto_is_rtp (const char *proto, gboolean *secure);

/* --- sdp-grammar.c --------------------------------------------------------------- */

/* One a=crypto line (RFC 4568 §9.1). */
typedef struct {
  guint tag;
  MediaSuite suite;
  guint8 key[MEDIA_KEY_LEN];
  guint32 mki;
  guint mki_len; /* 0: no MKI */
} MediaCrypto;

/* A decimal number of at most @len digits, no sign, not above @max. */
gboolean media_sdp_parse_uint (const char *s, gsize len, guint max, guint *out);

/* a=rtpmap value; @name is transfer full. */
gboolean media_sdp_parse_rtpmap (const char *value, guint *pt, char **name, guint *rate,
                                 guint *channels);

/* a=fmtp events list of telephone-event: TRUE when it covers 0..15. */
gboolean media_sdp_events_cover_dtmf (const char *fmtp_params);

MediaSuite media_suite_from_name (const char *s, gsize len);

/* a=crypto value with exactly one inline key and no session parameters;
 * FALSE for anything else (which RFC 4568 lets us ignore). */
gboolean media_sdp_parse_crypto (const char *value, MediaCrypto *crypto);
