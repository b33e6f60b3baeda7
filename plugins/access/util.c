/* access: small helpers — time, random ids and tokens, logins, audit. */
#include "access.h"

#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/random.h>

gint64
ac_now_ms (void)
{
  return g_get_real_time () / 1000;
}

/* @n bytes from the kernel's CSPRNG; aborts if it cannot give them (a
 * token made from anything weaker would be a guessable credential). */
static void
random_bytes (guint8 *buf, gsize n)
{
  gsize got = 0;
  while (got < n)
    {
      ssize_t r = getrandom (buf + got, n - got, 0);
      if (r < 0)
        {
          if (errno == EINTR)
            continue;
          g_error ("getrandom: %s", g_strerror (errno));
        }
      got += (gsize) r;
    }
}

char *
ac_random_id (void)
{
  guint8 b[16];
  random_bytes (b, sizeof b);
  GString *s = g_string_sized_new (33);
  for (guint i = 0; i < sizeof b; i++)
    g_string_append_printf (s, "%02x", b[i]);
  return g_string_free (s, FALSE);
}

char *
ac_random_token (void)
{
  guint8 b[32];
  random_bytes (b, sizeof b);
  g_autofree char *b64 = g_base64_encode (b, sizeof b);
  memset (b, 0, sizeof b);
  /* base64url without padding: safe in files, headers and URLs */
  for (char *c = b64; *c; c++)
    if (*c == '+')
      *c = '-';
    else if (*c == '/')
      *c = '_';
  char *eq = strchr (b64, '=');
  if (eq)
    *eq = '\0';
  char *token = g_strconcat ("occ_", b64, NULL);
  memset (b64, 0, strlen (b64));
  return token;
}

char *
ac_hash_token (const char *token)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}

gboolean
ac_text_ok (const char *text, gsize max)
{
  if (text == NULL || strlen (text) > max || !g_utf8_validate (text, -1, NULL))
    return FALSE;
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
        return FALSE;
    }
  return TRUE;
}

char *
ac_fold (const char *login)
{
  if (login == NULL || login[0] == '\0' || !ac_text_ok (login, AC_MAX_LOGIN))
    return NULL;
  g_autofree char *norm = g_utf8_normalize (login, -1, G_NORMALIZE_NFKC);
  if (norm == NULL)
    return NULL;
  char *folded = g_utf8_casefold (norm, -1);
  if (strlen (folded) > AC_MAX_LOGIN || strchr (folded, ' ') == folded)
    {
      g_free (folded);
      return NULL;
    }
  return folded;
}

char *
ac_strv_to_json (const char *const *v)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_array (b);
  for (guint i = 0; v && v[i]; i++)
    json_builder_add_string_value (b, v[i]);
  json_builder_end_array (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

char **
ac_strv_from_json (const char *json)
{
  GPtrArray *out = g_ptr_array_new ();
  g_autoptr (JsonParser) p = json_parser_new ();
  if (json && json_parser_load_from_data (p, json, -1, NULL)
      && JSON_NODE_HOLDS_ARRAY (json_parser_get_root (p)))
    {
      JsonArray *a = json_node_get_array (json_parser_get_root (p));
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          JsonNode *n = json_array_get_element (a, i);
          if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
            g_ptr_array_add (out, g_strdup (json_node_get_string (n)));
        }
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

static void
audit_done (GVariant *result, const GError *error, gpointer data)
{
  (void) result;
  char *action = data;
  if (error)
    g_warning ("audit entry %s not written: %s", action, error->message);
  g_free (action);
}

void
ac_audit (Access *self, const char *actor, const char *action, const char *target,
          const char *result, const char *source, GVariant *details)
{
  if (details)
    g_variant_ref_sink (details);
  if (self->audit && self->plugin)
    self->audit->append (self->audit, actor, action, target, result, source, details, audit_done,
                         g_strdup (action));
  else
    g_warning ("no audit service: %s %s %s by %s not recorded", action, target ? target : "",
               result, actor);
  if (details)
    g_variant_unref (details);
}

void
ac_publish_account (Access *self, const char *login, const char *state, const char *by,
                    gint64 until)
{
  if (self->plugin == NULL)
    return;
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "by", "s", by ? by : AC_SYSTEM_ROLE);
  if (until)
    g_variant_dict_insert (&d, "until", "x", until);
  g_autoptr (GError) e = NULL;
  if (!occ_bus_publish (occ_plugin_get_bus (self->plugin), self->plugin, OCC_EVENT_ACCESS_ACCOUNT,
                        g_variant_new ("(ss@a{sv})", login, state, g_variant_dict_end (&d)), &e))
    g_warning ("%s: %s not published: %s", login, OCC_EVENT_ACCESS_ACCOUNT, e->message);
}
