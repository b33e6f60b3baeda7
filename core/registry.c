/* The service registry. Services are looked up far less often than events
 * are published, so plain hash tables and a watch list are enough. */
#include "registry.h"
#include "plugin-private.h"

#include <string.h>

/* clang-format off */
G_DEFINE_QUARK (occ-service-error-quark, occ_service_error)
/* clang-format on */

typedef struct {
  char *name;
  OccPlugin *provider;
  gconstpointer iface;
  guint32 version;
} Service;

typedef struct {
  guint id;
  char *name;
  OccPlugin *owner;
  OccServiceWatchFunc func;
  gpointer user_data;
  GDestroyNotify notify;
  gboolean active;
} Watch;

struct _OccRegistry {
  OccBus *bus;
  GHashTable *services; /* name -> Service */
  GPtrArray *watches;
  guint next_watch_id;
  guint notifying; /* >0 while watchers run: removal is deferred */
};

static void
service_free (Service *s)
{
  g_free (s->name);
  g_free (s);
}

static void
watch_free (Watch *w)
{
  if (w->notify)
    w->notify (w->user_data);
  g_free (w->name);
  g_free (w);
}

OccRegistry *
occ_registry_new (OccBus *bus)
{
  OccRegistry *r = g_new0 (OccRegistry, 1);
  r->bus = bus;
  r->services
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) service_free);
  r->watches = g_ptr_array_new_with_free_func ((GDestroyNotify) watch_free);
  return r;
}

void
occ_registry_free (OccRegistry *registry)
{
  if (registry == NULL)
    return;
  g_ptr_array_unref (registry->watches);
  g_hash_table_unref (registry->services);
  g_free (registry);
}

static const char *
owner_name (OccPlugin *owner)
{
  return owner ? occ_plugin_get_name (owner) : "core";
}

/* Service names: dotted words with optional "/" parts, e.g.
 * "acd.strategy/longest-idle". */
static gboolean
service_name_is_valid (const char *name)
{
  if (name == NULL || *name == '\0' || strlen (name) > 128)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!(g_ascii_islower (*p) || g_ascii_isdigit (*p) || strchr ("._-/", *p)))
      return FALSE;
  return g_ascii_isalnum (name[0]);
}

/* Deleting from the watch list while iterating it would skip entries, so
 * watchers that go away during a notification are swept afterwards. */
static void
sweep_watches (OccRegistry *r)
{
  if (r->notifying > 0)
    return;
  for (guint i = r->watches->len; i > 0; i--)
    if (!((Watch *) g_ptr_array_index (r->watches, i - 1))->active)
      g_ptr_array_remove_index (r->watches, i - 1);
}

static void
notify_watchers (OccRegistry *r, const char *name, gconstpointer iface, const char *provider)
{
  r->notifying++;
  for (guint i = 0; i < r->watches->len; i++)
    {
      Watch *w = g_ptr_array_index (r->watches, i);
      if (w->active && strcmp (w->name, name) == 0)
        w->func (name, iface, provider, w->user_data);
    }
  r->notifying--;
  sweep_watches (r);
}

gboolean
occ_registry_provides_match (const char *const *provides, const char *name)
{
  for (guint i = 0; provides && provides[i]; i++)
    {
      gsize len = strlen (provides[i]);
      if (len > 0 && provides[i][len - 1] == '*' ? strncmp (provides[i], name, len - 1) == 0
                                                 : strcmp (provides[i], name) == 0)
        return TRUE;
    }
  return FALSE;
}

gboolean
occ_registry_provide (OccRegistry *r, OccPlugin *owner, const char *name, gconstpointer iface,
                      GError **error)
{
  g_return_val_if_fail (r != NULL, FALSE);
  if (!service_name_is_valid (name))
    {
      g_set_error (error, OCC_SERVICE_ERROR, OCC_SERVICE_ERROR_INVALID,
                   "service name “%s” is not valid", name ? name : "(null)");
      return FALSE;
    }
  const OccServiceHeader *h = iface;
  if (h == NULL || h->version == 0 || h->size < sizeof (OccServiceHeader))
    {
      g_set_error (error, OCC_SERVICE_ERROR, OCC_SERVICE_ERROR_INVALID,
                   "service “%s” from %s has no valid header (size and version)", name,
                   owner_name (owner));
      return FALSE;
    }
  Service *old = g_hash_table_lookup (r->services, name);
  if (old)
    {
      g_set_error (error, OCC_SERVICE_ERROR, OCC_SERVICE_ERROR_EXISTS,
                   "service “%s” is already provided by %s", name, owner_name (old->provider));
      return FALSE;
    }
  if (owner && owner->provides
      && !occ_registry_provides_match ((const char *const *) owner->provides, name))
    g_warning ("plugin %s provides service “%s” without declaring it in its "
               "descriptor; other plugins may load before it",
               owner_name (owner), name);

  Service *s = g_new0 (Service, 1);
  s->name = g_strdup (name);
  s->provider = owner;
  s->iface = iface;
  s->version = h->version;
  g_hash_table_insert (r->services, s->name, s);
  occ_bus_publish (r->bus, owner, OCC_EVENT_SERVICE_ADDED,
                   g_variant_new ("(ssu)", name, owner_name (owner), s->version), NULL);
  notify_watchers (r, name, iface, owner_name (owner));
  return TRUE;
}

static void
remove_service (OccRegistry *r, Service *s)
{
  g_autofree char *name = g_strdup (s->name);
  g_autofree char *provider = g_strdup (owner_name (s->provider));
  OccPlugin *owner = s->provider;
  g_hash_table_remove (r->services, name);
  occ_bus_publish (r->bus, owner, OCC_EVENT_SERVICE_REMOVED, g_variant_new ("(ss)", name, provider),
                   NULL);
  notify_watchers (r, name, NULL, provider);
}

void
occ_registry_withdraw (OccRegistry *r, OccPlugin *owner, const char *name)
{
  g_return_if_fail (r != NULL && name != NULL);
  Service *s = g_hash_table_lookup (r->services, name);
  if (s && s->provider == owner)
    remove_service (r, s);
}

gconstpointer
occ_registry_lookup (OccRegistry *r, const char *name, guint32 min_version, GError **error)
{
  g_return_val_if_fail (r != NULL && name != NULL, NULL);
  Service *s = g_hash_table_lookup (r->services, name);
  if (s == NULL)
    {
      g_set_error (error, OCC_SERVICE_ERROR, OCC_SERVICE_ERROR_NOT_FOUND,
                   "no plugin provides service “%s”", name);
      return NULL;
    }
  if (s->version < min_version)
    {
      g_set_error (error, OCC_SERVICE_ERROR, OCC_SERVICE_ERROR_TOO_OLD,
                   "service “%s” from %s is version %u; version %u or newer "
                   "is needed",
                   name, owner_name (s->provider), s->version, min_version);
      return NULL;
    }
  return s->iface;
}

OccPlugin *
occ_registry_get_provider (OccRegistry *r, const char *name)
{
  Service *s = g_hash_table_lookup (r->services, name);
  return s ? s->provider : NULL;
}

guint
occ_registry_watch (OccRegistry *r, OccPlugin *owner, const char *name, OccServiceWatchFunc func,
                    gpointer user_data, GDestroyNotify notify)
{
  g_return_val_if_fail (r != NULL && name != NULL && func != NULL, 0);
  Watch *w = g_new0 (Watch, 1);
  w->id = ++r->next_watch_id;
  w->name = g_strdup (name);
  w->owner = owner;
  w->func = func;
  w->user_data = user_data;
  w->notify = notify;
  w->active = TRUE;
  g_ptr_array_add (r->watches, w);
  Service *s = g_hash_table_lookup (r->services, name);
  if (s)
    func (name, s->iface, owner_name (s->provider), user_data);
  return w->id;
}

void
occ_registry_unwatch (OccRegistry *r, guint watch_id)
{
  for (guint i = 0; i < r->watches->len; i++)
    {
      Watch *w = g_ptr_array_index (r->watches, i);
      if (w->id == watch_id)
        w->active = FALSE;
    }
  sweep_watches (r);
}

void
occ_registry_drop_owner (OccRegistry *r, OccPlugin *owner)
{
  for (guint i = 0; i < r->watches->len; i++)
    {
      Watch *w = g_ptr_array_index (r->watches, i);
      if (w->owner == owner)
        w->active = FALSE;
    }
  sweep_watches (r);

  g_autoptr (GPtrArray) mine = g_ptr_array_new ();
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, r->services);
  while (g_hash_table_iter_next (&it, NULL, &value))
    if (((Service *) value)->provider == owner)
      g_ptr_array_add (mine, value);
  for (guint i = 0; i < mine->len; i++)
    remove_service (r, g_ptr_array_index (mine, i));
}

static int
compare_services (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(Service *const *) a)->name, (*(Service *const *) b)->name);
}

void
occ_registry_foreach (OccRegistry *r, OccRegistryFunc func, gpointer user_data)
{
  g_autoptr (GPtrArray) all = g_ptr_array_new ();
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, r->services);
  while (g_hash_table_iter_next (&it, NULL, &value))
    g_ptr_array_add (all, value);
  g_ptr_array_sort (all, compare_services);
  for (guint i = 0; i < all->len; i++)
    {
      Service *s = g_ptr_array_index (all, i);
      func (s->name, s->version, s->provider, user_data);
    }
}

/* --- the public, plugin-facing forms ---------------------------------------- */

gboolean
occ_service_provide (OccPlugin *plugin, const char *name, gconstpointer iface, GError **error)
{
  g_return_val_if_fail (plugin != NULL, FALSE);
  return occ_registry_provide (plugin->ctx->registry, plugin, name, iface, error);
}

void
occ_service_withdraw (OccPlugin *plugin, const char *name)
{
  g_return_if_fail (plugin != NULL);
  occ_registry_withdraw (plugin->ctx->registry, plugin, name);
}

gconstpointer
occ_service_lookup (OccPlugin *plugin, const char *name, guint32 min_version, GError **error)
{
  g_return_val_if_fail (plugin != NULL, NULL);
  return occ_registry_lookup (plugin->ctx->registry, name, min_version, error);
}

guint
occ_service_watch (OccPlugin *plugin, const char *name, OccServiceWatchFunc func,
                   gpointer user_data, GDestroyNotify notify)
{
  g_return_val_if_fail (plugin != NULL, 0);
  return occ_registry_watch (plugin->ctx->registry, plugin, name, func, user_data, notify);
}

void
occ_service_unwatch (OccPlugin *plugin, guint watch_id)
{
  g_return_if_fail (plugin != NULL);
  occ_registry_unwatch (plugin->ctx->registry, watch_id);
}
