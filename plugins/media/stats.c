/* leg_stats and media.leg.ended's statistics: a snapshot taken under the
 * leg's locks, on the main thread. */
#include "media-private.h"

static void
add_u64 (GVariantBuilder *b, const char *key, guint64 v)
{
  g_variant_builder_add (b, "{sv}", key, g_variant_new_uint64 (v));
}

GVariant *
media_leg_stats_variant (OccMediaLeg *leg)
{
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  const MediaNegotiated *neg = leg->negotiated ? media_sdp_get_negotiated (leg->sdp) : NULL;
  g_variant_builder_add (&b, "{sv}", "codec",
                         g_variant_new_string (neg ? media_codec_name (neg->codec) : ""));
  g_variant_builder_add (
      &b, "{sv}", "direction",
      g_variant_new_string (neg ? media_direction_name (neg->direction) : "inactive"));
  g_variant_builder_add (&b, "{sv}", "srtp", g_variant_new_boolean (neg && neg->srtp));
  g_variant_builder_add (&b, "{sv}", "local-port", g_variant_new_uint32 (leg->port));
  g_variant_builder_add (&b, "{sv}", "ssrc", g_variant_new_uint32 (leg->ssrc));

  g_mutex_lock (&leg->rx_lock);
  add_u64 (&b, "packets-received", leg->rs.packets);
  add_u64 (&b, "bytes-received", leg->rs.bytes);
  add_u64 (&b, "packets-lost", media_recv_stats_lost (&leg->rs));
  add_u64 (&b, "packets-late", leg->jb.late);
  add_u64 (&b, "dtmf-received", leg->dtmf_received);
  add_u64 (&b, "rtcp-received", leg->rtcp_received);
  double rate = leg->clock_rate ? leg->clock_rate : 8000;
  g_variant_builder_add (&b, "{sv}", "jitter-ms",
                         g_variant_new_double (leg->rs.jitter * 1000.0 / rate));
  if (leg->rs.init)
    g_variant_builder_add (&b, "{sv}", "remote-ssrc", g_variant_new_uint32 (leg->rs.ssrc));
  if (leg->have_remote_report)
    {
      g_variant_builder_add (&b, "{sv}", "remote-packets-lost",
                             g_variant_new_int64 (leg->remote_report.cumulative_lost));
      g_variant_builder_add (&b, "{sv}", "remote-jitter-ms",
                             g_variant_new_double (leg->remote_report.jitter * 1000.0 / rate));
      g_variant_builder_add (&b, "{sv}", "rtt-ms", g_variant_new_double (leg->rtt_ms));
    }
  g_mutex_unlock (&leg->rx_lock);

  g_mutex_lock (&leg->tx_lock);
  g_variant_builder_add (&b, "{sv}", "remote", g_variant_new_string (leg->remote_text));
  add_u64 (&b, "packets-sent", leg->packets_sent);
  add_u64 (&b, "bytes-sent", leg->bytes_sent);
  add_u64 (&b, "dtmf-sent", leg->dtmf_sent);
  add_u64 (&b, "rtcp-sent", leg->rtcp_sent);
  g_mutex_unlock (&leg->tx_lock);
  return g_variant_builder_end (&b);
}
