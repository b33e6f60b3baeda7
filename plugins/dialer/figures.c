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
  /* (a clock stepped back before the origin counts in the first window) */
  guint i = now <= f->origin ? 0 : (guint) ((now - f->origin) / len);
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

void
dialer_figures_info_message (DialerFigures *f, double delay_s)
{
  f->info_messages++;
  f->info_delay_sum += delay_s;
  f->info_delay_max = MAX (f->info_delay_max, delay_s);
  /* bucket k holds ((k-1)·step, k·step]: 2.000 s is within 2 s, 2.0005 is not */
  double k = ceil (delay_s * 1000.0 / DIALER_INFO_DELAY_STEP_MS);
  f->info_delay_hist[(guint) CLAMP (k, 0, DIALER_INFO_DELAY_BUCKETS - 1)]++;
  if (delay_s > 2.0)
    f->info_delays_over_2s++;
}

/* The upper bound (s) of the bucket that holds the @q-quantile of the
 * delays. */
static double
delay_quantile (const DialerFigures *f, double q)
{
  if (f->info_messages == 0)
    return 0;
  guint64 want = (guint64) ceil (q * (double) f->info_messages), seen = 0;
  for (guint k = 0; k < DIALER_INFO_DELAY_BUCKETS; k++)
    if ((seen += f->info_delay_hist[k]) >= MAX (want, 1))
      return k == DIALER_INFO_DELAY_BUCKETS - 1 ? f->info_delay_max
                                                : k * DIALER_INFO_DELAY_STEP_MS / 1000.0;
  return f->info_delay_max;
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
    .info_delay_p50_s = delay_quantile (f, 0.50),
    .info_delay_p95_s = delay_quantile (f, 0.95),
    .info_delay_p99_s = delay_quantile (f, 0.99),
    .info_delays_over_2s = f->info_delays_over_2s,
    .day_windows = g_array_copy (f->days),
    .month_windows = g_array_copy (f->months),
    .worst_day_rate = worst_rate (f->days),
    .worst_month_rate = worst_rate (f->months),
    .talk_us = f->talk_us,
    .handle_us = f->handle_us,
  };
  memcpy (out->outcomes, f->outcomes, sizeof out->outcomes);
  memcpy (out->info_delay_hist, f->info_delay_hist, sizeof out->info_delay_hist);
}

guint64
dialer_figures_changes (const DialerFigures *f)
{
  /* every change of the books moves at least one of these counters */
  return (f->origin >= 0) + f->dials + f->finished + f->outcomes[OCC_DIALER_ABANDONED]
         + f->outcomes[OCC_DIALER_SKIPPED] + f->connected + f->info_messages + f->talk.n
         + f->handle.n + f->unsettled_dials + f->unsettled_answers;
}

gboolean
dialer_figures_empty (const DialerFigures *f)
{
  return dialer_figures_changes (f) == (f->origin >= 0) && f->answers == 0;
}

void
dialer_report_clear (DialerReport *r)
{
  g_clear_pointer (&r->day_windows, g_array_unref);
  g_clear_pointer (&r->month_windows, g_array_unref);
}

/* --- the books as text ------------------------------------------------------------------ */

#define BOOKS_TAG "omnicc-dialer-books"
#define BOOKS_VERSION 1
/* origin and saved-at (µs); dials, finished, answers, abandons, connected, unsettled dials
 * and answers; one count per outcome; calls outside the window, DNC hits, guard breaches,
 * information messages; their delays' sum and max (s), their histogram and how many
 * came after 2 s; talk and handle (µs); the five
 * statistics (n, mean, m2); the answer and abandon times in the rolling window (zigzag
 * varints of the deltas); the days' and months' (answers, abandons) from the origin */
#define BOOKS_V1 "(xxttttttt@atttttdd@atttt@a(tdd)@ay@ay@a(tt)@a(tt))"
#define BOOKS_V1_TYPE "(xxtttttttatttttddatttta(tdd)ayaya(tt)a(tt))" /* BOOKS_V1 without @ */
#define N_STATS 5

static DialerStat *
stat_at (DialerFigures *f, guint i)
{
  DialerStat *all[N_STATS]
      = { &f->answer_delay, &f->ring_time, &f->other_delay, &f->talk, &f->handle };
  return all[i];
}

static void
put_varint (GByteArray *b, guint64 v)
{
  for (; v >= 0x80; v >>= 7)
    {
      guint8 c = (guint8) (v | 0x80);
      g_byte_array_append (b, &c, 1);
    }
  guint8 c = (guint8) v;
  g_byte_array_append (b, &c, 1);
}

/* The times after @since, as varints of the zigzag-coded differences
 * (a clock stepped back gives a negative one). */
static GVariant *
times_save (const GArray *times, gint64 since)
{
  GByteArray *b = g_byte_array_new ();
  guint64 prev = 0;
  for (guint i = 0; i < times->len; i++)
    {
      guint64 t = (guint64) g_array_index (times, gint64, i);
      if ((gint64) t <= since)
        continue;
      guint64 d = t - prev;
      put_varint (b, (d << 1) ^ (0 - (d >> 63)));
      prev = t;
    }
  g_autoptr (GBytes) bytes = g_byte_array_free_to_bytes (b);
  return g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, bytes, TRUE);
}

static GVariant *
windows_save (const GArray *windows)
{
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(tt)"));
  for (guint i = 0; i < windows->len; i++)
    {
      const DialerWindowFigures *w = &g_array_index (windows, DialerWindowFigures, i);
      g_variant_builder_add (&b, "(tt)", w->answers, w->abandons);
    }
  return g_variant_builder_end (&b);
}

/* The latest time the books speak of: saved-at is never before it. */
static gint64
books_time (const DialerFigures *f, gint64 now)
{
  gint64 at = MAX (now, f->origin);
  if (f->days->len)
    at = MAX (at, g_array_index (f->days, DialerWindowFigures, f->days->len - 1).start);
  if (f->months->len)
    at = MAX (at, g_array_index (f->months, DialerWindowFigures, f->months->len - 1).start);
  return at;
}

char *
dialer_figures_save (DialerFigures *f, gint64 now, gint64 since, guint64 dials, guint64 answers)
{
  GVariantBuilder stats;
  g_variant_builder_init (&stats, G_VARIANT_TYPE ("a(tdd)"));
  for (guint i = 0; i < N_STATS; i++)
    g_variant_builder_add (&stats, "(tdd)", stat_at (f, i)->n, stat_at (f, i)->mean,
                           stat_at (f, i)->m2);
  GVariant *payload = g_variant_new (
      BOOKS_V1, f->origin, books_time (f, now), f->dials, f->finished, f->answers, f->abandons,
      f->connected, f->unsettled_dials + dials, f->unsettled_answers + answers,
      g_variant_new_fixed_array (G_VARIANT_TYPE_UINT64, f->outcomes, OCC_DIALER_N_OUTCOMES,
                                 sizeof (guint64)),
      f->calls_outside_window, f->dnc_hits, f->guard_breaches, f->info_messages, f->info_delay_sum,
      f->info_delay_max,
      g_variant_new_fixed_array (G_VARIANT_TYPE_UINT64, f->info_delay_hist,
                                 DIALER_INFO_DELAY_BUCKETS, sizeof (guint64)),
      f->info_delays_over_2s, f->talk_us, f->handle_us, g_variant_builder_end (&stats),
      times_save (f->answer_times, since), times_save (f->abandon_times, since),
      windows_save (f->days), windows_save (f->months));
  g_autoptr (GVariant) books
      = g_variant_ref_sink (g_variant_new ("(suv)", BOOKS_TAG, BOOKS_VERSION, payload));
  if (G_BYTE_ORDER == G_BIG_ENDIAN)
    {
      GVariant *le = g_variant_byteswap (books);
      g_variant_unref (books);
      books = le;
    }
  return g_base64_encode (g_variant_get_data (books), g_variant_get_size (books));
}

static gboolean
add_to (guint64 *sum, guint64 x)
{
  return g_uint64_checked_add (sum, *sum, x);
}

/* Reads the varint-coded times of @v into @out (those after @since);
 * FALSE when one is cut short or there are more than @most. */
static gboolean
times_load (GVariant *v, GArray *out, gint64 since, guint64 most)
{
  gsize len;
  const guint8 *p = g_variant_get_fixed_array (v, &len, 1);
  const guint8 *end = p + len;
  guint64 prev = 0, n = 0;
  while (p < end)
    {
      guint64 zz = 0;
      for (guint shift = 0;; shift += 7)
        {
          if (p == end || shift > 63)
            return FALSE;
          guint8 c = *p++;
          zz |= (guint64) (c & 0x7f) << shift;
          if (!(c & 0x80))
            break;
        }
      prev += (zz >> 1) ^ (0 - (zz & 1));
      if (++n > most)
        return FALSE;
      gint64 t = (gint64) prev;
      if (t > since)
        g_array_append_val (out, t);
    }
  return TRUE;
}

/* The fixed windows of @v (each @len µs from @origin), no more than the
 * books' time @at allows, adding up to @answers and @abandons. */
static gboolean
windows_load (GArray *out, GVariant *v, gint64 len, gint64 origin, gint64 at, guint64 answers,
              guint64 abandons)
{
  gsize n = g_variant_n_children (v);
  if (n > 0 && (origin < 0 || n > (guint64) ((at - origin) / len) + 1))
    return FALSE;
  guint64 a = 0, b = 0;
  for (gsize i = 0; i < n; i++)
    {
      DialerWindowFigures w = { .start = origin + (gint64) i * len };
      g_variant_get_child (v, i, "(tt)", &w.answers, &w.abandons);
      if (!add_to (&a, w.answers) || !add_to (&b, w.abandons))
        return FALSE;
      g_array_append_val (out, w);
    }
  return a == answers && b == abandons;
}

static gboolean
finite_positive (double x)
{
  return isfinite (x) && x >= 0;
}

/* Fills @f from the payload @v; NULL, or what does not add up. */
static const char *
figures_from (DialerFigures *f, GVariant *v, gint64 since, gint64 *saved_at)
{
  gint64 origin, at;
  g_autoptr (GVariant) outcomes = NULL, stats = NULL, answers = NULL, abandons = NULL, hist = NULL;
  g_autoptr (GVariant) days = NULL, months = NULL;
  g_variant_get (v, BOOKS_V1, &origin, &at, &f->dials, &f->finished, &f->answers, &f->abandons,
                 &f->connected, &f->unsettled_dials, &f->unsettled_answers, &outcomes,
                 &f->calls_outside_window, &f->dnc_hits, &f->guard_breaches, &f->info_messages,
                 &f->info_delay_sum, &f->info_delay_max, &hist, &f->info_delays_over_2s,
                 &f->talk_us, &f->handle_us, &stats, &answers, &abandons, &days, &months);
  if (origin < -1 || at < 0 || origin > at)
    return "its origin is not a time before they were saved";
  f->origin = origin;
  *saved_at = at;
  gsize n;
  const guint64 *o = g_variant_get_fixed_array (outcomes, &n, sizeof (guint64));
  if (n != OCC_DIALER_N_OUTCOMES)
    return "not one count per outcome";
  memcpy (f->outcomes, o, sizeof f->outcomes);
  guint64 finished = 0, dials = f->finished, answers_sum = f->connected;
  for (guint i = OCC_DIALER_ANSWERED; i <= OCC_DIALER_FAILED; i++)
    if (!add_to (&finished, o[i]))
      return "the outcomes overflow";
  if (finished != f->finished || o[OCC_DIALER_ANSWERED] != f->answers
      || o[OCC_DIALER_ABANDONED] != f->abandons)
    return "the outcomes differ from the counts";
  if (!add_to (&dials, f->unsettled_dials) || dials != f->dials)
    return "the dials are not the outcomes and the unsettled calls";
  if (!add_to (&answers_sum, f->abandons) || !add_to (&answers_sum, f->unsettled_answers)
      || answers_sum != f->answers)
    return "the answers are not the connected, abandoned and unsettled calls";
  if (!finite_positive (f->info_delay_sum) || !finite_positive (f->info_delay_max))
    return "an information-message delay is not a duration";
  const guint64 *h = g_variant_get_fixed_array (hist, &n, sizeof (guint64));
  guint64 messages = 0;
  for (gsize k = 0; k < n; k++)
    if (!add_to (&messages, h[k]))
      return "the information messages' delays overflow";
  if (n != DIALER_INFO_DELAY_BUCKETS || messages != f->info_messages
      || f->info_delays_over_2s > f->info_messages)
    return "the information messages' delays do not add up to their count";
  memcpy (f->info_delay_hist, h, sizeof f->info_delay_hist);
  if (g_variant_n_children (stats) != N_STATS)
    return "not five statistics";
  for (guint i = 0; i < N_STATS; i++)
    {
      DialerStat *s = stat_at (f, i);
      g_variant_get_child (stats, i, "(tdd)", &s->n, &s->mean, &s->m2);
      if (!isfinite (s->mean) || !finite_positive (s->m2))
        return "a statistic is not a number";
    }
  if (!windows_load (f->days, days, DAY_US, origin, at, f->answers, f->abandons)
      || !windows_load (f->months, months, 30 * DAY_US, origin, at, f->answers, f->abandons))
    return "the 24-hour or 30-day windows do not add up to the counts";
  if (!times_load (answers, f->answer_times, since, f->answers)
      || !times_load (abandons, f->abandon_times, since, f->abandons))
    return "the answer or abandon times are cut short or too many";
  return NULL;
}

static gboolean
not_books (GError **error, const char *why)
{
  g_set_error (error, DIALER_ERROR, DIALER_ERROR_INVALID, "not the dialer's books: %s", why);
  return FALSE;
}

gboolean
dialer_figures_load (DialerFigures *f, const char *text, gint64 since, gint64 *saved_at,
                     GError **error)
{
  gsize n = text ? strlen (text) : 0;
  if (n == 0 || n % 4 != 0
      || strspn (text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != n)
    return not_books (error, "not base64 text");
  gsize len;
  guchar *raw = g_base64_decode (text, &len);
  g_autoptr (GBytes) bytes = g_bytes_new_take (raw, len);
  g_autoptr (GVariant) books
      = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE ("(suv)"), bytes, FALSE));
  if (!g_variant_is_normal_form (books))
    return not_books (error, "corrupt or cut short (not a serialised (suv))");
  if (G_BYTE_ORDER == G_BIG_ENDIAN)
    {
      GVariant *native = g_variant_byteswap (books);
      g_variant_unref (books);
      books = native;
    }
  const char *tag;
  guint32 version;
  g_autoptr (GVariant) payload = NULL;
  g_variant_get (books, "(&suv)", &tag, &version, &payload);
  if (strcmp (tag, BOOKS_TAG) != 0)
    return not_books (error, "no “" BOOKS_TAG "” tag");
  if (version != BOOKS_VERSION)
    {
      g_set_error (error, DIALER_ERROR, DIALER_ERROR_INVALID,
                   "dialer books of version %u: this dialer reads version %d", version,
                   BOOKS_VERSION);
      return FALSE;
    }
  if (!g_variant_is_of_type (payload, G_VARIANT_TYPE (BOOKS_V1_TYPE)))
    return not_books (error, "version 1 in another shape");
  gint64 at = 0;
  const char *why = figures_from (f, payload, since, &at);
  if (why)
    {
      dialer_figures_clear (f);
      dialer_figures_init (f);
      return not_books (error, why);
    }
  if (saved_at)
    *saved_at = at;
  return TRUE;
}
