/* sip: the recording commands — sip.record (pause, resume: a card number
 * being spoken) and sip.recordings-sweep (the retention sweep, now). */
#include "recording-private.h"

#include <string.h>

static void
fail (OccControlCall *call, int code, const char *message)
{
  g_autoptr (GError) e = g_error_new_literal (OCC_CONTROL_ERROR, code, message);
  occ_control_call_return_error (call, e);
}

static void
cmd_record (OccControlCall *call, GVariant *args, gpointer data)
{
  Sip *self = data;
  const char *id = NULL, *action = NULL;
  if (!g_variant_lookup (args, "id", "&s", &id) || *id == '\0')
    return fail (call, OCC_CONTROL_ERROR_BAD_REQUEST,
                 "“id” (text: the call's interaction id) is missing");
  if (!g_variant_lookup (args, "action", "&s", &action)
      || (strcmp (action, "pause") != 0 && strcmp (action, "resume") != 0))
    return fail (call, OCC_CONTROL_ERROR_BAD_REQUEST, "“action”: pause or resume");
  SipRec *r = g_hash_table_lookup (self->recorder->active, id);
  if (r == NULL)
    {
      g_autofree char *m
          = g_hash_table_contains (self->calls, id)
                ? g_strdup_printf ("call “%s” is not being recorded (its queue does not record, or "
                                   "no agent answered yet)",
                                   id)
                : g_strdup_printf ("no call “%s”", id);
      return fail (call,
                   g_hash_table_contains (self->calls, id) ? OCC_CONTROL_ERROR_REFUSED
                                                           : OCC_CONTROL_ERROR_NOT_FOUND,
                   m);
    }
  gboolean pause = strcmp (action, "pause") == 0;
  if (r->paused != pause)
    {
      self->media->record_pause (r->rec, pause);
      r->paused = pause;
      g_message ("call %s: recording %s by %s", id, pause ? "paused" : "resumed",
                 occ_control_call_get_actor (call));
    }
  sip_recorder_audit (
      self, call, pause ? "recording.pause" : "recording.resume", id, OCC_AUDIT_SUCCESS,
      g_variant_new_parsed ("{'recording': <%s>, 'path': <%s>}", r->rec_id, r->path));
  occ_control_call_return (call,
                           g_variant_new_parsed ("{'id': <%s>, 'recording': <%s>, 'paused': <%b>}",
                                                 id, r->rec_id, r->paused));
}

static void
cmd_sweep (OccControlCall *call, GVariant *args, gpointer data)
{
  (void) args;
  sip_recording_sweep (data, call);
}

gboolean
sip_recording_commands_register (Sip *self, GError **error)
{
  return occ_control_add_command_full (self->plugin, "sip.record",
                                       "Pause or resume a call's recording (args: id, the "
                                       "interaction's; action=pause|resume)",
                                       "call.record", OCC_CONTROL_FLAGS_NONE, cmd_record, self,
                                       NULL, error)
         && occ_control_add_command_full (self->plugin, "sip.recordings-sweep",
                                          "Delete the recordings whose retention has passed, now "
                                          "(answers the counts)",
                                          "config.manage", OCC_CONTROL_FLAGS_NONE, cmd_sweep, self,
                                          NULL, error);
}
