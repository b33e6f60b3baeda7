/* audit: the canonical form of an entry, and its hash.
 *
 * An entry's hash is the lower-case hex SHA-256 of these bytes:
 *
 *   entry   = "omnicc-audit-1\n" prev_hash id at actor action target result
 *             source details
 *   text    = "s" LEN ":" BYTES     LEN: the number of bytes of the UTF-8
 *                                   text, in decimal without leading zeros
 *   absent  = "n"                   target, source or details not given
 *   integer = "i" DEC ";"           DEC: decimal, "-" for negatives, no
 *                                   leading zeros
 *
 * prev_hash, id, actor, action and result are text; at is an integer
 * (milliseconds since 1970); target and source are text or absent;
 * details is a value (an object) or absent. Values follow the JSON data
 * model, because the store keeps details as the text of a JSON object:
 *
 *   value   = "n" (null) | "t" (true) | "f" (false) | integer | real
 *           | text | array | object
 *   real    = "r" G ";"             G: the number as g_ascii_dtostr()
 *                                   prints it ("%.17g" in the C locale)
 *   array   = "a" COUNT ":" value…  COUNT: the number of elements
 *   object  = "o" COUNT ":" (text value)…
 *                                   members in byte-wise order of their
 *                                   keys (strcmp); a key appears once
 *
 * Every element says its type and where it ends, so no two different
 * entries give the same bytes, and the order in which a caller built its
 * details dictionary does not matter. The type is the JSON type, not the
 * GVariant type: an int32 and an int64 of the same value hash alike (the
 * store could not tell them apart), while 3 and 3.0 do not (json-glib
 * writes 3.0 as "3.0" and reads it back as a real).
 *
 * At append time the details are an a{sv} (audit_canon_variant); at
 * verify time they are the JSON text the records plugin stored
 * (audit_canon_json). Both give the same bytes for the same value. */
#include "canonical.h"

#include <math.h>
#include <omnicc/omnicc.h>
#include <string.h>

#define CANON_PREFIX "omnicc-audit-1\n"

static void
put_text (GString *out, const char *s)
{
  gsize len = strlen (s);
  g_string_append_printf (out, "s%" G_GSIZE_FORMAT ":", len);
  g_string_append_len (out, s, len);
}

static void
put_int (GString *out, gint64 n)
{
  g_string_append_printf (out, "i%" G_GINT64_FORMAT ";", n);
}

static void
put_real (GString *out, double d)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_string_append_printf (out, "r%s;", g_ascii_dtostr (buf, sizeof buf, d));
}

/* --- from a GVariant ------------------------------------------------------------- */

typedef struct {
  GVariant *key;
  GVariant *value;
} Member;

static int
compare_members (gconstpointer a, gconstpointer b)
{
  return strcmp (g_variant_get_string (((const Member *) a)->key, NULL),
                 g_variant_get_string (((const Member *) b)->key, NULL));
}

static gboolean canon_value (GVariant *v, const char *path, GString *out, GError **error);

static gboolean
refuse (GError **error, const char *path, const char *what)
{
  g_set_error (error, OCC_AUDIT_ERROR, OCC_AUDIT_ERROR_INVALID, "%s: %s", path, what);
  return FALSE;
}

static gboolean
canon_object (GVariant *dict, const char *path, GString *out, GError **error)
{
  gsize n = g_variant_n_children (dict);
  g_autoptr (GArray) members = g_array_sized_new (FALSE, FALSE, sizeof (Member), n);
  gboolean ok = TRUE;
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr (GVariant) entry = g_variant_get_child_value (dict, i);
      Member m = { g_variant_get_child_value (entry, 0), g_variant_get_child_value (entry, 1) };
      g_array_append_val (members, m);
    }
  g_array_sort (members, compare_members);
  g_string_append_printf (out, "o%" G_GSIZE_FORMAT ":", n);
  const char *previous = NULL;
  for (gsize i = 0; i < n && ok; i++)
    {
      Member *m = &g_array_index (members, Member, i);
      const char *key = g_variant_get_string (m->key, NULL);
      g_autofree char *child = g_strdup_printf ("%s.%s", path, key);
      if (previous != NULL && strcmp (key, previous) == 0)
        ok = refuse (error, child, "given twice");
      else
        {
          put_text (out, key);
          ok = canon_value (m->value, child, out, error);
        }
      previous = key;
    }
  for (gsize i = 0; i < n; i++)
    {
      g_variant_unref (g_array_index (members, Member, i).key);
      g_variant_unref (g_array_index (members, Member, i).value);
    }
  return ok;
}

static gboolean
canon_array (GVariant *array, const char *path, GString *out, GError **error)
{
  gsize n = g_variant_n_children (array);
  g_string_append_printf (out, "a%" G_GSIZE_FORMAT ":", n);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr (GVariant) child = g_variant_get_child_value (array, i);
      g_autofree char *where = g_strdup_printf ("%s[%" G_GSIZE_FORMAT "]", path, i);
      if (!canon_value (child, where, out, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
canon_real (double d, const char *path, GString *out, GError **error)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  if (!isfinite (d))
    return refuse (error, path, "is not a finite number");
  /* json-glib 1.6 appends ".0" to a number printed without a point, so
   * 1e+20 becomes "1e+20.0", which no parser reads back: refuse it here
   * rather than store an entry that cannot be verified */
  g_ascii_dtostr (buf, sizeof buf, d);
  if (strchr (buf, 'e') != NULL && strchr (buf, '.') == NULL)
    {
      g_autofree char *what
          = g_strdup_printf ("the number %s cannot be stored as JSON; give it as text", buf);
      return refuse (error, path, what);
    }
  put_real (out, d);
  return TRUE;
}

static gboolean
canon_value (GVariant *v, const char *path, GString *out, GError **error)
{
  switch (g_variant_classify (v))
    {
    case G_VARIANT_CLASS_VARIANT:
      {
        g_autoptr (GVariant) inner = g_variant_get_variant (v);
        return canon_value (inner, path, out, error);
      }
    case G_VARIANT_CLASS_MAYBE:
      {
        g_autoptr (GVariant) inner = g_variant_get_maybe (v);
        if (inner == NULL)
          {
            g_string_append_c (out, 'n');
            return TRUE;
          }
        return canon_value (inner, path, out, error);
      }
    case G_VARIANT_CLASS_BOOLEAN:
      g_string_append_c (out, g_variant_get_boolean (v) ? 't' : 'f');
      return TRUE;
    case G_VARIANT_CLASS_BYTE:
      put_int (out, g_variant_get_byte (v));
      return TRUE;
    case G_VARIANT_CLASS_INT16:
      put_int (out, g_variant_get_int16 (v));
      return TRUE;
    case G_VARIANT_CLASS_UINT16:
      put_int (out, g_variant_get_uint16 (v));
      return TRUE;
    case G_VARIANT_CLASS_INT32:
      put_int (out, g_variant_get_int32 (v));
      return TRUE;
    case G_VARIANT_CLASS_UINT32:
      put_int (out, g_variant_get_uint32 (v));
      return TRUE;
    case G_VARIANT_CLASS_INT64:
      put_int (out, g_variant_get_int64 (v));
      return TRUE;
    case G_VARIANT_CLASS_UINT64:
      if (g_variant_get_uint64 (v) > G_MAXINT64)
        return refuse (error, path, "is too large to store (more than 2^63 - 1)");
      put_int (out, (gint64) g_variant_get_uint64 (v));
      return TRUE;
    case G_VARIANT_CLASS_DOUBLE:
      return canon_real (g_variant_get_double (v), path, out, error);
    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
    case G_VARIANT_CLASS_SIGNATURE:
      put_text (out, g_variant_get_string (v, NULL));
      return TRUE;
    case G_VARIANT_CLASS_ARRAY:
      {
        const GVariantType *element = g_variant_type_element (g_variant_get_type (v));
        if (g_variant_type_equal (element, G_VARIANT_TYPE_BYTE))
          break;
        if (!g_variant_type_is_dict_entry (element))
          return canon_array (v, path, out, error);
        if (!g_variant_type_equal (g_variant_type_key (element), G_VARIANT_TYPE_STRING))
          break;
        return canon_object (v, path, out, error);
      }
    default:
      break;
    }
  g_autofree char *what = g_strdup_printf ("a value of type “%s” cannot be stored as JSON",
                                           g_variant_get_type_string (v));
  return refuse (error, path, what);
}

gboolean
audit_canon_variant (GVariant *details, GString *out, GError **error)
{
  g_return_val_if_fail (details != NULL && out != NULL, FALSE);
  if (!g_variant_is_of_type (details, G_VARIANT_TYPE_VARDICT))
    {
      g_set_error (error, OCC_AUDIT_ERROR, OCC_AUDIT_ERROR_INVALID,
                   "details: expected an a{sv} dictionary, not a value of type “%s”",
                   g_variant_get_type_string (details));
      return FALSE;
    }
  return canon_object (details, "details", out, error);
}

/* --- from JSON text ---------------------------------------------------------------- */

/* json-glib's parser recurses once per level: a row edited to hold
 * "[[[[…" a million deep must not take the daemon's stack. */
static gboolean
depth_ok (const char *text, guint max)
{
  guint depth = 0;
  gboolean in_string = FALSE;
  for (const char *p = text; *p; p++)
    {
      if (in_string)
        {
          if (*p == '\\' && p[1] != '\0')
            p++;
          else if (*p == '"')
            in_string = FALSE;
        }
      else if (*p == '"')
        in_string = TRUE;
      else if (*p == '[' || *p == '{')
        {
          if (++depth > max)
            return FALSE;
        }
      else if ((*p == ']' || *p == '}') && depth > 0)
        depth--;
    }
  return TRUE;
}

/* The root node of @json, a JSON object (transfer none: owned by @parser). */
static JsonNode *
parse_object (JsonParser *parser, const char *json, GError **error)
{
  if (!depth_ok (json, AUDIT_JSON_MAX_DEPTH))
    {
      g_set_error (error, OCC_AUDIT_ERROR, OCC_AUDIT_ERROR_INVALID,
                   "details: nested deeper than %u levels", AUDIT_JSON_MAX_DEPTH);
      return NULL;
    }
  g_autoptr (GError) e = NULL;
  if (!json_parser_load_from_data (parser, json, -1, &e))
    {
      g_set_error (error, OCC_AUDIT_ERROR, OCC_AUDIT_ERROR_INVALID, "details: not JSON: %s",
                   e->message);
      return NULL;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, OCC_AUDIT_ERROR, OCC_AUDIT_ERROR_INVALID,
                           "details: not a JSON object");
      return NULL;
    }
  return root;
}

static int
compare_keys (gconstpointer a, gconstpointer b)
{
  return strcmp (a, b);
}

static void canon_node (JsonNode *node, GString *out);

static void
canon_json_object (JsonObject *o, GString *out)
{
  GList *keys = g_list_sort (json_object_get_members (o), compare_keys);
  g_string_append_printf (out, "o%u:", g_list_length (keys));
  for (GList *k = keys; k; k = k->next)
    {
      put_text (out, k->data);
      canon_node (json_object_get_member (o, k->data), out);
    }
  g_list_free (keys);
}

static void
canon_node (JsonNode *node, GString *out)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_NULL:
      g_string_append_c (out, 'n');
      return;
    case JSON_NODE_OBJECT:
      canon_json_object (json_node_get_object (node), out);
      return;
    case JSON_NODE_ARRAY:
      {
        JsonArray *a = json_node_get_array (node);
        guint n = json_array_get_length (a);
        g_string_append_printf (out, "a%u:", n);
        for (guint i = 0; i < n; i++)
          canon_node (json_array_get_element (a, i), out);
        return;
      }
    case JSON_NODE_VALUE:
      break;
    }
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_BOOLEAN:
      g_string_append_c (out, json_node_get_boolean (node) ? 't' : 'f');
      break;
    case G_TYPE_INT64:
      put_int (out, json_node_get_int (node));
      break;
    case G_TYPE_DOUBLE:
      put_real (out, json_node_get_double (node));
      break;
    default:
      put_text (out, json_node_get_string (node) ? json_node_get_string (node) : "");
      break;
    }
}

gboolean
audit_canon_json (JsonParser *parser, const char *json, GString *out, GError **error)
{
  g_return_val_if_fail (parser != NULL && json != NULL && out != NULL, FALSE);
  JsonNode *root = parse_object (parser, json, error);
  if (root == NULL)
    return FALSE;
  canon_json_object (json_node_get_object (root), out);
  return TRUE;
}

/* --- the hash -------------------------------------------------------------------------- */

static void
put_optional (GString *out, const char *s)
{
  if (s == NULL)
    g_string_append_c (out, 'n');
  else
    put_text (out, s);
}

void
audit_hash (const AuditFields *f, const GString *details, GString *scratch,
            char out[AUDIT_HASH_LEN + 1])
{
  g_string_assign (scratch, CANON_PREFIX);
  put_text (scratch, f->prev_hash ? f->prev_hash : "");
  put_text (scratch, f->id ? f->id : "");
  put_int (scratch, f->at);
  put_text (scratch, f->actor ? f->actor : "");
  put_text (scratch, f->action ? f->action : "");
  put_optional (scratch, f->target);
  put_text (scratch, f->result ? f->result : "");
  put_optional (scratch, f->source);
  if (details == NULL)
    g_string_append_c (scratch, 'n');
  else
    g_string_append_len (scratch, details->str, details->len);
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sum, (const guchar *) scratch->str, scratch->len);
  g_strlcpy (out, g_checksum_get_string (sum), AUDIT_HASH_LEN + 1);
}

/* --- JSON back to a dictionary (exports) ----------------------------------------------- */

static GVariant *
node_to_variant (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_NULL:
      return g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL);
    case JSON_NODE_OBJECT:
      {
        JsonObject *o = json_node_get_object (node);
        GVariantBuilder b;
        g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
        g_autoptr (GList) keys = json_object_get_members (o);
        for (GList *k = keys; k; k = k->next)
          g_variant_builder_add (&b, "{sv}", (const char *) k->data,
                                 node_to_variant (json_object_get_member (o, k->data)));
        return g_variant_builder_end (&b);
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *a = json_node_get_array (node);
        guint n = json_array_get_length (a);
        gboolean strings = n > 0;
        for (guint i = 0; i < n && strings; i++)
          {
            JsonNode *e = json_array_get_element (a, i);
            strings = JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_STRING;
          }
        GVariantBuilder b;
        g_variant_builder_init (&b, strings ? G_VARIANT_TYPE_STRING_ARRAY : G_VARIANT_TYPE ("av"));
        for (guint i = 0; i < n; i++)
          {
            GVariant *v = node_to_variant (json_array_get_element (a, i));
            g_variant_builder_add_value (&b, strings ? v : g_variant_new_variant (v));
          }
        return g_variant_builder_end (&b);
      }
    case JSON_NODE_VALUE:
      break;
    }
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_BOOLEAN:
      return g_variant_new_boolean (json_node_get_boolean (node));
    case G_TYPE_INT64:
      return g_variant_new_int64 (json_node_get_int (node));
    case G_TYPE_DOUBLE:
      return g_variant_new_double (json_node_get_double (node));
    default:
      {
        /* json-glib unescapes "\u0000" and lone surrogates into bytes that
         * need not be UTF-8, which a GVariant string must be */
        const char *s = json_node_get_string (node);
        if (s == NULL || !g_utf8_validate (s, -1, NULL))
          return g_variant_new_take_string (g_utf8_make_valid (s ? s : "", -1));
        return g_variant_new_string (s);
      }
    }
}

GVariant *
audit_json_to_vardict (JsonParser *parser, const char *json, GError **error)
{
  g_return_val_if_fail (parser != NULL && json != NULL, NULL);
  JsonNode *root = parse_object (parser, json, error);
  return root ? node_to_variant (root) : NULL;
}
