/* DTMF in the test harness (tests/lib/dtmf.h): captures of key presses
 * read back packet by packet in both modes, the detector's checks,
 * GStreamer's dtmfdetect (what the media plugin listens with) finding our
 * tones, and sipp pressing keys that an RTP meter at the far end finds,
 * while its own meter hears the far end. */
#include "sip-peers.h"
#include "testlib.h"

#include <string.h>
#include <unistd.h>

#ifdef HAVE_GSTREAMER
#include <gst/gst.h>
#endif

#ifdef __SANITIZE_ADDRESS__
/* LeakSanitizer unwinds through GLib (no frame pointers) only this way:
 * GLib drops its first quark block once GStreamer's quarks outgrow it,
 * and the suppression of that (tests/lsan.supp) needs the whole stack. */
const char *__asan_default_options (void);
const char *
__asan_default_options (void)
{
  return "fast_unwind_on_malloc=0";
}
#endif

#define CALL_MS 20000 /* how long a sipp pair may take, at most */
#define ALL_KEYS "0123456789*#ABCD"
/* every key, 300 ms apart, some longer than the default */
#define ALL_KEYS_SPEC                                                                     \
  "200:0 500:1 800:2/200 1100:3 1400:4 1700:5 2000:6 2300:7 2600:8 2900:9 3200:* 3500:# " \
  "3800:A 4100:B 4400:C/160 4700:D"

/* --- captures read back --------------------------------------------------------------- */

/* Writes @spec in @mode into a temporary folder and reads it back. */
static GPtrArray *
write_and_read (const char *spec, OccTestDtmfMode mode)
{
  g_autofree char *dir = occ_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "keys.pcap", NULL);
  g_autoptr (GError) e = NULL;
  g_assert_true (occ_test_dtmf_write_pcap (path, spec, mode, &e));
  g_assert_no_error (e);
  GPtrArray *packets = occ_test_pcap_read_rtp (path, &e);
  g_assert_no_error (e);
  g_assert_nonnull (packets);
  occ_test_rmtree (dir);
  return packets;
}

/* Every packet i: sequence number i, captured at i × 20 ms, one SSRC. */
static void
assert_packet_clock (GPtrArray *packets)
{
  g_assert_cmpuint (packets->len, >, 0);
  for (guint i = 0; i < packets->len; i++)
    {
      const OccTestPcapPacket *p = packets->pdata[i];
      g_assert_cmpuint (p->rtp.seq, ==, i);
      g_assert_cmpuint (p->time_us, ==, (guint64) i * 20000);
      g_assert_cmpuint (p->rtp.ssrc, ==, OCC_TEST_PCAP_SSRC);
    }
}

/* The PCMU audio of @packets, decoded (transfer full). */
static gint16 *
decode_audio (GPtrArray *packets, gsize *n)
{
  GArray *pcm = g_array_new (FALSE, FALSE, sizeof (gint16));
  for (guint i = 0; i < packets->len; i++)
    {
      const OccTestPcapPacket *p = packets->pdata[i];
      if (p->rtp.payload_type != 0)
        continue;
      for (gsize j = 0; j < p->len; j++)
        {
          gint16 s = occ_test_ulaw_decode (p->payload[j]);
          g_array_append_val (pcm, s);
        }
    }
  *n = pcm->len;
  return (gint16 *) g_array_free (pcm, FALSE);
}

static void
test_spec_is_parsed_and_checked (void)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (GArray) keys = occ_test_dtmf_parse ("1500:1  3000:2\t4510:#/130", &e);
  g_assert_no_error (e);
  g_assert_cmpuint (keys->len, ==, 3);
  const OccTestDtmfKey *k = (const OccTestDtmfKey *) keys->data;
  g_assert_cmpint (k[0].key, ==, '1');
  g_assert_cmpuint (k[0].start_ms, ==, 1500);
  g_assert_cmpuint (k[0].ms, ==, OCC_TEST_DTMF_DEFAULT_MS);
  g_assert_cmpint (k[2].key, ==, '#');
  g_assert_cmpuint (k[2].start_ms, ==, 4500); /* whole 20 ms packets */
  g_assert_cmpuint (k[2].ms, ==, 120);
  g_autoptr (GArray) none = occ_test_dtmf_parse ("", &e);
  g_assert_no_error (e);
  g_assert_cmpuint (none->len, ==, 0);

  const char *bad[] = {
    "1500:E",          /* not a key */
    "1500",            /* no key */
    ":1",              /* no offset */
    "x:1",             /* not a number */
    "100:1/20",        /* too short */
    "100:1/100000",    /* too long */
    "100:1/",          /* no duration */
    "100:12",          /* two keys */
    "100:1 200:2",     /* 1 ends at 200, its end is sent until 240 */
    "1000:1 500:2",    /* out of order */
    "-100:1",          /* negative */
    "100:1/100/100",   /* two durations */
    "100:1 bad 500:2", /* one bad item among good ones */
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) err = NULL;
      g_autoptr (GArray) refused = occ_test_dtmf_parse (bad[i], &err);
      g_assert_null (refused);
      g_assert_error (err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_test_message ("%s", err->message);
    }
  /* 240 ms: just after the first key's last end packet */
  g_autoptr (GArray) close = occ_test_dtmf_parse ("100:1 240:1", &e);
  g_assert_no_error (e);
  g_assert_cmpuint (close->len, ==, 2);
}

static void
test_inband_capture_decodes_to_the_keys (void)
{
  g_autoptr (GPtrArray) packets = write_and_read (ALL_KEYS_SPEC, OCC_TEST_DTMF_INBAND);
  assert_packet_clock (packets);
  for (guint i = 0; i < packets->len; i++)
    {
      const OccTestPcapPacket *p = packets->pdata[i];
      g_assert_cmpuint (p->rtp.payload_type, ==, 0);
      g_assert_cmpuint (p->rtp.timestamp, ==, i * 160);
      g_assert_cmpuint (p->len, ==, 160);
      g_assert_true (p->rtp.marker == (i == 0));
    }
  /* from 0 to 500 ms after the last key (D: 4.7 s + 100 ms) */
  g_assert_cmpuint (packets->len, ==, (4800 + 500) / 20 + 2);
  gsize n = 0;
  g_autofree gint16 *pcm = decode_audio (packets, &n);
  g_autoptr (GArray) found = occ_test_dtmf_find (pcm, n, 8000);
  g_autoptr (GArray) spec = occ_test_dtmf_parse (ALL_KEYS_SPEC, NULL);
  g_assert_cmpuint (found->len, ==, spec->len);
  for (guint i = 0; i < found->len; i++)
    {
      const OccTestDtmfKey *f = &g_array_index (found, OccTestDtmfKey, i);
      const OccTestDtmfKey *want = &g_array_index (spec, OccTestDtmfKey, i);
      g_test_message ("key %c at %u ms for %u ms (pressed at %u ms for %u ms)", f->key, f->start_ms,
                      f->ms, want->start_ms, want->ms);
      g_assert_cmpint (f->key, ==, want->key);
      /* within a 40 ms block of the truth */
      g_assert_cmpuint (f->start_ms + 40, >=, want->start_ms);
      g_assert_cmpuint (f->start_ms, <=, want->start_ms + 40);
      g_assert_cmpuint (f->ms, >=, want->ms - 40);
      g_assert_cmpuint (f->ms, <=, want->ms + 40);
    }
  g_autofree char *keys = occ_test_dtmf_detect (pcm, n, 8000);
  g_assert_cmpstr (keys, ==, ALL_KEYS);
  /* between the keys, silence */
  g_assert_cmpint (occ_test_ulaw_decode (((OccTestPcapPacket *) packets->pdata[0])->payload[0]), ==,
                   0);
}

/* The event packets of one key from packet @first: checked, and their
 * number returned (the key's packets and its two extra end packets). */
static guint
check_event (GPtrArray *packets, guint first, const OccTestDtmfKey *want)
{
  guint slots = want->ms / 20;
  guint32 timestamp = first * 160;
  g_assert_cmpuint (first, ==, want->start_ms / 20);
  for (guint j = 0; j < slots + 2; j++)
    {
      g_assert_cmpuint (first + j, <, packets->len);
      const OccTestPcapPacket *p = packets->pdata[first + j];
      OccTestDtmfEvent ev;
      g_assert_cmpuint (p->rtp.payload_type, ==, OCC_TEST_DTMF_PAYLOAD_TYPE);
      g_assert_cmpuint (p->len, ==, 4);
      g_assert_true (occ_test_dtmf_event_parse (p->payload, p->len, &ev));
      g_assert_cmpint (occ_test_dtmf_event_key (ev.event), ==, want->key);
      g_assert_cmpuint (p->rtp.timestamp, ==, timestamp);
      g_assert_true (p->rtp.marker == (j == 0));
      g_assert_cmpuint (ev.volume, ==, 10);
      /* growing by a packet, then the end three times */
      g_assert_cmpuint (ev.duration, ==, MIN (j + 1, slots) * 160);
      g_assert_true (ev.end == (j + 1 >= slots));
    }
  return slots + 2;
}

static void
test_rfc4733_capture_has_well_formed_events (void)
{
  g_autoptr (GPtrArray) packets = write_and_read (ALL_KEYS_SPEC, OCC_TEST_DTMF_RFC4733);
  assert_packet_clock (packets);
  g_autoptr (GArray) spec = occ_test_dtmf_parse (ALL_KEYS_SPEC, NULL);
  guint next = 0;
  for (guint i = 0; i < packets->len;)
    {
      const OccTestPcapPacket *p = packets->pdata[i];
      if (p->rtp.payload_type == OCC_TEST_DTMF_PAYLOAD_TYPE)
        {
          g_assert_cmpuint (next, <, spec->len);
          i += check_event (packets, i, &g_array_index (spec, OccTestDtmfKey, next++));
          continue;
        }
      /* audio in between: silence, on the audio clock */
      g_assert_cmpuint (p->rtp.payload_type, ==, 0);
      g_assert_cmpuint (p->rtp.timestamp, ==, i * 160);
      g_assert_cmpuint (p->len, ==, 160);
      for (gsize j = 0; j < p->len; j++)
        g_assert_cmpint (occ_test_ulaw_decode (p->payload[j]), ==, 0);
      i++;
    }
  g_assert_cmpuint (next, ==, spec->len);
  /* no tone anywhere: the keys are events only */
  gsize n = 0;
  g_autofree gint16 *pcm = decode_audio (packets, &n);
  g_autofree char *heard = occ_test_dtmf_detect (pcm, n, 8000);
  g_assert_cmpstr (heard, ==, "");
}

static void
test_writing_a_bad_spec_fails (void)
{
  g_autofree char *dir = occ_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "keys.pcap", NULL);
  g_autoptr (GError) e = NULL;
  g_assert_false (occ_test_dtmf_write_pcap (path, "100:Z", OCC_TEST_DTMF_INBAND, &e));
  g_assert_error (e, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  occ_test_rmtree (dir);
}

/* --- the detector's checks ----------------------------------------------------------- */

typedef struct {
  const char *what;
  guint low_hz, low;   /* amplitudes in 1/1000 of the testlib's tone level, */
  guint high_hz, high; /* about -10 dBFS */
  guint other;         /* a 440 Hz tone meanwhile (a prompt) */
  const char *keys;    /* what is found */
} DetectCase;

static const DetectCase detect_cases[] = {
  { "a key", 852, 1000, 1477, 1000, 0, "9" },
  { "twist of 6 dB, high louder", 852, 500, 1477, 1000, 0, "9" },
  { "twist of 6 dB, low louder", 852, 1000, 1477, 500, 0, "9" },
  { "a quieter key, about -20 dBFS each", 852, 300, 1477, 300, 0, "9" },
  { "twist of 12 dB", 852, 1000, 1477, 250, 0, "" },
  { "one tone alone", 852, 1000, 1477, 0, 0, "" },
  { "two tones of the low group", 852, 1000, 941, 1000, 0, "" },
  { "too quiet, about -38 dBFS each", 852, 40, 1477, 40, 0, "" },
  { "under a louder prompt", 852, 250, 1477, 250, 2000, "" },
  { "silence", 852, 0, 1477, 0, 0, "" },
};

static void
test_detector_checks_level_twist_and_purity (void)
{
  /* 300 ms of the pair, from 250 ms into a second of the prompt */
  const gsize n = 8000, start = 2000, len = 2400;
  g_autofree gint16 *other = occ_test_tone_samples (440, 8000, n);
  for (guint c = 0; c < G_N_ELEMENTS (detect_cases); c++)
    {
      const DetectCase *d = &detect_cases[c];
      g_autofree gint16 *low = occ_test_tone_samples (d->low_hz, 8000, len);
      g_autofree gint16 *high = occ_test_tone_samples (d->high_hz, 8000, len);
      g_autofree gint16 *pcm = g_new0 (gint16, n);
      for (gsize i = 0; i < n; i++)
        {
          gint mix = other[i] * (gint) d->other;
          if (i >= start && i < start + len)
            mix += low[i - start] * (gint) d->low + high[i - start] * (gint) d->high;
          pcm[i] = (gint16) CLAMP (mix / 1000, G_MININT16, G_MAXINT16);
        }
      g_autofree char *keys = occ_test_dtmf_detect (pcm, n, 8000);
      g_test_message ("%s: \"%s\"", d->what, keys);
      g_assert_cmpstr (keys, ==, d->keys);
    }
}

static void
test_detector_tells_repeated_keys_apart (void)
{
  /* 1 1 1: 100 ms each, 100 ms apart */
  g_autofree char *dir = occ_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "keys.pcap", NULL);
  g_assert_true (
      occ_test_dtmf_write_pcap (path, "100:1 300:1 500:1 700:1/80", OCC_TEST_DTMF_INBAND, NULL));
  g_autoptr (GPtrArray) packets = occ_test_pcap_read_rtp (path, NULL);
  g_assert_nonnull (packets);
  gsize n = 0;
  g_autofree gint16 *pcm = decode_audio (packets, &n);
  g_autofree char *keys = occ_test_dtmf_detect (pcm, n, 8000);
  g_assert_cmpstr (keys, ==, "1111");
  occ_test_rmtree (dir);
}

/* --- GStreamer's dtmfdetect ----------------------------------------------------------- */

#ifdef HAVE_GSTREAMER
/* Pushes the PCMU packets of @packets through appsrc ! mulawdec !
 * dtmfdetect and returns the keys of its dtmf-event messages. */
static char *
gst_detect (GPtrArray *packets)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (GstElement) pipeline
      = gst_parse_launch ("appsrc name=src format=time caps=audio/x-mulaw,rate=8000,channels=1 "
                          "! mulawdec ! dtmfdetect ! fakesink sync=false",
                          &e);
  g_assert_no_error (e);
  g_autoptr (GstElement) src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  for (guint i = 0; i < packets->len; i++)
    {
      const OccTestPcapPacket *p = packets->pdata[i];
      GstBuffer *buf = gst_buffer_new_memdup (p->payload, p->len);
      GST_BUFFER_PTS (buf) = p->time_us * GST_USECOND;
      GST_BUFFER_DURATION (buf) = 20 * GST_MSECOND;
      GstFlowReturn flow = GST_FLOW_OK;
      g_signal_emit_by_name (src, "push-buffer", buf, &flow);
      gst_buffer_unref (buf);
      g_assert_cmpint (flow, ==, GST_FLOW_OK);
    }
  GstFlowReturn flow = GST_FLOW_OK;
  g_signal_emit_by_name (src, "end-of-stream", &flow);
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  GString *keys = g_string_new (NULL);
  for (guint turns = 0; turns < 1000; turns++)
    {
      g_autoptr (GstMessage) m = gst_bus_timed_pop_filtered (
          bus, 10 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT);
      g_assert_nonnull (m);
      g_assert_cmpint (GST_MESSAGE_TYPE (m), !=, GST_MESSAGE_ERROR);
      if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS)
        break;
      const GstStructure *s = gst_message_get_structure (m);
      int number = -1;
      if (gst_structure_has_name (s, "dtmf-event") && gst_structure_get_int (s, "number", &number))
        g_string_append_c (keys, occ_test_dtmf_event_key ((guint) number));
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return g_string_free (keys, FALSE);
}
#endif

static void
test_gstreamer_dtmfdetect_finds_the_inband_keys (void)
{
#ifdef HAVE_GSTREAMER
  gst_init (NULL, NULL);
  g_autoptr (GstElementFactory) factory = gst_element_factory_find ("dtmfdetect");
  if (factory == NULL)
    {
      g_test_skip ("no GStreamer dtmfdetect (gstreamer1.0-plugins-bad)");
      return;
    }
  g_autoptr (GPtrArray) inband = write_and_read (ALL_KEYS_SPEC, OCC_TEST_DTMF_INBAND);
  g_autofree char *keys = gst_detect (inband);
  g_assert_cmpstr (keys, ==, ALL_KEYS);
  /* the RFC 4733 capture's audio is silence: nothing to find */
  g_autoptr (GPtrArray) events = write_and_read (ALL_KEYS_SPEC, OCC_TEST_DTMF_RFC4733);
  g_autoptr (GPtrArray) audio = g_ptr_array_new ();
  for (guint i = 0; i < events->len; i++)
    if (((OccTestPcapPacket *) events->pdata[i])->rtp.payload_type == 0)
      g_ptr_array_add (audio, events->pdata[i]);
  g_autofree char *none = gst_detect (audio);
  g_assert_cmpstr (none, ==, "");
#else
  g_test_skip ("built without GStreamer");
#endif
}

/* --- sipp presses keys ---------------------------------------------------------------- */

#define SIPP_SPEC "500:1 900:2 1300:3/200 1800:#"

/* TRUE if sipp's message trace @messages has a line matching @pattern
 * ("sent (N bytes):" or "received [N] bytes :" and the message). */
static gboolean
logged (const char *messages, const char *pattern)
{
  return g_regex_match_simple (pattern, messages, G_REGEX_MULTILINE, 0);
}

/* Starts the answerer @uas_c, then the caller @uac_c against it, and
 * waits until both have made their one call successfully. */
static void
call (OccTestSippConfig *uas_c, OccTestSippConfig *uac_c, OccTestSipp **uas, OccTestSipp **uac)
{
  *uas = occ_test_sipp_start (uas_c);
  g_assert_nonnull (*uas);
  uac_c->remote = (*uas)->address;
  *uac = occ_test_sipp_start (uac_c);
  g_assert_nonnull (*uac);
  int status = occ_test_sipp_wait (*uac, CALL_MS);
  if (status != 0)
    occ_test_sipp_dump (*uac);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpint (occ_test_sipp_wait (*uas, CALL_MS), ==, 0);
}

/* A "uac-dtmf" caller pressing SIPP_SPEC in @mode into a "uas" whose
 * meter then holds what it received; the caller hangs up after 3 s. */
static OccTestSipp *
press_into_meter (OccTestDtmfMode mode, char **invite)
{
  OccTestSippConfig uas_c = { .scenario = "uas", .calls = 1, .rtp_meter = TRUE };
  OccTestSippConfig uac_c = { .scenario = "uac-dtmf",
                              .calls = 1,
                              .dtmf = SIPP_SPEC,
                              .dtmf_mode = mode,
                              .hangup_after_ms = 3000 };
  OccTestSipp *uas = NULL;
  g_autoptr (OccTestSipp) uac = NULL;
  call (&uas_c, &uac_c, &uas, &uac);
  /* the caller hung up: its BYE, after the keys */
  g_autofree char *messages = occ_test_read (uac->messages);
  g_assert_true (logged (messages, "sent \\([0-9]+ bytes\\):\\s+BYE "));
  const char *sdp = strstr (messages, "m=audio ");
  g_assert_nonnull (sdp);
  *invite = g_strndup (sdp, strcspn (sdp, "\r\n"));
  return uas;
}

static gboolean
needs_root (void)
{
  if (getuid () == 0)
    return FALSE;
  /* play_pcap_audio sends through a raw socket */
  g_test_skip ("sipp plays RTP only as root");
  return TRUE;
}

typedef struct {
  OccTestDtmfMode mode;
  const char *formats; /* how the SDP's m= line ends */
  const char *events;  /* what the answerer's meter got as RFC 4733 events */
  const char *tones;   /* … and as tones in the audio */
} SippCase;

static void
test_sipp_sends_keys (gconstpointer data)
{
  const SippCase *c = data;
  if (needs_root ())
    return;
  g_autofree char *m_line = NULL;
  g_autoptr (OccTestSipp) uas = press_into_meter (c->mode, &m_line);
  g_test_message ("the caller offered \"%s\"", m_line);
  g_assert_true (g_str_has_suffix (m_line, c->formats));
  g_autofree char *events = occ_test_rtp_meter_events (uas->meter);
  g_autofree char *tones = occ_test_rtp_meter_dtmf (uas->meter);
  g_test_message ("the answerer got events \"%s\" and tones \"%s\" in %u packets", events, tones,
                  occ_test_rtp_meter_packets (uas->meter));
  g_assert_cmpstr (events, ==, c->events);
  g_assert_cmpstr (tones, ==, c->tones);
  /* audio went on around the events, or carried the keys */
  g_assert_cmpint (occ_test_rtp_meter_payload_type (uas->meter), ==, 0);
}

static void
test_sipp_caller_hears_and_far_end_hangs_up (void)
{
  if (needs_root ())
    return;
  /* the far end plays 1000 Hz and hangs up after 2.5 s, long before the
   * caller would */
  OccTestSippConfig uas_c = {
    .scenario = "uas-hangs-up", .calls = 1, .pause_ms = 2500, .tone_hz = 1000, .rtp_meter = TRUE
  };
  OccTestSippConfig uac_c = { .scenario = "uac-dtmf",
                              .calls = 1,
                              .dtmf = "300:5 700:0",
                              .dtmf_mode = OCC_TEST_DTMF_INBAND,
                              .rtp_meter = TRUE };
  g_autoptr (OccTestSipp) uas = NULL;
  g_autoptr (OccTestSipp) uac = NULL;
  call (&uas_c, &uac_c, &uas, &uac);
  /* it answered the far end's BYE and sent none */
  g_autofree char *messages = occ_test_read (uac->messages);
  g_assert_true (logged (messages, "received \\[[0-9]+\\] bytes :\\s+BYE "));
  g_assert_false (logged (messages, "sent \\([0-9]+ bytes\\):\\s+BYE "));
  /* the caller's meter heard the far end, the far end's meter the keys */
  double heard = occ_test_rtp_meter_tone_seconds (uac->meter, 1000);
  g_autofree char *keys = occ_test_rtp_meter_dtmf (uas->meter);
  g_test_message ("the caller heard 1000 Hz for %.2f s; the far end heard \"%s\"", heard, keys);
  g_assert_cmpfloat (heard, >=, 1.5);
  g_assert_cmpstr (keys, ==, "50");
  g_autofree char *caller_keys = occ_test_rtp_meter_dtmf (uac->meter);
  g_assert_cmpstr (caller_keys, ==, "");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dtmf/spec/is-parsed-and-checked", test_spec_is_parsed_and_checked);
  g_test_add_func ("/dtmf/pcap/in-band-decodes-to-the-keys-at-their-offsets",
                   test_inband_capture_decodes_to_the_keys);
  g_test_add_func ("/dtmf/pcap/rfc4733-events-are-well-formed",
                   test_rfc4733_capture_has_well_formed_events);
  g_test_add_func ("/dtmf/pcap/bad-spec-writes-nothing", test_writing_a_bad_spec_fails);
  g_test_add_func ("/dtmf/detect/checks-level-twist-and-purity",
                   test_detector_checks_level_twist_and_purity);
  g_test_add_func ("/dtmf/detect/tells-repeated-keys-apart",
                   test_detector_tells_repeated_keys_apart);
  g_test_add_func ("/dtmf/gstreamer/dtmfdetect-finds-the-in-band-keys",
                   test_gstreamer_dtmfdetect_finds_the_inband_keys);
  /* in-band: PCMU alone, no telephone-event offered */
  static const SippCase rfc4733 = { OCC_TEST_DTMF_RFC4733, " RTP/AVP 0 101", "123#", "" },
                        inband = { OCC_TEST_DTMF_INBAND, " RTP/AVP 0", "", "123#" };
  g_test_add_data_func ("/dtmf/sipp/sends-rfc4733-keys", &rfc4733, test_sipp_sends_keys);
  g_test_add_data_func ("/dtmf/sipp/sends-in-band-keys", &inband, test_sipp_sends_keys);
  g_test_add_func ("/dtmf/sipp/caller-hears-the-far-end-which-hangs-up",
                   test_sipp_caller_hears_and_far_end_hangs_up);
  return g_test_run ();
}
