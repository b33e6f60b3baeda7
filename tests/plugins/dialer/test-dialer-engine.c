/* The dialer engine alone under the test's clock, paced by the real
 * progressive plugin (and, to show the engine does not trust a pacing,
 * a greedy one of the test's own): settings and their contradictions,
 * the calling window per time zone across a DST change, retries per
 * outcome, max attempts, due order with call-backs, do-not-call numbers,
 * the abandon guard, the 2-second information-message rule and agents'
 * dispositions. */
#include "pacing-fixture.h"

#include <string.h>

static OccContext *core;

static const char *const open_all_day = "timezone=UTC\nwindow=00:00-24:00\ndays=mon-sun\n";

/* --- settings ----------------------------------------------------------------------------- */

static void
test_settings_contradictions (void)
{
  static const struct {
    const char *keys, *expect;
  } cases[] = {
    { "window=10:00-10:00\n", "[campaign test] window: is empty" },
    { "window=18:00-09:00\n", "window: is empty" },
    { "days=\n", "days: is empty" },
    { "abandon-target=120\n", "abandon-target: is a percentage" },
    { "abandon-target=0\n", "abandon-target: is a percentage" },
    { "ring-timeout=10\n", "ring-timeout: must be at least 15 s" },
    { "timezone=Mars/Olympus\n", "timezone: not a known IANA" },
    { "retry-abandoned=1h:1\n", "retry-abandoned: its delay is inside abandon-guard" },
    { "retry-busy=soon\n", "retry-busy: must be DELAY:MAX" },
    { "max-attempts=0\n", "max-attempts: must be a number from 1" },
    { "info-message-within=3\n", "info-message-within: must be a number from 0.1 to 2" },
    { "colour=blue\n", "colour: unknown key" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *keys = g_strconcat ("pacing=progressive\n", cases[i].keys, NULL);
      g_autofree char *msg = dialer_test_settings_error (keys);
      g_test_message ("%s → %s", cases[i].keys, msg);
      g_assert_true (g_str_has_prefix (msg, "test.conf: [campaign test] "));
      g_assert_nonnull (strstr (msg, cases[i].expect));
    }
  g_autofree char *none = dialer_test_settings_error ("window=09:00-17:00\n");
  g_assert_nonnull (strstr (none, "pacing: is needed"));

  DialerSettings s;
  dialer_test_settings ("pacing=predictive\nretry-no-answer=2h:3\nretry-busy=15m:5\n"
                        "abandon-window=30d\npacing-aim=0.5\n",
                        &s);
  g_assert_cmpint (s.retry[OCC_DIALER_NO_ANSWER].delay_s, ==, 7200);
  g_assert_cmpuint (s.retry[OCC_DIALER_NO_ANSWER].max, ==, 3);
  g_assert_cmpint (s.retry[OCC_DIALER_BUSY].delay_s, ==, 900);
  g_assert_cmpint (s.abandon_window_s, ==, 30 * 86400);
  g_assert_cmpfloat (s.abandon_target, ==, 0.03);
  g_assert_cmpstr (g_hash_table_lookup (s.pacing_params, "aim"), ==, "0.5");
  dialer_settings_clear (&s);
}

/* --- the window ---------------------------------------------------------------------------- */

static void
test_window_time_zone_dst (void)
{
  DialerSettings s;
  dialer_test_settings ("pacing=progressive\ntimezone=Europe/London\nwindow=09:00-17:00\n"
                        "days=mon-fri\n",
                        &s);
  /* Friday 27 March 2026: GMT, 09:00 local is 09:00 UTC */
  g_assert_false (dialer_settings_in_window (&s, dialer_test_time ("2026-03-27T08:30:00Z")));
  g_assert_true (dialer_settings_in_window (&s, dialer_test_time ("2026-03-27T09:00:00Z")));
  g_assert_true (dialer_settings_in_window (&s, dialer_test_time ("2026-03-27T16:59:00Z")));
  g_assert_false (dialer_settings_in_window (&s, dialer_test_time ("2026-03-27T17:00:00Z")));
  /* the clocks go forward on Sunday 29 March: Monday 09:00 BST is 08:00 UTC */
  g_assert_true (dialer_settings_in_window (&s, dialer_test_time ("2026-03-30T08:30:00Z")));
  g_assert_false (dialer_settings_in_window (&s, dialer_test_time ("2026-03-30T16:30:00Z")));
  /* from Friday evening, the next opening is Monday 08:00 UTC (the weekend is shut) */
  g_assert_cmpint (dialer_settings_next_window (&s, dialer_test_time ("2026-03-27T18:00:00Z")), ==,
                   dialer_test_time ("2026-03-30T08:00:00Z"));
  dialer_settings_clear (&s);

  /* the engine: nothing dialed while shut, due again at the opening */
  Fx fx;
  fx_start (&fx, core, "progressive", "timezone=Europe/London\nwindow=09:00-17:00\ndays=mon-fri\n",
            "2026-03-27T18:00:00Z");
  fx_contact (&fx, "c1", "+2250700000001", 0, 0);
  dialer_engine_agent_state (fx.e, "awa", OCC_DIALER_AGENT_FREE, fx.now);
  g_assert_cmpuint (fx_tick (&fx, 0)->len, ==, 0);
  gint64 open = dialer_engine_next_due (fx.e, fx.now);
  g_assert_cmpint (open, ==, dialer_test_time ("2026-03-30T08:00:00Z"));
  fx_tick (&fx, (double) (open - fx.now) / S - 1);
  g_assert_cmpuint (fx_count (&fx, DIALER_ACTION_DIAL), ==, 0);
  fx_tick (&fx, 1);
  g_assert_cmpuint (fx_count (&fx, DIALER_ACTION_DIAL), ==, 1);
  DialerReport r;
  dialer_engine_report (fx.e, &r);
  g_assert_cmpuint (r.calls_outside_window, ==, 0);
  dialer_report_clear (&r);
  fx_stop (&fx);
}

/* --- outcomes ------------------------------------------------------------------------------ */

static void
test_retries_per_outcome (void)
{
  Fx fx;
  g_autofree char *keys = g_strconcat (open_all_day,
                                       "retry-busy=15m:5\nretry-no-answer=2h:2\nmax-attempts=10\n"
                                       "ring-timeout=20\n",
                                       NULL);
  fx_start (&fx, core, "progressive", keys, NULL);
  fx_contact (&fx, "c1", "+2250700000001", 0, 0);
  dialer_engine_agent_state (fx.e, "awa", OCC_DIALER_AGENT_FREE, fx.now);

  /* busy: again 15 minutes later */
  guint64 call = dial_one (&fx, "c1");
  g_assert_true (dialer_engine_call_result (fx.e, call, OCC_DIALER_BUSY, fx.now));
  DialerContactInfo i = fx_info (&fx, "c1");
  g_assert_cmpint (i.state, ==, DIALER_CONTACT_WAITING);
  g_assert_cmpint (i.next_at, ==, fx.now + 900 * S);
  g_assert_cmpint (i.last_outcome, ==, OCC_DIALER_BUSY);
  fx_tick (&fx, 899);
  g_assert_cmpuint (fx_count (&fx, DIALER_ACTION_DIAL), ==, 0);

  /* no answer: the engine hangs up after the ring time-out and tries 2 h later, twice */
  for (guint k = 0; k < 3; k++)
    {
      fx_tick (&fx, k == 0 ? 1 : 7200);
      const DialerAction *a = fx_action (&fx, DIALER_ACTION_DIAL, 0);
      g_assert_nonnull (a);
      call = a->call;
      g_assert_true (dialer_engine_call_ringing (fx.e, call, fx.now));
      fx_tick (&fx, 19.9);
      g_assert_cmpuint (fx_count (&fx, DIALER_ACTION_HANGUP), ==, 0);
      fx_tick (&fx, 0.1);
      g_assert_cmpuint (fx_count (&fx, DIALER_ACTION_HANGUP), ==, 1);
      g_assert_cmpint (fx_action (&fx, DIALER_ACTION_HANGUP, 0)->call, ==, call);
    }
  i = fx_info (&fx, "c1");
  g_assert_cmpint (i.state, ==, DIALER_CONTACT_DONE);
  g_assert_cmpstr (i.done_why, ==, "retries");
  g_assert_cmpuint (i.attempts, ==, 4);
  g_assert_cmpint (i.last_outcome, ==, OCC_DIALER_NO_ANSWER);

  /* rejected: no retry by default */
  fx_contact (&fx, "c2", "+2250700000002", 0, 0);
  call = dial_one (&fx, "c2");
  g_assert_true (dialer_engine_call_result (fx.e, call, OCC_DIALER_REJECTED, fx.now));
  g_assert_cmpstr (fx_info (&fx, "c2").done_why, ==, "retries");
  fx_stop (&fx);
}

static void
test_max_attempts (void)
{
  Fx fx;
  g_autofree char *keys = g_strconcat (open_all_day, "retry-busy=1m:10\nmax-attempts=3\n", NULL);
  fx_start (&fx, core, "progressive", keys, NULL);
  fx_contact (&fx, "c1", "+2250700000001", 0, 0);
  dialer_engine_agent_state (fx.e, "awa", OCC_DIALER_AGENT_FREE, fx.now);
  guint64 call = dial_one (&fx, "c1");
  for (guint k = 0; k < 3; k++)
    {
      g_assert_true (dialer_engine_call_result (fx.e, call, OCC_DIALER_BUSY, fx.now));
      fx_tick (&fx, 60); /* due again after a minute: dialed at once, but not a 4th time */
      const DialerAction *a = fx_action (&fx, DIALER_ACTION_DIAL, 0);
      g_assert_true (k < 2 ? a != NULL : a == NULL);
      call = a ? a->call : 0;
    }
  DialerContactInfo i = fx_info (&fx, "c1");
  g_assert_cmpint (i.state, ==, DIALER_CONTACT_DONE);
  g_assert_cmpstr (i.done_why, ==, "attempts");
  g_assert_cmpuint (i.attempts, ==, 3);
  fx_tick (&fx, 3600);
  g_assert_cmpuint (fx_count (&fx, DIALER_ACTION_DIAL), ==, 0);
  fx_stop (&fx);
}

/* Dials every due contact one after another (busy each time: no retry)
 * and returns their order. */
static char *
dial_order (Fx *fx, guint n)
{
  GString *o = g_string_new (NULL);
  for (guint k = 0; k < n; k++)
    {
      fx_tick (fx, 1);
      const DialerAction *a = fx_action (fx, DIALER_ACTION_DIAL, 0);
      if (a == NULL)
        break;
      g_string_append_printf (o, "%s%s", o->len ? "," : "", a->contact);
      g_assert_true (dialer_engine_call_result (fx->e, a->call, OCC_DIALER_BUSY, fx->now));
    }
  return g_string_free (o, FALSE);
}

static void
test_due_order_callbacks_first (void)
{
  Fx fx;
  g_autofree char *keys = g_strconcat (open_all_day, "retry-busy=1h:0\n", NULL);
  fx_start (&fx, core, "progressive", keys, NULL);
  fx_contact (&fx, "a", "+2250700000001", 0, 0);
  fx_contact (&fx, "b", "+2250700000002", 5, 0);
  fx_contact (&fx, "c", "+2250700000003", 0, 0);
  fx_contact (&fx, "cb-late", "+2250700000004", 0, fx.now + 2 * S);
  fx_contact (&fx, "cb-early", "+2250700000005", -10, fx.now + 1 * S);
  fx_contact (&fx, "d", "+2250700000006", 5, 0);
  dialer_engine_agent_state (fx.e, "awa", OCC_DIALER_AGENT_FREE, fx.now);
  g_autofree char *order = dial_order (&fx, 10);
  /* b, d (priority 5) would go first at t+1, but the call-back due then goes first; the one
   * due at t+2 goes as soon as it is due */
  g_assert_cmpstr (order, ==, "cb-early,cb-late,b,d,a,c");
  fx_stop (&fx);
}

static gboolean
dnc_list (const char *number, gpointer data)
{
  return g_strv_contains (data, number);
}

static void
note_passed_over (const char *contact, gpointer data)
{
  g_ptr_array_add (data, g_strdup (contact));
}

static void
test_dnc_never_dialed (void)
{
  Fx fx;
  g_autofree char *keys = g_strconcat (open_all_day, "retry-busy=1m:3\n", NULL);
  fx_start (&fx, core, "progressive", keys, NULL);
  const char *const dnc[] = { "+2250700000001", "+2250700000003", NULL };
  dialer_engine_set_dnc (fx.e, dnc_list, (gpointer) dnc);
  g_autoptr (GPtrArray) passed = g_ptr_array_new_with_free_func (g_free);
  dialer_engine_set_passed_over (fx.e, note_passed_over, passed);
  fx_contact (&fx, "only-dnc", "+2250700000001", 10, 0);
  fx_contact (&fx, "second-ok", "+2250700000003,+2250700000004", 5, 0);
  fx_contact (&fx, "talker", "+2250700000005", 0, 0);
  dialer_engine_agent_state (fx.e, "awa", OCC_DIALER_AGENT_FREE, fx.now);
  guint64 call = dial_one (&fx, "second-ok");
  g_assert_cmpstr (fx_action (&fx, DIALER_ACTION_DIAL, 0)->number, ==, "+2250700000004");
  g_assert_cmpstr (fx_info (&fx, "only-dnc").done_why, ==, "do-not-call");
  /* (passed over without an action: its caller is told, to write it down) */
  g_assert_cmpuint (passed->len, ==, 1);
  g_assert_cmpstr (passed->pdata[0], ==, "only-dnc");
  g_assert_true (dialer_engine_call_result (fx.e, call, OCC_DIALER_BUSY, fx.now));

  /* a do-not-call disposition puts the number on the campaign's list */
  call = dial_one (&fx, "talker");
  g_assert_true (dialer_engine_call_result (fx.e, call, OCC_DIALER_ANSWERED, fx.now));
  g_assert_true (dialer_engine_call_connected (fx.e, call, "awa", fx.now));
  g_assert_true (dialer_engine_call_ended (fx.e, call, fx.now + 60 * S));
  g_assert_true (
      dialer_engine_disposition (fx.e, "talker", DIALER_DISPOSITION_DO_NOT_CALL, 0, fx.now, NULL));
  dialer_engine_agent_state (fx.e, "awa", OCC_DIALER_AGENT_FREE, fx.now + 70 * S);
  fx_contact (&fx, "same-number", "+2250700000005", 100, 0);
  fx_tick (&fx, 120);
  for (guint k = 0; k < fx.acts->len; k++)
    g_assert_cmpstr (g_array_index (fx.acts, DialerAction, k).number, !=, "+2250700000005");
  g_assert_cmpstr (fx_info (&fx, "same-number").done_why, ==, "do-not-call");
  DialerReport r;
  dialer_engine_report (fx.e, &r);
  g_assert_cmpuint (r.dnc_hits, ==, 0);
  dialer_report_clear (&r);
  fx_stop (&fx);
}

/* --- abandons ------------------------------------------------------------------------------ */

static void
test_two_second_rule (void)
{
  Fx fx;
  g_autofree char *keys = g_strconcat (open_all_day, NULL);
  fx_start (&fx, core, "progressive", keys, NULL);
  fx_contact (&fx, "c1", "+2250700000001", 0, 0);
  fx_contact (&fx, "c2", "+2250700000002", 0, 0);
  dialer_engine_agent_state (fx.e, "awa", OCC_DIALER_AGENT_FREE, fx.now);
  /* connected within 2 s: no message */
  guint64 call = dial_one (&fx, "c1");
  g_assert_true (dialer_engine_call_result (fx.e, call, OCC_DIALER_ANSWERED, fx.now));
  g_assert_cmpint (dialer_engine_next_due (fx.e, fx.now), <=, fx.now + 2 * S);
  fx_tick (&fx, 1.5);
  g_assert_cmpuint (fx_count (&fx, DIALER_ACTION_ABANDON), ==, 0);
  g_assert_true (dialer_engine_call_connected (fx.e, call, "awa", fx.now));
  fx_tick (&fx, 5);
  g_assert_cmpuint (fx_count (&fx, DIALER_ACTION_ABANDON), ==, 0);
  g_assert_cmpstr (fx_info (&fx, "c1").done_why, ==, "answered");

  /* the agent is busy: c2's answer gets the message at 2 s, not before */
  dialer_engine_agent_state (fx.e, "bob", OCC_DIALER_AGENT_FREE, fx.now);
  call = dial_one (&fx, "c2");
  dialer_engine_agent_state (fx.e, "bob", OCC_DIALER_AGENT_BUSY, fx.now);
  g_assert_true (dialer_engine_call_result (fx.e, call, OCC_DIALER_ANSWERED, fx.now));
  fx_tick (&fx, 1.999);
  g_assert_cmpuint (fx_count (&fx, DIALER_ACTION_ABANDON), ==, 0);
  fx_tick (&fx, 0.001);
  const DialerAction *a = fx_action (&fx, DIALER_ACTION_ABANDON, 0);
  g_assert_nonnull (a);
  g_assert_cmpint (a->call, ==, call);
  g_assert_cmpstr (a->number, ==, "+2250700000002");
  /* too late now */
  g_assert_false (dialer_engine_call_connected (fx.e, call, "awa", fx.now));
  DialerReport r;
  dialer_engine_report (fx.e, &r);
  g_assert_cmpuint (r.abandons, ==, 1);
  g_assert_cmpuint (r.answers, ==, 2);
  g_assert_cmpuint (r.info_messages, ==, 1);
  g_assert_cmpfloat_with_epsilon (r.info_delay_max_s, 2.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (r.worst_day_rate, 0.5, 1e-9);
  dialer_report_clear (&r);
  g_assert_cmpint (fx_info (&fx, "c2").last_outcome, ==, OCC_DIALER_ABANDONED);
  fx_stop (&fx);
}

static void
test_abandon_guard (void)
{
  Fx fx;
  g_autofree char *keys = g_strconcat (
      open_all_day, "abandon-guard=72h\nretry-abandoned=72h:1\nretry-busy=1m:0\n", NULL);
  fx_start (&fx, core, "progressive", keys, NULL);
  fx_contact (&fx, "c1", "+2250700000001", 0, 0);
  dialer_engine_agent_state (fx.e, "awa", OCC_DIALER_AGENT_FREE, fx.now);
  guint64 call = dial_one (&fx, "c1");
  g_assert_true (dialer_engine_call_result (fx.e, call, OCC_DIALER_ANSWERED, fx.now));
  dialer_engine_agent_state (fx.e, "awa", OCC_DIALER_AGENT_BUSY, fx.now);
  fx_tick (&fx, 2);
  g_assert_cmpuint (fx_count (&fx, DIALER_ACTION_ABANDON), ==, 1);
  gint64 abandoned = fx.now;
  dialer_engine_agent_state (fx.e, "awa", OCC_DIALER_AGENT_FREE, fx.now);
  /* the same number in another contact: held until the guard ends */
  fx_contact (&fx, "c1-again", "+2250700000001", 10, 0);
  fx_contact (&fx, "other", "+2250700000002", 0, 0);
  call = dial_one (&fx, "other");
  g_assert_true (dialer_engine_call_result (fx.e, call, OCC_DIALER_BUSY, fx.now));
  DialerContactInfo i = fx_info (&fx, "c1-again");
  g_assert_cmpint (i.state, ==, DIALER_CONTACT_WAITING);
  g_assert_cmpint (i.next_at, ==, abandoned + 72 * 3600 * S);
  fx_tick (&fx, 71 * 3600);
  g_assert_cmpuint (fx_count (&fx, DIALER_ACTION_DIAL), ==, 0);
  fx_tick (&fx, 3600);
  const DialerAction *a = fx_action (&fx, DIALER_ACTION_DIAL, 0);
  g_assert_nonnull (a);
  g_assert_cmpstr (a->number, ==, "+2250700000001");
  DialerReport r;
  dialer_engine_report (fx.e, &r);
  g_assert_cmpuint (r.guard_breaches, ==, 0);
  dialer_report_clear (&r);
  fx_stop (&fx);
}

/* --- dispositions -------------------------------------------------------------------------- */

static void
test_dispositions (void)
{
  Fx fx;
  fx_start (&fx, core, "progressive", open_all_day, NULL);
  fx_contact (&fx, "sale", "+2250700000001", 10, 0);
  fx_contact (&fx, "later", "+2250700000002", 5, 0);
  fx_contact (&fx, "wrong", "+2250700000003,+2250700000004", 0, 0);
  fx_contact (&fx, "filler", "+2250700000009", -5, 0);
  dialer_engine_agent_state (fx.e, "awa", OCC_DIALER_AGENT_FREE, fx.now);

  talk (&fx, dial_one (&fx, "sale"), "awa");
  g_assert_true (
      dialer_engine_disposition (fx.e, "sale", DIALER_DISPOSITION_SALE, 0, fx.now, NULL));
  g_assert_cmpint (fx_info (&fx, "sale").disposition, ==, DIALER_DISPOSITION_SALE);

  talk (&fx, dial_one (&fx, "later"), "awa");
  gint64 at = fx.now + 3 * 3600 * S;
  g_autoptr (GError) error = NULL;
  g_assert_false (dialer_engine_disposition (fx.e, "later", DIALER_DISPOSITION_CALL_BACK,
                                             fx.now - 1, fx.now, &error));
  g_assert_error (error, DIALER_ERROR, DIALER_ERROR_INVALID);
  g_assert_true (
      dialer_engine_disposition (fx.e, "later", DIALER_DISPOSITION_CALL_BACK, at, fx.now, NULL));
  g_assert_cmpint (fx_info (&fx, "later").state, ==, DIALER_CONTACT_WAITING);

  talk (&fx, dial_one (&fx, "wrong"), "awa");
  g_assert_true (
      dialer_engine_disposition (fx.e, "wrong", DIALER_DISPOSITION_WRONG_NUMBER, 0, fx.now, NULL));
  /* the next number of the same contact, before the lower-priority filler */
  guint64 call = dial_one (&fx, "wrong");
  g_assert_cmpstr (fx_action (&fx, DIALER_ACTION_DIAL, 0)->number, ==, "+2250700000004");
  talk (&fx, call, "awa");
  g_assert_true (
      dialer_engine_disposition (fx.e, "wrong", DIALER_DISPOSITION_WRONG_NUMBER, 0, fx.now, NULL));
  g_assert_cmpstr (fx_info (&fx, "wrong").done_why, ==, "no-number");

  /* the call-back comes at its time, before the filler that waited */
  talk (&fx, dial_one (&fx, "filler"), "awa");
  fx.now = at - 1 * S;
  fx_tick (&fx, 0);
  g_assert_cmpuint (fx_count (&fx, DIALER_ACTION_DIAL), ==, 0);
  fx_tick (&fx, 1);
  g_assert_cmpstr (fx_action (&fx, DIALER_ACTION_DIAL, 0)->contact, ==, "later");

  /* a disposition for a contact nobody talked to is refused */
  g_clear_error (&error);
  fx_contact (&fx, "silent", "+2250700000010", 0, 0);
  g_assert_false (
      dialer_engine_disposition (fx.e, "silent", DIALER_DISPOSITION_SALE, 0, fx.now, &error));
  g_assert_error (error, DIALER_ERROR, DIALER_ERROR_STATE);
  fx_stop (&fx);
}

/* --- the pacing is not trusted ------------------------------------------------------------- */

static void
greedy_decide (const OccDialerPacingContext *ctx, OccDialerDecision *out)
{
  out->calls = 1000;
}

static void
test_pacing_not_trusted (void)
{
  static const OccDialerPacing greedy
      = { .header = OCC_SERVICE_HEADER (OccDialerPacing, OCC_DIALER_PACING_VERSION),
          .name = "greedy",
          .decide = greedy_decide };
  DialerSettings s;
  g_autofree char *keys
      = g_strconcat ("pacing=greedy\nmax-lines-per-agent=2\n", open_all_day, NULL);
  dialer_test_settings (keys, &s);
  g_autoptr (DialerEngine) e = dialer_engine_new (&s, &greedy, 1, NULL);
  dialer_settings_clear (&s);
  gint64 now = dialer_test_time ("2026-03-30T10:00:00Z");
  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *id = g_strdup_printf ("c%u", i);
      g_autofree char *number = g_strdup_printf ("+22507000%05u", i);
      const char *const n[] = { number, NULL };
      DialerContactSpec spec = { id, n, 0, 0, 0 };
      g_assert_true (dialer_engine_add_contact (e, &spec, now, NULL));
    }
  dialer_engine_agent_state (e, "awa", OCC_DIALER_AGENT_FREE, now);
  dialer_engine_agent_state (e, "bob", OCC_DIALER_AGENT_FREE, now);
  g_autoptr (GArray) acts = dialer_engine_tick (e, now);
  g_assert_cmpuint (acts->len, ==, 4); /* 2 agents × 2 lines */
  g_autoptr (GArray) more = dialer_engine_tick (e, now + S);
  g_assert_cmpuint (more->len, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  core = dialer_test_context_new ();
  g_test_add_func ("/dialer/settings/refuses-contradictions", test_settings_contradictions);
  g_test_add_func ("/dialer/window/per-time-zone-across-dst", test_window_time_zone_dst);
  g_test_add_func ("/dialer/engine/retries-per-outcome", test_retries_per_outcome);
  g_test_add_func ("/dialer/engine/max-attempts", test_max_attempts);
  g_test_add_func ("/dialer/engine/due-order-call-backs-first", test_due_order_callbacks_first);
  g_test_add_func ("/dialer/engine/dnc-never-dialed", test_dnc_never_dialed);
  g_test_add_func ("/dialer/engine/two-second-rule", test_two_second_rule);
  g_test_add_func ("/dialer/engine/abandon-guard", test_abandon_guard);
  g_test_add_func ("/dialer/engine/dispositions", test_dispositions);
  g_test_add_func ("/dialer/engine/pacing-answer-bounded", test_pacing_not_trusted);
  int rc = g_test_run ();
  occ_context_free (core);
  return rc;
}
