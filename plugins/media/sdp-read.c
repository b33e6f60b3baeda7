/* Reading a remote party's SDP for sdp.c: the formats it lists, its
 * direction, address, ports and ptime; and the codecs we know. Pure. */
#include "sdp-private.h"

#include <gst/sdp/sdp.h>
#include <string.h>

const MediaCodecInfo media_codec_info[MEDIA_CODEC_COUNT] = {
  [MEDIA_CODEC_PCMU] = { "PCMU", 0, 8000, 1, 0 },
  [MEDIA_CODEC_PCMA] = { "PCMA", 8, 8000, 1, 8 },
  [MEDIA_CODEC_OPUS] = { "opus", -1, 48000, 2, 111 },
};

/* telephone-event at 8 kHz (G.711) and 48 kHz (opus) */
const guint media_te_rate[MEDIA_TE_RATES] = { 8000, 48000 };
const guint media_te_default_pt[MEDIA_TE_RATES] = { 101, 110 };

const char *
media_codec_name (MediaCodec codec)
{
  return media_codec_info[codec].name;
}

guint
media_codec_clock_rate (MediaCodec codec)
{
  return media_codec_info[codec].rate;
}

gboolean
media_codec_from_name (const char *name, MediaCodec *codec)
{
  for (guint c = 0; c < MEDIA_CODEC_COUNT; c++)
    if (g_ascii_strcasecmp (name, media_codec_info[c].name) == 0)
      {
        *codec = (MediaCodec) c;
        return TRUE;
      }
  return FALSE;
}

const char *
media_direction_name (MediaDirection dir)
{
  static const char *const names[] = { "inactive", "sendonly", "recvonly", "sendrecv" };
  return names[dir & 3];
}

const char *
media_suite_name (MediaSuite suite)
{
  switch (suite)
    {
    case MEDIA_SUITE_AES_CM_128_HMAC_SHA1_80:
      return "AES_CM_128_HMAC_SHA1_80";
    case MEDIA_SUITE_AES_CM_128_HMAC_SHA1_32:
      return "AES_CM_128_HMAC_SHA1_32";
    case MEDIA_SUITE_NONE:
    default:
      return "none";
    }
}

gint
media_te_index (guint rate)
{
  for (guint r = 0; r < MEDIA_TE_RATES; r++)
    if (media_te_rate[r] == rate)
      return (gint) r;
  return -1;
}

/* --- reading the remote's SDP ------------------------------------------------ */

gboolean
media_sdp_invalid (GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_INVALID, "SDP: %s", msg);
  return FALSE;
}

static const char *
find_pt_attribute (const GstSDPMedia *m, const char *key, guint pt)
{
  for (guint i = 0; i < gst_sdp_media_attributes_len (m); i++)
    {
      const GstSDPAttribute *a = gst_sdp_media_get_attribute (m, i);
      guint n;
      if (g_strcmp0 (a->key, key) != 0 || a->value == NULL)
        continue;
      gsize len = strspn (a->value, "0123456789");
      if (media_sdp_parse_uint (a->value, len, 127, &n) && n == pt
          && (a->value[len] == ' ' || a->value[len] == '\0'))
        return a->value[len] == ' ' ? a->value + len + 1 : a->value + len;
    }
  return NULL;
}

/* The formats of @m that we know; FALSE (INVALID) for a malformed rtpmap. */
gboolean
media_sdp_read_formats (const GstSDPMedia *m, MediaFormat *out, guint *n_out, GError **error)
{
  guint n = 0;
  for (guint i = 0; i < gst_sdp_media_formats_len (m) && n < MEDIA_SDP_MAX_FORMATS; i++)
    {
      MediaFormat f = { 0 };
      const char *fmt = gst_sdp_media_get_format (m, i);
      if (!media_sdp_parse_uint (fmt, strlen (fmt), 127, &f.pt))
        return media_sdp_invalid (error, "m=audio format %s is not a payload type", fmt);
      const char *map = NULL;
      for (guint j = 0; j < gst_sdp_media_attributes_len (m) && map == NULL; j++)
        {
          const GstSDPAttribute *a = gst_sdp_media_get_attribute (m, j);
          if (g_strcmp0 (a->key, "rtpmap") == 0 && a->value && g_str_has_prefix (a->value, fmt)
              && a->value[strlen (fmt)] == ' ')
            map = a->value;
        }
      if (map)
        {
          g_autofree char *name = NULL;
          guint pt, rate, channels;
          if (!media_sdp_parse_rtpmap (map, &pt, &name, &rate, &channels))
            return media_sdp_invalid (error, "a=rtpmap:%s is malformed", map);
          f.rate = rate;
          for (guint c = 0; c < MEDIA_CODEC_COUNT && !f.known; c++)
            if (g_ascii_strcasecmp (name, media_codec_info[c].name) == 0
                && rate == media_codec_info[c].rate
                && (channels == media_codec_info[c].channels || c == MEDIA_CODEC_OPUS))
              {
                f.known = TRUE;
                f.codec = (MediaCodec) c;
              }
          if (g_ascii_strcasecmp (name, "telephone-event") == 0 && media_te_index (rate) >= 0)
            {
              const char *events = find_pt_attribute (m, "fmtp", f.pt);
              f.te = events == NULL || media_sdp_events_cover_dtmf (events);
            }
        }
      else if (f.pt == 0 || f.pt == 8)
        {
          f.known = TRUE;
          f.codec = f.pt == 0 ? MEDIA_CODEC_PCMU : MEDIA_CODEC_PCMA;
          f.rate = 8000;
        }
      out[n++] = f;
    }
  *n_out = n;
  return TRUE;
}

static gint
direction_of (guint n_attrs, const GstSDPAttribute *(*get) (gconstpointer, guint),
              gconstpointer obj)
{
  static const char *const names[] = { "inactive", "sendonly", "recvonly", "sendrecv" };
  for (guint i = 0; i < n_attrs; i++)
    {
      const GstSDPAttribute *a = get (obj, i);
      for (guint d = 0; d < 4; d++)
        if (g_strcmp0 (a->key, names[d]) == 0)
          return (gint) d;
    }
  return -1;
}

static const GstSDPAttribute *
media_attr (gconstpointer m, guint i)
{
  return gst_sdp_media_get_attribute (m, i);
}

static const GstSDPAttribute *
message_attr (gconstpointer msg, guint i)
{
  return gst_sdp_message_get_attribute (msg, i);
}

/* The remote's direction for @m, from its own point of view. */
MediaDirection
media_sdp_remote_direction (const GstSDPMessage *msg, const GstSDPMedia *m)
{
  gint d = direction_of (gst_sdp_media_attributes_len (m), media_attr, m);
  if (d < 0)
    d = direction_of (gst_sdp_message_attributes_len (msg), message_attr, msg);
  return d < 0 ? MEDIA_DIR_SENDRECV : (MediaDirection) d;
}

/* Their sendonly is our recvonly. */
MediaDirection
media_direction_mirror (MediaDirection d)
{
  return (MediaDirection) (((d & 1) << 1) | ((d >> 1) & 1));
}

static const char *
attr_value (const GstSDPMessage *msg, const GstSDPMedia *m, const char *key)
{
  const char *v = gst_sdp_media_get_attribute_val (m, key);
  return v ? v : gst_sdp_message_get_attribute_val (msg, key);
}

/* The remote's address for @m into neg->remote_addr; "" when it is the
 * hold address (0.0.0.0 or ::). NOT_ACCEPTABLE for what we cannot send
 * to (multicast, host names, the other IP version). */
gboolean
media_sdp_read_address (gboolean ipv6, const GstSDPMessage *msg, const GstSDPMedia *m,
                        MediaNegotiated *neg, GError **error)
{
  const GstSDPConnection *c = gst_sdp_media_connections_len (m) > 0
                                  ? gst_sdp_media_get_connection (m, 0)
                                  : gst_sdp_message_get_connection (msg);
  if (c == NULL || c->address == NULL)
    return media_sdp_invalid (error, "the audio stream has no c= line");
  g_autoptr (GInetAddress) addr = g_inet_address_new_from_string (c->address);
  if (addr == NULL || c->ttl > 0 || c->addr_number > 1)
    {
      g_set_error (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_NOT_ACCEPTABLE,
                   "c=%s: only unicast IP addresses are supported", c->address);
      return FALSE;
    }
  gboolean v6 = g_inet_address_get_family (addr) == G_SOCKET_FAMILY_IPV6;
  if (v6 != (g_strcmp0 (c->addrtype, "IP6") == 0))
    return media_sdp_invalid (error, "c= address %s is not of type %s", c->address, c->addrtype);
  if (g_inet_address_get_is_multicast (addr))
    {
      g_set_error (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_NOT_ACCEPTABLE,
                   "c=%s: multicast is not supported", c->address);
      return FALSE;
    }
  if (g_inet_address_get_is_any (addr))
    {
      neg->remote_addr[0] = '\0';
      return TRUE;
    }
  if (v6 != ipv6)
    {
      g_set_error (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_NOT_ACCEPTABLE,
                   "c=%s: the media address is IPv%c", c->address, ipv6 ? '6' : '4');
      return FALSE;
    }
  g_strlcpy (neg->remote_addr, c->address, sizeof neg->remote_addr);
  return TRUE;
}

void
media_sdp_read_ports (const GstSDPMedia *m, MediaNegotiated *neg)
{
  neg->remote_port = gst_sdp_media_get_port (m);
  neg->remote_rtcp_port = neg->remote_port + 1;
  const char *rtcp = gst_sdp_media_get_attribute_val (m, "rtcp");
  guint p;
  if (rtcp && media_sdp_parse_uint (rtcp, strcspn (rtcp, " "), 65535, &p) && p > 0)
    neg->remote_rtcp_port = p;
}

guint
media_sdp_read_ptime (const GstSDPMessage *msg, const GstSDPMedia *m, MediaCodec codec)
{
  const char *v = attr_value (msg, m, "ptime");
  guint ptime;
  if (v == NULL || !media_sdp_parse_uint (v, strcspn (v, " ."), 1000, &ptime))
    return MEDIA_SDP_DEFAULT_PTIME;
  if (codec == MEDIA_CODEC_OPUS)
    return ptime == 10 || ptime == 20 || ptime == 40 || ptime == 60 ? ptime
                                                                    : MEDIA_SDP_DEFAULT_PTIME;
  /* G.711: whole multiples of 10 ms up to 60 (what payloaders and phones handle) */
  return ptime >= 10 && ptime <= 60 && ptime % 10 == 0 ? ptime : MEDIA_SDP_DEFAULT_PTIME;
}

gboolean
media_sdp_proto_is_rtp (const char *proto, gboolean *secure)
{
  if (g_strcmp0 (proto, "RTP/AVP") == 0 || g_strcmp0 (proto, "RTP/AVPF") == 0)
    *secure = FALSE;
  else if (g_strcmp0 (proto, "RTP/SAVP") == 0 || g_strcmp0 (proto, "RTP/SAVPF") == 0)
    *secure = TRUE;
  else
    return FALSE;
  return TRUE;
}

/* The first telephone-event in @f, preferring one at @rate. */
const MediaFormat *
media_sdp_pick_te (const MediaFormat *f, guint n, guint rate, const gboolean *allowed)
{
  const MediaFormat *any = NULL;
  for (guint i = 0; i < n; i++)
    if (f[i].te && (allowed == NULL || allowed[media_te_index (f[i].rate)]))
      {
        if (f[i].rate == rate)
          return &f[i];
        if (any == NULL)
          any = &f[i];
      }
  return any;
}

GstSDPMessage *
media_sdp_parse (const char *text, gsize len, GError **error)
{
  if (!media_sdp_check (text, len, error))
    return NULL;
  GstSDPMessage *msg = NULL;
  gst_sdp_message_new (&msg);
  if (gst_sdp_message_parse_buffer ((const guint8 *) text, (guint) len, msg) != GST_SDP_OK)
    {
      gst_sdp_message_free (msg);
      media_sdp_invalid (error, "does not parse");
      return NULL;
    }
  return msg;
}
