/* The ACD's queueing formulas (plugins/acd/erlang.c): the reference
 * figures, exact identities, and cross-checks against sums computed here
 * another way, in long double: factorials and powers for Erlang B and C,
 * the birth–death chain from state 0 for Erlang A, and for its service
 * level the tagged caller's own chain solved by uniformization. */
#include "erlang.h"

#include <math.h>

#define EXACT 1e-9

/* A load on a number of agents. */
typedef struct {
  double a;
  guint n;
} Staffed;

/* Loads of the examples: calls per 30 minutes × AHT. */
#define LOAD(calls_per_30min, aht_s) ((calls_per_30min) / 1800.0 * (aht_s))

static void
assert_near (double got, double want, double tol)
{
  if (!(fabs (got - want) <= tol))
    g_error ("got %.15g, want %.15g (± %g)", got, want, tol);
}

/* ---- brute force: Erlang B and C from factorials ---- */

static long double
poisson_partial (long double a, guint n)
{
  long double sum = 0, fact = 1;
  for (guint k = 0; k < n; k++)
    {
      if (k > 0)
        fact *= k;
      sum += powl (a, k) / fact;
    }
  return sum;
}

static long double
brute_b (long double a, guint n)
{
  long double top = powl (a, n) / tgammal (n + 1);
  return top / (poisson_partial (a, n) + top);
}

static long double
brute_c (long double a, guint n)
{
  long double top = powl (a, n) / tgammal (n + 1) * n / (n - a);
  return top / (poisson_partial (a, n) + top);
}

/* Erlang C for large n in log space, with lgammal: a route independent of
 * the library's recursion. */
static long double
log_space_c (long double a, guint n)
{
  long double log_top = n * logl (a) - lgammal (n + 1) + logl (n / (n - a));
  long double sum = 0;
  for (guint k = 0; k < n; k++)
    sum += expl (k * logl (a) - lgammal (k + 1) - log_top);
  return 1 / (sum + 1);
}

static void
test_b_by_hand (void)
{
  assert_near (acd_erlang_b (1, 1), 0.5, EXACT);
  assert_near (acd_erlang_b (2, 2), 0.4, EXACT);
  assert_near (acd_erlang_b (3, 1), 0.75, EXACT);
  /* 2²/2 / (1 + 2 + 2) = 0.4; 1³/6 / (1 + 1 + 1/2 + 1/6) = 1/16 */
  assert_near (acd_erlang_b (1, 3), 1.0 / 16, EXACT);
  assert_near (acd_erlang_b (0, 4), 0, EXACT);
  const double loads[] = { 0.3, 1, 2.5, 7, 12.25, 19.9 };
  for (guint i = 0; i < G_N_ELEMENTS (loads); i++)
    for (guint n = 1; n <= 30; n++)
      assert_near (acd_erlang_b (loads[i], n), (double) brute_b (loads[i], n), EXACT);
}

static void
test_c_from_b (void)
{
  const double loads[] = { 0.3, 1, 2.5, 7, 12.25, 19.9 };
  for (guint i = 0; i < G_N_ELEMENTS (loads); i++)
    for (guint n = (guint) loads[i] + 1; n <= 30; n++)
      {
        double a = loads[i], b = acd_erlang_b (a, n), c = acd_erlang_c (a, n);
        assert_near (c, n * b / (n - a * (1 - b)), EXACT);
        assert_near (c, (double) brute_c (a, n), EXACT);
        /* waiting is likelier than being lost with the same servers */
        g_assert_cmpfloat (c, >, b);
        /* with no threshold, the service level is the chance of not waiting */
        assert_near (acd_erlang_c_sl (a, n, 180, 0), 1 - c, EXACT);
        assert_near (acd_erlang_c_sl (a, n, 180, 30), 1 - c * exp (-(n - a) * 30 / 180.0), EXACT);
        assert_near (acd_erlang_c_asa (a, n, 180), c * 180 / (n - a), EXACT);
      }
  assert_near (acd_erlang_c (0, 1), 0, EXACT);
  assert_near (acd_erlang_c_sl (0, 1, 60, 20), 1, EXACT);
}

static void
test_c_reference_figures (void)
{
  /* 360 calls per 30 minutes, AHT 240 s: 48 Erlangs */
  double a = LOAD (360, 240);
  assert_near (a, 48, EXACT);
  assert_near (acd_erlang_c (a, 55), 0.2387, 0.00005);
  assert_near (100 * acd_erlang_c_sl (a, 55, 240, 20), 86.68, 0.005);
  assert_near (acd_erlang_c_asa (a, 55, 240), 8.18, 0.005);
  assert_near (100 * acd_erlang_c_sl (a, 54, 240, 20), 81.72, 0.005);

  /* 100 calls per 30 minutes, AHT 180 s: 10 Erlangs */
  a = LOAD (100, 180);
  assert_near (a, 10, EXACT);
  assert_near (100 * acd_erlang_c_sl (a, 13, 180, 20), 79.56, 0.005);
  assert_near (acd_erlang_c_asa (a, 13, 180), 17.12, 0.005);
  assert_near (100 * acd_erlang_c_sl (a, 14, 180, 20), 88.84, 0.005);
  assert_near (acd_erlang_c_asa (a, 14, 180), 7.84, 0.005);
}

static void
test_c_more_agents_better (void)
{
  const double loads[] = { 0.5, 10, 48, 250.5, 1800 };
  for (guint i = 0; i < G_N_ELEMENTS (loads); i++)
    {
      double a = loads[i];
      guint first = (guint) floor (a) + 1;
      double sl = acd_erlang_c_sl (a, first, 180, 20);
      double asa = acd_erlang_c_asa (a, first, 180);
      double c = acd_erlang_c (a, first);
      for (guint n = first + 1; n < first + 60; n++)
        {
          double sl_n = acd_erlang_c_sl (a, n, 180, 20), asa_n = acd_erlang_c_asa (a, n, 180);
          double c_n = acd_erlang_c (a, n);
          /* strictly, until the figures reach the ends of [0, 1] */
          g_assert_true (sl_n > sl || sl_n == 1);
          g_assert_true (asa_n < asa || asa_n == 0);
          g_assert_true (c_n < c || c_n == 0);
          sl = sl_n, asa = asa_n, c = c_n;
        }
    }
}

static void
test_c_staffing_boundary (void)
{
  /* the reference cases: 54 agents give 81.72 %, 55 give 86.68 % */
  g_assert_cmpuint (acd_erlang_c_agents_for_sl (48, 240, 20, 0.85), ==, 55);
  g_assert_cmpuint (acd_erlang_c_agents_for_sl (48, 240, 20, 0.80), ==, 54);
  g_assert_cmpuint (acd_erlang_c_agents_for_sl (10, 180, 20, 0.80), ==, 14);
  g_assert_cmpuint (acd_erlang_c_agents_for_sl (10, 180, 20, 0.79), ==, 13);
  /* 13 agents: ASA 17.12 s; 14: 7.84 s */
  g_assert_cmpuint (acd_erlang_c_agents_for_asa (10, 180, 10), ==, 14);
  g_assert_cmpuint (acd_erlang_c_agents_for_asa (10, 180, 17.2), ==, 13);
  /* every n has to be more than the load, even for an easy target */
  g_assert_cmpuint (acd_erlang_c_agents_for_sl (10, 180, 20, 0), ==, 11);
  g_assert_cmpuint (acd_erlang_c_agents_for_sl (10.5, 180, 20, 0), ==, 11);
  g_assert_cmpuint (acd_erlang_c_agents_for_sl (0, 180, 20, 1), ==, 1);

  const double loads[] = { 0.2, 3, 10, 48, 99.5, 730, 1900 };
  const double targets[] = { 0.5, 0.8, 0.9, 0.95, 0.999 };
  const double thresholds[] = { 0, 10, 20, 60 };
  for (guint i = 0; i < G_N_ELEMENTS (loads); i++)
    for (guint j = 0; j < G_N_ELEMENTS (targets); j++)
      for (guint k = 0; k < G_N_ELEMENTS (thresholds); k++)
        {
          double a = loads[i], target = targets[j], t = thresholds[k];
          guint n = acd_erlang_c_agents_for_sl (a, 180, t, target);
          g_assert_cmpuint (n, >, a);
          g_assert_cmpfloat (acd_erlang_c_sl (a, n, 180, t), >=, target);
          if (n - 1 > a)
            g_assert_cmpfloat (acd_erlang_c_sl (a, n - 1, 180, t), <, target);

          double asa_target = 60 * (1 - target);
          n = acd_erlang_c_agents_for_asa (a, 180, asa_target);
          g_assert_cmpuint (n, >, a);
          g_assert_cmpfloat (acd_erlang_c_asa (a, n, 180), <=, asa_target);
          if (n - 1 > a)
            g_assert_cmpfloat (acd_erlang_c_asa (a, n - 1, 180), >, asa_target);
        }
}

static void
assert_probability (double p)
{
  g_assert_true (isfinite (p));
  g_assert_cmpfloat (p, >=, 0);
  g_assert_cmpfloat (p, <=, 1);
}

static void
test_large (void)
{
  const Staffed cases[]
      = { { 1800, 1900 }, { 1900, 2000 }, { 1999.5, 2000 }, { 1, 2000 }, { 1500, 1550 } };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      double a = cases[i].a;
      guint n = cases[i].n;
      assert_probability (acd_erlang_b (a, n));
      assert_probability (acd_erlang_c (a, n));
      assert_probability (acd_erlang_c_sl (a, n, 180, 20));
      g_assert_true (isfinite (acd_erlang_c_asa (a, n, 180)));
      g_assert_cmpfloat (acd_erlang_c_asa (a, n, 180), >=, 0);
      assert_near (acd_erlang_c (a, n), (double) log_space_c (a, n), EXACT);

      AcdErlangA r;
      g_assert_true (acd_erlang_a (a / 180, 180, 120, n, 20, &r));
      assert_probability (r.p_wait);
      assert_probability (r.p_abandon);
      assert_probability (r.sl);
      g_assert_true (isfinite (r.asa_s) && isfinite (r.mean_queue));
    }
  /* 1800 Erlangs on 1900 agents: a few in a hundred wait */
  g_assert_cmpfloat (acd_erlang_c (1800, 1900), >, 0.001);
  g_assert_cmpfloat (acd_erlang_c (1800, 1900), <, 0.1);
}

/* ---- brute force: Erlang A from state 0 upwards ---- */

typedef struct {
  double p_wait, p_abandon, asa_s, sl, mean_queue;
} Brute;

/* Answered within t, and the answered wait, of a caller finding j ahead,
 * for every j <= jmax: its chain (j ahead … 0 ahead, answered, gone)
 * uniformized at rate u, stepped until the Poisson weights are spent. */
static void
brute_tagged (long double n, long double th, long double tt, guint jmax, long double *within,
              long double *answered_wait)
{
  long double u = n + (jmax + 2) * th;
  long double *g = g_new0 (long double, jmax + 1), *prev = g_new0 (long double, jmax + 1);
  long double pois = expl (-u * tt);
  for (guint j = 0; j <= jmax; j++)
    within[j] = 0;
  for (guint step = 0; step < 100000 && !(step > u * tt && pois < 1e-25L); step++)
    {
      if (step > 0)
        {
          /* g[j]: P(answered within `step` jumps | j ahead) */
          for (guint j = 0; j <= jmax; j++)
            prev[j] = g[j];
          for (guint j = 0; j <= jmax; j++)
            {
              long double fwd = (n + j * th) / u, stay = 1 - (n + (j + 1) * th) / u;
              g[j] = fwd * (j == 0 ? 1 : prev[j - 1]) + stay * prev[j];
            }
          pois *= u * tt / step;
        }
      for (guint j = 0; j <= jmax; j++)
        within[j] += pois * g[j];
    }
  /* E[wait × 1{answered}]: each visited stage adds its mean stay,
   * 1/(n + (k + 1)·th), times the chance to be answered from there on. */
  long double p = 1, e = 0;
  for (guint j = 0; j <= jmax; j++)
    {
      long double rate = n + (j + 1) * th;
      /* answered from j: reach j − 1's answer; e accumulates recursively */
      long double p_j = (n + j * th) / rate * (j == 0 ? 1 : p);
      long double e_j = p_j / rate + (n + j * th) / rate * (j == 0 ? 0 : e);
      p = p_j, e = e_j;
      answered_wait[j] = e_j;
    }
  g_free (g);
  g_free (prev);
}

static Brute
brute_a (double lambda, double aht, double patience, guint n, double t)
{
  long double a = (long double) lambda * aht, th = isinf (patience) ? 0 : aht / patience;
  enum { STATES = 4000 };
  long double w[STATES], z = 0;
  w[0] = 1;
  guint last = 0;
  for (guint k = 1; k < STATES; k++)
    {
      long double death = k <= n ? k : n + (k - n) * th;
      w[k] = w[k - 1] * a / death;
      last = k;
      if (k > a + n && w[k] < 1e-30L)
        break;
    }
  g_assert_cmpuint (last, <, STATES - 1);
  guint jmax = last - n;
  long double *within = g_new (long double, jmax + 1);
  long double *answered_wait = g_new (long double, jmax + 1);
  brute_tagged (n, th, t / aht, jmax, within, answered_wait);

  long double queued = 0, lq = 0, sl = 0, answered = 0, wait = 0;
  for (guint k = 0; k <= last; k++)
    {
      z += w[k];
      if (k < n)
        sl += w[k], answered += w[k];
      else
        {
          guint j = k - n;
          queued += w[k];
          lq += j * w[k];
          sl += w[k] * within[j];
          answered += w[k] * n / (n + (j + 1) * th);
          wait += w[k] * answered_wait[j];
        }
    }
  g_free (within);
  g_free (answered_wait);
  Brute b = {
    .p_wait = queued / z,
    .mean_queue = lq / z,
    .p_abandon = 1 - answered / z,
    .sl = sl / z,
    .asa_s = wait / answered * aht,
  };
  return b;
}

static void
test_a_reference_figure (void)
{
  /* 10 Erlangs, AHT 180 s, mean patience 120 s, 12 agents */
  AcdErlangA r;
  g_assert_true (acd_erlang_a (100 / 1800.0, 180, 120, 12, 20, &r));
  assert_near (100 * r.p_abandon, 6.16, 0.005);
  /* θ·E[Lq]/λ */
  assert_near (r.p_abandon, r.mean_queue / 120 / (100 / 1800.0), EXACT);
  assert_near (r.mean_wait_s, r.mean_queue / (100 / 1800.0), EXACT);
}

static void
assert_a_matches (const AcdErlangA *r, const Brute *b)
{
  assert_near (r->p_wait, b->p_wait, EXACT);
  assert_near (r->p_abandon, b->p_abandon, EXACT);
  assert_near (r->mean_queue, b->mean_queue, EXACT);
  assert_near (r->sl, b->sl, EXACT);
  assert_near (r->asa_s, b->asa_s, EXACT);
}

static void
test_a_brute_force (void)
{
  const struct {
    double lambda, aht, patience;
    guint n;
    double t;
  } cases[] = {
    { 100 / 1800.0, 180, 120, 12, 20 }, /* the reference case */
    { 1 / 60.0, 120, 300, 1, 30 },      /* a single agent */
    { 0.05, 60, 30, 2, 10 },            /* impatient */
    { 0.1, 60, 90, 4, 20 },             /* overloaded: 6 Erlangs on 4 */
    { 0.2, 100, 45, 8, 0 },             /* 20 Erlangs on 8, no threshold */
    { 0.02, 200, 1e4, 5, 60 },          /* patient */
    { 0.01, 300, 200, 6, 600 },         /* a long threshold */
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      AcdErlangA r;
      g_assert_true (acd_erlang_a (cases[i].lambda, cases[i].aht, cases[i].patience, cases[i].n,
                                   cases[i].t, &r));
      Brute b = brute_a (cases[i].lambda, cases[i].aht, cases[i].patience, cases[i].n, cases[i].t);
      assert_a_matches (&r, &b);
      /* Little's law, and θ·E[Lq]/λ from the chain's flow balance */
      assert_near (r.mean_wait_s, r.mean_queue / cases[i].lambda, EXACT);
    }
}

static void
test_a_thresholds (void)
{
  AcdErlangA r0, r20, far;
  g_assert_true (acd_erlang_a (0.1, 60, 90, 4, 0, &r0));
  g_assert_true (acd_erlang_a (0.1, 60, 90, 4, 20, &r20));
  g_assert_true (acd_erlang_a (0.1, 60, 90, 4, 1e5, &far));
  /* at t = 0 only those who never wait count; by t = ∞ every answered
   * call does */
  assert_near (r0.sl, 1 - r0.p_wait, EXACT);
  assert_near (far.sl, 1 - far.p_abandon, EXACT);
  g_assert_cmpfloat (r0.sl, <, r20.sl);
  g_assert_cmpfloat (r20.sl, <, far.sl);
}

static void
test_a_converges_to_c (void)
{
  const Staffed cases[] = { { 10, 12 }, { 10, 13 }, { 48, 55 }, { 0.5, 1 }, { 3, 8 } };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      double a = cases[i].a, aht = 180, lambda = a / aht;
      guint n = cases[i].n;
      double c = acd_erlang_c (a, n);
      /* 1e9 s of patience is still 1e-7 away at these loads (ASA 1e-5 s) */
      const double patiences[] = { 1e15, INFINITY };
      for (guint j = 0; j < G_N_ELEMENTS (patiences); j++)
        {
          AcdErlangA r;
          g_assert_true (acd_erlang_a (lambda, aht, patiences[j], n, 20, &r));
          assert_near (r.p_wait, c, EXACT);
          assert_near (r.sl, acd_erlang_c_sl (a, n, aht, 20), EXACT);
          assert_near (r.asa_s, acd_erlang_c_asa (a, n, aht), EXACT);
          assert_near (r.mean_wait_s, acd_erlang_c_asa (a, n, aht), EXACT);
          assert_near (r.mean_queue, c * a / (n - a), EXACT);
          assert_near (r.p_abandon, 0, EXACT);
        }
      AcdErlangA r;
      g_assert_true (acd_erlang_a (lambda, aht, 1e9, n, 20, &r));
      assert_near (r.p_wait, c, 1e-5);
    }
}

static void
test_a_more_agents_better (void)
{
  AcdErlangA prev;
  g_assert_true (acd_erlang_a (0.5, 180, 120, 60, 20, &prev)); /* 90 Erlangs on 60 */
  for (guint n = 61; n < 130; n++)
    {
      AcdErlangA r;
      g_assert_true (acd_erlang_a (0.5, 180, 120, n, 20, &r));
      g_assert_cmpfloat (r.p_wait, <, prev.p_wait);
      g_assert_cmpfloat (r.p_abandon, <, prev.p_abandon);
      g_assert_cmpfloat (r.sl, >, prev.sl);
      g_assert_cmpfloat (r.mean_queue, <, prev.mean_queue);
      prev = r;
    }
}

static void
test_a_overloaded (void)
{
  /* 15 Erlangs on 10 agents: at most 10/15 of the calls can be answered */
  AcdErlangA r;
  g_assert_true (acd_erlang_a (15 / 180.0, 180, 60, 10, 20, &r));
  g_assert_cmpfloat (r.p_abandon, >=, 1 - 10 / 15.0);
  /* more waiting than a loss system would have, whose callers "abandon"
   * at once, and which Erlang A becomes as patience runs out */
  g_assert_cmpfloat (r.p_wait, >, acd_erlang_b (15, 10) + 0.1);
  AcdErlangA hasty;
  g_assert_true (acd_erlang_a (15 / 180.0, 180, 1e-6, 10, 20, &hasty));
  assert_near (hasty.p_wait, acd_erlang_b (15, 10), 1e-6);
  assert_near (hasty.p_abandon, acd_erlang_b (15, 10), 1e-6);
  /* patient callers in an overloaded queue: a queue too long to sum */
  g_assert_false (acd_erlang_a (15 / 180.0, 180, 1e15, 10, 20, &r));
}

static void
test_invalid (void)
{
  g_assert_true (isnan (acd_erlang_b (-1, 3)));
  g_assert_true (isnan (acd_erlang_b (NAN, 3)));
  g_assert_true (isnan (acd_erlang_b (INFINITY, 3)));
  g_assert_true (isnan (acd_erlang_b (2, 0)));
  g_assert_true (isnan (acd_erlang_b (2, ACD_ERLANG_MAX_AGENTS + 1)));

  g_assert_true (isnan (acd_erlang_c (-0.5, 3)));
  g_assert_true (isnan (acd_erlang_c (NAN, 3)));
  g_assert_true (isnan (acd_erlang_c (1, 0)));
  g_assert_true (isnan (acd_erlang_c (3, 3)));
  g_assert_true (isnan (acd_erlang_c (3.5, 3)));

  g_assert_true (isnan (acd_erlang_c_sl (10, 12, 0, 20)));
  g_assert_true (isnan (acd_erlang_c_sl (10, 12, -180, 20)));
  g_assert_true (isnan (acd_erlang_c_sl (10, 12, NAN, 20)));
  g_assert_true (isnan (acd_erlang_c_sl (10, 12, 180, -1)));
  g_assert_true (isnan (acd_erlang_c_sl (10, 12, 180, INFINITY)));
  g_assert_true (isnan (acd_erlang_c_sl (12, 12, 180, 20)));
  g_assert_true (isnan (acd_erlang_c_asa (10, 12, 0)));
  g_assert_true (isnan (acd_erlang_c_asa (13, 12, 180)));

  g_assert_cmpuint (acd_erlang_c_agents_for_sl (-1, 180, 20, 0.8), ==, 0);
  g_assert_cmpuint (acd_erlang_c_agents_for_sl (NAN, 180, 20, 0.8), ==, 0);
  g_assert_cmpuint (acd_erlang_c_agents_for_sl (10, 0, 20, 0.8), ==, 0);
  g_assert_cmpuint (acd_erlang_c_agents_for_sl (10, 180, -5, 0.8), ==, 0);
  g_assert_cmpuint (acd_erlang_c_agents_for_sl (10, 180, 20, 1.5), ==, 0);
  g_assert_cmpuint (acd_erlang_c_agents_for_sl (10, 180, 20, NAN), ==, 0);
  g_assert_cmpuint (acd_erlang_c_agents_for_sl (2e6, 180, 20, 0.8), ==, 0);
  g_assert_cmpuint (acd_erlang_c_agents_for_asa (10, 180, -1), ==, 0);
  g_assert_cmpuint (acd_erlang_c_agents_for_asa (10, NAN, 10), ==, 0);

  AcdErlangA r = { .p_wait = 42 };
  g_assert_false (acd_erlang_a (0, 180, 120, 12, 20, &r));
  g_assert_false (acd_erlang_a (-0.1, 180, 120, 12, 20, &r));
  g_assert_false (acd_erlang_a (NAN, 180, 120, 12, 20, &r));
  g_assert_false (acd_erlang_a (0.1, 0, 120, 12, 20, &r));
  g_assert_false (acd_erlang_a (0.1, 180, 0, 12, 20, &r));
  g_assert_false (acd_erlang_a (0.1, 180, -5, 12, 20, &r));
  g_assert_false (acd_erlang_a (0.1, 180, NAN, 12, 20, &r));
  g_assert_false (acd_erlang_a (0.1, 180, 120, 0, 20, &r));
  g_assert_false (acd_erlang_a (0.1, 180, 120, 12, -1, &r));
  g_assert_false (acd_erlang_a (0.1, 180, 120, 12, NAN, &r));
  g_assert_false (acd_erlang_a (0.1, 180, 120, 12, 20, NULL));
  /* callers who never hang up need agents to spare */
  g_assert_false (acd_erlang_a (0.1, 180, INFINITY, 18, 20, &r));
  g_assert_false (acd_erlang_a (0.1, 180, INFINITY, 12, 20, &r));
  g_assert_cmpfloat (r.p_wait, ==, 42);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/acd/erlang/b/matches-hand-and-factorial-sums", test_b_by_hand);
  g_test_add_func ("/acd/erlang/c/follows-from-b-and-factorial-sums", test_c_from_b);
  g_test_add_func ("/acd/erlang/c/gives-the-reference-figures", test_c_reference_figures);
  g_test_add_func ("/acd/erlang/c/improves-with-every-agent", test_c_more_agents_better);
  g_test_add_func ("/acd/erlang/c/staffs-exactly-at-the-boundary", test_c_staffing_boundary);
  g_test_add_func ("/acd/erlang/large-centers-stay-finite", test_large);
  g_test_add_func ("/acd/erlang/a/gives-the-reference-abandonment", test_a_reference_figure);
  g_test_add_func ("/acd/erlang/a/matches-the-chain-summed-by-hand", test_a_brute_force);
  g_test_add_func ("/acd/erlang/a/service-level-spans-no-wait-to-answered", test_a_thresholds);
  g_test_add_func ("/acd/erlang/a/becomes-erlang-c-without-abandonment", test_a_converges_to_c);
  g_test_add_func ("/acd/erlang/a/improves-with-every-agent", test_a_more_agents_better);
  g_test_add_func ("/acd/erlang/a/survives-overload", test_a_overloaded);
  g_test_add_func ("/acd/erlang/refuses-bad-arguments", test_invalid);
  return g_test_run ();
}
