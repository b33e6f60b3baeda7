/* acd: agents' presence and the interactions the ACD holds, kept in the
 * store so that they survive a daemon restart; see persist.h.
 *
 * Times in the store are wall-clock: monotonic time means nothing to the
 * next process. A stopping daemon deletes no interaction row: the sip
 * plugin ends every call as it stops, and what the next daemon must know
 * is what the ACD held when the stop began. */
#include "persist.h"

#include <string.h>

typedef enum {
  WRITE_IN_FLIGHT = 1,
  WRITE_AGAIN, /* changed meanwhile: write again when it is done */
} WriteState;

/* Keys of the writes: a kind, then the login or the interaction id. */
#define KEY_AGENT 'a'
#define KEY_INTERACTION 'i'

/* What was last written of an agent: a change starts a new "since". */
typedef struct {
  AcdPresence presence;
  char *reason;
  gint64 since_ms;
} Known;

struct _AcdPersist {
  gint ref;
  OccPlugin *plugin; /* NULL once the plugin is gone */
  AcdEngine *engine;
  void (*changed) (gpointer);
  gpointer data;
  const OccStoreService *store; /* NULL: memory only */
  gboolean reading;             /* the saved rows are being read: writes wait */
  gboolean restored;            /* read once: later, memory is the truth */
  gint64 offset;                /* wall-clock minus monotonic, µs */
  GHashTable *dirty;            /* key → NULL: to write at the next flush */
  GHashTable *writes;           /* key → WriteState, while one is in flight */
  GHashTable *known;            /* login → Known */
  guint flush;                  /* the idle source that writes what is dirty */
};

static const char *const presence_names[] = { "logged-out", "ready", "not-ready" };

#define AGENT_UPSERT                                                                            \
  "INSERT INTO acd_agent_presence (login, presence, reason, since_at, updated_at) VALUES ($1, " \
  "$2, $3, $4, $5) ON CONFLICT (login) DO UPDATE SET presence = $2, reason = $3, since_at = "   \
  "$4, updated_at = $5"
#define INTERACTION_UPSERT                                                                      \
  "INSERT INTO acd_interaction (id, queue, channel, priority, joined_us, caller, state, "       \
  "skills, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO UPDATE " \
  "SET queue = $2, channel = $3, priority = $4, joined_us = $5, caller = $6, state = $7, "      \
  "skills = $8, updated_at = $9"
#define INTERACTION_DELETE "DELETE FROM acd_interaction WHERE id = $1"

static void
known_free (Known *k)
{
  g_free (k->reason);
  g_free (k);
}

static AcdPersist *
persist_ref (AcdPersist *p)
{
  p->ref++;
  return p;
}

static void
persist_unref (AcdPersist *p)
{
  if (--p->ref > 0)
    return;
  g_hash_table_unref (p->dirty);
  g_hash_table_unref (p->writes);
  g_hash_table_unref (p->known);
  g_free (p);
}

gint64
acd_persist_to_engine_time (AcdPersist *p, gint64 wall_us)
{
  gint64 t = wall_us - p->offset;
  return t != 0 ? t : -1; /* (0 means "now" to the engine) */
}

gint64
acd_persist_to_wall_time (AcdPersist *p, gint64 engine_us)
{
  return engine_us + p->offset;
}

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

/* --- writing ------------------------------------------------------------------------------ */

typedef struct {
  AcdPersist *p;
  char *key;
} Write;

static void write_now (AcdPersist *p, const char *key);

static void
written (GPtrArray *results, const GError *error, gpointer data)
{
  (void) results;
  Write *w = data;
  AcdPersist *p = w->p;
  if (error)
    g_warning ("the ACD's %s %s was not saved: %s",
               w->key[0] == KEY_AGENT ? "agent" : "interaction", w->key + 1, error->message);
  /* (an unloaded plugin's holds were dropped by the core) */
  if (p->plugin)
    occ_plugin_release (p->plugin);
  gpointer state = g_hash_table_lookup (p->writes, w->key);
  if (p->plugin && p->store && GPOINTER_TO_UINT (state) == WRITE_AGAIN)
    write_now (p, w->key);
  else
    g_hash_table_remove (p->writes, w->key);
  persist_unref (p);
  g_free (w->key);
  g_free (w);
}

/* The statement that puts @login's presence in the store. */
static OccStoreStatement
agent_statement (AcdPersist *p, const char *login)
{
  const char *reason = NULL;
  AcdPresence presence = acd_engine_agent_presence_get (p->engine, login, &reason);
  Known *k = g_hash_table_lookup (p->known, login);
  if (k == NULL || k->presence != presence || g_strcmp0 (k->reason, reason) != 0)
    {
      k = g_new0 (Known, 1);
      k->presence = presence;
      k->reason = g_strdup (reason);
      k->since_ms = now_ms ();
      g_hash_table_replace (p->known, g_strdup (login), k);
    }
  return (OccStoreStatement){ AGENT_UPSERT,
                              g_variant_new ("(sssxx)", login, presence_names[presence], reason,
                                             k->since_ms, now_ms ()) };
}

/* "SKILL:LEVEL;…" of @info (transfer full). */
static char *
skills_text (const AcdInteractionInfo *info)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < info->n_skills; i++)
    g_string_append_printf (s, "%s%s:%u", i ? ";" : "", info->skills[i], info->levels[i]);
  return g_string_free (s, FALSE);
}

/* The statement that puts interaction @id in the store (or takes it out);
 * FALSE when nothing is to be written. */
static gboolean
interaction_statement (AcdPersist *p, const char *id, OccStoreStatement *st)
{
  AcdInteractionInfo info;
  if (acd_engine_interaction_get (p->engine, id, &info))
    {
      g_autofree char *skills = skills_text (&info);
      *st = (OccStoreStatement){
        INTERACTION_UPSERT, g_variant_new ("(sssixmsssx)", id, info.queue, info.channel,
                                           info.priority, acd_persist_to_wall_time (p, info.joined),
                                           info.caller, info.state, skills, now_ms ())
      };
      return TRUE;
    }
  /* gone; but a stopping daemon keeps what the ACD held when it began */
  if (occ_plugin_is_stopping (p->plugin))
    return FALSE;
  *st = (OccStoreStatement){ INTERACTION_DELETE, g_variant_new ("(s)", id) };
  return TRUE;
}

static void
write_now (AcdPersist *p, const char *key)
{
  OccStoreStatement st;
  if (key[0] == KEY_AGENT)
    st = agent_statement (p, key + 1);
  else if (!interaction_statement (p, key + 1, &st))
    {
      g_hash_table_remove (p->writes, key);
      return;
    }
  g_hash_table_replace (p->writes, g_strdup (key), GUINT_TO_POINTER (WRITE_IN_FLIGHT));
  Write *w = g_new0 (Write, 1);
  w->p = persist_ref (p);
  w->key = g_strdup (key);
  /* a stopping daemon waits for it: the next one reads what it wrote */
  occ_plugin_hold (p->plugin);
  p->store->execute (p->store, &st, 1, OCC_STORE_COALESCE, NULL, written, w);
}

/* Writes what changed since the last flush: every change made while the
 * main loop ran once becomes one write per key. */
static gboolean
on_flush (gpointer data)
{
  AcdPersist *p = data;
  p->flush = 0;
  occ_plugin_release (p->plugin);
  if (p->store == NULL || p->reading)
    return G_SOURCE_REMOVE;
  g_autoptr (GHashTable) dirty = p->dirty;
  p->dirty = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init (&it, dirty);
  while (g_hash_table_iter_next (&it, &key, NULL))
    if (g_hash_table_contains (p->writes, key))
      g_hash_table_replace (p->writes, g_strdup (key), GUINT_TO_POINTER (WRITE_AGAIN));
    else
      write_now (p, key);
  return G_SOURCE_REMOVE;
}

static void
schedule_flush (AcdPersist *p)
{
  if (p->flush || p->reading || g_hash_table_size (p->dirty) == 0)
    return;
  occ_plugin_hold (p->plugin);
  p->flush = occ_plugin_timeout_add (p->plugin, 0, on_flush, p, NULL);
}

static void
mark (AcdPersist *p, char kind, const char *name)
{
  /* without a store there is nothing to keep; while the saved rows are
   * read, changes wait (and tell the reading what is newer) */
  if (p == NULL || p->plugin == NULL || p->store == NULL || name == NULL)
    return;
  g_hash_table_add (p->dirty, g_strdup_printf ("%c%s", kind, name));
  schedule_flush (p);
}

void
acd_persist_agent (AcdPersist *p, const char *login)
{
  mark (p, KEY_AGENT, login);
}

void
acd_persist_interaction (AcdPersist *p, const char *id)
{
  mark (p, KEY_INTERACTION, id);
}

/* --- reading back ------------------------------------------------------------------------- */

static gboolean
presence_parse (const char *name, AcdPresence *out)
{
  for (guint i = 0; name && i < G_N_ELEMENTS (presence_names); i++)
    if (strcmp (name, presence_names[i]) == 0)
      {
        *out = (AcdPresence) i;
        return TRUE;
      }
  return FALSE;
}

static guint
restore_agents (AcdPersist *p, OccStoreResult *rows)
{
  guint restored = 0;
  gint64 now = g_get_monotonic_time ();
  for (guint i = 0; i < occ_store_result_get_n_rows (rows); i++)
    {
      const char *login = occ_store_result_get_string (rows, i, 0);
      const char *reason = occ_store_result_get_string (rows, i, 2);
      AcdPresence presence;
      if (login == NULL || !presence_parse (occ_store_result_get_string (rows, i, 1), &presence))
        continue;
      g_autofree char *key = g_strdup_printf ("%c%s", KEY_AGENT, login);
      /* changed in this process already: that is newer */
      if (p->restored || g_hash_table_contains (p->dirty, key))
        {
          acd_persist_agent (p, login);
          continue;
        }
      Known *k = g_new0 (Known, 1);
      k->presence = presence;
      k->reason = g_strdup (reason ? reason : "");
      k->since_ms = occ_store_result_get_int (rows, i, 3);
      g_hash_table_replace (p->known, g_strdup (login), k);
      /* (an agent no longer in acd.conf is refused here) */
      if (presence != ACD_AGENT_LOGGED_OUT
          && acd_engine_agent_presence (p->engine, login, presence, k->reason, now, NULL))
        restored++;
    }
  return restored;
}

static void
recorded (GVariant *result, const GError *error, gpointer data)
{
  (void) result;
  Write *w = data;
  AcdPersist *p = w->p;
  if (error)
    g_warning ("interaction %s was not recorded as lost (it will be at the next start): %s", w->key,
               error->message);
  else if (p->plugin && p->store)
    {
      /* recorded: its row goes */
      g_autofree char *key = g_strdup_printf ("%c%s", KEY_INTERACTION, w->key);
      g_hash_table_add (p->dirty, g_steal_pointer (&key));
      schedule_flush (p);
    }
  if (p->plugin)
    occ_plugin_release (p->plugin);
  persist_unref (p);
  g_free (w->key);
  g_free (w);
}

/* A voice interaction the ACD held when the daemon stopped: its call died
 * with the daemon. Told on the bus, and put in the interaction records. */
static void
record_lost (AcdPersist *p, OccStoreResult *rows, guint i)
{
  const char *id = occ_store_result_get_string (rows, i, 0);
  const char *queue = occ_store_result_get_string (rows, i, 1);
  const char *caller = occ_store_result_get_string (rows, i, 5);
  const char *state = occ_store_result_get_string (rows, i, 6);
  g_autoptr (GError) e = NULL;
  GVariant *ended = g_variant_new_parsed ("(%s, 'lost', 'system', {'queue': <%s>, 'state': <%s>})",
                                          id, queue, state);
  if (!occ_bus_publish (occ_plugin_get_bus (p->plugin), p->plugin, OCC_EVENT_INTERACTION_ENDED,
                        ended, &e))
    g_warning ("%s: %s", OCC_EVENT_INTERACTION_ENDED, e->message);
  g_message ("interaction %s (%s in %s) lost: the daemon stopped", id, state, queue);
  const OccRecordsService *records
      = occ_service_lookup (p->plugin, OCC_RECORDS_SERVICE, OCC_RECORDS_VERSION, NULL);
  if (records == NULL)
    {
      acd_persist_interaction (p, id);
      return;
    }
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "id", "s", id);
  g_variant_dict_insert (&d, "channel", "s", "voice");
  g_variant_dict_insert (&d, "direction", "s", "inbound");
  if (caller && *caller)
    g_variant_dict_insert (&d, "from_addr", "s", caller);
  g_variant_dict_insert (&d, "queue_id", "s", queue);
  g_variant_dict_insert (&d, "offered_at", "x", occ_store_result_get_int (rows, i, 4) / 1000);
  g_variant_dict_insert (&d, "ended_at", "x", now_ms ());
  g_variant_dict_insert (&d, "end_cause", "s", "lost");
  g_autofree char *reason = g_strdup_printf ("the daemon stopped while the call was %s", state);
  g_variant_dict_insert (&d, "reason", "s", reason);
  Write *w = g_new0 (Write, 1);
  w->p = persist_ref (p);
  w->key = g_strdup (id);
  occ_plugin_hold (p->plugin);
  records->put (records, "interaction", g_variant_dict_end (&d), recorded, w);
}

/* An interaction whose legs survive (chat, e-mail, call-back task): it is
 * queued again through the bus like any other, with its original time. */
static void
requeue (AcdPersist *p, OccStoreResult *rows, guint i)
{
  const char *id = occ_store_result_get_string (rows, i, 0);
  const char *caller = occ_store_result_get_string (rows, i, 5);
  const char *skills_row = occ_store_result_get_string (rows, i, 7);
  g_auto (GStrv) items = g_strsplit (skills_row ? skills_row : "", ";", -1);
  g_autoptr (GPtrArray) skills = g_ptr_array_new_with_free_func (g_free);
  GVariantDict levels, extra;
  g_variant_dict_init (&levels, NULL);
  for (guint k = 0; items[k]; k++)
    {
      char *colon = strrchr (items[k], ':');
      if (colon == NULL || colon == items[k])
        continue;
      *colon = '\0';
      g_ptr_array_add (skills, g_strdup (items[k]));
      g_variant_dict_insert (&levels, items[k], "u",
                             (guint) g_ascii_strtoull (colon + 1, NULL, 10));
    }
  g_ptr_array_add (skills, NULL);
  g_variant_dict_init (&extra, NULL);
  g_variant_dict_insert (&extra, "channel", "s", occ_store_result_get_string (rows, i, 2));
  g_variant_dict_insert (&extra, "joined", "x", occ_store_result_get_int (rows, i, 4));
  if (caller)
    g_variant_dict_insert (&extra, "caller", "s", caller);
  g_variant_dict_insert_value (&extra, "skill-levels", g_variant_dict_end (&levels));
  g_variant_dict_insert (&extra, "restored", "b", TRUE);
  g_autoptr (GError) e = NULL;
  if (!occ_bus_publish (occ_plugin_get_bus (p->plugin), p->plugin, OCC_EVENT_INTERACTION_ENQUEUE,
                        g_variant_new ("(ssi^as@a{sv})", id,
                                       occ_store_result_get_string (rows, i, 1),
                                       (gint) occ_store_result_get_int (rows, i, 3),
                                       (char **) skills->pdata, g_variant_dict_end (&extra)),
                        &e))
    g_warning ("%s: %s", OCC_EVENT_INTERACTION_ENQUEUE, e->message);
}

static void
restore_interactions (AcdPersist *p, OccStoreResult *rows, guint *requeued, guint *lost)
{
  for (guint i = 0; i < occ_store_result_get_n_rows (rows); i++)
    {
      const char *id = occ_store_result_get_string (rows, i, 0);
      const char *channel = occ_store_result_get_string (rows, i, 2);
      AcdInteractionInfo info;
      if (id == NULL || occ_store_result_get_string (rows, i, 1) == NULL || channel == NULL)
        continue;
      if (p->restored || acd_engine_interaction_get (p->engine, id, &info))
        acd_persist_interaction (p, id); /* memory is the truth */
      else if (strcmp (channel, "voice") == 0)
        {
          record_lost (p, rows, i);
          (*lost)++;
        }
      else
        {
          requeue (p, rows, i);
          (*requeued)++;
        }
    }
}

typedef struct {
  AcdPersist *p;
  const OccStoreService *store; /* the one asked: it may have changed since */
} Load;

static void
loaded (GPtrArray *results, const GError *error, gpointer data)
{
  Load *l = data;
  AcdPersist *p = l->p;
  if (p->plugin && p->store == l->store)
    {
      p->reading = FALSE;
      if (error)
        g_warning ("the ACD's saved agents and interactions could not be read: %s", error->message);
      else
        {
          guint agents = restore_agents (p, g_ptr_array_index (results, 0));
          guint requeued = 0, lost = 0;
          restore_interactions (p, g_ptr_array_index (results, 1), &requeued, &lost);
          if (!p->restored)
            g_message ("ACD restored from the store: %u agent presence(s), %u interaction(s) "
                       "queued again, %u voice interaction(s) lost",
                       agents, requeued, lost);
          p->restored = TRUE;
          p->changed (p->data);
        }
      schedule_flush (p);
    }
  persist_unref (p);
  g_free (l);
}

static void
on_store (const char *name, gconstpointer iface, const char *provider, gpointer data)
{
  (void) name;
  AcdPersist *p = data;
  if (iface == NULL && p->store)
    g_message ("the store went away (%s): the ACD is kept in memory only until it comes back",
               provider);
  p->store = iface;
  g_hash_table_remove_all (p->dirty);
  p->reading = iface != NULL;
  if (iface == NULL)
    return;
  OccStoreStatement st[] = {
    { "SELECT login, presence, reason, since_at FROM acd_agent_presence", NULL },
    /* in the order they were served */
    { "SELECT id, queue, channel, priority, joined_us, caller, state, skills FROM "
      "acd_interaction ORDER BY priority DESC, joined_us, id",
      NULL },
  };
  Load *l = g_new0 (Load, 1);
  l->p = persist_ref (p);
  l->store = iface;
  p->store->execute (p->store, st, G_N_ELEMENTS (st), OCC_STORE_TRANSACTION, NULL, loaded, l);
}

AcdPersist *
acd_persist_new (OccPlugin *plugin, AcdEngine *engine, void (*changed) (gpointer), gpointer data)
{
  AcdPersist *p = g_new0 (AcdPersist, 1);
  p->ref = 1;
  p->plugin = plugin;
  p->engine = engine;
  p->changed = changed;
  p->data = data;
  p->offset = g_get_real_time () - g_get_monotonic_time ();
  p->dirty = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  p->writes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  p->known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) known_free);
  occ_service_watch (plugin, OCC_STORE_SERVICE, on_store, p, NULL);
  if (p->store == NULL)
    g_message ("no store service: the ACD is kept in memory only (a restart logs every agent "
               "out and forgets the queues)");
  return p;
}

void
acd_persist_free (AcdPersist *p)
{
  if (p == NULL)
    return;
  if (p->flush)
    {
      g_source_remove (p->flush);
      occ_plugin_release (p->plugin);
    }
  p->flush = 0;
  p->plugin = NULL;
  p->engine = NULL;
  persist_unref (p);
}
