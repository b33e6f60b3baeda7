/* The [ldap] group of plugins.d/auth-ldap.conf: read, checked whole, and
 * turned into an LaConfig. The core has checked the types and bounds
 * against la_config_schema; this file checks what a schema cannot say. */
#include "ldapauth.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define AD_USER_FILTER "(|(sAMAccountName=%s)(userPrincipalName=%s))"
#define LDAP_USER_FILTER "(uid=%s)"

const OccConfigKey la_config_schema[] = {
  { "ldap", "servers", OCC_CONFIG_STRING_LIST, 0, 0,
    "ldap:// or ldaps:// URLs of the directory servers, tried in this order (required; without "
    "it the plugin declines)." },
  { "ldap", "starttls", OCC_CONFIG_BOOL, 0, 0,
    "Upgrade ldap:// connections with StartTLS before any bind (default false)." },
  { "ldap", "ca-file", OCC_CONFIG_STRING, 0, 0,
    "PEM file of the CAs that sign the servers' certificates (default: the system's CAs). "
    "Certificates are always verified." },
  { "ldap", "allow-plaintext", OCC_CONFIG_BOOL, 0, 0,
    "Allow simple binds over unencrypted ldap:// connections (default false: refused)." },
  { "ldap", "timeout", OCC_CONFIG_INT, 1, 300,
    "Seconds a server may take to connect or to answer one operation before the next server "
    "is tried (default 5)." },
  { "ldap", "base-dn", OCC_CONFIG_STRING, 0, 0, "Where users and groups are searched." },
  { "ldap", "bind-dn", OCC_CONFIG_STRING, 0, 0,
    "The service account that searches for users (search then bind)." },
  { "ldap", "bind-password-file", OCC_CONFIG_STRING, 0, 0,
    "Absolute path of a file (mode 0600) holding the service account's password." },
  { "ldap", "user-dn-template", OCC_CONFIG_STRING, 0, 0,
    "Bind directly as this name, %s being the login: uid=%s,ou=people,dc=example,dc=org or "
    "%s@example.org (instead of bind-dn)." },
  { "ldap", "user-filter", OCC_CONFIG_STRING, 0, 0,
    "Filter finding a user, %s being the escaped login (default " AD_USER_FILTER
    " with active-directory, else " LDAP_USER_FILTER ")." },
  { "ldap", "active-directory", OCC_CONFIG_BOOL, 0, 0,
    "The servers are Active Directory: nested groups through the in-chain matching rule, "
    "AD's bind error codes (default false)." },
  { "ldap", "disabled-check", OCC_CONFIG_BOOL, 0, 0,
    "Refuse accounts whose userAccountControl has ACCOUNTDISABLE set (default true)." },
  { "ldap", "connections", OCC_CONFIG_INT, 1, 64,
    "Connections used for user binds, so that several sign-ins run at once (default 4)." },
  { "ldap", "group-depth", OCC_CONFIG_INT, 0, 32,
    "Levels of nested groups followed (default 10; 0: direct groups only)." },
  { .group = NULL }
};

static gboolean fail (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (GError **error, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error_literal (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, msg);
  return FALSE;
}

static char *
get_string (GKeyFile *kf, const char *key)
{
  return g_key_file_get_string (kf, "ldap", key, NULL);
}

static gboolean
get_bool (GKeyFile *kf, const char *key, gboolean fallback)
{
  if (!g_key_file_has_key (kf, "ldap", key, NULL))
    return fallback;
  return g_key_file_get_boolean (kf, "ldap", key, NULL);
}

static int
get_int (GKeyFile *kf, const char *key, int fallback)
{
  if (!g_key_file_has_key (kf, "ldap", key, NULL))
    return fallback;
  return (int) g_key_file_get_int64 (kf, "ldap", key, NULL);
}

static gboolean
is_dn (const char *text)
{
  LDAPDN dn = NULL;
  if (strchr (text, '=') == NULL || ldap_str2dn (text, &dn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
    return FALSE;
  ldap_dnfree (dn);
  return TRUE;
}

static gboolean
parse_server (LaServerConf *s, const char *url, GError **error)
{
  LDAPURLDesc *lud = NULL;
  if (ldap_url_parse (url, &lud) != LDAP_URL_SUCCESS)
    return fail (error, "[ldap] servers: “%s” is not an ldap:// or ldaps:// URL", url);
  gboolean ok = FALSE;
  if (g_strcmp0 (lud->lud_scheme, "ldap") != 0 && g_strcmp0 (lud->lud_scheme, "ldaps") != 0)
    fail (error, "[ldap] servers: “%s”: only ldap:// and ldaps:// are supported", url);
  else if (lud->lud_host == NULL || *lud->lud_host == '\0')
    fail (error, "[ldap] servers: “%s” names no host", url);
  else if ((lud->lud_dn && *lud->lud_dn) || lud->lud_attrs || lud->lud_filter || lud->lud_exts)
    fail (error, "[ldap] servers: “%s”: give only scheme, host and port (the base goes in base-dn)",
          url);
  else
    {
      s->url = g_strdup (url);
      s->host = g_strdup (lud->lud_host);
      s->ldaps = strcmp (lud->lud_scheme, "ldaps") == 0;
      s->port = lud->lud_port ? lud->lud_port : (s->ldaps ? LDAPS_PORT : LDAP_PORT);
      ok = TRUE;
    }
  ldap_free_urldesc (lud);
  return ok;
}

static gboolean
parse_servers (LaConfig *cfg, GKeyFile *kf, GError **error)
{
  gsize n = 0;
  g_auto (GStrv) urls = g_key_file_get_string_list (kf, "ldap", "servers", &n, NULL);
  if (n > LA_SERVERS_MAX)
    return fail (error, "[ldap] servers: %" G_GSIZE_FORMAT " servers listed; at most %d", n,
                 LA_SERVERS_MAX);
  for (gsize i = 0; i < n; i++)
    {
      char *url = g_strstrip (urls[i]);
      if (*url == '\0')
        continue;
      if (!parse_server (&cfg->servers[cfg->n_servers], url, error))
        return FALSE;
      cfg->n_servers++;
    }
  return TRUE;
}

/* The service account's password: a file only root and the daemon read,
 * so that it is in neither the config file nor the log. */
static gboolean
read_password_file (LaConfig *cfg, const char *path, GError **error)
{
  if (!g_path_is_absolute (path))
    return fail (error, "[ldap] bind-password-file: “%s” must be an absolute path", path);
  int fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
  if (fd < 0)
    return fail (error, "[ldap] bind-password-file: %s: %s", path, g_strerror (errno));
  struct stat st;
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      return fail (error, "[ldap] bind-password-file: %s is not a regular file", path);
    }
  if ((st.st_mode & 077) != 0)
    {
      close (fd);
      return fail (error,
                   "[ldap] bind-password-file: %s may be read or written by others (mode %04o); "
                   "chmod 600 it",
                   path, (unsigned) (st.st_mode & 07777));
    }
  char buf[1025];
  ssize_t len = read (fd, buf, sizeof buf);
  close (fd);
  if (len < 0)
    return fail (error, "[ldap] bind-password-file: %s: %s", path, g_strerror (errno));
  if ((size_t) len == sizeof buf)
    return fail (error, "[ldap] bind-password-file: %s is longer than 1024 bytes", path);
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
    len--;
  gboolean ok
      = len > 0 && memchr (buf, '\0', (size_t) len) == NULL && g_utf8_validate (buf, len, NULL);
  if (ok)
    cfg->bind_password = g_strndup (buf, (gsize) len);
  explicit_bzero (buf, sizeof buf);
  if (!ok)
    return fail (error, "[ldap] bind-password-file: %s holds no password (one UTF-8 line)", path);
  return TRUE;
}

static gboolean
check_dn_key (GKeyFile *kf, const char *key, char **out, GError **error)
{
  *out = get_string (kf, key);
  if (*out == NULL)
    return TRUE;
  if (**out == '\0')
    return fail (error, "[ldap] %s: must not be empty", key);
  if (!is_dn (*out))
    return fail (error, "[ldap] %s: “%s” is not a distinguished name", key, *out);
  return TRUE;
}

static gboolean
check_binding (LaConfig *cfg, GKeyFile *kf, GError **error)
{
  g_autofree char *password_file = get_string (kf, "bind-password-file");
  cfg->user_dn_template = get_string (kf, "user-dn-template");
  if (cfg->bind_dn && cfg->user_dn_template)
    return fail (error, "[ldap] bind-dn and user-dn-template exclude each other: search with a "
                        "service account, or bind directly by template");
  if (cfg->bind_dn == NULL && cfg->user_dn_template == NULL)
    return fail (error, "[ldap] set bind-dn (with bind-password-file) to search for users, or "
                        "user-dn-template to bind directly");
  if (cfg->bind_dn)
    {
      if (password_file == NULL)
        return fail (error, "[ldap] bind-dn needs bind-password-file");
      if (cfg->base_dn == NULL)
        return fail (error, "[ldap] bind-dn needs base-dn, where users are searched");
      return read_password_file (cfg, password_file, error);
    }
  if (password_file)
    return fail (error, "[ldap] bind-password-file is for bind-dn; a direct bind by template "
                        "uses the user's own password");
  if (!la_check_template ("user-dn-template", cfg->user_dn_template, error))
    return FALSE;
  g_autofree char *escaped = la_escape_dn ("x", 1);
  g_autofree char *sample = la_expand (cfg->user_dn_template, escaped);
  cfg->template_is_dn = is_dn (sample);
  if (!cfg->template_is_dn && cfg->base_dn == NULL)
    return fail (error,
                 "[ldap] user-dn-template “%s” makes no DN (a user principal name?): set "
                 "base-dn so that the user's entry can be found after the bind",
                 cfg->user_dn_template);
  return TRUE;
}

gboolean
la_config_plaintext (const LaConfig *cfg, guint server)
{
  return !cfg->servers[server].ldaps && !cfg->starttls;
}

static gboolean
check_tls (LaConfig *cfg, GError **error)
{
  if (cfg->ca_file)
    {
      if (*cfg->ca_file == '\0')
        return fail (error, "[ldap] ca-file: must not be empty");
      if (!g_file_test (cfg->ca_file, G_FILE_TEST_IS_REGULAR) || access (cfg->ca_file, R_OK) != 0)
        return fail (error, "[ldap] ca-file: %s is not a readable file", cfg->ca_file);
    }
  for (guint i = 0; i < cfg->n_servers; i++)
    if (la_config_plaintext (cfg, i) && !cfg->allow_plaintext)
      return fail (error,
                   "[ldap] servers: %s: a simple bind over an unencrypted connection is refused; "
                   "use ldaps://, set starttls=true, or set allow-plaintext=true (passwords then "
                   "cross the network in clear)",
                   cfg->servers[i].url);
  return TRUE;
}

static gboolean
check_filter (LaConfig *cfg, GKeyFile *kf, GError **error)
{
  cfg->user_filter = get_string (kf, "user-filter");
  if (cfg->user_filter == NULL)
    cfg->user_filter = g_strdup (cfg->active_directory ? AD_USER_FILTER : LDAP_USER_FILTER);
  if (!la_check_template ("user-filter", cfg->user_filter, error))
    return FALSE;
  g_autofree char *sample = la_expand (cfg->user_filter, "x");
  if (!la_check_filter (sample))
    return fail (error, "[ldap] user-filter: “%s” is not a filter in parentheses",
                 cfg->user_filter);
  if (cfg->active_directory && cfg->base_dn == NULL)
    return fail (error, "[ldap] active-directory needs base-dn, where groups are searched");
  return TRUE;
}

static gboolean
parse (LaConfig *cfg, GKeyFile *kf, GError **error)
{
  cfg->starttls = get_bool (kf, "starttls", FALSE);
  cfg->allow_plaintext = get_bool (kf, "allow-plaintext", FALSE);
  cfg->active_directory = get_bool (kf, "active-directory", FALSE);
  cfg->disabled_check = get_bool (kf, "disabled-check", TRUE);
  cfg->timeout = get_int (kf, "timeout", 5);
  cfg->connections = get_int (kf, "connections", 4);
  cfg->group_depth = get_int (kf, "group-depth", 10);
  cfg->ca_file = get_string (kf, "ca-file");
  return check_tls (cfg, error) && check_dn_key (kf, "base-dn", &cfg->base_dn, error)
         && check_dn_key (kf, "bind-dn", &cfg->bind_dn, error) && check_binding (cfg, kf, error)
         && check_filter (cfg, kf, error);
}

OccLoadResult
la_config_parse (GKeyFile *kf, LaConfig **out, GError **error)
{
  LaConfig *cfg = g_new0 (LaConfig, 1);
  gboolean listed = parse_servers (cfg, kf, error);
  if (listed && cfg->n_servers == 0)
    {
      la_config_free (cfg);
      g_set_error_literal (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                           "no LDAP server configured ([ldap] servers)");
      return OCC_LOAD_DECLINED;
    }
  if (!listed || !parse (cfg, kf, error))
    {
      la_config_free (cfg);
      return OCC_LOAD_FAILED;
    }
  *out = cfg;
  return OCC_LOAD_OK;
}

void
la_config_free (LaConfig *cfg)
{
  if (cfg == NULL)
    return;
  for (guint i = 0; i < cfg->n_servers; i++)
    {
      g_free (cfg->servers[i].url);
      g_free (cfg->servers[i].host);
    }
  if (cfg->bind_password)
    explicit_bzero (cfg->bind_password, strlen (cfg->bind_password));
  g_free (cfg->bind_password);
  g_free (cfg->ca_file);
  g_free (cfg->base_dn);
  g_free (cfg->bind_dn);
  g_free (cfg->user_dn_template);
  g_free (cfg->user_filter);
  g_free (cfg);
}
