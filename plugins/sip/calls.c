/* sip: the B2BUA. An INVITE from a trunk becomes an interaction; its
 * called number picks a route; the route's agents are rung one after
 * another at their registered phones (busy, no answer, failure: the next);
 * the first to answer is bridged with the caller through two media legs
 * that the media plugin anchors. CANCEL while ringing, BYE from either
 * side, re-INVITEs (hold, unhold) and call timers are handled; every end
 * is published with its reason.
 *
 * Handles: the caller's leg (a) is the incoming INVITE's handle, the
 * agent's leg (b) one we create; both carry the call as their magic. */
#include "sip-private.h"
#include "call.h"

#include <sofia-sip/sip_extra.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_tag.h>
#include <string.h>

static void call_end (SipCall *call, const char *reason, const char *by, int status);
static void ring_next (SipCall *call);

static void
call_free (SipCall *call)
{
  g_free (call->id);
  g_free (call->trunk);
  g_free (call->from);
  g_free (call->display);
  g_free (call->to);
  g_free (call->answer_a);
  g_strfreev (call->agents);
  g_free (call->agent);
  g_free (call->queue);
  g_free (call->transfer_to);
  g_free (call->caller_id);
  g_free (call->contact_a);
  g_clear_pointer (&call->trunks, g_ptr_array_unref);
  sip_ivr_call_free (call);
  sip_unref (call->self);
  g_free (call);
}

void
sip_calls_init (Sip *self)
{
  self->calls = g_hash_table_new (g_str_hash, g_str_equal);
  self->busy_agents = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

void
sip_calls_clear (Sip *self)
{
  g_autoptr (GPtrArray) all = g_ptr_array_new ();
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, self->calls);
  while (g_hash_table_iter_next (&it, NULL, &value))
    g_ptr_array_add (all, value);
  for (guint i = 0; i < all->len; i++)
    call_end (g_ptr_array_index (all, i), "failed", "system", 503);
}

/* --- media ------------------------------------------------------------------------------- */

static const char *
sdp_of (const sip_t *sip)
{
  if (sip == NULL || sip->sip_payload == NULL || sip->sip_payload->pl_len == 0)
    return NULL;
  if (sip->sip_content_type && sip->sip_content_type->c_type
      && g_ascii_strcasecmp (sip->sip_content_type->c_type, "application/sdp") != 0)
    return NULL;
  return sip->sip_payload->pl_data;
}

/* The SIP answer for a media error. */
static int
media_status (const GError *e, const char **phrase)
{
  if (e && e->domain == OCC_MEDIA_ERROR && e->code == OCC_MEDIA_ERROR_INVALID)
    {
      *phrase = "Bad SDP";
      return 400;
    }
  if (e && e->domain == OCC_MEDIA_ERROR && e->code == OCC_MEDIA_ERROR_NOT_ACCEPTABLE)
    {
      *phrase = "Not Acceptable Here";
      return 488;
    }
  *phrase = "Media unavailable";
  return 503;
}

static void
free_leg (SipCall *call, OccMediaLeg **leg)
{
  if (*leg)
    call->self->media->leg_free (*leg);
  *leg = NULL;
}

/* The ringing agent's leg is let go (no answer, refusal): its media goes,
 * early media with it (freeing a leg unbridges it). */
static void
agent_leg_gone (SipCall *call)
{
  call->early = FALSE;
  free_leg (call, &call->mb);
}

/* --- events ---------------------------------------------------------------------------------- */

static void
publish (SipCall *call, const char *type, GVariant *payload)
{
  if (call->self->plugin)
    occ_bus_publish (occ_plugin_get_bus (call->self->plugin), call->self->plugin, type, payload,
                     NULL);
  else
    g_variant_unref (g_variant_ref_sink (payload));
}

static void
call_end (SipCall *call, const char *reason, const char *by, int status)
{
  Sip *self = call->self;
  if (call->state == CALL_ENDED)
    return;
  CallState was = call->state;
  call->state = CALL_ENDED;
  if (call->ring_timer)
    g_source_remove (call->ring_timer);
  if (call->max_timer)
    g_source_remove (call->max_timer);
  call->ring_timer = call->max_timer = 0;
  /* the caller hears why, unless it is the one who left or it was answered */
  gboolean a_up = call->outbound ? call->party_answered : was == CALL_CONNECTED || call->a_answered;
  /* the far side of b: an agent, or whom the IVR transferred to */
  gboolean by_b = strcmp (by, "agent") == 0 || strcmp (by, "external") == 0;
  if (call->a && strcmp (by, "caller") != 0)
    {
      if (a_up)
        nua_bye (call->a, TAG_END ());
      else if (call->outbound)
        nua_cancel (call->a, TAG_END ());
      else
        nua_respond (call->a, status >= 300 ? status : 480,
                     sip_status_phrase (status >= 300 ? status : 480), TAG_END ());
    }
  if (call->b && !by_b)
    {
      if (was == CALL_CONNECTED)
        nua_bye (call->b, TAG_END ());
      else
        nua_cancel (call->b, TAG_END ());
    }
  if (call->c)
    {
      /* let go once the CANCEL's 487 arrives (plugin.c) */
      nua_cancel (call->c, TAG_END ());
      nua_handle_bind (call->c, NULL);
      call->c = NULL;
      g_hash_table_remove (self->busy_agents, call->transfer_to);
    }
  if (call->sup)
    sip_supervise_call_ended (call->sup);
  sip_recording_call_ended (self, call->id);
  free_leg (call, &call->mc);
  free_leg (call, &call->mb);
  free_leg (call, &call->ma);
  if (call->agent)
    g_hash_table_remove (self->busy_agents, call->agent);
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "sip-status", "i", status);
  g_variant_dict_insert (&d, "trunk", "s", call->trunk ? call->trunk : "");
  if (call->agent && was == CALL_CONNECTED)
    g_variant_dict_insert (&d, "agent", "s", call->agent);
  if (call->answered)
    g_variant_dict_insert (&d, "talk-seconds", "x",
                           (g_get_monotonic_time () - call->answered) / G_USEC_PER_SEC);
  g_variant_dict_insert (&d, "agents-tried", "u", call->tried);
  sip_ivr_call_ending (call, &d);
  publish (call, OCC_EVENT_INTERACTION_ENDED,
           g_variant_new ("(sss@a{sv})", call->id, reason, by, g_variant_dict_end (&d)));
  g_message ("call %s from %s to %s ended: %s by %s (%d)", call->id, call->from, call->to, reason,
             by, status);
  if (strcmp (reason, "normal") != 0)
    self->calls_failed++;
  g_hash_table_remove (self->calls, call->id);
  /* the handles go; their last events find no call. One we sent a BYE
   * or a CANCEL on goes when that is answered (see plugin.c). */
  if (call->a)
    {
      nua_handle_bind (call->a, NULL);
      gboolean ours_pending = strcmp (by, "caller") != 0 && (a_up || call->outbound);
      if (!ours_pending)
        nua_handle_destroy (call->a);
    }
  if (call->b)
    {
      nua_handle_bind (call->b, NULL);
      if (by_b)
        nua_handle_destroy (call->b);
    }
  call->a = call->b = NULL;
  call_free (call);
}

/* --- the agent's leg ------------------------------------------------------------------------ */

static gboolean
ring_timeout (gpointer data)
{
  SipCall *call = data;
  call->ring_timer = 0;
  g_message ("call %s: %s did not answer", call->id, call->agent);
  nua_handle_t *b = call->b;
  call->b = NULL;
  /* let go once the CANCEL's 487 arrives (plugin.c) */
  nua_cancel (b, TAG_END ());
  nua_handle_bind (b, NULL);
  agent_leg_gone (call);
  g_hash_table_remove (call->self->busy_agents, call->agent);
  ring_next (call);
  return G_SOURCE_REMOVE;
}

static gboolean
max_duration (gpointer data)
{
  SipCall *call = data;
  call->max_timer = 0;
  call_end (call, "timeout", "system", 200);
  return G_SOURCE_REMOVE;
}

#define ANONYMOUS_FROM "\"Anonymous\" <sip:anonymous@anonymous.invalid>"

/* Who the agent's phone shows: the caller's name and number, or
 * Anonymous when the caller withheld them (transfer full). */
static char *
agent_leg_from (SipCall *call)
{
  if (call->withheld || call->from[0] == '\0')
    return g_strdup (ANONYMOUS_FROM);
  if (call->display)
    return g_strdup_printf ("\"%s\" <sip:%s@omnicc>", call->display, call->from);
  return g_strdup_printf ("<sip:%s@omnicc>", call->from);
}

OccMediaLeg *
sip_call_phone_leg (SipCall *call, const char *label, char **offer)
{
  Sip *self = call->self;
  g_autoptr (GError) e = NULL;
  OccMediaLegOptions opts
      = { .call_id = call->id, .label = label, .srtp = self->config.agent_srtp };
  OccMediaLeg *leg = self->media->leg_new (self->media, &opts, &e);
  *offer = leg ? self->media->leg_offer (leg, call->ma, &e) : NULL;
  if (*offer == NULL)
    {
      g_warning ("call %s: no media for %s: %s", call->id, label, e->message);
      free_leg (call, &leg);
    }
  return leg;
}

nua_handle_t *
sip_call_invite_phone (SipCall *call, const char *login, const SipBinding *contact,
                       const char *offer)
{
  Sip *self = call->self;
  g_autofree char *to = g_strdup_printf ("<sip:%s@%s>", login, contact->received);
  g_autofree char *from = agent_leg_from (call);
  g_autofree char *target = g_strdup (contact->contact);
  nua_handle_t *nh = nua_handle (self->nua, call, NUTAG_URL (target), SIPTAG_TO_STR (to),
                                 SIPTAG_FROM_STR (from), TAG_END ());
  /* a phone behind NAT is reached where its REGISTER came from */
  g_autofree char *via
      = g_strdup_printf ("sip:%s;transport=%s", contact->received, contact->transport);
  const char *ours = sip_contact_for (self, contact->transport);
  /* a queue whose calls the phones answer by themselves (dialing ahead):
   * the headers phones honour — Call-Info answer-after (Polycom, Yealink,
   * Snom, baresip) and Alert-Info auto-answer (Cisco, Grandstream) */
  nua_invite (nh, NUTAG_PROXY (via), TAG_IF (ours, SIPTAG_CONTACT_STR (ours)),
              TAG_IF (call->auto_answer,
                      SIPTAG_HEADER_STR ("Call-Info: <sip:127.0.0.1>;answer-after=0\r\n"
                                         "Alert-Info: <http://127.0.0.1/>;info=alert-autoanswer")),
              SIPTAG_CONTENT_TYPE_STR ("application/sdp"), SIPTAG_PAYLOAD_STR (offer), TAG_END ());
  return nh;
}

/* Rings @login at its newest contact; FALSE (nothing done) when it is not
 * registered, already on a call, or no media leg could be made. */
static gboolean
ring_agent (SipCall *call, const char *login)
{
  Sip *self = call->self;
  SipBinding *contact = sip_registrar_contact (self, login);
  if (contact == NULL || g_hash_table_contains (self->busy_agents, login))
    return FALSE;
  g_autofree char *label = g_strconcat ("agent:", login, NULL);
  g_autofree char *offer = NULL;
  call->mb = sip_call_phone_leg (call, label, &offer);
  if (call->mb == NULL)
    return FALSE;
  g_free (call->agent);
  call->agent = g_strdup (login);
  call->tried++;
  g_hash_table_insert (self->busy_agents, g_strdup (login), g_strdup (call->id));
  call->b = sip_call_invite_phone (call, login, contact, offer);
  call->state = CALL_RINGING;
  return TRUE;
}

/* Rings the next agent of the route who is registered and free. */
static void
ring_next (SipCall *call)
{
  while (call->agents && call->agents[call->next_agent])
    {
      const char *login = call->agents[call->next_agent++];
      if (!ring_agent (call, login))
        continue;
      call->ring_timer = g_timeout_add_seconds (call->ring_timeout_s, ring_timeout, call);
      publish (call, OCC_EVENT_INTERACTION_OFFERED,
               g_variant_new_parsed ("(%s, '', %s, @a{sv} {})", call->id, login));
      return;
    }
  /* nobody left */
  call_end (call, call->tried ? "no-answer" : "no-agent", "system", 480);
}

/* A queued call's agent did not take it: the ACD is told and offers it
 * to someone else (or it waits). */
static void
unanswered (SipCall *call, const char *agent, const char *why)
{
  publish (call, OCC_EVENT_INTERACTION_UNANSWERED,
           g_variant_new_parsed ("(%s, %s, %s, @a{sv} {})", call->id, agent, why));
}

/* The ringing agent's side sends media before answering (183 with SDP:
 * an announcement, a ringback of its own): the caller hears it — we
 * bridge now and tell the caller 183 with our answer. */
static void
agent_early_media (SipCall *call, const sip_t *sip)
{
  Sip *self = call->self;
  g_autoptr (GError) e = NULL;
  const char *sdp = sdp_of (sip);
  if (call->early || sdp == NULL || call->outbound)
    return;
  sip_ivr_before_bridge (call);
  if (!self->media->leg_accept_answer (call->mb, sdp, &e)
      || !self->media->bridge (call->ma, call->mb, &e))
    {
      g_message ("call %s: %s's early media is not usable: %s", call->id, call->agent, e->message);
      return;
    }
  call->early = TRUE;
  nua_respond (call->a, SIP_183_SESSION_PROGRESS, SIPTAG_CONTENT_TYPE_STR ("application/sdp"),
               TAG_IF (call->contact_a, SIPTAG_CONTACT_STR (call->contact_a)),
               SIPTAG_PAYLOAD_STR (call->answer_a), TAG_END ());
  g_message ("call %s: early media from %s", call->id, call->agent);
}

static void
agent_answered (SipCall *call, const sip_t *sip)
{
  Sip *self = call->self;
  g_autoptr (GError) e = NULL;
  const char *sdp = sdp_of (sip);
  sip_ivr_before_bridge (call);
  /* after early media the SDP answer is already in (RFC 3261 13.2.1:
   * the 200 repeats it) */
  if (!call->early
      && (sdp == NULL || !self->media->leg_accept_answer (call->mb, sdp, &e)
          || !self->media->bridge (call->ma, call->mb, &e)))
    {
      g_warning ("call %s: %s answered without usable media: %s", call->id, call->agent,
                 e ? e->message : "no SDP");
      nua_bye (call->b, TAG_END ());
      nua_handle_bind (call->b, NULL);
      nua_handle_destroy (call->b);
      call->b = NULL;
      agent_leg_gone (call);
      g_hash_table_remove (self->busy_agents, call->agent);
      if (call->queue)
        {
          call->state = CALL_QUEUED;
          return unanswered (call, call->agent, "refused");
        }
      return ring_next (call);
    }
  if (call->ring_timer)
    g_source_remove (call->ring_timer);
  call->ring_timer = 0;
  if (!call->outbound && !call->a_answered)
    nua_respond (call->a, SIP_200_OK, SIPTAG_CONTENT_TYPE_STR ("application/sdp"),
                 TAG_IF (call->contact_a, SIPTAG_CONTACT_STR (call->contact_a)),
                 SIPTAG_PAYLOAD_STR (call->answer_a), TAG_END ());
  call->state = CALL_CONNECTED;
  call->answered = g_get_monotonic_time ();
  self->calls_answered++;
  sip_call_start_max_timer (call);
  g_message ("call %s from %s answered by %s", call->id, call->from, call->agent);
  SipRecordingCall rc
      = { call->id, call->from, call->to, call->queue, call->agent, call->outbound, call->started };
  sip_recording_answered (self, &rc, call->ma, call->mb);
  publish (call, OCC_EVENT_INTERACTION_CONNECTED,
           g_variant_new_parsed ("(%s, %s, @a{sv} {})", call->id, call->agent));
}

/* --- a new call ------------------------------------------------------------------------------ */

/* The call joins its queue (call->queue); the ACD decides who takes it
 * and answers with interaction.offered. */
void
sip_call_enqueue (SipCall *call, gint priority, const char *const *skills, GVariant *extra)
{
  call->state = CALL_QUEUED;
  publish (call, OCC_EVENT_INTERACTION_ROUTED,
           g_variant_new_parsed ("(%s, 'queue', %s, @a{sv} {})", call->id, call->queue));
  GVariantDict x;
  g_variant_dict_init (&x, extra);
  g_variant_dict_insert (&x, "caller", "s", call->outbound ? call->to : call->from);
  g_variant_dict_insert (&x, "channel", "s", "voice");
  publish (call, OCC_EVENT_INTERACTION_ENQUEUE,
           g_variant_new ("(ssi^as@a{sv})", call->id, call->queue, priority,
                          skills ? skills : (const char *const[]){ NULL },
                          g_variant_dict_end (&x)));
}

static void
enqueue (SipCall *call)
{
  sip_call_enqueue (call, 0, NULL, NULL);
}

static void
refuse (nua_t *nua, nua_handle_t *nh, int status, const char *phrase)
{
  nua_respond (nh, status, phrase, NUTAG_WITH_THIS (nua), TAG_END ());
  nua_handle_destroy (nh);
}

static void
incoming (Sip *self, nua_t *nua, nua_handle_t *nh, const sip_t *sip)
{
  g_autofree char *source = NULL, *host = NULL;
  sip_source_of (nua, &source, &host);
  if (sip_feature_request (self, nh, sip, source))
    return; /* an agent's feature code (features.c) */
  SipTrunk *trunk = sip_trunk_admit (self, nua, nh, sip, host);
  if (trunk == NULL)
    return; /* answered */
  if (self->media == NULL)
    return refuse (nua, nh, 503, "No media");
  const char *offer = sdp_of (sip);
  if (offer == NULL)
    return refuse (nua, nh, 488, "An SDP offer is needed");
  const url_t *ruri = sip->sip_request ? sip->sip_request->rq_url : NULL;
  g_autofree char *to = sip_number_from_user (ruri && ruri->url_user ? ruri->url_user
                                              : sip->sip_to          ? sip->sip_to->a_url->url_user
                                                                     : NULL);
  /* the caller: the trunk's P-Asserted-Identity (a trunk is trusted to
   * assert it), else the From */
  const sip_p_asserted_identity_t *pai = sip_p_asserted_identity (sip);
  const url_t *who = pai ? pai->paid_url : sip->sip_from ? sip->sip_from->a_url : NULL;
  const char *user = who == NULL                ? NULL
                     : who->url_user            ? who->url_user
                     : who->url_type == url_tel ? who->url_host
                                                : NULL;
  g_autofree char *from = sip_number_from_user (user);
  gboolean withheld = from == NULL;
  for (guint i = 0;
       sip->sip_privacy && sip->sip_privacy->priv_values && sip->sip_privacy->priv_values[i]; i++)
    {
      const char *v = sip->sip_privacy->priv_values[i];
      if (g_ascii_strcasecmp (v, "id") == 0 || g_ascii_strcasecmp (v, "user") == 0
          || g_ascii_strcasecmp (v, "header") == 0)
        withheld = TRUE;
    }
  if (to == NULL)
    return refuse (nua, nh, 404, "Not a number");
  SipCall *call = g_new0 (SipCall, 1);
  call->self = sip_ref (self);
  call->id = g_uuid_string_random ();
  call->trunk = g_strdup (trunk->name);
  call->from = from ? g_steal_pointer (&from) : g_strdup ("anonymous");
  call->withheld = withheld;
  call->display = sip_display_name (pai ? pai->paid_display : NULL);
  if (call->display == NULL && sip->sip_from)
    call->display = sip_display_name (sip->sip_from->a_display);
  call->to = g_steal_pointer (&to);
  call->started = g_get_monotonic_time ();
  call->a = nh;
  call->contact_a = g_strdup (sip_contact_for (self, sip_transport_of (sip)));
  nua_handle_bind (nh, call);
  g_hash_table_insert (self->calls, call->id, call);
  self->calls_in++;
  g_autofree char *label = g_strconcat ("trunk:", trunk->name, NULL);
  OccMediaLegOptions opts = { .call_id = call->id,
                              .label = label,
                              .srtp = trunk->srtp,
                              .codecs = (const char *const *) trunk->codecs };
  g_autoptr (GError) e = NULL;
  call->ma = self->media->leg_new (self->media, &opts, &e);
  call->answer_a = call->ma ? self->media->leg_answer_offer (call->ma, offer, &e) : NULL;
  const char *sip_call_id = sip->sip_call_id ? sip->sip_call_id->i_id : "";
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "sip-call-id", "s", sip_call_id);
  g_variant_dict_insert (&d, "source", "s", source);
  g_variant_dict_insert (&d, "withheld", "b", withheld);
  if (call->display)
    g_variant_dict_insert (&d, "display-name", "s", call->display);
  publish (call, OCC_EVENT_INTERACTION_NEW,
           g_variant_new ("(ssssss@a{sv})", call->id, "voice", "inbound", call->from, call->to,
                          trunk->name, g_variant_dict_end (&d)));
  if (call->answer_a == NULL)
    {
      const char *phrase;
      int status = media_status (e, &phrase);
      g_message ("call %s refused: %s", call->id, e->message);
      nua_respond (nh, status, phrase, NUTAG_WITH_THIS (nua), TAG_END ());
      call->a = NULL; /* answered */
      nua_handle_bind (nh, NULL);
      nua_handle_destroy (nh);
      return call_end (call, "failed", "system", status);
    }
  const SipRoute *route = sip_dialplan_match (self->config.routes, call->to);
  if (route == NULL)
    {
      g_message ("call %s to %s: no route", call->id, call->to);
      return call_end (call, "no-route", "system", 404);
    }
  nua_respond (nh, SIP_180_RINGING, NUTAG_WITH_THIS (nua),
               TAG_IF (call->contact_a, SIPTAG_CONTACT_STR (call->contact_a)), TAG_END ());
  if (route->queue)
    {
      call->queue = g_strdup (route->queue);
      return enqueue (call);
    }
  if (route->ivr)
    return sip_ivr_route (call, route);
  publish (call, OCC_EVENT_INTERACTION_ROUTED,
           g_variant_new_parsed ("(%s, 'agent', %s, @a{sv} {})", call->id, route->name));
  call->agents = g_strdupv (route->agents);
  call->ring_timeout_s = route->ring_timeout_s;
  ring_next (call);
}

/* A re-INVITE on an established leg: hold, unhold, a new address. */
static void
reinvite (SipCall *call, nua_t *nua, nua_handle_t *nh, const sip_t *sip)
{
  OccMediaLeg *leg = nh == call->a   ? call->ma
                     : nh == call->b ? call->mb
                     : call->sup     ? sip_supervise_leg (call->sup)
                                     : NULL;
  const char *offer = sdp_of (sip);
  g_autoptr (GError) e = NULL;
  g_autofree char *answer
      = offer && leg ? call->self->media->leg_answer_offer (leg, offer, &e) : NULL;
  if (answer == NULL)
    {
      const char *phrase;
      int status = offer ? media_status (e, &phrase) : 488;
      nua_respond (nh, status, offer ? phrase : "An SDP offer is needed", NUTAG_WITH_THIS (nua),
                   TAG_END ());
      return;
    }
  const char *ours = sip_contact_for (call->self, sip_transport_of (sip));
  nua_respond (nh, SIP_200_OK, NUTAG_WITH_THIS (nua), TAG_IF (ours, SIPTAG_CONTACT_STR (ours)),
               SIPTAG_CONTENT_TYPE_STR ("application/sdp"), SIPTAG_PAYLOAD_STR (answer),
               TAG_END ());
}

/* --- blind transfer by the agent (REFER) ------------------------------------------------------ */

static void
transfer_failed (SipCall *call, const char *why)
{
  g_message ("call %s: transfer to %s failed: %s; %s stays on the call", call->id,
             call->transfer_to, why, call->agent);
  if (call->c)
    {
      nua_handle_bind (call->c, NULL);
      nua_handle_destroy (call->c);
      call->c = NULL;
    }
  free_leg (call, &call->mc);
  g_hash_table_remove (call->self->busy_agents, call->transfer_to);
  g_clear_pointer (&call->transfer_to, g_free);
}

/* The agent's REFER: ring the target; nua tells the agent how it goes
 * (NOTIFY with sipfrag), and on answer the caller is bridged to the new
 * agent and the old one is let go. */
static void
refer (SipCall *call, nua_t *nua, nua_handle_t *nh, const sip_t *sip, tagi_t tags[])
{
  Sip *self = call->self;
  (void) nua;
  if (nh != call->b || call->state != CALL_CONNECTED || call->c)
    {
      g_message ("call %s: a REFER %s is not acted on", call->id,
                 nh != call->b ? "from the caller's side" : "while another transfer runs");
      return;
    }
  const url_t *target = sip && sip->sip_refer_to ? sip->sip_refer_to->r_url : NULL;
  g_autofree char *login
      = target && target->url_user ? g_utf8_casefold (target->url_user, -1) : NULL;
  SipBinding *contact = login ? sip_registrar_contact (self, login) : NULL;
  if (contact == NULL || g_hash_table_contains (self->busy_agents, login))
    {
      g_message ("call %s: %s asked to transfer to %s, who is %s", call->id, call->agent,
                 login ? login : "(nobody)", contact ? "busy" : "not registered");
      nua_notify (nh, NUTAG_SUBSTATE (nua_substate_terminated),
                  SIPTAG_CONTENT_TYPE_STR ("message/sipfrag"),
                  SIPTAG_PAYLOAD_STR ("SIP/2.0 480 Temporarily Unavailable\r\n"),
                  SIPTAG_EVENT_STR ("refer"), TAG_END ());
      return;
    }
  g_autofree char *label = g_strconcat ("agent:", login, NULL);
  g_autofree char *offer = NULL;
  call->mc = sip_call_phone_leg (call, label, &offer);
  if (call->mc == NULL)
    return;
  call->transfer_to = g_strdup (login);
  g_hash_table_insert (self->busy_agents, g_strdup (login), g_strdup (call->id));
  g_autofree char *to = g_strdup_printf ("<sip:%s@%s>", login, contact->received);
  g_autofree char *from = agent_leg_from (call);
  g_autofree char *via
      = g_strdup_printf ("sip:%s;transport=%s", contact->received, contact->transport);
  call->c = nua_handle (self->nua, call, NUTAG_URL (contact->contact), SIPTAG_TO_STR (to),
                        SIPTAG_FROM_STR (from), TAG_END ());
  /* the REFER's subscription, which nua keeps informed of c's progress */
  sip_event_t const *refer_event = NULL;
  tl_gets (tags, NUTAG_REFER_EVENT_REF (refer_event), TAG_END ());
  const char *ours = sip_contact_for (self, contact->transport);
  nua_invite (call->c, NUTAG_PROXY (via), NUTAG_NOTIFY_REFER (nh),
              TAG_IF (ours, SIPTAG_CONTACT_STR (ours)),
              TAG_IF (refer_event, NUTAG_REFER_EVENT (refer_event)),
              SIPTAG_CONTENT_TYPE_STR ("application/sdp"), SIPTAG_PAYLOAD_STR (offer), TAG_END ());
  g_message ("call %s: %s transfers the caller to %s", call->id, call->agent, login);
  publish (call, OCC_EVENT_INTERACTION_OFFERED,
           g_variant_new_parsed ("(%s, '', %s, {'transferred-by': <%s>})", call->id, login,
                                 call->agent));
}

static void
transfer_answered (SipCall *call, const sip_t *sip)
{
  Sip *self = call->self;
  g_autoptr (GError) e = NULL;
  const char *sdp = sdp_of (sip);
  if (sdp == NULL || !self->media->leg_accept_answer (call->mc, sdp, &e))
    {
      nua_bye (call->c, TAG_END ());
      return transfer_failed (call, e ? e->message : "no SDP");
    }
  if (!sip_call_replace_agent (call, call->c, call->mc, call->transfer_to, "transferred-by", &e))
    {
      nua_bye (call->c, TAG_END ());
      return transfer_failed (call, e->message);
    }
  call->c = NULL;
  call->mc = NULL;
  g_clear_pointer (&call->transfer_to, g_free);
  if (call->sup)
    sip_supervise_reapply (call->sup); /* the supervisor hears the new agent */
}

gboolean
sip_call_replace_agent (SipCall *call, nua_handle_t *nh, OccMediaLeg *leg, const char *login,
                        const char *why, GError **error)
{
  Sip *self = call->self;
  self->media->unbridge (call->ma);
  if (!self->media->bridge (call->ma, leg, error))
    {
      self->media->bridge (call->ma, call->mb, NULL);
      return FALSE;
    }
  /* the old agent goes (its handle when the BYE is answered: after a
   * transfer the stack still tells it how it went); the new one takes
   * its place */
  nua_bye (call->b, TAG_END ());
  nua_handle_bind (call->b, NULL);
  free_leg (call, &call->mb);
  g_hash_table_remove (self->busy_agents, call->agent);
  g_autofree char *previous = g_steal_pointer (&call->agent);
  call->b = nh;
  call->mb = leg;
  call->agent = g_strdup (login);
  sip_recording_agent_changed (self, call->id, call->mb);
  g_message ("call %s: %s from %s to %s", call->id, why, previous, call->agent);
  GVariantDict x;
  g_variant_dict_init (&x, NULL);
  g_variant_dict_insert (&x, why, "s", previous);
  publish (call, OCC_EVENT_INTERACTION_CONNECTED,
           g_variant_new ("(ss@a{sv})", call->id, call->agent, g_variant_dict_end (&x)));
  return TRUE;
}

/* --- calls we place (the voice service) ----------------------------------------------------- */

static void
progress (SipCall *call, const char *state, int status, const char *reason)
{
  publish (call, OCC_EVENT_VOICE_PROGRESS,
           g_variant_new_parsed ("(%s, %s, {'trunk': <%s>, 'sip-status': <%i>, 'reason': <%s>})",
                                 call->id, state, call->trunk ? call->trunk : "", status,
                                 reason ? reason : ""));
}

static int
by_order (gconstpointer a, gconstpointer b)
{
  const SipTrunk *x = *(SipTrunk *const *) a, *y = *(SipTrunk *const *) b;
  return (int) x->order - (int) y->order;
}

nua_handle_t *
sip_call_invite_trunk (SipCall *call, SipTrunk *t, const char *number, const char *offer)
{
  Sip *self = call->self;
  /* presentation: the call's number or the trunk's; withheld, the
   * operator still gets the trunk's in P-Asserted-Identity */
  const char *cid = call->withheld    ? t->caller_id
                    : call->caller_id ? call->caller_id
                                      : t->caller_id;
  g_autofree char *to = g_strdup_printf ("<sip:%s@%s>", number, t->address);
  g_autofree char *from = call->withheld || cid == NULL
                              ? g_strdup (ANONYMOUS_FROM)
                              : g_strdup_printf ("<sip:%s@%s>", cid, t->from_domain);
  g_autofree char *pai = cid ? g_strdup_printf ("<sip:%s@%s>", cid, t->from_domain) : NULL;
  g_autofree char *url
      = g_strdup_printf ("sip:%s@%s;transport=%s", number, t->address, t->transport);
  nua_handle_t *nh = nua_handle (self->nua, call, NUTAG_URL (url), SIPTAG_TO_STR (to),
                                 SIPTAG_FROM_STR (from), TAG_END ());
  const char *ours = sip_contact_for (self, t->transport);
  nua_invite (nh, TAG_IF (ours, SIPTAG_CONTACT_STR (ours)),
              TAG_IF (pai, SIPTAG_P_ASSERTED_IDENTITY_STR (pai)),
              TAG_IF (call->withheld || cid == NULL, SIPTAG_PRIVACY_STR ("id")),
              SIPTAG_CONTENT_TYPE_STR ("application/sdp"), SIPTAG_PAYLOAD_STR (offer), TAG_END ());
  return nh;
}

GPtrArray *
sip_trunks_in_order (Sip *self)
{
  GPtrArray *all = g_ptr_array_new ();
  for (guint i = 0; i < self->config.trunks->len; i++)
    g_ptr_array_add (all, g_ptr_array_index (self->config.trunks, i));
  g_ptr_array_sort (all, by_order);
  return all;
}

/* Dials the called party through the next trunk; FALSE when none is left. */
static gboolean
dial_next_trunk (SipCall *call)
{
  Sip *self = call->self;
  while (call->trunks->len)
    {
      SipTrunk *t = g_ptr_array_steal_index (call->trunks, 0);
      if (t->checked && !t->up)
        {
          g_message ("call %s: trunk %s is down, skipped", call->id, t->name);
          continue;
        }
      free_leg (call, &call->ma);
      if (call->a)
        {
          nua_handle_bind (call->a, NULL);
          nua_handle_destroy (call->a);
          call->a = NULL;
        }
      g_autoptr (GError) e = NULL;
      g_autofree char *label = g_strconcat ("trunk:", t->name, NULL);
      OccMediaLegOptions opts = { .call_id = call->id,
                                  .label = label,
                                  .srtp = t->srtp,
                                  .codecs = (const char *const *) t->codecs };
      call->ma = self->media->leg_new (self->media, &opts, &e);
      g_autofree char *offer = call->ma ? self->media->leg_offer (call->ma, NULL, &e) : NULL;
      if (offer == NULL)
        {
          g_warning ("call %s: no media for trunk %s: %s", call->id, t->name, e->message);
          continue;
        }
      g_free (call->trunk);
      call->trunk = g_strdup (t->name);
      call->auth_tries = 0;
      call->a = sip_call_invite_trunk (call, t, call->to, offer);
      call->state = CALL_DIALING;
      progress (call, "trying", 0, NULL);
      return TRUE;
    }
  return FALSE;
}

static void
party_answered (SipCall *call, const sip_t *sip)
{
  Sip *self = call->self;
  g_autoptr (GError) e = NULL;
  const char *sdp = sdp_of (sip);
  if (sdp == NULL || !self->media->leg_accept_answer (call->ma, sdp, &e))
    {
      progress (call, "failed", 200, e ? e->message : "no SDP in the answer");
      return call_end (call, "failed", "system", 488);
    }
  call->party_answered = TRUE;
  call->answered = g_get_monotonic_time ();
  progress (call, "answered", 200, NULL);
  if (call->queue)
    enqueue (call); /* the agent's leg then as for a named agent (on_offered) */
  else if (call->agents && call->agents[0])
    ring_next (call);
  else
    call->state = CALL_CONNECTED;
}

const char *
sip_dial_verdict (int status)
{
  /* the trunk failed us, not the called party: the next trunk */
  /* (401/407 here: our credentials were refused) */
  gboolean trunk_fault = status == 408 || status == 503 || status == 500 || status >= 900
                         || status == 401 || status == 407
                         || (status >= 500 && status < 600 && status != 503 && status != 600);
  if (trunk_fault)
    return NULL;
  return status == 486 || status == 600                    ? "busy"
         : status == 480 || status == 487 || status == 408 ? "no-answer"
                                                           : "failed";
}

/* The INVITE to the called party was answered with a final status. */
static void
dialed (SipCall *call, int status, const char *phrase, const sip_t *sip)
{
  if (status >= 200 && status < 300)
    return party_answered (call, sip);
  const char *state = sip_dial_verdict (status);
  if (state == NULL)
    {
      g_message ("call %s: trunk %s answered %d %s; trying the next", call->id, call->trunk, status,
                 phrase);
      if (dial_next_trunk (call))
        return;
      progress (call, "failed", status, "no trunk could place the call");
      return call_end (call, "failed", "system", status);
    }
  progress (call, state, status, phrase);
  call_end (call, state, "system", status);
}

/* A call we place: on answer @agent is rung, or the call joins @queue
 * (at most one of them). */
static char *
place_call (Sip *self, const char *number, const char *caller_id, const char *agent,
            const char *queue, GError **error)
{
  g_autofree char *to = sip_number_from_user (number);
  gboolean withheld = g_strcmp0 (caller_id, "anonymous") == 0;
  if (to == NULL || (caller_id && !withheld && !sip_number_is_valid (caller_id)))
    {
      g_set_error (error, OCC_VOICE_ERROR, OCC_VOICE_ERROR_INVALID, "“%s” is not a number to call",
                   number ? number : "");
      return NULL;
    }
  if (self->media == NULL || self->config.trunks->len == 0)
    {
      g_set_error_literal (error, OCC_VOICE_ERROR, OCC_VOICE_ERROR_UNAVAILABLE,
                           self->media ? "no trunk is configured" : "no media plugin");
      return NULL;
    }
  SipCall *call = g_new0 (SipCall, 1);
  call->self = sip_ref (self);
  call->id = g_uuid_string_random ();
  call->outbound = TRUE;
  call->to = g_steal_pointer (&to);
  call->from = g_strdup (caller_id ? caller_id : "");
  call->withheld = withheld;
  call->caller_id = withheld ? NULL : g_strdup (caller_id);
  call->started = g_get_monotonic_time ();
  if (agent)
    {
      call->agents = g_new0 (char *, 2);
      call->agents[0] = g_utf8_casefold (agent, -1);
    }
  call->queue = g_strdup (queue);
  call->ring_timeout_s = 30;
  call->trunks = sip_trunks_in_order (self);
  g_hash_table_insert (self->calls, call->id, call);
  publish (call, OCC_EVENT_INTERACTION_NEW,
           g_variant_new_parsed ("(%s, 'voice', 'outbound', %s, %s, '', @a{sv} {})", call->id,
                                 call->from, call->to));
  char *id = g_strdup (call->id);
  if (!dial_next_trunk (call))
    {
      progress (call, "failed", 0, "every trunk is down");
      call_end (call, "failed", "system", 503);
    }
  return id;
}

static char *
voice_originate (const OccVoiceService *service, const char *number, const char *caller_id,
                 const char *agent, GError **error)
{
  Sip *self = (Sip *) ((char *) service - G_STRUCT_OFFSET (Sip, voice));
  return place_call (self, number, caller_id, agent, NULL, error);
}

static char *
voice_originate_queue (const OccVoiceService *service, const char *number, const char *caller_id,
                       const char *queue, GError **error)
{
  Sip *self = (Sip *) ((char *) service - G_STRUCT_OFFSET (Sip, voice));
  if (queue == NULL || *queue == '\0')
    {
      g_set_error_literal (error, OCC_VOICE_ERROR, OCC_VOICE_ERROR_INVALID,
                           "a queue is needed for the answered call to wait in");
      return NULL;
    }
  return place_call (self, number, caller_id, NULL, queue, error);
}

static gboolean
voice_hangup (const OccVoiceService *service, const char *id, GError **error)
{
  Sip *self = (Sip *) ((char *) service - G_STRUCT_OFFSET (Sip, voice));
  SipCall *call = id ? g_hash_table_lookup (self->calls, id) : NULL;
  if (call == NULL)
    {
      g_set_error (error, OCC_VOICE_ERROR, OCC_VOICE_ERROR_NOT_FOUND, "no call “%s”", id ? id : "");
      return FALSE;
    }
  call_end (call, "normal", "system", 200);
  return TRUE;
}

void
sip_voice_init (Sip *self)
{
  self->voice = (OccVoiceService){
    .header = OCC_SERVICE_HEADER (OccVoiceService, OCC_VOICE_VERSION),
    .originate = voice_originate,
    .hangup = voice_hangup,
    .originate_queue = voice_originate_queue,
  };
  sip_ivr_voice_init (&self->voice);
}

void
sip_call_event (Sip *self, nua_event_t event, int status, const char *phrase, nua_t *nua,
                nua_handle_t *nh, SipCall *call, const sip_t *sip, tagi_t tags[])
{
  if (call == NULL)
    {
      if (event == nua_i_invite)
        incoming (self, nua, nh, sip);
      return;
    }
  if (call->sup && sip_supervise_event (call->sup, event, status, nh, sip))
    return; /* the supervisor's phone (supervise.c) */
  switch (event)
    {
    case nua_i_invite:
      reinvite (call, nua, nh, sip);
      break;
    case nua_r_invite:
      if (sip_ivr_invite_response (call, nh, status, phrase, sip))
        break;
      if (call->outbound && nh == call->a && call->state == CALL_DIALING)
        {
          if (status == 180 || status == 183)
            progress (call, "ringing", status, phrase);
          else if ((status == 401 || status == 407) && call->auth_tries++ < 2
                   && sip_trunk_authenticate (sip_trunk_by_name (self, call->trunk), nh, sip))
            g_debug ("call %s: trunk %s asked for credentials", call->id, call->trunk);
          else if (status >= 200)
            dialed (call, status, phrase, sip);
          break;
        }
      if (nh == call->c)
        {
          if (status >= 200 && status < 300)
            transfer_answered (call, sip);
          else if (status >= 300)
            transfer_failed (call, phrase ? phrase : "refused");
          break;
        }
      if (nh != call->b || call->state != CALL_RINGING)
        break;
      if ((status == 180 || status == 183) && sdp_of (sip))
        agent_early_media (call, sip);
      else if (status >= 200 && status < 300)
        agent_answered (call, sip);
      else if (status >= 300)
        {
          g_message ("call %s: %s answered %d %s", call->id, call->agent, status, phrase);
          if (call->ring_timer)
            g_source_remove (call->ring_timer);
          call->ring_timer = 0;
          nua_handle_bind (call->b, NULL);
          nua_handle_destroy (call->b);
          call->b = NULL;
          agent_leg_gone (call);
          g_hash_table_remove (self->busy_agents, call->agent);
          if (call->queue)
            {
              call->state = CALL_QUEUED;
              unanswered (call, call->agent,
                          status == 408 || status == 480 ? "no-answer" : "refused");
            }
          else
            ring_next (call);
        }
      break;
    case nua_i_cancel:
      if (nh == call->a)
        {
          call->a = NULL; /* nua answered the CANCEL and the INVITE (487) */
          nua_handle_bind (nh, NULL);
          nua_handle_destroy (nh);
          call_end (call, "abandoned", "caller", 487);
        }
      break;
    case nua_i_refer:
      refer (call, nua, nh, sip, tags);
      break;
    case nua_i_bye:
      if (nh == call->c)
        transfer_failed (call, "the new agent hung up");
      else if (nh == call->a)
        call_end (call, "normal", "caller", 200);
      else if (nh == call->b && !sip_ivr_agent_left (call))
        call_end (call, "normal", call->agent ? "agent" : "external", 200);
      break;
    default:
      break;
    }
}

/* Whether @leg still hears its peer: TRUE if it received since last time,
 * or is not meant to (on hold), or the silence is shorter than @limit. */
static gboolean
leg_alive (Sip *self, OccMediaLeg *leg, guint64 *rx, gint64 *at, gint64 now, guint limit)
{
  if (leg == NULL)
    return TRUE;
  g_autoptr (GVariant) st = self->media->leg_stats (leg);
  guint64 packets = 0;
  const char *dir = "inactive";
  g_variant_lookup (st, "packets-received", "t", &packets);
  g_variant_lookup (st, "direction", "&s", &dir);
  gboolean expects = strcmp (dir, "sendrecv") == 0 || strcmp (dir, "recvonly") == 0;
  if (packets != *rx || !expects || *at == 0)
    {
      *rx = packets;
      *at = now;
      return TRUE;
    }
  return now - *at < (gint64) limit;
}

gboolean
sip_calls_sweep (gpointer data)
{
  Sip *self = data;
  guint limit = self->config.media_timeout_s;
  if (limit == 0 || self->media == NULL)
    return G_SOURCE_CONTINUE;
  gint64 now = g_get_monotonic_time () / G_USEC_PER_SEC;
  g_autoptr (GPtrArray) silent = g_ptr_array_new ();
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, self->calls);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      SipCall *c = value;
      if (c->state != CALL_CONNECTED)
        continue;
      gboolean a = leg_alive (self, c->ma, &c->rx_a, &c->rx_a_at, now, limit);
      gboolean b = leg_alive (self, c->mb, &c->rx_b, &c->rx_b_at, now, limit);
      if (!a || !b)
        {
          g_message ("call %s: no media from the %s for %u s", c->id,
                     !a ? (c->outbound ? "called party" : "caller") : "agent", limit);
          g_ptr_array_add (silent, c);
        }
    }
  for (guint i = 0; i < silent->len; i++)
    call_end (g_ptr_array_index (silent, i), "media-timeout", "system", 408);
  return G_SOURCE_CONTINUE;
}

/* --- the ACD's decisions --------------------------------------------------------------------- */

static SipCall *
queued_call (Sip *self, const char *id)
{
  SipCall *call = id ? g_hash_table_lookup (self->calls, id) : NULL;
  return call && call->queue && call->state != CALL_ENDED ? call : NULL;
}

/* interaction.offered: ring that agent. */
static void
on_offered (const OccEvent *event, gpointer data)
{
  Sip *self = data;
  const char *id, *queue, *agent;
  g_autoptr (GVariant) extra = NULL;
  g_variant_get (occ_event_get_payload (event), "(&s&s&s@a{sv})", &id, &queue, &agent, &extra);
  SipCall *call = queued_call (self, id);
  if (call == NULL || *queue == '\0')
    return; /* not ours, or our own hunting's */
  gboolean auto_answer = FALSE;
  call->auto_answer = g_variant_lookup (extra, "auto-answer", "b", &auto_answer) && auto_answer;
  if (call->state != CALL_QUEUED || self->media == NULL)
    return unanswered (call, agent, "refused"); /* (one agent rings at a time) */
  if (!ring_agent (call, agent))
    return unanswered (call, agent, "unreachable");
  g_message ("call %s in %s: ringing %s", call->id, call->queue, agent);
}

/* acd.offer.revoked: stop ringing that agent; the call waits on. */
static void
on_revoked (const OccEvent *event, gpointer data)
{
  Sip *self = data;
  const char *id, *agent;
  g_variant_get (occ_event_get_payload (event), "(&s&s@a{sv})", &id, &agent, NULL);
  SipCall *call = queued_call (self, id);
  if (call == NULL || call->state != CALL_RINGING || g_strcmp0 (call->agent, agent) != 0)
    return;
  nua_handle_t *b = call->b;
  call->b = NULL;
  /* let go once the CANCEL's 487 arrives (plugin.c) */
  nua_cancel (b, TAG_END ());
  nua_handle_bind (b, NULL);
  agent_leg_gone (call);
  g_hash_table_remove (self->busy_agents, call->agent);
  call->state = CALL_QUEUED;
}

/* acd.left: the call left its queue unanswered (time-out, full…). */
static void
on_left (const OccEvent *event, gpointer data)
{
  Sip *self = data;
  const char *id, *queue, *reason;
  g_variant_get (occ_event_get_payload (event), "(&s&s&s@a{sv})", &id, &queue, &reason, NULL);
  SipCall *call = queued_call (self, id);
  if (call == NULL || call->state == CALL_CONNECTED)
    return;
  g_message ("call %s left queue %s: %s", call->id, queue, reason);
  if (sip_ivr_left (call))
    return;
  g_autofree char *why = g_strconcat ("queue-", reason, NULL);
  call_end (call, why, "system", 480);
}

gboolean
sip_calls_subscribe (Sip *self, GError **error)
{
  OccBus *bus = occ_plugin_get_bus (self->plugin);
  return occ_bus_subscribe (bus, self->plugin, OCC_EVENT_INTERACTION_OFFERED, on_offered, self,
                            NULL, error)
             != 0
         && occ_bus_subscribe (bus, self->plugin, OCC_EVENT_ACD_OFFER_REVOKED, on_revoked, self,
                               NULL, error)
                != 0
         && occ_bus_subscribe (bus, self->plugin, OCC_EVENT_ACD_LEFT, on_left, self, NULL, error)
                != 0;
}

GVariant *
sip_calls_list (Sip *self)
{
  static const char *const states[]
      = { "routing", "queued", "dialing", "ringing", "connected", "ended", "ivr" };
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, self->calls);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      SipCall *c = value;
      GVariantDict d;
      g_variant_dict_init (&d, NULL);
      g_variant_dict_insert (&d, "id", "s", c->id);
      g_variant_dict_insert (&d, "from", "s", c->from);
      g_variant_dict_insert (&d, "to", "s", c->to);
      g_variant_dict_insert (&d, "trunk", "s", c->trunk ? c->trunk : "");
      g_variant_dict_insert (&d, "direction", "s", c->outbound ? "outbound" : "inbound");
      g_variant_dict_insert (&d, "state", "s", states[c->state]);
      if (c->agent)
        g_variant_dict_insert (&d, "agent", "s", c->agent);
      g_variant_dict_insert (&d, "seconds", "x",
                             (g_get_monotonic_time () - c->started) / G_USEC_PER_SEC);
      if (c->ma)
        g_variant_dict_insert_value (&d, "trunk-media", self->media->leg_stats (c->ma));
      if (c->mb)
        g_variant_dict_insert_value (&d, "agent-media", self->media->leg_stats (c->mb));
      sip_recording_describe (self, c->id, &d);
      g_variant_builder_add_value (&b, g_variant_dict_end (&d));
    }
  return g_variant_builder_end (&b);
}

/* --- what supervise.c needs of a call ----------------------------------------------------------- */

SipCall *
sip_call_find (Sip *self, const char *id)
{
  SipCall *call = id ? g_hash_table_lookup (self->calls, id) : NULL;
  return call && call->state != CALL_ENDED ? call : NULL;
}

Sip *
sip_call_sip (SipCall *call)
{
  return call->self;
}

const char *
sip_call_get_id (SipCall *call)
{
  return call->id;
}

const char *
sip_call_agent (SipCall *call)
{
  return call->agent;
}

const char *
sip_call_queue (SipCall *call)
{
  return call->queue;
}

gboolean
sip_call_connected (SipCall *call)
{
  return call->state == CALL_CONNECTED && call->ma && call->mb && call->b;
}

OccMediaLeg *
sip_call_caller_leg (SipCall *call)
{
  return call->ma;
}

OccMediaLeg *
sip_call_agent_leg (SipCall *call)
{
  return call->mb;
}

SipSupervision **
sip_call_supervision (SipCall *call)
{
  return &call->sup;
}

/* --- for ivr-calls.c ------------------------------------------------------------------------ */

void
sip_call_end (SipCall *call, const char *reason, const char *by, int status)
{
  call_end (call, reason, by, status);
}

void
sip_call_publish (SipCall *call, const char *type, GVariant *payload)
{
  publish (call, type, payload);
}

void
sip_call_start_max_timer (SipCall *call)
{
  guint max = call->self->config.max_call_s;
  if (max && call->max_timer == 0)
    call->max_timer = g_timeout_add_seconds (max, max_duration, call);
}
