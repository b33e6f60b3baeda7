/* predictive: dials ahead of free agents from what the campaign measured,
 * and keeps the rolling abandonment rate under its target by feedback.
 *
 * The model, asked at each decision: the calls now in progress plus x new
 * ones each answer with probability p (the recent answer rate); their
 * answers come over the next H seconds (the measured dial-to-answer
 * time) plus the information-message delay. The agents who can take them
 * are the free ones plus each busy agent with the probability that its
 * call (talk + wrap-up, a log-normal fitted to the measured handle times)
 * ends within H given how long it has lasted, minus the answered calls
 * already waiting. With A the answers and F the agents (both taken as
 * normal), the expected abandons are E[max(0, A − F)]; the plugin starts
 * the most calls x for which that stays within ρ·E[A].
 *
 * ρ is the feedback: aim × target × g, where the gain g = e^(κ·budget)
 * (bounded to [0.05, 3]) and budget = aim × target × live answers −
 * abandons, both in the rolling window. The budget is the integral of
 * the error: every abandon tightens the pacing, every answer that was not
 * abandoned loosens it, so whatever the model gets wrong the window's
 * rate is held near aim × target, under the target.
 *
 * Until it has measured, it is progressive: p starts at 1 and follows the
 * outcomes (an exponentially weighted mean), busy agents count as staying
 * busy until 10 handle times are known, and H is 0 until 5 answers.
 *
 * Settings (the campaign's pacing-* keys): pacing-aim (share of the
 * target aimed at, default 0.6), pacing-gain (κ, default 0.2),
 * pacing-memory (the answer rate's weight of one outcome, default
 * 0.02). */
#include "pacing.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
  double aim, gain, memory;
  double p; /* the recent answer rate */
} Predictive;

static gboolean
param (GHashTable *params, const char *key, double fallback, double min, double max, double *out,
       GError **error)
{
  const char *v = g_hash_table_lookup (params, key);
  *out = fallback;
  if (v == NULL)
    return TRUE;
  char *end = NULL;
  *out = g_ascii_strtod (v, &end);
  if (*v == '\0' || *end != '\0' || !(*out >= min && *out <= max))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "pacing-%s: must be a number from %g to %g", key, min, max);
      return FALSE;
    }
  return TRUE;
}

static gpointer
predictive_new (const OccDialerPacing *self, const char *campaign, GHashTable *params,
                GError **error)
{
  (void) self;
  (void) campaign;
  Predictive *p = g_new0 (Predictive, 1);
  p->p = 1.0;
  if (!param (params, "aim", 0.6, 0.01, 1, &p->aim, error)
      || !param (params, "gain", 0.2, 0, 5, &p->gain, error)
      || !param (params, "memory", 0.02, 0.0001, 1, &p->memory, error))
    {
      g_free (p);
      return NULL;
    }
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init (&it, params);
  while (g_hash_table_iter_next (&it, &key, NULL))
    if (g_strcmp0 (key, "aim") && g_strcmp0 (key, "gain") && g_strcmp0 (key, "memory"))
      {
        g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                     "pacing-%s: unknown to the predictive pacing", (const char *) key);
        g_free (p);
        return NULL;
      }
  return p;
}

static void
predictive_observe (const OccDialerPacingContext *ctx, const OccDialerResult *r)
{
  Predictive *p = ctx->state;
  if (r->outcome == OCC_DIALER_ABANDONED || r->outcome == OCC_DIALER_SKIPPED)
    return; /* an abandon was counted as an answer already */
  double x = r->outcome == OCC_DIALER_ANSWERED ? 1.0 : 0.0;
  p->p += p->memory * (x - p->p);
}

/* P(T > t) for a log-normal T of parameters @mu, @sigma. */
static double
survival (double t, double mu, double sigma)
{
  if (t <= 0)
    return 1.0;
  return 0.5 * erfc ((log (t) - mu) / (sigma * G_SQRT2));
}

/* E[max(0, Z)] for Z normal (@mean, @var). */
static double
expected_excess (double mean, double var)
{
  if (var <= 1e-12)
    return MAX (mean, 0.0);
  double sd = sqrt (var), z = mean / sd;
  double pdf = exp (-0.5 * z * z) / sqrt (2 * G_PI);
  return sd * pdf + mean * 0.5 * erfc (-z / G_SQRT2);
}

/* The agents expected to take answers within @horizon_s: mean and
 * variance. */
static void
agents_within (const OccDialerPacingContext *ctx, double horizon_s, double *mean, double *var)
{
  *mean = ctx->agents_free;
  *var = 0;
  if (ctx->handle.count < 10 || ctx->handle.mean_s <= 0)
    return;
  double m = ctx->handle.mean_s, s = MAX (ctx->handle.sd_s, 0.05 * m);
  double sigma2 = log (1.0 + s * s / (m * m)), sigma = sqrt (sigma2), mu = log (m) - sigma2 / 2;
  for (guint i = 0; i < ctx->n_agents; i++)
    {
      const OccDialerAgent *a = &ctx->agents[i];
      if ((a->state != OCC_DIALER_AGENT_BUSY && a->state != OCC_DIALER_AGENT_WRAP_UP)
          || a->handle_start == 0)
        continue;
      double elapsed = (double) (ctx->now - a->handle_start) / G_USEC_PER_SEC;
      double alive = survival (elapsed, mu, sigma);
      double q = alive < 1e-12 ? 1.0 : (alive - survival (elapsed + horizon_s, mu, sigma)) / alive;
      *mean += q;
      *var += q * (1 - q);
    }
}

static void
predictive_decide (const OccDialerPacingContext *ctx, OccDialerDecision *out)
{
  Predictive *st = ctx->state;
  guint pending = ctx->calls_dialing + ctx->calls_ringing;
  /* progressive's count is always allowed: those calls have agents */
  guint floor_calls = ctx->agents_free > pending + ctx->calls_waiting
                          ? ctx->agents_free - pending - ctx->calls_waiting
                          : 0;
  double p = CLAMP (st->p, 0.001, 1.0);
  double horizon = ctx->answer_delay.count >= 5 ? ctx->answer_delay.mean_s : 0;
  double f_mean, f_var;
  agents_within (ctx, horizon + ctx->info_message_s, &f_mean, &f_var);
  f_mean -= ctx->calls_waiting;
  double target = st->aim * ctx->abandon_target;
  double budget = target * (double) ctx->window_answers - (double) ctx->window_abandons;
  double rho = target * CLAMP (exp (st->gain * budget), 0.05, 3.0);
  guint calls = 0;
  for (guint x = 1; x <= ctx->max_new_calls; x++)
    {
      double n = pending + x, a_mean = n * p;
      double abandons = expected_excess (a_mean - f_mean, n * p * (1 - p) + f_var);
      if (abandons > rho * a_mean)
        break;
      calls = x;
    }
  out->calls = MAX (calls, MIN (floor_calls, ctx->max_new_calls));
}

DIALER_PACING_DEFINE ("predictive",
                      "dials ahead from measured answer, ring and handle times; feedback keeps "
                      "abandons under the target",
                      .state_new = predictive_new, .state_free = g_free,
                      .decide = predictive_decide, .observe = predictive_observe);
