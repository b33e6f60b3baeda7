/* See chain.h. The free pads at the ends of a chain belong to no element
 * (as GstCheck's test pads): a src pad we push into, linked to an
 * element's sink pad, and a sink pad whose chain function calls the leg. */
#include "chain.h"

#include <string.h>

typedef struct {
  GstFlowReturn (*fn) (gpointer leg, GstBuffer *buf);
  gpointer leg;
} Hook;

enum { HOOK_RTP_IN, HOOK_RTCP_IN, HOOK_AUDIO_IN, HOOK_RTP_OUT, HOOK_NET_RTP, HOOK_NET_RTCP, HOOKS };

struct _MediaChain {
  GstBin *pipeline;
  GstElement *bin;
  MediaNegotiated neg;
  Hook hooks[HOOKS];
  GstCaps *audio_caps;
  GPtrArray *pads;            /* every free pad, to unlink and drop */
  GstPad *srtp_in, *srtcp_in; /* → srtpdec */
  GstPad *depay_in;           /* → depayloader */
  GstPad *audio_in;           /* → encoder */
  GstPad *srtpenc_in, *srtcpenc_in;
  GstPad *srtpenc_rtp, *srtpenc_rtcp; /* srtpenc's request pads */
};

typedef struct {
  const char *depay, *dec, *enc, *pay, *encoding_name;
} CodecElements;

static const CodecElements codec_elements[MEDIA_CODEC_COUNT] = {
  [MEDIA_CODEC_PCMU] = { "rtppcmudepay", "mulawdec", "mulawenc", "rtppcmupay", "PCMU" },
  [MEDIA_CODEC_PCMA] = { "rtppcmadepay", "alawdec", "alawenc", "rtppcmapay", "PCMA" },
  [MEDIA_CODEC_OPUS] = { "rtpopusdepay", "opusdec", "opusenc", "rtpopuspay", "OPUS" },
};

static const char *const srtp_elements[] = { "srtpenc", "srtpdec" };

char *
media_chain_preload (gboolean opus)
{
  g_autoptr (GString) missing = g_string_new (NULL);
  for (guint c = 0; c < MEDIA_CODEC_COUNT; c++)
    {
      if ((c == MEDIA_CODEC_OPUS) != opus)
        continue;
      const char *names[] = { codec_elements[c].depay, codec_elements[c].dec, codec_elements[c].enc,
                              codec_elements[c].pay };
      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        {
          GstPluginFeature *f = GST_PLUGIN_FEATURE (gst_element_factory_find (names[i]));
          GstPluginFeature *loaded = f ? gst_plugin_feature_load (f) : NULL;
          if (loaded == NULL)
            g_string_append_printf (missing, "%s%s", missing->len ? ", " : "", names[i]);
          g_clear_object (&loaded);
          g_clear_object (&f);
        }
    }
  for (guint i = 0; i < G_N_ELEMENTS (srtp_elements) && !opus; i++)
    {
      GstPluginFeature *f = GST_PLUGIN_FEATURE (gst_element_factory_find (srtp_elements[i]));
      GstPluginFeature *loaded = f ? gst_plugin_feature_load (f) : NULL;
      if (loaded == NULL)
        g_string_append_printf (missing, "%s%s", missing->len ? ", " : "", srtp_elements[i]);
      g_clear_object (&loaded);
      g_clear_object (&f);
    }
  return missing->len ? g_strdup (missing->str) : NULL;
}

/* --- free pads ------------------------------------------------------------------- */

static GstFlowReturn
hook_chain (GstPad *pad, GstObject *parent, GstBuffer *buf)
{
  Hook *h = gst_pad_get_element_private (pad);
  return h->fn (h->leg, buf);
}

static gboolean
hook_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  /* the leg knows its formats; stream events end here */
  gst_event_unref (event);
  return TRUE;
}

/* The decoder's output: raw audio at 8 kHz mono only (opusdec would
 * otherwise pick 48 kHz). */
static gboolean
audio_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  MediaChain *c = g_object_get_data (G_OBJECT (pad), "media-chain");
  switch (GST_QUERY_TYPE (query))
    {
    case GST_QUERY_CAPS:
      {
        GstCaps *filter = NULL;
        gst_query_parse_caps (query, &filter);
        GstCaps *caps
            = filter ? gst_caps_intersect_full (filter, c->audio_caps, GST_CAPS_INTERSECT_FIRST)
                     : gst_caps_ref (c->audio_caps);
        gst_query_set_caps_result (query, caps);
        gst_caps_unref (caps);
        return TRUE;
      }
    case GST_QUERY_ACCEPT_CAPS:
      {
        GstCaps *caps = NULL;
        gst_query_parse_accept_caps (query, &caps);
        gst_query_set_accept_caps_result (query, gst_caps_is_subset (caps, c->audio_caps));
        return TRUE;
      }
    default:
      return gst_pad_query_default (pad, parent, query);
    }
}

static GstPad *
sink_from (MediaChain *c, GstElement *el, const char *pad_name, guint hook)
{
  g_autoptr (GstPad) peer = gst_element_get_static_pad (el, pad_name);
  GstPad *pad = gst_pad_new (NULL, GST_PAD_SINK);
  gst_pad_set_chain_function (pad, hook_chain);
  gst_pad_set_event_function (pad, hook_event);
  gst_pad_set_element_private (pad, &c->hooks[hook]);
  if (hook == HOOK_AUDIO_IN)
    {
      g_object_set_data (G_OBJECT (pad), "media-chain", c);
      gst_pad_set_query_function (pad, audio_query);
    }
  gst_pad_set_active (pad, TRUE);
  if (peer == NULL || gst_pad_link (peer, pad) != GST_PAD_LINK_OK)
    {
      gst_object_unref (pad);
      return NULL;
    }
  g_ptr_array_add (c->pads, pad);
  return pad;
}

static GstPad *
src_to_pad (MediaChain *c, GstPad *peer, const char *caps_str)
{
  GstPad *pad = gst_pad_new (NULL, GST_PAD_SRC);
  gst_pad_set_active (pad, TRUE);
  if (peer == NULL || gst_pad_link (pad, peer) != GST_PAD_LINK_OK)
    {
      gst_object_unref (pad);
      return NULL;
    }
  g_ptr_array_add (c->pads, pad);
  g_autofree char *id = g_strdup_printf ("omnicc-media-%p", (void *) pad);
  gst_pad_push_event (pad, gst_event_new_stream_start (id));
  g_autoptr (GstCaps) caps = gst_caps_from_string (caps_str);
  gst_pad_push_event (pad, gst_event_new_caps (caps));
  GstSegment seg;
  gst_segment_init (&seg, GST_FORMAT_TIME);
  gst_pad_push_event (pad, gst_event_new_segment (&seg));
  return pad;
}

static GstPad *
src_to (MediaChain *c, GstElement *el, const char *pad_name, const char *caps_str)
{
  g_autoptr (GstPad) peer = gst_element_get_static_pad (el, pad_name);
  return src_to_pad (c, peer, caps_str);
}

/* --- building ------------------------------------------------------------------------- */

static GstElement *
make (MediaChain *c, const char *factory, GError **error)
{
  GstElement *e = gst_element_factory_make (factory, NULL);
  if (e == NULL)
    {
      g_set_error (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_RESOURCES,
                   "GStreamer element %s is missing", factory);
      return NULL;
    }
  gst_bin_add (GST_BIN (c->bin), e);
  return e;
}

static const char *
auth_name (MediaSuite suite)
{
  return suite == MEDIA_SUITE_AES_CM_128_HMAC_SHA1_32 ? "hmac-sha1-32" : "hmac-sha1-80";
}

/* srtpdec asks for the remote's key when it meets its SSRC; the same
 * key serves every SSRC the remote sends (RFC 4568 §6.4: one master key
 * per direction). Runs on the media thread; reads only what does not
 * change after the chain is built. */
static GstCaps *
on_request_key (GstElement *dec, guint ssrc, gpointer data)
{
  MediaChain *c = data;
  g_autoptr (GstBuffer) key = gst_buffer_new_memdup (c->neg.key_recv, MEDIA_KEY_LEN);
  /* RFC 4568 §6.2: SRTCP keeps the 80-bit tag with either suite */
  GstCaps *caps = gst_caps_new_simple (
      "application/x-srtp", "srtp-key", GST_TYPE_BUFFER, key, "srtp-cipher", G_TYPE_STRING,
      "aes-128-icm", "srtp-auth", G_TYPE_STRING, auth_name (c->neg.suite), "srtcp-cipher",
      G_TYPE_STRING, "aes-128-icm", "srtcp-auth", G_TYPE_STRING, "hmac-sha1-80", NULL);
  if (c->neg.mki_recv_len > 0)
    {
      guint8 mki[4];
      for (guint i = 0; i < c->neg.mki_recv_len; i++)
        mki[i] = (guint8) (c->neg.mki_recv >> (8 * (c->neg.mki_recv_len - 1 - i)));
      g_autoptr (GstBuffer) b = gst_buffer_new_memdup (mki, c->neg.mki_recv_len);
      gst_caps_set_simple (caps, "mki", GST_TYPE_BUFFER, b, NULL);
    }
  return caps;
}

static gboolean
build_srtp (MediaChain *c, GError **error)
{
  GstElement *dec = make (c, "srtpdec", error);
  GstElement *enc = dec ? make (c, "srtpenc", error) : NULL;
  if (enc == NULL)
    return FALSE;
  g_signal_connect (dec, "request-key", G_CALLBACK (on_request_key), c);
  g_autoptr (GstBuffer) key = gst_buffer_new_memdup (c->neg.key_send, MEDIA_KEY_LEN);
  g_object_set (enc, "key", key, NULL);
  gst_util_set_object_arg (G_OBJECT (enc), "rtp-cipher", "aes-128-icm");
  gst_util_set_object_arg (G_OBJECT (enc), "rtp-auth", auth_name (c->neg.suite));
  gst_util_set_object_arg (G_OBJECT (enc), "rtcp-cipher", "aes-128-icm");
  gst_util_set_object_arg (G_OBJECT (enc), "rtcp-auth", "hmac-sha1-80");
  /* request pads come with their src pads (rtp_src_0, rtcp_src_0) */
  GstElementClass *klass = GST_ELEMENT_GET_CLASS (enc);
  c->srtpenc_rtp = gst_element_request_pad (
      enc, gst_element_class_get_pad_template (klass, "rtp_sink_%u"), "rtp_sink_0", NULL);
  c->srtpenc_rtcp = gst_element_request_pad (
      enc, gst_element_class_get_pad_template (klass, "rtcp_sink_%u"), "rtcp_sink_0", NULL);
  if (c->srtpenc_rtp == NULL || c->srtpenc_rtcp == NULL)
    {
      g_set_error_literal (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_RESOURCES,
                           "srtpenc gave no request pads");
      return FALSE;
    }
  g_object_set_data (G_OBJECT (c->bin), "srtpdec", dec);
  g_object_set_data (G_OBJECT (c->bin), "srtpenc", enc);
  return TRUE;
}

/* The ends: sink pads first, so that the elements see where their output
 * goes (the caps it takes) when the stream events come in. */
static gboolean
link_free_pads (MediaChain *c, GstElement *depay, GstElement *dec, GstElement *enc, GstElement *pay)
{
  if (!sink_from (c, dec, "src", HOOK_AUDIO_IN) || !sink_from (c, pay, "src", HOOK_RTP_OUT))
    return FALSE;
  GstElement *sdec = g_object_get_data (G_OBJECT (c->bin), "srtpdec");
  GstElement *senc = g_object_get_data (G_OBJECT (c->bin), "srtpenc");
  if (c->neg.srtp
      && (!sink_from (c, sdec, "rtp_src", HOOK_RTP_IN)
          || !sink_from (c, sdec, "rtcp_src", HOOK_RTCP_IN)
          || !sink_from (c, senc, "rtp_src_0", HOOK_NET_RTP)
          || !sink_from (c, senc, "rtcp_src_0", HOOK_NET_RTCP)))
    return FALSE;
  g_autofree char *rtp_caps = g_strdup_printf (
      "application/x-rtp,media=audio,clock-rate=%u,encoding-name=%s,payload=%u", c->neg.clock_rate,
      codec_elements[c->neg.codec].encoding_name, c->neg.pt_recv);
  c->depay_in = src_to (c, depay, "sink", rtp_caps);
  c->audio_in = src_to (c, enc, "sink", MEDIA_AUDIO_CAPS);
  if (c->depay_in == NULL || c->audio_in == NULL)
    return FALSE;
  if (c->neg.srtp)
    {
      c->srtp_in = src_to (c, sdec, "rtp_sink", "application/x-srtp");
      c->srtcp_in = src_to (c, sdec, "rtcp_sink", "application/x-srtcp");
      c->srtpenc_in = src_to_pad (c, c->srtpenc_rtp, "application/x-rtp");
      c->srtcpenc_in = src_to_pad (c, c->srtpenc_rtcp, "application/x-rtcp");
      return c->srtp_in && c->srtcp_in && c->srtpenc_in && c->srtcpenc_in;
    }
  return TRUE;
}

MediaChain *
media_chain_new (GstBin *pipeline, const char *name, const MediaNegotiated *neg, guint32 ssrc,
                 guint32 ts_base, const MediaChainHooks *hooks, gpointer leg, GError **error)
{
  MediaChain *c = g_new0 (MediaChain, 1);
  c->pipeline = gst_object_ref (pipeline);
  c->neg = *neg;
  c->pads = g_ptr_array_new ();
  c->audio_caps = gst_caps_from_string (MEDIA_AUDIO_CAPS);
  GstFlowReturn (*fns[HOOKS]) (gpointer, GstBuffer *)
      = { hooks->rtp_in,  hooks->rtcp_in, hooks->audio_in,
          hooks->rtp_out, hooks->net_rtp, hooks->net_rtcp };
  for (guint i = 0; i < HOOKS; i++)
    c->hooks[i] = (Hook){ fns[i], leg };
  c->bin = gst_bin_new (name);
  gst_bin_add (pipeline, c->bin);

  const CodecElements *ce = &codec_elements[neg->codec];
  GstElement *depay = make (c, ce->depay, error);
  GstElement *dec = depay ? make (c, ce->dec, error) : NULL;
  GstElement *enc = dec ? make (c, ce->enc, error) : NULL;
  GstElement *pay = enc ? make (c, ce->pay, error) : NULL;
  if (pay == NULL || (neg->srtp && !build_srtp (c, error)))
    {
      media_chain_free (c);
      return NULL;
    }
  /* RTP time from the running time of the audio (perfect-rtptime off):
   * whichever leg feeds this one, the timestamps follow the clock */
  g_object_set (pay, "pt", neg->pt_send, "ssrc", ssrc, "timestamp-offset", ts_base,
                "perfect-rtptime", FALSE, NULL);
  if (neg->codec == MEDIA_CODEC_OPUS)
    {
      g_autofree char *frame = g_strdup_printf ("%u", neg->ptime);
      gst_util_set_object_arg (G_OBJECT (enc), "frame-size", frame);
    }
  else
    {
      gint64 ptime = (gint64) neg->ptime * GST_MSECOND;
      g_object_set (pay, "min-ptime", ptime, "max-ptime", ptime, NULL);
    }
  if (!gst_element_link (depay, dec) || !gst_element_link (enc, pay))
    {
      g_set_error (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_RESOURCES, "cannot link the %s elements",
                   ce->encoding_name);
      media_chain_free (c);
      return NULL;
    }
  /* no element here has a thread or waits for preroll: this returns at once */
  if (gst_element_set_state (c->bin, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE
      || !link_free_pads (c, depay, dec, enc, pay))
    {
      g_set_error (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_RESOURCES,
                   "the %s elements did not start", ce->encoding_name);
      media_chain_free (c);
      return NULL;
    }
  return c;
}

void
media_chain_free (MediaChain *c)
{
  if (c == NULL)
    return;
  for (guint i = 0; i < c->pads->len; i++)
    {
      GstPad *pad = c->pads->pdata[i];
      GstPad *peer = gst_pad_get_peer (pad);
      if (peer)
        {
          if (GST_PAD_IS_SRC (pad))
            gst_pad_unlink (pad, peer);
          else
            gst_pad_unlink (peer, pad);
          gst_object_unref (peer);
        }
      gst_pad_set_active (pad, FALSE);
      gst_object_unref (pad);
    }
  g_ptr_array_unref (c->pads);
  g_clear_object (&c->srtpenc_rtp);
  g_clear_object (&c->srtpenc_rtcp);
  gst_element_set_state (c->bin, GST_STATE_NULL);
  gst_bin_remove (c->pipeline, c->bin);
  gst_object_unref (c->pipeline);
  gst_caps_unref (c->audio_caps);
  memset (&c->neg, 0, sizeof c->neg);
  g_free (c);
}

gboolean
media_chain_fits (const MediaChain *c, const MediaNegotiated *n)
{
  const MediaNegotiated *o = &c->neg;
  return o->codec == n->codec && o->pt_send == n->pt_send && o->pt_recv == n->pt_recv
         && o->ptime == n->ptime && o->srtp == n->srtp
         && (!n->srtp
             || (o->suite == n->suite && memcmp (o->key_send, n->key_send, MEDIA_KEY_LEN) == 0
                 && memcmp (o->key_recv, n->key_recv, MEDIA_KEY_LEN) == 0
                 && o->mki_recv == n->mki_recv && o->mki_recv_len == n->mki_recv_len));
}

gboolean
media_chain_is_srtp (const MediaChain *c)
{
  return c->neg.srtp;
}

GstFlowReturn
media_chain_unprotect_rtp (MediaChain *c, GstBuffer *buf)
{
  return gst_pad_push (c->srtp_in, buf);
}

GstFlowReturn
media_chain_unprotect_rtcp (MediaChain *c, GstBuffer *buf)
{
  return gst_pad_push (c->srtcp_in, buf);
}

GstFlowReturn
media_chain_decode (MediaChain *c, GstBuffer *rtp)
{
  return gst_pad_push (c->depay_in, rtp);
}

GstFlowReturn
media_chain_encode (MediaChain *c, GstBuffer *audio)
{
  return gst_pad_push (c->audio_in, audio);
}

GstFlowReturn
media_chain_protect_rtp (MediaChain *c, GstBuffer *rtp)
{
  return gst_pad_push (c->srtpenc_in, rtp);
}

GstFlowReturn
media_chain_protect_rtcp (MediaChain *c, GstBuffer *rtcp)
{
  return gst_pad_push (c->srtcpenc_in, rtcp);
}
