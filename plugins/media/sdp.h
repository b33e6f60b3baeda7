/* SDP offer/answer for a leg's one audio stream (RFC 3264 on RFC 4566),
 * with RFC 4733 telephone-events and SDES-SRTP (RFC 4568).
 *
 * Pure: parsing and writing go through GStreamer's GstSDPMessage, the
 * negotiation is ours (sdp.c, sdp-read.c, sdp-grammar.c); no sockets, no
 * pipelines, no main loop — the fuzz target (tests/fuzz/fuzz-sdp.c) and
 * the unit test compile these files in.
 * Errors are OCC_MEDIA_ERROR_INVALID (the SDP is malformed) and
 * OCC_MEDIA_ERROR_NOT_ACCEPTABLE (nothing we can use); a failed offer or
 * answer leaves the session as it was. */
#pragma once

#include <omnicc/media.h>

G_BEGIN_DECLS

/* Longest SDP body we look at; a SIP body is a few hundred bytes. */
#define MEDIA_SDP_MAX_LEN 32768

typedef enum {
  MEDIA_CODEC_PCMU,
  MEDIA_CODEC_PCMA,
  MEDIA_CODEC_OPUS,
  MEDIA_CODEC_COUNT,
} MediaCodec;

/* Bit 0: we send, bit 1: we receive. */
typedef enum {
  MEDIA_DIR_INACTIVE = 0,
  MEDIA_DIR_SENDONLY = 1,
  MEDIA_DIR_RECVONLY = 2,
  MEDIA_DIR_SENDRECV = 3,
} MediaDirection;

typedef enum {
  MEDIA_SUITE_NONE,
  MEDIA_SUITE_AES_CM_128_HMAC_SHA1_80,
  MEDIA_SUITE_AES_CM_128_HMAC_SHA1_32,
} MediaSuite;

/* SRTP master key (16 bytes) and salt (14 bytes), as a=crypto carries them. */
#define MEDIA_KEY_LEN 30

/* What offer and answer agreed: all the media path needs. */
typedef struct {
  MediaCodec codec;
  guint clock_rate;
  guint pt_send;     /* payload type of what we send (the remote's number) */
  guint pt_recv;     /* payload type the remote sends us (our number) */
  gint dtmf_pt_send; /* telephone-event; -1 when not agreed */
  gint dtmf_pt_recv;
  guint dtmf_rate;
  guint ptime;              /* ms per packet the remote wants */
  MediaDirection direction; /* ours */
  char remote_addr[64];     /* IP literal; "" when the remote takes nothing (c=0.0.0.0) */
  guint remote_port;
  guint remote_rtcp_port;
  gboolean srtp;
  MediaSuite suite;
  guint8 key_send[MEDIA_KEY_LEN]; /* ours */
  guint8 key_recv[MEDIA_KEY_LEN]; /* the remote's */
  guint32 mki_recv;               /* the remote's MKI, when mki_recv_len > 0 */
  guint mki_recv_len;             /* bytes, 0..4 */
} MediaNegotiated;

typedef struct _MediaSdp MediaSdp;

/**
 * media_sdp_new:
 * @address: the IP literal put in c= and o= (IPv4 or IPv6).
 * @port: our RTP port (RTCP is @port + 1).
 * @codecs: preference order; must not be empty.
 *
 * A session with nothing agreed yet. Transfer full.
 */
MediaSdp *media_sdp_new (const char *address, guint port, OccMediaSrtp srtp,
                         const MediaCodec *codecs, guint n_codecs);
void media_sdp_free (MediaSdp *sdp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MediaSdp, media_sdp_free)

/**
 * media_sdp_offer:
 * @first: (nullable): a codec to offer first (a bridged peer's), even if
 *   it is not in the preference list.
 *
 * Our offer, initial or re-offer (transfer full); its o= version is one
 * more than our last SDP's. The session waits for the answer; what was
 * agreed before stays in force until then. Never fails.
 */
char *media_sdp_offer (MediaSdp *sdp, const MediaCodec *first);

/**
 * media_sdp_accept_answer:
 * @out: receives what was agreed.
 *
 * The answer to our last offer. OCC_MEDIA_ERROR_STATE when no offer is
 * out. On INVALID or NOT_ACCEPTABLE what was agreed before stays; either
 * way the offer is no longer out (a new one may be made).
 */
gboolean media_sdp_accept_answer (MediaSdp *sdp, const char *text, gsize len, MediaNegotiated *out,
                                  GError **error);

/**
 * media_sdp_answer:
 *
 * Answers a remote offer, initial or re-offer (transfer full), and fills
 * @out. OCC_MEDIA_ERROR_STATE while our own offer is out (glare).
 */
char *media_sdp_answer (MediaSdp *sdp, const char *text, gsize len, MediaNegotiated *out,
                        GError **error);

/* TRUE once an offer/answer completed. */
gboolean media_sdp_is_negotiated (const MediaSdp *sdp);
/* What is agreed now (valid when negotiated). Transfer none. */
const MediaNegotiated *media_sdp_get_negotiated (const MediaSdp *sdp);

/* The encoding name ("PCMU"…) and its RTP clock rate. */
const char *media_codec_name (MediaCodec codec);
guint media_codec_clock_rate (MediaCodec codec);
/* Case-insensitive lookup of an encoding name; FALSE when unknown. */
gboolean media_codec_from_name (const char *name, MediaCodec *codec);

const char *media_direction_name (MediaDirection dir);
const char *media_suite_name (MediaSuite suite);

/* Fills @buf from the kernel's CSPRNG (getrandom). */
void media_random_bytes (guint8 *buf, gsize len);

/* For the tests and the fuzz target: checks @text against the RFC 4566
 * grammar as media_sdp_answer() does, without negotiating. */
gboolean media_sdp_check (const char *text, gsize len, GError **error);

G_END_DECLS
