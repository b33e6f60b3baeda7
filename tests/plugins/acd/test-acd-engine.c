/* The ACD engine alone, under a clock the test moves: priorities and
 * FIFO, eligibility (presence, capacity per channel, wrap-up across
 * queues, skills and their relaxation, tiers), ring time-outs and agents
 * who miss too many, ring-all and progressive ringing, overflow,
 * time-outs, abandon and re-join, refusals, announcements, and a
 * strategy that misbehaves. The strategies here are the test's own
 * (the real ones are tested in tests/plugins/acd-strategies). */
#include "engine.h"

#include <string.h>

#define S G_USEC_PER_SEC

/* --- strategies for the tests ------------------------------------------------------------ */

static int
by_idle (gconstpointer x, gconstpointer y, gpointer data)
{
  const OccAcdAgent *agents = data;
  const OccAcdAgent *a = &agents[*(const guint *) x], *b = &agents[*(const guint *) y];
  if (a->idle_since != b->idle_since)
    return a->idle_since < b->idle_since ? -1 : 1;
  return (int) a->order - (int) b->order;
}

static guint
select_idle (const OccAcdContext *ctx, const OccAcdInteraction *ix, const OccAcdAgent *agents,
             guint n, guint *out)
{
  (void) ctx;
  (void) ix;
  for (guint i = 0; i < n; i++)
    out[i] = i;
  g_qsort_with_data (out, (gint) n, sizeof (guint), by_idle, (gpointer) agents);
  return n;
}

static guint
select_bad (const OccAcdContext *ctx, const OccAcdInteraction *ix, const OccAcdAgent *agents,
            guint n, guint *out)
{
  (void) ctx;
  (void) ix;
  (void) agents;
  /* (given 3) out of range, then the last twice */
  g_assert_cmpuint (n, ==, 3);
  out[0] = n + 7;
  out[1] = n - 1;
  out[2] = n - 1;
  return 3;
}

static const OccAcdStrategy idle_strategy = {
  .header = OCC_SERVICE_HEADER (OccAcdStrategy, OCC_ACD_STRATEGY_VERSION),
  .name = "test-idle",
  .select = select_idle,
};
static const OccAcdStrategy ring_all_strategy = {
  .header = OCC_SERVICE_HEADER (OccAcdStrategy, OCC_ACD_STRATEGY_VERSION),
  .name = "test-ring-all",
  .flags = OCC_ACD_STRATEGY_RING_ALL,
  .select = select_idle,
};
static const OccAcdStrategy progressive_strategy = {
  .header = OCC_SERVICE_HEADER (OccAcdStrategy, OCC_ACD_STRATEGY_VERSION),
  .name = "test-progressive",
  .flags = OCC_ACD_STRATEGY_PROGRESSIVE,
  .select = select_idle,
};
static const OccAcdStrategy bad_strategy = {
  .header = OCC_SERVICE_HEADER (OccAcdStrategy, OCC_ACD_STRATEGY_VERSION),
  .name = "test-bad",
  .select = select_bad,
};

/* --- the fixture: an engine whose hooks write a log ---------------------------------------- */

typedef struct {
  AcdEngine *e;
  GPtrArray *log; /* "offer ix agent", "cancel ix agent", "left ix why", … */
  gint64 now;
} F;

static void
note (F *f, char *line)
{
  g_ptr_array_add (f->log, line);
}

static void
h_offer (gpointer d, const char *ix, const char *queue, const char *agent)
{
  (void) queue;
  note (d, g_strdup_printf ("offer %s %s", ix, agent));
}

static void
h_cancel (gpointer d, const char *ix, const char *agent)
{
  note (d, g_strdup_printf ("cancel %s %s", ix, agent));
}

static void
h_left (gpointer d, const char *ix, const char *queue, AcdLeft why)
{
  (void) queue;
  note (d, g_strdup_printf ("left %s %s", ix, acd_left_name (why)));
}

static void
h_moved (gpointer d, const char *ix, const char *from, const char *to)
{
  note (d, g_strdup_printf ("moved %s %s %s", ix, from, to));
}

static void
h_announce (gpointer d, const char *ix, guint position, guint ewt)
{
  note (d, g_strdup_printf ("announce %s %u %u", ix, position, ewt));
}

static void
h_state (gpointer d, const char *agent, AcdShown shown, const char *reason)
{
  note (d, g_strdup_printf ("state %s %s%s%s", agent, acd_shown_name (shown), *reason ? " " : "",
                            reason));
}

static void
h_complain (gpointer d, const char *message)
{
  note (d, g_strdup_printf ("complaint: %s", message));
}

static void
setup (F *f, gconstpointer data)
{
  (void) data;
  AcdHooks hooks = { h_offer, h_cancel, h_left, h_moved, h_announce, h_state, h_complain, f };
  f->e = acd_engine_new (&hooks, 42);
  f->log = g_ptr_array_new_with_free_func (g_free);
  f->now = 1000 * S;
}

static void
teardown (F *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GError) e = NULL;
  g_assert_true (acd_engine_audit (f->e, &e));
  acd_engine_free (f->e);
  g_ptr_array_unref (f->log);
}

/* The log since the last call, without the agents' states unless
 * @states, joined by ", ". */
static char *
take (F *f, gboolean states)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < f->log->len; i++)
    {
      const char *l = g_ptr_array_index (f->log, i);
      if (!states && g_str_has_prefix (l, "state "))
        continue;
      if (s->len)
        g_string_append (s, ", ");
      g_string_append (s, l);
    }
  g_ptr_array_set_size (f->log, 0);
  return g_string_free (s, FALSE);
}

#define LOG_IS(f, expect)                      \
  G_STMT_START                                 \
  {                                            \
    g_autofree char *got_ = take ((f), FALSE); \
    g_assert_cmpstr (got_, ==, (expect));      \
  }                                            \
  G_STMT_END

static void
queue (F *f, const char *name, const OccAcdStrategy *st, void (*tune) (AcdQueueConfig *c))
{
  AcdQueueConfig c = { 0 };
  c.name = g_strdup (name);
  c.strategy = g_strdup (st->name);
  c.join_empty = TRUE;
  c.tiers = TRUE;
  c.sl_threshold_s = 20;
  c.ring_timeout_s = 15;
  if (tune)
    tune (&c);
  g_autoptr (GError) e = NULL;
  g_assert_true (acd_engine_set_queue (f->e, &c, st, &e));
  g_assert_no_error (e);
}

static void
agent (F *f, const char *login, const char *queue_name, guint tier, gboolean ready)
{
  acd_engine_agent_add (f->e, login, NULL);
  g_autoptr (GError) e = NULL;
  g_assert_true (acd_engine_member_add (f->e, queue_name, login, tier, 0, &e));
  if (ready)
    {
      g_assert_true (acd_engine_agent_presence (f->e, login, ACD_AGENT_READY, NULL, f->now, &e));
      f->now += S; /* so that idle times differ */
    }
}

static void
join (F *f, const char *id, const char *queue_name, gint priority)
{
  AcdJoin j = { .id = id, .queue = queue_name, .priority = priority };
  g_autoptr (GError) e = NULL;
  g_assert_true (acd_engine_join (f->e, &j, f->now, NULL, &e));
  g_assert_no_error (e);
}

static void
at (F *f, gint64 seconds)
{
  f->now += seconds * S;
  acd_engine_run (f->e, f->now);
}

/* --- tests --------------------------------------------------------------------------------- */

static void
test_priority_then_fifo (F *f, gconstpointer data)
{
  (void) data;
  queue (f, "sales", &idle_strategy, NULL);
  agent (f, "awa", "sales", 0, FALSE);
  join (f, "c1", "sales", 0);
  f->now += S;
  join (f, "c2", "sales", 5); /* a chosen number: served before c1 */
  f->now += S;
  join (f, "c3", "sales", 0);
  LOG_IS (f, "");
  guint pos = 0;
  g_assert_true (acd_engine_position (f->e, "c2", &pos));
  g_assert_cmpuint (pos, ==, 1);
  g_assert_true (acd_engine_position (f->e, "c3", &pos));
  g_assert_cmpuint (pos, ==, 3);
  g_assert_true (acd_engine_agent_presence (f->e, "awa", ACD_AGENT_READY, NULL, f->now, NULL));
  LOG_IS (f, "offer c2 awa");
  g_assert_cmpint (acd_engine_agent_shown (f->e, "awa", NULL), ==, ACD_SHOWN_RINGING);
  g_assert_true (acd_engine_offer_result (f->e, "c2", "awa", ACD_OFFER_ANSWERED, f->now));
  g_assert_cmpint (acd_engine_agent_shown (f->e, "awa", NULL), ==, ACD_SHOWN_BUSY);
  at (f, 60);
  g_assert_true (acd_engine_ended (f->e, "c2", f->now));
  LOG_IS (f, "offer c1 awa");
  g_assert_true (acd_engine_offer_result (f->e, "c1", "awa", ACD_OFFER_ANSWERED, f->now));
  g_assert_true (acd_engine_ended (f->e, "c1", f->now));
  LOG_IS (f, "offer c3 awa");
  AcdQueueStats st;
  g_assert_true (acd_engine_queue_stats (f->e, "sales", f->now, &st));
  g_assert_cmpuint (st.offered, ==, 3);
  g_assert_cmpuint (st.answered, ==, 2);
  g_assert_cmpuint (st.waiting, ==, 1);
  /* c2 waited 1 s, c1 62 s: one in 20 s */
  g_assert_cmpuint (st.answered_in_sl, ==, 1);
}

static void
test_longest_idle_and_ring_timeout (F *f, gconstpointer data)
{
  (void) data;
  queue (f, "q", &idle_strategy, NULL);
  agent (f, "awa", "q", 0, TRUE);
  agent (f, "bob", "q", 0, TRUE); /* ready later: idle for less time */
  join (f, "c1", "q", 0);
  LOG_IS (f, "offer c1 awa");
  /* awa lets it ring: after 15 s bob gets it */
  at (f, 14);
  LOG_IS (f, "");
  at (f, 1);
  LOG_IS (f, "cancel c1 awa, offer c1 bob");
  g_assert_true (acd_engine_offer_result (f->e, "c1", "bob", ACD_OFFER_REFUSED, f->now));
  /* everyone tried: a new round */
  LOG_IS (f, "offer c1 awa");
}

static void
max_no_answer_two (AcdQueueConfig *c)
{
  c->max_no_answer = 2;
}

static void
test_misses_make_an_agent_not_ready (F *f, gconstpointer data)
{
  (void) data;
  queue (f, "q", &idle_strategy, max_no_answer_two);
  agent (f, "awa", "q", 0, TRUE);
  join (f, "c1", "q", 0);
  g_assert_true (acd_engine_offer_result (f->e, "c1", "awa", ACD_OFFER_NO_ANSWER, f->now));
  g_assert_cmpint (acd_engine_agent_shown (f->e, "awa", NULL), ==, ACD_SHOWN_RINGING);
  at (f, 15); /* the second offer rings out */
  const char *reason = NULL;
  g_assert_cmpint (acd_engine_agent_shown (f->e, "awa", &reason), ==, ACD_SHOWN_NOT_READY);
  g_assert_cmpstr (reason, ==, "no-answer");
  g_autofree char *l = take (f, TRUE);
  g_assert_nonnull (strstr (l, "state awa not-ready no-answer"));
  at (f, 100);
  LOG_IS (f, "");
}

static void
wrapup_ten (AcdQueueConfig *c)
{
  c->wrapup_s = 10;
}

static void
test_wrapup_counts_across_queues (F *f, gconstpointer data)
{
  (void) data;
  queue (f, "q1", &idle_strategy, wrapup_ten);
  queue (f, "q2", &idle_strategy, NULL);
  agent (f, "awa", "q1", 0, TRUE);
  g_assert_true (acd_engine_member_add (f->e, "q2", "awa", 0, 0, NULL));
  agent (f, "bob", "q2", 0, TRUE);
  join (f, "c1", "q1", 0);
  LOG_IS (f, "offer c1 awa");
  acd_engine_offer_result (f->e, "c1", "awa", ACD_OFFER_ANSWERED, f->now);
  at (f, 30);
  acd_engine_ended (f->e, "c1", f->now);
  g_assert_cmpint (acd_engine_agent_shown (f->e, "awa", NULL), ==, ACD_SHOWN_WRAP_UP);
  /* bob takes one; the second waits for awa's wrap-up from q1 to end,
   * although it is q2's */
  join (f, "c2", "q2", 0);
  join (f, "c3", "q2", 0);
  LOG_IS (f, "offer c2 bob");
  g_assert_cmpint (acd_engine_next_due (f->e), ==, f->now + 10 * S);
  at (f, 9);
  LOG_IS (f, "");
  at (f, 1);
  LOG_IS (f, "offer c3 awa");
  gint64 logged, busy;
  guint handled;
  g_assert_true (acd_engine_agent_times (f->e, "awa", f->now, &logged, &busy, &handled));
  g_assert_cmpuint (handled, ==, 1);
  /* 30 s talk and 10 s wrap-up, then ringing again: busy without a break */
  g_assert_cmpint (busy, ==, 40 * S);
}

static void
test_capacity_per_channel (F *f, gconstpointer data)
{
  (void) data;
  queue (f, "chat", &idle_strategy, NULL);
  g_autoptr (GHashTable) cap = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (cap, (gpointer) "voice", GUINT_TO_POINTER (1));
  g_hash_table_insert (cap, (gpointer) "chat", GUINT_TO_POINTER (3));
  acd_engine_agent_add (f->e, "awa", cap);
  g_assert_true (acd_engine_member_add (f->e, "chat", "awa", 0, 0, NULL));
  acd_engine_agent_presence (f->e, "awa", ACD_AGENT_READY, NULL, f->now, NULL);
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *id = g_strdup_printf ("t%u", i);
      AcdJoin j = { .id = id, .queue = "chat", .channel = "chat" };
      g_assert_true (acd_engine_join (f->e, &j, f->now, NULL, NULL));
    }
  LOG_IS (f, "offer t0 awa, offer t1 awa, offer t2 awa");
  acd_engine_offer_result (f->e, "t1", "awa", ACD_OFFER_ANSWERED, f->now);
  acd_engine_ended (f->e, "t1", f->now);
  LOG_IS (f, "offer t3 awa");
}

static void
relax_after_30 (AcdQueueConfig *c)
{
  c->relax[0] = (AcdRelax){ 30, 20 };
  c->n_relax = 1;
}

static void
test_skills_and_relaxation (F *f, gconstpointer data)
{
  (void) data;
  queue (f, "support", &idle_strategy, relax_after_30);
  agent (f, "novice", "support", 0, TRUE);
  agent (f, "expert", "support", 0, FALSE);
  acd_engine_agent_skill (f->e, "novice", "french", 60);
  acd_engine_agent_skill (f->e, "expert", "french", 90);
  const char *skills[] = { "french", NULL };
  const guint levels[] = { 80 };
  AcdJoin j = { .id = "c1", .queue = "support", .skills = skills, .levels = levels };
  g_assert_true (acd_engine_join (f->e, &j, f->now, NULL, NULL));
  LOG_IS (f, ""); /* the novice (60) is below 80, the expert not ready */
  g_assert_cmpint (acd_engine_next_due (f->e), ==, f->now + 30 * S);
  at (f, 30); /* 80 - 20 = 60: the novice will do */
  LOG_IS (f, "offer c1 novice");
}

static void
test_tiers (F *f, gconstpointer data)
{
  (void) data;
  queue (f, "q", &idle_strategy, NULL);
  agent (f, "backup", "q", 2, TRUE); /* idle longest, but a higher tier */
  agent (f, "front", "q", 1, TRUE);
  join (f, "c1", "q", 0);
  LOG_IS (f, "offer c1 front");
  join (f, "c2", "q", 0); /* front is ringing: the next tier */
  LOG_IS (f, "offer c2 backup");
}

static void
test_ring_all (F *f, gconstpointer data)
{
  (void) data;
  queue (f, "q", &ring_all_strategy, NULL);
  agent (f, "awa", "q", 0, TRUE);
  agent (f, "bob", "q", 0, TRUE);
  agent (f, "kone", "q", 0, TRUE);
  join (f, "c1", "q", 0);
  LOG_IS (f, "offer c1 awa, offer c1 bob, offer c1 kone");
  acd_engine_offer_result (f->e, "c1", "bob", ACD_OFFER_ANSWERED, f->now);
  /* (the others stop in reverse order of offering) */
  LOG_IS (f, "cancel c1 kone, cancel c1 awa");
  g_assert_cmpint (acd_engine_agent_shown (f->e, "awa", NULL), ==, ACD_SHOWN_READY);
}

static void
test_progressive (F *f, gconstpointer data)
{
  (void) data;
  queue (f, "q", &progressive_strategy, NULL);
  agent (f, "awa", "q", 0, TRUE);
  agent (f, "bob", "q", 0, TRUE);
  join (f, "c1", "q", 0);
  LOG_IS (f, "offer c1 awa");
  at (f, 5);
  LOG_IS (f, "offer c1 bob");
  acd_engine_offer_result (f->e, "c1", "awa", ACD_OFFER_ANSWERED, f->now);
  LOG_IS (f, "cancel c1 bob");
}

static void
overflow_q1 (AcdQueueConfig *c)
{
  c->overflow_to = g_strdup ("q2");
  c->overflow_after_s = 60;
}

static void
test_overflow_and_loops (F *f, gconstpointer data)
{
  (void) data;
  queue (f, "q1", &idle_strategy, overflow_q1);
  queue (f, "q2", &idle_strategy, NULL);
  g_autoptr (GError) e = NULL;
  g_assert_true (acd_engine_check (f->e, &e));
  agent (f, "bob", "q2", 0, TRUE);
  join (f, "c1", "q1", 0);
  at (f, 59);
  LOG_IS (f, "");
  at (f, 1);
  LOG_IS (f, "moved c1 q1 q2, offer c1 bob");
  /* q2 back to q1: a loop */
  AcdQueueConfig c = { 0 };
  c.name = g_strdup ("q2");
  c.overflow_to = g_strdup ("q1");
  c.overflow_after_s = 10;
  g_assert_true (acd_engine_set_queue (f->e, &c, &idle_strategy, NULL));
  g_assert_false (acd_engine_check (f->e, &e));
  g_assert_error (e, ACD_ERROR, ACD_ERROR_INVALID);
  g_test_message ("%s", e->message);
  g_assert_nonnull (strstr (e->message, "loop"));
}

static void
limits (AcdQueueConfig *c)
{
  c->max_wait_s = 120;
  c->max_length = 3;
  c->rejoin_window_s = 60;
}

static void
test_timeout_full_abandon_rejoin (F *f, gconstpointer data)
{
  (void) data;
  queue (f, "q", &idle_strategy, limits);
  agent (f, "awa", "q", 0, FALSE);
  join (f, "c1", "q", 0);
  f->now += 10 * S;
  AcdJoin j2 = { .id = "c2", .queue = "q", .caller = "+2250700000002" };
  g_assert_true (acd_engine_join (f->e, &j2, f->now, NULL, NULL));
  join (f, "c3", "q", 0);
  AcdJoin j3b = { .id = "c3b", .queue = "q" };
  AcdLeft why = ACD_LEFT_REMOVED;
  g_autoptr (GError) e = NULL;
  g_assert_false (acd_engine_join (f->e, &j3b, f->now, &why, &e));
  g_assert_error (e, ACD_ERROR, ACD_ERROR_REFUSED);
  g_assert_cmpint (why, ==, ACD_LEFT_FULL);
  /* c2 hangs up 5 s later; c4 comes; c2's caller calls again 25 s later
   * and is placed before c4, where it was */
  f->now += 5 * S;
  g_assert_true (acd_engine_abandon (f->e, "c2", f->now));
  f->now += 5 * S;
  join (f, "c4", "q", 0);
  f->now += 25 * S;
  g_assert_true (acd_engine_remove (f->e, "c3", f->now));
  AcdJoin j5 = { .id = "c5", .queue = "q", .caller = "+2250700000002" };
  g_assert_true (acd_engine_join (f->e, &j5, f->now, NULL, NULL));
  guint pos = 0;
  g_assert_true (acd_engine_position (f->e, "c5", &pos));
  g_assert_cmpuint (pos, ==, 2);
  g_assert_true (acd_engine_position (f->e, "c4", &pos));
  g_assert_cmpuint (pos, ==, 3);
  g_clear_error (&e);
  g_assert_false (acd_engine_join (f->e, &j5, f->now, NULL, &e)); /* already queued */
  g_assert_error (e, ACD_ERROR, ACD_ERROR_INVALID);
  /* c1 reaches 120 s of waiting */
  at (f, 120 - 45);
  LOG_IS (f, "left c1 timeout");
  AcdQueueStats st;
  acd_engine_queue_stats (f->e, "q", f->now, &st);
  g_assert_cmpuint (st.abandoned, ==, 1);
  g_assert_cmpuint (st.abandoned_in_sl, ==, 1);
  g_assert_cmpuint (st.timed_out, ==, 1);
  g_assert_cmpuint (st.refused, ==, 1);
  g_assert_cmpuint (st.waiting, ==, 2);
}

static void
empty_rules (AcdQueueConfig *c)
{
  c->join_empty = FALSE;
  c->leave_empty = TRUE;
}

static void
test_empty_queue (F *f, gconstpointer data)
{
  (void) data;
  queue (f, "q", &idle_strategy, empty_rules);
  agent (f, "awa", "q", 0, FALSE);
  AcdJoin j = { .id = "c1", .queue = "q" };
  AcdLeft why = ACD_LEFT_REMOVED;
  g_assert_false (acd_engine_join (f->e, &j, f->now, &why, NULL));
  g_assert_cmpint (why, ==, ACD_LEFT_EMPTY);
  acd_engine_agent_presence (f->e, "awa", ACD_AGENT_NOT_READY, "lunch", f->now, NULL);
  const char *reason = NULL;
  g_assert_cmpint (acd_engine_agent_shown (f->e, "awa", &reason), ==, ACD_SHOWN_NOT_READY);
  g_assert_cmpstr (reason, ==, "lunch");
  g_assert_true (acd_engine_join (f->e, &j, f->now, NULL, NULL));
  acd_engine_agent_presence (f->e, "awa", ACD_AGENT_LOGGED_OUT, NULL, f->now, NULL);
  LOG_IS (f, "left c1 empty");
}

static void
announce_every_30 (AcdQueueConfig *c)
{
  c->announce_every_s = 30;
  c->announce_min_s = 30;
  c->announce_only_better = TRUE;
}

static void
test_announcements (F *f, gconstpointer data)
{
  (void) data;
  queue (f, "q", &idle_strategy, announce_every_30);
  agent (f, "awa", "q", 0, FALSE);
  join (f, "c1", "q", 0);
  join (f, "c2", "q", 0);
  at (f, 30);
  /* nobody has been served yet: 180 s a call is assumed, 1 agent */
  LOG_IS (f, "announce c1 1 180, announce c2 2 360");
  at (f, 30); /* no better: nothing said */
  LOG_IS (f, "");
  acd_engine_remove (f->e, "c1", f->now);
  at (f, 30);
  LOG_IS (f, "announce c2 1 180");
}

static void
test_bad_strategy_is_not_obeyed (F *f, gconstpointer data)
{
  (void) data;
  queue (f, "q", &bad_strategy, NULL);
  agent (f, "awa", "q", 0, TRUE);
  agent (f, "bob", "q", 0, TRUE);
  agent (f, "kone", "q", 0, TRUE);
  join (f, "c1", "q", 0);
  LOG_IS (f, "complaint: queue q: strategy test-bad chose agent 10 of 3: ignored, "
             "complaint: queue q: strategy test-bad chose again agent 2 of 3: ignored, "
             "offer c1 kone");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add ("/acd/engine/" path, F, NULL, setup, fn, teardown)
  ADD ("priority-then-fifo", test_priority_then_fifo);
  ADD ("longest-idle-and-ring-timeout", test_longest_idle_and_ring_timeout);
  ADD ("misses-make-an-agent-not-ready", test_misses_make_an_agent_not_ready);
  ADD ("wrapup-counts-across-queues", test_wrapup_counts_across_queues);
  ADD ("capacity-per-channel", test_capacity_per_channel);
  ADD ("skills-and-relaxation", test_skills_and_relaxation);
  ADD ("tiers", test_tiers);
  ADD ("ring-all", test_ring_all);
  ADD ("progressive", test_progressive);
  ADD ("overflow-and-loops", test_overflow_and_loops);
  ADD ("timeout-full-abandon-rejoin", test_timeout_full_abandon_rejoin);
  ADD ("empty-queue", test_empty_queue);
  ADD ("announcements", test_announcements);
  ADD ("bad-strategy-is-not-obeyed", test_bad_strategy_is_not_obeyed);
  return g_test_run ();
}
