/* sip: agents' feature codes. An INVITE from a registered agent's phone —
 * sent from the address and over the transport of one of that agent's
 * bindings, with the agent's login as its From user — to a number that
 * begins with '*' is not a call: the agent asks for a state change (log
 * in, ready, not ready with a reason, log out). It is published as
 * sip.feature; the ACD answers with acd.feature.result, and the phone
 * hears that as the INVITE's final answer: 200 when it worked (no media:
 * every stream is declined, and we hang up once the ACK came), 404 or 403
 * when it did not, each with a Warning that names what happened, which
 * phones show. Until the IVR brings prompts, nothing is played.
 *
 * The From alone proves nothing; the source address does as much as it
 * does for calls to that phone (which go where its REGISTER came from). */
#include "sip-private.h"

#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <string.h>

#define FEATURE_MAX_CODE 32
/* How long the ACD may take to answer (the same main loop: milliseconds;
 * only a missing acd plugin lets this run out). */
#define FEATURE_ANSWER_S 5
/* After our 200, how long the phone has to ACK before we let go. */
#define FEATURE_ACK_S 40

typedef struct {
  Sip *self;
  char *id;
  char *login;
  nua_handle_t *nh;
  char *answer;        /* our SDP for the 200: the offer's streams declined */
  const char *contact; /* ours for its transport (the plugin's), or NULL */
  gboolean answered;   /* 200 sent: waiting for the ACK */
  guint timer;
} SipFeature;

static void
feature_free (SipFeature *f)
{
  if (f->timer)
    g_source_remove (f->timer);
  g_free (f->id);
  g_free (f->login);
  g_free (f->answer);
  g_free (f);
}

void
sip_features_init (Sip *self)
{
  self->features
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) feature_free);
}

void
sip_features_clear (Sip *self)
{
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, self->features);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      SipFeature *f = value;
      if (!f->answered)
        nua_respond (f->nh, 503, "Shutting down", TAG_END ());
      nua_handle_destroy (f->nh);
    }
  g_hash_table_remove_all (self->features);
}

/* A token of an SDP line we repeat: printable ASCII, no space. */
static gboolean
sdp_token (const char *s)
{
  if (*s == '\0' || strlen (s) > 64)
    return FALSE;
  for (; *s; s++)
    if (*s <= ' ' || *s > '~')
      return FALSE;
  return TRUE;
}

/* An SDP answer that declines every stream of @offer (port 0, RFC 3264
 * section 6): the dialog is set up, no media flows. Without an offer (or
 * none we can read), one declined audio stream. (transfer full) */
static char *
declined_sdp (const char *offer)
{
  GString *s = g_string_new ("v=0\r\no=omnicc 0 0 IN IP4 0.0.0.0\r\ns=-\r\n"
                             "c=IN IP4 0.0.0.0\r\nt=0 0\r\n");
  guint streams = 0;
  g_auto (GStrv) lines = offer ? g_strsplit (offer, "\n", 0) : NULL;
  for (guint i = 0; lines && lines[i] && streams < 16; i++)
    {
      if (!g_str_has_prefix (lines[i], "m="))
        continue;
      g_auto (GStrv) f = g_strsplit (g_strstrip (lines[i] + 2), " ", 0);
      gboolean ok = g_strv_length (f) >= 4;
      for (guint k = 0; ok && f[k]; k++)
        ok = sdp_token (f[k]);
      if (!ok)
        continue;
      g_autofree char *formats = g_strjoinv (" ", f + 3);
      g_string_append_printf (s, "m=%s 0 %s %s\r\n", f[0], f[2], formats);
      streams++;
    }
  if (streams == 0)
    g_string_append (s, "m=audio 0 RTP/AVP 0\r\n");
  return g_string_free (s, FALSE);
}

/* "399 omnicc \"TEXT\"" (RFC 3261 section 20.43), TEXT made safe for a
 * quoted string. (transfer full) */
static char *
warning_of (const char *text)
{
  g_autofree char *whole = g_utf8_make_valid (text, -1);
  g_autofree char *valid = g_utf8_substring (whole, 0, MIN (g_utf8_strlen (whole, -1), 100));
  for (char *c = valid; *c; c++)
    if ((guchar) *c < ' ' || *c == '"' || *c == '\\' || *c == 0x7f)
      *c = ' ';
  return g_strdup_printf ("399 omnicc \"%s\"", valid);
}

/* The dialed code: '*' then digits, '*' and '#' (a phone may escape
 * them), or NULL when @user is not a feature code. (transfer full) */
static char *
feature_code (const char *user)
{
  g_autofree char *code = user ? g_uri_unescape_string (user, NULL) : NULL;
  if (code == NULL || code[0] != '*' || strlen (code) > FEATURE_MAX_CODE)
    return NULL;
  for (const char *c = code; *c; c++)
    if (!g_ascii_isdigit (*c) && *c != '*' && *c != '#')
      return NULL;
  return g_steal_pointer (&code);
}

static void
publish (Sip *self, const char *type, GVariant *payload)
{
  g_autoptr (GError) e = NULL;
  if (!occ_bus_publish (occ_plugin_get_bus (self->plugin), self->plugin, type, payload, &e))
    g_warning ("%s: %s", type, e->message);
}

/* Answers @f with a failure (status and the Warning's @text) and forgets it. */
static void
feature_refuse (SipFeature *f, int status, const char *text)
{
  g_autofree char *warning = warning_of (text);
  nua_respond (f->nh, status, sip_status_phrase (status), SIPTAG_WARNING_STR (warning), TAG_END ());
  nua_handle_destroy (f->nh);
  g_hash_table_remove (f->self->features, f->id);
}

static gboolean
no_answer (gpointer data)
{
  SipFeature *f = data;
  f->timer = 0;
  if (f->answered)
    {
      /* no ACK: the stack ends the dialog with the handle */
      g_message ("feature code of %s: no ACK for our 200", f->login);
      nua_handle_destroy (f->nh);
      g_hash_table_remove (f->self->features, f->id);
    }
  else
    {
      g_message ("feature code of %s: nobody answered it (is the acd plugin enabled?)", f->login);
      feature_refuse (f, 480, "no ACD answered");
    }
  return G_SOURCE_REMOVE;
}

gboolean
sip_feature_request (Sip *self, nua_handle_t *nh, const sip_t *sip, const char *source)
{
  const url_t *ruri = sip->sip_request ? sip->sip_request->rq_url : NULL;
  g_autofree char *code = feature_code (ruri ? ruri->url_user : NULL);
  if (code == NULL || sip->sip_from == NULL || sip->sip_from->a_url->url_user == NULL)
    return FALSE;
  const char *transport = sip_transport_of (sip);
  g_autofree char *login
      = sip_registrar_phone_login (self, sip->sip_from->a_url->url_user, source, transport);
  if (login == NULL)
    return FALSE; /* not a registered phone: like any INVITE (403 unless a trunk's) */
  SipFeature *f = g_new0 (SipFeature, 1);
  f->self = self;
  f->id = g_uuid_string_random ();
  f->login = g_strdup (login);
  f->nh = nh;
  const char *offer
      = sip->sip_payload && sip->sip_payload->pl_len ? sip->sip_payload->pl_data : NULL;
  f->answer = declined_sdp (offer);
  f->contact = sip_contact_for (self, transport);
  f->timer = g_timeout_add_seconds (FEATURE_ANSWER_S, no_answer, f);
  g_hash_table_insert (self->features, f->id, f);
  g_message ("%s dials feature code %s from %s", login, code, source);
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "source", "s", source);
  g_variant_dict_insert (&d, "transport", "s", transport);
  if (sip->sip_call_id)
    g_variant_dict_insert (&d, "sip-call-id", "s", sip->sip_call_id->i_id);
  publish (self, SIP_EVENT_FEATURE,
           g_variant_new ("(sss@a{sv})", f->id, login, code, g_variant_dict_end (&d)));
  return TRUE;
}

/* acd.feature.result: the phone hears how it went. */
static void
on_result (const OccEvent *event, gpointer data)
{
  Sip *self = data;
  const char *id, *login, *text;
  gboolean done;
  g_autoptr (GVariant) extra = NULL;
  g_variant_get (occ_event_get_payload (event), "(&s&sb&s@a{sv})", &id, &login, &done, &text,
                 &extra);
  SipFeature *f = g_hash_table_lookup (self->features, id);
  if (f == NULL || f->answered)
    return; /* the phone gave up (CANCEL), or another answered first */
  const char *error = "";
  g_variant_lookup (extra, "error", "&s", &error);
  g_message ("feature code of %s: %s%s", f->login, done ? "" : "refused: ", text);
  if (!done)
    {
      /* a code nobody knows is not found; the rest is not allowed */
      gboolean unknown
          = strcmp (error, "unknown-code") == 0 || strcmp (error, "unknown-reason") == 0;
      return feature_refuse (f, unknown ? 404 : 403, text);
    }
  g_autofree char *warning = warning_of (text);
  nua_respond (f->nh, SIP_200_OK, TAG_IF (f->contact, SIPTAG_CONTACT_STR (f->contact)),
               SIPTAG_WARNING_STR (warning), SIPTAG_CONTENT_TYPE_STR ("application/sdp"),
               SIPTAG_PAYLOAD_STR (f->answer), TAG_END ());
  f->answered = TRUE;
  g_source_remove (f->timer);
  f->timer = g_timeout_add_seconds (FEATURE_ACK_S, no_answer, f);
}

static SipFeature *
feature_of (Sip *self, nua_handle_t *nh)
{
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, self->features);
  while (g_hash_table_iter_next (&it, NULL, &value))
    if (((SipFeature *) value)->nh == nh)
      return value;
  return NULL;
}

gboolean
sip_feature_event (Sip *self, nua_event_t event, nua_handle_t *nh)
{
  SipFeature *f = nh ? feature_of (self, nh) : NULL;
  if (f == NULL)
    return FALSE;
  switch (event)
    {
    case nua_i_ack:
      /* the answer was heard: hang up (the handle goes when the BYE is
       * answered, see plugin.c) */
      if (!f->answered)
        return TRUE;
      nua_bye (nh, TAG_END ());
      g_hash_table_remove (self->features, f->id);
      return TRUE;
    case nua_i_cancel: /* the stack answered 487 */
    case nua_i_bye:    /* the phone hung up first; the stack answered 200 */
      nua_handle_destroy (nh);
      g_hash_table_remove (self->features, f->id);
      return TRUE;
    default:
      return TRUE;
    }
}

gboolean
sip_features_start (Sip *self, GError **error)
{
  OccBus *bus = occ_plugin_get_bus (self->plugin);
  return occ_bus_register_type (bus, self->plugin, SIP_EVENT_FEATURE, "(sssa{sv})",
                                "An agent dialed a feature code from a registered phone: (id, "
                                "login, code such as *23, extra: source, transport, "
                                "sip-call-id). Answer with " SIP_EVENT_FEATURE_RESULT ".",
                                error)
         && occ_bus_subscribe (bus, self->plugin, SIP_EVENT_FEATURE_RESULT, on_result, self, NULL,
                               error)
                != 0;
}
