/* bench acd-strategies: how long one routing decision (select, then
 * offered to the first) takes with 300 eligible agents, for every
 * strategy, through the real .so files. Prints
 * "bench acd-strategies.<name>.p50|p99: <ns> ns". Not a test: run it
 * with tests/bench/run acd-strategies [decisions]. */
#include "strategies-fixture.h"

#include <stdlib.h>
#include <time.h>

#define AGENTS 300

static gint64
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
compare_ns (const void *a, const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

int
main (int argc, char **argv)
{
  guint decisions = argc > 1 ? (guint) atoi (argv[1]) : 100000;
  if (decisions == 0)
    decisions = 100000;
  OccContext *ctx = acd_test_context_new ();
  g_autoptr (GRand) rand = g_rand_new_with_seed (1);
  OccAcdAgent agents[AGENTS];
  for (guint i = 0; i < AGENTS; i++)
    {
      agents[i] = acd_test_agent ("agent", i + 1, i, g_rand_int_range (rand, 0, 1000000));
      agents[i].penalty = g_rand_int_range (rand, 0, 4);
      agents[i].answered = g_rand_int_range (rand, 0, 50);
      agents[i].talk_time = g_rand_int_range (rand, 0, 3600) * G_USEC_PER_SEC;
      for (guint s = 0; s < 8; s++)
        agents[i].skills[s] = g_rand_int_range (rand, 0, 101);
    }
  OccAcdInteraction ix = { .id = "ix", .channel = "voice" };
  ix.required[1] = 20;
  ix.required[4] = 40;
  g_autofree gint64 *ns = g_new (gint64, decisions);
  guint out[AGENTS];
  for (guint k = 0; acd_test_strategy_names[k] != NULL; k++)
    {
      const char *name = acd_test_strategy_names[k];
      g_autoptr (AcdTestQueue) q = acd_test_queue_new (ctx, name, 7, NULL);
      for (guint d = 0; d < decisions; d++)
        {
          gint64 t0 = now_ns ();
          guint got = q->strategy->select (&q->ctx, &ix, agents, AGENTS, out);
          if (q->strategy->offered && got > 0)
            q->strategy->offered (&q->ctx, &ix, &agents[out[0]]);
          ns[d] = now_ns () - t0;
        }
      qsort (ns, decisions, sizeof *ns, compare_ns);
      g_print ("bench acd-strategies.%s.p50: %" G_GINT64_FORMAT " ns\n", name, ns[decisions / 2]);
      g_print ("bench acd-strategies.%s.p99: %" G_GINT64_FORMAT " ns\n", name,
               ns[(guint64) decisions * 99 / 100]);
    }
  occ_context_free (ctx);
  return 0;
}
