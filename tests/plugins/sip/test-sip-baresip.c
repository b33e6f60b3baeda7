/* What a new user does with `omnicc run`: a real softphone (baresip)
 * registers as the demo agent, a second baresip calls the demo number,
 * the agent's phone answers, and each side hears the other's tone through
 * the media the daemon anchors. Then the same for an agent working from
 * home: TLS signalling and SRTP media. */
#include "baresip.h"
#include "ldap-peer.h"
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

typedef struct {
  char *dir;
  int port;      /* SIP over UDP and TCP; TLS on port + 1 */
  OccTestCa *ca; /* signed the daemon's TLS certificate */
  OccTestDaemon *d;
} Site;

/* The demo site's plugins and its sip.conf on a free port, with @extra
 * lines for [sip]; agent1 exists and may sign in. */
static void
site_start (Site *s, gboolean tls, const char *extra)
{
  s->dir = occ_test_mkdtemp ();
  s->port = occ_test_free_sip_ports ();
  g_autofree char *conf = g_strdup_printf (
      "[core]\nplugin-path=%s\nstate-dir=state\ndata-dir=%s/share\npolicy-dir=%s/policies\n"
      "control-socket=control.sock\ncontrol-group=\ndrain-timeout=5\n[plugins]\n"
      "enabled=store-sqlite;records;audit;auth-local;access;media;sip;eventlog\n",
      PLUGIN_BUILD_DIR, SOURCE_ROOT, SOURCE_ROOT);
  occ_test_write (s->dir, "omnicc.conf", conf);
  g_autofree char *demo
      = g_strdup_printf ("%s/share/examples/demo/plugins.d/sip.conf", SOURCE_ROOT);
  g_autofree char *demo_text = occ_test_read (demo);
  /* the demo's own agent-srtp goes: @extra may set it */
  g_auto (GStrv) without = g_strsplit (demo_text, "agent-srtp=optional\n", 2);
  g_assert_cmpuint (g_strv_length (without), ==, 2);
  g_autofree char *text = g_strjoinv ("", without);
  GString *listen = g_string_new (NULL);
  g_string_printf (listen, "listen=sip:127.0.0.1:%d\n%s", s->port, extra ? extra : "");
  if (tls)
    {
      /* sofia-sip reads agent.pem (key and certificate) and cafile.pem */
      s->ca = occ_test_ca_new ("omnicc test CA");
      g_assert_nonnull (s->ca);
      g_autofree char *tls_dir = g_build_filename (s->dir, "tls", NULL);
      g_assert_cmpint (g_mkdir_with_parents (tls_dir, 0700), ==, 0);
      g_autofree char *cert = NULL, *key = NULL;
      g_assert_true (occ_test_ca_issue (s->ca, tls_dir, &cert, &key));
      g_autofree char *k = occ_test_read (key), *c = occ_test_read (cert);
      g_autofree char *agent_pem = g_strconcat (k, c, NULL);
      occ_test_write (tls_dir, "agent.pem", agent_pem);
      g_autofree char *ca_pem = occ_test_read (s->ca->cert);
      occ_test_write (tls_dir, "cafile.pem", ca_pem);
      g_string_append_printf (listen, "\nlisten-tls=sips:127.0.0.1:%d\ntls-dir=%s\n", s->port + 1,
                              tls_dir);
    }
  g_auto (GStrv) parts = g_strsplit (text, "listen=sip:127.0.0.1:5060", 2);
  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  g_autofree char *sipconf = g_strjoin (listen->str, parts[0], parts[1], NULL);
  g_string_free (listen, TRUE);
  occ_test_write (s->dir, "plugins.d/sip.conf", sipconf);
  occ_test_write (s->dir, "plugins.d/media.conf", "[media]\naddress=127.0.0.1\n");
  occ_test_write (s->dir, "policies/passwords.conf",
                  "[passwords]\nargon2-opslimit=1\nargon2-memlimit-kib=1024\nmin-length=8\n");
  s->d = occ_test_daemon_start_in (s->dir);
  g_assert_nonnull (s->d);
  g_autofree char *a = cli (s->d, "user", "add", "login=agent1", "password=Agent1-pass-99", NULL);
  g_autofree char *g = cli (s->d, "user", "grant", "login=agent1", "role=agent", NULL);
  g_autofree char *o
      = cli (s->d, "call", "session.open", "login=agent1", "password=Agent1-pass-99", NULL);
}

static void
site_stop (Site *s)
{
  g_assert_cmpint (occ_test_daemon_stop (s->d, SIGTERM), ==, 0);
  occ_test_daemon_free (s->d);
  g_clear_pointer (&s->ca, occ_test_ca_free);
  occ_test_rmtree (s->dir);
  g_free (s->dir);
}

/* agent1's phone, registered over @transport, answering by itself. */
static OccTestBaresip *
agent_phone (Site *s, const char *transport, const char *mediaenc)
{
  gboolean tls = g_strcmp0 (transport, "tls") == 0;
  g_autofree char *registrar = g_strdup_printf ("127.0.0.1:%d", s->port + (tls ? 1 : 0));
  OccTestBaresipConfig agent_conf = { .user = "agent1",
                                      .registrar = registrar,
                                      .password = "Agent1-pass-99",
                                      .transport = transport,
                                      .cafile = s->ca ? s->ca->cert : NULL,
                                      .mediaenc = mediaenc,
                                      .auto_answer = TRUE,
                                      .tone_hz = 440 };
  OccTestBaresip *agent = occ_test_baresip_start (&agent_conf);
  g_assert_nonnull (agent);
  g_assert_true (occ_test_baresip_wait_registered (agent, 10000));
  g_autofree char *regs = cli (s->d, "sip", "registrations", NULL);
  g_test_message ("registrations: %s", regs);
  g_assert_nonnull (strstr (regs, "\"login\":\"agent1\""));
  g_autofree char *t = g_strdup_printf ("\"transport\":\"%s\"", transport);
  g_assert_nonnull (strstr (regs, t));
  return agent;
}

/* A second baresip calls the demo number over plain UDP (the trunk) and
 * talks to @agent for 3 s; each side must hear the other's tone. What
 * `omnicc sip calls` said of the connected call goes to @calls. */
/* A baresip that sends 1000 Hz has dialled the demo number. */
static OccTestBaresip *
caller_dials (Site *s)
{
  OccTestBaresipConfig caller_conf = { .user = "caller", .tone_hz = 1000 };
  OccTestBaresip *caller = occ_test_baresip_start (&caller_conf);
  g_assert_nonnull (caller);
  g_autofree char *number = g_strdup_printf ("sip:1000@127.0.0.1:%d", s->port);
  g_assert_true (occ_test_baresip_dial (caller, number));
  return caller;
}

static void
talk (Site *s, OccTestBaresip *agent, char **calls)
{
  OccTestBaresip *caller = caller_dials (s);
  g_autoptr (JsonObject) up = occ_test_baresip_wait_event (caller, "CALL_ESTABLISHED", 15000);
  g_assert_nonnull (up);
  occ_test_spin (3000);
  *calls = cli (s->d, "sip", "calls", NULL);
  g_assert_nonnull (strstr (*calls, "\"state\":\"connected\""));
  g_assert_true (occ_test_baresip_hangup (caller));
  g_autoptr (JsonObject) closed = occ_test_baresip_wait_event (agent, "CALL_CLOSED", 10000);
  g_assert_nonnull (closed);
  occ_test_spin (500);
  double agent_heard = occ_test_baresip_heard_tone_seconds (agent, 1000);
  double caller_heard = occ_test_baresip_heard_tone_seconds (caller, 440);
  g_test_message ("the agent heard the caller's 1000 Hz for %.1f s, the caller the agent's "
                  "440 Hz for %.1f s",
                  agent_heard, caller_heard);
  g_assert_cmpfloat (agent_heard, >=, 1.5);
  g_assert_cmpfloat (caller_heard, >=, 1.5);
  occ_test_baresip_free (caller);
}

static void
test_agent_phone_answers_a_caller (void)
{
  Site s = { 0 };
  site_start (&s, FALSE, NULL);
  OccTestBaresip *agent = agent_phone (&s, "udp", NULL);
  g_autofree char *calls = NULL;
  talk (&s, agent, &calls);
  occ_test_baresip_free (agent);
  site_stop (&s);
}

/* An agent working from home: signalling over TLS (the daemon's
 * certificate checked against the site's CA) and SRTP required on the
 * agents' legs; the caller's trunk leg stays plain RTP. */
static void
test_agent_over_tls_with_srtp (void)
{
  Site s = { 0 };
  site_start (&s, TRUE, "agent-srtp=required\n");
  OccTestBaresip *agent = agent_phone (&s, "tls", "srtp-mand");
  g_autofree char *calls = NULL;
  talk (&s, agent, &calls);
  g_test_message ("calls: %s", calls);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_data (p, calls, -1, NULL));
  JsonArray *list = json_node_get_array (json_parser_get_root (p));
  g_assert_cmpuint (json_array_get_length (list), ==, 1);
  JsonObject *call = json_array_get_object_element (list, 0);
  JsonObject *agent_media = json_object_get_object_member (call, "agent-media");
  JsonObject *trunk_media = json_object_get_object_member (call, "trunk-media");
  g_assert_true (json_object_get_boolean_member (agent_media, "srtp"));
  g_assert_false (json_object_get_boolean_member (trunk_media, "srtp"));
  g_assert_cmpint (json_object_get_int_member (agent_media, "packets-received"), >, 100);
  occ_test_baresip_free (agent);
  site_stop (&s);
}

/* SRTP required: a phone that offers only plain RTP is not rung into a
 * call it cannot secure; the caller hears that nobody is available. */
static void
test_plain_phone_refused_when_srtp_required (void)
{
  Site s = { 0 };
  site_start (&s, TRUE, "agent-srtp=required\n");
  OccTestBaresip *agent = agent_phone (&s, "tls", NULL);
  OccTestBaresip *caller = caller_dials (&s);
  g_autoptr (JsonObject) closed = occ_test_baresip_wait_event (caller, "CALL_CLOSED", 15000);
  g_assert_nonnull (closed);
  const char *why = json_object_get_string_member_with_default (closed, "param", "");
  g_test_message ("the caller's call closed: %s", why);
  g_assert_nonnull (strstr (why, "480"));
  g_assert_null (occ_test_baresip_wait_event (agent, "CALL_ESTABLISHED", 100));
  occ_test_baresip_free (caller);
  occ_test_baresip_free (agent);
  site_stop (&s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!occ_test_baresip_installed ())
    return 0;
  g_test_add_func ("/sip/baresip/agent-phone-answers-a-caller", test_agent_phone_answers_a_caller);
  g_test_add_func ("/sip/baresip/agent-over-tls-with-srtp", test_agent_over_tls_with_srtp);
  g_test_add_func ("/sip/baresip/plain-phone-refused-when-srtp-required",
                   test_plain_phone_refused_when_srtp_required);
  return g_test_run ();
}
