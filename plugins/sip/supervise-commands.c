/* sip: the supervise.* control commands. Each needs the permission named like it (supervise.listen…),
 * for the call's queue when it waits in one (a grant scoped to
 * "queue:sales" supervises that queue's calls only), and is audited:
 * actor, action (the command), target (the interaction), result, with
 * the supervisor and the mode in the details. */
#include "sip-private.h"

static void
audited (GVariant *result, const GError *error, gpointer data)
{
  (void) result;
  if (error)
    g_warning ("the audit entry of %s was not written: %s", (const char *) data, error->message);
  g_free (data);
}

static void
audit (Sip *self, OccControlCall *call, const char *action, const char *id, const char *supervisor,
       const GError *error)
{
  const OccAuditService *audit
      = occ_service_lookup (self->plugin, OCC_AUDIT_SERVICE, OCC_AUDIT_VERSION, NULL);
  if (audit == NULL)
    return;
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  if (supervisor)
    g_variant_dict_insert (&d, "supervisor", "s", supervisor);
  if (error)
    g_variant_dict_insert (&d, "error", "s", error->message);
  audit->append (audit, occ_control_call_get_actor (call), action, id,
                 error ? OCC_AUDIT_FAILURE : OCC_AUDIT_SUCCESS, occ_control_call_get_peer (call),
                 g_variant_dict_end (&d), audited, g_strdup (action));
}

static void
answer_error (OccControlCall *call, const GError *e)
{
  if (e->domain != OCC_SUPERVISE_ERROR)
    return occ_control_call_return_error (call, e);
  OccControlError code = e->code == OCC_SUPERVISE_ERROR_NOT_FOUND ? OCC_CONTROL_ERROR_NOT_FOUND
                         : e->code == OCC_SUPERVISE_ERROR_INVALID ? OCC_CONTROL_ERROR_BAD_REQUEST
                                                                  : OCC_CONTROL_ERROR_REFUSED;
  g_autoptr (GError) c = g_error_new_literal (OCC_CONTROL_ERROR, code, e->message);
  occ_control_call_return_error (call, c);
}

/* The command's arguments, and the permission for the call it names;
 * FALSE once answered. */
static gboolean
admit (Sip *self, OccControlCall *call, GVariant *args, const char *permission,
       gboolean need_supervisor, const char **id, const char **supervisor)
{
  g_autoptr (GError) e = NULL;
  if (!g_variant_lookup (args, "id", "&s", id)
      || (need_supervisor && !g_variant_lookup (args, "supervisor", "&s", supervisor)))
    {
      e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_BAD_REQUEST, "“%s” (text) is missing",
                       *id == NULL ? "id" : "supervisor");
      occ_control_call_return_error (call, e);
      return FALSE;
    }
  SipCall *c = sip_call_find (self, *id);
  g_autofree char *scope
      = c && sip_call_queue (c) ? g_strconcat ("queue:", sip_call_queue (c), NULL) : NULL;
  /* denials are audited by the check itself */
  if (!occ_control_call_check (call, permission, scope, &e))
    {
      occ_control_call_return_error (call, e);
      return FALSE;
    }
  return TRUE;
}

static void
supervise (OccControlCall *call, GVariant *args, Sip *self, OccSuperviseMode mode)
{
  const char *id = NULL, *supervisor = NULL;
  /* the permission is named like the command: supervise.listen… */
  g_autofree char *action = g_strconcat ("supervise.", occ_supervise_mode_name (mode), NULL);
  if (!admit (self, call, args, action, TRUE, &id, &supervisor))
    return;
  g_autoptr (GError) e = NULL;
  g_autofree char *login = g_utf8_casefold (supervisor, -1);
  SipCall *c = sip_call_find (self, id);
  SipSupervision *now = c ? *sip_call_supervision (c) : NULL;
  /* the same supervisor changes mode; anyone else starts (or is refused
   * while someone supervises) */
  gboolean ok = now && g_strcmp0 (sip_supervise_login (now), login) == 0
                    ? self->supervise.change (&self->supervise, id, mode, &e)
                    : self->supervise.start (&self->supervise, id, login, mode, &e);
  audit (self, call, action, id, login, e);
  if (!ok)
    return answer_error (call, e);
  occ_control_call_return (call, g_variant_new_parsed ("{'id': <%s>, 'supervisor': <%s>, "
                                                       "'mode': <%s>}",
                                                       id, login, occ_supervise_mode_name (mode)));
}

#define MODE_COMMAND(fn, mode)                                         \
  static void fn (OccControlCall *call, GVariant *args, gpointer data) \
  {                                                                    \
    supervise (call, args, data, mode);                                \
  }
MODE_COMMAND (cmd_listen, OCC_SUPERVISE_LISTEN)
MODE_COMMAND (cmd_whisper, OCC_SUPERVISE_WHISPER)
MODE_COMMAND (cmd_barge, OCC_SUPERVISE_BARGE)
MODE_COMMAND (cmd_takeover, OCC_SUPERVISE_TAKEOVER)

static void
cmd_stop (OccControlCall *call, GVariant *args, gpointer data)
{
  Sip *self = data;
  const char *id = NULL, *unused = NULL;
  if (!admit (self, call, args, "supervise.listen", FALSE, &id, &unused))
    return;
  g_autoptr (GError) e = NULL;
  gboolean ok = self->supervise.stop (&self->supervise, id, &e);
  audit (self, call, "supervise.stop", id, NULL, e);
  if (!ok)
    return answer_error (call, e);
  occ_control_call_return (call, g_variant_new_parsed ("{'id': <%s>}", id));
}

gboolean
sip_supervise_commands_register (Sip *self, GError **error)
{
  /* each mode needs its own permission (a team lead may listen and
   * whisper, not barge or take over); stopping needs listen */
  static const struct {
    const char *name, *summary, *permission;
    OccControlFunc func;
  } commands[] = {
    { "supervise.listen", "Listen to a call (args: id, supervisor: whose phone is rung)",
      "supervise.listen", cmd_listen },
    { "supervise.whisper", "Speak to a call's agent only (args: id, supervisor)",
      "supervise.whisper", cmd_whisper },
    { "supervise.barge", "Join a call, three-way (args: id, supervisor)", "supervise.barge",
      cmd_barge },
    { "supervise.takeover", "Take a call over from its agent (args: id, supervisor)",
      "supervise.takeover", cmd_takeover },
    { "supervise.stop", "End the supervision of a call (args: id)", "supervise.listen", cmd_stop },
  };
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (!occ_control_add_command_full (self->plugin, commands[i].name, commands[i].summary,
                                       commands[i].permission, OCC_CONTROL_SCOPED, commands[i].func,
                                       self, NULL, error))
      return FALSE;
  return TRUE;
}
