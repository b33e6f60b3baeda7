/* sip: calls recorded by their queue's policy. The ACD's offer
 * (interaction.offered) carries the queue's record, record-format and
 * record-retention-days; when that agent answers, the caller's leg goes to
 * channel 0 and the agent's to channel 1 of one WAV file (the media
 * plugin writes it on its own thread). When the call ends the file is
 * completed and hashed, and its row is written through the records
 * service, then the interaction's recording_id; sip.recording says so.
 * Pause and resume (sip.record) write silence meanwhile. The retention
 * sweep (sweep.c) deletes what has expired. See README.md, "Recording". */
#include "recording-private.h"

#include <errno.h>
#include <string.h>

#define POLICY_FORMAT_PCM16 "wav-pcm16"

typedef struct {
  OccMediaRecordFormat format;
  guint days;
} Policy;

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

const OccRecordsService *
sip_recorder_records (Sip *self)
{
  return self->plugin
             ? occ_service_lookup (self->plugin, OCC_RECORDS_SERVICE, OCC_RECORDS_VERSION, NULL)
             : NULL;
}

void
sip_recorder_audit (Sip *self, OccControlCall *call, const char *action, const char *target,
                    const char *result, GVariant *details)
{
  const OccAuditService *audit
      = self->plugin ? occ_service_lookup (self->plugin, OCC_AUDIT_SERVICE, OCC_AUDIT_VERSION, NULL)
                     : NULL;
  if (audit == NULL)
    {
      if (details)
        g_variant_unref (g_variant_ref_sink (details));
      return;
    }
  audit->append (audit, call ? occ_control_call_get_actor (call) : "system", action, target, result,
                 call ? occ_control_call_get_peer (call) : NULL, details, NULL, NULL);
}

/* --- a recording ---------------------------------------------------------------------------- */

static SipRec *
rec_ref (SipRec *r)
{
  r->refs++;
  return r;
}

static void
rec_unref (gpointer data)
{
  SipRec *r = data;
  if (--r->refs > 0)
    return;
  if (r->held && r->self->plugin)
    occ_plugin_release (r->self->plugin);
  g_free (r->id);
  g_free (r->rec_id);
  g_free (r->path);
  g_free (r->from);
  g_free (r->to);
  g_free (r->queue);
  g_free (r->sha256);
  sip_unref (r->self);
  g_free (r);
}

/* The folder of today's recordings, made if needed. A few mkdir() on the
 * main loop, once a day in effect (later calls find it there): cheaper
 * than a thread hop before the bridge answers. */
static char *
dated_folder (SipRecorder *rc, GError **error)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *day = g_date_time_format (now, "%Y/%m/%d");
  char *dir = g_build_filename (rc->dir, day, NULL);
  if (g_mkdir_with_parents (dir, 0750) != 0)
    {
      int err = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err), "cannot make %s: %s", dir,
                   g_strerror (err));
      g_free (dir);
      return NULL;
    }
  return dir;
}

void
sip_recording_answered (Sip *self, const SipRecordingCall *call, OccMediaLeg *caller,
                        OccMediaLeg *agent)
{
  SipRecorder *rc = self->recorder;
  Policy *p = rc ? g_hash_table_lookup (rc->policies, call->id) : NULL;
  if (p == NULL || self->media == NULL || !OCC_SERVICE_HAS (self->media, record_stop)
      || g_hash_table_contains (rc->active, call->id))
    return;
  g_autoptr (GError) e = NULL;
  g_autofree char *dir = dated_folder (rc, &e);
  g_autofree char *name = g_strconcat (call->id, ".wav", NULL);
  g_autofree char *path = dir ? g_build_filename (dir, name, NULL) : NULL;
  OccMediaRecordOptions o = { .channels = 2, .format = p->format };
  OccMediaRecording *rec = path ? self->media->record_start (self->media, path, &o, &e) : NULL;
  if (rec == NULL || !self->media->record_attach (rec, caller, 0, &e)
      || !self->media->record_attach (rec, agent, 1, &e))
    {
      g_warning ("call %s is not recorded: %s", call->id, e->message);
      if (rec)
        self->media->record_stop (rec, NULL, NULL, NULL);
      rc->failed++;
      return;
    }
  SipRec *r = g_new0 (SipRec, 1);
  r->refs = 1;
  r->self = sip_ref (self);
  r->id = g_strdup (call->id);
  r->rec_id = g_uuid_string_random ();
  r->path = g_steal_pointer (&path);
  r->format = p->format == OCC_MEDIA_RECORD_WAV_PCM16 ? POLICY_FORMAT_PCM16 : "wav-alaw";
  r->days = p->days;
  r->rec = rec;
  r->from = g_strdup (call->from);
  r->to = g_strdup (call->to);
  r->queue = g_strdup (call->queue);
  r->outbound = call->outbound;
  r->answered_ms = now_ms ();
  r->offered_ms = r->answered_ms - (g_get_monotonic_time () - call->started) / 1000;
  g_hash_table_insert (rc->active, r->id, r);
  g_message ("call %s: recording the caller and %s to %s", call->id, call->agent, r->path);
}

void
sip_recording_agent_changed (Sip *self, const char *id, OccMediaLeg *agent)
{
  SipRec *r = self->recorder ? g_hash_table_lookup (self->recorder->active, id) : NULL;
  g_autoptr (GError) e = NULL;
  /* (the old agent's leg left the recording when it was freed) */
  if (r && !self->media->record_attach (r->rec, agent, 1, &e))
    g_warning ("call %s: the new agent is not recorded: %s", id, e->message);
}

void
sip_recording_supervisor (Sip *self, const char *id, OccMediaLeg *leg, gboolean heard)
{
  SipRec *r = self->recorder ? g_hash_table_lookup (self->recorder->active, id) : NULL;
  g_autoptr (GError) e = NULL;
  if (r == NULL)
    return;
  /* a supervisor who barges in speaks on the agent's side */
  if (!heard)
    self->media->record_detach (r->rec, leg);
  else if (!self->media->record_attach (r->rec, leg, 1, &e))
    g_warning ("call %s: the supervisor is not recorded: %s", id, e->message);
}

void
sip_recording_describe (Sip *self, const char *id, GVariantDict *d)
{
  SipRec *r = self->recorder ? g_hash_table_lookup (self->recorder->active, id) : NULL;
  if (r == NULL)
    return;
  g_variant_dict_insert (d, "recording", "s", r->path);
  g_variant_dict_insert (d, "recording-paused", "b", r->paused);
}

/* --- when it ends: the file, its row, the interaction's ------------------------------------- */

/* The end of a recording's story: told on the bus, whatever was stored. */
static void
announce (SipRec *r, gboolean stored)
{
  Sip *self = r->self;
  if (self->plugin == NULL)
    return;
  g_autoptr (GError) e = NULL;
  GVariant *payload = g_variant_new_parsed (
      "(%s, %s, %s, {'duration-ms': <%t>, 'sha256': <%s>, 'format': <%s>, 'expires-at': <%x>, "
      "'stored': <%b>})",
      r->id, r->rec_id, r->path, (guint64) r->duration_ms, r->sha256, r->format,
      (gint64) r->expires_ms, stored);
  if (!occ_bus_publish (occ_plugin_get_bus (self->plugin), self->plugin, SIP_EVENT_RECORDING,
                        payload, &e))
    g_warning ("%s: %s", SIP_EVENT_RECORDING, e->message);
}

static void
interaction_written (GVariant *result, const GError *error, gpointer data)
{
  (void) result;
  SipRec *r = data;
  if (error)
    g_warning ("call %s: the interaction's recording_id was not written: %s", r->id,
               error->message);
  announce (r, TRUE);
  rec_unref (r);
}

/* The interaction's row points at the recording. Nobody may have written
 * that row yet (interaction rows are written by whoever knows the
 * interaction's end, and may come later): then it is made here with what
 * sip knows, and a later writer's put (an upsert) keeps recording_id.
 * An existing row only gets recording_id: what others wrote stays. */
static void
interaction_read (GVariant *result, const GError *error, gpointer data)
{
  SipRec *r = data;
  const OccRecordsService *records = sip_recorder_records (r->self);
  gboolean missing
      = error && g_error_matches (error, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_NOT_FOUND);
  if (records == NULL || (error && !missing))
    {
      g_warning ("call %s: the interaction's recording_id was not written: %s", r->id,
                 error ? error->message : "no records service");
      announce (r, TRUE);
      return rec_unref (r);
    }
  (void) result;
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "id", "s", r->id);
  g_variant_dict_insert (&d, "recording_id", "s", r->rec_id);
  if (missing)
    {
      g_variant_dict_insert (&d, "channel", "s", "voice");
      g_variant_dict_insert (&d, "direction", "s", r->outbound ? "outbound" : "inbound");
      g_variant_dict_insert (&d, "from_addr", "s", r->from);
      g_variant_dict_insert (&d, "to_addr", "s", r->to);
      if (r->queue)
        g_variant_dict_insert (&d, "queue_id", "s", r->queue);
      g_variant_dict_insert (&d, "offered_at", "x", r->offered_ms);
      g_variant_dict_insert (&d, "answered_at", "x", r->answered_ms);
      g_variant_dict_insert (&d, "ended_at", "x", r->ended_ms);
    }
  records->put (records, "interaction", g_variant_dict_end (&d), interaction_written, r);
}

static void
recording_written (GVariant *result, const GError *error, gpointer data)
{
  (void) result;
  SipRec *r = data;
  const OccRecordsService *records = sip_recorder_records (r->self);
  if (error || records == NULL)
    {
      g_warning ("call %s: the recording %s has no row: %s", r->id, r->path,
                 error ? error->message : "the plugin is gone");
      announce (r, FALSE);
      return rec_unref (r);
    }
  records->get (records, "interaction", r->id, interaction_read, r);
}

static void
recorded (const OccMediaRecordResult *result, const GError *error, gpointer data)
{
  SipRec *r = data;
  Sip *self = r->self;
  if (result == NULL)
    {
      g_warning ("call %s: the recording failed: %s", r->id, error ? error->message : "?");
      if (self->recorder)
        self->recorder->failed++;
      return;
    }
  r->duration_ms = result->duration_ms;
  r->sha256 = g_strdup (result->sha256);
  r->expires_ms = now_ms () + (gint64) r->days * 86400 * 1000;
  if (self->recorder)
    self->recorder->recorded++;
  g_message ("call %s: recorded %" G_GUINT64_FORMAT " ms in %s", r->id, r->duration_ms, r->path);
  const OccRecordsService *records = sip_recorder_records (self);
  if (records == NULL)
    {
      g_warning ("call %s: no records service: the recording %s has no row", r->id, r->path);
      return announce (r, FALSE);
    }
  GVariant *row = g_variant_new_parsed (
      "{'id': <%s>, 'interaction_id': <%s>, 'path': <%s>, 'format': <%s>, 'duration_ms': <%x>, "
      "'sha256': <%s>, 'expires_at': <%x>}",
      r->rec_id, r->id, r->path, r->format, (gint64) r->duration_ms, r->sha256,
      (gint64) r->expires_ms);
  records->put (records, "recording", row, recording_written, rec_ref (r));
}

void
sip_recording_call_ended (Sip *self, const char *id)
{
  SipRecorder *rc = self->recorder;
  if (rc == NULL)
    return;
  g_hash_table_remove (rc->policies, id);
  SipRec *r = NULL;
  if (!g_hash_table_steal_extended (rc->active, id, NULL, (gpointer *) &r))
    return;
  r->ended_ms = now_ms ();
  /* a stopping daemon waits for the file and its rows */
  if (self->plugin)
    {
      occ_plugin_hold (self->plugin);
      r->held = TRUE;
    }
  OccMediaRecording *rec = g_steal_pointer (&r->rec);
  self->media->record_stop (rec, recorded, r, rec_unref);
}

/* --- the ACD's offers ------------------------------------------------------------------------ */

/* interaction.offered: an ACD queue's offer says whether to record. Our
 * own hunting (no queue) and transfers say nothing: kept as it was. */
static void
on_offered (const OccEvent *event, gpointer data)
{
  Sip *self = data;
  const char *id, *queue;
  g_autoptr (GVariant) extra = NULL;
  g_variant_get (occ_event_get_payload (event), "(&s&s&s@a{sv})", &id, &queue, NULL, &extra);
  if (*queue == '\0' || !g_hash_table_contains (self->calls, id))
    return;
  gboolean record = FALSE;
  g_variant_lookup (extra, "record", "b", &record);
  if (!record)
    {
      g_hash_table_remove (self->recorder->policies, id);
      return;
    }
  Policy *p = g_new0 (Policy, 1);
  const char *format = "wav-alaw";
  p->days = 90;
  g_variant_lookup (extra, "record-format", "&s", &format);
  g_variant_lookup (extra, "record-retention-days", "u", &p->days);
  p->format = strcmp (format, POLICY_FORMAT_PCM16) == 0 ? OCC_MEDIA_RECORD_WAV_PCM16
                                                        : OCC_MEDIA_RECORD_WAV_ALAW;
  p->days = CLAMP (p->days, 1, 3650);
  g_hash_table_replace (self->recorder->policies, g_strdup (id), p);
}

/* --- the plugin ------------------------------------------------------------------------------ */

gboolean
sip_recording_start (Sip *self, GError **error)
{
  SipRecorder *rc = g_new0 (SipRecorder, 1);
  self->recorder = rc;
  rc->policies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  rc->active = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *dir
      = self->config.recordings_dir
            ? g_strdup (self->config.recordings_dir)
            : g_build_filename (occ_plugin_get_state_dir (self->plugin), "recordings", NULL);
  rc->dir = g_canonicalize_filename (dir, NULL);
  OccBus *bus = occ_plugin_get_bus (self->plugin);
  if (!(occ_bus_register_type (bus, self->plugin, SIP_EVENT_RECORDING, "(sssa{sv})",
                               "A call's recording is complete: (interaction id, recording id, "
                               "path, extra: duration-ms, sha256, format, expires-at, stored).",
                               error)
        && occ_bus_subscribe (bus, self->plugin, OCC_EVENT_INTERACTION_OFFERED, on_offered, self,
                              NULL, error)
               != 0
        && sip_recording_commands_register (self, error)))
    return FALSE;
  sip_recording_sweep_schedule (self);
  return TRUE;
}

void
sip_recording_free (Sip *self)
{
  SipRecorder *rc = g_steal_pointer (&self->recorder);
  if (rc == NULL)
    return;
  /* (every call ended before: nothing is active) */
  g_hash_table_unref (rc->policies);
  g_hash_table_unref (rc->active);
  g_clear_pointer (&rc->waiters, g_ptr_array_unref);
  g_free (rc->dir);
  g_free (rc);
}
