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
 *                              (RFC 4733 events, and in-band tones on a leg that
 *                              detect_tones() watches: duration 0 for those)
 *   media.leg.ended  (ssa{sv}) call id, leg label, final statistics (as leg_stats)
 */
#pragma once

#include <gio/gio.h>
#include <omnicc/plugin.h>
#include <omnicc/service.h>

G_BEGIN_DECLS

#define OCC_MEDIA_SERVICE "media"
#define OCC_MEDIA_VERSION 2 /* 2: play, hear, detect_tones, record_* */

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

/* --- version 2: prompts, mixing, tone detection, recording --------------------------- */

typedef enum {
  OCC_MEDIA_PLAY_LOOP = 1 << 0, /* start again at the end (music on hold) until play_stop() */
} OccMediaPlayFlags;

typedef enum {
  OCC_MEDIA_PLAY_FINISHED, /* every file was played to its end */
  OCC_MEDIA_PLAY_STOPPED,  /* play_stop(), or a new play() on the leg */
  OCC_MEDIA_PLAY_FAILED,   /* a file could not be read or decoded: nothing was played */
} OccMediaPlayEnd;

/* Called on the main thread once per play() that returned TRUE; not
 * called when the leg is freed first (then only @destroy runs). */
typedef void (*OccMediaPlayDone) (OccMediaLeg *leg, OccMediaPlayEnd how, const GError *error,
                                  gpointer user_data);

typedef enum {
  OCC_MEDIA_RECORD_WAV_ALAW,  /* WAV, G.711 A-law (format 6), 8 kHz, 8 bits a sample */
  OCC_MEDIA_RECORD_WAV_PCM16, /* WAV, linear PCM, 8 kHz, 16 bits a sample */
} OccMediaRecordFormat;

typedef struct {
  guint channels; /* 1 or 2 (0: 2) */
  OccMediaRecordFormat format;
} OccMediaRecordOptions;

typedef struct {
  const char *path;
  const char *format; /* "wav-alaw", "wav-pcm16" */
  guint channels;
  guint64 duration_ms; /* from start to stop, paused spans included (as silence) */
  guint64 bytes;       /* of the file */
  const char *sha256;  /* of the file, lowercase hex */
} OccMediaRecordResult;

/* Called on the main thread once per record_stop(), when the file is
 * complete; @result is NULL with @error when it could not be written. */
typedef void (*OccMediaRecordDone) (const OccMediaRecordResult *result, const GError *error,
                                    gpointer user_data);

typedef struct _OccMediaRecording OccMediaRecording;

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

  /* Appended in version 2 (check OCC_SERVICE_HAS (media, play) first). */

  /* Plays @files (WAV or Ogg, any rate: decoded once, kept in memory) one
   * after the other to @leg's remote, mixed with what the leg hears. A
   * play already under way on the leg is stopped first (its callback
   * says STOPPED). A file that cannot be read is reported through @done
   * (FAILED, nothing heard); a missing file fails at once
   * (OCC_MEDIA_ERROR_INVALID). @destroy frees @user_data in any case. */
  gboolean (*play) (OccMediaLeg *leg, const char *const *files, guint flags, OccMediaPlayDone done,
                    gpointer user_data, GDestroyNotify destroy, GError **error);
  /* Stops what plays on @leg (if anything) now. */
  void (*play_stop) (OccMediaLeg *leg);
  /* What @leg's remote hears from now on: the mix of what the remotes of
   * @sources say (up to 4 legs; each may be heard by up to 4 legs this
   * way), plus what is played to @leg. @n_sources 0 goes back to the
   * default: the bridged peer alone. The bridge itself (DTMF, who is
   * bridged to whom) does not change. Supervision: listen is
   * hear (supervisor, {caller, agent}); whisper adds hear (agent,
   * {caller, supervisor}); barge adds hear (caller, {agent, supervisor}). */
  gboolean (*hear) (OccMediaLeg *leg, OccMediaLeg *const *sources, guint n_sources, GError **error);
  /* Watches @leg's audio for in-band DTMF tones (ITU-T Q.23), reported as
   * media.dtmf like RFC 4733 events (once the leg received an RFC 4733
   * event, in-band detections are ignored: the phone sends both). */
  void (*detect_tones) (OccMediaLeg *leg, gboolean on);
  /* A recording into @path (created; its folder must exist), one channel
   * per party: attach legs to channels; each channel holds what the
   * attached legs' remotes say, aligned in time, silence when nobody
   * speaks. Written by a thread of the provider, never on the main
   * loop. */
  OccMediaRecording *(*record_start) (const OccMediaService *self, const char *path,
                                      const OccMediaRecordOptions *options, GError **error);
  /* @leg's voice goes to @channel (0-based) from now on; a leg is in one
   * recording at a time (OCC_MEDIA_ERROR_STATE otherwise). */
  gboolean (*record_attach) (OccMediaRecording *rec, OccMediaLeg *leg, guint channel,
                             GError **error);
  /* @leg's voice is no longer recorded (a leg that is freed is detached). */
  void (*record_detach) (OccMediaRecording *rec, OccMediaLeg *leg);
  /* While paused (a card number being spoken), silence is written. */
  void (*record_pause) (OccMediaRecording *rec, gboolean paused);
  /* Ends the recording: every leg is detached, the rest is written, the
   * header completed and the file hashed; then @done. @rec is gone after
   * this call. */
  void (*record_stop) (OccMediaRecording *rec, OccMediaRecordDone done, gpointer user_data,
                       GDestroyNotify destroy);
};

G_END_DECLS
