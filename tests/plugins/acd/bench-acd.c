/* Routing decision latency of the whole ACD engine, with each real
 * strategy plugin (tests/bench/run acd): a queue of 300 agents.
 *
 *   arrival  300 agents ready, an interaction joins: eligibility over the
 *            300, the strategy's choice, the offer — the join call timed;
 *   release  every agent busy and 1,000 waiting: an agent's interaction
 *            ends, the engine picks the next of the 1,000 (priority, then
 *            arrival) and offers it — the ended call timed.
 *
 * Prints p50, p99 and p99.9 per strategy and case as
 * "bench acd.STRATEGY.CASE-p99: V us". */
#include "engine.h"
#include "strategies-fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define AGENTS 300
#define WAITING 1000
#define DECISIONS 20000

typedef struct {
  char offered_ix[64];
  char offered_agent[32];
  guint offers;
} Seen;

static void
h_offer (gpointer data, const char *ix, const char *queue, const char *agent)
{
  (void) queue;
  Seen *s = data;
  g_strlcpy (s->offered_ix, ix, sizeof s->offered_ix);
  g_strlcpy (s->offered_agent, agent, sizeof s->offered_agent);
  s->offers++;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static void
report (const char *strategy, const char *what, double *us, guint n)
{
  qsort (us, n, sizeof *us, cmp_double);
  printf ("bench acd.%s.%s-p50: %.2f us\n", strategy, what, us[n / 2]);
  printf ("bench acd.%s.%s-p99: %.2f us\n", strategy, what, us[(guint) (n * 0.99)]);
  printf ("bench acd.%s.%s-p999: %.2f us\n", strategy, what, us[(guint) (n * 0.999)]);
}

static AcdEngine *
engine_with_agents (const OccAcdStrategy *st, Seen *seen, gboolean ready)
{
  AcdHooks hooks = { .offer = h_offer, .data = seen };
  AcdEngine *e = acd_engine_new (&hooks, 7);
  AcdQueueConfig c = { 0 };
  c.name = g_strdup ("q");
  c.strategy = g_strdup (st->name);
  c.join_empty = TRUE;
  c.tiers = TRUE;
  c.sl_threshold_s = 20;
  c.ring_timeout_s = 20;
  g_autoptr (GError) err = NULL;
  if (!acd_engine_set_queue (e, &c, st, &err))
    g_error ("%s", err->message);
  for (guint i = 0; i < AGENTS; i++)
    {
      char login[32];
      g_snprintf (login, sizeof login, "agent%u", i);
      acd_engine_agent_add (e, login, NULL);
      acd_engine_member_add (e, "q", login, 0, i % 4, NULL);
      if (ready)
        acd_engine_agent_presence (e, login, ACD_AGENT_READY, NULL, (gint64) i * 1000, NULL);
    }
  return e;
}

/* Nanoseconds of the monotonic clock (µs are too coarse here). */
static gint64
ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double
elapsed_us (gint64 t0)
{
  return (double) (ns () - t0) / 1000.0;
}

static void
bench_arrival (const OccAcdStrategy *st, double *us)
{
  Seen seen = { 0 };
  AcdEngine *e = engine_with_agents (st, &seen, TRUE);
  gint64 now = G_USEC_PER_SEC * 1000;
  for (guint i = 0; i < DECISIONS; i++)
    {
      char id[32];
      g_snprintf (id, sizeof id, "a%u", i);
      AcdJoin j = { .id = id, .queue = "q" };
      now += 1000;
      guint before = seen.offers;
      gint64 t0 = ns ();
      acd_engine_join (e, &j, now, NULL, NULL);
      us[i] = elapsed_us (t0);
      if (seen.offers == before)
        g_error ("%s: no offer on arrival", st->name);
      /* (not timed) the agent answers, the call ends: ready again */
      acd_engine_offer_result (e, seen.offered_ix, seen.offered_agent, ACD_OFFER_ANSWERED, now);
      acd_engine_ended (e, seen.offered_ix, now);
    }
  acd_engine_free (e);
}

static void
bench_release (const OccAcdStrategy *st, double *us)
{
  Seen seen = { 0 };
  AcdEngine *e = engine_with_agents (st, &seen, TRUE);
  gint64 now = G_USEC_PER_SEC * 1000;
  guint next = 0;
  /* every agent busy, 1,000 waiting with mixed priorities */
  GQueue connected = G_QUEUE_INIT;
  for (guint i = 0; i < AGENTS + WAITING; i++)
    {
      char id[32];
      g_snprintf (id, sizeof id, "r%u", next++);
      AcdJoin j = { .id = id, .queue = "q", .priority = (gint) (next % 3) };
      guint before = seen.offers;
      acd_engine_join (e, &j, now += 10, NULL, NULL);
      if (seen.offers != before)
        {
          acd_engine_offer_result (e, seen.offered_ix, seen.offered_agent, ACD_OFFER_ANSWERED, now);
          g_queue_push_tail (&connected, g_strdup (seen.offered_ix));
        }
    }
  for (guint i = 0; i < DECISIONS; i++)
    {
      g_autofree char *done = g_queue_pop_head (&connected);
      guint before = seen.offers;
      now += 1000;
      gint64 t0 = ns ();
      acd_engine_ended (e, done, now);
      us[i] = elapsed_us (t0);
      if (seen.offers == before)
        g_error ("%s: no offer on release", st->name);
      /* (not timed) answered; a new one joins, so 1,000 keep waiting */
      acd_engine_offer_result (e, seen.offered_ix, seen.offered_agent, ACD_OFFER_ANSWERED, now);
      g_queue_push_tail (&connected, g_strdup (seen.offered_ix));
      char id[32];
      g_snprintf (id, sizeof id, "r%u", next++);
      AcdJoin j = { .id = id, .queue = "q", .priority = (gint) (next % 3) };
      acd_engine_join (e, &j, now, NULL, NULL);
    }
  g_queue_clear_full (&connected, g_free);
  acd_engine_free (e);
}

int
main (int argc, char **argv)
{
  (void) argc;
  (void) argv;
  OccContext *ctx = acd_test_context_new ();
  double *us = g_new (double, DECISIONS);
  double worst = 0;
  for (guint i = 0; acd_test_strategy_names[i]; i++)
    {
      const OccAcdStrategy *st = acd_test_strategy (ctx, acd_test_strategy_names[i]);
      if (st->flags & OCC_ACD_STRATEGY_RING_ALL)
        continue; /* it offers to all 300: not one decision */
      bench_arrival (st, us);
      report (st->name, "arrival", us, DECISIONS);
      worst = MAX (worst, us[(guint) (DECISIONS * 0.99)]);
      bench_release (st, us);
      report (st->name, "release", us, DECISIONS);
      worst = MAX (worst, us[(guint) (DECISIONS * 0.99)]);
    }
  printf ("bench acd.worst-p99: %.2f us (target 20)\n", worst);
  g_free (us);
  occ_context_free (ctx);
  return 0;
}
