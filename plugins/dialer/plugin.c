/* dialer: campaigns, their contact lists and the do-not-call list (see
 * README.md, "The dialer plugin"). This first part keeps campaigns in the
 * store and imports contact files: the CSV is read, checked and written
 * from a worker thread, its batches handed to the store on the main loop
 * one at a time, so a million rows neither block the daemon nor sit in
 * memory; all or nothing through a staging state. Running campaigns are
 * in run-commands.c and runner.c. */
#include "import.h"
#include "plugin-private.h"

#include <omnicc/audit.h>
#include <omnicc/bus.h>
#include <omnicc/control.h>
#include <omnicc/plugin.h>
#include <omnicc/service.h>
#include <omnicc/store.h>

#include <string.h>

#define EV_CAMPAIGN_CREATED "campaign.created"
#define EV_IMPORT_PROGRESS "campaign.import.progress"
#define EV_IMPORT_FINISHED "campaign.import.finished"

static const char *const modes[] = { "preview", "progressive", "predictive", NULL };

Dialer *
dialer_ref (Dialer *d)
{
  g_atomic_int_inc (&d->ref);
  return d;
}

void
dialer_unref (Dialer *d)
{
  if (!g_atomic_int_dec_and_test (&d->ref))
    return;
  g_free (d->country);
  g_hash_table_unref (d->imports);
  g_hash_table_unref (d->runners);
  g_hash_table_unref (d->agents);
  g_free (d);
}

static void
audit_done (GVariant *result, const GError *error, gpointer data)
{
  (void) result;
  (void) data;
  if (error)
    g_warning ("dialer: the audit entry was not written: %s", error->message);
}

void
dialer_audit (Dialer *d, OccControlCall *call, const char *action, const char *target,
              const char *result, GVariant *details)
{
  if (d->audit == NULL || d->plugin == NULL)
    {
      if (details)
        g_variant_unref (g_variant_ref_sink (details));
      return;
    }
  d->audit->append (d->audit, call ? occ_control_call_get_actor (call) : "system", action, target,
                    result, call ? occ_control_call_get_peer (call) : NULL, details, audit_done,
                    NULL);
}

void
dialer_store_logged (GPtrArray *results, const GError *error, gpointer data)
{
  (void) results;
  if (error)
    g_warning ("dialer: %s not written: %s", (const char *) data, error->message);
}

GError *
dialer_bad_request (const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  return g_error_new_literal (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_BAD_REQUEST, msg);
}

const char *
dialer_arg_string (GVariant *args, const char *key)
{
  const char *v = NULL;
  if (!g_variant_lookup (args, key, "&s", &v) || v == NULL || *v == '\0')
    return NULL;
  return v;
}

/* --- one store call, answered to a control call ---------------------------- */

typedef struct {
  Dialer *d;
  OccControlCall *call;
  char *what; /* for messages */
  GVariant *(*shape) (GPtrArray *results, gpointer data);
  gpointer data;
  GDestroyNotify free_data;
} Ask;

static void
asked (GPtrArray *results, const GError *error, gpointer data)
{
  Ask *a = data;
  if (a->d->plugin)
    {
      if (error)
        {
          g_autoptr (GError) e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_FAILED, "%s: %s",
                                              a->what, error->message);
          occ_control_call_return_error (a->call, e);
        }
      else
        occ_control_call_return (a->call, a->shape (results, a->data));
    }
  if (a->free_data)
    a->free_data (a->data);
  dialer_unref (a->d);
  g_free (a->what);
  g_free (a);
}

void
dialer_ask (Dialer *d, OccControlCall *call, const char *what, const OccStoreStatement *sts,
            guint n, OccStoreFlags flags, GVariant *(*shape) (GPtrArray *, gpointer), gpointer data,
            GDestroyNotify free_data)
{
  Ask *a = g_new0 (Ask, 1);
  a->d = dialer_ref (d);
  a->call = call;
  a->what = g_strdup (what);
  a->shape = shape;
  a->data = data;
  a->free_data = free_data;
  d->store->execute (d->store, sts, n, flags, NULL, asked, a);
}

/* --- campaigns ------------------------------------------------------------------ */

static GVariant *
created (GPtrArray *results, gpointer data)
{
  (void) results;
  return g_variant_new_parsed ("{'id': <%s>}", (const char *) data);
}

static void
cmd_create (OccControlCall *call, GVariant *args, gpointer data)
{
  Dialer *d = data;
  const char *name = dialer_arg_string (args, "name");
  const char *mode = dialer_arg_string (args, "mode");
  const char *queue = dialer_arg_string (args, "queue");
  const char *caller_id = dialer_arg_string (args, "caller-id");
  const char *id = dialer_arg_string (args, "id");
  const char *file = dialer_arg_string (args, "settings");
  g_autoptr (GError) e = NULL;
  g_autofree char *settings = NULL;
  g_autofree char *pacing = mode ? g_strconcat ("dialer.pacing/", mode, NULL) : NULL;
  if (name == NULL)
    e = dialer_bad_request ("name: the campaign's name is required");
  else if (mode == NULL)
    e = dialer_bad_request ("mode: preview, progressive, predictive, or a pacing plugin's name");
  else if (!g_strv_contains (modes, mode) && !occ_service_lookup (d->plugin, pacing, 1, NULL))
    e = dialer_bad_request ("mode “%s”: not preview, progressive, predictive, nor a loaded pacing "
                            "plugin",
                            mode);
  else if (queue == NULL)
    e = dialer_bad_request ("queue: the ACD queue whose agents take the calls is required");
  else if (id
           && (strlen (id) > 64
               || strspn (id, "abcdefghijklmnopqrstuvwxyz0123456789-_") != strlen (id)))
    e = dialer_bad_request ("id “%s”: lower-case letters, digits, '-' and '_', at most 64", id);
  else if (file && !g_path_is_absolute (file))
    e = dialer_bad_request ("settings: the settings file, as an absolute path the daemon can "
                            "read");
  else
    {
      g_autoptr (GError) why = NULL;
      settings = dialer_campaign_settings_text (file, queue, mode, &why);
      if (settings == NULL)
        e = dialer_bad_request ("settings: %s", why->message);
    }
  if (e)
    {
      occ_control_call_return_error (call, e);
      return;
    }
  g_autofree char *uuid = g_uuid_string_random ();
  char *campaign = id ? g_strdup (id) : g_strdup_printf ("c-%.8s", uuid);
  gint64 now = g_get_real_time () / 1000;
  OccStoreStatement st
      = { "INSERT INTO campaign (id, name, mode, state, queue_id, caller_id, settings, "
          "created_at, updated_at) VALUES ($1, $2, $3, 'draft', NULL, $4, $5, $6, $6)",
          g_variant_new ("(sssmssx)", campaign, name, mode, caller_id, settings, now) };
  dialer_audit (
      d, call, "campaign.create", campaign, OCC_AUDIT_SUCCESS,
      g_variant_new_parsed ("{'name': <%s>, 'mode': <%s>, 'queue': <%s>}", name, mode, queue));
  occ_bus_publish (occ_plugin_get_bus (d->plugin), d->plugin, EV_CAMPAIGN_CREATED,
                   g_variant_new ("(sss)", campaign, name, mode), NULL);
  dialer_ask (d, call, "creating the campaign", &st, 1, OCC_STORE_FLAGS_NONE, created, campaign,
              g_free);
}

static GVariant *
rows_as_list (GPtrArray *results, gpointer data)
{
  (void) data;
  OccStoreResult *r = results->pdata[0];
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < occ_store_result_get_n_rows (r); i++)
    g_variant_builder_add_value (&b, occ_store_result_row_to_vardict (r, i));
  return g_variant_builder_end (&b);
}

static void
cmd_list (OccControlCall *call, GVariant *args, gpointer data)
{
  (void) args;
  OccStoreStatement st
      = { "SELECT id, name, mode, state, caller_id FROM campaign ORDER BY id", NULL };
  dialer_ask (data, call, "listing campaigns", &st, 1, OCC_STORE_FLAGS_NONE, rows_as_list, NULL,
              NULL);
}

/* campaign.status: the campaign, its contacts per state, the call-back
 * tasks its runs dialed (or hold) per state, and its booked visits. */
static GVariant *
status_shape (GPtrArray *results, gpointer data)
{
  OccStoreResult *c = results->pdata[0];
  OccStoreResult *counts = results->pdata[1];
  if (occ_store_result_get_n_rows (c) == 0)
    return g_variant_new_parsed ("{'id': <%s>, 'found': <false>}", (const char *) data);
  GVariantDict d;
  g_variant_dict_init (&d, occ_store_result_row_to_vardict (c, 0));
  GVariantDict per;
  g_variant_dict_init (&per, NULL);
  gint64 total = 0;
  for (guint i = 0; i < occ_store_result_get_n_rows (counts); i++)
    {
      gint64 n = occ_store_result_get_int (counts, i, 1);
      total += n;
      g_variant_dict_insert (&per, occ_store_result_get_string (counts, i, 0), "x", n);
    }
  g_variant_dict_insert_value (&d, "contacts", g_variant_dict_end (&per));
  g_variant_dict_insert (&d, "contacts-total", "x", total);
  OccStoreResult *tasks = results->pdata[2];
  GVariantDict cb;
  g_variant_dict_init (&cb, NULL);
  for (guint i = 0; i < occ_store_result_get_n_rows (tasks); i++)
    g_variant_dict_insert (&cb, occ_store_result_get_string (tasks, i, 0), "x",
                           occ_store_result_get_int (tasks, i, 1));
  g_variant_dict_insert_value (&d, "callbacks", g_variant_dict_end (&cb));
  g_variant_dict_insert (&d, "appointments", "x",
                         occ_store_result_get_int (results->pdata[3], 0, 0));
  return g_variant_dict_end (&d);
}

static void
cmd_status (OccControlCall *call, GVariant *args, gpointer data)
{
  const char *id = dialer_arg_string (args, "id");
  if (id == NULL)
    {
      g_autoptr (GError) e = dialer_bad_request ("id: which campaign");
      occ_control_call_return_error (call, e);
      return;
    }
  OccStoreStatement sts[]
      = { { "SELECT id, name, mode, state, caller_id, settings FROM campaign WHERE id = $1",
            g_variant_new ("(s)", id) },
          { "SELECT state, count(*) FROM contact WHERE campaign_id = $1 GROUP BY state "
            "ORDER BY state",
            g_variant_new ("(s)", id) },
          { "SELECT state, count(*) FROM callback WHERE campaign_id = $1 GROUP BY state "
            "ORDER BY state",
            g_variant_new ("(s)", id) },
          { "SELECT count(*) FROM contact WHERE campaign_id = $1 AND appointment_at IS NOT NULL",
            g_variant_new ("(s)", id) } };
  dialer_ask (data, call, "reading the campaign", sts, 4, OCC_STORE_FLAGS_NONE, status_shape,
              g_strdup (id), g_free);
}

/* --- the do-not-call list ---------------------------------------------------------- */

static GVariant *
dnc_added (GPtrArray *results, gpointer data)
{
  (void) results;
  return g_variant_new_parsed ("{'number': <%s>}", (const char *) data);
}

static void
cmd_dnc_add (OccControlCall *call, GVariant *args, gpointer data)
{
  Dialer *d = data;
  const char *number = dialer_arg_string (args, "number");
  const char *reason = dialer_arg_string (args, "reason");
  const char *country = dialer_arg_string (args, "country");
  g_autoptr (GError) e = NULL;
  g_autofree char *e164 = NULL;
  if (number == NULL)
    e = dialer_bad_request ("number: the number not to call");
  else
    {
      const DialerCountry *c = dialer_e164_country_lookup (country ? country : d->country);
      char out[DIALER_E164_BUFSIZE];
      g_autoptr (GError) why = NULL;
      if (c && dialer_e164_normalise (number, c, out, &why))
        e164 = g_strdup (out);
      else
        e = dialer_bad_request ("number “%s”: %s", number, why ? why->message : "unknown country");
    }
  if (e)
    {
      occ_control_call_return_error (call, e);
      return;
    }
  /* an INSERT that keeps the first reason when the number is there */
  OccStoreStatement st
      = { "INSERT INTO dnc (number, reason, added_by, added_at) SELECT $1, $2, $3, $4 "
          "WHERE NOT EXISTS (SELECT 1 FROM dnc WHERE number = $1)",
          g_variant_new ("(sssx)", e164, reason ? reason : "", occ_control_call_get_actor (call),
                         g_get_real_time () / 1000) };
  dialer_audit (d, call, "dnc.add", e164, OCC_AUDIT_SUCCESS, NULL);
  dialer_runs_add_dnc (d, e164);
  dialer_ask (d, call, "adding to the do-not-call list", &st, 1, OCC_STORE_FLAGS_NONE, dnc_added,
              g_steal_pointer (&e164), g_free);
}

static void
cmd_dnc_list (OccControlCall *call, GVariant *args, gpointer data)
{
  (void) args;
  OccStoreStatement st
      = { "SELECT number, reason, added_by, added_at FROM dnc ORDER BY number", NULL };
  dialer_ask (data, call, "listing the do-not-call list", &st, 1, OCC_STORE_FLAGS_NONE,
              rows_as_list, NULL, NULL);
}

/* --- contact import ------------------------------------------------------------------ */

/* One import: the worker thread's state and what it asks the main loop. */
typedef struct {
  gint ref;
  Dialer *d;
  OccControlCall *call;
  char *campaign;
  char *file;
  char *import_id;
  DialerImportOptions options;
  char **phone_columns;
  char *id_column, *priority_column, *country;
  GHashTable *existing; /* E.164 of the campaign */
  GHashTable *dnc;      /* E.164 */
  GCancellable *cancel;
  DialerImport *imp;
  /* the store call the worker waits for */
  GMutex lock;
  GCond cond;
  gboolean answered;
  GError *store_error;
  GPtrArray *pending; /* OccStoreStatement params owned: GVariant* */
  const char *sql;    /* of the pending statements */
  OccStoreFlags flags;
  guint64 written;
  GError *error; /* the import's failure */
} Import;

static Import *
import_ref (Import *im)
{
  g_atomic_int_inc (&im->ref);
  return im;
}

static void
import_unref (Import *im)
{
  if (!g_atomic_int_dec_and_test (&im->ref))
    return;
  dialer_import_free (im->imp);
  g_strfreev (im->phone_columns);
  g_free (im->id_column);
  g_free (im->priority_column);
  g_free (im->country);
  g_free (im->campaign);
  g_free (im->file);
  g_free (im->import_id);
  g_hash_table_unref (im->existing);
  g_hash_table_unref (im->dnc);
  g_object_unref (im->cancel);
  g_mutex_clear (&im->lock);
  g_cond_clear (&im->cond);
  if (im->pending)
    g_ptr_array_unref (im->pending);
  g_clear_error (&im->store_error);
  g_clear_error (&im->error);
  dialer_unref (im->d);
  g_free (im);
}

static void
store_answered (GPtrArray *results, const GError *error, gpointer data)
{
  (void) results;
  Import *im = data;
  g_mutex_lock (&im->lock);
  if (error)
    im->store_error = g_error_copy (error);
  im->answered = TRUE;
  g_cond_signal (&im->cond);
  g_mutex_unlock (&im->lock);
  import_unref (im);
}

/* On the main loop: runs the pending statements (or fails them when the
 * plugin is gone). */
static gboolean
run_pending (gpointer data)
{
  Import *im = data;
  Dialer *d = im->d;
  if (d->plugin == NULL || d->store == NULL)
    {
      g_autoptr (GError) e = g_error_new (OCC_STORE_ERROR, OCC_STORE_ERROR_UNAVAILABLE,
                                          "the dialer plugin is unloading");
      store_answered (NULL, e, import_ref (im));
      return G_SOURCE_REMOVE;
    }
  guint n = im->pending->len;
  g_autofree OccStoreStatement *sts = g_new0 (OccStoreStatement, MAX (n, 1u));
  for (guint i = 0; i < n; i++)
    {
      sts[i].sql = im->sql;
      sts[i].params = g_variant_ref (im->pending->pdata[i]);
    }
  d->store->execute (d->store, sts, n, im->flags, NULL, store_answered, import_ref (im));
  return G_SOURCE_REMOVE;
}

/* From the worker: runs @params (each one @sql) on the main loop and
 * waits for the answer. */
static gboolean
run_and_wait (Import *im, const char *sql, GPtrArray *params, OccStoreFlags flags, GError **error)
{
  g_mutex_lock (&im->lock);
  im->answered = FALSE;
  im->sql = sql;
  im->flags = flags;
  if (im->pending)
    g_ptr_array_unref (im->pending);
  im->pending = g_ptr_array_ref (params);
  g_mutex_unlock (&im->lock);
  g_main_context_invoke (NULL, run_pending, im);
  g_mutex_lock (&im->lock);
  while (!im->answered)
    g_cond_wait (&im->cond, &im->lock);
  GError *e = g_steal_pointer (&im->store_error);
  g_mutex_unlock (&im->lock);
  if (e)
    {
      g_propagate_error (error, e);
      return FALSE;
    }
  return TRUE;
}

static GPtrArray *
one_param (GVariant *params)
{
  GPtrArray *a = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  g_ptr_array_add (a, g_variant_ref_sink (params));
  return a;
}

/* On the main loop: where the import is (every 10,000 contacts). */
/* Where an import is, taken by the worker (the report is its to change)
 * and published from the main loop. */
typedef struct {
  Import *im;
  GVariant *event; /* (sttt) */
} Progress;

static gboolean
publish_progress (gpointer data)
{
  Progress *p = data;
  if (p->im->d->plugin)
    occ_bus_publish (occ_plugin_get_bus (p->im->d->plugin), p->im->d->plugin, EV_IMPORT_PROGRESS,
                     p->event, NULL);
  /* and to whoever asked for the import, before its answer (the omnicc
   * command prints each as it comes) */
  if (p->im->call)
    {
      guint64 rows, written, rejected;
      g_variant_get (p->event, "(&sttt)", NULL, &rows, &written, &rejected);
      occ_control_call_send_item (
          p->im->call, g_variant_new_parsed ("{'progress': <{'rows': <%t>, 'written': <%t>, "
                                             "'rejected': <%t>}>}",
                                             rows, written, rejected));
    }
  g_variant_unref (p->event);
  import_unref (p->im);
  g_free (p);
  return G_SOURCE_REMOVE;
}

static gboolean
sink_begin (gpointer data, GError **error)
{
  (void) data;
  (void) error;
  return TRUE;
}

static char *
phones_json (const char *const *phones)
{
  GString *s = g_string_new ("[");
  for (guint i = 0; phones[i]; i++)
    g_string_append_printf (s, "%s\"%s\"", i ? "," : "", phones[i]); /* E.164: no escapes */
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static gboolean
sink_batch (const DialerContact *contacts, guint n, gpointer data, GError **error)
{
  Import *im = data;
  g_autoptr (GPtrArray) params = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  gint64 now = g_get_real_time () / 1000;
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_uuid_string_random ();
      g_autofree char *phones = phones_json (contacts[i].phones);
      g_ptr_array_add (params, g_variant_ref_sink (g_variant_new (
                                   "(ssssimssx)", id, im->campaign, phones,
                                   contacts[i].fields ? contacts[i].fields : "{}",
                                   contacts[i].priority, contacts[i].id, im->import_id, now)));
    }
  if (!run_and_wait (im,
                     "INSERT INTO contact (id, campaign_id, phones, fields, priority, "
                     "external_id, import_id, state, created_at, updated_at) VALUES ($1, $2, $3, "
                     "$4, $5, $6, $7, 'importing', $8, $8)",
                     params, OCC_STORE_TRANSACTION, error))
    return FALSE;
  im->written += n;
  if (im->written % 10000 < n)
    {
      const DialerImportReport *r = dialer_import_get_report (im->imp);
      Progress *p = g_new0 (Progress, 1);
      p->im = import_ref (im);
      p->event = g_variant_ref_sink (
          g_variant_new ("(sttt)", im->campaign, r->rows, im->written, r->rejected));
      g_main_context_invoke (NULL, publish_progress, p);
    }
  return TRUE;
}

static gboolean
sink_commit (gpointer data, GError **error)
{
  Import *im = data;
  g_autoptr (GPtrArray) p
      = one_param (g_variant_new ("(xs)", g_get_real_time () / 1000, im->import_id));
  return run_and_wait (im,
                       "UPDATE contact SET state = 'pending', updated_at = $1 WHERE import_id = "
                       "$2 AND state = 'importing'",
                       p, OCC_STORE_FLAGS_NONE, error);
}

static void
sink_rollback (gpointer data)
{
  Import *im = data;
  g_autoptr (GPtrArray) p = one_param (g_variant_new ("(s)", im->import_id));
  g_autoptr (GError) e = NULL;
  if (!run_and_wait (im, "DELETE FROM contact WHERE import_id = $1", p, OCC_STORE_FLAGS_NONE, &e))
    g_warning ("dialer: the rows of import %s were not removed: %s", im->import_id, e->message);
}

static const DialerImportSink import_sink = { sink_begin, sink_batch, sink_commit, sink_rollback };

static GVariant *
report_variant (const Import *im)
{
  const DialerImportReport *r = dialer_import_get_report (im->imp);
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "campaign", "s", im->campaign);
  g_variant_dict_insert (&d, "file", "s", im->file);
  g_variant_dict_insert (&d, "rows", "t", r->rows);
  g_variant_dict_insert (&d, "imported", "t", r->imported);
  g_variant_dict_insert (&d, "rejected", "t", r->rejected);
  g_variant_dict_insert (&d, "skipped", "t", r->skipped);
  g_variant_dict_insert (&d, "bad-numbers", "t", r->bad_numbers);
  g_variant_dict_insert (&d, "duplicates", "t", r->duplicates);
  g_variant_dict_insert (&d, "dnc", "t", r->dnc);
  g_variant_dict_insert (&d, "committed", "b", r->committed);
  GVariantBuilder pb;
  g_variant_builder_init (&pb, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; r->first_problems && i < r->first_problems->len; i++)
    {
      const DialerProblem *p = r->first_problems->pdata[i];
      GVariantDict pd;
      g_variant_dict_init (&pd, NULL);
      g_variant_dict_insert (&pd, "line", "t", p->line);
      g_variant_dict_insert (&pd, "kind", "s", dialer_problem_kind_to_string (p->kind));
      g_variant_dict_insert (&pd, "rejected", "b", p->rejected);
      if (p->column)
        g_variant_dict_insert (&pd, "column", "s", p->column);
      if (p->value)
        g_variant_dict_insert (&pd, "value", "s", p->value);
      if (p->first_line)
        g_variant_dict_insert (&pd, "first-line", "t", p->first_line);
      g_variant_dict_insert (&pd, "message", "s", p->message);
      g_variant_builder_add_value (&pb, g_variant_dict_end (&pd));
    }
  g_variant_dict_insert_value (&d, "problems", g_variant_builder_end (&pb));
  return g_variant_dict_end (&d);
}

static gboolean
import_done (gpointer data)
{
  Import *im = data;
  Dialer *d = im->d;
  if (d->plugin)
    {
      g_hash_table_remove (d->imports, im->campaign);
      const DialerImportReport *r = dialer_import_get_report (im->imp);
      occ_bus_publish (
          occ_plugin_get_bus (d->plugin), d->plugin, EV_IMPORT_FINISHED,
          g_variant_new ("(sbttt)", im->campaign, r->committed, r->rows, r->imported, r->rejected),
          NULL);
      dialer_audit (d, im->call, "campaign.import", im->campaign,
                    im->error ? OCC_AUDIT_FAILURE : OCC_AUDIT_SUCCESS,
                    g_variant_new_parsed ("{'file': <%s>, 'rows': <%t>, 'imported': <%t>}",
                                          im->file, r->rows, r->imported));
      if (im->error)
        {
          /* the report goes first, as an item, so the problems are seen */
          occ_control_call_send_item (im->call, report_variant (im));
          occ_control_call_return_error (im->call, im->error);
        }
      else
        occ_control_call_return (im->call, report_variant (im));
      im->call = NULL; /* answered */
    }
  import_unref (im);
  return G_SOURCE_REMOVE;
}

static gpointer
import_thread (gpointer data)
{
  Import *im = data;
  dialer_import_file (im->imp, im->file, im->cancel, &im->error);
  g_idle_add (import_done, im);
  return NULL;
}

/* The campaign's numbers and the do-not-call list, read before the
 * thread starts (the worker never queries the store itself). */
static void
add_numbers (GHashTable *set, OccStoreResult *r, gboolean json_arrays)
{
  for (guint i = 0; i < occ_store_result_get_n_rows (r); i++)
    {
      const char *v = occ_store_result_get_string (r, i, 0);
      if (v == NULL)
        continue;
      if (!json_arrays)
        {
          g_hash_table_add (set, g_strdup (v));
          continue;
        }
      /* ["+2250102030405","+33…"]: E.164 only, written by us */
      g_auto (GStrv) parts = g_strsplit_set (v, "[]\",", -1);
      for (guint k = 0; parts[k]; k++)
        if (parts[k][0] == '+')
          g_hash_table_add (set, g_strdup (parts[k]));
    }
}

static void
import_read (GPtrArray *results, const GError *error, gpointer data)
{
  Import *im = data;
  Dialer *d = im->d;
  if (d->plugin == NULL)
    {
      import_unref (im);
      return;
    }
  g_autoptr (GError) e = NULL;
  if (error)
    e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_FAILED, "reading the campaign: %s",
                     error->message);
  else if (occ_store_result_get_n_rows (results->pdata[0]) == 0)
    e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_NOT_FOUND, "no campaign “%s”",
                     im->campaign);
  if (e == NULL)
    {
      add_numbers (im->existing, results->pdata[1], TRUE);
      add_numbers (im->dnc, results->pdata[2], FALSE);
      im->imp = dialer_import_new (&im->options, &import_sink, im, &e);
    }
  if (e)
    {
      g_hash_table_remove (d->imports, im->campaign);
      occ_control_call_return_error (im->call, e);
      import_unref (im);
      return;
    }
  g_thread_unref (g_thread_new ("dialer-import", import_thread, im));
}

static void
cmd_import (OccControlCall *call, GVariant *args, gpointer data)
{
  Dialer *d = data;
  const char *campaign = dialer_arg_string (args, "campaign");
  const char *file = dialer_arg_string (args, "file");
  const char *phones = dialer_arg_string (args, "phones");
  const char *separator = dialer_arg_string (args, "separator");
  gboolean skip = FALSE;
  g_variant_lookup (args, "skip-bad-rows", "b", &skip);
  g_autoptr (GError) e = NULL;
  if (campaign == NULL)
    e = dialer_bad_request ("campaign: which campaign the contacts join");
  else if (file == NULL || !g_path_is_absolute (file))
    e = dialer_bad_request ("file: the CSV file, as an absolute path the daemon can read");
  else if (phones == NULL)
    e = dialer_bad_request ("phones: the column(s) holding phone numbers, comma-separated");
  else if (separator && strlen (separator) != 1 && strcmp (separator, "tab") != 0)
    e = dialer_bad_request ("separator “%s”: one character (',' or ';') or tab", separator);
  else if (g_hash_table_contains (d->imports, campaign))
    e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_REFUSED,
                     "busy: an import into %s is running", campaign);
  if (e)
    {
      occ_control_call_return_error (call, e);
      return;
    }
  Import *im = g_new0 (Import, 1);
  im->ref = 1;
  im->d = dialer_ref (d);
  im->call = call;
  im->campaign = g_strdup (campaign);
  im->file = g_strdup (file);
  im->import_id = g_uuid_string_random ();
  im->phone_columns = g_strsplit (phones, ",", DIALER_IMPORT_MAX_PHONES + 1);
  im->id_column = g_strdup (dialer_arg_string (args, "id-column"));
  im->priority_column = g_strdup (dialer_arg_string (args, "priority-column"));
  im->country = g_strdup (dialer_arg_string (args, "country") ? dialer_arg_string (args, "country")
                                                              : d->country);
  im->existing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  im->dnc = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  im->cancel = g_cancellable_new ();
  g_mutex_init (&im->lock);
  g_cond_init (&im->cond);
  im->options.country = im->country;
  im->options.separator = separator ? (strcmp (separator, "tab") == 0 ? '\t' : separator[0]) : 0;
  im->options.phone_columns = (const char *const *) im->phone_columns;
  im->options.id_column = im->id_column;
  im->options.priority_column = im->priority_column;
  im->options.mode = skip ? DIALER_IMPORT_SKIP_BAD_ROWS : DIALER_IMPORT_ALL_OR_NOTHING;
  im->options.existing = im->existing;
  im->options.dnc = im->dnc;
  g_hash_table_insert (d->imports, g_strdup (campaign), im);
  OccStoreStatement sts[] = {
    { "SELECT id FROM campaign WHERE id = $1", g_variant_new ("(s)", campaign) },
    { "SELECT phones FROM contact WHERE campaign_id = $1", g_variant_new ("(s)", campaign) },
    { "SELECT number FROM dnc", NULL },
  };
  d->store->execute (d->store, sts, G_N_ELEMENTS (sts), OCC_STORE_FLAGS_NONE, NULL, import_read,
                     im);
}

/* --- loading ------------------------------------------------------------------ */

static gboolean
register_all (Dialer *d, GError **error)
{
  OccPlugin *p = d->plugin;
  OccBus *bus = occ_plugin_get_bus (p);
  return occ_bus_register_type (bus, p, EV_CAMPAIGN_CREATED, "(sss)",
                                "A campaign was created: id, name, mode", error)
         && occ_bus_register_type (bus, p, EV_IMPORT_PROGRESS, "(sttt)",
                                   "A contact import's progress: campaign, rows, written, "
                                   "rejected",
                                   error)
         && occ_bus_register_type (bus, p, EV_IMPORT_FINISHED, "(sbttt)",
                                   "A contact import ended: campaign, committed, rows, imported, "
                                   "rejected",
                                   error)
         && occ_control_add_command_full (
             p, "campaign.create",
             "Create a campaign (name, mode=preview|progressive|predictive, queue, caller-id, id, "
             "settings=/abs/path.conf)",
             "campaign.manage", 0, cmd_create, d, NULL, error)
         && occ_control_add_command_full (p, "campaign.list", "Every campaign", "campaign.read", 0,
                                          cmd_list, d, NULL, error)
         && occ_control_add_command_full (p, "campaign.status",
                                          "A campaign and its contacts per state (id)",
                                          "campaign.read", 0, cmd_status, d, NULL, error)
         && occ_control_add_command_full (
             p, "campaign.import",
             "Import a CSV contact file (campaign, file, phones=COL,COL, id-column, "
             "priority-column, country, separator, skip-bad-rows)",
             "campaign.import", 0, cmd_import, d, NULL, error)
         && occ_control_add_command_full (p, "dnc.add",
                                          "Put a number on the do-not-call list (number, reason)",
                                          "campaign.manage", 0, cmd_dnc_add, d, NULL, error)
         && occ_control_add_command_full (p, "dnc.list", "The do-not-call list", "campaign.read", 0,
                                          cmd_dnc_list, d, NULL, error);
}

static void
stale_removed (GPtrArray *results, const GError *error, gpointer data)
{
  (void) data;
  if (error)
    g_warning ("dialer: the rows of interrupted imports were not removed: %s", error->message);
  else if (occ_store_result_get_changes (results->pdata[0]) > 0)
    g_message ("dialer: removed %" G_GINT64_FORMAT " contacts of an interrupted import",
               occ_store_result_get_changes (results->pdata[0]));
}

static OccLoadResult
dialer_load (OccPlugin *plugin, GError **error)
{
  Dialer *d = g_new0 (Dialer, 1);
  d->ref = 1;
  d->plugin = plugin;
  d->imports = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  d->runners = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, dialer_runs_free);
  d->agents = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GKeyFile *kf = occ_plugin_get_config (plugin);
  d->country = g_key_file_get_string (kf, "dialer", "country", NULL);
  if (d->country == NULL)
    d->country = g_strdup ("225");
  if (dialer_e164_country_lookup (d->country) == NULL)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[dialer] country “%s”: not a country the number rules know (see README.md)",
                   d->country);
      dialer_unref (d);
      return OCC_LOAD_FAILED;
    }
  d->store = occ_service_lookup (plugin, OCC_STORE_SERVICE, OCC_STORE_VERSION, error);
  if (d->store == NULL)
    {
      dialer_unref (d);
      return OCC_LOAD_FAILED;
    }
  d->audit = occ_service_lookup (plugin, OCC_AUDIT_SERVICE, OCC_AUDIT_VERSION, NULL);
  /* rows of an import the daemon stopped in the middle of: never
   * committed, so never part of a campaign */
  occ_store_execute1 (d->store, "DELETE FROM contact WHERE state = 'importing'", NULL,
                      OCC_STORE_FLAGS_NONE, stale_removed, NULL);
  /* runs live in memory: a campaign that ran when the last daemon
   * stopped is stopped now, until started again */
  occ_store_execute1 (
      d->store, "UPDATE campaign SET state = 'stopped' WHERE state IN ('running', 'paused')", NULL,
      OCC_STORE_FLAGS_NONE, dialer_store_logged, (gpointer) "the states of the campaigns that ran");
  /* and the call-back tasks those runs held wait again */
  occ_store_execute1 (d->store,
                      "UPDATE callback SET state = 'pending', campaign_id = NULL WHERE state = "
                      "'dialing' AND campaign_id IS NOT NULL",
                      NULL, OCC_STORE_FLAGS_NONE, dialer_store_logged,
                      (gpointer) "the call-back tasks of the campaigns that ran");
  if (!register_all (d, error) || !dialer_runs_register (d, error)
      || !dialer_screen_register (d, error))
    {
      dialer_unref (d);
      return OCC_LOAD_FAILED;
    }
  occ_plugin_set_user_data (plugin, d);
  return OCC_LOAD_OK;
}

static void
dialer_unload (OccPlugin *plugin)
{
  Dialer *d = occ_plugin_get_user_data (plugin);
  /* running imports stop at their next chunk and roll back; their calls
   * are answered here */
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, d->imports);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      Import *im = value;
      g_cancellable_cancel (im->cancel);
      g_autoptr (GError) e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_FAILED,
                                          "the dialer plugin is unloading: the import was "
                                          "cancelled and rolled back");
      occ_control_call_return_error (im->call, e);
      im->call = NULL; /* answered */
    }
  g_hash_table_remove_all (d->imports);
  dialer_runs_stop_all (d);
  d->plugin = NULL;
  dialer_unref (d);
}

static const OccConfigKey dialer_schema[] = {
  { "dialer", "country", OCC_CONFIG_STRING, 0, 0,
    "default country of numbers without one: calling code (225) or ISO code (CI)" },
  { NULL },
};

OCC_PLUGIN_DEFINE (.name = "dialer", .version = "0.1",
                   .summary = "Outbound campaigns: contact lists, do-not-call list, dialing",
                   .license = "GPL-3.0-or-later", .requires = OCC_LIST ("service:store"),
                   .after = OCC_LIST ("plugin:audit", "plugin:dialer-*"),
                   .config_schema = dialer_schema, .load = dialer_load, .unload = dialer_unload);
