/* See media-fixture.h. */
#include "media-fixture.h"

#include <gst/rtp/rtp.h>
#include <gst/sdp/sdp.h>
#include <math.h>
#include <string.h>

/* (Library constructors' allocations are left out of leak checks by
 * core/lsan-early.c, linked whole into this program.) */

/* --- the plugin ----------------------------------------------------------------- */

gboolean
media_fixture_ports_free (guint base, guint n)
{
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  for (guint port = base; port < base + n; port++)
    {
      g_autoptr (GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, 0, NULL);
      g_autoptr (GSocketAddress) a = g_inet_socket_address_new (lo, (guint16) port);
      if (s == NULL || !g_socket_bind (s, a, FALSE, NULL))
        return FALSE;
    }
  return TRUE;
}

/* An even range of @pairs RTP/RTCP pairs that nothing uses now. */
static guint
free_range (guint pairs)
{
  for (guint tries = 0; tries < 200; tries++)
    {
      guint base = 30000 + 2 * (guint) g_random_int_range (0, 5000);
      if (media_fixture_ports_free (base, 2 * pairs))
        return base;
    }
  g_error ("no free port range");
  return 0;
}

static void
on_event (const OccEvent *event, gpointer data)
{
  MediaFixture *f = data;
  g_ptr_array_add (f->events, occ_event_ref (event));
}

static void
new_context (MediaFixture *f)
{
  g_autofree char *conf = g_strdup_printf ("[core]\n"
                                           "plugin-path=%s\n"
                                           "data-dir=%s/share\n"
                                           "policy-dir=%s/policies\n"
                                           "state-dir=state\n"
                                           "control-socket=control.sock\n"
                                           "control-group=\n"
                                           "drain-timeout=5\n"
                                           "[plugins]\n"
                                           "enabled=\n",
                                           PLUGIN_BUILD_DIR, SOURCE_ROOT, SOURCE_ROOT);
  occ_test_write (f->dir, "omnicc.conf", conf);
  g_autofree char *path = g_build_filename (f->dir, "omnicc.conf", NULL);
  g_autoptr (GError) e = NULL;
  OccConfig *config = occ_config_load (path, &e);
  g_assert_no_error (e);
  f->ctx = occ_context_new (config);
  occ_loader_scan (f->ctx->loader, occ_config_get_plugin_path (config));
  f->events = g_ptr_array_new_with_free_func ((GDestroyNotify) occ_event_unref);
  g_assert_cmpuint (occ_bus_subscribe (f->ctx->bus, NULL, "media.*", on_event, f, NULL, &e), >, 0);
  g_assert_no_error (e);
}

gboolean
media_fixture_try_load (MediaFixture *f, const char *conf, GError **error)
{
  if (f->dir == NULL)
    f->dir = occ_test_mkdtemp ();
  if (f->ctx == NULL)
    new_context (f);
  occ_test_write (f->dir, "plugins.d/media.conf", conf);
  /* the loader reads plugins.d from the accepted configuration's folder */
  if (!occ_loader_load (f->ctx->loader, "media", error))
    return FALSE;
  f->media = occ_registry_lookup (f->ctx->registry, OCC_MEDIA_SERVICE, OCC_MEDIA_VERSION, error);
  return f->media != NULL;
}

void
media_fixture_start (MediaFixture *f, guint pairs, const char *extra)
{
  f->port_min = free_range (pairs);
  f->port_max = f->port_min + 2 * pairs - 1;
  g_autofree char *conf = g_strdup_printf ("[media]\n"
                                           "address=127.0.0.1\n"
                                           "rtp-port-min=%u\n"
                                           "rtp-port-max=%u\n"
                                           "rtcp-interval=1\n"
                                           "%s",
                                           f->port_min, f->port_max, extra ? extra : "");
  g_autoptr (GError) e = NULL;
  g_assert_true (media_fixture_try_load (f, conf, &e));
  g_assert_no_error (e);
}

void
media_fixture_stop (MediaFixture *f)
{
  if (f->ctx && f->media)
    {
      g_autoptr (GError) e = NULL;
      g_assert_true (occ_loader_unload (f->ctx->loader, "media", &e));
      g_assert_no_error (e);
    }
  f->media = NULL;
  if (f->ctx)
    occ_test_spin (10); /* deliver what unload published */
  g_clear_pointer (&f->ctx, occ_context_free);
  g_clear_pointer (&f->events, g_ptr_array_unref);
  if (f->dir)
    occ_test_rmtree (f->dir);
  g_clear_pointer (&f->dir, g_free);
}

void
media_fixture_setup (MediaFixture *f, gconstpointer data)
{
  media_fixture_start (f, 20, data);
}

void
media_fixture_teardown (MediaFixture *f, gconstpointer data)
{
  media_fixture_stop (f);
}

const OccEvent *
media_fixture_event (MediaFixture *f, const char *type, guint n)
{
  for (guint i = 0; i < f->events->len; i++)
    {
      const OccEvent *ev = f->events->pdata[i];
      if (g_str_equal (occ_event_get_type_name (ev), type) && n-- == 0)
        return ev;
    }
  return NULL;
}

typedef struct {
  MediaFixture *f;
  const char *type;
  guint n;
} EventWait;

static gboolean
have_events (gpointer data)
{
  EventWait *w = data;
  return media_fixture_event (w->f, w->type, w->n - 1) != NULL;
}

gboolean
media_fixture_wait_events (MediaFixture *f, const char *type, guint n)
{
  EventWait w = { f, type, n };
  return occ_test_wait_for (have_events, &w, 10000);
}

OccMediaLeg *
media_fixture_leg (MediaFixture *f, const char *call_id, const char *label, OccMediaSrtp srtp)
{
  OccMediaLegOptions o = { .call_id = call_id, .label = label, .srtp = srtp };
  g_autoptr (GError) e = NULL;
  OccMediaLeg *leg = f->media->leg_new (f->media, &o, &e);
  g_assert_no_error (e);
  g_assert_nonnull (leg);
  return leg;
}

/* --- phones ------------------------------------------------------------------------- */

#define KEY_LEN 30

struct _Phone {
  char *codec;
  guint pt;
  guint te_pt;
  gboolean srtp;
  guint port;
  GSocket *rtp;
  GSocket *rtcp;
  guint8 key[KEY_LEN]; /* what it encrypts with */
  guint version;
  /* learned from our SDP */
  guint leg_port;
  guint8 leg_key[KEY_LEN];
  char *leg_suite;
  GstElement *tx;
  GstElement *rx;
  guint32 dtmf_ssrc;
  guint16 dtmf_seq;
  guint32 dtmf_ts;
  GMutex lock;
  PhoneCounts counts;
  gboolean have_seq;
  guint32 last_ts;
  GArray *samples; /* gint16 */
};

Phone *
phone_new (const char *codec, guint te_pt, gboolean srtp)
{
  Phone *p = g_new0 (Phone, 1);
  p->codec = g_strdup (codec);
  p->pt = g_str_equal (codec, "opus") ? 111 : g_str_equal (codec, "PCMU") ? 0 : 8;
  p->te_pt = te_pt;
  p->srtp = srtp;
  g_mutex_init (&p->lock);
  p->samples = g_array_new (FALSE, FALSE, sizeof (gint16));
  for (guint i = 0; i < KEY_LEN; i++)
    p->key[i] = (guint8) g_random_int ();
  p->dtmf_ssrc = g_random_int ();
  p->dtmf_seq = (guint16) g_random_int ();
  p->dtmf_ts = g_random_int ();
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  for (guint tries = 0; tries < 200 && p->rtp == NULL; tries++)
    {
      guint port = 40000 + 2 * (guint) g_random_int_range (0, 10000);
      g_autoptr (GSocket) a = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, 0, NULL);
      g_autoptr (GSocket) b = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, 0, NULL);
      g_autoptr (GSocketAddress) aa = g_inet_socket_address_new (lo, (guint16) port);
      g_autoptr (GSocketAddress) ba = g_inet_socket_address_new (lo, (guint16) (port + 1));
      if (g_socket_bind (a, aa, FALSE, NULL) && g_socket_bind (b, ba, FALSE, NULL))
        {
          p->rtp = g_steal_pointer (&a);
          p->rtcp = g_steal_pointer (&b);
          p->port = port;
        }
    }
  g_assert_nonnull (p->rtp);
  return p;
}

static void
stop_pipeline (GstElement **pipe)
{
  if (*pipe == NULL)
    return;
  gst_element_set_state (*pipe, GST_STATE_NULL);
  g_clear_object (pipe);
}

void
phone_free (Phone *p)
{
  stop_pipeline (&p->tx);
  stop_pipeline (&p->rx);
  g_clear_object (&p->rtp);
  g_clear_object (&p->rtcp);
  g_array_unref (p->samples);
  g_mutex_clear (&p->lock);
  g_free (p->codec);
  g_free (p->leg_suite);
  g_free (p);
}

guint
phone_port (Phone *p)
{
  return p->port;
}

static char *
crypto_line (guint tag, const char *suite, const guint8 *key)
{
  g_autofree char *b64 = g_base64_encode (key, KEY_LEN);
  return g_strdup_printf ("a=crypto:%u %s inline:%s\r\n", tag, suite, b64);
}

static const char *
rtpmap (Phone *p)
{
  return g_str_equal (p->codec, "opus")   ? "opus/48000/2"
         : g_str_equal (p->codec, "PCMU") ? "PCMU/8000"
                                          : "PCMA/8000";
}

static char *
phone_sdp (Phone *p, const char *direction, const char *crypto)
{
  return g_strdup_printf ("v=0\r\n"
                          "o=phone 7000 %u IN IP4 127.0.0.1\r\n"
                          "s=phone\r\n"
                          "c=IN IP4 127.0.0.1\r\n"
                          "t=0 0\r\n"
                          "m=audio %u %s %u %u\r\n"
                          "a=rtpmap:%u %s\r\n"
                          "a=rtpmap:%u telephone-event/8000\r\n"
                          "a=fmtp:%u 0-16\r\n"
                          "a=ptime:20\r\n"
                          "a=%s\r\n"
                          "%s",
                          ++p->version, p->port, p->srtp ? "RTP/SAVP" : "RTP/AVP", p->pt, p->te_pt,
                          p->pt, rtpmap (p), p->te_pt, p->te_pt, direction, crypto ? crypto : "");
}

char *
phone_offer (Phone *p, const char *direction)
{
  g_autofree char *crypto = p->srtp ? crypto_line (1, "AES_CM_128_HMAC_SHA1_80", p->key) : NULL;
  return phone_sdp (p, direction, crypto);
}

void
phone_learn (Phone *p, const char *our_sdp)
{
  g_autoptr (GstSDPMessage) msg = NULL;
  g_assert_cmpint (gst_sdp_message_new_from_text (our_sdp, &msg), ==, GST_SDP_OK);
  const GstSDPMedia *m = NULL;
  for (guint i = 0; i < gst_sdp_message_medias_len (msg) && m == NULL; i++)
    if (gst_sdp_media_get_port (gst_sdp_message_get_media (msg, i)) != 0)
      m = gst_sdp_message_get_media (msg, i);
  g_assert_nonnull (m);
  p->leg_port = gst_sdp_media_get_port (m);
  const char *crypto = gst_sdp_media_get_attribute_val (m, "crypto");
  g_assert_true (p->srtp == (crypto != NULL));
  if (crypto)
    {
      g_auto (GStrv) f = g_strsplit (crypto, " ", -1);
      g_assert_true (g_str_has_prefix (f[2], "inline:"));
      g_autofree char *b64 = g_strndup (f[2] + 7, 40);
      gsize len;
      g_autofree guchar *key = g_base64_decode (b64, &len);
      g_assert_cmpuint (len, ==, KEY_LEN);
      memcpy (p->leg_key, key, KEY_LEN);
      g_free (p->leg_suite);
      p->leg_suite = g_strdup (f[1]);
    }
}

char *
phone_answer (Phone *p, const char *our_offer)
{
  phone_learn (p, our_offer);
  g_autofree char *crypto = NULL;
  if (p->srtp)
    {
      /* the same tag and suite as the first offered line, with its own key */
      g_autoptr (GstSDPMessage) msg = NULL;
      gst_sdp_message_new_from_text (our_offer, &msg);
      const char *line
          = gst_sdp_media_get_attribute_val (gst_sdp_message_get_media (msg, 0), "crypto");
      g_auto (GStrv) f = g_strsplit (line, " ", -1);
      crypto = crypto_line ((guint) atoi (f[0]), f[1], p->key);
    }
  return phone_sdp (p, "sendrecv", crypto);
}

/* --- receiving ------------------------------------------------------------------- */

static GstPadProbeReturn
on_rtp (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Phone *p = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp))
    return GST_PAD_PROBE_DROP;
  guint pt = gst_rtp_buffer_get_payload_type (&rtp);
  guint16 seq = gst_rtp_buffer_get_seq (&rtp);
  guint32 ssrc = gst_rtp_buffer_get_ssrc (&rtp);
  guint32 ts = gst_rtp_buffer_get_timestamp (&rtp);
  const guint8 *payload = gst_rtp_buffer_get_payload (&rtp);
  guint len = gst_rtp_buffer_get_payload_len (&rtp);
  GstPadProbeReturn ret = GST_PAD_PROBE_OK;
  g_mutex_lock (&p->lock);
  PhoneCounts *c = &p->counts;
  if (c->ssrcs == 0 || ssrc != c->ssrc)
    c->ssrcs++;
  if (p->have_seq && seq != (guint16) (c->last_seq + 1))
    c->seq_breaks++;
  c->ssrc = ssrc;
  c->last_seq = seq;
  p->have_seq = TRUE;
  if (pt == p->te_pt)
    {
      c->events++;
      if (len >= 1 && !p->srtp)
        c->event_digit = payload[0];
      ret = GST_PAD_PROBE_DROP;
    }
  else if (pt != p->pt)
    {
      c->bad_pt++;
      ret = GST_PAD_PROBE_DROP;
    }
  else
    {
      if (c->received > 0 && (gint32) (ts - p->last_ts) < 0)
        c->ts_backward++;
      p->last_ts = ts;
      c->received++;
    }
  g_mutex_unlock (&p->lock);
  gst_rtp_buffer_unmap (&rtp);
  return ret;
}

static void
on_samples (GstElement *sink, GstBuffer *buf, GstPad *pad, gpointer data)
{
  Phone *p = data;
  GstMapInfo map;
  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return;
  g_mutex_lock (&p->lock);
  g_array_append_vals (p->samples, map.data, (guint) (map.size / 2));
  g_mutex_unlock (&p->lock);
  gst_buffer_unmap (buf, &map);
}

static void
on_rtcp (GstElement *sink, GstBuffer *buf, GstPad *pad, gpointer data)
{
  Phone *p = data;
  g_mutex_lock (&p->lock);
  p->counts.rtcp++;
  g_mutex_unlock (&p->lock);
}

static GstCaps *
on_request_key (GstElement *dec, guint ssrc, gpointer data)
{
  Phone *p = data;
  g_autoptr (GstBuffer) key = gst_buffer_new_memdup (p->leg_key, KEY_LEN);
  gboolean b32 = g_strcmp0 (p->leg_suite, "AES_CM_128_HMAC_SHA1_32") == 0;
  return gst_caps_new_simple ("application/x-srtp", "srtp-key", GST_TYPE_BUFFER, key, "srtp-cipher",
                              G_TYPE_STRING, "aes-128-icm", "srtp-auth", G_TYPE_STRING,
                              b32 ? "hmac-sha1-32" : "hmac-sha1-80", "srtcp-cipher", G_TYPE_STRING,
                              "aes-128-icm", "srtcp-auth", G_TYPE_STRING, "hmac-sha1-80", NULL);
}

/* The phone's (de)payloader and codec element names. */
static const char *
rtp_name (const char *codec)
{
  return g_str_equal (codec, "opus") ? "opus" : g_str_equal (codec, "PCMU") ? "pcmu" : "pcma";
}

static const char *
codec_name (const char *codec)
{
  return g_str_equal (codec, "opus") ? "opus" : g_str_equal (codec, "PCMU") ? "mulaw" : "alaw";
}

void
phone_listen (Phone *p)
{
  g_assert_null (p->rx);
  gboolean opus = g_str_equal (p->codec, "opus");
  g_autofree char *desc = g_strdup_printf (
      "udpsrc name=src caps=\"application/x-%s,media=audio,clock-rate=%u,encoding-name=%s,"
      "payload=%u\" %s ! rtp%sdepay ! %sdec ! audio/x-raw,format=S16LE,rate=8000,channels=1 ! "
      "fakesink name=audio signal-handoffs=true sync=false async=false "
      "udpsrc name=rtcpsrc ! fakesink name=rtcp signal-handoffs=true sync=false async=false",
      p->srtp ? "srtp" : "rtp", opus ? 48000 : 8000, opus ? "OPUS" : p->codec, p->pt,
      p->srtp ? "! srtpdec name=srtp" : "", rtp_name (p->codec), codec_name (p->codec));
  g_autoptr (GError) e = NULL;
  p->rx = gst_parse_launch (desc, &e);
  g_assert_no_error (e);
  g_autoptr (GstElement) src = gst_bin_get_by_name (GST_BIN (p->rx), "src");
  g_autoptr (GstElement) rtcpsrc = gst_bin_get_by_name (GST_BIN (p->rx), "rtcpsrc");
  g_object_set (src, "socket", p->rtp, "close-socket", FALSE, NULL);
  g_object_set (rtcpsrc, "socket", p->rtcp, "close-socket", FALSE, NULL);
  g_autoptr (GstPad) pad = gst_element_get_static_pad (src, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_rtp, p, NULL);
  g_autoptr (GstElement) audio = gst_bin_get_by_name (GST_BIN (p->rx), "audio");
  g_signal_connect (audio, "handoff", G_CALLBACK (on_samples), p);
  g_autoptr (GstElement) rtcp = gst_bin_get_by_name (GST_BIN (p->rx), "rtcp");
  g_signal_connect (rtcp, "handoff", G_CALLBACK (on_rtcp), p);
  if (p->srtp)
    {
      g_autoptr (GstElement) srtp = gst_bin_get_by_name (GST_BIN (p->rx), "srtp");
      g_signal_connect (srtp, "request-key", G_CALLBACK (on_request_key), p);
    }
  g_assert_cmpint (gst_element_set_state (p->rx, GST_STATE_PLAYING), !=, GST_STATE_CHANGE_FAILURE);
}

/* --- sending --------------------------------------------------------------------- */

static GstPadProbeReturn
on_sent (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Phone *p = data;
  g_mutex_lock (&p->lock);
  p->counts.sent++;
  g_mutex_unlock (&p->lock);
  return GST_PAD_PROBE_OK;
}

void
phone_start_tone (Phone *p, double freq)
{
  phone_start_tones (p, freq, 0);
}

void
phone_start_tones (Phone *p, double freq, double freq2)
{
  g_assert_null (p->tx);
  g_assert_cmpuint (p->leg_port, >, 0);
  /* two tones at once (a DTMF key) through an audiomixer */
  g_autofree char *second
      = freq2 > 0 ? g_strdup_printf ("audiotestsrc is-live=true wave=sine freq=%.1f volume=0.2 "
                                     "samplesperbuffer=160 ! audio/x-raw,format=S16LE,rate=8000,"
                                     "channels=1 ! mix. ",
                                     freq2)
                  : g_strdup ("");
  g_autofree char *desc = g_strdup_printf (
      "%saudiotestsrc is-live=true wave=sine freq=%.1f volume=%s samplesperbuffer=160 ! "
      "audio/x-raw,format=S16LE,rate=8000,channels=1 ! %s%senc ! rtp%spay pt=%u %s %s ! "
      "udpsink name=sink host=127.0.0.1 port=%u",
      second, freq, freq2 > 0 ? "0.2" : "0.4",
      freq2 > 0 ? "audiomixer name=mix output-buffer-duration=20000000 ! "
                  "audio/x-raw,format=S16LE,rate=8000,channels=1 ! "
                : "",
      codec_name (p->codec), rtp_name (p->codec), p->pt,
      g_str_equal (p->codec, "opus") ? "" : "min-ptime=20000000 max-ptime=20000000",
      p->srtp ? "! srtpenc name=srtp" : "", p->leg_port);
  g_autoptr (GError) e = NULL;
  p->tx = gst_parse_launch (desc, &e);
  g_assert_no_error (e);
  g_autoptr (GstElement) sink = gst_bin_get_by_name (GST_BIN (p->tx), "sink");
  g_object_set (sink, "socket", p->rtp, "close-socket", FALSE, NULL);
  g_autoptr (GstPad) pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_sent, p, NULL);
  if (p->srtp)
    {
      g_autoptr (GstElement) srtp = gst_bin_get_by_name (GST_BIN (p->tx), "srtp");
      g_autoptr (GstBuffer) key = gst_buffer_new_memdup (p->key, KEY_LEN);
      g_object_set (srtp, "key", key, NULL);
    }
  g_assert_cmpint (gst_element_set_state (p->tx, GST_STATE_PLAYING), !=, GST_STATE_CHANGE_FAILURE);
}

void
phone_stop_tone (Phone *p)
{
  stop_pipeline (&p->tx);
}

static void
send_event (Phone *p, guint event, gboolean marker, gboolean end, guint duration)
{
  guint8 pkt[16] = { 0x80, (guint8) ((marker ? 0x80 : 0) | p->te_pt) };
  pkt[2] = (guint8) (p->dtmf_seq >> 8);
  pkt[3] = (guint8) p->dtmf_seq;
  p->dtmf_seq++;
  for (guint i = 0; i < 4; i++)
    {
      pkt[4 + i] = (guint8) (p->dtmf_ts >> (24 - 8 * i));
      pkt[8 + i] = (guint8) (p->dtmf_ssrc >> (24 - 8 * i));
    }
  pkt[12] = (guint8) event;
  pkt[13] = (guint8) ((end ? 0x80 : 0) | 10);
  pkt[14] = (guint8) (duration >> 8);
  pkt[15] = (guint8) duration;
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) to = g_inet_socket_address_new (lo, (guint16) p->leg_port);
  g_assert_cmpint (g_socket_send_to (p->rtp, to, (const char *) pkt, sizeof pkt, NULL, NULL), ==,
                   sizeof pkt);
  g_mutex_lock (&p->lock);
  p->counts.sent++;
  g_mutex_unlock (&p->lock);
}

void
phone_send_dtmf (Phone *p, guint event, guint ms)
{
  g_assert_false (p->srtp);
  guint steps = MAX (ms / 20, 1);
  for (guint i = 1; i <= steps; i++)
    {
      send_event (p, event, i == 1, FALSE, i * 160);
      g_usleep (20000);
    }
  for (guint i = 0; i < 3; i++)
    send_event (p, event, FALSE, TRUE, steps * 160);
  /* the next event starts later, as a phone's would */
  p->dtmf_ts += (steps + 10) * 160;
}

/* --- what it heard --------------------------------------------------------------- */

PhoneCounts
phone_counts (Phone *p)
{
  g_mutex_lock (&p->lock);
  PhoneCounts c = p->counts;
  g_mutex_unlock (&p->lock);
  return c;
}

void
phone_reset (Phone *p)
{
  g_mutex_lock (&p->lock);
  guint sent = p->counts.sent;
  memset (&p->counts, 0, sizeof p->counts);
  p->counts.sent = sent;
  p->have_seq = FALSE;
  g_array_set_size (p->samples, 0);
  g_mutex_unlock (&p->lock);
}

/* Goertzel over 100 ms blocks: the power at @freq against the block's
 * energy (1.0 for a pure tone at @freq). */
double
phone_tone_share (Phone *p, double freq, guint *n_samples)
{
  const guint block = 800;
  double coeff = 2 * cos (2 * G_PI * freq / 8000.0);
  double sum = 0;
  guint blocks = 0;
  g_mutex_lock (&p->lock);
  guint n = p->samples->len;
  const gint16 *x = (const gint16 *) (gpointer) p->samples->data;
  for (guint start = 0; start + block <= n; start += block)
    {
      double s1 = 0, s2 = 0, energy = 0;
      for (guint i = start; i < start + block; i++)
        {
          double s0 = x[i] + coeff * s1 - s2;
          s2 = s1;
          s1 = s0;
          energy += (double) x[i] * x[i];
        }
      double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
      if (energy > block * 100.0 * 100.0) /* not silence */
        {
          sum += power / (energy * block / 2);
          blocks++;
        }
    }
  g_mutex_unlock (&p->lock);
  *n_samples = n;
  return blocks ? sum / blocks : 0;
}
