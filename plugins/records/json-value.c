/* records: json fields. An a{sv} is stored as the text of a JSON object
 * and read back as an a{sv}; strings, numbers, booleans, null (an empty
 * maybe), nested dictionaries and arrays survive the trip. What JSON cannot
 * hold (byte strings, tuples, non-finite numbers, integers past 2^63) is
 * refused with its place named. */
#include "fields.h"

#include <omnicc/json.h>

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

static JsonNode *to_node (GVariant *v, const char *path, guint depth, GString *problems);

static JsonNode *
object_node (GVariant *v, const char *path, guint depth, GString *problems)
{
  g_autoptr (JsonObject) o = json_object_new ();
  gboolean ok = TRUE;
  gsize n = g_variant_n_children (v);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr (GVariant) entry = g_variant_get_child_value (v, i);
      g_autoptr (GVariant) key = g_variant_get_child_value (entry, 0);
      g_autoptr (GVariant) value = g_variant_get_child_value (entry, 1);
      const char *k = g_variant_get_string (key, NULL);
      g_autofree char *child = g_strdup_printf ("%s.%s", path, k);
      if (json_object_has_member (o, k))
        {
          rec_problem (problems, child, "given twice");
          ok = FALSE;
          continue;
        }
      JsonNode *node = to_node (value, child, depth + 1, problems);
      if (node == NULL)
        ok = FALSE;
      else
        json_object_set_member (o, k, node);
    }
  if (!ok)
    return NULL;
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, o);
  return node;
}

static JsonNode *
array_node (GVariant *v, const char *path, guint depth, GString *problems)
{
  g_autoptr (JsonArray) a = json_array_new ();
  gboolean ok = TRUE;
  gsize n = g_variant_n_children (v);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr (GVariant) value = g_variant_get_child_value (v, i);
      g_autofree char *child = g_strdup_printf ("%s[%" G_GSIZE_FORMAT "]", path, i);
      JsonNode *node = to_node (value, child, depth + 1, problems);
      if (node == NULL)
        ok = FALSE;
      else
        json_array_add_element (a, node);
    }
  if (!ok)
    return NULL;
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (node, a);
  return node;
}

static JsonNode *
int_node (gint64 n)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);
  json_node_set_int (node, n);
  return node;
}

static JsonNode *
to_node (GVariant *v, const char *path, guint depth, GString *problems)
{
  if (depth > REC_JSON_MAX_DEPTH)
    {
      rec_problem (problems, path, "nested deeper than %u levels", REC_JSON_MAX_DEPTH);
      return NULL;
    }
  JsonNode *node = NULL;
  switch (g_variant_classify (v))
    {
    case G_VARIANT_CLASS_VARIANT:
      {
        g_autoptr (GVariant) inner = g_variant_get_variant (v);
        return to_node (inner, path, depth, problems);
      }
    case G_VARIANT_CLASS_MAYBE:
      {
        g_autoptr (GVariant) inner = g_variant_get_maybe (v);
        return inner ? to_node (inner, path, depth, problems) : json_node_new (JSON_NODE_NULL);
      }
    case G_VARIANT_CLASS_BOOLEAN:
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_boolean (node, g_variant_get_boolean (v));
      return node;
    case G_VARIANT_CLASS_BYTE:
      return int_node (g_variant_get_byte (v));
    case G_VARIANT_CLASS_INT16:
      return int_node (g_variant_get_int16 (v));
    case G_VARIANT_CLASS_UINT16:
      return int_node (g_variant_get_uint16 (v));
    case G_VARIANT_CLASS_INT32:
      return int_node (g_variant_get_int32 (v));
    case G_VARIANT_CLASS_UINT32:
      return int_node (g_variant_get_uint32 (v));
    case G_VARIANT_CLASS_INT64:
      return int_node (g_variant_get_int64 (v));
    case G_VARIANT_CLASS_UINT64:
      if (g_variant_get_uint64 (v) <= G_MAXINT64)
        return int_node ((gint64) g_variant_get_uint64 (v));
      rec_problem (problems, path, "%" G_GUINT64_FORMAT " is too large to store",
                   g_variant_get_uint64 (v));
      return NULL;
    case G_VARIANT_CLASS_DOUBLE:
      if (!isfinite (g_variant_get_double (v)))
        {
          rec_problem (problems, path, "is not a finite number");
          return NULL;
        }
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_double (node, g_variant_get_double (v));
      return node;
    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
    case G_VARIANT_CLASS_SIGNATURE:
      {
        gsize len;
        const char *s = g_variant_get_string (v, &len);
        if (!g_utf8_validate_len (s, len, NULL) || memchr (s, '\0', len))
          {
            rec_problem (problems, path, "is not valid UTF-8 text");
            return NULL;
          }
        node = json_node_new (JSON_NODE_VALUE);
        json_node_set_string (node, s);
        return node;
      }
    case G_VARIANT_CLASS_ARRAY:
      if (g_variant_is_of_type (v, G_VARIANT_TYPE_BYTESTRING))
        break;
      if (g_variant_type_is_dict_entry (g_variant_type_element (g_variant_get_type (v))))
        {
          if (!g_variant_type_equal (
                  g_variant_type_key (g_variant_type_element (g_variant_get_type (v))),
                  G_VARIANT_TYPE_STRING))
            break;
          return object_node (v, path, depth, problems);
        }
      return array_node (v, path, depth, problems);
    default:
      break;
    }
  rec_problem (problems, path, "a value of type “%s” cannot be stored as JSON",
               g_variant_get_type_string (v));
  return NULL;
}

char *
rec_json_encode (GVariant *value, const char *path, GString *problems)
{
  g_autoptr (JsonNode) root = to_node (value, path, 0, problems);
  if (root == NULL)
    return NULL;
  /* not JsonGenerator: json-glib 1.6 writes 1e20 as "1e+20.0" */
  return occ_json_to_string (root);
}

/* --- back ----------------------------------------------------------------------- */

static GVariant *from_node (JsonNode *n, GError **error);

static GVariant *
from_object (JsonObject *o, GError **error)
{
  g_auto (GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr (GList) members = json_object_get_members (o);
  for (GList *m = members; m; m = m->next)
    {
      if (!g_utf8_validate (m->data, -1, NULL))
        {
          g_set_error (error, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_STORE,
                       "a key is not valid UTF-8");
          return NULL;
        }
      GVariant *v = from_node (json_object_get_member (o, m->data), error);
      if (v == NULL)
        return NULL;
      g_variant_builder_add (&b, "{sv}", (const char *) m->data, v);
    }
  return g_variant_builder_end (&b);
}

static gboolean
all_strings (JsonArray *a)
{
  guint n = json_array_get_length (a);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING)
        return FALSE;
    }
  return n > 0;
}

static GVariant *
from_array (JsonArray *a, GError **error)
{
  gboolean strings = all_strings (a);
  g_auto (GVariantBuilder) b
      = G_VARIANT_BUILDER_INIT (strings ? G_VARIANT_TYPE_STRING_ARRAY : G_VARIANT_TYPE ("av"));
  guint n = json_array_get_length (a);
  for (guint i = 0; i < n; i++)
    {
      GVariant *v = from_node (json_array_get_element (a, i), error);
      if (v == NULL)
        return NULL;
      g_variant_builder_add_value (&b, strings ? v : g_variant_new_variant (v));
    }
  return g_variant_builder_end (&b);
}

static GVariant *
from_node (JsonNode *n, GError **error)
{
  switch (JSON_NODE_TYPE (n))
    {
    case JSON_NODE_NULL:
      return g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL);
    case JSON_NODE_OBJECT:
      return from_object (json_node_get_object (n), error);
    case JSON_NODE_ARRAY:
      return from_array (json_node_get_array (n), error);
    case JSON_NODE_VALUE:
      break;
    }
  switch (json_node_get_value_type (n))
    {
    case G_TYPE_BOOLEAN:
      return g_variant_new_boolean (json_node_get_boolean (n));
    case G_TYPE_INT64:
      return g_variant_new_int64 (json_node_get_int (n));
    case G_TYPE_DOUBLE:
      return g_variant_new_double (json_node_get_double (n));
    default:
      {
        /* json-glib unescapes "\u0000" and lone surrogates into bytes that
         * need not be UTF-8 */
        const char *s = json_node_get_string (n);
        if (s == NULL || !g_utf8_validate (s, -1, NULL))
          {
            g_set_error (error, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_STORE,
                         "a string is not valid UTF-8");
            return NULL;
          }
        return g_variant_new_string (s);
      }
    }
}

GVariant *
rec_json_decode (const char *text, const GVariantType *type, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (text == NULL || !g_utf8_validate (text, -1, NULL)
      || !json_parser_load_from_data (parser, text, -1, NULL))
    {
      g_set_error (error, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_STORE, "not valid JSON");
      return NULL;
    }
  JsonNode *root = json_parser_get_root (parser);
  gboolean object = g_variant_type_equal (type, G_VARIANT_TYPE_VARDICT);
  if (root == NULL || (object && !JSON_NODE_HOLDS_OBJECT (root))
      || (!object && !JSON_NODE_HOLDS_ARRAY (root)))
    {
      g_set_error (error, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_STORE, "not a JSON %s",
                   object ? "object" : "array");
      return NULL;
    }
  GVariant *v = from_node (root, error);
  if (v == NULL)
    return NULL;
  g_variant_ref_sink (v);
  if (!g_variant_is_of_type (v, type))
    {
      /* an empty array reads back as "av" */
      if (g_variant_type_equal (type, G_VARIANT_TYPE_STRING_ARRAY) && g_variant_n_children (v) == 0)
        {
          g_variant_unref (v);
          return g_variant_ref_sink (g_variant_new_strv (NULL, 0));
        }
      g_variant_unref (v);
      g_set_error (error, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_STORE,
                   "not a JSON array of strings");
      return NULL;
    }
  return v;
}
