/* audit: control commands.
 *
 *   audit.verify                      verify()'s answer
 *   audit.export [since=SEQ] [until=SEQ] [format=jsonl]
 *                                     every entry in the range as an item
 *                                     (a JSON line for omnicc), then
 *                                     {count, since, until}
 *   audit.tail [n=20]                 the last n entries as items, then
 *                                     {count}
 *
 * An export is itself audited before any entry leaves: if that entry
 * cannot be written the export is refused. It reads the trail a page at a
 * time (keyset on seq), so it never holds more than a page; when the
 * client falls behind (occ_control_call_send_item() says FALSE) it pauses
 * and goes on later, and gives up when the client has not caught up for
 * EXPORT_STALL_MS. */
#include "audit-private.h"

#include <string.h>

#define EXPORT_PAGE 200
/* sending is cut into slices of this many µs of the main loop */
#define EXPORT_SLICE_US 500
#define EXPORT_PAUSE_MIN_MS 5
#define EXPORT_PAUSE_MAX_MS 500
#define EXPORT_STALL_MS 10000
#define TAIL_DEFAULT 20
#define TAIL_MAX 1000

static void return_error (OccControlCall *call, int code, const char *format, ...)
    G_GNUC_PRINTF (3, 4);

static void
return_error (OccControlCall *call, int code, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_autoptr (GError) e = g_error_new_literal (OCC_CONTROL_ERROR, code, msg);
  occ_control_call_return_error (call, e);
}

/* Reads the integer argument @name (@fallback when absent) in @min..@max;
 * FALSE with the call answered when it is something else. */
static gboolean
arg_int (OccControlCall *call, GVariant *args, const char *name, gint64 fallback, gint64 min,
         gint64 max, gint64 *out)
{
  g_autoptr (GVariant) v = g_variant_lookup_value (args, name, NULL);
  *out = fallback;
  if (v == NULL)
    return TRUE;
  gboolean ok = TRUE;
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
    *out = g_variant_get_int64 (v);
  else if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT32))
    *out = g_variant_get_int32 (v);
  else if (g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE)
           && g_variant_get_double (v) == (double) (gint64) g_variant_get_double (v))
    *out = (gint64) g_variant_get_double (v);
  else
    ok = FALSE;
  if (ok && *out >= min && *out <= max)
    return TRUE;
  return_error (call, OCC_CONTROL_ERROR_BAD_REQUEST,
                "argument “%s” must be an integer from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
                name, min, max);
  return FALSE;
}

/* FALSE, with the call answered, when @args has a key not in @known. */
static gboolean
args_known (OccControlCall *call, GVariant *args, const char *const *known)
{
  GVariantIter iter;
  const char *key;
  g_variant_iter_init (&iter, args);
  while (g_variant_iter_next (&iter, "{&s*}", &key, NULL))
    if (!g_strv_contains (known, key))
      {
        g_autofree char *list = g_strjoinv (", ", (char **) known);
        return_error (call, OCC_CONTROL_ERROR_BAD_REQUEST, "unknown argument “%s” (known: %s)", key,
                      *known ? list : "none");
        return FALSE;
      }
  return TRUE;
}

/* --- audit.verify ------------------------------------------------------------------- */

static void
on_verified (GVariant *result, const GError *error, gpointer data)
{
  OccControlCall *call = data;
  if (result)
    occ_control_call_return (call, result);
  else
    return_error (call, OCC_CONTROL_ERROR_FAILED, "%s", error->message);
}

static void
cmd_verify (OccControlCall *call, GVariant *args, gpointer data)
{
  static const char *const known[] = { NULL };
  if (args_known (call, args, known))
    audit_verify_start (data, on_verified, call);
}

/* --- audit.tail ------------------------------------------------------------------------- */

typedef struct {
  AuditJob job;
  Audit *self;
  OccControlCall *call; /* NULL once answered */
} Tail;

static void
tail_abort (AuditJob *job, const GError *error)
{
  Tail *t = (Tail *) job;
  audit_job_remove (t->self, job);
  return_error (t->call, OCC_CONTROL_ERROR_FAILED, "%s", error->message);
  t->call = NULL;
}

static void
on_tail (GPtrArray *results, const GError *error, gpointer data)
{
  Tail *t = data;
  if (t->call)
    {
      audit_job_remove (t->self, &t->job);
      if (error)
        return_error (t->call, OCC_CONTROL_ERROR_FAILED, "cannot read the trail: %s",
                      error->message);
      else
        {
          OccStoreResult *rows = g_ptr_array_index (results, 0);
          guint n = occ_store_result_get_n_rows (rows);
          g_autoptr (JsonParser) parser = json_parser_new_immutable ();
          /* newest first from the database, oldest first to the client */
          for (guint i = n; i-- > 0;)
            occ_control_call_send_item (t->call, audit_row_to_entry (rows, i, parser));
          occ_control_call_return (t->call, g_variant_new_parsed ("{'count': <%x>}", (gint64) n));
        }
    }
  audit_unref (t->self);
  g_free (t);
}

static void
cmd_tail (OccControlCall *call, GVariant *args, gpointer data)
{
  Audit *self = data;
  static const char *const known[] = { "n", NULL };
  gint64 n;
  if (!args_known (call, args, known) || !arg_int (call, args, "n", TAIL_DEFAULT, 1, TAIL_MAX, &n))
    return;
  Tail *t = g_new0 (Tail, 1);
  t->job.abort = tail_abort;
  t->self = audit_ref (self);
  t->call = call;
  audit_job_add (self, &t->job);
  OccStoreStatement st = { "SELECT " AUDIT_COLUMNS " FROM audit_entry ORDER BY seq DESC LIMIT $1",
                           g_variant_new ("(x)", n) };
  self->store->execute (self->store, &st, 1, OCC_STORE_FLAGS_NONE, self->cancel, on_tail, t);
}

/* --- audit.export ---------------------------------------------------------------------------- */

typedef struct {
  AuditJob job;
  Audit *self;
  OccControlCall *call; /* NULL once answered */
  gboolean busy;        /* a store or audit callback is due */
  gint64 since, until, next, count;
  OccStoreResult *page;
  guint row;
  JsonParser *parser;
  guint timer;
  guint pause_ms;
  guint pauses;
  gint64 stalled_since;
} Export;

static void
export_free (Export *x)
{
  g_clear_pointer (&x->page, occ_store_result_unref);
  g_object_unref (x->parser);
  audit_unref (x->self);
  g_free (x);
}

/* Answers the call and forgets the job (freed by the caller, or by the
 * callback still due). */
static void
export_end (Export *x, const GError *error)
{
  audit_job_remove (x->self, &x->job);
  if (x->timer && x->self->plugin)
    g_source_remove (x->timer);
  x->timer = 0;
  if (error)
    occ_control_call_return_error (x->call, error);
  else
    occ_control_call_return (x->call,
                             g_variant_new_parsed ("{'count': <%x>, 'since': <%x>, 'until': <%x>}",
                                                   x->count, x->since, x->until));
  x->call = NULL;
}

static void
export_abort (AuditJob *job, const GError *error)
{
  Export *x = (Export *) job;
  g_autoptr (GError) e
      = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_FAILED,
                     "%s after %" G_GINT64_FORMAT " entries", error->message, x->count);
  /* the core removes the timer */
  x->timer = 0;
  export_end (x, e);
  if (!x->busy)
    export_free (x);
}

static void fetch_page (Export *x);

static gboolean export_resume (gpointer data);

/* Sends the rest of the page; FALSE when it paused (the client is behind,
 * or the slice of the main loop is used up) or ended the export. */
static gboolean
send_rows (Export *x)
{
  guint n = occ_store_result_get_n_rows (x->page);
  gint64 slice_end = g_get_monotonic_time () + EXPORT_SLICE_US;
  while (x->row < n)
    {
      if (g_get_monotonic_time () > slice_end)
        {
          /* the rest in a later turn of the main loop */
          x->timer = occ_plugin_timeout_add (x->self->plugin, 0, export_resume, x, NULL);
          return FALSE;
        }
      guint i = x->row++;
      x->next = occ_store_result_get_int (x->page, i, AUDIT_COL_SEQ) + 1;
      x->count++;
      if (occ_control_call_send_item (x->call, audit_row_to_entry (x->page, i, x->parser)))
        {
          x->stalled_since = 0;
          x->pause_ms = 0;
          continue;
        }
      /* the item is queued (or the client is gone): wait for the client */
      gint64 now = g_get_monotonic_time ();
      if (x->pauses++ == 0)
        g_debug ("audit: export to %s: the client is behind after %" G_GINT64_FORMAT
                 " entries; waiting for it",
                 occ_control_call_get_peer (x->call), x->count);
      if (x->stalled_since == 0)
        x->stalled_since = now;
      else if (now - x->stalled_since > EXPORT_STALL_MS * G_TIME_SPAN_MILLISECOND)
        {
          g_autoptr (GError) e
              = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_FAILED,
                             "client too slow: it has not read for %d s; the export stopped after "
                             "%" G_GINT64_FORMAT " entries (go on with since=%" G_GINT64_FORMAT ")",
                             EXPORT_STALL_MS / 1000, x->count, x->next);
          g_message ("audit: export to %s: %s", occ_control_call_get_peer (x->call), e->message);
          export_end (x, e);
          export_free (x);
          return FALSE;
        }
      x->pause_ms = CLAMP (x->pause_ms * 2, EXPORT_PAUSE_MIN_MS, EXPORT_PAUSE_MAX_MS);
      x->timer = occ_plugin_timeout_add (x->self->plugin, x->pause_ms, export_resume, x, NULL);
      return FALSE;
    }
  return TRUE;
}

static void
continue_page (Export *x)
{
  if (!send_rows (x))
    return;
  gboolean last = occ_store_result_get_n_rows (x->page) < EXPORT_PAGE || x->next > x->until;
  g_clear_pointer (&x->page, occ_store_result_unref);
  if (!last)
    {
      fetch_page (x);
      return;
    }
  g_info ("audit: %s exported %" G_GINT64_FORMAT " entries (%" G_GINT64_FORMAT "..%" G_GINT64_FORMAT
          ")",
          occ_control_call_get_peer (x->call), x->count, x->since, x->until);
  export_end (x, NULL);
  export_free (x);
}

static gboolean
export_resume (gpointer data)
{
  Export *x = data;
  x->timer = 0;
  continue_page (x);
  return G_SOURCE_REMOVE;
}

static void
on_page (GPtrArray *results, const GError *error, gpointer data)
{
  Export *x = data;
  x->busy = FALSE;
  if (x->call == NULL)
    {
      export_free (x);
      return;
    }
  if (error)
    {
      g_autoptr (GError) e = g_error_new (
          OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_FAILED,
          "cannot read the trail after %" G_GINT64_FORMAT " entries: %s", x->count, error->message);
      export_end (x, e);
      export_free (x);
      return;
    }
  x->page = occ_store_result_ref (g_ptr_array_index (results, 0));
  x->row = 0;
  continue_page (x);
}

static void
fetch_page (Export *x)
{
  Audit *self = x->self;
  OccStoreStatement st = { "SELECT " AUDIT_COLUMNS " FROM audit_entry "
                           "WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3",
                           g_variant_new ("(xxx)", x->next, x->until, (gint64) EXPORT_PAGE) };
  x->busy = TRUE;
  self->store->execute (self->store, &st, 1, OCC_STORE_FLAGS_NONE, self->cancel, on_page, x);
}

static void
on_export_audited (GVariant *result, const GError *error, gpointer data)
{
  Export *x = data;
  x->busy = FALSE;
  if (x->call == NULL)
    {
      export_free (x);
      return;
    }
  if (error)
    {
      g_autoptr (GError) e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_FAILED,
                                          "the export could not be audited, so it was "
                                          "refused: %s",
                                          error->message);
      export_end (x, e);
      export_free (x);
      return;
    }
  /* without an end, up to the export's own entry: entries appended while
   * it runs are left for the next one */
  if (x->until == 0)
    g_variant_lookup (result, "seq", "x", &x->until);
  x->next = x->since;
  fetch_page (x);
}

static void
cmd_export (OccControlCall *call, GVariant *args, gpointer data)
{
  Audit *self = data;
  static const char *const known[] = { "since", "until", "format", NULL };
  gint64 since, until;
  const char *format = "jsonl";
  if (!args_known (call, args, known) || !arg_int (call, args, "since", 1, 1, G_MAXINT64, &since)
      || !arg_int (call, args, "until", 0, 1, G_MAXINT64, &until))
    return;
  g_autoptr (GVariant) f = g_variant_lookup_value (args, "format", NULL);
  if (f
      && (!g_variant_is_of_type (f, G_VARIANT_TYPE_STRING)
          || strcmp (g_variant_get_string (f, NULL), "jsonl") != 0))
    {
      return_error (call, OCC_CONTROL_ERROR_BAD_REQUEST, "argument “format” must be “jsonl”");
      return;
    }
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "since", g_variant_new_int64 (since));
  if (until > 0)
    g_variant_builder_add (&b, "{sv}", "until", g_variant_new_int64 (until));
  g_variant_builder_add (&b, "{sv}", "format", g_variant_new_string (format));
  g_autoptr (GError) e = NULL;
  AuditEntry *entry
      = audit_entry_new (self, occ_control_call_get_peer (call), "audit.export", "audit_entry",
                         OCC_AUDIT_SUCCESS, "control", g_variant_builder_end (&b), &e);
  if (entry == NULL)
    {
      return_error (call, OCC_CONTROL_ERROR_FAILED, "the export could not be audited: %s",
                    e->message);
      return;
    }
  Export *x = g_new0 (Export, 1);
  x->job.abort = export_abort;
  x->self = audit_ref (self);
  x->call = call;
  x->since = since;
  x->until = until;
  x->parser = json_parser_new_immutable ();
  x->busy = TRUE;
  audit_job_add (self, &x->job);
  audit_entry_set_callback (entry, on_export_audited, x);
  audit_chain_push (self, entry);
}

gboolean
audit_commands_register (Audit *self, GError **error)
{
  return occ_control_add_command_full (self->plugin, "audit.verify",
                                       "Check the audit trail's hash chain and head (no arguments)",
                                       "audit.read", OCC_CONTROL_FLAGS_NONE, cmd_verify, self, NULL,
                                       error)
         && occ_control_add_command_full (self->plugin, "audit.export",
                                          "Send the audit entries as JSON lines "
                                          "(since=SEQ until=SEQ format=jsonl)",
                                          "audit.export", OCC_CONTROL_FLAGS_NONE, cmd_export, self,
                                          NULL, error)
         && occ_control_add_command_full (self->plugin, "audit.tail",
                                          "Send the last audit entries (n=20)", "audit.read",
                                          OCC_CONTROL_FLAGS_NONE, cmd_tail, self, NULL, error);
}
