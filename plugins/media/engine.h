/* The media threads. Each owns an epoll set of its legs' RTP and RTCP
 * sockets and a 10 ms tick for their timers (jitter buffer, DTMF, RTCP);
 * a packet is read, decrypted, reordered, decoded, handed to the bridged
 * leg, encoded, encrypted and sent on the thread that read it. The count
 * of threads is fixed by configuration, not by the number of calls.
 *
 * The main thread hands legs to a thread and takes them back with
 * commands that the thread runs between two batches of events, so a
 * thread never sees a leg that was taken back. */
#pragma once

#include <glib.h>

typedef struct _OccMediaLeg OccMediaLeg;
typedef struct _MediaEngine MediaEngine;
typedef struct _MediaWorker MediaWorker;

/* Starts @threads threads; NULL with @error when one cannot start. */
MediaEngine *media_engine_new (guint threads, GError **error);
/* Stops and joins the threads; they let go of the legs they still hold. */
void media_engine_free (MediaEngine *e);

/* The thread with the fewest legs. */
MediaWorker *media_engine_pick (MediaEngine *e);
guint media_engine_threads (MediaEngine *e);

/* Zero of the media's running time, on the monotonic clock (µs): the
 * payloaders' RTP time is counted from it. */
gint64 media_engine_epoch (MediaEngine *e);

/* Hands @leg to @w, which takes a reference and watches its sockets. */
void media_worker_add (MediaWorker *w, OccMediaLeg *leg);
/* Stops watching @leg's sockets now (before they are closed); any thread. */
void media_worker_unwatch (MediaWorker *w, OccMediaLeg *leg);
/* Takes @leg back: @w drops it from its timers and its reference. */
void media_worker_remove (MediaWorker *w, OccMediaLeg *leg);
