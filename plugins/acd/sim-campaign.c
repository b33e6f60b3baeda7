/* omnicc-sim's campaign mode: an outbound shift under virtual time. It
 * drives the real dialer engine (plugins/dialer/engine.c, the code the
 * dialer plugin runs) and loads the real pacing plugins (.so files,
 * through the core's loader). Subscribers answer with a probability
 * after a log-normal ring time (or ring until the engine's time-out), are
 * busy or unreachable; agents talk for a log-normal handle time, then
 * wrap up; answered calls go to the agent free longest, or wait for one
 * until the engine's information-message deadline. A seed makes a run
 * repeatable. See omnicc-sim(1), "Campaign mode". */
#include "sim-campaign.h"

#include "../dialer/engine.h" /* the dialer's, not the ACD's */
#include "loader.h"
#include "registry.h"
#include "sim-keys.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define US G_GINT64_CONSTANT (1000000)

typedef struct {
  GKeyFile *file;
  const char *path;
  guint64 seed;
  guint replications;
  double shift_s;
  gint64 start;
  char **modes;
  /* subscribers */
  guint contacts;
  double answer, busy, unreachable;
  double setup_mean, setup_sd, ring_mean, ring_sd;
  /* agents */
  guint agents;
  double talk_mean, talk_sd, wrapup_s, preview_s, preview_skip;
} Campaign;

typedef enum { EV_TICK, EV_RING, EV_ANSWER, EV_RESULT, EV_END, EV_FREE, EV_PREVIEWED } EvType;

typedef struct {
  gint64 t;
  guint64 seq;
  EvType type;
  guint64 call;             /* ring, answer, result, end */
  guint agent;              /* end, free, previewed */
  char *contact;            /* previewed */
  OccDialerOutcome outcome; /* result */
} Ev;

typedef struct {
  guint64 id;
  int agent; /* reserved or connected, -1: none */
  gboolean answered, gone;
  gint64 connected;
} SimCall;

typedef struct {
  char *login;
  gboolean free;
  gint64 free_since;
} SimAgent;

typedef struct {
  const Campaign *c;
  DialerEngine *e;
  GRand *r;
  GSequence *events; /* Ev*, by (t, seq) */
  guint64 seq;
  gint64 now, end, tick_at;
  GHashTable *calls; /* id → SimCall* */
  GQueue waiting;    /* SimCall* answered, no agent yet */
  SimAgent *agents;
  gboolean paused;
  gint64 talk_us, wrap_us; /* inside the shift */
} Run;

typedef struct {
  double talk_min_per_agent_hour, idle_share, worst_day_rate, answers_per_hour, connected_per_hour;
  guint64 dials, answers, abandons;
  gboolean within_target;
} RunFigures;

/* --- events ------------------------------------------------------------------------------ */

static gint
ev_cmp (gconstpointer a, gconstpointer b, gpointer data)
{
  const Ev *x = a, *y = b;
  (void) data;
  if (x->t != y->t)
    return x->t < y->t ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static Ev *
schedule (Run *run, gint64 t, EvType type)
{
  Ev *ev = g_new0 (Ev, 1);
  ev->t = t;
  ev->seq = run->seq++;
  ev->type = type;
  g_sequence_insert_sorted (run->events, ev, ev_cmp, NULL);
  return ev;
}

static void
ev_free (gpointer p)
{
  Ev *ev = p;
  g_free (ev->contact);
  g_free (ev);
}

/* A log-normal draw of mean @m and standard deviation @sd (exactly @m
 * when @sd is 0), in µs. */
static gint64
draw_lognormal (GRand *r, double m, double sd)
{
  if (sd <= 0 || m <= 0)
    return (gint64) llround (MAX (m, 0) * US);
  double s2 = log (1 + sd * sd / (m * m));
  double u1 = 1.0 - g_rand_double (r), u2 = g_rand_double (r);
  double z = sqrt (-2 * log (u1)) * cos (2 * G_PI * u2);
  return (gint64) llround (exp (log (m) - s2 / 2 + sqrt (s2) * z) * US);
}

/* --- agents ------------------------------------------------------------------------------- */

static int
longest_free (Run *run)
{
  int best = -1;
  for (guint i = 0; i < run->c->agents; i++)
    if (run->agents[i].free
        && (best < 0 || run->agents[i].free_since < run->agents[best].free_since))
      best = (int) i;
  return best;
}

static void
connect_call (Run *run, SimCall *call, int agent)
{
  if (!dialer_engine_call_connected (run->e, call->id, run->agents[agent].login, run->now))
    return;
  run->agents[agent].free = FALSE;
  call->agent = agent;
  call->connected = run->now;
  Ev *ev = schedule (run, run->now + draw_lognormal (run->r, run->c->talk_mean, run->c->talk_sd),
                     EV_END);
  ev->call = call->id;
  ev->agent = (guint) agent;
}

static gint64
clipped (const Run *run, gint64 from, gint64 to)
{
  return MAX (0, MIN (to, run->end) - MIN (from, run->end));
}

static void
agent_free (Run *run, guint agent)
{
  SimAgent *a = &run->agents[agent];
  dialer_engine_agent_state (run->e, a->login, OCC_DIALER_AGENT_FREE, run->now);
  a->free = TRUE;
  a->free_since = run->now;
  SimCall *next = g_queue_pop_head (&run->waiting);
  if (next)
    connect_call (run, next, (int) agent);
}

/* --- the engine's actions ----------------------------------------------------------------- */

static void
dial (Run *run, const DialerAction *act)
{
  SimCall *call = g_new0 (SimCall, 1);
  call->id = act->call;
  call->agent = -1;
  if (act->agent)
    for (guint i = 0; i < run->c->agents; i++)
      if (strcmp (run->agents[i].login, act->agent) == 0)
        call->agent = (int) i;
  g_hash_table_insert (run->calls, &call->id, call);
  const Campaign *c = run->c;
  gint64 setup = draw_lognormal (run->r, c->setup_mean, c->setup_sd);
  double u = g_rand_double (run->r);
  if (u < c->busy + c->unreachable)
    {
      Ev *ev = schedule (run, run->now + setup, EV_RESULT);
      ev->call = call->id;
      ev->outcome = u < c->busy ? OCC_DIALER_BUSY : OCC_DIALER_UNREACHABLE;
      return;
    }
  Ev *ring = schedule (run, run->now + setup, EV_RING);
  ring->call = call->id;
  /* answers after its ring time (unless the engine hangs up first); the others ring out */
  call->answered = u < c->busy + c->unreachable + c->answer;
}

static void
actions (Run *run, GArray *acts)
{
  for (guint k = 0; k < acts->len; k++)
    {
      const DialerAction *a = &g_array_index (acts, DialerAction, k);
      SimCall *call = a->call ? g_hash_table_lookup (run->calls, &a->call) : NULL;
      switch (a->type)
        {
        case DIALER_ACTION_DIAL:
          dial (run, a);
          break;
        case DIALER_ACTION_PREVIEW:
          {
            Ev *ev = schedule (run, run->now + (gint64) llround (run->c->preview_s * US),
                               EV_PREVIEWED);
            ev->contact = g_strdup (a->contact);
            for (guint i = 0; i < run->c->agents; i++)
              if (strcmp (run->agents[i].login, a->agent) == 0)
                {
                  ev->agent = i;
                  run->agents[i].free = FALSE;
                }
            break;
          }
        case DIALER_ACTION_ABANDON:
          g_queue_remove (&run->waiting, call);
          G_GNUC_FALLTHROUGH; /* the call is over */
        case DIALER_ACTION_HANGUP:
          if (call == NULL)
            break;
          if (call->agent >= 0)
            agent_free (run, (guint) call->agent);
          g_hash_table_remove (run->calls, &a->call);
          break;
        }
    }
}

/* Ticks the engine, applies what it says, and keeps one tick coming at
 * its next deadline. */
static void
tick (Run *run)
{
  g_autoptr (GArray) acts = dialer_engine_tick (run->e, run->now);
  actions (run, acts);
  gboolean busy = g_hash_table_size (run->calls) > 0;
  if (run->paused && !busy)
    return;
  gint64 next = dialer_engine_next_due (run->e, run->now);
  if (next == G_MAXINT64 || (run->tick_at > run->now && run->tick_at <= next))
    return;
  run->tick_at = next > run->now ? next : run->now + 1;
  schedule (run, run->tick_at, EV_TICK);
}

static void
handle (Run *run, Ev *ev)
{
  SimCall *call = ev->call ? g_hash_table_lookup (run->calls, &ev->call) : NULL;
  switch (ev->type)
    {
    case EV_TICK:
      break;
    case EV_RING:
      if (call && !call->gone && dialer_engine_call_ringing (run->e, call->id, run->now)
          && call->answered)
        {
          Ev *ans = schedule (
              run, run->now + draw_lognormal (run->r, run->c->ring_mean, run->c->ring_sd),
              EV_ANSWER);
          ans->call = call->id;
        }
      break;
    case EV_RESULT:
      if (call && !call->gone)
        {
          call->gone = TRUE;
          dialer_engine_call_result (run->e, call->id, ev->outcome, run->now);
          if (call->agent >= 0)
            agent_free (run, (guint) call->agent);
        }
      break;
    case EV_ANSWER:
      if (call && !call->gone
          && dialer_engine_call_result (run->e, call->id, OCC_DIALER_ANSWERED, run->now))
        {
          int agent = call->agent >= 0 ? call->agent : longest_free (run);
          if (agent >= 0)
            connect_call (run, call, agent);
          else
            g_queue_push_tail (&run->waiting, call);
        }
      break;
    case EV_END:
      dialer_engine_call_ended (run->e, ev->call, run->now);
      if (call)
        {
          run->talk_us += clipped (run, call->connected, run->now);
          run->wrap_us += clipped (run, run->now, run->now + (gint64) (run->c->wrapup_s * US));
          call->gone = TRUE;
        }
      schedule (run, run->now + (gint64) llround (run->c->wrapup_s * US), EV_FREE)->agent
          = ev->agent;
      break;
    case EV_FREE:
      agent_free (run, ev->agent);
      break;
    case EV_PREVIEWED:
      {
        gboolean dial_it = g_rand_double (run->r) >= run->c->preview_skip;
        if (!dialer_engine_preview_result (run->e, ev->contact, dial_it, run->now) || !dial_it)
          agent_free (run, ev->agent);
        break;
      }
    }
  /* calls that are over go */
  if (call && call->gone)
    g_hash_table_remove (run->calls, &call->id);
}

/* --- one replication ---------------------------------------------------------------------- */

static gboolean
replicate (const Campaign *c, const DialerSettings *settings, const OccDialerPacing *pacing,
           guint index, RunFigures *out, GError **error)
{
  guint32 seed = (guint32) (c->seed * 1000003u + index);
  Run run = { .c = c };
  run.e = dialer_engine_new (settings, pacing, seed, error);
  if (run.e == NULL)
    return FALSE;
  run.r = g_rand_new_with_seed (seed ^ 0x2545f491u);
  run.events = g_sequence_new (ev_free);
  run.calls = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  g_queue_init (&run.waiting);
  run.now = c->start;
  run.end = c->start + (gint64) llround (c->shift_s * US);
  run.agents = g_new0 (SimAgent, c->agents);
  for (guint i = 0; i < c->contacts; i++)
    {
      g_autofree char *id = g_strdup_printf ("s%u", i);
      g_autofree char *number = g_strdup_printf ("+2250%09u", 700000000 + i);
      const char *const numbers[] = { number, NULL };
      DialerContactSpec spec = { id, numbers, 0, 0, 0 };
      dialer_engine_add_contact (run.e, &spec, run.now, NULL);
    }
  for (guint i = 0; i < c->agents; i++)
    {
      run.agents[i].login = g_strdup_printf ("agent-%u", i + 1);
      agent_free (&run, i);
    }
  tick (&run);
  while (g_sequence_get_length (run.events) > 0)
    {
      GSequenceIter *first = g_sequence_get_begin_iter (run.events);
      Ev *ev = g_sequence_get (first);
      if (!run.paused && ev->t >= run.end)
        {
          /* the shift is over: no new calls; those in progress end */
          run.now = run.end;
          run.paused = TRUE;
          dialer_engine_set_paused (run.e, TRUE);
          continue;
        }
      run.now = ev->t;
      handle (&run, ev);
      g_sequence_remove (first);
      tick (&run);
    }
  g_autoptr (GError) audit = NULL;
  gboolean ok = dialer_engine_audit (run.e, &audit);
  if (!ok)
    g_set_error (error, DIALER_ERROR, DIALER_ERROR_STATE, "the engine's books: %s", audit->message);
  DialerReport rep;
  dialer_engine_report (run.e, &rep);
  double hours = c->shift_s / 3600.0, agent_us = c->shift_s * US * c->agents;
  *out = (RunFigures){
    .talk_min_per_agent_hour = (double) run.talk_us / US / 60.0 / (hours * c->agents),
    .idle_share = 1.0 - (double) (run.talk_us + run.wrap_us) / agent_us,
    .worst_day_rate = rep.worst_day_rate,
    .answers_per_hour = (double) rep.answers / hours,
    .connected_per_hour = (double) rep.connected / hours,
    .dials = rep.dials,
    .answers = rep.answers,
    .abandons = rep.abandons,
    .within_target = rep.worst_day_rate <= settings->abandon_target,
  };
  dialer_report_clear (&rep);
  for (guint i = 0; i < c->agents; i++)
    g_free (run.agents[i].login);
  g_free (run.agents);
  g_queue_clear (&run.waiting);
  g_hash_table_unref (run.calls);
  g_sequence_free (run.events);
  g_rand_free (run.r);
  dialer_engine_free (run.e);
  return ok;
}

/* --- the scenario -------------------------------------------------------------------------- */

static gboolean
number (const Campaign *c, const char *group, const char *key, double fallback, double min,
        double max, double *out, GError **error)
{
  return sim_key_number (c->file, c->path, group, key, fallback, min, max, out, error);
}

static gboolean
read_campaign (Campaign *c, GError **error)
{
  double seed, reps, contacts, agents;
  if (!number (c, "simulation", "seed", 1, 0, 4294967295.0, &seed, error)
      || !number (c, "simulation", "replications", 10, 1, 100000, &reps, error)
      || !number (c, "simulation", "shift", 28800, 60, 30 * 86400, &c->shift_s, error)
      || !number (c, "subscribers", "contacts", 20000, 1, 1e7, &contacts, error)
      || !number (c, "subscribers", "answer-rate", 0.3, 0, 1, &c->answer, error)
      || !number (c, "subscribers", "busy-rate", 0.1, 0, 1, &c->busy, error)
      || !number (c, "subscribers", "unreachable-rate", 0.05, 0, 1, &c->unreachable, error)
      || !number (c, "subscribers", "setup-mean", 5, 0, 120, &c->setup_mean, error)
      || !number (c, "subscribers", "setup-sd", 2, 0, 120, &c->setup_sd, error)
      || !number (c, "subscribers", "ring-mean", 12, 0, 600, &c->ring_mean, error)
      || !number (c, "subscribers", "ring-sd", 6, 0, 600, &c->ring_sd, error)
      || !number (c, "agents", "count", 20, 1, 10000, &agents, error)
      || !number (c, "agents", "talk-mean", 170, 1, 36000, &c->talk_mean, error)
      || !number (c, "agents", "talk-sd", 100, 0, 36000, &c->talk_sd, error)
      || !number (c, "agents", "wrapup", 10, 0, 3600, &c->wrapup_s, error)
      || !number (c, "agents", "preview-time", 15, 0, 3600, &c->preview_s, error)
      || !number (c, "agents", "preview-skip", 0.05, 0, 1, &c->preview_skip, error))
    return FALSE;
  if (c->answer + c->busy + c->unreachable > 1)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "%s: [subscribers] answer-rate + busy-rate + unreachable-rate exceed 1",
                   c->path);
      return FALSE;
    }
  c->seed = (guint64) seed;
  c->replications = (guint) reps;
  c->contacts = (guint) contacts;
  c->agents = (guint) agents;
  g_autofree char *start = g_key_file_get_string (c->file, "simulation", "start", NULL);
  g_autoptr (GDateTime) d
      = g_date_time_new_from_iso8601 (start ? start : "2026-11-30T09:00:00Z", NULL);
  if (d == NULL)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "%s: [simulation] start: not an ISO 8601 time with its offset", c->path);
      return FALSE;
    }
  c->start = g_date_time_to_unix (d) * US;
  c->modes = g_key_file_get_string_list (c->file, "simulation", "modes", NULL, NULL);
  return TRUE;
}

static const OccDialerPacing *
load_pacing (OccContext *ctx, const char *name, GError **error)
{
  g_autofree char *service = g_strconcat (OCC_DIALER_PACING_SERVICE_PREFIX, name, NULL);
  g_autofree char *plugin = g_strconcat ("dialer-", name, NULL);
  const OccDialerPacing *p
      = occ_registry_lookup (ctx->registry, service, OCC_DIALER_PACING_VERSION, NULL);
  if (p)
    return p;
  g_autoptr (GError) e = NULL;
  if (!occ_loader_load (ctx->loader, plugin, &e))
    {
      g_set_error (error, DIALER_ERROR, DIALER_ERROR_NOT_FOUND,
                   "pacing %s: no plugin %s in the plugin folders (%s)", name, plugin, e->message);
      return NULL;
    }
  return occ_registry_lookup (ctx->registry, service, OCC_DIALER_PACING_VERSION, error);
}

gboolean
sim_campaign_is (GKeyFile *file)
{
  return g_key_file_has_group (file, "campaign");
}

/* Mean and 95 % half-width (normal quantile: the replications are many). */
static void
mean_half (const RunFigures *f, guint n, gsize offset, double *mean, double *half)
{
  double s = 0, sq = 0;
  for (guint i = 0; i < n; i++)
    s += G_STRUCT_MEMBER (double, &f[i], offset);
  *mean = s / n;
  for (guint i = 0; i < n; i++)
    {
      double d = G_STRUCT_MEMBER (double, &f[i], offset) - *mean;
      sq += d * d;
    }
  *half = n > 1 ? 1.96 * sqrt (sq / (n - 1)) / sqrt (n) : 0;
}

static void
print_mode (GString *o, const char *mode, const RunFigures *f, guint n, gboolean json,
            gboolean first)
{
  static const struct {
    const char *key, *label, *unit;
    int digits;
    gsize offset;
    double scale;
  } cols[] = {
    { "talk_min_per_agent_hour", "talk time per agent-hour", "min", 2,
      G_STRUCT_OFFSET (RunFigures, talk_min_per_agent_hour), 1 },
    { "idle_share", "agent idle share", "%", 2, G_STRUCT_OFFSET (RunFigures, idle_share), 100 },
    { "worst_day_abandon_rate", "abandons per live answer (worst 24 h)", "%", 3,
      G_STRUCT_OFFSET (RunFigures, worst_day_rate), 100 },
    { "answers_per_hour", "contacts reached per hour", "", 1,
      G_STRUCT_OFFSET (RunFigures, answers_per_hour), 1 },
    { "connected_per_hour", "connected to an agent per hour", "", 1,
      G_STRUCT_OFFSET (RunFigures, connected_per_hour), 1 },
  };
  guint within = 0;
  guint64 dials = 0, answers = 0, abandons = 0;
  for (guint i = 0; i < n; i++)
    {
      within += f[i].within_target;
      dials += f[i].dials;
      answers += f[i].answers;
      abandons += f[i].abandons;
    }
  if (json)
    g_string_append_printf (o, "%s{\"mode\":\"%s\"", first ? "" : ",", mode);
  else
    g_string_append_printf (o, "mode %s\n", mode);
  for (guint k = 0; k < G_N_ELEMENTS (cols); k++)
    {
      double m, h;
      mean_half (f, n, cols[k].offset, &m, &h);
      if (json)
        g_string_append_printf (o, ",\"%s\":[%.6f,%.6f]", cols[k].key, m, h);
      else
        {
          g_string_append_printf (o, "  %-40s %8.*f %s ± %.*f\n", cols[k].label, cols[k].digits,
                                  m * cols[k].scale, cols[k].unit, cols[k].digits,
                                  h * cols[k].scale);
        }
    }
  if (json)
    g_string_append_printf (o,
                            ",\"runs_within_target\":%u,\"dials\":%" G_GUINT64_FORMAT
                            ",\"answers\":%" G_GUINT64_FORMAT ",\"abandons\":%" G_GUINT64_FORMAT
                            "}",
                            within, dials, answers, abandons);
  else
    g_string_append_printf (o,
                            "  %-40s %u of %u\n  %-40s %" G_GUINT64_FORMAT " / %" G_GUINT64_FORMAT
                            " / %" G_GUINT64_FORMAT "\n",
                            "runs within the target in every 24 h", within, n,
                            "dials / answers / abandons (all runs)", dials, answers, abandons);
}

int
sim_campaign_main (GKeyFile *file, const char *path, OccContext *ctx, gint64 seed,
                   gint replications, gboolean json, const char *mode)
{
  Campaign c = { .file = file, .path = path };
  g_autoptr (GError) error = NULL;
  DialerSettings settings;
  if (!read_campaign (&c, &error)
      || !dialer_settings_read (file, path, "campaign", &settings, &error))
    {
      g_printerr ("omnicc-sim: %s\n", error->message);
      g_strfreev (c.modes);
      return 1;
    }
  if (seed >= 0)
    c.seed = (guint64) seed;
  if (replications > 0)
    c.replications = (guint) replications;
  const char *one[] = { mode ? mode : settings.pacing, NULL };
  const char *const *modes = (mode || c.modes == NULL) ? one : (const char *const *) c.modes;
  GString *o = g_string_new (NULL);
  if (json)
    g_string_append_printf (o,
                            "{\"replications\":%u,\"seed\":%" G_GUINT64_FORMAT
                            ",\"agents\":%u,\"shift\":%.0f,\"modes\":[",
                            c.replications, c.seed, c.agents, c.shift_s);
  else
    g_string_append_printf (
        o,
        "%s: %u replications of a %.0f s shift, %u agents, seed %" G_GUINT64_FORMAT
        "; 95 %% confidence intervals\n",
        path, c.replications, c.shift_s, c.agents, c.seed);
  RunFigures *f = g_new0 (RunFigures, c.replications);
  gboolean ok = TRUE;
  for (guint m = 0; ok && modes[m]; m++)
    {
      const OccDialerPacing *pacing = load_pacing (ctx, modes[m], &error);
      ok = pacing != NULL;
      g_free (settings.pacing);
      settings.pacing = g_strdup (modes[m]);
      for (guint r = 0; ok && r < c.replications; r++)
        ok = replicate (&c, &settings, pacing, r, &f[r], &error);
      if (ok)
        print_mode (o, modes[m], f, c.replications, json, m == 0);
    }
  if (json)
    g_string_append (o, "]}\n");
  if (ok)
    fputs (o->str, stdout);
  else
    g_printerr ("omnicc-sim: %s\n", error->message);
  g_string_free (o, TRUE);
  g_free (f);
  g_strfreev (c.modes);
  dialer_settings_clear (&settings);
  return ok ? 0 : 1;
}
