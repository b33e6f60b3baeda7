/* sip: what recording.c, recording-commands.c and sweep.c share. */
#pragma once

#include "sip-private.h"

#include <omnicc/audit.h>
#include <omnicc/records.h>

#define SIP_EVENT_RECORDING "sip.recording"

/* One call's recording: from the answer until its rows are written. */
typedef struct {
  guint refs;
  Sip *self; /* a reference */
  char *id;  /* the interaction's */
  char *rec_id;
  char *path;
  const char *format;     /* "wav-alaw", "wav-pcm16" */
  guint days;             /* retention */
  OccMediaRecording *rec; /* NULL once stopped */
  gboolean paused;
  gboolean held; /* the plugin is held until the rows are written */
  gboolean outbound;
  char *from, *to, *queue;
  gint64 offered_ms, answered_ms, ended_ms, expires_ms; /* wall clock */
  guint64 duration_ms;
  char *sha256;
} SipRec;

typedef struct _SipRecorder SipRecorder;

struct _SipRecorder {
  GHashTable *policies; /* interaction id -> the offer's policy, until it ends */
  GHashTable *active;   /* interaction id -> SipRec*, while recording */
  char *dir;            /* recordings-dir, absolute */
  guint64 recorded, failed;
  /* the retention sweep (sweep.c) */
  gboolean sweeping;
  gboolean again;     /* asked for while one ran: run once more */
  GPtrArray *waiters; /* OccControlCall*: answered when the next run ends */
};

/* The records service, or NULL (none, or the plugin is gone). */
const OccRecordsService *sip_recorder_records (Sip *self);
/* An audit entry by @call's principal (NULL: "system"), if there is an
 * audit service; @details floating. */
void sip_recorder_audit (Sip *self, OccControlCall *call, const char *action, const char *target,
                         const char *result, GVariant *details);

/* recording-commands.c: sip.record and sip.recordings-sweep */
gboolean sip_recording_commands_register (Sip *self, GError **error);

/* sweep.c: deletes the recordings whose expires_at has passed (files in a
 * worker thread, then rows); @call (may be NULL) is answered with the
 * counts when a run that began after this call ends. */
void sip_recording_sweep (Sip *self, OccControlCall *call);
/* Starts the sweeps: a few seconds after load, then hourly. */
void sip_recording_sweep_schedule (Sip *self);
