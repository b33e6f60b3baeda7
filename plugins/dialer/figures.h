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
  /* dials and answers in progress when restored books were saved: their
   * outcome never reached these books */
  guint64 unsettled_dials, unsettled_answers;
  guint64 outcomes[OCC_DIALER_N_OUTCOMES];
  guint64 calls_outside_window, dnc_hits, guard_breaches;
  guint64 info_messages;
  double info_delay_sum, info_delay_max;
  guint64 info_delay_hist[DIALER_INFO_DELAY_BUCKETS]; /* see DialerReport */
  guint64 info_delays_over_2s;
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
/* An information message @delay_s after its answer. */
void dialer_figures_info_message (DialerFigures *f, double delay_s);
/* Fills the measured part of @ctx (its abandon_window must be set). */
void dialer_figures_context (DialerFigures *f, gint64 now, OccDialerPacingContext *ctx);
void dialer_figures_report (const DialerFigures *f, DialerReport *out);
/* Grows whenever the books change (for "save if anything changed"). */
guint64 dialer_figures_changes (const DialerFigures *f);
/* No call, outcome nor duration counted yet (the origin may be set). */
gboolean dialer_figures_empty (const DialerFigures *f);

/* The books as text (see dialer_engine_books_save): the live answers and
 * abandons after @since only; @dials and @answers in progress become
 * unsettled (transfer full). */
char *dialer_figures_save (DialerFigures *f, gint64 now, gint64 since, guint64 dials,
                           guint64 answers);
/* Reads books @text into @f (initialised and empty), keeping the live
 * answer and abandon times after @since; FALSE with @error when it is not
 * books of this version or they do not add up (@f is then cleared and
 * initialised again). */
gboolean dialer_figures_load (DialerFigures *f, const char *text, gint64 since, gint64 *saved_at,
                              GError **error);

G_END_DECLS
