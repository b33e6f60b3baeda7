/* [media] of plugins.d/media.conf: read into a fresh MediaSettings, every
 * value checked, so that reconfigure() can refuse a file and keep the old
 * settings whole. */
#include "settings.h"

#include <string.h>

#define GROUP "media"

const OccConfigKey media_config_schema[] = {
  { GROUP, "address", OCC_CONFIG_STRING, 0, 0,
    "IP address the RTP sockets bind to, and the c= address of our SDP (default 127.0.0.1)." },
  { GROUP, "public-address", OCC_CONFIG_STRING, 0, 0,
    "IP address put in c= and o= instead of address, for a NAT in front of the host "
    "(default: address; required when address is 0.0.0.0 or ::)." },
  { GROUP, "rtp-port-min", OCC_CONFIG_INT, 1024, 65534,
    "Lowest RTP port; even, RTCP is the port above (default 20000)." },
  { GROUP, "rtp-port-max", OCC_CONFIG_INT, 1025, 65535,
    "Highest port used, RTCP included (default 29999)." },
  { GROUP, "codecs", OCC_CONFIG_STRING_LIST, 0, 0,
    "Audio codecs in order of preference, from PCMA, PCMU, opus (default PCMA;PCMU;opus; opus "
    "only where GStreamer's opus elements are installed). telephone-event is always added." },
  { GROUP, "jitter-ms", OCC_CONFIG_INT, 0, 1000,
    "How long a packet waits for a missing one before it counts as lost, in ms (default 60; 0 "
    "forwards in arrival order)." },
  { GROUP, "mix-delay-ms", OCC_CONFIG_INT, 20, 200,
    "How far behind the clock a leg that hears several parties or a prompt takes its audio, "
    "in ms: packets later than that are not heard (default 40)." },
  { GROUP, "threads", OCC_CONFIG_INT, 1, 64,
    "Media threads (each handles RTP for its share of the legs, about 500 G.711 calls per "
    "core; default 1). Takes effect when the plugin is next loaded." },
  { GROUP, "rtcp-interval", OCC_CONFIG_INT, 1, 60,
    "Mean seconds between our RTCP reports (default 5, RFC 3550's minimum)." },
  { .group = NULL } /* end */
};

static gboolean bad (GError **error, const char *key, const char *fmt, ...) G_GNUC_PRINTF (3, 4);
static gboolean
bad (GError **error, const char *key, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "[%s] %s: %s", GROUP, key,
               msg);
  return FALSE;
}

static gint64
get_int (GKeyFile *kf, const char *key, gint64 def)
{
  if (!g_key_file_has_key (kf, GROUP, key, NULL))
    return def;
  return g_key_file_get_int64 (kf, GROUP, key, NULL);
}

static gboolean
read_address (GKeyFile *kf, const char *key, const char *def, char **out, GInetAddress **inet,
              GError **error)
{
  g_autofree char *v = g_key_file_has_key (kf, GROUP, key, NULL)
                           ? g_key_file_get_string (kf, GROUP, key, NULL)
                           : g_strdup (def);
  if (v == NULL)
    return TRUE;
  g_strstrip (v);
  *inet = g_inet_address_new_from_string (v);
  if (*inet == NULL)
    return bad (error, key, "“%s” is not an IP address", v);
  *out = g_inet_address_to_string (*inet);
  return TRUE;
}

static gboolean
read_codecs (GKeyFile *kf, gboolean have_opus, MediaSettings *s, GError **error)
{
  g_auto (GStrv) list = g_key_file_has_key (kf, GROUP, "codecs", NULL)
                            ? g_key_file_get_string_list (kf, GROUP, "codecs", NULL, NULL)
                            : g_strsplit ("PCMA;PCMU;opus", ";", -1);
  for (guint i = 0; list && list[i]; i++)
    {
      MediaCodec c;
      g_strstrip (list[i]);
      if (!media_codec_from_name (list[i], &c))
        return bad (error, "codecs", "“%s” is not one of PCMA, PCMU, opus", list[i]);
      if (c == MEDIA_CODEC_OPUS && !have_opus)
        {
          s->opus_dropped = TRUE;
          continue;
        }
      gboolean dup = FALSE;
      for (guint j = 0; j < s->n_codecs; j++)
        dup |= s->codecs[j] == c;
      if (dup)
        return bad (error, "codecs", "%s is listed twice", list[i]);
      s->codecs[s->n_codecs++] = c;
    }
  if (s->n_codecs == 0)
    return bad (error, "codecs", "no codec left%s",
                s->opus_dropped ? " (opus needs GStreamer's opusenc, opusdec, rtpopuspay and "
                                  "rtpopusdepay)"
                                : "");
  return TRUE;
}

MediaSettings *
media_settings_new (GKeyFile *kf, gboolean have_opus, GError **error)
{
  g_autoptr (MediaSettings) s = g_new0 (MediaSettings, 1);
  g_autoptr (GInetAddress) bind = NULL;
  g_autoptr (GInetAddress) pub = NULL;
  if (!read_address (kf, "address", "127.0.0.1", &s->address, &bind, error)
      || !read_address (kf, "public-address", NULL, &s->sdp_address, &pub, error))
    return NULL;
  if (pub && g_inet_address_get_family (pub) != g_inet_address_get_family (bind))
    {
      bad (error, "public-address", "%s is not of the same IP version as address %s",
           s->sdp_address, s->address);
      return NULL;
    }
  if (pub && (g_inet_address_get_is_any (pub) || g_inet_address_get_is_multicast (pub)))
    {
      bad (error, "public-address", "%s cannot be a media address", s->sdp_address);
      return NULL;
    }
  if (g_inet_address_get_is_multicast (bind))
    {
      bad (error, "address", "%s is a multicast address", s->address);
      return NULL;
    }
  if (pub == NULL && g_inet_address_get_is_any (bind))
    {
      bad (error, "address", "%s binds every address; set public-address for the SDP", s->address);
      return NULL;
    }
  if (s->sdp_address == NULL)
    s->sdp_address = g_strdup (s->address);
  s->ipv6 = g_inet_address_get_family (bind) == G_SOCKET_FAMILY_IPV6;

  s->port_min = (guint) get_int (kf, "rtp-port-min", 20000);
  s->port_max = (guint) get_int (kf, "rtp-port-max", 29999);
  if (s->port_min % 2 != 0)
    {
      bad (error, "rtp-port-min", "%u is odd; RTP ports are even", s->port_min);
      return NULL;
    }
  if (s->port_max < s->port_min + 1)
    {
      bad (error, "rtp-port-max", "%u leaves no RTP/RTCP pair above rtp-port-min %u", s->port_max,
           s->port_min);
      return NULL;
    }
  if (!read_codecs (kf, have_opus, s, error))
    return NULL;
  s->jitter_ms = (guint) get_int (kf, "jitter-ms", 60);
  s->mix_delay_ms = (guint) get_int (kf, "mix-delay-ms", 40);
  s->threads = (guint) get_int (kf, "threads", 1);
  s->rtcp_interval_s = (guint) get_int (kf, "rtcp-interval", 5);
  return g_steal_pointer (&s);
}

void
media_settings_free (MediaSettings *s)
{
  if (s == NULL)
    return;
  g_free (s->address);
  g_free (s->sdp_address);
  g_free (s);
}
