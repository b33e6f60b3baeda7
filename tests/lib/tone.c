/* Tones for media tests; see tone.h. */
#include "tone.h"

#include "rtp-pcap.h"

#include <string.h>

#define TONE_AMPLITUDE 10362 /* -10 dBFS */
#define TWO_PI 6.283185307179586

/* --- a little trigonometry (testlib does not link libm) ----------------------------- */

static double
cosine (double x)
{
  x -= TWO_PI * (double) (gint64) (x / TWO_PI);
  if (x > G_PI)
    x -= TWO_PI;
  else if (x < -G_PI)
    x += TWO_PI;
  double term = 1, sum = 1;
  for (int k = 1; k < 16; k++)
    {
      term *= -x * x / ((2.0 * k - 1) * (2.0 * k));
      sum += term;
    }
  return sum;
}

/* --- G.711 -------------------------------------------------------------------------- */

#define ULAW_BIAS 0x84
#define ULAW_CLIP 32635

guint8
occ_test_ulaw_encode (gint16 sample)
{
  int s = sample;
  int sign = 0;
  if (s < 0)
    {
      sign = 0x80;
      s = -s;
    }
  if (s > ULAW_CLIP)
    s = ULAW_CLIP;
  s += ULAW_BIAS;
  int exponent = 7;
  for (int mask = 0x4000; (s & mask) == 0 && exponent > 0; mask >>= 1)
    exponent--;
  int mantissa = (s >> (exponent + 3)) & 0x0F;
  return (guint8) ~(sign | (exponent << 4) | mantissa);
}

gint16
occ_test_ulaw_decode (guint8 code)
{
  code = (guint8) ~code;
  int exponent = (code >> 4) & 0x07;
  int mantissa = code & 0x0F;
  int s = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
  return (gint16) ((code & 0x80) ? -s : s);
}

gint16
occ_test_alaw_decode (guint8 code)
{
  code ^= 0x55;
  int s = (code & 0x0F) << 4;
  int segment = (code & 0x70) >> 4;
  if (segment == 0)
    s += 8;
  else
    s = (s + 0x108) << (segment - 1);
  return (gint16) ((code & 0x80) ? s : -s);
}

/* --- making tones ------------------------------------------------------------------- */

gint16 *
occ_test_tone_samples (guint hz, guint rate, gsize n)
{
  g_return_val_if_fail (rate > 0, NULL);
  gint16 *out = g_new (gint16, n ? n : 1);
  for (gsize i = 0; i < n; i++)
    {
      /* the phase reduced exactly, in whole samples */
      guint64 step = ((guint64) hz * i) % rate;
      double phase = TWO_PI * (double) step / rate;
      out[i] = (gint16) (TONE_AMPLITUDE * cosine (phase - G_PI / 2));
    }
  return out;
}

static void
put16 (GByteArray *b, guint16 v)
{
  guint8 x[2] = { v & 0xff, v >> 8 };
  g_byte_array_append (b, x, 2);
}

static void
put32 (GByteArray *b, guint32 v)
{
  guint8 x[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };
  g_byte_array_append (b, x, 4);
}

static gboolean
save (const char *path, GByteArray *b, GError **error)
{
  return g_file_set_contents (path, (const char *) b->data, b->len, error);
}

gboolean
occ_test_tone_write_wav (const char *path, guint hz, guint ms, GError **error)
{
  const guint rate = 8000;
  gsize n = (gsize) rate * ms / 1000;
  g_autofree gint16 *pcm = occ_test_tone_samples (hz, rate, n);
  g_autoptr (GByteArray) b = g_byte_array_new ();
  g_byte_array_append (b, (const guint8 *) "RIFF", 4);
  put32 (b, (guint32) (36 + n * 2));
  g_byte_array_append (b, (const guint8 *) "WAVEfmt ", 8);
  put32 (b, 16);
  put16 (b, 1); /* PCM */
  put16 (b, 1); /* mono */
  put32 (b, rate);
  put32 (b, rate * 2);
  put16 (b, 2);
  put16 (b, 16);
  g_byte_array_append (b, (const guint8 *) "data", 4);
  put32 (b, (guint32) (n * 2));
  for (gsize i = 0; i < n; i++)
    put16 (b, (guint16) pcm[i]);
  return save (path, b, error);
}

gboolean
occ_test_tone_write_pcap (const char *path, guint hz, guint ms, GError **error)
{
  const guint per_packet = 160; /* 20 ms at 8 kHz */
  guint packets = MAX (1, ms / 20);
  g_autofree gint16 *pcm = occ_test_tone_samples (hz, 8000, (gsize) packets * per_packet);
  g_autoptr (GByteArray) b = occ_test_pcap_new ();
  guint8 payload[160];
  for (guint p = 0; p < packets; p++)
    {
      for (guint i = 0; i < per_packet; i++)
        payload[i] = occ_test_ulaw_encode (pcm[p * per_packet + i]);
      OccTestRtpHeader rtp = { .payload_type = 0,
                               .marker = p == 0,
                               .seq = (guint16) p,
                               .timestamp = p * per_packet,
                               .ssrc = OCC_TEST_PCAP_SSRC };
      occ_test_pcap_add_rtp (b, (guint64) p * 20000, &rtp, payload, per_packet);
    }
  return save (path, b, error);
}

/* --- finding tones ------------------------------------------------------------------ */

double
occ_test_goertzel (const gint16 *samples, gsize n, guint rate, guint hz)
{
  g_return_val_if_fail (rate > 0, 0);
  if (n == 0)
    return 0;
  double coeff = 2 * cosine (TWO_PI * hz / rate);
  double s1 = 0, s2 = 0;
  for (gsize i = 0; i < n; i++)
    {
      double s0 = samples[i] + coeff * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
  double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  /* a sine of amplitude A over all n samples gives power (A n / 2)^2 */
  return 4 * power / ((double) n * n);
}

double
occ_test_energy (const gint16 *samples, gsize n)
{
  double energy = 0;
  for (gsize i = 0; i < n; i++)
    energy += (double) samples[i] * samples[i];
  return energy;
}

double
occ_test_tone_seconds (const gint16 *samples, gsize n, guint rate, guint hz)
{
  return occ_test_tone_share_seconds (samples, n, rate, hz, 0.5);
}

double
occ_test_tone_share_seconds (const gint16 *samples, gsize n, guint rate, guint hz, double share)
{
  g_return_val_if_fail (rate >= 20, 0);
  gsize block = rate / 20;
  guint found = 0;
  for (gsize start = 0; start + block <= n; start += block)
    {
      double energy = occ_test_energy (samples + start, block);
      /* silence (below about -40 dBFS) carries no tone */
      if (energy < (double) block * 300 * 300)
        continue;
      /* a pure tone at @hz has a mean square of A^2 / 2 */
      double square = occ_test_goertzel (samples + start, block, rate, hz);
      if (square / 2 / (energy / block) > share)
        found++;
    }
  return found * 0.05;
}

static guint32
le32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

static guint16
le16 (const guint8 *p)
{
  return (guint16) (p[0] | p[1] << 8);
}

gint16 *
occ_test_wav_read (const char *path, gsize *n_samples, guint *rate)
{
  g_autofree guint8 *data = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, (char **) &data, &len, NULL) || len < 12
      || memcmp (data, "RIFF", 4) != 0 || memcmp (data + 8, "WAVE", 4) != 0)
    return NULL;
  guint channels = 0, bits = 0, format = 0;
  guint32 sample_rate = 0;
  for (gsize pos = 12; pos + 8 <= len;)
    {
      guint32 size = le32 (data + pos + 4);
      const guint8 *body = data + pos + 8;
      gsize left = len - pos - 8;
      if (memcmp (data + pos, "fmt ", 4) == 0 && size >= 16 && left >= 16)
        {
          format = le16 (body);
          channels = le16 (body + 2);
          sample_rate = le32 (body + 4);
          bits = le16 (body + 14);
        }
      else if (memcmp (data + pos, "data", 4) == 0)
        {
          /* 1 = PCM, 0xfffe = WAVE_FORMAT_EXTENSIBLE (PCM here) */
          if ((format != 1 && format != 0xfffe) || bits != 16 || channels == 0)
            return NULL;
          /* a writer that never finished leaves 0 (or too much) here */
          if (size == 0 || size > left)
            size = (guint32) left;
          gsize n = size / (2 * channels);
          gint16 *out = g_new (gint16, n ? n : 1);
          for (gsize i = 0; i < n; i++)
            out[i] = (gint16) le16 (body + i * 2 * channels);
          *n_samples = n;
          if (rate)
            *rate = sample_rate;
          return out;
        }
      pos += 8 + (gsize) size + (size & 1);
    }
  return NULL;
}

double
occ_test_wav_tone_seconds (const char *path, guint hz)
{
  gsize n = 0;
  guint rate = 0;
  g_autofree gint16 *samples = occ_test_wav_read (path, &n, &rate);
  if (samples == NULL || rate < 20)
    return -1;
  return occ_test_tone_seconds (samples, n, rate, hz);
}

gint16 *
occ_test_wav_channel (const char *path, guint channel, gboolean alaw, gsize *n)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  gsize header = alaw ? 58 : 44;
  if (channel > 1 || !g_file_get_contents (path, &data, &len, NULL) || len < header
      || memcmp (data, "RIFF", 4) != 0 || memcmp (data + header - 8, "data", 4) != 0)
    return NULL;
  guint32 size = (guint8) data[header - 4] | (guint8) data[header - 3] << 8
                 | (guint8) data[header - 2] << 16 | (guint32) (guint8) data[header - 1] << 24;
  if (size != len - header)
    return NULL;
  gsize frame = alaw ? 2 : 4;
  *n = (len - header) / frame;
  gint16 *out = g_new (gint16, *n + 1);
  const guint8 *p = (const guint8 *) data + header;
  for (gsize i = 0; i < *n; i++)
    out[i] = alaw ? occ_test_alaw_decode (p[i * 2 + channel])
                  : (gint16) (p[i * 4 + channel * 2] | p[i * 4 + channel * 2 + 1] << 8);
  return out;
}
