/* sip: supervisors on live calls — listen, whisper, barge, take over (the
 * supervise service and its commands). See README.md, "Supervision".
 *
 * The supervisor's phone is rung like an agent's, with a media leg (ms)
 * of its own that is in no bridge: what it hears, and who hears it, is
 * set with the media service's hear() on the three legs:
 *   listen    hear (ms, {ma, mb})
 *   whisper   and hear (mb, {ma, ms})
 *   barge     and hear (ma, {mb, ms})
 * Taking over bridges the caller to ms instead of the agent, whose leg is
 * hung up (calls.c, as for a blind transfer); the supervisor is then the
 * call's agent and the supervision is over.
 *
 * The supervisor's handle is bound to the call, so its events come
 * through calls.c, which hands them here first. */
#include "sip-private.h"

#include <sofia-sip/sip_status.h>
#include <string.h>

#define SUPERVISOR_RING_S 30

struct _SipSupervision {
  SipCall *call;
  char *supervisor; /* folded login */
  OccSuperviseMode mode;
  nua_handle_t *hs;
  OccMediaLeg *ms;
  gboolean answered;
  guint ring_timer;
};

static Sip *
sip_of (const OccSuperviseService *service)
{
  return (Sip *) ((char *) service - G_STRUCT_OFFSET (Sip, supervise));
}

static void
publish_state (SipSupervision *s, const char *mode, const char *reason)
{
  GVariantDict x;
  g_variant_dict_init (&x, NULL);
  if (reason)
    g_variant_dict_insert (&x, "reason", "s", reason);
  if (!s->answered && reason == NULL)
    g_variant_dict_insert (&x, "ringing", "b", TRUE);
  if (sip_call_agent (s->call))
    g_variant_dict_insert (&x, "agent", "s", sip_call_agent (s->call));
  sip_call_publish (s->call, OCC_EVENT_SUPERVISE_STATE,
                    g_variant_new ("(sss@a{sv})", sip_call_get_id (s->call), s->supervisor, mode,
                                   g_variant_dict_end (&x)));
}

/* Who hears whom for the mode (listen, whisper, barge). */
static gboolean
apply (SipSupervision *s, GError **error)
{
  const OccMediaService *media = sip_call_sip (s->call)->media;
  OccMediaLeg *ma = sip_call_caller_leg (s->call), *mb = sip_call_agent_leg (s->call);
  OccMediaLeg *both[] = { ma, mb }, *agent_hears[] = { ma, s->ms }, *caller_hears[] = { mb, s->ms };
  gboolean whisper = s->mode == OCC_SUPERVISE_WHISPER || s->mode == OCC_SUPERVISE_BARGE;
  gboolean barge = s->mode == OCC_SUPERVISE_BARGE;
  /* the call's recording: in barge the supervisor is heard, on the
   * agent's channel */
  sip_recording_supervisor (sip_call_sip (s->call), sip_call_get_id (s->call), s->ms, barge);
  return media->hear (s->ms, both, 2, error)
         && media->hear (mb, whisper ? agent_hears : NULL, whisper ? 2 : 0, error)
         && media->hear (ma, barge ? caller_hears : NULL, barge ? 2 : 0, error);
}

/* The caller and the agent hear each other alone again. */
static void
reset_hearing (SipSupervision *s)
{
  const OccMediaService *media = sip_call_sip (s->call)->media;
  OccMediaLeg *ma = sip_call_caller_leg (s->call), *mb = sip_call_agent_leg (s->call);
  if (ma)
    media->hear (ma, NULL, 0, NULL);
  if (mb)
    media->hear (mb, NULL, 0, NULL);
}

static void
supervision_free (SipSupervision *s)
{
  if (s->ring_timer)
    g_source_remove (s->ring_timer);
  *sip_call_supervision (s->call) = NULL;
  g_free (s->supervisor);
  g_free (s);
}

/* Ends @s: the supervisor's phone is hung up (unless @hung_up: it left)
 * or no longer rung, the two parties hear each other alone again. */
static void
supervision_end (SipSupervision *s, const char *reason, gboolean hung_up)
{
  Sip *self = sip_call_sip (s->call);
  if (s->hs)
    {
      nua_handle_bind (s->hs, NULL);
      /* let go when the BYE or CANCEL is answered (plugin.c) */
      if (hung_up)
        nua_handle_destroy (s->hs);
      else if (s->answered)
        nua_bye (s->hs, TAG_END ());
      else
        nua_cancel (s->hs, TAG_END ());
    }
  if (s->ms)
    {
      reset_hearing (s);
      self->media->leg_free (s->ms);
    }
  g_hash_table_remove (self->busy_agents, s->supervisor);
  g_message ("call %s: %s no longer supervises it (%s)", sip_call_get_id (s->call), s->supervisor,
             reason);
  publish_state (s, "ended", reason);
  supervision_free (s);
}

static gboolean
ring_timeout (gpointer data)
{
  SipSupervision *s = data;
  s->ring_timer = 0;
  supervision_end (s, "no-answer", FALSE);
  return G_SOURCE_REMOVE;
}

/* The caller goes to the supervisor; the agent's leg is hung up. */
static void
take_over (SipSupervision *s)
{
  g_autoptr (GError) e = NULL;
  reset_hearing (s);
  sip_call_sip (s->call)->media->hear (s->ms, NULL, 0, NULL);
  g_autofree char *agent = g_strdup (sip_call_agent (s->call));
  if (!sip_call_replace_agent (s->call, s->hs, s->ms, s->supervisor, "taken-over-from", &e))
    {
      g_warning ("call %s: %s cannot take it over: %s", sip_call_get_id (s->call), s->supervisor,
                 e->message);
      return supervision_end (s, "failed", FALSE);
    }
  /* the call owns the phone and its leg now; the supervisor stays busy
   * (as the call's agent) */
  s->hs = NULL;
  s->ms = NULL;
  g_message ("call %s: %s took it over from %s", sip_call_get_id (s->call), s->supervisor, agent);
  publish_state (s, "takeover", NULL);
  supervision_free (s);
}

/* Sets @s's mode on its legs; takeover is final. */
static gboolean
enter_mode (SipSupervision *s, OccSuperviseMode mode, GError **error)
{
  s->mode = mode;
  if (!s->answered)
    {
      publish_state (s, occ_supervise_mode_name (mode), NULL);
      return TRUE; /* applied on answer */
    }
  if (mode == OCC_SUPERVISE_TAKEOVER)
    {
      take_over (s);
      return TRUE;
    }
  if (!apply (s, error))
    return FALSE;
  publish_state (s, occ_supervise_mode_name (mode), NULL);
  return TRUE;
}

static void
answered (SipSupervision *s, const sip_t *sip)
{
  Sip *self = sip_call_sip (s->call);
  g_autoptr (GError) e = NULL;
  const char *sdp = sip && sip->sip_payload ? sip->sip_payload->pl_data : NULL;
  if (s->ring_timer)
    g_source_remove (s->ring_timer);
  s->ring_timer = 0;
  s->answered = TRUE;
  if (sdp == NULL || !self->media->leg_accept_answer (s->ms, sdp, &e)
      || !enter_mode (s, s->mode, &e))
    {
      g_warning ("call %s: %s answered without usable media: %s", sip_call_get_id (s->call),
                 s->supervisor, e ? e->message : "no SDP");
      supervision_end (s, "failed", FALSE);
    }
}

gboolean
sip_supervise_event (SipSupervision *s, nua_event_t event, int status, nua_handle_t *nh,
                     const sip_t *sip)
{
  if (nh == NULL || nh != s->hs)
    return FALSE;
  switch (event)
    {
    case nua_r_invite:
      if (!s->answered && status >= 200 && status < 300)
        answered (s, sip);
      else if (!s->answered && status >= 300)
        {
          g_message ("call %s: %s's phone answered %d", sip_call_get_id (s->call), s->supervisor,
                     status);
          s->hs = NULL; /* the INVITE is over: nothing to cancel */
          nua_handle_bind (nh, NULL);
          nua_handle_destroy (nh);
          supervision_end (s, "refused", FALSE);
        }
      return TRUE;
    case nua_i_bye:
      supervision_end (s, "supervisor-hung-up", TRUE);
      return TRUE;
    case nua_i_invite:
      return FALSE; /* a re-INVITE (hold): calls.c answers it with our leg */
    default:
      return TRUE;
    }
}

const char *
sip_supervise_login (SipSupervision *s)
{
  return s->supervisor;
}

OccMediaLeg *
sip_supervise_leg (SipSupervision *s)
{
  return s->answered ? s->ms : NULL;
}

void
sip_supervise_reapply (SipSupervision *s)
{
  g_autoptr (GError) e = NULL;
  if (s->answered && !apply (s, &e))
    supervision_end (s, "failed", FALSE);
}

void
sip_supervise_call_ended (SipSupervision *s)
{
  supervision_end (s, "call-ended", FALSE);
}

/* --- the service -------------------------------------------------------------------------------- */

static SipCall *
supervised_call (Sip *self, const char *id, GError **error)
{
  SipCall *call = sip_call_find (self, id);
  if (call == NULL)
    g_set_error (error, OCC_SUPERVISE_ERROR, OCC_SUPERVISE_ERROR_NOT_FOUND, "no call “%s”",
                 id ? id : "");
  return call;
}

static gboolean
svc_start (const OccSuperviseService *service, const char *id, const char *supervisor,
           OccSuperviseMode mode, GError **error)
{
  Sip *self = sip_of (service);
  if (supervisor == NULL || *supervisor == '\0' || occ_supervise_mode_name (mode) == NULL)
    {
      g_set_error_literal (error, OCC_SUPERVISE_ERROR, OCC_SUPERVISE_ERROR_INVALID,
                           "a supervisor's login and a mode are needed");
      return FALSE;
    }
  if (self->media == NULL || !OCC_SERVICE_HAS (self->media, hear))
    {
      g_set_error_literal (error, OCC_SUPERVISE_ERROR, OCC_SUPERVISE_ERROR_UNAVAILABLE,
                           "the media service cannot mix (version 2 needed)");
      return FALSE;
    }
  SipCall *call = supervised_call (self, id, error);
  if (call == NULL)
    return FALSE;
  g_autofree char *login = g_utf8_casefold (supervisor, -1);
  SipSupervision **slot = sip_call_supervision (call);
  if (*slot)
    {
      g_set_error (error, OCC_SUPERVISE_ERROR, OCC_SUPERVISE_ERROR_BUSY,
                   "call “%s” is already supervised by %s", id, (*slot)->supervisor);
      return FALSE;
    }
  if (!sip_call_connected (call))
    {
      g_set_error (error, OCC_SUPERVISE_ERROR, OCC_SUPERVISE_ERROR_NOT_CONNECTED,
                   "call “%s” has no agent talking yet", id);
      return FALSE;
    }
  SipBinding *contact = sip_registrar_contact (self, login);
  if (contact == NULL || g_hash_table_contains (self->busy_agents, login))
    {
      g_set_error (error, OCC_SUPERVISE_ERROR, OCC_SUPERVISE_ERROR_UNAVAILABLE, "%s %s", login,
                   contact ? "is on a call" : "has no registered phone");
      return FALSE;
    }
  g_autofree char *label = g_strconcat ("supervisor:", login, NULL);
  g_autofree char *offer = NULL;
  OccMediaLeg *ms = sip_call_phone_leg (call, label, &offer);
  if (ms == NULL)
    {
      g_set_error (error, OCC_SUPERVISE_ERROR, OCC_SUPERVISE_ERROR_UNAVAILABLE,
                   "no media for %s's phone", login);
      return FALSE;
    }
  SipSupervision *s = g_new0 (SipSupervision, 1);
  s->call = call;
  s->supervisor = g_steal_pointer (&login);
  s->mode = mode;
  s->ms = ms;
  *slot = s;
  g_hash_table_insert (self->busy_agents, g_strdup (s->supervisor), g_strdup (id));
  s->hs = sip_call_invite_phone (call, s->supervisor, contact, offer);
  s->ring_timer = g_timeout_add_seconds (SUPERVISOR_RING_S, ring_timeout, s);
  g_message ("call %s: ringing %s to %s it", id, s->supervisor, occ_supervise_mode_name (mode));
  publish_state (s, occ_supervise_mode_name (mode), NULL);
  return TRUE;
}

static SipSupervision *
supervision_of (Sip *self, const char *id, GError **error)
{
  SipCall *call = supervised_call (self, id, error);
  if (call == NULL)
    return NULL;
  SipSupervision *s = *sip_call_supervision (call);
  if (s == NULL)
    g_set_error (error, OCC_SUPERVISE_ERROR, OCC_SUPERVISE_ERROR_NOT_FOUND,
                 "nobody supervises call “%s”", id);
  return s;
}

static gboolean
svc_change (const OccSuperviseService *service, const char *id, OccSuperviseMode mode,
            GError **error)
{
  SipSupervision *s = supervision_of (sip_of (service), id, error);
  if (s == NULL)
    return FALSE;
  if (occ_supervise_mode_name (mode) == NULL)
    {
      g_set_error_literal (error, OCC_SUPERVISE_ERROR, OCC_SUPERVISE_ERROR_INVALID, "no such mode");
      return FALSE;
    }
  return enter_mode (s, mode, error);
}

static gboolean
svc_stop (const OccSuperviseService *service, const char *id, GError **error)
{
  SipSupervision *s = supervision_of (sip_of (service), id, error);
  if (s == NULL)
    return FALSE;
  supervision_end (s, "stopped", FALSE);
  return TRUE;
}

void
sip_supervise_init (Sip *self)
{
  self->supervise = (OccSuperviseService){
    .header = OCC_SERVICE_HEADER (OccSuperviseService, OCC_SUPERVISE_VERSION),
    .start = svc_start,
    .change = svc_change,
    .stop = svc_stop,
  };
}

gboolean
sip_supervise_start (Sip *self, GError **error)
{
  return occ_bus_register_type (occ_plugin_get_bus (self->plugin), self->plugin,
                                OCC_EVENT_SUPERVISE_STATE, "(sssa{sv})",
                                "A supervisor on a call: (interaction id, supervisor, "
                                "listen|whisper|barge|takeover|ended, extra: reason, ringing, "
                                "agent).",
                                error)
         && sip_supervise_commands_register (self, error)
         && occ_service_provide (self->plugin, OCC_SUPERVISE_SERVICE, &self->supervise, error);
}

void
sip_supervise_stop (Sip *self)
{
  if (self->plugin)
    occ_service_withdraw (self->plugin, OCC_SUPERVISE_SERVICE);
}
