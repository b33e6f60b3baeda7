/* omnicc-sim: a discrete-event simulator of contact-center queues under
 * virtual time. It drives the real ACD engine (engine.c, the very code
 * the acd plugin runs) and loads the real strategy plugins (.so files,
 * through the core's loader), with Poisson arrivals, exponential or
 * log-normal handle times, callers' exponential patience, agents in
 * groups with queues, tiers, skills, capacities and shifts. Replications
 * give means with 95 % confidence intervals; a seed makes a run
 * repeatable. See README.md, "The simulator", and omnicc-sim(1). */
#include "engine.h"
#include "erlang.h"
#include "queue-config.h"

#include "context.h"
#include "loader.h"
#include "registry.h"
#include "sim-keys.h"
#ifdef OCC_SIM_CAMPAIGN
#include "sim-campaign.h"
#endif

#include <math.h>
#include <stdio.h>
#include <string.h>

#define US G_USEC_PER_SEC

/* --- the scenario ------------------------------------------------------------------------- */

typedef struct {
  char *name;
  char *group;       /* [queue NAME] */
  double rate;       /* arrivals per second */
  double aht_s;      /* mean handle time */
  double handle_sd;  /* > 0: log-normal with this standard deviation, else exponential */
  double patience_s; /* mean, exponential; 0: callers never hang up */
  gint priority;
  double high_share; /* this share of arrivals gets high_priority */
  gint high_priority;
  char **skills; /* required skills of its interactions… */
  guint *levels; /* …and levels */
  char *channel;
  const OccAcdStrategy *strategy;
  guint wrapup_s, sl_s, max_wait_s;
  /* one replication's figures (measured arrivals only) */
  guint64 arrived, answered, in_sl, waited, abandoned, timed_out, refused;
  double wait_sum;
} SimQueue;

typedef struct {
  char *name;
  guint count;
  char **queues; /* member of, with… */
  guint *tiers;  /* …tiers */
  char **skills;
  guint *levels;
  GHashTable *capacity; /* channel → slots, or NULL */
  gint64 from, until;   /* shift, µs of simulated time (until 0: to the end) */
} SimGroup;

typedef struct {
  GKeyFile *file;
  char *path;
  guint64 seed;
  guint replications;
  double warmup_s, duration_s, answer_delay_s;
  GPtrArray *queues; /* SimQueue* */
  GPtrArray *groups; /* SimGroup* */
} Scenario;

/* --- events ------------------------------------------------------------------------------- */

typedef enum {
  EV_ARRIVAL,
  EV_ANSWER,
  EV_END,
  EV_ABANDON,
  EV_DUE,
  EV_SHIFT_ON,
  EV_SHIFT_OFF,
  EV_MARK, /* index 0: the end of the warm-up; 1: the end of arrivals */
} EvType;

typedef struct _SimIx SimIx;

typedef struct {
  gint64 t;
  guint64 seq;
  EvType type;
  guint index; /* queue (arrival), agent (answer, shifts) */
  SimIx *ix;
} Event;

struct _SimIx {
  char *id;
  SimQueue *q;
  gint64 arrival;
  gboolean measured; /* arrived within the measured window */
  gboolean answered, gone;
  guint refs; /* events still pointing at it, and the books */
};

typedef struct {
  const Scenario *sc;
  AcdEngine *engine;
  GRand *rand;
  GArray *heap; /* Event, a binary min-heap on (t, seq) */
  guint64 seq;
  gint64 now, end_arrivals, due_at;
  GHashTable *ixs;         /* id → SimIx* */
  GHashTable *ringing;     /* "ix\nagent" → present while the offer stands */
  GPtrArray *agents;       /* char* login; index = agent number */
  GHashTable *agent_index; /* login → index+1 */
  guint64 next_id;
  guint64 events;
  gint64 busy[2], logged[2]; /* all agents' times at the two marks */
} Sim;

static gboolean
earlier (const Event *a, const Event *b)
{
  return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void
push (Sim *s, gint64 t, EvType type, guint index, SimIx *ix)
{
  Event ev = { t, s->seq++, type, index, ix };
  if (ix)
    ix->refs++;
  g_array_append_val (s->heap, ev);
  Event *h = (Event *) s->heap->data;
  for (guint i = s->heap->len - 1; i > 0;)
    {
      guint p = (i - 1) / 2;
      if (!earlier (&h[i], &h[p]))
        break;
      Event tmp = h[i];
      h[i] = h[p];
      h[p] = tmp;
      i = p;
    }
}

static Event
pop (Sim *s)
{
  Event *h = (Event *) s->heap->data;
  Event top = h[0];
  h[0] = h[s->heap->len - 1];
  g_array_set_size (s->heap, s->heap->len - 1);
  h = (Event *) s->heap->data;
  guint n = s->heap->len;
  for (guint i = 0;;)
    {
      guint l = 2 * i + 1, r = l + 1, m = i;
      if (l < n && earlier (&h[l], &h[m]))
        m = l;
      if (r < n && earlier (&h[r], &h[m]))
        m = r;
      if (m == i)
        break;
      Event tmp = h[i];
      h[i] = h[m];
      h[m] = tmp;
      i = m;
    }
  return top;
}

static void
ix_unref (Sim *s, SimIx *ix)
{
  if (ix && --ix->refs == 0)
    {
      g_hash_table_remove (s->ixs, ix->id);
      g_free (ix->id);
      g_free (ix);
    }
}

/* --- random draws ------------------------------------------------------------------------- */

static double
exponential (GRand *r, double mean)
{
  double u = g_rand_double (r);
  return -mean * log (1.0 - u);
}

static double
normal (GRand *r)
{
  double u1 = 1.0 - g_rand_double (r), u2 = g_rand_double (r);
  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}

static double
handle_time (GRand *r, const SimQueue *q)
{
  if (q->handle_sd <= 0)
    return exponential (r, q->aht_s);
  double m = q->aht_s, v = q->handle_sd * q->handle_sd;
  double sigma2 = log (1.0 + v / (m * m));
  double mu = log (m) - sigma2 / 2.0;
  return exp (mu + sqrt (sigma2) * normal (r));
}

static gint64
us (double seconds)
{
  return (gint64) llround (seconds * US);
}

/* --- the engine's hooks ------------------------------------------------------------------- */

static char *
offer_key (const char *ix, const char *agent)
{
  return g_strconcat (ix, "\n", agent, NULL);
}

static void
h_offer (gpointer data, const char *ix, const char *queue, const char *agent)
{
  (void) queue;
  Sim *s = data;
  SimIx *x = g_hash_table_lookup (s->ixs, ix);
  guint a = GPOINTER_TO_UINT (g_hash_table_lookup (s->agent_index, agent));
  if (x == NULL || a == 0)
    return;
  g_hash_table_add (s->ringing, offer_key (ix, agent));
  push (s, s->now + us (s->sc->answer_delay_s), EV_ANSWER, a - 1, x);
}

static void
h_cancel (gpointer data, const char *ix, const char *agent)
{
  Sim *s = data;
  g_autofree char *k = offer_key (ix, agent);
  g_hash_table_remove (s->ringing, k);
}

static void
h_left (gpointer data, const char *ix, const char *queue, AcdLeft why)
{
  (void) queue;
  Sim *s = data;
  SimIx *x = g_hash_table_lookup (s->ixs, ix);
  if (x == NULL || x->gone)
    return;
  x->gone = TRUE;
  if (x->measured && why == ACD_LEFT_TIMEOUT)
    x->q->timed_out++;
  ix_unref (s, x); /* the books' reference */
}

static void
h_complain (gpointer data, const char *message)
{
  (void) data;
  g_printerr ("omnicc-sim: %s\n", message);
}

/* --- one replication ---------------------------------------------------------------------- */

static void
arrival (Sim *s, SimQueue *q, guint qi)
{
  SimIx *x = g_new0 (SimIx, 1);
  x->id = g_strdup_printf ("i%" G_GUINT64_FORMAT, ++s->next_id);
  x->q = q;
  x->arrival = s->now;
  x->measured = s->now >= us (s->sc->warmup_s);
  x->refs = 1; /* the books */
  g_hash_table_insert (s->ixs, x->id, x);
  if (x->measured)
    q->arrived++;
  gint priority = q->priority;
  if (q->high_share > 0 && g_rand_double (s->rand) < q->high_share)
    priority = q->high_priority;
  AcdJoin j = { .id = x->id,
                .queue = q->name,
                .channel = q->channel,
                .priority = priority,
                .skills = (const char *const *) q->skills,
                .levels = q->levels };
  if (q->patience_s > 0)
    push (s, s->now + us (exponential (s->rand, q->patience_s)), EV_ABANDON, 0, x);
  AcdLeft why;
  if (!acd_engine_join (s->engine, &j, s->now, &why, NULL))
    {
      x->gone = TRUE;
      if (x->measured)
        q->refused++;
      ix_unref (s, x);
    }
  /* the next one */
  gint64 next = s->now + us (exponential (s->rand, 1.0 / q->rate));
  if (next < s->end_arrivals)
    push (s, next, EV_ARRIVAL, qi, NULL);
}

static void
answer (Sim *s, SimIx *x, guint agent)
{
  const char *login = g_ptr_array_index (s->agents, agent);
  g_autofree char *k = offer_key (x->id, login);
  if (x->gone || x->answered || !g_hash_table_remove (s->ringing, k))
    return;
  if (!acd_engine_offer_result (s->engine, x->id, login, ACD_OFFER_ANSWERED, s->now))
    return;
  x->answered = TRUE;
  SimQueue *q = x->q;
  if (x->measured)
    {
      double w = (double) (s->now - x->arrival) / US;
      q->answered++;
      q->wait_sum += w;
      q->waited += s->now > x->arrival;
      q->in_sl += w <= q->sl_s;
    }
  push (s, s->now + us (handle_time (s->rand, q)), EV_END, 0, x);
}

static void
schedule_due (Sim *s)
{
  gint64 due = acd_engine_next_due (s->engine);
  if (due == G_MAXINT64)
    return;
  if (due < s->now)
    due = s->now;
  if (s->due_at > s->now && s->due_at <= due)
    return; /* one is already coming, sooner */
  s->due_at = due;
  push (s, due, EV_DUE, 0, NULL);
}

static void
run_events (Sim *s)
{
  while (s->heap->len)
    {
      Event ev = pop (s);
      s->now = ev.t;
      s->events++;
      SimIx *x = ev.ix;
      switch (ev.type)
        {
        case EV_ARRIVAL:
          arrival (s, g_ptr_array_index (s->sc->queues, ev.index), ev.index);
          break;
        case EV_ANSWER:
          answer (s, x, ev.index);
          break;
        case EV_END:
          acd_engine_ended (s->engine, x->id, s->now);
          x->gone = TRUE;
          ix_unref (s, x); /* the books */
          break;
        case EV_ABANDON:
          if (!x->gone && !x->answered && acd_engine_abandon (s->engine, x->id, s->now))
            {
              x->gone = TRUE;
              if (x->measured)
                x->q->abandoned++;
              ix_unref (s, x);
            }
          break;
        case EV_DUE:
          acd_engine_run (s->engine, s->now);
          break;
        case EV_MARK:
          for (guint i = 0; i < s->agents->len; i++)
            {
              gint64 logged, busy;
              guint handled;
              acd_engine_agent_times (s->engine, g_ptr_array_index (s->agents, i), s->now, &logged,
                                      &busy, &handled);
              s->busy[ev.index] += busy;
              s->logged[ev.index] += logged;
            }
          break;
        case EV_SHIFT_ON:
        case EV_SHIFT_OFF:
          acd_engine_agent_presence (
              s->engine, g_ptr_array_index (s->agents, ev.index),
              ev.type == EV_SHIFT_ON ? ACD_AGENT_READY : ACD_AGENT_LOGGED_OUT, NULL, s->now, NULL);
          break;
        }
      ix_unref (s, x);
      schedule_due (s);
    }
}

typedef struct {
  double sl, asa, p_wait, p_abandon, answered, arrived;
} QueueFigures;

typedef struct {
  QueueFigures *q; /* per queue */
  double occupancy;
  guint64 events, interactions;
} RepFigures;

static gboolean
replicate (const Scenario *sc, OccRegistry *registry, guint r, RepFigures *out, GError **error)
{
  (void) registry;
  Sim s = { .sc = sc };
  AcdHooks hooks = {
    .offer = h_offer, .cancel = h_cancel, .left = h_left, .complain = h_complain, .data = &s
  };
  guint32 seed = (guint32) (sc->seed * 1000003u + r);
  s.engine = acd_engine_new (&hooks, seed);
  s.rand = g_rand_new_with_seed (seed ^ 0x5bd1e995u);
  s.heap = g_array_new (FALSE, FALSE, sizeof (Event));
  s.ixs = g_hash_table_new (g_str_hash, g_str_equal);
  s.ringing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  s.agents = g_ptr_array_new_with_free_func (g_free);
  s.agent_index = g_hash_table_new (g_str_hash, g_str_equal);
  s.end_arrivals = us (sc->warmup_s + sc->duration_s);
  gboolean ok = TRUE;
  for (guint i = 0; ok && i < sc->queues->len; i++)
    {
      SimQueue *q = g_ptr_array_index (sc->queues, i);
      q->arrived = q->answered = q->in_sl = q->waited = q->abandoned = q->timed_out = q->refused
          = 0;
      q->wait_sum = 0;
      AcdQueueConfig c;
      const char *const sim_keys[]
          = { "arrivals-per-hour", "aht",        "handle-sd", "patience", "priority",
              "high-priority",     "high-share", "skills",    "channel",  NULL };
      ok = acd_queue_config_read (sc->file, sc->path, q->group, q->name, sim_keys, &c, error)
           && acd_engine_set_queue (s.engine, &c, q->strategy, error);
      acd_queue_config_clear (&c);
    }
  ok = ok && acd_engine_check (s.engine, error);
  for (guint g = 0; ok && g < sc->groups->len; g++)
    {
      SimGroup *grp = g_ptr_array_index (sc->groups, g);
      for (guint i = 0; ok && i < grp->count; i++)
        {
          char *login = g_strdup_printf ("%s-%u", grp->name, i + 1);
          g_ptr_array_add (s.agents, login);
          g_hash_table_insert (s.agent_index, login, GUINT_TO_POINTER (s.agents->len));
          acd_engine_agent_add (s.engine, login, grp->capacity);
          for (guint k = 0; grp->skills && grp->skills[k]; k++)
            acd_engine_agent_skill (s.engine, login, grp->skills[k], grp->levels[k]);
          for (guint k = 0; ok && grp->queues[k]; k++)
            ok = acd_engine_member_add (s.engine, grp->queues[k], login, grp->tiers[k], 0, error);
          push (&s, grp->from, EV_SHIFT_ON, s.agents->len - 1, NULL);
          if (grp->until)
            push (&s, grp->until, EV_SHIFT_OFF, s.agents->len - 1, NULL);
        }
    }
  for (guint i = 0; ok && i < sc->queues->len; i++)
    push (&s,
          us (exponential (s.rand, 1.0 / ((SimQueue *) g_ptr_array_index (sc->queues, i))->rate)),
          EV_ARRIVAL, i, NULL);
  /* occupancy over the measured window: warm-up to the end of arrivals */
  push (&s, us (sc->warmup_s), EV_MARK, 0, NULL);
  push (&s, s.end_arrivals, EV_MARK, 1, NULL);
  if (ok)
    {
      run_events (&s);
      g_autoptr (GError) audit = NULL;
      if (!acd_engine_audit (s.engine, &audit))
        {
          g_set_error (error, ACD_ERROR, ACD_ERROR_STATE, "the engine's books: %s", audit->message);
          ok = FALSE;
        }
    }
  gint64 busy_sum = s.busy[1] - s.busy[0], logged_sum = s.logged[1] - s.logged[0];
  out->q = g_new0 (QueueFigures, sc->queues->len);
  out->events = s.events;
  out->interactions = s.next_id;
  out->occupancy = logged_sum ? (double) busy_sum / (double) logged_sum : 0;
  for (guint i = 0; i < sc->queues->len; i++)
    {
      SimQueue *q = g_ptr_array_index (sc->queues, i);
      QueueFigures *f = &out->q[i];
      f->arrived = (double) q->arrived;
      f->answered = (double) q->answered;
      f->sl = q->arrived ? (double) q->in_sl / (double) q->arrived : 0;
      f->asa = q->answered ? q->wait_sum / (double) q->answered : 0;
      f->p_wait = q->answered ? (double) q->waited / (double) q->answered : 0;
      f->p_abandon = q->arrived ? (double) q->abandoned / (double) q->arrived : 0;
    }
  acd_engine_free (s.engine);
  g_rand_free (s.rand);
  /* what is left (a replication cut short) goes */
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init (&it, s.ixs);
  while (g_hash_table_iter_next (&it, NULL, &v))
    {
      SimIx *x = v;
      g_free (x->id);
      g_free (x);
    }
  g_hash_table_unref (s.ixs);
  g_array_unref (s.heap);
  g_hash_table_unref (s.ringing);
  g_hash_table_unref (s.agent_index);
  g_ptr_array_unref (s.agents);
  return ok;
}

/* --- reading the scenario ----------------------------------------------------------------- */

static gboolean
scenario_error (GError **error, const Scenario *sc, const char *group, const char *key,
                const char *why)
{
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s: [%s] %s: %s", sc->path,
               group, key, why);
  return FALSE;
}

/* A number ≥ @min (and ≤ @max), or @fallback when absent. */
static gboolean
number (const Scenario *sc, const char *group, const char *key, double fallback, double min,
        double max, double *out, GError **error)
{
  return sim_key_number (sc->file, sc->path, group, key, fallback, min, max, out, error);
}

/* "name:level;…" into names and levels. */
static gboolean
named_levels (const Scenario *sc, const char *group, const char *key, char ***names, guint **levels,
              GError **error)
{
  g_auto (GStrv) items = g_key_file_get_string_list (sc->file, group, key, NULL, NULL);
  guint n = items ? g_strv_length (items) : 0;
  *names = g_new0 (char *, n + 1);
  *levels = g_new0 (guint, n + 1);
  for (guint i = 0; i < n; i++)
    {
      g_strstrip (items[i]);
      const char *colon = strrchr (items[i], ':');
      char *end = NULL;
      guint64 level = colon ? g_ascii_strtoull (colon + 1, &end, 10) : 0;
      if (colon == NULL || colon == items[i] || *end != '\0' || end == colon + 1 || level > 100)
        return scenario_error (error, sc, group, key, "items are NAME:LEVEL (level 0-100)");
      (*names)[i] = g_strndup (items[i], (gsize) (colon - items[i]));
      (*levels)[i] = (guint) level;
    }
  return TRUE;
}

static void
queue_free (SimQueue *q)
{
  g_free (q->name);
  g_free (q->group);
  g_strfreev (q->skills);
  g_free (q->levels);
  g_free (q->channel);
  g_free (q);
}

static void
group_free (SimGroup *g)
{
  g_free (g->name);
  g_strfreev (g->queues);
  g_free (g->tiers);
  g_strfreev (g->skills);
  g_free (g->levels);
  if (g->capacity)
    g_hash_table_unref (g->capacity);
  g_free (g);
}

static void
scenario_free (Scenario *sc)
{
  g_key_file_unref (sc->file);
  g_free (sc->path);
  g_ptr_array_unref (sc->queues);
  g_ptr_array_unref (sc->groups);
  g_free (sc);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Scenario, scenario_free)

static const OccAcdStrategy *
load_strategy (OccContext *ctx, const char *name, GError **error)
{
  g_autofree char *service = g_strconcat (OCC_ACD_STRATEGY_SERVICE_PREFIX, name, NULL);
  g_autofree char *plugin = g_strconcat ("acd-", name, NULL);
  const OccAcdStrategy *st
      = occ_registry_lookup (ctx->registry, service, OCC_ACD_STRATEGY_VERSION, NULL);
  if (st)
    return st;
  g_autoptr (GError) e = NULL;
  if (!occ_loader_load (ctx->loader, plugin, &e))
    {
      g_set_error (error, ACD_ERROR, ACD_ERROR_NOT_FOUND,
                   "strategy %s: no plugin %s in the strategy folders (%s)", name, plugin,
                   e->message);
      return NULL;
    }
  return occ_registry_lookup (ctx->registry, service, OCC_ACD_STRATEGY_VERSION, error);
}

static gboolean
read_queue (Scenario *sc, OccContext *ctx, const char *group, GError **error)
{
  SimQueue *q = g_new0 (SimQueue, 1);
  g_ptr_array_add (sc->queues, q);
  q->group = g_strdup (group);
  q->name = g_strdup (group + strlen ("queue "));
  /* the queue keys themselves are checked as the acd plugin does */
  AcdQueueConfig c;
  const char *const sim_keys[]
      = { "arrivals-per-hour", "aht",        "handle-sd", "patience", "priority",
          "high-priority",     "high-share", "skills",    "channel",  NULL };
  if (!acd_queue_config_read (sc->file, sc->path, group, q->name, sim_keys, &c, error))
    return FALSE;
  q->wrapup_s = c.wrapup_s;
  q->sl_s = c.sl_threshold_s;
  q->max_wait_s = c.max_wait_s;
  q->strategy = load_strategy (ctx, c.strategy, error);
  acd_queue_config_clear (&c);
  if (q->strategy == NULL)
    return FALSE;
  double per_hour, prio, high_prio;
  g_autofree char *channel = g_key_file_get_string (sc->file, group, "channel", NULL);
  q->channel = g_strdup (channel ? g_strstrip (channel) : "voice");
  if (!number (sc, group, "arrivals-per-hour", -1, 0.001, 1e7, &per_hour, error)
      || !number (sc, group, "aht", -1, 0.001, 1e6, &q->aht_s, error)
      || !number (sc, group, "handle-sd", 0, 0, 1e6, &q->handle_sd, error)
      || !number (sc, group, "patience", 0, 0, 1e7, &q->patience_s, error)
      || !number (sc, group, "priority", 0, -1000, 1000, &prio, error)
      || !number (sc, group, "high-priority", 10, -1000, 1000, &high_prio, error)
      || !number (sc, group, "high-share", 0, 0, 1, &q->high_share, error)
      || !named_levels (sc, group, "skills", &q->skills, &q->levels, error))
    return FALSE;
  if (per_hour < 0)
    return scenario_error (error, sc, group, "arrivals-per-hour", "is needed");
  if (q->aht_s < 0)
    return scenario_error (error, sc, group, "aht", "is needed");
  q->rate = per_hour / 3600.0;
  q->priority = (gint) prio;
  q->high_priority = (gint) high_prio;
  return TRUE;
}

static gboolean
read_group (Scenario *sc, const char *group, GError **error)
{
  SimGroup *g = g_new0 (SimGroup, 1);
  g_ptr_array_add (sc->groups, g);
  g->name = g_strdup (group + strlen ("agents "));
  double count, from, until;
  char **caps = NULL;
  guint *slots = NULL;
  gboolean ok = number (sc, group, "count", -1, 1, 100000, &count, error)
                && number (sc, group, "from", 0, 0, 1e9, &from, error)
                && number (sc, group, "until", 0, 0, 1e9, &until, error)
                && named_levels (sc, group, "queues", &g->queues, &g->tiers, error)
                && named_levels (sc, group, "skills", &g->skills, &g->levels, error);
  /* queues may be given without a tier: "sales" is "sales:0" */
  if (!ok)
    {
      g_clear_error (error);
      g_strfreev (g->queues);
      g_free (g->tiers);
      g_auto (GStrv) plain = g_key_file_get_string_list (sc->file, group, "queues", NULL, NULL);
      guint n = plain ? g_strv_length (plain) : 0;
      g->queues = g_new0 (char *, n + 1);
      g->tiers = g_new0 (guint, n + 1);
      for (guint i = 0; i < n; i++)
        g->queues[i] = g_strdup (g_strstrip (plain[i]));
      ok = number (sc, group, "count", -1, 1, 100000, &count, error)
           && number (sc, group, "from", 0, 0, 1e9, &from, error)
           && number (sc, group, "until", 0, 0, 1e9, &until, error)
           && named_levels (sc, group, "skills", &g->skills, &g->levels, error);
    }
  if (ok && g_key_file_has_key (sc->file, group, "capacity", NULL))
    {
      ok = named_levels (sc, group, "capacity", &caps, &slots, error);
      g->capacity = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      for (guint i = 0; ok && caps[i]; i++)
        g_hash_table_insert (g->capacity, g_strdup (caps[i]), GUINT_TO_POINTER (slots[i]));
    }
  g_strfreev (caps);
  g_free (slots);
  if (!ok)
    return FALSE;
  if (count < 0)
    return scenario_error (error, sc, group, "count", "is needed");
  if (g->queues[0] == NULL)
    return scenario_error (error, sc, group, "queues", "is needed");
  for (guint i = 0; g->queues[i]; i++)
    {
      gboolean known = FALSE;
      for (guint k = 0; k < sc->queues->len && !known; k++)
        known = strcmp (((SimQueue *) g_ptr_array_index (sc->queues, k))->name, g->queues[i]) == 0;
      if (!known)
        return scenario_error (error, sc, group, "queues", "names a queue the scenario lacks");
    }
  if (until && until <= from)
    return scenario_error (error, sc, group, "until", "must come after from");
  g->count = (guint) count;
  g->from = us (from);
  g->until = us (until);
  return TRUE;
}

static Scenario *
scenario_load (const char *path, OccContext *ctx, GError **error)
{
  g_autoptr (Scenario) sc = g_new0 (Scenario, 1);
  sc->path = g_strdup (path);
  sc->file = g_key_file_new ();
  sc->queues = g_ptr_array_new_with_free_func ((GDestroyNotify) queue_free);
  sc->groups = g_ptr_array_new_with_free_func ((GDestroyNotify) group_free);
  if (!g_key_file_load_from_file (sc->file, path, G_KEY_FILE_NONE, error))
    return NULL;
  double seed, reps;
  if (!number (sc, "simulation", "seed", 1, 0, 4294967295.0, &seed, error)
      || !number (sc, "simulation", "replications", 10, 1, 100000, &reps, error)
      || !number (sc, "simulation", "warmup", 3600, 0, 1e9, &sc->warmup_s, error)
      || !number (sc, "simulation", "duration", 36000, 1, 1e9, &sc->duration_s, error)
      || !number (sc, "simulation", "answer-delay", 0, 0, 600, &sc->answer_delay_s, error))
    return NULL;
  sc->seed = (guint64) seed;
  sc->replications = (guint) reps;
  g_auto (GStrv) groups = g_key_file_get_groups (sc->file, NULL);
  for (guint i = 0; groups[i]; i++)
    if (g_str_has_prefix (groups[i], "queue ") && !read_queue (sc, ctx, groups[i], error))
      return NULL;
  for (guint i = 0; groups[i]; i++)
    if (g_str_has_prefix (groups[i], "agents ") && !read_group (sc, groups[i], error))
      return NULL;
    else if (!g_str_has_prefix (groups[i], "queue ") && !g_str_has_prefix (groups[i], "agents ")
             && strcmp (groups[i], "simulation") != 0)
      return scenario_error (error, sc, groups[i], "(group)",
                             "not [simulation], [queue NAME] or [agents NAME]"),
             NULL;
  if (sc->queues->len == 0 || sc->groups->len == 0)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
                   "%s: needs at least one [queue NAME] and one [agents NAME]", path);
      return NULL;
    }
  return g_steal_pointer (&sc);
}

/* --- figures over replications ------------------------------------------------------------ */

/* Student's t, 97.5 % quantile, for @df degrees of freedom. */
static double
t975 (guint df)
{
  static const double t[]
      = { 0,     12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
          2.201, 2.179,  2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080,
          2.074, 2.069,  2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042 };
  if (df < G_N_ELEMENTS (t))
    return t[df];
  return df < 60 ? 2.0 : df < 120 ? 1.98 : 1.96;
}

typedef struct {
  double mean, half; /* the 95 % interval: mean ± half */
} Estimate;

static Estimate
estimate (const double *x, guint n)
{
  double sum = 0, sq = 0;
  for (guint i = 0; i < n; i++)
    sum += x[i];
  double mean = sum / n;
  for (guint i = 0; i < n; i++)
    sq += (x[i] - mean) * (x[i] - mean);
  double sd = n > 1 ? sqrt (sq / (n - 1)) : 0;
  return (Estimate){ mean, n > 1 ? t975 (n - 1) * sd / sqrt (n) : 0 };
}

typedef struct {
  const char *strategy_dirs[17];
  guint n_dirs;
  gint64 seed;       /* -1: the scenario's */
  gint replications; /* 0: the scenario's */
  gboolean json;
  const char *mode; /* campaign mode: the one pacing to run */
} Options;

/* The closed forms, when the scenario is one they describe: one queue,
 * one always-present group serving only it, exponential handling, no
 * wrap-up, no time-out, answered at once. FALSE otherwise. */
static gboolean
reference (const Scenario *sc, QueueFigures *out, const char **model)
{
  if (sc->queues->len != 1 || sc->groups->len != 1 || sc->answer_delay_s > 0)
    return FALSE;
  const SimQueue *q = g_ptr_array_index (sc->queues, 0);
  const SimGroup *g = g_ptr_array_index (sc->groups, 0);
  if (q->handle_sd > 0 || q->wrapup_s || q->max_wait_s || g->from || g->until || g->queues[1]
      || (q->skills && q->skills[0]))
    return FALSE;
  double a = q->rate * q->aht_s;
  if (q->patience_s <= 0)
    {
      if (a >= g->count)
        return FALSE;
      *model = "Erlang C";
      out->p_wait = acd_erlang_c (a, g->count);
      out->sl = acd_erlang_c_sl (a, g->count, q->aht_s, q->sl_s);
      out->asa = acd_erlang_c_asa (a, g->count, q->aht_s);
      out->p_abandon = 0;
      return TRUE;
    }
  AcdErlangA ea;
  if (!acd_erlang_a (q->rate, q->aht_s, q->patience_s, g->count, q->sl_s, &ea))
    return FALSE;
  *model = "Erlang A";
  out->p_wait = ea.p_wait;
  out->sl = ea.sl;
  out->asa = ea.asa_s;
  out->p_abandon = ea.p_abandon;
  return TRUE;
}

static void
print_results (const Scenario *sc, RepFigures *reps, guint n, gboolean json, double seconds)
{
  GString *o = g_string_new (NULL);
  guint64 interactions = 0, events = 0;
  for (guint r = 0; r < n; r++)
    {
      interactions += reps[r].interactions;
      events += reps[r].events;
    }
  double *x = g_new (double, n);
  if (json)
    g_string_append_printf (o,
                            "{\"replications\":%u,\"seed\":%" G_GUINT64_FORMAT
                            ",\"interactions\":%" G_GUINT64_FORMAT ",\"queues\":[",
                            n, sc->seed, interactions);
  else
    g_string_append_printf (
        o,
        "%s: %u replications of %.0f s (after %.0f s of warm-up), seed %" G_GUINT64_FORMAT
        "; 95 %% confidence intervals\n",
        sc->path, n, sc->duration_s, sc->warmup_s, sc->seed);
  for (guint i = 0; i < sc->queues->len; i++)
    {
      const SimQueue *q = g_ptr_array_index (sc->queues, i);
#define EST(field)                   \
  ({                                 \
    for (guint r_ = 0; r_ < n; r_++) \
      x[r_] = reps[r_].q[i].field;   \
    estimate (x, n);                 \
  })
      Estimate arrived = EST (arrived), sl = EST (sl), asa = EST (asa), pw = EST (p_wait),
               pa = EST (p_abandon);
#undef EST
      QueueFigures ref;
      const char *model = NULL;
      gboolean have_ref = reference (sc, &ref, &model);
      if (json)
        {
          g_string_append_printf (o,
                                  "%s{\"queue\":\"%s\",\"strategy\":\"%s\",\"arrived\":%.1f,"
                                  "\"sl\":[%.6f,%.6f],\"asa\":[%.6f,%.6f],\"p_wait\":[%.6f,%.6f],"
                                  "\"p_abandon\":[%.6f,%.6f]",
                                  i ? "," : "", q->name, q->strategy->name, arrived.mean, sl.mean,
                                  sl.half, asa.mean, asa.half, pw.mean, pw.half, pa.mean, pa.half);
          if (have_ref)
            g_string_append_printf (o,
                                    ",\"reference\":{\"model\":\"%s\",\"sl\":%.6f,"
                                    "\"asa\":%.6f,\"p_wait\":%.6f,\"p_abandon\":%.6f}",
                                    model, ref.sl, ref.asa, ref.p_wait, ref.p_abandon);
          g_string_append (o, "}");
        }
      else
        {
          g_string_append_printf (o,
                                  "queue %s (%s): %.0f arrivals a replication\n"
                                  "  service level (%u s)  %6.2f %% ± %.2f\n"
                                  "  ASA                   %6.2f s ± %.2f\n"
                                  "  P(wait)               %6.4f ± %.4f\n"
                                  "  P(abandon)            %6.2f %% ± %.2f\n",
                                  q->name, q->strategy->name, arrived.mean, q->sl_s, 100 * sl.mean,
                                  100 * sl.half, asa.mean, asa.half, pw.mean, pw.half,
                                  100 * pa.mean, 100 * pa.half);
          if (have_ref)
            g_string_append_printf (o,
                                    "  %s: SL %.2f %%, ASA %.2f s, P(wait) %.4f, "
                                    "P(abandon) %.2f %%\n",
                                    model, 100 * ref.sl, ref.asa, ref.p_wait, 100 * ref.p_abandon);
        }
    }
  for (guint r = 0; r < n; r++)
    x[r] = reps[r].occupancy;
  Estimate occ = estimate (x, n);
  double rate = seconds > 0 ? interactions / seconds * 60.0 : 0;
  if (json)
    g_string_append_printf (o,
                            "],\"occupancy\":[%.6f,%.6f],\"events\":%" G_GUINT64_FORMAT
                            ",\"seconds\":%.3f,\"interactions_per_minute\":%.0f}\n",
                            occ.mean, occ.half, events, seconds, rate);
  else
    g_string_append_printf (o,
                            "agents' occupancy %.2f %% ± %.2f\n"
                            "%" G_GUINT64_FORMAT " interactions simulated in %.2f s "
                            "(%.0f a minute)\n",
                            100 * occ.mean, 100 * occ.half, interactions, seconds, rate);
  fputs (o->str, stdout);
  g_string_free (o, TRUE);
  g_free (x);
}

static gboolean verbose;

/* Logs go to standard error (standard output is the figures), info and
 * debug only with --verbose. */
static GLogWriterOutput
log_writer (GLogLevelFlags level, const GLogField *fields, gsize n, gpointer data)
{
  (void) data;
  if (!verbose && (level & (G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG)))
    return G_LOG_WRITER_HANDLED;
  g_autofree char *line = g_log_writer_format_fields (level, fields, n, FALSE);
  fprintf (stderr, "%s\n", line);
  return G_LOG_WRITER_HANDLED;
}

static void
usage (void)
{
  g_printerr (
      "usage: omnicc-sim [--strategy-dir DIR]… [--pacing-dir DIR]… [--seed N] [--replications N]\n"
      "                  [--mode PACING] [--json] [--verbose] SCENARIO\n"
      "Simulates the queues of SCENARIO (see omnicc-sim(1)) with the real ACD engine and\n"
      "strategy plugins, or, when it has a [campaign], an outbound shift with the real\n"
      "dialer engine and pacing plugins (default folder: " OCC_PLUGINDIR ").\n");
}

int
main (int argc, char **argv)
{
  Options opt = { .seed = -1 };
  const char *path = NULL;
  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      if ((strcmp (a, "--strategy-dir") == 0 || strcmp (a, "--pacing-dir") == 0) && i + 1 < argc
          && opt.n_dirs < 16)
        opt.strategy_dirs[opt.n_dirs++] = argv[++i];
      else if (strcmp (a, "--mode") == 0 && i + 1 < argc)
        opt.mode = argv[++i];
      else if (strcmp (a, "--seed") == 0 && i + 1 < argc)
        opt.seed = g_ascii_strtoll (argv[++i], NULL, 10);
      else if (strcmp (a, "--replications") == 0 && i + 1 < argc)
        opt.replications = (gint) g_ascii_strtoll (argv[++i], NULL, 10);
      else if (strcmp (a, "--json") == 0)
        opt.json = TRUE;
      else if (strcmp (a, "--verbose") == 0)
        verbose = TRUE;
      else if (strcmp (a, "--help") == 0 || strcmp (a, "-h") == 0)
        {
          usage ();
          return 0;
        }
      else if (a[0] != '-' && path == NULL)
        path = a;
      else
        {
          usage ();
          return 2;
        }
    }
  if (path == NULL || opt.replications < 0 || opt.replications > 100000)
    {
      usage ();
      return 2;
    }
  if (opt.n_dirs == 0)
    opt.strategy_dirs[opt.n_dirs++] = OCC_PLUGINDIR;
  g_log_set_writer_func (log_writer, NULL, NULL);
  g_autoptr (OccContext) ctx = occ_context_new (NULL);
  occ_loader_scan (ctx->loader, opt.strategy_dirs);
  g_autoptr (GError) error = NULL;
#ifdef OCC_SIM_CAMPAIGN
  g_autoptr (GKeyFile) peek = g_key_file_new ();
  if (g_key_file_load_from_file (peek, path, G_KEY_FILE_NONE, NULL) && sim_campaign_is (peek))
    {
      int rc = sim_campaign_main (peek, path, ctx, opt.seed, opt.replications, opt.json, opt.mode);
      occ_loader_unload_all (ctx->loader);
      return rc;
    }
#endif
  g_autoptr (Scenario) sc = scenario_load (path, ctx, &error);
  if (sc == NULL)
    {
      g_printerr ("omnicc-sim: %s\n", error->message);
      return 1;
    }
  if (opt.seed >= 0)
    sc->seed = (guint64) opt.seed;
  if (opt.replications > 0)
    sc->replications = (guint) opt.replications;
  RepFigures *reps = g_new0 (RepFigures, sc->replications);
  gint64 t0 = g_get_monotonic_time ();
  gboolean ok = TRUE;
  for (guint r = 0; ok && r < sc->replications; r++)
    ok = replicate (sc, ctx->registry, r, &reps[r], &error);
  double seconds = (double) (g_get_monotonic_time () - t0) / US;
  if (ok)
    print_results (sc, reps, sc->replications, opt.json, seconds);
  else
    g_printerr ("omnicc-sim: %s\n", error->message);
  for (guint r = 0; r < sc->replications; r++)
    g_free (reps[r].q);
  g_free (reps);
  occ_loader_unload_all (ctx->loader);
  return ok ? 0 : 1;
}
