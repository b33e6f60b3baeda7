/* acd: automatic call distribution in the daemon. The engine (engine.c)
 * runs on the main loop with the monotonic clock; the plugin reads the
 * queues and agents from plugins.d/acd.conf, finds each queue's strategy
 * plugin (acd.strategy/NAME), and talks with the channels over the bus:
 *
 *   in:  interaction.enqueue     join a queue
 *        interaction.connected   an offered agent took it
 *        interaction.unanswered  an offered agent did not
 *        interaction.ended       the caller left (waiting) or the agent
 *                                is done (then wrap-up)
 *   out: interaction.offered     ring this agent
 *        acd.offer.revoked       stop ringing that agent
 *        acd.left                it left the queue unanswered (time-out…)
 *        acd.moved, acd.announce, agent.state, acd.queue.stats
 *
 * Agents log in, pause and get ready with `omnicc agent …` (their own
 * state with agent.state.own; anyone's with agent.state). See README.md. */
#include "engine.h"
#include "feature-codes.h"
#include "interactions.h"
#include "persist.h"
#include "queue-config.h"
#include "record-policy.h"

#include <omnicc/acd.h>
#include <omnicc/ivr.h>
#include <omnicc/omnicc.h>
#include <string.h>

#define CONFIG_FILE "plugins.d/acd.conf"
#define EVENT_REVOKED OCC_EVENT_ACD_OFFER_REVOKED
#define EVENT_LEFT OCC_EVENT_ACD_LEFT
#define EVENT_MOVED OCC_EVENT_ACD_MOVED
#define EVENT_ANNOUNCE OCC_EVENT_ACD_ANNOUNCE
#define EVENT_STATS OCC_EVENT_ACD_QUEUE_STATS

typedef struct {
  char *pattern; /* a number, or a prefix ending in * */
  gint priority;
} PriorityRule;

typedef struct {
  char *queue;
  GArray *rules; /* PriorityRule */
  AcdRecordPolicy record;
  gboolean auto_answer; /* agents' phones answer by themselves */
} QueueExtra;

typedef struct {
  OccPlugin *plugin;
  AcdEngine *engine;
  guint timer; /* the engine's next deadline */
  gint64 timer_at;
  guint stats_every_s;
  GHashTable *extras;       /* queue → QueueExtra* */
  GHashTable *agents;       /* login → TRUE: configured */
  GHashTable *interactions; /* id → queue, while the ACD holds it */
  AcdPersist *persist;      /* agents and interactions kept across restarts */
} Acd;

static gint64
now_us (void)
{
  return g_get_monotonic_time ();
}

static void
publish (Acd *self, const char *type, GVariant *payload)
{
  g_autoptr (GError) e = NULL;
  if (!occ_bus_publish (occ_plugin_get_bus (self->plugin), self->plugin, type, payload, &e))
    g_warning ("%s: %s", type, e->message);
}

/* --- the engine's hooks: to the bus --------------------------------------------------------- */

static void
h_offer (gpointer data, const char *ix, const char *queue, const char *agent)
{
  Acd *self = data;
  acd_persist_interaction (self->persist, ix);
  /* the queue's recording policy goes with the offer (sip records) */
  QueueExtra *x = g_hash_table_lookup (self->extras, queue);
  GVariantDict extra;
  g_variant_dict_init (&extra, NULL);
  acd_record_policy_add (x ? &x->record : NULL, &extra);
  if (x && x->auto_answer)
    g_variant_dict_insert (&extra, "auto-answer", "b", TRUE);
  publish (self, OCC_EVENT_INTERACTION_OFFERED,
           g_variant_new ("(sss@a{sv})", ix, queue, agent, g_variant_dict_end (&extra)));
}

static void
h_cancel (gpointer data, const char *ix, const char *agent)
{
  acd_persist_interaction (((Acd *) data)->persist, ix);
  publish (data, EVENT_REVOKED, g_variant_new_parsed ("(%s, %s, @a{sv} {})", ix, agent));
}

static void
h_left (gpointer data, const char *ix, const char *queue, AcdLeft why)
{
  Acd *self = data;
  g_hash_table_remove (self->interactions, ix);
  acd_persist_interaction (self->persist, ix);
  publish (self, EVENT_LEFT,
           g_variant_new_parsed ("(%s, %s, %s, @a{sv} {})", ix, queue, acd_left_name (why)));
}

static void
h_moved (gpointer data, const char *ix, const char *from, const char *to)
{
  Acd *self = data;
  g_hash_table_replace (self->interactions, g_strdup (ix), g_strdup (to));
  acd_persist_interaction (self->persist, ix);
  publish (self, EVENT_MOVED, g_variant_new_parsed ("(%s, %s, %s, @a{sv} {})", ix, from, to));
}

static void
h_announce (gpointer data, const char *ix, guint position, guint ewt)
{
  publish (data, EVENT_ANNOUNCE,
           g_variant_new_parsed ("(%s, %u, %u, @a{sv} {})", ix, position, ewt));
}

static void
h_state (gpointer data, const char *agent, AcdShown shown, const char *reason)
{
  /* the catalogue's names: ringing is "reserved" there */
  const char *name = shown == ACD_SHOWN_RINGING ? "reserved" : acd_shown_name (shown);
  acd_persist_agent (((Acd *) data)->persist, agent);
  publish (data, OCC_EVENT_AGENT_STATE,
           g_variant_new_parsed ("(%s, %s, %s, @a{sv} {})", agent, name, reason));
}

static void
h_complain (gpointer data, const char *message)
{
  (void) data;
  g_warning ("%s", message);
}

/* --- the clock ---------------------------------------------------------------------------- */

static void arm (Acd *self);

static gboolean
on_timer (gpointer data)
{
  Acd *self = data;
  self->timer = 0;
  acd_engine_run (self->engine, now_us ());
  arm (self);
  return G_SOURCE_REMOVE;
}

/* Wakes the engine at its next deadline (after any change). */
static void
arm (Acd *self)
{
  gint64 due = acd_engine_next_due (self->engine);
  if (self->timer && due == self->timer_at)
    return;
  if (self->timer)
    g_source_remove (self->timer);
  self->timer = 0;
  if (due == G_MAXINT64)
    return;
  gint64 wait_ms = MAX (0, (due - now_us () + 999) / 1000);
  self->timer_at = due;
  self->timer = occ_plugin_timeout_add (self->plugin, (guint) MIN (wait_ms, G_MAXUINT), on_timer,
                                        self, NULL);
}

static void
rearm (gpointer data)
{
  arm (data);
}

/* --- priorities from the caller's number ---------------------------------------------------- */

static gint
rule_priority (Acd *self, const char *queue, const char *caller, gint given)
{
  QueueExtra *x = g_hash_table_lookup (self->extras, queue);
  gint best = given;
  for (guint i = 0; x && caller && i < x->rules->len; i++)
    {
      const PriorityRule *r = &g_array_index (x->rules, PriorityRule, i);
      gsize n = strlen (r->pattern);
      gboolean fits = r->pattern[n - 1] == '*' ? strncmp (caller, r->pattern, n - 1) == 0
                                               : strcmp (caller, r->pattern) == 0;
      if (fits)
        best = MAX (best, r->priority);
    }
  return best;
}

/* --- events in ----------------------------------------------------------------------------- */

static void
on_enqueue (const OccEvent *event, gpointer data)
{
  Acd *self = data;
  const char *id, *queue;
  gint priority;
  g_autofree const char **skills = NULL;
  g_autoptr (GVariant) extra = NULL;
  g_variant_get (occ_event_get_payload (event), "(&s&si^a&s@a{sv})", &id, &queue, &priority,
                 &skills, &extra);
  const char *caller = NULL, *channel = NULL;
  gint64 joined = 0;
  g_variant_lookup (extra, "caller", "&s", &caller);
  g_variant_lookup (extra, "channel", "&s", &channel);
  /* the original time, µs since the epoch (wall clock) */
  if (g_variant_lookup (extra, "joined", "x", &joined) && joined)
    joined = acd_persist_to_engine_time (self->persist, joined);
  g_autoptr (GVariant) levels_v
      = g_variant_lookup_value (extra, "skill-levels", G_VARIANT_TYPE ("a{su}"));
  guint n = skills ? g_strv_length ((char **) skills) : 0;
  g_autofree guint *levels = g_new0 (guint, n + 1);
  for (guint i = 0; i < n; i++)
    if (levels_v == NULL || !g_variant_lookup (levels_v, skills[i], "u", &levels[i]))
      levels[i] = 1;
  AcdJoin j = { .id = id,
                .queue = queue,
                .channel = channel,
                .priority = rule_priority (self, queue, caller, priority),
                .joined = joined,
                .caller = caller,
                .skills = skills,
                .levels = levels };
  g_hash_table_replace (self->interactions, g_strdup (id), g_strdup (queue));
  AcdLeft why = ACD_LEFT_REMOVED;
  g_autoptr (GError) e = NULL;
  if (!acd_engine_join (self->engine, &j, now_us (), &why, &e))
    {
      g_hash_table_remove (self->interactions, id);
      g_message ("interaction %s not queued in %s: %s", id, queue, e->message);
      const char *reason = e->code == ACD_ERROR_REFUSED     ? acd_left_name (why)
                           : e->code == ACD_ERROR_NOT_FOUND ? "no-queue"
                                                            : "invalid";
      publish (self, EVENT_LEFT,
               g_variant_new_parsed ("(%s, %s, %s, @a{sv} {})", id, queue, reason));
    }
  acd_persist_interaction (self->persist, id);
  arm (self);
}

static void
on_connected (const OccEvent *event, gpointer data)
{
  Acd *self = data;
  const char *id, *agent;
  g_variant_get (occ_event_get_payload (event), "(&s&s@a{sv})", &id, &agent, NULL);
  if (!g_hash_table_contains (self->interactions, id))
    return;
  acd_engine_offer_result (self->engine, id, agent, ACD_OFFER_ANSWERED, now_us ());
  acd_persist_interaction (self->persist, id);
  arm (self);
}

static void
on_unanswered (const OccEvent *event, gpointer data)
{
  Acd *self = data;
  const char *id, *agent, *reason;
  g_variant_get (occ_event_get_payload (event), "(&s&s&s@a{sv})", &id, &agent, &reason, NULL);
  if (!g_hash_table_contains (self->interactions, id))
    return;
  acd_engine_offer_result (
      self->engine, id, agent,
      strcmp (reason, "no-answer") == 0 ? ACD_OFFER_NO_ANSWER : ACD_OFFER_REFUSED, now_us ());
  acd_persist_interaction (self->persist, id);
  arm (self);
}

static void
on_ended (const OccEvent *event, gpointer data)
{
  Acd *self = data;
  const char *id;
  g_variant_get (occ_event_get_payload (event), "(&s&s&s@a{sv})", &id, NULL, NULL, NULL);
  if (!g_hash_table_contains (self->interactions, id))
    return;
  gint64 now = now_us ();
  /* connected: the agent's wrap-up; else the caller left while waiting */
  if (!acd_engine_ended (self->engine, id, now))
    acd_engine_abandon (self->engine, id, now);
  g_hash_table_remove (self->interactions, id);
  acd_persist_interaction (self->persist, id);
  arm (self);
}

/* acd.withdraw: the IVR takes a waiting interaction back (the caller
 * chose a call-back). It counts as abandoned in its queue; acd.left
 * tells the channel, with the IVR's reason. */
static void
on_withdraw (const OccEvent *event, gpointer data)
{
  Acd *self = data;
  const char *id, *reason;
  g_variant_get (occ_event_get_payload (event), "(&s&s)", &id, &reason);
  g_autofree char *queue = g_strdup (g_hash_table_lookup (self->interactions, id));
  if (queue == NULL || !acd_engine_abandon (self->engine, id, now_us ()))
    return; /* not waiting here (connected, or gone) */
  g_hash_table_remove (self->interactions, id);
  acd_persist_interaction (self->persist, id);
  g_message ("interaction %s withdrawn from %s: %s", id, queue, reason);
  publish (self, EVENT_LEFT, g_variant_new_parsed ("(%s, %s, %s, @a{sv} {})", id, queue, reason));
  arm (self);
}

/* --- figures ------------------------------------------------------------------------------- */

static GVariant *
queue_stats (Acd *self, const char *queue, gint64 now)
{
  AcdQueueStats st;
  if (!acd_engine_queue_stats (self->engine, queue, now, &st))
    return NULL;
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "waiting", "u", st.waiting);
  g_variant_dict_insert (&d, "longest-wait", "d", (double) st.longest_wait / G_USEC_PER_SEC);
  g_variant_dict_insert (&d, "agents-logged-in", "u", st.agents_logged_in);
  g_variant_dict_insert (&d, "agents-ready", "u", st.agents_ready);
  g_variant_dict_insert (&d, "offered", "t", st.offered);
  g_variant_dict_insert (&d, "answered", "t", st.answered);
  g_variant_dict_insert (&d, "abandoned", "t", st.abandoned);
  g_variant_dict_insert (&d, "timed-out", "t", st.timed_out);
  g_variant_dict_insert (&d, "overflowed", "t", st.overflowed);
  g_variant_dict_insert (&d, "refused", "t", st.refused);
  /* service level: answered in time over those answered or abandoned
   * after the threshold (short abandons do not count against it) */
  guint64 base = st.answered + st.abandoned - st.abandoned_in_sl;
  g_variant_dict_insert (&d, "service-level", "d",
                         base ? (double) st.answered_in_sl / (double) base : 1.0);
  g_variant_dict_insert (
      &d, "asa", "d", st.answered ? (double) st.wait_answered / G_USEC_PER_SEC / st.answered : 0.0);
  g_variant_dict_insert (
      &d, "aht", "d", st.completed ? (double) st.handle_time / G_USEC_PER_SEC / st.completed : 0.0);
  return g_variant_dict_end (&d);
}

static gboolean
publish_stats (gpointer data)
{
  Acd *self = data;
  gint64 now = now_us ();
  g_autoptr (GPtrArray) queues = acd_engine_queues (self->engine);
  for (guint i = 0; i < queues->len; i++)
    {
      const char *q = g_ptr_array_index (queues, i);
      GVariant *st = queue_stats (self, q, now);
      if (st)
        publish (self, EVENT_STATS, g_variant_new ("(s@a{sv})", q, st));
    }
  return G_SOURCE_CONTINUE;
}

/* --- commands ------------------------------------------------------------------------------ */

static gboolean bad_request (OccControlCall *call, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
bad_request (OccControlCall *call, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *m = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_autoptr (GError) e = g_error_new_literal (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_BAD_REQUEST, m);
  occ_control_call_return_error (call, e);
  return FALSE;
}

/* The agent a command is about: args' "login", or the caller's own.
 * Another's needs agent.state. NULL once the call is answered. */
static const char *
target_agent (Acd *self, OccControlCall *call, GVariant *args)
{
  const char *login = NULL;
  const OccPrincipal *p = occ_control_call_get_principal (call);
  const char *own = p ? occ_principal_get_login (p) : NULL;
  if (!g_variant_lookup (args, "login", "&s", &login))
    login = own;
  if (login == NULL)
    {
      bad_request (call, "“login” is missing (the caller is not an agent)");
      return NULL;
    }
  if (!g_hash_table_contains (self->agents, login))
    {
      g_autoptr (GError) e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_NOT_FOUND,
                                          "no agent “%s” in " CONFIG_FILE, login);
      occ_control_call_return_error (call, e);
      return NULL;
    }
  g_autoptr (GError) e = NULL;
  if (g_strcmp0 (login, own) != 0 && !occ_control_call_check (call, "agent.state", NULL, &e))
    {
      occ_control_call_return_error (call, e);
      return NULL;
    }
  return login;
}

static void
answer_state (Acd *self, OccControlCall *call, const char *login)
{
  const char *reason = NULL;
  AcdShown s = acd_engine_agent_shown (self->engine, login, &reason);
  occ_control_call_return (call,
                           g_variant_new_parsed ("{'login': <%s>, 'state': <%s>, 'reason': <%s>}",
                                                 login, acd_shown_name (s), reason));
}

/* Sets @login's presence, for a command or a feature code (feature-codes.c). */
static gboolean
apply_presence (gpointer data, const char *login, AcdPresence presence, const char *reason,
                const char *actor, GError **error)
{
  Acd *self = data;
  if (!g_hash_table_contains (self->agents, login))
    {
      g_set_error (error, OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_NOT_FOUND,
                   "no agent “%s” in " CONFIG_FILE, login);
      return FALSE;
    }
  g_autoptr (GError) e = NULL;
  acd_engine_agent_presence (self->engine, login, presence, reason ? reason : "", now_us (), &e);
  acd_persist_agent (self->persist, login);
  arm (self);
  g_message ("agent %s: %s%s%s (by %s)", login,
             presence == ACD_AGENT_LOGGED_OUT ? "logged out"
             : presence == ACD_AGENT_READY    ? "ready"
                                              : "not ready",
             reason && *reason ? ": " : "", reason ? reason : "", actor);
  return TRUE;
}

static void
set_presence (OccControlCall *call, GVariant *args, Acd *self, AcdPresence presence)
{
  const char *login = target_agent (self, call, args);
  if (login == NULL)
    return;
  const char *reason = NULL;
  g_variant_lookup (args, "reason", "&s", &reason);
  if (reason && (strlen (reason) > 64 || !g_utf8_validate (reason, -1, NULL)))
    {
      bad_request (call, "“reason”: at most 64 characters of text");
      return;
    }
  apply_presence (self, login, presence, reason, occ_control_call_get_actor (call), NULL);
  answer_state (self, call, login);
}

static void
cmd_login (OccControlCall *call, GVariant *args, gpointer data)
{
  /* logged in: not ready until the agent says so */
  set_presence (call, args, data, ACD_AGENT_NOT_READY);
}

static void
cmd_logout (OccControlCall *call, GVariant *args, gpointer data)
{
  set_presence (call, args, data, ACD_AGENT_LOGGED_OUT);
}

static void
cmd_ready (OccControlCall *call, GVariant *args, gpointer data)
{
  set_presence (call, args, data, ACD_AGENT_READY);
}

static void
cmd_pause (OccControlCall *call, GVariant *args, gpointer data)
{
  set_presence (call, args, data, ACD_AGENT_NOT_READY);
}

static void
cmd_status (OccControlCall *call, GVariant *args, gpointer data)
{
  (void) args;
  Acd *self = data;
  gint64 now = now_us ();
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  g_autoptr (GList) logins
      = g_list_sort (g_hash_table_get_keys (self->agents), (GCompareFunc) g_strcmp0);
  for (GList *l = logins; l; l = l->next)
    {
      const char *reason = NULL;
      AcdShown s = acd_engine_agent_shown (self->engine, l->data, &reason);
      gint64 logged = 0, busy = 0;
      guint handled = 0;
      acd_engine_agent_times (self->engine, l->data, now, &logged, &busy, &handled);
      GVariantDict d;
      g_variant_dict_init (&d, NULL);
      g_variant_dict_insert (&d, "login", "s", (const char *) l->data);
      g_variant_dict_insert (&d, "state", "s", acd_shown_name (s));
      if (*reason)
        g_variant_dict_insert (&d, "reason", "s", reason);
      g_variant_dict_insert (&d, "handled", "u", handled);
      g_variant_dict_insert (&d, "occupancy", "d", logged ? (double) busy / (double) logged : 0.0);
      g_variant_builder_add_value (&b, g_variant_dict_end (&d));
    }
  occ_control_call_return (call, g_variant_builder_end (&b));
}

static void
cmd_queues (OccControlCall *call, GVariant *args, gpointer data)
{
  (void) args;
  Acd *self = data;
  gint64 now = now_us ();
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
  g_autoptr (GPtrArray) queues = acd_engine_queues (self->engine);
  for (guint i = 0; i < queues->len; i++)
    {
      const char *q = g_ptr_array_index (queues, i);
      g_autoptr (GError) e = NULL;
      if (!occ_control_call_check (call, "supervise.view", q, NULL))
        continue; /* (a client sees its own queues only) */
      g_variant_builder_add (&b, "{sv}", q, queue_stats (self, q, now));
    }
  occ_control_call_return (call, g_variant_builder_end (&b));
}

/* --- configuration ------------------------------------------------------------------------- */

static void
extra_free (QueueExtra *x)
{
  for (guint i = 0; i < x->rules->len; i++)
    g_free (g_array_index (x->rules, PriorityRule, i).pattern);
  g_array_unref (x->rules);
  g_free (x->queue);
  g_free (x);
}

static gboolean
config_error (GError **error, const char *group, const char *key, const char *why)
{
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, CONFIG_FILE ": [%s] %s: %s",
               group, key, why);
  return FALSE;
}

static gboolean
is_number_pattern (const char *p)
{
  gsize n = strlen (p);
  if (n == 0 || n > 32)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!(g_ascii_isdigit (p[i]) || (i == 0 && p[i] == '+') || (i == n - 1 && p[i] == '*')))
      return FALSE;
  return TRUE;
}

static gboolean
read_queue (Acd *self, OccPlugin *plugin, GKeyFile *f, const char *group, GError **error)
{
  const char *name = group + strlen ("queue ");
  AcdQueueConfig c;
  if (!acd_queue_config_read (f, CONFIG_FILE, group, name, NULL, &c, error))
    return FALSE;
  g_autofree char *service = g_strconcat (OCC_ACD_STRATEGY_SERVICE_PREFIX, c.strategy, NULL);
  const OccAcdStrategy *st = occ_service_lookup (plugin, service, OCC_ACD_STRATEGY_VERSION, NULL);
  if (st == NULL)
    {
      g_autofree char *why
          = g_strdup_printf ("no strategy %s (enable the plugin acd-%s)", c.strategy, c.strategy);
      acd_queue_config_clear (&c);
      return config_error (error, group, "strategy", why);
    }
  if (!acd_engine_set_queue (self->engine, &c, st, error))
    {
      acd_queue_config_clear (&c);
      return FALSE;
    }
  QueueExtra *x = g_new0 (QueueExtra, 1);
  x->queue = g_strdup (name);
  x->rules = g_array_new (FALSE, FALSE, sizeof (PriorityRule));
  g_hash_table_replace (self->extras, x->queue, x);
  if (!acd_record_policy_read (f, CONFIG_FILE, group, &x->record, error))
    return FALSE;
  x->auto_answer = g_key_file_get_boolean (f, group, "auto-answer", NULL);
  g_auto (GStrv) rules = g_key_file_get_string_list (f, group, "priority-callers", NULL, NULL);
  for (guint i = 0; rules && rules[i]; i++)
    {
      g_strstrip (rules[i]);
      char *colon = strrchr (rules[i], ':');
      char *end = NULL;
      gint64 prio = colon ? g_ascii_strtoll (colon + 1, &end, 10) : 0;
      if (colon)
        *colon = '\0';
      if (colon == NULL || *end != '\0' || end == colon + 1 || prio < -1000 || prio > 1000
          || !is_number_pattern (rules[i]))
        return config_error (error, group, "priority-callers",
                             "items are NUMBER:PRIORITY or PREFIX*:PRIORITY (-1000…1000)");
      PriorityRule r = { g_strdup (rules[i]), (gint) prio };
      g_array_append_val (x->rules, r);
    }
  return TRUE;
}

/* "name[:a[:b]]" items of a list key: each with up to two numbers. */
static gboolean
split_item (const char *item, char **name, guint *a, guint *b, guint max)
{
  g_auto (GStrv) parts = g_strsplit (item, ":", 3);
  if (parts[0] == NULL || *g_strstrip (parts[0]) == '\0')
    return FALSE;
  guint *out[] = { a, b };
  for (guint i = 0; i < 2 && parts[i + 1]; i++)
    {
      char *end = NULL;
      guint64 v = g_ascii_strtoull (g_strstrip (parts[i + 1]), &end, 10);
      if (*parts[i + 1] == '\0' || *end != '\0' || v > max || out[i] == NULL)
        return FALSE;
      *out[i] = (guint) v;
    }
  *name = g_strdup (parts[0]);
  return TRUE;
}

static gboolean
read_agent (Acd *self, GKeyFile *f, const char *group, GError **error)
{
  g_autofree char *login = g_utf8_casefold (group + strlen ("agent "), -1);
  g_auto (GStrv) keys = g_key_file_get_keys (f, group, NULL, NULL);
  for (guint i = 0; keys && keys[i]; i++)
    if (!g_strv_contains ((const char *const[]){ "queues", "skills", "capacity", NULL }, keys[i]))
      return config_error (error, group, keys[i], "not an agent key (queues, skills, capacity)");
  g_autoptr (GHashTable) capacity = NULL;
  g_auto (GStrv) caps = g_key_file_get_string_list (f, group, "capacity", NULL, NULL);
  if (caps && caps[0])
    {
      capacity = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      for (guint i = 0; caps[i]; i++)
        {
          char *channel = NULL;
          guint slots = 1, unused = 0;
          if (!split_item (caps[i], &channel, &slots, &unused, 100) || slots == 0)
            return config_error (error, group, "capacity", "items are CHANNEL:SLOTS (1…100)");
          g_hash_table_replace (capacity, channel, GUINT_TO_POINTER (slots));
        }
    }
  acd_engine_agent_add (self->engine, login, capacity);
  g_hash_table_add (self->agents, g_strdup (login));
  g_auto (GStrv) skills = g_key_file_get_string_list (f, group, "skills", NULL, NULL);
  for (guint i = 0; skills && skills[i]; i++)
    {
      char *skill = NULL;
      guint level = 1, unused = 0;
      if (!split_item (skills[i], &skill, &level, &unused, 100))
        return config_error (error, group, "skills", "items are SKILL:LEVEL (0…100)");
      gboolean ok = acd_engine_agent_skill (self->engine, login, skill, level);
      g_free (skill);
      if (!ok)
        return config_error (error, group, "skills", "too many distinct skills (32 at most)");
    }
  g_auto (GStrv) queues = g_key_file_get_string_list (f, group, "queues", NULL, NULL);
  for (guint i = 0; queues && queues[i]; i++)
    {
      g_autofree char *queue = NULL;
      guint tier = 0, penalty = 0;
      if (!split_item (queues[i], &queue, &tier, &penalty, 1000))
        return config_error (error, group, "queues", "items are QUEUE[:TIER[:PENALTY]]");
      if (!acd_engine_has_queue (self->engine, queue))
        {
          g_autofree char *why = g_strdup_printf ("no [queue %s]", queue);
          return config_error (error, group, "queues", why);
        }
      acd_engine_member_add (self->engine, queue, login, tier, penalty, NULL);
    }
  return TRUE;
}

static gboolean
read_config (Acd *self, OccPlugin *plugin, GKeyFile *f, GError **error)
{
  g_auto (GStrv) groups = g_key_file_get_groups (f, NULL);
  self->stats_every_s = 5;
  for (guint i = 0; groups[i]; i++)
    {
      const char *g = groups[i];
      if (strcmp (g, "acd") == 0)
        {
          g_auto (GStrv) keys = g_key_file_get_keys (f, g, NULL, NULL);
          for (guint k = 0; keys && keys[k]; k++)
            if (strcmp (keys[k], "stats-interval") != 0)
              return config_error (error, g, keys[k], "not a key of [acd] (stats-interval)");
          if (g_key_file_has_key (f, g, "stats-interval", NULL))
            {
              g_autoptr (GError) e = NULL;
              gint v = g_key_file_get_integer (f, g, "stats-interval", &e);
              if (e || v < 0 || v > 3600)
                return config_error (error, g, "stats-interval", "seconds, 0 (none) to 3600");
              self->stats_every_s = (guint) v;
            }
        }
      else if (!g_str_has_prefix (g, "queue ") && !g_str_has_prefix (g, "agent ")
               && strcmp (g, "features") != 0)
        return config_error (error, g, "(group)",
                             "not [acd], [features], [queue NAME] or [agent LOGIN]");
    }
  for (guint i = 0; groups[i]; i++)
    if (g_str_has_prefix (groups[i], "queue ") && !read_queue (self, plugin, f, groups[i], error))
      return FALSE;
  if (!acd_engine_check (self->engine, error))
    {
      g_prefix_error (error, CONFIG_FILE ": ");
      return FALSE;
    }
  for (guint i = 0; groups[i]; i++)
    if (g_str_has_prefix (groups[i], "agent ") && !read_agent (self, f, groups[i], error))
      return FALSE;
  return TRUE;
}

/* --- the plugin ---------------------------------------------------------------------------- */

static void
acd_free (Acd *self)
{
  if (self->timer)
    g_source_remove (self->timer);
  acd_persist_free (self->persist);
  acd_engine_free (self->engine);
  g_hash_table_unref (self->extras);
  g_hash_table_unref (self->agents);
  g_hash_table_unref (self->interactions);
  g_free (self);
}

static gboolean
register_all (Acd *self, OccPlugin *plugin, GError **error)
{
  OccBus *bus = occ_plugin_get_bus (plugin);
  return occ_bus_register_type (bus, plugin, EVENT_REVOKED, "(ssa{sv})",
                                "The ACD withdrew an offer: stop ringing (interaction, agent, "
                                "extra).",
                                error)
         && occ_bus_register_type (bus, plugin, EVENT_LEFT, "(sssa{sv})",
                                   "An interaction left its queue unanswered: (id, queue, reason "
                                   "timeout|full|empty|no-queue|invalid, extra).",
                                   error)
         && occ_bus_register_type (bus, plugin, OCC_EVENT_ACD_WITHDRAW, "(ss)",
                                   "The IVR takes a waiting interaction out of its queue: (id, "
                                   "reason); answered with acd.left.",
                                   error)
         && occ_bus_register_type (bus, plugin, EVENT_MOVED, "(sssa{sv})",
                                   "An interaction overflowed: (id, from queue, to queue, extra).",
                                   error)
         && occ_bus_register_type (bus, plugin, EVENT_ANNOUNCE, "(suua{sv})",
                                   "Tell a waiting caller: (id, position, expected wait in "
                                   "seconds, extra).",
                                   error)
         && occ_bus_register_type (bus, plugin, EVENT_STATS, "(sa{sv})",
                                   "A queue's live figures: (queue, waiting, longest-wait, "
                                   "agents, offered, answered, abandoned, service-level, asa, "
                                   "aht…).",
                                   error)
         && acd_features_start (plugin, occ_plugin_get_config (plugin), CONFIG_FILE, apply_presence,
                                self, error)
         && occ_bus_subscribe (bus, plugin, OCC_EVENT_INTERACTION_ENQUEUE, on_enqueue, self, NULL,
                               error)
                != 0
         && occ_bus_subscribe (bus, plugin, OCC_EVENT_INTERACTION_CONNECTED, on_connected, self,
                               NULL, error)
                != 0
         && occ_bus_subscribe (bus, plugin, OCC_EVENT_INTERACTION_UNANSWERED, on_unanswered, self,
                               NULL, error)
                != 0
         && occ_bus_subscribe (bus, plugin, OCC_EVENT_INTERACTION_ENDED, on_ended, self, NULL,
                               error)
                != 0
         && occ_bus_subscribe (bus, plugin, OCC_EVENT_ACD_WITHDRAW, on_withdraw, self, NULL, error)
                != 0
         && occ_control_add_command_full (plugin, "agent.login",
                                          "Log in to the ACD, not ready (args: login for another "
                                          "agent)",
                                          "agent.state.own", OCC_CONTROL_FLAGS_NONE, cmd_login,
                                          self, NULL, error)
         && occ_control_add_command_full (plugin, "agent.logout", "Log out of the ACD",
                                          "agent.state.own", OCC_CONTROL_FLAGS_NONE, cmd_logout,
                                          self, NULL, error)
         && occ_control_add_command_full (plugin, "agent.ready", "Ready to take interactions",
                                          "agent.state.own", OCC_CONTROL_FLAGS_NONE, cmd_ready,
                                          self, NULL, error)
         && occ_control_add_command_full (plugin, "agent.pause", "Not ready (args: reason, login)",
                                          "agent.state.own", OCC_CONTROL_FLAGS_NONE, cmd_pause,
                                          self, NULL, error)
         && occ_control_add_command_full (
             plugin, "agent.status", "Every agent: state, reason, handled, occupancy",
             "supervise.view", OCC_CONTROL_FLAGS_NONE, cmd_status, self, NULL, error)
         && occ_control_add_command_full (
             plugin, "acd.queues", "Every queue's live figures (SL, ASA, AHT, waiting…)",
             "supervise.view", OCC_CONTROL_SCOPED, cmd_queues, self, NULL, error);
}

static OccLoadResult
acd_load (OccPlugin *plugin, GError **error)
{
  Acd *self = g_new0 (Acd, 1);
  self->plugin = plugin;
  AcdHooks hooks = { h_offer, h_cancel, h_left, h_moved, h_announce, h_state, h_complain, self };
  self->engine = acd_engine_new (&hooks, g_random_int ());
  self->extras = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) extra_free);
  self->agents = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->interactions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (!read_config (self, plugin, occ_plugin_get_config (plugin), error)
      || !register_all (self, plugin, error))
    {
      acd_free (self);
      return OCC_LOAD_FAILED;
    }
  occ_plugin_set_user_data (plugin, self);
  self->persist = acd_persist_new (plugin, self->engine, rearm, self);
  if (!acd_interaction_commands_add (plugin, self->engine, self->persist, error))
    {
      acd_free (self);
      return OCC_LOAD_FAILED;
    }
  if (self->stats_every_s)
    occ_plugin_timeout_add (plugin, self->stats_every_s * 1000, publish_stats, self, NULL);
  g_autoptr (GPtrArray) queues = acd_engine_queues (self->engine);
  g_message ("ACD: %u queues, %u agents", queues->len, g_hash_table_size (self->agents));
  return OCC_LOAD_OK;
}

static void
acd_unload (OccPlugin *plugin)
{
  Acd *self = occ_plugin_get_user_data (plugin);
  if (self)
    acd_free (self);
}

OCC_PLUGIN_DEFINE (.name = "acd", .version = "0.1",
                   .summary = "Automatic call distribution: queues, agents, strategies",
                   .license = "GPL-3.0-or-later", .after = OCC_LIST ("plugin:acd-*"),
                   .config_schema = acd_config_schema, .load = acd_load, .unload = acd_unload);
