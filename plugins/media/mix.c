/* See mix.h. */
#include "mix.h"

#include <string.h>

void
media_ring_init (MediaRing *r, gint64 pos)
{
  r->pos = pos;
  memset (r->buf, 0, sizeof r->buf);
}

guint
media_ring_add (MediaRing *r, gint64 at, const gint16 *samples, guint n)
{
  guint kept = 0;
  for (guint i = 0; i < n; i++)
    {
      gint64 idx = at + i;
      if (idx < r->pos || idx >= r->pos + MEDIA_RING)
        continue;
      gint16 *slot = &r->buf[idx % MEDIA_RING];
      gint32 sum = (gint32) *slot + samples[i];
      *slot = (gint16) CLAMP (sum, G_MININT16, G_MAXINT16);
      kept++;
    }
  return kept;
}

void
media_ring_take (MediaRing *r, gint32 *out, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      gint16 *slot = &r->buf[(r->pos + i) % MEDIA_RING];
      out[i] += *slot;
      *slot = 0;
    }
  r->pos += n;
}

void
media_ring_seek (MediaRing *r, gint64 pos)
{
  if (pos <= r->pos)
    return;
  if (pos - r->pos >= MEDIA_RING)
    memset (r->buf, 0, sizeof r->buf);
  else
    for (gint64 i = r->pos; i < pos; i++)
      r->buf[i % MEDIA_RING] = 0;
  r->pos = pos;
}

void
media_mix_clamp (const gint32 *in, gint16 *out, guint n)
{
  for (guint i = 0; i < n; i++)
    out[i] = (gint16) CLAMP (in[i], G_MININT16, G_MAXINT16);
}

/* G.711 A-law: a sign bit, a 3-bit segment (the exponent) and a 4-bit
 * mantissa of the 13-bit magnitude, even bits inverted (XOR 0x55). */
guint8
media_alaw_encode (gint16 sample)
{
  gint v = sample >> 3; /* 13 bits */
  guint8 sign = 0x80;
  if (v < 0)
    {
      sign = 0;
      v = -v - 1;
    }
  if (v > 0xfff)
    v = 0xfff;
  guint8 code;
  if (v < 32)
    code = (guint8) (v >> 1);
  else
    {
      guint seg = 1;
      while ((v >> (seg + 5)) > 0 && seg < 7)
        seg++;
      code = (guint8) ((seg << 4) | ((v >> seg) & 0x0f));
    }
  return (guint8) ((code | sign) ^ 0x55);
}

MediaPrompt *
media_prompt_ref (MediaPrompt *p)
{
  g_atomic_int_inc (&p->ref);
  return p;
}

void
media_prompt_unref (MediaPrompt *p)
{
  if (p == NULL || !g_atomic_int_dec_and_test (&p->ref))
    return;
  g_free (p->path);
  g_free (p->samples);
  g_free (p);
}

MediaPlayer *
media_player_new (guint id, MediaPrompt **prompts, guint n, gboolean loop)
{
  MediaPlayer *p = g_new0 (MediaPlayer, 1);
  p->id = id;
  p->prompts = g_new0 (MediaPrompt *, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    p->prompts[i] = media_prompt_ref (prompts[i]);
  p->n_prompts = n;
  p->loop = loop;
  return p;
}

void
media_player_free (MediaPlayer *p)
{
  if (p == NULL)
    return;
  for (guint i = 0; i < p->n_prompts; i++)
    media_prompt_unref (p->prompts[i]);
  g_free (p->prompts);
  g_free (p);
}

gboolean
media_player_fill (MediaPlayer *p, gint32 *out, guint n)
{
  guint done = 0;
  guint empty_rounds = 0;
  while (done < n)
    {
      if (p->index >= p->n_prompts)
        {
          /* a loop of prompts that are all empty would never fill a frame */
          if (!p->loop || p->n_prompts == 0 || ++empty_rounds > 1)
            return FALSE;
          p->index = 0;
          p->offset = 0;
        }
      const MediaPrompt *pr = p->prompts[p->index];
      gsize left = pr->n - p->offset;
      guint k = (guint) MIN (left, (gsize) (n - done));
      for (guint i = 0; i < k; i++)
        out[done + i] += pr->samples[p->offset + i];
      if (k > 0)
        empty_rounds = 0;
      done += k;
      p->offset += k;
      if (p->offset >= pr->n)
        {
          p->index++;
          p->offset = 0;
        }
    }
  return p->index < p->n_prompts || p->loop;
}
