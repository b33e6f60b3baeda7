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
  occ_control_call_return (call, g_variant_dict_end (&d));
}

gboolean
sip_commands_register (Sip *self, GError **error)
{
  return occ_control_add_command_full (self->plugin, "sip.status", "Transports, registrar counters",
                                       "system.status", OCC_CONTROL_FLAGS_NONE, cmd_status, self,
                                       NULL, error)
         && occ_control_add_command_full (
             self->plugin, "sip.registrations", "Registered phones: login, contact, source, expiry",
             "supervise.view", OCC_CONTROL_FLAGS_NONE, cmd_registrations, self, NULL, error);
}
