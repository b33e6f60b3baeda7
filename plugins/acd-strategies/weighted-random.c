/* weighted-random: a random order in which agents with a lower penalty
 * tend to come first. Each agent has a weight from its penalty in the
 * queue, and the order is drawn without replacement: the first with
 * probability weight / sum of the weights, the next likewise among the
 * rest, and so on.
 *
 * Weights, chosen by the queue's "strategy-weights" key:
 *   inverse (default)  1 / (1 + penalty): penalty 0 → 1, 1 → 1/2, 3 → 1/4
 *   exponential        2^-penalty:         penalty 0 → 1, 1 → 1/2, 3 → 1/8
 *
 * The draw is an exponential race (Efraimidis & Spirakis): every agent
 * gets -ln(U) / weight with U uniform on (0, 1], and the smallest goes
 * first. That is the same distribution as drawing one by one, in
 * O(n log n) instead of O(n²). */
#include "rank.h"

#include <math.h>
#include <string.h>

typedef enum {
  WEIGHTS_INVERSE,
  WEIGHTS_EXPONENTIAL,
} Weights;

typedef struct {
  Weights weights;
} WeightedState;

/* Past this, 2^-penalty stays a normal double (and the agent still
 * comes, almost always, last). */
#define MAX_EXPONENT 1000

static gpointer
weighted_queue_new (const OccAcdStrategy *self, const char *queue, GHashTable *params,
                    GError **error)
{
  WeightedState *state = g_new0 (WeightedState, 1);
  GHashTableIter iter;
  gpointer key, value;
  g_hash_table_iter_init (&iter, params);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (strcmp (key, "weights") != 0)
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                       "queue %s: strategy-%s: weighted-random knows only strategy-weights", queue,
                       (const char *) key);
          g_free (state);
          return NULL;
        }
      if (strcmp (value, "inverse") == 0)
        state->weights = WEIGHTS_INVERSE;
      else if (strcmp (value, "exponential") == 0)
        state->weights = WEIGHTS_EXPONENTIAL;
      else
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       "queue %s: strategy-weights=%s: expected inverse or exponential", queue,
                       (const char *) value);
          g_free (state);
          return NULL;
        }
    }
  return state;
}

static double
weight (Weights weights, guint penalty)
{
  if (weights == WEIGHTS_EXPONENTIAL)
    return ldexp (1.0, -(int) MIN (penalty, MAX_EXPONENT));
  return 1.0 / (1.0 + penalty);
}

typedef struct {
  Weights weights;
  GRand *rand;
} Race;

static gint64
race_key (gconstpointer data, const OccAcdAgent *agent)
{
  const Race *race = data;
  /* g_rand_double is on [0, 1): 1 - it is on (0, 1], so the log is finite */
  double u = 1.0 - g_rand_double (race->rand);
  return acd_rank_double_key (-log (u) / weight (race->weights, agent->penalty));
}

static guint
weighted_select (const OccAcdContext *ctx, const OccAcdInteraction *ix, const OccAcdAgent *agents,
                 guint n, guint *out)
{
  const WeightedState *state = ctx->state;
  Race race = { state ? state->weights : WEIGHTS_INVERSE, ctx->rand };
  return acd_rank_by_key (agents, n, race_key, &race, ctx->want, out);
}

ACD_STRATEGY_DEFINE ("weighted-random", "random, lower penalty more likely first (by weight)",
                     .queue_new = weighted_queue_new, .queue_free = g_free,
                     .select = weighted_select);
