/* DTMF made and found again; see dtmf.h. */
#include "dtmf.h"

#include "rtp-pcap.h"
#include "tone.h"

#include <gio/gio.h>
#include <string.h>

#define PACKET_MS 20
#define PACKET_SAMPLES 160 /* 20 ms at 8 kHz */
#define END_COPIES 3       /* the end of an event, sent three times */
#define TAIL_PACKETS 25    /* 500 ms of silence after the last key */
#define MIN_KEY_MS 40
#define MAX_KEY_MS 10000
#define EVENT_VOLUME 10 /* -10 dBm0 */
#define BLOCK_MS 40
#define MIN_SQUARE (500.0 * 500.0)    /* a key's tone: about -36 dBFS or more */
#define MIN_MEAN_SQUARE (300.0 * 300) /* not silence: about -40 dBFS or more */
#define PEAK_RATIO 4.0                /* 6 dB over the rest of its group */
#define MAX_TWIST 6.31                /* 8 dB */
#define MIN_SHARE 0.5                 /* of the block's power in the two tones */

static const char events[] = "0123456789*#ABCD";
static const guint low_hz[4] = { 697, 770, 852, 941 };
static const guint high_hz[4] = { 1209, 1336, 1477, 1633 };
static const char pad[4][5] = { "123A", "456B", "789C", "*0#D" };

char
occ_test_dtmf_event_key (guint event)
{
  return event < 16 ? events[event] : 0;
}

/* Where @key is on the keypad: its low and high group; FALSE if it is
 * not a key. */
static gboolean
keypad (char key, guint *row, guint *column)
{
  for (guint r = 0; r < 4; r++)
    for (guint c = 0; c < 4; c++)
      if (pad[r][c] == key)
        {
          *row = r;
          *column = c;
          return TRUE;
        }
  return FALSE;
}

gint16 *
occ_test_dtmf_key_samples (char key, guint rate, gsize n)
{
  guint row = 0, column = 0;
  if (!keypad (key, &row, &column))
    return NULL;
  g_autofree gint16 *low = occ_test_tone_samples (low_hz[row], rate, n);
  g_autofree gint16 *high = occ_test_tone_samples (high_hz[column], rate, n);
  gint16 *out = g_new (gint16, n ? n : 1);
  for (gsize s = 0; s < n; s++)
    out[s] = (gint16) (low[s] + high[s]);
  return out;
}

/* --- the spec ----------------------------------------------------------------------- */

static gboolean
number (const char *text, guint max, guint *value)
{
  guint64 v = 0;
  if (!g_ascii_string_to_unsigned (text, 10, 0, max, &v, NULL))
    return FALSE;
  *value = (guint) v;
  return TRUE;
}

/* "OFFSET:KEY[/MS]" into @k, rounded to whole packets. */
static gboolean
parse_item (const char *item, OccTestDtmfKey *k)
{
  g_auto (GStrv) at = g_strsplit (item, ":", 2);
  if (g_strv_length (at) != 2 || !number (at[0], G_MAXUINT / 2, &k->start_ms))
    return FALSE;
  const char *rest = at[1];
  guint row, column;
  if (rest[0] == '\0' || !keypad (rest[0], &row, &column))
    return FALSE;
  k->key = rest[0];
  k->ms = OCC_TEST_DTMF_DEFAULT_MS;
  if (rest[1] != '\0' && (rest[1] != '/' || !number (rest + 2, MAX_KEY_MS, &k->ms)))
    return FALSE;
  k->start_ms -= k->start_ms % PACKET_MS;
  k->ms -= k->ms % PACKET_MS;
  return k->ms >= MIN_KEY_MS;
}

GArray *
occ_test_dtmf_parse (const char *spec, GError **error)
{
  g_return_val_if_fail (spec != NULL, NULL);
  g_autoptr (GArray) keys = g_array_new (FALSE, FALSE, sizeof (OccTestDtmfKey));
  g_auto (GStrv) items = g_strsplit_set (spec, " \t\n", -1);
  guint free_from = 0; /* where the next key may start */
  for (guint i = 0; items[i]; i++)
    {
      if (items[i][0] == '\0')
        continue;
      OccTestDtmfKey k = { 0 };
      if (!parse_item (items[i], &k))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "DTMF spec \"%s\": \"%s\" is not OFFSET:KEY[/MS] with a key 0-9 * # "
                       "A-D lasting %u to %u ms",
                       spec, items[i], MIN_KEY_MS, MAX_KEY_MS);
          return NULL;
        }
      if (k.start_ms < free_from)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "DTMF spec \"%s\": \"%s\" starts before %u ms (keys in order, %u ms "
                       "apart)",
                       spec, items[i], free_from, (END_COPIES - 1) * PACKET_MS);
          return NULL;
        }
      free_from = k.start_ms + k.ms + (END_COPIES - 1) * PACKET_MS;
      g_array_append_val (keys, k);
    }
  return g_steal_pointer (&keys);
}

/* --- the capture -------------------------------------------------------------------- */

/* The event packet @j (from 0) of a key of @packets packets. */
static void
event_payload (const OccTestDtmfKey *k, guint j, guint packets, guint8 payload[4])
{
  guint event = (guint) (strchr (events, k->key) - events);
  guint duration = MIN (j + 1, packets) * PACKET_SAMPLES;
  payload[0] = (guint8) event;
  payload[1] = (guint8) ((j + 1 >= packets ? 0x80 : 0) | EVENT_VOLUME);
  payload[2] = (guint8) (duration >> 8);
  payload[3] = (guint8) duration;
}

/* The audio of the whole capture: silence with the keys' tones. */
static gint16 *
inband_audio (GArray *keys, gsize n)
{
  gint16 *pcm = g_new0 (gint16, n);
  for (guint i = 0; keys != NULL && i < keys->len; i++)
    {
      const OccTestDtmfKey *k = &g_array_index (keys, OccTestDtmfKey, i);
      gsize start = (gsize) k->start_ms * 8, len = (gsize) k->ms * 8;
      g_autofree gint16 *tones = occ_test_dtmf_key_samples (k->key, 8000, len);
      memcpy (pcm + start, tones, len * sizeof *tones);
    }
  return pcm;
}

/* The key whose event covers packet @p, or NULL; its first packet in
 * @first. */
static const OccTestDtmfKey *
key_at (GArray *keys, guint p, guint *first)
{
  for (guint i = 0; i < keys->len; i++)
    {
      const OccTestDtmfKey *k = &g_array_index (keys, OccTestDtmfKey, i);
      guint start = k->start_ms / PACKET_MS;
      guint packets = k->ms / PACKET_MS;
      if (p >= start && p < start + packets + END_COPIES - 1)
        {
          *first = start;
          return k;
        }
    }
  return NULL;
}

gboolean
occ_test_dtmf_write_pcap (const char *path, const char *spec, OccTestDtmfMode mode, GError **error)
{
  g_autoptr (GArray) keys = occ_test_dtmf_parse (spec, error);
  if (keys == NULL)
    return FALSE;
  guint total = TAIL_PACKETS;
  if (keys->len > 0)
    {
      const OccTestDtmfKey *last = &g_array_index (keys, OccTestDtmfKey, keys->len - 1);
      total += (last->start_ms + last->ms) / PACKET_MS + END_COPIES - 1;
    }
  g_autofree gint16 *pcm
      = inband_audio (mode == OCC_TEST_DTMF_INBAND ? keys : NULL, (gsize) total * PACKET_SAMPLES);
  g_autoptr (GByteArray) b = occ_test_pcap_new ();
  for (guint p = 0; p < total; p++)
    {
      OccTestRtpHeader rtp = { .payload_type = 0,
                               .marker = p == 0,
                               .seq = (guint16) p,
                               .timestamp = p * PACKET_SAMPLES,
                               .ssrc = OCC_TEST_PCAP_SSRC };
      guint first = 0;
      const OccTestDtmfKey *k = mode == OCC_TEST_DTMF_RFC4733 ? key_at (keys, p, &first) : NULL;
      guint8 payload[PACKET_SAMPLES];
      gsize len = PACKET_SAMPLES;
      if (k != NULL)
        {
          rtp.payload_type = OCC_TEST_DTMF_PAYLOAD_TYPE;
          rtp.marker = p == first;
          rtp.timestamp = first * PACKET_SAMPLES;
          event_payload (k, p - first, k->ms / PACKET_MS, payload);
          len = 4;
        }
      else
        for (guint i = 0; i < PACKET_SAMPLES; i++)
          payload[i] = occ_test_ulaw_encode (pcm[(gsize) p * PACKET_SAMPLES + i]);
      occ_test_pcap_add_rtp (b, (guint64) p * PACKET_MS * 1000, &rtp, payload, len);
    }
  return g_file_set_contents (path, (const char *) b->data, b->len, error);
}

gboolean
occ_test_dtmf_event_parse (const guint8 *payload, gsize len, OccTestDtmfEvent *event)
{
  if (len < 4)
    return FALSE;
  event->event = payload[0];
  event->end = (payload[1] & 0x80) != 0;
  event->volume = payload[1] & 0x3f;
  event->duration = (guint16) (payload[2] << 8 | payload[3]);
  return TRUE;
}

/* --- finding keys in audio ---------------------------------------------------------- */

/* The strongest of @hz[4] in @x: its index, its square in @best and the
 * largest square of the other three in @rest. */
static guint
strongest (const gint16 *x, gsize n, guint rate, const guint hz[4], double *best, double *rest)
{
  double square[4];
  guint top = 0;
  for (guint i = 0; i < 4; i++)
    {
      square[i] = occ_test_goertzel (x, n, rate, hz[i]);
      if (square[i] > square[top])
        top = i;
    }
  *best = square[top];
  *rest = 0;
  for (guint i = 0; i < 4; i++)
    if (i != top)
      *rest = MAX (*rest, square[i]);
  return top;
}

/* The key in one block, 0 if none. */
static char
block_key (const gint16 *x, gsize n, guint rate)
{
  double mean_square = occ_test_energy (x, n) / n;
  if (mean_square < MIN_MEAN_SQUARE)
    return 0;
  double low, low_rest, high, high_rest;
  guint row = strongest (x, n, rate, low_hz, &low, &low_rest);
  guint column = strongest (x, n, rate, high_hz, &high, &high_rest);
  if (low < MIN_SQUARE || high < MIN_SQUARE)
    return 0;
  if (low < PEAK_RATIO * low_rest || high < PEAK_RATIO * high_rest)
    return 0;
  if (low > MAX_TWIST * high || high > MAX_TWIST * low)
    return 0;
  /* a sine of amplitude A has a mean square of A^2 / 2 */
  if ((low + high) / 2 < MIN_SHARE * mean_square)
    return 0;
  return pad[row][column];
}

GArray *
occ_test_dtmf_find (const gint16 *samples, gsize n, guint rate)
{
  g_return_val_if_fail (rate >= 1000 / BLOCK_MS, NULL);
  GArray *found = g_array_new (FALSE, FALSE, sizeof (OccTestDtmfKey));
  gsize block = (gsize) rate * BLOCK_MS / 1000;
  char previous = 0;
  OccTestDtmfKey *current = NULL;
  for (gsize b = 0; (b + 1) * block <= n; b++)
    {
      char key = block_key (samples + b * block, block, rate);
      if (current != NULL && key == current->key)
        current->ms += BLOCK_MS;
      else
        current = NULL;
      if (current == NULL && key != 0 && key == previous)
        {
          OccTestDtmfKey k = { key, (guint) (b - 1) * BLOCK_MS, 2 * BLOCK_MS };
          g_array_append_val (found, k);
          current = &g_array_index (found, OccTestDtmfKey, found->len - 1);
        }
      previous = key;
    }
  return found;
}

char *
occ_test_dtmf_detect (const gint16 *samples, gsize n, guint rate)
{
  g_autoptr (GArray) found = occ_test_dtmf_find (samples, n, rate);
  if (found == NULL)
    return NULL;
  GString *keys = g_string_new (NULL);
  for (guint i = 0; i < found->len; i++)
    g_string_append_c (keys, g_array_index (found, OccTestDtmfKey, i).key);
  return g_string_free (keys, FALSE);
}
