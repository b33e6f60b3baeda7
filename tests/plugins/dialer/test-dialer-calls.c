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
#define LATE "+2250700000005" /* answers after 3 s of ringing */

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

/* One column of the row of @table that @where picks (transfer full; ""
 * for NULL). */
static char *
db_field (Site *t, const char *table, const char *where, const char *column)
{
  g_autofree char *db = g_build_filename (t->s.dir, "state", "omnicc.db", NULL);
  sqlite3 *sql = NULL;
  g_assert_cmpint (sqlite3_open_v2 (db, &sql, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (sql, 5000);
  g_autofree char *q = g_strdup_printf ("SELECT %s FROM %s WHERE %s", column, table, where);
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

/* One column of the contact row whose numbers hold @phone. */
static char *
contact_field (Site *t, const char *phone, const char *column)
{
  g_autofree char *where = g_strdup_printf ("phones LIKE '%%%s%%'", phone);
  return db_field (t, "contact", where, column);
}

/* One column of call-back task @id. */
static char *
task_field (Site *t, const char *id, const char *column)
{
  g_autofree char *where = g_strdup_printf ("id = '%s'", id);
  return db_field (t, "callback", where, column);
}

typedef struct {
  Site *t;
  const char *table, *where, *column, *value;
} RowWait;

static gboolean
row_is (gpointer data)
{
  RowWait *w = data;
  g_autofree char *v = db_field (w->t, w->table, w->where, w->column);
  return strcmp (v, w->value) == 0;
}

/* Waits (bounded) until the row of @table that @where picks has @column
 * = @value. */
static gboolean
db_until (Site *t, const char *table, const char *where, const char *column, const char *value,
          guint timeout_ms)
{
  RowWait w = { t, table, where, column, value };
  if (occ_test_wait_for (row_is, &w, timeout_ms))
    return TRUE;
  g_autofree char *v = db_field (t, table, where, column);
  g_test_message ("%s %s: %s is “%s”, not “%s”", table, where, column, v, value);
  return FALSE;
}

/* Waits until the contact of @phone has @column = @value. */
static gboolean
row_until (Site *t, const char *phone, const char *column, const char *value, guint timeout_ms)
{
  g_autofree char *where = g_strdup_printf ("phones LIKE '%%%s%%'", phone);
  return db_until (t, "contact", where, column, value, timeout_ms);
}

/* Waits until call-back task @id has @column = @value. */
static gboolean
task_until (Site *t, const char *id, const char *column, const char *value, guint timeout_ms)
{
  g_autofree char *where = g_strdup_printf ("id = '%s'", id);
  return db_until (t, "callback", where, column, value, timeout_ms);
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

/* The event log's campaign.screen line for @contact (transfer full; NULL
 * after about 20 s without). */
static char *
screen_line (Site *t, const char *contact)
{
  g_autofree char *quoted = g_strdup_printf ("\"%s\"", contact);
  for (guint tries = 0; tries < 40; tries++)
    {
      g_autofree char *ev = occ_test_sip_site_events (&t->s);
      g_auto (GStrv) lines = g_strsplit (ev, "\n", -1);
      for (guint i = 0; lines[i]; i++)
        if (strstr (lines[i], "\"campaign.screen\"") && strstr (lines[i], quoted))
          return g_strdup (lines[i]);
      g_usleep (500 * 1000);
    }
  return NULL;
}

/* The payload of a campaign.screen event line: interaction, agent,
 * campaign, contact, record (the record a variant's JSON). */
static JsonArray *
screen_payload (const char *line, JsonObject **event)
{
  *event = occ_test_parse_object (line);
  return json_object_get_array_member (*event, "payload");
}

static gint64
outcome (JsonObject *rep, const char *name)
{
  return json_object_get_int_member (json_object_get_object_member (rep, "outcomes"), name);
}

/* The agent books the contact (@contact: "contact=ID") into a visit
 * slot of the appointment campaign "spring" (09:00-12:00 UTC, hours, 3
 * days ahead, one visit each): the first free slot is taken by another
 * contact meanwhile, so that one is refused as full and the next is
 * booked, stored on the contact and gone from the free list. */
static void
book_visit (Site *t, const char *contact)
{
  g_autofree char *listed = call_ok (t, "campaign.slots", "id=spring", "days=3", NULL);
  g_autoptr (JsonObject) o = occ_test_parse_object (listed);
  JsonArray *slots = json_object_get_array_member (o, "slots");
  g_assert_cmpuint (json_array_get_length (slots), >=, 6); /* 2 or 3 days of 3 */
  g_assert_cmpuint (json_array_get_length (slots), <=, 9);
  JsonObject *first = json_array_get_object_element (slots, 0);
  JsonObject *second = json_array_get_object_element (slots, 1);
  gint64 first_ms = json_object_get_int_member (first, "at-ms");
  g_assert_cmpint (first_ms % (3600 * 1000), ==, 0);
  g_assert_cmpint (json_object_get_int_member (first, "free"), ==, 1);
  /* another contact holds the first slot */
  g_autofree char *busy_id = contact_field (t, BUSY, "id");
  g_autofree char *hold = g_strdup_printf (
      "record={\"id\":\"%s\",\"appointment_at\":%" G_GINT64_FORMAT "}", busy_id, first_ms);
  g_autofree char *held = call_ok (t, "records.put", "entity=contact", hold, NULL);
  g_autofree char *at1 = g_strconcat ("at=", json_object_get_string_member (first, "at"), NULL);
  g_autofree char *full = occ_test_call (t->s.d, 1, "campaign.disposition", contact,
                                         "disposition=appointment", at1, NULL);
  g_assert_nonnull (strstr (full, "full"));
  /* not a slot: refused, naming why */
  g_autofree char *odd = occ_test_call (t->s.d, 1, "campaign.disposition", contact,
                                        "disposition=appointment", "at=2020-01-01T09:30:00Z", NULL);
  g_assert_nonnull (strstr (odd, "past"));
  g_autofree char *at2 = g_strconcat ("at=", json_object_get_string_member (second, "at"), NULL);
  g_autofree char *ok
      = call_ok (t, "campaign.disposition", contact, "disposition=appointment", at2, NULL);
  CHECK (t, row_until (t, ANSWERS, "last_outcome", "appointment", 5000));
  g_autofree char *stored = contact_field (t, ANSWERS, "appointment_at");
  g_assert_cmpint (g_ascii_strtoll (stored, NULL, 10), ==,
                   json_object_get_int_member (second, "at-ms"));
  /* one day ahead holds at most one day's three */
  g_autofree char *one = call_ok (t, "campaign.slots", "id=spring", "days=1", NULL);
  g_autoptr (JsonObject) o1 = occ_test_parse_object (one);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o1, "slots")), <=, 3);
  g_autofree char *status = call_ok (t, "campaign.status", "id=spring", NULL);
  g_assert_nonnull (strstr (status, "\"appointments\":2"));
  /* both slots are gone from the free list */
  g_autofree char *again = call_ok (t, "campaign.slots", "id=spring", "days=3", NULL);
  g_assert_null (strstr (again, json_object_get_string_member (first, "at")));
  g_assert_null (strstr (again, json_object_get_string_member (second, "at")));
}

/* progressive, and predictive (which dials as progressive does until
 * it has measured: one agent, one call at a time) */
static void
test_campaign_dials (gconstpointer mode)
{
  Site t = { 0 };
  /* the agent answers one call and hangs up a second later */
  g_autoptr (OccTestSipp) phone = site_with_agent (&t, "uas-hangs-up");
  /* the predictive one books visits: an appointment campaign */
  gboolean appointment = strcmp (mode, "predictive") == 0;
  g_autofree char *settings = g_strconcat (
      ALWAYS "days=mon-sun\nretry-busy=1h:3\nring-timeout=15\nscript=Offer the spring plan\n",
      appointment ? "type=appointment\nslots=09:00-12:00\nslot-days=mon-sun\nslot-length=60\n"
                    "slot-horizon=3\n"
                  /* the campaign's own dispositions */
                  : "dispositions=subscribed:done;later:call-back;no-thanks:done\n",
      NULL);
  campaign_new (&t, "spring", mode, settings);
  g_autofree char *go = call_ok (&t, "campaign.start", "id=spring", NULL);
  g_assert_nonnull (strstr (go, "\"running\""));

  /* the answered call reached the agent's phone, bridged, and ended */
  CHECK (&t, occ_test_sipp_wait (phone, 30000) == 0);
  CHECK (&t, row_until (&t, ANSWERS, "last_outcome", "answered", 10000));
  g_autofree char *answered_id = contact_field (&t, ANSWERS, "id");
  g_autofree char *contact = g_strconcat ("contact=", answered_id, NULL);
  /* her screen came with the offer: the record, its fields, the script */
  g_autofree char *screen = screen_line (&t, answered_id);
  CHECK (&t, screen != NULL);
  g_autoptr (JsonObject) sev = NULL;
  JsonArray *sp = screen_payload (screen, &sev);
  g_assert_cmpstr (json_array_get_string_element (sp, 1), ==, "awa");
  g_assert_cmpstr (json_array_get_string_element (sp, 2), ==, "spring");
  g_assert_cmpstr (json_array_get_string_element (sp, 3), ==, answered_id);
  g_assert_cmpuint (strlen (json_array_get_string_element (sp, 0)), >, 0);
  g_assert_nonnull (strstr (screen, "\"Answers\""));
  g_assert_nonnull (strstr (screen, "Offer the spring plan"));
  g_assert_nonnull (strstr (screen, ANSWERS));
  /* and a desktop that asks later gets the same record */
  g_autofree char *asked = call_ok (&t, "campaign.contact", contact, "campaign=spring", NULL);
  g_assert_nonnull (strstr (asked, "\"Answers\""));
  if (appointment)
    book_visit (&t, contact);
  else
    {
      /* her screen offers the campaign's dispositions, and only those go */
      g_assert_nonnull (strstr (screen, "\"subscribed\",\"later\",\"no-thanks\""));
      g_autofree char *not_ours
          = occ_test_call (t.s.d, 1, "campaign.disposition", contact, "disposition=sale", NULL);
      g_assert_nonnull (strstr (not_ours, "subscribed, later, no-thanks"));
      /* a call-back needs its time */
      g_autofree char *when
          = occ_test_call (t.s.d, 1, "campaign.disposition", contact, "disposition=later", NULL);
      g_assert_nonnull (strstr (when, "at: the call-back's time"));
      g_autofree char *disp
          = call_ok (&t, "campaign.disposition", contact, "disposition=subscribed", NULL);
      CHECK (&t, row_until (&t, ANSWERS, "last_outcome", "subscribed", 5000));
    }
  CHECK (&t, row_until (&t, ANSWERS, "state", "done", 5000));

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
  g_assert_nonnull (strstr (ev, appointment ? "\"appointment\"" : "\"subscribed\""));
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
  /* the distribution holds it, and so do the percentiles */
  JsonArray *hist = json_object_get_array_member (rep, "info-delay-histogram");
  g_assert_cmpuint (json_array_get_length (hist), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (hist, 0), "count"),
                   ==, 1);
  g_assert_cmpfloat (json_object_get_double_member (rep, "info-delay-p99-s"), >=, 2.0);
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

/* An agent of the queue who is not one of the campaign's takes its
 * answered call: it counts as connected (not as an abandon the dialer
 * would end under her feet). */
static void
test_other_agent_takes_call (void)
{
  Site t = { 0 };
  site_start_acd (&t, "acd;acd-longest-idle;dialer;dialer-progressive",
                  "[queue sales]\nstrategy=longest-idle\n"
                  "[agent awa]\nqueues=sales\n[agent bob]\nqueues=sales\n");
  /* bob, ready first, is the longest idle: the ACD gives him the call */
  g_autoptr (OccTestSipp) bob = occ_test_sip_site_phone (&t.s, "bob", "uas-hangs-up", FALSE);
  g_autoptr (OccTestSipp) awa = occ_test_sip_site_phone (&t.s, "awa", "uas", FALSE);
  const char *const logins[] = { "login=bob", "login=awa" };
  for (guint i = 0; i < G_N_ELEMENTS (logins); i++)
    {
      g_autofree char *in = call_ok (&t, "agent.login", logins[i], NULL);
      g_autofree char *r = call_ok (&t, "agent.ready", logins[i], NULL);
      occ_test_spin (50);
    }
  campaign_new (&t, "shared", "progressive", ALWAYS "days=mon-sun\nring-timeout=15\n");
  g_autofree char *go = call_ok (&t, "campaign.start", "id=shared", NULL);
  CHECK (&t, occ_test_sipp_wait (bob, 30000) == 0);
  CHECK (&t, row_until (&t, ANSWERS, "last_outcome", "answered", 10000));
  g_autofree char *rang = occ_test_read (awa->messages);
  g_assert_null (strstr (rang ? rang : "", "INVITE sip:awa@"));
  g_autofree char *answered_id = contact_field (&t, ANSWERS, "id");
  g_autofree char *screen = screen_line (&t, answered_id);
  CHECK (&t, screen != NULL);
  g_autoptr (JsonObject) sev = NULL;
  g_assert_cmpstr (json_array_get_string_element (screen_payload (screen, &sev), 1), ==, "bob");
  g_autoptr (JsonObject) rep = report (&t, "shared");
  g_assert_cmpint (json_object_get_int_member (rep, "connected"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (rep, "abandons"), ==, 0);
  g_autofree char *stop = call_ok (&t, "campaign.stop", "id=shared", NULL);
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
  /* with the record on her screen, before any call */
  g_autofree char *screen = screen_line (&t, first);
  CHECK (&t, screen != NULL);
  g_autoptr (JsonObject) sev = NULL;
  JsonArray *sp = screen_payload (screen, &sev);
  g_assert_cmpstr (json_array_get_string_element (sp, 0), ==, "");
  g_assert_cmpstr (json_array_get_string_element (sp, 1), ==, "awa");
  g_assert_nonnull (strstr (screen, "\"Answers\""));
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

/* records.put of @json into @entity: the new record's id (transfer full). */
static char *
put_record (Site *t, const char *entity, const char *json)
{
  g_autofree char *e = g_strconcat ("entity=", entity, NULL);
  g_autofree char *rec = g_strconcat ("record=", json, NULL);
  g_autofree char *out = call_ok (t, "records.put", e, rec, NULL);
  g_autoptr (JsonObject) o = occ_test_parse_object (out);
  return g_strdup (json_object_get_string_member (o, "id"));
}

/* A call-back task of queue @queue (transfer full: its id). */
static char *
put_task (Site *t, const char *queue, const char *number, gint64 requested_ms,
          const char *recording)
{
  g_autofree char *rec
      = recording ? g_strdup_printf (",\"message_recording_id\":\"%s\"", recording) : g_strdup ("");
  g_autofree char *json
      = g_strdup_printf ("{\"queue_id\":\"%s\",\"number\":\"%s\",\"requested_at\":%" G_GINT64_FORMAT
                         ",\"due_at\":%" G_GINT64_FORMAT ",\"state\":\"pending\"%s}",
                         queue, number, requested_ms, requested_ms + 5000, rec);
  return put_record (t, "callback", json);
}

/* The IVR's call-back tasks, dialed by a campaign naming their queue:
 * in the order their callers joined, the recorded request on the agent's
 * screen, the disposition on the task, the others let go at the stop. */
static void
test_callback_tasks (void)
{
  Site t = { 0 };
  g_autoptr (OccTestSipp) phone = site_with_agent (&t, "uas-hangs-up");
  gint64 now_ms = g_get_real_time () / 1000;
  g_autofree char *ix = put_record (
      &t, "interaction", "{\"channel\":\"voice\",\"direction\":\"inbound\",\"offered_at\":1}");
  g_autofree char *rjson = g_strdup_printf (
      "{\"interaction_id\":\"%s\",\"path\":\"/var/lib/omnicc/recordings/msg.wav\","
      "\"format\":\"wav-alaw\",\"duration_ms\":4200,\"sha256\":\"%s\"}",
      ix, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  g_autofree char *recording = put_record (&t, "recording", rjson);
  /* written first, but its caller joined the queue after the busy one's */
  g_autofree char *later = put_task (&t, "support", LATE, now_ms - 30000, recording);
  g_autofree char *earlier = put_task (&t, "support", BUSY, now_ms - 60000, NULL);
  /* another queue's: not this campaign's */
  g_autofree char *other = put_task (&t, "billing", RINGS, now_ms - 90000, NULL);

  occ_test_write (t.s.dir, "cb.conf",
                  "[campaign]\ncallbacks=support\n" ALWAYS
                  "days=mon-sun\nretry-busy=1h:3\nring-timeout=15\n");
  g_autofree char *conf = g_build_filename (t.s.dir, "cb.conf", NULL);
  g_autofree char *set = g_strconcat ("settings=", conf, NULL);
  g_autofree char *c = call_ok (&t, "campaign.create", "id=back", "name=Call-backs",
                                "mode=progressive", "queue=sales", set, NULL);
  g_autofree char *go = call_ok (&t, "campaign.start", "id=back", NULL);

  /* the busy one first (its caller joined first), then the other, who
   * answers after 3 s of ringing: her phone takes it */
  CHECK (&t, task_until (&t, earlier, "notes", "busy", 20000));
  CHECK (&t, occ_test_sipp_wait (phone, 30000) == 0);
  g_autofree char *sent = received (&t);
  const char *busy_at = strstr (sent, "INVITE sip:" BUSY "@");
  const char *answers_at = strstr (sent, "INVITE sip:" LATE "@");
  g_assert_nonnull (busy_at);
  g_assert_nonnull (answers_at);
  g_assert_true (busy_at < answers_at);
  g_assert_null (strstr (sent, RINGS));

  /* her screen: the task, and the subscriber's recorded request */
  g_autofree char *contact_id = g_strconcat ("callback:", later, NULL);
  g_autofree char *screen = screen_line (&t, contact_id);
  CHECK (&t, screen != NULL);
  g_assert_nonnull (strstr (screen, "/var/lib/omnicc/recordings/msg.wav"));
  g_assert_nonnull (strstr (screen, recording));
  g_autofree char *contact = g_strconcat ("contact=", contact_id, NULL);
  g_autofree char *asked = call_ok (&t, "campaign.contact", contact, NULL);
  g_assert_nonnull (strstr (asked, "msg.wav"));
  g_assert_nonnull (strstr (asked, "4200"));

  /* held by the run meanwhile, then done with her disposition */
  g_autofree char *held = task_field (&t, later, "campaign_id");
  g_assert_cmpstr (held, ==, "back");
  g_autofree char *disp = call_ok (&t, "campaign.disposition", contact, "disposition=sale", NULL);
  CHECK (&t, task_until (&t, later, "state", "done", 5000));
  CHECK (&t, task_until (&t, later, "notes", "sale", 5000));
  g_autofree char *attempts = task_field (&t, later, "attempts");
  g_assert_cmpstr (attempts, ==, "1");

  /* the busy one waits for its retry, an hour later, still held */
  g_autofree char *state = task_field (&t, earlier, "state");
  g_assert_cmpstr (state, ==, "dialing");
  g_autofree char *due = task_field (&t, earlier, "due_at");
  g_autofree char *updated = task_field (&t, earlier, "updated_at");
  gint64 delay_ms = g_ascii_strtoll (due, NULL, 10) - g_ascii_strtoll (updated, NULL, 10);
  g_assert_cmpint (delay_ms, >, 3500 * 1000);
  g_assert_cmpint (delay_ms, <=, 3600 * 1000);
  g_autofree char *untouched = task_field (&t, other, "state");
  g_assert_cmpstr (untouched, ==, "pending");

  /* stopped: what is not done waits again for an agent or another run */
  g_autofree char *stop = call_ok (&t, "campaign.stop", "id=back", NULL);
  CHECK (&t, task_until (&t, earlier, "state", "pending", 5000));
  g_autofree char *status = call_ok (&t, "campaign.status", "id=back", NULL);
  g_assert_nonnull (strstr (status, "\"callbacks\":{\"done\":1}"));
  g_autofree char *freed = task_field (&t, earlier, "campaign_id");
  g_assert_cmpstr (freed, ==, "");
  g_autofree char *kept = task_field (&t, later, "state");
  g_assert_cmpstr (kept, ==, "done");
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
    { "campaign.disposition", { "contact=x" }, "disposition: which" },
    { "campaign.preview-result", { "contact=x" }, "dial" },
    { "campaign.set", { "id=later", "callbacks=no queue" }, "callbacks" },
    { "campaign.set", { "id=later", "type=appointment" }, "slots" },
    { "campaign.set", { "id=later", "dispositions=sold:explode" }, "effects are done" },
    { "campaign.set", { "id=later", "dispositions=sold:done;sold:done" }, "twice" },
    { "campaign.set", { "id=later", "dispositions=visit:appointment" }, "appointment campaigns" },
    { "campaign.set", { "id=later", "dispositions=Sold!:done" }, "a name of a-z" },
    { "campaign.set", { "id=later", "slots=09:00-12:00" }, "type=appointment" },
    { "campaign.slots", { "id=later" }, "not an appointment campaign" },
    { "campaign.slots", { "id=later", "days=0" }, "days: a whole number" },
    { "campaign.slots", { "id=later", "from=tomorrow" }, "from: ISO 8601" },
    { "campaign.contact", { "contact=nope" }, "no contact nope" },
    { "campaign.contact", { "contact=callback:nope" }, "no call-back task nope" },
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
  /* (meson runs this binary as two halves, dialer-calls-1 and -2, each
   * skipping the other's cases: tests/plugins/dialer/meson.build; list a
   * new case in one of them, or it runs in both) */
  g_test_add_data_func ("/dialer/calls/progressive-campaign", "progressive", test_campaign_dials);
  g_test_add_data_func ("/dialer/calls/predictive-campaign", "predictive", test_campaign_dials);
  g_test_add_func ("/dialer/calls/pause-stops-new-dials", test_pause_stops_new_dials);
  g_test_add_func ("/dialer/calls/closed-window-dials-nothing", test_closed_window_dials_nothing);
  g_test_add_func ("/dialer/calls/untaken-answer-is-abandoned-books-kept",
                   test_untaken_answer_is_abandoned);
  g_test_add_func ("/dialer/calls/answered-call-waits-in-queue", test_answered_call_waits_in_queue);
  g_test_add_func ("/dialer/calls/preview-campaign", test_preview_campaign);
  g_test_add_func ("/dialer/calls/callback-tasks", test_callback_tasks);
  g_test_add_func ("/dialer/calls/other-agent-takes-call", test_other_agent_takes_call);
  g_test_add_func ("/dialer/calls/bad-requests", test_bad_requests);
  return g_test_run ();
}
