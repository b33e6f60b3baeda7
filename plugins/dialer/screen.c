/* dialer: the agent's screen (CTI) — the record of the contact a campaign
 * call is for, gathered from the store (the contact row, or the call-back
 * task with its recorded message) and the records service (the customer
 * owning the number, with their last interactions), published as
 * campaign.screen when an agent is offered the call or a preview, and
 * answered to campaign.contact (see README.md, "The agent's screen"). */
#include "runner.h"

#include <omnicc/bus.h>
#include <omnicc/records.h>
#include <omnicc/service.h>

#include <json-glib/json-glib.h>
#include <string.h>

#define SCREEN_HISTORY 5 /* the customer's last interactions shown */

typedef void (*ScreenDone) (GVariant *record, const GError *error, gpointer data);

typedef struct {
  Dialer *d;
  char *campaign; /* may be NULL: campaign.contact asks by contact alone */
  char *contact;
  char *number; /* the number called or to call; NULL: the contact's first */
  char *script;
  GVariantDict record;
  ScreenDone done;
  gpointer data;
} Screen;

static void
screen_free (Screen *s)
{
  dialer_unref (s->d);
  g_free (s->campaign);
  g_free (s->contact);
  g_free (s->number);
  g_free (s->script);
  g_variant_dict_clear (&s->record);
  g_free (s);
}

static void
finish (Screen *s, const GError *error)
{
  if (error)
    s->done (NULL, error, s->data);
  else
    {
      g_autoptr (GVariant) v = g_variant_ref_sink (g_variant_dict_end (&s->record));
      s->done (v, NULL, s->data);
    }
  screen_free (s);
}

static void
on_customer (GVariant *result, const GError *error, gpointer data)
{
  Screen *s = data;
  /* no customer owns the number: the screen shows the contact alone */
  if (result)
    g_variant_dict_insert_value (&s->record, "customer", result);
  else if (error && !g_error_matches (error, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_NOT_FOUND))
    g_message ("contact %s: the customer's record: %s", s->contact, error->message);
  finish (s, NULL);
}

/* The customer and their history, when the records service is there. */
static void
add_customer (Screen *s)
{
  const OccRecordsService *records
      = s->d->plugin && s->number
            ? occ_service_lookup (s->d->plugin, OCC_RECORDS_SERVICE, OCC_RECORDS_VERSION, NULL)
            : NULL;
  if (records == NULL)
    return finish (s, NULL);
  records->screen_pop (records, s->number, SCREEN_HISTORY, on_customer, s);
}

static void
put_string (GVariantDict *d, const char *key, OccStoreResult *r, guint col)
{
  if (!occ_store_result_is_null (r, 0, col))
    g_variant_dict_insert (d, key, "s", occ_store_result_get_string (r, 0, col));
}

/* contact.fields: a JSON object of strings, written by the import. */
static GVariant *
fields_of (const char *json)
{
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{ss}"));
  g_autoptr (JsonNode) n = json ? json_from_string (json, NULL) : NULL;
  if (n && JSON_NODE_HOLDS_OBJECT (n))
    {
      JsonObjectIter it;
      const char *name;
      JsonNode *value;
      json_object_iter_init (&it, json_node_get_object (n));
      while (json_object_iter_next (&it, &name, &value))
        if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
          g_variant_builder_add (&b, "{ss}", name, json_node_get_string (value));
    }
  return g_variant_builder_end (&b);
}

/* contact.phones: a JSON array of E.164 numbers. */
static GVariant *
phones_of (const char *json, char **first)
{
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("as"));
  g_autoptr (JsonNode) n = json ? json_from_string (json, NULL) : NULL;
  for (guint i = 0;
       n && JSON_NODE_HOLDS_ARRAY (n) && i < json_array_get_length (json_node_get_array (n)); i++)
    {
      const char *p = json_array_get_string_element (json_node_get_array (n), i);
      if (p == NULL)
        continue;
      if (*first == NULL)
        *first = g_strdup (p);
      g_variant_builder_add (&b, "s", p);
    }
  return g_variant_builder_end (&b);
}

static void
on_contact_row (GPtrArray *results, const GError *error, gpointer data)
{
  Screen *s = data;
  OccStoreResult *r = results ? results->pdata[0] : NULL;
  if (error || occ_store_result_get_n_rows (r) == 0)
    {
      g_autoptr (GError) e
          = error
                ? g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_FAILED,
                               "reading contact %s: %s", s->contact, error->message)
                : g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_NOT_FOUND, "no contact %s%s%s",
                               s->contact, s->campaign ? " in campaign " : "",
                               s->campaign ? s->campaign : "");
      return finish (s, e);
    }
  /* id, campaign_id, customer_id, external_id, phones, fields, priority,
   * attempts, last_outcome, state, appointment_at */
  GVariantDict *d = &s->record;
  g_variant_dict_insert (d, "kind", "s", "contact");
  g_variant_dict_insert (d, "contact", "s", s->contact);
  put_string (d, "campaign", r, 1);
  put_string (d, "customer-id", r, 2);
  put_string (d, "external-id", r, 3);
  g_autofree char *first = NULL;
  g_variant_dict_insert_value (d, "phones",
                               phones_of (occ_store_result_get_string (r, 0, 4), &first));
  g_variant_dict_insert_value (d, "fields",
                               fields_of (occ_store_result_is_null (r, 0, 5)
                                              ? NULL
                                              : occ_store_result_get_string (r, 0, 5)));
  g_variant_dict_insert (d, "priority", "x", occ_store_result_get_int (r, 0, 6));
  g_variant_dict_insert (d, "attempts", "x", occ_store_result_get_int (r, 0, 7));
  put_string (d, "last-outcome", r, 8);
  put_string (d, "state", r, 9);
  if (!occ_store_result_is_null (r, 0, 10))
    g_variant_dict_insert (d, "appointment-at", "x", occ_store_result_get_int (r, 0, 10));
  if (s->number == NULL)
    s->number = g_steal_pointer (&first);
  add_customer (s);
}

static void
on_callback_row (GPtrArray *results, const GError *error, gpointer data)
{
  Screen *s = data;
  OccStoreResult *r = results ? results->pdata[0] : NULL;
  const char *task = s->contact + strlen (DIALER_CALLBACK_PREFIX);
  if (error || occ_store_result_get_n_rows (r) == 0)
    {
      g_autoptr (GError) e = error ? g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_FAILED,
                                                  "reading call-back %s: %s", task, error->message)
                                   : g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_NOT_FOUND,
                                                  "no call-back task %s", task);
      return finish (s, e);
    }
  /* number, requested_at, queue_id, interaction_id, attempts, state,
   * campaign_id, notes, recording: id, path, duration_ms, sha256, format */
  GVariantDict *d = &s->record;
  g_variant_dict_insert (d, "kind", "s", "callback");
  g_variant_dict_insert (d, "contact", "s", s->contact);
  const char *number = occ_store_result_get_string (r, 0, 0);
  const char *phones[] = { number, NULL };
  g_variant_dict_insert (d, "phones", "^as", phones);
  g_variant_dict_insert (d, "attempts", "x", occ_store_result_get_int (r, 0, 4));
  put_string (d, "state", r, 5);
  put_string (d, "campaign", r, 6);
  GVariantDict cb;
  g_variant_dict_init (&cb, NULL);
  g_variant_dict_insert (&cb, "id", "s", task);
  g_variant_dict_insert (&cb, "requested-at", "x", occ_store_result_get_int (r, 0, 1));
  put_string (&cb, "queue", r, 2);
  put_string (&cb, "interaction", r, 3);
  put_string (&cb, "notes", r, 7);
  if (!occ_store_result_is_null (r, 0, 8))
    {
      /* the subscriber's recorded request, playable from the record */
      GVariantDict m;
      g_variant_dict_init (&m, NULL);
      put_string (&m, "recording", r, 8);
      put_string (&m, "path", r, 9);
      g_variant_dict_insert (&m, "duration-ms", "x", occ_store_result_get_int (r, 0, 10));
      put_string (&m, "sha256", r, 11);
      put_string (&m, "format", r, 12);
      g_variant_dict_insert_value (&cb, "message", g_variant_dict_end (&m));
    }
  g_variant_dict_insert_value (d, "callback", g_variant_dict_end (&cb));
  if (s->number == NULL)
    s->number = g_strdup (number);
  add_customer (s);
}

/* Gathers @contact's record (a contact id, or DIALER_CALLBACK_PREFIX and
 * a call-back task's id) and calls @done with it (a{sv}) or an error. */
static void
screen_gather (Dialer *d, const char *campaign, const char *contact, const char *number,
               const char *script, const char *const *dispositions, ScreenDone done, gpointer data)
{
  Screen *s = g_new0 (Screen, 1);
  s->d = dialer_ref (d);
  s->campaign = g_strdup (campaign);
  s->contact = g_strdup (contact);
  s->number = g_strdup (number);
  s->done = done;
  s->data = data;
  g_variant_dict_init (&s->record, NULL);
  if (number)
    g_variant_dict_insert (&s->record, "number", "s", number);
  if (script)
    g_variant_dict_insert (&s->record, "script", "s", script);
  if (dispositions)
    g_variant_dict_insert (&s->record, "dispositions", "^as", dispositions);
  if (g_str_has_prefix (contact, DIALER_CALLBACK_PREFIX))
    occ_store_execute1 (d->store,
                        "SELECT cb.number, cb.requested_at, cb.queue_id, cb.interaction_id, "
                        "cb.attempts, cb.state, cb.campaign_id, cb.notes, r.id, r.path, "
                        "r.duration_ms, r.sha256, r.format FROM callback cb LEFT JOIN recording r "
                        "ON r.id = cb.message_recording_id WHERE cb.id = $1",
                        g_variant_new ("(s)", contact + strlen (DIALER_CALLBACK_PREFIX)),
                        OCC_STORE_FLAGS_NONE, on_callback_row, s);
  else
    {
      /* a campaign named: the contact must be one of its own */
      static const char columns[]
          = "SELECT id, campaign_id, customer_id, external_id, phones, "
            "fields, priority, attempts, last_outcome, state, appointment_at "
            "FROM contact "
            "WHERE id = $1";
      g_autofree char *sql = g_strconcat (columns, campaign ? " AND campaign_id = $2" : "", NULL);
      occ_store_execute1 (d->store, sql,
                          campaign ? g_variant_new ("(ss)", contact, campaign)
                                   : g_variant_new ("(s)", contact),
                          OCC_STORE_FLAGS_NONE, on_contact_row, s);
    }
}

/* --- campaign.screen ------------------------------------------------------------------------ */

typedef struct {
  Dialer *d;
  char *interaction, *agent, *campaign, *contact;
} Show;

static void
on_show (GVariant *record, const GError *error, gpointer data)
{
  Show *w = data;
  if (error)
    g_message ("campaign %s: no screen for contact %s: %s", w->campaign, w->contact,
               error->message);
  else if (w->d->plugin)
    occ_bus_publish (
        occ_plugin_get_bus (w->d->plugin), w->d->plugin, DIALER_EV_SCREEN,
        g_variant_new ("(ssss@a{sv})", w->interaction, w->agent, w->campaign, w->contact, record),
        NULL);
  dialer_unref (w->d);
  g_free (w->interaction);
  g_free (w->agent);
  g_free (w->campaign);
  g_free (w->contact);
  g_free (w);
}

void
dialer_screen_show (Dialer *d, const char *interaction, const char *agent, const char *campaign,
                    const char *contact, const char *number, const char *script,
                    const char *const *dispositions)
{
  Show *w = g_new0 (Show, 1);
  w->d = dialer_ref (d);
  w->interaction = g_strdup (interaction ? interaction : "");
  w->agent = g_strdup (agent);
  w->campaign = g_strdup (campaign);
  w->contact = g_strdup (contact);
  screen_gather (d, campaign, contact, number, script, dispositions, on_show, w);
}

/* --- campaign.contact ----------------------------------------------------------------------- */

static void
on_contact (GVariant *record, const GError *error, gpointer data)
{
  OccControlCall *call = data;
  if (error)
    occ_control_call_return_error (call, error);
  else
    occ_control_call_return (call, g_variant_ref (record));
}

static void
cmd_contact (OccControlCall *call, GVariant *args, gpointer data)
{
  Dialer *d = data;
  const char *contact = dialer_arg_string (args, "contact");
  if (contact == NULL)
    {
      g_autoptr (GError) e = dialer_bad_request ("contact: which contact (or callback:TASK)");
      return occ_control_call_return_error (call, e);
    }
  screen_gather (d, dialer_arg_string (args, "campaign"), contact, NULL, NULL, NULL, on_contact,
                 call);
}

gboolean
dialer_screen_register (Dialer *d, GError **error)
{
  return occ_bus_register_type (occ_plugin_get_bus (d->plugin), d->plugin, DIALER_EV_SCREEN,
                                "(ssssa{sv})",
                                "The agent's screen for a campaign call or preview: interaction "
                                "('' for a preview), agent, campaign, contact, record",
                                error)
         && occ_control_add_command_full (
             d->plugin, "campaign.contact",
             "A contact's record as an agent's screen shows it (contact=ID or callback:TASK, "
             "optional campaign=)",
             "interaction.handle", 0, cmd_contact, d, NULL, error);
}
