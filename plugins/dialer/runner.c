/* dialer: one running campaign (see runner.h and README.md, "Running a
 * campaign"). The engine decides; this file does what it says and tells
 * it what happened. */
#include "runner.h"

#include <omnicc/bus.h>
#include <omnicc/events.h>
#include <omnicc/service.h>
#include <omnicc/voice.h>

#include <string.h>

/* --- settings ------------------------------------------------------------------------ */

/* the keys that are the plugin's, not the engine's */
static const char *const plugin_keys[]
    = { "queue", "agents",       "wrapup", "info-message", "script", "callbacks",
        "type",  "dispositions", NULL };

/* what a disposition may do, by its effect's name */
static const char *const effect_names[] = {
  [DIALER_DISPOSITION_SALE] = "done",
  [DIALER_DISPOSITION_NOT_INTERESTED] = NULL, /* (done too: "done" names both) */
  [DIALER_DISPOSITION_CALL_BACK] = "call-back",
  [DIALER_DISPOSITION_WRONG_NUMBER] = "wrong-number",
  [DIALER_DISPOSITION_DO_NOT_CALL] = "do-not-call",
  [DIALER_DISPOSITION_APPOINTMENT] = "appointment",
};

static void
disposition_name_free (gpointer data)
{
  DialerDispositionName *n = data;
  g_free (n->name);
  g_free (n);
}

static void
add_disposition (GPtrArray *list, const char *name, DialerDisposition effect)
{
  DialerDispositionName *n = g_new0 (DialerDispositionName, 1);
  n->name = g_strdup (name);
  n->effect = effect;
  g_ptr_array_add (list, n);
}

int
dialer_disposition_effect (GPtrArray *list, const char *name)
{
  for (guint i = 0; list && name && i < list->len; i++)
    if (strcmp (((DialerDispositionName *) list->pdata[i])->name, name) == 0)
      return (int) ((DialerDispositionName *) list->pdata[i])->effect;
  return -1;
}

char *
dialer_disposition_names (GPtrArray *list)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; list && i < list->len; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "",
                            ((DialerDispositionName *) list->pdata[i])->name);
  return g_string_free (s, FALSE);
}

/* dispositions=NAME:EFFECT;… (effects: done, call-back, wrong-number,
 * do-not-call, appointment), or the default list. */
static gboolean
read_dispositions (GKeyFile *kf, const char *where, CampaignSettings *out, GError **error)
{
  out->dispositions = g_ptr_array_new_with_free_func (disposition_name_free);
  g_auto (GStrv) items
      = g_key_file_get_string_list (kf, CAMPAIGN_GROUP, "dispositions", NULL, NULL);
  if (items == NULL)
    {
      add_disposition (out->dispositions, "sale", DIALER_DISPOSITION_SALE);
      add_disposition (out->dispositions, "not-interested", DIALER_DISPOSITION_NOT_INTERESTED);
      add_disposition (out->dispositions, "call-back", DIALER_DISPOSITION_CALL_BACK);
      add_disposition (out->dispositions, "wrong-number", DIALER_DISPOSITION_WRONG_NUMBER);
      add_disposition (out->dispositions, "do-not-call", DIALER_DISPOSITION_DO_NOT_CALL);
      if (out->appointment)
        add_disposition (out->dispositions, "appointment", DIALER_DISPOSITION_APPOINTMENT);
      return TRUE;
    }
  for (guint i = 0; items[i]; i++)
    {
      char *item = g_strstrip (items[i]);
      char *colon = strchr (item, ':');
      const char *why = NULL;
      int effect = -1;
      if (colon)
        {
          *colon = '\0';
          g_strstrip (item);
          const char *e = g_strstrip (colon + 1);
          for (guint k = 0; k < G_N_ELEMENTS (effect_names); k++)
            if (effect_names[k] && strcmp (e, effect_names[k]) == 0)
              effect = (int) k;
        }
      gboolean name_ok = colon && *item && strlen (item) <= 40;
      for (const char *c = item; name_ok && *c; c++)
        name_ok = g_ascii_islower (*c) || g_ascii_isdigit (*c) || *c == '-' || *c == '_';
      if (!name_ok)
        why = "items are NAME:EFFECT, a name of a-z, 0-9, - and _ (at most 40)";
      else if (effect < 0)
        why = "effects are done, call-back, wrong-number, do-not-call or appointment";
      else if (effect == DIALER_DISPOSITION_APPOINTMENT && !out->appointment)
        why = "the effect appointment is for appointment campaigns (type=appointment)";
      else if (dialer_disposition_effect (out->dispositions, item) >= 0)
        why = "a name given twice";
      if (why)
        {
          g_autofree char *text = g_strdup_printf ("%s (“%s”)", why, item);
          return dialer_settings_bad (error, where, CAMPAIGN_GROUP, "dispositions", text);
        }
      add_disposition (out->dispositions, item, (DialerDisposition) effect);
    }
  if (out->dispositions->len == 0)
    return dialer_settings_bad (error, where, CAMPAIGN_GROUP, "dispositions",
                                "is empty: the agents could not close a call");
  return TRUE;
}

/* type= and the slots of an appointment campaign (their keys are taken
 * out of @kf) */
static gboolean
read_type (GKeyFile *kf, const char *where, CampaignSettings *out, GError **error)
{
  g_autofree char *type = g_key_file_get_string (kf, CAMPAIGN_GROUP, "type", NULL);
  if (type && strcmp (g_strstrip (type), "appointment") != 0 && strcmp (type, "calls") != 0)
    return dialer_settings_bad (error, where, CAMPAIGN_GROUP, "type",
                                "calls (the default) or appointment");
  out->appointment = g_strcmp0 (type, "appointment") == 0;
  gboolean has_slots = FALSE;
  for (guint i = 0; dialer_slot_keys[i]; i++)
    has_slots |= g_key_file_has_key (kf, CAMPAIGN_GROUP, dialer_slot_keys[i], NULL);
  if (has_slots && !out->appointment)
    return dialer_settings_bad (error, where, CAMPAIGN_GROUP, "slots",
                                "only an appointment campaign (type=appointment) has visit "
                                "slots");
  if (out->appointment)
    {
      /* the campaign's zone (a bad one is refused with the engine's keys) */
      g_autofree char *zone = g_key_file_get_string (kf, CAMPAIGN_GROUP, "timezone", NULL);
      g_autoptr (GTimeZone) tz = zone ? g_time_zone_new_identifier (g_strstrip (zone)) : NULL;
      if (tz == NULL)
        tz = g_time_zone_new_utc ();
      if (!dialer_slots_read (kf, where, CAMPAIGN_GROUP, tz, &out->slots, error))
        return FALSE;
    }
  for (guint i = 0; dialer_slot_keys[i]; i++)
    g_key_file_remove_key (kf, CAMPAIGN_GROUP, dialer_slot_keys[i], NULL);
  return TRUE;
}

gboolean
campaign_settings_parse (const char *text, const char *mode, const char *campaign,
                         CampaignSettings *out, GError **error)
{
  memset (out, 0, sizeof *out);
  g_autofree char *where = g_strdup_printf ("campaign %s", campaign);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  if (!g_key_file_load_from_data (kf, text ? text : "", -1, G_KEY_FILE_NONE, error))
    return FALSE;
  g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i]; i++)
    if (strcmp (groups[i], CAMPAIGN_GROUP) != 0)
      {
        g_set_error (error, DIALER_ERROR, DIALER_ERROR_INVALID,
                     "%s: [%s]: unknown group (the settings are in [campaign])", where, groups[i]);
        return FALSE;
      }
  g_autofree char *pacing = g_key_file_get_string (kf, CAMPAIGN_GROUP, "pacing", NULL);
  if (pacing && g_strcmp0 (g_strstrip (pacing), mode) != 0)
    {
      g_set_error (error, DIALER_ERROR, DIALER_ERROR_INVALID,
                   "%s: [campaign] pacing: “%s” is not the campaign's mode “%s”", where, pacing,
                   mode);
      return FALSE;
    }
  out->queue = g_key_file_get_string (kf, CAMPAIGN_GROUP, "queue", NULL);
  out->agents = g_key_file_get_string_list (kf, CAMPAIGN_GROUP, "agents", NULL, NULL);
  if (out->agents == NULL)
    out->agents = g_new0 (char *, 1);
  for (guint i = 0; out->agents[i]; i++)
    {
      char *folded = g_utf8_casefold (g_strstrip (out->agents[i]), -1);
      g_free (out->agents[i]);
      out->agents[i] = folded;
    }
  out->wrapup_s = 10;
  g_autofree char *wrapup = g_key_file_get_value (kf, CAMPAIGN_GROUP, "wrapup", NULL);
  if (wrapup)
    {
      guint64 v;
      if (!g_ascii_string_to_unsigned (g_strstrip (wrapup), 10, 0, 3600, &v, NULL))
        {
          dialer_settings_bad (error, where, CAMPAIGN_GROUP, "wrapup", "seconds, 0 to 3600");
          campaign_settings_clear (out);
          return FALSE;
        }
      out->wrapup_s = (guint) v;
    }
  out->info_message = g_key_file_get_string (kf, CAMPAIGN_GROUP, "info-message", NULL);
  if (out->info_message)
    {
      g_strstrip (out->info_message);
      if (!g_path_is_absolute (out->info_message) || strlen (out->info_message) > 4096
          || !g_utf8_validate (out->info_message, -1, NULL))
        {
          dialer_settings_bad (error, where, CAMPAIGN_GROUP, "info-message",
                               "the absolute path of a WAV or Ogg file");
          campaign_settings_clear (out);
          return FALSE;
        }
    }
  out->script = g_key_file_get_string (kf, CAMPAIGN_GROUP, "script", NULL);
  if (out->script && (strlen (out->script) > 4000 || !g_utf8_validate (out->script, -1, NULL)))
    {
      dialer_settings_bad (error, where, CAMPAIGN_GROUP, "script",
                           "UTF-8 text of at most 4000 bytes");
      campaign_settings_clear (out);
      return FALSE;
    }
  out->callbacks = g_key_file_get_string (kf, CAMPAIGN_GROUP, "callbacks", NULL);
  if (out->callbacks)
    {
      g_strstrip (out->callbacks);
      gboolean ok = *out->callbacks && strlen (out->callbacks) <= 100;
      for (const char *c = out->callbacks; ok && *c; c++)
        ok = g_ascii_isalnum (*c) || strchr ("_.-", *c);
      if (!ok)
        {
          dialer_settings_bad (error, where, CAMPAIGN_GROUP, "callbacks",
                               "the queue whose call-back tasks the campaign dials (letters, "
                               "digits, _ . -)");
          campaign_settings_clear (out);
          return FALSE;
        }
    }
  if (!read_type (kf, where, out, error) || !read_dispositions (kf, where, out, error))
    {
      campaign_settings_clear (out);
      return FALSE;
    }
  for (guint i = 0; plugin_keys[i]; i++)
    g_key_file_remove_key (kf, CAMPAIGN_GROUP, plugin_keys[i], NULL);
  g_key_file_set_string (kf, CAMPAIGN_GROUP, "pacing", mode);
  if (!dialer_settings_read (kf, where, CAMPAIGN_GROUP, &out->engine, error))
    {
      campaign_settings_clear (out);
      return FALSE;
    }
  return TRUE;
}

void
campaign_settings_clear (CampaignSettings *s)
{
  g_clear_pointer (&s->queue, g_free);
  g_clear_pointer (&s->agents, g_strfreev);
  g_clear_pointer (&s->info_message, g_free);
  g_clear_pointer (&s->script, g_free);
  g_clear_pointer (&s->callbacks, g_free);
  dialer_slots_clear (&s->slots);
  g_clear_pointer (&s->dispositions, g_ptr_array_unref);
  if (s->engine.pacing_params)
    dialer_settings_clear (&s->engine);
}

/* --- the run ------------------------------------------------------------------------- */

typedef struct {
  guint64 id;        /* the engine's */
  char *interaction; /* the voice service's, NULL until placed */
  char *contact;
  char *number;
  char *agent; /* rung when the party answers (NULL: nobody was free) */
  gboolean answered, connected;
  gboolean queued; /* it waits in the campaign's queue once answered */
} RunCall;

struct _Runner {
  Dialer *d;
  char *campaign;
  char *caller_id;
  char *queue;        /* where answered calls wait for an agent (NULL: none) */
  char *info_message; /* played to an abandoned answer before it is hung up, or NULL */
  char *script;       /* shown on the agent's screen, or NULL */
  char *callbacks;    /* the queue whose call-back tasks it dials, or NULL */
  gboolean appointment;
  DialerSlots slots;       /* an appointment campaign's */
  GPtrArray *dispositions; /* DialerDispositionName* */
  GHashTable *given;       /* contact → the name of the disposition it was given */
  char **choices;          /* the dispositions' names, for the agent's screen */
  char **agents;
  guint wrapup_s;
  DialerEngine *engine;
  GHashTable *dnc;         /* E.164 */
  GHashTable *calls;       /* interaction id → RunCall* */
  GHashTable *agent_calls; /* login → RunCall* it is rung for */
  GHashTable *agent_state; /* login → OccDialerAgentState + 1: what the engine was told */
  GHashTable *wrapups;     /* login → timer source id */
  GHashTable *last;        /* contact → RunCall* of its last call that ended connected */
  GHashTable *dirty;       /* contact ids to write */
  guint timer, flush;
  guint poll; /* the call-back tasks' look-up, every CALLBACK_POLL_S */
  gboolean in_tick, again, paused;
  guint books_timer;   /* saves the books every BOOKS_EVERY_S if they changed */
  guint64 books_saved; /* dialer_engine_books_changes() when last saved */
};

static void save_books (Runner *r, gboolean always);
static gboolean books_tick (gpointer data);
static void on_passed_over (const char *contact, gpointer data);

static void
run_call_free (RunCall *c)
{
  g_free (c->interaction);
  g_free (c->contact);
  g_free (c->number);
  g_free (c->agent);
  g_free (c);
}

static gboolean
is_dnc (const char *number, gpointer data)
{
  return g_hash_table_contains (((Runner *) data)->dnc, number);
}

static void
complain (const char *message, gpointer data)
{
  g_message ("campaign %s: %s", ((Runner *) data)->campaign, message);
}

static gboolean on_timer (gpointer data);

/* Ticks again at the engine's next due time, or at once after an event. */
static void
schedule (Runner *r, gboolean now_please)
{
  if (r->in_tick)
    {
      r->again |= now_please;
      return;
    }
  if (r->timer)
    g_source_remove (r->timer);
  r->timer = 0;
  gint64 now = g_get_real_time ();
  gint64 due = now_please ? now : dialer_engine_next_due (r->engine, now);
  if (due == G_MAXINT64)
    return;
  /* A deadline (the information message's above all) is met as closely as
   * a main loop can: whole ms rounded down, then 1 ms steps to it, at high
   * priority. 5 ms apart when the engine says "overdue" after a tick:
   * never a busy loop. */
  gint64 wait_us = due - now;
  gint64 ms = now_please ? 0 : wait_us <= 0 ? 5 : CLAMP (wait_us / 1000, 1, 3600 * 1000);
  r->timer = g_timeout_add_full (G_PRIORITY_HIGH, (guint) ms, on_timer, r, NULL);
}

/* --- the store ---------------------------------------------------------------------------- */

static const char *const disposition_names[]
    = { "sale", "not-interested", "call-back", "wrong-number", "do-not-call", "appointment" };

/* A call-back task's row: held by the run ('dialing', due again at its
 * retry), or ended — 'done' once its subscriber answered, 'failed' when
 * its attempts ran out without. */
static void
callback_row (Runner *r, const char *contact, const DialerContactInfo *info, const char *outcome,
              gint64 now_ms, OccStoreStatement *st)
{
  const char *state = "dialing";
  if (info->state == DIALER_CONTACT_DONE)
    state = info->disposition >= 0 || info->last_outcome == OCC_DIALER_ANSWERED ? "done" : "failed";
  gboolean waits = info->state == DIALER_CONTACT_WAITING;
  st->sql = "UPDATE callback SET state = $1, attempts = $2, due_at = COALESCE($3, due_at), "
            "notes = $4, updated_at = $5 WHERE id = $6 AND campaign_id = $7";
  st->params
      = g_variant_new ("(sxmxmsxss)", state, (gint64) info->attempts, waits, info->next_at / 1000,
                       outcome, now_ms, contact + strlen (DIALER_CALLBACK_PREFIX), r->campaign);
}

/* Writes what the engine knows of every contact touched since the last
 * write, in one transaction; @release: the run ends, and lets go of the
 * call-back tasks it holds that are not done. */
static void
flush_all (Runner *r, gboolean release)
{
  guint n = g_hash_table_size (r->dirty);
  if ((n == 0 && !release) || r->d->plugin == NULL)
    return;
  g_autofree OccStoreStatement *sts = g_new0 (OccStoreStatement, n + 1);
  gint64 now_ms = g_get_real_time () / 1000;
  GHashTableIter it;
  gpointer key;
  guint i = 0;
  g_hash_table_iter_init (&it, r->dirty);
  while (g_hash_table_iter_next (&it, &key, NULL))
    {
      DialerContactInfo info;
      if (!dialer_engine_contact (r->engine, key, &info))
        continue;
      const char *state = info.state == DIALER_CONTACT_DONE         ? "done"
                          : info.state == DIALER_CONTACT_CALLING    ? "calling"
                          : info.state == DIALER_CONTACT_PREVIEWING ? "previewing"
                                                                    : "pending";
      const char *given = g_hash_table_lookup (r->given, key);
      const char *outcome
          = given ? given
            : info.disposition >= 0 && (guint) info.disposition < G_N_ELEMENTS (disposition_names)
                ? disposition_names[info.disposition]
            : g_strcmp0 (info.done_why, "do-not-call") == 0 ? "do-not-call"
            : info.last_outcome < OCC_DIALER_N_OUTCOMES ? dialer_outcome_name (info.last_outcome)
                                                        : NULL;
      if (g_str_has_prefix (key, DIALER_CALLBACK_PREFIX))
        callback_row (r, key, &info, outcome, now_ms, &sts[i++]);
      else
        {
          gboolean waits = info.state == DIALER_CONTACT_WAITING;
          sts[i].sql = "UPDATE contact SET state = $1, attempts = $2, next_attempt_at = $3, "
                       "last_outcome = $4, updated_at = $5 WHERE id = $6 AND campaign_id = $7";
          sts[i++].params = g_variant_new ("(sxmxmsxss)", state, (gint64) info.attempts, waits,
                                           info.next_at / 1000, outcome, now_ms, (const char *) key,
                                           r->campaign);
        }
      /* (written: a contact done needs its disposition's name no more) */
      if (info.state == DIALER_CONTACT_DONE)
        g_hash_table_remove (r->given, key);
    }
  g_hash_table_remove_all (r->dirty);
  if (release && r->callbacks)
    {
      sts[i].sql = "UPDATE callback SET state = 'pending', campaign_id = NULL, updated_at = $1 "
                   "WHERE campaign_id = $2 AND state = 'dialing'";
      sts[i++].params = g_variant_new ("(xs)", now_ms, r->campaign);
    }
  if (i > 0)
    r->d->store->execute (r->d->store, sts, i, OCC_STORE_TRANSACTION, NULL, dialer_store_logged,
                          (gpointer) "contact states");
}

static gboolean
flush (gpointer data)
{
  Runner *r = data;
  r->flush = 0;
  flush_all (r, FALSE);
  return G_SOURCE_REMOVE;
}

static void
touch (Runner *r, const char *contact)
{
  if (contact == NULL)
    return;
  g_hash_table_add (r->dirty, g_strdup (contact));
  if (r->flush == 0)
    r->flush = g_idle_add (flush, r);
}

/* --- agents ------------------------------------------------------------------------------- */

static OccDialerAgentState
engine_agent (Runner *r, const char *login)
{
  gpointer v = g_hash_table_lookup (r->agent_state, login);
  return v ? (OccDialerAgentState) (GPOINTER_TO_INT (v) - 1) : OCC_DIALER_AGENT_LOGGED_OUT;
}

static void
tell_agent (Runner *r, const char *login, OccDialerAgentState s)
{
  if (engine_agent (r, login) == s)
    return;
  g_hash_table_insert (r->agent_state, g_strdup (login), GINT_TO_POINTER (s + 1));
  dialer_engine_agent_state (r->engine, login, s, g_get_real_time ());
  schedule (r, TRUE);
}

static OccDialerAgentState
from_acd (const char *acd_state)
{
  if (g_strcmp0 (acd_state, "ready") == 0)
    return OCC_DIALER_AGENT_FREE;
  if (g_strcmp0 (acd_state, "busy") == 0 || g_strcmp0 (acd_state, "reserved") == 0)
    return OCC_DIALER_AGENT_BUSY;
  if (g_strcmp0 (acd_state, "wrap-up") == 0)
    return OCC_DIALER_AGENT_WRAP_UP;
  return OCC_DIALER_AGENT_LOGGED_OUT;
}

static gboolean
is_ours (Runner *r, const char *login)
{
  return g_strv_contains ((const char *const *) r->agents, login);
}

void
runner_on_agent (Runner *r, const char *login, const char *acd_state)
{
  if (!is_ours (r, login))
    return;
  OccDialerAgentState now = engine_agent (r, login);
  OccDialerAgentState s = from_acd (acd_state);
  /* on a dialer call or in its wrap-up the ACD (which did not place it)
   * still says ready: only leaving counts then */
  if ((now == OCC_DIALER_AGENT_BUSY || now == OCC_DIALER_AGENT_WRAP_UP
       || g_hash_table_contains (r->agent_calls, login))
      && s == OCC_DIALER_AGENT_FREE)
    return;
  tell_agent (r, login, s);
}

typedef struct {
  Runner *r;
  char *login;
} Wrapup;

static gboolean
wrapup_done (gpointer data)
{
  Wrapup *w = data;
  Runner *r = w->r;
  const char *acd = g_hash_table_lookup (r->d->agents, w->login);
  g_hash_table_remove (r->wrapups, w->login); /* (the key only: this source ends) */
  tell_agent (r, w->login, is_ours (r, w->login) ? from_acd (acd) : OCC_DIALER_AGENT_LOGGED_OUT);
  return G_SOURCE_REMOVE;
}

static void
wrapup_free (gpointer data)
{
  Wrapup *w = data;
  g_free (w->login);
  g_free (w);
}

/* The agent's wrap-up after a dialer call: free again after wrapup_s, or
 * at its disposition. */
static void
start_wrapup (Runner *r, const char *login)
{
  gpointer earlier;
  if (g_hash_table_lookup_extended (r->wrapups, login, NULL, &earlier))
    g_source_remove (GPOINTER_TO_UINT (earlier));
  Wrapup *w = g_new0 (Wrapup, 1);
  w->r = r;
  w->login = g_strdup (login);
  guint id
      = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, r->wrapup_s, wrapup_done, w, wrapup_free);
  g_hash_table_insert (r->wrapups, g_strdup (login), GUINT_TO_POINTER (id));
}

static void
end_wrapup (Runner *r, const char *login)
{
  gpointer id;
  if (login == NULL || !g_hash_table_lookup_extended (r->wrapups, login, NULL, &id))
    return;
  g_hash_table_remove (r->wrapups, login);
  g_source_remove (GPOINTER_TO_UINT (id));
  const char *acd = g_hash_table_lookup (r->d->agents, login);
  tell_agent (r, login, is_ours (r, login) ? from_acd (acd) : OCC_DIALER_AGENT_LOGGED_OUT);
}

/* A free agent of the campaign nobody's call is ringing for yet. */
static const char *
pick_agent (Runner *r)
{
  for (guint i = 0; r->agents[i]; i++)
    if (engine_agent (r, r->agents[i]) == OCC_DIALER_AGENT_FREE
        && !g_hash_table_contains (r->agent_calls, r->agents[i]))
      return r->agents[i];
  return NULL;
}

/* --- actions ------------------------------------------------------------------------------ */

static const OccVoiceService *
voice (Runner *r, GError **error)
{
  /* version 1 will do: originate_queue is checked for before use */
  return occ_service_lookup (r->d->plugin, OCC_VOICE_SERVICE, 1, error);
}

static RunCall *
call_by_id (Runner *r, guint64 id)
{
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init (&it, r->calls);
  while (g_hash_table_iter_next (&it, NULL, &v))
    if (((RunCall *) v)->id == id)
      return v;
  return NULL;
}

static void
forget (Runner *r, RunCall *c)
{
  if (c->agent && g_hash_table_lookup (r->agent_calls, c->agent) == c)
    g_hash_table_remove (r->agent_calls, c->agent);
  g_hash_table_remove (r->calls, c->interaction);
}

static void
dial (Runner *r, const DialerAction *a)
{
  g_autoptr (GError) e = NULL;
  const OccVoiceService *v = voice (r, &e);
  /* dialed ahead of a free agent: the answered call waits in the queue
   * and the ACD gives it to whoever is free first */
  gboolean queued = a->agent == NULL && r->queue && OCC_SERVICE_HAS (v, originate_queue);
  const char *agent = a->agent ? a->agent : queued ? NULL : pick_agent (r);
  char *id = v == NULL ? NULL
             : queued  ? v->originate_queue (v, a->number, r->caller_id, r->queue, &e)
                       : v->originate (v, a->number, r->caller_id, agent, &e);
  touch (r, a->contact);
  if (id == NULL)
    {
      g_message ("campaign %s: %s for %s could not be called: %s", r->campaign, a->number,
                 a->contact, e->message);
      dialer_engine_call_result (r->engine, a->call, OCC_DIALER_FAILED, g_get_real_time ());
      r->again = TRUE;
      return;
    }
  RunCall *c = g_new0 (RunCall, 1);
  c->id = a->call;
  c->interaction = id;
  c->contact = g_strdup (a->contact);
  c->number = g_strdup (a->number);
  c->agent = g_strdup (agent);
  c->queued = queued;
  g_hash_table_insert (r->calls, c->interaction, c);
  if (agent)
    g_hash_table_insert (r->agent_calls, g_strdup (agent), c);
}

static void
hang_up (Runner *r, const DialerAction *a)
{
  RunCall *c = call_by_id (r, a->call);
  touch (r, a->contact);
  if (c == NULL)
    return;
  g_autoptr (GError) e = NULL;
  const OccVoiceService *v = voice (r, &e);
  if (v == NULL || !v->hangup (v, c->interaction, &e))
    g_message ("campaign %s: call %s not hung up: %s", r->campaign, c->interaction, e->message);
  forget (r, c);
}

/* The information message was played (or could not be): the call ends,
 * unless it was stopped because an agent took the call after all (the
 * sip plugin stops what plays before it bridges). */
typedef struct {
  Dialer *d;
  char *interaction;
} InfoMessage;

static void
info_message_free (gpointer data)
{
  InfoMessage *m = data;
  occ_plugin_release (m->d->plugin);
  g_free (m->interaction);
  g_free (m);
}

static void
info_message_played (OccMediaLeg *leg, OccMediaPlayEnd how, const GError *error, gpointer data)
{
  InfoMessage *m = data;
  if (how == OCC_MEDIA_PLAY_STOPPED)
    return;
  if (error)
    g_warning ("call %s: the information message: %s", m->interaction, error->message);
  const OccVoiceService *v
      = occ_service_lookup (m->d->plugin, OCC_VOICE_SERVICE, OCC_VOICE_VERSION, NULL);
  if (v)
    v->hangup (v, m->interaction, NULL);
}

/* An answer no agent took within info-message-within: the recorded
 * information message (who called, that they will call again), then the
 * hang-up. Without a message, or a voice service that cannot give the
 * call's leg, the call is hung up at once. */
static void
abandon (Runner *r, const DialerAction *a)
{
  RunCall *c = call_by_id (r, a->call);
  const OccVoiceService *v
      = occ_service_lookup (r->d->plugin, OCC_VOICE_SERVICE, OCC_VOICE_VERSION, NULL);
  const OccMediaService *media
      = occ_service_lookup (r->d->plugin, OCC_MEDIA_SERVICE, OCC_MEDIA_VERSION, NULL);
  OccMediaLeg *leg = c && r->info_message && v && media && OCC_SERVICE_HAS (v, caller_leg)
                             && OCC_SERVICE_HAS (media, play)
                         ? v->caller_leg (v, c->interaction)
                         : NULL;
  if (leg == NULL)
    return hang_up (r, a);
  touch (r, a->contact);
  /* out of the queue first: no agent may take it during the message */
  g_autoptr (GError) dq = NULL;
  if (OCC_SERVICE_HAS (v, dequeue) && !v->dequeue (v, c->interaction, "abandoned", &dq))
    g_message ("campaign %s: call %s: %s", r->campaign, c->interaction, dq->message);
  InfoMessage *m = g_new0 (InfoMessage, 1);
  m->d = r->d;
  m->interaction = g_strdup (c->interaction);
  occ_plugin_hold (r->d->plugin);
  const char *files[] = { r->info_message, NULL };
  g_autoptr (GError) e = NULL;
  if (!media->play (leg, files, 0, info_message_played, m, info_message_free, &e))
    {
      g_warning ("campaign %s: call %s: the information message: %s", r->campaign, c->interaction,
                 e->message);
      return hang_up (r, a);
    }
  forget (r, c);
}

static void
act (Runner *r, const DialerAction *a)
{
  switch (a->type)
    {
    case DIALER_ACTION_DIAL:
      dial (r, a);
      break;
    case DIALER_ACTION_PREVIEW:
      touch (r, a->contact);
      dialer_screen_show (r->d, "", a->agent, r->campaign, a->contact, a->number, r->script,
                          (const char *const *) r->choices);
      occ_bus_publish (occ_plugin_get_bus (r->d->plugin), r->d->plugin, "campaign.preview",
                       g_variant_new ("(sss)", r->campaign, a->contact, a->agent), NULL);
      break;
    case DIALER_ACTION_ABANDON:
      abandon (r, a);
      break;
    case DIALER_ACTION_HANGUP:
      hang_up (r, a);
      break;
    }
}

static gboolean
on_timer (gpointer data)
{
  Runner *r = data;
  r->timer = 0;
  r->in_tick = TRUE;
  do
    {
      r->again = FALSE;
      g_autoptr (GArray) actions = dialer_engine_tick (r->engine, g_get_real_time ());
      for (guint i = 0; i < actions->len; i++)
        act (r, &g_array_index (actions, DialerAction, i));
    }
  while (r->again);
  r->in_tick = FALSE;
  schedule (r, FALSE);
  return G_SOURCE_REMOVE;
}

/* --- the calls' events ------------------------------------------------------------------ */

static OccDialerOutcome
outcome_of (const char *state, int status)
{
  if (strcmp (state, "answered") == 0)
    return OCC_DIALER_ANSWERED;
  if (strcmp (state, "busy") == 0)
    return OCC_DIALER_BUSY;
  if (strcmp (state, "no-answer") == 0)
    return OCC_DIALER_NO_ANSWER;
  if (status == 403 || status == 603)
    return OCC_DIALER_REJECTED;
  if (status == 404 || status == 410 || status == 484 || status == 604)
    return OCC_DIALER_UNREACHABLE;
  return OCC_DIALER_FAILED;
}

static gboolean
runner_on_progress (Runner *r, const char *interaction, const char *state, int status)
{
  RunCall *c = g_hash_table_lookup (r->calls, interaction);
  if (c == NULL)
    return FALSE;
  gint64 now = g_get_real_time ();
  if (strcmp (state, "trying") == 0)
    return TRUE;
  touch (r, c->contact);
  schedule (r, TRUE);
  if (strcmp (state, "ringing") == 0)
    dialer_engine_call_ringing (r->engine, c->id, now);
  else
    {
      OccDialerOutcome o = outcome_of (state, status);
      dialer_engine_call_result (r->engine, c->id, o, now);
      c->answered = o == OCC_DIALER_ANSWERED;
      /* a call placed for an agent rings her now: her screen with it (a
       * queued call's comes with the ACD's offer) */
      if (c->answered && c->agent && !c->queued)
        dialer_screen_show (r->d, c->interaction, c->agent, r->campaign, c->contact, c->number,
                            r->script, (const char *const *) r->choices);
      if (!c->answered)
        forget (r, c);
    }
  return TRUE;
}

static gboolean
runner_on_connected (Runner *r, const char *interaction, const char *agent)
{
  RunCall *c = g_hash_table_lookup (r->calls, interaction);
  if (c == NULL)
    return FALSE;
  g_autofree char *login = g_utf8_casefold (agent, -1);
  if (g_hash_table_lookup (r->agent_calls, login) == c)
    g_hash_table_remove (r->agent_calls, login);
  /* the ACD rang her for this very call (its "reserved" made her busy
   * for the engine): she was free to take it */
  if (c->queued && is_ours (r, login) && engine_agent (r, login) == OCC_DIALER_AGENT_BUSY)
    tell_agent (r, login, OCC_DIALER_AGENT_FREE);
  /* an agent of the queue who is not the campaign's took it: the engine
   * learns her for this call alone (free now, busy with it, and gone
   * again after its wrap-up) — else the call would stay "waiting" and be
   * abandoned under her feet */
  if (!is_ours (r, login) && engine_agent (r, login) != OCC_DIALER_AGENT_FREE)
    tell_agent (r, login, OCC_DIALER_AGENT_FREE);
  if (dialer_engine_call_connected (r->engine, c->id, login, g_get_real_time ()))
    {
      c->connected = TRUE;
      g_free (c->agent);
      c->agent = g_steal_pointer (&login);
      g_hash_table_insert (r->agent_state, g_strdup (c->agent),
                           GINT_TO_POINTER (OCC_DIALER_AGENT_BUSY + 1));
    }
  touch (r, c->contact);
  schedule (r, TRUE);
  return TRUE;
}

static gboolean
runner_on_ended (Runner *r, const char *interaction)
{
  RunCall *c = g_hash_table_lookup (r->calls, interaction);
  if (c == NULL)
    return FALSE;
  if (c->connected || c->answered)
    dialer_engine_call_ended (r->engine, c->id, g_get_real_time ());
  touch (r, c->contact);
  if (c->connected)
    {
      g_hash_table_insert (r->agent_state, g_strdup (c->agent),
                           GINT_TO_POINTER (OCC_DIALER_AGENT_WRAP_UP + 1));
      start_wrapup (r, c->agent);
      /* kept for the disposition, which may come in the wrap-up */
      g_hash_table_steal (r->calls, interaction);
      g_hash_table_insert (r->last, g_strdup (c->contact), c);
    }
  else
    forget (r, c);
  schedule (r, TRUE);
  return TRUE;
}

gboolean
runner_on_offered (Runner *r, const char *interaction, const char *agent)
{
  RunCall *c = g_hash_table_lookup (r->calls, interaction);
  if (c == NULL)
    return FALSE;
  dialer_screen_show (r->d, interaction, agent, r->campaign, c->contact, c->number, r->script,
                      (const char *const *) r->choices);
  return TRUE;
}

gboolean
runner_on_call (Runner *r, const char *type, const char *interaction, const char *what, int status)
{
  if (strcmp (type, OCC_EVENT_VOICE_PROGRESS) == 0)
    return runner_on_progress (r, interaction, what, status);
  if (strcmp (type, OCC_EVENT_INTERACTION_CONNECTED) == 0)
    return runner_on_connected (r, interaction, what);
  return runner_on_ended (r, interaction);
}

/* --- commands ------------------------------------------------------------------------------ */

gboolean
runner_has_contact (Runner *r, const char *contact)
{
  DialerContactInfo info;
  return dialer_engine_contact (r->engine, contact, &info);
}

gboolean
runner_preview_result (Runner *r, const char *contact, gboolean dial_it, GError **error)
{
  if (!dialer_engine_preview_result (r->engine, contact, dial_it, g_get_real_time ()))
    {
      g_set_error (error, DIALER_ERROR, DIALER_ERROR_STATE,
                   "contact %s: not offered for preview in campaign %s", contact, r->campaign);
      return FALSE;
    }
  touch (r, contact);
  schedule (r, TRUE);
  return TRUE;
}

/* The call in which the agent talks or talked to @contact. */
static RunCall *
contact_call (Runner *r, const char *contact)
{
  RunCall *c = g_hash_table_lookup (r->last, contact);
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init (&it, r->calls);
  while (c == NULL && g_hash_table_iter_next (&it, NULL, &v))
    if (((RunCall *) v)->connected && strcmp (((RunCall *) v)->contact, contact) == 0)
      c = v;
  return c;
}

gboolean
runner_talked_to (Runner *r, const char *contact)
{
  return contact_call (r, contact) != NULL;
}

GPtrArray *
runner_dispositions (Runner *r)
{
  return r->dispositions;
}

const DialerSlots *
runner_slots (Runner *r)
{
  return r->appointment ? &r->slots : NULL;
}

char *
runner_last_number (Runner *r, const char *contact)
{
  RunCall *c = contact_call (r, contact);
  return c ? g_strdup (c->number) : NULL;
}

gboolean
runner_disposition (Runner *r, const char *contact, DialerDisposition d, gint64 callback_at,
                    const char *name, GError **error)
{
  if (!dialer_engine_disposition (r->engine, contact, d, callback_at, g_get_real_time (), error))
    return FALSE;
  /* the store and the reports show the campaign's own name */
  g_hash_table_insert (r->given, g_strdup (contact), g_strdup (name));
  touch (r, contact);
  RunCall *c = contact_call (r, contact);
  if (c)
    {
      occ_bus_publish (occ_plugin_get_bus (r->d->plugin), r->d->plugin,
                       OCC_EVENT_INTERACTION_DISPOSITION,
                       g_variant_new_parsed ("(%s, %s, %s, {'campaign': <%s>, 'contact': <%s>})",
                                             c->interaction, c->agent, name, r->campaign, contact),
                       NULL);
      end_wrapup (r, c->agent);
      g_hash_table_remove (r->last, contact);
    }
  schedule (r, TRUE);
  return TRUE;
}

GVariant *
runner_report (Runner *r)
{
  DialerReport rep;
  dialer_engine_report (r->engine, &rep);
  GVariant *v = dialer_report_variant (r->campaign, r->paused ? "paused" : "running", &rep);
  dialer_report_clear (&rep);
  return v;
}

/* --- life ------------------------------------------------------------------------------------ */

Runner *
runner_new (Dialer *d, const char *campaign, const char *caller_id, CampaignSettings *s,
            const OccDialerPacing *pacing, GError **error)
{
  DialerEngine *e = dialer_engine_new (&s->engine, pacing, g_random_int (), error);
  if (e == NULL)
    {
      campaign_settings_clear (s);
      return NULL;
    }
  Runner *r = g_new0 (Runner, 1);
  r->d = dialer_ref (d);
  r->campaign = g_strdup (campaign);
  r->caller_id = g_strdup (caller_id);
  r->queue = g_strdup (s->queue);
  r->info_message = g_strdup (s->info_message);
  r->script = g_steal_pointer (&s->script);
  r->callbacks = g_steal_pointer (&s->callbacks);
  r->appointment = s->appointment;
  r->dispositions = g_steal_pointer (&s->dispositions);
  r->given = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  r->choices = g_new0 (char *, r->dispositions->len + 1);
  for (guint i = 0; i < r->dispositions->len; i++)
    r->choices[i] = g_strdup (((DialerDispositionName *) r->dispositions->pdata[i])->name);
  r->slots = s->slots;
  s->slots.tz = NULL; /* (moved) */
  r->agents = g_steal_pointer (&s->agents);
  r->wrapup_s = s->wrapup_s;
  campaign_settings_clear (s);
  r->engine = e;
  r->dnc = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  r->calls = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) run_call_free);
  r->agent_calls = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  r->agent_state = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  r->wrapups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  r->last = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) run_call_free);
  r->dirty = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  dialer_engine_set_dnc (e, is_dnc, r);
  dialer_engine_set_complain (e, complain, r);
  dialer_engine_set_passed_over (e, on_passed_over, r);
  r->books_timer = g_timeout_add_seconds (BOOKS_EVERY_S, books_tick, r);
  return r;
}

void
runner_add_contact (Runner *r, const char *id, const char *phones, gint priority, gint64 next_at_ms,
                    guint attempts)
{
  /* ["+2250102030405","+33…"]: E.164 only, written by the import */
  g_auto (GStrv) parts = g_strsplit_set (phones ? phones : "", "[]\",", -1);
  g_autoptr (GPtrArray) numbers = g_ptr_array_new ();
  for (guint k = 0; parts[k]; k++)
    if (parts[k][0] == '+')
      g_ptr_array_add (numbers, parts[k]);
  if (numbers->len == 0)
    return;
  g_ptr_array_add (numbers, NULL);
  gint64 now = g_get_real_time ();
  DialerContactSpec spec = { .id = id,
                             .numbers = (const char *const *) numbers->pdata,
                             .priority = priority,
                             .callback_at = next_at_ms * 1000 > now ? next_at_ms * 1000 : 0,
                             .attempts = attempts };
  g_autoptr (GError) e = NULL;
  if (!dialer_engine_add_contact (r->engine, &spec, now, &e))
    g_message ("campaign %s: contact %s left out: %s", r->campaign, id, e->message);
}

void
runner_add_callback (Runner *r, const char *task, const char *number, gint64 requested_ms,
                     gint64 due_ms, guint attempts)
{
  g_autofree char *id = g_strconcat (DIALER_CALLBACK_PREFIX, task, NULL);
  if (runner_has_contact (r, id))
    return;
  const char *numbers[] = { number, NULL };
  gint64 now = g_get_real_time ();
  /* a call-back is served at its time before the other contacts; one
   * already due keeps the place its caller took in the queue */
  DialerContactSpec spec
      = { .id = id,
          .numbers = numbers,
          .attempts = attempts,
          .callback_at = due_ms * 1000 > now ? due_ms * 1000 : MAX (requested_ms * 1000, 1) };
  g_autoptr (GError) e = NULL;
  if (!dialer_engine_add_contact (r->engine, &spec, now, &e))
    g_message ("campaign %s: call-back %s left out: %s", r->campaign, task, e->message);
  else
    schedule (r, TRUE);
}

/* --- the call-back tasks -------------------------------------------------------------------- */

#define CALLBACK_POLL_S 5

typedef struct {
  Dialer *d;
  char *campaign;
} Poll;

/* The tasks this campaign holds (those just claimed, and those a run
 * that ended without letting go left it): to the run, or let go if the
 * run has ended meanwhile. */
static void
on_tasks (GPtrArray *results, const GError *error, gpointer data)
{
  Poll *p = data;
  Runner *r = p->d->plugin ? g_hash_table_lookup (p->d->runners, p->campaign) : NULL;
  if (error)
    g_message ("campaign %s: the call-back tasks: %s", p->campaign, error->message);
  else if (r == NULL && p->d->plugin)
    occ_store_execute1 (p->d->store,
                        "UPDATE callback SET state = 'pending', campaign_id = NULL, updated_at = "
                        "$1 WHERE campaign_id = $2 AND state = 'dialing'",
                        g_variant_new ("(xs)", g_get_real_time () / 1000, p->campaign),
                        OCC_STORE_FLAGS_NONE, dialer_store_logged, (gpointer) "call-back tasks");
  else if (r)
    {
      OccStoreResult *rows = results->pdata[1];
      for (guint i = 0; i < occ_store_result_get_n_rows (rows); i++)
        runner_add_callback (
            r, occ_store_result_get_string (rows, i, 0), occ_store_result_get_string (rows, i, 1),
            occ_store_result_get_int (rows, i, 2), occ_store_result_get_int (rows, i, 3),
            (guint) CLAMP (occ_store_result_get_int (rows, i, 4), 0, G_MAXUINT));
    }
  dialer_unref (p->d);
  g_free (p->campaign);
  g_free (p);
}

/* Claims the pending call-back tasks of the campaign's `callbacks` queue
 * (state 'dialing', campaign_id: no agent's callback.take, no other run
 * takes them then) and reads every task it holds. */
static gboolean
poll_tasks (gpointer data)
{
  Runner *r = data;
  if (r->d->plugin == NULL)
    return G_SOURCE_CONTINUE;
  gint64 now_ms = g_get_real_time () / 1000;
  OccStoreStatement sts[] = {
    { "UPDATE callback SET state = 'dialing', campaign_id = $1, updated_at = $2 WHERE queue_id = "
      "$3 AND state = 'pending'",
      g_variant_new ("(sxs)", r->campaign, now_ms, r->callbacks) },
    { "SELECT id, number, requested_at, due_at, attempts FROM callback WHERE campaign_id = $1 AND "
      "state = "
      "'dialing' ORDER BY requested_at, id",
      g_variant_new ("(s)", r->campaign) },
  };
  Poll *p = g_new0 (Poll, 1);
  p->d = dialer_ref (r->d);
  p->campaign = g_strdup (r->campaign);
  r->d->store->execute (r->d->store, sts, G_N_ELEMENTS (sts), OCC_STORE_TRANSACTION, NULL, on_tasks,
                        p);
  return G_SOURCE_CONTINUE;
}

void
runner_add_dnc (Runner *r, const char *number)
{
  g_hash_table_add (r->dnc, g_strdup (number));
}

void
runner_go (Runner *r)
{
  for (guint i = 0; r->agents[i]; i++)
    tell_agent (r, r->agents[i], from_acd (g_hash_table_lookup (r->d->agents, r->agents[i])));
  if (r->callbacks)
    {
      poll_tasks (r);
      r->poll = g_timeout_add_seconds (CALLBACK_POLL_S, poll_tasks, r);
    }
  schedule (r, TRUE);
}

void
runner_set_paused (Runner *r, gboolean paused)
{
  r->paused = paused;
  dialer_engine_set_paused (r->engine, paused);
  if (paused)
    save_books (r, FALSE);
  schedule (r, TRUE);
}

gboolean
runner_is_paused (Runner *r)
{
  return r->paused;
}

void
runner_free (Runner *r)
{
  if (r->timer)
    g_source_remove (r->timer);
  GHashTableIter it;
  gpointer v;
  const OccVoiceService *vs = r->d->plugin ? voice (r, NULL) : NULL;
  g_hash_table_iter_init (&it, r->calls);
  while (g_hash_table_iter_next (&it, NULL, &v))
    if (vs && !((RunCall *) v)->connected)
      vs->hangup (vs, ((RunCall *) v)->interaction, NULL);
  g_hash_table_iter_init (&it, r->wrapups);
  while (g_hash_table_iter_next (&it, NULL, &v))
    g_source_remove (GPOINTER_TO_UINT (v));
  /* the last contact states and the books go to the store; the
   * call-back tasks not done wait for another run or an agent */
  if (r->flush)
    g_source_remove (r->flush);
  if (r->poll)
    g_source_remove (r->poll);
  flush_all (r, TRUE);
  g_source_remove (r->books_timer);
  save_books (r, TRUE);
  g_hash_table_unref (r->last);
  g_hash_table_unref (r->calls);
  g_hash_table_unref (r->agent_calls);
  g_hash_table_unref (r->agent_state);
  g_hash_table_unref (r->wrapups);
  g_hash_table_unref (r->dirty);
  g_hash_table_unref (r->dnc);
  dialer_engine_free (r->engine);
  g_strfreev (r->agents);
  g_free (r->campaign);
  g_free (r->caller_id);
  g_free (r->queue);
  g_free (r->info_message);
  g_free (r->script);
  g_free (r->callbacks);
  dialer_slots_clear (&r->slots);
  g_ptr_array_unref (r->dispositions);
  g_hash_table_unref (r->given);
  g_strfreev (r->choices);
  dialer_unref (r->d);
  g_free (r);
}

/* --- the books ---------------------------------------------------------------------------- */

static void
on_passed_over (const char *contact, gpointer data)
{
  touch (data, contact);
}

/* Writes the books to campaign.books when they changed since the last
 * write (@always: in any case). */
static void
save_books (Runner *r, gboolean always)
{
  guint64 changes = dialer_engine_books_changes (r->engine);
  if (r->d->plugin == NULL || (!always && changes == r->books_saved))
    return;
  r->books_saved = changes;
  dialer_books_write (r->d, r->campaign, dialer_engine_books_save (r->engine, g_get_real_time ()));
}

static gboolean
books_tick (gpointer data)
{
  save_books (data, FALSE);
  return G_SOURCE_CONTINUE;
}

const char *
runner_restore_books (Runner *r, const char *text)
{
  if (text == NULL || *text == '\0')
    return "new";
  g_autoptr (GError) e = NULL;
  if (!dialer_engine_books_restore (r->engine, text, g_get_real_time (), &e))
    {
      g_warning ("campaign %s: its books were not continued, new books start: %s", r->campaign,
                 e->message);
      return "new";
    }
  r->books_saved = dialer_engine_books_changes (r->engine);
  return "continued";
}
