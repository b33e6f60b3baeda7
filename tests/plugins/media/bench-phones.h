/* What the media benchmarks (bench-media, bench-ivr) share: the phones
 * process (bench-media-phones) driven from the daemon's side, and the
 * figures of this process (CPU, threads, RSS) taken around a run. */
#pragma once

#include "media-fixture.h"

/* A free range of @calls × 4 ports on 127.0.0.1 for the phones (from
 * 40000). */
guint bench_phone_base (guint calls);
/* A phone's SDP on 127.0.0.1:@port for @codec ("PCMA", "PCMU"), with
 * telephone-event 101 (transfer full). */
char *bench_phone_sdp (guint port, const char *codec);
/* The port of the first m=audio line of @sdp. */
guint bench_sdp_port (const char *sdp);
/* Call @i of a run: a "trunk" leg answering the offer of phone A (on
 * @phone_base + 4i, @codec_a) and an "agent" leg whose offer phone B
 * (+ 2, @codec_b) answers, bridged; their ports appended to @ports as a
 * line for bench-media-phones. */
void bench_bridged_call (MediaFixture *f, const char *call_id, guint i, guint phone_base,
                         const char *codec_a, const char *codec_b, OccMediaLeg **a, OccMediaLeg **b,
                         GString *ports);

typedef struct _BenchPhones BenchPhones;

typedef struct {
  guint64 sent;
  guint64 received;
  double jitter_mean_ms;
  double jitter_worst_ms;
  guint keys;        /* in-band keys pressed by the A phones */
  guint64 in_window; /* packets received while the phones sent */
} BenchPhonesResult;

/* Starts bench-media-phones with @args (what follows its program name;
 * see bench-media-phones.c) and writes @ports, one call a line, to its
 * input. Plain fork and pipes: GIO's subprocess would add threads to this
 * process. Aborts if it cannot start. */
BenchPhones *bench_phones_start (const char *const *args, const char *ports);
/* Waits for the phones to end by themselves (blocking: the run is over)
 * and reads what they said; aborts if they failed. Frees @p. */
BenchPhonesResult bench_phones_wait (BenchPhones *p);

/* This process: threads (/proc/self/task), resident memory, CPU seconds
 * of all its threads (getrusage). */
guint bench_thread_count (void);
guint64 bench_rss_kib (void);
double bench_cpu_seconds (void);
