/* dialer: the engine's books (see figures.h). */
#include "figures.h"

#include <math.h>
#include <string.h>

#define DAY_US (G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC)

void
dialer_stat_add (DialerStat *s, double x)
{
  s->n++;
  double d = x - s->mean;
  s->mean += d / (double) s->n;
  s->m2 += d * (x - s->mean);
}

OccDialerStat
dialer_stat_get (const DialerStat *s)
{
  return (OccDialerStat){ s->n, s->mean, s->n > 1 ? sqrt (s->m2 / (double) (s->n - 1)) : 0 };
}

void
dialer_figures_init (DialerFigures *f)
{
  *f = (DialerFigures){ .origin = -1 };
  f->answer_times = g_array_new (FALSE, FALSE, sizeof (gint64));
  f->abandon_times = g_array_new (FALSE, FALSE, sizeof (gint64));
  f->days = g_array_new (FALSE, TRUE, sizeof (DialerWindowFigures));
  f->months = g_array_new (FALSE, TRUE, sizeof (DialerWindowFigures));
}

void
dialer_figures_clear (DialerFigures *f)
{
  g_array_unref (f->answer_times);
  g_array_unref (f->abandon_times);
  g_array_unref (f->days);
  g_array_unref (f->months);
}

void
dialer_figures_start (DialerFigures *f, gint64 now)
{
  if (f->origin < 0)
    f->origin = now;
}

/* The fixed window of @windows (each @len µs long) that holds @now. */
static DialerWindowFigures *
window_at (DialerFigures *f, GArray *windows, gint64 len, gint64 now)
{
  guint i = (guint) ((now - f->origin) / len);
  while (windows->len <= i)
    {
      DialerWindowFigures w = { .start = f->origin + (gint64) windows->len * len };
      g_array_append_val (windows, w);
    }
  return &g_array_index (windows, DialerWindowFigures, i);
}

/* One live answer or abandon at @now, in every window. */
static void
count (DialerFigures *f, gboolean abandon, gint64 now)
{
  dialer_figures_start (f, now);
  g_array_append_val (abandon ? f->abandon_times : f->answer_times, now);
  DialerWindowFigures *day = window_at (f, f->days, DAY_US, now);
  DialerWindowFigures *month = window_at (f, f->months, 30 * DAY_US, now);
  if (abandon)
    f->abandons++, day->abandons++, month->abandons++;
  else
    f->answers++, day->answers++, month->answers++;
}

void
dialer_figures_answer (DialerFigures *f, gint64 now)
{
  count (f, FALSE, now);
}

void
dialer_figures_abandon (DialerFigures *f, gint64 now)
{
  count (f, TRUE, now);
}

/* How many of @times (ascending) are after @since; moves *head past the
 * others, which never count again. */
static guint64
count_since (GArray *times, guint *head, gint64 since)
{
  while (*head < times->len && g_array_index (times, gint64, *head) <= since)
    (*head)++;
  if (*head > 4096 && *head * 2 > times->len)
    {
      g_array_remove_range (times, 0, *head);
      *head = 0;
    }
  return times->len - *head;
}

void
dialer_figures_context (DialerFigures *f, gint64 now, OccDialerPacingContext *ctx)
{
  ctx->attempts_finished = f->finished;
  ctx->answered = f->answers;
  ctx->answer_delay = dialer_stat_get (&f->answer_delay);
  ctx->ring_time = dialer_stat_get (&f->ring_time);
  ctx->other_delay = dialer_stat_get (&f->other_delay);
  ctx->talk = dialer_stat_get (&f->talk);
  ctx->handle = dialer_stat_get (&f->handle);
  ctx->window_answers = count_since (f->answer_times, &f->answer_head, now - ctx->abandon_window);
  ctx->window_abandons
      = count_since (f->abandon_times, &f->abandon_head, now - ctx->abandon_window);
}

static double
worst_rate (GArray *windows)
{
  double worst = 0;
  for (guint i = 0; i < windows->len; i++)
    {
      DialerWindowFigures *w = &g_array_index (windows, DialerWindowFigures, i);
      if (w->answers)
        worst = MAX (worst, (double) w->abandons / (double) w->answers);
    }
  return worst;
}

void
dialer_figures_report (const DialerFigures *f, DialerReport *out)
{
  *out = (DialerReport){
    .dials = f->dials,
    .answers = f->answers,
    .abandons = f->abandons,
    .connected = f->connected,
    .calls_outside_window = f->calls_outside_window,
    .dnc_hits = f->dnc_hits,
    .guard_breaches = f->guard_breaches,
    .info_messages = f->info_messages,
    .info_delay_max_s = f->info_delay_max,
    .info_delay_mean_s = f->info_messages ? f->info_delay_sum / (double) f->info_messages : 0,
    .day_windows = g_array_copy (f->days),
    .month_windows = g_array_copy (f->months),
    .worst_day_rate = worst_rate (f->days),
    .worst_month_rate = worst_rate (f->months),
    .talk_us = f->talk_us,
    .handle_us = f->handle_us,
  };
  memcpy (out->outcomes, f->outcomes, sizeof out->outcomes);
}

void
dialer_report_clear (DialerReport *r)
{
  g_clear_pointer (&r->day_windows, g_array_unref);
  g_clear_pointer (&r->month_windows, g_array_unref);
}
