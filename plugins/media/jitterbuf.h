/* The receive buffer of a leg: puts packets back in sequence order and
 * waits at most a latency for a missing one before giving it up as lost.
 * Packets are released as soon as they are in order, so the buffer adds
 * delay only while a packet is missing: this is a relay, the phones at
 * either end play out with their own jitter buffers. Pure: items are
 * opaque, time is given. */
#pragma once

#include <glib.h>

#define MEDIA_JB_SLOTS 128

typedef void (*MediaJbOut) (gpointer item, gpointer user_data);

typedef struct {
  gpointer item;
  guint64 ext_seq;
  gint64 arrival_us;
} MediaJbSlot;

typedef struct {
  MediaJbSlot slots[MEDIA_JB_SLOTS];
  guint held;
  gboolean started;
  guint64 next; /* extended sequence number to release next */
  gint64 latency_us;
  GDestroyNotify free_item;
  guint64 late;       /* came after their turn: dropped */
  guint64 duplicates; /* dropped */
  guint64 skipped;    /* given up as lost */
} MediaJitterBuffer;

void media_jb_init (MediaJitterBuffer *jb, guint latency_ms, GDestroyNotify free_item);
/* Drops what is held. */
void media_jb_clear (MediaJitterBuffer *jb);
/* Takes @item; calls @out for every item now in order (@item, and what
 * waited for it). */
void media_jb_push (MediaJitterBuffer *jb, gpointer item, guint64 ext_seq, gint64 now_us,
                    MediaJbOut out, gpointer user_data);
/* Gives up on missing packets whose wait is over, releasing what follows. */
void media_jb_tick (MediaJitterBuffer *jb, gint64 now_us, MediaJbOut out, gpointer user_data);
/* When the next media_jb_tick() has work (µs), or 0 when nothing waits. */
gint64 media_jb_deadline (const MediaJitterBuffer *jb);
