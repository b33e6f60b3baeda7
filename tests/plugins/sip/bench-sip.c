/* Signalling through omniccd, measured with sipp on 127.0.0.1, and the
 * very same sipp runs through Kamailio as a reference:
 *   REGISTERs per second with digest (each: 401, then 200 after the
 *   password's check), and
 *   calls per second (INVITE/180/200/ACK, a short pause, BYE) at rising
 *   rates for a fixed time: the highest with no failed call.
 * omniccd is a B2BUA: each call is two SIP legs with media anchored (two
 * media legs set up and torn down, no RTP). Kamailio (tests/lib/
 * kamailio-peer.h) is a stateful proxy: record-routed, the agent looked
 * up in usrloc, one transaction per request, no media. Their ratio is a
 * reference, not a like-for-like figure. Each measurement runs against
 * one, then at once against the other (the machine is shared: figures
 * are noisy, back-to-back runs see the same noise); both answer the same
 * sipp phone.
 * Prints "bench sip.METRIC: VALUE UNIT" (Kamailio's: sip.kamailio.METRIC,
 * the ratios: sip.ratio.METRIC). Arguments: [SECONDS] per call rate
 * (default 20), [--only omnicc|kamailio]. */
#include "kamailio-peer.h"
#include "peers.h"
#include "sipp.h"
#include "testlib.h"

#include <stdio.h>
#include <string.h>

/* Agents in the route, each one call at a time: sipp keeps at most
 * AGENTS - 10 calls at once, which caps the rate at about that many over
 * a call's length (200 ms and its set-up): some 1,400 calls/s. */
#define AGENTS 320
#define PASSWORD "Agent-pass-1"
/* One UDP worker: omniccd's SIP runs on one main-loop thread, so each
 * gets one core for SIP (the other is sipp's). With two, kamailio relays
 * a call's 180 and 200 in parallel, and a 180 arriving after its 200
 * fails the call in sipp's scenario (seen at 300 calls/s). */
#define KAMAILIO_WORKERS 1
#define REGISTERS 20000
/* whose REGISTERs are counted: an account in no route, so that the
 * contact they leave is nobody's a call rings */
#define REGISTERING "r0"

static const guint rates[] = { 100, 200, 300, 400, 500, 600, 800, 1000, 1200 };

typedef struct {
  const char *prefix; /* of its metrics: "" (omnicc's, as before) or "kamailio." */
  const char *cpu_of; /* whose CPU time is counted */
  const char *address;
  GPid pid; /* leader of the process group counted */
  double register_rate;
  double register_cpu_us;                   /* CPU time per registration */
  double call_cpu_us[G_N_ELEMENTS (rates)]; /* per call, at each rate */
  guint best;                               /* the highest call rate sustained so far */
  gboolean topped;                          /* a rate failed: it climbs no further */
  gboolean enabled;                         /* not left out by --only */
} Target;

static void
cli (OccTestDaemon *d, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (char *) OMNICC_CLI_PATH);
  g_ptr_array_add (argv, (char *) "--socket");
  g_ptr_array_add (argv, d->socket);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  g_autofree char *out = NULL, *err = NULL;
  if (occ_test_run ((const char *const *) argv->pdata, &out, &err) != 0)
    g_error ("omnicc %s %s: %s", args[0], args[1], err);
}

/* Registers @user from the agents' phone port (before the phone listens
 * there: sipp cannot share it). */
static void
register_phone (const char *remote, const char *user, int phones)
{
  g_assert_cmpint (occ_test_sipp_register (remote, user, PASSWORD, phones, 3600), ==, 0);
}

/* An account with the agent role, signed in once: its SIP credentials. */
static void
add_account (OccTestDaemon *d, const char *user)
{
  g_autofree char *login = g_strdup_printf ("login=%s", user);
  cli (d, (const char *const[]){ "user", "add", login, "password=" PASSWORD, NULL });
  cli (d, (const char *const[]){ "user", "grant", login, "role=agent", NULL });
  cli (d, (const char *const[]){ "call", "session.open", login, "password=" PASSWORD, NULL });
}

/* omniccd with AGENTS agents in one route, each signed in once (the SIP
 * credentials) and registered at @phones. */
static OccTestDaemon *
start_omnicc (const char *dir, int port, int phones)
{
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
  OccTestDaemon *d = occ_test_daemon_start_in (dir);
  g_assert_nonnull (d);
  g_autofree char *remote = g_strdup_printf ("127.0.0.1:%d", port);
  for (int i = 0; i < AGENTS; i++)
    {
      g_autofree char *user = g_strdup_printf ("a%d", i);
      add_account (d, user);
      register_phone (remote, user, phones);
    }
  add_account (d, REGISTERING);
  return d;
}

/* Kamailio knowing the same accounts, every call to agent a0 (registered
 * at @phones): a proxy has no "agent busy" to skip. */
static OccTestKamailio *
start_kamailio (int phones, guint lifetime_s)
{
  g_autoptr (GPtrArray) users = g_ptr_array_new_with_free_func (g_free);
  for (int i = 0; i < AGENTS; i++)
    {
      g_ptr_array_add (users, g_strdup_printf ("a%d", i));
      g_ptr_array_add (users, g_strdup (PASSWORD));
    }
  g_ptr_array_add (users, g_strdup (REGISTERING));
  g_ptr_array_add (users, g_strdup (PASSWORD));
  g_ptr_array_add (users, NULL);
  OccTestKamailioConfig c = { .users = (const char *const *) users->pdata,
                              .route_to = "a0",
                              .children = KAMAILIO_WORKERS,
                              .shm_mb = 256,
                              .pkg_mb = 16,
                              .lifetime_s = lifetime_s };
  OccTestKamailio *k = occ_test_kamailio_start (&c);
  g_assert_nonnull (k);
  register_phone (k->address, "a0", phones);
  return k;
}

/* REGISTER rate: one account, many registrations at once. */
static void
measure_registers (Target *t)
{
  OccTestSippConfig reg = { .scenario = "register",
                            .remote = t->address,
                            .service = REGISTERING,
                            .auth_password = PASSWORD,
                            .expires = 3600,
                            .calls = REGISTERS,
                            .rate = 20000,
                            .limit = 100,
                            .timeout_s = 120 };
  double cpu0 = occ_test_group_cpu_seconds (t->pid);
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (OccTestSipp) s = occ_test_sipp_start (&reg);
  g_assert_nonnull (s);
  int rc = occ_test_sipp_wait (s, 180000);
  double secs = (g_get_monotonic_time () - t0) / 1e6;
  guint ok = 0, failed = 0;
  occ_test_sipp_counts (s, &ok, &failed);
  double cpu = occ_test_group_cpu_seconds (t->pid) - cpu0;
  t->register_rate = failed == 0 ? ok / secs : 0;
  t->register_cpu_us = ok ? 1e6 * cpu / ok : 0;
  printf ("bench sip.%sregister-rate: %.0f registrations/s (%u ok, %u failed, sipp %d; each "
          "401 + 200 with digest)\n",
          t->prefix, ok / secs, ok, failed, rc);
  printf ("bench sip.%sregister-cpu: %.0f %% of one core (%s), %.0f µs per registration\n",
          t->prefix, 100.0 * cpu / secs, t->cpu_of, t->register_cpu_us);
  fflush (stdout);
}

/* Calls at @rate for @seconds; climbs no further after a failure. */
static void
measure_calls (Target *t, guint r, guint seconds)
{
  guint rate = rates[r];
  guint n = rate * seconds;
  OccTestSippConfig c = { .scenario = "uac",
                          .remote = t->address,
                          .service = "1000",
                          .caller = "+2250700000001",
                          .calls = n,
                          .rate = rate,
                          .limit = AGENTS - 10,
                          .pause_ms = 200,
                          .timeout_s = seconds + 60 };
  double cpu0 = occ_test_group_cpu_seconds (t->pid);
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (OccTestSipp) s = occ_test_sipp_start (&c);
  g_assert_nonnull (s);
  int rc = occ_test_sipp_wait (s, (seconds + 90) * 1000);
  double secs = (g_get_monotonic_time () - t0) / 1e6;
  guint ok = 0, failed = 0;
  occ_test_sipp_counts (s, &ok, &failed);
  double cpu = occ_test_group_cpu_seconds (t->pid) - cpu0;
  t->call_cpu_us[r] = ok ? 1e6 * cpu / ok : 0;
  printf ("bench sip.%scalls-at-%u-per-s: %u ok, %u failed in %.1f s (%.0f calls/s achieved), "
          "%s %.0f %% of one core, %.0f µs per call (sipp %d)\n",
          t->prefix, rate, ok, failed, secs, ok / secs, t->cpu_of, 100.0 * cpu / secs,
          t->call_cpu_us[r], rc);
  fflush (stdout);
  /* sustained: every call went through, at (nearly) the rate asked */
  if (failed == 0 && ok == n && ok / secs >= 0.95 * rate)
    t->best = rate;
  else
    t->topped = TRUE;
}

static void
print_ratios (const Target *o, const Target *k, guint seconds)
{
  if (k->register_rate > 0)
    printf ("bench sip.ratio.register-rate: %.2f omnicc/kamailio (%.0f and %.0f registrations/s, "
            "back to back; both check an MD5 digest)\n",
            o->register_rate / k->register_rate, o->register_rate, k->register_rate);
  if (k->best > 0)
    printf ("bench sip.ratio.call-rate: %.2f omnicc/kamailio%s (%u and %u calls/s sustained for %u "
            "s; omnicc a B2BUA, two legs and two media legs per call, kamailio a stateful "
            "proxy: a reference, not like for like)\n",
            (double) o->best / k->best, k->topped ? "" : " at most", o->best, k->best, seconds);
  /* sipp, on the same two cores, may be the limit before kamailio is:
   * the CPU each spends per operation says more */
  if (o->register_cpu_us > 0 && k->register_cpu_us > 0)
    printf ("bench sip.ratio.cpu-per-registration: %.1f omnicc/kamailio (%.0f and %.0f µs)\n",
            o->register_cpu_us / k->register_cpu_us, o->register_cpu_us, k->register_cpu_us);
  for (guint r = G_N_ELEMENTS (rates); r-- > 0;)
    if (rates[r] <= MIN (o->best, k->best) && k->call_cpu_us[r] > 0)
      {
        printf ("bench sip.ratio.cpu-per-call: %.1f omnicc/kamailio (%.0f and %.0f µs at %u "
                "calls/s, the highest both sustained)\n",
                o->call_cpu_us[r] / k->call_cpu_us[r], o->call_cpu_us[r], k->call_cpu_us[r],
                rates[r]);
        break;
      }
  if (!k->topped)
    printf ("# kamailio sustained the highest rate tried (%u/s): its own limit is higher, and "
            "sipp on the same cores may be the limit there\n",
            k->best);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  guint seconds = 20;
  const char *only = NULL;
  for (int i = 1; i < argc; i++)
    if (g_str_has_prefix (argv[i], "--only="))
      only = argv[i] + strlen ("--only=");
    else if (strcmp (argv[i], "--only") == 0 && i + 1 < argc)
      only = argv[++i];
    else
      seconds = (guint) atoi (argv[i]);
  if (seconds == 0 || (only && strcmp (only, "omnicc") != 0 && strcmp (only, "kamailio") != 0))
    {
      fprintf (stderr, "usage: bench-sip [SECONDS] [--only omnicc|kamailio]\n");
      return 2;
    }
  /* bounds every peer: all rates, twice, each with its margin */
  guint lifetime_s = 2 * G_N_ELEMENTS (rates) * (seconds + 90) + 600;
  int phones = occ_test_free_sip_port ();

  Target o = { .prefix = "", .cpu_of = "daemon", .enabled = !only || strcmp (only, "omnicc") == 0 };
  Target k = { .prefix = "kamailio.",
               .cpu_of = "kamailio, all processes",
               .enabled = !only || strcmp (only, "kamailio") == 0 };
  g_autofree char *dir = occ_test_mkdtemp ();
  OccTestDaemon *daemon = NULL;
  g_autofree char *omnicc_address = NULL;
  if (o.enabled)
    {
      int port = occ_test_free_sip_port ();
      omnicc_address = g_strdup_printf ("127.0.0.1:%d", port);
      daemon = start_omnicc (dir, port, phones);
      o.address = omnicc_address;
      o.pid = daemon->pid;
    }
  OccTestKamailio *kam = NULL;
  if (k.enabled)
    {
      kam = start_kamailio (phones, lifetime_s);
      k.address = kam->address;
      k.pid = kam->pid;
      printf ("# kamailio %s: %d UDP worker(s) (children; omniccd's SIP is one main-loop thread), "
              "-m 256 -M 16, config %s\n",
              kam->address, KAMAILIO_WORKERS, kam->cfg);
    }
  Target *targets[] = { &o, &k };

  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    if (targets[i]->enabled)
      measure_registers (targets[i]);

  /* one phone answers both: every agent's contact is on it */
  OccTestSippConfig ans
      = { .scenario = "uas", .port = phones, .service = "a0", .calls = 0, .timeout_s = lifetime_s };
  g_autoptr (OccTestSipp) phone = occ_test_sipp_start (&ans);
  g_assert_nonnull (phone);
  for (guint r = 0; r < G_N_ELEMENTS (rates); r++)
    for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
      if (targets[i]->enabled && !targets[i]->topped)
        measure_calls (targets[i], r, seconds);
  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    if (targets[i]->enabled)
      printf ("bench sip.%scall-rate: %u calls/s sustained for %u s with no failed call (%s)\n",
              targets[i]->prefix, targets[i]->best, seconds,
              targets[i] == &o ? "two media legs each, no RTP" : "stateful proxy, no media");
  if (o.enabled && k.enabled)
    print_ratios (&o, &k, seconds);

  occ_test_sipp_stop (phone);
  if (daemon)
    {
      occ_test_daemon_stop (daemon, SIGTERM);
      occ_test_daemon_free (daemon);
    }
  occ_test_kamailio_free (kam);
  occ_test_rmtree (dir);
  return 0;
}
