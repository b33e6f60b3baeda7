/* The media plugin loaded in-process, and "phones" to talk to it: GStreamer
 * pipelines in the test on 127.0.0.1 that send a tone (audiotestsrc →
 * G.711 → RTP [→ SRTP] → udpsink) and receive what the leg sends (udpsrc
 * [→ SRTP] → RTP → G.711 → the samples), with SDP written as a phone
 * writes it. */
#pragma once

#include "config.h"
#include "loader.h"
#include "registry.h"
#include "testlib.h"

#include <gst/gst.h>
#include <omnicc/omnicc.h>

/* --- the plugin ----------------------------------------------------------------- */

typedef struct {
  char *dir;
  guint port_min; /* a free range found for the fixture */
  guint port_max;
  OccContext *ctx;
  const OccMediaService *media;
  GPtrArray *events; /* OccEvent of media.* */
} MediaFixture;

/* Writes omnicc.conf and plugins.d/media.conf ([media] address, the port
 * range, rtcp-interval=1 and @extra lines) and loads media.so. @pairs:
 * RTP/RTCP pairs in the range. */
void media_fixture_start (MediaFixture *f, guint pairs, const char *extra);
/* Loads media.so with @conf as plugins.d/media.conf; FALSE with @error
 * when it refuses. */
gboolean media_fixture_try_load (MediaFixture *f, const char *conf, GError **error);
/* Unloads media (if loaded) and frees the context. */
void media_fixture_stop (MediaFixture *f);

/* Whether UDP ports @base … @base + @n - 1 of 127.0.0.1 are free now. */
gboolean media_fixture_ports_free (guint base, guint n);

/* g_test_add() forms: a fixture with 20 pairs. */
void media_fixture_setup (MediaFixture *f, gconstpointer data);
void media_fixture_teardown (MediaFixture *f, gconstpointer data);

/* The @n-th event of @type seen so far (0-based), or NULL. */
const OccEvent *media_fixture_event (MediaFixture *f, const char *type, guint n);
/* Waits (at most 10 s) for @n events of @type. */
gboolean media_fixture_wait_events (MediaFixture *f, const char *type, guint n);

OccMediaLeg *media_fixture_leg (MediaFixture *f, const char *call_id, const char *label,
                                OccMediaSrtp srtp);

/* --- phones ------------------------------------------------------------------------- */

typedef struct _Phone Phone;

/* A phone on 127.0.0.1 for @codec ("PCMU", "PCMA" or "opus"), its DTMF payload
 * type @te_pt; with SRTP when @srtp. */
Phone *phone_new (const char *codec, guint te_pt, gboolean srtp);
void phone_free (Phone *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Phone, phone_free)

/* The phone's offer (@direction: "sendrecv", "sendonly"…; a fresh o=
 * version each time). Transfer full. */
char *phone_offer (Phone *p, const char *direction);
/* The phone's answer to @our_offer (it takes its codec). Transfer full. */
char *phone_answer (Phone *p, const char *our_offer);
/* Reads the leg's port, payload types and key from SDP of ours. */
void phone_learn (Phone *p, const char *our_sdp);

/* Starts receiving (and counting) what the leg sends. */
void phone_listen (Phone *p);
/* Sends a @freq Hz tone to the leg, 20 ms packets, until stopped. */
void phone_start_tone (Phone *p, double freq);
/* Sends two tones at once (@freq2 0: one), e.g. a DTMF key in-band. */
void phone_start_tones (Phone *p, double freq, double freq2);
void phone_stop_tone (Phone *p);
/* Sends DTMF @event (0-15) as RFC 4733 packets built by hand, @ms long,
 * from its own SSRC. Blocks for the event's length. */
void phone_send_dtmf (Phone *p, guint event, guint ms);

typedef struct {
  guint sent;     /* RTP packets the phone sent */
  guint received; /* audio packets it received */
  guint events;   /* telephone-event packets it received */
  guint bad_pt;   /* packets of another payload type */
  guint ssrcs;    /* SSRCs seen */
  guint32 ssrc;   /* the last */
  guint16 last_seq;
  guint seq_breaks;  /* packets whose sequence did not follow the one before */
  guint ts_backward; /* audio packets whose timestamp went back */
  guint rtcp;        /* RTCP packets received */
  guint event_digit; /* the last event's code */
} PhoneCounts;

PhoneCounts phone_counts (Phone *p);
/* Forgets what was received (counts and samples), not what was sent. */
void phone_reset (Phone *p);
/* Of the audio received: the share of its energy at @freq (0..1, by
 * Goertzel) and the number of samples. */
double phone_tone_share (Phone *p, double freq, guint *samples);
guint phone_port (Phone *p);
