/* See jitterbuf.h. */
#include "jitterbuf.h"

void
media_jb_init (MediaJitterBuffer *jb, guint latency_ms, GDestroyNotify free_item)
{
  *jb = (MediaJitterBuffer){ 0 };
  jb->latency_us = (gint64) latency_ms * 1000;
  jb->free_item = free_item;
}

void
media_jb_clear (MediaJitterBuffer *jb)
{
  for (guint i = 0; i < MEDIA_JB_SLOTS; i++)
    if (jb->slots[i].item)
      {
        jb->free_item (jb->slots[i].item);
        jb->slots[i].item = NULL;
      }
  jb->held = 0;
  jb->started = FALSE;
}

static void
drain (MediaJitterBuffer *jb, MediaJbOut out, gpointer user_data)
{
  for (;;)
    {
      MediaJbSlot *s = &jb->slots[jb->next % MEDIA_JB_SLOTS];
      if (s->item == NULL || s->ext_seq != jb->next)
        return;
      gpointer item = s->item;
      s->item = NULL;
      jb->held--;
      jb->next++;
      out (item, user_data);
    }
}

/* Skips the missing packets before the first one held. */
static void
skip_gap (MediaJitterBuffer *jb)
{
  guint64 first = G_MAXUINT64;
  for (guint i = 0; i < MEDIA_JB_SLOTS; i++)
    if (jb->slots[i].item && jb->slots[i].ext_seq < first)
      first = jb->slots[i].ext_seq;
  if (first != G_MAXUINT64 && first > jb->next)
    {
      jb->skipped += first - jb->next;
      jb->next = first;
    }
}

void
media_jb_push (MediaJitterBuffer *jb, gpointer item, guint64 ext_seq, gint64 now_us, MediaJbOut out,
               gpointer user_data)
{
  if (!jb->started)
    {
      jb->started = TRUE;
      jb->next = ext_seq;
    }
  if (ext_seq < jb->next)
    {
      jb->late++;
      jb->free_item (item);
      return;
    }
  if (ext_seq >= jb->next + MEDIA_JB_SLOTS)
    {
      /* too far ahead to wait for what is between: release all held */
      while (jb->held > 0)
        {
          skip_gap (jb);
          drain (jb, out, user_data);
        }
      jb->skipped += ext_seq - jb->next;
      jb->next = ext_seq;
    }
  MediaJbSlot *s = &jb->slots[ext_seq % MEDIA_JB_SLOTS];
  if (s->item)
    {
      jb->duplicates++;
      jb->free_item (item);
      return;
    }
  s->item = item;
  s->ext_seq = ext_seq;
  s->arrival_us = now_us;
  jb->held++;
  drain (jb, out, user_data);
  if (jb->latency_us == 0)
    media_jb_tick (jb, now_us, out, user_data);
}

gint64
media_jb_deadline (const MediaJitterBuffer *jb)
{
  if (jb->held == 0)
    return 0;
  gint64 oldest = G_MAXINT64;
  for (guint i = 0; i < MEDIA_JB_SLOTS; i++)
    if (jb->slots[i].item && jb->slots[i].arrival_us < oldest)
      oldest = jb->slots[i].arrival_us;
  return oldest + jb->latency_us;
}

void
media_jb_tick (MediaJitterBuffer *jb, gint64 now_us, MediaJbOut out, gpointer user_data)
{
  while (jb->held > 0 && now_us >= media_jb_deadline (jb))
    {
      skip_gap (jb);
      drain (jb, out, user_data);
    }
}
