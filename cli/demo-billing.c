/* `omnicc run`'s fake billing web service (see demo-billing.h): a
 * SoupServer on loopback answering balances as JSON. The tests' web peer
 * serves the same /balance through omnicc_demo_billing_add_handler(). */
#include "demo-billing.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* The running demo service: the CLI runs one for the life of `omnicc run`. */
static SoupServer *demo_server;

static void
reply_json (SoupServerMessage *msg, guint status, JsonBuilder *b)
{
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  char *text = json_to_string (root, FALSE);
  gsize len = strlen (text);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, len);
}

static void
reply_error (SoupServerMessage *msg, guint status, const char *text)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_add_string_value (b, text);
  json_builder_end_object (b);
  reply_json (msg, status, b);
}

static void
on_balance (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
            gpointer data)
{
  GHashTable *balances = data;
  const char *number = query ? g_hash_table_lookup (query, "number") : NULL;
  if (soup_server_message_get_method (msg) != SOUP_METHOD_GET)
    {
      reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "GET only");
      return;
    }
  if (!number || !*number)
    {
      reply_error (msg, SOUP_STATUS_BAD_REQUEST, "number= is missing");
      return;
    }
  const char *balance = balances ? g_hash_table_lookup (balances, number) : NULL;
  if (balance && !*balance)
    {
      reply_error (msg, SOUP_STATUS_NOT_FOUND, "unknown number");
      return;
    }
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "number");
  json_builder_add_string_value (b, number);
  json_builder_set_member_name (b, "balance");
  json_builder_add_string_value (b, balance ? balance : OMNICC_DEMO_BILLING_BALANCE);
  json_builder_set_member_name (b, "currency");
  json_builder_add_string_value (b, OMNICC_DEMO_BILLING_CURRENCY);
  json_builder_set_member_name (b, "due");
  json_builder_add_string_value (b, OMNICC_DEMO_BILLING_DUE);
  json_builder_end_object (b);
  reply_json (msg, SOUP_STATUS_OK, b);
}

void
omnicc_demo_billing_add_handler (SoupServer *server, GHashTable *balances)
{
  g_return_if_fail (SOUP_IS_SERVER (server));
  soup_server_add_handler (server, "/balance", on_balance,
                           balances ? g_hash_table_ref (balances) : NULL,
                           balances ? (GDestroyNotify) g_hash_table_unref : NULL);
}

guint16
omnicc_demo_billing_start (GError **error)
{
  g_return_val_if_fail (demo_server == NULL, 0);
  g_autoptr (SoupServer) server = soup_server_new ("server-header", "omnicc-demo-billing ", NULL);
  omnicc_demo_billing_add_handler (server, NULL);
  if (!soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, error))
    return 0;
  GSList *uris = soup_server_get_uris (server);
  guint16 port = uris ? (guint16) g_uri_get_port (uris->data) : 0;
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  demo_server = g_steal_pointer (&server);
  return port;
}

void
omnicc_demo_billing_stop (void)
{
  if (!demo_server)
    return;
  soup_server_disconnect (demo_server);
  g_clear_object (&demo_server);
}
