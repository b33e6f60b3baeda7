/* SDP offer/answer for one audio stream: see sdp.h. GstSDPMessage reads
 * and writes the text; which stream, codec, payload types, direction and
 * keys are agreed is decided here. */
#include "sdp-private.h"

#include <errno.h>
#include <gst/sdp/sdp.h>
#include <string.h>
#include <sys/random.h>

#define SUITES 2 /* crypto tag 1: _80, tag 2: _32 */
static const MediaSuite suite_of_tag[SUITES]
    = { MEDIA_SUITE_AES_CM_128_HMAC_SHA1_80, MEDIA_SUITE_AES_CM_128_HMAC_SHA1_32 };

/* What our outstanding offer said. */
typedef struct {
  gboolean secure;
  MediaCodec codecs[MEDIA_CODEC_COUNT];
  guint n_codecs;
  gboolean te[MEDIA_TE_RATES];
} Offer;

struct _MediaSdp {
  char *address;
  gboolean ipv6;
  guint port;
  OccMediaSrtp srtp;
  MediaCodec prefs[MEDIA_CODEC_COUNT];
  guint n_prefs;
  guint64 sess_id;
  guint64 version;
  guint pt_of[MEDIA_CODEC_COUNT]; /* our payload type numbers, stable for the session */
  guint te_pt[MEDIA_TE_RATES];
  guint8 keys[SUITES][MEDIA_KEY_LEN]; /* ours, made on first use */
  gboolean have_keys;
  gboolean offer_out;
  Offer offer;
  gboolean negotiated;
  MediaNegotiated current;
};

/* The remote's stream that we take, and what it agrees to. */
typedef struct {
  guint index;
  const char *proto;
  MediaNegotiated neg;
  guint crypto_tag;
} Choice;

void
media_random_bytes (guint8 *buf, gsize len)
{
  gsize done = 0;
  while (done < len)
    {
      gssize r = getrandom (buf + done, len - done, 0);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        g_error ("getrandom: %s", g_strerror (errno)); /* no kernel CSPRNG: nothing is safe */
      done += (gsize) r;
    }
}

MediaSdp *
media_sdp_new (const char *address, guint port, OccMediaSrtp srtp, const MediaCodec *codecs,
               guint n_codecs)
{
  g_return_val_if_fail (address != NULL && n_codecs > 0, NULL);
  MediaSdp *s = g_new0 (MediaSdp, 1);
  s->address = g_strdup (address);
  s->ipv6 = strchr (address, ':') != NULL;
  s->port = port;
  s->srtp = srtp;
  for (guint i = 0; i < n_codecs && s->n_prefs < MEDIA_CODEC_COUNT; i++)
    {
      gboolean dup = FALSE;
      for (guint j = 0; j < s->n_prefs; j++)
        dup |= s->prefs[j] == codecs[i];
      if (!dup)
        s->prefs[s->n_prefs++] = codecs[i];
    }
  guint8 id[8];
  media_random_bytes (id, sizeof id);
  memcpy (&s->sess_id, id, sizeof id);
  s->sess_id &= G_GUINT64_CONSTANT (0x3fffffffffffffff); /* fits NTP-style decimal */
  s->version = 0;
  for (guint c = 0; c < MEDIA_CODEC_COUNT; c++)
    s->pt_of[c] = media_codec_info[c].default_pt;
  for (guint r = 0; r < MEDIA_TE_RATES; r++)
    s->te_pt[r] = media_te_default_pt[r];
  return s;
}

void
media_sdp_free (MediaSdp *s)
{
  if (s == NULL)
    return;
  memset (s->keys, 0, sizeof s->keys);
  memset (&s->current, 0, sizeof s->current);
  g_free (s->address);
  g_free (s);
}

gboolean
media_sdp_is_negotiated (const MediaSdp *s)
{
  return s->negotiated;
}

const MediaNegotiated *
media_sdp_get_negotiated (const MediaSdp *s)
{
  return &s->current;
}

static void
ensure_keys (MediaSdp *s)
{
  if (!s->have_keys)
    media_random_bytes (&s->keys[0][0], sizeof s->keys);
  s->have_keys = TRUE;
}

/* Whether we can take the offered stream @m; fills @c, or appends why
 * not to @why. FALSE with @error only for INVALID. */
static gboolean
consider_offered (MediaSdp *s, const GstSDPMessage *msg, guint index, Choice *c, gboolean *ok,
                  GString *why, GError **error)
{
  const GstSDPMedia *m = gst_sdp_message_get_media (msg, index);
  *ok = FALSE;
  memset (c, 0, sizeof *c);
  gboolean secure;
  if (!media_sdp_proto_is_rtp (gst_sdp_media_get_proto (m), &secure))
    {
      g_string_append_printf (why, "; stream %u: protocol %s is not supported", index + 1,
                              gst_sdp_media_get_proto (m));
      return TRUE;
    }
  if (secure && s->srtp == OCC_MEDIA_SRTP_OFF)
    {
      g_string_append_printf (why, "; stream %u: SRTP (%s) is off", index + 1,
                              gst_sdp_media_get_proto (m));
      return TRUE;
    }
  if (!secure && s->srtp == OCC_MEDIA_SRTP_REQUIRED)
    {
      g_string_append_printf (why, "; stream %u: SRTP is required but the stream is %s", index + 1,
                              gst_sdp_media_get_proto (m));
      return TRUE;
    }
  MediaFormat f[MEDIA_SDP_MAX_FORMATS];
  guint n = 0;
  if (!media_sdp_read_formats (m, f, &n, error))
    return FALSE;
  g_autoptr (GError) addr_error = NULL;
  if (!media_sdp_read_address (s->ipv6, msg, m, &c->neg, &addr_error))
    {
      if (addr_error->code == OCC_MEDIA_ERROR_INVALID)
        {
          g_propagate_error (error, g_steal_pointer (&addr_error));
          return FALSE;
        }
      g_string_append_printf (why, "; stream %u: %s", index + 1, addr_error->message);
      return TRUE;
    }

  /* the codec: the one in use if still offered (hold, unhold, a new
   * address must not switch codecs), else ours by preference */
  const MediaFormat *chosen = NULL;
  if (s->negotiated)
    for (guint i = 0; i < n && !chosen; i++)
      if (f[i].known && f[i].codec == s->current.codec)
        chosen = &f[i];
  for (guint p = 0; p < s->n_prefs && !chosen; p++)
    for (guint i = 0; i < n && !chosen; i++)
      if (f[i].known && f[i].codec == s->prefs[p])
        chosen = &f[i];
  if (chosen == NULL)
    {
      g_string_append_printf (why, "; stream %u: no common codec (we take", index + 1);
      for (guint p = 0; p < s->n_prefs; p++)
        g_string_append_printf (why, " %s", media_codec_info[s->prefs[p]].name);
      g_string_append (why, ")");
      return TRUE;
    }

  MediaNegotiated *neg = &c->neg;
  if (secure)
    {
      gboolean found = FALSE;
      for (guint i = 0; !found; i++)
        {
          const char *v = gst_sdp_media_get_attribute_val_n (m, "crypto", i);
          if (v == NULL)
            break;
          MediaCrypto mc;
          if (media_sdp_parse_crypto (v, &mc))
            {
              found = TRUE;
              c->crypto_tag = mc.tag;
              neg->suite = mc.suite;
              memcpy (neg->key_recv, mc.key, MEDIA_KEY_LEN);
              neg->mki_recv = mc.mki;
              neg->mki_recv_len = mc.mki_len;
              memset (&mc, 0, sizeof mc);
            }
        }
      if (!found)
        {
          g_string_append_printf (why,
                                  "; stream %u: no usable a=crypto (we take "
                                  "AES_CM_128_HMAC_SHA1_80 or _32 with one inline key)",
                                  index + 1);
          return TRUE;
        }
      ensure_keys (s);
      memcpy (neg->key_send, s->keys[neg->suite == MEDIA_SUITE_AES_CM_128_HMAC_SHA1_80 ? 0 : 1],
              MEDIA_KEY_LEN);
      neg->srtp = TRUE;
    }

  c->index = index;
  c->proto = gst_sdp_media_get_proto (m);
  neg->codec = chosen->codec;
  neg->clock_rate = media_codec_info[chosen->codec].rate;
  neg->pt_send = neg->pt_recv = chosen->pt;
  const MediaFormat *te = media_sdp_pick_te (f, n, neg->clock_rate, NULL);
  neg->dtmf_pt_send = neg->dtmf_pt_recv = te ? (gint) te->pt : -1;
  neg->dtmf_rate = te ? te->rate : 0;
  neg->ptime = media_sdp_read_ptime (msg, m, chosen->codec);
  neg->direction = media_direction_mirror (media_sdp_remote_direction (msg, m));
  if (neg->remote_addr[0] == '\0')
    neg->direction &= ~MEDIA_DIR_SENDONLY; /* RFC 2543 hold: c=0.0.0.0 */
  media_sdp_read_ports (m, neg);
  *ok = TRUE;
  return TRUE;
}

/* --- writing ours ------------------------------------------------------------ */

static GstSDPMessage *
new_message (MediaSdp *s)
{
  GstSDPMessage *msg = NULL;
  gst_sdp_message_new (&msg);
  s->version++;
  char id[24], ver[24];
  g_snprintf (id, sizeof id, "%" G_GUINT64_FORMAT, s->sess_id);
  g_snprintf (ver, sizeof ver, "%" G_GUINT64_FORMAT, s->version);
  const char *type = s->ipv6 ? "IP6" : "IP4";
  gst_sdp_message_set_version (msg, "0");
  gst_sdp_message_set_origin (msg, "-", id, ver, "IN", type, s->address);
  gst_sdp_message_set_session_name (msg, "omnicc");
  gst_sdp_message_set_connection (msg, "IN", type, s->address, 0, 0);
  gst_sdp_message_add_time (msg, "0", "0", NULL);
  return msg;
}

static void
add_format (GstSDPMedia *m, guint pt, const char *name, guint rate, guint channels)
{
  char fmt[8];
  g_snprintf (fmt, sizeof fmt, "%u", pt);
  gst_sdp_media_add_format (m, fmt);
  g_autofree char *map = channels > 1 ? g_strdup_printf ("%u %s/%u/%u", pt, name, rate, channels)
                                      : g_strdup_printf ("%u %s/%u", pt, name, rate);
  gst_sdp_media_add_attribute (m, "rtpmap", map);
  if (g_str_equal (name, "telephone-event"))
    {
      g_autofree char *fmtp = g_strdup_printf ("%u 0-15", pt);
      gst_sdp_media_add_attribute (m, "fmtp", fmtp);
    }
}

static void
add_crypto (GstSDPMedia *m, guint tag, MediaSuite suite, const guint8 *key)
{
  g_autofree char *b64 = g_base64_encode (key, MEDIA_KEY_LEN);
  g_autofree char *v = g_strdup_printf ("%u %s inline:%s", tag, media_suite_name (suite), b64);
  gst_sdp_media_add_attribute (m, "crypto", v);
  memset (v, 0, strlen (v));
  memset (b64, 0, strlen (b64));
}

static char *
finish (GstSDPMessage *msg)
{
  char *text = gst_sdp_message_as_text (msg);
  /* the keys in it are wiped from the message's copies */
  for (guint i = 0; i < gst_sdp_message_medias_len (msg); i++)
    {
      const GstSDPMedia *m = gst_sdp_message_get_media (msg, i);
      for (guint j = 0; j < gst_sdp_media_attributes_len (m); j++)
        {
          const GstSDPAttribute *a = gst_sdp_media_get_attribute (m, j);
          if (g_strcmp0 (a->key, "crypto") == 0 && a->value)
            memset (a->value, 0, strlen (a->value));
        }
    }
  gst_sdp_message_free (msg);
  return text;
}

static void
add_ptime_direction (GstSDPMedia *m, MediaDirection dir)
{
  char ptime[8];
  g_snprintf (ptime, sizeof ptime, "%u", MEDIA_SDP_DEFAULT_PTIME);
  gst_sdp_media_add_attribute (m, "ptime", ptime);
  gst_sdp_media_add_attribute (m, media_direction_name (dir), NULL);
}

/* A free dynamic payload type, or 0 when all are taken. */
static guint
free_dynamic_pt (MediaSdp *s)
{
  for (guint pt = 96; pt < 128; pt++)
    {
      gboolean used = FALSE;
      for (guint c = 0; c < MEDIA_CODEC_COUNT; c++)
        used |= s->pt_of[c] == pt;
      for (guint r = 0; r < MEDIA_TE_RATES; r++)
        used |= s->te_pt[r] == pt;
      if (!used)
        return pt;
    }
  return 0;
}

/* Takes the remote's numbers for what was agreed (RFC 3264 §6.1: the
 * answer uses the offer's), moving our other numbers out of their way. */
static void
adopt_pts (MediaSdp *s, const MediaNegotiated *neg)
{
  s->pt_of[neg->codec] = neg->pt_recv;
  gint te = neg->dtmf_pt_recv >= 0 ? media_te_index (neg->dtmf_rate) : -1;
  if (te >= 0)
    s->te_pt[te] = (guint) neg->dtmf_pt_recv;
  for (guint c = 0; c < MEDIA_CODEC_COUNT; c++)
    if (c != neg->codec
        && (s->pt_of[c] == neg->pt_recv || (te >= 0 && s->pt_of[c] == s->te_pt[te])))
      s->pt_of[c] = media_codec_info[c].static_pt >= 0
                            && (guint) media_codec_info[c].static_pt != s->pt_of[c]
                        ? (guint) media_codec_info[c].static_pt
                        : free_dynamic_pt (s);
  for (guint r = 0; r < MEDIA_TE_RATES; r++)
    if ((gint) r != te && (s->te_pt[r] == neg->pt_recv || (te >= 0 && s->te_pt[r] == s->te_pt[te])))
      s->te_pt[r] = free_dynamic_pt (s);
}

char *
media_sdp_offer (MediaSdp *s, const MediaCodec *first)
{
  Offer o = { 0 };
  o.secure = s->srtp == OCC_MEDIA_SRTP_REQUIRED;
  if (first)
    o.codecs[o.n_codecs++] = *first;
  else if (s->negotiated)
    o.codecs[o.n_codecs++] = s->current.codec;
  for (guint p = 0; p < s->n_prefs; p++)
    if (o.n_codecs == 0 || o.codecs[0] != s->prefs[p])
      o.codecs[o.n_codecs++] = s->prefs[p];

  GstSDPMessage *msg = new_message (s);
  GstSDPMedia m = { 0 };
  gst_sdp_media_init (&m);
  gst_sdp_media_set_media (&m, "audio");
  gst_sdp_media_set_port_info (&m, s->port, 1);
  gst_sdp_media_set_proto (&m, o.secure ? "RTP/SAVP" : "RTP/AVP");
  for (guint i = 0; i < o.n_codecs; i++)
    {
      const MediaCodecInfo *ci = &media_codec_info[o.codecs[i]];
      add_format (&m, s->pt_of[o.codecs[i]], ci->name, ci->rate, ci->channels);
      o.te[media_te_index (ci->rate)] = TRUE;
    }
  for (guint r = 0; r < MEDIA_TE_RATES; r++)
    if (o.te[r])
      add_format (&m, s->te_pt[r], "telephone-event", media_te_rate[r], 1);
  add_ptime_direction (&m, MEDIA_DIR_SENDRECV);
  if (o.secure)
    {
      ensure_keys (s);
      for (guint t = 0; t < SUITES; t++)
        add_crypto (&m, t + 1, suite_of_tag[t], s->keys[t]);
    }
  gst_sdp_message_add_media (msg, &m);
  s->offer = o;
  s->offer_out = TRUE;
  return finish (msg);
}

static void
not_acceptable (GError **error, GString *why)
{
  g_set_error (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_NOT_ACCEPTABLE, "no acceptable audio%s%s",
               why->len ? ":" : "", why->len ? why->str + 1 : "");
}

/* Which offered audio stream to take: with SRTP optional a secure one if
 * there is one, otherwise the first we can take. */
static gboolean
choose_stream (MediaSdp *s, const GstSDPMessage *msg, Choice *best, GError **error)
{
  g_autoptr (GString) why = g_string_new (NULL);
  gboolean have = FALSE;
  for (guint i = 0; i < gst_sdp_message_medias_len (msg); i++)
    {
      const GstSDPMedia *m = gst_sdp_message_get_media (msg, i);
      if (g_strcmp0 (gst_sdp_media_get_media (m), "audio") != 0 || gst_sdp_media_get_port (m) == 0)
        continue;
      Choice c;
      gboolean ok;
      if (!consider_offered (s, msg, i, &c, &ok, why, error))
        return FALSE;
      if (ok && (!have || (c.neg.srtp && !best->neg.srtp)))
        {
          *best = c;
          have = TRUE;
        }
      memset (&c, 0, sizeof c);
    }
  if (!have)
    {
      if (why->len == 0)
        g_string_append (why, "; the offer has no audio stream");
      not_acceptable (error, why);
    }
  return have;
}

char *
media_sdp_answer (MediaSdp *s, const char *text, gsize len, MediaNegotiated *out, GError **error)
{
  if (s->offer_out)
    {
      g_set_error_literal (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_STATE,
                           "an offer of ours is waiting for its answer");
      return NULL;
    }
  g_autoptr (GstSDPMessage) offer = media_sdp_parse (text, len, error);
  if (offer == NULL)
    return NULL;
  Choice c;
  if (!choose_stream (s, offer, &c, error))
    return NULL;

  GstSDPMessage *msg = new_message (s);
  for (guint i = 0; i < gst_sdp_message_medias_len (offer); i++)
    {
      const GstSDPMedia *om = gst_sdp_message_get_media (offer, i);
      GstSDPMedia m = { 0 };
      gst_sdp_media_init (&m);
      gst_sdp_media_set_media (&m, gst_sdp_media_get_media (om));
      gst_sdp_media_set_proto (&m, gst_sdp_media_get_proto (om));
      if (i != c.index)
        {
          /* RFC 3264 §6: rejected, with one of the offered formats */
          gst_sdp_media_set_port_info (&m, 0, 1);
          gst_sdp_media_add_format (&m, gst_sdp_media_get_format (om, 0));
        }
      else
        {
          const MediaCodecInfo *ci = &media_codec_info[c.neg.codec];
          gst_sdp_media_set_port_info (&m, s->port, 1);
          add_format (&m, c.neg.pt_recv, ci->name, ci->rate, ci->channels);
          if (c.neg.dtmf_pt_recv >= 0)
            add_format (&m, (guint) c.neg.dtmf_pt_recv, "telephone-event", c.neg.dtmf_rate, 1);
          add_ptime_direction (&m, c.neg.direction);
          if (c.neg.srtp)
            add_crypto (&m, c.crypto_tag, c.neg.suite, c.neg.key_send);
        }
      gst_sdp_message_add_media (msg, &m);
    }
  adopt_pts (s, &c.neg);
  s->current = c.neg;
  s->negotiated = TRUE;
  *out = c.neg;
  memset (&c, 0, sizeof c);
  return finish (msg);
}

/* The codec of an answer's format, if we offered it. */
static gboolean
offered_codec (const MediaSdp *s, const MediaFormat *f, MediaCodec *codec)
{
  if (!f->known)
    return FALSE;
  for (guint i = 0; i < s->offer.n_codecs; i++)
    if (s->offer.codecs[i] == f->codec)
      {
        *codec = f->codec;
        return TRUE;
      }
  return FALSE;
}

static gboolean
accept_answer (MediaSdp *s, const GstSDPMessage *msg, MediaNegotiated *neg, GError **error)
{
  if (gst_sdp_message_medias_len (msg) != 1)
    return media_sdp_invalid (error, "the answer has %u m= lines, our offer had 1",
                              gst_sdp_message_medias_len (msg));
  const GstSDPMedia *m = gst_sdp_message_get_media (msg, 0);
  gboolean secure;
  if (g_strcmp0 (gst_sdp_media_get_media (m), "audio") != 0
      || !media_sdp_proto_is_rtp (gst_sdp_media_get_proto (m), &secure))
    return media_sdp_invalid (error, "the answer's m= line is not an RTP audio stream");
  if (gst_sdp_media_get_port (m) == 0)
    {
      g_set_error_literal (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_NOT_ACCEPTABLE,
                           "the answer rejected the audio stream");
      return FALSE;
    }
  if (secure != s->offer.secure)
    {
      g_set_error (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_NOT_ACCEPTABLE,
                   "the answer is %s, our offer was %s", gst_sdp_media_get_proto (m),
                   s->offer.secure ? "RTP/SAVP" : "RTP/AVP");
      return FALSE;
    }
  MediaFormat f[MEDIA_SDP_MAX_FORMATS];
  guint n = 0;
  if (!media_sdp_read_formats (m, f, &n, error)
      || !media_sdp_read_address (s->ipv6, msg, m, neg, error))
    return FALSE;
  const MediaFormat *chosen = NULL;
  for (guint i = 0; i < n && chosen == NULL; i++)
    if (offered_codec (s, &f[i], &neg->codec))
      chosen = &f[i];
  if (chosen == NULL)
    {
      g_set_error_literal (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_NOT_ACCEPTABLE,
                           "the answer has none of the codecs we offered");
      return FALSE;
    }
  neg->clock_rate = media_codec_info[neg->codec].rate;
  neg->pt_send = chosen->pt;
  neg->pt_recv = s->pt_of[neg->codec];
  const MediaFormat *te = media_sdp_pick_te (f, n, neg->clock_rate, s->offer.te);
  neg->dtmf_pt_send = te ? (gint) te->pt : -1;
  neg->dtmf_pt_recv = te ? (gint) s->te_pt[media_te_index (te->rate)] : -1;
  neg->dtmf_rate = te ? te->rate : 0;
  neg->ptime = media_sdp_read_ptime (msg, m, neg->codec);
  neg->direction = media_direction_mirror (media_sdp_remote_direction (msg, m));
  if (neg->remote_addr[0] == '\0')
    neg->direction &= ~MEDIA_DIR_SENDONLY;
  media_sdp_read_ports (m, neg);
  if (secure)
    {
      for (guint i = 0; !neg->srtp; i++)
        {
          const char *v = gst_sdp_media_get_attribute_val_n (m, "crypto", i);
          if (v == NULL)
            break;
          MediaCrypto mc;
          if (media_sdp_parse_crypto (v, &mc) && mc.tag >= 1 && mc.tag <= SUITES
              && suite_of_tag[mc.tag - 1] == mc.suite)
            {
              neg->srtp = TRUE;
              neg->suite = mc.suite;
              memcpy (neg->key_recv, mc.key, MEDIA_KEY_LEN);
              memcpy (neg->key_send, s->keys[mc.tag - 1], MEDIA_KEY_LEN);
              neg->mki_recv = mc.mki;
              neg->mki_recv_len = mc.mki_len;
            }
          memset (&mc, 0, sizeof mc);
        }
      if (!neg->srtp)
        {
          g_set_error_literal (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_NOT_ACCEPTABLE,
                               "the answer has no a=crypto matching one we offered");
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
media_sdp_accept_answer (MediaSdp *s, const char *text, gsize len, MediaNegotiated *out,
                         GError **error)
{
  if (!s->offer_out)
    {
      g_set_error_literal (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_STATE,
                           "an answer came but no offer of ours is out");
      return FALSE;
    }
  /* whatever happens, the offer is answered: a new one may follow */
  s->offer_out = FALSE;
  g_autoptr (GstSDPMessage) msg = media_sdp_parse (text, len, error);
  if (msg == NULL)
    return FALSE;
  MediaNegotiated neg = { 0 };
  if (!accept_answer (s, msg, &neg, error))
    {
      memset (&neg, 0, sizeof neg);
      return FALSE;
    }
  s->current = neg;
  s->negotiated = TRUE;
  *out = neg;
  memset (&neg, 0, sizeof neg);
  return TRUE;
}
