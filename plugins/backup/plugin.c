/* backup: the plugin's load, schedule, backups and commands; see plugin.h. */
#include "plugin.h"
#include "sha256.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

const char *const bkp_work_names[] = { "idle", "backup", "verify", "restore" };

Backup *
bkp_ref (Backup *b)
{
  g_atomic_int_inc (&b->ref);
  return b;
}

static void
source_free (Source *s)
{
  g_free (s->name);
  g_free (s->path);
  g_free (s);
}

static void
target_free (Target *t)
{
  g_free (t->name);
  g_free (t->reason);
  g_hash_table_unref (t->present);
  g_ptr_array_unref (t->puts);
  g_ptr_array_unref (t->deletes);
  g_free (t);
}

void
bkp_unref (Backup *b)
{
  if (!g_atomic_int_dec_and_test (&b->ref))
    return;
  bk_policy_free (b->policy);
  g_free (b->dir);
  g_free (b->root);
  memset (b->key, 0, sizeof b->key);
  g_strfreev (b->exclude);
  g_ptr_array_unref (b->sources);
  g_ptr_array_unref (b->targets);
  if (b->last)
    g_variant_unref (b->last);
  g_free (b);
}

char *
bkp_iso_time (gint64 unix_seconds)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (unix_seconds);
  return t ? g_date_time_format_iso8601 (t) : g_strdup ("?");
}

gint64
bkp_now (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

void
bkp_publish (Backup *b, const char *type, GVariant *payload)
{
  if (b->plugin)
    occ_bus_publish (occ_plugin_get_bus (b->plugin), b->plugin, type, payload, NULL);
  else
    g_variant_unref (g_variant_ref_sink (payload));
}

static void
audit_done (GVariant *result, const GError *error, gpointer data)
{
  (void) result;
  (void) data;
  if (error)
    g_warning ("backup: the audit entry was not written: %s", error->message);
}

void
bkp_audit (Backup *b, const Work *w, const char *action, const char *target, const char *result,
           GVariant *details)
{
  if (b->audit == NULL || b->plugin == NULL)
    {
      if (details)
        g_variant_unref (g_variant_ref_sink (details));
      return;
    }
  b->audit->append (b->audit, w && w->actor ? w->actor : "system", action, target, result,
                    w ? w->source : NULL, details, audit_done, NULL);
}

static void
store_done (GPtrArray *results, const GError *error, gpointer data)
{
  (void) results;
  if (error)
    g_warning ("backup: the catalogue row was not written (%s): %s", (const char *) data,
               error->message);
}

void
bkp_store_write (Backup *b, const char *sql, GVariant *params)
{
  if (b->store == NULL || b->plugin == NULL)
    {
      g_variant_unref (g_variant_ref_sink (params));
      return;
    }
  occ_store_execute1 (b->store, sql, params, OCC_STORE_COALESCE, store_done, (gpointer) sql);
}

const char *
bkp_kind_name (OccBackupKind kind)
{
  return kind == OCC_BACKUP_FULL ? "full" : "differential";
}

static const char *
run_name (BkRunKind kind)
{
  return kind == BK_RUN_FULL ? "full" : kind == BK_RUN_DIFFERENTIAL ? "differential" : "auto";
}

char *
bkp_archive_name (const char *id)
{
  return g_strconcat (id, OCC_BACKUP_SUFFIX, NULL);
}

/* The archive ID of a target's file name, or NULL. */
char *
bkp_id_of_name (const char *name)
{
  if (!g_str_has_suffix (name, OCC_BACKUP_SUFFIX))
    return NULL;
  char *id = g_strndup (name, strlen (name) - strlen (OCC_BACKUP_SUFFIX));
  gint64 t;
  OccBackupKind k;
  if (!bk_job_parse_id (id, &t, &k))
    {
      g_free (id);
      return NULL;
    }
  return id;
}

/* --- the work in a thread ------------------------------------------------ */

static void schedule (Backup *b);

void
bkp_work_free (Work *w)
{
  bk_write_job_free (w->write);
  bk_verify_job_free (w->verify);
  bk_restore_job_free (w->restore);
  g_free (w->trigger);
  g_free (w->actor);
  g_free (w->source);
  g_free (w);
}

Work *
bkp_work_new (Backup *b, WorkKind kind, const char *trigger, OccControlCall *call)
{
  Work *w = g_new0 (Work, 1);
  w->b = b;
  w->kind = kind;
  w->trigger = g_strdup (trigger);
  w->call = call;
  w->actor = g_strdup (call ? occ_control_call_get_actor (call) : "system");
  w->source = call ? g_strdup (occ_control_call_get_peer (call)) : NULL;
  return w;
}

void
bkp_answer_error (Work *w, const GError *error)
{
  if (w->call)
    occ_control_call_return_error (w->call, error);
  w->call = NULL;
}

/* @result: floating, or a reference that is given away */
void
bkp_answer (Work *w, GVariant *result)
{
  g_variant_ref_sink (result);
  if (w->call)
    occ_control_call_return (w->call, result);
  g_variant_unref (result);
  w->call = NULL;
}

/* Ends the current work on the main loop; the next due backup may start. */
void
bkp_work_end (Backup *b)
{
  Work *w = b->work;
  b->work = NULL;
  if (b->progress_id)
    g_source_remove (b->progress_id);
  b->progress_id = 0;
  bkp_work_free (w);
  if (b->holding && b->plugin)
    {
      b->holding = FALSE;
      occ_plugin_release (b->plugin);
    }
  if (b->plugin && !occ_plugin_is_stopping (b->plugin))
    schedule (b);
}

static GVariant *
summary (const BkWriteJob *job)
{
  const OccBackupManifest *m = job->result->manifest;
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "id", "s", m->id);
  g_variant_dict_insert (&d, "kind", "s", bkp_kind_name (m->kind));
  if (m->base_id)
    g_variant_dict_insert (&d, "base", "s", m->base_id);
  g_autofree char *created = bkp_iso_time (m->created);
  g_variant_dict_insert (&d, "created", "s", created);
  g_variant_dict_insert (&d, "path", "s", job->result->path);
  g_variant_dict_insert (&d, "size", "t", job->result->size);
  guint stored = 0;
  for (guint i = 0; i < m->entries->len; i++)
    stored += ((OccBackupEntry *) m->entries->pdata[i])->in_archive;
  g_variant_dict_insert (&d, "entries", "u", m->entries->len);
  g_variant_dict_insert (&d, "files-stored", "u", stored);
  g_variant_dict_insert (&d, "deleted", "u", m->deleted->len);
  g_variant_dict_insert (&d, "complete", "b", m->complete);
  GVariantBuilder pb;
  g_variant_builder_init (&pb, G_VARIANT_TYPE ("a(ss)"));
  for (guint i = 0; i < m->problems->len; i++)
    {
      const OccBackupProblem *p = m->problems->pdata[i];
      g_autofree char *path = occ_backup_escape (p->path);
      g_variant_builder_add (&pb, "(ss)", path, p->reason);
    }
  g_variant_dict_insert_value (&d, "problems", g_variant_builder_end (&pb));
  if (job->note)
    g_variant_dict_insert (&d, "note", "s", job->note);
  GVariantBuilder rb;
  g_variant_builder_init (&rb, G_VARIANT_TYPE ("as"));
  for (guint i = 0; job->pruned && i < job->pruned->len; i++)
    g_variant_builder_add (&rb, "s", (const char *) job->pruned->pdata[i]);
  g_variant_dict_insert_value (&d, "pruned", g_variant_builder_end (&rb));
  return g_variant_dict_end (&d);
}

static void
backup_finished (Backup *b, Work *w)
{
  BkWriteJob *job = w->write;
  if (job->error)
    {
      g_warning ("backup failed: %s", job->error->message);
      bkp_publish (b, EV_FAILED, g_variant_new ("(ss)", run_name (job->want), job->error->message));
      bkp_audit (b, w, "backup.run", run_name (job->want), OCC_AUDIT_FAILURE,
                 g_variant_new_parsed ("{'reason': <%s>}", job->error->message));
      bkp_answer_error (w, job->error);
      /* the schedule tries again, but not at once: a store or a disk
       * that failed is not back a second later */
      if (strcmp (w->trigger, "schedule") == 0)
        b->retry_after = bkp_now () + b->retry_seconds;
      return;
    }
  const OccBackupManifest *m = job->result->manifest;
  GVariant *sum = g_variant_ref_sink (summary (job));
  if (b->last)
    g_variant_unref (b->last);
  b->last = g_variant_ref (sum);
  char hex[65];
  occ_backup_sha256_hex (job->result->sha256, hex);
  bkp_store_write (
      b,
      "INSERT INTO backup_archive (id, kind, base_id, created_at, size, sha256, complete, "
      "entries, problems) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      g_variant_new ("(ssmsxxsbxx)", m->id, bkp_kind_name (m->kind), m->base_id, m->created * 1000,
                     (gint64) job->result->size, hex, m->complete, (gint64) m->entries->len,
                     (gint64) m->problems->len));
  for (guint i = 0; job->pruned && i < job->pruned->len; i++)
    {
      const char *id = job->pruned->pdata[i];
      bkp_store_write (b, "DELETE FROM backup_archive WHERE id = $1", g_variant_new ("(s)", id));
      bkp_publish (b, EV_PRUNED, g_variant_new ("(ss)", "local", id));
      bkp_audit (b, NULL, "backup.prune", id, OCC_AUDIT_SUCCESS,
                 g_variant_new_parsed ("{'where': <'local'>}"));
    }
  g_message ("backup %s written: %" G_GUINT64_FORMAT " bytes, %u entries%s", m->id,
             job->result->size, m->entries->len,
             m->complete ? "" : ", INCOMPLETE (see its problems)");
  bkp_publish (b, EV_FINISHED,
               g_variant_new ("(ssttbu)", m->id, bkp_kind_name (m->kind), job->result->size,
                              (guint64) m->entries->len, m->complete, m->problems->len));
  bkp_audit (b, w, "backup.run", m->id, m->complete ? OCC_AUDIT_SUCCESS : OCC_AUDIT_FAILURE,
             g_variant_new_parsed (
                 "{'kind': <%s>, 'size': <%t>, 'entries': <%u>, 'problems': <%u>}",
                 bkp_kind_name (m->kind), job->result->size, m->entries->len, m->problems->len));
  bkp_answer (w, g_variant_ref (sum));
  g_variant_unref (sum);
  bkp_copy_to_targets (b);
}

static void
verify_finished (Backup *b, Work *w)
{
  BkVerifyJob *job = w->verify;
  if (job->error)
    {
      bkp_audit (b, w, "backup.verify", NULL, OCC_AUDIT_FAILURE,
                 g_variant_new_parsed ("{'reason': <%s>}", job->error->message));
      bkp_answer_error (w, job->error);
      return;
    }
  GVariantIter it;
  GVariant *row;
  g_variant_iter_init (&it, job->report);
  GString *bad = g_string_new (NULL);
  while ((row = g_variant_iter_next_value (&it)))
    {
      const char *id = NULL, *reason = "";
      gboolean ok = FALSE;
      g_variant_lookup (row, "id", "&s", &id);
      g_variant_lookup (row, "ok", "b", &ok);
      g_variant_lookup (row, "reason", "&s", &reason);
      bkp_publish (b, EV_VERIFIED, g_variant_new ("(sbs)", id, ok, reason));
      bkp_audit (b, w, "backup.verify", id, ok ? OCC_AUDIT_SUCCESS : OCC_AUDIT_FAILURE,
                 ok ? NULL : g_variant_new_parsed ("{'reason': <%s>}", reason));
      if (!ok)
        g_string_append_printf (bad, "\n  %s: %s", id, reason);
      if (w->call)
        occ_control_call_send_item (w->call, row);
      g_variant_unref (row);
    }
  if (job->failed > 0)
    {
      g_autoptr (GError) e
          = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_FAILED,
                         "%u of %" G_GSIZE_FORMAT " archives failed verification:%s", job->failed,
                         g_variant_n_children (job->report), bad->str);
      bkp_answer_error (w, e);
    }
  else
    bkp_answer (w,
                g_variant_new_parsed ("{'verified': <%u>, 'failed': <%u>}",
                                      (guint32) g_variant_n_children (job->report), job->failed));
  g_string_free (bad, TRUE);
}

static void
restore_finished (Backup *b, Work *w)
{
  BkRestoreJob *job = w->restore;
  if (job->error)
    {
      bkp_audit (b, w, "backup.restore", job->to, OCC_AUDIT_FAILURE,
                 g_variant_new_parsed ("{'reason': <%s>}", job->error->message));
      bkp_answer_error (w, job->error);
      return;
    }
  bkp_publish (b, EV_RESTORED,
               g_variant_new ("(sss)", job->full, job->diff ? job->diff : "", job->to));
  bkp_audit (b, w, "backup.restore", job->to, OCC_AUDIT_SUCCESS, g_variant_ref (job->report));
  bkp_answer (w, g_variant_ref (job->report));
}

static gboolean
work_done (gpointer data)
{
  Work *w = data;
  Backup *b = w->b;
  if (b->plugin == NULL)
    {
      /* unloaded meanwhile: its call was answered at unload */
      b->work = NULL;
      bkp_work_free (w);
      bkp_unref (b);
      return G_SOURCE_REMOVE;
    }
  if (w->kind == WORK_BACKUP)
    backup_finished (b, w);
  else if (w->kind == WORK_VERIFY)
    verify_finished (b, w);
  else
    restore_finished (b, w);
  bkp_work_end (b);
  bkp_unref (b);
  return G_SOURCE_REMOVE;
}

static gpointer
work_thread (gpointer data)
{
  Work *w = data;
  if (w->kind == WORK_BACKUP)
    bk_write_job_run (w->write);
  else if (w->kind == WORK_VERIFY)
    bk_verify_job_run (w->verify);
  else
    bk_restore_job_run (w->restore);
  /* back on the main loop (the default context the daemon runs) */
  g_idle_add (work_done, w);
  return NULL;
}

void
bkp_work_spawn (Work *w)
{
  bkp_ref (w->b);
  g_thread_unref (g_thread_new ("backup-work", work_thread, w));
}

static gboolean
progress_tick (gpointer data)
{
  Backup *b = data;
  Work *w = b->work;
  if (w == NULL || w->write == NULL)
    return G_SOURCE_CONTINUE;
  guint64 done = __atomic_load_n (&w->write->done, __ATOMIC_RELAXED);
  guint64 total = __atomic_load_n (&w->write->total, __ATOMIC_RELAXED);
  if (done != w->last_done)
    bkp_publish (b, EV_PROGRESS, g_variant_new ("(stt)", run_name (w->write->want), done, total));
  w->last_done = done;
  return G_SOURCE_CONTINUE;
}

/* --- running a backup ---------------------------------------------------- */

/* Links each source into the root (ROOT/NAME → its folder) and empties
 * ROOT/database for the store's copy. */
static gboolean
prepare_root (Backup *b, GError **error)
{
  if (g_mkdir_with_parents (b->root, 0700) < 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "%s: %s", b->root,
                   g_strerror (errno));
      return FALSE;
    }
  g_autoptr (GDir) d = g_dir_open (b->root, 0, error);
  if (d == NULL)
    return FALSE;
  const char *name;
  while ((name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (b->root, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        g_unlink (path);
    }
  for (guint i = 0; i < b->sources->len; i++)
    {
      Source *s = b->sources->pdata[i];
      g_autofree char *link = g_build_filename (b->root, s->name, NULL);
      if (symlink (s->path, link) < 0)
        {
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "%s: %s", link,
                       g_strerror (errno));
          return FALSE;
        }
    }
  g_autofree char *db = g_build_filename (b->root, "database", NULL);
  g_autofree char *sqlite = g_build_filename (db, "store.sqlite", NULL);
  g_autofree char *pg = g_build_filename (db, "store.pgdump", NULL);
  g_unlink (sqlite);
  g_unlink (pg);
  if (b->database && b->store && g_mkdir_with_parents (db, 0700) < 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "%s: %s", db,
                   g_strerror (errno));
      return FALSE;
    }
  if (!(b->database && b->store))
    g_rmdir (db);
  return TRUE;
}

static void
database_copied (GPtrArray *results, const GError *error, gpointer data)
{
  (void) results;
  Work *w = data;
  Backup *b = w->b;
  if (b->plugin == NULL)
    {
      b->work = NULL;
      bkp_work_free (w);
      bkp_unref (b);
      return;
    }
  if (error)
    {
      w->write->error = g_error_new (OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_IO,
                                     "the database could not be copied: %s (nothing was archived)",
                                     error->message);
      backup_finished (b, w);
      bkp_work_end (b);
    }
  else
    bkp_work_spawn (w);
  bkp_unref (b);
}

static gboolean
start_backup (Backup *b, BkRunKind want, const char *trigger, OccControlCall *call, GError **error)
{
  if (b->work)
    {
      g_set_error (error, OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_REFUSED, "busy: a %s is running",
                   bkp_work_names[b->work->kind]);
      return FALSE;
    }
  if (!prepare_root (b, error))
    return FALSE;
  Work *w = bkp_work_new (b, WORK_BACKUP, trigger, call);
  BkWriteJob *job = g_new0 (BkWriteJob, 1);
  job->root = g_strdup (b->root);
  job->exclude = g_strdupv (b->exclude);
  job->dir = g_strdup (b->dir);
  memcpy (job->key, b->key, sizeof job->key);
  job->now = bkp_now ();
  job->want = want;
  job->full_every_days = b->policy->full_every_days;
  job->local_days = b->policy->local_days;
  w->write = job;
  b->work = w;
  b->progress_id = occ_plugin_timeout_add (b->plugin, 1000, progress_tick, b, NULL);
  g_message ("backup (%s) starting: %s", run_name (want), trigger);
  bkp_publish (b, EV_STARTED, g_variant_new ("(ss)", run_name (want), trigger));
  if (b->database && b->store)
    {
      const char *file = strcmp (b->store->get_backend (b->store), "postgres") == 0
                             ? "store.pgdump"
                             : "store.sqlite";
      g_autofree char *path = g_build_filename (b->root, "database", file, NULL);
      bkp_ref (b);
      b->store->backup (b->store, path, database_copied, w);
    }
  else
    bkp_work_spawn (w);
  return TRUE;
}

/* --- the schedule --------------------------------------------------------- */

static gboolean
schedule_tick (gpointer data)
{
  Backup *b = data;
  b->schedule_id = 0;
  schedule (b);
  return G_SOURCE_REMOVE;
}

/* Starts what is due, and sets the timer for the next look. */
static void
schedule (Backup *b)
{
  if (b->schedule_id)
    g_source_remove (b->schedule_id);
  b->schedule_id = 0;
  gint64 now = bkp_now ();
  g_autoptr (GError) e = NULL;
  g_autoptr (GPtrArray) list = occ_backup_catalogue_load (b->dir, &e);
  gint64 next = now + 600;
  if (list == NULL)
    g_warning ("backup: %s (the schedule looks again in 10 minutes)", e->message);
  else
    {
      g_autofree BkRun *runs = g_new0 (BkRun, MAX (list->len, 1u));
      for (guint i = 0; i < list->len; i++)
        {
          const OccBackupCatalogueEntry *c = list->pdata[i];
          runs[i] = (BkRun){ c->created,
                             c->kind == OCC_BACKUP_FULL ? BK_RUN_FULL : BK_RUN_DIFFERENTIAL };
        }
      BkRunKind due = bk_schedule_due (b->policy, runs, list->len, now, &next);
      if (due != BK_RUN_NONE && now < b->retry_after)
        {
          due = BK_RUN_NONE;
          next = b->retry_after;
        }
      if (due != BK_RUN_NONE && b->work == NULL && !start_backup (b, due, "schedule", NULL, &e))
        {
          g_warning ("backup: the scheduled run did not start: %s", e->message);
          bkp_publish (b, EV_FAILED, g_variant_new ("(ss)", run_name (due), e->message));
          b->retry_after = now + b->retry_seconds;
          next = b->retry_after;
        }
      if (b->work)
        return; /* looked at again when it ends */
    }
  b->next_run = next;
  /* at most an hour between looks: the wall clock may be set meanwhile */
  gint64 wait = CLAMP (next - now, 1, 3600);
  b->schedule_id = occ_plugin_timeout_add (b->plugin, (guint) wait * 1000, schedule_tick, b, NULL);
}

/* --- commands -------------------------------------------------------------- */

static void
cmd_status (OccControlCall *call, GVariant *args, gpointer data)
{
  (void) args;
  Backup *b = data;
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "state", "s", bkp_work_names[b->work ? b->work->kind : WORK_NONE]);
  if (b->work && b->work->write)
    {
      g_variant_dict_insert (&d, "done", "t",
                             __atomic_load_n (&b->work->write->done, __ATOMIC_RELAXED));
      g_variant_dict_insert (&d, "total", "t",
                             __atomic_load_n (&b->work->write->total, __ATOMIC_RELAXED));
    }
  if (!b->work)
    {
      g_autofree char *next = bkp_iso_time (b->next_run);
      g_variant_dict_insert (&d, "next-run", "s", next);
    }
  g_variant_dict_insert (&d, "archive-dir", "s", b->dir);
  if (b->last)
    g_variant_dict_insert_value (&d, "last", b->last);
  g_variant_dict_insert_value (&d, "targets", bkp_target_states (b));
  occ_control_call_return (call, g_variant_dict_end (&d));
}

static void
cmd_list (OccControlCall *call, GVariant *args, gpointer data)
{
  (void) args;
  Backup *b = data;
  g_autoptr (GError) e = NULL;
  g_autoptr (GPtrArray) list = occ_backup_catalogue_load (b->dir, &e);
  if (list == NULL)
    {
      occ_control_call_return_error (call, e);
      return;
    }
  GVariantBuilder ab;
  g_variant_builder_init (&ab, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < list->len; i++)
    {
      const OccBackupCatalogueEntry *c = list->pdata[i];
      GVariantDict d;
      g_variant_dict_init (&d, NULL);
      g_variant_dict_insert (&d, "id", "s", c->id);
      g_variant_dict_insert (&d, "kind", "s", bkp_kind_name (c->kind));
      if (c->base_id)
        g_variant_dict_insert (&d, "base", "s", c->base_id);
      g_autofree char *when = bkp_iso_time (c->created);
      g_variant_dict_insert (&d, "created", "s", when);
      g_variant_dict_insert (&d, "size", "t", c->size);
      GVariantBuilder cb;
      g_variant_builder_init (&cb, G_VARIANT_TYPE ("as"));
      for (guint k = 0; k < b->targets->len; k++)
        {
          Target *tg = b->targets->pdata[k];
          if (g_hash_table_contains (tg->present, c->id))
            g_variant_builder_add (&cb, "s", tg->name);
        }
      g_variant_dict_insert_value (&d, "copies", g_variant_builder_end (&cb));
      g_variant_builder_add_value (&ab, g_variant_dict_end (&d));
    }
  occ_control_call_return (call, g_variant_builder_end (&ab));
}

static void
cmd_run (OccControlCall *call, GVariant *args, gpointer data)
{
  Backup *b = data;
  const char *kind = "auto";
  g_variant_lookup (args, "kind", "&s", &kind);
  BkRunKind want;
  if (strcmp (kind, "auto") == 0)
    want = BK_RUN_NONE;
  else if (strcmp (kind, "full") == 0)
    want = BK_RUN_FULL;
  else if (strcmp (kind, "differential") == 0 || strcmp (kind, "diff") == 0)
    want = BK_RUN_DIFFERENTIAL;
  else
    {
      g_autoptr (GError) e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_BAD_REQUEST,
                                          "kind “%s”: use full, differential or auto", kind);
      occ_control_call_return_error (call, e);
      return;
    }
  g_autoptr (GError) e = NULL;
  if (!start_backup (b, want, "control", call, &e))
    occ_control_call_return_error (call, e);
}

static void
cmd_verify (OccControlCall *call, GVariant *args, gpointer data)
{
  Backup *b = data;
  if (b->work)
    {
      g_autoptr (GError) e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_REFUSED,
                                          "busy: a %s is running", bkp_work_names[b->work->kind]);
      occ_control_call_return_error (call, e);
      return;
    }
  Work *w = bkp_work_new (b, WORK_VERIFY, "control", call);
  w->verify = g_new0 (BkVerifyJob, 1);
  w->verify->dir = g_strdup (b->dir);
  memcpy (w->verify->key, b->key, sizeof b->key);
  const char *id = NULL;
  if (g_variant_lookup (args, "id", "&s", &id))
    w->verify->ids = g_strsplit (id, ",", -1);
  b->work = w;
  bkp_work_spawn (w);
}

/* --- loading ---------------------------------------------------------------- */

static gboolean
valid_name (const char *name)
{
  if (name == NULL || *name == '\0' || *name == '.' || strcmp (name, "database") == 0)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      return FALSE;
  return TRUE;
}

static gboolean
read_config (Backup *b, GKeyFile *kf, GError **error)
{
  g_autofree char *key_file = g_key_file_get_string (kf, "backup", "key-file", NULL);
  if (key_file == NULL || *key_file == '\0')
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                   "[backup] needs key-file: a file of %d random bytes (head -c %d "
                   "/dev/urandom > FILE; chmod 600 FILE), kept also off this site",
                   OCC_BACKUP_KEY_BYTES, OCC_BACKUP_KEY_BYTES);
      return FALSE;
    }
  if (!occ_backup_key_load (key_file, b->key, error))
    return FALSE;
  g_autofree char *dir = g_key_file_get_string (kf, "backup", "archive-dir", NULL);
  const char *state = occ_plugin_get_state_dir (b->plugin);
  b->dir = dir && *dir ? g_steal_pointer (&dir) : g_build_filename (state, "backup", NULL);
  b->root = g_build_filename (state, "backup-root", NULL);
  b->database = !g_key_file_has_key (kf, "backup", "database", NULL)
                || g_key_file_get_boolean (kf, "backup", "database", NULL);
  b->exclude = g_key_file_get_string_list (kf, "backup", "exclude", NULL, NULL);
  if (b->exclude == NULL)
    b->exclude = g_new0 (char *, 1);
  b->retry_seconds = g_key_file_has_key (kf, "backup", "retry-seconds", NULL)
                         ? (guint) g_key_file_get_integer (kf, "backup", "retry-seconds", NULL)
                         : 300;
  g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i]; i++)
    {
      if (!g_str_has_prefix (groups[i], "source "))
        continue;
      const char *name = groups[i] + strlen ("source ");
      g_autofree char *path = g_key_file_get_string (kf, groups[i], "path", NULL);
      if (!valid_name (name) || path == NULL || !g_path_is_absolute (path))
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       "[%s]: a source needs a name of letters, digits, '-', '_' or '.' (not "
                       "“database”) and an absolute path",
                       groups[i]);
          return FALSE;
        }
      if (!g_file_test (path, G_FILE_TEST_IS_DIR))
        g_warning ("backup: [%s] path %s is not a folder (yet): it will be reported at each run",
                   groups[i], path);
      Source *s = g_new0 (Source, 1);
      s->name = g_strdup (name);
      s->path = g_steal_pointer (&path);
      g_ptr_array_add (b->sources, s);
    }
  g_auto (GStrv) targets = g_key_file_get_string_list (kf, "backup", "targets", NULL, NULL);
  for (guint i = 0; targets && targets[i]; i++)
    {
      Target *t = g_new0 (Target, 1);
      t->b = b;
      t->name = g_strdup (targets[i]);
      t->present = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      t->puts = g_ptr_array_new_with_free_func (g_free);
      t->deletes = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (b->targets, t);
    }
  return TRUE;
}

static gboolean
register_all (Backup *b, GError **error)
{
  OccPlugin *p = b->plugin;
  OccBus *bus = occ_plugin_get_bus (p);
  return occ_bus_register_type (bus, p, EV_STARTED, "(ss)",
                                "A backup starts: kind asked (full, differential, auto), trigger",
                                error)
         && occ_bus_register_type (bus, p, EV_PROGRESS, "(stt)",
                                   "A backup's progress: kind, bytes done, bytes in all", error)
         && occ_bus_register_type (
             bus, p, EV_FINISHED, "(ssttbu)",
             "A backup is written: id, kind, size, entries, complete, problems", error)
         && occ_bus_register_type (bus, p, EV_FAILED, "(ss)", "A backup failed: kind, reason",
                                   error)
         && occ_bus_register_type (bus, p, EV_COPIED, "(ss)",
                                   "An archive is copied to a target: id, target", error)
         && occ_bus_register_type (bus, p, EV_COPY_FAILED, "(sss)",
                                   "A copy was refused: id, target, reason", error)
         && occ_bus_register_type (bus, p, EV_PRUNED, "(ss)",
                                   "An archive was deleted by retention: where, id", error)
         && occ_bus_register_type (bus, p, OCC_EVENT_BACKUP_TARGET_DOWN,
                                   OCC_EVENT_BACKUP_TARGET_DOWN_TYPE,
                                   "A backup target cannot be reached: target, reason", error)
         && occ_bus_register_type (bus, p, EV_VERIFIED, "(sbs)",
                                   "An archive was verified: id, ok, reason", error)
         && occ_bus_register_type (bus, p, EV_RESTORED, "(sss)",
                                   "A backup was restored: full, differential, folder", error)
         && occ_control_add_command_full (p, "backup.status",
                                          "The backup plugin's state, last backup, targets",
                                          "backup.run", 0, cmd_status, b, NULL, error)
         && occ_control_add_command_full (p, "backup.list", "The archives of the catalogue",
                                          "backup.run", 0, cmd_list, b, NULL, error)
         && occ_control_add_command_full (p, "backup.run",
                                          "Run a backup now (kind=full|differential|auto)",
                                          "backup.run", 0, cmd_run, b, NULL, error)
         && occ_control_add_command_full (p, "backup.verify",
                                          "Re-read archives and check every hash (id=ID)",
                                          "backup.run", 0, cmd_verify, b, NULL, error)
         && occ_control_add_command_full (
             p, "backup.restore",
             "Restore (to=DIR at=latest|DATE only=PATHS target=NAME store-dsn=DSN)",
             "backup.restore", 0, bkp_cmd_restore, b, NULL, error);
}

static void
on_stopping (const OccEvent *event, gpointer data)
{
  (void) event;
  Backup *b = data;
  /* a running job finishes first (bounded by the drain timeout) */
  if (b->work && !b->holding)
    {
      b->holding = TRUE;
      occ_plugin_hold (b->plugin);
    }
}

static OccLoadResult
backup_load (OccPlugin *plugin, GError **error)
{
  Backup *b = g_new0 (Backup, 1);
  b->ref = 1;
  b->plugin = plugin;
  b->sources = g_ptr_array_new_with_free_func ((GDestroyNotify) source_free);
  b->targets = g_ptr_array_new_with_free_func ((GDestroyNotify) target_free);
  g_autoptr (GKeyFile) policy = occ_plugin_get_policy (plugin, "backup", error);
  if (policy)
    b->policy = bk_policy_new_from_keyfile (policy, error);
  if (b->policy == NULL || !read_config (b, occ_plugin_get_config (plugin), error))
    {
      bkp_unref (b);
      return OCC_LOAD_FAILED;
    }
  if (g_mkdir_with_parents (b->dir, 0700) < 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "archive-dir %s: %s",
                   b->dir, g_strerror (errno));
      bkp_unref (b);
      return OCC_LOAD_FAILED;
    }
  b->store = occ_service_lookup (plugin, OCC_STORE_SERVICE, OCC_STORE_VERSION, NULL);
  b->audit = occ_service_lookup (plugin, OCC_AUDIT_SERVICE, OCC_AUDIT_VERSION, NULL);
  if (!register_all (b, error))
    {
      bkp_unref (b);
      return OCC_LOAD_FAILED;
    }
  occ_bus_subscribe (occ_plugin_get_bus (plugin), plugin, OCC_EVENT_CORE_STOPPING, on_stopping, b,
                     NULL, NULL);
  occ_plugin_set_user_data (plugin, b);
  /* copies left over from before a restart, then what is due */
  bkp_copy_to_targets (b);
  schedule (b);
  return OCC_LOAD_OK;
}

static void
backup_unload (OccPlugin *plugin)
{
  Backup *b = occ_plugin_get_user_data (plugin);
  if (b->work)
    {
      g_autoptr (GError) e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_FAILED,
                                          "the backup plugin is unloading");
      bkp_answer_error (b->work, e);
      if (b->holding)
        occ_plugin_release (plugin);
      b->holding = FALSE;
      /* its thread (or the store, or a target) still holds the work and a
       * reference: it frees both when it ends */
    }
  for (guint i = 0; i < b->targets->len; i++)
    ((Target *) b->targets->pdata[i])->retry_id = 0; /* the core removes its sources */
  b->schedule_id = 0;
  b->progress_id = 0;
  b->plugin = NULL;
  bkp_unref (b);
}

static const OccConfigKey backup_schema[] = {
  { "backup", "key-file", OCC_CONFIG_STRING, 0, 0,
    "file of 32 random bytes: the archives' encryption key (required)" },
  { "backup", "archive-dir", OCC_CONFIG_STRING, 0, 0,
    "local folder of archives and their catalogue (default: STATE/backup)" },
  { "backup", "database", OCC_CONFIG_BOOL, 0, 0,
    "include the store's online backup (default true)" },
  { "backup", "exclude", OCC_CONFIG_STRING_LIST, 0, 0, "globs of paths or names left out" },
  { "backup", "targets", OCC_CONFIG_STRING_LIST, 0, 0,
    "backup.target services the archives are copied to" },
  { "backup", "retry-seconds", OCC_CONFIG_INT, 1, 86400,
    "wait before copying again to a target that was down (default 300)" },
  { "source *", "path", OCC_CONFIG_STRING, 0, 0,
    "a folder to save, restored as NAME/ (config, recordings, prompts…)" },
  { NULL },
};

OCC_PLUGIN_DEFINE (.name = "backup", .version = "1.0",
                   .summary = "Scheduled encrypted backups, copies to targets, verify and restore",
                   .license = "GPL-3.0-or-later",
                   .after = OCC_LIST ("plugin:store-*", "plugin:audit", "plugin:backup-*"),
                   .config_schema = backup_schema, .load = backup_load, .unload = backup_unload);
