/* A real Kamailio for tests and benchmarks; see kamailio-peer.h. */
#include "kamailio-peer.h"

#include "testlib.h"

#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define KAMAILIO "/usr/sbin/kamailio"
#define MODULES "/usr/lib/x86_64-linux-gnu/kamailio/modules"

/* The routing logic; %s are filled by config_text(). */
static const char routes[]
    = "request_route {\n"
      "  if (!mf_process_maxfwd_header(\"10\")) { sl_send_reply(\"483\", \"Too Many Hops\"); exit; "
      "}\n"
      "  if (has_totag()) {\n"
      "    if (loose_route()) { if (!t_relay()) { sl_reply_error(); } exit; }\n"
      "    if (is_method(\"ACK\") && t_check_trans()) { t_relay(); }\n"
      "    if (!is_method(\"ACK\")) { sl_send_reply(\"404\", \"Not Here\"); }\n"
      "    exit;\n"
      "  }\n"
      "  if (is_method(\"CANCEL|ACK\")) { if (t_check_trans()) { t_relay(); } exit; }\n"
      "  /* retransmissions of a request tm already handles */\n"
      "  if (t_precheck_trans()) { t_check_trans(); exit; }\n"
      "  t_check_trans();\n"
      "  if (is_method(\"REGISTER\")) {\n"
      "    if (!is_present_hf(\"Authorization\")) { www_challenge(\"%s\", \"1\"); exit; }\n"
      "    if (!pv_www_authenticate(\"%s\", \"$sht(users=>$tU)\", \"0\")) {\n"
      "      /* -4: a stale nonce */\n"
      "      if ($rc == -4) { www_challenge(\"%s\", \"1\"); exit; }\n"
      "      sl_send_reply(\"403\", \"Forbidden\"); exit;\n"
      "    }\n"
      "    if ($au != $tU) { sl_send_reply(\"403\", \"Forbidden\"); exit; }\n"
      "    consume_credentials();\n"
      "    if (!save(\"location\")) { sl_reply_error(); }\n"
      "    exit;\n"
      "  }\n"
      "  if (is_method(\"INVITE\")) {\n"
      "    record_route();\n"
      "%s"
      "    if (!lookup(\"location\")) { sl_send_reply(\"404\", \"Not Found\"); exit; }\n"
      "    if (!t_relay()) { sl_reply_error(); }\n"
      "    exit;\n"
      "  }\n"
      "  sl_send_reply(\"405\", \"Method Not Allowed\");\n"
      "}\n";

/* The watchdog: kills the whole group (kill 0, from a shell in it) once
 * the test process is gone or the lifetime has passed. Its first tick
 * tells that it runs: kamailio is ready once it does (a main process
 * killed while still forking would leave workers and no watchdog). */
static const char watchdog[] = "route[WATCHDOG] {\n"
                               "  $shv(ticks) = $shv(ticks) + 1;\n"
                               "  if ($shv(ticks) == 1) { exec_cmd(\"touch '%s'\"); }\n"
                               "  if ($shv(ticks) > %u) { exec_cmd(\"kill -KILL 0\"); }\n"
                               "  exec_cmd(\"kill -0 %d 2>/dev/null || kill -KILL 0\");\n"
                               "}\n";

static char *
config_text (const OccTestKamailioConfig *c, int port, const char *ready)
{
  const char *realm = c->realm ? c->realm : "omnicc";
  GString *s = g_string_new ("#!KAMAILIO\n");
  g_string_append_printf (s,
                          "debug=0\nlog_stderror=yes\nchildren=%u\ndisable_tcp=yes\n"
                          "auto_aliases=no\nlisten=udp:127.0.0.1:%d\nalias=\"127.0.0.1:%d\"\n"
                          "mpath=\"" MODULES "/\"\n",
                          c->children ? c->children : 1, port, port);
  const char *modules[]
      = { "tm",       "tmx",    "sl",        "rr",   "pv",     "maxfwd", "textops",
          "siputils", "usrloc", "registrar", "auth", "htable", "rtimer", "exec" };
  for (guint i = 0; i < G_N_ELEMENTS (modules); i++)
    g_string_append_printf (s, "loadmodule \"%s.so\"\n", modules[i]);
  g_autofree char *secret = g_uuid_string_random ();
  g_string_append_printf (s,
                          "modparam(\"usrloc\", \"db_mode\", 0)\n"
                          "modparam(\"auth\", \"secret\", \"%s\")\n"
                          "modparam(\"htable\", \"htable\", \"users=>size=8;\")\n"
                          "modparam(\"pv\", \"shvset\", \"ticks=i:0\")\n"
                          "modparam(\"rtimer\", \"timer\", \"name=watchdog;interval=1;mode=1;\")\n"
                          "modparam(\"rtimer\", \"exec\", \"timer=watchdog;route=WATCHDOG\")\n",
                          secret);
  /* an empty route is a syntax error: none without users */
  if (c->users && c->users[0] && c->users[1])
    {
      g_string_append (s, "event_route[htable:mod-init] {\n");
      for (guint i = 0; c->users[i] && c->users[i + 1]; i += 2)
        g_string_append_printf (s, "  $sht(users=>%s) = \"%s\";\n", c->users[i], c->users[i + 1]);
      g_string_append (s, "}\n");
    }
  g_string_append_printf (s, watchdog, ready, c->lifetime_s ? c->lifetime_s : 600, (int) getpid ());
  g_autofree char *rewrite
      = c->route_to ? g_strdup_printf ("    $rU = \"%s\";\n", c->route_to) : g_strdup ("");
  g_string_append_printf (s, routes, realm, realm, realm, rewrite);
  return g_string_free (s, FALSE);
}

typedef struct {
  OccTestKamailio *k;
  const char *ready;
} Ready;

static gboolean
ready_or_gone (gpointer data)
{
  Ready *r = data;
  return (occ_test_port_taken (r->k->port, SOCK_DGRAM)
          && g_file_test (r->ready, G_FILE_TEST_EXISTS))
         || !occ_test_process_alive (r->k->pid);
}

/* kamailio -c: a configuration error is told at once, with its line. */
static gboolean
config_valid (OccTestKamailio *k)
{
  const char *argv[] = { KAMAILIO, "-c", "-f", k->cfg, NULL };
  g_autofree char *out = NULL, *err = NULL;
  if (occ_test_run (argv, &out, &err) == 0)
    return TRUE;
  g_test_message ("kamailio refused %s:\n%s%s", k->cfg, out ? out : "", err ? err : "");
  return FALSE;
}

OccTestKamailio *
occ_test_kamailio_start (const OccTestKamailioConfig *c)
{
  g_return_val_if_fail (c != NULL, NULL);
  if (!g_file_test (KAMAILIO, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_message ("kamailio is not installed (Debian: kamailio)");
      return NULL;
    }
  OccTestKamailio *k = g_new0 (OccTestKamailio, 1);
  k->status = -1;
  k->dir = occ_test_mkdtemp ();
  g_autofree char *data = g_build_filename (k->dir, "data", NULL);
  k->cfg = g_build_filename (data, "kamailio.cfg", NULL);
  k->log = g_build_filename (data, "kamailio.log", NULL);
  k->port = occ_test_free_udp_port ();
  k->address = g_strdup_printf ("127.0.0.1:%d", k->port);
  g_autofree char *ready = g_build_filename (data, "watchdog-runs", NULL);
  g_autofree char *text = config_text (c, k->port, ready);
  occ_test_write (data, "kamailio.cfg", text);
  if (!config_valid (k))
    {
      occ_test_kamailio_free (k);
      return NULL;
    }
  g_autofree char *shm = g_strdup_printf ("%u", c->shm_mb ? c->shm_mb : 256);
  g_autofree char *pkg = g_strdup_printf ("%u", c->pkg_mb ? c->pkg_mb : 16);
  /* -DD: no fork into the background, the main process stays ours;
   * -E: logs to standard error; -Y: its runtime files in our folder */
  const char *argv[]
      = { KAMAILIO, "-DD", "-E", "-f", k->cfg, "-m", shm, "-M", pkg, "-Y", data, "-w", data, NULL };
  g_autoptr (GError) e = NULL;
  k->pid = occ_test_spawn (argv, data, k->log, &e);
  if (k->pid == 0)
    {
      g_test_message ("kamailio did not start: %s", e->message);
      occ_test_kamailio_free (k);
      return NULL;
    }
  Ready r = { k, ready };
  if (!occ_test_poll_until (ready_or_gone, &r, 10000) || !occ_test_process_alive (k->pid))
    {
      g_test_message ("kamailio did not listen on %s with its watchdog running", k->address);
      occ_test_kamailio_dump (k);
      occ_test_kamailio_free (k);
      return NULL;
    }
  return k;
}

int
occ_test_kamailio_stop (OccTestKamailio *k)
{
  if (k->pid != 0)
    {
      GPid leader = k->pid;
      k->status = occ_test_exit_code (occ_test_process_stop (leader, SIGTERM, 5000));
      k->pid = 0;
      /* the workers, killed with the group, are reaped by init: wait for
       * them, so that the port is free when we return */
      if (!occ_test_group_wait_gone (leader, 5000))
        g_test_message ("kamailio's workers (group %d) outlived it", leader);
    }
  return k->status;
}

void
occ_test_kamailio_dump (OccTestKamailio *k)
{
  g_autofree char *cfg = NULL, *log = NULL;
  if (g_file_get_contents (k->cfg, &cfg, NULL, NULL))
    g_test_message ("kamailio configuration (%s):\n%s", k->cfg, cfg);
  if (g_file_get_contents (k->log, &log, NULL, NULL))
    g_test_message ("kamailio log (%s):\n%s", k->log, log);
}

void
occ_test_kamailio_free (OccTestKamailio *k)
{
  if (k == NULL)
    return;
  occ_test_kamailio_stop (k);
  occ_test_rmtree (k->dir);
  g_free (k->dir);
  g_free (k->cfg);
  g_free (k->log);
  g_free (k->address);
  g_free (k);
}
