/* sip: trunks — the operator's side. Inbound INVITEs are accepted only
 * from a trunk's addresses; OPTIONS keep-alives mark each trunk up or
 * down, published on the bus (outbound calls, later, skip trunks that are
 * down). */
#include "sip-private.h"

#include <sofia-sip/sip_status.h>
#include <string.h>

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
    }
}

SipTrunk *
sip_trunk_for_source (Sip *self, const char *host)
{
  for (guint i = 0; i < self->config.trunks->len; i++)
    {
      SipTrunk *t = g_ptr_array_index (self->config.trunks, i);
      if (g_strv_contains ((const char *const *) t->inbound_from, host))
        return t;
    }
  return NULL;
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
      g_variant_dict_insert (&d, "order", "u", t->order);
      g_variant_builder_add_value (&b, g_variant_dict_end (&d));
    }
  return g_variant_builder_end (&b);
}
