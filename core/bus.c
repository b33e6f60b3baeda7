/* The typed event bus: publish checks the payload against the registered
 * type, events queue in publish order, and a main-loop source delivers them
 * to the subscriptions whose pattern matches.
 *
 * Speed matters here (every call step crosses the bus), so the hot path
 * avoids per-event allocation beyond the event itself: the queue is a ring
 * of pointers, and each type caches the list of subscriptions matching it
 * until a subscription is added or removed. */
#include "bus-private.h"
#include "plugin-private.h"

#include <string.h>

#define DISPATCH_BUDGET_US 1000 /* give other sources a turn after 1 ms */

typedef struct {
  gint ref;
  char *name;
  char *signature;
  GVariantType *vtype;
  char *doc;
  OccPlugin *owner;
  const char *owner_name; /* interned: plugin names are ours, not input */
  GPtrArray *matches;     /* Sub refs matching this type, or NULL */
  guint matches_gen;
} EventType;

struct _OccEvent {
  gint ref;
  EventType *type;
  GVariant *payload;
  guint64 seq;
  gint64 time;
  const char *publisher; /* interned plugin name, or publisher_owned */
  char *publisher_owned; /* events parsed from JSON: input is not interned */
};

typedef enum { MATCH_EXACT, MATCH_PREFIX, MATCH_ALL } MatchKind;

typedef struct {
  gint ref;
  guint id;
  MatchKind kind;
  char *pattern; /* MATCH_EXACT: the name; MATCH_PREFIX: the prefix, dot included */
  gsize pattern_len;
  OccPlugin *owner;
  OccEventFunc func;
  gpointer user_data;
  GDestroyNotify notify;
  gboolean active;
  guint running; /* deliveries in progress */
} Sub;

typedef struct {
  GSource source;
  OccBus *bus;
} BusSource;

struct _OccBus {
  GHashTable *types; /* name -> EventType */
  GPtrArray *subs;   /* active subscriptions, in subscription order */
  guint generation;  /* bumped whenever subs changes */
  guint next_sub_id;
  guint64 next_seq;
  guint64 delivered;
  /* the type last published: publishers usually pass the same literal */
  const char *last_name;
  EventType *last_type;
  /* ring buffer of queued events */
  OccEvent **ring;
  gsize ring_size; /* power of two */
  gsize head;      /* next to deliver */
  gsize count;
  GSource *source;
  const char *core_name; /* interned "core" */
};

/* clang-format off */
G_DEFINE_QUARK (occ-bus-error-quark, occ_bus_error)
/* clang-format on */

/* --- types ---------------------------------------------------------------- */

static EventType *
event_type_ref (EventType *t)
{
  g_atomic_int_inc (&t->ref);
  return t;
}

static void
event_type_unref (EventType *t)
{
  if (!g_atomic_int_dec_and_test (&t->ref))
    return;
  g_free (t->name);
  g_free (t->signature);
  g_variant_type_free (t->vtype);
  g_free (t->doc);
  g_clear_pointer (&t->matches, g_ptr_array_unref);
  g_free (t);
}

static EventType *
event_type_new (const char *name, const char *signature, const char *doc, OccPlugin *owner)
{
  EventType *t = g_new0 (EventType, 1);
  t->ref = 1;
  /* not interned: names also come from outside (events parsed from JSON),
   * and GLib never frees interned strings */
  t->name = g_strdup (name);
  t->signature = g_strdup (signature);
  t->vtype = g_variant_type_new (signature);
  t->doc = g_strdup (doc ? doc : "");
  t->owner = owner;
  t->owner_name = owner ? occ_plugin_get_interned_name (owner) : "core";
  return t;
}

/* A type name is two or more dot-separated words of [a-z0-9_-]. */
static gboolean
type_name_is_valid (const char *name)
{
  gboolean dot = FALSE;
  gsize len = 0;
  char prev = '.';
  for (const char *p = name; *p; p++, len++)
    {
      char c = *p;
      if (c == '.')
        {
          if (prev == '.')
            return FALSE;
          dot = TRUE;
        }
      else if (!(g_ascii_islower (c) || g_ascii_isdigit (c) || c == '_' || c == '-'))
        return FALSE;
      prev = c;
    }
  return dot && prev != '.' && len <= 128;
}

gboolean
occ_bus_register_type (OccBus *bus, OccPlugin *owner, const char *name, const char *signature,
                       const char *doc, GError **error)
{
  g_return_val_if_fail (bus != NULL, FALSE);
  g_return_val_if_fail (name != NULL && signature != NULL, FALSE);

  if (!type_name_is_valid (name))
    {
      g_set_error (error, OCC_BUS_ERROR, OCC_BUS_ERROR_INVALID,
                   "event type name “%s” is not dotted lower-case words", name);
      return FALSE;
    }
  if (!g_variant_type_string_is_valid (signature)
      || !g_variant_type_is_definite (G_VARIANT_TYPE (signature)) || strlen (signature) > 255)
    {
      g_set_error (error, OCC_BUS_ERROR, OCC_BUS_ERROR_INVALID,
                   "event type “%s”: “%s” is not a definite GVariant type string", name, signature);
      return FALSE;
    }
  EventType *old = g_hash_table_lookup (bus->types, name);
  if (old)
    {
      if (strcmp (old->signature, signature) == 0)
        return TRUE;
      g_set_error (error, OCC_BUS_ERROR, OCC_BUS_ERROR_EXISTS,
                   "event type “%s” is already registered by %s with payload "
                   "“%s”, not “%s”",
                   name, old->owner_name, old->signature, signature);
      return FALSE;
    }
  EventType *t = event_type_new (name, signature, doc, owner);
  g_hash_table_insert (bus->types, (gpointer) t->name, t);
  return TRUE;
}

const char *
occ_bus_lookup_signature (OccBus *bus, const char *type)
{
  g_return_val_if_fail (bus != NULL && type != NULL, NULL);
  EventType *t = g_hash_table_lookup (bus->types, type);
  return t ? t->signature : NULL;
}

void
occ_bus_register_standard_types (OccBus *bus)
{
#define REGISTER(id, name, sig, doc)                              \
  if (!occ_bus_register_type (bus, NULL, name, sig, doc, &error)) \
    g_critical ("standard event type: %s", error->message);
  g_autoptr (GError) error = NULL;
  OCC_EVENT_CATALOGUE (REGISTER)
#undef REGISTER
}

/* --- events --------------------------------------------------------------- */

static OccEvent *
event_alloc (EventType *type, GVariant *payload, guint64 seq, gint64 time, const char *publisher)
{
  OccEvent *e = g_new (OccEvent, 1);
  e->ref = 1;
  e->type = event_type_ref (type);
  e->payload = g_variant_ref_sink (payload);
  e->seq = seq;
  e->time = time;
  e->publisher = publisher;
  e->publisher_owned = NULL;
  return e;
}

OccEvent *
occ_event_new (const char *type, const char *signature, GVariant *payload, guint64 seq, gint64 time,
               const char *publisher)
{
  g_return_val_if_fail (type != NULL && signature != NULL && payload != NULL, NULL);
  g_return_val_if_fail (g_variant_is_of_type (payload, G_VARIANT_TYPE (signature)), NULL);
  EventType *t = event_type_new (type, signature, NULL, NULL);
  OccEvent *e = event_alloc (t, payload, seq, time, NULL);
  e->publisher_owned = g_strdup (publisher ? publisher : "core");
  e->publisher = e->publisher_owned;
  event_type_unref (t);
  return e;
}

OccEvent *
occ_event_ref (const OccEvent *event)
{
  g_return_val_if_fail (event != NULL, NULL);
  OccEvent *e = (OccEvent *) event;
  g_atomic_int_inc (&e->ref);
  return e;
}

void
occ_event_unref (OccEvent *event)
{
  if (event == NULL || !g_atomic_int_dec_and_test (&event->ref))
    return;
  g_variant_unref (event->payload);
  event_type_unref (event->type);
  g_free (event->publisher_owned);
  g_free (event);
}

const char *
occ_event_get_type_name (const OccEvent *event)
{
  return event->type->name;
}

const char *
occ_event_get_signature (const OccEvent *event)
{
  return event->type->signature;
}

GVariant *
occ_event_get_payload (const OccEvent *event)
{
  return event->payload;
}

guint64
occ_event_get_seq (const OccEvent *event)
{
  return event->seq;
}

gint64
occ_event_get_time (const OccEvent *event)
{
  return event->time;
}

const char *
occ_event_get_publisher (const OccEvent *event)
{
  return event->publisher;
}

gboolean
occ_event_equal (const OccEvent *a, const OccEvent *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);
  return strcmp (a->type->name, b->type->name) == 0
         && strcmp (a->type->signature, b->type->signature) == 0 && a->seq == b->seq
         && a->time == b->time && strcmp (a->publisher, b->publisher) == 0
         && g_variant_equal (a->payload, b->payload);
}

/* --- subscriptions -------------------------------------------------------- */

static Sub *
sub_ref (Sub *s)
{
  s->ref++;
  return s;
}

static void
sub_unref (Sub *s)
{
  if (--s->ref > 0)
    return;
  g_free (s->pattern);
  g_free (s);
}

static gboolean
sub_matches (const Sub *s, const char *name)
{
  switch (s->kind)
    {
    case MATCH_ALL:
      return TRUE;
    case MATCH_EXACT:
      return strcmp (s->pattern, name) == 0;
    case MATCH_PREFIX:
      return strncmp (name, s->pattern, s->pattern_len) == 0;
    }
  return FALSE;
}

/* Calls the notify of a subscription that has ended, unless a delivery to
 * it is still running; then the delivery calls it when it returns. The
 * notify runs before the owner can be unloaded, never after. */
static void
sub_finish (Sub *s)
{
  if (s->running > 0 || s->notify == NULL)
    return;
  GDestroyNotify notify = s->notify;
  s->notify = NULL;
  notify (s->user_data);
}

guint
occ_bus_subscribe (OccBus *bus, OccPlugin *owner, const char *pattern, OccEventFunc func,
                   gpointer user_data, GDestroyNotify notify, GError **error)
{
  g_return_val_if_fail (bus != NULL && pattern != NULL && func != NULL, 0);

  Sub *s = g_new0 (Sub, 1);
  gsize len = strlen (pattern);
  if (strcmp (pattern, "*") == 0)
    s->kind = MATCH_ALL;
  else if (len > 2 && g_str_has_suffix (pattern, ".*"))
    {
      /* "call.*" and "acd.queue.*": the stem plus one more word must be a
       * valid type name */
      g_autofree char *typed = g_strndup (pattern, len - 1);
      g_autofree char *full = g_strconcat (typed, "x", NULL);
      if (!type_name_is_valid (full))
        goto invalid;
      s->kind = MATCH_PREFIX;
      s->pattern = g_strndup (pattern, len - 1); /* keep the dot */
      s->pattern_len = len - 1;
    }
  else if (type_name_is_valid (pattern))
    {
      s->kind = MATCH_EXACT;
      s->pattern = g_strdup (pattern);
    }
  else
    goto invalid;

  s->ref = 1;
  s->id = ++bus->next_sub_id;
  s->owner = owner;
  s->func = func;
  s->user_data = user_data;
  s->notify = notify;
  s->active = TRUE;
  g_ptr_array_add (bus->subs, s);
  bus->generation++;
  return s->id;

invalid:
  g_free (s);
  g_set_error (error, OCC_BUS_ERROR, OCC_BUS_ERROR_INVALID,
               "subscription pattern “%s” is not a type name, a prefix "
               "ending in “.*”, or “*”",
               pattern);
  return 0;
}

static void
remove_sub_at (OccBus *bus, guint index)
{
  Sub *s = g_ptr_array_index (bus->subs, index);
  g_ptr_array_remove_index (bus->subs, index);
  s->active = FALSE;
  bus->generation++;
  sub_finish (s);
  sub_unref (s);
}

void
occ_bus_unsubscribe (OccBus *bus, guint subscription_id)
{
  g_return_if_fail (bus != NULL);
  for (guint i = 0; i < bus->subs->len; i++)
    {
      Sub *s = g_ptr_array_index (bus->subs, i);
      if (s->id == subscription_id)
        {
          remove_sub_at (bus, i);
          return;
        }
    }
}

guint
occ_bus_count_subscriptions (OccBus *bus, OccPlugin *owner)
{
  guint n = 0;
  for (guint i = 0; i < bus->subs->len; i++)
    if (((Sub *) g_ptr_array_index (bus->subs, i))->owner == owner)
      n++;
  return n;
}

void
occ_bus_drop_owner (OccBus *bus, OccPlugin *owner)
{
  g_return_if_fail (owner != NULL);
  for (guint i = bus->subs->len; i > 0; i--)
    if (((Sub *) g_ptr_array_index (bus->subs, i - 1))->owner == owner)
      remove_sub_at (bus, i - 1);

  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, bus->types);
  while (g_hash_table_iter_next (&it, NULL, &value))
    if (((EventType *) value)->owner == owner)
      g_hash_table_iter_remove (&it);
  bus->last_name = NULL;
  bus->last_type = NULL;
}

/* The subscriptions matching @t, rebuilt when subscriptions changed. */
static GPtrArray *
matches_for (OccBus *bus, EventType *t)
{
  if (t->matches && t->matches_gen == bus->generation)
    return t->matches;
  g_clear_pointer (&t->matches, g_ptr_array_unref);
  t->matches = g_ptr_array_new_with_free_func ((GDestroyNotify) sub_unref);
  for (guint i = 0; i < bus->subs->len; i++)
    {
      Sub *s = g_ptr_array_index (bus->subs, i);
      if (sub_matches (s, t->name))
        g_ptr_array_add (t->matches, sub_ref (s));
    }
  t->matches_gen = bus->generation;
  return t->matches;
}

/* --- publish and deliver --------------------------------------------------- */

static void
ring_push (OccBus *bus, OccEvent *e)
{
  if (bus->count == bus->ring_size)
    {
      gsize n = bus->ring_size * 2;
      OccEvent **ring = g_new (OccEvent *, n);
      for (gsize i = 0; i < bus->count; i++)
        ring[i] = bus->ring[(bus->head + i) & (bus->ring_size - 1)];
      g_free (bus->ring);
      bus->ring = ring;
      bus->ring_size = n;
      bus->head = 0;
    }
  bus->ring[(bus->head + bus->count) & (bus->ring_size - 1)] = e;
  bus->count++;
}

static OccEvent *
ring_pop (OccBus *bus)
{
  if (bus->count == 0)
    return NULL;
  OccEvent *e = bus->ring[bus->head];
  bus->head = (bus->head + 1) & (bus->ring_size - 1);
  bus->count--;
  return e;
}

guint64
occ_bus_publish (OccBus *bus, OccPlugin *publisher, const char *type, GVariant *payload,
                 GError **error)
{
  g_return_val_if_fail (bus != NULL && type != NULL, 0);

  EventType *t;
  if (type == bus->last_name && bus->last_type && strcmp (type, bus->last_type->name) == 0)
    t = bus->last_type;
  else
    {
      t = g_hash_table_lookup (bus->types, type);
      bus->last_name = type;
      bus->last_type = t;
    }
  if (G_UNLIKELY (t == NULL))
    {
      if (payload)
        g_variant_unref (g_variant_ref_sink (payload));
      g_set_error (error, OCC_BUS_ERROR, OCC_BUS_ERROR_UNKNOWN_TYPE,
                   "event type “%s” is not registered", type);
      return 0;
    }
  if (payload == NULL && strcmp (t->signature, "()") == 0)
    payload = g_variant_new_tuple (NULL, 0);
  if (G_UNLIKELY (payload == NULL || !g_variant_is_of_type (payload, t->vtype)))
    {
      g_set_error (error, OCC_BUS_ERROR, OCC_BUS_ERROR_WRONG_PAYLOAD,
                   "event “%s” wants a payload of type “%s”, not “%s”", type, t->signature,
                   payload ? g_variant_get_type_string (payload) : "(null)");
      if (payload)
        g_variant_unref (g_variant_ref_sink (payload));
      return 0;
    }
  const char *pub = publisher ? occ_plugin_get_interned_name (publisher) : bus->core_name;
  OccEvent *e = event_alloc (t, payload, ++bus->next_seq, g_get_monotonic_time (), pub);
  ring_push (bus, e);
  return e->seq;
}

static void
deliver (OccBus *bus, OccEvent *e)
{
  GPtrArray *matches = g_ptr_array_ref (matches_for (bus, e->type));
  for (guint i = 0; i < matches->len; i++)
    {
      Sub *s = g_ptr_array_index (matches, i);
      if (!s->active)
        continue;
      s->running++;
      s->func (e, s->user_data);
      s->running--;
      if (!s->active)
        sub_finish (s);
    }
  g_ptr_array_unref (matches);
  bus->delivered++;
}

/* Delivers queued events, in order, for at most @budget_us (0: all). */
static void
drain (OccBus *bus, gint64 budget_us)
{
  gint64 deadline = budget_us ? g_get_monotonic_time () + budget_us : 0;
  guint n = 0;
  OccEvent *e;
  while ((e = ring_pop (bus)) != NULL)
    {
      deliver (bus, e);
      occ_event_unref (e);
      if (deadline && (++n & 63) == 0 && g_get_monotonic_time () >= deadline)
        break;
    }
}

void
occ_bus_flush (OccBus *bus)
{
  drain (bus, 0);
}

static gboolean
bus_source_prepare (GSource *source, gint *timeout)
{
  *timeout = -1;
  return ((BusSource *) source)->bus->count > 0;
}

static gboolean
bus_source_check (GSource *source)
{
  return ((BusSource *) source)->bus->count > 0;
}

static gboolean
bus_source_dispatch (GSource *source, GSourceFunc cb, gpointer data)
{
  (void) cb;
  (void) data;
  drain (((BusSource *) source)->bus, DISPATCH_BUDGET_US);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs bus_source_funcs = {
  .prepare = bus_source_prepare,
  .check = bus_source_check,
  .dispatch = bus_source_dispatch,
};

OccBus *
occ_bus_new (void)
{
  OccBus *bus = g_new0 (OccBus, 1);
  bus->types
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) event_type_unref);
  bus->subs = g_ptr_array_new ();
  bus->ring_size = 256;
  bus->ring = g_new (OccEvent *, bus->ring_size);
  bus->core_name = g_intern_static_string ("core");
  bus->source = g_source_new (&bus_source_funcs, sizeof (BusSource));
  ((BusSource *) bus->source)->bus = bus;
  g_source_set_name (bus->source, "omnicc bus");
  g_source_attach (bus->source, NULL);
  return bus;
}

void
occ_bus_free (OccBus *bus)
{
  if (bus == NULL)
    return;
  g_source_destroy (bus->source);
  g_source_unref (bus->source);
  OccEvent *e;
  while ((e = ring_pop (bus)) != NULL)
    occ_event_unref (e);
  g_free (bus->ring);
  while (bus->subs->len > 0)
    remove_sub_at (bus, bus->subs->len - 1);
  g_ptr_array_unref (bus->subs);
  g_hash_table_unref (bus->types);
  g_free (bus);
}

void
occ_bus_get_stats (OccBus *bus, OccBusStats *stats)
{
  stats->published = bus->next_seq;
  stats->delivered = bus->delivered;
  stats->subscriptions = bus->subs->len;
  stats->types = g_hash_table_size (bus->types);
  stats->queued = bus->count;
}

static int
compare_types (gconstpointer a, gconstpointer b)
{
  const EventType *ta = *(EventType *const *) a, *tb = *(EventType *const *) b;
  return strcmp (ta->name, tb->name);
}

void
occ_bus_foreach_type (OccBus *bus, OccBusTypeFunc func, gpointer user_data)
{
  g_autoptr (GPtrArray) all = g_ptr_array_new ();
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, bus->types);
  while (g_hash_table_iter_next (&it, NULL, &value))
    g_ptr_array_add (all, value);
  g_ptr_array_sort (all, compare_types);
  for (guint i = 0; i < all->len; i++)
    {
      EventType *t = g_ptr_array_index (all, i);
      func (t->name, t->signature, t->doc, t->owner_name, user_data);
    }
}
