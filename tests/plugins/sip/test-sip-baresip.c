/* What a new user does with `omnicc run`: a real softphone (baresip)
 * registers as the demo agent, a second baresip calls the demo number,
 * the agent's phone answers, and each side hears the other's tone through
 * the media the daemon anchors. */
#include "baresip.h"
#include "peers.h"
#include "testlib.h"

#include <string.h>

static char *cli (OccTestDaemon *d, ...) G_GNUC_NULL_TERMINATED;

static char *
cli (OccTestDaemon *d, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (char *) OMNICC_CLI_PATH);
  g_ptr_array_add (argv, (char *) "--socket");
  g_ptr_array_add (argv, d->socket);
  g_ptr_array_add (argv, (char *) "--json");
  va_list ap;
  va_start (ap, d);
  for (const char *a = va_arg (ap, const char *); a; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  char *out = NULL;
  g_autofree char *err = NULL;
  int rc = occ_test_run ((const char *const *) argv->pdata, &out, &err);
  if (rc != 0)
    g_error ("omnicc %s: exit %d: %s", (char *) argv->pdata[4], rc, err);
  return out;
}

static void
test_agent_phone_answers_a_caller (void)
{
  g_autofree char *dir = occ_test_mkdtemp ();
  int port = occ_test_free_sip_ports ();
  /* the demo site's plugins and its sip.conf, on a free port */
  g_autofree char *conf = g_strdup_printf (
      "[core]\nplugin-path=%s\nstate-dir=state\ndata-dir=%s/share\npolicy-dir=%s/policies\n"
      "control-socket=control.sock\ncontrol-group=\ndrain-timeout=5\n[plugins]\n"
      "enabled=store-sqlite;records;audit;auth-local;access;media;sip;eventlog\n",
      PLUGIN_BUILD_DIR, SOURCE_ROOT, SOURCE_ROOT);
  occ_test_write (dir, "omnicc.conf", conf);
  g_autofree char *demo
      = g_strdup_printf ("%s/share/examples/demo/plugins.d/sip.conf", SOURCE_ROOT);
  g_autofree char *text = occ_test_read (demo);
  g_autofree char *listen = g_strdup_printf ("listen=sip:127.0.0.1:%d", port);
  g_auto (GStrv) parts = g_strsplit (text, "listen=sip:127.0.0.1:5060", 2);
  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  g_autofree char *sipconf = g_strjoin (listen, parts[0], parts[1], NULL);
  occ_test_write (dir, "plugins.d/sip.conf", sipconf);
  occ_test_write (dir, "plugins.d/media.conf", "[media]\naddress=127.0.0.1\n");
  occ_test_write (dir, "policies/passwords.conf",
                  "[passwords]\nargon2-opslimit=1\nargon2-memlimit-kib=1024\nmin-length=8\n");
  g_autoptr (OccTestDaemon) d = occ_test_daemon_start_in (dir);
  g_assert_nonnull (d);
  g_autofree char *a = cli (d, "user", "add", "login=agent1", "password=Agent1-pass-99", NULL);
  g_autofree char *g = cli (d, "user", "grant", "login=agent1", "role=agent", NULL);
  g_autofree char *o
      = cli (d, "call", "session.open", "login=agent1", "password=Agent1-pass-99", NULL);

  g_autofree char *registrar = g_strdup_printf ("127.0.0.1:%d", port);
  OccTestBaresipConfig agent_conf = { .user = "agent1",
                                      .registrar = registrar,
                                      .password = "Agent1-pass-99",
                                      .auto_answer = TRUE,
                                      .tone_hz = 440 };
  OccTestBaresip *agent = occ_test_baresip_start (&agent_conf);
  g_assert_nonnull (agent);
  g_assert_true (occ_test_baresip_wait_registered (agent, 10000));
  g_autofree char *regs = cli (d, "sip", "registrations", NULL);
  g_assert_nonnull (strstr (regs, "\"login\":\"agent1\""));

  OccTestBaresipConfig caller_conf = { .user = "caller", .tone_hz = 1000 };
  OccTestBaresip *caller = occ_test_baresip_start (&caller_conf);
  g_assert_nonnull (caller);
  g_autofree char *number = g_strdup_printf ("sip:1000@127.0.0.1:%d", port);
  g_assert_true (occ_test_baresip_dial (caller, number));
  g_autoptr (JsonObject) up = occ_test_baresip_wait_event (caller, "CALL_ESTABLISHED", 15000);
  g_assert_nonnull (up);
  occ_test_spin (3000);
  g_autofree char *calls = cli (d, "sip", "calls", NULL);
  g_assert_nonnull (strstr (calls, "\"state\":\"connected\""));
  g_assert_true (occ_test_baresip_hangup (caller));
  g_autoptr (JsonObject) closed = occ_test_baresip_wait_event (agent, "CALL_CLOSED", 10000);
  g_assert_nonnull (closed);
  occ_test_spin (500);
  /* each heard the other */
  double agent_heard = occ_test_baresip_heard_tone_seconds (agent, 1000);
  double caller_heard = occ_test_baresip_heard_tone_seconds (caller, 440);
  g_test_message ("the agent heard the caller's 1000 Hz for %.1f s, the caller the agent's "
                  "440 Hz for %.1f s",
                  agent_heard, caller_heard);
  g_assert_cmpfloat (agent_heard, >=, 1.5);
  g_assert_cmpfloat (caller_heard, >=, 1.5);
  occ_test_baresip_free (caller);
  occ_test_baresip_free (agent);
  g_assert_cmpint (occ_test_daemon_stop (d, SIGTERM), ==, 0);
  occ_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!g_file_test ("/usr/bin/baresip", G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("baresip is not installed");
      return 0;
    }
  g_test_add_func ("/sip/baresip/agent-phone-answers-a-caller", test_agent_phone_answers_a_caller);
  return g_test_run ();
}
