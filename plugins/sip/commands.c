/* sip: control commands. */
#include "sip-private.h"

static void
cmd_registrations (OccControlCall *call, GVariant *args, gpointer data)
{
  (void) args;
  occ_control_call_return (call, sip_registrar_list (data));
}

static void
cmd_status (OccControlCall *call, GVariant *args, gpointer data)
{
  (void) args;
  Sip *self = data;
  guint bindings = 0;
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, self->registrations);
  while (g_hash_table_iter_next (&it, NULL, &value))
    bindings += ((SipRegistration *) value)->bindings->len;
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "listen", "s", self->config.listen);
  if (self->config.listen_tls)
    g_variant_dict_insert (&d, "listen-tls", "s", self->config.listen_tls);
  g_variant_dict_insert (&d, "realm", "s", self->config.realm);
  g_variant_dict_insert (&d, "agents-registered", "u", g_hash_table_size (self->registrations));
  g_variant_dict_insert (&d, "contacts", "u", bindings);
  g_variant_dict_insert (&d, "registers-accepted", "t", self->registers_ok);
  g_variant_dict_insert (&d, "registers-refused", "t", self->registers_refused);
  g_variant_dict_insert (&d, "challenges", "t", self->challenges);
  g_variant_dict_insert (&d, "keepalives-sent", "t", self->pings_sent);
  g_variant_dict_insert (&d, "keepalives-lost", "t", self->pings_lost);
  g_variant_dict_insert (&d, "store", "b", self->store != NULL);
  g_variant_dict_insert (&d, "calls-now", "u", g_hash_table_size (self->calls));
  g_variant_dict_insert (&d, "calls-in", "t", self->calls_in);
  g_variant_dict_insert (&d, "calls-answered", "t", self->calls_answered);
  g_variant_dict_insert (&d, "calls-failed", "t", self->calls_failed);
  g_variant_dict_insert (&d, "media", "b", self->media != NULL);
  occ_control_call_return (call, g_variant_dict_end (&d));
}

static void
cmd_trunks (OccControlCall *call, GVariant *args, gpointer data)
{
  (void) args;
  occ_control_call_return (call, sip_trunks_list (data));
}

static void
cmd_calls (OccControlCall *call, GVariant *args, gpointer data)
{
  (void) args;
  occ_control_call_return (call, sip_calls_list (data));
}

static void
cmd_originate (OccControlCall *call, GVariant *args, gpointer data)
{
  Sip *self = data;
  const char *number = NULL, *agent = NULL, *caller_id = NULL, *queue = NULL;
  g_autoptr (GError) e = NULL;
  GVariantIter it;
  const char *key;
  GVariant *value;
  g_variant_iter_init (&it, args);
  while (g_variant_iter_next (&it, "{&sv}", &key, &value))
    {
      g_autoptr (GVariant) v = value;
      const char **slot = g_str_equal (key, "number")      ? &number
                          : g_str_equal (key, "agent")     ? &agent
                          : g_str_equal (key, "caller_id") ? &caller_id
                          : g_str_equal (key, "queue")     ? &queue
                                                           : NULL;
      if (slot == NULL || !g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
        {
          e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_BAD_REQUEST, "“%s”: %s", key,
                           slot ? "must be text" : "unknown argument");
          occ_control_call_return_error (call, e);
          return;
        }
      *slot = g_variant_get_string (v, NULL);
    }
  if (number == NULL)
    {
      e = g_error_new_literal (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_BAD_REQUEST,
                               "“number” is missing");
      occ_control_call_return_error (call, e);
      return;
    }
  if (queue && agent)
    {
      e = g_error_new_literal (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_BAD_REQUEST,
                               "“agent” and “queue”: one or the other");
      occ_control_call_return_error (call, e);
      return;
    }
  g_autofree char *id
      = queue ? self->voice.originate_queue (&self->voice, number, caller_id, queue, &e)
              : self->voice.originate (&self->voice, number, caller_id, agent, &e);
  if (id == NULL)
    {
      g_autoptr (GError) c
          = g_error_new_literal (OCC_CONTROL_ERROR,
                                 e->code == OCC_VOICE_ERROR_INVALID ? OCC_CONTROL_ERROR_BAD_REQUEST
                                                                    : OCC_CONTROL_ERROR_REFUSED,
                                 e->message);
      occ_control_call_return_error (call, c);
      return;
    }
  occ_control_call_return (call, g_variant_new_parsed ("{'id': <%s>}", id));
}

static void
cmd_hangup (OccControlCall *call, GVariant *args, gpointer data)
{
  Sip *self = data;
  const char *id = NULL;
  g_autoptr (GError) e = NULL;
  if (!g_variant_lookup (args, "id", "&s", &id))
    e = g_error_new_literal (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_BAD_REQUEST,
                             "“id” (text) is missing");
  else if (!self->voice.hangup (&self->voice, id, &e))
    {
      g_autoptr (GError) c
          = g_error_new_literal (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_NOT_FOUND, e->message);
      occ_control_call_return_error (call, c);
      return;
    }
  if (e)
    {
      occ_control_call_return_error (call, e);
      return;
    }
  occ_control_call_return (call, g_variant_new_parsed ("{'id': <%s>}", id));
}

gboolean
sip_commands_register (Sip *self, GError **error)
{
  return occ_control_add_command_full (self->plugin, "sip.status", "Transports, registrar, calls",
                                       "system.status", OCC_CONTROL_FLAGS_NONE, cmd_status, self,
                                       NULL, error)
         && occ_control_add_command_full (
             self->plugin, "sip.registrations", "Registered phones: login, contact, source, expiry",
             "supervise.view", OCC_CONTROL_FLAGS_NONE, cmd_registrations, self, NULL, error)
         && occ_control_add_command_full (
             self->plugin, "sip.trunks", "Trunks: address, up or down, last keep-alive answer",
             "system.status", OCC_CONTROL_FLAGS_NONE, cmd_trunks, self, NULL, error)
         && occ_control_add_command_full (
             self->plugin, "sip.calls", "Calls now: caller, called, agent, state, media",
             "supervise.view", OCC_CONTROL_FLAGS_NONE, cmd_calls, self, NULL, error)
         && occ_control_add_command_full (self->plugin, "sip.originate",
                                          "Place a call (args: number, optional agent to "
                                          "bridge when answered or queue to wait in, "
                                          "caller_id)",
                                          "call.place", OCC_CONTROL_FLAGS_NONE, cmd_originate, self,
                                          NULL, error)
         && occ_control_add_command_full (
             self->plugin, "sip.hangup", "End a call (args: id, the interaction's)",
             "supervise.barge", OCC_CONTROL_FLAGS_NONE, cmd_hangup, self, NULL, error);
}
