/* Audio between legs, beyond the one-to-one bridge: rings of decoded
 * samples placed by their running time, so that several sources (and
 * prompts) can be summed into one frame, and channels of a recording
 * kept aligned. Pure: no pipeline, no lock (the callers hold theirs).
 *
 * Every sample is 16-bit, 8 kHz, mono. A sample's index is its running
 * time in samples (running time × 8000 / 1 s), the same timeline for
 * every leg of the plugin (see README.md, "One stream per remote"). */
#pragma once

#include <glib.h>

#define MEDIA_RATE 8000
#define MEDIA_FRAME 160 /* 20 ms */
#define MEDIA_RING 8192 /* samples a ring holds: 1.024 s */

/* A window of MEDIA_RING samples starting at @pos: what was written
 * there, summed (saturated), zero where nothing was. */
typedef struct {
  gint64 pos; /* index of the oldest sample kept (the next to be read) */
  gint16 buf[MEDIA_RING];
} MediaRing;

void media_ring_init (MediaRing *r, gint64 pos);
/* Adds @n samples starting at index @at; those outside the window are
 * dropped (too late: already read; too early: more than a ring ahead).
 * Returns how many were kept. */
guint media_ring_add (MediaRing *r, gint64 at, const gint16 *samples, guint n);
/* Adds @n samples at @pos..@pos+n into @out (as gint32 sums), clears
 * them and moves the window on by @n. */
void media_ring_take (MediaRing *r, gint32 *out, guint n);
/* Moves the window to start at @pos (forgetting what lies before). */
void media_ring_seek (MediaRing *r, gint64 pos);

/* Saturates @n sums into samples. */
void media_mix_clamp (const gint32 *in, gint16 *out, guint n);

/* G.711 A-law (ITU-T G.711, for recordings). */
guint8 media_alaw_encode (gint16 sample);

/* A decoded prompt: read-only once made, shared by every leg playing it. */
typedef struct {
  gint ref;
  char *path;
  gint64 mtime;
  gint64 size;
  gint16 *samples;
  gsize n;
} MediaPrompt;

MediaPrompt *media_prompt_ref (MediaPrompt *p);
void media_prompt_unref (MediaPrompt *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MediaPrompt, media_prompt_unref)

/* What a leg plays: prompts one after another, maybe in a loop. */
typedef struct {
  guint id;
  MediaPrompt **prompts;
  guint n_prompts;
  guint index;
  gsize offset;
  gboolean loop;
} MediaPlayer;

MediaPlayer *media_player_new (guint id, MediaPrompt **prompts, guint n, gboolean loop);
void media_player_free (MediaPlayer *p);
/* Adds the next @n samples into @out; FALSE once everything was played
 * (what remained of the frame is left as it was). */
gboolean media_player_fill (MediaPlayer *p, gint32 *out, guint n);
