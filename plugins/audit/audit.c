/* audit: the "audit" service — the tamper-evident trail of significant
 * actions. Entries are checked here, chained and written one at a time
 * through the records service (chain.c), and re-read and checked by
 * verify (verify.c). The plugin also records the daemon's own lifecycle
 * from the bus: plugin loads and unloads, configuration reloads, start
 * and stop. See plugins/audit/README.md.
 *
 * Store and records calls in flight when the plugin unloads still call
 * back into it, so the object is linked with -z nodelete and the state
 * is reference-counted; their callers are answered at unload. */
#include "audit-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

Audit *
audit_ref (Audit *self)
{
  self->ref++;
  return self;
}

void
audit_unref (Audit *self)
{
  if (--self->ref > 0)
    return;
  g_hash_table_unref (self->jobs);
  g_object_unref (self->cancel);
  g_free (self->node);
  g_free (self);
}

void
audit_job_add (Audit *self, AuditJob *job)
{
  g_hash_table_add (self->jobs, job);
}

void
audit_job_remove (Audit *self, AuditJob *job)
{
  g_hash_table_remove (self->jobs, job);
}

/* --- checking an entry --------------------------------------------------------------- */

static void problem (GString *problems, const char *field, const char *format, ...)
    G_GNUC_PRINTF (3, 4);

static void
problem (GString *problems, const char *field, const char *format, ...)
{
  va_list ap;
  g_string_append_printf (problems, "%s%s: ", problems->len ? "; " : "", field);
  va_start (ap, format);
  g_string_append_vprintf (problems, format, ap);
  va_end (ap);
}

static void
check_text (GString *problems, const char *field, const char *value, guint max, gboolean required)
{
  if (value == NULL)
    {
      if (required)
        problem (problems, field, "is required");
      return;
    }
  if (!g_utf8_validate (value, -1, NULL))
    problem (problems, field, "is not valid UTF-8");
  else if (required && *value == '\0')
    problem (problems, field, "must not be empty");
  else if (g_utf8_strlen (value, -1) > (glong) max)
    problem (problems, field, "is longer than %u characters (%ld)", max, g_utf8_strlen (value, -1));
}

static void
check_result (GString *problems, const char *result)
{
  static const char *const results[]
      = { OCC_AUDIT_SUCCESS, OCC_AUDIT_FAILURE, OCC_AUDIT_DENIED, NULL };
  if (result == NULL)
    problem (problems, "result", "is required");
  else if (!g_strv_contains (results, result))
    {
      g_autofree char *shown
          = g_utf8_validate (result, -1, NULL) ? g_strdup (result) : g_utf8_make_valid (result, -1);
      problem (problems, "result", "“%s” is not one of %s, %s, %s", shown, OCC_AUDIT_SUCCESS,
               OCC_AUDIT_FAILURE, OCC_AUDIT_DENIED);
    }
}

/* The caller's details with the node added (floating), or NULL with a
 * problem noted. */
static GVariant *
details_with_node (Audit *self, GVariant *details, GString *problems)
{
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  if (details != NULL)
    {
      if (!g_variant_is_of_type (details, G_VARIANT_TYPE_VARDICT))
        {
          g_variant_builder_clear (&b);
          problem (problems, "details", "expected an a{sv} dictionary, not a value of type “%s”",
                   g_variant_get_type_string (details));
          return NULL;
        }
      GVariantIter iter;
      GVariant *child;
      g_variant_iter_init (&iter, details);
      while ((child = g_variant_iter_next_value (&iter)) != NULL)
        {
          const char *key;
          g_variant_get_child (child, 0, "&s", &key);
          if (strcmp (key, AUDIT_NODE_KEY) == 0)
            {
              problem (problems, "details." AUDIT_NODE_KEY, "is set by the audit plugin");
              g_variant_unref (child);
              g_variant_builder_clear (&b);
              return NULL;
            }
          g_variant_builder_add_value (&b, child);
          g_variant_unref (child);
        }
    }
  g_variant_builder_add (&b, "{sv}", AUDIT_NODE_KEY, g_variant_new_string (self->node));
  return g_variant_builder_end (&b);
}

AuditEntry *
audit_entry_new (Audit *self, const char *actor, const char *action, const char *target,
                 const char *result, const char *source, GVariant *details, GError **error)
{
  g_autoptr (GVariant) owned = details ? g_variant_ref_sink (details) : NULL;
  g_autoptr (GString) problems = g_string_new (NULL);
  check_text (problems, "actor", actor, self->limits.actor, TRUE);
  check_text (problems, "action", action, self->limits.action, TRUE);
  check_text (problems, "target", target, self->limits.target, FALSE);
  check_result (problems, result);
  check_text (problems, "source", source, self->limits.source, FALSE);
  g_autoptr (GVariant) full = details_with_node (self, owned, problems);
  g_autoptr (GString) canon = g_string_new (NULL);
  if (full)
    {
      g_variant_ref_sink (full);
      g_autoptr (GError) e = NULL;
      if (!audit_canon_variant (full, canon, &e))
        g_string_append_printf (problems, "%s%s", problems->len ? "; " : "", e->message);
    }
  if (problems->len > 0)
    {
      g_set_error_literal (error, OCC_AUDIT_ERROR, OCC_AUDIT_ERROR_INVALID, problems->str);
      return NULL;
    }
  AuditEntry *entry = g_new0 (AuditEntry, 1);
  entry->self = audit_ref (self);
  entry->id = g_uuid_string_random ();
  entry->at = g_get_real_time () / 1000;
  entry->actor = g_strdup (actor);
  entry->action = g_strdup (action);
  entry->target = g_strdup (target);
  entry->result = g_strdup (result);
  entry->source = g_strdup (source);
  entry->details = g_steal_pointer (&full);
  entry->canon = g_steal_pointer (&canon);
  return entry;
}

void
audit_entry_set_callback (AuditEntry *entry, OccAuditCallback callback, gpointer user_data)
{
  entry->callback = callback;
  entry->user_data = user_data;
}

/* --- refusals, answered from the main loop -------------------------------------------------- */

typedef struct {
  AuditJob job;
  Audit *self;
  OccAuditCallback callback;
  gpointer user_data;
  GError *error;
} Refusal;

static void
refusal_answer (Refusal *r, const GError *error)
{
  OccAuditCallback callback = r->callback;
  r->callback = NULL;
  audit_job_remove (r->self, &r->job);
  if (callback)
    callback (NULL, error, r->user_data);
}

static void
refusal_abort (AuditJob *job, const GError *error)
{
  (void) error;
  Refusal *r = (Refusal *) job;
  /* the core destroys the idle source, which frees @r */
  refusal_answer (r, r->error);
}

static gboolean
refusal_idle (gpointer data)
{
  Refusal *r = data;
  refusal_answer (r, r->error);
  return G_SOURCE_REMOVE;
}

static void
refusal_free (gpointer data)
{
  Refusal *r = data;
  g_error_free (r->error);
  audit_unref (r->self);
  g_free (r);
}

/* Answers @callback with @error (transfer full), after the call returned. */
static void
refuse (Audit *self, GError *error, OccAuditCallback callback, gpointer user_data)
{
  Refusal *r = g_new0 (Refusal, 1);
  r->job.abort = refusal_abort;
  r->self = audit_ref (self);
  r->callback = callback;
  r->user_data = user_data;
  r->error = error;
  GSource *source = g_idle_source_new ();
  g_source_set_callback (source, refusal_idle, r, refusal_free);
  if (self->plugin)
    {
      audit_job_add (self, &r->job);
      occ_plugin_attach_source (self->plugin, source);
    }
  else
    /* called through a pointer kept past the unload; the code stays
     * mapped (-z nodelete) */
    g_source_attach (source, NULL);
  g_source_unref (source);
}

/* --- the service ----------------------------------------------------------------------------- */

static void
audit_append (const OccAuditService *service, const char *actor, const char *action,
              const char *target, const char *result, const char *source, GVariant *details,
              OccAuditCallback callback, gpointer user_data)
{
  Audit *self = (Audit *) service;
  GError *error = NULL;
  AuditEntry *entry
      = audit_entry_new (self, actor, action, target, result, source, details, &error);
  if (entry == NULL)
    {
      refuse (self, error, callback, user_data);
      return;
    }
  if (self->plugin == NULL || g_queue_get_length (&self->queue) >= AUDIT_QUEUE_MAX)
    {
      audit_entry_free (entry);
      refuse (self,
              self->plugin == NULL
                  ? g_error_new_literal (OCC_AUDIT_ERROR, OCC_AUDIT_ERROR_STORE,
                                         "the audit plugin is unloaded")
                  : g_error_new (OCC_AUDIT_ERROR, OCC_AUDIT_ERROR_STORE,
                                 "%u entries are already waiting to be written: the store is "
                                 "down or too slow",
                                 AUDIT_QUEUE_MAX),
              callback, user_data);
      return;
    }
  audit_entry_set_callback (entry, callback, user_data);
  audit_chain_push (self, entry);
}

static void
audit_verify (const OccAuditService *service, OccAuditCallback callback, gpointer user_data)
{
  Audit *self = (Audit *) service;
  if (self->plugin == NULL)
    {
      refuse (self,
              g_error_new_literal (OCC_AUDIT_ERROR, OCC_AUDIT_ERROR_STORE,
                                   "the audit plugin is unloaded"),
              callback, user_data);
      return;
    }
  audit_verify_start (self, callback, user_data);
}

/* --- the daemon's own lifecycle, from the bus ------------------------------------------------ */

static const char *const audited_events[] = {
  OCC_EVENT_PLUGIN_LOADED,   OCC_EVENT_PLUGIN_FAILED,   OCC_EVENT_PLUGIN_UNLOADED,
  OCC_EVENT_CONFIG_RELOADED, OCC_EVENT_CONFIG_REJECTED, OCC_EVENT_CORE_STARTED,
  OCC_EVENT_CORE_STOPPING,
};

static void
on_system_entry (GVariant *result, const GError *error, gpointer data)
{
  (void) result;
  if (error)
    g_warning ("audit: a %s entry was not written: %s", (const char *) data, error->message);
}

static void
append_system (Audit *self, const char *action, const char *target, const char *result,
               const char *key, GVariant *value)
{
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  if (key)
    g_variant_builder_add (&b, "{sv}", key, value);
  /* the action is a string literal of this object, which stays mapped */
  audit_append (&self->service, "system", action, target, result, NULL, g_variant_builder_end (&b),
                on_system_entry, (gpointer) action);
}

static void
on_event (const OccEvent *event, gpointer data)
{
  Audit *self = data;
  const char *type = occ_event_get_type_name (event);
  GVariant *p = occ_event_get_payload (event);
  const char *a = NULL, *b = NULL;
  if (strcmp (type, OCC_EVENT_PLUGIN_LOADED) == 0)
    {
      g_variant_get (p, "(&s&s)", &a, &b);
      append_system (self, "plugin.load", a, OCC_AUDIT_SUCCESS, "version",
                     g_variant_new_string (b));
    }
  else if (strcmp (type, OCC_EVENT_PLUGIN_FAILED) == 0)
    {
      g_variant_get (p, "(&s&s)", &a, &b);
      append_system (self, "plugin.load", a, OCC_AUDIT_FAILURE, "reason", g_variant_new_string (b));
    }
  else if (strcmp (type, OCC_EVENT_PLUGIN_UNLOADED) == 0)
    {
      g_variant_get (p, "(&s)", &a);
      append_system (self, "plugin.unload", a, OCC_AUDIT_SUCCESS, NULL, NULL);
    }
  else if (strcmp (type, OCC_EVENT_CONFIG_RELOADED) == 0)
    {
      g_autoptr (GVariant) changed = g_variant_get_child_value (p, 0);
      append_system (self, "config.reload", NULL, OCC_AUDIT_SUCCESS, "changed", changed);
    }
  else if (strcmp (type, OCC_EVENT_CONFIG_REJECTED) == 0)
    {
      g_variant_get (p, "(&s)", &a);
      append_system (self, "config.reload", NULL, OCC_AUDIT_FAILURE, "reason",
                     g_variant_new_string (a));
    }
  else if (strcmp (type, OCC_EVENT_CORE_STARTED) == 0)
    {
      g_variant_get (p, "(&s)", &a);
      append_system (self, "daemon.start", NULL, OCC_AUDIT_SUCCESS, "version",
                     g_variant_new_string (a));
    }
  else if (strcmp (type, OCC_EVENT_CORE_STOPPING) == 0)
    {
      g_variant_get (p, "(&s)", &a);
      append_system (self, "daemon.stop", NULL, OCC_AUDIT_SUCCESS, "reason",
                     g_variant_new_string (a));
    }
}

static gboolean
subscribe_events (Audit *self, GError **error)
{
  OccBus *bus = occ_plugin_get_bus (self->plugin);
  for (guint i = 0; i < G_N_ELEMENTS (audited_events); i++)
    if (occ_bus_subscribe (bus, self->plugin, audited_events[i], on_event, self, NULL, error) == 0)
      return FALSE;
  return TRUE;
}

/* --- the plugin --------------------------------------------------------------------------- */

/* The records entity's limits, so that a refusal names them before the
 * entry is queued; what records does not say keeps its documented value. */
static void
read_limits (Audit *self)
{
  self->limits
      = (AuditLimits){ .actor = 200, .action = 200, .target = 500, .result = 100, .source = 200 };
  g_autoptr (GVariant) all = g_variant_ref_sink (self->records->describe (self->records));
  g_autoptr (GVariant) fields
      = g_variant_lookup_value (all, "audit_entry", G_VARIANT_TYPE ("a(ssbu)"));
  if (fields == NULL)
    return;
  GVariantIter iter;
  const char *name;
  guint max;
  g_variant_iter_init (&iter, fields);
  while (g_variant_iter_next (&iter, "(&s&sbu)", &name, NULL, NULL, &max))
    {
      guint *slot = strcmp (name, "actor") == 0    ? &self->limits.actor
                    : strcmp (name, "action") == 0 ? &self->limits.action
                    : strcmp (name, "target") == 0 ? &self->limits.target
                    : strcmp (name, "result") == 0 ? &self->limits.result
                    : strcmp (name, "source") == 0 ? &self->limits.source
                                                   : NULL;
      if (slot && max > 0)
        *slot = max;
    }
}

static OccLoadResult
audit_load (OccPlugin *plugin, GError **error)
{
  const OccRecordsService *records
      = occ_service_lookup (plugin, OCC_RECORDS_SERVICE, OCC_RECORDS_VERSION, error);
  const OccStoreService *store
      = records ? occ_service_lookup (plugin, OCC_STORE_SERVICE, OCC_STORE_VERSION, error) : NULL;
  if (store == NULL)
    return OCC_LOAD_FAILED;
  const char *state_dir = occ_plugin_get_state_dir (plugin);
  if (g_mkdir_with_parents (state_dir, 0750) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "%s: %s", state_dir,
                   g_strerror (saved));
      return OCC_LOAD_FAILED;
    }
  Audit *self = g_new0 (Audit, 1);
  self->ref = 1;
  self->plugin = plugin;
  self->records = records;
  self->store = store;
  self->cancel = g_cancellable_new ();
  self->node = g_strdup (g_get_host_name ());
  self->jobs = g_hash_table_new (NULL, NULL);
  g_queue_init (&self->queue);
  read_limits (self);
  g_autofree char *head_path = g_build_filename (state_dir, AUDIT_HEAD_FILE, NULL);
  self->head_file = audit_head_file_new (head_path);
  self->service = (OccAuditService){
    .header = OCC_SERVICE_HEADER (OccAuditService, OCC_AUDIT_VERSION),
    .append = audit_append,
    .verify = audit_verify,
  };
  if (!occ_service_provide (plugin, OCC_AUDIT_SERVICE, &self->service, error)
      || !subscribe_events (self, error) || !audit_commands_register (self, error))
    {
      /* unload() is not called after a failed load; the core drops what
       * was registered */
      occ_service_withdraw (plugin, OCC_AUDIT_SERVICE);
      audit_head_file_close (self->head_file);
      self->plugin = NULL;
      audit_unref (self);
      return OCC_LOAD_FAILED;
    }
  occ_plugin_set_user_data (plugin, self);
  audit_chain_start (self);
  return OCC_LOAD_OK;
}

static void
audit_unload (OccPlugin *plugin)
{
  Audit *self = occ_plugin_get_user_data (plugin);
  if (self == NULL)
    return;
  occ_service_withdraw (plugin, OCC_AUDIT_SERVICE);
  /* from here on nothing new is written: callbacks answered below that
   * append again are refused */
  self->plugin = NULL;
  g_autoptr (GError) unwritten
      = g_error_new_literal (OCC_AUDIT_ERROR, OCC_AUDIT_ERROR_STORE,
                             "the audit plugin was unloaded before the entry was written");
  audit_chain_abort (self, unwritten);
  g_autoptr (GError) gone = g_error_new_literal (OCC_AUDIT_ERROR, OCC_AUDIT_ERROR_STORE,
                                                 "the audit plugin was unloaded");
  g_autoptr (GList) jobs = g_hash_table_get_keys (self->jobs);
  for (GList *l = jobs; l; l = l->next)
    ((AuditJob *) l->data)->abort (l->data, gone);
  g_cancellable_cancel (self->cancel);
  audit_head_file_close (self->head_file);
  self->head_file = NULL;
  audit_unref (self);
}

OCC_PLUGIN_DEFINE (.name = "audit", .version = "1.0",
                   .summary = "The tamper-evident audit trail: hash-chained entries, verify, "
                              "export",
                   .license = "GPL-3.0-or-later",
                   .requires = OCC_LIST ("service:records", "service:store"),
                   .provides = OCC_LIST (OCC_AUDIT_SERVICE), .load = audit_load,
                   .unload = audit_unload);
