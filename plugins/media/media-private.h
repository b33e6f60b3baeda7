/* The media plugin's own state and its legs. See README.md for the design. */
#pragma once

#include <omnicc/omnicc.h>

#include "chain.h"
#include "dtmf.h"
#include "engine.h"
#include "jitterbuf.h"
#include "mix.h"
#include "ports.h"
#include "rtcp.h"
#include "rtpstats.h"
#include "sdp.h"
#include "settings.h"

#include <gst/gst.h>
#include <sys/socket.h>

/* Posted on the pipeline's bus by a media thread, read on the main loop. */
#define MEDIA_MSG_DTMF "omnicc-media-dtmf"
#define MEDIA_MSG_PLAYED "omnicc-media-played"     /* a player reached its end */
#define MEDIA_MSG_RECORDED "omnicc-media-recorded" /* a recording's file is complete */

#define MEDIA_MAX_HEARERS 4 /* legs that hear one leg besides its peer, and sources of a mix */

typedef struct _MediaRecorder MediaRecorder;
typedef struct _MediaDecoder MediaDecoder;

/* What a leg's remote hears when it is not simply its peer (audio.c):
 * under the leg's tx_lock. */
typedef struct {
  gboolean by_default;                /* the sources are: the peer */
  guint64 peer_id;                    /* (by_default) the bridged peer's id, or 0 */
  guint64 sources[MEDIA_MAX_HEARERS]; /* (!by_default) the legs heard */
  MediaRing rings[MEDIA_MAX_HEARERS]; /* by position in sources (by_default: rings[0]) */
  guint n_sources;
  gint64 next; /* index of the next frame's first sample; 0: not started */
  MediaPlayer *player;
  gboolean played_out; /* the player's end was posted */
} MediaMix;

typedef struct {
  OccPlugin *plugin;
  OccMediaService service;
  MediaSettings *settings;
  gboolean have_opus;
  MediaPorts *ports;
  MediaEngine *engine;
  GstElement *pipeline; /* every leg's chain is a bin in it */
  GstBus *bus;
  GSource *bus_source;
  GHashTable *legs; /* id → OccMediaLeg (main thread) */
  guint64 next_id;
  GHashTable *prompts;   /* path → MediaPrompt (main thread): decoded once */
  MediaDecoder *decoder; /* the decodes under way, shared by the plays that wait */
  guint next_play;
  MediaRecorder *recorder; /* the recordings' writer thread, from the first recording */
  guint mix_delay_ms;
} Media;

/* The plugin's state from its service's functions. */
static inline Media *
media_of (const OccMediaService *service)
{
  return (Media *) ((char *) service - G_STRUCT_OFFSET (Media, service));
}

/* A play() under way, on the main thread. */
typedef struct {
  guint id;
  OccMediaPlayDone done;
  gpointer data;
  GDestroyNotify destroy;
  gboolean loop;
  gboolean loading; /* while its files are being decoded */
} MediaPlay;

struct _OccMediaLeg {
  gint ref;
  guint64 id;
  Media *media;        /* main thread only */
  gint64 engine_t0_us; /* running time zero (monotonic µs) */
  MediaPorts *ports;   /* outlives every leg */
  GstBus *bus;         /* for media threads to reach the main loop */
  char *call_id;
  char *label;
  char *name; /* "call-id/label", for logs */
  char cname[64];
  OccMediaSrtp srtp;
  MediaSdp *sdp;
  OccMediaLeg *bridged; /* main thread's view of the bridge */
  gboolean negotiated;
  guint port;
  int rtp_fd;
  int rtcp_fd;
  MediaWorker *worker;
  guint32 ssrc; /* ours, for the leg's life */
  gint64 rtcp_interval_us;

  /* The chain: read under either lock, replaced under both. */
  MediaChain *chain;
  guint chain_gen; /* names its bin */

  /* Receive side: the media thread, and the main thread under rx_lock. */
  GMutex rx_lock;
  OccMediaLeg *peer; /* where decoded audio and DTMF go */
  gboolean recv_on;
  guint pt_recv;
  gint dtmf_pt_recv;
  guint dtmf_rate_recv;
  guint clock_rate;
  gsize rx_wire_size; /* of the packet being handled, before SRTP */
  MediaRecvStats rs;
  MediaJitterBuffer jb;
  MediaDtmfRx dtmf;
  guint64 dtmf_received;
  gint64 rx_now_us; /* arrival of the packet being handled */
  gboolean have_ts_base;
  guint32 ts_base_ssrc;
  gint64 ts_base_pts; /* running time of the first packet, ns */
  gint64 ts_base_ext; /* its extended timestamp */
  gint64 ts_last_ext;
  guint32 remote_ssrc;
  guint32 remote_sr_middle; /* LSR for our next report */
  gint64 remote_sr_at_us;
  gboolean have_remote_report;
  MediaRtcpInfo remote_report;
  double rtt_ms;
  guint64 rtcp_received;
  gint64 next_rtcp_us; /* media thread only */
  gint64 wake_us;      /* media thread only: the next timer due */

  /* Send side: whoever sends on this leg, under tx_lock. */
  GMutex tx_lock;
  gboolean send_on;
  gboolean have_remote;
  struct sockaddr_storage remote;
  struct sockaddr_storage remote_rtcp;
  socklen_t remote_len;
  char remote_text[80];
  guint16 seq;
  guint32 ts_base;
  gint dtmf_pt_send;
  guint dtmf_rate_send;
  gboolean discont; /* the next audio in comes from another leg */
  guint64 packets_sent;
  guint64 bytes_sent;
  guint64 octets_sent; /* RTP payload, for the SR */
  gboolean sent_since_report;
  guint64 rtcp_sent;
  guint64 dtmf_sent;

  /* Audio beyond the bridge (audio.c). Under rx_lock: who else hears
   * this leg, its recording, its tone detector. */
  OccMediaLeg *extra[MEDIA_MAX_HEARERS];
  guint n_extra;
  OccMediaRecording *rec;
  guint rec_channel;
  GstPad *tone_pad; /* → dtmfdetect */
  GstElement *tone_bin;
  /* Under tx_lock: what the remote hears when it is more than the peer. */
  MediaMix *mix;
  /* Main thread: the legs this one hears by hear() (NULL: its peer), the
   * legs that hear it so, its play. */
  GPtrArray *hears;
  GPtrArray *heard_by;
  MediaPlay *play;
  guint mix_delay_samples;
};

/* leg.c — the service's leg functions, and the media threads' entry points */
OccMediaLeg *media_leg_ref (OccMediaLeg *leg);
void media_leg_unref (OccMediaLeg *leg);
void media_leg_started (OccMediaLeg *leg, gint64 now_us);
void media_leg_rtp_readable (OccMediaLeg *leg, gint64 now_us);
void media_leg_rtcp_readable (OccMediaLeg *leg, gint64 now_us);
void media_leg_tick (OccMediaLeg *leg, gint64 now_us);
void media_service_init (Media *m);
/* Ends every leg (unload). */
void media_legs_free_all (Media *m);
/* A DTMF message from a media thread, on the main loop. */
void media_leg_dtmf_message (Media *m, const GstStructure *s);

/* audio.c — version 2 of the service: prompts, hear, tones */
void media_audio_init (Media *m);
void media_audio_clear (Media *m);
/* The bridged peer changed (tx_lock held). */
void media_audio_peer_changed (OccMediaLeg *leg);
/* The media thread's 20 ms frames of a leg that mixes (tx_lock taken). */
void media_audio_tick (OccMediaLeg *leg, gint64 now_us);
/* A frame of decoded audio from @src for @dst (dst's tx_lock held). TRUE
 * when @dst mixes and took it; FALSE: encode it directly. */
gboolean media_audio_put (OccMediaLeg *dst, OccMediaLeg *src, GstBuffer *audio);
/* @leg's decoded audio, for its recording and tone detector (rx_lock). */
void media_audio_tap (OccMediaLeg *leg, GstBuffer *audio);
/* Undoes what audio.c set up for @leg (leg_free, before its chain goes). */
void media_audio_leg_gone (OccMediaLeg *leg);
void media_audio_played_message (Media *m, const GstStructure *s);
void media_audio_tone_message (Media *m, GstMessage *msg);

/* record.c — recordings and their writer thread */
void media_record_service_init (Media *m);
void media_record_clear (Media *m);
/* A frame of @leg's voice for its recording (rx_lock held). */
void media_record_put (OccMediaRecording *rec, guint channel, GstBuffer *audio);
void media_record_leg_gone (OccMediaLeg *leg);
void media_record_done_message (Media *m, const GstStructure *s);
/* The same at unload: the recording is freed, its callback not called. */
void media_record_drop_message (const GstStructure *s);

/* stats.c — leg_stats */
GVariant *media_leg_stats_variant (OccMediaLeg *leg);
