/* RFC 4733 telephone-events received on a leg: which digits were pressed
 * and for how long, from a stream of event packets that repeat (the
 * duration grows), end with the E bit (sent three times) and may be lost
 * or reordered. Pure. */
#pragma once

#include <glib.h>

typedef struct {
  gboolean active; /* an event is in progress (not yet reported) */
  guint32 ts;      /* its RTP timestamp: the event's start */
  guint8 event;
  guint32 duration; /* timestamp units */
  gint64 last_us;
  gboolean have_done;
  guint32 done_ts; /* the last event reported: its repeats are ignored */
} MediaDtmfRx;

typedef struct {
  char digit;       /* 0-9 * # A-D */
  guint32 duration; /* timestamp units */
} MediaDtmfDigit;

/* The digit of event code @event (0..15), or 0 for other events. */
char media_dtmf_digit (guint event);

/* Reads one telephone-event payload. Returns how many digits ended (0..2:
 * one still in progress may end when the next begins) into @done.
 * @forward is TRUE when the packet carries a DTMF event (0..15), to be
 * passed on as it is; FALSE for other events and malformed payloads. */
guint media_dtmf_rx_packet (MediaDtmfRx *d, const guint8 *payload, gsize len, guint32 ts,
                            gint64 now_us, MediaDtmfDigit done[2], gboolean *forward);

/* An event whose end packets were all lost ends @timeout_us after its
 * last packet: TRUE and @done filled then. */
gboolean media_dtmf_rx_timeout (MediaDtmfRx *d, gint64 now_us, gint64 timeout_us,
                                MediaDtmfDigit *done);
