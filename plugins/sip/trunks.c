/* sip: trunks — the operator's side. Inbound INVITEs are accepted only
 * from a trunk's addresses; OPTIONS keep-alives mark each trunk up or
 * down, published on the bus (outbound calls skip trunks that are down).
 * A trunk with credentials answers the operator's digest challenges, and
 * may register with it. */
#include "sip-private.h"

#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <string.h>

#define REGISTER_RETRY_S 30

static void
publish_state (Sip *self, SipTrunk *t, int status, const char *phrase)
{
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "status", "i", status);
  g_variant_dict_insert (&d, "reason", "s", phrase ? phrase : "");
  g_variant_dict_insert (&d, "address", "s", t->address);
  occ_bus_publish (
      occ_plugin_get_bus (self->plugin), self->plugin, SIP_EVENT_TRUNK_STATE,
      g_variant_new ("(ss@a{sv})", t->name, t->up ? "up" : "down", g_variant_dict_end (&d)), NULL);
}

static void
send_options (Sip *self, SipTrunk *t)
{
  if (t->options == NULL)
    {
      g_autofree char *url = g_strdup_printf ("sip:%s;transport=%s", t->address, t->transport);
      t->options = nua_handle (self->nua, NULL, NUTAG_URL (url), SIPTAG_TO_STR (url), TAG_END ());
    }
  nua_options (t->options, TAG_END ());
}

/* --- digest towards the operator ------------------------------------------------------ */

gboolean
sip_trunk_authenticate (SipTrunk *t, nua_handle_t *nh, const sip_t *sip)
{
  if (t == NULL || t->username == NULL || sip == NULL)
    return FALSE;
  const msg_auth_t *challenge
      = sip->sip_www_authenticate ? sip->sip_www_authenticate : sip->sip_proxy_authenticate;
  const char *realm = challenge ? msg_params_find (challenge->au_params, "realm=") : NULL;
  if (challenge == NULL || challenge->au_scheme == NULL || realm == NULL || strchr (realm, ':'))
    return FALSE;
  /* sofia-sip's credentials: scheme:"realm":user:password; the realm as
   * quoted in the challenge */
  g_autofree char *quoted = realm[0] == '"' ? g_strdup (realm) : g_strdup_printf ("\"%s\"", realm);
  g_autofree char *credentials
      = g_strdup_printf ("%s:%s:%s:%s", challenge->au_scheme, quoted, t->username, t->password);
  nua_authenticate (nh, NUTAG_AUTH (credentials), TAG_END ());
  memset (credentials, 0, strlen (credentials));
  return TRUE;
}

/* --- registration with the operator --------------------------------------------------- */

static void
publish_registration (Sip *self, SipTrunk *t, const char *state, int status, const char *phrase)
{
  g_free (t->registration);
  t->registration = status >= 300
                        ? g_strdup_printf ("%s: %d %s", state, status, phrase ? phrase : "")
                        : g_strdup (state);
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "status", "i", status);
  g_variant_dict_insert (&d, "reason", "s", phrase ? phrase : "");
  g_variant_dict_insert (&d, "address", "s", t->address);
  occ_bus_publish (occ_plugin_get_bus (self->plugin), self->plugin, SIP_EVENT_TRUNK_REGISTRATION,
                   g_variant_new ("(ss@a{sv})", t->name, state, g_variant_dict_end (&d)), NULL);
}

static void
send_register (Sip *self, SipTrunk *t)
{
  g_autofree char *aor = g_strdup_printf ("<sip:%s@%s>", t->username, t->from_domain);
  g_autofree char *registrar = g_strdup_printf ("sip:%s;transport=%s", t->address, t->transport);
  /* our Contact for the trunk's transport, with our user at the operator */
  const char *ours = sip_contact_for (self, t->transport);
  g_autofree char *contact = ours
                                 ? g_strdup_printf ("<%.*s%s@%s", (int) (strchr (ours, ':') - ours),
                                                    ours + 1, t->username, strchr (ours, ':') + 1)
                                 : NULL;
  g_autofree char *expires = g_strdup_printf ("%u", t->register_expires_s);
  t->reg_auth_tries = 0;
  t->reg_retry_at = 0;
  if (t->reg == NULL)
    t->reg = nua_handle (self->nua, NULL, SIPTAG_TO_STR (aor), SIPTAG_FROM_STR (aor), TAG_END ());
  nua_register (t->reg, NUTAG_REGISTRAR (registrar), SIPTAG_EXPIRES_STR (expires),
                TAG_IF (contact, SIPTAG_CONTACT_STR (contact)),
                /* a plain registration: no RFC 5626 outbound, no probing */
                NUTAG_OUTBOUND ("no-outbound no-validate no-natify no-options-keepalive"),
                TAG_END ());
  if (t->registration == NULL)
    t->registration = g_strdup ("trying");
}

gboolean
sip_trunk_register_response (Sip *self, nua_handle_t *nh, int status, const char *phrase,
                             const sip_t *sip)
{
  SipTrunk *t = NULL;
  for (guint i = 0; i < self->config.trunks->len && t == NULL; i++)
    if (((SipTrunk *) g_ptr_array_index (self->config.trunks, i))->reg == nh)
      t = g_ptr_array_index (self->config.trunks, i);
  if (t == NULL)
    return FALSE;
  if (status < 200)
    return TRUE;
  if ((status == 401 || status == 407) && t->reg_auth_tries++ < 2
      && sip_trunk_authenticate (t, nh, sip))
    return TRUE;
  gboolean was = g_strcmp0 (t->registration, "registered") == 0;
  if (status >= 200 && status < 300)
    {
      t->reg_auth_tries = 0;
      if (!was)
        {
          g_message ("trunk %s: registered as %s (%d %s)", t->name, t->username, status,
                     phrase ? phrase : "");
          publish_registration (self, t, "registered", status, phrase);
        }
      return TRUE;
    }
  g_message ("trunk %s: registration as %s failed: %d %s; retried in %d s", t->name, t->username,
             status, phrase ? phrase : "", REGISTER_RETRY_S);
  publish_registration (self, t, "failed", status, phrase);
  t->reg_retry_at = g_get_monotonic_time () / G_USEC_PER_SEC + REGISTER_RETRY_S;
  return TRUE;
}

static gboolean
keepalive (gpointer data)
{
  Sip *self = data;
  gint64 now = g_get_monotonic_time () / G_USEC_PER_SEC;
  for (guint i = 0; i < self->config.trunks->len; i++)
    {
      SipTrunk *t = g_ptr_array_index (self->config.trunks, i);
      if (t->options_interval_s && now % t->options_interval_s == 0)
        send_options (self, t);
      if (t->reg_retry_at && now >= t->reg_retry_at)
        send_register (self, t);
    }
  return G_SOURCE_CONTINUE;
}

void
sip_trunk_response (Sip *self, nua_handle_t *nh, int status, const char *phrase)
{
  for (guint i = 0; i < self->config.trunks->len; i++)
    {
      SipTrunk *t = g_ptr_array_index (self->config.trunks, i);
      if (t->options != nh || status < 200)
        continue;
      /* any answer but a timeout or an overload says the peer is there */
      gboolean up = status != 408 && status != 503 && status < 600 && status != 500;
      gboolean changed = !t->checked || up != t->up;
      t->up = up;
      t->checked = TRUE;
      g_free (t->last_reason);
      t->last_reason = g_strdup_printf ("%d %s", status, phrase ? phrase : "");
      if (changed)
        {
          g_message ("trunk %s is %s (%d %s)", t->name, up ? "up" : "down", status,
                     phrase ? phrase : "");
          publish_state (self, t, status, phrase);
        }
      return;
    }
}

void
sip_trunks_start (Sip *self)
{
  for (guint i = 0; i < self->config.trunks->len; i++)
    {
      SipTrunk *t = g_ptr_array_index (self->config.trunks, i);
      if (t->options_interval_s)
        send_options (self, t);
      if (t->register_)
        send_register (self, t);
    }
  if (self->config.trunks->len)
    occ_plugin_timeout_add (self->plugin, 1000, keepalive, self, NULL);
}

void
sip_trunks_stop (Sip *self)
{
  for (guint i = 0; self->config.trunks && i < self->config.trunks->len; i++)
    {
      SipTrunk *t = g_ptr_array_index (self->config.trunks, i);
      if (t->options)
        nua_handle_destroy (t->options);
      t->options = NULL;
      /* the operator is told we leave; the stack's shutdown sees it
       * through and frees the handle */
      if (t->reg && g_strcmp0 (t->registration, "registered") == 0)
        nua_unregister (t->reg, TAG_END ());
      t->reg = NULL;
      t->reg_retry_at = 0;
    }
}

SipTrunk *
sip_trunk_by_name (Sip *self, const char *name)
{
  for (guint i = 0; name && i < self->config.trunks->len; i++)
    {
      SipTrunk *t = g_ptr_array_index (self->config.trunks, i);
      if (strcmp (t->name, name) == 0)
        return t;
    }
  return NULL;
}

/* The HA1 of a trunk's credentials in our realm (hex, transfer full). */
static char *
trunk_ha1 (Sip *self, const SipTrunk *t, SipDigestAlgo algo)
{
  g_autofree char *a1 = g_strdup_printf ("%s:%s:%s", t->username, self->config.realm, t->password);
  char *ha1 = g_compute_checksum_for_string (
      algo == SIP_DIGEST_SHA256 ? G_CHECKSUM_SHA256 : G_CHECKSUM_MD5, a1, -1);
  memset (a1, 0, strlen (a1));
  return ha1;
}

static SipTrunk *
refuse_trunk (nua_t *nua, nua_handle_t *nh, int status, const char *phrase)
{
  nua_respond (nh, status, phrase, NUTAG_WITH_THIS (nua), TAG_END ());
  nua_handle_destroy (nh);
  return NULL;
}

SipTrunk *
sip_trunk_admit (Sip *self, nua_t *nua, nua_handle_t *nh, const sip_t *sip, const char *host)
{
  SipTrunk *by_address = NULL;
  gboolean anywhere = FALSE; /* a trunk takes calls from any address */
  for (guint i = 0; i < self->config.trunks->len && by_address == NULL; i++)
    {
      SipTrunk *t = g_ptr_array_index (self->config.trunks, i);
      if (g_strv_contains ((const char *const *) t->inbound_from, host))
        by_address = t;
      anywhere = anywhere || g_strv_contains ((const char *const *) t->inbound_from, "*");
    }
  if (by_address && !by_address->inbound_auth)
    return by_address;
  if (by_address == NULL && !anywhere)
    {
      g_info ("INVITE from %s refused: no trunk has that address", host);
      return refuse_trunk (nua, nh, 403, "Unknown trunk");
    }
  if (sip_auth_blocked (self, host))
    return refuse_trunk (nua, nh, 403, "Too many failed authentications");
  SipDigestParams params;
  g_autoptr (GError) e = NULL;
  int have = sip_auth_credentials (self, sip, &params, &e);
  if (have < 0)
    {
      sip_auth_failed (self, "INVITE", host, NULL, e->message);
      return refuse_trunk (nua, nh, 400, "Malformed Authorization");
    }
  if (have == 0)
    {
      sip_auth_challenge (self, nua, nh, host, FALSE);
      return NULL;
    }
  /* the trunk of that address, or else the one anywhere with that user */
  SipTrunk *t = by_address;
  for (guint i = 0; t == NULL && i < self->config.trunks->len; i++)
    {
      SipTrunk *x = g_ptr_array_index (self->config.trunks, i);
      if (x->inbound_auth && g_strv_contains ((const char *const *) x->inbound_from, "*")
          && strcmp (x->username, params.username) == 0)
        t = x;
    }
  const char *why = NULL;
  gboolean stale = FALSE;
  if (t == NULL || strcmp (t->username, params.username) != 0)
    why = "no trunk has that username here";
  else
    {
      SipNonceCheck nc = sip_digest_nonce_check (self->secret, sizeof self->secret, params.nonce,
                                                 g_get_real_time () / G_USEC_PER_SEC,
                                                 self->config.nonce_lifetime_s, host);
      SipDigestAlgo algo = sip_digest_algo (&params);
      g_autofree char *ha1 = trunk_ha1 (self, t, algo);
      g_autofree char *expected = sip_digest_expected (algo, ha1, "INVITE", &params);
      memset (ha1, 0, strlen (ha1));
      if (nc == SIP_NONCE_STALE)
        stale = TRUE;
      else if (nc == SIP_NONCE_BAD)
        why = "a nonce we did not make";
      else if (expected == NULL || !sip_digest_equal (expected, params.response))
        why = "wrong password";
    }
  g_autofree char *user = g_strdup (params.username);
  sip_digest_params_clear (&params);
  if (stale)
    {
      sip_auth_challenge (self, nua, nh, host, TRUE);
      return NULL;
    }
  if (why)
    {
      sip_auth_failed (self, "INVITE", host, user, why);
      return refuse_trunk (nua, nh, 403, "Forbidden");
    }
  return t;
}

GVariant *
sip_trunks_list (Sip *self)
{
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < self->config.trunks->len; i++)
    {
      SipTrunk *t = g_ptr_array_index (self->config.trunks, i);
      GVariantDict d;
      g_variant_dict_init (&d, NULL);
      g_variant_dict_insert (&d, "name", "s", t->name);
      g_variant_dict_insert (&d, "address", "s", t->address);
      g_variant_dict_insert (&d, "transport", "s", t->transport);
      g_variant_dict_insert (&d, "state", "s", !t->checked ? "unknown" : t->up ? "up" : "down");
      if (t->last_reason)
        g_variant_dict_insert (&d, "last-answer", "s", t->last_reason);
      if (t->register_)
        g_variant_dict_insert (&d, "registration", "s", t->registration ? t->registration : "none");
      g_variant_dict_insert (&d, "order", "u", t->order);
      g_variant_builder_add_value (&b, g_variant_dict_end (&d));
    }
  return g_variant_builder_end (&b);
}
