/* sipp as a SIP peer in tests; see sipp.h. */
#include "sipp.h"

#include "peers.h"
#include "testlib.h"
#include "dtmf.h"
#include "tone.h"

#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SIPP "/usr/bin/sipp"
#define SCENARIO_DIR SOURCE_ROOT "/tests/lib/sipp"
#define TONE_MS 20000
#define HANGUP_AFTER_MS 30000

/* Names that are another scenario under a name a test reads better with. */
static const char *const aliases[][2] = {
  { "uac-caller-hangs-up", "uac" },
};

/* The scenario file of @name (transfer full), NULL if there is none. */
static char *
find_scenario (const char *name)
{
  if (strchr (name, '/') != NULL || g_str_has_suffix (name, ".xml"))
    return g_file_test (name, G_FILE_TEST_IS_REGULAR) ? g_strdup (name) : NULL;
  for (guint i = 0; i < G_N_ELEMENTS (aliases); i++)
    if (strcmp (name, aliases[i][0]) == 0)
      name = aliases[i][1];
  char *path = g_strdup_printf ("%s/%s.xml", SCENARIO_DIR, name);
  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return path;
  g_free (path);
  return NULL;
}

typedef struct {
  OccTestSipp *s;
  int type;
} Ready;

static gboolean
listening_or_gone (gpointer data)
{
  Ready *r = data;
  return occ_test_port_taken (r->s->port, r->type) || !occ_test_process_alive (r->s->pid);
}

static void
add (GPtrArray *argv, const char *arg)
{
  g_ptr_array_add (argv, g_strdup (arg));
}

static void
add_key (GPtrArray *argv, const char *name, const char *value)
{
  add (argv, "-key");
  add (argv, name);
  add (argv, value);
}

static void
add_number (GPtrArray *argv, const char *option, guint value)
{
  add (argv, option);
  g_ptr_array_add (argv, g_strdup_printf ("%u", value));
}

static GPtrArray *
command_line (OccTestSipp *s, const OccTestSippConfig *c, gboolean play)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  const char *service = c->service ? c->service : "service";
  add (argv, SIPP);
  if (c->remote)
    add (argv, c->remote);
  add (argv, "-sf");
  add (argv, s->scenario);
  add (argv, "-i");
  add (argv, "127.0.0.1");
  add (argv, "-mi");
  add (argv, "127.0.0.1");
  add_number (argv, "-p", (guint) s->port);
  add_number (argv, "-mp", (guint) s->media_port);
  add (argv, "-t");
  add (argv, c->transport ? c->transport : "u1");
  add (argv, "-nostdin");
  /* in-dialog INFO, NOTIFY, OPTIONS and UPDATE no scenario expects */
  add (argv, "-aa");
  add (argv, "-s");
  add (argv, service);
  add (argv, "-au");
  add (argv, c->auth_user ? c->auth_user : service);
  add (argv, "-ap");
  add (argv, c->auth_password ? c->auth_password : "password");
  add_number (argv, "-d", c->pause_ms ? c->pause_ms : 1000);
  add_number (argv, "-r", c->rate ? c->rate : 10);
  if (c->limit)
    add_number (argv, "-l", c->limit);
  if (c->calls)
    add_number (argv, "-m", c->calls);
  add (argv, "-timeout");
  g_ptr_array_add (argv, g_strdup_printf ("%us", c->timeout_s ? c->timeout_s : 60));
  add (argv, "-timeout_error");
  if (c->rtp_echo)
    add (argv, "-rtp_echo");
  if (c->dtmf)
    /* "uac-dtmf" waits for the far end's BYE this long, then sends its own */
    add_number (argv, "-recv_timeout", c->hangup_after_ms ? c->hangup_after_ms : HANGUP_AFTER_MS);
  if (play)
    {
      add (argv, "-set");
      add (argv, "play");
      add (argv, "1");
    }
  g_autofree char *sdp_port = g_strdup_printf ("%d", s->sdp_port);
  g_autofree char *expires = g_strdup_printf ("%u", c->expires ? c->expires : 3600);
  add_key (argv, "caller", c->caller ? c->caller : "sipp");
  add_key (argv, "sdp_port", sdp_port);
  add_key (argv, "refer_to", c->refer_to ? c->refer_to : "sip:transfer@127.0.0.1");
  add_key (argv, "auth_user", c->auth_user ? c->auth_user : service);
  add_key (argv, "auth_password", c->auth_password ? c->auth_password : "password");
  add_key (argv, "expires", expires);
  /* the SDP of "uac-dtmf": telephone-event for RFC 4733, or PCMU alone */
  gboolean inband = c->dtmf_mode == OCC_TEST_DTMF_INBAND;
  add_key (argv, "dtmf_formats", inband ? "0" : "0 101");
  add_key (argv, "dtmf_rtpmap",
           inband ? "a=x-omnicc-dtmf:in-band" : "a=rtpmap:101 telephone-event/8000");
  for (guint i = 0; c->keys && c->keys[i] && c->keys[i + 1]; i += 2)
    add_key (argv, c->keys[i], c->keys[i + 1]);
  const char *traces[][3] = {
    { "-trace_stat", "-stf", s->stats },
    { "-trace_err", "-error_file", s->errors },
    { "-trace_msg", "-message_file", s->messages },
  };
  for (guint i = 0; i < G_N_ELEMENTS (traces); i++)
    for (guint j = 0; j < 3; j++)
      add (argv, traces[i][j]);
  add_number (argv, "-fd", 1);
  for (guint i = 0; c->args && c->args[i]; i++)
    add (argv, c->args[i]);
  g_ptr_array_add (argv, NULL);
  return argv;
}

/* Puts the scenario in dir/data beside tone.pcap and dtmf.pcap (where
 * sipp looks for a pcap first); a scenario of the caller's stays where it
 * is, and sipp then finds the pcaps in its working folder. Returns whether
 * the scenario can play them. */
static gboolean
prepare_files (OccTestSipp *s, const OccTestSippConfig *c, const char *source)
{
  const char *name = c->scenario;
  g_autofree char *data = g_build_filename (s->dir, "data", NULL);
  g_assert_cmpint (g_mkdir_with_parents (data, 0700), ==, 0);
  g_autofree char *xml = occ_test_read (source);
  if (strchr (name, '/') == NULL && !g_str_has_suffix (name, ".xml"))
    {
      g_autofree char *file = g_strdup_printf ("%s.xml", name);
      occ_test_write (data, file, xml);
      s->scenario = g_build_filename (data, file, NULL);
    }
  else
    s->scenario = g_strdup (source);
  g_autofree char *pcap = g_build_filename (data, "tone.pcap", NULL);
  g_autoptr (GError) e = NULL;
  occ_test_tone_write_pcap (pcap, c->tone_hz ? c->tone_hz : 440, TONE_MS, &e);
  g_assert_no_error (e);
  if (c->dtmf)
    {
      g_autofree char *keys = g_build_filename (data, "dtmf.pcap", NULL);
      occ_test_dtmf_write_pcap (keys, c->dtmf, c->dtmf_mode, &e);
      g_assert_no_error (e);
    }
  /* keys need a scenario that plays them ("uac-dtmf") */
  return strstr (xml, "variables=\"play\"") != NULL
         && (c->dtmf == NULL || strstr (xml, "dtmf.pcap") != NULL);
}

OccTestSipp *
occ_test_sipp_start (const OccTestSippConfig *c)
{
  g_return_val_if_fail (c != NULL && c->scenario != NULL, NULL);
  if (!g_file_test (SIPP, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_message ("sipp is not installed (Debian: sip-tester)");
      return NULL;
    }
  g_autofree char *source = find_scenario (c->scenario);
  if (source == NULL)
    {
      g_test_message ("no sipp scenario %s (built-in ones are in %s)", c->scenario, SCENARIO_DIR);
      return NULL;
    }
  OccTestSipp *s = g_new0 (OccTestSipp, 1);
  s->status = -1;
  s->dir = occ_test_mkdtemp ();
  s->log = g_build_filename (s->dir, "data", "sipp.log", NULL);
  s->stats = g_build_filename (s->dir, "data", "stats.csv", NULL);
  s->errors = g_build_filename (s->dir, "data", "errors.log", NULL);
  s->messages = g_build_filename (s->dir, "data", "messages.log", NULL);
  gboolean can_play = prepare_files (s, c, source);
  if ((c->tone_hz || c->dtmf) && !can_play)
    g_test_message ("sipp scenario %s plays nothing (no global variable \"play\", or no "
                    "dtmf.pcap for .dtmf)",
                    c->scenario);
  s->port = c->port ? c->port : occ_test_free_sip_port ();
  s->address = g_strdup_printf ("127.0.0.1:%d", s->port);
  s->uri = g_strdup_printf ("sip:%s@127.0.0.1:%d", c->service ? c->service : "service", s->port);
  s->media_port = occ_test_free_udp_ports (4);
  s->sdp_port = s->media_port;
  if (c->rtp_meter)
    {
      s->meter = occ_test_rtp_meter_new (c->meter_echo);
      s->sdp_port = occ_test_rtp_meter_port (s->meter);
    }
  g_autoptr (GPtrArray) argv = command_line (s, c, (c->tone_hz || c->dtmf) && can_play);
  g_autofree char *cwd = g_build_filename (s->dir, "data", NULL);
  g_autoptr (GError) e = NULL;
  s->pid = occ_test_spawn ((const char *const *) argv->pdata, cwd, s->log, &e);
  g_assert_no_error (e);
  gboolean tcp = c->transport && c->transport[0] == 't';
  Ready r = { s, tcp ? SOCK_STREAM : SOCK_DGRAM };
  if (!occ_test_poll_until (listening_or_gone, &r, 5000) || !occ_test_process_alive (s->pid))
    {
      /* a caller may be done already; anything else did not start */
      int status = occ_test_sipp_wait (s, 1000);
      if (status != 0 && status != 1)
        {
          g_test_message ("sipp %s did not start (exit status %d)", c->scenario, status);
          occ_test_sipp_dump (s);
          occ_test_sipp_free (s);
          return NULL;
        }
    }
  return s;
}

/* Shows the first @max bytes of @path, if it has any. */
static void
show (const char *what, const char *path, gsize max)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &text, &len, NULL) || len == 0)
    return;
  if (len > max)
    text[max] = '\0';
  g_test_message ("sipp %s (%s)%s:\n%s", what, path, len > max ? ", first part" : "", text);
}

void
occ_test_sipp_dump (OccTestSipp *s)
{
  show ("errors", s->errors, 4000);
  show ("output", s->log, 4000);
  show ("messages", s->messages, 16000);
}

gboolean
occ_test_sipp_installed (void)
{
  if (g_file_test (SIPP, G_FILE_TEST_IS_EXECUTABLE))
    return TRUE;
  g_test_skip ("sipp (package sip-tester) is not installed");
  return FALSE;
}

int
occ_test_sipp_wait (OccTestSipp *s, guint timeout_ms)
{
  if (s->pid == 0)
    return s->status;
  int wait_status = 0;
  if (!occ_test_process_wait (s->pid, timeout_ms, &wait_status))
    return -1;
  s->pid = 0;
  s->status = occ_test_exit_code (wait_status);
  if (s->status != 0)
    show ("errors", s->errors, 4000);
  return s->status;
}

int
occ_test_sipp_run (const OccTestSippConfig *config, guint timeout_ms)
{
  g_autoptr (OccTestSipp) s = occ_test_sipp_start (config);
  return s ? occ_test_sipp_wait (s, timeout_ms) : -1;
}

int
occ_test_sipp_register (const char *remote, const char *user, const char *password, int port,
                        guint expires)
{
  OccTestSippConfig reg = { .scenario = "register",
                            .remote = remote,
                            .port = port,
                            .service = user,
                            .auth_password = password,
                            .expires = expires,
                            .calls = 1,
                            .timeout_s = 20 };
  return occ_test_sipp_run (&reg, 20000);
}

/* The field of the last line of a CSV @text under @column. */
static gboolean
csv_field (char **lines, const char *column, guint *value)
{
  g_auto (GStrv) names = g_strsplit (lines[0], ";", -1);
  guint last = g_strv_length (lines);
  while (last > 1 && lines[last - 1][0] == '\0')
    last--;
  if (last < 2)
    return FALSE;
  g_auto (GStrv) values = g_strsplit (lines[last - 1], ";", -1);
  for (guint i = 0; names[i] && values[i]; i++)
    if (strcmp (names[i], column) == 0)
      {
        *value = (guint) g_ascii_strtoull (values[i], NULL, 10);
        return TRUE;
      }
  return FALSE;
}

gboolean
occ_test_sipp_counts (OccTestSipp *s, guint *successful, guint *failed)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents (s->stats, &text, NULL, NULL))
    return FALSE;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint ok = 0, bad = 0;
  if (!csv_field (lines, "SuccessfulCall(C)", &ok) || !csv_field (lines, "FailedCall(C)", &bad))
    return FALSE;
  if (successful)
    *successful = ok;
  if (failed)
    *failed = bad;
  return TRUE;
}

typedef struct {
  OccTestSipp *s;
  guint calls;
} Calls;

static gboolean
calls_ended (gpointer data)
{
  Calls *c = data;
  guint ok = 0, bad = 0;
  return occ_test_sipp_counts (c->s, &ok, &bad) && ok + bad >= c->calls;
}

gboolean
occ_test_sipp_wait_calls (OccTestSipp *s, guint calls, guint timeout_ms)
{
  Calls c = { s, calls };
  return occ_test_poll_until (calls_ended, &c, timeout_ms);
}

int
occ_test_sipp_stop (OccTestSipp *s)
{
  if (s->pid != 0)
    {
      int wait_status = occ_test_process_stop (s->pid, SIGUSR1, 3000);
      s->pid = 0;
      s->status = occ_test_exit_code (wait_status);
    }
  return s->status;
}

void
occ_test_sipp_free (OccTestSipp *s)
{
  if (s == NULL)
    return;
  occ_test_sipp_stop (s);
  occ_test_rtp_meter_free (s->meter);
  occ_test_rmtree (s->dir);
  g_free (s->dir);
  g_free (s->scenario);
  g_free (s->address);
  g_free (s->uri);
  g_free (s->log);
  g_free (s->stats);
  g_free (s->errors);
  g_free (s->messages);
  g_free (s);
}
