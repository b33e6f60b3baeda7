/* omnicc plugin API — the "media" service: RTP anchored in the daemon.
 *
 * A leg is one RTP stream with one remote party: the trunk side of a call,
 * an agent's phone. The SIP plugin makes a leg per call party, trades SDP
 * through it (offer/answer, RFC 3264), and bridges two legs so that each
 * hears the other. Media flows in GStreamer pipelines, on their own
 * threads, never on the main loop; later plugins play prompts, detect
 * DTMF, record and let supervisors listen through the same legs.
 *
 * Every function is called on the main thread and returns at once (SDP
 * work is quick; pipelines start in the background).
 *
 * Bus events (registered by the media provider):
 *   media.dtmf       (sssu)    call id, leg label, digit (0-9 * # A-D), duration ms
 *   media.leg.ended  (ssa{sv}) call id, leg label, final statistics (as leg_stats)
 */
#pragma once

#include <gio/gio.h>
#include <omnicc/plugin.h>
#include <omnicc/service.h>

G_BEGIN_DECLS

#define OCC_MEDIA_SERVICE "media"
#define OCC_MEDIA_VERSION 1

#define OCC_EVENT_MEDIA_DTMF "media.dtmf"
#define OCC_EVENT_MEDIA_LEG_ENDED "media.leg.ended"

static inline GQuark
occ_media_error_quark (void)
{
  return g_quark_from_string ("occ-media-error-quark");
}
#define OCC_MEDIA_ERROR (occ_media_error_quark ())

typedef enum {
  OCC_MEDIA_ERROR_INVALID,        /* the SDP does not parse or breaks RFC 4566 (SIP: 400) */
  OCC_MEDIA_ERROR_NOT_ACCEPTABLE, /* no common codec, or SRTP required and not offered (488) */
  OCC_MEDIA_ERROR_RESOURCES,      /* no free RTP port, a pipeline failed to start (503) */
  OCC_MEDIA_ERROR_STATE,          /* called out of order (answer before offer, bridge of a
                                   * leg not negotiated): a bug of the caller */
} OccMediaError;

typedef enum {
  OCC_MEDIA_SRTP_OFF,      /* plain RTP (RTP/AVP); an offer of RTP/SAVP only is refused */
  OCC_MEDIA_SRTP_OPTIONAL, /* accept RTP/AVP or RTP/SAVP; our offers are RTP/AVP */
  OCC_MEDIA_SRTP_REQUIRED, /* RTP/SAVP with SDES keys (RFC 4568) only */
} OccMediaSrtp;

typedef struct {
  const char *call_id; /* the call's id, for events and logs */
  const char *label;   /* which party: "trunk", "agent:awa" */
  OccMediaSrtp srtp;
  /* codec names in order of preference ("PCMA", "PCMU", "opus"); NULL:
   * the provider's configured list. telephone-event is always added. */
  const char *const *codecs;
} OccMediaLegOptions;

typedef struct _OccMediaLeg OccMediaLeg;
typedef struct _OccMediaService OccMediaService;

struct _OccMediaService {
  OccServiceHeader header;
  /* A new leg with its RTP and RTCP ports allocated; NULL with
   * OCC_MEDIA_ERROR_RESOURCES when none is free. */
  OccMediaLeg *(*leg_new) (const OccMediaService *self, const OccMediaLegOptions *options,
                           GError **error);
  /* Our offer for an INVITE or re-INVITE (transfer full). With @like (a
   * negotiated leg, may be NULL), its codec is offered first, so that a
   * bridge of the two needs no transcoding. */
  char *(*leg_offer) (OccMediaLeg *leg, OccMediaLeg *like, GError **error);
  /* The remote party's answer to our last offer. */
  gboolean (*leg_accept_answer) (OccMediaLeg *leg, const char *sdp, GError **error);
  /* Answers a remote offer — an INVITE's, or a re-INVITE's (hold with
   * sendonly/inactive, unhold, a new address) — (transfer full). */
  char *(*leg_answer_offer) (OccMediaLeg *leg, const char *sdp, GError **error);
  /* Each leg's audio goes to the other (G.711 µ-law/A-law transcoded when
   * they differ), and RFC 4733 DTMF passes; both legs negotiated. A leg is
   * in one bridge at a time. */
  gboolean (*bridge) (OccMediaLeg *a, OccMediaLeg *b, GError **error);
  /* Takes @leg (and its peer) out of their bridge; media stops flowing
   * between them, each leg stays up. */
  void (*unbridge) (OccMediaLeg *leg);
  /* An a{sv}: "codec" (s), "remote" (s, address:port), "direction" (s),
   * "srtp" (b), "packets-sent", "packets-received", "bytes-sent",
   * "bytes-received", "packets-lost" (t), "jitter-ms" (d) — floating. */
  GVariant *(*leg_stats) (OccMediaLeg *leg);
  /* Ends @leg: stops its media, takes it out of its bridge, publishes
   * media.leg.ended with its final statistics, frees it. */
  void (*leg_free) (OccMediaLeg *leg);
};

G_END_DECLS
