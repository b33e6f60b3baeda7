/* Fuzz target: the media plugin's SDP offer/answer (plugins/media/sdp.c)
 * on any input, as a remote offer (a first one, and again as a re-offer)
 * and as the answer to an offer of ours, with each SRTP mode. Whatever
 * comes in, the result is an error of the right kind or an agreement that
 * makes sense — and an SDP of ours that passes our own RFC 4566 check. */
#include "sdp.h"

#include "fuzz-log.h"

#include <gst/sdp/sdp.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const MediaCodec codecs[] = { MEDIA_CODEC_PCMA, MEDIA_CODEC_PCMU, MEDIA_CODEC_OPUS };

static void
check_agreement (const MediaNegotiated *n, OccMediaSrtp mode)
{
  g_assert (n->codec < MEDIA_CODEC_COUNT);
  g_assert (n->clock_rate == media_codec_clock_rate (n->codec));
  g_assert (n->pt_send < 128 && n->pt_recv < 128);
  g_assert (n->dtmf_pt_send >= -1 && n->dtmf_pt_send < 128);
  g_assert ((n->dtmf_pt_send < 0) == (n->dtmf_pt_recv < 0));
  g_assert (n->dtmf_pt_send < 0 || n->dtmf_rate == 8000 || n->dtmf_rate == 48000);
  g_assert (n->ptime >= 10 && n->ptime <= 60 && n->ptime % 10 == 0);
  g_assert (n->direction <= MEDIA_DIR_SENDRECV);
  g_assert (n->remote_port <= 65535 && n->remote_rtcp_port <= 65535);
  g_assert (n->remote_addr[0] != '\0' || !(n->direction & MEDIA_DIR_SENDONLY));
  if (n->remote_addr[0])
    {
      g_autoptr (GInetAddress) a = g_inet_address_new_from_string (n->remote_addr);
      g_assert (a != NULL && g_inet_address_get_family (a) == G_SOCKET_FAMILY_IPV4);
    }
  g_assert (n->srtp == (n->suite != MEDIA_SUITE_NONE));
  g_assert (mode != OCC_MEDIA_SRTP_OFF || !n->srtp);
  g_assert (mode != OCC_MEDIA_SRTP_REQUIRED || n->srtp);
  g_assert (n->mki_recv_len <= 4);
}

static void
check_ours (const char *text)
{
  g_autoptr (GError) e = NULL;
  if (!media_sdp_check (text, strlen (text), &e))
    g_error ("our own SDP fails our check: %s\n%s", e->message, text);
  g_autoptr (GstSDPMessage) msg = NULL;
  g_assert (gst_sdp_message_new_from_text (text, &msg) == GST_SDP_OK);
}

static void
check_error (const GError *e)
{
  g_assert (e != NULL && e->domain == OCC_MEDIA_ERROR);
  g_assert (e->code == OCC_MEDIA_ERROR_INVALID || e->code == OCC_MEDIA_ERROR_NOT_ACCEPTABLE);
  g_assert (e->message[0] != '\0');
}

static void
as_offer (const char *text, size_t size, OccMediaSrtp mode)
{
  g_autoptr (MediaSdp) s = media_sdp_new ("192.0.2.1", 20000, mode, codecs, 3);
  for (guint round = 0; round < 2; round++)
    {
      g_autoptr (GError) e = NULL;
      MediaNegotiated n;
      g_autofree char *answer = media_sdp_answer (s, text, size, &n, &e);
      if (answer == NULL)
        {
          check_error (e);
          g_assert (media_sdp_is_negotiated (s) == (round > 0));
          return;
        }
      check_ours (answer);
      check_agreement (&n, mode);
      g_assert (media_sdp_is_negotiated (s));
      /* and an offer of ours after it */
      g_autofree char *offer = media_sdp_offer (s, NULL);
      check_ours (offer);
      g_autoptr (GError) e2 = NULL;
      g_autofree char *glare = media_sdp_answer (s, text, size, &n, &e2);
      g_assert (glare == NULL && g_error_matches (e2, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_STATE));
      MediaNegotiated self;
      g_autoptr (GError) e3 = NULL;
      /* our own offer is not an answer to itself unless it says one m= line */
      if (!media_sdp_accept_answer (s, offer, strlen (offer), &self, &e3))
        check_error (e3);
    }
}

static void
as_answer (const char *text, size_t size, OccMediaSrtp mode)
{
  g_autoptr (MediaSdp) s = media_sdp_new ("192.0.2.1", 20000, mode, codecs, 3);
  g_autofree char *offer = media_sdp_offer (s, NULL);
  check_ours (offer);
  g_autoptr (GError) e = NULL;
  MediaNegotiated n;
  if (media_sdp_accept_answer (s, text, size, &n, &e))
    check_agreement (&n, mode);
  else
    check_error (e);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *) data;
  for (OccMediaSrtp mode = OCC_MEDIA_SRTP_OFF; mode <= OCC_MEDIA_SRTP_REQUIRED; mode++)
    {
      as_offer (text, size, mode);
      as_answer (text, size, mode);
    }
  return 0;
}
