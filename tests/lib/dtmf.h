/* DTMF for tests of menus (IVR): a caller's key presses made as a pcap
 * capture that sipp plays (sipp.h: .dtmf), sent either as RFC 4733
 * telephone-events or as in-band tones in G.711 audio, and keys found
 * again in audio (a Goertzel detector) or in RFC 4733 packets (the RTP
 * meter, rtp-meter.h).
 *
 * Keys are the characters 0-9 * # A-D; RFC 4733 events 0-15 in that
 * order. Any thread; nothing is shared. */
#pragma once

#include <glib.h>

typedef enum {
  OCC_TEST_DTMF_RFC4733, /* telephone-event packets, payload type 101 */
  OCC_TEST_DTMF_INBAND,  /* the keys' tones (ITU-T Q.23) in PCMU audio */
} OccTestDtmfMode;

/* The payload type of telephone-events in the captures and in the SDP of
 * the sipp scenarios (tests/lib/sipp/). */
#define OCC_TEST_DTMF_PAYLOAD_TYPE 101
/* How long a key lasts when the spec does not say. */
#define OCC_TEST_DTMF_DEFAULT_MS 100

/* One key of a spec, or one key found. */
typedef struct {
  char key;
  guint start_ms; /* from the start of the capture or of the audio */
  guint ms;       /* how long it lasts */
} OccTestDtmfKey;

/* @n samples (@rate per second) of @key's two tones (ITU-T Q.23), each
 * at about -10 dBFS (transfer full); NULL if @key is not a key. */
gint16 *occ_test_dtmf_key_samples (char key, guint rate, gsize n);

/* Parses @spec, "OFFSET:KEY[/MS] …" separated by spaces: "1500:1 3000:2
 * 4500:#/200" presses 1 at 1.5 s for 100 ms, 2 at 3 s, # at 4.5 s for
 * 200 ms. Offsets and durations are rounded down to whole 20 ms packets;
 * a key lasts 40 ms to 10 s and starts at least 40 ms after the one
 * before it ended (an RFC 4733 event's end is sent three times). Returns
 * the keys in order (transfer full), NULL with @error set (naming the bad
 * item) otherwise. "" is no key at all. */
GArray *occ_test_dtmf_parse (const char *spec, GError **error);

/* Writes @spec (see occ_test_dtmf_parse()) as a pcap capture (rtp-pcap.h)
 * of 20 ms RTP packets from time 0 to 500 ms after the last key:
 *  - OCC_TEST_DTMF_RFC4733: PCMU silence (payload type 0), except during
 *    a key: its telephone-event packets (payload type 101; marker on the
 *    first; one RTP timestamp, that of the key's start; the duration
 *    growing by 160 every packet; volume 10; the last packet sent three
 *    times with the end bit), each in the place of an audio packet;
 *  - OCC_TEST_DTMF_INBAND: PCMU audio alone, silent but for the keys: a
 *    key's low and high tones at about -10 dBFS each.
 * Sequence numbers and RTP timestamps run on across both kinds: packet i
 * has sequence number i and is captured at i × 20 ms; audio packet i has
 * timestamp i × 160. */
gboolean occ_test_dtmf_write_pcap (const char *path, const char *spec, OccTestDtmfMode mode,
                                   GError **error);

/* The key of RFC 4733 event @event, or 0 if it is not a DTMF key (> 15). */
char occ_test_dtmf_event_key (guint event);

/* An RFC 4733 telephone-event payload. */
typedef struct {
  guint8 event;
  gboolean end;
  guint8 volume;
  guint16 duration; /* in RTP timestamp units */
} OccTestDtmfEvent;

/* Parses the first 4 bytes of a telephone-event payload; FALSE if @len
 * is less than 4. */
gboolean occ_test_dtmf_event_parse (const guint8 *payload, gsize len, OccTestDtmfEvent *event);

/* The keys whose tones are in @samples (@n of them, @rate per second),
 * with where they start and how long they last (transfer full, an array
 * of OccTestDtmfKey). Goertzel on the 8 DTMF frequencies over 40 ms
 * blocks; a block holds a key when it is not silent (about -40 dBFS),
 * each of the key's tones is above about -36 dBFS and the strongest of
 * its group by 6 dB, the two are within 8 dB of each other (twist), and
 * they carry half the block's power or more. A key starts on two blocks
 * in a row and ends on a block that does not hold it: keys of 80 ms or
 * more are found, the same key twice when 80 ms or more apart. Starts are
 * within 40 ms of the truth. */
GArray *occ_test_dtmf_find (const gint16 *samples, gsize n, guint rate);

/* occ_test_dtmf_find() as a string of the keys found, in order ("" if
 * none; transfer full). */
char *occ_test_dtmf_detect (const gint16 *samples, gsize n, guint rate);
