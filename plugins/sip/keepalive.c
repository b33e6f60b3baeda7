/* sip: NAT keep-alive towards the agents' phones, as Kamailio's
 * nathelper does. A phone behind NAT is reached through the pinhole its
 * REGISTER opened; over UDP that pinhole closes when nothing flows for a
 * while. Every keepalive-interval seconds each UDP binding gets an
 * OPTIONS, sent to its contact through the address its REGISTER came
 * from. Any final answer, even 404 or 405, says the phone is there; no
 * answer within keepalive-timeout, a 408, or a transport error (503)
 * counts as a failure, and keepalive-failures of them in a row drop the binding
 * ("unreachable"): calls then stop ringing a phone that is gone.
 *
 * Each binding is pinged at a point of the interval of its own (drawn when
 * it appears), so that 300 phones are not pinged in one burst. */
#include "sip-private.h"

#include <string.h>

/* how often due pings are looked for */
#define TICK_MS 200

typedef struct _SipPing {
  Sip *self;
  nua_handle_t *nh;
  SipBinding *binding; /* NULL once the binding went */
  char *login;
  guint timer; /* no answer in time */
} SipPing;

void
sip_keepalive_init (Sip *self)
{
  self->pings = g_hash_table_new (NULL, NULL);
}

void
sip_keepalive_schedule (Sip *self, SipBinding *b, gboolean restored)
{
  gint64 interval_us = (gint64) self->config.keepalive_s * G_USEC_PER_SEC;
  if (interval_us == 0 || g_strcmp0 (b->transport, "udp") != 0)
    {
      b->next_ping = 0;
      return;
    }
  double at = restored ? g_random_double () : 0.5 + g_random_double () / 2;
  b->next_ping = g_get_monotonic_time () + 1 + (gint64) (at * interval_us);
}

void
sip_keepalive_detach (SipBinding *b)
{
  if (b->ping)
    b->ping->binding = NULL;
  b->ping = NULL;
}

/* The ping's outcome; @ping is freed. */
static void
finish (SipPing *ping, gboolean alive, const char *why)
{
  Sip *self = ping->self;
  if (ping->timer)
    g_source_remove (ping->timer);
  g_hash_table_remove (self->pings, ping->nh);
  nua_handle_destroy (ping->nh);
  SipBinding *b = ping->binding;
  if (b)
    {
      b->ping = NULL;
      if (alive)
        b->ping_failures = 0;
      else
        {
          b->ping_failures++;
          self->pings_lost++;
          g_info ("keep-alive of %s at %s lost (%s): %u in a row", ping->login, b->received, why,
                  b->ping_failures);
          if (b->ping_failures >= self->config.keepalive_failures)
            {
              g_message ("%s's phone %s at %s answers no keep-alive (%u lost): let go", ping->login,
                         b->contact, b->received, b->ping_failures);
              sip_registrar_drop (self, ping->login, b, "unreachable");
            }
        }
    }
  g_free (ping->login);
  g_free (ping);
}

static gboolean
lost (gpointer data)
{
  SipPing *ping = data;
  ping->timer = 0;
  finish (ping, FALSE, "no answer in time");
  return G_SOURCE_REMOVE;
}

gboolean
sip_keepalive_response (Sip *self, nua_handle_t *nh, int status, const sip_t *sip)
{
  SipPing *ping = g_hash_table_lookup (self->pings, nh);
  if (ping == NULL)
    return FALSE;
  if (status < 200)
    return TRUE;
  /* the stack reports a timeout as 408 and a transport error (an ICMP
   * port unreachable: nobody listens there any more) as a 503 of its own
   * making, which looks like a phone's; a phone answers OPTIONS 503 only
   * when it cannot serve, so it counts as lost too. Local errors come
   * without a message. */
  gboolean alive = sip != NULL && status != 408 && status != 503;
  g_autofree char *why = g_strdup_printf ("%d", status);
  finish (ping, alive, why);
  return TRUE;
}

static void
send_ping (Sip *self, const char *login, SipBinding *b)
{
  SipPing *ping = g_new0 (SipPing, 1);
  ping->self = self;
  ping->binding = b;
  ping->login = g_strdup (login);
  b->ping = ping;
  g_autofree char *to = g_strdup_printf ("<sip:%s@%s>", login, b->received);
  /* a phone behind NAT is reached where its REGISTER came from */
  g_autofree char *via = g_strdup_printf ("sip:%s;transport=%s", b->received, b->transport);
  ping->nh = nua_handle (self->nua, NULL, NUTAG_URL (b->contact), SIPTAG_TO_STR (to), TAG_END ());
  g_hash_table_insert (self->pings, ping->nh, ping);
  ping->timer = g_timeout_add_seconds (self->config.keepalive_timeout_s, lost, ping);
  self->pings_sent++;
  nua_options (ping->nh, NUTAG_PROXY (via), TAG_END ());
}

static void
ping_if_due (Sip *self, const char *login, SipBinding *b, gpointer data)
{
  gint64 now = *(gint64 *) data;
  if (b->next_ping == 0 || b->next_ping > now)
    return;
  gint64 interval_us = (gint64) self->config.keepalive_s * G_USEC_PER_SEC;
  /* after a stall, the next ping keeps its distance instead of bursting */
  b->next_ping = MAX (b->next_ping + interval_us, now + interval_us / 2);
  /* one in flight at a time: a slow answer is not a second failure */
  if (b->ping == NULL)
    send_ping (self, login, b);
}

static gboolean
tick (gpointer data)
{
  Sip *self = data;
  if (self->plugin == NULL || self->nua == NULL || occ_plugin_is_stopping (self->plugin))
    return G_SOURCE_CONTINUE;
  gint64 now = g_get_monotonic_time ();
  sip_registrar_foreach (self, ping_if_due, &now);
  return G_SOURCE_CONTINUE;
}

void
sip_keepalive_start (Sip *self)
{
  if (self->config.keepalive_s)
    occ_plugin_timeout_add (self->plugin, TICK_MS, tick, self, NULL);
}

void
sip_keepalive_clear (Sip *self)
{
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, self->pings);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      SipPing *ping = value;
      if (ping->timer)
        g_source_remove (ping->timer);
      if (ping->binding)
        ping->binding->ping = NULL;
      nua_handle_destroy (ping->nh);
      g_free (ping->login);
      g_free (ping);
    }
  g_hash_table_remove_all (self->pings);
}
