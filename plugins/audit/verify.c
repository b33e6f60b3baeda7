/* audit: verify. Reads the whole trail in seq order with the store's
 * stream() (a few batches in memory at a time, whatever its length),
 * recomputes each entry's hash, checks that each prev_hash is the hash of
 * the entry before it, and at the end compares the trail with the head:
 *
 *   "entry 17 was altered"          its fields do not give its hash
 *   "entry after 16 is missing"     an entry does not link to the one
 *                                   before it, and the entry that should
 *                                   follow 16 is nowhere later
 *   "entries out of order at 23"    the entry at 23 does not link, and
 *                                   the one that belongs there (or the
 *                                   one 23 links to) comes later
 *   "the trail ends at 40 but 42 entries were written"
 *                                   the head is past the trail's end
 *
 * first-bad-seq is the seq of the first entry found not to fit (for a
 * cut-off end, the seq after the last entry). After the first broken link
 * the rest of the trail is only scanned to tell a missing entry from a
 * moved one.
 *
 * Appends go on meanwhile. The head is taken when verify starts; rows
 * after it must link on like any other, and there may be no more of them
 * than writes begun since then. */
#include "audit-private.h"

#include <string.h>

/* rows per batch: checking one takes about 6 µs, so a batch stays well
 * under the millisecond a main-loop turn may take */
#define VERIFY_BATCH 64

typedef struct {
  AuditJob job;
  Audit *self;
  OccAuditCallback callback; /* NULL once answered */
  gpointer user_data;
  gboolean in_stream;
  AuditHead snap;
  guint64 settled_at_start;
  JsonParser *parser;
  GString *canon;
  GString *scratch;

  gint64 entries;
  gint64 prev_seq; /* 0 before the first entry */
  char prev_hash[AUDIT_HASH_LEN + 1];
  gint64 bad_seq;
  char *reason; /* set once the verdict is known */

  /* after the first broken link */
  gboolean broken;
  gint64 break_seq;
  gint64 break_after;
  char want_prev[AUDIT_HASH_LEN + 1]; /* what the entry at break_seq should link to */
  char *links_to;                     /* what it links to instead */

  /* the head */
  gboolean head_seen;
  gint64 upto;  /* entries with seq <= snap.seq */
  gint64 extra; /* entries after snap.seq */
  gint64 first_extra;
} Verify;

static void
verify_free (Verify *v)
{
  g_object_unref (v->parser);
  g_string_free (v->canon, TRUE);
  g_string_free (v->scratch, TRUE);
  g_free (v->reason);
  g_free (v->links_to);
  audit_unref (v->self);
  g_free (v);
}

static void
verify_answer (Verify *v, GVariant *result, const GError *error)
{
  OccAuditCallback callback = v->callback;
  v->callback = NULL;
  audit_job_remove (v->self, &v->job);
  g_autoptr (GVariant) owned = result ? g_variant_ref_sink (result) : NULL;
  if (callback)
    callback (owned, error, v->user_data);
}

static void
verify_abort (AuditJob *job, const GError *error)
{
  Verify *v = (Verify *) job;
  verify_answer (v, NULL, error);
  if (!v->in_stream)
    verify_free (v);
}

static void
verdict (Verify *v, gint64 seq, char *reason)
{
  v->bad_seq = seq;
  v->reason = reason;
}

/* --- one row ------------------------------------------------------------------------ */

static gboolean
hash_matches (Verify *v, OccStoreResult *b, guint i)
{
  AuditFields f = {
    .prev_hash = occ_store_result_get_string (b, i, AUDIT_COL_PREV_HASH),
    .id = occ_store_result_get_string (b, i, AUDIT_COL_ID),
    .at = occ_store_result_get_int (b, i, AUDIT_COL_AT),
    .actor = occ_store_result_get_string (b, i, AUDIT_COL_ACTOR),
    .action = occ_store_result_get_string (b, i, AUDIT_COL_ACTION),
    .target = occ_store_result_get_string (b, i, AUDIT_COL_TARGET),
    .result = occ_store_result_get_string (b, i, AUDIT_COL_RESULT),
    .source = occ_store_result_get_string (b, i, AUDIT_COL_SOURCE),
  };
  const char *details = occ_store_result_get_string (b, i, AUDIT_COL_DETAILS);
  const char *hash = occ_store_result_get_string (b, i, AUDIT_COL_HASH);
  /* a NULL where text belongs: the column was edited to another type */
  if (hash == NULL || f.prev_hash == NULL || f.id == NULL || f.actor == NULL || f.action == NULL
      || f.result == NULL
      || (f.target == NULL && !occ_store_result_is_null (b, i, AUDIT_COL_TARGET))
      || (f.source == NULL && !occ_store_result_is_null (b, i, AUDIT_COL_SOURCE))
      || (details == NULL && !occ_store_result_is_null (b, i, AUDIT_COL_DETAILS)))
    return FALSE;
  g_string_truncate (v->canon, 0);
  if (details && !audit_canon_json (v->parser, details, v->canon, NULL))
    return FALSE;
  char computed[AUDIT_HASH_LEN + 1];
  audit_hash (&f, details ? v->canon : NULL, v->scratch, computed);
  return strcmp (computed, hash) == 0;
}

/* After a broken link: does the entry that belongs at the break, or the
 * one the break links to, come later? Then entries were moved. */
static void
look_for_moved (Verify *v, OccStoreResult *b, guint i)
{
  const char *prev = occ_store_result_get_string (b, i, AUDIT_COL_PREV_HASH);
  const char *hash = occ_store_result_get_string (b, i, AUDIT_COL_HASH);
  if (g_strcmp0 (prev, v->want_prev) == 0 || g_strcmp0 (hash, v->links_to) == 0)
    verdict (v, v->break_seq,
             g_strdup_printf ("entries out of order at %" G_GINT64_FORMAT, v->break_seq));
}

static void
check_row (Verify *v, OccStoreResult *b, guint i)
{
  gint64 seq = occ_store_result_get_int (b, i, AUDIT_COL_SEQ);
  v->entries++;
  if (v->broken)
    {
      look_for_moved (v, b, i);
      return;
    }
  if (seq <= v->prev_seq)
    {
      verdict (v, seq, g_strdup_printf ("entries out of order at %" G_GINT64_FORMAT, seq));
      return;
    }
  if (!hash_matches (v, b, i))
    {
      verdict (v, seq, g_strdup_printf ("entry %" G_GINT64_FORMAT " was altered", seq));
      return;
    }
  const char *prev = occ_store_result_get_string (b, i, AUDIT_COL_PREV_HASH);
  if (strcmp (prev, v->prev_hash) != 0)
    {
      v->broken = TRUE;
      v->break_seq = seq;
      v->break_after = v->prev_seq;
      g_strlcpy (v->want_prev, v->prev_hash, sizeof v->want_prev);
      v->links_to = g_strdup (prev);
      return;
    }
  const char *hash = occ_store_result_get_string (b, i, AUDIT_COL_HASH);
  if (seq <= v->snap.seq)
    {
      v->upto++;
      if (seq == v->snap.seq)
        v->head_seen = strcmp (hash, v->snap.hash) == 0;
    }
  else if (v->extra++ == 0)
    v->first_extra = seq;
  v->prev_seq = seq;
  g_strlcpy (v->prev_hash, hash, sizeof v->prev_hash);
}

static gboolean
verify_rows (OccStoreResult *batch, gpointer data)
{
  Verify *v = data;
  if (v->callback == NULL)
    return FALSE;
  guint n = occ_store_result_get_n_rows (batch);
  for (guint i = 0; i < n && v->reason == NULL; i++)
    check_row (v, batch, i);
  return v->reason == NULL;
}

/* --- the verdict ------------------------------------------------------------------------- */

static void
check_head (Verify *v)
{
  Audit *self = v->self;
  const AuditHead *h = &v->snap;
  if (h->seq > 0 && !v->head_seen)
    {
      if (v->prev_seq < h->seq && v->prev_seq == 0)
        verdict (v, 1,
                 g_strdup_printf (
                     "the trail is empty but %" G_GINT64_FORMAT " entries were written", h->count));
      else if (v->prev_seq < h->seq)
        verdict (v, v->prev_seq + 1,
                 g_strdup_printf ("the trail ends at %" G_GINT64_FORMAT " but %" G_GINT64_FORMAT
                                  " entries were written",
                                  v->prev_seq, h->count));
      else
        verdict (v, h->seq,
                 g_strdup_printf ("entry %" G_GINT64_FORMAT " does not match the head file "
                                  "(the trail was rewritten)",
                                  h->seq));
    }
  else if (v->upto != h->count)
    verdict (v, h->seq,
             g_strdup_printf ("the trail holds %" G_GINT64_FORMAT " entries up to %" G_GINT64_FORMAT
                              " but %" G_GINT64_FORMAT " were written",
                              v->upto, h->seq, h->count));
  else if ((guint64) v->extra > self->n_started - v->settled_at_start)
    verdict (v, v->first_extra,
             g_strdup_printf ("entries from %" G_GINT64_FORMAT " on were not written by this "
                              "daemon (%" G_GINT64_FORMAT " after the head, %" G_GUINT64_FORMAT
                              " written since)",
                              v->first_extra, v->extra, self->n_started - v->settled_at_start));
}

static GVariant *
verify_result (Verify *v)
{
  if (v->reason == NULL && v->broken)
    {
      if (v->break_after > 0)
        verdict (v, v->break_seq,
                 g_strdup_printf ("entry after %" G_GINT64_FORMAT " is missing", v->break_after));
      else
        verdict (v, v->break_seq,
                 g_strdup_printf ("the first entries are missing (the trail starts at "
                                  "%" G_GINT64_FORMAT ")",
                                  v->break_seq));
    }
  if (v->reason == NULL)
    check_head (v);
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "ok", g_variant_new_boolean (v->reason == NULL));
  g_variant_builder_add (&b, "{sv}", "entries", g_variant_new_int64 (v->entries));
  if (v->reason)
    {
      g_variant_builder_add (&b, "{sv}", "first-bad-seq", g_variant_new_int64 (v->bad_seq));
      g_variant_builder_add (&b, "{sv}", "reason", g_variant_new_string (v->reason));
    }
  return g_variant_builder_end (&b);
}

static void
verify_done (GPtrArray *results, const GError *error, gpointer data)
{
  (void) results;
  Verify *v = data;
  v->in_stream = FALSE;
  if (v->callback)
    {
      gboolean stopped = v->reason != NULL
                         && g_error_matches (error, OCC_STORE_ERROR, OCC_STORE_ERROR_CANCELLED);
      if (error && !stopped)
        {
          g_autoptr (GError) e = g_error_new (OCC_AUDIT_ERROR, OCC_AUDIT_ERROR_STORE,
                                              "cannot read the trail: %s", error->message);
          verify_answer (v, NULL, e);
        }
      else
        {
          GVariant *result = verify_result (v);
          if (v->reason)
            g_message ("audit: verify found a problem: %s", v->reason);
          verify_answer (v, result, NULL);
        }
    }
  verify_free (v);
}

static void
verify_begin (AuditJob *job)
{
  Verify *v = (Verify *) job;
  Audit *self = v->self;
  v->snap = self->head;
  v->settled_at_start = self->n_settled;
  v->in_stream = TRUE;
  OccStoreStatement st = { "SELECT " AUDIT_COLUMNS " FROM audit_entry ORDER BY seq", NULL };
  self->store->stream (self->store, &st, VERIFY_BATCH, self->cancel, verify_rows, verify_done, v);
}

void
audit_verify_start (Audit *self, OccAuditCallback callback, gpointer user_data)
{
  Verify *v = g_new0 (Verify, 1);
  v->job.abort = verify_abort;
  v->self = audit_ref (self);
  v->callback = callback;
  v->user_data = user_data;
  v->parser = json_parser_new_immutable ();
  v->canon = g_string_new (NULL);
  v->scratch = g_string_new (NULL);
  g_strlcpy (v->prev_hash, AUDIT_GENESIS, sizeof v->prev_hash);
  audit_job_add (self, &v->job);
  audit_chain_when_ready (self, &v->job, verify_begin);
}
