/* sip: the IVR's control of a call (the voice service, version 3). An
 * inbound call on an `ivr = FLOW` route is handed to the ivr service,
 * which answers it, plays to it, queues it (with music on hold), takes it
 * out of its queue again, transfers it to an outside number, and gets it
 * back for a survey when the agent hangs up. See README.md ("Calls in the
 * IVR"). Main thread only. */
#include "call.h"

#include <omnicc/ivr.h>
#include <sofia-sip/sip_status.h>
#include <string.h>

static Sip *
sip_of (const OccVoiceService *voice)
{
  return (Sip *) ((char *) voice - G_STRUCT_OFFSET (Sip, voice));
}

/* Inbound call @id, not over; NULL with OCC_VOICE_ERROR_NOT_FOUND. */
static SipCall *
ivr_call (Sip *self, const char *id, GError **error)
{
  SipCall *call = id ? g_hash_table_lookup (self->calls, id) : NULL;
  if (call == NULL || call->outbound || call->state == CALL_ENDED || call->a == NULL)
    {
      g_set_error (error, OCC_VOICE_ERROR, OCC_VOICE_ERROR_NOT_FOUND, "no inbound call “%s”",
                   id ? id : "");
      return NULL;
    }
  return call;
}

/* An inbound call, or an outbound one its called party answered (the
 * dialer's: the customer's leg, taken out of its queue for the
 * information message). */
static SipCall *
answered_call (Sip *self, const char *id, GError **error)
{
  SipCall *call = id ? g_hash_table_lookup (self->calls, id) : NULL;
  if (call && call->outbound && call->party_answered && call->state != CALL_ENDED)
    return call;
  return ivr_call (self, id, error);
}

static const char *
payload_sdp (const sip_t *sip)
{
  return sip && sip->sip_payload && sip->sip_payload->pl_len ? sip->sip_payload->pl_data : NULL;
}

void
sip_ivr_before_bridge (SipCall *call)
{
  const OccMediaService *media = call->self->media;
  call->moh = FALSE;
  if (call->ma && OCC_SERVICE_HAS (media, play_stop))
    media->play_stop (call->ma);
}

/* --- handing the call to the ivr service ------------------------------------------------- */

static gboolean
start_ivr (SipCall *call, const char *flow, gboolean survey, GError **error)
{
  Sip *self = call->self;
  if (self->plugin == NULL)
    {
      g_set_error_literal (error, OCC_IVR_ERROR, OCC_IVR_ERROR_NO_FLOW, "the sip plugin is gone");
      return FALSE;
    }
  const OccIvrService *ivr
      = occ_service_lookup (self->plugin, OCC_IVR_SERVICE, OCC_IVR_VERSION, error);
  if (ivr == NULL)
    return FALSE;
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "caller", "s", call->from);
  g_variant_dict_insert (&d, "called", "s", call->to);
  g_variant_dict_insert (&d, "trunk", "s", call->trunk ? call->trunk : "");
  g_variant_dict_insert (&d, "survey", "b", survey);
  g_autoptr (GVariant) info = g_variant_ref_sink (g_variant_dict_end (&d));
  return ivr->start (ivr, call->id, flow, info, error);
}

/* start() may already have answered, queued or hung up the call: it is
 * looked up again by its id. */
static void
start_or_end (SipCall *call, const char *flow, gboolean survey, const char *reason, int status)
{
  Sip *self = call->self;
  g_autofree char *id = g_strdup (call->id);
  g_autoptr (GError) e = NULL;
  if (start_ivr (call, flow, survey, &e))
    return;
  g_message ("call %s: the IVR did not take flow %s: %s", id, flow, e->message);
  call = g_hash_table_lookup (self->calls, id);
  if (call)
    sip_call_end (call, reason, "system", status);
}

void
sip_ivr_route (SipCall *call, const SipRoute *route)
{
  call->ivr_owned = TRUE;
  sip_call_publish (call, OCC_EVENT_INTERACTION_ROUTED,
                    g_variant_new_parsed ("(%s, 'ivr', %s, @a{sv} {})", call->id, route->ivr));
  start_or_end (call, route->ivr, FALSE, "no-ivr", 503);
}

gboolean
sip_ivr_agent_left (SipCall *call)
{
  Sip *self = call->self;
  if (call->survey == NULL || call->state != CALL_CONNECTED || call->agent == NULL)
    return FALSE;
  /* nua answered the agent's BYE: its handle and leg go, the caller stays */
  nua_handle_bind (call->b, NULL);
  nua_handle_destroy (call->b);
  call->b = NULL;
  g_clear_pointer (&call->mb, self->media->leg_free);
  g_hash_table_remove (self->busy_agents, call->agent);
  /* the agent's part is over (the ACD starts its wrap-up); the caller's
   * goes on in the survey */
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "agent", "s", call->agent);
  g_variant_dict_insert (&d, "survey", "b", TRUE);
  g_variant_dict_insert (&d, "trunk", "s", call->trunk ? call->trunk : "");
  g_variant_dict_insert (&d, "talk-seconds", "x",
                         (g_get_monotonic_time () - call->answered) / G_USEC_PER_SEC);
  sip_call_publish (
      call, OCC_EVENT_INTERACTION_ENDED,
      g_variant_new ("(sss@a{sv})", call->id, "normal", "agent", g_variant_dict_end (&d)));
  g_message ("call %s: %s hung up; the caller goes to survey %s", call->id, call->agent,
             call->survey);
  g_clear_pointer (&call->agent, g_free);
  g_clear_pointer (&call->queue, g_free);
  call->state = CALL_IVR;
  call->a_answered = TRUE;
  call->ivr_owned = TRUE;
  g_autofree char *flow = g_steal_pointer (&call->survey);
  start_or_end (call, flow, TRUE, "normal", 200);
  return TRUE;
}

/* --- the queue ------------------------------------------------------------------------------ */

/* Back in the IVR's hands, out of the queue. */
static void
back_to_ivr (SipCall *call)
{
  /* the music on hold stops (and only it: whoever took the call out of
   * the queue may already play something else to it) */
  if (call->moh)
    sip_ivr_before_bridge (call);
  call->moh = FALSE;
  if (call->state == CALL_QUEUED)
    call->state
        = call->a_answered || (call->outbound && call->party_answered) ? CALL_IVR : CALL_ROUTING;
}

gboolean
sip_ivr_left (SipCall *call)
{
  if (!call->ivr_owned)
    return FALSE;
  back_to_ivr (call);
  g_clear_pointer (&call->queue, g_free);
  return TRUE;
}

/* "name" or "name:level" skills: the names, and the levels in @extra's
 * "skill-levels" (the ACD's form). (transfer full) */
static GVariant *
enqueue_extra (const char *const *skills, GVariant *extra, GPtrArray *names)
{
  GVariantDict d;
  g_variant_dict_init (&d, extra);
  GVariantBuilder levels;
  g_variant_builder_init (&levels, G_VARIANT_TYPE ("a{su}"));
  gboolean any = FALSE;
  for (guint i = 0; skills && skills[i]; i++)
    {
      g_auto (GStrv) kv = g_strsplit (skills[i], ":", 2);
      g_ptr_array_add (names, g_strdup (kv[0]));
      guint64 level = 0;
      if (kv[1] && g_ascii_string_to_unsigned (kv[1], 10, 1, 100, &level, NULL))
        {
          g_variant_builder_add (&levels, "{su}", kv[0], (guint32) level);
          any = TRUE;
        }
    }
  GVariant *l = g_variant_builder_end (&levels);
  if (any)
    g_variant_dict_insert_value (&d, "skill-levels", l);
  else
    g_variant_unref (g_variant_ref_sink (l));
  g_ptr_array_add (names, NULL);
  return g_variant_ref_sink (g_variant_dict_end (&d));
}

static gboolean
voice_enqueue (const OccVoiceService *voice, const char *id, const char *queue, gint priority,
               const char *const *skills, GVariant *extra, const char *moh, const char *survey,
               GError **error)
{
  Sip *self = sip_of (voice);
  SipCall *call = ivr_call (self, id, error);
  if (call == NULL)
    return FALSE;
  if (queue == NULL || *queue == '\0' || call->x
      || (call->state != CALL_IVR && call->state != CALL_ROUTING))
    {
      g_set_error (error, OCC_VOICE_ERROR, OCC_VOICE_ERROR_INVALID,
                   "call %s cannot join queue “%s” now (%s)", id, queue ? queue : "",
                   call->state == CALL_IVR || call->state == CALL_ROUTING ? "being transferred"
                                                                          : "not in the IVR");
      return FALSE;
    }
  g_free (call->queue);
  call->queue = g_strdup (queue);
  g_free (call->survey);
  call->survey = g_strdup (survey);
  call->ivr_owned = TRUE;
  if (moh && call->a_answered && OCC_SERVICE_HAS (self->media, play))
    {
      g_autoptr (GError) e = NULL;
      const char *const files[] = { moh, NULL };
      if (!self->media->play (call->ma, files, OCC_MEDIA_PLAY_LOOP, NULL, NULL, NULL, &e))
        g_message ("call %s: no music on hold: %s", id, e->message);
      else
        call->moh = TRUE;
    }
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GVariant) x = enqueue_extra (skills, extra, names);
  sip_call_enqueue (call, priority, (const char *const *) names->pdata, x);
  return TRUE;
}

static gboolean
voice_dequeue (const OccVoiceService *voice, const char *id, const char *reason, GError **error)
{
  Sip *self = sip_of (voice);
  SipCall *call = answered_call (self, id, error);
  if (call == NULL)
    return FALSE;
  if (call->queue == NULL || (call->state != CALL_QUEUED && call->state != CALL_RINGING))
    {
      g_set_error (error, OCC_VOICE_ERROR, OCC_VOICE_ERROR_INVALID, "call %s waits in no queue",
                   id);
      return FALSE;
    }
  /* the queue is forgotten when the ACD answers acd.left (its
   * acd.offer.revoked first stops an agent's phone that rings); whoever
   * took the call out holds it now: acd.left does not end it */
  call->ivr_owned = TRUE;
  back_to_ivr (call);
  g_autoptr (GError) e = NULL;
  if (self->plugin == NULL
      || !occ_bus_publish (occ_plugin_get_bus (self->plugin), self->plugin, OCC_EVENT_ACD_WITHDRAW,
                           g_variant_new ("(ss)", id, reason ? reason : "withdrawn"), &e))
    {
      /* no ACD: nobody holds the call in a queue */
      g_message ("call %s: no ACD to withdraw it from %s: %s", id, call->queue,
                 e ? e->message : "unloaded");
      call->state = call->a_answered ? CALL_IVR : CALL_ROUTING;
      g_clear_pointer (&call->queue, g_free);
    }
  return TRUE;
}

/* --- answer, and the caller's leg ------------------------------------------------------------ */

static gboolean
voice_answer (const OccVoiceService *voice, const char *id, GError **error)
{
  SipCall *call = ivr_call (sip_of (voice), id, error);
  if (call == NULL)
    return FALSE;
  if (call->a_answered || call->state == CALL_CONNECTED)
    return TRUE;
  nua_respond (call->a, SIP_200_OK, SIPTAG_CONTENT_TYPE_STR ("application/sdp"),
               TAG_IF (call->contact_a, SIPTAG_CONTACT_STR (call->contact_a)),
               SIPTAG_PAYLOAD_STR (call->answer_a), TAG_END ());
  call->a_answered = TRUE;
  if (call->state == CALL_ROUTING)
    call->state = CALL_IVR;
  sip_call_start_max_timer (call);
  g_message ("call %s from %s answered for the IVR", call->id, call->from);
  return TRUE;
}

static OccMediaLeg *
voice_caller_leg (const OccVoiceService *voice, const char *id)
{
  SipCall *call = answered_call (sip_of (voice), id, NULL);
  return call ? call->ma : NULL;
}

/* --- blind transfer to an outside number ---------------------------------------------------- */

static void
progress (SipCall *call, const char *state, int status, const char *reason)
{
  sip_call_publish (call, OCC_EVENT_VOICE_PROGRESS,
                    g_variant_new_parsed ("(%s, %s, {'trunk': <%s>, 'sip-status': <%i>, "
                                          "'reason': <%s>, 'transfer-to': <%s>})",
                                          call->id, state, call->x_trunk ? call->x_trunk : "",
                                          status, reason ? reason : "", call->x_number));
}

static void
drop_x (SipCall *call)
{
  if (call->x)
    {
      nua_handle_bind (call->x, NULL);
      nua_handle_destroy (call->x);
      call->x = NULL;
    }
  if (call->mx)
    call->self->media->leg_free (call->mx);
  call->mx = NULL;
}

/* Dials x_number through the next trunk that is not known to be down;
 * FALSE when none is left. */
static gboolean
dial_next (SipCall *call)
{
  Sip *self = call->self;
  while (call->x_trunks->len)
    {
      SipTrunk *t = g_ptr_array_steal_index (call->x_trunks, 0);
      if (t->checked && !t->up)
        continue;
      drop_x (call);
      g_autoptr (GError) e = NULL;
      g_autofree char *label = g_strconcat ("external:", t->name, NULL);
      OccMediaLegOptions opts = { .call_id = call->id,
                                  .label = label,
                                  .srtp = t->srtp,
                                  .codecs = (const char *const *) t->codecs };
      call->mx = self->media->leg_new (self->media, &opts, &e);
      g_autofree char *offer = call->mx ? self->media->leg_offer (call->mx, call->ma, &e) : NULL;
      if (offer == NULL)
        {
          g_warning ("call %s: no media for the transfer via %s: %s", call->id, t->name,
                     e->message);
          continue;
        }
      g_free (call->x_trunk);
      call->x_trunk = g_strdup (t->name);
      call->x_auth_tries = 0;
      call->x = sip_call_invite_trunk (call, t, call->x_number, offer);
      progress (call, "trying", 0, NULL);
      return TRUE;
    }
  return FALSE;
}

static void
transfer_fails (SipCall *call, const char *state, int status, const char *why)
{
  g_message ("call %s: transfer to %s failed: %s", call->id, call->x_number, why);
  progress (call, state, status, why);
  drop_x (call);
  sip_call_end (call, "transfer-failed", "system", status >= 300 ? status : 500);
}

static void
transfer_answered (SipCall *call, const sip_t *sip)
{
  Sip *self = call->self;
  g_autoptr (GError) e = NULL;
  const char *sdp = payload_sdp (sip);
  sip_ivr_before_bridge (call);
  if (sdp == NULL || !self->media->leg_accept_answer (call->mx, sdp, &e)
      || !self->media->bridge (call->ma, call->mx, &e))
    {
      /* hung up again; its handle goes when the BYE is answered */
      nua_bye (call->x, TAG_END ());
      nua_handle_bind (call->x, NULL);
      call->x = NULL;
      return transfer_fails (call, "failed", 200, e ? e->message : "no SDP in the answer");
    }
  /* the outside party takes the agent's place */
  call->b = g_steal_pointer (&call->x);
  call->mb = g_steal_pointer (&call->mx);
  call->state = CALL_CONNECTED;
  call->answered = g_get_monotonic_time ();
  call->ivr_owned = FALSE;
  g_clear_pointer (&call->survey, g_free);
  progress (call, "answered", 200, NULL);
  g_message ("call %s transferred to %s", call->id, call->x_number);
}

gboolean
sip_ivr_invite_response (SipCall *call, nua_handle_t *nh, int status, const char *phrase,
                         const sip_t *sip)
{
  if (nh == NULL || nh != call->x)
    return FALSE;
  if (status == 180 || status == 183)
    progress (call, "ringing", status, phrase);
  else if ((status == 401 || status == 407) && call->x_auth_tries++ < 2
           && sip_trunk_authenticate (sip_trunk_by_name (call->self, call->x_trunk), nh, sip))
    g_debug ("call %s: trunk %s asked for credentials", call->id, call->x_trunk);
  else if (status >= 200 && status < 300)
    transfer_answered (call, sip);
  else if (status >= 300)
    {
      const char *state = sip_dial_verdict (status);
      if (state == NULL && dial_next (call))
        return TRUE;
      transfer_fails (call, state ? state : "failed", status, phrase ? phrase : "refused");
    }
  return TRUE;
}

static gboolean
voice_transfer (const OccVoiceService *voice, const char *id, const char *number, GError **error)
{
  Sip *self = sip_of (voice);
  SipCall *call = ivr_call (self, id, error);
  if (call == NULL)
    return FALSE;
  g_autofree char *to = sip_number_from_user (number);
  if (to == NULL)
    {
      g_set_error (error, OCC_VOICE_ERROR, OCC_VOICE_ERROR_INVALID, "“%s” is not a number to call",
                   number ? number : "");
      return FALSE;
    }
  if (call->x || (call->state != CALL_IVR && call->state != CALL_ROUTING))
    {
      g_set_error (error, OCC_VOICE_ERROR, OCC_VOICE_ERROR_INVALID,
                   "call %s is not held by the IVR (queued, with an agent, or being transferred)",
                   id);
      return FALSE;
    }
  if (self->media == NULL || self->config.trunks->len == 0)
    {
      g_set_error_literal (error, OCC_VOICE_ERROR, OCC_VOICE_ERROR_UNAVAILABLE,
                           self->media ? "no trunk is configured" : "no media plugin");
      return FALSE;
    }
  if (!voice_answer (voice, id, error))
    return FALSE;
  g_free (call->x_number);
  call->x_number = g_steal_pointer (&to);
  g_clear_pointer (&call->x_trunks, g_ptr_array_unref);
  call->x_trunks = sip_trunks_in_order (self);
  sip_call_publish (
      call, OCC_EVENT_INTERACTION_ROUTED,
      g_variant_new_parsed ("(%s, 'external', %s, @a{sv} {})", call->id, call->x_number));
  g_message ("call %s: the IVR transfers it to %s", call->id, call->x_number);
  if (!dial_next (call))
    transfer_fails (call, "failed", 503, "every trunk is down");
  return TRUE;
}

/* --- the call's end -------------------------------------------------------------------------- */

void
sip_ivr_call_ending (SipCall *call, GVariantDict *d)
{
  if (call->x)
    {
      /* let go once the CANCEL's answer arrives (plugin.c) */
      nua_cancel (call->x, TAG_END ());
      nua_handle_bind (call->x, NULL);
      call->x = NULL;
    }
  drop_x (call);
  if (call->x_number)
    g_variant_dict_insert (d, "transfer-to", "s", call->x_number);
}

void
sip_ivr_call_free (SipCall *call)
{
  g_free (call->survey);
  g_free (call->x_number);
  g_free (call->x_trunk);
  g_clear_pointer (&call->x_trunks, g_ptr_array_unref);
}

void
sip_ivr_voice_init (OccVoiceService *voice)
{
  voice->answer = voice_answer;
  voice->caller_leg = voice_caller_leg;
  voice->enqueue = voice_enqueue;
  voice->dequeue = voice_dequeue;
  voice->transfer = voice_transfer;
}
