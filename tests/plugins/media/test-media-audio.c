/* Version 2 of the media service, in-process with phones on 127.0.0.1:
 * prompts played to a leg (to the end, in a loop, stopped, mixed with a
 * bridge, files that cannot be played), what each party hears under
 * supervision (listen, whisper, barge: measured by the tones each phone
 * receives), recordings (one channel per party, pause, both formats, the
 * hash) and in-band DTMF detection. */
#include "media-fixture.h"
#include "tone.h"

#include <glib/gstdio.h>
#include <string.h>

/* spins the main loop until @cond holds, at most @ms */
#define WAIT_UNTIL(ms, cond)                                       \
  ({                                                               \
    gint64 until_ = g_get_monotonic_time () + (gint64) (ms) *1000; \
    while (!(cond) && g_get_monotonic_time () < until_)            \
      occ_test_spin (20);                                          \
    (cond);                                                        \
  })

#define CALLER_HZ 440.0
#define AGENT_HZ 1000.0
#define SUPERVISOR_HZ 1300.0
#define PROMPT_HZ 600.0

/* a leg with its own phone, negotiated (the phone offers, the leg answers) */
typedef struct {
  OccMediaLeg *leg;
  Phone *phone;
} Party;

static void
party_new (MediaFixture *f, Party *p, const char *label)
{
  g_autoptr (GError) e = NULL;
  p->phone = phone_new ("PCMA", 101, FALSE);
  p->leg = media_fixture_leg (f, "call-1", label, OCC_MEDIA_SRTP_OFF);
  g_autofree char *offer = phone_offer (p->phone, "sendrecv");
  g_autofree char *answer = f->media->leg_answer_offer (p->leg, offer, &e);
  g_assert_no_error (e);
  phone_learn (p->phone, answer);
  phone_listen (p->phone);
}

static void
party_free (MediaFixture *f, Party *p)
{
  if (p->leg)
    f->media->leg_free (p->leg);
  g_clear_pointer (&p->phone, phone_free);
}

static double
share (Party *p, double hz)
{
  guint n;
  return phone_tone_share (p->phone, hz, &n);
}

/* --- prompts ----------------------------------------------------------------------------- */

typedef struct {
  guint calls;
  OccMediaPlayEnd how;
  char *error;
  gboolean destroyed;
} PlayResult;

static void
on_played (OccMediaLeg *leg, OccMediaPlayEnd how, const GError *error, gpointer data)
{
  PlayResult *r = data;
  r->calls++;
  r->how = how;
  g_free (r->error);
  r->error = error ? g_strdup (error->message) : NULL;
}

static void
on_destroy (gpointer data)
{
  ((PlayResult *) data)->destroyed = TRUE;
}

static char *
tone_file (MediaFixture *f, const char *name, double hz, guint ms)
{
  char *path = g_build_filename (f->dir, name, NULL);
  g_autoptr (GError) e = NULL;
  g_assert_true (occ_test_tone_write_wav (path, (guint) hz, ms, &e));
  return path;
}

static void
test_play_to_the_end (MediaFixture *f, gconstpointer data)
{
  Party a = { 0 };
  party_new (f, &a, "trunk");
  g_autofree char *wav = tone_file (f, "prompt.wav", PROMPT_HZ, 1000);
  PlayResult r = { 0 };
  g_autoptr (GError) e = NULL;
  const char *files[] = { wav, wav, NULL };
  g_assert_true (f->media->play (a.leg, files, 0, on_played, &r, on_destroy, &e));
  g_assert_no_error (e);
  g_assert_true (WAIT_UNTIL (10000, r.calls > 0));
  g_assert_cmpuint (r.calls, ==, 1);
  g_assert_cmpint (r.how, ==, OCC_MEDIA_PLAY_FINISHED);
  g_assert_true (r.destroyed);
  occ_test_spin (300);
  guint n;
  double s = phone_tone_share (a.phone, PROMPT_HZ, &n);
  g_test_message ("heard %u samples, %.2f at %.0f Hz", n, s, PROMPT_HZ);
  /* two seconds of prompt (give or take the packets around the edges) */
  g_assert_cmpuint (n, >=, 8000 * 18 / 10);
  g_assert_cmpuint (n, <=, 8000 * 23 / 10);
  g_assert_cmpfloat (s, >, 0.8);
  /* after the end, the leg is quiet again: nothing more is sent */
  guint before = phone_counts (a.phone).received;
  occ_test_spin (400);
  g_assert_cmpuint (phone_counts (a.phone).received, ==, before);
  party_free (f, &a);
}

static void
test_play_loop_and_stop (MediaFixture *f, gconstpointer data)
{
  Party a = { 0 };
  party_new (f, &a, "trunk");
  g_autofree char *wav = tone_file (f, "moh.wav", PROMPT_HZ, 300);
  PlayResult r = { 0 }, r2 = { 0 };
  g_autoptr (GError) e = NULL;
  const char *files[] = { wav, NULL };
  g_assert_true (f->media->play (a.leg, files, OCC_MEDIA_PLAY_LOOP, on_played, &r, NULL, &e));
  occ_test_spin (1500);
  g_assert_cmpuint (r.calls, ==, 0); /* still looping, well past its 300 ms */
  g_assert_cmpuint (phone_counts (a.phone).received, >=, 50);
  /* a new play stops the one under way */
  g_assert_true (f->media->play (a.leg, files, OCC_MEDIA_PLAY_LOOP, on_played, &r2, NULL, &e));
  g_assert_cmpuint (r.calls, ==, 1);
  g_assert_cmpint (r.how, ==, OCC_MEDIA_PLAY_STOPPED);
  f->media->play_stop (a.leg);
  g_assert_cmpuint (r2.calls, ==, 1);
  g_assert_cmpint (r2.how, ==, OCC_MEDIA_PLAY_STOPPED);
  f->media->play_stop (a.leg); /* nothing playing: nothing happens */
  occ_test_spin (200);
  guint before = phone_counts (a.phone).received;
  occ_test_spin (400);
  g_assert_cmpuint (phone_counts (a.phone).received, ==, before);
  g_assert_cmpuint (r.calls + r2.calls, ==, 2);
  party_free (f, &a);
}

static void
test_play_bad_files (MediaFixture *f, gconstpointer data)
{
  Party a = { 0 };
  party_new (f, &a, "trunk");
  g_autoptr (GError) e = NULL;
  PlayResult r = { 0 };
  /* a missing file: refused at once, user data freed */
  const char *missing[] = { "/nonexistent/prompt.wav", NULL };
  g_assert_false (f->media->play (a.leg, missing, 0, on_played, &r, on_destroy, &e));
  g_assert_error (e, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_INVALID);
  g_assert_nonnull (strstr (e->message, "/nonexistent/prompt.wav"));
  g_assert_true (r.destroyed);
  g_assert_cmpuint (r.calls, ==, 0);
  g_clear_error (&e);
  /* a file that is no audio: FAILED, naming it, nothing heard */
  g_autofree char *junk = g_build_filename (f->dir, "junk.wav", NULL);
  g_assert_true (g_file_set_contents (junk, "RIFF this is not a wave file at all", -1, NULL));
  const char *files[] = { junk, NULL };
  r = (PlayResult){ 0 };
  g_assert_true (f->media->play (a.leg, files, 0, on_played, &r, NULL, &e));
  g_assert_true (WAIT_UNTIL (10000, r.calls > 0));
  g_assert_cmpint (r.how, ==, OCC_MEDIA_PLAY_FAILED);
  g_assert_nonnull (r.error);
  g_assert_nonnull (strstr (r.error, "junk.wav"));
  g_assert_cmpuint (phone_counts (a.phone).received, ==, 0);
  g_free (r.error);
  /* the leg freed while its prompt is being decoded: no callback, data freed */
  g_autofree char *wav = tone_file (f, "late.wav", PROMPT_HZ, 500);
  const char *late[] = { wav, NULL };
  r = (PlayResult){ 0 };
  g_assert_true (f->media->play (a.leg, late, 0, on_played, &r, on_destroy, &e));
  f->media->leg_free (a.leg);
  a.leg = NULL;
  g_assert_true (r.destroyed);
  occ_test_spin (500);
  g_assert_cmpuint (r.calls, ==, 0);
  party_free (f, &a);
}

/* --- recordings ------------------------------------------------------------------------------ */

typedef struct {
  gboolean done;
  char *path;
  char *format;
  char *sha256;
  guint channels;
  guint64 duration_ms;
  guint64 bytes;
  char *error;
} RecResult;

static void
on_recorded (const OccMediaRecordResult *res, const GError *error, gpointer data)
{
  RecResult *r = data;
  r->done = TRUE;
  if (res)
    {
      r->path = g_strdup (res->path);
      r->format = g_strdup (res->format);
      r->sha256 = g_strdup (res->sha256);
      r->channels = res->channels;
      r->duration_ms = res->duration_ms;
      r->bytes = res->bytes;
    }
  r->error = error ? g_strdup (error->message) : NULL;
}

static void
rec_result_clear (RecResult *r)
{
  g_free (r->path);
  g_free (r->format);
  g_free (r->sha256);
  g_free (r->error);
}

/* --- hearing: supervision ------------------------------------------------------------------- */

/* Each phone sends its tone for a while; returns with what each heard. */
static void
talk (Party *const *parties, const double *hz, guint n)
{
  for (guint i = 0; i < n; i++)
    phone_reset (parties[i]->phone);
  for (guint i = 0; i < n; i++)
    phone_start_tone (parties[i]->phone, hz[i]);
  occ_test_spin (1500);
  for (guint i = 0; i < n; i++)
    phone_stop_tone (parties[i]->phone);
  occ_test_spin (300);
}

static void
assert_hears (Party *p, const char *who, double present1, double present2, double absent)
{
  double s1 = share (p, present1), s2 = present2 > 0 ? share (p, present2) : 0,
         s3 = share (p, absent);
  g_test_message ("%s: %.0f Hz %.2f, %.0f Hz %.2f, %.0f Hz %.2f", who, present1, s1, present2, s2,
                  absent, s3);
  if (present2 > 0)
    {
      /* two tones of one level: about half of the energy each */
      g_assert_cmpfloat (s1, >, 0.25);
      g_assert_cmpfloat (s2, >, 0.25);
    }
  else
    g_assert_cmpfloat (s1, >, 0.8);
  g_assert_cmpfloat (s3, <, 0.05);
}

static void
test_supervision (MediaFixture *f, gconstpointer data)
{
  Party c = { 0 }, a = { 0 }, s = { 0 };
  party_new (f, &c, "trunk");
  party_new (f, &a, "agent:awa");
  party_new (f, &s, "supervisor:sue");
  Party *all[] = { &c, &a, &s };
  const double hz[] = { CALLER_HZ, AGENT_HZ, SUPERVISOR_HZ };
  g_autoptr (GError) e = NULL;
  g_assert_true (f->media->bridge (c.leg, a.leg, &e));
  /* the call is recorded: caller on channel 0, agent on 1 */
  g_autofree char *path = g_build_filename (f->dir, "supervised.wav", NULL);
  OccMediaRecordOptions o = { .channels = 2, .format = OCC_MEDIA_RECORD_WAV_PCM16 };
  OccMediaRecording *rec = f->media->record_start (f->media, path, &o, &e);
  g_assert_no_error (e);
  g_assert_true (f->media->record_attach (rec, c.leg, 0, &e));
  g_assert_true (f->media->record_attach (rec, a.leg, 1, &e));

  /* listen: the supervisor hears both; neither hears the supervisor */
  OccMediaLeg *both[] = { c.leg, a.leg };
  g_assert_true (f->media->hear (s.leg, both, 2, &e));
  g_assert_no_error (e);
  talk (all, hz, 3);
  assert_hears (&s, "listen: supervisor", CALLER_HZ, AGENT_HZ, SUPERVISOR_HZ);
  assert_hears (&c, "listen: caller", AGENT_HZ, 0, SUPERVISOR_HZ);
  assert_hears (&a, "listen: agent", CALLER_HZ, 0, SUPERVISOR_HZ);

  /* whisper: the agent hears the caller and the supervisor; the caller
   * still the agent alone */
  OccMediaLeg *agent_hears[] = { c.leg, s.leg };
  g_assert_true (f->media->hear (a.leg, agent_hears, 2, &e));
  talk (all, hz, 3);
  assert_hears (&a, "whisper: agent", CALLER_HZ, SUPERVISOR_HZ, AGENT_HZ);
  assert_hears (&c, "whisper: caller", AGENT_HZ, 0, SUPERVISOR_HZ);
  assert_hears (&s, "whisper: supervisor", CALLER_HZ, AGENT_HZ, SUPERVISOR_HZ);

  /* barge: everyone hears the two others; the supervisor is recorded
   * on the agent's channel */
  OccMediaLeg *caller_hears[] = { a.leg, s.leg };
  g_assert_true (f->media->hear (c.leg, caller_hears, 2, &e));
  g_assert_true (f->media->record_attach (rec, s.leg, 1, &e));
  talk (all, hz, 3);
  assert_hears (&c, "barge: caller", AGENT_HZ, SUPERVISOR_HZ, CALLER_HZ);
  assert_hears (&a, "barge: agent", CALLER_HZ, SUPERVISOR_HZ, AGENT_HZ);
  assert_hears (&s, "barge: supervisor", CALLER_HZ, AGENT_HZ, SUPERVISOR_HZ);
  RecResult rr = { 0 };
  f->media->record_stop (rec, on_recorded, &rr, NULL);
  g_assert_true (WAIT_UNTIL (10000, rr.done));
  g_assert_null (rr.error);
  /* channel 0: the caller alone, all along; channel 1: the agent all
   * along, the supervisor during the barge only */
  gsize n0, n1;
  g_autofree gint16 *ch0 = occ_test_wav_channel (path, 0, FALSE, &n0);
  g_autofree gint16 *ch1 = occ_test_wav_channel (path, 1, FALSE, &n1);
  double c_in_0 = occ_test_tone_share_seconds (ch0, n0, 8000, (guint) CALLER_HZ, 0.25);
  double a_in_0 = occ_test_tone_share_seconds (ch0, n0, 8000, (guint) AGENT_HZ, 0.25);
  double s_in_0 = occ_test_tone_share_seconds (ch0, n0, 8000, (guint) SUPERVISOR_HZ, 0.25);
  double a_in_1 = occ_test_tone_share_seconds (ch1, n1, 8000, (guint) AGENT_HZ, 0.25);
  double s_in_1 = occ_test_tone_share_seconds (ch1, n1, 8000, (guint) SUPERVISOR_HZ, 0.25);
  double c_in_1 = occ_test_tone_share_seconds (ch1, n1, 8000, (guint) CALLER_HZ, 0.25);
  g_test_message ("recording: channel 0 caller %.2f agent %.2f supervisor %.2f s; channel 1 "
                  "agent %.2f supervisor %.2f caller %.2f s",
                  c_in_0, a_in_0, s_in_0, a_in_1, s_in_1, c_in_1);
  g_assert_cmpfloat (c_in_0, >, 3.5);
  g_assert_cmpfloat (a_in_0 + s_in_0, <, 0.1);
  g_assert_cmpfloat (a_in_1, >, 3.5);
  g_assert_cmpfloat (s_in_1, >, 1.0);
  g_assert_cmpfloat (s_in_1, <, 2.2);
  g_assert_cmpfloat (c_in_1, <, 0.1);
  rec_result_clear (&rr);

  /* refusals: itself, too many, a source twice */
  OccMediaLeg *self[] = { c.leg };
  g_assert_false (f->media->hear (c.leg, self, 1, &e));
  g_assert_error (e, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_STATE);
  g_clear_error (&e);
  OccMediaLeg *twice[] = { a.leg, a.leg };
  g_assert_false (f->media->hear (s.leg, twice, 2, &e));
  g_assert_error (e, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_STATE);
  g_clear_error (&e);

  /* the supervisor leaves: caller and agent back to each other alone */
  party_free (f, &s);
  g_assert_true (f->media->hear (c.leg, NULL, 0, &e));
  g_assert_true (f->media->hear (a.leg, NULL, 0, &e));
  Party *two[] = { &c, &a };
  talk (two, hz, 2);
  assert_hears (&c, "after: caller", AGENT_HZ, 0, CALLER_HZ);
  assert_hears (&a, "after: agent", CALLER_HZ, 0, AGENT_HZ);
  party_free (f, &c);
  party_free (f, &a);
}

/* Take-over in media terms: the agent's leg goes, the caller is bridged to
 * the supervisor, who heard the call until then. */
static void
test_take_over (MediaFixture *f, gconstpointer data)
{
  Party c = { 0 }, a = { 0 }, s = { 0 };
  party_new (f, &c, "trunk");
  party_new (f, &a, "agent:awa");
  party_new (f, &s, "supervisor:sue");
  g_autoptr (GError) e = NULL;
  g_assert_true (f->media->bridge (c.leg, a.leg, &e));
  OccMediaLeg *both[] = { c.leg, a.leg };
  g_assert_true (f->media->hear (s.leg, both, 2, &e));
  party_free (f, &a); /* the agent's leg ends: the supervisor hears the caller alone */
  g_assert_true (f->media->hear (s.leg, NULL, 0, &e));
  g_assert_true (f->media->bridge (c.leg, s.leg, &e));
  g_assert_no_error (e);
  Party *two[] = { &c, &s };
  const double hz[] = { CALLER_HZ, SUPERVISOR_HZ };
  talk (two, hz, 2);
  assert_hears (&c, "take-over: caller", SUPERVISOR_HZ, 0, AGENT_HZ);
  assert_hears (&s, "take-over: supervisor", CALLER_HZ, 0, AGENT_HZ);
  party_free (f, &c);
  party_free (f, &s);
}

static void
test_play_over_bridge (MediaFixture *f, gconstpointer data)
{
  Party c = { 0 }, a = { 0 };
  party_new (f, &c, "trunk");
  party_new (f, &a, "agent:awa");
  g_autoptr (GError) e = NULL;
  g_assert_true (f->media->bridge (c.leg, a.leg, &e));
  g_autofree char *wav = tone_file (f, "beep.wav", PROMPT_HZ, 300);
  const char *files[] = { wav, NULL };
  PlayResult r = { 0 };
  g_assert_true (f->media->play (a.leg, files, OCC_MEDIA_PLAY_LOOP, on_played, &r, NULL, &e));
  Party *two[] = { &c, &a };
  const double hz[] = { CALLER_HZ, AGENT_HZ };
  talk (two, hz, 2);
  /* the agent hears the caller and the prompt; the caller the agent alone */
  assert_hears (&a, "agent", CALLER_HZ, PROMPT_HZ, AGENT_HZ);
  assert_hears (&c, "caller", AGENT_HZ, 0, PROMPT_HZ);
  f->media->play_stop (a.leg);
  talk (two, hz, 2);
  assert_hears (&a, "agent after", CALLER_HZ, 0, PROMPT_HZ);
  party_free (f, &c);
  party_free (f, &a);
}

/* One channel of a WAV file of ours, as samples (its header completed). */
static gint16 *
wav_channel (const char *path, guint channel, gboolean alaw, gsize *n)
{
  gint16 *samples = occ_test_wav_channel (path, channel, alaw, n);
  g_assert_nonnull (samples);
  return samples;
}

static void
record_call (MediaFixture *f, OccMediaRecordFormat format)
{
  gboolean alaw = format == OCC_MEDIA_RECORD_WAV_ALAW;
  Party c = { 0 }, a = { 0 };
  party_new (f, &c, "trunk");
  party_new (f, &a, "agent:awa");
  g_autoptr (GError) e = NULL;
  g_assert_true (f->media->bridge (c.leg, a.leg, &e));
  g_autofree char *path = g_build_filename (f->dir, alaw ? "call.alaw.wav" : "call.wav", NULL);
  OccMediaRecordOptions o = { .channels = 2, .format = format };
  OccMediaRecording *rec = f->media->record_start (f->media, path, &o, &e);
  g_assert_no_error (e);
  g_assert_true (f->media->record_attach (rec, c.leg, 0, &e));
  g_assert_true (f->media->record_attach (rec, a.leg, 1, &e));
  /* channel 2 does not exist */
  g_assert_false (f->media->record_attach (rec, a.leg, 2, &e));
  g_assert_error (e, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_STATE);
  g_clear_error (&e);
  phone_start_tone (c.phone, CALLER_HZ);
  phone_start_tone (a.phone, AGENT_HZ);
  occ_test_spin (1500);
  f->media->record_pause (rec, TRUE);
  occ_test_spin (1000);
  f->media->record_pause (rec, FALSE);
  occ_test_spin (1000);
  RecResult r = { 0 };
  f->media->record_stop (rec, on_recorded, &r, NULL);
  phone_stop_tone (c.phone);
  phone_stop_tone (a.phone);
  g_assert_true (WAIT_UNTIL (10000, r.done));
  g_assert_null (r.error);
  g_assert_cmpstr (r.path, ==, path);
  g_assert_cmpstr (r.format, ==, alaw ? "wav-alaw" : "wav-pcm16");
  g_assert_cmpuint (r.channels, ==, 2);
  g_test_message ("%s: %" G_GUINT64_FORMAT " ms, %" G_GUINT64_FORMAT " bytes", path, r.duration_ms,
                  r.bytes);
  g_assert_cmpuint (r.duration_ms, >=, 3000);
  g_assert_cmpuint (r.duration_ms, <, 6000);
  /* the file is what the result says */
  g_autofree char *data = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_assert_cmpuint (len, ==, r.bytes);
  g_autofree char *sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *) data, len);
  g_assert_cmpstr (sum, ==, r.sha256);
  /* channel 0 is the caller alone, channel 1 the agent alone */
  gsize n0, n1;
  g_autofree gint16 *ch0 = wav_channel (path, 0, alaw, &n0);
  g_autofree gint16 *ch1 = wav_channel (path, 1, alaw, &n1);
  g_assert_cmpuint (n0 / 8, ==, r.duration_ms);
  double c0 = occ_test_tone_seconds (ch0, n0, 8000, (guint) CALLER_HZ);
  double c0x = occ_test_tone_seconds (ch0, n0, 8000, (guint) AGENT_HZ);
  double c1 = occ_test_tone_seconds (ch1, n1, 8000, (guint) AGENT_HZ);
  double c1x = occ_test_tone_seconds (ch1, n1, 8000, (guint) CALLER_HZ);
  g_test_message ("channel 0: %.2f s caller, %.2f s agent; channel 1: %.2f s agent, %.2f s "
                  "caller",
                  c0, c0x, c1, c1x);
  /* about 2.5 s of speech each (3.5 s recorded, 1 s of it paused) */
  g_assert_cmpfloat (c0, >, 1.8);
  g_assert_cmpfloat (c0, <, 3.2);
  g_assert_cmpfloat (c1, >, 1.8);
  g_assert_cmpfloat (c1, <, 3.2);
  g_assert_cmpfloat (c0x, <, 0.1);
  g_assert_cmpfloat (c1x, <, 0.1);
  /* the pause is silence in both channels: some 0.8 s of zeros in the
   * middle (A-law has no zero: its quietest codes decode to ±8) */
  gsize zeros = 0, longest = 0;
  for (gsize i = 0; i < n0; i++)
    {
      zeros = ABS (ch0[i]) <= 8 && ABS (ch1[i]) <= 8 ? zeros + 1 : 0;
      longest = MAX (longest, zeros);
    }
  g_assert_cmpuint (longest, >=, 8000 * 8 / 10);
  rec_result_clear (&r);
  party_free (f, &c);
  party_free (f, &a);
}

static void
test_record_pcm (MediaFixture *f, gconstpointer data)
{
  record_call (f, OCC_MEDIA_RECORD_WAV_PCM16);
}

static void
test_record_alaw (MediaFixture *f, gconstpointer data)
{
  record_call (f, OCC_MEDIA_RECORD_WAV_ALAW);
}

static void
test_record_errors (MediaFixture *f, gconstpointer data)
{
  g_autoptr (GError) e = NULL;
  /* no such folder */
  g_assert_null (f->media->record_start (f->media, "/nonexistent/dir/x.wav", NULL, &e));
  g_assert_error (e, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_RESOURCES);
  g_clear_error (&e);
  /* three channels */
  g_autofree char *path = g_build_filename (f->dir, "one.wav", NULL);
  OccMediaRecordOptions three = { .channels = 3 };
  g_assert_null (f->media->record_start (f->media, path, &three, &e));
  g_assert_error (e, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_INVALID);
  g_clear_error (&e);
  /* a file there already is not overwritten */
  g_assert_true (g_file_set_contents (path, "keep me", -1, NULL));
  g_assert_null (f->media->record_start (f->media, path, NULL, &e));
  g_assert_error (e, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_RESOURCES);
  g_clear_error (&e);
  g_autofree char *kept = NULL;
  g_assert_true (g_file_get_contents (path, &kept, NULL, NULL));
  g_assert_cmpstr (kept, ==, "keep me");
  /* a leg in one recording cannot join another; a freed leg leaves its
   * recording, which still completes (mono, the caller's message) */
  Party c = { 0 };
  party_new (f, &c, "trunk");
  g_autofree char *p1 = g_build_filename (f->dir, "message.wav", NULL);
  g_autofree char *p2 = g_build_filename (f->dir, "other.wav", NULL);
  OccMediaRecordOptions mono = { .channels = 1, .format = OCC_MEDIA_RECORD_WAV_PCM16 };
  OccMediaRecording *r1 = f->media->record_start (f->media, p1, &mono, &e);
  OccMediaRecording *r2 = f->media->record_start (f->media, p2, &mono, &e);
  g_assert_no_error (e);
  g_assert_true (f->media->record_attach (r1, c.leg, 0, &e));
  g_assert_false (f->media->record_attach (r2, c.leg, 0, &e));
  g_assert_error (e, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_STATE);
  g_clear_error (&e);
  phone_start_tone (c.phone, CALLER_HZ);
  occ_test_spin (1200);
  party_free (f, &c);
  RecResult a = { 0 }, b = { 0 };
  f->media->record_stop (r1, on_recorded, &a, NULL);
  f->media->record_stop (r2, on_recorded, &b, NULL);
  g_assert_true (WAIT_UNTIL (10000, a.done && b.done));
  g_assert_null (a.error);
  g_assert_cmpuint (a.channels, ==, 1);
  g_assert_cmpfloat (occ_test_wav_tone_seconds (p1, (guint) CALLER_HZ), >, 0.6);
  g_assert_cmpfloat (occ_test_wav_tone_seconds (p2, (guint) CALLER_HZ), <, 0.1);
  rec_result_clear (&a);
  rec_result_clear (&b);
}

/* --- in-band DTMF ------------------------------------------------------------------------------ */

static void
test_inband_dtmf (MediaFixture *f, gconstpointer data)
{
  Party c = { 0 };
  party_new (f, &c, "trunk");
  /* not watched: a key sent as tones is not reported */
  phone_start_tones (c.phone, 697, 1209); /* "1" */
  occ_test_spin (400);
  phone_stop_tone (c.phone);
  occ_test_spin (300);
  g_assert_null (media_fixture_event (f, OCC_EVENT_MEDIA_DTMF, 0));
  /* watched: "1" then "#" */
  f->media->detect_tones (c.leg, TRUE);
  phone_start_tones (c.phone, 697, 1209);
  occ_test_spin (300);
  phone_stop_tone (c.phone);
  occ_test_spin (300);
  phone_start_tones (c.phone, 941, 1477); /* "#" */
  occ_test_spin (300);
  phone_stop_tone (c.phone);
  g_assert_true (media_fixture_wait_events (f, OCC_EVENT_MEDIA_DTMF, 2));
  const char *call, *label, *digit;
  guint32 ms;
  g_variant_get (occ_event_get_payload (media_fixture_event (f, OCC_EVENT_MEDIA_DTMF, 0)),
                 "(&s&s&su)", &call, &label, &digit, &ms);
  g_assert_cmpstr (call, ==, "call-1");
  g_assert_cmpstr (label, ==, "trunk");
  g_assert_cmpstr (digit, ==, "1");
  g_variant_get (occ_event_get_payload (media_fixture_event (f, OCC_EVENT_MEDIA_DTMF, 1)),
                 "(&s&s&su)", &call, &label, &digit, &ms);
  g_assert_cmpstr (digit, ==, "#");
  occ_test_spin (300);
  g_assert_null (media_fixture_event (f, OCC_EVENT_MEDIA_DTMF, 2));
  /* off again: nothing */
  f->media->detect_tones (c.leg, FALSE);
  phone_start_tones (c.phone, 697, 1209);
  occ_test_spin (400);
  phone_stop_tone (c.phone);
  occ_test_spin (300);
  g_assert_null (media_fixture_event (f, OCC_EVENT_MEDIA_DTMF, 2));
  /* left on when the leg ends: freed with it */
  f->media->detect_tones (c.leg, TRUE);
  party_free (f, &c);
}

/* Unload with a recording and a prompt under way: the file is completed,
 * nothing leaks (ASan). */
static void
test_unload_while_recording (void)
{
  MediaFixture f = { 0 };
  media_fixture_start (&f, 20, NULL);
  Party c = { 0 };
  party_new (&f, &c, "trunk");
  g_autofree char *path = g_build_filename (f.dir, "cut.wav", NULL);
  g_autoptr (GError) e = NULL;
  OccMediaRecording *rec = f.media->record_start (f.media, path, NULL, &e);
  g_assert_no_error (e);
  g_assert_true (f.media->record_attach (rec, c.leg, 0, &e));
  g_autofree char *wav = tone_file (&f, "moh.wav", PROMPT_HZ, 300);
  const char *files[] = { wav, NULL };
  g_assert_true (f.media->play (c.leg, files, OCC_MEDIA_PLAY_LOOP, NULL, NULL, NULL, &e));
  phone_start_tone (c.phone, CALLER_HZ);
  occ_test_spin (800);
  /* a second recording is stopped and completed by the writer, its result
   * still waiting on the bus when the plugin unloads: freed, no callback */
  g_autofree char *path2 = g_build_filename (f.dir, "stopped.wav", NULL);
  OccMediaRecording *rec2 = f.media->record_start (f.media, path2, NULL, &e);
  g_assert_no_error (e);
  RecResult r2 = { 0 };
  f.media->record_stop (rec2, on_recorded, &r2, NULL);
  g_usleep (400 * 1000); /* (the main loop does not run: the result stays queued) */
  c.leg = NULL;          /* the unload ends it */
  g_assert_true (occ_loader_unload (f.ctx->loader, "media", &e));
  g_assert_no_error (e);
  f.media = NULL;
  g_clear_pointer (&c.phone, phone_free);
  gsize n;
  g_autofree gint16 *ch0 = wav_channel (path, 0, TRUE, &n);
  g_assert_cmpuint (n, >, 0);
  g_assert_false (r2.done);
  g_assert_true (g_file_test (path2, G_FILE_TEST_IS_REGULAR));
  media_fixture_stop (&f);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
#define ADD(path, fn) \
  g_test_add (path, MediaFixture, NULL, media_fixture_setup, fn, media_fixture_teardown)
  ADD ("/media/play/to-the-end", test_play_to_the_end);
  ADD ("/media/play/loop-and-stop", test_play_loop_and_stop);
  ADD ("/media/play/bad-files", test_play_bad_files);
  ADD ("/media/play/over-a-bridge", test_play_over_bridge);
  ADD ("/media/hear/listen-whisper-barge", test_supervision);
  ADD ("/media/hear/take-over", test_take_over);
  ADD ("/media/record/two-channels-pcm", test_record_pcm);
  ADD ("/media/record/two-channels-alaw", test_record_alaw);
  ADD ("/media/record/errors-and-legs", test_record_errors);
  ADD ("/media/dtmf/in-band", test_inband_dtmf);
  g_test_add_func ("/media/record/unload-while-recording", test_unload_while_recording);
  return g_test_run ();
}
