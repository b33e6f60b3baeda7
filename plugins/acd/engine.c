/* acd: the engine. See engine.h.
 *
 * Books: agents (presence, capacity and work per channel, skills, their
 * memberships), queues (configuration, strategy, members in order, the
 * waiting interactions sorted by priority then join time, figures), and
 * interactions (waiting, ringing at one or more agents, or connected).
 * Every public call that changes something ends by doing what is due
 * and offering what can be offered (run_due), so the hooks may be called
 * from any of them. */
#include "engine.h"

#include <string.h>

#define MAX_CHANNELS 8
#define NO_DUE G_MAXINT64
#define US G_USEC_PER_SEC
#define DEFAULT_AHT_US (180 * US)

typedef struct _Agent Agent;
typedef struct _Queue Queue;
typedef struct _Ix Ix;

typedef struct {
  Agent *agent;
  Queue *queue;
  guint tier, penalty, order;
  guint answered;
  gint64 talk_time;
} Member;

struct _Agent {
  guint id;
  char *login;
  AcdPresence presence;
  char *reason;
  guint cap[MAX_CHANNELS];
  guint active[MAX_CHANNELS];        /* offers ringing and interactions connected */
  guint ringing;                     /* offers ringing, all channels */
  gint64 wrapup_until[MAX_CHANNELS]; /* 0: not in wrap-up */
  gint64 idle_since[MAX_CHANNELS];
  guint8 skills[OCC_ACD_MAX_SKILLS];
  GPtrArray *members; /* Member* (owned by their queues) */
  guint misses;       /* offers not answered in a row */
  AcdShown shown;     /* last told */
  gint64 login_since, logged_total;
  gint64 busy_since, busy_total; /* busy: ringing, connected or wrap-up */
  gboolean busy;
  guint handled;
};

typedef struct {
  Agent *agent;
  gint64 deadline;
} Offer;

typedef enum { IX_WAITING, IX_RINGING, IX_CONNECTED } IxState;

struct _Ix {
  char *id;
  Queue *queue;
  guint channel;
  gint priority;
  gint64 joined;        /* ordering: the original time */
  gint64 entered;       /* when it came to the ACD: waits and service level */
  gint64 entered_queue; /* when it came to this queue: overflow, max-wait */
  char *caller;
  guint8 required[OCC_ACD_MAX_SKILLS];
  gboolean any_required;
  IxState state;
  GArray *offers; /* Offer */
  GArray *tried;  /* guint agent ids offered in this round */
  guint offers_made;
  gint64 progress_at; /* progressive: when to add the next agent */
  gint64 announce_at; /* 0: no announcements */
  guint last_position;
  Agent *agent; /* connected */
  Member *member;
  gint64 answered_at;
};

struct _Queue {
  AcdQueueConfig c;
  const OccAcdStrategy *strategy;
  gpointer state;
  GPtrArray *members; /* Member*, in order of membership */
  GPtrArray *waiting; /* Ix*, not connected, served first at the front */
  GHashTable *rejoin; /* caller → gint64[2] { joined, until } */
  AcdQueueStats st;
};

struct _AcdEngine {
  AcdHooks hooks;
  GRand *rand;
  GHashTable *agents; /* login → Agent* */
  GPtrArray *agent_list;
  GHashTable *queues; /* name → Queue* */
  GHashTable *ixs;    /* id → Ix* */
  char *channels[MAX_CHANNELS];
  guint n_channels;
  char *skills[OCC_ACD_MAX_SKILLS];
  guint n_skills;
  /* scratch for one decision */
  OccAcdAgent *view;
  Member **view_members;
  guint *picked;
  guint view_len;
  guint warnings;
  gint64 now; /* the latest time a call gave */
  /* no timer is due before this (it may be earlier than the next real
   * deadline, never later): every deadline set lowers it, a full scan of
   * the timers makes it exact again */
  gint64 due_hint;
};

static inline void
hint (AcdEngine *e, gint64 at)
{
  if (at < e->due_hint)
    e->due_hint = at;
}

const char *
acd_shown_name (AcdShown s)
{
  static const char *const names[]
      = { "logged-out", "ready", "not-ready", "ringing", "busy", "wrap-up" };
  return s < G_N_ELEMENTS (names) ? names[s] : "?";
}

const char *
acd_left_name (AcdLeft why)
{
  static const char *const names[] = { "abandoned", "timeout", "full", "empty", "removed" };
  return why < G_N_ELEMENTS (names) ? names[why] : "?";
}

void
acd_queue_config_clear (AcdQueueConfig *c)
{
  g_free (c->name);
  g_free (c->strategy);
  g_free (c->overflow_to);
  g_clear_pointer (&c->strategy_params, g_hash_table_unref);
  memset (c, 0, sizeof *c);
}

/* --- small helpers ------------------------------------------------------------------------ */

/* The number of @name in @names (interning it when @add and there is
 * room), or G_MAXUINT. */
static guint
intern (char **names, guint *n, guint max, const char *name, gboolean add)
{
  for (guint i = 0; i < *n; i++)
    if (strcmp (names[i], name) == 0)
      return i;
  if (!add || *n == max)
    return G_MAXUINT;
  names[*n] = g_strdup (name);
  return (*n)++;
}

static guint
channel_index (AcdEngine *e, const char *channel, gboolean add)
{
  return intern (e->channels, &e->n_channels, MAX_CHANNELS, channel ? channel : "voice", add);
}

static guint
skill_index (AcdEngine *e, const char *skill, gboolean add)
{
  return intern (e->skills, &e->n_skills, OCC_ACD_MAX_SKILLS, skill, add);
}

static guint
free_capacity (const Agent *a, guint ch, gint64 now)
{
  if (a->presence != ACD_AGENT_READY || a->active[ch] >= a->cap[ch])
    return 0;
  if (a->wrapup_until[ch] && a->wrapup_until[ch] > now)
    return 0;
  return a->cap[ch] - a->active[ch];
}

static gboolean
agent_is_busy (const Agent *a)
{
  for (guint c = 0; c < MAX_CHANNELS; c++)
    if (a->active[c] || a->wrapup_until[c])
      return TRUE;
  return FALSE;
}

static AcdShown
agent_compute_shown (const Agent *a)
{
  if (a->presence == ACD_AGENT_LOGGED_OUT)
    return ACD_SHOWN_LOGGED_OUT;
  guint active = 0;
  gboolean wrapup = FALSE;
  for (guint c = 0; c < MAX_CHANNELS; c++)
    {
      wrapup = wrapup || a->wrapup_until[c] != 0;
      active += a->active[c];
    }
  if (active)
    return active == a->ringing ? ACD_SHOWN_RINGING : ACD_SHOWN_BUSY;
  if (wrapup)
    return ACD_SHOWN_WRAP_UP;
  return a->presence == ACD_AGENT_READY ? ACD_SHOWN_READY : ACD_SHOWN_NOT_READY;
}

/* Publishes @a's state if it changed, and keeps its busy time. */
static void
agent_update (AcdEngine *e, Agent *a, gint64 now)
{
  gboolean busy = agent_is_busy (a);
  if (busy && !a->busy)
    a->busy_since = now;
  else if (!busy && a->busy)
    a->busy_total += now - a->busy_since;
  a->busy = busy;
  AcdShown s = agent_compute_shown (a);
  if (s == a->shown)
    return;
  a->shown = s;
  if (e->hooks.agent_state)
    e->hooks.agent_state (e->hooks.data, a->login, s,
                          s == ACD_SHOWN_NOT_READY && a->reason ? a->reason : "");
}

static void
member_free (Member *m)
{
  g_free (m);
}

static void
queue_free (Queue *q)
{
  if (q->strategy && q->strategy->queue_free && q->state)
    q->strategy->queue_free (q->state);
  g_ptr_array_unref (q->members);
  g_ptr_array_unref (q->waiting);
  g_hash_table_unref (q->rejoin);
  acd_queue_config_clear (&q->c);
  g_free (q);
}

static void
ix_free (Ix *ix)
{
  g_free (ix->id);
  g_free (ix->caller);
  if (ix->offers)
    g_array_unref (ix->offers);
  if (ix->tried)
    g_array_unref (ix->tried);
  g_free (ix);
}

static void
agent_free (Agent *a)
{
  g_free (a->login);
  g_free (a->reason);
  g_ptr_array_unref (a->members);
  g_free (a);
}

AcdEngine *
acd_engine_new (const AcdHooks *hooks, guint32 seed)
{
  AcdEngine *e = g_new0 (AcdEngine, 1);
  if (hooks)
    e->hooks = *hooks;
  e->rand = g_rand_new_with_seed (seed);
  e->due_hint = NO_DUE;
  e->agents = g_hash_table_new (g_str_hash, g_str_equal);
  e->agent_list = g_ptr_array_new_with_free_func ((GDestroyNotify) agent_free);
  e->queues = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) queue_free);
  e->ixs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) ix_free);
  channel_index (e, "voice", TRUE);
  return e;
}

void
acd_engine_free (AcdEngine *e)
{
  if (e == NULL)
    return;
  g_hash_table_unref (e->ixs);
  g_hash_table_unref (e->queues);
  g_hash_table_unref (e->agents);
  g_ptr_array_unref (e->agent_list);
  for (guint i = 0; i < e->n_channels; i++)
    g_free (e->channels[i]);
  for (guint i = 0; i < e->n_skills; i++)
    g_free (e->skills[i]);
  g_rand_free (e->rand);
  g_free (e->view);
  g_free (e->view_members);
  g_free (e->picked);
  g_free (e);
}

/* --- queues -------------------------------------------------------------------------------- */

static gboolean
invalid (GError **error, const char *queue, const char *what)
{
  g_set_error (error, ACD_ERROR, ACD_ERROR_INVALID, "queue %s: %s", queue ? queue : "?", what);
  return FALSE;
}

gboolean
acd_engine_set_queue (AcdEngine *e, AcdQueueConfig *c, const OccAcdStrategy *strategy,
                      GError **error)
{
  if (c->name == NULL || *c->name == '\0')
    return invalid (error, NULL, "no name");
  if (strategy == NULL || strategy->select == NULL)
    return invalid (error, c->name, "no strategy (or one without select)");
  if (c->overflow_to && strcmp (c->overflow_to, c->name) == 0)
    return invalid (error, c->name, "overflow-to names the queue itself");
  if (c->overflow_to && c->overflow_after_s == 0)
    return invalid (error, c->name, "overflow-to needs overflow-after");
  for (guint i = 1; i < c->n_relax; i++)
    if (c->relax[i].after_s <= c->relax[i - 1].after_s)
      return invalid (error, c->name, "skill relaxation steps must come later and later");
  if (c->ring_timeout_s == 0)
    c->ring_timeout_s = 20;
  if (c->progressive_s == 0)
    c->progressive_s = 5;
  g_autoptr (GHashTable) empty = NULL;
  GHashTable *params = c->strategy_params;
  if (params == NULL)
    params = empty = g_hash_table_new (g_str_hash, g_str_equal);
  gpointer state = NULL;
  if (strategy->queue_new)
    {
      g_autoptr (GError) e2 = NULL;
      state = strategy->queue_new (strategy, c->name, params, &e2);
      if (state == NULL && e2)
        {
          g_set_error (error, ACD_ERROR, ACD_ERROR_INVALID, "queue %s: strategy %s: %s", c->name,
                       strategy->name, e2->message);
          return FALSE;
        }
    }
  Queue *q = g_hash_table_lookup (e->queues, c->name);
  if (q == NULL)
    {
      q = g_new0 (Queue, 1);
      q->members = g_ptr_array_new_with_free_func ((GDestroyNotify) member_free);
      q->waiting = g_ptr_array_new ();
      q->rejoin = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    }
  else
    {
      g_hash_table_steal (e->queues, q->c.name);
      if (q->strategy && q->strategy->queue_free && q->state)
        q->strategy->queue_free (q->state);
      acd_queue_config_clear (&q->c);
    }
  q->c = *c;
  memset (c, 0, sizeof *c);
  q->strategy = strategy;
  q->state = state;
  g_hash_table_insert (e->queues, q->c.name, q);
  return TRUE;
}

gboolean
acd_engine_check (AcdEngine *e, GError **error)
{
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init (&it, e->queues);
  while (g_hash_table_iter_next (&it, NULL, &v))
    {
      Queue *q = v;
      guint steps = 0;
      for (Queue *x = q; x->c.overflow_to; steps++)
        {
          Queue *next = g_hash_table_lookup (e->queues, x->c.overflow_to);
          if (next == NULL)
            {
              g_set_error (error, ACD_ERROR, ACD_ERROR_INVALID,
                           "queue %s: overflow-to: no queue %s", x->c.name, x->c.overflow_to);
              return FALSE;
            }
          if (next == q || steps > g_hash_table_size (e->queues))
            {
              g_set_error (error, ACD_ERROR, ACD_ERROR_INVALID,
                           "queue %s: overflow-to makes a loop back to %s", x->c.name, q->c.name);
              return FALSE;
            }
          x = next;
        }
    }
  return TRUE;
}

gboolean
acd_engine_has_queue (AcdEngine *e, const char *queue)
{
  return queue && g_hash_table_contains (e->queues, queue);
}

static int
by_name (gconstpointer x, gconstpointer y)
{
  return strcmp (*(const char *const *) x, *(const char *const *) y);
}

GPtrArray *
acd_engine_queues (AcdEngine *e)
{
  GPtrArray *out = g_ptr_array_new ();
  GHashTableIter it;
  gpointer k;
  g_hash_table_iter_init (&it, e->queues);
  while (g_hash_table_iter_next (&it, &k, NULL))
    g_ptr_array_add (out, k);
  g_ptr_array_sort (out, by_name);
  return out;
}

/* --- agents -------------------------------------------------------------------------------- */

static Agent *
agent_get (AcdEngine *e, const char *login)
{
  return login ? g_hash_table_lookup (e->agents, login) : NULL;
}

static gboolean
not_found (GError **error, const char *what, const char *name)
{
  g_set_error (error, ACD_ERROR, ACD_ERROR_NOT_FOUND, "no %s “%s”", what, name ? name : "");
  return FALSE;
}

void
acd_engine_agent_add (AcdEngine *e, const char *login, GHashTable *capacity)
{
  Agent *a = agent_get (e, login);
  if (a == NULL)
    {
      a = g_new0 (Agent, 1);
      a->id = e->agent_list->len;
      a->login = g_strdup (login);
      a->members = g_ptr_array_new ();
      a->presence = ACD_AGENT_LOGGED_OUT;
      a->shown = ACD_SHOWN_LOGGED_OUT;
      g_ptr_array_add (e->agent_list, a);
      g_hash_table_insert (e->agents, a->login, a);
    }
  memset (a->cap, 0, sizeof a->cap);
  if (capacity == NULL)
    a->cap[0] = 1;
  else
    {
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, capacity);
      while (g_hash_table_iter_next (&it, &k, &v))
        {
          guint ch = channel_index (e, k, TRUE);
          if (ch != G_MAXUINT)
            a->cap[ch] = GPOINTER_TO_UINT (v);
        }
    }
}

gboolean
acd_engine_agent_skill (AcdEngine *e, const char *login, const char *skill, guint level)
{
  Agent *a = agent_get (e, login);
  guint s = skill ? skill_index (e, skill, TRUE) : G_MAXUINT;
  if (a == NULL || s == G_MAXUINT)
    return FALSE;
  a->skills[s] = (guint8) MIN (level, 100);
  return TRUE;
}

static Member *
member_of (Queue *q, Agent *a)
{
  for (guint i = 0; i < q->members->len; i++)
    {
      Member *m = g_ptr_array_index (q->members, i);
      if (m->agent == a)
        return m;
    }
  return NULL;
}

gboolean
acd_engine_member_add (AcdEngine *e, const char *queue, const char *login, guint tier,
                       guint penalty, GError **error)
{
  Queue *q = queue ? g_hash_table_lookup (e->queues, queue) : NULL;
  Agent *a = agent_get (e, login);
  if (q == NULL)
    return not_found (error, "queue", queue);
  if (a == NULL)
    return not_found (error, "agent", login);
  Member *m = member_of (q, a);
  if (m == NULL)
    {
      m = g_new0 (Member, 1);
      m->agent = a;
      m->queue = q;
      m->order = q->members->len
                     ? ((Member *) g_ptr_array_index (q->members, q->members->len - 1))->order + 1
                     : 0;
      g_ptr_array_add (q->members, m);
      g_ptr_array_add (a->members, m);
    }
  m->tier = tier;
  m->penalty = penalty;
  return TRUE;
}

static void cancel_offer (AcdEngine *e, Ix *ix, guint i, gboolean tell, gint64 now);

gboolean
acd_engine_member_remove (AcdEngine *e, const char *queue, const char *login)
{
  Queue *q = queue ? g_hash_table_lookup (e->queues, queue) : NULL;
  Agent *a = agent_get (e, login);
  Member *m = q && a ? member_of (q, a) : NULL;
  if (m == NULL)
    return FALSE;
  /* its offers from this queue stop */
  for (guint w = 0; w < q->waiting->len; w++)
    {
      Ix *ix = g_ptr_array_index (q->waiting, w);
      for (guint i = ix->offers->len; i-- > 0;)
        if (g_array_index (ix->offers, Offer, i).agent == a)
          cancel_offer (e, ix, i, TRUE, e->now);
    }
  g_ptr_array_remove (a->members, m);
  g_ptr_array_remove (q->members, m);
  return TRUE;
}

/* --- interactions: small pieces ------------------------------------------------------------- */

static int
ix_before (const Ix *x, const Ix *y)
{
  if (x->priority != y->priority)
    return x->priority > y->priority ? -1 : 1;
  if (x->joined != y->joined)
    return x->joined < y->joined ? -1 : 1;
  return strcmp (x->id, y->id);
}

static void
waiting_insert (Queue *q, Ix *ix)
{
  /* binary search for the first one that @ix comes before */
  guint lo = 0, hi = q->waiting->len;
  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      if (ix_before (g_ptr_array_index (q->waiting, mid), ix) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  g_ptr_array_insert (q->waiting, (gint) lo, ix);
}

static void
release_slot (AcdEngine *e, Agent *a, guint ch, gint64 now)
{
  if (a->active[ch])
    a->active[ch]--;
  agent_update (e, a, now);
}

/* Drops offer @i of @ix; @tell: ask the driver to stop ringing. */
static void
cancel_offer (AcdEngine *e, Ix *ix, guint i, gboolean tell, gint64 now)
{
  Agent *a = g_array_index (ix->offers, Offer, i).agent;
  g_array_remove_index (ix->offers, i);
  if (a->ringing)
    a->ringing--;
  if (tell && e->hooks.cancel)
    e->hooks.cancel (e->hooks.data, ix->id, a->login);
  release_slot (e, a, ix->channel, now);
  if (ix->offers->len == 0 && ix->state == IX_RINGING)
    ix->state = IX_WAITING;
}

static void
cancel_offers (AcdEngine *e, Ix *ix, Agent *except, gint64 now)
{
  for (guint i = ix->offers->len; i-- > 0;)
    if (g_array_index (ix->offers, Offer, i).agent != except)
      cancel_offer (e, ix, i, TRUE, now);
}

static gint64
waited (const Ix *ix, gint64 now)
{
  return now > ix->entered ? now - ix->entered : 0;
}

/* Takes @ix out of its queue's waiting list and the books. */
static void
ix_drop (AcdEngine *e, Ix *ix)
{
  if (ix->queue)
    g_ptr_array_remove (ix->queue->waiting, ix);
  g_hash_table_remove (e->ixs, ix->id);
}

static guint
members_logged_in (const Queue *q, guint *ready)
{
  guint n = 0, r = 0;
  for (guint i = 0; i < q->members->len; i++)
    {
      const Agent *a = ((Member *) g_ptr_array_index (q->members, i))->agent;
      n += a->presence != ACD_AGENT_LOGGED_OUT;
      r += a->presence == ACD_AGENT_READY;
    }
  if (ready)
    *ready = r;
  return n;
}

static void
leave (AcdEngine *e, Ix *ix, AcdLeft why, gint64 now)
{
  Queue *q = ix->queue;
  cancel_offers (e, ix, NULL, now);
  if (why == ACD_LEFT_TIMEOUT)
    q->st.timed_out++;
  if (e->hooks.left)
    e->hooks.left (e->hooks.data, ix->id, q->c.name, why);
  ix_drop (e, ix);
}

/* --- choosing ------------------------------------------------------------------------------ */

static void
effective_required (const Ix *ix, gint64 now, guint8 *out)
{
  memcpy (out, ix->required, OCC_ACD_MAX_SKILLS);
  if (!ix->any_required)
    return;
  const AcdQueueConfig *c = &ix->queue->c;
  guint drop = 0;
  gint64 w = now - ix->entered_queue;
  for (guint i = 0; i < c->n_relax; i++)
    if (w >= (gint64) c->relax[i].after_s * US)
      drop += c->relax[i].drop;
  if (drop == 0)
    return;
  for (guint s = 0; s < OCC_ACD_MAX_SKILLS; s++)
    out[s] = out[s] > drop ? (guint8) (out[s] - drop) : 0;
}

static gboolean
offered_to (const Ix *ix, const Agent *a)
{
  for (guint i = 0; i < ix->offers->len; i++)
    if (g_array_index (ix->offers, Offer, i).agent == a)
      return TRUE;
  return FALSE;
}

static gboolean
tried (const Ix *ix, const Agent *a)
{
  for (guint i = 0; i < ix->tried->len; i++)
    if (g_array_index (ix->tried, guint, i) == a->id)
      return TRUE;
  return FALSE;
}

static void
view_reserve (AcdEngine *e, guint n)
{
  if (n <= e->view_len)
    return;
  e->view_len = MAX (n, e->view_len * 2);
  e->view = g_renew (OccAcdAgent, e->view, e->view_len);
  e->view_members = g_renew (Member *, e->view_members, e->view_len);
  e->picked = g_renew (guint, e->picked, e->view_len);
}

/* Fills the view with the agents eligible for @ix now; how many. A new
 * round begins when everyone eligible was tried. */
static guint
eligible (AcdEngine *e, Ix *ix, gint64 now, OccAcdInteraction *iv)
{
  Queue *q = ix->queue;
  view_reserve (e, q->members->len + 1);
  guint8 req[OCC_ACD_MAX_SKILLS];
  effective_required (ix, now, req);
  guint n = 0, untried = 0;
  guint min_tier = G_MAXUINT;
  for (guint i = 0; i < q->members->len; i++)
    {
      Member *m = g_ptr_array_index (q->members, i);
      Agent *a = m->agent;
      guint cap = free_capacity (a, ix->channel, now);
      if (cap == 0 || offered_to (ix, a))
        continue;
      gboolean fits = TRUE;
      for (guint s = 0; s < e->n_skills && fits; s++)
        fits = a->skills[s] >= req[s];
      if (!fits)
        continue;
      gboolean was_tried = tried (ix, a);
      untried += !was_tried;
      OccAcdAgent *v = &e->view[n];
      v->id = a->id;
      v->login = a->login;
      v->order = m->order;
      v->tier = m->tier;
      v->penalty = m->penalty;
      v->idle_since = a->idle_since[ix->channel];
      v->answered = m->answered;
      v->talk_time = m->talk_time;
      v->free_capacity = cap;
      memcpy (v->skills, a->skills, OCC_ACD_MAX_SKILLS);
      e->view_members[n] = m;
      /* (tried ones are marked by a penalty-free trick: kept aside below) */
      e->picked[n] = was_tried;
      n++;
    }
  if (untried == 0 && n > 0)
    g_array_set_size (ix->tried, 0); /* a new round */
  else if (untried < n)
    {
      guint k = 0;
      for (guint i = 0; i < n; i++)
        if (!e->picked[i])
          {
            e->view[k] = e->view[i];
            e->view_members[k] = e->view_members[i];
            k++;
          }
      n = k;
    }
  if (q->c.tiers)
    {
      for (guint i = 0; i < n; i++)
        min_tier = MIN (min_tier, e->view[i].tier);
      guint k = 0;
      for (guint i = 0; i < n; i++)
        if (e->view[i].tier == min_tier)
          {
            e->view[k] = e->view[i];
            e->view_members[k] = e->view_members[i];
            k++;
          }
      n = k;
    }
  iv->id = ix->id;
  iv->channel = e->channels[ix->channel];
  iv->priority = ix->priority;
  iv->enqueued = ix->joined;
  iv->offers = ix->offers_made;
  memcpy (iv->required, req, OCC_ACD_MAX_SKILLS);
  return n;
}

static void
make_offer (AcdEngine *e, Ix *ix, const OccAcdContext *ctx, const OccAcdInteraction *iv, guint k,
            gint64 now)
{
  Member *m = e->view_members[k];
  Agent *a = m->agent;
  Offer o = { a, now + (gint64) ix->queue->c.ring_timeout_s * US };
  hint (e, o.deadline);
  g_array_append_val (ix->offers, o);
  g_array_append_val (ix->tried, a->id);
  ix->offers_made++;
  ix->state = IX_RINGING;
  a->active[ix->channel]++;
  a->ringing++;
  if (ix->queue->strategy->offered)
    ix->queue->strategy->offered (ctx, iv, &e->view[k]);
  agent_update (e, a, now);
  if (e->hooks.offer)
    e->hooks.offer (e->hooks.data, ix->id, ix->queue->c.name, a->login);
}

/* A strategy misbehaved: told to the driver, or logged (at most 20). */
static void
complain (AcdEngine *e, char *message)
{
  if (e->hooks.complain)
    e->hooks.complain (e->hooks.data, message);
  else if (e->warnings++ < 20)
    g_warning ("%s", message);
  g_free (message);
}

/* Asks the strategy and offers; TRUE if at least one offer was made. */
static gboolean
place (AcdEngine *e, Ix *ix, guint n, const OccAcdInteraction *iv, gint64 now, gboolean one)
{
  Queue *q = ix->queue;
  gboolean all = !one && (q->strategy->flags & OCC_ACD_STRATEGY_RING_ALL);
  OccAcdContext ctx = { q->c.name, q->state, now, e->rand, all ? 0 : 1 };
  guint *out = g_newa (guint, n);
  guint got = q->strategy->select (&ctx, iv, e->view, n, out);
  if (got > n)
    {
      complain (e, g_strdup_printf ("queue %s: strategy %s returned %u agents of %u: the rest "
                                    "ignored",
                                    q->c.name, q->strategy->name, got, n));
      got = n;
    }
  /* what it chose is checked whole before anything is obeyed */
  guint8 *seen = g_newa (guint8, n);
  memset (seen, 0, n);
  guint valid = 0;
  for (guint i = 0; i < got; i++)
    {
      guint k = out[i];
      if (k >= n || seen[k])
        {
          complain (e,
                    g_strdup_printf ("queue %s: strategy %s chose %s %u of %u: ignored", q->c.name,
                                     q->strategy->name, k >= n ? "agent" : "again agent", k, n));
          continue;
        }
      seen[k] = 1;
      out[valid++] = k;
    }
  gboolean made = FALSE;
  for (guint i = 0; i < valid; i++)
    {
      guint k = out[i];
      /* an earlier offer of ring-all may have filled it (several channels) */
      if (free_capacity (e->view_members[k]->agent, ix->channel, now) == 0)
        continue;
      make_offer (e, ix, &ctx, iv, k, now);
      made = TRUE;
      if (!all)
        break;
    }
  if (made && (q->strategy->flags & OCC_ACD_STRATEGY_PROGRESSIVE))
    {
      ix->progress_at = now + (gint64) q->c.progressive_s * US;
      hint (e, ix->progress_at);
    }
  return made;
}

/* Whether some member could take something now (before looking at each
 * waiting interaction, which costs a pass over the members each). */
static gboolean
has_free_member (const Queue *q, gint64 now)
{
  for (guint i = 0; i < q->members->len; i++)
    {
      const Agent *a = ((Member *) g_ptr_array_index (q->members, i))->agent;
      if (a->presence != ACD_AGENT_READY)
        continue;
      for (guint c = 0; c < MAX_CHANNELS; c++)
        if (a->cap[c] && free_capacity (a, c, now))
          return TRUE;
    }
  return FALSE;
}

/* Offers waiting interactions to eligible agents, the best first across
 * queues, until nothing more can be placed. */
static void
dispatch (AcdEngine *e, gint64 now)
{
  g_autoptr (GHashTable) stuck = NULL; /* Ix* that could not be placed this pass */
  for (;;)
    {
      Ix *best = NULL;
      guint best_n = 0;
      GHashTableIter it;
      gpointer v;
      g_hash_table_iter_init (&it, e->queues);
      while (g_hash_table_iter_next (&it, NULL, &v))
        {
          Queue *q = v;
          if (q->waiting->len == 0 || !has_free_member (q, now))
            continue;
          for (guint w = 0; w < q->waiting->len; w++)
            {
              Ix *ix = g_ptr_array_index (q->waiting, w);
              if (ix->state != IX_WAITING || (stuck && g_hash_table_contains (stuck, ix)))
                continue;
              if (best && ix_before (best, ix) < 0)
                break; /* nothing later in this queue can beat it */
              OccAcdInteraction iv;
              guint n = eligible (e, ix, now, &iv);
              if (n == 0)
                continue;
              best = ix;
              best_n = n;
              break;
            }
        }
      if (best == NULL)
        return;
      OccAcdInteraction iv;
      guint n = eligible (e, best, now, &iv); /* the view again: other queues overwrote it */
      if (n != best_n || !place (e, best, n, &iv, now, FALSE))
        {
          if (stuck == NULL)
            stuck = g_hash_table_new (NULL, NULL);
          g_hash_table_add (stuck, best);
        }
    }
}

/* --- time ---------------------------------------------------------------------------------- */

static void
announce (AcdEngine *e, Ix *ix, gint64 now)
{
  Queue *q = ix->queue;
  guint position = 0;
  for (guint i = 0; i < q->waiting->len; i++)
    if (g_ptr_array_index (q->waiting, i) == ix)
      position = i + 1;
  guint every = MAX (q->c.announce_every_s, q->c.announce_min_s ? q->c.announce_min_s : 15);
  ix->announce_at = now + (gint64) every * US;
  hint (e, ix->announce_at);
  if (q->c.announce_only_better && ix->last_position && position >= ix->last_position)
    return;
  ix->last_position = position;
  guint agents = MAX (1, members_logged_in (q, NULL));
  gint64 aht = q->st.completed ? q->st.handle_time / (gint64) q->st.completed : DEFAULT_AHT_US;
  guint ewt = (guint) ((aht * position / agents) / US);
  if (e->hooks.announce)
    e->hooks.announce (e->hooks.data, ix->id, position, ewt);
}

static gboolean move_to (AcdEngine *e, Ix *ix, Queue *to, gint64 now);

/* Lowers the hint to @ix's deadlines in its queue (it just came there). */
static void
hint_queue_deadlines (AcdEngine *e, const Ix *ix)
{
  const AcdQueueConfig *c = &ix->queue->c;
  if (c->max_wait_s)
    hint (e, ix->entered_queue + (gint64) c->max_wait_s * US);
  if (c->overflow_to && c->overflow_after_s)
    hint (e, ix->entered_queue + (gint64) c->overflow_after_s * US);
  if (ix->announce_at)
    hint (e, ix->announce_at);
  if (ix->any_required && c->n_relax)
    hint (e, ix->entered_queue + (gint64) c->relax[0].after_s * US);
}

/* Interactions due for something: time-outs, overflows, announcements,
 * progressive rings, ring time-outs. */
static void
run_timers (AcdEngine *e, gint64 now)
{
  /* wrap-ups */
  for (guint i = 0; i < e->agent_list->len; i++)
    {
      Agent *a = g_ptr_array_index (e->agent_list, i);
      gboolean changed = FALSE;
      for (guint c = 0; c < MAX_CHANNELS; c++)
        if (a->wrapup_until[c] && a->wrapup_until[c] <= now)
          {
            a->idle_since[c] = a->wrapup_until[c];
            a->wrapup_until[c] = 0;
            changed = TRUE;
          }
      if (changed)
        agent_update (e, a, now);
    }
  g_autoptr (GPtrArray) all = g_ptr_array_new ();
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init (&it, e->ixs);
  while (g_hash_table_iter_next (&it, NULL, &v))
    g_ptr_array_add (all, v);
  for (guint i = 0; i < all->len; i++)
    {
      Ix *ix = g_ptr_array_index (all, i);
      if (ix->state == IX_CONNECTED)
        continue;
      Queue *q = ix->queue;
      /* offers that rang out */
      for (guint o = ix->offers->len; o-- > 0;)
        {
          Offer *of = &g_array_index (ix->offers, Offer, o);
          if (of->deadline > now)
            continue;
          Agent *a = of->agent;
          cancel_offer (e, ix, o, TRUE, now);
          a->misses++;
          if (q->c.max_no_answer && a->misses >= q->c.max_no_answer
              && a->presence == ACD_AGENT_READY)
            {
              a->presence = ACD_AGENT_NOT_READY;
              g_free (a->reason);
              a->reason = g_strdup ("no-answer");
              agent_update (e, a, now);
            }
        }
      gint64 in_queue = now - ix->entered_queue;
      if (q->c.max_wait_s && in_queue >= (gint64) q->c.max_wait_s * US)
        {
          leave (e, ix, ACD_LEFT_TIMEOUT, now);
          continue;
        }
      if (q->c.overflow_to && q->c.overflow_after_s
          && in_queue >= (gint64) q->c.overflow_after_s * US)
        {
          Queue *to = g_hash_table_lookup (e->queues, q->c.overflow_to);
          if (to && move_to (e, ix, to, now))
            continue;
        }
      if (ix->announce_at && ix->announce_at <= now && ix->state == IX_WAITING)
        announce (e, ix, now);
      if (ix->state == IX_RINGING && ix->progress_at && ix->progress_at <= now)
        {
          ix->progress_at = now + (gint64) q->c.progressive_s * US;
          hint (e, ix->progress_at);
          OccAcdInteraction iv;
          guint n = eligible (e, ix, now, &iv);
          if (n)
            place (e, ix, n, &iv, now, TRUE);
        }
    }
}

static gint64 next_due_exact (AcdEngine *e);

static void
run_due (AcdEngine *e, gint64 now)
{
  e->now = MAX (e->now, now);
  if (now >= e->due_hint)
    {
      run_timers (e, now);
      e->due_hint = next_due_exact (e);
    }
  dispatch (e, now);
}

void
acd_engine_run (AcdEngine *e, gint64 now)
{
  run_due (e, now);
}

gint64
acd_engine_next_due (AcdEngine *e)
{
  return e->due_hint;
}

static gint64
next_due_exact (AcdEngine *e)
{
  gint64 due = NO_DUE;
  for (guint i = 0; i < e->agent_list->len; i++)
    {
      Agent *a = g_ptr_array_index (e->agent_list, i);
      for (guint c = 0; c < MAX_CHANNELS; c++)
        if (a->wrapup_until[c])
          due = MIN (due, a->wrapup_until[c]);
    }
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init (&it, e->ixs);
  while (g_hash_table_iter_next (&it, NULL, &v))
    {
      Ix *ix = v;
      if (ix->state == IX_CONNECTED)
        continue;
      const AcdQueueConfig *c = &ix->queue->c;
      for (guint o = 0; o < ix->offers->len; o++)
        due = MIN (due, g_array_index (ix->offers, Offer, o).deadline);
      if (c->max_wait_s)
        due = MIN (due, ix->entered_queue + (gint64) c->max_wait_s * US);
      if (c->overflow_to && c->overflow_after_s)
        due = MIN (due, ix->entered_queue + (gint64) c->overflow_after_s * US);
      if (ix->announce_at && ix->state == IX_WAITING)
        due = MIN (due, ix->announce_at);
      if (ix->state == IX_RINGING && ix->progress_at)
        due = MIN (due, ix->progress_at);
      if (ix->any_required && ix->state == IX_WAITING)
        for (guint r = 0; r < c->n_relax; r++)
          {
            gint64 at = ix->entered_queue + (gint64) c->relax[r].after_s * US;
            if (at > e->now)
              {
                due = MIN (due, at);
                break;
              }
          }
    }
  return due;
}

/* --- interactions -------------------------------------------------------------------------- */

static gboolean
move_to (AcdEngine *e, Ix *ix, Queue *to, gint64 now)
{
  Queue *from = ix->queue;
  if (to->c.max_length && to->waiting->len >= to->c.max_length)
    return FALSE;
  cancel_offers (e, ix, NULL, now);
  g_ptr_array_remove (from->waiting, ix);
  from->st.overflowed++;
  ix->queue = to;
  ix->entered_queue = now;
  g_array_set_size (ix->tried, 0);
  ix->progress_at = 0;
  ix->announce_at = to->c.announce_every_s ? now + (gint64) to->c.announce_every_s * US : 0;
  to->st.offered++;
  waiting_insert (to, ix);
  hint_queue_deadlines (e, ix);
  if (e->hooks.moved)
    e->hooks.moved (e->hooks.data, ix->id, from->c.name, to->c.name);
  return TRUE;
}

gboolean
acd_engine_join (AcdEngine *e, const AcdJoin *j, gint64 now, AcdLeft *why, GError **error)
{
  Queue *q = j->queue ? g_hash_table_lookup (e->queues, j->queue) : NULL;
  if (q == NULL)
    return not_found (error, "queue", j->queue);
  if (j->id == NULL || *j->id == '\0' || g_hash_table_contains (e->ixs, j->id))
    {
      g_set_error (error, ACD_ERROR, ACD_ERROR_INVALID, "interaction id “%s” is %s",
                   j->id ? j->id : "", j->id && *j->id ? "already queued" : "empty");
      return FALSE;
    }
  guint ch = channel_index (e, j->channel, TRUE);
  if (ch == G_MAXUINT)
    {
      g_set_error (error, ACD_ERROR, ACD_ERROR_INVALID, "too many channels (%u)", MAX_CHANNELS);
      return FALSE;
    }
  AcdLeft refused = ACD_LEFT_REMOVED;
  if (q->c.max_length && q->waiting->len >= q->c.max_length)
    refused = ACD_LEFT_FULL;
  else if (!q->c.join_empty && members_logged_in (q, NULL) == 0)
    refused = ACD_LEFT_EMPTY;
  if (refused != ACD_LEFT_REMOVED)
    {
      q->st.refused++;
      if (why)
        *why = refused;
      g_set_error (error, ACD_ERROR, ACD_ERROR_REFUSED, "queue %s is %s", q->c.name,
                   refused == ACD_LEFT_FULL ? "full" : "without agents");
      return FALSE;
    }
  Ix *ix = g_new0 (Ix, 1);
  ix->id = g_strdup (j->id);
  ix->queue = q;
  ix->channel = ch;
  ix->priority = j->priority;
  ix->entered = ix->entered_queue = now;
  ix->joined = j->joined ? j->joined : now;
  ix->caller = g_strdup (j->caller);
  ix->offers = g_array_new (FALSE, FALSE, sizeof (Offer));
  ix->tried = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; j->skills && j->skills[i]; i++)
    {
      guint s = skill_index (e, j->skills[i], TRUE);
      if (s != G_MAXUINT && j->levels)
        {
          ix->required[s] = (guint8) MIN (j->levels[i], 100);
          ix->any_required = ix->any_required || ix->required[s] > 0;
        }
    }
  /* a caller who abandoned lately keeps the place it had */
  if (ix->caller)
    {
      gint64 *r = g_hash_table_lookup (q->rejoin, ix->caller);
      if (r && r[1] >= now)
        ix->joined = MIN (ix->joined, r[0]);
      g_hash_table_remove (q->rejoin, ix->caller);
    }
  if (q->c.announce_every_s)
    ix->announce_at = now + (gint64) q->c.announce_every_s * US;
  g_hash_table_insert (e->ixs, ix->id, ix);
  waiting_insert (q, ix);
  hint_queue_deadlines (e, ix);
  q->st.offered++;
  run_due (e, now);
  return TRUE;
}

static Ix *
ix_get (AcdEngine *e, const char *id)
{
  return id ? g_hash_table_lookup (e->ixs, id) : NULL;
}

gboolean
acd_engine_abandon (AcdEngine *e, const char *id, gint64 now)
{
  Ix *ix = ix_get (e, id);
  if (ix == NULL || ix->state == IX_CONNECTED)
    return FALSE;
  Queue *q = ix->queue;
  q->st.abandoned++;
  if (waited (ix, now) < (gint64) (q->c.sl_threshold_s ? q->c.sl_threshold_s : 20) * US)
    q->st.abandoned_in_sl++;
  if (ix->caller && q->c.rejoin_window_s)
    {
      gint64 *r = g_new (gint64, 2);
      r[0] = ix->joined;
      r[1] = now + (gint64) q->c.rejoin_window_s * US;
      g_hash_table_replace (q->rejoin, g_strdup (ix->caller), r);
    }
  cancel_offers (e, ix, NULL, now);
  ix_drop (e, ix);
  run_due (e, now);
  return TRUE;
}

static void
connected_ends (AcdEngine *e, Ix *ix, gint64 now, gboolean wrapup)
{
  Agent *a = ix->agent;
  Queue *q = ix->queue;
  gint64 talk = now - ix->answered_at;
  if (ix->member)
    ix->member->talk_time += talk;
  q->st.completed++;
  q->st.handle_time += talk + (wrapup ? (gint64) q->c.wrapup_s * US : 0);
  a->handled++;
  if (a->active[ix->channel])
    a->active[ix->channel]--;
  if (wrapup && q->c.wrapup_s)
    {
      a->wrapup_until[ix->channel]
          = MAX (a->wrapup_until[ix->channel], now + (gint64) q->c.wrapup_s * US);
      hint (e, a->wrapup_until[ix->channel]);
    }
  else if (a->active[ix->channel] == 0)
    a->idle_since[ix->channel] = now;
  agent_update (e, a, now);
  g_hash_table_remove (e->ixs, ix->id);
}

gboolean
acd_engine_remove (AcdEngine *e, const char *id, gint64 now)
{
  Ix *ix = ix_get (e, id);
  if (ix == NULL)
    return FALSE;
  if (ix->state == IX_CONNECTED)
    connected_ends (e, ix, now, TRUE);
  else
    {
      cancel_offers (e, ix, NULL, now);
      ix_drop (e, ix);
    }
  run_due (e, now);
  return TRUE;
}

gboolean
acd_engine_offer_result (AcdEngine *e, const char *id, const char *agent, AcdOfferResult result,
                         gint64 now)
{
  Ix *ix = ix_get (e, id);
  Agent *a = agent_get (e, agent);
  if (ix == NULL || a == NULL || ix->state == IX_CONNECTED)
    return FALSE;
  guint k = G_MAXUINT;
  for (guint i = 0; i < ix->offers->len && k == G_MAXUINT; i++)
    if (g_array_index (ix->offers, Offer, i).agent == a)
      k = i;
  if (k == G_MAXUINT)
    return FALSE;
  Queue *q = ix->queue;
  if (result == ACD_OFFER_ANSWERED)
    {
      g_array_remove_index (ix->offers, k); /* the slot stays taken: now connected */
      if (a->ringing)
        a->ringing--;
      cancel_offers (e, ix, a, now);
      ix->state = IX_CONNECTED;
      ix->agent = a;
      ix->member = member_of (q, a);
      ix->answered_at = now;
      g_ptr_array_remove (q->waiting, ix);
      a->misses = 0;
      q->st.answered++;
      gint64 w = waited (ix, now);
      q->st.wait_answered += w;
      if (w <= (gint64) (q->c.sl_threshold_s ? q->c.sl_threshold_s : 20) * US)
        q->st.answered_in_sl++;
      if (ix->member)
        ix->member->answered++;
      if (q->strategy->answered && ix->member)
        {
          OccAcdContext ctx = { q->c.name, q->state, now, e->rand, 0 };
          OccAcdInteraction iv = { .id = ix->id,
                                   .channel = e->channels[ix->channel],
                                   .priority = ix->priority,
                                   .enqueued = ix->joined,
                                   .offers = ix->offers_made };
          OccAcdAgent av = { .id = a->id,
                             .login = a->login,
                             .order = ix->member->order,
                             .tier = ix->member->tier,
                             .penalty = ix->member->penalty,
                             .idle_since = a->idle_since[ix->channel],
                             .answered = ix->member->answered,
                             .talk_time = ix->member->talk_time };
          q->strategy->answered (&ctx, &iv, &av);
        }
      agent_update (e, a, now);
    }
  else
    {
      cancel_offer (e, ix, k, FALSE, now);
      if (result == ACD_OFFER_NO_ANSWER)
        {
          a->misses++;
          if (q->c.max_no_answer && a->misses >= q->c.max_no_answer
              && a->presence == ACD_AGENT_READY)
            {
              a->presence = ACD_AGENT_NOT_READY;
              g_free (a->reason);
              a->reason = g_strdup ("no-answer");
              agent_update (e, a, now);
            }
        }
    }
  run_due (e, now);
  return TRUE;
}

gboolean
acd_engine_ended (AcdEngine *e, const char *id, gint64 now)
{
  Ix *ix = ix_get (e, id);
  if (ix == NULL || ix->state != IX_CONNECTED)
    return FALSE;
  connected_ends (e, ix, now, TRUE);
  run_due (e, now);
  return TRUE;
}

/* --- agents' presence ---------------------------------------------------------------------- */

gboolean
acd_engine_agent_presence (AcdEngine *e, const char *login, AcdPresence presence,
                           const char *reason, gint64 now, GError **error)
{
  Agent *a = agent_get (e, login);
  if (a == NULL)
    return not_found (error, "agent", login);
  AcdPresence was = a->presence;
  if (was == ACD_AGENT_LOGGED_OUT && presence != ACD_AGENT_LOGGED_OUT)
    {
      a->login_since = now;
      for (guint c = 0; c < MAX_CHANNELS; c++)
        if (a->active[c] == 0 && a->wrapup_until[c] == 0)
          a->idle_since[c] = now;
    }
  if (was != ACD_AGENT_LOGGED_OUT && presence == ACD_AGENT_LOGGED_OUT)
    a->logged_total += now - a->login_since;
  if (presence == ACD_AGENT_READY)
    a->misses = 0;
  a->presence = presence;
  g_free (a->reason);
  a->reason = presence == ACD_AGENT_NOT_READY ? g_strdup (reason ? reason : "") : NULL;
  if (presence != ACD_AGENT_READY)
    {
      /* offers ringing at it stop: it is no longer there to take them */
      GHashTableIter it;
      gpointer v;
      g_hash_table_iter_init (&it, e->ixs);
      while (g_hash_table_iter_next (&it, NULL, &v))
        {
          Ix *ix = v;
          for (guint i = ix->offers->len; i-- > 0;)
            if (g_array_index (ix->offers, Offer, i).agent == a)
              cancel_offer (e, ix, i, TRUE, now);
        }
    }
  agent_update (e, a, now);
  if (presence == ACD_AGENT_LOGGED_OUT)
    {
      /* queues left without anyone, that send their callers away */
      for (guint m = 0; m < a->members->len; m++)
        {
          Queue *q = ((Member *) g_ptr_array_index (a->members, m))->queue;
          if (!q->c.leave_empty || members_logged_in (q, NULL) > 0)
            continue;
          while (q->waiting->len)
            leave (e, g_ptr_array_index (q->waiting, 0), ACD_LEFT_EMPTY, now);
        }
    }
  run_due (e, now);
  return TRUE;
}

AcdShown
acd_engine_agent_shown (AcdEngine *e, const char *login, const char **reason)
{
  Agent *a = agent_get (e, login);
  if (reason)
    *reason = a && a->reason ? a->reason : "";
  return a ? a->shown : ACD_SHOWN_LOGGED_OUT;
}

gboolean
acd_engine_agent_wrapup_done (AcdEngine *e, const char *login, gint64 now)
{
  Agent *a = agent_get (e, login);
  if (a == NULL)
    return FALSE;
  gboolean any = FALSE;
  for (guint c = 0; c < MAX_CHANNELS; c++)
    if (a->wrapup_until[c])
      {
        a->wrapup_until[c] = 0;
        a->idle_since[c] = now;
        any = TRUE;
      }
  if (any)
    {
      agent_update (e, a, now);
      run_due (e, now);
    }
  return any;
}

/* --- figures ------------------------------------------------------------------------------- */

gboolean
acd_engine_queue_stats (AcdEngine *e, const char *queue, gint64 now, AcdQueueStats *out)
{
  Queue *q = queue ? g_hash_table_lookup (e->queues, queue) : NULL;
  if (q == NULL)
    return FALSE;
  *out = q->st;
  out->waiting = q->waiting->len;
  out->longest_wait = 0;
  for (guint i = 0; i < q->waiting->len; i++)
    out->longest_wait = MAX (out->longest_wait, waited (g_ptr_array_index (q->waiting, i), now));
  out->agents_logged_in = members_logged_in (q, &out->agents_ready);
  return TRUE;
}

gboolean
acd_engine_position (AcdEngine *e, const char *id, guint *position)
{
  Ix *ix = ix_get (e, id);
  if (ix == NULL)
    return FALSE;
  *position = 0;
  for (guint i = 0; ix->state != IX_CONNECTED && i < ix->queue->waiting->len; i++)
    if (g_ptr_array_index (ix->queue->waiting, i) == ix)
      *position = i + 1;
  return TRUE;
}

gboolean
acd_engine_agent_times (AcdEngine *e, const char *login, gint64 now, gint64 *logged_in,
                        gint64 *busy, guint *handled)
{
  Agent *a = agent_get (e, login);
  if (a == NULL)
    return FALSE;
  *logged_in = a->logged_total + (a->presence != ACD_AGENT_LOGGED_OUT ? now - a->login_since : 0);
  *busy = a->busy_total + (a->busy ? now - a->busy_since : 0);
  *handled = a->handled;
  return TRUE;
}

gboolean
acd_engine_audit (AcdEngine *e, GError **error)
{
  guint *load = g_new0 (guint, e->agent_list->len * MAX_CHANNELS);
  GHashTableIter it;
  gpointer v;
  gboolean ok = TRUE;
  g_hash_table_iter_init (&it, e->ixs);
  while (ok && g_hash_table_iter_next (&it, NULL, &v))
    {
      Ix *ix = v;
      if (ix->state == IX_CONNECTED)
        load[ix->agent->id * MAX_CHANNELS + ix->channel]++;
      if (ix->offers->len > 1
          && !(ix->queue->strategy->flags
               & (OCC_ACD_STRATEGY_RING_ALL | OCC_ACD_STRATEGY_PROGRESSIVE)))
        {
          g_set_error (error, ACD_ERROR, ACD_ERROR_STATE,
                       "interaction %s is offered to %u agents at once by strategy %s", ix->id,
                       ix->offers->len, ix->queue->strategy->name);
          ok = FALSE;
        }
      for (guint i = 0; i < ix->offers->len; i++)
        load[g_array_index (ix->offers, Offer, i).agent->id * MAX_CHANNELS + ix->channel]++;
    }
  for (guint i = 0; ok && i < e->agent_list->len; i++)
    {
      Agent *a = g_ptr_array_index (e->agent_list, i);
      for (guint c = 0; ok && c < MAX_CHANNELS; c++)
        {
          guint n = load[a->id * MAX_CHANNELS + c];
          if (n != a->active[c] || n > a->cap[c])
            {
              g_set_error (error, ACD_ERROR, ACD_ERROR_STATE,
                           "agent %s on %s: %u interactions, %u counted, capacity %u", a->login,
                           e->channels[c] ? e->channels[c] : "?", n, a->active[c], a->cap[c]);
              ok = FALSE;
            }
        }
    }
  g_free (load);
  return ok;
}

/* --- what the engine holds ----------------------------------------------------------------- */

gboolean
acd_engine_interaction_get (AcdEngine *e, const char *id, AcdInteractionInfo *out)
{
  static const char *const states[] = { "waiting", "ringing", "connected" };
  Ix *ix = ix_get (e, id);
  if (ix == NULL)
    return FALSE;
  memset (out, 0, sizeof *out);
  out->queue = ix->queue->c.name;
  out->channel = e->channels[ix->channel];
  out->priority = ix->priority;
  out->joined = ix->joined;
  out->caller = ix->caller;
  out->state = states[ix->state];
  for (guint s = 0; s < e->n_skills; s++)
    if (ix->required[s])
      {
        out->skills[out->n_skills] = e->skills[s];
        out->levels[out->n_skills++] = ix->required[s];
      }
  return TRUE;
}

GPtrArray *
acd_engine_waiting (AcdEngine *e, const char *queue)
{
  Queue *q = queue ? g_hash_table_lookup (e->queues, queue) : NULL;
  if (q == NULL)
    return NULL;
  GPtrArray *ids = g_ptr_array_sized_new (q->waiting->len);
  for (guint i = 0; i < q->waiting->len; i++)
    g_ptr_array_add (ids, ((Ix *) g_ptr_array_index (q->waiting, i))->id);
  return ids;
}

AcdPresence
acd_engine_agent_presence_get (AcdEngine *e, const char *login, const char **reason)
{
  Agent *a = agent_get (e, login);
  if (reason)
    *reason = a && a->reason ? a->reason : "";
  return a ? a->presence : ACD_AGENT_LOGGED_OUT;
}
