/* acd: commands about the interactions the ACD holds.
 *
 *   acd.enqueue  (queue.manage)            queue a non-voice interaction
 *                                          (an integration's chat, e-mail or
 *                                          call-back task) through the bus
 *   acd.waiting  (supervise.view, scoped)  every queue's interactions, in
 *                                          the order they are served
 *
 * acd.enqueue publishes interaction.enqueue exactly as a channel plugin
 * would, so that the queue, every subscriber and the event log see the
 * same thing; voice calls are queued by sip, which holds their legs. */
#include "interactions.h"

#include <string.h>

typedef struct {
  OccPlugin *plugin;
  AcdEngine *engine;
  AcdPersist *persist;
} Commands;

static void
refuse (OccControlCall *call, OccControlError code, const char *message)
{
  g_autoptr (GError) e = g_error_new_literal (OCC_CONTROL_ERROR, code, message);
  occ_control_call_return_error (call, e);
}

/* A text argument: at most @max bytes of UTF-8 with no control character. */
static gboolean
text_arg (GVariant *args, const char *key, gsize max, const char **out)
{
  if (!g_variant_lookup (args, key, "&s", out))
    return FALSE;
  gsize n = strlen (*out);
  if (n == 0 || n > max || !g_utf8_validate (*out, -1, NULL))
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if ((guchar) (*out)[i] < 0x20)
      return FALSE;
  return TRUE;
}

static gboolean
has_arg (GVariant *args, const char *key)
{
  g_autoptr (GVariant) v = g_variant_lookup_value (args, key, NULL);
  return v != NULL;
}

static gboolean
int_arg (GVariant *args, const char *key, gint64 min, gint64 max, gint64 *out)
{
  g_autoptr (GVariant) v = g_variant_lookup_value (args, key, NULL);
  if (v == NULL)
    return TRUE;
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
    *out = g_variant_get_int64 (v);
  else if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT32))
    *out = g_variant_get_int32 (v);
  else
    return FALSE;
  return *out >= min && *out <= max;
}

/* "SKILL:LEVEL;…" into the names and an a{su} of levels (1…100). */
static gboolean
skills_arg (const char *text, GPtrArray *names, GVariantDict *levels)
{
  g_auto (GStrv) items = g_strsplit (text ? text : "", ";", -1);
  for (guint i = 0; items[i]; i++)
    {
      char *item = g_strstrip (items[i]);
      char *colon = strrchr (item, ':');
      char *end = NULL;
      guint64 level = colon ? g_ascii_strtoull (colon + 1, &end, 10) : 1;
      if (*item == '\0' || colon == item || (colon && (end == colon + 1 || *end != '\0'))
          || level < 1 || level > 100 || names->len >= OCC_ACD_MAX_SKILLS)
        return FALSE;
      if (colon)
        *colon = '\0';
      g_ptr_array_add (names, g_strdup (item));
      g_variant_dict_insert (levels, item, "u", (guint) level);
    }
  return TRUE;
}

static void
cmd_enqueue (OccControlCall *call, GVariant *args, gpointer data)
{
  Commands *c = data;
  const char *queue = NULL, *channel = NULL, *id = NULL, *caller = NULL, *skills = NULL;
  gint64 priority = 0, joined = 0;
  g_autofree char *made_id = NULL;
  if (!text_arg (args, "queue", 200, &queue))
    return refuse (call, OCC_CONTROL_ERROR_BAD_REQUEST, "“queue” is missing or not a name");
  if (!acd_engine_has_queue (c->engine, queue))
    return refuse (call, OCC_CONTROL_ERROR_NOT_FOUND, "no such queue in plugins.d/acd.conf");
  if (!text_arg (args, "channel", 32, &channel) || strcmp (channel, "voice") == 0)
    return refuse (call, OCC_CONTROL_ERROR_BAD_REQUEST,
                   "“channel”: a channel other than voice (chat, email, callback…); voice calls "
                   "are queued by sip");
  if (has_arg (args, "id") && !text_arg (args, "id", 64, &id))
    return refuse (call, OCC_CONTROL_ERROR_BAD_REQUEST, "“id”: 1 to 64 bytes of text");
  if (id == NULL)
    id = made_id = g_uuid_string_random ();
  AcdInteractionInfo held;
  if (acd_engine_interaction_get (c->engine, id, &held))
    return refuse (call, OCC_CONTROL_ERROR_BAD_REQUEST, "“id”: that interaction is queued already");
  if (has_arg (args, "caller") && !text_arg (args, "caller", 200, &caller))
    return refuse (call, OCC_CONTROL_ERROR_BAD_REQUEST, "“caller”: 1 to 200 bytes of text");
  if (!int_arg (args, "priority", -1000, 1000, &priority))
    return refuse (call, OCC_CONTROL_ERROR_BAD_REQUEST, "“priority”: an integer, -1000 to 1000");
  /* the original time: from the year 2000 to a day ahead of now */
  if (!int_arg (args, "joined", G_GINT64_CONSTANT (946684800000000),
                g_get_real_time () + G_GINT64_CONSTANT (86400000000), &joined))
    return refuse (call, OCC_CONTROL_ERROR_BAD_REQUEST,
                   "“joined”: µs since the epoch (wall clock), at most a day ahead");
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GVariantDict levels, extra;
  g_variant_dict_init (&levels, NULL);
  g_variant_lookup (args, "skills", "&s", &skills);
  if (!skills_arg (skills, names, &levels))
    {
      g_variant_dict_clear (&levels);
      return refuse (call, OCC_CONTROL_ERROR_BAD_REQUEST,
                     "“skills”: SKILL:LEVEL;… with levels 1 to 100, 32 skills at most");
    }
  g_ptr_array_add (names, NULL);
  g_variant_dict_init (&extra, NULL);
  g_variant_dict_insert (&extra, "channel", "s", channel);
  if (caller)
    g_variant_dict_insert (&extra, "caller", "s", caller);
  if (joined)
    g_variant_dict_insert (&extra, "joined", "x", joined);
  g_variant_dict_insert_value (&extra, "skill-levels", g_variant_dict_end (&levels));
  g_variant_dict_insert (&extra, "by", "s", occ_control_call_get_actor (call));
  g_autoptr (GError) e = NULL;
  if (!occ_bus_publish (occ_plugin_get_bus (c->plugin), c->plugin, OCC_EVENT_INTERACTION_ENQUEUE,
                        g_variant_new ("(ssi^as@a{sv})", id, queue, (gint) priority,
                                       (char **) names->pdata, g_variant_dict_end (&extra)),
                        &e))
    return refuse (call, OCC_CONTROL_ERROR_FAILED, e->message);
  g_message ("interaction %s (%s) queued in %s by %s", id, channel, queue,
             occ_control_call_get_actor (call));
  occ_control_call_return (call, g_variant_new_parsed ("{'id': <%s>, 'queue': <%s>}", id, queue));
}

static GVariant *
waiting_list (Commands *c, const char *queue)
{
  g_autoptr (GPtrArray) ids = acd_engine_waiting (c->engine, queue);
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; ids && i < ids->len; i++)
    {
      const char *id = g_ptr_array_index (ids, i);
      AcdInteractionInfo info;
      if (!acd_engine_interaction_get (c->engine, id, &info))
        continue;
      GVariantDict d;
      g_variant_dict_init (&d, NULL);
      g_variant_dict_insert (&d, "position", "u", i + 1);
      g_variant_dict_insert (&d, "id", "s", id);
      g_variant_dict_insert (&d, "channel", "s", info.channel);
      g_variant_dict_insert (&d, "priority", "i", info.priority);
      g_variant_dict_insert (&d, "state", "s", info.state);
      g_variant_dict_insert (&d, "joined", "x", acd_persist_to_wall_time (c->persist, info.joined));
      if (info.caller)
        g_variant_dict_insert (&d, "caller", "s", info.caller);
      g_variant_builder_add_value (&b, g_variant_dict_end (&d));
    }
  return g_variant_builder_end (&b);
}

static void
cmd_waiting (OccControlCall *call, GVariant *args, gpointer data)
{
  Commands *c = data;
  const char *only = NULL;
  g_variant_lookup (args, "queue", "&s", &only);
  if (only && !acd_engine_has_queue (c->engine, only))
    return refuse (call, OCC_CONTROL_ERROR_NOT_FOUND, "no such queue in plugins.d/acd.conf");
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
  g_autoptr (GPtrArray) queues = acd_engine_queues (c->engine);
  for (guint i = 0; i < queues->len; i++)
    {
      const char *q = g_ptr_array_index (queues, i);
      if ((only && strcmp (q, only) != 0)
          || !occ_control_call_check (call, "supervise.view", q, NULL))
        continue; /* (a client sees its own queues only) */
      g_variant_builder_add (&b, "{sv}", q, waiting_list (c, q));
    }
  occ_control_call_return (call, g_variant_builder_end (&b));
}

gboolean
acd_interaction_commands_add (OccPlugin *plugin, AcdEngine *engine, AcdPersist *persist,
                              GError **error)
{
  Commands *c = g_new0 (Commands, 1);
  *c = (Commands){ plugin, engine, persist };
  Commands *c2 = g_memdup2 (c, sizeof *c);
  return occ_control_add_command_full (
             plugin, "acd.enqueue",
             "Queue a non-voice interaction (args: queue, channel, optional id, priority, caller, "
             "skills SKILL:LEVEL;…, joined µs since the epoch)",
             "queue.manage", OCC_CONTROL_FLAGS_NONE, cmd_enqueue, c, g_free, error)
         && occ_control_add_command_full (
             plugin, "acd.waiting",
             "Each queue's interactions in the order they are served (args: optional queue)",
             "supervise.view", OCC_CONTROL_SCOPED, cmd_waiting, c2, g_free, error);
}
