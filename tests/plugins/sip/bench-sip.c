/* Signalling through omniccd, measured with sipp on 127.0.0.1:
 *   REGISTERs per second with digest (each: 401, then 200 after the
 *   access service's check), and
 *   calls per second through the B2BUA (INVITE/180/200/ACK, a short
 *   pause, BYE), each with two media legs set up and torn down, at rising
 *   rates for a fixed time: the highest with no failed call.
 * Prints "bench sip.METRIC: VALUE UNIT". Arguments: SECONDS (default 20)
 * per call rate. */
#include "peers.h"
#include "sipp.h"
#include "testlib.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#define AGENTS 120

static OccTestDaemon *daemon_;
static char *sip_address;

static void
cli (const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (char *) OMNICC_CLI_PATH);
  g_ptr_array_add (argv, (char *) "--socket");
  g_ptr_array_add (argv, daemon_->socket);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  g_autofree char *out = NULL, *err = NULL;
  if (occ_test_run ((const char *const *) argv->pdata, &out, &err) != 0)
    g_error ("omnicc %s %s: %s", args[0], args[1], err);
}

static double
daemon_cpu_seconds (void)
{
  g_autofree char *path
      = g_strdup_printf ("/proc/%s/stat", g_subprocess_get_identifier (daemon_->proc));
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  const char *p = strrchr (text, ')');
  g_auto (GStrv) f = g_strsplit (p + 2, " ", -1);
  /* fields 14 and 15 (utime, stime), 12 and 13 counting from the state */
  return (g_ascii_strtod (f[11], NULL) + g_ascii_strtod (f[12], NULL)) / sysconf (_SC_CLK_TCK);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  guint seconds = argc > 1 ? (guint) atoi (argv[1]) : 20;
  g_autofree char *dir = occ_test_mkdtemp ();
  int port = occ_test_free_sip_port ();
  int phones = occ_test_free_sip_port ();
  sip_address = g_strdup_printf ("127.0.0.1:%d", port);
  g_autofree char *conf = g_strdup_printf (
      "[core]\nplugin-path=%s\nstate-dir=state\ndata-dir=%s/share\npolicy-dir=%s/policies\n"
      "control-socket=control.sock\ncontrol-group=\ndrain-timeout=5\nlog-level=warning\n"
      "[plugins]\nenabled=store-sqlite;records;audit;auth-local;access;media;sip\n",
      PLUGIN_BUILD_DIR, SOURCE_ROOT, SOURCE_ROOT);
  occ_test_write (dir, "omnicc.conf", conf);
  GString *agents = g_string_new (NULL);
  for (int i = 0; i < AGENTS; i++)
    g_string_append_printf (agents, "%sa%d", i ? ";" : "", i);
  g_autofree char *sipconf = g_strdup_printf (
      "[sip]\nlisten=sip:127.0.0.1:%d\nagent-srtp=off\nauth-failures=10000\n"
      /* sipp's answering phones take INVITEs only */
      "keepalive-interval=0\n"
      "[trunk load]\naddress=127.0.0.1:9\ninbound-from=127.0.0.1\noptions-interval=0\n"
      "codecs=PCMU\n[route load]\nnumbers=*\nagents=%s\nring-timeout=10\n",
      port, agents->str);
  g_string_free (agents, TRUE);
  occ_test_write (dir, "plugins.d/sip.conf", sipconf);
  occ_test_write (dir, "plugins.d/media.conf",
                  "[media]\naddress=127.0.0.1\nrtp-port-min=30000\nrtp-port-max=39999\n");
  occ_test_write (dir, "policies/passwords.conf",
                  "[passwords]\nargon2-opslimit=1\nargon2-memlimit-kib=1024\nmin-length=8\n");
  daemon_ = occ_test_daemon_start_in (dir);
  g_assert_nonnull (daemon_);

  /* the agents: accounts, a sign-in each (the SIP credentials), and a
   * registration whose contact is the one answering phone */
  for (int i = 0; i < AGENTS; i++)
    {
      g_autofree char *login = g_strdup_printf ("login=a%d", i);
      cli ((const char *const[]){ "user", "add", login, "password=Agent-pass-1", NULL });
      cli ((const char *const[]){ "user", "grant", login, "role=agent", NULL });
      cli ((const char *const[]){ "call", "session.open", login, "password=Agent-pass-1", NULL });
      g_autofree char *user = g_strdup_printf ("a%d", i);
      OccTestSippConfig reg = { .scenario = "register",
                                .remote = sip_address,
                                .port = phones,
                                .service = user,
                                .auth_password = "Agent-pass-1",
                                .expires = 3600,
                                .calls = 1 };
      g_assert_cmpint (occ_test_sipp_run (&reg, 20000), ==, 0);
    }

  /* REGISTER rate: one account, many registrations at once */
  {
    guint n = 20000;
    OccTestSippConfig reg = { .scenario = "register",
                              .remote = sip_address,
                              .service = "a0",
                              .auth_password = "Agent-pass-1",
                              .expires = 3600,
                              .calls = n,
                              .rate = 20000,
                              .limit = 100,
                              .timeout_s = 120 };
    double cpu0 = daemon_cpu_seconds ();
    gint64 t0 = g_get_monotonic_time ();
    g_autoptr (OccTestSipp) s = occ_test_sipp_start (&reg);
    int rc = occ_test_sipp_wait (s, 180000);
    double secs = (g_get_monotonic_time () - t0) / 1e6;
    guint ok = 0, failed = 0;
    occ_test_sipp_counts (s, &ok, &failed);
    printf ("bench sip.register-rate: %.0f registrations/s (%u ok, %u failed, sipp %d; each "
            "401 + 200 with digest)\n",
            ok / secs, ok, failed, rc);
    printf ("bench sip.register-cpu: %.0f %% of one core (daemon)\n",
            100.0 * (daemon_cpu_seconds () - cpu0) / secs);
  }

  /* call rates */
  OccTestSippConfig ans = {
    .scenario = "uas", .port = phones, .service = "a0", .calls = 0, .limit = 0, .timeout_s = 600
  };
  g_autoptr (OccTestSipp) phone = occ_test_sipp_start (&ans);
  g_assert_nonnull (phone);
  const guint rates[] = { 100, 200, 300, 400, 500, 600, 800 };
  guint best = 0;
  for (guint r = 0; r < G_N_ELEMENTS (rates); r++)
    {
      guint n = rates[r] * seconds;
      OccTestSippConfig c = { .scenario = "uac",
                              .remote = sip_address,
                              .service = "1000",
                              .caller = "+2250700000001",
                              .calls = n,
                              .rate = rates[r],
                              .limit = AGENTS - 10,
                              .pause_ms = 200,
                              .timeout_s = seconds + 60 };
      double cpu0 = daemon_cpu_seconds ();
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr (OccTestSipp) s = occ_test_sipp_start (&c);
      int rc = occ_test_sipp_wait (s, (seconds + 90) * 1000);
      double secs = (g_get_monotonic_time () - t0) / 1e6;
      guint ok = 0, failed = 0;
      occ_test_sipp_counts (s, &ok, &failed);
      printf ("bench sip.calls-at-%u-per-s: %u ok, %u failed in %.1f s (%.0f calls/s achieved), "
              "daemon %.0f %% of one core (sipp %d)\n",
              rates[r], ok, failed, secs, ok / secs, 100.0 * (daemon_cpu_seconds () - cpu0) / secs,
              rc);
      /* sustained: every call went through, at (nearly) the rate asked */
      if (failed == 0 && ok == n && ok / secs >= 0.95 * rates[r])
        best = rates[r];
      else
        break;
    }
  printf ("bench sip.call-rate: %u calls/s sustained for %u s with no failed call (two media "
          "legs each, no RTP)\n",
          best, seconds);
  occ_test_sipp_stop (phone);
  occ_test_daemon_stop (daemon_, SIGTERM);
  occ_test_daemon_free (daemon_);
  occ_test_rmtree (dir);
  return 0;
}
