/* Configuration files. GKeyFile parses; this file adds what it lacks:
 * schemas (unknown keys and wrong types refused), line numbers in errors,
 * relative paths, policy merging, and rewriting the enabled list. */
#include "config.h"
#include "log.h"
#include "paths.h"

#include <string.h>

/* clang-format off */
G_DEFINE_QUARK (occ-config-error-quark, occ_config_error)
/* clang-format on */

struct _OccConfig {
  char *path; /* NULL: defaults only */
  char *dir;  /* folder of path, for relative paths and plugins.d */
  GKeyFile *kf;
  GStrv plugin_path;
  char *state_dir;
  char *data_dir;
  char *policy_dir;      /* shipped defaults */
  char *site_policy_dir; /* overrides */
  char *plugins_d;
  char *control_socket;
  char *control_group;
  GLogLevelFlags log_level;
  guint drain_timeout;
  GStrv enabled;
};

static const OccConfigKey core_schema[]
    = { { "core", "plugin-path", OCC_CONFIG_STRING_LIST, 0, 0,
          "Folders searched for plugin files (*.so), in order." },
        { "core", "state-dir", OCC_CONFIG_STRING, 0, 0,
          "Writable folder for the daemon's state (databases, recordings…)." },
        { "core", "data-dir", OCC_CONFIG_STRING, 0, 0,
          "Read-only folder of shipped data (SQL migrations, prompts, web pages)." },
        { "core", "policy-dir", OCC_CONFIG_STRING, 0, 0,
          "Folder of the shipped default policies." },
        { "core", "site-policy-dir", OCC_CONFIG_STRING, 0, 0,
          "Folder of the site's policy overrides (default: policies/ beside this file)." },
        { "core", "plugins-dir", OCC_CONFIG_STRING, 0, 0,
          "Folder of per-plugin config files (default: plugins.d/ beside this file)." },
        { "core", "control-socket", OCC_CONFIG_STRING, 0, 0,
          "Path of the control socket the omnicc command talks to." },
        { "core", "control-group", OCC_CONFIG_STRING, 0, 0,
          "Group that may use the control socket (mode 0660)." },
        { "core", "log-level", OCC_CONFIG_STRING, 0, 0,
          "Lowest level logged: error, critical, warning, message, info or debug." },
        { "core", "drain-timeout", OCC_CONFIG_INT, 0, 3600,
          "Seconds a stopping daemon waits for plugins to finish their work." },
        { "plugins", "enabled", OCC_CONFIG_STRING_LIST, 0, 0,
          "Plugins loaded at start, by name (omnicc plugin enable/disable edit this)." },
        { .group = NULL } };

/* --- line numbers ------------------------------------------------------------ */

guint
occ_config_find_line (const char *text, const char *group, const char *key)
{
  if (text == NULL)
    return 0;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  gboolean in_group = FALSE;
  for (guint i = 0; lines[i]; i++)
    {
      const char *l = lines[i];
      while (*l == ' ' || *l == '\t')
        l++;
      if (*l == '[')
        {
          const char *end = strchr (l, ']');
          in_group = end && (gsize) (end - l - 1) == strlen (group)
                     && strncmp (l + 1, group, end - l - 1) == 0;
          if (in_group && key == NULL)
            return i + 1;
          continue;
        }
      if (!in_group || key == NULL || *l == '#' || *l == '\0')
        continue;
      gsize klen = strlen (key);
      if (strncmp (l, key, klen) == 0)
        {
          const char *r = l + klen;
          if (*r == '[') /* localised key[xx] */
            r = strchr (r, ']') ? strchr (r, ']') + 1 : r;
          while (*r == ' ' || *r == '\t')
            r++;
          if (*r == '=')
            return i + 1;
        }
    }
  return 0;
}

static void add_problem (GString *problems, const char *file, const char *text, const char *group,
                         const char *key, const char *fmt, ...) G_GNUC_PRINTF (6, 7);

static void
add_problem (GString *problems, const char *file, const char *text, const char *group,
             const char *key, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  guint line = occ_config_find_line (text, group, key);
  if (problems->len)
    g_string_append_c (problems, '\n');
  g_string_append_printf (problems, "%s:%u: [%s]%s%s: %s", file, line, group, key ? " " : "",
                          key ? key : "", msg);
}

/* --- validation -------------------------------------------------------------- */

static gboolean
group_matches (const char *pattern, const char *group)
{
  gsize n = strlen (pattern);
  if (n > 0 && pattern[n - 1] == '*')
    return strncmp (pattern, group, n - 1) == 0 && group[n - 1] != '\0';
  return strcmp (pattern, group) == 0;
}

/* A key name, or a prefix ending in '*' ("strategy-*": any key that
 * begins so, passed on to something the plugin validates; "*" alone: any
 * key of the group, e.g. the IVR's site variables). */
static gboolean
key_matches (const char *pattern, const char *key)
{
  gsize n = strlen (pattern);
  if (n > 0 && pattern[n - 1] == '*')
    return strncmp (pattern, key, n - 1) == 0 && key[n - 1] != '\0';
  return strcmp (pattern, key) == 0;
}

static const OccConfigKey *
schema_find (const OccConfigKey *schema, const char *group, const char *key)
{
  for (const OccConfigKey *k = schema; k && k->group; k++)
    if (group_matches (k->group, group) && (key == NULL || key_matches (k->key, key)))
      return k;
  return NULL;
}

static void
check_value (GKeyFile *kf, const char *text, const char *file, const char *group, const char *key,
             const OccConfigKey *k, GString *problems)
{
  g_autoptr (GError) e = NULL;
  switch (k->type)
    {
    case OCC_CONFIG_STRING:
      {
        g_autofree char *v = g_key_file_get_string (kf, group, key, &e);
        if (v && !g_utf8_validate (v, -1, NULL))
          add_problem (problems, file, text, group, key, "value is not UTF-8");
        break;
      }
    case OCC_CONFIG_STRING_LIST:
      g_strfreev (g_key_file_get_string_list (kf, group, key, NULL, &e));
      break;
    case OCC_CONFIG_BOOL:
      g_key_file_get_boolean (kf, group, key, &e);
      if (e)
        {
          add_problem (problems, file, text, group, key, "expected true or false");
          return;
        }
      break;
    case OCC_CONFIG_INT:
      {
        gint64 v = g_key_file_get_int64 (kf, group, key, &e);
        if (e)
          {
            add_problem (problems, file, text, group, key, "expected an integer");
            return;
          }
        if ((k->min != 0 || k->max != 0) && (v < k->min || v > k->max))
          add_problem (problems, file, text, group, key,
                       "%" G_GINT64_FORMAT " is out of range %.0f..%.0f", v, k->min, k->max);
        break;
      }
    case OCC_CONFIG_DOUBLE:
      {
        double v = g_key_file_get_double (kf, group, key, &e);
        if (e)
          {
            add_problem (problems, file, text, group, key, "expected a number");
            return;
          }
        if ((k->min != 0 || k->max != 0) && (v < k->min || v > k->max))
          add_problem (problems, file, text, group, key, "%g is out of range %g..%g", v, k->min,
                       k->max);
        break;
      }
    }
  if (e)
    add_problem (problems, file, text, group, key, "%s", e->message);
}

gboolean
occ_config_validate (GKeyFile *kf, const char *text, const char *file, const OccConfigKey *schema,
                     GError **error)
{
  g_autoptr (GString) problems = g_string_new (NULL);
  g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);
  for (guint g = 0; groups[g]; g++)
    {
      if (schema_find (schema, groups[g], NULL) == NULL)
        {
          add_problem (problems, file, text, groups[g], NULL, "unknown group");
          continue;
        }
      g_auto (GStrv) keys = g_key_file_get_keys (kf, groups[g], NULL, NULL);
      for (guint i = 0; keys && keys[i]; i++)
        {
          const OccConfigKey *k = schema_find (schema, groups[g], keys[i]);
          if (k == NULL)
            add_problem (problems, file, text, groups[g], keys[i], "unknown key");
          else
            check_value (kf, text, file, groups[g], keys[i], k, problems);
        }
    }
  if (problems->len == 0)
    return TRUE;
  g_set_error_literal (error, OCC_CONFIG_ERROR, OCC_CONFIG_ERROR_INVALID, problems->str);
  return FALSE;
}

/* Loads @path into @kf, keeping comments; the raw text goes to @text. A
 * parse error names the file (GKeyFile names the line). */
static gboolean
load_keyfile (GKeyFile *kf, const char *path, char **text, GError **error)
{
  g_autoptr (GError) e = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &contents, &len, &e))
    {
      g_set_error (error, OCC_CONFIG_ERROR,
                   g_error_matches (e, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                       ? OCC_CONFIG_ERROR_NOT_FOUND
                       : OCC_CONFIG_ERROR_IO,
                   "%s: %s", path, e->message);
      return FALSE;
    }
  if (!g_utf8_validate (contents, len, NULL))
    {
      g_set_error (error, OCC_CONFIG_ERROR, OCC_CONFIG_ERROR_PARSE, "%s: the file is not UTF-8",
                   path);
      return FALSE;
    }
  if (!g_key_file_load_from_data (kf, contents, len, G_KEY_FILE_KEEP_COMMENTS, &e))
    {
      g_set_error (error, OCC_CONFIG_ERROR, OCC_CONFIG_ERROR_PARSE, "%s: %s", path, e->message);
      return FALSE;
    }
  if (text)
    *text = g_steal_pointer (&contents);
  return TRUE;
}

/* --- the daemon's file --------------------------------------------------------- */

static char *
resolve (OccConfig *c, const char *value)
{
  if (value == NULL || g_path_is_absolute (value) || c->dir == NULL)
    return g_strdup (value);
  return g_canonicalize_filename (value, c->dir);
}

static char *
get_path_key (OccConfig *c, const char *key, const char *fallback)
{
  g_autofree char *v = g_key_file_get_string (c->kf, "core", key, NULL);
  return resolve (c, v ? v : fallback);
}

OccConfig *
occ_config_load (const char *path, GError **error)
{
  const OccPaths *paths = occ_paths_get ();
  g_autoptr (OccConfig) c = g_new0 (OccConfig, 1);
  c->kf = g_key_file_new ();
  g_autofree char *text = NULL;
  if (path)
    {
      c->path = g_canonicalize_filename (path, NULL);
      c->dir = g_path_get_dirname (c->path);
      if (!load_keyfile (c->kf, c->path, &text, error))
        return NULL;
      if (!occ_config_validate (c->kf, text, c->path, core_schema, error))
        return NULL;
    }

  g_autofree char *level = g_key_file_get_string (c->kf, "core", "log-level", NULL);
  c->log_level = G_LOG_LEVEL_INFO;
  if (level && !occ_log_parse_level (level, &c->log_level))
    {
      g_set_error (error, OCC_CONFIG_ERROR, OCC_CONFIG_ERROR_INVALID,
                   "%s:%u: [core] log-level: “%s” is not one of error, "
                   "critical, warning, message, info, debug",
                   c->path, occ_config_find_line (text, "core", "log-level"), level);
      return NULL;
    }

  g_auto (GStrv) pp = g_key_file_get_string_list (c->kf, "core", "plugin-path", NULL, NULL);
  if (pp == NULL)
    pp = g_strsplit (paths->plugin_dir, ":", -1);
  c->plugin_path = g_new0 (char *, g_strv_length (pp) + 1);
  for (guint i = 0; pp[i]; i++)
    c->plugin_path[i] = resolve (c, pp[i]);

  c->state_dir = get_path_key (c, "state-dir", paths->state_dir);
  c->data_dir = get_path_key (c, "data-dir", paths->data_dir);
  c->policy_dir = get_path_key (c, "policy-dir", paths->policy_dir);
  g_autofree char *site_pol = c->dir ? g_build_filename (c->dir, "policies", NULL)
                                     : g_build_filename (paths->sysconf_dir, "policies", NULL);
  c->site_policy_dir = get_path_key (c, "site-policy-dir", site_pol);
  g_autofree char *pd = c->dir ? g_build_filename (c->dir, "plugins.d", NULL)
                               : g_build_filename (paths->sysconf_dir, "plugins.d", NULL);
  c->plugins_d = get_path_key (c, "plugins-dir", pd);
  g_autofree char *sock = g_build_filename (paths->run_dir, "control.sock", NULL);
  c->control_socket = get_path_key (c, "control-socket", sock);
  c->control_group = g_key_file_get_string (c->kf, "core", "control-group", NULL);
  if (c->control_group == NULL)
    c->control_group = g_strdup ("omnicc");
  c->drain_timeout = 30;
  if (g_key_file_has_key (c->kf, "core", "drain-timeout", NULL))
    c->drain_timeout = g_key_file_get_integer (c->kf, "core", "drain-timeout", NULL);
  c->enabled = g_key_file_get_string_list (c->kf, "plugins", "enabled", NULL, NULL);
  if (c->enabled == NULL)
    c->enabled = g_new0 (char *, 1);
  return g_steal_pointer (&c);
}

void
occ_config_free (OccConfig *c)
{
  if (c == NULL)
    return;
  g_free (c->path);
  g_free (c->dir);
  g_clear_pointer (&c->kf, g_key_file_unref);
  g_strfreev (c->plugin_path);
  g_free (c->state_dir);
  g_free (c->data_dir);
  g_free (c->policy_dir);
  g_free (c->site_policy_dir);
  g_free (c->plugins_d);
  g_free (c->control_socket);
  g_free (c->control_group);
  g_strfreev (c->enabled);
  g_free (c);
}

const char *
occ_config_get_path (OccConfig *c)
{
  return c->path;
}
const char *const *
occ_config_get_plugin_path (OccConfig *c)
{
  return (const char *const *) c->plugin_path;
}
const char *
occ_config_get_state_dir (OccConfig *c)
{
  return c->state_dir;
}
const char *
occ_config_get_data_dir (OccConfig *c)
{
  return c->data_dir;
}
const char *
occ_config_get_control_socket (OccConfig *c)
{
  return c->control_socket;
}
const char *
occ_config_get_control_group (OccConfig *c)
{
  return c->control_group;
}
GLogLevelFlags
occ_config_get_log_level (OccConfig *c)
{
  return c->log_level;
}
guint
occ_config_get_drain_timeout (OccConfig *c)
{
  return c->drain_timeout;
}
const char *const *
occ_config_get_enabled (OccConfig *c)
{
  return (const char *const *) c->enabled;
}

gboolean
occ_config_is_enabled (OccConfig *c, const char *plugin)
{
  return g_strv_contains ((const char *const *) c->enabled, plugin);
}

/* --- plugins' files -------------------------------------------------------------- */

char *
occ_config_get_plugin_file (OccConfig *c, const char *plugin)
{
  g_autofree char *base = g_strconcat (plugin, ".conf", NULL);
  return g_build_filename (c->plugins_d, base, NULL);
}

GKeyFile *
occ_config_load_plugin (OccConfig *c, const char *plugin, const OccConfigKey *schema,
                        GError **error)
{
  g_autofree char *file = occ_config_get_plugin_file (c, plugin);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree char *text = NULL;
  g_autoptr (GError) e = NULL;
  if (!load_keyfile (kf, file, &text, &e))
    {
      if (g_error_matches (e, OCC_CONFIG_ERROR, OCC_CONFIG_ERROR_NOT_FOUND))
        return g_steal_pointer (&kf);
      g_propagate_error (error, g_steal_pointer (&e));
      return NULL;
    }
  if (schema == NULL)
    {
      static const OccConfigKey none[] = { { .group = NULL } };
      schema = none;
    }
  if (!occ_config_validate (kf, text, file, schema, error))
    return NULL;
  return g_steal_pointer (&kf);
}

/* --- policies ---------------------------------------------------------------- */

static gboolean
policy_name_is_valid (const char *name)
{
  if (*name == '\0' || strlen (name) > 64)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!(g_ascii_isalnum (*p) || *p == '-' || *p == '_'))
      return FALSE;
  return TRUE;
}

GKeyFile *
occ_config_load_policy (OccConfig *c, const char *name, GError **error)
{
  if (!policy_name_is_valid (name))
    {
      g_set_error (error, OCC_CONFIG_ERROR, OCC_CONFIG_ERROR_INVALID, "“%s” is not a policy name",
                   name);
      return NULL;
    }
  g_autofree char *base = g_strconcat (name, ".conf", NULL);
  g_autofree char *shipped = g_build_filename (c->policy_dir, base, NULL);
  g_autofree char *site = g_build_filename (c->site_policy_dir, base, NULL);
  g_autoptr (GKeyFile) merged = g_key_file_new ();
  g_autoptr (GKeyFile) over = g_key_file_new ();
  g_autoptr (GError) e1 = NULL, e2 = NULL;
  gboolean have_shipped = load_keyfile (merged, shipped, NULL, &e1);
  gboolean have_site = load_keyfile (over, site, NULL, &e2);
  if (!have_shipped && !g_error_matches (e1, OCC_CONFIG_ERROR, OCC_CONFIG_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&e1));
      return NULL;
    }
  if (!have_site && !g_error_matches (e2, OCC_CONFIG_ERROR, OCC_CONFIG_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&e2));
      return NULL;
    }
  if (!have_shipped && !have_site)
    {
      g_set_error (error, OCC_CONFIG_ERROR, OCC_CONFIG_ERROR_NOT_FOUND,
                   "policy “%s” is in neither %s nor %s", name, c->policy_dir, c->site_policy_dir);
      return NULL;
    }
  if (have_site)
    {
      g_auto (GStrv) groups = g_key_file_get_groups (over, NULL);
      for (guint g = 0; groups[g]; g++)
        {
          g_auto (GStrv) keys = g_key_file_get_keys (over, groups[g], NULL, NULL);
          for (guint i = 0; keys && keys[i]; i++)
            {
              g_autofree char *v = g_key_file_get_value (over, groups[g], keys[i], NULL);
              g_key_file_set_value (merged, groups[g], keys[i], v);
            }
        }
    }
  return g_steal_pointer (&merged);
}

/* --- writing ----------------------------------------------------------------- */

gboolean
occ_config_set_enabled (OccConfig *c, const char *const *enabled, GError **error)
{
  if (c->path == NULL)
    {
      g_set_error (error, OCC_CONFIG_ERROR, OCC_CONFIG_ERROR_IO,
                   "the daemon runs without a config file; nothing to save to");
      return FALSE;
    }
  /* Re-read the file so that edits made by hand since start are kept. */
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  if (!load_keyfile (kf, c->path, NULL, error))
    return FALSE;
  g_key_file_set_string_list (kf, "plugins", "enabled", enabled, g_strv_length ((char **) enabled));
  if (!g_key_file_save_to_file (kf, c->path, error))
    return FALSE;
  g_strfreev (c->enabled);
  c->enabled = g_strdupv ((char **) enabled);
  g_key_file_set_string_list (c->kf, "plugins", "enabled", enabled,
                              g_strv_length ((char **) enabled));
  return TRUE;
}

gboolean
occ_config_keyfile_equal (GKeyFile *a, GKeyFile *b)
{
  g_autofree char *da = g_key_file_to_data (a, NULL, NULL);
  g_autofree char *db = g_key_file_to_data (b, NULL, NULL);
  return g_strcmp0 (da, db) == 0;
}
