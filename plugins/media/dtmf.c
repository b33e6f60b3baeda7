/* See dtmf.h. */
#include "dtmf.h"

char
media_dtmf_digit (guint event)
{
  static const char digits[] = "0123456789*#ABCD";
  return event < 16 ? digits[event] : 0;
}

static void
finish (MediaDtmfRx *d, MediaDtmfDigit *out)
{
  out->digit = media_dtmf_digit (d->event);
  out->duration = d->duration;
  d->active = FALSE;
  d->have_done = TRUE;
  d->done_ts = d->ts;
}

guint
media_dtmf_rx_packet (MediaDtmfRx *d, const guint8 *payload, gsize len, guint32 ts, gint64 now_us,
                      MediaDtmfDigit done[2], gboolean *forward)
{
  guint n = 0;
  *forward = FALSE;
  if (len < 4 || payload[0] > 15)
    return 0;
  *forward = TRUE;
  gboolean end = (payload[1] & 0x80) != 0;
  guint32 duration = ((guint32) payload[2] << 8) | payload[3];
  /* repeats of an event already reported, and late packets of older
   * ones, change nothing (they are still passed on) */
  if (d->have_done && (gint32) (ts - d->done_ts) <= 0)
    return 0;
  if (d->active && (gint32) (ts - d->ts) < 0)
    return 0;
  if (d->active && d->ts != ts)
    finish (d, &done[n++]); /* the next began: the last one's end was lost */
  if (!d->active)
    {
      d->active = TRUE;
      d->ts = ts;
      d->event = payload[0];
      d->duration = 0;
    }
  d->last_us = now_us;
  if (duration > d->duration)
    d->duration = duration;
  if (end)
    finish (d, &done[n++]);
  return n;
}

gboolean
media_dtmf_rx_timeout (MediaDtmfRx *d, gint64 now_us, gint64 timeout_us, MediaDtmfDigit *done)
{
  if (!d->active || now_us - d->last_us < timeout_us)
    return FALSE;
  finish (d, done);
  return TRUE;
}
