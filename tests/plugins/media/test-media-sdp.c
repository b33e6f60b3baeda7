/* The media plugin's SDP offer/answer (plugins/media/sdp.c), compiled in:
 * no pipeline, no socket. Offers are written as phones write them. */
#include "sdp-private.h"

#include <gst/sdp/sdp.h>
#include <string.h>

static const MediaCodec g711[] = { MEDIA_CODEC_PCMA, MEDIA_CODEC_PCMU };
static const MediaCodec all3[] = { MEDIA_CODEC_PCMA, MEDIA_CODEC_PCMU, MEDIA_CODEC_OPUS };

/* A phone's offer: @media is the m= line and its attributes. */
static char *
offer_with (const char *media)
{
  return g_strdup_printf ("v=0\r\n"
                          "o=phone 1001 1001 IN IP4 192.0.2.10\r\n"
                          "s=call\r\n"
                          "c=IN IP4 192.0.2.10\r\n"
                          "t=0 0\r\n"
                          "%s",
                          media);
}

static const char plain_offer[] = "m=audio 40000 RTP/AVP 0 8 101\r\n"
                                  "a=rtpmap:0 PCMU/8000\r\n"
                                  "a=rtpmap:8 PCMA/8000\r\n"
                                  "a=rtpmap:101 telephone-event/8000\r\n"
                                  "a=fmtp:101 0-16\r\n"
                                  "a=ptime:20\r\n"
                                  "a=sendrecv\r\n";

static MediaSdp *
session (OccMediaSrtp srtp)
{
  return media_sdp_new ("203.0.113.5", 20000, srtp, g711, G_N_ELEMENTS (g711));
}

static GstSDPMessage *
parse_ok (const char *text)
{
  g_autoptr (GError) e = NULL;
  g_assert_true (media_sdp_check (text, strlen (text), &e));
  g_assert_no_error (e);
  GstSDPMessage *msg = NULL;
  gst_sdp_message_new_from_text (text, &msg);
  g_assert_nonnull (msg);
  g_assert_true (strstr (text, "\r\n") != NULL);
  return msg;
}

static char *
answer_ok (MediaSdp *s, const char *offer, MediaNegotiated *neg)
{
  g_autoptr (GError) e = NULL;
  char *answer = media_sdp_answer (s, offer, strlen (offer), neg, &e);
  g_assert_no_error (e);
  g_assert_nonnull (answer);
  gst_sdp_message_free (parse_ok (answer));
  return answer;
}

static void
answer_fails (MediaSdp *s, const char *offer, gint code, const char *part)
{
  g_autoptr (GError) e = NULL;
  MediaNegotiated neg;
  g_autofree char *answer = media_sdp_answer (s, offer, strlen (offer), &neg, &e);
  g_assert_null (answer);
  g_assert_error (e, OCC_MEDIA_ERROR, code);
  if (part && strstr (e->message, part) == NULL)
    g_error ("“%s” does not say “%s”", e->message, part);
}

static guint64
origin_version (const char *text)
{
  g_autoptr (GstSDPMessage) msg = parse_ok (text);
  return g_ascii_strtoull (gst_sdp_message_get_origin (msg)->sess_version, NULL, 10);
}

/* --- our offers ------------------------------------------------------------------ */

static void
test_offer_valid (void)
{
  g_autoptr (MediaSdp) s = media_sdp_new ("203.0.113.5", 20000, OCC_MEDIA_SRTP_OFF, all3, 3);
  g_autofree char *offer = media_sdp_offer (s, NULL);
  g_autoptr (GstSDPMessage) msg = parse_ok (offer);
  g_assert_true (g_str_has_prefix (offer, "v=0\r\no=- "));
  g_assert_cmpstr (gst_sdp_message_get_connection (msg)->address, ==, "203.0.113.5");
  g_assert_nonnull (strstr (offer, "\r\nt=0 0\r\n"));
  g_assert_cmpuint (gst_sdp_message_medias_len (msg), ==, 1);
  const GstSDPMedia *m = gst_sdp_message_get_media (msg, 0);
  g_assert_cmpuint (gst_sdp_media_get_port (m), ==, 20000);
  g_assert_cmpstr (gst_sdp_media_get_proto (m), ==, "RTP/AVP");
  /* our order, telephone-event for each clock rate */
  g_assert_nonnull (strstr (offer, "m=audio 20000 RTP/AVP 8 0 111 101 110\r\n"));
  g_assert_nonnull (strstr (offer, "a=rtpmap:111 opus/48000/2\r\n"));
  g_assert_nonnull (strstr (offer, "a=rtpmap:101 telephone-event/8000\r\n"));
  g_assert_nonnull (strstr (offer, "a=fmtp:101 0-15\r\n"));
  g_assert_nonnull (strstr (offer, "a=rtpmap:110 telephone-event/48000\r\n"));
  g_assert_nonnull (strstr (offer, "a=sendrecv\r\n"));
  g_assert_null (strstr (offer, "crypto"));
}

static void
test_offer_like_first (void)
{
  g_autoptr (MediaSdp) s = session (OCC_MEDIA_SRTP_OFF);
  MediaCodec pcmu = MEDIA_CODEC_PCMU;
  g_autofree char *offer = media_sdp_offer (s, &pcmu);
  g_assert_nonnull (strstr (offer, "m=audio 20000 RTP/AVP 0 8 101\r\n"));
}

static void
test_version_increments (void)
{
  g_autoptr (MediaSdp) s = session (OCC_MEDIA_SRTP_OFF);
  g_autofree char *o1 = media_sdp_offer (s, NULL);
  g_autofree char *o2 = media_sdp_offer (s, NULL);
  g_assert_cmpuint (origin_version (o2), ==, origin_version (o1) + 1);
  g_autoptr (MediaSdp) s2 = session (OCC_MEDIA_SRTP_OFF);
  g_autofree char *offer = offer_with (plain_offer);
  MediaNegotiated neg;
  g_autofree char *a1 = answer_ok (s2, offer, &neg);
  g_autofree char *a2 = answer_ok (s2, offer, &neg);
  g_assert_cmpuint (origin_version (a2), ==, origin_version (a1) + 1);
  g_autofree char *o3 = media_sdp_offer (s2, NULL);
  g_assert_cmpuint (origin_version (o3), ==, origin_version (a2) + 1);
  /* the session id stays */
  g_autoptr (GstSDPMessage) m1 = parse_ok (a1);
  g_autoptr (GstSDPMessage) m3 = parse_ok (o3);
  g_assert_cmpstr (gst_sdp_message_get_origin (m1)->sess_id, ==,
                   gst_sdp_message_get_origin (m3)->sess_id);
}

/* --- answers ------------------------------------------------------------------------ */

static void
test_answer_preference (void)
{
  g_autoptr (MediaSdp) s = session (OCC_MEDIA_SRTP_OFF);
  g_autofree char *offer = offer_with (plain_offer);
  MediaNegotiated neg;
  g_autofree char *answer = answer_ok (s, offer, &neg);
  /* PCMA is ours first, though the phone put PCMU first */
  g_assert_cmpint (neg.codec, ==, MEDIA_CODEC_PCMA);
  g_assert_cmpuint (neg.pt_send, ==, 8);
  g_assert_cmpuint (neg.pt_recv, ==, 8);
  g_assert_cmpint (neg.dtmf_pt_send, ==, 101);
  g_assert_cmpint (neg.dtmf_pt_recv, ==, 101);
  g_assert_cmpuint (neg.dtmf_rate, ==, 8000);
  g_assert_cmpstr (neg.remote_addr, ==, "192.0.2.10");
  g_assert_cmpuint (neg.remote_port, ==, 40000);
  g_assert_cmpuint (neg.remote_rtcp_port, ==, 40001);
  g_assert_cmpint (neg.direction, ==, MEDIA_DIR_SENDRECV);
  g_assert_false (neg.srtp);
  g_assert_nonnull (strstr (answer, "m=audio 20000 RTP/AVP 8 101\r\n"));
  g_assert_nonnull (strstr (answer, "a=rtpmap:8 PCMA/8000\r\n"));
  g_assert_nonnull (strstr (answer, "a=sendrecv\r\n"));
  g_assert_true (media_sdp_is_negotiated (s));
}

static void
test_answer_dynamic_pts (void)
{
  /* a WebRTC-ish softphone: opus and telephone-event on its own numbers */
  g_autoptr (MediaSdp) s = media_sdp_new ("203.0.113.5", 20000, OCC_MEDIA_SRTP_OFF,
                                          (MediaCodec[]){ MEDIA_CODEC_OPUS, MEDIA_CODEC_PCMU }, 2);
  g_autofree char *offer = offer_with ("m=audio 40000 RTP/AVP 109 0 96 97\r\n"
                                       "a=rtpmap:109 OPUS/48000/2\r\n"
                                       "a=fmtp:109 useinbandfec=1\r\n"
                                       "a=rtpmap:96 telephone-event/8000\r\n"
                                       "a=rtpmap:97 telephone-event/48000\r\n"
                                       "a=fmtp:97 0-15\r\n");
  MediaNegotiated neg;
  g_autofree char *answer = answer_ok (s, offer, &neg);
  g_assert_cmpint (neg.codec, ==, MEDIA_CODEC_OPUS);
  g_assert_cmpuint (neg.pt_send, ==, 109);
  g_assert_cmpuint (neg.clock_rate, ==, 48000);
  g_assert_cmpint (neg.dtmf_pt_send, ==, 97); /* the one at the codec's rate */
  g_assert_cmpuint (neg.dtmf_rate, ==, 48000);
  g_assert_nonnull (strstr (answer, "m=audio 20000 RTP/AVP 109 97\r\n"));
  g_assert_nonnull (strstr (answer, "a=rtpmap:109 opus/48000/2\r\n"));
  /* later offers of ours keep the numbers agreed (RFC 3264 §8.3.2) */
  g_autofree char *reoffer = media_sdp_offer (s, NULL);
  g_assert_nonnull (strstr (reoffer, "m=audio 20000 RTP/AVP 109 0 101 97\r\n"));
}

static void
test_answer_telephone_event_events (void)
{
  g_autoptr (MediaSdp) s = session (OCC_MEDIA_SRTP_OFF);
  /* only flash-hook: no DTMF */
  g_autofree char *offer = offer_with ("m=audio 40000 RTP/AVP 0 101\r\n"
                                       "a=rtpmap:101 telephone-event/8000\r\n"
                                       "a=fmtp:101 16\r\n");
  MediaNegotiated neg;
  g_autofree char *answer = answer_ok (s, offer, &neg);
  g_assert_cmpint (neg.dtmf_pt_send, ==, -1);
  g_assert_null (strstr (answer, "telephone-event"));
  g_assert_nonnull (strstr (answer, "m=audio 20000 RTP/AVP 0\r\n"));
}

typedef struct {
  const char *attr;
  MediaDirection expect;
} DirCase;

static void
test_answer_directions (void)
{
  static const DirCase cases[] = {
    { "a=sendonly\r\n", MEDIA_DIR_RECVONLY }, /* hold */
    { "a=recvonly\r\n", MEDIA_DIR_SENDONLY }, { "a=inactive\r\n", MEDIA_DIR_INACTIVE },
    { "a=sendrecv\r\n", MEDIA_DIR_SENDRECV }, { "", MEDIA_DIR_SENDRECV },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (MediaSdp) s = session (OCC_MEDIA_SRTP_OFF);
      g_autofree char *media = g_strdup_printf ("m=audio 40000 RTP/AVP 8\r\n%s", cases[i].attr);
      g_autofree char *offer = offer_with (media);
      MediaNegotiated neg;
      g_autofree char *answer = answer_ok (s, offer, &neg);
      g_assert_cmpint (neg.direction, ==, cases[i].expect);
      g_autofree char *line = g_strdup_printf ("a=%s\r\n", media_direction_name (cases[i].expect));
      g_assert_nonnull (strstr (answer, line));
    }
  /* session-level direction, media-level wins over it */
  g_autoptr (MediaSdp) s = session (OCC_MEDIA_SRTP_OFF);
  const char *session_level = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\n"
                              "t=0 0\r\na=sendonly\r\nm=audio 40000 RTP/AVP 8\r\n";
  MediaNegotiated neg;
  g_autofree char *a1 = answer_ok (s, session_level, &neg);
  g_assert_cmpint (neg.direction, ==, MEDIA_DIR_RECVONLY);
  g_autofree char *both = g_strconcat (session_level, "a=inactive\r\n", NULL);
  g_autofree char *a2 = answer_ok (s, both, &neg);
  g_assert_cmpint (neg.direction, ==, MEDIA_DIR_INACTIVE);
}

static void
test_answer_old_hold (void)
{
  /* RFC 2543 hold: c=0.0.0.0 — we send nothing */
  g_autoptr (MediaSdp) s = session (OCC_MEDIA_SRTP_OFF);
  const char *offer = "v=0\r\no=- 1 2 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
                      "m=audio 40000 RTP/AVP 0\r\n";
  MediaNegotiated neg;
  g_autofree char *answer = answer_ok (s, offer, &neg);
  g_assert_cmpstr (neg.remote_addr, ==, "");
  g_assert_cmpint (neg.direction, ==, MEDIA_DIR_RECVONLY);
}

static void
test_answer_media_connection (void)
{
  g_autoptr (MediaSdp) s = session (OCC_MEDIA_SRTP_OFF);
  const char *offer = "v=0\r\no=- 1 2 IN IP4 192.0.2.10\r\ns=-\r\nt=0 0\r\n"
                      "m=audio 40000 RTP/AVP 0\r\nc=IN IP4 198.51.100.7\r\na=rtcp:40009\r\n";
  MediaNegotiated neg;
  g_autofree char *answer = answer_ok (s, offer, &neg);
  g_assert_cmpstr (neg.remote_addr, ==, "198.51.100.7");
  g_assert_cmpuint (neg.remote_rtcp_port, ==, 40009);
  /* media level over session level */
  g_autofree char *offer2 = offer_with ("m=audio 40000 RTP/AVP 0\r\nc=IN IP4 198.51.100.8\r\n");
  g_autofree char *answer2 = answer_ok (s, offer2, &neg);
  g_assert_cmpstr (neg.remote_addr, ==, "198.51.100.8");
}

static void
test_answer_other_streams (void)
{
  /* a video phone: audio answered, video rejected in place */
  g_autoptr (MediaSdp) s = session (OCC_MEDIA_SRTP_OFF);
  g_autofree char *offer = offer_with ("m=video 40002 RTP/AVP 96\r\n"
                                       "a=rtpmap:96 H264/90000\r\n"
                                       "m=audio 0 RTP/AVP 0\r\n"
                                       "m=audio 40000 RTP/AVP 0 8\r\n"
                                       "m=application 5000 TCP/BFCP *\r\n");
  MediaNegotiated neg;
  g_autofree char *answer = answer_ok (s, offer, &neg);
  g_autoptr (GstSDPMessage) msg = parse_ok (answer);
  g_assert_cmpuint (gst_sdp_message_medias_len (msg), ==, 4);
  g_assert_nonnull (strstr (answer, "m=video 0 RTP/AVP 96\r\n"));
  g_assert_nonnull (strstr (answer, "m=audio 0 RTP/AVP 0\r\n"));
  g_assert_nonnull (strstr (answer, "m=audio 20000 RTP/AVP 8"));
  g_assert_nonnull (strstr (answer, "m=application 0 TCP/BFCP *\r\n"));
  g_assert_cmpuint (neg.remote_port, ==, 40000);
}

static void
test_answer_ptime (void)
{
  g_autoptr (MediaSdp) s = session (OCC_MEDIA_SRTP_OFF);
  g_autofree char *offer = offer_with ("m=audio 40000 RTP/AVP 8\r\na=ptime:30\r\n");
  MediaNegotiated neg;
  g_autofree char *answer = answer_ok (s, offer, &neg);
  g_assert_cmpuint (neg.ptime, ==, 30);
  g_autofree char *odd = offer_with ("m=audio 40000 RTP/AVP 8\r\na=ptime:25\r\n");
  g_autofree char *answer2 = answer_ok (s, odd, &neg);
  g_assert_cmpuint (neg.ptime, ==, 20);
}

/* --- re-offers ------------------------------------------------------------------------ */

static void
test_reoffer_hold_unhold (void)
{
  g_autoptr (MediaSdp) s = session (OCC_MEDIA_SRTP_OFF);
  g_autofree char *offer = offer_with ("m=audio 40000 RTP/AVP 0 8 101\r\n"
                                       "a=rtpmap:101 telephone-event/8000\r\n");
  MediaNegotiated neg;
  g_autofree char *a1 = answer_ok (s, offer, &neg);
  g_assert_cmpint (neg.codec, ==, MEDIA_CODEC_PCMA);
  /* hold, with the codecs in another order and a new address: the codec stays */
  g_autofree char *hold = offer_with ("m=audio 40100 RTP/AVP 0 8 101\r\n"
                                      "c=IN IP4 192.0.2.99\r\n"
                                      "a=rtpmap:101 telephone-event/8000\r\n"
                                      "a=sendonly\r\n");
  g_autofree char *a2 = answer_ok (s, hold, &neg);
  g_assert_cmpint (neg.codec, ==, MEDIA_CODEC_PCMA);
  g_assert_cmpint (neg.direction, ==, MEDIA_DIR_RECVONLY);
  g_assert_cmpstr (neg.remote_addr, ==, "192.0.2.99");
  g_assert_cmpuint (neg.remote_port, ==, 40100);
  g_assert_nonnull (strstr (a2, "a=recvonly\r\n"));
  g_autofree char *a3 = answer_ok (s, offer, &neg);
  g_assert_cmpint (neg.direction, ==, MEDIA_DIR_SENDRECV);
  g_assert_cmpint (media_sdp_get_negotiated (s)->direction, ==, MEDIA_DIR_SENDRECV);
}

static void
test_reoffer_failed_keeps (void)
{
  g_autoptr (MediaSdp) s = session (OCC_MEDIA_SRTP_OFF);
  g_autofree char *offer = offer_with (plain_offer);
  MediaNegotiated neg;
  g_autofree char *a1 = answer_ok (s, offer, &neg);
  g_autofree char *g729 = offer_with ("m=audio 40000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n");
  answer_fails (s, g729, OCC_MEDIA_ERROR_NOT_ACCEPTABLE, "no common codec");
  answer_fails (s, "garbage", OCC_MEDIA_ERROR_INVALID, NULL);
  g_assert_true (media_sdp_is_negotiated (s));
  g_assert_cmpint (media_sdp_get_negotiated (s)->codec, ==, MEDIA_CODEC_PCMA);
  g_assert_cmpuint (media_sdp_get_negotiated (s)->remote_port, ==, 40000);
}

/* --- errors ------------------------------------------------------------------------ */

static void
test_invalid (void)
{
  static const char *const bad[] = {
    "",
    "hello world",
    "v=1\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\n",
    /* no o= */
    "v=0\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\n",
    /* no s= */
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\n",
    /* no m= */
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n",
    /* port not a number */
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio abc RTP/AVP "
    "0\r\n",
    /* port too big */
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 70000 RTP/AVP "
    "0\r\n",
    /* no format */
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 1 RTP/AVP\r\n",
    /* RTP format not a payload type */
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 1 RTP/AVP "
    "200\r\n",
    /* no c= anywhere */
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\n",
    /* o= short */
    "v=0\r\no=- 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\n",
    /* a line that is not type=value */
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nhello\r\n"
    "m=audio 1 RTP/AVP 0\r\n",
    /* t= in a media section */
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 0\r\nt=0 0\r\n",
    /* an unknown type (RFC 4566: ignore the whole description) */
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nx=1\r\nc=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 0\r\n",
    /* c= with an odd network type */
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=ATM NSAP 1\r\nm=audio 1 RTP/AVP 0\r\n",
    /* c= address does not match its type */
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP6 1.2.3.4\r\nm=audio 1 RTP/AVP 0\r\n",
    /* a malformed rtpmap of the audio stream */
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 96\r\n"
    "a=rtpmap:96 opus\r\n",
    /* a blank line in the middle */
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\n\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 0\r\n",
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (MediaSdp) s = session (OCC_MEDIA_SRTP_OFF);
      g_test_message ("case %u", i);
      answer_fails (s, bad[i], OCC_MEDIA_ERROR_INVALID, "SDP");
      g_assert_false (media_sdp_is_negotiated (s));
    }
  /* NUL bytes, not UTF-8, too long */
  g_autoptr (MediaSdp) s = session (OCC_MEDIA_SRTP_OFF);
  g_autoptr (GError) e = NULL;
  MediaNegotiated neg;
  g_assert_null (media_sdp_answer (s, "v=0\r\n\0o=", 8, &neg, &e));
  g_assert_error (e, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_INVALID);
  g_clear_error (&e);
  g_autofree char *latin1 = offer_with ("m=audio 40000 RTP/AVP 0\r\na=x:\xe9\r\n");
  answer_fails (s, latin1, OCC_MEDIA_ERROR_INVALID, "UTF-8");
  g_autofree char *huge = g_strnfill (MEDIA_SDP_MAX_LEN + 1, 'a');
  answer_fails (s, huge, OCC_MEDIA_ERROR_INVALID, "longer");
}

static void
test_not_acceptable (void)
{
  g_autoptr (MediaSdp) s = session (OCC_MEDIA_SRTP_OFF);
  g_autofree char *g729 = offer_with ("m=audio 40000 RTP/AVP 18 101\r\n"
                                      "a=rtpmap:18 G729/8000\r\n"
                                      "a=rtpmap:101 telephone-event/8000\r\n");
  answer_fails (s, g729, OCC_MEDIA_ERROR_NOT_ACCEPTABLE, "no common codec");
  g_autofree char *video = offer_with ("m=video 40000 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n");
  answer_fails (s, video, OCC_MEDIA_ERROR_NOT_ACCEPTABLE, "no audio");
  g_autofree char *rejected = offer_with ("m=audio 0 RTP/AVP 0\r\n");
  answer_fails (s, rejected, OCC_MEDIA_ERROR_NOT_ACCEPTABLE, NULL);
  g_autofree char *dtls = offer_with ("m=audio 40000 UDP/TLS/RTP/SAVPF 111\r\n"
                                      "a=rtpmap:111 opus/48000/2\r\n");
  answer_fails (s, dtls, OCC_MEDIA_ERROR_NOT_ACCEPTABLE, "not supported");
  const char *multicast = "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\n"
                          "c=IN IP4 224.2.1.1/127\r\nm=audio 1 RTP/AVP 0\r\n";
  answer_fails (s, multicast, OCC_MEDIA_ERROR_NOT_ACCEPTABLE, NULL);
  const char *host = "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\n"
                     "c=IN IP4 phone.example.com\r\nm=audio 1 RTP/AVP 0\r\n";
  answer_fails (s, host, OCC_MEDIA_ERROR_NOT_ACCEPTABLE, "unicast IP");
  const char *v6 = "v=0\r\no=- 1 1 IN IP6 2001:db8::1\r\ns=-\r\n"
                   "c=IN IP6 2001:db8::1\r\nm=audio 1 RTP/AVP 0\r\n";
  answer_fails (s, v6, OCC_MEDIA_ERROR_NOT_ACCEPTABLE, "IPv4");
}

/* --- SRTP ------------------------------------------------------------------------------ */

#define KEY_A "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
#define KEY_B "zgaIgW5D7Iyfkwzk0RA1SZxu1Je7KWudKkGTxDTd"

static void
test_srtp_answer (void)
{
  g_autoptr (MediaSdp) s = session (OCC_MEDIA_SRTP_OPTIONAL);
  /* a suite we lack first, one with session parameters, then _32 */
  g_autofree char *offer
      = offer_with ("m=audio 40000 RTP/SAVP 0 101\r\n"
                    "a=rtpmap:101 telephone-event/8000\r\n"
                    "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:" KEY_A KEY_A "\r\n"
                    "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" KEY_A " KDR=1\r\n"
                    "a=crypto:3 AES_CM_128_HMAC_SHA1_32 inline:" KEY_B "|2^31|1:1\r\n");
  MediaNegotiated neg;
  g_autofree char *answer = answer_ok (s, offer, &neg);
  g_assert_true (neg.srtp);
  g_assert_cmpint (neg.suite, ==, MEDIA_SUITE_AES_CM_128_HMAC_SHA1_32);
  gsize len;
  g_autofree guchar *kb = g_base64_decode (KEY_B, &len);
  g_assert_cmpmem (neg.key_recv, MEDIA_KEY_LEN, kb, len);
  g_assert_cmpuint (neg.mki_recv_len, ==, 1);
  g_assert_cmpuint (neg.mki_recv, ==, 1);
  g_assert_nonnull (strstr (answer, "m=audio 20000 RTP/SAVP 0 101\r\n"));
  /* our own key, with the tag and suite chosen */
  const char *line = strstr (answer, "a=crypto:3 AES_CM_128_HMAC_SHA1_32 inline:");
  g_assert_nonnull (line);
  g_autofree char *ours
      = g_strndup (line + strlen ("a=crypto:3 AES_CM_128_HMAC_SHA1_32 inline:"), 40);
  g_autofree guchar *kd = g_base64_decode (ours, &len);
  g_assert_cmpuint (len, ==, MEDIA_KEY_LEN);
  g_assert_cmpmem (neg.key_send, MEDIA_KEY_LEN, kd, len);
  g_assert_true (memcmp (neg.key_send, neg.key_recv, MEDIA_KEY_LEN) != 0);
  /* a re-offer keeps our key */
  MediaNegotiated again;
  g_autofree char *answer2 = answer_ok (s, offer, &again);
  g_assert_cmpmem (again.key_send, MEDIA_KEY_LEN, neg.key_send, MEDIA_KEY_LEN);
  /* another leg's key is another */
  g_autoptr (MediaSdp) s2 = session (OCC_MEDIA_SRTP_OPTIONAL);
  MediaNegotiated other;
  g_autofree char *answer3 = answer_ok (s2, offer, &other);
  g_assert_true (memcmp (other.key_send, neg.key_send, MEDIA_KEY_LEN) != 0);
}

static void
test_srtp_modes (void)
{
  g_autofree char *savp = offer_with ("m=audio 40000 RTP/SAVP 0\r\n"
                                      "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_A "\r\n");
  g_autofree char *avp = offer_with ("m=audio 40000 RTP/AVP 0\r\n");
  g_autofree char *nocrypto = offer_with ("m=audio 40000 RTP/SAVP 0\r\n");
  /* best effort: both, secure preferred */
  g_autofree char *both = offer_with ("m=audio 40002 RTP/AVP 0\r\n"
                                      "m=audio 40000 RTP/SAVP 0\r\n"
                                      "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_A "\r\n");
  MediaNegotiated neg;
  {
    g_autoptr (MediaSdp) s = session (OCC_MEDIA_SRTP_OFF);
    answer_fails (s, savp, OCC_MEDIA_ERROR_NOT_ACCEPTABLE, "SRTP");
    g_autofree char *a = answer_ok (s, both, &neg);
    g_assert_false (neg.srtp);
    g_assert_cmpuint (neg.remote_port, ==, 40002);
    g_assert_nonnull (strstr (a, "m=audio 0 RTP/SAVP 0\r\n"));
  }
  {
    g_autoptr (MediaSdp) s = session (OCC_MEDIA_SRTP_REQUIRED);
    answer_fails (s, avp, OCC_MEDIA_ERROR_NOT_ACCEPTABLE, "required");
    answer_fails (s, nocrypto, OCC_MEDIA_ERROR_NOT_ACCEPTABLE, "crypto");
    g_autofree char *a = answer_ok (s, savp, &neg);
    g_assert_true (neg.srtp);
  }
  {
    g_autoptr (MediaSdp) s = session (OCC_MEDIA_SRTP_OPTIONAL);
    g_autofree char *a1 = answer_ok (s, avp, &neg);
    g_assert_false (neg.srtp);
    g_autofree char *a2 = answer_ok (s, both, &neg);
    g_assert_true (neg.srtp);
    g_assert_cmpuint (neg.remote_port, ==, 40000);
    g_assert_nonnull (strstr (a2, "m=audio 0 RTP/AVP 0\r\n"));
    /* our offers are plain */
    g_autofree char *o = media_sdp_offer (s, NULL);
    g_assert_nonnull (strstr (o, "RTP/AVP"));
  }
}

static void
test_srtp_offer_required (void)
{
  g_autoptr (MediaSdp) s = session (OCC_MEDIA_SRTP_REQUIRED);
  g_autofree char *offer = media_sdp_offer (s, NULL);
  gst_sdp_message_free (parse_ok (offer));
  g_assert_nonnull (strstr (offer, "m=audio 20000 RTP/SAVP 8 0 101\r\n"));
  const char *c1 = strstr (offer, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:");
  const char *c2 = strstr (offer, "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:");
  g_assert_nonnull (c1);
  g_assert_nonnull (c2);
  g_autofree char *key2
      = g_strndup (c2 + strlen ("a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:"), 40);
  /* plain answer refused */
  g_autofree char *plain = offer_with ("m=audio 40000 RTP/AVP 8\r\n");
  g_autoptr (GError) e = NULL;
  MediaNegotiated neg;
  g_assert_false (media_sdp_accept_answer (s, plain, strlen (plain), &neg, &e));
  g_assert_error (e, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_NOT_ACCEPTABLE);
  g_clear_error (&e);
  /* the answer takes tag 2 */
  g_autofree char *again = media_sdp_offer (s, NULL);
  g_autofree char *answer = offer_with ("m=audio 40000 RTP/SAVP 8\r\n"
                                        "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" KEY_B "\r\n");
  g_assert_true (media_sdp_accept_answer (s, answer, strlen (answer), &neg, &e));
  g_assert_no_error (e);
  g_assert_cmpint (neg.suite, ==, MEDIA_SUITE_AES_CM_128_HMAC_SHA1_32);
  gsize len;
  g_autofree guchar *k2 = g_base64_decode (key2, &len);
  g_assert_cmpmem (neg.key_send, MEDIA_KEY_LEN, k2, len);
  g_autofree guchar *kb = g_base64_decode (KEY_B, &len);
  g_assert_cmpmem (neg.key_recv, MEDIA_KEY_LEN, kb, len);
}

/* --- accepting answers -------------------------------------------------------------- */

static void
test_accept_answer (void)
{
  g_autoptr (MediaSdp) s = session (OCC_MEDIA_SRTP_OFF);
  g_autoptr (GError) e = NULL;
  MediaNegotiated neg;
  g_autofree char *answer = offer_with ("m=audio 40000 RTP/AVP 0 97\r\n"
                                        "a=rtpmap:97 telephone-event/8000\r\n"
                                        "a=recvonly\r\n");
  /* no offer out */
  g_assert_false (media_sdp_accept_answer (s, answer, strlen (answer), &neg, &e));
  g_assert_error (e, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_STATE);
  g_clear_error (&e);
  g_autofree char *offer = media_sdp_offer (s, NULL);
  /* glare: their offer while ours is out */
  g_autofree char *theirs = offer_with (plain_offer);
  g_assert_null (media_sdp_answer (s, theirs, strlen (theirs), &neg, &e));
  g_assert_error (e, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_STATE);
  g_clear_error (&e);
  g_assert_true (media_sdp_accept_answer (s, answer, strlen (answer), &neg, &e));
  g_assert_no_error (e);
  g_assert_cmpint (neg.codec, ==, MEDIA_CODEC_PCMU);
  g_assert_cmpuint (neg.pt_send, ==, 0);
  /* their number for telephone-event to them, ours from them */
  g_assert_cmpint (neg.dtmf_pt_send, ==, 97);
  g_assert_cmpint (neg.dtmf_pt_recv, ==, 101);
  g_assert_cmpint (neg.direction, ==, MEDIA_DIR_SENDONLY);
  g_assert_true (media_sdp_is_negotiated (s));
}

static void
test_accept_bad_answers (void)
{
  g_autoptr (MediaSdp) s = session (OCC_MEDIA_SRTP_OFF);
  g_autoptr (GError) e = NULL;
  MediaNegotiated neg;
  struct {
    const char *media;
    gint code;
  } cases[] = {
    { "m=audio 0 RTP/AVP 0\r\n", OCC_MEDIA_ERROR_NOT_ACCEPTABLE },
    { "m=audio 40000 RTP/AVP 18\r\n", OCC_MEDIA_ERROR_NOT_ACCEPTABLE },
    { "m=audio 40000 RTP/AVP 0\r\nm=video 0 RTP/AVP 96\r\n", OCC_MEDIA_ERROR_INVALID },
    { "m=audio 40000 RTP/SAVP 0\r\n", OCC_MEDIA_ERROR_NOT_ACCEPTABLE },
    { "m=video 40000 RTP/AVP 0\r\n", OCC_MEDIA_ERROR_INVALID },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_free (media_sdp_offer (s, NULL));
      g_autofree char *answer = offer_with (cases[i].media);
      g_assert_false (media_sdp_accept_answer (s, answer, strlen (answer), &neg, &e));
      g_assert_error (e, OCC_MEDIA_ERROR, cases[i].code);
      g_clear_error (&e);
      g_assert_false (media_sdp_is_negotiated (s));
    }
  /* the offer is no longer out after a bad answer */
  g_autofree char *answer = offer_with ("m=audio 40000 RTP/AVP 0\r\n");
  g_assert_false (media_sdp_accept_answer (s, answer, strlen (answer), &neg, &e));
  g_assert_error (e, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_STATE);
}

/* --- the seed corpus: every real-world SDP answers, or fails as it should ----- */

static void
test_corpus (void)
{
  g_autofree char *dir = g_build_filename (SOURCE_ROOT, "tests", "fuzz", "corpus", "sdp", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  guint answered = 0, files = 0;
  const char *name;
  while ((name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *text = NULL;
      gsize len;
      g_assert_true (g_file_get_contents (path, &text, &len, NULL));
      files++;
      g_autoptr (MediaSdp) s
          = media_sdp_new ("203.0.113.5", 20000, OCC_MEDIA_SRTP_OPTIONAL, all3, 3);
      g_autoptr (GError) e = NULL;
      MediaNegotiated neg;
      g_autofree char *answer = media_sdp_answer (s, text, len, &neg, &e);
      g_test_message ("%s: %s", name, answer ? "answered" : e->message);
      if (answer)
        {
          gst_sdp_message_free (parse_ok (answer));
          answered++;
        }
      else
        g_assert_true (e->code == OCC_MEDIA_ERROR_INVALID
                       || e->code == OCC_MEDIA_ERROR_NOT_ACCEPTABLE);
      /* "ans-*" files are answers to an offer of ours */
      if (g_str_has_prefix (name, "ans-"))
        {
          g_autoptr (MediaSdp) o
              = media_sdp_new ("203.0.113.5", 20000, OCC_MEDIA_SRTP_OFF, all3, 3);
          g_free (media_sdp_offer (o, NULL));
          g_autoptr (GError) e2 = NULL;
          g_assert_true (media_sdp_accept_answer (o, text, len, &neg, &e2));
          g_assert_no_error (e2);
        }
    }
  g_assert_cmpuint (files, >=, 8);
  g_assert_cmpuint (answered, >=, 6);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/media/sdp/offer/is-valid-rfc4566", test_offer_valid);
  g_test_add_func ("/media/sdp/offer/puts-a-bridged-legs-codec-first", test_offer_like_first);
  g_test_add_func ("/media/sdp/origin/version-grows-with-each-sdp", test_version_increments);
  g_test_add_func ("/media/sdp/answer/takes-our-preferred-codec", test_answer_preference);
  g_test_add_func ("/media/sdp/answer/keeps-the-offers-dynamic-types", test_answer_dynamic_pts);
  g_test_add_func ("/media/sdp/answer/needs-dtmf-events", test_answer_telephone_event_events);
  g_test_add_func ("/media/sdp/answer/mirrors-the-direction", test_answer_directions);
  g_test_add_func ("/media/sdp/answer/old-style-hold", test_answer_old_hold);
  g_test_add_func ("/media/sdp/answer/media-level-connection", test_answer_media_connection);
  g_test_add_func ("/media/sdp/answer/rejects-other-streams-in-place", test_answer_other_streams);
  g_test_add_func ("/media/sdp/answer/ptime", test_answer_ptime);
  g_test_add_func ("/media/sdp/reoffer/hold-unhold-and-new-address", test_reoffer_hold_unhold);
  g_test_add_func ("/media/sdp/reoffer/refused-keeps-what-was-agreed", test_reoffer_failed_keeps);
  g_test_add_func ("/media/sdp/refuses/malformed-as-invalid", test_invalid);
  g_test_add_func ("/media/sdp/refuses/unusable-as-not-acceptable", test_not_acceptable);
  g_test_add_func ("/media/sdp/srtp/answers-with-its-own-key", test_srtp_answer);
  g_test_add_func ("/media/sdp/srtp/off-optional-required", test_srtp_modes);
  g_test_add_func ("/media/sdp/srtp/required-offer", test_srtp_offer_required);
  g_test_add_func ("/media/sdp/accept/answer-to-our-offer", test_accept_answer);
  g_test_add_func ("/media/sdp/accept/refuses-bad-answers", test_accept_bad_answers);
  g_test_add_func ("/media/sdp/corpus/real-world-offers", test_corpus);
  return g_test_run ();
}
