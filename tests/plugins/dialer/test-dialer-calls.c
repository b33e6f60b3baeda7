/* Campaigns that really dial: the real omniccd with sip, media, the ACD,
 * the dialer and the pacing plugins; the subscribers behind the trunk
 * played by one sipp (tests/plugins/dialer/subscriber.xml: one number
 * answers, one is busy, one rings forever) and the agent's phone by
 * another, all on 127.0.0.1. What is checked is what happened — the SIP
 * messages sipp saw, the contact rows in the store, the engine's report
 * and the events — never how long it took. */
#include "peers.h"
#include "sip-site.h"
#include "sipp.h"
#include "testlib.h"
#include "tone.h"

#include <sqlite3.h>
#include <string.h>

#define ANSWERS "+2250700000001"
#define BUSY "+2250700000002"
#define RINGS "+2250700000003"
#define BARRED "+2250700000004"

typedef struct {
  OccTestSipSite s;
  OccTestSipp *subscribers;
  char *csv;
} Site;

static const char acd_conf[] = "[queue sales]\nstrategy=longest-idle\n"
                               "[agent awa]\nqueues=sales\n";

/* The site, with the subscribers' sipp as the first trunk's far end
 * (without keep-alives: sipp answers only its scenario). */
static void
site_start_acd (Site *t, const char *plugins, const char *acd)
{
  int port = occ_test_free_sip_port ();
  OccTestSippConfig far = { .scenario = SOURCE_ROOT "/tests/plugins/dialer/subscriber.xml",
                            .port = port,
                            .service = "subscriber",
                            .rtp_meter = TRUE,
                            .timeout_s = 300 };
  t->subscribers = occ_test_sipp_start (&far);
  g_assert_nonnull (t->subscribers);
  const char *const files[]
      = { "plugins.d/acd.conf", acd, "plugins.d/dialer.conf", "[dialer]\ncountry=225\n", NULL };
  g_autofree char *more = g_strdup_printf ("[trunk subscribers]\naddress=127.0.0.1:%d\norder=1\n"
                                           "options-interval=0\ncodecs=PCMU\n",
                                           port);
  occ_test_sip_site_start_with (&t->s, plugins, files, NULL, "order=99", more);
}

static void
site_start (Site *t, const char *plugins)
{
  site_start_acd (t, plugins, acd_conf);
}

static void
site_stop (Site *t)
{
  occ_test_sip_site_stop (&t->s);
  occ_test_sipp_free (t->subscribers);
  g_free (t->csv);
}

/* What the subscribers' side received so far. */
static char *
received (Site *t)
{
  char *text = NULL;
  g_file_get_contents (t->subscribers->messages, &text, NULL, NULL);
  return text ? text : g_strdup ("");
}

/* Shows the daemon's log and what the subscribers saw (a failing test's
 * best friend). */
static void
dump (Site *t)
{
  g_autofree char *log = occ_test_read (t->s.d->log);
  g_test_message ("omniccd's log:\n%s", log ? log : "(none)");
  occ_test_sipp_dump (t->subscribers);
}

#define CHECK(t, cond)     \
  G_STMT_START             \
  {                        \
    gboolean ok_ = (cond); \
    if (!ok_)              \
      dump (t);            \
    g_assert_true (ok_);   \
  }                        \
  G_STMT_END

static char *call_ok (Site *t, const char *command, ...) G_GNUC_NULL_TERMINATED;

/* `omnicc call COMMAND ARGS…` that must succeed (at most 8 arguments). */
static char *
call_ok (Site *t, const char *command, ...)
{
  const char *a[8] = { NULL };
  va_list ap;
  va_start (ap, command);
  for (guint i = 0; i < G_N_ELEMENTS (a) - 1; i++)
    if ((a[i] = va_arg (ap, const char *)) == NULL)
      break;
  va_end (ap);
  return occ_test_call (t->s.d, 0, command, a[0], a[1], a[2], a[3], a[4], a[5], a[6], NULL);
}

/* A campaign @id in @mode with @settings (the [campaign] group's lines)
 * and the four contacts, BARRED put on the do-not-call list after the
 * import (an import leaves such numbers out). */
static void
campaign_new (Site *t, const char *id, const char *mode, const char *settings)
{
  g_autofree char *group = g_strconcat ("[campaign]\n", settings, NULL);
  g_autofree char *name = g_strconcat (id, ".conf", NULL);
  occ_test_write (t->s.dir, name, group);
  g_autofree char *conf = g_build_filename (t->s.dir, name, NULL);
  g_autofree char *set = g_strconcat ("settings=", conf, NULL);
  g_autofree char *ida = g_strconcat ("id=", id, NULL);
  g_autofree char *modea = g_strconcat ("mode=", mode, NULL);
  g_autofree char *c = call_ok (t, "campaign.create", ida, "name=Spring", modea, "queue=sales",
                                "caller-id=+2252720000000", set, NULL);
  occ_test_write (t->s.dir, "contacts.csv",
                  "name;phone;prio\nAnswers;" ANSWERS ";4\nBusy;" BUSY ";3\nRings;" RINGS
                  ";2\nBarred;" BARRED ";1\n");
  g_autofree char *file = g_build_filename (t->s.dir, "contacts.csv", NULL);
  g_autofree char *filea = g_strconcat ("file=", file, NULL);
  g_autofree char *campaign = g_strconcat ("campaign=", id, NULL);
  g_autofree char *im = call_ok (t, "campaign.import", campaign, filea, "phones=phone",
                                 "priority-column=prio", NULL);
  g_assert_nonnull (strstr (im, "\"imported\":4"));
  g_autofree char *dnc = call_ok (t, "dnc.add", "number=" BARRED, "reason=asked", NULL);
}

/* The site with the progressive pacing and awa ready at her phone, which
 * answers one call with @scenario (transfer full). */
static OccTestSipp *
site_with_agent (Site *t, const char *scenario)
{
  site_start (t, "acd;acd-longest-idle;dialer;dialer-progressive;dialer-predictive");
  OccTestSipp *phone = occ_test_sip_site_phone (&t->s, "awa", scenario, FALSE);
  g_autofree char *in = call_ok (t, "agent.login", "login=awa", NULL);
  g_autofree char *r = call_ok (t, "agent.ready", "login=awa", NULL);
  return phone;
}

/* awa takes the calls, at any time of the week */
#define ALWAYS "agents=awa\nwrapup=0\ntimezone=UTC\nwindow=00:00-24:00\n"

/* One column of the contact row whose numbers hold @phone (transfer
 * full; "" for NULL). */
static char *
contact_field (Site *t, const char *phone, const char *column)
{
  g_autofree char *db = g_build_filename (t->s.dir, "state", "omnicc.db", NULL);
  sqlite3 *sql = NULL;
  g_assert_cmpint (sqlite3_open_v2 (db, &sql, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (sql, 5000);
  g_autofree char *q
      = g_strdup_printf ("SELECT %s FROM contact WHERE phones LIKE '%%%s%%'", column, phone);
  sqlite3_stmt *st = NULL;
  g_assert_cmpint (sqlite3_prepare_v2 (sql, q, -1, &st, NULL), ==, SQLITE_OK);
  char *v = NULL;
  if (sqlite3_step (st) == SQLITE_ROW)
    v = g_strdup (sqlite3_column_text (st, 0) ? (const char *) sqlite3_column_text (st, 0) : "");
  sqlite3_finalize (st);
  sqlite3_close (sql);
  g_assert_nonnull (v);
  return v;
}

typedef struct {
  Site *t;
  const char *phone, *column, *value;
} RowWait;

static gboolean
row_is (gpointer data)
{
  RowWait *w = data;
  g_autofree char *v = contact_field (w->t, w->phone, w->column);
  return strcmp (v, w->value) == 0;
}

/* Waits (bounded) until the contact of @phone has @column = @value. */
static gboolean
row_until (Site *t, const char *phone, const char *column, const char *value, guint timeout_ms)
{
  RowWait w = { t, phone, column, value };
  if (occ_test_wait_for (row_is, &w, timeout_ms))
    return TRUE;
  g_autofree char *v = contact_field (t, phone, column);
  g_test_message ("contact %s: %s is “%s”, not “%s”", phone, column, v, value);
  return FALSE;
}

/* How long after its last outcome (written with it) the contact of
 * @phone is due again, in ms: its retry rule's delay, from the store. */
static gint64
retry_delay_ms (Site *t, const char *phone)
{
  g_autofree char *next = contact_field (t, phone, "next_attempt_at");
  g_autofree char *updated = contact_field (t, phone, "updated_at");
  return g_ascii_strtoll (next, NULL, 10) - g_ascii_strtoll (updated, NULL, 10);
}

static JsonObject *
report (Site *t, const char *id)
{
  g_autofree char *ida = g_strconcat ("id=", id, NULL);
  g_autofree char *r = call_ok (t, "campaign.report", ida, NULL);
  return occ_test_parse_object (r);
}

static gint64
outcome (JsonObject *rep, const char *name)
{
  return json_object_get_int_member (json_object_get_object_member (rep, "outcomes"), name);
}

/* progressive, and predictive (which dials as progressive does until
 * it has measured: one agent, one call at a time) */
static void
test_campaign_dials (gconstpointer mode)
{
  Site t = { 0 };
  /* the agent answers one call and hangs up a second later */
  g_autoptr (OccTestSipp) phone = site_with_agent (&t, "uas-hangs-up");
  campaign_new (&t, "spring", mode, ALWAYS "days=mon-sun\nretry-busy=1h:3\nring-timeout=15\n");
  g_autofree char *go = call_ok (&t, "campaign.start", "id=spring", NULL);
  g_assert_nonnull (strstr (go, "\"running\""));

  /* the answered call reached the agent's phone, bridged, and ended */
  CHECK (&t, occ_test_sipp_wait (phone, 30000) == 0);
  CHECK (&t, row_until (&t, ANSWERS, "last_outcome", "answered", 10000));
  g_autofree char *answered_id = contact_field (&t, ANSWERS, "id");
  g_autofree char *contact = g_strconcat ("contact=", answered_id, NULL);
  g_autofree char *disp = call_ok (&t, "campaign.disposition", contact, "disposition=sale", NULL);
  CHECK (&t, row_until (&t, ANSWERS, "state", "done", 5000));
  CHECK (&t, row_until (&t, ANSWERS, "last_outcome", "sale", 5000));

  /* busy: waits for its retry, an hour later by its rule */
  CHECK (&t, row_until (&t, BUSY, "last_outcome", "busy", 20000));
  g_autofree char *busy_state = contact_field (&t, BUSY, "state");
  g_assert_cmpstr (busy_state, ==, "pending");
  gint64 delay_ms = retry_delay_ms (&t, BUSY);
  g_assert_cmpint (delay_ms, >, 3500 * 1000);
  g_assert_cmpint (delay_ms, <=, 3600 * 1000);
  g_autofree char *busy_attempts = contact_field (&t, BUSY, "attempts");
  g_assert_cmpstr (busy_attempts, ==, "1");

  /* the one that rings is hung up at the ring time-out: no-answer */
  CHECK (&t, row_until (&t, RINGS, "last_outcome", "no-answer", 40000));
  g_autofree char *sent = received (&t);
  g_assert_nonnull (strstr (sent, "INVITE sip:" ANSWERS "@"));
  g_assert_nonnull (strstr (sent, "INVITE sip:" BUSY "@"));
  g_assert_nonnull (strstr (sent, "CANCEL sip:" RINGS "@"));
  /* the do-not-call number was never dialed; its contact, with no other
   * number, is done as do-not-call */
  g_assert_null (strstr (sent, BARRED));
  g_autofree char *barred = contact_field (&t, BARRED, "attempts");
  g_assert_cmpstr (barred, ==, "0");
  CHECK (&t, row_until (&t, BARRED, "state", "done", 5000));
  CHECK (&t, row_until (&t, BARRED, "last_outcome", "do-not-call", 5000));
  g_autofree char *status_run = call_ok (&t, "campaign.status", "id=spring", NULL);
  g_assert_nonnull (strstr (status_run, "\"done\":"));

  g_autoptr (JsonObject) rep = report (&t, "spring");
  g_assert_cmpint (json_object_get_int_member (rep, "dials"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (rep, "answers"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (rep, "connected"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (rep, "abandons"), ==, 0);
  g_assert_cmpint (outcome (rep, "busy"), ==, 1);
  g_assert_cmpint (outcome (rep, "no-answer"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (rep, "dnc-hits"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (rep, "calls-outside-window"), ==, 0);

  g_autofree char *stop = call_ok (&t, "campaign.stop", "id=spring", NULL);
  g_autofree char *ev = occ_test_sip_site_events (&t.s);
  g_assert_nonnull (strstr (ev, "\"interaction.connected\""));
  g_assert_nonnull (strstr (ev, "\"interaction.disposition\""));
  g_assert_nonnull (strstr (ev, "\"sale\""));
  g_assert_nonnull (strstr (ev, "\"campaign.state\""));
  g_autofree char *status = call_ok (&t, "campaign.status", "id=spring", NULL);
  g_assert_nonnull (strstr (status, "\"stopped\""));
  site_stop (&t);
}

/* The id of the only call `sip.calls` lists (transfer full). */
static char *
the_call (Site *t)
{
  g_autofree char *out = call_ok (t, "sip.calls", NULL);
  g_autoptr (JsonNode) n = json_from_string (out, NULL);
  g_assert_nonnull (n);
  JsonArray *a = json_node_get_array (n);
  g_assert_cmpuint (json_array_get_length (a), ==, 1);
  return g_strdup (json_object_get_string_member (json_array_get_object_element (a, 0), "id"));
}

static void
test_pause_stops_new_dials (void)
{
  Site t = { 0 };
  /* the agent's phone holds the call until the test hangs it up */
  g_autoptr (OccTestSipp) phone = site_with_agent (&t, "uas");
  campaign_new (&t, "paused", "progressive", ALWAYS "days=mon-sun\nring-timeout=15\n");
  g_autofree char *set = call_ok (&t, "campaign.set", "id=paused", "retry-busy=2h:1", NULL);
  g_assert_nonnull (strstr (set, "retry-busy=2h:1"));
  g_autofree char *go = call_ok (&t, "campaign.start", "id=paused", NULL);
  /* the first contact answers and talks to the agent */
  CHECK (&t, row_until (&t, ANSWERS, "last_outcome", "answered", 15000));
  g_autofree char *pause = call_ok (&t, "campaign.pause", "id=paused", NULL);
  g_assert_nonnull (strstr (pause, "\"paused\""));
  /* the call in progress goes on to its end; the agent is free again */
  g_autofree char *id = the_call (&t);
  g_autofree char *ida = g_strconcat ("id=", id, NULL);
  g_autofree char *h = call_ok (&t, "sip.hangup", ida, NULL);
  g_assert_cmpint (occ_test_sipp_wait (phone, 10000), ==, 0);
  g_autofree char *ev = occ_test_sip_site_events (&t.s);
  g_assert_nonnull (strstr (ev, "\"interaction.ended\""));
  /* a call-back asked for: due then, first */
  g_autofree char *answers_id = contact_field (&t, ANSWERS, "id");
  g_autofree char *contact = g_strconcat ("contact=", answers_id, NULL);
  g_autoptr (GDateTime) later
      = g_date_time_new_from_unix_utc (g_get_real_time () / G_USEC_PER_SEC + 3 * 3600);
  g_autofree char *iso = g_date_time_format_iso8601 (later);
  g_autofree char *at = g_strconcat ("at=", iso, NULL);
  g_autofree char *cb
      = call_ok (&t, "campaign.disposition", contact, "disposition=call-back", at, NULL);
  CHECK (&t, row_until (&t, ANSWERS, "last_outcome", "call-back", 5000));
  g_autofree char *due = contact_field (&t, ANSWERS, "next_attempt_at");
  g_assert_cmpint (g_ascii_strtoll (due, NULL, 10), ==,
                   g_date_time_to_unix (later) * G_GINT64_CONSTANT (1000));
  g_autofree char *cb_state = contact_field (&t, ANSWERS, "state");
  g_assert_cmpstr (cb_state, ==, "pending");
  /* … and nothing else was dialed */
  g_autoptr (JsonObject) paused = report (&t, "paused");
  g_assert_cmpint (json_object_get_int_member (paused, "dials"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (paused, "connected"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (paused, "state"), ==, "paused");
  g_autofree char *sent = received (&t);
  g_assert_null (strstr (sent, BUSY));
  g_autofree char *busy = contact_field (&t, BUSY, "attempts");
  g_assert_cmpstr (busy, ==, "0");
  /* a second start is refused */
  g_autofree char *twice = occ_test_call (t.s.d, 1, "campaign.start", "id=paused", NULL);
  g_assert_nonnull (strstr (twice, "already started"));
  /* resumed, it dials the next contact, whose retry follows the rule set */
  g_autofree char *resume = call_ok (&t, "campaign.resume", "id=paused", NULL);
  CHECK (&t, row_until (&t, BUSY, "last_outcome", "busy", 15000));
  gint64 delay_ms = retry_delay_ms (&t, BUSY);
  g_assert_cmpint (delay_ms, >, 7100 * 1000);
  g_assert_cmpint (delay_ms, <=, 7200 * 1000);
  g_autofree char *stop = call_ok (&t, "campaign.stop", "id=paused", NULL);
  /* stopped, its report is the books it left */
  g_autoptr (JsonObject) stopped = report (&t, "paused");
  g_assert_cmpstr (json_object_get_string_member (stopped, "state"), ==, "stopped");
  g_assert_cmpint (json_object_get_int_member (stopped, "dials"), >=, 2);
  g_assert_cmpint (json_object_get_int_member (stopped, "connected"), ==, 1);
  g_assert_cmpint (outcome (stopped, "busy"), ==, 1);
  site_stop (&t);
}

static void
test_closed_window_dials_nothing (void)
{
  Site t = { 0 };
  g_autoptr (OccTestSipp) phone = site_with_agent (&t, "uas");
  /* open only on a day that is not today (UTC) */
  static const char *const days[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  const char *other = days[g_date_time_get_day_of_week (now) % 7];
  g_autofree char *settings = g_strdup_printf (ALWAYS "days=%s\n", other);
  campaign_new (&t, "closed", "progressive", settings);
  g_autofree char *go = call_ok (&t, "campaign.start", "id=closed", NULL);
  /* the engine was ticked and asked: its books say no call */
  occ_test_spin (1500);
  g_autoptr (JsonObject) rep = report (&t, "closed");
  g_assert_cmpint (json_object_get_int_member (rep, "dials"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (rep, "calls-outside-window"), ==, 0);
  g_autofree char *st = contact_field (&t, ANSWERS, "state");
  g_assert_cmpstr (st, ==, "pending");
  g_autofree char *sent = received (&t);
  g_assert_null (strstr (sent, "INVITE"));
  site_stop (&t);
}

static void
test_untaken_answer_is_abandoned (void)
{
  Site t = { 0 };
  /* the agent's phone rings and rings: nobody takes the answered call */
  g_autoptr (OccTestSipp) phone = site_with_agent (&t, "uas-ringing-forever");
  campaign_new (&t, "lonely", "progressive", ALWAYS "days=mon-sun\nring-timeout=15\n");
  g_autofree char *go = call_ok (&t, "campaign.start", "id=lonely", NULL);
  g_assert_nonnull (strstr (go, "\"books\":\"new\""));
  /* at the information-message deadline the call is let go: the agent's
   * phone is cancelled, the subscriber hung up */
  CHECK (&t, row_until (&t, ANSWERS, "last_outcome", "abandoned", 20000));
  CHECK (&t, occ_test_sipp_wait (phone, 10000) == 0);
  g_autoptr (JsonObject) rep = report (&t, "lonely");
  g_assert_cmpint (json_object_get_int_member (rep, "answers"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (rep, "abandons"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (rep, "connected"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (rep, "info-messages"), ==, 1);
  /* (its delay is a figure of this machine's main loop, not checked
   * here: it is at the deadline give or take the loop's latency) */
  g_test_message ("information message after %.6f s",
                  json_object_get_double_member (rep, "info-delay-max-s"));
  g_assert_cmpfloat (json_object_get_double_member (rep, "info-delay-max-s"), >=, 2.0);
  g_assert_cmpfloat (json_object_get_double_member (rep, "worst-day-rate"), ==, 1.0);
  /* not called again within the 72-hour guard */
  g_assert_cmpint (retry_delay_ms (&t, ANSWERS), >=, 72 * 3600 * 1000 - 1000);
  g_autofree char *sent = received (&t);
  g_assert_nonnull (strstr (sent, "BYE sip:"));
  /* its books survive a stop and a restart: the stopped campaign's
   * report is the run's figures, and the next run goes on with them */
  g_autofree char *stop = call_ok (&t, "campaign.stop", "id=lonely", NULL);
  g_autoptr (JsonObject) stopped = report (&t, "lonely");
  g_assert_cmpstr (json_object_get_string_member (stopped, "state"), ==, "stopped");
  gint64 dials = json_object_get_int_member (stopped, "dials");
  g_assert_cmpint (dials, >=, 1);
  g_assert_cmpint (json_object_get_int_member (stopped, "answers"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (stopped, "abandons"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (stopped, "info-messages"), ==, 1);
  g_assert_cmpint (outcome (stopped, "abandoned"), ==, 1);
  g_assert_cmpfloat (json_object_get_double_member (stopped, "worst-day-rate"), ==, 1.0);
  JsonArray *days = json_object_get_array_member (stopped, "days");
  g_assert_cmpuint (json_array_get_length (days), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (days, 0), "answers"),
                   ==, 1);
  gint64 saved_at = json_object_get_int_member (stopped, "books-saved-at");
  g_assert_cmpint (saved_at, >, 0);
  g_assert_cmpint (saved_at, <=, g_get_real_time () / 1000);

  /* started again: the same books go on (the abandoned number is guarded
   * for 72 h; the others do not answer) */
  g_autofree char *again = call_ok (&t, "campaign.start", "id=lonely", NULL);
  g_assert_nonnull (strstr (again, "\"books\":\"continued\""));
  g_autoptr (JsonObject) running = report (&t, "lonely");
  g_assert_cmpstr (json_object_get_string_member (running, "state"), ==, "running");
  g_assert_cmpint (json_object_get_int_member (running, "dials"), >=, dials);
  g_assert_cmpint (json_object_get_int_member (running, "answers"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (running, "abandons"), ==, 1);
  g_assert_cmpint (outcome (running, "abandoned"), ==, 1);
  JsonArray *days2 = json_object_get_array_member (running, "days");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (days2, 0), "start"),
                   ==,
                   json_object_get_int_member (json_array_get_object_element (days, 0), "start"));
  g_assert_false (json_object_has_member (running, "books-saved-at"));
  g_autofree char *stop2 = call_ok (&t, "campaign.stop", "id=lonely", NULL);
  site_stop (&t);
}

/* Dialing ahead: an answered call waits in the campaign's queue until the
 * ACD gives it to an agent; with nobody free it is let go at the 2 s. */
static void
test_answered_call_waits_in_queue (void)
{
  Site t = { 0 };
  /* bob is ready but not in sales: the campaign may dial for him, the
   * ACD never gives him a sales call */
  site_start_acd (&t, "acd;acd-longest-idle;dialer;dialer-progressive",
                  "[queue sales]\nstrategy=longest-idle\n[queue support]\nstrategy=longest-idle\n"
                  "[agent awa]\nqueues=sales\n[agent bob]\nqueues=support\n");
  g_autoptr (OccTestSipp) phone = occ_test_sip_site_phone (&t.s, "awa", "uas", FALSE);
  const char *const logins[] = { "login=awa", "login=bob" };
  for (guint i = 0; i < G_N_ELEMENTS (logins); i++)
    {
      g_autofree char *in = call_ok (&t, "agent.login", logins[i], NULL);
      g_autofree char *r = call_ok (&t, "agent.ready", logins[i], NULL);
    }
  /* placed with originate_queue: answered, queued, offered to awa, whose
   * phone is rung and bridged */
  g_autofree char *id = call_ok (&t, "sip.originate", "number=" ANSWERS, "queue=sales",
                                 "caller_id=+2252720000000", NULL);
  g_autoptr (JsonObject) placed = occ_test_parse_object (id);
  const char *first = json_object_get_string_member (placed, "id");
  g_assert_nonnull (first);
  g_autoptr (JsonObject) awa = NULL;
  for (guint i = 0; i < 100 && awa == NULL; i++)
    {
      g_autoptr (JsonObject) a = occ_test_sip_site_agent (&t.s, "awa");
      if (g_strcmp0 (json_object_get_string_member (a, "state"), "busy") == 0)
        awa = g_steal_pointer (&a);
      else
        occ_test_spin (200);
    }
  CHECK (&t, awa != NULL);
  g_autofree char *calls = call_ok (&t, "sip.calls", NULL);
  g_assert_nonnull (strstr (calls, "\"connected\""));
  g_assert_nonnull (strstr (calls, "\"awa\""));
  g_autofree char *rang = occ_test_read (phone->messages);
  g_assert_nonnull (strstr (rang, "INVITE sip:awa@"));
  g_autofree char *ev = occ_test_sip_site_events (&t.s);
  g_assert_nonnull (strstr (ev, "\"interaction.enqueue\""));
  g_assert_nonnull (strstr (ev, "\"interaction.offered\""));
  g_assert_nonnull (strstr (ev, "\"interaction.connected\""));

  /* the campaign dials for bob; its answer waits in sales, where awa is
   * busy: the dialer lets it go at the information-message deadline,
   * after the recorded information message (a 1300 Hz tone here) */
  g_autofree char *msg_dir = occ_test_mkdtemp ();
  g_autofree char *msg = g_build_filename (msg_dir, "info.wav", NULL);
  g_autoptr (GError) te = NULL;
  g_assert_true (occ_test_tone_write_wav (msg, 1300, 1500, &te));
  g_autofree char *settings = g_strdup_printf (
      "agents=awa;bob\nwrapup=0\ntimezone=UTC\nwindow=00:00-24:00\ndays=mon-sun\n"
      "ring-timeout=15\ninfo-message=%s\n",
      msg);
  campaign_new (&t, "ahead", "progressive", settings);
  g_autofree char *go = call_ok (&t, "campaign.start", "id=ahead", NULL);
  CHECK (&t, row_until (&t, ANSWERS, "last_outcome", "abandoned", 20000));
  /* the BYE comes once the message was played */
  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *so_far = received (&t);
      if (strstr (so_far, "BYE sip:"))
        break;
      occ_test_spin (100);
    }
  g_autofree char *sent = received (&t);
  const char *invite = strstr (sent, "INVITE sip:" ANSWERS "@");
  g_assert_nonnull (invite); /* the first call's, then the campaign's */
  g_assert_nonnull (strstr (invite + 1, "INVITE sip:" ANSWERS "@"));
  /* (the first call still talks: this BYE is the abandoned one's) */
  g_assert_nonnull (strstr (sent, "BYE sip:"));
  g_autoptr (JsonObject) rep = report (&t, "ahead");
  g_assert_cmpint (json_object_get_int_member (rep, "answers"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (rep, "abandons"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (rep, "connected"), ==, 0);
  /* the subscriber heard the information message before the BYE */
  double heard = occ_test_rtp_meter_tone_seconds (t.subscribers->meter, 1300);
  g_test_message ("the abandoned subscriber heard %.2f s of the message", heard);
  g_assert_cmpfloat (heard, >, 1.0);
  occ_test_rmtree (msg_dir);
  g_autofree char *stop = call_ok (&t, "campaign.stop", "id=ahead", NULL);
  /* it left the queue: nobody waits in sales */
  g_autofree char *queues = call_ok (&t, "acd.queues", NULL);
  g_test_message ("queues: %s", queues);
  g_assert_nonnull (strstr (queues, "\"waiting\":0"));
  g_autofree char *firsta = g_strconcat ("id=", first, NULL);
  g_autofree char *h = call_ok (&t, "sip.hangup", firsta, NULL);
  CHECK (&t, occ_test_sipp_wait (phone, 10000) == 0);
  site_stop (&t);
}

/* The contact of the @nth campaign.preview event (from 1) for awa, once
 * the event log has it (transfer full; NULL after about 20 s). */
static char *
previewed (Site *t, guint nth)
{
  for (guint tries = 0; tries < 15; tries++)
    {
      g_autofree char *ev = occ_test_sip_site_events (&t->s);
      g_auto (GStrv) lines = g_strsplit (ev, "\n", -1);
      guint seen = 0;
      for (guint i = 0; lines[i]; i++)
        if (strstr (lines[i], "\"campaign.preview\"") && ++seen == nth)
          {
            g_autoptr (JsonObject) o = occ_test_parse_object (lines[i]);
            JsonArray *payload = json_object_get_array_member (o, "payload");
            g_assert_cmpstr (json_array_get_string_element (payload, 2), ==, "awa");
            return g_strdup (json_array_get_string_element (payload, 1));
          }
    }
  return NULL;
}

static void
test_preview_campaign (void)
{
  Site t = { 0 };
  site_start (&t, "acd;acd-longest-idle;dialer;dialer-preview");
  g_autoptr (OccTestSipp) phone = occ_test_sip_site_phone (&t.s, "awa", "uas-hangs-up", FALSE);
  g_autofree char *in = call_ok (&t, "agent.login", "login=awa", NULL);
  g_autofree char *r = call_ok (&t, "agent.ready", "login=awa", NULL);
  campaign_new (&t, "look", "preview", ALWAYS "days=mon-sun\nring-timeout=15\n");
  g_autofree char *go = call_ok (&t, "campaign.start", "id=look", NULL);
  /* the agent sees the first record, and nothing is dialed before she
   * says so */
  g_autofree char *first = previewed (&t, 1);
  CHECK (&t, first != NULL);
  g_autofree char *answers_id = contact_field (&t, ANSWERS, "id");
  g_assert_cmpstr (first, ==, answers_id);
  g_autofree char *none = received (&t);
  g_assert_null (strstr (none, "INVITE"));
  g_autofree char *contact = g_strconcat ("contact=", first, NULL);
  g_autofree char *dial = call_ok (&t, "campaign.preview-result", contact, "dial=true", NULL);
  /* dialed for her: answered, her phone rings and takes it */
  CHECK (&t, occ_test_sipp_wait (phone, 30000) == 0);
  CHECK (&t, row_until (&t, ANSWERS, "last_outcome", "answered", 10000));
  /* "do not call me again": the number joins the site's list */
  g_autofree char *dnc
      = call_ok (&t, "campaign.disposition", contact, "disposition=do-not-call", NULL);
  CHECK (&t, row_until (&t, ANSWERS, "last_outcome", "do-not-call", 5000));
  g_autofree char *listed = call_ok (&t, "dnc.list", NULL);
  g_assert_nonnull (strstr (listed, ANSWERS));
  g_assert_nonnull (strstr (listed, "disposition"));
  /* the next record: skipped, it waits for its retry and is not dialed */
  g_autofree char *second = previewed (&t, 2);
  CHECK (&t, second != NULL);
  g_autofree char *busy_id = contact_field (&t, BUSY, "id");
  g_assert_cmpstr (second, ==, busy_id);
  g_autofree char *contact2 = g_strconcat ("contact=", second, NULL);
  g_autofree char *skip = call_ok (&t, "campaign.preview-result", contact2, "dial=false", NULL);
  CHECK (&t, row_until (&t, BUSY, "last_outcome", "skipped", 10000));
  g_autofree char *attempts = contact_field (&t, BUSY, "attempts");
  g_assert_cmpstr (attempts, ==, "0");
  g_autofree char *sent = received (&t);
  g_assert_null (strstr (sent, BUSY));
  g_autoptr (JsonObject) rep = report (&t, "look");
  g_assert_cmpint (json_object_get_int_member (rep, "dials"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (rep, "connected"), ==, 1);
  g_assert_cmpint (outcome (rep, "skipped"), ==, 1);
  g_autofree char *stop = call_ok (&t, "campaign.stop", "id=look", NULL);
  site_stop (&t);
}

static void
test_bad_requests (void)
{
  Site t = { 0 };
  /* no predictive pacing plugin loaded */
  site_start (&t, "acd;acd-longest-idle;dialer;dialer-progressive");
  g_autofree char *c = call_ok (&t, "campaign.create", "id=later", "name=Later", "mode=predictive",
                                "queue=sales", NULL);
  occ_test_write (t.s.dir, "short.conf", "[campaign]\nring-timeout=5\n");
  g_autofree char *path = g_build_filename (t.s.dir, "short.conf", NULL);
  g_autofree char *short_conf = g_strconcat ("settings=", path, NULL);
  /* each refused with a message that names the problem */
  const struct {
    const char *command, *args[5], *says;
  } bad[] = {
    { "campaign.start", { "id=nope" }, "no campaign" },
    { "campaign.start", { "id=later" }, "dialer.pacing/predictive" },
    /* contradictions and unknown keys, named */
    { "campaign.set", { "id=later", "window=10:00-09:00" }, "window" },
    { "campaign.set", { "id=later", "ring-time=20" }, "ring-time" },
    { "campaign.create",
      { "id=short", "name=Short", "mode=progressive", "queue=sales", short_conf },
      "ring-timeout" },
    { "campaign.disposition", { "contact=x", "disposition=sale" }, "no running campaign" },
    { "campaign.disposition", { "contact=x", "disposition=maybe" }, "disposition" },
    { "campaign.disposition", { "contact=x", "disposition=call-back" }, "at:" },
    { "campaign.preview-result", { "contact=x" }, "dial" },
    { "campaign.pause", { "id=later" }, "not running" },
    { "campaign.report", { "id=nope" }, "no campaign" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *out
          = occ_test_call (t.s.d, 1, bad[i].command, bad[i].args[0], bad[i].args[1], bad[i].args[2],
                           bad[i].args[3], bad[i].args[4], NULL);
      if (strstr (out, bad[i].says) == NULL)
        g_test_message ("%s: “%s” does not say “%s”", bad[i].command, out, bad[i].says);
      g_assert_nonnull (strstr (out, bad[i].says));
    }
  /* a campaign never run: a report of zeros, not an error */
  g_autoptr (JsonObject) never = report (&t, "later");
  g_assert_cmpstr (json_object_get_string_member (never, "state"), ==, "draft");
  g_assert_cmpint (json_object_get_int_member (never, "dials"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (never, "answers"), ==, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (never, "days")), ==, 0);
  g_assert_false (json_object_has_member (never, "books-saved-at"));
  site_stop (&t);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!occ_test_sipp_installed ())
    return 0;
  g_test_add_data_func ("/dialer/calls/progressive-campaign", "progressive", test_campaign_dials);
  g_test_add_data_func ("/dialer/calls/predictive-campaign", "predictive", test_campaign_dials);
  g_test_add_func ("/dialer/calls/pause-stops-new-dials", test_pause_stops_new_dials);
  g_test_add_func ("/dialer/calls/closed-window-dials-nothing", test_closed_window_dials_nothing);
  g_test_add_func ("/dialer/calls/untaken-answer-is-abandoned-books-kept",
                   test_untaken_answer_is_abandoned);
  g_test_add_func ("/dialer/calls/answered-call-waits-in-queue", test_answered_call_waits_in_queue);
  g_test_add_func ("/dialer/calls/preview-campaign", test_preview_campaign);
  g_test_add_func ("/dialer/calls/bad-requests", test_bad_requests);
  return g_test_run ();
}
