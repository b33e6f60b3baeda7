/* Events as JSON lines: the form used by `omnicc events --follow`, the
 * WebSocket API and the audit log. The payload's type string travels with
 * it, so parsing restores the event exactly. */
#include "bus-private.h"
#include "json-variant.h"

#include <string.h>

char *
occ_event_to_json (const OccEvent *event)
{
  g_return_val_if_fail (event != NULL, NULL);
  g_autoptr (JsonBuilder) b = json_builder_new_immutable ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, occ_event_get_type_name (event));
  json_builder_set_member_name (b, "signature");
  json_builder_add_string_value (b, occ_event_get_signature (event));
  json_builder_set_member_name (b, "seq");
  json_builder_add_value (b,
                          occ_json_from_variant (g_variant_new_uint64 (occ_event_get_seq (event))));
  json_builder_set_member_name (b, "time");
  json_builder_add_value (b,
                          occ_json_from_variant (g_variant_new_int64 (occ_event_get_time (event))));
  json_builder_set_member_name (b, "publisher");
  json_builder_add_string_value (b, occ_event_get_publisher (event));
  json_builder_set_member_name (b, "payload");
  json_builder_add_value (b, occ_json_from_variant (occ_event_get_payload (event)));
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  return occ_json_to_string (root);
}

static JsonNode *
member (JsonObject *o, const char *name, GError **error)
{
  JsonNode *n = json_object_get_member (o, name);
  if (n == NULL)
    g_set_error (error, OCC_BUS_ERROR, OCC_BUS_ERROR_PARSE, "event JSON has no “%s” member", name);
  return n;
}

static const char *
string_member (JsonObject *o, const char *name, GError **error)
{
  JsonNode *n = member (o, name, error);
  if (n == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING
      || !g_utf8_validate (json_node_get_string (n), -1, NULL))
    {
      g_set_error (error, OCC_BUS_ERROR, OCC_BUS_ERROR_PARSE,
                   "event JSON member “%s” is not a UTF-8 string", name);
      return NULL;
    }
  return json_node_get_string (n);
}

OccEvent *
occ_event_from_json (const char *json, gssize length, GError **error)
{
  g_return_val_if_fail (json != NULL, NULL);
  g_autoptr (GError) e = NULL;
  g_autoptr (JsonNode) root = occ_json_parse (json, length, &e);
  if (root == NULL)
    {
      g_set_error (error, OCC_BUS_ERROR, OCC_BUS_ERROR_PARSE, "event JSON: %s", e->message);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, OCC_BUS_ERROR, OCC_BUS_ERROR_PARSE, "event JSON is not an object");
      return NULL;
    }
  JsonObject *o = json_node_get_object (root);
  const char *type, *sig, *publisher;
  JsonNode *seq_n, *time_n, *payload_n;
  if (!(type = string_member (o, "type", error)) || !(sig = string_member (o, "signature", error))
      || !(publisher = string_member (o, "publisher", error)) || !(seq_n = member (o, "seq", error))
      || !(time_n = member (o, "time", error)) || !(payload_n = member (o, "payload", error)))
    return NULL;
  if (json_object_get_size (o) != 6)
    {
      g_set_error (error, OCC_BUS_ERROR, OCC_BUS_ERROR_PARSE,
                   "event JSON has members other than type, signature, seq, "
                   "time, publisher and payload");
      return NULL;
    }
  if (*type == '\0' || strlen (type) > 128 || *publisher == '\0' || strlen (publisher) > 64)
    {
      g_set_error (error, OCC_BUS_ERROR, OCC_BUS_ERROR_PARSE,
                   "event JSON has an empty or over-long type or publisher");
      return NULL;
    }
  if (strlen (sig) > 255 || !g_variant_type_string_is_valid (sig)
      || !g_variant_type_is_definite (G_VARIANT_TYPE (sig)))
    {
      g_set_error (error, OCC_BUS_ERROR, OCC_BUS_ERROR_PARSE,
                   "event JSON signature “%s” is not a definite GVariant type", sig);
      return NULL;
    }
  g_autoptr (GVariant) seq = occ_json_to_variant (seq_n, G_VARIANT_TYPE_UINT64, &e);
  g_autoptr (GVariant) time = seq ? occ_json_to_variant (time_n, G_VARIANT_TYPE_INT64, &e) : NULL;
  g_autoptr (GVariant) payload
      = time ? occ_json_to_variant (payload_n, G_VARIANT_TYPE (sig), &e) : NULL;
  if (payload == NULL)
    {
      g_set_error (error, OCC_BUS_ERROR, OCC_BUS_ERROR_PARSE, "event JSON %s: %s",
                   seq == NULL    ? "seq"
                   : time == NULL ? "time"
                                  : "payload",
                   e->message);
      return NULL;
    }
  return occ_event_new (type, sig, payload, g_variant_get_uint64 (seq), g_variant_get_int64 (time),
                        publisher);
}
