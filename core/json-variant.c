/* GVariant <-> JSON, lossless when the GVariant type is known on the way
 * back (events carry their type string).
 *
 *   b                 true / false
 *   y n q i u h       number
 *   x t               number when |v| <= 2^53, else a decimal string
 *   d                 number; NaN and ±Infinity as "NaN", "Infinity", "-Infinity"
 *                     (a NaN with other sign or payload bits: "NaN:0x<16 hex digits>")
 *   s o g             string
 *   ay                base64 string
 *   m<T>              null or T; when T is itself a maybe: [] or [T]
 *   a{sT}             object, unless keys repeat: then [[k, v], …]
 *   a{KT} (K not s)   [[k, v], …]
 *   a<T>, (…)         array
 *   {KT}              [k, v]
 *   v                 {"type": "<type string>", "value": …}
 *
 * JSON values come from outside (control socket, WebSocket, files), so the
 * decoder checks everything and names the place of a problem ("$[2].name").
 */
#include "json-variant.h"

#include <math.h>
#include <string.h>

#define SAFE_INT (G_GINT64_CONSTANT (9007199254740992)) /* 2^53 */
#define CANONICAL_NAN (G_GUINT64_CONSTANT (0x7ff8000000000000))

/* clang-format off */
G_DEFINE_QUARK (occ-json-error-quark, occ_json_error)
/* clang-format on */

/* --- encoding ------------------------------------------------------------------ */

static JsonNode *
int_node (gint64 v)
{
  JsonNode *n = json_node_new (JSON_NODE_VALUE);
  json_node_set_int (n, v);
  return n;
}

static JsonNode *
string_node (const char *s)
{
  JsonNode *n = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (n, s);
  return n;
}

static gboolean
dict_keys_unique (GVariant *v)
{
  gsize n = g_variant_n_children (v);
  if (n < 2)
    return TRUE;
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr (GVariant) e = g_variant_get_child_value (v, i);
      g_autoptr (GVariant) k = g_variant_get_child_value (e, 0);
      const char *key = g_variant_get_string (k, NULL);
      if (!g_hash_table_add (seen, (gpointer) key))
        return FALSE;
    }
  return TRUE;
}

static JsonNode *encode (GVariant *v, gboolean plain);

JsonNode *
occ_json_from_variant (GVariant *v)
{
  return encode (v, FALSE);
}

JsonNode *
occ_json_from_variant_plain (GVariant *v)
{
  return encode (v, TRUE);
}

static JsonNode *
encode (GVariant *v, gboolean plain)
{
  const GVariantType *t = g_variant_get_type (v);
  JsonNode *n;
  switch (g_variant_classify (v))
    {
    case G_VARIANT_CLASS_BOOLEAN:
      n = json_node_new (JSON_NODE_VALUE);
      json_node_set_boolean (n, g_variant_get_boolean (v));
      return n;
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
    case G_VARIANT_CLASS_HANDLE:
      return int_node (g_variant_get_handle (v));
    case G_VARIANT_CLASS_INT64:
      {
        gint64 x = g_variant_get_int64 (v);
        if (x >= -SAFE_INT && x <= SAFE_INT)
          return int_node (x);
        g_autofree char *s = g_strdup_printf ("%" G_GINT64_FORMAT, x);
        return string_node (s);
      }
    case G_VARIANT_CLASS_UINT64:
      {
        guint64 x = g_variant_get_uint64 (v);
        if (x <= (guint64) SAFE_INT)
          return int_node ((gint64) x);
        g_autofree char *s = g_strdup_printf ("%" G_GUINT64_FORMAT, x);
        return string_node (s);
      }
    case G_VARIANT_CLASS_DOUBLE:
      {
        double d = g_variant_get_double (v);
        if (isnan (d))
          {
            /* NaNs differ in sign and payload bits: keep any but the usual */
            guint64 bits;
            memcpy (&bits, &d, sizeof bits);
            if (bits == CANONICAL_NAN)
              return string_node ("NaN");
            g_autofree char *s = g_strdup_printf ("NaN:0x%016" G_GINT64_MODIFIER "x", bits);
            return string_node (s);
          }
        if (isinf (d))
          return string_node (d > 0 ? "Infinity" : "-Infinity");
        n = json_node_new (JSON_NODE_VALUE);
        json_node_set_double (n, d);
        return n;
      }
    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
    case G_VARIANT_CLASS_SIGNATURE:
      return string_node (g_variant_get_string (v, NULL));
    case G_VARIANT_CLASS_VARIANT:
      {
        g_autoptr (GVariant) inner = g_variant_get_variant (v);
        if (plain)
          return encode (inner, plain);
        JsonObject *o = json_object_new ();
        json_object_set_string_member (o, "type", g_variant_get_type_string (inner));
        json_object_set_member (o, "value", encode (inner, plain));
        n = json_node_new (JSON_NODE_OBJECT);
        json_node_take_object (n, o);
        return n;
      }
    case G_VARIANT_CLASS_MAYBE:
      {
        g_autoptr (GVariant) inner = g_variant_get_maybe (v);
        gboolean nested = g_variant_type_is_maybe (g_variant_type_element (t));
        if (!nested)
          return inner ? encode (inner, plain) : json_node_new (JSON_NODE_NULL);
        JsonArray *a = json_array_new ();
        if (inner)
          json_array_add_element (a, encode (inner, plain));
        n = json_node_new (JSON_NODE_ARRAY);
        json_node_take_array (n, a);
        return n;
      }
    case G_VARIANT_CLASS_ARRAY:
      {
        if (g_variant_type_equal (t, G_VARIANT_TYPE_BYTESTRING))
          {
            gsize len = 0;
            const guchar *data = g_variant_get_fixed_array (v, &len, 1);
            g_autofree char *b64 = g_base64_encode (data, len);
            return string_node (b64);
          }
        const GVariantType *elem = g_variant_type_element (t);
        if (g_variant_type_is_dict_entry (elem)
            && g_variant_type_equal (g_variant_type_key (elem), G_VARIANT_TYPE_STRING)
            && dict_keys_unique (v))
          {
            JsonObject *o = json_object_new ();
            gsize count = g_variant_n_children (v);
            for (gsize i = 0; i < count; i++)
              {
                g_autoptr (GVariant) e = g_variant_get_child_value (v, i);
                g_autoptr (GVariant) k = g_variant_get_child_value (e, 0);
                g_autoptr (GVariant) val = g_variant_get_child_value (e, 1);
                json_object_set_member (o, g_variant_get_string (k, NULL), encode (val, plain));
              }
            n = json_node_new (JSON_NODE_OBJECT);
            json_node_take_object (n, o);
            return n;
          }
      }
      G_GNUC_FALLTHROUGH;
    case G_VARIANT_CLASS_TUPLE:
    case G_VARIANT_CLASS_DICT_ENTRY:
      {
        JsonArray *a = json_array_new ();
        gsize count = g_variant_n_children (v);
        for (gsize i = 0; i < count; i++)
          {
            g_autoptr (GVariant) c = g_variant_get_child_value (v, i);
            json_array_add_element (a, encode (c, plain));
          }
        n = json_node_new (JSON_NODE_ARRAY);
        json_node_take_array (n, a);
        return n;
      }
    }
  g_return_val_if_reached (json_node_new (JSON_NODE_NULL));
}

/* --- decoding ------------------------------------------------------------------ */

typedef struct {
  GString *path;
  guint depth;
} Ctx;

static GVariant *decode (Ctx *c, JsonNode *n, const GVariantType *t, GError **error);

static void fail (Ctx *c, GError **error, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static void
fail (Ctx *c, GError **error, const char *fmt, ...)
{
  if (error == NULL || *error != NULL)
    return;
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, OCC_JSON_ERROR, 0, "%s: %s", c->path->len ? c->path->str : "$", msg);
}

static const char *
node_kind (JsonNode *n)
{
  switch (JSON_NODE_TYPE (n))
    {
    case JSON_NODE_OBJECT:
      return "an object";
    case JSON_NODE_ARRAY:
      return "an array";
    case JSON_NODE_NULL:
      return "null";
    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (n))
        {
        case G_TYPE_STRING:
          return "a string";
        case G_TYPE_BOOLEAN:
          return "a boolean";
        default:
          return "a number";
        }
    }
  return "something else";
}

static gboolean
is_type (JsonNode *n, GType vt)
{
  return JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == vt;
}

/* Reads an integer in [lo, hi]; 64-bit values may come as strings. */
static gboolean
get_int (Ctx *c, JsonNode *n, gint64 lo, guint64 hi, gboolean allow_string, guint64 *out_bits,
         GError **error)
{
  if (is_type (n, G_TYPE_INT64))
    {
      gint64 x = json_node_get_int (n);
      if (x < lo || (x >= 0 && (guint64) x > hi))
        {
          fail (c, error, "%" G_GINT64_FORMAT " is out of range", x);
          return FALSE;
        }
      *out_bits = (guint64) x;
      return TRUE;
    }
  if (allow_string && is_type (n, G_TYPE_STRING))
    {
      const char *s = json_node_get_string (n);
      g_autoptr (GError) e = NULL;
      if (lo < 0)
        {
          gint64 x;
          if (!g_ascii_string_to_signed (s, 10, G_MININT64, G_MAXINT64, &x, &e))
            {
              fail (c, error, "“%s” is not an integer", s);
              return FALSE;
            }
          *out_bits = (guint64) x;
        }
      else if (!g_ascii_string_to_unsigned (s, 10, 0, G_MAXUINT64, out_bits, &e))
        {
          fail (c, error, "“%s” is not an unsigned integer", s);
          return FALSE;
        }
      return TRUE;
    }
  fail (c, error, "expected an integer, found %s", node_kind (n));
  return FALSE;
}

static GVariant *
decode_basic (Ctx *c, JsonNode *n, const GVariantType *t, GError **error)
{
  guint64 bits;
  char k = g_variant_type_peek_string (t)[0];
  switch (k)
    {
    case 'b':
      if (!is_type (n, G_TYPE_BOOLEAN))
        return fail (c, error, "expected a boolean, found %s", node_kind (n)), NULL;
      return g_variant_new_boolean (json_node_get_boolean (n));
    case 'y':
      return get_int (c, n, 0, G_MAXUINT8, FALSE, &bits, error) ? g_variant_new_byte (bits) : NULL;
    case 'n':
      return get_int (c, n, G_MININT16, G_MAXINT16, FALSE, &bits, error)
                 ? g_variant_new_int16 ((gint16) (gint64) bits)
                 : NULL;
    case 'q':
      return get_int (c, n, 0, G_MAXUINT16, FALSE, &bits, error) ? g_variant_new_uint16 (bits)
                                                                 : NULL;
    case 'i':
      return get_int (c, n, G_MININT32, G_MAXINT32, FALSE, &bits, error)
                 ? g_variant_new_int32 ((gint32) (gint64) bits)
                 : NULL;
    case 'h':
      return get_int (c, n, G_MININT32, G_MAXINT32, FALSE, &bits, error)
                 ? g_variant_new_handle ((gint32) (gint64) bits)
                 : NULL;
    case 'u':
      return get_int (c, n, 0, G_MAXUINT32, FALSE, &bits, error) ? g_variant_new_uint32 (bits)
                                                                 : NULL;
    case 'x':
      return get_int (c, n, G_MININT64, G_MAXINT64, TRUE, &bits, error)
                 ? g_variant_new_int64 ((gint64) bits)
                 : NULL;
    case 't':
      return get_int (c, n, 0, G_MAXUINT64, TRUE, &bits, error) ? g_variant_new_uint64 (bits)
                                                                : NULL;
    case 'd':
      if (is_type (n, G_TYPE_DOUBLE))
        return g_variant_new_double (json_node_get_double (n));
      if (is_type (n, G_TYPE_INT64))
        return g_variant_new_double ((double) json_node_get_int (n));
      if (is_type (n, G_TYPE_STRING))
        {
          const char *s = json_node_get_string (n);
          if (strcmp (s, "NaN") == 0)
            return g_variant_new_double (NAN);
          guint64 nan_bits;
          double nan;
          if (g_str_has_prefix (s, "NaN:0x") && strlen (s) == 22
              && g_ascii_string_to_unsigned (s + 6, 16, 0, G_MAXUINT64, &nan_bits, NULL)
              && (memcpy (&nan, &nan_bits, sizeof nan), isnan (nan)))
            return g_variant_new_double (nan);
          if (strcmp (s, "Infinity") == 0)
            return g_variant_new_double (INFINITY);
          if (strcmp (s, "-Infinity") == 0)
            return g_variant_new_double (-INFINITY);
        }
      return fail (c, error, "expected a number, found %s", node_kind (n)), NULL;
    case 's':
    case 'o':
    case 'g':
      {
        if (!is_type (n, G_TYPE_STRING))
          return fail (c, error, "expected a string, found %s", node_kind (n)), NULL;
        const char *s = json_node_get_string (n);
        if (!g_utf8_validate (s, -1, NULL))
          return fail (c, error, "string is not valid UTF-8"), NULL;
        if (k == 'o' && !g_variant_is_object_path (s))
          return fail (c, error, "“%s” is not an object path", s), NULL;
        if (k == 'g' && !g_variant_is_signature (s))
          return fail (c, error, "“%s” is not a type signature", s), NULL;
        return k == 's'   ? g_variant_new_string (s)
               : k == 'o' ? g_variant_new_object_path (s)
                          : g_variant_new_signature (s);
      }
    }
  return fail (c, error, "unsupported type “%c”", k), NULL;
}

/* Decodes @n as child @i of a container, with its place in the path. */
static GVariant *
decode_child (Ctx *c, JsonNode *n, const GVariantType *t, const char *key, guint index,
              GError **error)
{
  gsize mark = c->path->len;
  if (mark == 0)
    g_string_append_c (c->path, '$');
  if (key)
    g_string_append_printf (c->path, ".%s", key);
  else
    g_string_append_printf (c->path, "[%u]", index);
  GVariant *v = decode (c, n, t, error);
  g_string_truncate (c->path, mark);
  return v;
}

static GVariant *
decode_pairs (Ctx *c, JsonArray *a, const GVariantType *array_type, GError **error)
{
  const GVariantType *entry = g_variant_type_element (array_type);
  g_auto (GVariantBuilder) b = G_VARIANT_BUILDER_INIT (array_type);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      GVariant *e = decode_child (c, json_array_get_element (a, i), entry, NULL, i, error);
      if (e == NULL)
        return NULL;
      g_variant_builder_add_value (&b, e);
    }
  return g_variant_builder_end (&b);
}

static GVariant *
decode (Ctx *c, JsonNode *n, const GVariantType *t, GError **error)
{
  if (++c->depth > OCC_JSON_MAX_DEPTH)
    {
      c->depth--;
      return fail (c, error, "nested too deeply"), NULL;
    }
  GVariant *result = NULL;
  if (g_variant_type_is_basic (t))
    result = decode_basic (c, n, t, error);
  else if (g_variant_type_is_variant (t))
    {
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      JsonNode *tn = o ? json_object_get_member (o, "type") : NULL;
      JsonNode *vn = o ? json_object_get_member (o, "value") : NULL;
      const char *ts = tn && is_type (tn, G_TYPE_STRING) ? json_node_get_string (tn) : NULL;
      if (ts == NULL || vn == NULL || json_object_get_size (o) != 2)
        fail (c, error, "expected {\"type\": …, \"value\": …}, found %s", node_kind (n));
      else if (!g_variant_type_string_is_valid (ts)
               || !g_variant_type_is_definite (G_VARIANT_TYPE (ts)))
        fail (c, error, "“%s” is not a definite type string", ts);
      else
        {
          GVariant *inner = decode_child (c, vn, G_VARIANT_TYPE (ts), "value", 0, error);
          if (inner)
            result = g_variant_new_variant (inner);
        }
    }
  else if (g_variant_type_is_maybe (t))
    {
      const GVariantType *elem = g_variant_type_element (t);
      if (g_variant_type_is_maybe (elem))
        {
          JsonArray *a = JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
          if (a == NULL || json_array_get_length (a) > 1)
            fail (c, error, "expected [] or [value] for a nested maybe");
          else if (json_array_get_length (a) == 0)
            result = g_variant_new_maybe (elem, NULL);
          else
            {
              GVariant *inner
                  = decode_child (c, json_array_get_element (a, 0), elem, NULL, 0, error);
              if (inner)
                result = g_variant_new_maybe (elem, inner);
            }
        }
      else if (JSON_NODE_HOLDS_NULL (n))
        result = g_variant_new_maybe (elem, NULL);
      else
        {
          GVariant *inner = decode (c, n, elem, error);
          if (inner)
            result = g_variant_new_maybe (elem, inner);
        }
    }
  else if (g_variant_type_equal (t, G_VARIANT_TYPE_BYTESTRING))
    {
      const char *s = is_type (n, G_TYPE_STRING) ? json_node_get_string (n) : NULL;
      gboolean ok = s != NULL;
      for (const char *p = s; ok && *p; p++)
        ok = g_ascii_isalnum (*p) || *p == '+' || *p == '/' || *p == '=';
      if (!ok || (strlen (s) % 4) != 0)
        fail (c, error, "expected a base64 string");
      else
        {
          gsize len = 0;
          guchar *data = g_base64_decode (s, &len);
          result
              = g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING, data, len, TRUE, g_free, data);
        }
    }
  else if (g_variant_type_is_array (t))
    {
      const GVariantType *elem = g_variant_type_element (t);
      if (g_variant_type_is_dict_entry (elem) && JSON_NODE_HOLDS_OBJECT (n)
          && g_variant_type_equal (g_variant_type_key (elem), G_VARIANT_TYPE_STRING))
        {
          JsonObject *o = json_node_get_object (n);
          g_auto (GVariantBuilder) b = G_VARIANT_BUILDER_INIT (t);
          g_autoptr (GList) members = json_object_get_members (o);
          gboolean ok = TRUE;
          for (GList *m = members; m && ok; m = m->next)
            {
              const char *key = m->data;
              if (!g_utf8_validate (key, -1, NULL))
                {
                  fail (c, error, "object key is not valid UTF-8");
                  ok = FALSE;
                  break;
                }
              GVariant *val = decode_child (c, json_object_get_member (o, key),
                                            g_variant_type_value (elem), key, 0, error);
              ok = val != NULL;
              if (ok)
                g_variant_builder_add_value (
                    &b, g_variant_new_dict_entry (g_variant_new_string (key), val));
            }
          if (ok)
            result = g_variant_builder_end (&b);
        }
      else if (!JSON_NODE_HOLDS_ARRAY (n))
        fail (c, error, "expected an array, found %s", node_kind (n));
      else
        result = decode_pairs (c, json_node_get_array (n), t, error);
    }
  else if (g_variant_type_is_tuple (t) || g_variant_type_is_dict_entry (t))
    {
      JsonArray *a = JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
      gsize want = g_variant_type_n_items (t);
      if (a == NULL || json_array_get_length (a) != want)
        fail (c, error, "expected an array of %zu items, found %s%s", want, node_kind (n),
              a ? " of another length" : "");
      else
        {
          g_autofree GVariant **items = g_new0 (GVariant *, want + 1);
          const GVariantType *it = g_variant_type_first (t);
          gboolean ok = TRUE;
          for (guint i = 0; ok && i < want; i++, it = g_variant_type_next (it))
            {
              items[i] = decode_child (c, json_array_get_element (a, i), it, NULL, i, error);
              ok = items[i] != NULL;
            }
          if (!ok)
            {
              for (guint i = 0; i < want; i++)
                if (items[i])
                  g_variant_unref (g_variant_ref_sink (items[i]));
            }
          else if (g_variant_type_is_tuple (t))
            result = g_variant_new_tuple (items, want);
          else
            {
              GVariant *key = items[0];
              if (!g_variant_type_is_basic (g_variant_get_type (key)))
                fail (c, error, "dictionary key is not a basic type");
              else
                result = g_variant_new_dict_entry (key, items[1]);
            }
        }
    }
  else
    fail (c, error, "unsupported type “%s”", g_variant_type_peek_string (t));
  c->depth--;
  return result;
}

GVariant *
occ_json_to_variant (JsonNode *node, const GVariantType *type, GError **error)
{
  g_return_val_if_fail (node != NULL && type != NULL, NULL);
  g_autoptr (GString) path = g_string_new (NULL);
  Ctx c = { path, 0 };
  g_autoptr (GError) e = NULL;
  GVariant *v = decode (&c, node, type, &e);
  if (v == NULL)
    {
      if (e == NULL)
        g_set_error (&e, OCC_JSON_ERROR, 0, "value does not fit type “%s”",
                     g_variant_type_peek_string (type));
      g_propagate_error (error, g_steal_pointer (&e));
      return NULL;
    }
  return g_variant_take_ref (v);
}

/* --- untyped decoding, for command arguments ------------------------------------ */

static GVariant *
guess (JsonNode *n, guint depth, GError **error)
{
  if (depth > OCC_JSON_MAX_DEPTH)
    {
      g_set_error (error, OCC_JSON_ERROR, 0, "nested too deeply");
      return NULL;
    }
  switch (JSON_NODE_TYPE (n))
    {
    case JSON_NODE_NULL:
      return g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL);
    case JSON_NODE_VALUE:
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
            /* json-glib turns escapes such as "\\207" into bytes that
             * need not be UTF-8 */
            const char *s = json_node_get_string (n);
            if (!g_utf8_validate (s, -1, NULL))
              {
                g_set_error (error, OCC_JSON_ERROR, 0, "string is not valid UTF-8");
                return NULL;
              }
            return g_variant_new_string (s);
          }
        }
    case JSON_NODE_ARRAY:
      {
        JsonArray *a = json_node_get_array (n);
        guint len = json_array_get_length (a);
        gboolean strings = len > 0;
        for (guint i = 0; i < len && strings; i++)
          strings = is_type (json_array_get_element (a, i), G_TYPE_STRING);
        g_auto (GVariantBuilder) b = G_VARIANT_BUILDER_INIT (strings ? G_VARIANT_TYPE_STRING_ARRAY
                                                                     : G_VARIANT_TYPE ("av"));
        for (guint i = 0; i < len; i++)
          {
            GVariant *v = guess (json_array_get_element (a, i), depth + 1, error);
            if (v == NULL)
              return NULL;
            g_variant_builder_add_value (&b, strings ? v : g_variant_new_variant (v));
          }
        return g_variant_builder_end (&b);
      }
    case JSON_NODE_OBJECT:
      return occ_json_object_to_vardict (json_node_get_object (n), error);
    }
  g_set_error (error, OCC_JSON_ERROR, 0, "unsupported JSON value");
  return NULL;
}

GVariant *
occ_json_object_to_vardict (JsonObject *o, GError **error)
{
  g_auto (GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr (GList) members = json_object_get_members (o);
  for (GList *m = members; m; m = m->next)
    {
      if (!g_utf8_validate (m->data, -1, NULL))
        {
          g_set_error (error, OCC_JSON_ERROR, 0, "object key is not valid UTF-8");
          return NULL;
        }
      GVariant *v = guess (json_object_get_member (o, m->data), 1, error);
      if (v == NULL)
        return NULL;
      g_variant_builder_add (&b, "{sv}", (const char *) m->data, v);
    }
  return g_variant_builder_end (&b);
}

/* --- parsing ------------------------------------------------------------------- */

gboolean
occ_json_check_depth (const char *text, gsize len, guint max_depth, GError **error)
{
  guint depth = 0;
  gboolean in_string = FALSE, escaped = FALSE;
  for (gsize i = 0; i < len; i++)
    {
      char ch = text[i];
      if (in_string)
        {
          /* json-glib cuts a string at \u0000 without a word: a password
           * "secret\u0000junk" would become "secret" */
          if (escaped && (ch == 'u' || ch == 'U') && i + 4 < len
              && g_ascii_strncasecmp (text + i + 1, "0000", 4) == 0)
            {
              g_set_error (error, OCC_JSON_ERROR, 0, "a string holds \\u0000 (NUL)");
              return FALSE;
            }
          if (escaped)
            escaped = FALSE;
          else if (ch == '\\')
            escaped = TRUE;
          else if (ch == '"')
            in_string = FALSE;
        }
      else if (ch == '"')
        in_string = TRUE;
      else if (ch == '[' || ch == '{')
        {
          if (++depth > max_depth)
            {
              g_set_error (error, OCC_JSON_ERROR, 0, "JSON nested deeper than %u levels",
                           max_depth);
              return FALSE;
            }
        }
      else if ((ch == ']' || ch == '}') && depth > 0)
        depth--;
    }
  return TRUE;
}

JsonNode *
occ_json_parse (const char *text, gssize length, GError **error)
{
  gsize len = length < 0 ? strlen (text) : (gsize) length;
  if (!g_utf8_validate (text, len, NULL))
    {
      g_set_error (error, OCC_JSON_ERROR, 0, "not UTF-8");
      return NULL;
    }
  if (!occ_json_check_depth (text, len, OCC_JSON_MAX_DEPTH, error))
    return NULL;
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, text, len, error))
    return NULL;
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error (error, OCC_JSON_ERROR, 0, "empty input");
      return NULL;
    }
  return json_node_ref (root);
}

/* json-glib 1.6's generator writes doubles such as 1e308 as "1e+308.0",
 * which is not JSON, so the writer is our own. Doubles use the shortest
 * form that reads back to the same bits, and always look like doubles
 * ("-0.0", not "-0") so that the type survives the trip. */
static void
write_string (GString *out, const char *s)
{
  /* JSON is UTF-8; a message quoting bad input may not be */
  g_autofree char *valid = g_utf8_validate (s, -1, NULL) ? NULL : g_utf8_make_valid (s, -1);
  if (valid)
    s = valid;
  g_string_append_c (out, '"');
  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    {
      switch (*p)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if (*p < 0x20)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, (char) *p);
        }
    }
  g_string_append_c (out, '"');
}

static void
write_node (GString *out, JsonNode *n)
{
  switch (JSON_NODE_TYPE (n))
    {
    case JSON_NODE_NULL:
      g_string_append (out, "null");
      return;
    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (n))
        {
        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (n) ? "true" : "false");
          return;
        case G_TYPE_INT64:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (n));
          return;
        case G_TYPE_DOUBLE:
          {
            char buf[G_ASCII_DTOSTR_BUF_SIZE];
            g_ascii_dtostr (buf, sizeof buf, json_node_get_double (n));
            g_string_append (out, buf);
            if (strpbrk (buf, ".eE") == NULL)
              g_string_append (out, ".0");
            return;
          }
        default:
          write_string (out, json_node_get_string (n));
          return;
        }
    case JSON_NODE_ARRAY:
      {
        JsonArray *a = json_node_get_array (n);
        g_string_append_c (out, '[');
        for (guint i = 0; i < json_array_get_length (a); i++)
          {
            if (i)
              g_string_append_c (out, ',');
            write_node (out, json_array_get_element (a, i));
          }
        g_string_append_c (out, ']');
        return;
      }
    case JSON_NODE_OBJECT:
      {
        JsonObject *o = json_node_get_object (n);
        g_autoptr (GList) members = json_object_get_members (o);
        g_string_append_c (out, '{');
        for (GList *m = members; m; m = m->next)
          {
            if (m != members)
              g_string_append_c (out, ',');
            write_string (out, m->data);
            g_string_append_c (out, ':');
            write_node (out, json_object_get_member (o, m->data));
          }
        g_string_append_c (out, '}');
        return;
      }
    }
}

char *
occ_json_to_string (JsonNode *node)
{
  GString *out = g_string_sized_new (128);
  write_node (out, node);
  return g_string_free (out, FALSE);
}
