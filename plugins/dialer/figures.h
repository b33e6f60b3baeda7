/* dialer: the books an engine keeps on its campaign — counts, running
 * statistics of durations, the rolling abandonment window the pacing
 * reads, and the fixed 24-hour and 30-day windows of the compliance
 * report. Private to the engine. */
#pragma once

#include "engine.h"

G_BEGIN_DECLS

/* A running mean and variance (Welford). */
typedef struct {
  guint64 n;
  double mean, m2;
} DialerStat;

void dialer_stat_add (DialerStat *s, double x);
OccDialerStat dialer_stat_get (const DialerStat *s);

typedef struct {
  gint64 origin; /* the first event's time; -1 before */
  guint64 dials, finished, answers, abandons, connected;
  guint64 outcomes[OCC_DIALER_N_OUTCOMES];
  guint64 calls_outside_window, dnc_hits, guard_breaches;
  guint64 info_messages;
  double info_delay_sum, info_delay_max;
  guint64 talk_us, handle_us;
  DialerStat answer_delay, ring_time, other_delay, talk, handle;
  GArray *answer_times, *abandon_times; /* gint64, for the rolling window */
  guint answer_head, abandon_head;      /* the first still inside it */
  GArray *days, *months;                /* DialerWindowFigures */
} DialerFigures;

void dialer_figures_init (DialerFigures *f);
void dialer_figures_clear (DialerFigures *f);
/* Sets the origin of the fixed windows at the first call. */
void dialer_figures_start (DialerFigures *f, gint64 now);
void dialer_figures_answer (DialerFigures *f, gint64 now);
void dialer_figures_abandon (DialerFigures *f, gint64 now);
/* Fills the measured part of @ctx (its abandon_window must be set). */
void dialer_figures_context (DialerFigures *f, gint64 now, OccDialerPacingContext *ctx);
void dialer_figures_report (const DialerFigures *f, DialerReport *out);

G_END_DECLS
