/* audit: the chain. Entries are written strictly one after another, in
 * the order of the append() calls: each entry's prev_hash is the hash of
 * the entry stored before it, and it is hashed only when its turn comes,
 * once the write before it has settled. The database numbers seq in the
 * same order because only one insert is ever in flight.
 *
 * A write that fails fails its own append() only. Its entry was not
 * stored, so the head does not move and the next entry links to the last
 * entry actually stored. When the store cannot say whether the write
 * happened (a connection lost in flight), the entry is looked up by its
 * id before anything else is written, so that the chain never forks.
 *
 * At load the head comes from the head file, checked against the
 * database: entries after it that link up (written just before a crash,
 * before the file was saved) are rolled forward. When the database does
 * not match the file, the chain goes on from the file's head, so the gap
 * stays visible to verify, and an "audit.head-mismatch" entry says what
 * was found. Without a head file the database's last entry is the head. */
#include "audit-private.h"

#include <string.h>

#define RETRY_MIN_MS 200
#define RETRY_MAX_MS 5000
#define LOAD_BATCH 500

typedef struct {
  AuditJob *job;
  void (*start) (AuditJob *job);
} Waiting;

static void write_next (Audit *self);
static void load_begin (Audit *self);

/* A stopping daemon waits while entries are queued or in flight. */
static void
update_hold (Audit *self)
{
  if (self->plugin == NULL)
    return;
  gboolean busy = self->current != NULL || !g_queue_is_empty (&self->queue);
  if (busy && !self->held)
    occ_plugin_hold (self->plugin);
  else if (!busy && self->held)
    occ_plugin_release (self->plugin);
  self->held = busy;
}

static void
schedule_retry (Audit *self, GSourceFunc func)
{
  self->retry_ms = self->retry_ms ? MIN (self->retry_ms * 2, RETRY_MAX_MS) : RETRY_MIN_MS;
  self->retry_id = occ_plugin_timeout_add (self->plugin, self->retry_ms, func, self, NULL);
}

/* --- entries ------------------------------------------------------------------------ */

void
audit_entry_fields (const AuditEntry *e, AuditFields *f)
{
  *f = (AuditFields){
    .prev_hash = e->prev_hash,
    .id = e->id,
    .at = e->at,
    .actor = e->actor,
    .action = e->action,
    .target = e->target,
    .result = e->result,
    .source = e->source,
  };
}

void
audit_entry_free (AuditEntry *e)
{
  g_free (e->id);
  g_free (e->actor);
  g_free (e->action);
  g_free (e->target);
  g_free (e->result);
  g_free (e->source);
  g_clear_pointer (&e->details, g_variant_unref);
  if (e->canon)
    g_string_free (e->canon, TRUE);
  g_clear_error (&e->put_error);
  audit_unref (e->self);
  g_free (e);
}

static void
entry_answer (AuditEntry *e, GVariant *stored, const GError *error)
{
  OccAuditCallback callback = e->callback;
  e->callback = NULL;
  if (callback)
    callback (stored, error, e->user_data);
}

/* The records service's error as the audit service's; records names the
 * fields "audit_entry.actor", the audit service "actor". */
static GError *
map_error (const GError *error)
{
  if (g_error_matches (error, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID))
    {
      g_autoptr (GString) msg = g_string_new (error->message);
      g_string_replace (msg, "audit_entry.", "", 0);
      return g_error_new_literal (OCC_AUDIT_ERROR, OCC_AUDIT_ERROR_INVALID, msg->str);
    }
  return g_error_new (OCC_AUDIT_ERROR, OCC_AUDIT_ERROR_STORE, "the entry could not be written: %s",
                      error->message);
}

/* --- writing --------------------------------------------------------------------------- */

static void
settle (Audit *self)
{
  self->current = NULL;
  self->phase = AUDIT_READY;
  self->retry_ms = 0;
  self->n_settled++;
}

static void
settle_stored (Audit *self, AuditEntry *e, GVariant *stored)
{
  gint64 seq = 0;
  g_variant_lookup (stored, "seq", "x", &seq);
  if (seq <= self->head.seq)
    g_warning ("audit: entry %s was numbered %" G_GINT64_FORMAT ", not after %" G_GINT64_FORMAT
               ": was the database restored, or does another node write to the same trail?",
               e->id, seq, self->head.seq);
  self->head.seq = seq;
  g_strlcpy (self->head.hash, e->hash, sizeof self->head.hash);
  self->head.count++;
  audit_head_file_save (self->head_file, &self->head);
  settle (self);
  /* the state is consistent before the callback, which may append more */
  entry_answer (e, stored, NULL);
  audit_entry_free (e);
  write_next (self);
}

static void
settle_failed (Audit *self, AuditEntry *e, const GError *error)
{
  g_debug ("audit: entry %s (%s) was not written: %s", e->id, e->action, error->message);
  settle (self);
  entry_answer (e, NULL, error);
  audit_entry_free (e);
  write_next (self);
}

static gboolean check_tick (gpointer data);

static void
on_check (GVariant *result, const GError *error, gpointer data)
{
  AuditEntry *e = data;
  Audit *self = e->self;
  if (self->plugin == NULL)
    {
      /* unloaded: the caller was answered then */
      audit_entry_free (e);
      return;
    }
  self->call_in_flight = FALSE;
  if (result)
    {
      g_message ("audit: entry %s was written after all (the store had reported: %s)", e->id,
                 e->put_error->message);
      settle_stored (self, e, result);
    }
  else if (g_error_matches (error, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_NOT_FOUND))
    {
      g_autoptr (GError) mapped = map_error (e->put_error);
      settle_failed (self, e, mapped);
    }
  else
    {
      g_warning ("audit: cannot tell whether entry %s was written (%s); asking again", e->id,
                 error->message);
      schedule_retry (self, check_tick);
    }
}

static gboolean
check_tick (gpointer data)
{
  Audit *self = data;
  self->retry_id = 0;
  self->call_in_flight = TRUE;
  self->records->get (self->records, "audit_entry", self->current->id, on_check, self->current);
  return G_SOURCE_REMOVE;
}

static void
on_put (GVariant *result, const GError *error, gpointer data)
{
  AuditEntry *e = data;
  Audit *self = e->self;
  if (self->plugin == NULL)
    {
      audit_entry_free (e);
      return;
    }
  self->call_in_flight = FALSE;
  if (result)
    settle_stored (self, e, result);
  else if (g_error_matches (error, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID)
           || g_error_matches (error, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_CONFLICT))
    {
      /* refused before anything was written */
      g_autoptr (GError) mapped = map_error (error);
      settle_failed (self, e, mapped);
    }
  else
    {
      /* the outcome is unknown: nothing else is written until it is */
      e->put_error = g_error_copy (error);
      self->phase = AUDIT_CHECKING;
      schedule_retry (self, check_tick);
    }
}

static GVariant *
entry_record (const AuditEntry *e)
{
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "id", g_variant_new_string (e->id));
  g_variant_builder_add (&b, "{sv}", "at", g_variant_new_int64 (e->at));
  g_variant_builder_add (&b, "{sv}", "actor", g_variant_new_string (e->actor));
  g_variant_builder_add (&b, "{sv}", "action", g_variant_new_string (e->action));
  if (e->target)
    g_variant_builder_add (&b, "{sv}", "target", g_variant_new_string (e->target));
  g_variant_builder_add (&b, "{sv}", "result", g_variant_new_string (e->result));
  if (e->source)
    g_variant_builder_add (&b, "{sv}", "source", g_variant_new_string (e->source));
  g_variant_builder_add (&b, "{sv}", "details", e->details);
  g_variant_builder_add (&b, "{sv}", "prev_hash", g_variant_new_string (e->prev_hash));
  g_variant_builder_add (&b, "{sv}", "hash", g_variant_new_string (e->hash));
  return g_variant_builder_end (&b);
}

static void
write_next (Audit *self)
{
  if (self->phase == AUDIT_READY && self->plugin != NULL && !g_queue_is_empty (&self->queue))
    {
      AuditEntry *e = g_queue_pop_head (&self->queue);
      g_strlcpy (e->prev_hash, self->head.hash, sizeof e->prev_hash);
      AuditFields fields;
      audit_entry_fields (e, &fields);
      g_autoptr (GString) scratch = g_string_new (NULL);
      audit_hash (&fields, e->canon, scratch, e->hash);
      self->phase = AUDIT_WRITING;
      self->n_started++;
      /* the entry is current until it settles; while a call is in flight
       * its callback owns it */
      self->current = e;
      self->call_in_flight = TRUE;
      self->records->put (self->records, "audit_entry", entry_record (e), on_put, e);
    }
  update_hold (self);
}

void
audit_chain_push (Audit *self, AuditEntry *entry)
{
  g_queue_push_tail (&self->queue, entry);
  write_next (self);
}

/* --- reading the head back ---------------------------------------------------------------- */

typedef struct {
  Audit *self;
  AuditHeadState state;
  AuditHead file; /* what the head file says */
  char *problem;  /* why it could not be read */
  gint64 last_seq;
  char last_hash[AUDIT_HASH_LEN + 1];
  gint64 total;
  /* walking from the file's head to the end of the trail */
  gboolean matched;
  gboolean broken;
  AuditHead walk;
} Load;

static void
load_free (Load *l)
{
  audit_unref (l->self);
  g_free (l->problem);
  g_free (l);
}

static gboolean
load_tick (gpointer data)
{
  Audit *self = data;
  self->retry_id = 0;
  load_begin (self);
  return G_SOURCE_REMOVE;
}

static void
load_retry (Load *l, const GError *error)
{
  Audit *self = l->self;
  if (self->retry_ms == 0)
    g_warning ("audit: cannot read the trail's head yet (%s); entries wait and it is tried again",
               error->message);
  schedule_retry (self, load_tick);
  load_free (l);
}

static void
push_mismatch (Audit *self, const char *problem, const AuditHead *file, gint64 trail_seq)
{
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "problem", g_variant_new_string (problem));
  g_variant_builder_add (&b, "{sv}", "head-seq", g_variant_new_int64 (file->seq));
  g_variant_builder_add (&b, "{sv}", "head-count", g_variant_new_int64 (file->count));
  g_variant_builder_add (&b, "{sv}", "trail-seq", g_variant_new_int64 (trail_seq));
  g_autoptr (GError) e = NULL;
  AuditEntry *entry = audit_entry_new (self, "system", "audit.head-mismatch", AUDIT_HEAD_FILE,
                                       OCC_AUDIT_FAILURE, NULL, g_variant_builder_end (&b), &e);
  if (entry == NULL)
    {
      g_warning ("audit: cannot record the head mismatch: %s", e->message);
      return;
    }
  /* it describes the trail as found: before anything appended meanwhile */
  g_queue_push_head (&self->queue, entry);
}

static void
load_finish (Load *l)
{
  Audit *self = l->self;
  const char *path = audit_head_file_get_path (self->head_file);
  g_autofree char *problem = NULL;
  AuditHead head = { .seq = 0, .hash = AUDIT_GENESIS, .count = 0 };
  if (l->state == AUDIT_HEAD_OK && l->matched && !l->broken)
    {
      head = l->walk;
      if (head.count > l->file.count)
        g_message ("audit: %" G_GINT64_FORMAT " entries were written after %s was last saved "
                   "(a crash?); the head is now seq %" G_GINT64_FORMAT,
                   head.count - l->file.count, path, head.seq);
    }
  else if (l->state == AUDIT_HEAD_OK)
    {
      /* go on from the file's head: the gap stays where verify sees it */
      head = l->file;
      problem
          = g_strdup_printf ("the trail does not match %s: the file names entry %" G_GINT64_FORMAT
                             " (%" G_GINT64_FORMAT " entries), the trail ends at %" G_GINT64_FORMAT,
                             path, l->file.seq, l->file.count, l->last_seq);
    }
  else if (l->last_seq > 0)
    {
      head.seq = l->last_seq;
      g_strlcpy (head.hash, l->last_hash, sizeof head.hash);
      head.count = l->total;
      problem = g_strdup_printf (
          "%s; the trail's last entry (%" G_GINT64_FORMAT
          ") is taken as the head, so entries removed from its end "
          "before now cannot be detected",
          l->state == AUDIT_HEAD_MISSING ? "the head file is missing" : l->problem, l->last_seq);
    }
  else if (l->state == AUDIT_HEAD_INVALID)
    problem = g_strdup_printf ("%s; the trail is empty", l->problem);

  self->head = head;
  audit_head_file_save (self->head_file, &self->head);
  if (problem)
    {
      g_warning ("audit: %s", problem);
      push_mismatch (self, problem, &l->file, l->last_seq);
    }
  self->phase = AUDIT_READY;
  self->retry_ms = 0;
  g_autoptr (GArray) waiting = g_steal_pointer (&self->on_ready);
  self->on_ready = NULL;
  load_free (l);
  for (guint i = 0; waiting && i < waiting->len; i++)
    {
      Waiting *w = &g_array_index (waiting, Waiting, i);
      w->start (w->job);
    }
  write_next (self);
}

static gboolean
on_load_rows (OccStoreResult *batch, gpointer data)
{
  Load *l = data;
  guint n = occ_store_result_get_n_rows (batch);
  for (guint i = 0; i < n && !l->broken; i++)
    {
      gint64 seq = occ_store_result_get_int (batch, i, 0);
      const char *prev = occ_store_result_get_string (batch, i, 1);
      const char *hash = occ_store_result_get_string (batch, i, 2);
      if (seq == l->file.seq)
        l->matched = g_strcmp0 (hash, l->file.hash) == 0;
      else if (!l->matched || g_strcmp0 (prev, l->walk.hash) != 0 || hash == NULL)
        l->broken = TRUE;
      else
        {
          l->walk.seq = seq;
          g_strlcpy (l->walk.hash, hash, sizeof l->walk.hash);
          l->walk.count++;
        }
      if (!l->matched)
        l->broken = TRUE;
    }
  return !l->broken;
}

static void
on_load_walked (GPtrArray *results, const GError *error, gpointer data)
{
  Load *l = data;
  if (l->self->plugin == NULL)
    load_free (l);
  else if (error
           && !(l->broken && g_error_matches (error, OCC_STORE_ERROR, OCC_STORE_ERROR_CANCELLED)))
    load_retry (l, error);
  else
    load_finish (l);
}

static void
on_load_last (GPtrArray *results, const GError *error, gpointer data)
{
  Load *l = data;
  Audit *self = l->self;
  if (self->plugin == NULL)
    {
      load_free (l);
      return;
    }
  if (error)
    {
      load_retry (l, error);
      return;
    }
  OccStoreResult *last = g_ptr_array_index (results, 0);
  if (occ_store_result_get_n_rows (last) > 0)
    {
      l->last_seq = occ_store_result_get_int (last, 0, 0);
      const char *hash = occ_store_result_get_string (last, 0, 1);
      g_strlcpy (l->last_hash, hash ? hash : "", sizeof l->last_hash);
    }
  if (results->len > 1)
    l->total = occ_store_result_get_int (g_ptr_array_index (results, 1), 0, 0);
  if (l->state != AUDIT_HEAD_OK)
    {
      load_finish (l);
      return;
    }
  l->matched = l->file.seq == 0;
  l->walk = l->file;
  OccStoreStatement st = { "SELECT seq, prev_hash, hash FROM audit_entry WHERE seq >= $1 "
                           "ORDER BY seq",
                           g_variant_new ("(x)", l->file.seq) };
  self->store->stream (self->store, &st, LOAD_BATCH, self->cancel, on_load_rows, on_load_walked, l);
}

static void
load_begin (Audit *self)
{
  Load *l = g_new0 (Load, 1);
  l->self = audit_ref (self);
  l->state = audit_head_file_read (self->head_file, &l->file, &l->problem);
  OccStoreStatement st[] = {
    { "SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1", NULL },
    { "SELECT COUNT(*) FROM audit_entry", NULL },
  };
  /* counting is a full scan: only when there is no count to trust */
  guint n = l->state == AUDIT_HEAD_OK ? 1 : 2;
  self->store->execute (self->store, st, n, OCC_STORE_FLAGS_NONE, self->cancel, on_load_last, l);
}

void
audit_chain_start (Audit *self)
{
  self->phase = AUDIT_LOADING;
  load_begin (self);
}

void
audit_chain_when_ready (Audit *self, AuditJob *job, void (*start) (AuditJob *job))
{
  if (self->phase != AUDIT_LOADING)
    {
      start (job);
      return;
    }
  if (self->on_ready == NULL)
    self->on_ready = g_array_new (FALSE, FALSE, sizeof (Waiting));
  Waiting w = { job, start };
  g_array_append_val (self->on_ready, w);
}

void
audit_chain_abort (Audit *self, const GError *error)
{
  AuditEntry *e;
  while ((e = g_queue_pop_head (&self->queue)) != NULL)
    {
      entry_answer (e, NULL, error);
      audit_entry_free (e);
    }
  if (self->current)
    {
      e = self->current;
      self->current = NULL;
      g_autoptr (GError) unknown = g_error_new (
          OCC_AUDIT_ERROR, OCC_AUDIT_ERROR_STORE,
          "the audit plugin was unloaded while entry %s was being written: it may or may not "
          "be stored (the next load finds out)",
          e->id);
      entry_answer (e, NULL, unknown);
      /* with a call in flight its callback frees the entry; otherwise it
       * waited for a retry timer, which the core removes */
      if (!self->call_in_flight)
        audit_entry_free (e);
    }
  /* the jobs themselves are answered through Audit.jobs */
  g_clear_pointer (&self->on_ready, g_array_unref);
  self->retry_id = 0;
  self->held = FALSE;
}
