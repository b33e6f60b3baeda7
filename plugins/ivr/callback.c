/* Call-back tasks, as agents and operators see them: the tasks the IVR
 * wrote (records entity "callback"), listed in the order their callers
 * first joined the queue, taken by an agent and closed with an outcome.
 * Every change is audited. A dialer campaign with callbacks=QUEUE also
 * takes and dials them (plugins/dialer/runner.c). */
#include "ivr-private.h"

#include <string.h>

#define LIST_MAX 1000

static const OccRecordsService *
records_of (Ivr *ivr, OccControlCall *call)
{
  const OccRecordsService *r = ivr_records (ivr);
  if (r == NULL)
    {
      g_autoptr (GError) e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_FAILED,
                                          "no records service: call-back tasks live in the store");
      occ_control_call_return_error (call, e);
    }
  return r;
}

static gboolean
arg (OccControlCall *call, GVariant *args, const char *name, gboolean required, const char **out)
{
  *out = NULL;
  if (g_variant_lookup (args, name, "&s", out) && **out)
    return TRUE;
  *out = NULL;
  if (!required)
    return TRUE;
  g_autoptr (GError) e
      = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_BAD_REQUEST, "%s= is required", name);
  occ_control_call_return_error (call, e);
  return FALSE;
}

static void
audit_done (GVariant *result, const GError *error, gpointer data)
{
  if (error)
    g_warning ("audit: %s", error->message);
}

static void
audit (Ivr *ivr, OccControlCall *call, const char *action, const char *target, const char *result,
       GVariant *details)
{
  const OccAuditService *a
      = occ_service_lookup (ivr->plugin, OCC_AUDIT_SERVICE, OCC_AUDIT_VERSION, NULL);
  g_autoptr (GVariant) d = details ? g_variant_ref_sink (details) : NULL;
  if (a)
    a->append (a, occ_control_call_get_actor (call), action, target, result,
               occ_control_call_get_peer (call), d, audit_done, NULL);
}

/* --- callback.list -------------------------------------------------------------------------- */

static void
on_list (GVariant *result, const GError *error, gpointer data)
{
  OccControlCall *call = data;
  if (error)
    return occ_control_call_return_error (call, error);
  occ_control_call_return (call, g_variant_new_parsed ("{'tasks': %@aa{sv}}", result));
}

static void
cmd_list (OccControlCall *call, GVariant *args, gpointer data)
{
  Ivr *ivr = data;
  const char *queue, *state;
  if (!arg (call, args, "queue", FALSE, &queue) || !arg (call, args, "state", FALSE, &state))
    return;
  const OccRecordsService *r = records_of (ivr, call);
  if (r == NULL)
    return;
  GVariantDict where;
  g_variant_dict_init (&where, NULL);
  g_variant_dict_insert (&where, "state", "s", state ? state : "pending");
  if (queue)
    g_variant_dict_insert (&where, "queue_id", "s", queue);
  /* in the order the callers first joined: a call-back keeps its place */
  r->find (r, "callback", g_variant_dict_end (&where), "requested_at", LIST_MAX, on_list, call);
}

/* --- callback.take / callback.done ----------------------------------------------------------- */

typedef struct {
  Ivr *ivr;
  OccControlCall *call;
  char *id;
  char *action; /* "callback.take", "callback.done" */
  char *state;  /* the new state */
  char *notes;
  const char *from; /* the state it must be in */
} Change;

static void
change_free (Change *c)
{
  g_free (c->id);
  g_free (c->action);
  g_free (c->state);
  g_free (c->notes);
  g_free (c);
}

static void
on_changed (GVariant *result, const GError *error, gpointer data)
{
  Change *c = data;
  if (error)
    {
      audit (c->ivr, c->call, c->action, c->id, "failed", NULL);
      occ_control_call_return_error (c->call, error);
    }
  else
    {
      audit (c->ivr, c->call, c->action, c->id, "ok",
             g_variant_new_parsed ("{'state': <%s>}", c->state));
      occ_control_call_return (c->call, g_variant_ref (result));
    }
  change_free (c);
}

static void
on_task (GVariant *result, const GError *error, gpointer data)
{
  Change *c = data;
  const OccRecordsService *r = ivr_records (c->ivr);
  const char *state = NULL;
  g_autoptr (GError) e = NULL;
  if (error)
    e = g_error_copy (error);
  else if (r == NULL)
    e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_FAILED, "no records service");
  else if (!g_variant_lookup (result, "state", "&s", &state) || strcmp (state, c->from) != 0)
    e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_REFUSED, "call-back %s is %s, not %s",
                     c->id, state ? state : "without a state", c->from);
  if (e)
    {
      if (g_error_matches (e, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_NOT_FOUND))
        {
          g_clear_error (&e);
          e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_NOT_FOUND, "no call-back %s",
                           c->id);
        }
      audit (c->ivr, c->call, c->action, c->id, "refused", NULL);
      occ_control_call_return_error (c->call, e);
      return change_free (c);
    }
  gint64 attempts = 0;
  g_variant_lookup (result, "attempts", "x", &attempts);
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "id", "s", c->id);
  g_variant_dict_insert (&d, "state", "s", c->state);
  if (strcmp (c->state, "dialing") == 0)
    g_variant_dict_insert (&d, "attempts", "x", attempts + 1);
  if (c->notes)
    g_variant_dict_insert (&d, "notes", "s", c->notes);
  r->put (r, "callback", g_variant_dict_end (&d), on_changed, c);
}

static void
change (Ivr *ivr, OccControlCall *call, GVariant *args, const char *action, const char *from,
        const char *state, const char *notes)
{
  const char *id;
  if (!arg (call, args, "id", TRUE, &id))
    return;
  const OccRecordsService *r = records_of (ivr, call);
  if (r == NULL)
    return;
  Change *c = g_new0 (Change, 1);
  c->ivr = ivr;
  c->call = call;
  c->id = g_strdup (id);
  c->action = g_strdup (action);
  c->from = from;
  c->state = g_strdup (state);
  c->notes = g_strdup (notes);
  r->get (r, "callback", id, on_task, c);
}

static void
cmd_take (OccControlCall *call, GVariant *args, gpointer data)
{
  g_autofree char *notes = g_strdup_printf ("taken by %s", occ_control_call_get_actor (call));
  change (data, call, args, "callback.take", "pending", "dialing", notes);
}

static void
cmd_done (OccControlCall *call, GVariant *args, gpointer data)
{
  const char *outcome, *notes;
  if (!arg (call, args, "outcome", TRUE, &outcome) || !arg (call, args, "notes", FALSE, &notes))
    return;
  if (strcmp (outcome, "done") != 0 && strcmp (outcome, "failed") != 0
      && strcmp (outcome, "cancelled") != 0)
    {
      g_autoptr (GError) e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_BAD_REQUEST,
                                          "outcome=%s: done, failed or cancelled", outcome);
      return occ_control_call_return_error (call, e);
    }
  change (data, call, args, "callback.done", "dialing", outcome, notes);
}

gboolean
ivr_callback_commands (Ivr *ivr, GError **error)
{
  return occ_control_add_command_full (ivr->plugin, "callback.list",
                                       "call-back tasks in the order their callers first joined "
                                       "(state= pending by default, queue=)",
                                       "interaction.handle", 0, cmd_list, ivr, NULL, error)
         && occ_control_add_command_full (ivr->plugin, "callback.take",
                                          "take a pending call-back task to call the customer "
                                          "back (id=)",
                                          "interaction.handle", 0, cmd_take, ivr, NULL, error)
         && occ_control_add_command_full (ivr->plugin, "callback.done",
                                          "close a call-back task taken (id=, outcome=done|"
                                          "failed|cancelled, notes=)",
                                          "interaction.handle", 0, cmd_done, ivr, NULL, error);
}
