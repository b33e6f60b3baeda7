/* A leg's GStreamer elements for what was negotiated, in a bin of the
 * plugin's pipeline:
 *
 *   receive: [srtpdec] → rtp*depay → *dec          → decoded audio
 *   send:    audio → *enc → rtp*pay → [srtpenc]    → the network
 *
 * No element has a thread of its own (no source, no sink, no queue): the
 * ends are free pads that the leg pushes into and that call the leg back,
 * so a packet goes from the receiving socket to the sending one on the
 * media thread that read it. Between the receive and send halves the leg
 * puts its jitter buffer, and the bridge joins one leg's decoded audio to
 * another leg's encoder.
 *
 * Build and free on the main thread; push under the leg's locks (the
 * receive half under rx_lock, the send half under tx_lock). */
#pragma once

#include "sdp.h"

#include <gst/gst.h>

typedef struct _MediaChain MediaChain;

/* Where a chain hands its output; @leg is the chain's owner. */
typedef struct {
  GstFlowReturn (*rtp_in) (gpointer leg, GstBuffer *buf);   /* decrypted RTP (SRTP only) */
  GstFlowReturn (*rtcp_in) (gpointer leg, GstBuffer *buf);  /* decrypted RTCP (SRTP only) */
  GstFlowReturn (*audio_in) (gpointer leg, GstBuffer *buf); /* decoded audio */
  GstFlowReturn (*rtp_out) (gpointer leg, GstBuffer *buf);  /* payloaded RTP to send */
  GstFlowReturn (*net_rtp) (gpointer leg, GstBuffer *buf);  /* SRTP to send */
  GstFlowReturn (*net_rtcp) (gpointer leg, GstBuffer *buf); /* SRTCP to send */
} MediaChainHooks;

/* The decoded audio between legs: 16-bit mono at 8 kHz. */
#define MEDIA_AUDIO_CAPS "audio/x-raw,format=S16LE,layout=interleaved,rate=8000,channels=1"

/**
 * media_chain_new:
 * @ssrc, @ts_base: the leg's, for the payloader (RTP time = @ts_base +
 *   running time of the audio).
 *
 * Builds, adds to @pipeline and starts the elements for @neg. NULL with
 * OCC_MEDIA_ERROR_RESOURCES if an element is missing or will not start.
 */
MediaChain *media_chain_new (GstBin *pipeline, const char *name, const MediaNegotiated *neg,
                             guint32 ssrc, guint32 ts_base, const MediaChainHooks *hooks,
                             gpointer leg, GError **error);

/* Stops and removes the elements; nothing may push any more. */
void media_chain_free (MediaChain *c);

/* TRUE when @neg needs no other elements, payload types or keys. */
gboolean media_chain_fits (const MediaChain *c, const MediaNegotiated *neg);

gboolean media_chain_is_srtp (const MediaChain *c);

/* Receive half (rx_lock). */
GstFlowReturn media_chain_unprotect_rtp (MediaChain *c, GstBuffer *buf);
GstFlowReturn media_chain_unprotect_rtcp (MediaChain *c, GstBuffer *buf);
GstFlowReturn media_chain_decode (MediaChain *c, GstBuffer *rtp);

/* Send half (tx_lock). */
GstFlowReturn media_chain_encode (MediaChain *c, GstBuffer *audio);
GstFlowReturn media_chain_protect_rtp (MediaChain *c, GstBuffer *rtp);
GstFlowReturn media_chain_protect_rtcp (MediaChain *c, GstBuffer *rtcp);

/* The element factories every chain may use; @opus: those of opus.
 * Loads their plugins (so the first call does not pay for it) and
 * returns the names of the missing ones, or NULL. */
char *media_chain_preload (gboolean opus);
