/* The dialer engine's books across runs, under the test's clock: saved
 * and restored into a new engine, every report field is the same and the
 * text saved again is the same text; the pacing's rolling window counts
 * the restored answers and abandons (and lets them go when they age out);
 * later answers land in the same fixed 24-hour and 30-day windows (same
 * origin); what is not books (garbage, cut short, another version, counts
 * that do not add up) is refused; the attempts of earlier runs count
 * against max-attempts; 100,000 answer times stay compact. */
#include "pacing-fixture.h"
#include "figures.h"

#include <string.h>

static OccContext *core;

static const char *const open_all_day = "timezone=UTC\nwindow=00:00-24:00\ndays=mon-sun\n";

/* --- a pacing that records what it was shown ---------------------------------------- */

static guint64 seen_answers, seen_abandons;

static void
recorder_decide (const OccDialerPacingContext *ctx, OccDialerDecision *out)
{
  seen_answers = ctx->window_answers;
  seen_abandons = ctx->window_abandons;
  out->calls = ctx->agents_free > 0 && ctx->max_new_calls > 0;
}

static const OccDialerPacing recorder
    = { .header = OCC_SERVICE_HEADER (OccDialerPacing, OCC_DIALER_PACING_VERSION),
        .name = "recorder",
        .decide = recorder_decide };

/* --- helpers ------------------------------------------------------------------------ */

/* An engine paced by the recorder, with the rolling @window, awa free, at
 * @start (NULL: the fixture's). */
static void
start_recorded (Fx *fx, const char *window, const char *start)
{
  g_autofree char *keys
      = g_strdup_printf ("%sabandon-window=%s\nretry-abandoned=72h:0\n", open_all_day, window);
  fx_start_with (fx, &recorder, keys, start);
  dialer_engine_agent_state (fx->e, "awa", OCC_DIALER_AGENT_FREE, fx->now);
}

/* A call to a new contact @id, answered; the subscriber hangs up before
 * an agent comes when @abandon, else awa talks a minute. */
static void
answer_one (Fx *fx, const char *id, gboolean abandon)
{
  g_autofree char *number = g_strdup_printf ("+22507%08u", g_str_hash (id) % 100000000);
  fx_contact (fx, id, number, 0, 0);
  guint64 call = dial_one (fx, id);
  if (!abandon)
    return talk (fx, call, "awa");
  g_assert_true (dialer_engine_call_result (fx->e, call, OCC_DIALER_ANSWERED, fx->now));
  fx->now += 1 * S;
  g_assert_true (dialer_engine_call_ended (fx->e, call, fx->now));
}

static void
assert_windows_equal (GArray *a, GArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      const DialerWindowFigures *x = &g_array_index (a, DialerWindowFigures, i);
      const DialerWindowFigures *y = &g_array_index (b, DialerWindowFigures, i);
      g_assert_cmpint (x->start, ==, y->start);
      g_assert_cmpuint (x->answers, ==, y->answers);
      g_assert_cmpuint (x->abandons, ==, y->abandons);
    }
}

static void
assert_reports_equal (const DialerReport *a, const DialerReport *b)
{
  g_assert_cmpuint (a->dials, ==, b->dials);
  g_assert_cmpuint (a->answers, ==, b->answers);
  g_assert_cmpuint (a->abandons, ==, b->abandons);
  g_assert_cmpuint (a->connected, ==, b->connected);
  for (guint i = 0; i < OCC_DIALER_N_OUTCOMES; i++)
    g_assert_cmpuint (a->outcomes[i], ==, b->outcomes[i]);
  g_assert_cmpuint (a->calls_outside_window, ==, b->calls_outside_window);
  g_assert_cmpuint (a->dnc_hits, ==, b->dnc_hits);
  g_assert_cmpuint (a->guard_breaches, ==, b->guard_breaches);
  g_assert_cmpuint (a->info_messages, ==, b->info_messages);
  g_assert_cmpfloat (a->info_delay_max_s, ==, b->info_delay_max_s);
  g_assert_cmpfloat (a->info_delay_mean_s, ==, b->info_delay_mean_s);
  g_assert_cmpmem (a->info_delay_hist, sizeof a->info_delay_hist, b->info_delay_hist,
                   sizeof b->info_delay_hist);
  g_assert_cmpfloat (a->info_delay_p50_s, ==, b->info_delay_p50_s);
  g_assert_cmpfloat (a->info_delay_p95_s, ==, b->info_delay_p95_s);
  g_assert_cmpfloat (a->info_delay_p99_s, ==, b->info_delay_p99_s);
  g_assert_cmpuint (a->info_delays_over_2s, ==, b->info_delays_over_2s);
  g_assert_cmpfloat (a->worst_day_rate, ==, b->worst_day_rate);
  g_assert_cmpfloat (a->worst_month_rate, ==, b->worst_month_rate);
  g_assert_cmpuint (a->talk_us, ==, b->talk_us);
  g_assert_cmpuint (a->handle_us, ==, b->handle_us);
  assert_windows_equal (a->day_windows, b->day_windows);
  assert_windows_equal (a->month_windows, b->month_windows);
}

/* (nothing comes back due: each contact is dialed when the test says) */
#define HISTORY_KEYS                                                                \
  "retry-busy=1m:1\nretry-no-answer=1m:0\nretry-abandoned=72h:0\nmax-attempts=10\n" \
  "ring-timeout=20\n"

/* A month and more of every kind of event, and a call still ringing. */
static void
make_history (Fx *fx)
{
  g_autofree char *keys = g_strconcat (open_all_day, HISTORY_KEYS, NULL);
  fx_start (fx, core, "progressive", keys, NULL);
  dialer_engine_agent_state (fx->e, "awa", OCC_DIALER_AGENT_FREE, fx->now);
  answer_one (fx, "talker", FALSE);
  fx_contact (fx, "busy", "+2250700000002", 0, 0);
  g_assert_true (
      dialer_engine_call_result (fx->e, dial_one (fx, "busy"), OCC_DIALER_BUSY, fx->now));
  fx->now += 120 * S;
  fx_contact (fx, "rings", "+2250700000003", 10, 0);
  g_assert_true (dialer_engine_call_ringing (fx->e, dial_one (fx, "rings"), fx->now));
  fx_tick (fx, 20); /* rang out; the busy one is dialed again, busy again: done */
  g_assert_cmpuint (fx_count (fx, DIALER_ACTION_HANGUP), ==, 1);
  const DialerAction *again = fx_action (fx, DIALER_ACTION_DIAL, 0);
  g_assert_nonnull (again);
  g_assert_cmpstr (again->contact, ==, "busy");
  g_assert_true (dialer_engine_call_result (fx->e, again->call, OCC_DIALER_BUSY, fx->now));
  /* an answer the busy agent cannot take: the message at 2 s */
  fx_contact (fx, "lonely", "+2250700000004", 20, 0);
  guint64 call = dial_one (fx, "lonely");
  dialer_engine_agent_state (fx->e, "awa", OCC_DIALER_AGENT_BUSY, fx->now);
  g_assert_true (dialer_engine_call_result (fx->e, call, OCC_DIALER_ANSWERED, fx->now));
  fx_tick (fx, 2);
  g_assert_cmpuint (fx_count (fx, DIALER_ACTION_ABANDON), ==, 1);
  dialer_engine_agent_state (fx->e, "awa", OCC_DIALER_AGENT_FREE, fx->now);
  /* the next day, and the next month */
  fx->now += 25 * 3600 * S;
  answer_one (fx, "tomorrow", FALSE);
  fx->now += 31 * 86400 * S;
  answer_one (fx, "next-month", TRUE);
  /* in progress when saved */
  fx->now += 60 * S;
  fx_contact (fx, "ringing", "+2250700000009", 30, 0);
  g_assert_true (dialer_engine_call_ringing (fx->e, dial_one (fx, "ringing"), fx->now));
}

/* --- round trip -------------------------------------------------------------------- */

static void
test_round_trip (void)
{
  Fx a, b;
  make_history (&a);
  g_autofree char *text = dialer_engine_books_save (a.e, a.now);
  g_test_message ("%zu bytes of books", strlen (text));

  g_autofree char *keys = g_strconcat (open_all_day, HISTORY_KEYS, NULL);
  fx_start (&b, core, "progressive", keys, NULL);
  b.now = a.now;
  g_autoptr (GError) error = NULL;
  g_assert_true (dialer_engine_books_restore (b.e, text, b.now, &error));
  g_assert_no_error (error);
  DialerReport ra, rb, rs;
  dialer_engine_report (a.e, &ra);
  dialer_engine_report (b.e, &rb);
  g_assert_cmpuint (ra.dials, ==, 8);
  g_assert_cmpuint (ra.answers, ==, 4);
  g_assert_cmpuint (ra.connected, ==, 2);
  g_assert_cmpuint (ra.abandons, ==, 2);
  g_assert_cmpuint (ra.outcomes[OCC_DIALER_BUSY], ==, 2);
  g_assert_cmpuint (ra.outcomes[OCC_DIALER_NO_ANSWER], ==, 1);
  g_assert_cmpuint (ra.info_messages, ==, 1);
  g_assert_cmpuint (ra.day_windows->len, >, 30);
  g_assert_cmpuint (ra.month_windows->len, ==, 2);
  g_assert_cmpuint (ra.talk_us, >, 0);
  assert_reports_equal (&ra, &rb);
  /* the same books give the same text: statistics (n, mean, m2) and
   * rolling-window times included */
  g_autofree char *again = dialer_engine_books_save (b.e, b.now);
  g_assert_cmpstr (again, ==, text);
  /* and the same report without an engine, with the time they were saved */
  gint64 saved_at = 0;
  g_assert_true (dialer_books_report (text, &rs, &saved_at, &error));
  g_assert_no_error (error);
  g_assert_cmpint (saved_at, ==, a.now);
  assert_reports_equal (&ra, &rs);
  dialer_report_clear (&ra);
  dialer_report_clear (&rb);
  dialer_report_clear (&rs);
  /* the call ringing at the save is a dial whose outcome the new books
   * never learn: the audit still adds up */
  fx_stop (&a);
  fx_stop (&b);
}

/* --- the rolling window ---------------------------------------------------------------- */

static void
test_rolling_window_continues (void)
{
  Fx a, b;
  start_recorded (&a, "24h", NULL);
  gint64 t0 = a.now;
  answer_one (&a, "first", TRUE);
  a.now = t0 + 10 * 3600 * S;
  answer_one (&a, "second", FALSE);
  a.now = t0 + 12 * 3600 * S;
  g_autofree char *text = dialer_engine_books_save (a.e, a.now);

  /* a new run an hour later: its pacing sees both answers and the abandon */
  start_recorded (&b, "24h", "2026-03-30T23:00:00Z");
  g_assert_cmpint (b.now, ==, t0 + 13 * 3600 * S);
  g_assert_true (dialer_engine_books_restore (b.e, text, b.now, NULL));
  fx_contact (&b, "third", "+2250700000003", 0, 0);
  seen_answers = seen_abandons = 0;
  guint64 call = dial_one (&b, "third");
  g_assert_cmpuint (seen_answers, ==, 2);
  g_assert_cmpuint (seen_abandons, ==, 1);
  /* its own answer adds to them */
  talk (&b, call, "awa");
  fx_contact (&b, "fourth", "+2250700000004", 0, 0);
  fx_tick (&b, 0);
  g_assert_cmpuint (seen_answers, ==, 3);
  g_assert_cmpuint (seen_abandons, ==, 1);
  /* 24 h after the first run's abandon, it leaves the window */
  b.now = t0 + 24 * 3600 * S + 2 * S;
  fx_contact (&b, "late", "+2250700000006", 0, 0);
  fx_tick (&b, 0);
  g_assert_cmpuint (seen_answers, ==, 2);
  g_assert_cmpuint (seen_abandons, ==, 0);
  fx_stop (&a);

  /* saved later, the books keep only what is still inside the window */
  g_autofree char *later = dialer_engine_books_save (b.e, t0 + 30 * 3600 * S); /* 16:00 */
  Fx c;
  start_recorded (&c, "24h", "2026-03-31T16:00:00Z");
  g_assert_true (dialer_engine_books_restore (c.e, later, c.now, NULL));
  fx_contact (&c, "fifth", "+2250700000005", 0, 0);
  fx_tick (&c, 0);
  g_assert_cmpuint (seen_answers, ==, 2); /* 10 h and 13 h after t0 */
  g_assert_cmpuint (seen_abandons, ==, 0);
  DialerReport r;
  dialer_engine_report (c.e, &r);
  g_assert_cmpuint (r.answers, ==, 3); /* the counts keep everything */
  g_assert_cmpuint (r.abandons, ==, 1);
  dialer_report_clear (&r);
  fx_stop (&b);
  fx_stop (&c);
}

/* --- the fixed windows ------------------------------------------------------------------ */

static void
test_fixed_windows_continue (void)
{
  /* the fixture's start, and the first event */
  const gint64 origin = dialer_test_time ("2026-03-30T10:00:00Z");
  Fx a, b;
  start_recorded (&a, "24h", NULL);
  g_assert_cmpint (a.now, ==, origin);
  a.now += 3600 * S;
  answer_one (&a, "day0", FALSE);
  g_autofree char *text = dialer_engine_books_save (a.e, a.now);

  /* the next run, two days later: same origin, its answer in the third day */
  start_recorded (&b, "24h", "2026-04-01T12:00:00Z");
  g_assert_true (dialer_engine_books_restore (b.e, text, b.now, NULL));
  answer_one (&b, "day2", TRUE);
  DialerReport r;
  dialer_engine_report (b.e, &r);
  g_assert_cmpuint (r.day_windows->len, ==, 3);
  const DialerWindowFigures *days = (const DialerWindowFigures *) r.day_windows->data;
  g_assert_cmpint (days[0].start, ==, origin);
  g_assert_cmpuint (days[0].answers, ==, 1);
  g_assert_cmpuint (days[1].answers, ==, 0);
  g_assert_cmpint (days[2].start, ==, origin + 2 * 86400 * S);
  g_assert_cmpuint (days[2].answers, ==, 1);
  g_assert_cmpuint (days[2].abandons, ==, 1);
  g_assert_cmpuint (r.month_windows->len, ==, 1);
  const DialerWindowFigures *month = (const DialerWindowFigures *) r.month_windows->data;
  g_assert_cmpint (month->start, ==, origin);
  g_assert_cmpuint (month->answers, ==, 2);
  g_assert_cmpfloat (r.worst_day_rate, ==, 1.0);
  g_assert_cmpfloat (r.worst_month_rate, ==, 0.5);
  dialer_report_clear (&r);
  fx_stop (&a);
  fx_stop (&b);
}

/* --- what is not books ------------------------------------------------------------------ */

/* @text's outer (tag, version, payload) with @tag, @version, and the
 * payload's child @child replaced by @value when given, as books text. */
static char *
forge (const char *text, const char *tag, guint32 version, gsize child, GVariant *value)
{
  gsize len;
  guchar *raw = g_base64_decode (text, &len);
  g_autoptr (GBytes) bytes = g_bytes_new_take (raw, len);
  g_autoptr (GVariant) outer
      = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE ("(suv)"), bytes, FALSE));
  g_autoptr (GVariant) payload = NULL;
  g_variant_get (outer, "(&suv)", NULL, NULL, &payload);
  gsize n = g_variant_n_children (payload);
  g_autofree GVariant **children = g_new0 (GVariant *, n);
  for (gsize i = 0; i < n; i++)
    children[i] = i == child && value ? value : g_variant_get_child_value (payload, i);
  g_autoptr (GVariant) forged = g_variant_ref_sink (
      g_variant_new ("(suv)", tag, version, g_variant_new_tuple (children, n)));
  return g_base64_encode (g_variant_get_data (forged), g_variant_get_size (forged));
}

static void
test_refuses_what_is_not_books (void)
{
  Fx a, b;
  make_history (&a);
  g_autofree char *good = dialer_engine_books_save (a.e, a.now);
  g_autofree char *half = g_strndup (good, strlen (good) / 8 * 4);
  g_autofree char *odd = g_strndup (good, strlen (good) - 1);
  g_autofree char *v2 = forge (good, "omnicc-dialer-books", 2, 0, NULL);
  g_autofree char *tag = forge (good, "someone-elses-books", 1, 0, NULL);
  /* one dial more than the outcomes and the call in progress */
  g_autofree char *dials = forge (good, "omnicc-dialer-books", 1, 2, g_variant_new_uint64 (9));
  /* an origin after the time they were saved */
  g_autofree char *future
      = forge (good, "omnicc-dialer-books", 1, 0, g_variant_new_int64 (a.now + 86400 * S));
  g_autofree char *shape = forge (good, "omnicc-dialer-books", 1, 3, g_variant_new_string ("x"));
  const struct {
    const char *text, *says;
  } bad[] = {
    { "", "not base64" },
    { "this is not books", "not base64" },
    { "AAAAAAAAAAAA", "corrupt or cut short" },
    { half, "corrupt or cut short" },
    { odd, "not base64" },
    { v2, "version 2: this dialer reads version 1" },
    { tag, "tag" },
    { dials, "dials" },
    { future, "origin" },
    { shape, "another shape" },
  };
  g_autofree char *keys = g_strconcat (open_all_day, HISTORY_KEYS, NULL);
  fx_start (&b, core, "progressive", keys, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_false (dialer_engine_books_restore (b.e, bad[i].text, b.now, &error));
      g_assert_error (error, DIALER_ERROR, DIALER_ERROR_INVALID);
      g_test_message ("case %u: %s", i, error->message);
      g_assert_nonnull (strstr (error->message, bad[i].says));
      DialerReport r;
      g_assert_false (dialer_books_report (bad[i].text, &r, NULL, NULL));
    }
  /* the engine's books were left as they were: the good ones still go in */
  DialerReport r;
  dialer_engine_report (b.e, &r);
  g_assert_cmpuint (r.dials, ==, 0);
  g_assert_cmpuint (r.day_windows->len, ==, 0);
  dialer_report_clear (&r);
  g_assert_true (dialer_engine_books_restore (b.e, good, a.now, NULL));
  /* … but not into books that have counted calls */
  g_autoptr (GError) error = NULL;
  g_assert_false (dialer_engine_books_restore (a.e, good, a.now, &error));
  g_assert_error (error, DIALER_ERROR, DIALER_ERROR_STATE);
  fx_stop (&a);
  fx_stop (&b);
}

/* --- attempts of earlier runs ------------------------------------------------------------- */

static void
note_passed_over (const char *contact, gpointer data)
{
  g_ptr_array_add (data, g_strdup (contact));
}

static void
add_with_attempts (Fx *fx, const char *id, const char *number, guint attempts, gint64 callback_at)
{
  const char *const numbers[] = { number, NULL };
  DialerContactSpec spec = { id, numbers, 0, callback_at, attempts };
  g_assert_true (dialer_engine_add_contact (fx->e, &spec, fx->now, NULL));
}

static void
test_attempts_carried_over (void)
{
  g_autofree char *keys = g_strconcat (open_all_day, "retry-busy=1m:10\nmax-attempts=3\n", NULL);
  Fx fx;
  fx_start (&fx, core, "progressive", keys, NULL);
  g_autoptr (GPtrArray) passed = g_ptr_array_new_with_free_func (g_free);
  dialer_engine_set_passed_over (fx.e, note_passed_over, passed);
  /* two made before: one call left */
  add_with_attempts (&fx, "one-left", "+2250700000001", 2, 0);
  /* three made before: done at once, never dialed */
  add_with_attempts (&fx, "used-up", "+2250700000002", 3, 0);
  g_assert_cmpint (fx_info (&fx, "used-up").state, ==, DIALER_CONTACT_DONE);
  g_assert_cmpstr (fx_info (&fx, "used-up").done_why, ==, "attempts");
  g_assert_cmpuint (passed->len, ==, 1);
  g_assert_cmpstr (passed->pdata[0], ==, "used-up");
  /* a call-back is owed its call, however many were made */
  add_with_attempts (&fx, "call-back", "+2250700000003", 3, fx.now + 600 * S);
  dialer_engine_agent_state (fx.e, "awa", OCC_DIALER_AGENT_FREE, fx.now);

  guint64 call = dial_one (&fx, "one-left");
  g_assert_true (dialer_engine_call_result (fx.e, call, OCC_DIALER_BUSY, fx.now));
  DialerContactInfo i = fx_info (&fx, "one-left");
  g_assert_cmpint (i.state, ==, DIALER_CONTACT_DONE);
  g_assert_cmpstr (i.done_why, ==, "attempts");
  g_assert_cmpuint (i.attempts, ==, 3);
  fx_tick (&fx, 120);
  g_assert_cmpuint (fx_count (&fx, DIALER_ACTION_DIAL), ==, 0);
  fx_tick (&fx, 600); /* the call-back's time */
  const DialerAction *cb = fx_action (&fx, DIALER_ACTION_DIAL, 0);
  g_assert_nonnull (cb);
  g_assert_cmpstr (cb->contact, ==, "call-back");
  call = cb->call;
  g_assert_true (dialer_engine_call_result (fx.e, call, OCC_DIALER_BUSY, fx.now));
  g_assert_cmpuint (fx_info (&fx, "call-back").attempts, ==, 4);
  g_assert_cmpint (fx_info (&fx, "call-back").state, ==, DIALER_CONTACT_DONE);
  fx_tick (&fx, 3600);
  g_assert_cmpuint (fx_count (&fx, DIALER_ACTION_DIAL), ==, 0);
  fx_stop (&fx);
}

/* --- compact ------------------------------------------------------------------------------ */

static void
test_compact_month_of_answers (void)
{
  Fx a, b;
  start_recorded (&a, "30d", NULL);
  const guint n = 100000;
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("c%u", i);
      g_autofree char *number = g_strdup_printf ("+22507%08u", i);
      fx_contact (&a, id, number, 0, 0);
      guint64 call = dial_one (&a, id);
      /* answered, taken, and over at once; the next 25 s later: 29 days in all */
      g_assert_true (dialer_engine_call_result (a.e, call, OCC_DIALER_ANSWERED, a.now));
      g_assert_true (dialer_engine_call_connected (a.e, call, "awa", a.now));
      g_assert_true (dialer_engine_call_ended (a.e, call, a.now));
      g_assert_true (dialer_engine_agent_state (a.e, "awa", OCC_DIALER_AGENT_FREE, a.now));
      a.now += 25 * S;
    }
  g_autofree char *text = dialer_engine_books_save (a.e, a.now);
  g_test_message ("books of %u answers in the window: %zu bytes", n, strlen (text));
  g_assert_cmpuint (strlen (text), <, 6 * n); /* 8-byte times as base64 would be 10.7 */
  start_recorded (&b, "30d", NULL);
  b.now = a.now;
  g_assert_true (dialer_engine_books_restore (b.e, text, b.now, NULL));
  fx_contact (&b, "last", "+2250799999999", 0, 0);
  fx_tick (&b, 0);
  g_assert_cmpuint (seen_answers, ==, n);
  g_assert_cmpuint (seen_abandons, ==, 0);
  fx_stop (&a);
  fx_stop (&b);
}

/* The information messages' delays as a distribution: 10 ms buckets,
 * percentiles as a bucket's upper bound, and how many came after 2 s;
 * kept in the books. */
static void
test_info_delay_distribution (void)
{
  DialerFigures f;
  dialer_figures_init (&f);
  /* 100 messages: 90 at 1.503 s, 5 at exactly 2 s, 4 at 2.0005 s, one
   * at 4 s (past the top bucket) */
  for (guint i = 0; i < 90; i++)
    dialer_figures_info_message (&f, 1.503);
  for (guint i = 0; i < 5; i++)
    dialer_figures_info_message (&f, 2.0);
  for (guint i = 0; i < 4; i++)
    dialer_figures_info_message (&f, 2.0005);
  dialer_figures_info_message (&f, 4.0);
  DialerReport r;
  dialer_figures_report (&f, &r);
  g_assert_cmpuint (r.info_messages, ==, 100);
  g_assert_cmpuint (r.info_delay_hist[151], ==, 90); /* (1.50, 1.51] */
  g_assert_cmpuint (r.info_delay_hist[200], ==, 5);  /* (1.99, 2.00]: within 2 s */
  g_assert_cmpuint (r.info_delay_hist[201], ==, 4);  /* (2.00, 2.01] */
  g_assert_cmpuint (r.info_delay_hist[DIALER_INFO_DELAY_BUCKETS - 1], ==, 1);
  g_assert_cmpuint (r.info_delays_over_2s, ==, 5);
  g_assert_cmpfloat_with_epsilon (r.info_delay_p50_s, 1.51, 1e-9);
  g_assert_cmpfloat_with_epsilon (r.info_delay_p95_s, 2.00, 1e-9);
  g_assert_cmpfloat_with_epsilon (r.info_delay_p99_s, 2.01, 1e-9);
  g_assert_cmpfloat_with_epsilon (r.info_delay_max_s, 4.0, 1e-9);
  /* the books keep it */
  g_autofree char *text = dialer_figures_save (&f, 1000, 0, 0, 0);
  DialerFigures g;
  dialer_figures_init (&g);
  g_autoptr (GError) e = NULL;
  g_assert_true (dialer_figures_load (&g, text, 0, NULL, &e));
  g_assert_no_error (e);
  DialerReport r2;
  dialer_figures_report (&g, &r2);
  assert_reports_equal (&r, &r2);
  dialer_report_clear (&r);
  dialer_report_clear (&r2);
  dialer_figures_clear (&f);
  dialer_figures_clear (&g);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  core = dialer_test_context_new ();
  g_test_add_func ("/dialer/books/round-trip-every-field", test_round_trip);
  g_test_add_func ("/dialer/books/rolling-window-continues", test_rolling_window_continues);
  g_test_add_func ("/dialer/books/fixed-windows-continue-same-origin", test_fixed_windows_continue);
  g_test_add_func ("/dialer/books/refuses-what-is-not-books", test_refuses_what_is_not_books);
  g_test_add_func ("/dialer/books/attempts-carried-over", test_attempts_carried_over);
  g_test_add_func ("/dialer/books/compact-month-of-answers", test_compact_month_of_answers);
  g_test_add_func ("/dialer/books/info-delay-distribution", test_info_delay_distribution);
  int rc = g_test_run ();
  occ_context_free (core);
  return rc;
}
