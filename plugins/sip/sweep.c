/* sip: the retention sweep. The records service's find() knows equality
 * only, so recordings are read a page at a time in order of expires_at
 * and those past it picked out; their files are deleted in a worker
 * thread, then their rows (a file already gone still lets its row go).
 * Deleting shrinks the next page's start, so the pages move on without an
 * offset. A row naming a file outside recordings-dir loses its row but
 * never its file: rows can be written through records.put, and a sweep
 * must not become a way to delete any file the daemon can reach. */
#include "recording-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#define PAGE 1000
#define MAX_ROUNDS 50 /* 50,000 recordings a run; the next run takes the rest */

typedef enum {
  GONE_DELETED,
  GONE_MISSING, /* the file was not there */
  GONE_OUTSIDE, /* not under recordings-dir: left alone */
  GONE_FAILED,  /* it stays, and so does its row */
} Gone;

typedef struct {
  char *id;
  char *path;
  Gone gone;
  int err;
} Victim;

typedef struct {
  Sip *self; /* a reference */
  GPtrArray *waiters;
  GPtrArray *victims; /* of the current page */
  guint page_rows;
  guint rounds;
  guint pending; /* row removals in flight */
  guint removed_this_round;
  guint deleted, missing, outside, failed;
} Sweep;

static void sweep_page (Sweep *s);

static void
victim_free (Victim *v)
{
  g_free (v->id);
  g_free (v->path);
  g_free (v);
}

static void
sweep_finish (Sweep *s, const char *problem)
{
  Sip *self = s->self;
  SipRecorder *rc = self->recorder;
  if (problem)
    g_warning ("recordings sweep stopped: %s", problem);
  if (s->deleted || s->missing || s->outside || s->failed || problem)
    g_message ("recordings sweep: %u deleted (%u files already missing, %u outside %s), %u "
               "failed",
               s->deleted + s->missing + s->outside, s->missing, s->outside, rc->dir, s->failed);
  GVariant *counts = g_variant_ref_sink (g_variant_new_parsed (
      "{'deleted': <%u>, 'missing-files': <%u>, 'outside': <%u>, 'failed': <%u>}",
      s->deleted + s->missing + s->outside, s->missing, s->outside, s->failed));
  if (s->deleted + s->missing + s->outside)
    sip_recorder_audit (self, NULL, "recording.expire", rc->dir,
                        problem ? OCC_AUDIT_FAILURE : OCC_AUDIT_SUCCESS, g_variant_ref (counts));
  for (guint i = 0; i < s->waiters->len; i++)
    {
      OccControlCall *call = s->waiters->pdata[i];
      if (problem)
        {
          g_autoptr (GError) e
              = g_error_new_literal (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_FAILED, problem);
          occ_control_call_return_error (call, e);
        }
      else
        occ_control_call_return (call, g_variant_ref (counts));
    }
  g_variant_unref (counts);
  g_ptr_array_unref (s->waiters);
  g_clear_pointer (&s->victims, g_ptr_array_unref);
  g_free (s);
  rc->sweeping = FALSE;
  if (rc->again && self->plugin)
    {
      rc->again = FALSE;
      sip_recording_sweep (self, NULL);
    }
  sip_unref (self);
}

static void
removed (GVariant *result, const GError *error, gpointer data)
{
  (void) result;
  Sweep *s = data;
  if (error && !g_error_matches (error, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_NOT_FOUND))
    {
      g_warning ("recordings sweep: a row was not deleted: %s", error->message);
      s->failed++;
    }
  else
    s->removed_this_round++;
  if (--s->pending > 0)
    return;
  /* a short page held every expired one */
  if (s->page_rows < PAGE || s->removed_this_round == 0 || ++s->rounds >= MAX_ROUNDS)
    return sweep_finish (s, NULL);
  sweep_page (s);
}

static void
unlink_all (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  (void) source;
  (void) cancellable;
  GPtrArray *victims = data;
  for (guint i = 0; i < victims->len; i++)
    {
      Victim *v = victims->pdata[i];
      if (v->gone == GONE_OUTSIDE)
        continue;
      if (g_unlink (v->path) == 0)
        v->gone = GONE_DELETED;
      else
        {
          v->err = errno;
          v->gone = v->err == ENOENT ? GONE_MISSING : GONE_FAILED;
        }
    }
  g_task_return_boolean (task, TRUE);
}

static void
unlinked (GObject *source, GAsyncResult *res, gpointer data)
{
  (void) source;
  (void) res;
  Sweep *s = data;
  const OccRecordsService *records = sip_recorder_records (s->self);
  if (records == NULL)
    return sweep_finish (s, "the plugin is going away");
  s->removed_this_round = 0;
  for (guint i = 0; i < s->victims->len; i++)
    {
      Victim *v = s->victims->pdata[i];
      guint *count = v->gone == GONE_DELETED   ? &s->deleted
                     : v->gone == GONE_MISSING ? &s->missing
                     : v->gone == GONE_OUTSIDE ? &s->outside
                                               : &s->failed;
      (*count)++;
      if (v->gone == GONE_FAILED)
        {
          g_warning ("recordings sweep: cannot delete %s: %s (its row stays)", v->path,
                     g_strerror (v->err));
          continue;
        }
      if (v->gone == GONE_OUTSIDE)
        g_warning ("recordings sweep: recording %s names %s, outside %s: the row goes, the file "
                   "stays",
                   v->id, v->path, s->self->recorder->dir);
      s->pending++;
      records->remove (records, "recording", v->id, removed, s);
    }
  if (s->pending == 0)
    sweep_finish (s, NULL);
}

/* Whether @path lies in @dir (both absolute; "." and ".." resolved). */
static gboolean
inside (const char *dir, const char *path)
{
  if (!g_path_is_absolute (path))
    return FALSE;
  g_autofree char *clean = g_canonicalize_filename (path, NULL);
  gsize n = strlen (dir);
  return strncmp (clean, dir, n) == 0 && clean[n] == '/';
}

static void
page_read (GVariant *result, const GError *error, gpointer data)
{
  Sweep *s = data;
  if (error)
    return sweep_finish (s, error->message);
  gint64 now = g_get_real_time () / 1000;
  g_clear_pointer (&s->victims, g_ptr_array_unref);
  s->victims = g_ptr_array_new_with_free_func ((GDestroyNotify) victim_free);
  s->page_rows = (guint) g_variant_n_children (result);
  gboolean last_unset = FALSE;
  for (guint i = 0; i < s->page_rows; i++)
    {
      g_autoptr (GVariant) row = g_variant_get_child_value (result, i);
      gint64 expires = 0;
      const char *id = NULL, *path = NULL;
      last_unset = !g_variant_lookup (row, "expires_at", "x", &expires);
      if (last_unset || expires >= now || !g_variant_lookup (row, "id", "&s", &id)
          || !g_variant_lookup (row, "path", "&s", &path))
        continue;
      Victim *v = g_new0 (Victim, 1);
      v->id = g_strdup (id);
      v->path = g_strdup (path);
      v->gone = inside (s->self->recorder->dir, path) ? GONE_FAILED : GONE_OUTSIDE;
      g_ptr_array_add (s->victims, v);
    }
  if (s->victims->len == 0)
    {
      /* SQLite orders rows without expires_at (kept for good) first */
      if (s->page_rows == PAGE && last_unset)
        g_warning ("recordings sweep: more than %u recordings without expiry come first; "
                   "expired ones after them wait",
                   PAGE);
      return sweep_finish (s, NULL);
    }
  GTask *task = g_task_new (NULL, NULL, unlinked, s);
  g_task_set_task_data (task, g_ptr_array_ref (s->victims), (GDestroyNotify) g_ptr_array_unref);
  g_task_run_in_thread (task, unlink_all);
  g_object_unref (task);
}

static void
sweep_page (Sweep *s)
{
  const OccRecordsService *records = sip_recorder_records (s->self);
  if (records == NULL)
    return sweep_finish (s, "no records service: recordings have no rows to expire");
  records->find (records, "recording", g_variant_new ("a{sv}", NULL), "expires_at", PAGE, page_read,
                 s);
}

void
sip_recording_sweep (Sip *self, OccControlCall *call)
{
  SipRecorder *rc = self->recorder;
  if (rc->waiters == NULL)
    rc->waiters = g_ptr_array_new ();
  if (call)
    g_ptr_array_add (rc->waiters, call);
  if (rc->sweeping)
    {
      /* the run under way may have read its page before this was asked */
      rc->again = TRUE;
      return;
    }
  rc->sweeping = TRUE;
  Sweep *s = g_new0 (Sweep, 1);
  s->self = sip_ref (self);
  s->waiters = g_steal_pointer (&rc->waiters);
  sweep_page (s);
}

static gboolean
sweep_now (gpointer data)
{
  sip_recording_sweep (data, NULL);
  return G_SOURCE_CONTINUE;
}

static gboolean
first_sweep (gpointer data)
{
  sweep_now (data);
  return G_SOURCE_REMOVE;
}

void
sip_recording_sweep_schedule (Sip *self)
{
  occ_plugin_timeout_add (self->plugin, 5 * 1000, first_sweep, self, NULL);
  occ_plugin_timeout_add (self->plugin, 3600 * 1000, sweep_now, self, NULL);
}
