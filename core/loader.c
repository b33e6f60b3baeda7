/* The plugin loader.
 *
 * Plugins are opened with RTLD_NOW (a missing symbol is found when the file
 * is scanned, not when a call first reaches it) and RTLD_LOCAL (plugins do
 * not see each other's symbols). Scanning copies what the descriptor says
 * and closes the file again, so a disabled plugin costs nothing. */
#include "loader.h"
#include "bus-private.h"
#include "config.h"
#include "registry.h"

#include <dlfcn.h>
#include <string.h>

/* g_ptr_array_sort() passes pointers to the elements */
static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* clang-format off */
G_DEFINE_QUARK (occ-loader-error-quark, occ_loader_error)
/* clang-format on */

struct _OccLoader {
  OccContext *ctx;
  GHashTable *plugins; /* name -> OccPlugin */
  GPtrArray *order;    /* loaded plugins, in load order */
};

OccLoader *
occ_loader_new (OccContext *ctx)
{
  OccLoader *l = g_new0 (OccLoader, 1);
  l->ctx = ctx;
  l->plugins
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) occ_plugin_free);
  l->order = g_ptr_array_new ();
  return l;
}

void
occ_loader_free (OccLoader *l)
{
  if (l == NULL)
    return;
  occ_loader_unload_all (l);
  g_ptr_array_unref (l->order);
  g_hash_table_unref (l->plugins);
  g_free (l);
}

OccPlugin *
occ_loader_get (OccLoader *l, const char *name)
{
  return g_hash_table_lookup (l->plugins, name);
}

static int
compare_plugins (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(OccPlugin *const *) a)->name, (*(OccPlugin *const *) b)->name);
}

GPtrArray *
occ_loader_list (OccLoader *l)
{
  GPtrArray *all = g_ptr_array_new ();
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, l->plugins);
  while (g_hash_table_iter_next (&it, NULL, &value))
    g_ptr_array_add (all, value);
  g_ptr_array_sort (all, compare_plugins);
  return all;
}

static void
set_state (OccPlugin *p, OccPluginState state, const char *reason)
{
  p->state = state;
  g_free (p->reason);
  p->reason = g_strdup (reason);
}

/* --- reading descriptors ------------------------------------------------------ */

static gboolean
plugin_name_is_valid (const char *name)
{
  if (name == NULL || *name == '\0' || strlen (name) > 64)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!(g_ascii_islower (*p) || g_ascii_isdigit (*p) || *p == '-'))
      return FALSE;
  return TRUE;
}

/* plugin:NAME, or plugin:PREFIX* for every plugin whose name begins so
 * (a family: "plugin:acd-*" are the ACD strategies). */
static gboolean
after_is_valid (const char *a)
{
  if (!g_str_has_prefix (a, "plugin:"))
    return FALSE;
  g_autofree char *name = g_strdup (a + 7);
  gsize n = strlen (name);
  if (n > 1 && name[n - 1] == '*')
    name[n - 1] = '\0';
  return plugin_name_is_valid (name);
}

/* Whether plugin @name fits @after (plugin:NAME or plugin:PREFIX*). */
static gboolean
after_matches (const char *after, const char *name)
{
  const char *pattern = after + 7;
  gsize n = strlen (pattern);
  if (pattern[n - 1] == '*')
    return strncmp (name, pattern, n - 1) == 0;
  return strcmp (name, pattern) == 0;
}

static gboolean
requirement_is_valid (const char *r)
{
  if (g_str_has_prefix (r, "plugin:"))
    return plugin_name_is_valid (r + 7);
  if (g_str_has_prefix (r, "service:"))
    return r[8] != '\0';
  return FALSE;
}

/* Opens @path and returns its checked descriptor, or NULL with an error
 * that names the file and the reason. */
static const OccPluginDesc *
open_descriptor (const char *path, const char *expected_name, gpointer *module, GError **error)
{
  dlerror ();
  gpointer handle = dlopen (path, RTLD_NOW | RTLD_LOCAL);
  if (handle == NULL)
    {
      g_set_error (error, OCC_LOADER_ERROR, OCC_LOADER_ERROR_BROKEN, "%s: cannot be opened: %s",
                   path, dlerror ());
      return NULL;
    }
  const OccPluginDesc *d = dlsym (handle, OCC_PLUGIN_DESCRIPTOR_SYMBOL);
  const char *why = NULL;
  g_autofree char *detail = NULL;
  if (d == NULL)
    why = "has no " OCC_PLUGIN_DESCRIPTOR_SYMBOL " symbol: not an omnicc plugin";
  else if (d->abi_major != OCC_PLUGIN_ABI_MAJOR || d->abi_minor > OCC_PLUGIN_ABI_MINOR)
    why = detail
        = g_strdup_printf ("was built for plugin ABI %u.%u; this omniccd has %u.%u", d->abi_major,
                           d->abi_minor, OCC_PLUGIN_ABI_MAJOR, OCC_PLUGIN_ABI_MINOR);
  else if (!plugin_name_is_valid (d->name))
    why = "has a missing or invalid name (lower-case letters, digits, '-')";
  else if (strcmp (d->name, expected_name) != 0)
    why = detail = g_strdup_printf ("is named “%s” but the file is %s.so", d->name, expected_name);
  else if (d->version == NULL || d->summary == NULL || d->license == NULL)
    why = "lacks a version, summary or license";
  else if (d->load == NULL)
    why = "has no load function";
  for (guint i = 0; why == NULL && d->requires && d->requires[i]; i++)
    if (!requirement_is_valid (d->requires[i]))
      why = detail = g_strdup_printf (
          "requires “%s”, which is neither plugin:NAME nor service:NAME", d->requires[i]);
  for (guint i = 0; why == NULL && d->after && d->after[i]; i++)
    if (!after_is_valid (d->after[i]))
      why = detail = g_strdup_printf ("loads after “%s”, which is not plugin:NAME or "
                                      "plugin:PREFIX*",
                                      d->after[i]);
  if (why)
    {
      g_set_error (error, OCC_LOADER_ERROR, OCC_LOADER_ERROR_BROKEN, "%s %s", path, why);
      dlclose (handle);
      return NULL;
    }
  *module = handle;
  return d;
}

static void
copy_descriptor (OccPlugin *p, const OccPluginDesc *d)
{
  g_free (p->version);
  g_free (p->summary);
  g_free (p->license);
  g_strfreev (p->requires);
  g_strfreev (p->provides);
  g_strfreev (p->after);
  p->version = g_strdup (d->version);
  p->summary = g_strdup (d->summary);
  p->license = g_strdup (d->license);
  p->abi_major = d->abi_major;
  p->abi_minor = d->abi_minor;
  p->requires = g_strdupv ((char **) d->requires);
  p->provides = g_strdupv ((char **) d->provides);
  p->after = g_strdupv ((char **) d->after);
  if (p->after == NULL)
    p->after = g_new0 (char *, 1);
  if (p->requires == NULL)
    p->requires = g_new0 (char *, 1);
  if (p->provides == NULL)
    p->provides = g_new0 (char *, 1);
  p->has_schema = d->config_schema != NULL;
  p->has_reconfigure = d->reconfigure != NULL;
}

static OccPlugin *
plugin_entry (OccLoader *l, const char *name, const char *path)
{
  OccPlugin *p = g_hash_table_lookup (l->plugins, name);
  if (p == NULL)
    {
      p = g_new0 (OccPlugin, 1);
      p->ctx = l->ctx;
      p->name = g_strdup (name);
      p->requires = g_new0 (char *, 1);
      p->provides = g_new0 (char *, 1);
      g_hash_table_insert (l->plugins, p->name, p);
    }
  if (path)
    {
      g_free (p->path);
      p->path = g_strdup (path);
    }
  return p;
}

static void
scan_file (OccLoader *l, const char *path, GHashTable *seen)
{
  g_autofree char *base = g_path_get_basename (path);
  base[strlen (base) - 3] = '\0'; /* drop ".so" */
  if (g_hash_table_contains (seen, base))
    {
      g_warning ("%s is shadowed by %s.so found earlier in the plugin path", path, base);
      return;
    }
  g_hash_table_add (seen, g_strdup (base));
  OccPlugin *p = plugin_entry (l, base, NULL);
  if (p->state == OCC_PLUGIN_LOADED)
    return;
  g_free (p->path);
  p->path = g_strdup (path);
  g_autoptr (GError) error = NULL;
  gpointer module = NULL;
  const OccPluginDesc *d = open_descriptor (path, base, &module, &error);
  if (d == NULL)
    {
      g_warning ("plugin %s: %s", base, error->message);
      set_state (p, OCC_PLUGIN_FAILED, error->message);
      return;
    }
  copy_descriptor (p, d);
  dlclose (module);
  set_state (p, OCC_PLUGIN_AVAILABLE, NULL);
}

static void
scan_dir (OccLoader *l, const char *dir, guint depth, GHashTable *seen)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *n;
  while ((n = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (n));
  g_ptr_array_sort (names, compare_strings);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          if (depth < 2 && !g_str_has_suffix (name, ".p"))
            scan_dir (l, path, depth + 1, seen);
        }
      else if (g_str_has_suffix (name, ".so") && strlen (name) > 3)
        scan_file (l, path, seen);
    }
}

void
occ_loader_scan (OccLoader *l, const char *const *paths)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; paths && paths[i]; i++)
    scan_dir (l, paths[i], 0, seen);
}

/* --- loading --------------------------------------------------------------- */

static void
publish (OccLoader *l, const char *type, GVariant *payload)
{
  occ_bus_publish (l->ctx->bus, NULL, type, payload, NULL);
}

/* The names of the loaded plugins @p needs that are not loaded, as text;
 * NULL when all are. */
static char *
missing_requirements (OccLoader *l, OccPlugin *p)
{
  g_autoptr (GString) missing = g_string_new (NULL);
  for (guint i = 0; p->requires[i]; i++)
    {
      const char *r = p->requires[i];
      gboolean ok;
      if (g_str_has_prefix (r, "plugin:"))
        {
          OccPlugin *dep = occ_loader_get (l, r + 7);
          ok = dep && dep->state == OCC_PLUGIN_LOADED;
        }
      else
        ok = occ_registry_lookup (l->ctx->registry, r + 8, 0, NULL) != NULL;
      if (!ok)
        g_string_append_printf (missing, "%s%s", missing->len ? ", " : "", r);
    }
  return missing->len ? g_string_free (g_steal_pointer (&missing), FALSE) : NULL;
}

static void
close_module (OccPlugin *p)
{
  if (p->module)
    dlclose (p->module);
  p->module = NULL;
  p->desc = NULL;
}

/* Loads one plugin whose requirements are met. */
static gboolean
load_one (OccLoader *l, OccPlugin *p, GError **error)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (GKeyFile) config = NULL;
  g_autofree char *msg = NULL;
  OccLoaderError code = OCC_LOADER_ERROR_FAILED;
  const OccPluginDesc *d = open_descriptor (p->path, p->name, &p->module, &e);
  if (d == NULL)
    {
      set_state (p, OCC_PLUGIN_FAILED, e->message);
      code = OCC_LOADER_ERROR_BROKEN;
      goto failed;
    }
  copy_descriptor (p, d);
  config = occ_config_load_plugin (l->ctx->config, p->name, d->config_schema, &e);
  if (config == NULL)
    {
      close_module (p);
      set_state (p, OCC_PLUGIN_FAILED, e->message);
      goto failed;
    }
  p->desc = d;
  g_clear_pointer (&p->config, g_key_file_unref);
  p->config = g_steal_pointer (&config);
  if (p->sources == NULL)
    p->sources = g_ptr_array_new_with_free_func ((GDestroyNotify) g_source_unref);
  p->user_data = NULL;
  p->state = OCC_PLUGIN_LOADED; /* visible as loaded to load() itself */

  OccLoadResult result = d->load (p, &e);
  if (result == OCC_LOAD_OK)
    {
      set_state (p, OCC_PLUGIN_LOADED, NULL);
      g_ptr_array_add (l->order, p);
      g_info ("plugin %s %s loaded from %s", p->name, p->version, p->path);
      publish (l, OCC_EVENT_PLUGIN_LOADED, g_variant_new ("(ss)", p->name, p->version));
      return TRUE;
    }

  /* unload() pairs with a successful load() only: a plugin that gives up
   * frees its own state before returning */
  occ_plugin_drop_registrations (p);
  close_module (p);
  p->user_data = NULL;
  const char *reason = e ? e->message : "load() gave no reason";
  if (result == OCC_LOAD_DECLINED)
    {
      set_state (p, OCC_PLUGIN_DECLINED, reason);
      g_message ("plugin %s declined to load: %s", p->name, reason);
      publish (l, OCC_EVENT_PLUGIN_DECLINED, g_variant_new ("(ss)", p->name, reason));
      g_set_error (error, OCC_LOADER_ERROR, OCC_LOADER_ERROR_DECLINED,
                   "plugin %s declined to load: %s", p->name, reason);
      return FALSE;
    }
  msg = g_strdup_printf ("%s: load failed: %s", p->path, reason);
  set_state (p, OCC_PLUGIN_FAILED, msg);

failed:
  g_warning ("plugin %s: %s", p->name, p->reason);
  publish (l, OCC_EVENT_PLUGIN_FAILED, g_variant_new ("(ss)", p->name, p->reason));
  g_set_error (error, OCC_LOADER_ERROR, code, "plugin %s: %s", p->name, p->reason);
  return FALSE;
}

/* Depth-first ordering over the enabled set. @deps maps a plugin to the
 * enabled plugins it needs; a plugin met again while still on the path
 * closes a cycle. */
typedef struct {
  OccLoader *l;
  GHashTable *deps;  /* OccPlugin -> GPtrArray of OccPlugin */
  GHashTable *color; /* OccPlugin -> 1 visiting, 2 done */
  GPtrArray *path;
  GPtrArray *order;
} Sorter;

static void
visit (Sorter *s, OccPlugin *p)
{
  gintptr c = GPOINTER_TO_INT (g_hash_table_lookup (s->color, p));
  if (c == 2)
    return;
  if (c == 1)
    {
      g_autoptr (GString) cycle = g_string_new ("dependency cycle: ");
      guint start = 0;
      while (g_ptr_array_index (s->path, start) != p)
        start++;
      for (guint i = start; i < s->path->len; i++)
        {
          OccPlugin *q = g_ptr_array_index (s->path, i);
          g_string_append_printf (cycle, "%s → ", q->name);
        }
      g_string_append (cycle, p->name);
      for (guint i = start; i < s->path->len; i++)
        set_state (g_ptr_array_index (s->path, i), OCC_PLUGIN_FAILED, cycle->str);
      return;
    }
  g_hash_table_insert (s->color, p, GINT_TO_POINTER (1));
  g_ptr_array_add (s->path, p);
  GPtrArray *deps = g_hash_table_lookup (s->deps, p);
  for (guint i = 0; deps && i < deps->len; i++)
    visit (s, g_ptr_array_index (deps, i));
  g_ptr_array_remove_index (s->path, s->path->len - 1);
  g_hash_table_insert (s->color, p, GINT_TO_POINTER (2));
  g_ptr_array_add (s->order, p);
}

/* Resolves @p's requirements among @enabled; NULL with a reason when one
 * cannot be met. */
static GPtrArray *
resolve_deps (OccLoader *l, OccPlugin *p, GPtrArray *enabled, char **reason)
{
  GPtrArray *deps = g_ptr_array_new ();
  for (guint i = 0; p->requires[i]; i++)
    {
      const char *r = p->requires[i];
      guint found = 0;
      for (guint j = 0; j < enabled->len; j++)
        {
          OccPlugin *q = g_ptr_array_index (enabled, j);
          gboolean match
              = g_str_has_prefix (r, "plugin:")
                    ? strcmp (q->name, r + 7) == 0
                    : occ_registry_provides_match ((const char *const *) q->provides, r + 8);
          if (match && q != p)
            {
              g_ptr_array_add (deps, q);
              found++;
            }
        }
      /* a service the core or an already loaded plugin provides is fine */
      if (found == 0 && g_str_has_prefix (r, "service:")
          && occ_registry_lookup (l->ctx->registry, r + 8, 0, NULL))
        continue;
      if (found == 0 && g_str_has_prefix (r, "plugin:"))
        {
          OccPlugin *q = occ_loader_get (l, r + 7);
          if (q && q->state == OCC_PLUGIN_LOADED)
            continue;
        }
      if (found == 0)
        {
          *reason
              = g_str_has_prefix (r, "plugin:")
                    ? g_strdup_printf ("requires plugin %s, which is %s", r + 7,
                                       occ_loader_get (l, r + 7) ? "not enabled" : "not installed")
                    : g_strdup_printf ("requires service %s, which no enabled "
                                       "plugin provides",
                                       r + 8);
          g_ptr_array_unref (deps);
          return NULL;
        }
    }
  /* soft ordering: after these if they are enabled, not needing them */
  for (guint i = 0; p->after[i]; i++)
    for (guint j = 0; j < enabled->len; j++)
      {
        OccPlugin *q = g_ptr_array_index (enabled, j);
        if (q != p && after_matches (p->after[i], q->name))
          g_ptr_array_add (deps, q);
      }
  return deps;
}

void
occ_loader_load_enabled (OccLoader *l, const char *const *enabled_names)
{
  g_autoptr (GPtrArray) enabled = g_ptr_array_new ();
  for (guint i = 0; enabled_names && enabled_names[i]; i++)
    {
      OccPlugin *p = occ_loader_get (l, enabled_names[i]);
      if (p == NULL)
        {
          p = plugin_entry (l, enabled_names[i], NULL);
          set_state (p, OCC_PLUGIN_FAILED, "enabled, but not found in the plugin path");
          g_warning ("plugin %s: %s", p->name, p->reason);
          publish (l, OCC_EVENT_PLUGIN_FAILED, g_variant_new ("(ss)", p->name, p->reason));
          continue;
        }
      if (p->state == OCC_PLUGIN_AVAILABLE || p->state == OCC_PLUGIN_DECLINED
          || (p->state == OCC_PLUGIN_FAILED && p->path && p->version))
        g_ptr_array_add (enabled, p);
      else if (p->state == OCC_PLUGIN_FAILED) /* the file itself is broken */
        publish (l, OCC_EVENT_PLUGIN_FAILED, g_variant_new ("(ss)", p->name, p->reason));
    }

  Sorter s = { l, g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref),
               g_hash_table_new (NULL, NULL), g_ptr_array_new (), g_ptr_array_new () };
  for (guint i = 0; i < enabled->len; i++)
    {
      OccPlugin *p = g_ptr_array_index (enabled, i);
      g_autofree char *reason = NULL;
      GPtrArray *deps = resolve_deps (l, p, enabled, &reason);
      if (deps)
        g_hash_table_insert (s.deps, p, deps);
      else
        set_state (p, OCC_PLUGIN_FAILED, reason);
      if (deps)
        set_state (p, OCC_PLUGIN_AVAILABLE, NULL);
    }
  for (guint i = 0; i < enabled->len; i++)
    visit (&s, g_ptr_array_index (enabled, i));

  for (guint i = 0; i < s.order->len; i++)
    {
      OccPlugin *p = g_ptr_array_index (s.order, i);
      if (p->state == OCC_PLUGIN_FAILED)
        {
          g_warning ("plugin %s: %s", p->name, p->reason);
          publish (l, OCC_EVENT_PLUGIN_FAILED, g_variant_new ("(ss)", p->name, p->reason));
          continue;
        }
      g_autofree char *missing = missing_requirements (l, p);
      if (missing)
        {
          g_autofree char *why = g_strdup_printf ("not loaded because %s did not load", missing);
          set_state (p, OCC_PLUGIN_FAILED, why);
          g_warning ("plugin %s: %s", p->name, why);
          publish (l, OCC_EVENT_PLUGIN_FAILED, g_variant_new ("(ss)", p->name, why));
          continue;
        }
      load_one (l, p, NULL);
    }
  g_hash_table_unref (s.deps);
  g_hash_table_unref (s.color);
  g_ptr_array_unref (s.path);
  g_ptr_array_unref (s.order);
}

gboolean
occ_loader_load (OccLoader *l, const char *name, GError **error)
{
  OccPlugin *p = occ_loader_get (l, name);
  if (p == NULL || p->path == NULL)
    {
      /* it may have been installed since start */
      occ_loader_scan (l, occ_config_get_plugin_path (l->ctx->config));
      p = occ_loader_get (l, name);
    }
  if (p == NULL || p->path == NULL)
    {
      g_set_error (error, OCC_LOADER_ERROR, OCC_LOADER_ERROR_NOT_FOUND,
                   "no plugin named %s in the plugin path", name);
      return FALSE;
    }
  if (p->state == OCC_PLUGIN_LOADED)
    {
      g_set_error (error, OCC_LOADER_ERROR, OCC_LOADER_ERROR_STATE, "plugin %s is already loaded",
                   name);
      return FALSE;
    }
  /* re-read the file: it may have been replaced or fixed */
  g_autofree char *path = g_strdup (p->path);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  scan_file (l, path, seen);
  if (p->state == OCC_PLUGIN_FAILED)
    {
      g_set_error (error, OCC_LOADER_ERROR, OCC_LOADER_ERROR_BROKEN, "plugin %s: %s", name,
                   p->reason);
      return FALSE;
    }
  g_autofree char *missing = missing_requirements (l, p);
  if (missing)
    {
      g_set_error (error, OCC_LOADER_ERROR, OCC_LOADER_ERROR_DEPENDENCY,
                   "plugin %s requires %s, which is not loaded", name, missing);
      return FALSE;
    }
  return load_one (l, p, error);
}

/* The loaded plugins that would lose something they require if @p went. */
static char *
dependents_of (OccLoader *l, OccPlugin *p)
{
  g_autoptr (GString) who = g_string_new (NULL);
  for (guint i = 0; i < l->order->len; i++)
    {
      OccPlugin *q = g_ptr_array_index (l->order, i);
      if (q == p)
        continue;
      for (guint j = 0; q->requires[j]; j++)
        {
          const char *r = q->requires[j];
          gboolean needs = FALSE;
          if (g_str_has_prefix (r, "plugin:"))
            needs = strcmp (r + 7, p->name) == 0;
          else
            needs = occ_registry_get_provider (l->ctx->registry, r + 8) == p;
          if (needs)
            {
              g_string_append_printf (who, "%s%s (%s)", who->len ? ", " : "", q->name, r);
              break;
            }
        }
    }
  return who->len ? g_string_free (g_steal_pointer (&who), FALSE) : NULL;
}

static void
unload_one (OccLoader *l, OccPlugin *p)
{
  if (p->desc && p->desc->unload)
    p->desc->unload (p);
  occ_plugin_drop_registrations (p);
  close_module (p);
  g_clear_pointer (&p->config, g_key_file_unref);
  p->user_data = NULL;
  set_state (p, OCC_PLUGIN_AVAILABLE, NULL);
  g_ptr_array_remove (l->order, p);
  g_info ("plugin %s unloaded", p->name);
  publish (l, OCC_EVENT_PLUGIN_UNLOADED, g_variant_new ("(s)", p->name));
}

gboolean
occ_loader_unload (OccLoader *l, const char *name, GError **error)
{
  OccPlugin *p = occ_loader_get (l, name);
  if (p == NULL)
    {
      g_set_error (error, OCC_LOADER_ERROR, OCC_LOADER_ERROR_NOT_FOUND, "no plugin named %s", name);
      return FALSE;
    }
  if (p->state != OCC_PLUGIN_LOADED || p->builtin)
    {
      g_set_error (error, OCC_LOADER_ERROR, OCC_LOADER_ERROR_STATE, "plugin %s is not loaded (%s)",
                   name, occ_plugin_state_to_string (p->state));
      return FALSE;
    }
  g_autofree char *who = dependents_of (l, p);
  if (who)
    {
      g_set_error (error, OCC_LOADER_ERROR, OCC_LOADER_ERROR_IN_USE,
                   "plugin %s is required by %s; unload those first", name, who);
      return FALSE;
    }
  unload_one (l, p);
  return TRUE;
}

void
occ_loader_unload_all (OccLoader *l)
{
  while (l->order->len > 0)
    unload_one (l, g_ptr_array_index (l->order, l->order->len - 1));
}

/* --- configuration ------------------------------------------------------------ */

gboolean
occ_loader_check_configs (OccLoader *l, OccConfig *config, GError **error)
{
  g_autoptr (GString) problems = g_string_new (NULL);
  const char *const *enabled = occ_config_get_enabled (config);
  for (guint i = 0; enabled[i]; i++)
    {
      OccPlugin *p = occ_loader_get (l, enabled[i]);
      if (p == NULL || p->path == NULL)
        continue; /* reported when loading */
      g_autoptr (GError) e = NULL;
      const OccConfigKey *schema = NULL;
      gpointer module = NULL;
      if (p->state == OCC_PLUGIN_LOADED)
        schema = p->desc->config_schema;
      else
        {
          const OccPluginDesc *d = open_descriptor (p->path, p->name, &module, NULL);
          if (d == NULL)
            continue;
          schema = d->config_schema;
        }
      g_autoptr (GKeyFile) kf = occ_config_load_plugin (config, p->name, schema, &e);
      if (module)
        dlclose (module);
      if (kf == NULL)
        g_string_append_printf (problems, "%s%s", problems->len ? "\n" : "", e->message);
    }
  if (problems->len == 0)
    return TRUE;
  g_set_error_literal (error, OCC_CONFIG_ERROR, OCC_CONFIG_ERROR_INVALID, problems->str);
  return FALSE;
}

static void note (GString *problems, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
note (GString *problems, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_warning ("%s", msg);
  if (problems)
    g_string_append_printf (problems, "%s%s", problems->len ? "\n" : "", msg);
}

void
occ_loader_apply_config (OccLoader *l, OccConfig *config, GPtrArray *changed, GString *problems)
{
  /* what the old config enabled; plugins loaded by hand are left alone */
  g_auto (GStrv) was_enabled = g_strdupv ((char **) occ_config_get_enabled (l->ctx->config));
  occ_config_free (l->ctx->config);
  l->ctx->config = config;

  /* reconfigure what stays loaded */
  for (guint i = 0; i < l->order->len; i++)
    {
      OccPlugin *p = g_ptr_array_index (l->order, i);
      if (p->builtin || !occ_config_is_enabled (config, p->name))
        continue;
      g_autoptr (GError) e = NULL;
      g_autoptr (GKeyFile) kf
          = occ_config_load_plugin (config, p->name, p->desc->config_schema, &e);
      if (kf == NULL)
        {
          note (problems, "plugin %s keeps its old config: %s", p->name, e->message);
          continue;
        }
      if (occ_config_keyfile_equal (kf, p->config))
        continue;
      if (p->desc->reconfigure == NULL)
        {
          note (problems,
                "plugin %s cannot be reconfigured while running; its new "
                "config applies when it is next loaded",
                p->name);
          continue;
        }
      if (!p->desc->reconfigure (p, kf, &e))
        {
          note (problems, "plugin %s refused its new config and keeps the old one: %s", p->name,
                e ? e->message : "no reason given");
          continue;
        }
      g_key_file_unref (p->config);
      p->config = g_steal_pointer (&kf);
      if (changed)
        g_ptr_array_add (changed, g_strdup (p->name));
    }

  /* unload what the new config no longer enables, dependents first */
  for (guint i = l->order->len; i > 0; i--)
    {
      OccPlugin *p = g_ptr_array_index (l->order, i - 1);
      if (p->builtin || occ_config_is_enabled (config, p->name)
          || !g_strv_contains ((const char *const *) was_enabled, p->name))
        continue;
      g_autoptr (GError) e = NULL;
      if (!occ_loader_unload (l, p->name, &e))
        note (problems, "%s", e->message);
    }

  /* load what is newly enabled */
  occ_loader_scan (l, occ_config_get_plugin_path (config));
  const char *const *enabled = occ_config_get_enabled (config);
  g_autoptr (GPtrArray) fresh = g_ptr_array_new ();
  for (guint i = 0; enabled[i]; i++)
    {
      OccPlugin *p = occ_loader_get (l, enabled[i]);
      if (p == NULL || p->state != OCC_PLUGIN_LOADED)
        g_ptr_array_add (fresh, (gpointer) enabled[i]);
    }
  g_ptr_array_add (fresh, NULL);
  occ_loader_load_enabled (l, (const char *const *) fresh->pdata);
}
