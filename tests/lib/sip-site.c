/* A contact-center site for SIP tests; see sip-site.h. */
#include "sip-site.h"

#include "peers.h"

#include <signal.h>

static void
add_agent (OccTestSipSite *s, const char *login)
{
  g_autofree char *who = g_strdup_printf ("login=%s", login);
  g_autofree char *pass = g_strdup_printf ("password=%s-Pass-1234", login);
  g_autofree char *a = occ_test_call (s->d, 0, "user.add", who, pass, NULL);
  g_autofree char *role = occ_test_call (s->d, 0, "user.grant", who, "role=agent", NULL);
  g_autofree char *o = occ_test_call (s->d, 0, "session.open", who, pass, NULL);
}

void
occ_test_sip_site_start (OccTestSipSite *s, const char *sip_extra, const char *trunk_extra,
                         const char *more)
{
  occ_test_sip_site_start_with (s, NULL, NULL, sip_extra, trunk_extra, more);
}

void
occ_test_sip_site_start_with (OccTestSipSite *s, const char *plugins, const char *const *files,
                              const char *sip_extra, const char *trunk_extra, const char *more)
{
  s->dir = occ_test_mkdtemp ();
  s->port = occ_test_free_sip_port ();
  if (s->trunk_port == 0) /* (a test may choose it, to start a peer there first) */
    s->trunk_port = occ_test_free_sip_port ();
  s->sip = g_strdup_printf ("127.0.0.1:%d", s->port);
  g_autofree char *conf = g_strdup_printf (
      "[core]\nplugin-path=%s%s%s\nstate-dir=state\ndata-dir=%s/share\npolicy-dir=%s/policies\n"
      "control-socket=control.sock\ncontrol-group=\ndrain-timeout=5\n[plugins]\n"
      "enabled=store-sqlite;records;audit;auth-local;access;eventlog;media;sip%s%s\n",
      PLUGIN_BUILD_DIR, s->plugin_dir ? ";" : "", s->plugin_dir ? s->plugin_dir : "", SOURCE_ROOT,
      SOURCE_ROOT, plugins ? ";" : "", plugins ? plugins : "");
  occ_test_write (s->dir, "omnicc.conf", conf);
  for (guint i = 0; files && files[i] && files[i + 1]; i += 2)
    occ_test_write (s->dir, files[i], files[i + 1]);
  /* packets of a payload type not negotiated are dropped: PCMU first;
   * sipp phones take only their scenario: no keep-alive pings */
  g_autofree char *sipconf = g_strdup_printf ("[sip]\nlisten=sip:127.0.0.1:%d\nagent-srtp=off\n"
                                              "keepalive-interval=0\n%s\n"
                                              "[trunk operator]\naddress=127.0.0.1:%d\n"
                                              "options-interval=1\ncodecs=PCMU;PCMA\n%s\n"
                                              "[route sales]\nnumbers=1000;+22520*\n"
                                              "agents=awa;bob\nring-timeout=3\n%s",
                                              s->port, sip_extra ? sip_extra : "", s->trunk_port,
                                              trunk_extra ? trunk_extra : "", more ? more : "");
  occ_test_write (s->dir, "plugins.d/sip.conf", sipconf);
  occ_test_write (s->dir, "plugins.d/media.conf", "[media]\naddress=127.0.0.1\n");
  occ_test_write (s->dir, "plugins.d/eventlog.conf", "[eventlog]\npattern=*\n");
  occ_test_write (s->dir, "policies/passwords.conf",
                  "[passwords]\nargon2-opslimit=1\nargon2-memlimit-kib=1024\nmin-length=8\n");
  s->d = occ_test_daemon_start_in (s->dir);
  g_assert_nonnull (s->d);
  add_agent (s, "awa");
  add_agent (s, "bob");
}

void
occ_test_sip_site_stop (OccTestSipSite *s)
{
  g_assert_cmpint (occ_test_daemon_stop (s->d, SIGTERM), ==, 0);
  occ_test_daemon_free (s->d);
  occ_test_rmtree (s->dir);
  g_free (s->dir);
  g_free (s->sip);
}

int
occ_test_sip_site_register (OccTestSipSite *s, const char *login)
{
  int port = occ_test_free_sip_port ();
  g_autofree char *pass = g_strdup_printf ("%s-Pass-1234", login);
  OccTestSippConfig reg = { .scenario = "register",
                            .remote = s->sip,
                            .port = port,
                            .service = login,
                            .auth_password = pass,
                            .expires = 600,
                            .calls = 1 };
  g_assert_cmpint (occ_test_sipp_run (&reg, 20000), ==, 0);
  return port;
}

OccTestSipp *
occ_test_sip_site_phone (OccTestSipSite *s, const char *login, const char *scenario, gboolean meter)
{
  int port = occ_test_sip_site_register (s, login);
  OccTestSippConfig ans = { .scenario = scenario,
                            .port = port,
                            .service = login,
                            .calls = 1,
                            .rtp_meter = meter,
                            .pause_ms = 1500 };
  OccTestSipp *p = occ_test_sipp_start (&ans);
  g_assert_nonnull (p);
  return p;
}

JsonObject *
occ_test_sip_site_agent (OccTestSipSite *s, const char *login)
{
  g_autofree char *out = occ_test_call (s->d, 0, "agent.status", NULL);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_data (p, out, -1, NULL));
  JsonArray *all = json_node_get_array (json_parser_get_root (p));
  for (guint i = 0; i < json_array_get_length (all); i++)
    {
      JsonObject *o = json_array_get_object_element (all, i);
      if (g_strcmp0 (json_object_get_string_member (o, "login"), login) == 0)
        return json_object_ref (o);
    }
  return NULL;
}

char *
occ_test_sip_site_events (OccTestSipSite *s)
{
  g_autofree char *path = g_build_filename (s->dir, "state", "events.jsonl", NULL);
  g_usleep (1300 * 1000);
  char *text = NULL;
  g_file_get_contents (path, &text, NULL, NULL);
  return text ? text : g_strdup ("");
}
