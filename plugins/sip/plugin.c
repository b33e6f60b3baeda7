/* sip: SIP for omnicc on sofia-sip's nua, driven by the daemon's GLib main
 * loop (sofia-sip's GLib root, threading off: the stack stays on the main
 * thread). This part: the transports and the agent registrar. See
 * README.md. */
#include "sip-private.h"

#include <sofia-sip/sip_header.h>
#include <sofia-sip/nta_tag.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/tport_tag.h>
#include <sys/random.h>

Sip *
sip_ref (Sip *self)
{
  g_atomic_int_inc (&self->ref);
  return self;
}

void
sip_unref (Sip *self)
{
  if (!g_atomic_int_dec_and_test (&self->ref))
    return;
  g_hash_table_unref (self->registrations);
  g_hash_table_unref (self->offenders);
  g_hash_table_unref (self->pending);
  g_hash_table_unref (self->store_writes);
  g_hash_table_unref (self->pings);
  g_hash_table_unref (self->features);
  g_hash_table_unref (self->calls);
  g_hash_table_unref (self->busy_agents);
  sip_recording_free (self);
  sip_config_clear (&self->config);
  g_free (self->contact_udp);
  g_free (self->contact_tcp);
  g_free (self->contact_tls);
  memset (self->secret, 0, sizeof self->secret);
  g_free (self);
}

const char *
sip_transport_of (const sip_t *sip)
{
  const char *proto = sip && sip->sip_via ? sip->sip_via->v_protocol : NULL;
  if (proto && g_str_has_suffix (proto, "/TLS"))
    return "tls";
  if (proto && g_str_has_suffix (proto, "/TCP"))
    return "tcp";
  return "udp";
}

const char *
sip_contact_for (Sip *self, const char *transport)
{
  if (g_strcmp0 (transport, "tls") == 0)
    return self->contact_tls;
  if (g_strcmp0 (transport, "tcp") == 0)
    return self->contact_tcp;
  return self->contact_udp;
}

/* "<sip:HOST:PORT;transport=T>" from a listen URL "sip[s]:HOST:PORT", or
 * NULL when it names every address (the stack picks one then). */
static char *
contact_of (const char *listen, const char *transport)
{
  const char *hostport = strchr (listen, ':') + 1;
  if (g_str_has_prefix (hostport, "*") || g_str_has_prefix (hostport, "0.0.0.0")
      || g_str_has_prefix (hostport, "[::]") || strpbrk (hostport, ";?>") != NULL)
    return NULL;
  if (strcmp (transport, "tls") == 0)
    return g_strdup_printf ("<sips:%s>", hostport);
  if (strcmp (transport, "tcp") == 0)
    return g_strdup_printf ("<sip:%s;transport=tcp>", hostport);
  return g_strdup_printf ("<sip:%s>", hostport);
}

/* A request whose Max-Forwards ran out ends here: we would send an INVITE
 * on to an agent (a B2BUA passes loops on, RFC 7332), and a REGISTER that
 * far has gone round a loop of proxies (RFC 3261 section 16.3). */
static gboolean
refuse_loop (nua_t *nua, nua_handle_t *nh, const sip_t *sip)
{
  if (sip == NULL || sip->sip_max_forwards == NULL || sip->sip_max_forwards->mf_count > 0)
    return FALSE;
  nua_respond (nh, SIP_483_TOO_MANY_HOPS, NUTAG_WITH_THIS (nua), TAG_END ());
  nua_handle_destroy (nh);
  return TRUE;
}

static void
on_event (nua_event_t event, int status, char const *phrase, nua_t *nua, Sip *self,
          nua_handle_t *nh, SipCall *call, sip_t const *sip, tagi_t tags[])
{
  switch (event)
    {
    case nua_i_register:
      if (refuse_loop (nua, nh, sip))
        return;
      if (self->plugin && self->access)
        sip_registrar_request (self, nua, nh, sip);
      else
        {
          nua_respond (nh, 503, "Shutting down", NUTAG_WITH_THIS (nua), TAG_END ());
          nua_handle_destroy (nh);
        }
      return;
    case nua_i_invite:
      if (self->plugin == NULL || occ_plugin_is_stopping (self->plugin))
        {
          if (call == NULL)
            {
              nua_respond (nh, 503, "Shutting down", NUTAG_WITH_THIS (nua), TAG_END ());
              nua_handle_destroy (nh);
            }
          return;
        }
      if (call == NULL && refuse_loop (nua, nh, sip))
        return;
      sip_call_event (self, event, status, phrase, nua, nh, call, sip, tags);
      return;
    case nua_r_invite:
      if (call == NULL)
        {
          /* a leg its call let go while our CANCEL was on its way: an
           * answer that crossed it is hung up, the rest ends here */
          if (status >= 200 && status < 300)
            nua_bye (nh, TAG_END ());
          else if (status >= 300)
            nua_handle_destroy (nh);
          return;
        }
      sip_call_event (self, event, status, phrase, nua, nh, call, sip, tags);
      return;
    case nua_i_refer:
    case nua_i_cancel:
    case nua_i_bye:
    case nua_i_ack:
    case nua_i_state:
      if (call)
        sip_call_event (self, event, status, phrase, nua, nh, call, sip, tags);
      else
        sip_feature_event (self, event, nh);
      return;
    case nua_r_bye:
      /* a leg we hung up, let go by its call: it ends here */
      if (call == NULL && status >= 200)
        nua_handle_destroy (nh);
      return;
    case nua_r_options:
      if (!sip_keepalive_response (self, nh, status, sip))
        sip_trunk_response (self, nh, status, phrase);
      return;
    case nua_r_register:
    case nua_r_unregister:
      if (!sip_trunk_register_response (self, nh, status, phrase, sip) && status >= 200)
        g_debug ("%s: %d %s", nua_event_name (event), status, phrase ? phrase : "");
      return;
    case nua_i_options:
    case nua_i_message:
    case nua_i_info:
    case nua_i_notify:
    case nua_i_subscribe:
      /* answered by the stack itself; nothing of ours on that handle */
      if (call == NULL && nh)
        nua_handle_destroy (nh);
      return;
    case nua_r_shutdown:
      if (status >= 200)
        {
          self->shutdown_done = TRUE;
          if (self->plugin && occ_plugin_is_stopping (self->plugin))
            occ_plugin_release (self->plugin);
        }
      return;
    default:
      if (status >= 400 && phrase)
        g_debug ("%s: %d %s", nua_event_name (event), status, phrase);
      return;
    }
}

static void
on_media (const char *name, gconstpointer iface, const char *provider, gpointer data)
{
  (void) name;
  Sip *self = data;
  if (iface == NULL && self->media)
    {
      g_message ("the media service went away (%s): calls end", provider);
      sip_calls_clear (self);
    }
  self->media = iface;
}

/* The daemon drains: close the stack while the main loop still runs. */
static void
on_stopping (const OccEvent *event, gpointer data)
{
  (void) event;
  Sip *self = data;
  if (self->nua && !self->shutdown_done)
    {
      occ_plugin_hold (self->plugin);
      sip_calls_clear (self);
      sip_features_clear (self);
      sip_trunks_stop (self);
      sip_registrar_clear (self);
      nua_shutdown (self->nua);
    }
}

static void
sofia_log (void *stream, char const *fmt, va_list ap)
{
  (void) stream;
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  g_debug ("sofia: %s", g_strchomp (msg));
}

static OccLoadResult
sip_load (OccPlugin *plugin, GError **error)
{
  const OccAccessService *access
      = occ_service_lookup (plugin, OCC_ACCESS_SERVICE, OCC_ACCESS_VERSION, error);
  if (access == NULL)
    return OCC_LOAD_FAILED;
  Sip *self = g_new0 (Sip, 1);
  self->ref = 1;
  self->plugin = plugin;
  self->access = access;
  sip_registrar_init (self);
  sip_calls_init (self);
  sip_features_init (self);
  sip_voice_init (self);
  sip_supervise_init (self);
  if (!sip_config_read (&self->config, occ_plugin_get_config (plugin), error))
    {
      self->plugin = NULL;
      sip_unref (self);
      return OCC_LOAD_FAILED;
    }
  self->contact_udp = contact_of (self->config.listen, "udp");
  self->contact_tcp = contact_of (self->config.listen, "tcp");
  if (self->config.listen_tls)
    self->contact_tls = contact_of (self->config.listen_tls, "tls");
  if (getrandom (self->secret, sizeof self->secret, 0) != sizeof self->secret)
    g_error ("getrandom: %s", g_strerror (errno));

  su_init ();
  su_log_redirect (NULL, sofia_log, NULL);
  /* parse the extension headers too (P-Asserted-Identity); once per
   * process: the stack keeps using the extended class after a reload */
  static gsize extended = 0;
  if (g_once_init_enter (&extended))
    g_once_init_leave (&extended,
                       sip_update_default_mclass (sip_extend_mclass (NULL)) == 0 ? 1 : 2);
  self->root = su_glib_root_create (self);
  su_root_threading (self->root, 0);
  g_source_attach (su_glib_root_gsource (self->root), NULL);
  self->nua
      = nua_create (self->root, on_event, self, NUTAG_URL (self->config.listen),
                    TAG_IF (self->config.listen_tls, NUTAG_SIPS_URL (self->config.listen_tls)),
                    TAG_IF (self->config.tls_dir, NUTAG_CERTIFICATE_DIR (self->config.tls_dir)),
                    SIPTAG_USER_AGENT_STR (self->config.user_agent),
                    SIPTAG_SERVER_STR (self->config.user_agent), NUTAG_ALLOW ("REGISTER"),
                    NUTAG_APPL_METHOD ("REGISTER"), NUTAG_ENABLEMESSAGE (0), TAG_NULL ());
  if (self->nua == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "cannot listen on %s%s%s (address in use, or not this machine's?)",
                   self->config.listen, self->config.listen_tls ? " and " : "",
                   self->config.listen_tls ? self->config.listen_tls : "");
      su_root_destroy (self->root);
      su_deinit ();
      self->plugin = NULL;
      sip_unref (self);
      return OCC_LOAD_FAILED;
    }
  /* (a handle parameter: the stack's defaults for every handle); the
   * limits on what a peer may send, for nta and its transports */
  /* incomplete-message-timeout: how long a TCP or TLS peer may take to
   * finish a message it began (a Content-Length larger than what it
   * sends, half a header); then it is answered 400 and its connection no
   * longer holds a message buffer. sofia-sip alone waits forever. */
  nua_set_params (self->nua, NUTAG_MEDIA_ENABLE (0), NTATAG_MAXSIZE (self->config.max_message_size),
                  TPTAG_TIMEOUT (self->config.incomplete_timeout_s * 1000), TAG_END ());
  self->shutdown_done = FALSE;
  OccBus *bus = occ_plugin_get_bus (plugin);
  gboolean ok
      = occ_bus_register_type (bus, plugin, SIP_EVENT_ENDPOINT_UP, "(sssa{sv})",
                               "A phone registered for an agent: (login, contact, transport "
                               "udp|tcp|tls, extra: received, expires, user-agent).",
                               error)
        && occ_bus_register_type (bus, plugin, SIP_EVENT_ENDPOINT_DOWN, "(ssa{sv})",
                                  "A phone's registration ended: (login, contact, extra: reason "
                                  "expired|unregistered|account-disabled|unreachable, received).",
                                  error)
        && occ_bus_register_type (bus, plugin, SIP_EVENT_TRUNK_STATE, "(ssa{sv})",
                                  "A trunk answered or stopped answering keep-alives: (trunk, "
                                  "up|down, extra: status, reason, address).",
                                  error)
        && occ_bus_register_type (bus, plugin, SIP_EVENT_TRUNK_REGISTRATION, "(ssa{sv})",
                                  "Our registration with a trunk's operator changed: (trunk, "
                                  "registered|failed, extra: status, reason, address).",
                                  error)
        && occ_bus_register_type (bus, plugin, OCC_EVENT_VOICE_PROGRESS, "(ssa{sv})",
                                  "A call omnicc placed progresses: (interaction id, trying|"
                                  "ringing|answered|busy|no-answer|failed, extra: trunk, "
                                  "sip-status, reason).",
                                  error)
        && occ_bus_subscribe (bus, plugin, OCC_EVENT_CORE_STOPPING, on_stopping, self, NULL, error)
               != 0
        && sip_calls_subscribe (self, error) && sip_features_start (self, error)
        && sip_commands_register (self, error) && sip_recording_start (self, error)
        && occ_service_provide (plugin, OCC_VOICE_SERVICE, &self->voice, error)
        && sip_supervise_start (self, error);
  if (!ok)
    {
      nua_shutdown (self->nua);
      for (int i = 0; i < 300 && !self->shutdown_done; i++)
        su_root_step (self->root, 10);
      nua_destroy (self->nua);
      su_root_destroy (self->root);
      su_deinit ();
      self->plugin = NULL;
      sip_unref (self);
      return OCC_LOAD_FAILED;
    }
  occ_plugin_set_user_data (plugin, self);
  sip_registrar_start (self);
  occ_plugin_timeout_add (plugin, 1000, sip_registrar_sweep, self, NULL);
  if (self->config.media_timeout_s)
    occ_plugin_timeout_add (plugin, 1000, sip_calls_sweep, self, NULL);
  occ_service_watch (plugin, OCC_MEDIA_SERVICE, on_media, self, NULL);
  sip_trunks_start (self);
  g_message ("SIP on %s%s%s, realm %s", self->config.listen, self->config.listen_tls ? " and " : "",
             self->config.listen_tls ? self->config.listen_tls : "", self->config.realm);
  return OCC_LOAD_OK;
}

static void
sip_unload (OccPlugin *plugin)
{
  Sip *self = occ_plugin_get_user_data (plugin);
  if (self == NULL)
    return;
  if (self->media)
    sip_calls_clear (self);
  sip_features_clear (self);
  sip_trunks_stop (self);
  occ_service_withdraw (plugin, OCC_VOICE_SERVICE);
  sip_supervise_stop (self);
  sip_registrar_clear (self);
  if (!self->shutdown_done)
    {
      /* unloaded while the daemon runs: let the stack say goodbye, within
       * a bound (sofia-sip insists on a completed shutdown) */
      nua_shutdown (self->nua);
      for (int i = 0; i < 300 && !self->shutdown_done; i++)
        su_root_step (self->root, 10);
    }
  self->plugin = NULL;
  nua_destroy (self->nua);
  self->nua = NULL;
  su_root_destroy (self->root);
  self->root = NULL;
  su_deinit ();
  sip_unref (self);
}

OCC_PLUGIN_DEFINE (.name = "sip", .version = "0.1",
                   .summary = "SIP: transports, agent registrar, trunks, B2BUA (sofia-sip)",
                   .license = "GPL-3.0-or-later", .requires = OCC_LIST ("service:access"),
                   .after = OCC_LIST ("plugin:media"),
                   .provides = OCC_LIST (OCC_VOICE_SERVICE, OCC_SUPERVISE_SERVICE),
                   .config_schema = sip_config_schema, .load = sip_load, .unload = sip_unload);
