/* The agent registrar end to end: the real omniccd with access and sip,
 * and sipp registering on 127.0.0.1 with digest authentication. */
#include "peers.h"
#include "testlib.h"

#include <gio/gio.h>
#include <string.h>

typedef struct {
  OccTestDaemon *d;
  char *dir;
  int port;
} Site;

/* Runs sipp with the scenario @name (its @EXPECT@ set to @expect) as
 * @user with @password; the exit status (0: the scenario went through). */
static int
sipp (Site *s, const char *name, int expect, const char *user, const char *password,
      const char *expires, const char *touser)
{
  g_autofree char *src
      = g_strdup_printf ("%s/tests/plugins/sip/scenarios/%s.xml", SOURCE_ROOT, name);
  g_autofree char *text = occ_test_read (src);
  g_autofree char *code = g_strdup_printf ("%d", expect);
  g_auto (GStrv) parts = g_strsplit (text, "@EXPECT@", -1);
  g_autofree char *xml = g_strjoinv (code, parts);
  g_autofree char *file = g_strdup_printf ("%s-%d.xml", name, expect);
  occ_test_write (s->dir, file, xml);
  g_autofree char *path = g_build_filename (s->dir, file, NULL);
  g_autofree char *remote = g_strdup_printf ("127.0.0.1:%d", s->port);
  const char *argv[] = {
    "/usr/bin/sipp", remote, "-sf", path,     "-i",       "127.0.0.1", "-s",    user,
    "-au",           user,   "-ap", password, "-key",     "expires",   expires, "-key",
    "touser",        touser, "-m",  "1",      "-nostdin", "-timeout",  "15",    "-timeout_error",
    "-bind_local",   NULL
  };
  g_autofree char *out = NULL, *err = NULL;
  int rc = occ_test_run (argv, &out, &err);
  if (rc != 0)
    g_test_message ("sipp %s (expecting %d) exit %d:\n%s", name, expect, rc, out);
  return rc;
}

static void
site_start (Site *s, const char *sip_extra)
{
  s->dir = occ_test_mkdtemp ();
  s->port = occ_test_free_sip_port ();
  g_autofree char *conf = g_strdup_printf (
      "[core]\nplugin-path=%s\nstate-dir=state\ndata-dir=%s/share\npolicy-dir=%s/policies\n"
      "control-socket=control.sock\ncontrol-group=\ndrain-timeout=5\n[plugins]\n"
      "enabled=store-sqlite;records;audit;auth-local;access;eventlog;sip\n",
      PLUGIN_BUILD_DIR, SOURCE_ROOT, SOURCE_ROOT);
  occ_test_write (s->dir, "omnicc.conf", conf);
  g_autofree char *sipconf = g_strdup_printf ("[sip]\nlisten=sip:127.0.0.1:%d\nmin-expires=60\n%s",
                                              s->port, sip_extra ? sip_extra : "");
  occ_test_write (s->dir, "plugins.d/sip.conf", sipconf);
  occ_test_write (s->dir, "plugins.d/eventlog.conf", "[eventlog]\npattern=sip.*\n");
  occ_test_write (s->dir, "policies/passwords.conf",
                  "[passwords]\nargon2-opslimit=1\nargon2-memlimit-kib=1024\nmin-length=8\n");
  /* SIP credentials are checked against the account at every REGISTER */
  occ_test_write (s->dir, "policies/access.conf", "[sip]\nrecheck-seconds=0\n");
  s->d = occ_test_daemon_start_in (s->dir);
  g_assert_nonnull (s->d);
  /* an agent with a password sign-in (which derives the SIP HA1), and an
   * auditor, who may not register a phone */
  g_autofree char *a
      = occ_test_call (s->d, 0, "user.add", "login=awa", "password=Awa-pass-1234", NULL);
  g_autofree char *g = occ_test_call (s->d, 0, "user.grant", "login=awa", "role=agent", NULL);
  g_autofree char *o
      = occ_test_call (s->d, 0, "session.open", "login=Awa", "password=Awa-pass-1234", NULL);
  g_autofree char *a2
      = occ_test_call (s->d, 0, "user.add", "login=odile", "password=Odile-pass-1234", NULL);
  g_autofree char *o2
      = occ_test_call (s->d, 0, "session.open", "login=odile", "password=Odile-pass-1234", NULL);
}

static void
site_stop (Site *s)
{
  g_assert_cmpint (occ_test_daemon_stop (s->d, SIGTERM), ==, 0);
  occ_test_daemon_free (s->d);
  occ_test_rmtree (s->dir);
  g_free (s->dir);
}

static char *
events (Site *s)
{
  g_autofree char *path = g_build_filename (s->dir, "state", "events.jsonl", NULL);
  /* the event log flushes every second */
  g_usleep (1300 * 1000);
  char *text = NULL;
  g_file_get_contents (path, &text, NULL, NULL);
  return text ? text : g_strdup ("");
}

static void
test_register_and_unregister (void)
{
  Site s = { 0 };
  site_start (&s, NULL);
  g_assert_cmpint (sipp (&s, "register", 200, "awa", "Awa-pass-1234", "120", "awa@"), ==, 0);
  g_autofree char *regs = occ_test_call (s.d, 0, "sip.registrations", NULL);
  g_assert_nonnull (strstr (regs, "\"login\":\"awa\""));
  g_assert_nonnull (strstr (regs, "\"transport\":\"udp\""));
  g_assert_nonnull (strstr (regs, "\"user-agent\":\"sipp-test\""));
  g_autofree char *ev = events (&s);
  g_assert_nonnull (strstr (ev, "sip.endpoint.up"));
  /* the digest covers the user name as typed: phones use the login in
   * lower case, as the HA1 was derived (another case is refused) */
  g_assert_cmpint (sipp (&s, "register", 403, "AWA", "Awa-pass-1234", "120", "AWA@"), ==, 0);
  /* too brief: 423 */
  g_assert_cmpint (sipp (&s, "register", 423, "awa", "Awa-pass-1234", "10", "awa@"), ==, 0);
  /* Expires: 0 removes it */
  g_assert_cmpint (sipp (&s, "register", 200, "awa", "Awa-pass-1234", "0", "awa@"), ==, 0);
  g_autofree char *ev2 = events (&s);
  g_assert_nonnull (strstr (ev2, "sip.endpoint.down"));
  g_assert_nonnull (strstr (ev2, "unregistered"));
  site_stop (&s);
}

static void
test_refusals (void)
{
  Site s = { 0 };
  site_start (&s, "auth-failures=4\nauth-block=60\n");
  /* wrong password, unknown login, a role without phone.register */
  g_assert_cmpint (sipp (&s, "register", 403, "awa", "wrong-password", "120", "awa@"), ==, 0);
  g_assert_cmpint (sipp (&s, "register", 403, "nobody", "whatever", "120", "nobody@"), ==, 0);
  g_assert_cmpint (sipp (&s, "register", 403, "odile", "Odile-pass-1234", "120", "odile@"), ==, 0);
  g_autofree char *regs = occ_test_call (s.d, 0, "sip.registrations", NULL);
  g_assert_cmpstr (g_strstrip (regs), ==, "[]");
  /* a To without a user: 400, before any challenge */
  g_assert_cmpint (sipp (&s, "register-unauthenticated", 400, "awa", "x", "120", ""), ==, 0);
  /* a disabled account cannot register, even with its password */
  g_assert_cmpint (sipp (&s, "register", 200, "awa", "Awa-pass-1234", "120", "awa@"), ==, 0);
  g_autofree char *d = occ_test_call (s.d, 0, "user.disable", "login=awa", NULL);
  g_assert_cmpint (sipp (&s, "register", 403, "awa", "Awa-pass-1234", "120", "awa@"), ==, 0);
  /* the fourth failure from this address blocks it, right password or not */
  g_autofree char *e = occ_test_call (s.d, 0, "user.enable", "login=awa", NULL);
  g_assert_cmpint (sipp (&s, "register-unauthenticated", 403, "awa", "x", "120", "awa@"), ==, 0);
  g_autofree char *st = occ_test_call (s.d, 0, "sip.status", NULL);
  g_assert_nonnull (strstr (st, "\"registers-refused\":4"));
  site_stop (&s);
}

static void
test_garbage_keeps_serving (void)
{
  Site s = { 0 };
  site_start (&s, NULL);
  /* datagrams that are not SIP, half a message, an oversized one */
  g_autoptr (GSocket) u = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, 0, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) to = g_inet_socket_address_new (lo, s.port);
  const char *junk[]
      = { "\x00\x01\x02garbage", "REGISTER sip:x SIP/2.0\r\nVia: nonsense\r\n\r\n",
          "INVITE sip:a@b SIP/2.0\r\nContent-Length: 99999\r\n\r\nv=0", "SIP/2.0 200 OK\r\n\r\n" };
  for (guint i = 0; i < G_N_ELEMENTS (junk); i++)
    g_socket_send_to (u, to, junk[i], strlen (junk[i]) + (i == 0 ? 3 : 0), NULL, NULL);
  g_autofree char *big = g_strnfill (70000, 'A');
  g_socket_send_to (u, to, big, 60000, NULL, NULL);
  g_assert_cmpint (sipp (&s, "register", 200, "awa", "Awa-pass-1234", "120", "awa@"), ==, 0);
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
  g_test_add_func ("/sip/registrar/register-and-unregister", test_register_and_unregister);
  g_test_add_func ("/sip/registrar/refusals", test_refusals);
  g_test_add_func ("/sip/registrar/garbage-keeps-serving", test_garbage_keeps_serving);
  return g_test_run ();
}
