/* `omnicc run` (the quick start's first command): the demo site comes up
 * with its plugins, prints where to point a SIP phone, takes its first
 * backup at once (the run the schedule missed), and a second run keeps
 * the site, its key and its backups. SIP on a free port (the demo's
 * plugins.d/sip.conf is only copied when the site lacks it). */
#include "peers.h"
#include "sipp.h"
#include "testlib.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>

typedef struct {
  GSubprocess *proc;
  GString *out;
} Run;

/* Starts `omnicc run --state-dir @dir` and reads its output up to the
 * banner's last line. */
static void
run_start (Run *r, const char *dir)
{
  const char *argv[] = { OMNICC_CLI_PATH, "run", "--state-dir", dir, NULL };
  g_autoptr (GError) e = NULL;
  r->proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &e);
  g_assert_no_error (e);
  g_autoptr (GDataInputStream) in
      = g_data_input_stream_new (g_subprocess_get_stdout_pipe (r->proc));
  r->out = g_string_new (NULL);
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &e);
      g_assert_no_error (e);
      if (line == NULL)
        g_error ("omnicc run ended before its banner:\n%s", r->out->str);
      g_string_append_printf (r->out, "%s\n", line);
      if (strstr (line, "Stop with Ctrl-C."))
        break;
    }
}

static void
run_stop (Run *r)
{
  g_subprocess_send_signal (r->proc, SIGTERM);
  g_autoptr (GError) e = NULL;
  g_assert_true (g_subprocess_wait_check (r->proc, NULL, &e));
  g_assert_no_error (e);
  g_clear_object (&r->proc);
  g_string_free (r->out, TRUE);
}

static JsonNode *
cli_json (const char *sock, const char *word, const char *verb)
{
  const char *argv[] = { OMNICC_CLI_PATH, "--socket", sock, "--json", word, verb, NULL };
  g_autofree char *out = NULL, *err = NULL;
  int status = occ_test_run (argv, &out, &err);
  if (status != 0)
    g_error ("omnicc %s %s exited %d: %s", word, verb, status, err);
  g_auto (GStrv) lines = g_strsplit (g_strstrip (out), "\n", -1);
  return json_from_string (lines[g_strv_length (lines) - 1], NULL);
}

static guint
archives (const char *sock)
{
  g_autoptr (JsonNode) list = cli_json (sock, "backup", "list");
  return json_array_get_length (json_node_get_array (list));
}

typedef struct {
  const char *sock;
} Wait;

static gboolean
backup_done (gpointer data)
{
  const char *sock = ((Wait *) data)->sock;
  g_autoptr (JsonNode) st = cli_json (sock, "backup", "status");
  return archives (sock) == 1
         && strcmp (json_object_get_string_member (json_node_get_object (st), "state"), "idle")
                == 0;
}

static void
test_demo_runs_and_backs_up (void)
{
  g_autofree char *dir = occ_test_mkdtemp ();
  int port = occ_test_free_sip_port ();
  int trunk = occ_test_free_sip_port ();
  g_autofree char *sip = g_strdup_printf (
      "[sip]\nlisten=sip:127.0.0.1:%d\n[trunk demo]\naddress=127.0.0.1:%d\n"
      "inbound-from=127.0.0.1\noptions-interval=0\n"
      "[route demo]\nnumbers=1000\nagents=agent1\n[route demo-queue]\nnumbers=1001\nqueue=demo\n"
      "[route demo-ivr]\nnumbers=1002\nivr=demo\n",
      port, trunk);
  occ_test_write (dir, "plugins.d/sip.conf", sip);
  g_autofree char *sock = g_build_filename (dir, "control.sock", NULL);

  Run r = { 0 };
  run_start (&r, dir);
  /* where to point a phone, and the backups */
  g_assert_nonnull (strstr (r.out->str, "register as agent1"));
  g_assert_nonnull (strstr (r.out->str, "backups:"));
  g_assert_nonnull (strstr (r.out->str, "backup.key"));
  Wait w = { sock };
  g_assert_true (occ_test_poll_until (backup_done, &w, 120000));
  g_autoptr (JsonNode) list = cli_json (sock, "backup", "list");
  JsonObject *first = json_array_get_object_element (json_node_get_array (list), 0);
  g_assert_cmpstr (json_object_get_string_member (first, "kind"), ==, "full");
  g_autofree char *first_id = g_strdup (json_object_get_string_member (first, "id"));
  g_autoptr (JsonNode) verified = cli_json (sock, "backup", "verify");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (verified), "failed"), ==, 0);
  /* the demo IVR: a caller presses 1 and hears the balance that the
   * fake billing service (in the omnicc run process) gave the HTTP node */
  g_assert_nonnull (strstr (r.out->str, "sip:1002@"));
  if (occ_test_sipp_installed ())
    {
      g_autofree char *daemon = g_strdup_printf ("127.0.0.1:%d", port);
      OccTestSippConfig c = { .scenario = "uac-dtmf",
                              .remote = daemon,
                              .service = "1002",
                              .caller = "+2250700000001",
                              .calls = 1,
                              .timeout_s = 60,
                              .rtp_meter = TRUE,
                              .dtmf = "1000:1",
                              .hangup_after_ms = 8000 };
      g_assert_cmpint (occ_test_sipp_run (&c, 60000), ==, 0);
      g_autofree char *events_path = g_build_filename (dir, "data", "events.jsonl", NULL);
      g_autofree char *events = NULL;
      for (guint i = 0; i < 50; i++)
        {
          g_clear_pointer (&events, g_free);
          if (g_file_get_contents (events_path, &events, NULL, NULL)
              && strstr (events, "\"ivr.ended\""))
            break;
          g_usleep (100000);
        }
      g_assert_nonnull (events);
      g_assert_nonnull (strstr (events, "\"balance-is\""));
      g_assert_nonnull (strstr (events, "\"value\":\"12.50\""));
    }
  g_autofree char *key_path = g_build_filename (dir, "backup.key", NULL);
  g_autofree char *key = NULL;
  gsize key_len = 0;
  g_assert_true (g_file_get_contents (key_path, &key, &key_len, NULL));
  g_assert_cmpuint (key_len, ==, 32);
  GStatBuf st;
  g_assert_cmpint (g_stat (key_path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0600);
  run_stop (&r);

  /* a second run: the same site, the same key, nothing due again */
  run_start (&r, dir);
  g_autofree char *key2 = NULL;
  g_assert_true (g_file_get_contents (key_path, &key2, NULL, NULL));
  g_assert_true (memcmp (key, key2, 32) == 0);
  g_assert_true (occ_test_poll_until (backup_done, &w, 120000));
  g_autoptr (JsonNode) again = cli_json (sock, "backup", "list");
  JsonObject *only = json_array_get_object_element (json_node_get_array (again), 0);
  g_assert_cmpstr (json_object_get_string_member (only, "id"), ==, first_id);
  run_stop (&r);
  occ_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/demo/run/comes-up-prints-phone-and-backs-up", test_demo_runs_and_backs_up);
  return g_test_run ();
}
