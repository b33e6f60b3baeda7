/* The registrar's bindings beyond one process and one REGISTER: kept in
 * the store across a daemon restart, dropped when the account is disabled,
 * and kept alive (or dropped) by OPTIONS keep-alives. The real omniccd
 * with store-sqlite, access, media and sip; sipp on 127.0.0.1 as the
 * agents' phones and as the trunk's caller. */
#include "peers.h"
#include "sipp.h"
#include "testlib.h"

#include <string.h>

typedef struct {
  OccTestDaemon *d;
  char *dir;
  char *sip; /* omniccd's "127.0.0.1:PORT" */
} Site;

/* A site whose route 1000 rings awa alone (for 20 s: a loaded machine must not
 * turn a slow answer into a 480); awa and bob are agents who
 * signed in once. @sip_extra: more [sip] keys. */
static void
site_start (Site *s, const char *sip_extra)
{
  s->dir = occ_test_mkdtemp ();
  int port = occ_test_free_sip_port ();
  s->sip = g_strdup_printf ("127.0.0.1:%d", port);
  g_autofree char *conf = g_strdup_printf (
      "[core]\nplugin-path=%s\nstate-dir=state\ndata-dir=%s/share\npolicy-dir=%s/policies\n"
      "control-socket=control.sock\ncontrol-group=\ndrain-timeout=5\n[plugins]\n"
      "enabled=store-sqlite;records;audit;auth-local;access;eventlog;media;sip\n",
      PLUGIN_BUILD_DIR, SOURCE_ROOT, SOURCE_ROOT);
  occ_test_write (s->dir, "omnicc.conf", conf);
  g_autofree char *sipconf
      = g_strdup_printf ("[sip]\nlisten=sip:%s\nagent-srtp=off\nmin-expires=10\n%s\n"
                         "[trunk operator]\naddress=127.0.0.1:%d\noptions-interval=0\n"
                         "[route sales]\nnumbers=1000\nagents=awa\nring-timeout=20\n",
                         s->sip, sip_extra, occ_test_free_sip_port ());
  occ_test_write (s->dir, "plugins.d/sip.conf", sipconf);
  occ_test_write (s->dir, "plugins.d/media.conf", "[media]\naddress=127.0.0.1\n");
  occ_test_write (s->dir, "plugins.d/eventlog.conf", "[eventlog]\npattern=*\n");
  occ_test_write (s->dir, "policies/passwords.conf",
                  "[passwords]\nargon2-opslimit=1\nargon2-memlimit-kib=1024\nmin-length=8\n");
  s->d = occ_test_daemon_start_in (s->dir);
  g_assert_nonnull (s->d);
  for (const char *const *who = (const char *const[]){ "awa", "bob", NULL }; *who; who++)
    {
      g_autofree char *login = g_strdup_printf ("login=%s", *who);
      g_autofree char *password = g_strdup_printf ("password=%s-Pass-1234", *who);
      g_autofree char *added = occ_test_call (s->d, 0, "user.add", login, password, NULL);
      g_autofree char *granted = occ_test_call (s->d, 0, "user.grant", login, "role=agent", NULL);
      g_autofree char *signed_in = occ_test_call (s->d, 0, "session.open", login, password, NULL);
    }
}

static void
site_stop (Site *s)
{
  g_assert_cmpint (occ_test_daemon_stop (s->d, SIGTERM), ==, 0);
  occ_test_daemon_free (s->d);
  occ_test_rmtree (s->dir);
  g_free (s->dir);
  g_free (s->sip);
}

/* @login's phone registers from 127.0.0.1:@port for @expires seconds; the
 * REGISTER's final answer must be @expect (200, or a refusal). */
static void
register_phone (Site *s, const char *login, int port, guint expires, int expect)
{
  g_autofree char *password = g_strdup_printf ("%s-Pass-1234", login);
  OccTestSippConfig c = { .scenario = "register",
                          .remote = s->sip,
                          .port = port,
                          .service = login,
                          .auth_password = password,
                          .expires = expires,
                          .calls = 1,
                          .timeout_s = 15 };
  g_autoptr (OccTestSipp) p = occ_test_sipp_start (&c);
  g_assert_nonnull (p);
  int rc = occ_test_sipp_wait (p, 20000);
  g_autofree char *messages = occ_test_read (p->messages);
  g_autofree char *status = g_strdup_printf ("SIP/2.0 %d ", expect);
  if (strstr (messages, status) == NULL)
    occ_test_sipp_dump (p);
  g_assert_nonnull (strstr (messages, status));
  if (expect == 200)
    g_assert_cmpint (rc, ==, 0);
  else
    g_assert_cmpint (rc, !=, 0);
}

/* The event log's text, once it holds @needle (it flushes every second);
 * fails the test if it does not within 10 s. */
static char *
events_with (Site *s, const char *needle)
{
  g_autofree char *path = g_build_filename (s->dir, "state", "events.jsonl", NULL);
  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *text = NULL;
      if (g_file_get_contents (path, &text, NULL, NULL) && strstr (text, needle))
        return g_steal_pointer (&text);
      occ_test_spin (100);
    }
  g_test_message ("the event log has no %s", needle);
  g_assert_not_reached ();
  return NULL;
}

/* `sip.registrations` until @login is (@present) or is not registered;
 * the last answer. */
static char *
registrations_until (Site *s, const char *login, gboolean present)
{
  g_autofree char *needle = g_strdup_printf ("\"login\":\"%s\"", login);
  char *regs = NULL;
  for (guint i = 0; i < 300; i++)
    {
      g_free (regs);
      regs = occ_test_call (s->d, 0, "sip.registrations", NULL);
      if ((strstr (regs, needle) != NULL) == present)
        break;
      occ_test_spin (100);
    }
  return regs;
}

/* A call from the trunk to 1000; sipp's exit status. */
static int
call_1000 (Site *s, char **messages)
{
  OccTestSippConfig c = { .scenario = "uac",
                          .remote = s->sip,
                          .service = "1000",
                          .caller = "+2250700000001",
                          .calls = 1,
                          .pause_ms = 500,
                          .timeout_s = 30 };
  g_autoptr (OccTestSipp) call = occ_test_sipp_start (&c);
  g_assert_nonnull (call);
  int rc = occ_test_sipp_wait (call, 40000);
  *messages = occ_test_read (call->messages);
  return rc;
}

static void
test_restart_keeps_bindings (void)
{
  Site s = { 0 };
  site_start (&s, "keepalive-interval=0");
  int awa_port = occ_test_free_sip_port ();
  register_phone (&s, "awa", awa_port, 600, 200);
  gint64 bob_registered = g_get_monotonic_time ();
  register_phone (&s, "bob", occ_test_free_sip_port (), 10, 200);
  g_autofree char *before = registrations_until (&s, "bob", TRUE);
  g_assert_nonnull (strstr (before, "\"login\":\"awa\""));

  /* down long enough for bob's registration to run out */
  g_assert_cmpint (occ_test_daemon_stop (s.d, SIGTERM), ==, 0);
  while (g_get_monotonic_time () - bob_registered < 11 * G_USEC_PER_SEC)
    g_usleep (100000);
  g_assert_true (occ_test_daemon_respawn (s.d));

  /* awa's phone is known again without registering; bob's expired one is not */
  g_autofree char *after = registrations_until (&s, "awa", TRUE);
  g_assert_nonnull (strstr (after, "\"login\":\"awa\""));
  g_assert_null (strstr (after, "\"login\":\"bob\""));
  g_autofree char *contact = g_strdup_printf ("\"received\":\"127.0.0.1:%d\"", awa_port);
  g_assert_nonnull (strstr (after, contact));
  g_autofree char *ev = events_with (&s, "\"restored\"");
  g_assert_nonnull (strstr (ev, "\"restored\":{\"type\":\"b\",\"value\":true}"));
  g_autofree char *log = occ_test_read (s.d->log);
  g_assert_nonnull (strstr (log, "1 phone registration(s) restored from the store, 1 expired"));

  /* and a call from the trunk reaches it */
  OccTestSippConfig answer
      = { .scenario = "uas", .port = awa_port, .service = "awa", .calls = 1, .pause_ms = 500 };
  g_autoptr (OccTestSipp) phone = occ_test_sipp_start (&answer);
  g_assert_nonnull (phone);
  g_autofree char *messages = NULL;
  g_assert_cmpint (call_1000 (&s, &messages), ==, 0);
  g_assert_cmpint (occ_test_sipp_wait (phone, 10000), ==, 0);
  g_autofree char *st = occ_test_call (s.d, 0, "sip.status", NULL);
  g_assert_nonnull (strstr (st, "\"registers-accepted\":0"));
  g_assert_nonnull (strstr (st, "\"calls-answered\":1"));
  site_stop (&s);
}

static void
test_disabled_account_loses_its_phones (void)
{
  Site s = { 0 };
  site_start (&s, "keepalive-interval=0");
  register_phone (&s, "awa", occ_test_free_sip_port (), 600, 200);
  g_autofree char *regs = registrations_until (&s, "awa", TRUE);
  g_assert_nonnull (strstr (regs, "\"login\":\"awa\""));

  g_autofree char *disabled = occ_test_call (s.d, 0, "user.disable", "login=awa", NULL);
  /* gone at once, not at expiry */
  g_autofree char *now = occ_test_call (s.d, 0, "sip.registrations", NULL);
  g_assert_cmpstr (g_strstrip (now), ==, "[]");
  g_autofree char *ev = events_with (&s, "\"account-disabled\"");
  g_assert_nonnull (strstr (ev, "\"access.account\""));
  g_assert_nonnull (strstr (ev, "[\"awa\",\"disabled\""));

  /* the route's only agent has no phone: 480 */
  g_autofree char *messages = NULL;
  g_assert_cmpint (call_1000 (&s, &messages), !=, 0);
  g_assert_nonnull (strstr (messages, "SIP/2.0 480 "));
  g_autofree char *ev2 = events_with (&s, "\"no-agent\"");
  /* and the phone cannot come back */
  register_phone (&s, "awa", occ_test_free_sip_port (), 600, 403);

  /* the removal reached the store: a restart does not bring it back */
  g_assert_true (occ_test_daemon_restart (s.d));
  g_autofree char *after = occ_test_call (s.d, 0, "sip.registrations", NULL);
  g_assert_cmpstr (g_strstrip (after), ==, "[]");
  site_stop (&s);
}

static void
test_keepalive_drops_silent_phones (void)
{
  Site s = { 0 };
  site_start (&s, "keepalive-interval=1\nkeepalive-timeout=1\nkeepalive-failures=2");
  /* awa's phone answers every OPTIONS; bob's takes them and says nothing */
  int awa_port = occ_test_free_sip_port (), bob_port = occ_test_free_sip_port ();
  register_phone (&s, "awa", awa_port, 600, 200);
  register_phone (&s, "bob", bob_port, 600, 200);
  OccTestSippConfig answers = { .scenario = "options-responder", .port = awa_port };
  g_autoptr (OccTestSipp) awa = occ_test_sipp_start (&answers);
  g_autofree char *silent_xml
      = g_strdup_printf ("%s/tests/plugins/sip/scenarios/options-silent.xml", SOURCE_ROOT);
  OccTestSippConfig silent = { .scenario = silent_xml, .port = bob_port };
  g_autoptr (OccTestSipp) bob = occ_test_sipp_start (&silent);
  g_assert_nonnull (awa);
  g_assert_nonnull (bob);

  g_autofree char *regs = registrations_until (&s, "bob", FALSE);
  g_assert_nonnull (strstr (regs, "\"login\":\"awa\""));
  g_assert_null (strstr (regs, "\"login\":\"bob\""));
  g_autofree char *ev = events_with (&s, "\"unreachable\"");
  g_assert_nonnull (strstr (ev, "[\"bob\",\"sip:bob@"));
  /* both were pinged where their REGISTER came from */
  g_assert_true (occ_test_sipp_wait_calls (awa, 2, 10000));
  g_assert_true (occ_test_sipp_wait_calls (bob, 2, 10000));
  g_autofree char *pinged = occ_test_read (awa->messages);
  g_assert_nonnull (strstr (pinged, "OPTIONS sip:awa@127.0.0.1"));

  /* awa's phone goes away too (its port closes): dropped in turn */
  occ_test_sipp_stop (awa);
  g_autofree char *gone = registrations_until (&s, "awa", FALSE);
  g_assert_cmpstr (g_strstrip (gone), ==, "[]");
  g_autofree char *st = occ_test_call (s.d, 0, "sip.status", NULL);
  g_assert_null (strstr (st, "\"keepalives-lost\":0"));
  site_stop (&s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!g_file_test ("/usr/bin/sipp", G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("sipp (package sip-tester) is not installed");
      return 0;
    }
  g_test_add_func ("/sip/bindings/restart-keeps-them", test_restart_keeps_bindings);
  g_test_add_func ("/sip/bindings/disabled-account-loses-its-phones",
                   test_disabled_account_loses_its_phones);
  g_test_add_func ("/sip/bindings/keepalive-drops-silent-phones",
                   test_keepalive_drops_silent_phones);
  return g_test_run ();
}
