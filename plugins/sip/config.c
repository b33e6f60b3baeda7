/* sip: the plugin's configuration (plugins.d/sip.conf). */
#include "sip-private.h"

#include <string.h>

#define TRUNK_PREFIX "trunk "
#define ROUTE_PREFIX "route "

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
    "Challenges sent, in this order: MD5, SHA-256 (default MD5: some phones fail on a "
    "challenge they do not know, e.g. baresip 1.0 on SHA-256)." },
  { "sip", "nonce-lifetime", OCC_CONFIG_INT, 10, 3600,
    "Seconds a digest nonce stays valid; older ones are challenged again with stale=true "
    "(300)." },
  { "sip", "agent-srtp", OCC_CONFIG_STRING, 0, 0,
    "SRTP on the agents' legs: off, optional, required (default optional; required for "
    "agents working over the internet)." },
  { "sip", "max-call-duration", OCC_CONFIG_INT, 0, 86400,
    "Seconds after which a call is ended (default 0: no limit)." },
  { "sip", "keepalive-interval", OCC_CONFIG_INT, 0, 3600,
    "Seconds between the OPTIONS sent to each phone registered over UDP, keeping its NAT "
    "pinhole open (default 30; 0: none)." },
  { "sip", "keepalive-failures", OCC_CONFIG_INT, 1, 100,
    "Keep-alives a phone leaves unanswered in a row before its registration is dropped "
    "(default 3)." },
  { "sip", "keepalive-timeout", OCC_CONFIG_INT, 1, 60,
    "Seconds a keep-alive waits for an answer (default 10; at most keepalive-interval)." },
  { "sip", "media-timeout", OCC_CONFIG_INT, 0, 3600,
    "Seconds without a packet from a leg that should send (not on hold) after which its call "
    "is ended as media-timeout: a peer gone without a BYE (default 0: never; 60 is usual)." },
  { "sip", "incomplete-message-timeout", OCC_CONFIG_INT, 1, 600,
    "Seconds a TCP or TLS peer has to finish a message it began before it gets 400 and the "
    "connection closes (default 32; sofia-sip alone would wait forever)." },
  { "sip", "max-message-size", OCC_CONFIG_INT, 4096, 1048576,
    "Largest SIP message received, bytes (default 65535); a larger request is refused with 413 "
    "Request Too Large, and a TCP or TLS connection that sent it is closed." },
  { "sip", "recordings-dir", OCC_CONFIG_STRING, 0, 0,
    "Where call recordings go, in YYYY/MM/DD folders (default: STATE-DIR/recordings)." },
  { "trunk *", "address", OCC_CONFIG_STRING, 0, 0,
    "The operator's side: HOST:PORT, where outbound calls and keep-alives go." },
  { "trunk *", "transport", OCC_CONFIG_STRING, 0, 0, "udp (default), tcp or tls." },
  { "trunk *", "inbound-from", OCC_CONFIG_STRING_LIST, 0, 0,
    "Addresses whose INVITEs come from this trunk (default: the address's host)." },
  { "trunk *", "caller-id", OCC_CONFIG_STRING, 0, 0,
    "Number presented on outbound calls (From and P-Asserted-Identity) unless the call gives "
    "its own." },
  { "trunk *", "from-domain", OCC_CONFIG_STRING, 0, 0,
    "Host part of the From and P-Asserted-Identity of outbound calls (default: the address's "
    "host)." },
  { "trunk *", "username", OCC_CONFIG_STRING, 0, 0,
    "Our user at the operator: digest credentials for challenged INVITEs and REGISTERs, and "
    "the registered address's user." },
  { "trunk *", "password", OCC_CONFIG_STRING, 0, 0,
    "The digest password (prefer password-file: the configuration is more widely readable)." },
  { "trunk *", "password-file", OCC_CONFIG_STRING, 0, 0,
    "A file holding the digest password (its first line), readable by omnicc only." },
  { "trunk *", "inbound-auth", OCC_CONFIG_BOOL, 0, 0,
    "Its INVITEs must also prove username and password (digest, challenged with 401 in our "
    "realm); with inbound-from=* the credentials alone say which trunk calls (default "
    "false)." },
  { "trunk *", "register", OCC_CONFIG_BOOL, 0, 0,
    "Register sip:USERNAME@HOST with the operator, refreshed before it expires (default "
    "false)." },
  { "trunk *", "register-expires", OCC_CONFIG_INT, 60, 86400,
    "Registration time asked for, seconds (default 600); a failed registration is retried "
    "every 30 s." },
  { "trunk *", "codecs", OCC_CONFIG_STRING_LIST, 0, 0,
    "Codecs in order of preference (default: the media plugin's)." },
  { "trunk *", "srtp", OCC_CONFIG_STRING, 0, 0, "off (default), optional or required." },
  { "trunk *", "options-interval", OCC_CONFIG_INT, 0, 3600,
    "Seconds between OPTIONS keep-alives, which mark the trunk up or down (default 30; 0: "
    "none)." },
  { "trunk *", "order", OCC_CONFIG_INT, 0, 1000,
    "Outbound calls try trunks by this order, lowest first (default 100)." },
  { "route *", "numbers", OCC_CONFIG_STRING_LIST, 0, 0,
    "Called numbers sent here: exact, or a prefix ending in * (the longest match wins)." },
  { "route *", "agents", OCC_CONFIG_STRING_LIST, 0, 0,
    "Agents' logins rung one after another until one answers." },
  { "route *", "queue", OCC_CONFIG_STRING, 0, 0,
    "Or an ACD queue the calls join (the acd plugin offers them to its agents)." },
  { "route *", "ivr", OCC_CONFIG_STRING, 0, 0,
    "Or an IVR flow the ivr service runs for the calls ([a-z0-9_-], 64 at most)." },
  { "route *", "ring-timeout", OCC_CONFIG_INT, 1, 600,
    "Seconds an agent rings before the next one is tried (default 20)." },
  { .group = NULL }
};

static void
trunk_free (SipTrunk *t)
{
  g_free (t->name);
  g_free (t->address);
  g_free (t->transport);
  g_strfreev (t->inbound_from);
  g_free (t->caller_id);
  g_free (t->from_domain);
  g_free (t->username);
  if (t->password)
    memset (t->password, 0, strlen (t->password));
  g_free (t->password);
  g_free (t->registration);
  g_strfreev (t->codecs);
  g_free (t->last_reason);
  g_free (t);
}

static gboolean
srtp_value (const char *v, OccMediaSrtp *out)
{
  if (v == NULL || g_strcmp0 (v, "off") == 0)
    *out = OCC_MEDIA_SRTP_OFF;
  else if (strcmp (v, "optional") == 0)
    *out = OCC_MEDIA_SRTP_OPTIONAL;
  else if (strcmp (v, "required") == 0)
    *out = OCC_MEDIA_SRTP_REQUIRED;
  else
    return FALSE;
  return TRUE;
}

static char **
list_key (GKeyFile *f, const char *group, const char *key)
{
  g_auto (GStrv) raw = g_key_file_get_string_list (f, group, key, NULL, NULL);
  GPtrArray *out = g_ptr_array_new ();
  for (guint i = 0; raw && raw[i]; i++)
    {
      char *v = g_strstrip (g_strdup (raw[i]));
      if (*v)
        g_ptr_array_add (out, v);
      else
        g_free (v);
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

static gboolean
read_trunk (SipConfig *c, GKeyFile *f, const char *group, GError **error)
{
  SipTrunk *t = g_new0 (SipTrunk, 1);
  g_ptr_array_add (c->trunks, t);
  t->name = g_strdup (group + strlen (TRUNK_PREFIX));
  t->address = g_key_file_get_string (f, group, "address", NULL);
  g_autofree char *transport = g_key_file_get_string (f, group, "transport", NULL);
  t->transport = g_strdup (transport ? g_strstrip (transport) : "udp");
  t->inbound_from = list_key (f, group, "inbound-from");
  t->caller_id = g_key_file_get_string (f, group, "caller-id", NULL);
  t->codecs = list_key (f, group, "codecs");
  if (t->codecs[0] == NULL)
    g_clear_pointer (&t->codecs, g_strfreev);
  t->options_interval_s = g_key_file_has_key (f, group, "options-interval", NULL)
                              ? (guint) g_key_file_get_integer (f, group, "options-interval", NULL)
                              : 30;
  t->order = g_key_file_has_key (f, group, "order", NULL)
                 ? (guint) g_key_file_get_integer (f, group, "order", NULL)
                 : 100;
  t->username = g_key_file_get_string (f, group, "username", NULL);
  t->password = g_key_file_get_string (f, group, "password", NULL);
  g_autofree char *password_file = g_key_file_get_string (f, group, "password-file", NULL);
  t->register_ = g_key_file_get_boolean (f, group, "register", NULL);
  t->inbound_auth = g_key_file_get_boolean (f, group, "inbound-auth", NULL);
  t->register_expires_s = g_key_file_has_key (f, group, "register-expires", NULL)
                              ? (guint) g_key_file_get_integer (f, group, "register-expires", NULL)
                              : 600;
  g_autofree char *srtp = g_key_file_get_string (f, group, "srtp", NULL);
  const char *problem = NULL;
  g_autoptr (GError) file_error = NULL;
  if (password_file && t->password == NULL)
    {
      g_autofree char *text = NULL;
      if (g_file_get_contents (g_strstrip (password_file), &text, NULL, &file_error))
        {
          t->password = g_strndup (text, strcspn (text, "\r\n"));
          memset (text, 0, strlen (text));
        }
      else
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       "[%s] password-file: %s", group, file_error->message);
          return FALSE;
        }
    }
  if (t->address == NULL || strchr (g_strstrip (t->address), ':') == NULL
      || strpbrk (t->address, " <>;\"") != NULL)
    problem = "address: HOST:PORT is needed";
  else if (!g_strv_contains ((const char *const[]){ "udp", "tcp", "tls", NULL }, t->transport))
    problem = "transport: udp, tcp or tls";
  else if (!srtp_value (srtp ? g_strstrip (srtp) : NULL, &t->srtp))
    problem = "srtp: off, optional or required";
  else if (t->caller_id && !sip_number_is_valid (g_strstrip (t->caller_id)))
    problem = "caller-id: not a number";
  else if (password_file && g_key_file_has_key (f, group, "password", NULL))
    problem = "password and password-file: give one";
  else if ((t->username == NULL) != (t->password == NULL))
    problem = "username and a password go together";
  else if (t->username && (!*g_strstrip (t->username) || strpbrk (t->username, " <>@:;\"\\")))
    problem = "username: no spaces, <>@:;, quotes or backslashes";
  else if (t->password && strpbrk (t->password, "\"\\"))
    problem = "password: no quotes or backslashes (sofia-sip's credential syntax)";
  else if (t->register_ && t->username == NULL)
    problem = "register needs a username and a password";
  else if (t->inbound_auth && t->username == NULL)
    problem = "inbound-auth needs a username and a password";
  else if (g_strv_contains ((const char *const *) t->inbound_from, "*") && !t->inbound_auth)
    problem = "inbound-from=* (any address) needs inbound-auth";
  if (problem)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "[%s] %s", group,
                   problem);
      return FALSE;
    }
  g_autofree char *host = g_strndup (t->address, strrchr (t->address, ':') - t->address);
  if (t->inbound_from[0] == NULL)
    {
      g_strfreev (t->inbound_from);
      t->inbound_from = g_strdupv ((char **) (const char *const[]){ host, NULL });
    }
  t->from_domain = g_key_file_get_string (f, group, "from-domain", NULL);
  if (t->from_domain == NULL || !*g_strstrip (t->from_domain)
      || strpbrk (t->from_domain, " <>@;\"") != NULL)
    {
      g_free (t->from_domain);
      t->from_domain = g_steal_pointer (&host);
    }
  return TRUE;
}

static gboolean
read_route (SipConfig *c, GKeyFile *f, const char *group, GError **error)
{
  SipRoute *r = g_new0 (SipRoute, 1);
  g_ptr_array_add (c->routes, r);
  r->name = g_strdup (group + strlen (ROUTE_PREFIX));
  r->patterns = list_key (f, group, "numbers");
  r->agents = list_key (f, group, "agents");
  r->ring_timeout_s = g_key_file_has_key (f, group, "ring-timeout", NULL)
                          ? (guint) g_key_file_get_integer (f, group, "ring-timeout", NULL)
                          : 20;
  for (guint i = 0; r->patterns[i]; i++)
    if (!sip_pattern_is_valid (r->patterns[i]))
      {
        g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                     "[%s] numbers: “%s” is not a number or a prefix ending in *", group,
                     r->patterns[i]);
        return FALSE;
      }
  g_autofree char *queue = g_key_file_get_string (f, group, "queue", NULL);
  if (queue && *g_strstrip (queue))
    r->queue = g_steal_pointer (&queue);
  g_autofree char *ivr = g_key_file_get_string (f, group, "ivr", NULL);
  if (ivr && *g_strstrip (ivr))
    r->ivr = g_steal_pointer (&ivr);
  if (r->ivr && !sip_flow_name_is_valid (r->ivr))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[%s] ivr: “%s” is not a flow name (a-z, 0-9, _ and -, 64 at most)", group,
                   r->ivr);
      return FALSE;
    }
  guint targets = (r->agents[0] != NULL) + (r->queue != NULL) + (r->ivr != NULL);
  if (r->patterns[0] == NULL || targets != 1)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[%s] needs numbers, and one of agents, a queue or an ivr flow", group);
      return FALSE;
    }
  for (guint i = 0; r->agents[i]; i++)
    {
      char *folded = g_utf8_casefold (r->agents[i], -1);
      g_free (r->agents[i]);
      r->agents[i] = folded;
    }
  return TRUE;
}

void
sip_config_clear (SipConfig *c)
{
  g_free (c->listen);
  g_free (c->listen_tls);
  g_free (c->tls_dir);
  g_free (c->realm);
  g_free (c->user_agent);
  g_free (c->recordings_dir);
  g_clear_pointer (&c->trunks, g_ptr_array_unref);
  g_clear_pointer (&c->routes, g_ptr_array_unref);
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
  c->trunks = g_ptr_array_new_with_free_func ((GDestroyNotify) trunk_free);
  c->routes = g_ptr_array_new_with_free_func ((GDestroyNotify) sip_route_free);
  c->listen = string_key (f, "listen", "sip:127.0.0.1:5060");
  c->listen_tls = string_key (f, "listen-tls", NULL);
  c->tls_dir = string_key (f, "tls-dir", NULL);
  c->realm = string_key (f, "realm", "omnicc");
  c->user_agent = string_key (f, "user-agent", "omnicc/" OCC_VERSION);
  c->recordings_dir = string_key (f, "recordings-dir", NULL); /* NULL: the state dir's */
  c->min_expires = int_key (f, "min-expires", 60);
  c->max_expires = int_key (f, "max-expires", 3600);
  c->default_expires = int_key (f, "default-expires", 3600);
  c->auth_failures = int_key (f, "auth-failures", 10);
  c->auth_window_s = int_key (f, "auth-window", 60);
  c->auth_block_s = int_key (f, "auth-block", 300);
  c->nonce_lifetime_s = int_key (f, "nonce-lifetime", 300);
  g_auto (GStrv) algos = g_key_file_get_string_list (f, "sip", "digest-algorithms", NULL, NULL);
  const char *const defaults[] = { "MD5", NULL };
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
  c->max_call_s = int_key (f, "max-call-duration", 0);
  c->media_timeout_s = int_key (f, "media-timeout", 0);
  c->keepalive_s = int_key (f, "keepalive-interval", 30);
  c->keepalive_failures = int_key (f, "keepalive-failures", 3);
  c->keepalive_timeout_s = int_key (f, "keepalive-timeout", 10);
  c->max_message_size = int_key (f, "max-message-size", 65535);
  c->incomplete_timeout_s = int_key (f, "incomplete-message-timeout", 32);
  g_autofree char *agent_srtp = string_key (f, "agent-srtp", "optional");
  const char *problem = NULL;
  if (!srtp_value (agent_srtp, &c->agent_srtp))
    problem = "[sip] agent-srtp: off, optional or required";
  else if (!g_str_has_prefix (c->listen, "sip:"))
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
  else if (c->keepalive_s && c->keepalive_timeout_s > c->keepalive_s)
    problem = "[sip] keepalive-timeout is longer than keepalive-interval";
  if (problem)
    {
      g_set_error_literal (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, problem);
      sip_config_clear (c);
      return FALSE;
    }
  g_auto (GStrv) groups = g_key_file_get_groups (f, NULL);
  for (guint i = 0; groups[i]; i++)
    if ((g_str_has_prefix (groups[i], TRUNK_PREFIX) && !read_trunk (c, f, groups[i], error))
        || (g_str_has_prefix (groups[i], ROUTE_PREFIX) && !read_route (c, f, groups[i], error)))
      {
        sip_config_clear (c);
        return FALSE;
      }
  return TRUE;
}
