/* sip: the plugin's configuration (plugins.d/sip.conf). */
#include "sip-private.h"

#include <string.h>

const OccConfigKey sip_config_schema[] = {
  { "sip", "listen", OCC_CONFIG_STRING, 0, 0,
    "Where SIP is received over UDP and TCP: sip:ADDRESS:PORT (default sip:127.0.0.1:5060)." },
  { "sip", "listen-tls", OCC_CONFIG_STRING, 0, 0,
    "Where SIP over TLS is received: sips:ADDRESS:PORT (needs tls-dir)." },
  { "sip", "tls-dir", OCC_CONFIG_STRING, 0, 0,
    "Folder with agent.pem (private key and certificate) and cafile.pem for TLS." },
  { "sip", "realm", OCC_CONFIG_STRING, 0, 0,
    "Digest realm of the registrar; the same as the access policy's [sip] realm (default "
    "omnicc)." },
  { "sip", "user-agent", OCC_CONFIG_STRING, 0, 0, "User-Agent and Server header value." },
  { "sip", "min-expires", OCC_CONFIG_INT, 10, 3600,
    "Shortest registration accepted, seconds (default 60; shorter: 423 Interval Too Brief)." },
  { "sip", "max-expires", OCC_CONFIG_INT, 60, 86400,
    "Longest registration granted, seconds (default 3600; longer ones are shortened)." },
  { "sip", "default-expires", OCC_CONFIG_INT, 60, 86400,
    "Registration time when the phone asks for none, seconds (default 3600)." },
  { "sip", "auth-failures", OCC_CONFIG_INT, 1, 10000,
    "Failed authentications from one address within auth-window before it is refused "
    "(default 10)." },
  { "sip", "auth-window", OCC_CONFIG_INT, 1, 3600, "Seconds over which failures count (60)." },
  { "sip", "auth-block", OCC_CONFIG_INT, 1, 86400,
    "Seconds an address is refused with 403 after too many failures (300)." },
  { "sip", "digest-algorithms", OCC_CONFIG_STRING_LIST, 0, 0,
    "Challenges sent, in this order: MD5, SHA-256 (default MD5;SHA-256 — many phones read only "
    "the first and know only MD5)." },
  { "sip", "nonce-lifetime", OCC_CONFIG_INT, 10, 3600,
    "Seconds a digest nonce stays valid; older ones are challenged again with stale=true "
    "(300)." },
  { .group = NULL }
};

void
sip_config_clear (SipConfig *c)
{
  g_free (c->listen);
  g_free (c->listen_tls);
  g_free (c->tls_dir);
  g_free (c->realm);
  g_free (c->user_agent);
  memset (c, 0, sizeof *c);
}

static char *
string_key (GKeyFile *f, const char *key, const char *fallback)
{
  g_autofree char *v = g_key_file_get_string (f, "sip", key, NULL);
  if (v && *g_strstrip (v))
    return g_steal_pointer (&v);
  return g_strdup (fallback);
}

static guint
int_key (GKeyFile *f, const char *key, guint fallback)
{
  if (!g_key_file_has_key (f, "sip", key, NULL))
    return fallback;
  return (guint) g_key_file_get_integer (f, "sip", key, NULL);
}

gboolean
sip_config_read (SipConfig *c, GKeyFile *f, GError **error)
{
  memset (c, 0, sizeof *c);
  c->listen = string_key (f, "listen", "sip:127.0.0.1:5060");
  c->listen_tls = string_key (f, "listen-tls", NULL);
  c->tls_dir = string_key (f, "tls-dir", NULL);
  c->realm = string_key (f, "realm", "omnicc");
  c->user_agent = string_key (f, "user-agent", "omnicc/" OCC_VERSION);
  c->min_expires = int_key (f, "min-expires", 60);
  c->max_expires = int_key (f, "max-expires", 3600);
  c->default_expires = int_key (f, "default-expires", 3600);
  c->auth_failures = int_key (f, "auth-failures", 10);
  c->auth_window_s = int_key (f, "auth-window", 60);
  c->auth_block_s = int_key (f, "auth-block", 300);
  c->nonce_lifetime_s = int_key (f, "nonce-lifetime", 300);
  g_auto (GStrv) algos = g_key_file_get_string_list (f, "sip", "digest-algorithms", NULL, NULL);
  const char *const defaults[] = { "MD5", "SHA-256", NULL };
  const char *const *list = algos && algos[0] ? (const char *const *) algos : defaults;
  for (guint i = 0; list[i] && c->n_algorithms < G_N_ELEMENTS (c->algorithms); i++)
    {
      g_autofree char *a = g_strstrip (g_strdup (list[i]));
      if (g_ascii_strcasecmp (a, "MD5") == 0)
        c->algorithms[c->n_algorithms++] = 0;
      else if (g_ascii_strcasecmp (a, "SHA-256") == 0)
        c->algorithms[c->n_algorithms++] = 1;
      else
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       "[sip] digest-algorithms: “%s” is not MD5 or SHA-256", a);
          sip_config_clear (c);
          return FALSE;
        }
    }
  const char *problem = NULL;
  if (!g_str_has_prefix (c->listen, "sip:"))
    problem = "[sip] listen: must be sip:ADDRESS:PORT";
  else if (c->listen_tls && !g_str_has_prefix (c->listen_tls, "sips:"))
    problem = "[sip] listen-tls: must be sips:ADDRESS:PORT";
  else if (c->listen_tls && c->tls_dir == NULL)
    problem = "[sip] listen-tls needs tls-dir (agent.pem, cafile.pem)";
  else if (strpbrk (c->realm, "\"\\:") || !g_utf8_validate (c->realm, -1, NULL))
    problem = "[sip] realm: no quotes, colons or backslashes";
  else if (c->min_expires > c->max_expires)
    problem = "[sip] min-expires is larger than max-expires";
  else if (c->default_expires < c->min_expires || c->default_expires > c->max_expires)
    problem = "[sip] default-expires is not between min-expires and max-expires";
  if (problem)
    {
      g_set_error_literal (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, problem);
      sip_config_clear (c);
      return FALSE;
    }
  return TRUE;
}
