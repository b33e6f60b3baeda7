/* Closed-form queueing formulas for the ACD and its simulator: Erlang B,
 * Erlang C (M/M/N) and Erlang A (M/M/N+M, callers who abandon).
 *
 * Every function here is pure: no global state, no allocation, callable
 * from any thread. Times are in seconds, loads in Erlangs (arrival rate ×
 * mean handling time). A bad argument (negative, NaN or infinite where a
 * finite value is needed, no agents, a load the agents cannot carry) gives
 * NAN, 0 or FALSE as each function says; none of them aborts.
 *
 * The sums never form A^N or N!: Erlang B comes from its recursion and
 * Erlang A from a birth–death chain scaled to its largest state, so the
 * results stay finite for thousands of agents. See README.md, "Queueing
 * formulas", for the definitions and the references. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The staffing helpers look no further than this many agents. */
#define ACD_ERLANG_MAX_AGENTS 1000000u

/* acd_erlang_a () refuses a chain that needs more states than this to hold
 * all but 1e-16 of its probability mass. */
#define ACD_ERLANG_A_MAX_STATES 20000000u

/**
 * acd_erlang_b:
 * @a: offered load in Erlangs, finite and >= 0
 * @n: number of agents (trunks), >= 1
 *
 * Erlang B: the probability that a call finds all @n servers busy and is
 * lost (M/M/N/N).
 *
 * Returns: a probability in [0, 1], or NAN for bad arguments.
 */
double acd_erlang_b (double a, guint n);

/**
 * acd_erlang_c:
 * @a: offered load in Erlangs, finite and >= 0
 * @n: number of agents, > @a
 *
 * Erlang C: the probability that a call has to wait (M/M/N, callers never
 * abandon).
 *
 * Returns: P(wait) in [0, 1], or NAN for bad arguments, including @a >= @n
 * (the queue would grow without bound).
 */
double acd_erlang_c (double a, guint n);

/**
 * acd_erlang_c_sl:
 * @a: offered load in Erlangs, finite and >= 0
 * @n: number of agents, > @a
 * @aht_s: mean handling time in seconds, finite and > 0
 * @t_s: the service-level threshold in seconds, finite and >= 0
 *
 * Erlang C service level: the probability that a call is answered within
 * @t_s, 1 − C·e^(−(N−A)·t/AHT).
 *
 * Returns: SL(t) in [0, 1], or NAN for bad arguments.
 */
double acd_erlang_c_sl (double a, guint n, double aht_s, double t_s);

/**
 * acd_erlang_c_asa:
 * @a: offered load in Erlangs, finite and >= 0
 * @n: number of agents, > @a
 * @aht_s: mean handling time in seconds, finite and > 0
 *
 * Erlang C average speed of answer: the mean wait of all calls (those
 * answered at once count as 0), C·AHT/(N−A).
 *
 * Returns: ASA in seconds, or NAN for bad arguments.
 */
double acd_erlang_c_asa (double a, guint n, double aht_s);

/**
 * acd_erlang_c_agents_for_sl:
 * @a: offered load in Erlangs, finite and >= 0
 * @aht_s: mean handling time in seconds, finite and > 0
 * @t_s: the service-level threshold in seconds, finite and >= 0
 * @target_sl: the service level to reach, in [0, 1]
 *
 * Staffing under Erlang C: the fewest agents n > @a whose
 * acd_erlang_c_sl (@a, n, @aht_s, @t_s) is >= @target_sl. The values
 * compared are exactly those acd_erlang_c_sl () returns, so for the
 * result n, SL(n) >= target and SL(n − 1) < target (or n − 1 <= @a).
 *
 * Returns: the number of agents, or 0 for bad arguments or when more than
 * %ACD_ERLANG_MAX_AGENTS would be needed.
 */
guint acd_erlang_c_agents_for_sl (double a, double aht_s, double t_s, double target_sl);

/**
 * acd_erlang_c_agents_for_asa:
 * @a: offered load in Erlangs, finite and >= 0
 * @aht_s: mean handling time in seconds, finite and > 0
 * @target_asa_s: the average speed of answer to reach, in seconds, >= 0
 *
 * Staffing under Erlang C: the fewest agents n > @a whose
 * acd_erlang_c_asa (@a, n, @aht_s) is <= @target_asa_s.
 *
 * Returns: the number of agents, or 0 for bad arguments or when more than
 * %ACD_ERLANG_MAX_AGENTS would be needed.
 */
guint acd_erlang_c_agents_for_asa (double a, double aht_s, double target_asa_s);

/**
 * AcdErlangA:
 * @p_wait: probability that an arrival finds every agent busy and queues
 * @p_abandon: probability that an arrival hangs up before it is answered,
 *   θ·E[Lq]/λ
 * @asa_s: average speed of answer of the calls that are answered, in
 *   seconds (calls answered at once count as 0; abandoned calls do not
 *   count)
 * @sl: service level: the fraction of ALL arrivals answered within the
 *   threshold t (an abandoned call counts as not answered, however early it
 *   hung up; divide by 1 − @p_abandon for the fraction of answered calls)
 * @mean_queue: mean number of callers waiting, E[Lq] (time average)
 * @mean_wait_s: mean time in queue of all arrivals, answered or not, up to
 *   their answer or their hang-up: E[Lq]/λ (Little's law)
 *
 * The figures of an M/M/N+M (Erlang A, Palm) queue.
 */
typedef struct {
  double p_wait;
  double p_abandon;
  double asa_s;
  double sl;
  double mean_queue;
  double mean_wait_s;
} AcdErlangA;

/**
 * acd_erlang_a:
 * @lambda_per_s: arrival rate in calls per second, finite and > 0
 * @aht_s: mean handling time in seconds, finite and > 0
 * @patience_s: mean patience of a waiting caller in seconds, > 0; INFINITY
 *   means callers never hang up (Erlang C, which needs the load below @n)
 * @n: number of agents, >= 1
 * @t_s: the service-level threshold in seconds, finite and >= 0
 * @out: (out caller-allocates): the figures
 *
 * Erlang A: Poisson arrivals, exponential handling times, exponential
 * patience, first come first served; stable at any load when patience is
 * finite. Computed from the birth–death chain of the number of callers in
 * the system, summed from its largest state outwards until the mass left
 * out is below 1e-16 of the total.
 *
 * The cost grows with the states summed: microseconds for ordinary
 * centres, up to about a second near %ACD_ERLANG_A_MAX_STATES; keep such
 * inputs off the main loop.
 *
 * Returns: TRUE and fills @out, or FALSE (leaving @out alone) for bad
 * arguments or a chain longer than %ACD_ERLANG_A_MAX_STATES states (an
 * overloaded queue of very patient callers).
 */
gboolean acd_erlang_a (double lambda_per_s, double aht_s, double patience_s, guint n, double t_s,
                       AcdErlangA *out);

G_END_DECLS
