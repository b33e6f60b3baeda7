/* sip: the agent registrar. A phone REGISTERs with its user's login and
 * password: we challenge (digest, RFC 3261 section 22; SHA-256 and MD5),
 * ask the access service for the account's HA1 — which it gives only
 * while the account may register a phone — check the response, and keep
 * the phone's contacts until they expire or are removed. Addresses that
 * keep failing are refused for a while. */
#include "digest.h"
#include "sip-private.h"

#include <netdb.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/url.h>
#include <string.h>

typedef struct {
  Sip *self;
  nua_handle_t *nh;
  nua_saved_event_t saved[1];
  gboolean dead; /* the stack went away first */
  char *login;
  char *source;    /* ADDR:PORT */
  char *host;      /* ADDR */
  char *transport; /* udp, tcp, tls */
  SipDigestParams params;
} Pending;

static void
binding_free (SipBinding *b)
{
  sip_keepalive_detach (b);
  g_free (b->contact);
  g_free (b->received);
  g_free (b->transport);
  g_free (b->user_agent);
  g_free (b);
}

static void
registration_free (SipRegistration *r)
{
  g_free (r->login);
  g_ptr_array_unref (r->bindings);
  g_free (r);
}

static void
pending_free (Pending *p)
{
  sip_digest_params_clear (&p->params);
  g_free (p->login);
  g_free (p->source);
  g_free (p->host);
  g_free (p->transport);
  sip_unref (p->self);
  g_free (p);
}

void
sip_registrar_init (Sip *self)
{
  self->registrations
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) registration_free);
  self->offenders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->pending = g_hash_table_new (NULL, NULL);
  self->store_writes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sip_keepalive_init (self);
}

/* Before the stack goes: requests still waiting for the access service
 * are let go (their answers will find them dead). */
void
sip_registrar_clear (Sip *self)
{
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init (&it, self->pending);
  while (g_hash_table_iter_next (&it, &key, NULL))
    {
      Pending *p = key;
      nua_destroy_event (p->saved);
      nua_handle_destroy (p->nh);
      p->dead = TRUE;
    }
  g_hash_table_remove_all (self->pending);
  sip_keepalive_clear (self);
}

/* --- helpers --------------------------------------------------------------------------- */

static char *
fold (const char *login)
{
  if (login == NULL || !*login || strlen (login) > 256 || !g_utf8_validate (login, -1, NULL))
    return NULL;
  g_autofree char *norm = g_utf8_normalize (login, -1, G_NORMALIZE_NFKC);
  return norm ? g_utf8_casefold (norm, -1) : NULL;
}

static char *
url_text (const url_t *url)
{
  su_home_t home[1] = { SU_HOME_INIT (home) };
  char *s = url_as_string (home, url);
  char *copy = g_strdup (s);
  su_home_deinit (home);
  return copy;
}

void
sip_source_of (nua_t *nua, char **addr_port, char **host)
{
  msg_t *m = nua_current_request (nua);
  su_addrinfo_t *ai = m ? msg_addrinfo (m) : NULL;
  char h[NI_MAXHOST], p[NI_MAXSERV];
  if (ai && ai->ai_addr
      && getnameinfo (ai->ai_addr, ai->ai_addrlen, h, sizeof h, p, sizeof p,
                      NI_NUMERICHOST | NI_NUMERICSERV)
             == 0)
    {
      *host = g_strdup (h);
      *addr_port = g_strdup_printf ("%s:%s", h, p);
    }
  else
    {
      *host = g_strdup ("unknown");
      *addr_port = g_strdup ("unknown");
    }
}

gboolean
sip_auth_blocked (Sip *self, const char *host)
{
  SipOffender *o = g_hash_table_lookup (self->offenders, host);
  gint64 now = g_get_monotonic_time () / G_USEC_PER_SEC;
  return o && o->blocked_until > now;
}

void
sip_auth_failed (Sip *self, const char *what, const char *host, const char *login, const char *why)
{
  gint64 now = g_get_monotonic_time () / G_USEC_PER_SEC;
  SipOffender *o = g_hash_table_lookup (self->offenders, host);
  if (o == NULL)
    {
      o = g_new0 (SipOffender, 1);
      g_hash_table_insert (self->offenders, g_strdup (host), o);
    }
  if (now - o->window_start > self->config.auth_window_s)
    {
      o->window_start = now;
      o->failures = 0;
      o->logged = FALSE;
    }
  o->failures++;
  g_info ("%s of %s from %s refused: %s", what, login ? login : "?", host, why);
  if (o->failures >= self->config.auth_failures && !o->logged)
    {
      o->blocked_until = now + self->config.auth_block_s;
      o->logged = TRUE;
      g_message ("%s failed to authenticate %u times in %u s: refused for %u s", host, o->failures,
                 self->config.auth_window_s, self->config.auth_block_s);
    }
}

void
sip_auth_challenge (Sip *self, nua_t *nua, nua_handle_t *nh, const char *host, gboolean stale)
{
  g_autofree char *nonce = sip_digest_nonce_new (self->secret, sizeof self->secret,
                                                 g_get_real_time () / G_USEC_PER_SEC, host);
  const SipConfig *c = &self->config;
  g_autofree char *first = sip_digest_challenge (c->realm, nonce, c->algorithms[0], stale);
  g_autofree char *second = c->n_algorithms > 1
                                ? sip_digest_challenge (c->realm, nonce, c->algorithms[1], stale)
                                : NULL;
  self->challenges++;
  nua_respond (nh, SIP_401_UNAUTHORIZED, NUTAG_WITH_THIS (nua), SIPTAG_WWW_AUTHENTICATE_STR (first),
               TAG_IF (second, SIPTAG_WWW_AUTHENTICATE_STR (second)), TAG_END ());
  nua_handle_destroy (nh);
}

static void
count_failure (Sip *self, const char *host, const char *login, const char *why)
{
  self->registers_refused++;
  sip_auth_failed (self, "REGISTER", host, login, why);
}

int
sip_auth_credentials (Sip *self, const sip_t *sip, SipDigestParams *params, GError **error)
{
  for (const msg_auth_t *au = sip->sip_authorization; au; au = au->au_next)
    {
      if (au->au_scheme == NULL || g_ascii_strcasecmp (au->au_scheme, "Digest") != 0)
        continue;
      if (!sip_digest_parse ((const char *const *) au->au_params, params, error))
        return -1;
      if (strcmp (params->realm, self->config.realm) == 0)
        return 1;
      sip_digest_params_clear (params);
    }
  return 0;
}

static void
respond_now (nua_t *nua, nua_handle_t *nh, int status, const char *phrase)
{
  nua_respond (nh, status, phrase, NUTAG_WITH_THIS (nua), TAG_END ());
  nua_handle_destroy (nh);
}

typedef enum { EXTRA_NONE, EXTRA_CONTACT, EXTRA_MIN_EXPIRES, EXTRA_RETRY_AFTER } Extra;

/* Answers a request that waited, with one optional header. */
static void
respond_saved (Pending *p, int status, const char *phrase, Extra extra, const char *value)
{
  nua_respond (p->nh, status, phrase, NUTAG_WITH_SAVED (p->saved),
               TAG_IF (extra == EXTRA_CONTACT, SIPTAG_CONTACT_STR (value)),
               TAG_IF (extra == EXTRA_MIN_EXPIRES, SIPTAG_MIN_EXPIRES_STR (value)),
               TAG_IF (extra == EXTRA_RETRY_AFTER, SIPTAG_RETRY_AFTER_STR (value)), TAG_END ());
  nua_destroy_event (p->saved);
  nua_handle_destroy (p->nh);
  g_hash_table_remove (p->self->pending, p);
}

/* --- bindings ------------------------------------------------------------------------------ */

static void
publish_down (Sip *self, const char *login, SipBinding *b, const char *reason)
{
  if (self->plugin == NULL)
    return;
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "reason", "s", reason);
  g_variant_dict_insert (&d, "received", "s", b->received);
  occ_bus_publish (occ_plugin_get_bus (self->plugin), self->plugin, SIP_EVENT_ENDPOINT_DOWN,
                   g_variant_new ("(ss@a{sv})", login, b->contact, g_variant_dict_end (&d)), NULL);
}

static void
publish_up (Sip *self, const char *login, SipBinding *b, guint expires, gboolean restored)
{
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "received", "s", b->received);
  g_variant_dict_insert (&d, "expires", "u", expires);
  if (b->user_agent)
    g_variant_dict_insert (&d, "user-agent", "s", b->user_agent);
  if (restored)
    g_variant_dict_insert (&d, "restored", "b", TRUE);
  occ_bus_publish (
      occ_plugin_get_bus (self->plugin), self->plugin, SIP_EVENT_ENDPOINT_UP,
      g_variant_new ("(sss@a{sv})", login, b->contact, b->transport, g_variant_dict_end (&d)),
      NULL);
}

static SipRegistration *
registration_get (Sip *self, const char *login)
{
  SipRegistration *r = g_hash_table_lookup (self->registrations, login);
  if (r == NULL)
    {
      r = g_new0 (SipRegistration, 1);
      r->login = g_strdup (login);
      r->bindings = g_ptr_array_new_with_free_func ((GDestroyNotify) binding_free);
      g_hash_table_insert (self->registrations, r->login, r);
    }
  return r;
}

static void
remove_binding (Sip *self, SipRegistration *r, guint i, const char *reason)
{
  SipBinding *b = g_ptr_array_index (r->bindings, i);
  publish_down (self, r->login, b, reason);
  g_autofree char *contact = g_strdup (b->contact);
  g_ptr_array_remove_index (r->bindings, i);
  sip_bindings_save (self, r->login, contact);
}

/* Ends every binding of @login (which is then forgotten). */
static void
remove_login (Sip *self, const char *login, const char *reason)
{
  SipRegistration *r = g_hash_table_lookup (self->registrations, login);
  if (r == NULL)
    return;
  g_message ("%s: its %u phone(s) are let go (%s)", login, r->bindings->len, reason);
  while (r->bindings->len)
    remove_binding (self, r, r->bindings->len - 1, reason);
  g_hash_table_remove (self->registrations, login);
}

void
sip_registrar_drop (Sip *self, const char *login, SipBinding *b, const char *reason)
{
  SipRegistration *r = g_hash_table_lookup (self->registrations, login);
  guint i;
  if (r == NULL || !g_ptr_array_find (r->bindings, b, &i))
    return;
  remove_binding (self, r, i, reason);
  if (r->bindings->len == 0)
    g_hash_table_remove (self->registrations, login);
}

static SipBinding *
find_binding (SipRegistration *r, const char *contact, guint *index)
{
  for (guint i = 0; i < r->bindings->len; i++)
    {
      SipBinding *b = g_ptr_array_index (r->bindings, i);
      if (strcmp (b->contact, contact) == 0)
        {
          if (index)
            *index = i;
          return b;
        }
    }
  return NULL;
}

gboolean
sip_registrar_restore (Sip *self, const char *login, const char *contact, const char *received,
                       const char *transport, const char *user_agent, gint64 expires_at)
{
  SipRegistration *r = registration_get (self, login);
  if (find_binding (r, contact, NULL))
    return FALSE;
  SipBinding *b = g_new0 (SipBinding, 1);
  b->contact = g_strdup (contact);
  b->received = g_strdup (received);
  b->transport = g_strdup (transport);
  b->user_agent = g_strdup (user_agent);
  b->expires_at = expires_at;
  g_ptr_array_add (r->bindings, b);
  gint64 left = (expires_at - g_get_monotonic_time ()) / G_USEC_PER_SEC;
  publish_up (self, login, b, (guint) CLAMP (left, 1, G_MAXUINT32), TRUE);
  sip_keepalive_schedule (self, b, TRUE);
  return TRUE;
}

char *
sip_registrar_phone_login (Sip *self, const char *user, const char *source, const char *transport)
{
  g_autofree char *login = fold (user);
  SipRegistration *r = login ? g_hash_table_lookup (self->registrations, login) : NULL;
  gint64 now = g_get_monotonic_time ();
  for (guint i = 0; r && i < r->bindings->len; i++)
    {
      SipBinding *b = g_ptr_array_index (r->bindings, i);
      if (b->expires_at > now && strcmp (b->received, source) == 0
          && strcmp (b->transport, transport) == 0)
        return g_steal_pointer (&login);
    }
  return NULL;
}

void
sip_registrar_foreach (Sip *self, void (*func) (Sip *, const char *, SipBinding *, gpointer),
                       gpointer data)
{
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, self->registrations);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      SipRegistration *r = value;
      for (guint i = 0; i < r->bindings->len; i++)
        func (self, r->login, g_ptr_array_index (r->bindings, i), data);
    }
}

/* The Contact header of a 200: every binding with what is left of it. */
static char *
contacts_text (SipRegistration *r)
{
  GString *s = g_string_new (NULL);
  gint64 now = g_get_monotonic_time ();
  for (guint i = 0; i < r->bindings->len; i++)
    {
      SipBinding *b = g_ptr_array_index (r->bindings, i);
      gint64 left = (b->expires_at - now) / G_USEC_PER_SEC;
      g_string_append_printf (s, "%s<%s>;expires=%" G_GINT64_FORMAT, i ? ", " : "", b->contact,
                              MAX (left, 1));
    }
  return g_string_free (s, FALSE);
}

/* Applies the Contact headers; FALSE (answered) for a refusal. */
static gboolean
apply_contacts (Pending *p, const sip_t *sip)
{
  Sip *self = p->self;
  const SipConfig *c = &self->config;
  gint64 now = g_get_monotonic_time ();
  const char *ua = sip->sip_user_agent ? sip->sip_user_agent->g_string : NULL;
  long header_expires = sip->sip_expires ? (long) sip->sip_expires->ex_delta : -1;
  SipRegistration *r = registration_get (self, p->login);
  if (sip->sip_contact && sip->sip_contact->m_url->url_type == url_any)
    {
      /* "Contact: *" with Expires: 0 removes them all */
      if (header_expires != 0 || sip->sip_contact->m_next)
        {
          respond_saved (p, 400, "Contact * needs Expires: 0 and no other contact", EXTRA_NONE,
                         NULL);
          return FALSE;
        }
      while (r->bindings->len)
        remove_binding (self, r, r->bindings->len - 1, "unregistered");
      return TRUE;
    }
  /* check every contact before changing anything */
  for (const sip_contact_t *m = sip->sip_contact; m; m = m->m_next)
    {
      long e = m->m_expires ? strtol (m->m_expires, NULL, 10) : header_expires;
      if (e > 0 && (guint) e < c->min_expires)
        {
          g_autofree char *min = g_strdup_printf ("%u", c->min_expires);
          respond_saved (p, SIP_423_INTERVAL_TOO_BRIEF, EXTRA_MIN_EXPIRES, min);
          return FALSE;
        }
    }
  for (const sip_contact_t *m = sip->sip_contact; m; m = m->m_next)
    {
      g_autofree char *uri = url_text (m->m_url);
      long e = m->m_expires ? strtol (m->m_expires, NULL, 10) : header_expires;
      guint expires = e < 0 ? c->default_expires : (guint) MIN ((gulong) e, c->max_expires);
      guint i = r->bindings->len;
      find_binding (r, uri, &i);
      if (e == 0)
        {
          if (i < r->bindings->len)
            remove_binding (self, r, i, "unregistered");
          continue;
        }
      SipBinding *b;
      gboolean fresh = i == r->bindings->len;
      if (fresh)
        {
          b = g_new0 (SipBinding, 1);
          b->contact = g_steal_pointer (&uri);
          g_ptr_array_add (r->bindings, b);
        }
      else
        b = g_ptr_array_index (r->bindings, i);
      g_free (b->received);
      b->received = g_strdup (p->source);
      g_free (b->transport);
      b->transport = g_strdup (p->transport);
      g_free (b->user_agent);
      b->user_agent = g_strdup (ua);
      b->expires_at = now + (gint64) expires * G_USEC_PER_SEC;
      /* a refresh answers for the phone as well as a keep-alive would */
      b->ping_failures = 0;
      if (fresh)
        {
          g_message ("%s registered %s from %s", p->login, b->contact, p->source);
          publish_up (self, p->login, b, expires, FALSE);
        }
      if (fresh || b->next_ping == 0)
        sip_keepalive_schedule (self, b, FALSE);
      sip_bindings_save (self, p->login, b->contact);
    }
  return TRUE;
}

gboolean
sip_registrar_sweep (gpointer data)
{
  Sip *self = data;
  gint64 now = g_get_monotonic_time ();
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, self->registrations);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      SipRegistration *r = value;
      for (guint i = r->bindings->len; i > 0; i--)
        if (((SipBinding *) g_ptr_array_index (r->bindings, i - 1))->expires_at <= now)
          remove_binding (self, r, i - 1, "expired");
      if (r->bindings->len == 0)
        g_hash_table_iter_remove (&it);
    }
  /* forget offenders whose window and block are long over */
  gint64 s = now / G_USEC_PER_SEC;
  g_hash_table_iter_init (&it, self->offenders);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      SipOffender *o = value;
      if (o->blocked_until < s && s - o->window_start > self->config.auth_window_s)
        g_hash_table_iter_remove (&it);
    }
  return G_SOURCE_CONTINUE;
}

/* An account was disabled (or removed): its phones stop taking calls now,
 * not when their registrations expire. A lock is left alone: it follows
 * wrong passwords typed by anyone, who would otherwise knock an agent's
 * phone off; the locked account cannot register again meanwhile. */
static void
on_account (const OccEvent *event, gpointer data)
{
  Sip *self = data;
  const char *login = NULL, *state = NULL;
  g_variant_get (occ_event_get_payload (event), "(&s&s@a{sv})", &login, &state, NULL);
  if (strcmp (state, "disabled") == 0 || strcmp (state, "removed") == 0)
    {
      g_autofree char *reason = g_strconcat ("account-", state, NULL);
      remove_login (self, login, reason);
    }
}

static void
on_store (const char *name, gconstpointer iface, const char *provider, gpointer data)
{
  (void) name;
  Sip *self = data;
  if (iface == NULL && self->store)
    g_message ("the store went away (%s): phone registrations are kept in memory only until "
               "it comes back",
               provider);
  sip_bindings_store_set (self, iface);
}

void
sip_registrar_start (Sip *self)
{
  g_autoptr (GError) e = NULL;
  if (occ_bus_subscribe (occ_plugin_get_bus (self->plugin), self->plugin, OCC_EVENT_ACCESS_ACCOUNT,
                         on_account, self, NULL, &e)
      == 0)
    g_warning ("disabled accounts keep their phones until they expire: %s", e->message);
  occ_service_watch (self->plugin, OCC_STORE_SERVICE, on_store, self, NULL);
  if (self->store == NULL)
    g_message ("no store service: phone registrations are kept in memory only (a restart "
               "makes every phone register again)");
  sip_keepalive_start (self);
}

SipBinding *
sip_registrar_contact (Sip *self, const char *login)
{
  SipRegistration *r = g_hash_table_lookup (self->registrations, login);
  SipBinding *newest = NULL;
  for (guint i = 0; r && i < r->bindings->len; i++)
    {
      SipBinding *b = g_ptr_array_index (r->bindings, i);
      if (newest == NULL || b->expires_at > newest->expires_at)
        newest = b;
    }
  return newest;
}

static void
list_one (Sip *self, const char *login, SipBinding *x, gpointer data)
{
  (void) self;
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "login", "s", login);
  g_variant_dict_insert (&d, "contact", "s", x->contact);
  g_variant_dict_insert (&d, "received", "s", x->received);
  g_variant_dict_insert (&d, "transport", "s", x->transport);
  g_variant_dict_insert (&d, "expires-in", "x",
                         (x->expires_at - g_get_monotonic_time ()) / G_USEC_PER_SEC);
  if (x->user_agent)
    g_variant_dict_insert (&d, "user-agent", "s", x->user_agent);
  if (x->next_ping)
    g_variant_dict_insert (&d, "keepalives-lost", "u", x->ping_failures);
  g_variant_builder_add_value (data, g_variant_dict_end (&d));
}

GVariant *
sip_registrar_list (Sip *self)
{
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  sip_registrar_foreach (self, list_one, &b);
  return g_variant_builder_end (&b);
}

/* --- requests ----------------------------------------------------------------------------------- */

static void
credentials (GVariant *result, const GError *error, gpointer data)
{
  Pending *p = data;
  Sip *self = p->self;
  if (p->dead)
    return pending_free (p);
  msg_t *msg = nua_saved_event_request (p->saved);
  const sip_t *sip = sip_object (msg);
  if (error)
    {
      if (error->domain == OCC_ACCESS_ERROR && error->code == OCC_ACCESS_ERROR_UNAVAILABLE)
        {
          g_message ("REGISTER of %s: %s", p->login, error->message);
          respond_saved (p, 503, "Directory unavailable", EXTRA_RETRY_AFTER, "30");
        }
      else
        {
          /* the same answer whether the login exists or not */
          count_failure (self, p->host, p->login, error->message);
          respond_saved (p, SIP_403_FORBIDDEN, EXTRA_NONE, NULL);
        }
      return pending_free (p);
    }
  SipDigestAlgo algo = sip_digest_algo (&p->params);
  const char *ha1 = NULL;
  g_variant_lookup (result, algo == SIP_DIGEST_SHA256 ? "ha1-sha256" : "ha1", "&s", &ha1);
  const char *method = sip && sip->sip_request ? sip->sip_request->rq_method_name : "REGISTER";
  g_autofree char *expected = ha1 ? sip_digest_expected (algo, ha1, method, &p->params) : NULL;
  if (expected == NULL || !sip_digest_equal (expected, p->params.response))
    {
      count_failure (self, p->host, p->login, "wrong password");
      respond_saved (p, SIP_403_FORBIDDEN, EXTRA_NONE, NULL);
      return pending_free (p);
    }
  if (sip == NULL || !apply_contacts (p, sip))
    {
      if (sip == NULL)
        respond_saved (p, SIP_500_INTERNAL_SERVER_ERROR, EXTRA_NONE, NULL);
      return pending_free (p);
    }
  self->registers_ok++;
  SipRegistration *r = g_hash_table_lookup (self->registrations, p->login);
  g_autofree char *contacts = r ? contacts_text (r) : g_strdup ("");
  if (r && r->bindings->len == 0)
    g_hash_table_remove (self->registrations, p->login);
  if (*contacts)
    respond_saved (p, SIP_200_OK, EXTRA_CONTACT, contacts);
  else
    respond_saved (p, SIP_200_OK, EXTRA_NONE, NULL);
  pending_free (p);
}

void
sip_registrar_request (Sip *self, nua_t *nua, nua_handle_t *nh, const sip_t *sip)
{
  g_autofree char *source = NULL, *host = NULL;
  sip_source_of (nua, &source, &host);
  if (sip_auth_blocked (self, host))
    return respond_now (nua, nh, 403, "Too many failed authentications");
  if (sip == NULL || sip->sip_to == NULL || sip->sip_to->a_url->url_user == NULL)
    return respond_now (nua, nh, 400, "To has no user");
  g_autofree char *login = fold (sip->sip_to->a_url->url_user);
  if (login == NULL)
    return respond_now (nua, nh, 400, "To user is not a login");
  /* the credentials for our realm, if any */
  SipDigestParams params;
  g_autoptr (GError) e = NULL;
  int have = sip_auth_credentials (self, sip, &params, &e);
  if (have < 0)
    {
      count_failure (self, host, login, e->message);
      return respond_now (nua, nh, 400, "Malformed Authorization");
    }
  if (have == 0)
    return sip_auth_challenge (self, nua, nh, host, FALSE);
  g_autofree char *user = fold (params.username);
  if (user == NULL || strcmp (user, login) != 0)
    {
      sip_digest_params_clear (&params);
      count_failure (self, host, login, "username is not the To user");
      return respond_now (nua, nh, 403, "Username does not match To");
    }
  SipNonceCheck nc = sip_digest_nonce_check (self->secret, sizeof self->secret, params.nonce,
                                             g_get_real_time () / G_USEC_PER_SEC,
                                             self->config.nonce_lifetime_s, host);
  if (nc != SIP_NONCE_OK)
    {
      sip_digest_params_clear (&params);
      if (nc == SIP_NONCE_BAD)
        count_failure (self, host, login, "a nonce we did not make");
      return sip_auth_challenge (self, nua, nh, host, nc == SIP_NONCE_STALE);
    }
  Pending *p = g_new0 (Pending, 1);
  p->self = sip_ref (self);
  p->nh = nh;
  p->login = g_steal_pointer (&login);
  p->source = g_steal_pointer (&source);
  p->host = g_steal_pointer (&host);
  p->transport = g_strdup (sip_transport_of (sip));
  p->params = params;
  nua_save_event (nua, p->saved);
  g_hash_table_add (self->pending, p);
  self->access->sip_credentials (self->access, p->login, self->config.realm, credentials, p);
}
