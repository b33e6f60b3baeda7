/* The "media" service's legs: creation, offer/answer, bridges, the end.
 * All on the main thread; what the media threads share is changed under
 * the leg's locks (rx_lock before tx_lock, the bridged peer's tx_lock
 * after a leg's rx_lock). */
#include "media-private.h"
#include "leg-private.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

static const MediaChainHooks chain_hooks = {
  .rtp_in = media_rx_srtp_rtp,
  .rtcp_in = media_rx_srtp_rtcp,
  .audio_in = media_rx_audio,
  .rtp_out = media_tx_rtp,
  .net_rtp = media_tx_net_rtp,
  .net_rtcp = media_tx_net_rtcp,
};

OccMediaLeg *
media_leg_ref (OccMediaLeg *leg)
{
  g_atomic_int_inc (&leg->ref);
  return leg;
}

/* The last reference goes on the main thread (leg_free) or on the media
 * thread that watched the leg; the sockets are closed by then. */
void
media_leg_unref (OccMediaLeg *leg)
{
  if (!g_atomic_int_dec_and_test (&leg->ref))
    return;
  media_jb_clear (&leg->jb);
  media_sdp_free (leg->sdp);
  g_clear_pointer (&leg->heard_by, g_ptr_array_unref);
  gst_object_unref (leg->bus);
  g_mutex_clear (&leg->rx_lock);
  g_mutex_clear (&leg->tx_lock);
  g_free (leg->call_id);
  g_free (leg->label);
  g_free (leg->name);
  g_free (leg);
}

static guint
leg_codecs (Media *m, const OccMediaLegOptions *o, MediaCodec *out)
{
  if (o->codecs == NULL)
    {
      memcpy (out, m->settings->codecs, sizeof (MediaCodec) * m->settings->n_codecs);
      return m->settings->n_codecs;
    }
  guint n = 0;
  for (guint i = 0; o->codecs[i] && n < MEDIA_CODEC_COUNT; i++)
    {
      MediaCodec c;
      if (!media_codec_from_name (o->codecs[i], &c) || (c == MEDIA_CODEC_OPUS && !m->have_opus))
        continue; /* not one we have: as if not listed */
      gboolean dup = FALSE;
      for (guint j = 0; j < n; j++)
        dup |= out[j] == c;
      if (!dup)
        out[n++] = c;
    }
  return n;
}

static OccMediaLeg *
leg_new (const OccMediaService *self, const OccMediaLegOptions *o, GError **error)
{
  g_return_val_if_fail (o != NULL && o->call_id != NULL && o->label != NULL, NULL);
  Media *m = media_of (self);
  MediaCodec codecs[MEDIA_CODEC_COUNT];
  guint n = leg_codecs (m, o, codecs);
  if (n == 0)
    {
      g_set_error (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_NOT_ACCEPTABLE,
                   "call %s, %s: none of the codecs asked for is available", o->call_id, o->label);
      return NULL;
    }
  guint port;
  int rtp_fd, rtcp_fd;
  if (!media_ports_open (m->ports, m->settings->address, &port, &rtp_fd, &rtcp_fd, error))
    {
      g_prefix_error (error, "call %s, %s: ", o->call_id, o->label);
      return NULL;
    }
  OccMediaLeg *leg = g_new0 (OccMediaLeg, 1);
  leg->ref = 1;
  leg->id = ++m->next_id;
  leg->media = m;
  leg->engine_t0_us = media_engine_epoch (m->engine);
  leg->ports = m->ports;
  leg->bus = gst_object_ref (m->bus);
  leg->call_id = g_strdup (o->call_id);
  leg->label = g_strdup (o->label);
  leg->name = g_strdup_printf ("%s/%s", o->call_id, o->label);
  leg->srtp = o->srtp;
  leg->port = port;
  leg->rtp_fd = rtp_fd;
  leg->rtcp_fd = rtcp_fd;
  leg->sdp = media_sdp_new (m->settings->sdp_address, port, o->srtp, codecs, n);
  leg->rtcp_interval_us = (gint64) m->settings->rtcp_interval_s * G_USEC_PER_SEC;
  guint32 r[4];
  media_random_bytes ((guint8 *) r, sizeof r);
  leg->ssrc = r[0];
  leg->ts_base = r[1];
  leg->seq = (guint16) r[2];
  g_snprintf (leg->cname, sizeof leg->cname, "%08x%08x@omnicc", r[3], r[0] ^ r[1]);
  g_mutex_init (&leg->rx_lock);
  g_mutex_init (&leg->tx_lock);
  media_jb_init (&leg->jb, m->settings->jitter_ms, (GDestroyNotify) gst_buffer_unref);
  leg->dtmf_pt_recv = leg->dtmf_pt_send = -1;
  leg->heard_by = g_ptr_array_new ();
  leg->mix_delay_samples = m->settings->mix_delay_ms * MEDIA_RATE / 1000;
  g_hash_table_insert (m->legs, &leg->id, leg);
  leg->worker = media_engine_pick (m->engine);
  media_worker_add (leg->worker, leg);
  g_debug ("leg %s: RTP port %u", leg->name, port);
  return leg;
}

static char *
leg_offer (OccMediaLeg *leg, OccMediaLeg *like, GError **error)
{
  const MediaCodec *first = NULL;
  if (like && like->negotiated)
    first = &media_sdp_get_negotiated (like->sdp)->codec;
  return media_sdp_offer (leg->sdp, first);
}

static gboolean
to_sockaddr (const char *addr, guint port, struct sockaddr_storage *ss, socklen_t *len)
{
  memset (ss, 0, sizeof *ss);
  struct sockaddr_in *in4 = (struct sockaddr_in *) ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) ss;
  if (inet_pton (AF_INET, addr, &in4->sin_addr) == 1)
    {
      in4->sin_family = AF_INET;
      in4->sin_port = htons ((guint16) port);
      *len = sizeof *in4;
      return TRUE;
    }
  if (inet_pton (AF_INET6, addr, &in6->sin6_addr) == 1)
    {
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons ((guint16) port);
      *len = sizeof *in6;
      return TRUE;
    }
  return FALSE;
}

/* Puts what was agreed in force: new elements when the codec, payload
 * types or keys changed; direction and address in place. */
static gboolean
apply (OccMediaLeg *leg, const MediaNegotiated *neg, GError **error)
{
  MediaChain *fresh = NULL;
  if (leg->chain == NULL || !media_chain_fits (leg->chain, neg))
    {
      g_autofree char *name
          = g_strdup_printf ("leg-%" G_GUINT64_FORMAT "-%u", leg->id, ++leg->chain_gen);
      fresh = media_chain_new (GST_BIN (leg->media->pipeline), name, neg, leg->ssrc, leg->ts_base,
                               &chain_hooks, leg, error);
      if (fresh == NULL)
        {
          g_prefix_error (error, "call %s: ", leg->name);
          return FALSE;
        }
    }
  struct sockaddr_storage rtp, rtcp;
  socklen_t len = 0;
  gboolean have_remote = neg->remote_addr[0] != '\0'
                         && to_sockaddr (neg->remote_addr, neg->remote_port, &rtp, &len)
                         && to_sockaddr (neg->remote_addr, neg->remote_rtcp_port, &rtcp, &len);
  MediaChain *old = NULL;
  g_mutex_lock (&leg->rx_lock);
  g_mutex_lock (&leg->tx_lock);
  if (fresh)
    {
      old = leg->chain;
      leg->chain = fresh;
      media_rx_reset (leg);
    }
  leg->recv_on = (neg->direction & MEDIA_DIR_RECVONLY) != 0;
  leg->pt_recv = neg->pt_recv;
  leg->dtmf_pt_recv = neg->dtmf_pt_recv;
  leg->dtmf_rate_recv = neg->dtmf_rate;
  leg->clock_rate = neg->clock_rate;
  gboolean send_on = (neg->direction & MEDIA_DIR_SENDONLY) != 0 && have_remote;
  if (send_on && !leg->send_on)
    leg->discont = TRUE;
  leg->send_on = send_on;
  leg->have_remote = have_remote;
  if (have_remote)
    {
      leg->remote = rtp;
      leg->remote_rtcp = rtcp;
      leg->remote_len = len;
    }
  if (!have_remote)
    leg->remote_text[0] = '\0'; /* held with c=0.0.0.0 */
  else if (strchr (neg->remote_addr, ':'))
    g_snprintf (leg->remote_text, sizeof leg->remote_text, "[%s]:%u", neg->remote_addr,
                neg->remote_port);
  else
    g_snprintf (leg->remote_text, sizeof leg->remote_text, "%s:%u", neg->remote_addr,
                neg->remote_port);
  leg->dtmf_pt_send = neg->dtmf_pt_send;
  leg->dtmf_rate_send = neg->dtmf_rate;
  g_mutex_unlock (&leg->tx_lock);
  g_mutex_unlock (&leg->rx_lock);
  media_chain_free (old);
  leg->negotiated = TRUE;
  g_debug ("leg %s: %s pt %u/%u to %s, %s%s", leg->name, media_codec_name (neg->codec),
           neg->pt_send, neg->pt_recv, leg->remote_text, media_direction_name (neg->direction),
           neg->srtp ? ", SRTP" : "");
  return TRUE;
}

static gboolean
leg_accept_answer (OccMediaLeg *leg, const char *sdp, GError **error)
{
  g_return_val_if_fail (leg != NULL && sdp != NULL, FALSE);
  MediaNegotiated neg;
  if (!media_sdp_accept_answer (leg->sdp, sdp, strlen (sdp), &neg, error))
    {
      g_prefix_error (error, "call %s: ", leg->name);
      return FALSE;
    }
  gboolean ok = apply (leg, &neg, error);
  memset (&neg, 0, sizeof neg);
  return ok;
}

static char *
leg_answer_offer (OccMediaLeg *leg, const char *sdp, GError **error)
{
  g_return_val_if_fail (leg != NULL && sdp != NULL, NULL);
  MediaNegotiated neg;
  g_autofree char *answer = media_sdp_answer (leg->sdp, sdp, strlen (sdp), &neg, error);
  if (answer == NULL)
    {
      g_prefix_error (error, "call %s: ", leg->name);
      return NULL;
    }
  gboolean ok = apply (leg, &neg, error);
  memset (&neg, 0, sizeof neg);
  return ok ? g_steal_pointer (&answer) : NULL;
}

static void
set_peer (OccMediaLeg *leg, OccMediaLeg *peer)
{
  g_mutex_lock (&leg->rx_lock);
  leg->peer = peer;
  g_mutex_unlock (&leg->rx_lock);
  leg->bridged = peer;
  g_mutex_lock (&leg->tx_lock);
  leg->discont = TRUE;
  media_audio_peer_changed (leg);
  g_mutex_unlock (&leg->tx_lock);
}

static gboolean
bridge (OccMediaLeg *a, OccMediaLeg *b, GError **error)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);
  if (a == b || !a->negotiated || !b->negotiated || a->bridged || b->bridged)
    {
      g_set_error (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_STATE, "cannot bridge %s and %s: %s",
                   a->name, b->name,
                   a == b                             ? "a leg with itself"
                   : !a->negotiated || !b->negotiated ? "both must be negotiated first"
                                                      : "one of them is already bridged");
      return FALSE;
    }
  set_peer (a, b);
  set_peer (b, a);
  g_debug ("bridged %s and %s", a->name, b->name);
  return TRUE;
}

static void
unbridge (OccMediaLeg *leg)
{
  g_return_if_fail (leg != NULL);
  OccMediaLeg *peer = leg->bridged;
  if (peer == NULL)
    return;
  /* once a leg's rx_lock was taken with its peer cleared, its media
   * thread no longer reaches the other leg */
  set_peer (leg, NULL);
  set_peer (peer, NULL);
  g_debug ("unbridged %s and %s", leg->name, peer->name);
}

static void
publish_ended (OccMediaLeg *leg, GVariant *stats)
{
  Media *m = leg->media;
  g_autoptr (GError) e = NULL;
  if (occ_bus_publish (occ_plugin_get_bus (m->plugin), m->plugin, OCC_EVENT_MEDIA_LEG_ENDED,
                       g_variant_new ("(ss@a{sv})", leg->call_id, leg->label, stats), &e)
      == 0)
    g_warning ("leg %s: %s", leg->name, e->message);
}

static void
leg_free (OccMediaLeg *leg)
{
  if (leg == NULL)
    return;
  Media *m = leg->media;
  media_audio_leg_gone (leg);
  unbridge (leg);
  if (leg->negotiated)
    media_tx_send_report (leg, g_get_monotonic_time (), TRUE);
  MediaChain *old;
  g_mutex_lock (&leg->rx_lock);
  g_mutex_lock (&leg->tx_lock);
  old = leg->chain;
  leg->chain = NULL;
  leg->recv_on = leg->send_on = FALSE;
  media_rx_reset (leg);
  /* the pair is free again now: the media thread sees -1 under rx_lock */
  media_worker_unwatch (leg->worker, leg);
  media_ports_close (leg->ports, leg->port, leg->rtp_fd, leg->rtcp_fd);
  leg->rtp_fd = leg->rtcp_fd = -1;
  g_mutex_unlock (&leg->tx_lock);
  g_mutex_unlock (&leg->rx_lock);
  media_chain_free (old);
  publish_ended (leg, media_leg_stats_variant (leg));
  g_hash_table_remove (m->legs, &leg->id);
  leg->media = NULL;
  media_worker_remove (leg->worker, leg);
  media_leg_unref (leg);
}

void
media_legs_free_all (Media *m)
{
  GList *legs = g_hash_table_get_values (m->legs);
  for (GList *l = legs; l; l = l->next)
    leg_free (l->data);
  g_list_free (legs);
}

void
media_leg_dtmf_message (Media *m, const GstStructure *s)
{
  guint64 id = 0;
  guint duration = 0;
  const char *digit = gst_structure_get_string (s, "digit");
  gst_structure_get_uint64 (s, "leg", &id);
  gst_structure_get_uint (s, "duration", &duration);
  OccMediaLeg *leg = g_hash_table_lookup (m->legs, &id);
  if (leg == NULL || digit == NULL)
    return; /* ended meanwhile */
  g_autoptr (GError) e = NULL;
  if (occ_bus_publish (occ_plugin_get_bus (m->plugin), m->plugin, OCC_EVENT_MEDIA_DTMF,
                       g_variant_new ("(sssu)", leg->call_id, leg->label, digit, duration), &e)
      == 0)
    g_warning ("leg %s: %s", leg->name, e->message);
}

static GVariant *
leg_stats (OccMediaLeg *leg)
{
  g_return_val_if_fail (leg != NULL, NULL);
  return media_leg_stats_variant (leg);
}

void
media_service_init (Media *m)
{
  m->service = (OccMediaService){
    .header = OCC_SERVICE_HEADER (OccMediaService, OCC_MEDIA_VERSION),
    .leg_new = leg_new,
    .leg_offer = leg_offer,
    .leg_accept_answer = leg_accept_answer,
    .leg_answer_offer = leg_answer_offer,
    .bridge = bridge,
    .unbridge = unbridge,
    .leg_stats = leg_stats,
    .leg_free = leg_free,
  };
}
