/* Erlang B, C and A without factorials or powers: see erlang.h and the
 * "Queueing formulas" section of README.md. */
#include "erlang.h"

#include <math.h>

/* The share of the probability mass a truncated sum may leave out. */
#define TAIL_EPS 1e-16

static gboolean
load_ok (double a)
{
  return isfinite (a) && a >= 0;
}

static gboolean
duration_ok (double s)
{
  return isfinite (s) && s >= 0;
}

static gboolean
erlang_c_ok (double a, guint n)
{
  return load_ok (a) && n >= 1 && n <= ACD_ERLANG_MAX_AGENTS && a < n;
}

/* B(k) from B(k − 1). The staffing helpers walk this same step upwards, so
 * they see exactly the values the single-n functions return. */
static double
b_step (double a, guint k, double b_prev)
{
  double ab = a * b_prev;
  return ab / (k + ab);
}

static double
b_of (double a, guint n)
{
  double b = 1.0;
  for (guint k = 1; k <= n; k++)
    b = b_step (a, k, b);
  return b;
}

static double
c_from_b (double a, guint n, double b)
{
  return n * b / (n - a * (1.0 - b));
}

static double
sl_from_c (double a, guint n, double c, double aht_s, double t_s)
{
  return 1.0 - c * exp (-(n - a) * t_s / aht_s);
}

static double
asa_from_c (double a, guint n, double c, double aht_s)
{
  return c * aht_s / (n - a);
}

double
acd_erlang_b (double a, guint n)
{
  if (!load_ok (a) || n == 0 || n > ACD_ERLANG_MAX_AGENTS)
    return NAN;
  return b_of (a, n);
}

double
acd_erlang_c (double a, guint n)
{
  if (!erlang_c_ok (a, n))
    return NAN;
  return c_from_b (a, n, b_of (a, n));
}

double
acd_erlang_c_sl (double a, guint n, double aht_s, double t_s)
{
  if (!erlang_c_ok (a, n) || !duration_ok (aht_s) || aht_s == 0 || !duration_ok (t_s))
    return NAN;
  return sl_from_c (a, n, c_from_b (a, n, b_of (a, n)), aht_s, t_s);
}

double
acd_erlang_c_asa (double a, guint n, double aht_s)
{
  if (!erlang_c_ok (a, n) || !duration_ok (aht_s) || aht_s == 0)
    return NAN;
  return asa_from_c (a, n, c_from_b (a, n, b_of (a, n)), aht_s);
}

typedef gboolean (*StaffingMet) (double a, guint n, double c, double aht_s, double t_s,
                                 double target);

static gboolean
sl_met (double a, guint n, double c, double aht_s, double t_s, double target)
{
  return sl_from_c (a, n, c, aht_s, t_s) >= target;
}

static gboolean
asa_met (double a, guint n, double c, double aht_s, double t_s, double target)
{
  return asa_from_c (a, n, c, aht_s) <= target;
}

/* The first n > a that meets the target, keeping B's recursion going
 * instead of starting it again for every n. */
static guint
fewest_agents (double a, double aht_s, double t_s, double target, StaffingMet met)
{
  if (a >= ACD_ERLANG_MAX_AGENTS)
    return 0;
  guint n = (guint) floor (a) + 1;
  double b = b_of (a, n);
  while (!met (a, n, c_from_b (a, n, b), aht_s, t_s, target))
    {
      if (n == ACD_ERLANG_MAX_AGENTS)
        return 0;
      n++;
      b = b_step (a, n, b);
    }
  return n;
}

guint
acd_erlang_c_agents_for_sl (double a, double aht_s, double t_s, double target_sl)
{
  if (!load_ok (a) || !duration_ok (aht_s) || aht_s == 0 || !duration_ok (t_s)
      || !(target_sl >= 0 && target_sl <= 1))
    return 0;
  return fewest_agents (a, aht_s, t_s, target_sl, sl_met);
}

guint
acd_erlang_c_agents_for_asa (double a, double aht_s, double target_asa_s)
{
  if (!load_ok (a) || !duration_ok (aht_s) || aht_s == 0 || !duration_ok (target_asa_s))
    return 0;
  return fewest_agents (a, aht_s, 0, target_asa_s, asa_met);
}

/* ---- Erlang A ----
 *
 * Time is counted in handling times: service rate 1, arrival rate a (the
 * load), abandonment rate th = AHT/patience, threshold tt = t/AHT. State k
 * is the number of callers in the system; it leaves downwards at rate
 * death(k) = min(k, n) + max(k − n, 0)·th and upwards at rate a. */
typedef struct {
  double a, th;
  guint n;
} Chain;

static double
death (const Chain *ch, guint64 k)
{
  if (k <= ch->n)
    return (double) k;
  return ch->n + (double) (k - ch->n) * ch->th;
}

/* What a caller who finds j callers queued ahead of it can expect. With k
 * ahead it moves up at rate n + k·th and hangs up at rate th, so it is
 * answered with probability n / (n + (j + 1)·th), after a wait that is a
 * sum of exponentials of rates n + i·th, i = 1 … j + 1 (mean h). That sum
 * is −ln(U)/th with U ~ Beta(n/th + 1, j + 1), whose distribution function
 * at t is the upper tail of a negative binomial: 1 − Σ_{i≤j} term_i, with
 * term_0 = e^(−(n+th)·t) and term_i = term_{i−1}·(n + i·th)·c/i,
 * c = (1 − e^(−th·t))/th (= t when th = 0: the Poisson terms of Erlang C).
 * The terms are kept as logarithms so that none underflows early. */
typedef struct {
  double n, th, c;
  guint64 j;
  double log_term;
  double cdf;
  double h;
} Waiting;

static void
waiting_init (Waiting *w, const Chain *ch, double tt)
{
  w->n = ch->n;
  w->th = ch->th;
  w->c = ch->th > 0 ? -expm1 (-ch->th * tt) / ch->th : tt;
  w->j = 0;
  w->log_term = -(w->n + w->th) * tt;
  w->cdf = exp (w->log_term);
  w->h = 1.0 / (w->n + w->th);
}

static void
waiting_next (Waiting *w)
{
  w->j++;
  w->log_term += log ((w->n + (double) w->j * w->th) * w->c / (double) w->j);
  w->cdf += exp (w->log_term);
  w->h += 1.0 / (w->n + (double) (w->j + 1) * w->th);
}

static double
waiting_p_answered (const Waiting *w)
{
  return w->n / (w->n + (double) (w->j + 1) * w->th);
}

/* The chain's most likely state: the last k with death(k) <= a (the
 * stationary weights rise while a / death(k) >= 1 and fall after). FALSE
 * when it lies past the state budget. */
static gboolean
chain_mode (const Chain *ch, guint64 *mode)
{
  double k;
  if (ch->a < ch->n)
    k = floor (ch->a);
  else if (ch->th > 0 && (ch->a - ch->n) / ch->th < ACD_ERLANG_A_MAX_STATES)
    k = ch->n + floor ((ch->a - ch->n) / ch->th);
  else
    return FALSE;
  guint64 m = (guint64) k;
  /* the floors above may be one off after rounding */
  while (m > 0 && death (ch, m) > ch->a)
    m--;
  while (death (ch, m + 1) <= ch->a)
    m++;
  *mode = m;
  return TRUE;
}

/* Walks down from the mode (weight 1) while the states below still carry
 * mass: below k the weights shrink at least geometrically by
 * q = death(k)/a, so what is left is at most w·q/(1 − q). */
static guint64
chain_bottom (const Chain *ch, guint64 mode, double *w_bottom)
{
  double w = 1.0, z = 1.0;
  guint64 k = mode;
  for (; k > 0; k--)
    {
      double q = death (ch, k) / ch->a;
      if (q < 1 && w * q / (1 - q) < TAIL_EPS * z)
        break;
      w *= q;
      z += w;
    }
  *w_bottom = w;
  return k;
}

typedef struct {
  double z;           /* total weight */
  double free_agent;  /* weight of the states with an agent free */
  double queued;      /* weight of the states where arrivals queue */
  double lq;          /* Σ queue length × weight */
  double answered;    /* weight × P(answered) */
  double answered_t;  /* weight × P(answered within t) */
  double answer_wait; /* weight × P(answered) × mean wait when answered */
} Sums;

static void
sums_add_queued (Sums *s, const Waiting *wt, double w)
{
  double p = waiting_p_answered (wt);
  s->queued += w;
  s->lq += (double) wt->j * w;
  s->answered += w * p;
  s->answered_t += w * p * MAX (0.0, 1.0 - wt->cdf);
  s->answer_wait += w * p * wt->h;
}

/* After state k >= mode with weight w, the weights fall at least
 * geometrically by q = a/death(k + 1) < 1: bound the mass and the queue
 * length left out, and stop when both are negligible. */
static gboolean
chain_done (const Chain *ch, const Sums *s, guint64 k, double w)
{
  double q = ch->a / death (ch, k + 1);
  double queued = k > ch->n ? (double) (k - ch->n) : 0;
  double mass_left = w * q / (1 - q);
  double lq_left = mass_left * queued + w * q / ((1 - q) * (1 - q));
  return mass_left <= TAIL_EPS * s->z && lq_left <= TAIL_EPS * s->lq;
}

/* The stationary weights from the bottom state up, relative to the mode. */
static gboolean
chain_sum (const Chain *ch, double tt, Sums *s)
{
  guint64 mode, bottom;
  double w;
  if (!chain_mode (ch, &mode))
    return FALSE;
  bottom = chain_bottom (ch, mode, &w);

  Waiting wt;
  waiting_init (&wt, ch, tt);
  *s = (Sums){ 0 };
  for (guint64 k = bottom; k - bottom <= ACD_ERLANG_A_MAX_STATES; k++)
    {
      if (k > bottom)
        w *= ch->a / death (ch, k);
      s->z += w;
      if (k < ch->n)
        s->free_agent += w;
      else
        {
          while (wt.j < k - ch->n)
            waiting_next (&wt);
          sums_add_queued (s, &wt, w);
        }
      if (k >= mode && chain_done (ch, s, k, w))
        return TRUE;
    }
  return FALSE;
}

gboolean
acd_erlang_a (double lambda_per_s, double aht_s, double patience_s, guint n, double t_s,
              AcdErlangA *out)
{
  if (!(isfinite (lambda_per_s) && lambda_per_s > 0) || !duration_ok (aht_s) || aht_s == 0
      || !(patience_s > 0) || n == 0 || n > ACD_ERLANG_MAX_AGENTS || !duration_ok (t_s)
      || out == NULL)
    return FALSE;
  Chain ch = { .a = lambda_per_s * aht_s, .th = aht_s / patience_s, .n = n };
  if (!isfinite (ch.a) || ch.a == 0 || !isfinite (ch.th))
    return FALSE;

  Sums s;
  if (!chain_sum (&ch, t_s / aht_s, &s))
    return FALSE;
  double answered = (s.free_agent + s.answered) / s.z;
  out->p_wait = s.queued / s.z;
  out->mean_queue = s.lq / s.z;
  out->p_abandon = ch.th * out->mean_queue / ch.a;
  out->asa_s = s.answer_wait / s.z / answered * aht_s;
  out->sl = (s.free_agent + s.answered_t) / s.z;
  out->mean_wait_s = out->mean_queue / lambda_per_s;
  return TRUE;
}
