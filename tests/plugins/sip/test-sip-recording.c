/* Calls recorded by queue policy, end to end: the real omniccd with
 * store-sqlite, records, media, sip, acd; a trunk caller played by sipp
 * sending a 1000 Hz tone to a queue, answered by a baresip agent phone
 * sending 440 Hz. The queue "recorded" says record=true, "plain" does not.
 * The file is read back channel by channel; its row and the interaction's
 * are read through records.*; pause and resume leave silence; the
 * retention sweep deletes what expired. */
#include "baresip.h"
#include "sip-site.h"
#include "sipp.h"
#include "testlib.h"
#include "tone.h"

#include <string.h>

#define CALLER_HZ 1000
#define AGENT_HZ 440
#define RETENTION_DAYS 30

static const char acd_conf[] = "[queue recorded]\nstrategy=fifo-priority\nrecord=true\n"
                               "record-retention-days=30\n"
                               "[queue plain]\nstrategy=fifo-priority\n"
                               "[agent awa]\nqueues=recorded;plain\n";

typedef struct {
  OccTestSipSite s;
  OccTestBaresip *agent;
} Site;

static void
site_start (Site *t)
{
  const char *const files[] = { "plugins.d/acd.conf", acd_conf, NULL };
  occ_test_sip_site_start_with (&t->s, "acd;acd-fifo-priority", files, NULL, NULL,
                                "[route recorded]\nnumbers=2000\nqueue=recorded\n"
                                "[route plain]\nnumbers=2001\nqueue=plain\n");
  OccTestBaresipConfig conf = { .user = "awa",
                                .registrar = t->s.sip,
                                .password = "awa-Pass-1234",
                                .auto_answer = TRUE,
                                .tone_hz = AGENT_HZ };
  t->agent = occ_test_baresip_start (&conf);
  g_assert_nonnull (t->agent);
  g_assert_true (occ_test_baresip_wait_registered (t->agent, 10000));
  g_autofree char *ready = occ_test_call (t->s.d, 0, "agent.ready", "login=awa", NULL);
}

static void
site_stop (Site *t)
{
  occ_test_baresip_free (t->agent);
  occ_test_sip_site_stop (&t->s);
}

/* A trunk caller to @number who talks (its tone) for @talk_ms, then hangs up. */
static OccTestSipp *
caller (Site *t, const char *number, guint talk_ms)
{
  OccTestSippConfig c = { .scenario = "uac",
                          .remote = t->s.sip,
                          .service = number,
                          .caller = "+2250700000001",
                          .calls = 1,
                          .pause_ms = talk_ms,
                          .tone_hz = CALLER_HZ,
                          .timeout_s = 60 };
  OccTestSipp *p = occ_test_sipp_start (&c);
  g_assert_nonnull (p);
  return p;
}

static JsonArray *
parse_array (JsonParser *p, const char *json)
{
  g_assert_true (json_parser_load_from_data (p, json, -1, NULL));
  return json_node_get_array (json_parser_get_root (p));
}

/* The connected call's entry in sip.calls, waiting for it (transfer full). */
static JsonObject *
connected_call (Site *t)
{
  for (guint waited = 0; waited <= 20000; waited += 100)
    {
      g_autofree char *out = occ_test_call (t->s.d, 0, "sip.calls", NULL);
      g_autoptr (JsonParser) p = json_parser_new ();
      JsonArray *calls = parse_array (p, out);
      for (guint i = 0; i < json_array_get_length (calls); i++)
        {
          JsonObject *c = json_array_get_object_element (calls, i);
          if (g_strcmp0 (json_object_get_string_member (c, "state"), "connected") == 0)
            return json_object_ref (c);
        }
      g_usleep (100000);
    }
  g_assert_not_reached ();
}

/* The recording rows (records.find), waiting until there are @n. */
static JsonArray *
recordings (Site *t, guint n, JsonParser *p)
{
  for (guint waited = 0; waited <= 20000; waited += 100)
    {
      g_autofree char *out
          = occ_test_call (t->s.d, 0, "records.find", "entity=recording", "limit=100", NULL);
      g_assert_true (json_parser_load_from_data (p, out, -1, NULL));
      JsonObject *o = json_node_get_object (json_parser_get_root (p));
      if (json_object_get_int_member (o, "count") == n)
        return json_object_get_array_member (o, "records");
      g_usleep (100000);
    }
  g_assert_not_reached ();
}

/* The .wav files under the site's recordings folder. */
static guint
count_wav_files (const char *dir)
{
  guint n = 0;
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        n += count_wav_files (path);
      else if (g_str_has_suffix (name, ".wav"))
        n++;
    }
  return n;
}

static char *
recordings_dir (Site *t)
{
  return g_build_filename (t->s.dir, "state", "recordings", NULL);
}

/* <recordings>/YYYY/MM/DD/<id>.wav for the local date @at. */
static char *
dated_path (Site *t, GDateTime *at, const char *id)
{
  g_autofree char *day = g_date_time_format (at, "%Y/%m/%d");
  g_autofree char *dir = recordings_dir (t);
  g_autofree char *name = g_strconcat (id, ".wav", NULL);
  return g_build_filename (dir, day, name, NULL);
}

/* The longest run of samples silent in both channels (A-law's quietest
 * codes decode to ±8). */
static gsize
longest_silence (const gint16 *a, const gint16 *b, gsize n)
{
  gsize run = 0, longest = 0;
  for (gsize i = 0; i < n; i++)
    {
      run = ABS (a[i]) <= 8 && ABS (b[i]) <= 8 ? run + 1 : 0;
      longest = MAX (longest, run);
    }
  return longest;
}

static char *
record_arg (const char *id, const char *path, gint64 expires_at)
{
  return g_strdup_printf ("record={\"id\":\"%s\",\"interaction_id\":\"ix-%s\",\"path\":\"%s\","
                          "\"format\":\"wav-alaw\",\"duration_ms\":1000,\"sha256\":\"%064d\","
                          "\"expires_at\":%" G_GINT64_FORMAT "}",
                          id, id, path, 0, expires_at);
}

/* The sweep: an expired recording (file and row go), one whose file is
 * already gone (its row goes), one outside the recordings folder (its row
 * goes, the file stays) and one not expired (stays). */
static void
sweep_expired (Site *t, const char *rec_id, const char *path)
{
  g_autofree char *outside = g_build_filename (t->s.dir, "keep-me.wav", NULL);
  occ_test_write (t->s.dir, "keep-me.wav", "not a recording of ours");
  g_autofree char *dir = recordings_dir (t);
  g_autofree char *missing = g_build_filename (dir, "gone.wav", NULL);
  gint64 past = g_get_real_time () / 1000 - 1000;
  g_autofree char *a = record_arg ("r-missing", missing, past);
  g_autofree char *b = record_arg ("r-outside", outside, past);
  g_autofree char *c = record_arg ("r-later", missing, past + 86400000LL * 2);
  g_autofree char *expire = g_strdup_printf (
      "record={\"id\":\"%s\",\"expires_at\":%" G_GINT64_FORMAT "}", rec_id, past);
  const char *const puts[] = { a, b, c, expire };
  for (guint i = 0; i < G_N_ELEMENTS (puts); i++)
    g_free (occ_test_call (t->s.d, 0, "records.put", "entity=recording", puts[i], NULL));
  g_autofree char *out = occ_test_call (t->s.d, 0, "sip.recordings-sweep", NULL);
  g_test_message ("sweep: %s", out);
  g_autoptr (JsonObject) counts = occ_test_parse_object (out);
  g_assert_cmpint (json_object_get_int_member (counts, "deleted"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (counts, "missing-files"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (counts, "outside"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (counts, "failed"), ==, 0);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (outside, G_FILE_TEST_EXISTS));
  g_autoptr (JsonParser) p = json_parser_new ();
  JsonArray *left = recordings (t, 1, p);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (left, 0), "id"),
                   ==, "r-later");
  g_autofree char *id_arg = g_strdup_printf ("id=%s", rec_id);
  g_autofree char *gone
      = occ_test_call (t->s.d, 1, "records.get", "entity=recording", id_arg, NULL);
  g_assert_nonnull (strstr (gone, "does not exist"));
}

static void
test_queue_policy_records_both_parties (void)
{
  Site t = { 0 };
  site_start (&t);
  g_autofree char *dir = recordings_dir (&t);

  /* the plain queue records nothing, and says so when asked to pause */
  g_autoptr (OccTestSipp) plain = caller (&t, "2001", 2500);
  g_autoptr (JsonObject) pc = connected_call (&t);
  g_assert_false (json_object_has_member (pc, "recording"));
  g_autofree char *pid = g_strdup_printf ("id=%s", json_object_get_string_member (pc, "id"));
  g_autofree char *refused = occ_test_call (t.s.d, 1, "sip.record", pid, "action=pause", NULL);
  g_assert_nonnull (strstr (refused, "is not being recorded"));
  g_assert_cmpint (occ_test_sipp_wait (plain, 30000), ==, 0);
  g_autoptr (JsonObject) closed = occ_test_baresip_wait_event (t.agent, "CALL_CLOSED", 10000);
  g_assert_nonnull (closed);

  /* the recorded queue: one file, two parties */
  g_autoptr (GDateTime) before = g_date_time_new_now_local ();
  g_autoptr (OccTestSipp) call = caller (&t, "2000", 4000);
  g_autoptr (JsonObject) cc = connected_call (&t);
  const char *id = json_object_get_string_member (cc, "id");
  g_assert_true (json_object_has_member (cc, "recording"));
  g_assert_false (json_object_get_boolean_member (cc, "recording-paused"));
  g_assert_cmpint (occ_test_sipp_wait (call, 30000), ==, 0);
  g_autoptr (GDateTime) after = g_date_time_new_now_local ();
  g_autoptr (JsonParser) p = json_parser_new ();
  JsonObject *row = json_array_get_object_element (recordings (&t, 1, p), 0);
  g_test_message ("recording %s", json_object_get_string_member (row, "id"));
  g_assert_cmpstr (json_object_get_string_member (row, "interaction_id"), ==, id);
  const char *path = json_object_get_string_member (row, "path");
  g_autofree char *day1 = dated_path (&t, before, id), *day2 = dated_path (&t, after, id);
  g_assert_true (g_strcmp0 (path, day1) == 0 || g_strcmp0 (path, day2) == 0);
  g_assert_cmpstr (json_object_get_string_member (row, "format"), ==, "wav-alaw");
  g_assert_cmpuint (count_wav_files (dir), ==, 1); /* the plain call's made none */

  /* the file is what the row says: its hash, and a duration of the call's length */
  g_autofree char *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_autofree char *sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *) data, len);
  g_assert_cmpstr (json_object_get_string_member (row, "sha256"), ==, sum);
  gint64 duration = json_object_get_int_member (row, "duration_ms");
  g_test_message ("duration %" G_GINT64_FORMAT " ms for a call of 4000 ms", duration);
  g_assert_cmpint (duration, >=, 3500);
  g_assert_cmpint (duration, <=, 8000);
  gint64 expires = json_object_get_int_member (row, "expires_at");
  gint64 want = g_get_real_time () / 1000 + RETENTION_DAYS * 86400000LL;
  g_assert_cmpint (ABS (expires - want), <, 3600 * 1000);

  /* channel 0 is the caller's tone alone, channel 1 the agent's */
  gsize n0 = 0, n1 = 0;
  g_autofree gint16 *ch0 = occ_test_wav_channel (path, 0, TRUE, &n0);
  g_autofree gint16 *ch1 = occ_test_wav_channel (path, 1, TRUE, &n1);
  g_assert_nonnull (ch0);
  g_assert_nonnull (ch1);
  g_assert_cmpuint (n0 / 8, ==, (guint64) duration);
  double c0 = occ_test_tone_seconds (ch0, n0, 8000, CALLER_HZ);
  double c0x = occ_test_tone_seconds (ch0, n0, 8000, AGENT_HZ);
  double c1 = occ_test_tone_seconds (ch1, n1, 8000, AGENT_HZ);
  double c1x = occ_test_tone_seconds (ch1, n1, 8000, CALLER_HZ);
  g_test_message ("channel 0: caller %.2f s, agent %.2f s; channel 1: agent %.2f s, caller %.2f s",
                  c0, c0x, c1, c1x);
  g_assert_cmpfloat (c0, >, 2.5);
  g_assert_cmpfloat (c1, >, 2.5);
  g_assert_cmpfloat (c0x, <, 0.2);
  g_assert_cmpfloat (c1x, <, 0.2);

  /* the interaction row points at it */
  g_autofree char *ix_arg = g_strdup_printf ("id=%s", id);
  g_autofree char *ix = occ_test_call (t.s.d, 0, "records.get", "entity=interaction", ix_arg, NULL);
  g_autoptr (JsonObject) interaction = occ_test_parse_object (ix);
  g_assert_cmpstr (json_object_get_string_member (interaction, "recording_id"), ==,
                   json_object_get_string_member (row, "id"));
  g_assert_cmpstr (json_object_get_string_member (interaction, "from_addr"), ==, "+2250700000001");
  g_autofree char *ev = occ_test_sip_site_events (&t.s);
  g_assert_nonnull (strstr (ev, "\"sip.recording\""));

  g_autofree char *rec_id = g_strdup (json_object_get_string_member (row, "id"));
  g_autofree char *rec_path = g_strdup (path);
  sweep_expired (&t, rec_id, rec_path);
  site_stop (&t);
}

static void
test_pause_leaves_silence (void)
{
  Site t = { 0 };
  site_start (&t);
  /* bad input first: clear answers */
  g_autofree char *no_id = occ_test_call (t.s.d, 1, "sip.record", "action=pause", NULL);
  g_assert_nonnull (strstr (no_id, "“id”"));
  g_autofree char *nobody = occ_test_call (t.s.d, 1, "sip.record", "id=nope", "action=pause", NULL);
  g_assert_nonnull (strstr (nobody, "no call “nope”"));

  g_autoptr (OccTestSipp) call = caller (&t, "2000", 6000);
  g_autoptr (JsonObject) cc = connected_call (&t);
  g_autofree char *id = g_strdup_printf ("id=%s", json_object_get_string_member (cc, "id"));
  g_autofree char *bad = occ_test_call (t.s.d, 1, "sip.record", id, "action=stop", NULL);
  g_assert_nonnull (strstr (bad, "pause or resume"));
  occ_test_spin (1500);
  g_autofree char *paused = occ_test_call (t.s.d, 0, "sip.record", id, "action=pause", NULL);
  g_assert_nonnull (strstr (paused, "\"paused\":true"));
  g_autofree char *calls = occ_test_call (t.s.d, 0, "sip.calls", NULL);
  g_assert_nonnull (strstr (calls, "\"recording-paused\":true"));
  occ_test_spin (2000);
  g_autofree char *resumed = occ_test_call (t.s.d, 0, "sip.record", id, "action=resume", NULL);
  g_assert_nonnull (strstr (resumed, "\"paused\":false"));
  g_assert_cmpint (occ_test_sipp_wait (call, 30000), ==, 0);

  g_autoptr (JsonParser) p = json_parser_new ();
  JsonObject *row = json_array_get_object_element (recordings (&t, 1, p), 0);
  const char *path = json_object_get_string_member (row, "path");
  gsize n0 = 0, n1 = 0;
  g_autofree gint16 *ch0 = occ_test_wav_channel (path, 0, TRUE, &n0);
  g_autofree gint16 *ch1 = occ_test_wav_channel (path, 1, TRUE, &n1);
  g_assert_nonnull (ch0);
  g_assert_nonnull (ch1);
  g_assert_cmpuint (n0, ==, n1);
  /* both tones before and after; some 2 s of silence in both channels */
  double c0 = occ_test_tone_seconds (ch0, n0, 8000, CALLER_HZ);
  double c1 = occ_test_tone_seconds (ch1, n1, 8000, AGENT_HZ);
  gsize quiet = longest_silence (ch0, ch1, n0);
  g_test_message ("caller %.2f s, agent %.2f s, silent %.2f s of %.2f s", c0, c1,
                  (double) quiet / 8000, (double) n0 / 8000);
  g_assert_cmpfloat (c0, >, 2.0);
  g_assert_cmpfloat (c1, >, 2.0);
  g_assert_cmpuint (quiet, >=, 8000 * 15 / 10);
  g_autofree char *ev = occ_test_sip_site_events (&t.s);
  site_stop (&t);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!g_file_test ("/usr/bin/baresip", G_FILE_TEST_IS_EXECUTABLE) || !occ_test_sipp_installed ())
    {
      g_test_skip ("baresip or sipp is not installed");
      return 0;
    }
  g_test_add_func ("/sip/recording/queue-policy-records-both-parties",
                   test_queue_policy_records_both_parties);
  g_test_add_func ("/sip/recording/pause-leaves-silence", test_pause_leaves_silence);
  return g_test_run ();
}
