/* dialer: running campaigns — their settings (campaign.set), start,
 * pause and stop, the agents' preview results and dispositions, the
 * compliance report, and the bus events that feed the runners (see
 * README.md, "Running a campaign"). */
#include "runner.h"

#include <omnicc/bus.h>
#include <omnicc/events.h>
#include <omnicc/service.h>
#include <omnicc/voice.h>

#include <string.h>

#define EV_CAMPAIGN_STATE "campaign.state"
#define EV_CAMPAIGN_PREVIEW "campaign.preview"

static void
refuse (OccControlCall *call, GError *e)
{
  occ_control_call_return_error (call, e);
  g_error_free (e);
}

static GError *
invalid (const GError *why)
{
  return g_error_new_literal (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_BAD_REQUEST, why->message);
}

/* --- settings ------------------------------------------------------------------------- */

char *
dialer_campaign_settings_text (const char *file, const char *queue, const char *mode,
                               GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  if (file && !g_key_file_load_from_file (kf, file, G_KEY_FILE_NONE, error))
    return NULL;
  g_key_file_set_string (kf, CAMPAIGN_GROUP, "queue", queue);
  g_autofree char *text = g_key_file_to_data (kf, NULL, NULL);
  CampaignSettings s;
  if (!campaign_settings_parse (text, mode, file ? file : "(new)", &s, error))
    return NULL;
  campaign_settings_clear (&s);
  return g_steal_pointer (&text);
}

/* an argument's value as the key file's text */
static char *
arg_text (GVariant *v)
{
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
    return g_variant_dup_string (v, NULL);
  return g_variant_print (v, FALSE);
}

typedef struct {
  Dialer *d;
  OccControlCall *call;
  char *id;
  GVariant *args;
} Pending;

static Pending *
pending_new (Dialer *d, OccControlCall *call, const char *id, GVariant *args)
{
  Pending *p = g_new0 (Pending, 1);
  p->d = dialer_ref (d);
  p->call = call;
  p->id = g_strdup (id);
  p->args = args ? g_variant_ref (args) : NULL;
  return p;
}

static void
pending_free (Pending *p)
{
  dialer_unref (p->d);
  g_free (p->id);
  if (p->args)
    g_variant_unref (p->args);
  g_free (p);
}

static GVariant *
set_shape (GPtrArray *results, gpointer data)
{
  (void) results;
  return g_variant_new_parsed ("{'id': <%s>, 'settings': <%s>}", ((char **) data)[0],
                               ((char **) data)[1]);
}

/* campaign.set: the campaign's settings read, changed, checked whole and
 * written back. */
static void
set_read (GPtrArray *results, const GError *error, gpointer data)
{
  Pending *p = data;
  Dialer *d = p->d;
  OccStoreResult *r = results ? results->pdata[0] : NULL;
  if (d->plugin == NULL)
    return pending_free (p);
  if (error)
    refuse (p->call, g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_FAILED,
                                  "reading the campaign: %s", error->message));
  else if (occ_store_result_get_n_rows (r) == 0)
    refuse (p->call, g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_NOT_FOUND,
                                  "no campaign “%s”", p->id));
  else
    {
      const char *mode = occ_store_result_get_string (r, 0, 0);
      g_autoptr (GKeyFile) kf = g_key_file_new ();
      const char *stored = occ_store_result_get_string (r, 0, 1);
      g_key_file_load_from_data (kf, stored ? stored : "", -1, G_KEY_FILE_NONE, NULL);
      GVariantIter it;
      const char *key;
      GVariant *value;
      g_variant_iter_init (&it, p->args);
      while (g_variant_iter_next (&it, "{&sv}", &key, &value))
        {
          g_autofree char *text = arg_text (value);
          g_variant_unref (value);
          if (strcmp (key, "id") != 0)
            g_key_file_set_value (kf, CAMPAIGN_GROUP, key, text);
        }
      g_autofree char *settings = g_key_file_to_data (kf, NULL, NULL);
      CampaignSettings s;
      g_autoptr (GError) e = NULL;
      if (!campaign_settings_parse (settings, mode, p->id, &s, &e))
        {
          refuse (p->call, invalid (e));
          return pending_free (p);
        }
      campaign_settings_clear (&s);
      OccStoreStatement st
          = { "UPDATE campaign SET settings = $1, updated_at = $2 WHERE id = $3",
              g_variant_new ("(sxs)", settings, g_get_real_time () / 1000, p->id) };
      dialer_audit (d, p->call, "campaign.set", p->id, OCC_AUDIT_SUCCESS, g_variant_ref (p->args));
      char **pair = g_new0 (char *, 3);
      pair[0] = g_strdup (p->id);
      pair[1] = g_steal_pointer (&settings);
      dialer_ask (d, p->call, "writing the settings", &st, 1, OCC_STORE_FLAGS_NONE, set_shape, pair,
                  (GDestroyNotify) g_strfreev);
    }
  pending_free (p);
}

/* The campaign @args name, or NULL with @call answered. */
static const char *
campaign_arg (OccControlCall *call, GVariant *args)
{
  const char *id = dialer_arg_string (args, "id");
  if (id == NULL)
    refuse (call, dialer_bad_request ("id: which campaign"));
  return id;
}

static void
cmd_set (OccControlCall *call, GVariant *args, gpointer data)
{
  Dialer *d = data;
  const char *id = campaign_arg (call, args);
  if (id == NULL)
    return;
  if (g_variant_n_children (args) < 2)
    return refuse (call, dialer_bad_request ("KEY=VALUE: at least one setting to change"));
  if (g_hash_table_contains (d->runners, id))
    return refuse (call, g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_REFUSED,
                                      "campaign %s runs: stop it to change its settings", id));
  occ_store_execute1 (d->store, "SELECT mode, settings FROM campaign WHERE id = $1",
                      g_variant_new ("(s)", id), OCC_STORE_FLAGS_NONE, set_read,
                      pending_new (d, call, id, args));
}

/* --- start, pause, stop ---------------------------------------------------------------- */

/* The campaign's new state: store, bus, audit, answer (with @books, the
 * start's "new" or "continued", when given). */
static void
announce_books (Dialer *d, OccControlCall *call, const char *id, const char *state,
                const char *action, const char *books)
{
  occ_store_execute1 (d->store, "UPDATE campaign SET state = $1, updated_at = $2 WHERE id = $3",
                      g_variant_new ("(sxs)", state, g_get_real_time () / 1000, id),
                      OCC_STORE_FLAGS_NONE, dialer_store_logged, (gpointer) "a campaign's state");
  occ_bus_publish (occ_plugin_get_bus (d->plugin), d->plugin, EV_CAMPAIGN_STATE,
                   g_variant_new ("(ss)", id, state), NULL);
  dialer_audit (d, call, action, id, OCC_AUDIT_SUCCESS, NULL);
  GVariantDict answer;
  g_variant_dict_init (&answer, NULL);
  g_variant_dict_insert (&answer, "id", "s", id);
  g_variant_dict_insert (&answer, "state", "s", state);
  if (books)
    g_variant_dict_insert (&answer, "books", "s", books);
  occ_control_call_return (call, g_variant_dict_end (&answer));
}

static void
announce (Dialer *d, OccControlCall *call, const char *id, const char *state, const char *action)
{
  announce_books (d, call, id, state, action, NULL);
}

static Runner *
start_runner (Dialer *d, const char *id, GPtrArray *results, GError **error)
{
  OccStoreResult *c = results->pdata[0];
  OccStoreResult *contacts = results->pdata[1];
  OccStoreResult *dnc = results->pdata[2];
  if (occ_store_result_get_n_rows (c) == 0)
    {
      g_set_error (error, OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_NOT_FOUND, "no campaign “%s”", id);
      return NULL;
    }
  const char *mode = occ_store_result_get_string (c, 0, 0);
  g_autofree char *service = g_strconcat (OCC_DIALER_PACING_SERVICE_PREFIX, mode, NULL);
  const OccDialerPacing *pacing
      = occ_service_lookup (d->plugin, service, OCC_DIALER_PACING_VERSION, NULL);
  if (pacing == NULL)
    {
      g_set_error (error, OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_REFUSED,
                   "campaign %s: its pacing “%s” is not loaded (no service %s: enable the "
                   "plugin dialer-%s)",
                   id, mode, service, mode);
      return NULL;
    }
  CampaignSettings s;
  g_autoptr (GError) e = NULL;
  const char *caller_id
      = occ_store_result_is_null (c, 0, 1) ? NULL : occ_store_result_get_string (c, 0, 1);
  Runner *r = campaign_settings_parse (occ_store_result_get_string (c, 0, 2), mode, id, &s, &e)
                  ? runner_new (d, id, caller_id, &s, pacing, &e)
                  : NULL;
  if (r == NULL)
    {
      g_set_error (error, OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_REFUSED, "%s", e->message);
      return NULL;
    }
  for (guint i = 0; i < occ_store_result_get_n_rows (dnc); i++)
    runner_add_dnc (r, occ_store_result_get_string (dnc, i, 0));
  for (guint i = 0; i < occ_store_result_get_n_rows (contacts); i++)
    runner_add_contact (
        r, occ_store_result_get_string (contacts, i, 0),
        occ_store_result_get_string (contacts, i, 1),
        (gint) occ_store_result_get_int (contacts, i, 2),
        occ_store_result_is_null (contacts, i, 3) ? 0 : occ_store_result_get_int (contacts, i, 3),
        (guint) CLAMP (occ_store_result_get_int (contacts, i, 4), 0, G_MAXUINT));
  return r;
}

static void
start_read (GPtrArray *results, const GError *error, gpointer data)
{
  Pending *p = data;
  Dialer *d = p->d;
  if (d->plugin == NULL)
    return pending_free (p);
  g_autoptr (GError) e = NULL;
  Runner *r = NULL;
  if (error)
    e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_FAILED, "reading the campaign: %s",
                     error->message);
  else
    r = start_runner (d, p->id, results, &e);
  if (r == NULL)
    {
      g_hash_table_remove (d->runners, p->id);
      occ_control_call_return_error (p->call, e);
      return pending_free (p);
    }
  OccStoreResult *c = results->pdata[0];
  const char *books = runner_restore_books (
      r, occ_store_result_is_null (c, 0, 3) ? NULL : occ_store_result_get_string (c, 0, 3));
  g_hash_table_insert (d->runners, g_strdup (p->id), r);
  runner_go (r);
  announce_books (d, p->call, p->id, "running", "campaign.start", books);
  pending_free (p);
}

static void
cmd_start (OccControlCall *call, GVariant *args, gpointer data)
{
  Dialer *d = data;
  const char *id = campaign_arg (call, args);
  if (id == NULL)
    return;
  if (g_hash_table_contains (d->runners, id))
    return refuse (call, g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_REFUSED,
                                      "campaign %s is already started", id));
  /* taken now: a second start while the store answers is refused */
  g_hash_table_insert (d->runners, g_strdup (id), NULL);
  OccStoreStatement sts[] = {
    { "SELECT mode, caller_id, settings, books FROM campaign WHERE id = $1",
      g_variant_new ("(s)", id) },
    { "SELECT id, phones, priority, next_attempt_at, attempts FROM contact WHERE "
      "campaign_id = $1 AND state IN ('pending', 'calling', 'previewing') ORDER BY created_at, id",
      g_variant_new ("(s)", id) },
    { "SELECT number FROM dnc", NULL },
  };
  d->store->execute (d->store, sts, G_N_ELEMENTS (sts), OCC_STORE_FLAGS_NONE, NULL, start_read,
                     pending_new (d, call, id, NULL));
}

/* The running campaign @id, or NULL with @call answered. */
static Runner *
running (Dialer *d, OccControlCall *call, GVariant *args)
{
  const char *id = campaign_arg (call, args);
  Runner *r = id ? g_hash_table_lookup (d->runners, id) : NULL;
  if (id && r == NULL)
    refuse (call, g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_NOT_FOUND,
                               "campaign %s is not running", id));
  return r;
}

/* campaign.pause and campaign.resume */
static void
set_paused (OccControlCall *call, GVariant *args, Dialer *d, gboolean paused)
{
  Runner *r = running (d, call, args);
  if (r == NULL)
    return;
  runner_set_paused (r, paused);
  announce (d, call, dialer_arg_string (args, "id"), paused ? "paused" : "running",
            paused ? "campaign.pause" : "campaign.resume");
}

static void
cmd_pause (OccControlCall *call, GVariant *args, gpointer data)
{
  set_paused (call, args, data, TRUE);
}

static void
cmd_resume (OccControlCall *call, GVariant *args, gpointer data)
{
  set_paused (call, args, data, FALSE);
}

static void
cmd_stop (OccControlCall *call, GVariant *args, gpointer data)
{
  Dialer *d = data;
  Runner *r = running (d, call, args);
  if (r == NULL)
    return;
  g_autofree char *id = g_strdup (dialer_arg_string (args, "id"));
  g_hash_table_remove (d->runners, id);
  announce (d, call, id, "stopped", "campaign.stop");
}

/* running: the engine's books; not running: the stored ones (books.c) */
static void
cmd_report (OccControlCall *call, GVariant *args, gpointer data)
{
  const char *id = campaign_arg (call, args);
  Runner *r = id ? g_hash_table_lookup (((Dialer *) data)->runners, id) : NULL;
  if (r)
    occ_control_call_return (call, runner_report (r));
  else if (id)
    dialer_books_report_stored (data, call, id);
}

/* --- the agents' answers ------------------------------------------------------------------ */

/* The running campaign that holds @contact, or NULL with @call answered. */
static Runner *
contact_runner (Dialer *d, OccControlCall *call, const char *contact)
{
  if (contact == NULL)
    {
      refuse (call, dialer_bad_request ("contact: which contact"));
      return NULL;
    }
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init (&it, d->runners);
  while (g_hash_table_iter_next (&it, NULL, &v))
    if (v && runner_has_contact (v, contact))
      return v;
  refuse (call, g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_NOT_FOUND,
                             "contact %s is in no running campaign", contact));
  return NULL;
}

static void
cmd_preview_result (OccControlCall *call, GVariant *args, gpointer data)
{
  const char *contact = dialer_arg_string (args, "contact");
  gboolean dial;
  if (!g_variant_lookup (args, "dial", "b", &dial))
    return refuse (call, dialer_bad_request ("dial: true (call the contact) or false (skip)"));
  Runner *r = contact_runner (data, call, contact);
  g_autoptr (GError) e = NULL;
  if (r == NULL)
    return;
  if (!runner_preview_result (r, contact, dial, &e))
    return refuse (call,
                   g_error_new_literal (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_REFUSED, e->message));
  occ_control_call_return (call,
                           g_variant_new_parsed ("{'contact': <%s>, 'dial': <%b>}", contact, dial));
}

/* The disposition given to the run that holds @contact (again looked up:
 * an appointment's booking came between), audited and answered. */
static void
apply_disposition (Dialer *d, OccControlCall *call, const char *contact, DialerDisposition k,
                   gint64 when_us, const char *name)
{
  Runner *r = contact_runner (d, call, contact);
  if (r == NULL)
    return;
  /* the number the agent talked to: read before the disposition lets go
   * of the call */
  g_autofree char *number
      = k == DIALER_DISPOSITION_DO_NOT_CALL ? runner_last_number (r, contact) : NULL;
  g_autoptr (GError) e = NULL;
  if (!runner_disposition (r, contact, k, when_us, name, &e))
    return refuse (call,
                   g_error_new_literal (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_REFUSED, e->message));
  if (number)
    {
      occ_store_execute1 (
          d->store,
          "INSERT INTO dnc (number, reason, added_by, added_at) SELECT $1, $2, "
          "'disposition', $3 WHERE NOT EXISTS (SELECT 1 FROM dnc WHERE number "
          "= $1)",
          g_variant_new ("(ssx)", number, "do-not-call disposition", g_get_real_time () / 1000),
          OCC_STORE_FLAGS_NONE, dialer_store_logged,
          (gpointer) "a do-not-call disposition's number");
      dialer_runs_add_dnc (d, number);
    }
  GVariantDict details;
  g_variant_dict_init (&details, NULL);
  g_variant_dict_insert (&details, "disposition", "s", name);
  if (k == DIALER_DISPOSITION_APPOINTMENT)
    g_variant_dict_insert (&details, "appointment-at", "x", when_us / 1000);
  dialer_audit (d, call, "campaign.disposition", contact, OCC_AUDIT_SUCCESS,
                g_variant_ref_sink (g_variant_dict_end (&details)));
  occ_control_call_return (
      call, g_variant_new_parsed ("{'contact': <%s>, 'disposition': <%s>}", contact, name));
}

typedef struct {
  Dialer *d;
  OccControlCall *call;
  char *contact, *name;
  gint64 when_us;
} Booking;

/* The slot was booked (one row changed), or it was full. */
static void
on_booked (GPtrArray *results, const GError *error, gpointer data)
{
  Booking *b = data;
  if (b->d->plugin == NULL)
    ;
  else if (error)
    refuse (b->call, g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_FAILED,
                                  "booking the visit: %s", error->message));
  else if (occ_store_result_get_changes (results->pdata[0]) != 1)
    refuse (b->call, g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_REFUSED,
                                  "contact %s: that slot is full (every visit in it is booked); "
                                  "campaign.slots lists the free ones",
                                  b->contact));
  else
    apply_disposition (b->d, b->call, b->contact, DIALER_DISPOSITION_APPOINTMENT, b->when_us,
                       b->name);
  dialer_unref (b->d);
  g_free (b->contact);
  g_free (b->name);
  g_free (b);
}

/* An appointment: the slot must be one of the campaign's, and free; the
 * booking is stored on the contact before the disposition is given. */
static void
book (Dialer *d, OccControlCall *call, const char *contact, const char *name, GDateTime *when)
{
  Runner *r = contact_runner (d, call, contact);
  if (r == NULL)
    return;
  const DialerSlots *slots = runner_slots (r);
  gint64 at = when ? g_date_time_to_unix (when) * G_USEC_PER_SEC : 0;
  g_autoptr (GError) e = NULL;
  if (slots == NULL)
    return refuse (call, g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_REFUSED,
                                      "contact %s: its campaign is not an appointment campaign "
                                      "(type=appointment)",
                                      contact));
  if (g_str_has_prefix (contact, DIALER_CALLBACK_PREFIX))
    return refuse (
        call, dialer_bad_request ("contact %s: a call-back task has no visit to book", contact));
  if (!runner_talked_to (r, contact))
    return refuse (call, g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_REFUSED,
                                      "contact %s: nobody talked to it", contact));
  if (!dialer_slots_check (slots, at, g_get_real_time (), &e))
    return refuse (call, dialer_bad_request ("at: %s", e->message));
  Booking *b = g_new0 (Booking, 1);
  b->d = dialer_ref (d);
  b->call = call;
  b->contact = g_strdup (contact);
  b->name = g_strdup (name);
  b->when_us = at;
  /* one statement: the count and the write are one step for the store */
  occ_store_execute1 (d->store,
                      "UPDATE contact SET appointment_at = $1, updated_at = $2 WHERE id = $3 AND "
                      "(SELECT count(*) FROM contact o WHERE o.campaign_id = contact.campaign_id "
                      "AND o.appointment_at = $1 AND o.id <> $3) < $4",
                      g_variant_new ("(xxsx)", at / 1000, g_get_real_time () / 1000, contact,
                                     (gint64) slots->capacity),
                      OCC_STORE_FLAGS_NONE, on_booked, b);
}

/* --- campaign.slots ---------------------------------------------------------------------- */

#define SLOTS_MAX 2000

static void
slots_read (GPtrArray *results, const GError *error, gpointer data)
{
  Pending *p = data;
  OccStoreResult *c = results ? results->pdata[0] : NULL;
  CampaignSettings s;
  g_autoptr (GError) e = NULL;
  if (p->d->plugin == NULL)
    return pending_free (p);
  if (error)
    e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_FAILED, "reading the campaign: %s",
                     error->message);
  else if (occ_store_result_get_n_rows (c) == 0)
    e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_NOT_FOUND, "no campaign “%s”", p->id);
  else if (!campaign_settings_parse (occ_store_result_get_string (c, 0, 1),
                                     occ_store_result_get_string (c, 0, 0), p->id, &s, &e))
    ;
  else if (!s.appointment)
    {
      campaign_settings_clear (&s);
      e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_REFUSED,
                       "campaign %s is not an appointment campaign (type=appointment)", p->id);
    }
  if (e)
    {
      occ_control_call_return_error (p->call, e);
      return pending_free (p);
    }
  /* the bookings from now on: slot (ms) → visits */
  OccStoreResult *booked = results->pdata[1];
  g_autoptr (GHashTable) taken = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autofree gint64 *keys = g_new0 (gint64, occ_store_result_get_n_rows (booked) + 1);
  for (guint i = 0; i < occ_store_result_get_n_rows (booked); i++)
    {
      keys[i] = occ_store_result_get_int (booked, i, 0);
      g_hash_table_insert (taken, &keys[i],
                           GINT_TO_POINTER ((gint) occ_store_result_get_int (booked, i, 1)));
    }
  const char *from_text = NULL;
  g_variant_lookup (p->args, "from", "&s", &from_text);
  g_autoptr (GDateTime) from = from_text ? g_date_time_new_from_iso8601 (from_text, NULL) : NULL;
  gint64 days = 7; /* (checked by cmd_slots) */
  g_variant_lookup (p->args, "days", "x", &days);
  gint64 now = g_get_real_time ();
  g_autoptr (GArray) list
      = dialer_slots_list (&s.slots, from ? g_date_time_to_unix (from) * G_USEC_PER_SEC : now,
                           (guint) MIN (days, 366), now, SLOTS_MAX);
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < list->len; i++)
    {
      gint64 at_ms = g_array_index (list, gint64, i) / 1000;
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (taken, &at_ms));
      if (n >= s.slots.capacity)
        continue;
      g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (at_ms / 1000);
      g_autoptr (GDateTime) local = g_date_time_to_timezone (utc, s.slots.tz);
      g_autofree char *iso = g_date_time_format_iso8601 (local);
      g_variant_builder_add_parsed (&b, "{'at': <%s>, 'at-ms': <%x>, 'booked': <%u>, 'free': <%u>}",
                                    iso, at_ms, n, s.slots.capacity - n);
    }
  occ_control_call_return (p->call,
                           g_variant_new_parsed ("{'campaign': <%s>, 'length-min': <%u>, "
                                                 "'capacity': <%u>, 'slots': <%@aa{sv}>}",
                                                 p->id, s.slots.length_min, s.slots.capacity,
                                                 g_variant_builder_end (&b)));
  campaign_settings_clear (&s);
  pending_free (p);
}

static void
cmd_slots (OccControlCall *call, GVariant *args, gpointer data)
{
  Dialer *d = data;
  const char *id = campaign_arg (call, args);
  if (id == NULL)
    return;
  const char *from = dialer_arg_string (args, "from");
  g_autoptr (GDateTime) parsed = from ? g_date_time_new_from_iso8601 (from, NULL) : NULL;
  if (from && parsed == NULL)
    return refuse (call, dialer_bad_request ("from: ISO 8601 with its zone"));
  g_autoptr (GVariant) days = g_variant_lookup_value (args, "days", NULL);
  if (days
      && (!g_variant_is_of_type (days, G_VARIANT_TYPE_INT64) || g_variant_get_int64 (days) < 1
          || g_variant_get_int64 (days) > 366))
    return refuse (call, dialer_bad_request ("days: a whole number from 1 to 366"));
  OccStoreStatement sts[] = {
    { "SELECT mode, settings FROM campaign WHERE id = $1", g_variant_new ("(s)", id) },
    { "SELECT appointment_at, count(*) FROM contact WHERE campaign_id = $1 AND appointment_at > "
      "$2 GROUP BY appointment_at",
      g_variant_new ("(sx)", id, g_get_real_time () / 1000) },
  };
  d->store->execute (d->store, sts, G_N_ELEMENTS (sts), OCC_STORE_FLAGS_NONE, NULL, slots_read,
                     pending_new (d, call, id, args));
}

static void
cmd_disposition (OccControlCall *call, GVariant *args, gpointer data)
{
  Dialer *d = data;
  const char *contact = dialer_arg_string (args, "contact");
  const char *name = dialer_arg_string (args, "disposition");
  const char *at = dialer_arg_string (args, "at");
  if (name == NULL)
    return refuse (call, dialer_bad_request ("disposition: which (campaign.contact lists the "
                                             "campaign's)"));
  Runner *r = contact_runner (d, call, contact);
  if (r == NULL)
    return;
  /* the campaign's own names, each doing one of the engine's effects */
  int k = dialer_disposition_effect (runner_dispositions (r), name);
  if (k < 0)
    {
      g_autofree char *names = dialer_disposition_names (runner_dispositions (r));
      return refuse (call, dialer_bad_request ("disposition: “%s” is not one of the campaign's: %s",
                                               name, names));
    }
  g_autoptr (GDateTime) when = at ? g_date_time_new_from_iso8601 (at, NULL) : NULL;
  if (k == DIALER_DISPOSITION_CALL_BACK && when == NULL)
    return refuse (call, dialer_bad_request ("at: the call-back's time, ISO 8601 with its zone "
                                             "(2026-12-01T10:30:00+00:00)"));
  if (k == DIALER_DISPOSITION_APPOINTMENT && when == NULL)
    return refuse (call, dialer_bad_request ("at: the visit's slot, ISO 8601 with its zone "
                                             "(campaign.slots lists them)"));
  if (k == DIALER_DISPOSITION_APPOINTMENT)
    return book (d, call, contact, name, when);
  apply_disposition (d, call, contact, (DialerDisposition) k,
                     when ? g_date_time_to_unix (when) * G_USEC_PER_SEC : 0, name);
}

void
dialer_runs_add_dnc (Dialer *d, const char *number)
{
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init (&it, d->runners);
  while (g_hash_table_iter_next (&it, NULL, &v))
    if (v)
      runner_add_dnc (v, number);
}

/* --- the bus ------------------------------------------------------------------------------ */

/* voice.progress, interaction.connected, interaction.ended: to the run
 * that placed the call (the others do not know its id). */
static void
on_call (const OccEvent *event, gpointer data)
{
  Dialer *d = data;
  GVariant *p = occ_event_get_payload (event);
  const char *id = NULL, *what = NULL;
  g_variant_get_child (p, 0, "&s", &id);
  g_variant_get_child (p, 1, "&s", &what);
  g_autoptr (GVariant) extra = g_variant_get_child_value (p, g_variant_n_children (p) - 1);
  gint32 status = 0;
  g_variant_lookup (extra, "sip-status", "i", &status);
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init (&it, d->runners);
  while (g_hash_table_iter_next (&it, NULL, &v))
    if (v && runner_on_call (v, occ_event_get_type_name (event), id, what, status))
      return;
}

/* interaction.offered (id, queue, agent, extra): the agent's screen */
static void
on_offered (const OccEvent *event, gpointer data)
{
  Dialer *d = data;
  const char *id, *agent;
  g_variant_get (occ_event_get_payload (event), "(&s&s&s@a{sv})", &id, NULL, &agent, NULL);
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init (&it, d->runners);
  while (g_hash_table_iter_next (&it, NULL, &v))
    if (v && runner_on_offered (v, id, agent))
      return;
}

static void
on_agent (const OccEvent *event, gpointer data)
{
  Dialer *d = data;
  const char *agent, *state;
  g_variant_get (occ_event_get_payload (event), "(&s&s&s@a{sv})", &agent, &state, NULL, NULL);
  g_autofree char *login = g_utf8_casefold (agent, -1);
  g_hash_table_insert (d->agents, g_strdup (login), g_strdup (state));
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init (&it, d->runners);
  while (g_hash_table_iter_next (&it, NULL, &v))
    if (v)
      runner_on_agent (v, login, state);
}

/* --- loading ------------------------------------------------------------------------------ */

typedef struct {
  const char *name, *summary, *permission;
  OccControlFunc func;
} Command;

static const Command commands[] = {
  { "campaign.set", "Change a stopped campaign's settings (id, KEY=VALUE…)", "campaign.manage",
    cmd_set },
  { "campaign.start", "Start dialing a campaign (id)", "campaign.manage", cmd_start },
  { "campaign.pause", "Pause a campaign: no new calls (id)", "campaign.manage", cmd_pause },
  { "campaign.resume", "Resume a paused campaign (id)", "campaign.manage", cmd_resume },
  { "campaign.stop", "Stop a campaign (id)", "campaign.manage", cmd_stop },
  { "campaign.report", "A campaign's compliance report, running or from its stored books (id)",
    "campaign.read", cmd_report },
  { "campaign.slots",
    "An appointment campaign's free visit slots (id, optional from=ISO, days=N, default 7)",
    "interaction.handle", cmd_slots },
  { "campaign.preview-result", "Dial or skip a previewed contact (contact, dial=true|false)",
    "interaction.handle", cmd_preview_result },
  { "campaign.disposition",
    "The outcome of a call (contact, disposition=sale|not-interested|call-back|wrong-number|"
    "do-not-call|appointment, at=ISO for a call-back or the visit's slot)",
    "interaction.handle", cmd_disposition },
};

gboolean
dialer_runs_register (Dialer *d, GError **error)
{
  OccPlugin *p = d->plugin;
  OccBus *bus = occ_plugin_get_bus (p);
  if (!occ_bus_register_type (bus, p, EV_CAMPAIGN_STATE, "(ss)",
                              "A campaign's run changed state: id, running|paused|stopped", error)
      || !occ_bus_register_type (bus, p, EV_CAMPAIGN_PREVIEW, "(sss)",
                                 "Show a contact to an agent, who dials or skips it: campaign, "
                                 "contact, agent",
                                 error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (!occ_control_add_command_full (p, commands[i].name, commands[i].summary,
                                       commands[i].permission, 0, commands[i].func, d, NULL, error))
      return FALSE;
  const struct {
    const char *pattern;
    OccEventFunc func;
  } subs[] = { { OCC_EVENT_VOICE_PROGRESS, on_call },
               { OCC_EVENT_INTERACTION_CONNECTED, on_call },
               { OCC_EVENT_INTERACTION_ENDED, on_call },
               { OCC_EVENT_AGENT_STATE, on_agent },
               { OCC_EVENT_INTERACTION_OFFERED, on_offered } };
  G_STATIC_ASSERT (G_N_ELEMENTS (subs) == G_N_ELEMENTS (d->subscriptions));
  for (guint i = 0; i < G_N_ELEMENTS (subs); i++)
    {
      d->subscriptions[i]
          = occ_bus_subscribe (bus, p, subs[i].pattern, subs[i].func, d, NULL, error);
      if (d->subscriptions[i] == 0)
        return FALSE;
    }
  return TRUE;
}

void
dialer_runs_free (gpointer runner)
{
  if (runner)
    runner_free (runner);
}

void
dialer_runs_stop_all (Dialer *d)
{
  g_hash_table_remove_all (d->runners);
}
