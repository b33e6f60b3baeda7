/* The media plugin's own state and its legs. See README.md for the design. */
#pragma once

#include <omnicc/omnicc.h>

#include "chain.h"
#include "dtmf.h"
#include "engine.h"
#include "jitterbuf.h"
#include "ports.h"
#include "rtcp.h"
#include "rtpstats.h"
#include "sdp.h"
#include "settings.h"

#include <gst/gst.h>
#include <sys/socket.h>

/* Posted on the pipeline's bus by a media thread, read on the main loop. */
#define MEDIA_MSG_DTMF "omnicc-media-dtmf"

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
} Media;

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

/* stats.c — leg_stats */
GVariant *media_leg_stats_variant (OccMediaLeg *leg);
