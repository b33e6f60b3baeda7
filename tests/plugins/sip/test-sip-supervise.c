/* Supervision by audio content: the real omniccd (access, media, sip,
 * audit), three baresip phones on 127.0.0.1 — a caller on the trunk
 * sending 440 Hz, the agent awa sending 880 Hz, the supervisor sue (role
 * supervisor, which holds supervise.*) sending 1300 Hz — and what each
 * phone really heard, measured in its recording between two moments:
 * listen, whisper, barge and back, the supervisor hanging up, the caller
 * hanging up, take-over, and the refusals (no call, no phone, no
 * permission, not connected yet, a second supervisor). */
#include "baresip.h"
#include "sip-site.h"
#include "testlib.h"
#include "tone.h"

#include <string.h>

#define CALLER_HZ 440
#define AGENT_HZ 880
#define SUPERVISOR_HZ 1300

typedef struct {
  OccTestSipSite site;
  OccTestBaresip *caller, *agent, *sup;
  char *id; /* the call's interaction id */
} Fixture;

static OccTestBaresip *
phone (Fixture *f, const char *login, guint hz, gboolean auto_answer)
{
  g_autofree char *password = g_strdup_printf ("%s-Pass-1234", login);
  OccTestBaresipConfig c = { .user = login,
                             .registrar = f->site.sip,
                             .password = password,
                             .auto_answer = auto_answer,
                             .tone_hz = hz };
  OccTestBaresip *b = occ_test_baresip_start (&c);
  g_assert_nonnull (b);
  g_assert_true (occ_test_baresip_wait_registered (b, 10000));
  return b;
}

/* The site; sue is a supervisor (no second approval on this test site). */
static void
site_start (Fixture *f)
{
  const char *const files[]
      = { "policies/roles.conf", "[role supervisor]\napproval=false\n", NULL };
  occ_test_sip_site_start_with (&f->site, NULL, files, NULL, NULL, NULL);
  OccTestDaemon *d = f->site.d;
  g_autofree char *a
      = occ_test_call (d, 0, "user.add", "login=sue", "password=sue-Pass-1234", NULL);
  g_autofree char *g = occ_test_call (d, 0, "user.grant", "login=sue", "role=supervisor", NULL);
  g_autofree char *o
      = occ_test_call (d, 0, "session.open", "login=sue", "password=sue-Pass-1234", NULL);
}

/* The one call's interaction id once `sip.calls` shows it in @state. */
static char *
call_in_state (Fixture *f, const char *state)
{
  g_autofree char *needle = g_strdup_printf ("\"state\":\"%s\"", state);
  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *out = occ_test_call (f->site.d, 0, "sip.calls", NULL);
      if (strstr (out, needle))
        {
          g_autoptr (JsonParser) p = json_parser_new ();
          g_assert_true (json_parser_load_from_data (p, out, -1, NULL));
          JsonObject *c
              = json_array_get_object_element (json_node_get_array (json_parser_get_root (p)), 0);
          return g_strdup (json_object_get_string_member (c, "id"));
        }
      occ_test_spin (100);
    }
  g_assert_not_reached ();
}

/* The caller dials the route; awa answers; returns when they talk. */
static void
connect_call (Fixture *f)
{
  OccTestBaresipConfig c = { .user = "caller", .tone_hz = CALLER_HZ };
  f->caller = occ_test_baresip_start (&c);
  g_assert_nonnull (f->caller);
  g_autofree char *number = g_strdup_printf ("sip:1000@%s", f->site.sip);
  g_assert_true (occ_test_baresip_dial (f->caller, number));
  g_autoptr (JsonObject) up = occ_test_baresip_wait_event (f->caller, "CALL_ESTABLISHED", 15000);
  g_assert_nonnull (up);
  f->id = call_in_state (f, "connected");
}

static void
setup (Fixture *f, gconstpointer data)
{
  (void) data;
  site_start (f);
  f->agent = phone (f, "awa", AGENT_HZ, TRUE);
  f->sup = phone (f, "sue", SUPERVISOR_HZ, TRUE);
  connect_call (f);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  (void) data;
  g_clear_pointer (&f->caller, occ_test_baresip_free);
  g_clear_pointer (&f->agent, occ_test_baresip_free);
  g_clear_pointer (&f->sup, occ_test_baresip_free);
  occ_test_sip_site_stop (&f->site);
  g_free (f->id);
}

/* `omnicc call supervise.MODE id=… supervisor=sue`, which must succeed. */
static void
supervise (Fixture *f, const char *mode)
{
  g_autofree char *command = g_strconcat ("supervise.", mode, NULL);
  g_autofree char *id = g_strdup_printf ("id=%s", f->id);
  g_autofree char *out = occ_test_call (f->site.d, 0, command, id, "supervisor=sue", NULL);
  g_test_message ("%s: %s", command, out);
}

/* supervise(), then sue's phone answers. */
static void
supervisor_joins (Fixture *f, const char *mode)
{
  supervise (f, mode);
  g_autoptr (JsonObject) up = occ_test_baresip_wait_event (f->sup, "CALL_ESTABLISHED", 10000);
  g_assert_nonnull (up);
}

/* --- what each phone heard ---------------------------------------------------------------------- */

typedef struct {
  gsize caller, agent, sup; /* samples each had heard at the mark */
} Mark;

static gint16 *
heard (OccTestBaresip *b, gsize *n)
{
  g_autofree char *wav = b ? occ_test_baresip_heard_wav (b) : NULL;
  *n = 0;
  gint16 *samples = wav ? occ_test_wav_read (wav, n, NULL) : NULL;
  return samples ? samples : g_new0 (gint16, 1);
}

static gsize
heard_so_far (OccTestBaresip *b)
{
  gsize n;
  g_autofree gint16 *s = heard (b, &n);
  return n;
}

/* Lets the new mode settle, then talks 2 s. */
static Mark
talk (Fixture *f)
{
  occ_test_spin (500);
  Mark m = { heard_so_far (f->caller), heard_so_far (f->agent), heard_so_far (f->sup) };
  occ_test_spin (2000);
  return m;
}

/* Seconds of @hz in what @b heard since @from: share 0.25 finds a tone
 * in a mix of two; 0.1 any trace of it. */
static double
tone_since (OccTestBaresip *b, gsize from, guint hz, double share)
{
  gsize n;
  g_autofree gint16 *s = heard (b, &n);
  return n > from ? occ_test_tone_share_seconds (s + from, n - from, 8000, hz, share) : 0;
}

/* @who heard each tone of @present (0-ended) for most of the 2 s, and
 * no trace of @absent. */
static void
assert_heard (OccTestBaresip *b, gsize from, const char *who, const guint *present, guint absent)
{
  for (guint i = 0; present[i]; i++)
    {
      double s = tone_since (b, from, present[i], 0.25);
      g_test_message ("%s heard %u Hz for %.2f s", who, present[i], s);
      g_assert_cmpfloat (s, >, 1.2);
    }
  double x = tone_since (b, from, absent, 0.1);
  g_test_message ("%s heard %u Hz for %.2f s", who, absent, x);
  g_assert_cmpfloat (x, <, 0.2);
}

#define HEARS(b, from, who, absent, ...) \
  assert_heard (b, from, who, (const guint[]){ __VA_ARGS__, 0 }, absent)

static void
assert_two_parties (Fixture *f, Mark m, const char *when)
{
  g_autofree char *c = g_strconcat (when, ": caller", NULL),
                  *a = g_strconcat (when, ": agent", NULL);
  HEARS (f->caller, m.caller, c, SUPERVISOR_HZ, AGENT_HZ);
  HEARS (f->agent, m.agent, a, SUPERVISOR_HZ, CALLER_HZ);
}

/* supervise.state events of this call so far, from the event log */
static gboolean
logged (Fixture *f, const char *needle)
{
  g_autofree char *events = occ_test_sip_site_events (&f->site);
  return strstr (events, needle) != NULL;
}

/* --- the modes ---------------------------------------------------------------------------------- */

static void
test_listen_whisper_barge (Fixture *f, gconstpointer data)
{
  (void) data;
  supervisor_joins (f, "listen");
  Mark m = talk (f);
  HEARS (f->sup, m.sup, "listen: supervisor", SUPERVISOR_HZ, CALLER_HZ, AGENT_HZ);
  assert_two_parties (f, m, "listen");

  supervise (f, "whisper");
  m = talk (f);
  HEARS (f->agent, m.agent, "whisper: agent", AGENT_HZ, CALLER_HZ, SUPERVISOR_HZ);
  HEARS (f->caller, m.caller, "whisper: caller", SUPERVISOR_HZ, AGENT_HZ);
  HEARS (f->sup, m.sup, "whisper: supervisor", SUPERVISOR_HZ, CALLER_HZ, AGENT_HZ);

  supervise (f, "barge");
  m = talk (f);
  HEARS (f->caller, m.caller, "barge: caller", CALLER_HZ, AGENT_HZ, SUPERVISOR_HZ);
  HEARS (f->agent, m.agent, "barge: agent", AGENT_HZ, CALLER_HZ, SUPERVISOR_HZ);
  HEARS (f->sup, m.sup, "barge: supervisor", SUPERVISOR_HZ, CALLER_HZ, AGENT_HZ);

  /* back from barge to listen: the caller and the agent no longer hear
   * the supervisor */
  supervise (f, "listen");
  m = talk (f);
  assert_two_parties (f, m, "barge, then listen");
  HEARS (f->sup, m.sup, "listen again: supervisor", SUPERVISOR_HZ, CALLER_HZ, AGENT_HZ);

  /* the supervisor hangs up: the call goes on between the two */
  g_assert_true (occ_test_baresip_hangup (f->sup));
  g_autoptr (JsonObject) sup_closed = occ_test_baresip_wait_event (f->sup, "CALL_CLOSED", 5000);
  g_assert_nonnull (sup_closed);
  g_free (call_in_state (f, "connected"));
  m = talk (f);
  assert_two_parties (f, m, "after the supervisor left");
  g_assert_null (occ_test_baresip_wait_event (f->caller, "CALL_CLOSED", 10));
  g_assert_true (logged (f, "supervisor-hung-up"));

  /* supervising again, then the caller hangs up: the supervisor's phone
   * is hung up too */
  supervisor_joins (f, "barge");
  g_assert_true (occ_test_baresip_hangup (f->caller));
  g_autoptr (JsonObject) closed = occ_test_baresip_wait_event (f->sup, "CALL_CLOSED", 10000);
  g_assert_nonnull (closed);
  g_autoptr (JsonObject) agent_closed
      = occ_test_baresip_wait_event (f->agent, "CALL_CLOSED", 10000);
  g_assert_nonnull (agent_closed);
  g_assert_true (logged (f, "call-ended"));
}

static void
test_take_over (Fixture *f, gconstpointer data)
{
  (void) data;
  supervisor_joins (f, "listen");
  occ_test_spin (500);
  supervise (f, "takeover");
  /* the agent's phone gets a BYE; the call goes on with the supervisor */
  g_autoptr (JsonObject) gone = occ_test_baresip_wait_event (f->agent, "CALL_CLOSED", 10000);
  g_assert_nonnull (gone);
  g_autofree char *calls = occ_test_call (f->site.d, 0, "sip.calls", NULL);
  g_assert_nonnull (strstr (calls, "\"agent\":\"sue\""));
  g_assert_nonnull (strstr (calls, "\"state\":\"connected\""));
  Mark m = talk (f);
  HEARS (f->caller, m.caller, "take-over: caller", AGENT_HZ, SUPERVISOR_HZ);
  HEARS (f->sup, m.sup, "take-over: supervisor", AGENT_HZ, CALLER_HZ);
  g_autofree char *events = occ_test_sip_site_events (&f->site);
  g_assert_nonnull (strstr (events, "taken-over-from"));
  g_assert_nonnull (strstr (events, "\"takeover\""));
  /* nothing left to supervise: sue is the call's agent now */
  g_autofree char *id = g_strdup_printf ("id=%s", f->id);
  g_autofree char *stop = occ_test_call (f->site.d, 1, "supervise.stop", id, NULL);
  g_assert_nonnull (strstr (stop, "nobody supervises"));
  /* the caller hangs up: the supervisor's phone, now the agent's, too */
  g_assert_true (occ_test_baresip_hangup (f->caller));
  g_autoptr (JsonObject) closed = occ_test_baresip_wait_event (f->sup, "CALL_CLOSED", 10000);
  g_assert_nonnull (closed);
}

/* --- refusals ------------------------------------------------------------------------------------ */

/* A control request as @token's session; the answer line. */
static char *
as_session (Fixture *f, const char *token, const char *command, const char *args)
{
  g_autofree char *line = g_strdup_printf (
      "{\"id\":1,\"command\":\"%s\",\"token\":\"%s\",\"args\":%s}", command, token, args);
  return occ_test_raw_request (f->site.d, line);
}

static char *
token_of (Fixture *f, const char *login)
{
  g_autofree char *who = g_strdup_printf ("login=%s", login);
  g_autofree char *pass = g_strdup_printf ("password=%s-Pass-1234", login);
  g_autofree char *out = occ_test_call (f->site.d, 0, "session.open", who, pass, NULL);
  g_autoptr (JsonObject) o = occ_test_parse_object (out);
  return g_strdup (json_object_get_string_member (o, "token"));
}

static void
test_refusals (Fixture *f, gconstpointer data)
{
  (void) data;
  OccTestDaemon *d = f->site.d;
  g_autofree char *id = g_strdup_printf ("id=%s", f->id);
  /* no such call */
  g_autofree char *none
      = occ_test_call (d, 1, "supervise.listen", "id=no-such-call", "supervisor=sue", NULL);
  g_assert_nonnull (strstr (none, "no call"));
  /* a supervisor without a registered phone */
  g_autofree char *a
      = occ_test_call (d, 0, "user.add", "login=tim", "password=tim-Pass-1234", NULL);
  g_autofree char *nophone = occ_test_call (d, 1, "supervise.listen", id, "supervisor=tim", NULL);
  g_assert_nonnull (strstr (nophone, "no registered phone"));
  /* the agent on the call cannot also supervise it */
  g_autofree char *busy = occ_test_call (d, 1, "supervise.listen", id, "supervisor=awa", NULL);
  g_assert_nonnull (strstr (busy, "on a call"));
  /* without supervise.barge (an agent's session): denied (the CLI's 5),
   * and the denial is in the audit trail */
  g_autofree char *agent_token = token_of (f, "awa");
  g_autofree char *args = g_strdup_printf ("{\"id\":\"%s\",\"supervisor\":\"sue\"}", f->id);
  g_autofree char *denied = as_session (f, agent_token, "supervise.barge", args);
  g_test_message ("an agent asks to barge: %s", denied);
  g_assert_nonnull (strstr (denied, "\"denied\""));
  g_assert_nonnull (strstr (denied, "supervise.barge"));
  g_assert_null (occ_test_baresip_wait_event (f->sup, "CALL_ESTABLISHED", 500));
  /* sue's own session may: she listens */
  g_autofree char *sue_token = token_of (f, "sue");
  g_autofree char *ok = as_session (f, sue_token, "supervise.listen", args);
  g_test_message ("sue listens: %s", ok);
  g_assert_nonnull (strstr (ok, "\"mode\":\"listen\""));
  g_autoptr (JsonObject) up = occ_test_baresip_wait_event (f->sup, "CALL_ESTABLISHED", 10000);
  g_assert_nonnull (up);
  /* a second supervisor on the same call is refused; bob has a phone */
  OccTestBaresip *bob = phone (f, "bob", 1000, TRUE);
  g_autofree char *second = occ_test_call (d, 1, "supervise.listen", id, "supervisor=bob", NULL);
  g_assert_nonnull (strstr (second, "already supervised by sue"));
  g_assert_null (occ_test_baresip_wait_event (bob, "CALL_ESTABLISHED", 500));
  occ_test_baresip_free (bob);
  /* stop: sue's phone is hung up, the call goes on */
  g_autofree char *stop = occ_test_call (d, 0, "supervise.stop", id, NULL);
  g_autoptr (JsonObject) closed = occ_test_baresip_wait_event (f->sup, "CALL_CLOSED", 10000);
  g_assert_nonnull (closed);
  g_free (call_in_state (f, "connected"));
  /* the audit trail: who did what to which call, and the denial */
  g_autofree char *trail = occ_test_call (d, 0, "audit.tail", NULL);
  g_assert_nonnull (strstr (trail, "\"action\":\"supervise.listen\""));
  g_assert_nonnull (strstr (trail, "\"actor\":\"sue\""));
  g_assert_nonnull (strstr (trail, "\"action\":\"supervise.stop\""));
  g_assert_nonnull (strstr (trail, f->id));
  g_assert_nonnull (strstr (trail, "\"result\":\"denied\""));
}

/* A call still ringing at the agent's phone cannot be supervised. */
static void
test_not_connected (void)
{
  Fixture f = { 0 };
  site_start (&f);
  f.agent = phone (&f, "awa", AGENT_HZ, FALSE); /* rings, nobody answers */
  f.sup = phone (&f, "sue", SUPERVISOR_HZ, TRUE);
  OccTestBaresipConfig c = { .user = "caller", .tone_hz = CALLER_HZ };
  f.caller = occ_test_baresip_start (&c);
  g_assert_nonnull (f.caller);
  g_autofree char *number = g_strdup_printf ("sip:1000@%s", f.site.sip);
  g_assert_true (occ_test_baresip_dial (f.caller, number));
  f.id = call_in_state (&f, "ringing");
  g_autofree char *id = g_strdup_printf ("id=%s", f.id);
  g_autofree char *out
      = occ_test_call (f.site.d, 1, "supervise.listen", id, "supervisor=sue", NULL);
  g_assert_nonnull (strstr (out, "no agent talking yet"));
  g_assert_null (occ_test_baresip_wait_event (f.sup, "CALL_ESTABLISHED", 300));
  teardown (&f, NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!occ_test_baresip_installed ())
    return 0;
#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/sip/supervise/listen-whisper-barge-by-audio", test_listen_whisper_barge);
  ADD ("/sip/supervise/take-over", test_take_over);
  ADD ("/sip/supervise/refusals", test_refusals);
  g_test_add_func ("/sip/supervise/not-connected-yet", test_not_connected);
  return g_test_run ();
}
