/* backup: copies of the archives to the backup.target services, one call
 * at a time per target, and each target's retention; see plugin.h. */
#include "plugin.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* --- copies to the targets ------------------------------------------------ */

static void target_step (Target *t);

static gboolean
target_retry (gpointer data)
{
  Target *t = data;
  t->retry_id = 0;
  target_step (t);
  return G_SOURCE_REMOVE;
}

static void
target_down (Target *t, const char *reason)
{
  Backup *b = t->b;
  if (!t->down || g_strcmp0 (t->reason, reason) != 0)
    {
      g_warning ("backup target %s is down: %s (copies wait; retry in %u s)", t->name, reason,
                 b->retry_seconds);
      bkp_publish (b, OCC_EVENT_BACKUP_TARGET_DOWN, g_variant_new ("(ss)", t->name, reason));
    }
  t->down = TRUE;
  g_free (t->reason);
  t->reason = g_strdup (reason);
  t->busy = FALSE;
  g_ptr_array_set_size (t->puts, 0);
  g_ptr_array_set_size (t->deletes, 0);
  if (t->retry_id == 0 && b->plugin)
    t->retry_id
        = occ_plugin_timeout_add (b->plugin, b->retry_seconds * 1000, target_retry, t, NULL);
}

const OccBackupTargetService *
bkp_target_service (Target *t)
{
  g_autofree char *service = g_strconcat (OCC_BACKUP_TARGET_SERVICE_PREFIX, t->name, NULL);
  return occ_service_lookup (t->b->plugin, service, OCC_BACKUP_TARGET_VERSION, NULL);
}

/* A target's answer, after the Backup may have been unloaded. */
typedef struct {
  Backup *b;
  Target *t;
  char *id;
} TargetCall;

static TargetCall *
target_call (Target *t, const char *id)
{
  TargetCall *c = g_new0 (TargetCall, 1);
  c->b = bkp_ref (t->b);
  c->t = t;
  c->id = g_strdup (id);
  return c;
}

/* Ends a target call: FALSE when nothing more is to be done (the plugin
 * is gone, or the target answered DOWN: announced, retried later). @id
 * (optional) receives the archive ID the call was about. */
static gboolean
target_answered (TargetCall *c, const GError *error, char **id)
{
  gboolean alive = c->b->plugin != NULL;
  Target *t = c->t;
  if (id)
    *id = g_steal_pointer (&c->id);
  bkp_unref (c->b);
  g_free (c->id);
  g_free (c);
  if (alive && occ_backup_target_error_is_down (error))
    {
      target_down (t, error->message);
      return FALSE;
    }
  return alive;
}

/* A put (@copied) or a delete answered. */
static void
target_changed (Target *t, const char *id, gboolean copied, const GError *error)
{
  Backup *b = t->b;
  const char *what = copied ? "copying" : "deleting";
  if (error)
    {
      g_warning ("backup: %s %s (target %s) failed: %s", what, id, t->name, error->message);
      if (copied)
        bkp_publish (b, EV_COPY_FAILED, g_variant_new ("(sss)", id, t->name, error->message));
      bkp_audit (
          b, NULL, copied ? "backup.copy" : "backup.prune", id, OCC_AUDIT_FAILURE,
          g_variant_new_parsed ("{'target': <%s>, 'reason': <%s>}", t->name, error->message));
    }
  else if (copied)
    {
      g_hash_table_add (t->present, g_strdup (id));
      bkp_publish (b, EV_COPIED, g_variant_new ("(ss)", id, t->name));
      bkp_store_write (
          b, "INSERT INTO backup_copy (archive_id, target, copied_at) VALUES ($1, $2, $3)",
          g_variant_new ("(ssx)", id, t->name, g_get_real_time () / 1000));
      bkp_audit (b, NULL, "backup.copy", id, OCC_AUDIT_SUCCESS,
                 g_variant_new_parsed ("{'target': <%s>}", t->name));
    }
  else
    {
      g_hash_table_remove (t->present, id);
      bkp_store_write (b, "DELETE FROM backup_copy WHERE archive_id = $1 AND target = $2",
                       g_variant_new ("(ss)", id, t->name));
      bkp_publish (b, EV_PRUNED, g_variant_new ("(ss)", t->name, id));
      bkp_audit (b, NULL, "backup.prune", id, OCC_AUDIT_SUCCESS,
                 g_variant_new_parsed ("{'target': <%s>}", t->name));
    }
  target_step (t);
}

static void
put_done (GVariant *result, const GError *error, gpointer data)
{
  (void) result;
  Target *t = ((TargetCall *) data)->t;
  g_autofree char *id = NULL;
  if (target_answered (data, error, &id))
    target_changed (t, id, TRUE, error);
}

static void
delete_done (GVariant *result, const GError *error, gpointer data)
{
  (void) result;
  Target *t = ((TargetCall *) data)->t;
  g_autofree char *id = NULL;
  if (target_answered (data, error, &id))
    target_changed (t, id, FALSE, error);
}

/* Which archives the target should hold: what it has plus what is here,
 * pruned by its retention. Fills t->puts (oldest first: a full before its
 * differentials) and t->deletes. */
static void
plan_target (Target *t, const OccBackupTargetService *svc)
{
  Backup *b = t->b;
  g_autoptr (GError) e = NULL;
  g_autoptr (GPtrArray) local = occ_backup_catalogue_load (b->dir, &e);
  if (local == NULL)
    {
      g_warning ("backup: %s", e->message);
      return;
    }
  g_autoptr (GHashTable) base_of = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) here = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < local->len; i++)
    {
      OccBackupCatalogueEntry *c = local->pdata[i];
      g_hash_table_insert (here, c->id, c);
      if (c->base_id)
        g_hash_table_insert (base_of, c->id, c->base_id);
    }
  g_autoptr (GPtrArray) ids = g_ptr_array_new ();
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init (&it, t->present);
  while (g_hash_table_iter_next (&it, &key, NULL))
    g_ptr_array_add (ids, key);
  for (guint i = 0; i < local->len; i++)
    if (!g_hash_table_contains (t->present, ((OccBackupCatalogueEntry *) local->pdata[i])->id))
      g_ptr_array_add (ids, ((OccBackupCatalogueEntry *) local->pdata[i])->id);
  /* IDs sort by time ("20270101T…"): a full before its differentials */
  g_ptr_array_sort (ids, bk_job_compare_ids);
  g_autofree BkArchive *arch = g_new0 (BkArchive, MAX (ids->len, 1u));
  for (guint i = 0; i < ids->len; i++)
    {
      const char *id = ids->pdata[i];
      OccBackupKind k = OCC_BACKUP_FULL;
      bk_job_parse_id (id, &arch[i].time, &k);
      arch[i].name = id;
      arch[i].kind = k == OCC_BACKUP_FULL ? BK_RUN_FULL : BK_RUN_DIFFERENTIAL;
      arch[i].base = g_hash_table_lookup (base_of, id);
      for (guint j = i; k == OCC_BACKUP_DIFFERENTIAL && arch[i].base == NULL && j-- > 0;)
        if (arch[j].kind == BK_RUN_FULL)
          arch[i].base = arch[j].name;
    }
  g_autofree gboolean *drop
      = bk_retention_prune (arch, ids->len, svc->get_retention_days (svc), bkp_now ());
  for (guint i = 0; i < ids->len; i++)
    {
      gboolean there = g_hash_table_contains (t->present, arch[i].name);
      if (drop[i] && there)
        g_ptr_array_add (t->deletes, g_strdup (arch[i].name));
      else if (!drop[i] && !there && g_hash_table_contains (here, arch[i].name))
        g_ptr_array_add (t->puts, g_strdup (arch[i].name));
    }
}

static void
listed (GVariant *result, const GError *error, gpointer data)
{
  Target *t = ((TargetCall *) data)->t;
  if (!target_answered (data, error, NULL))
    return;
  if (error)
    {
      g_warning ("backup: listing target %s failed: %s", t->name, error->message);
      t->busy = FALSE;
      return;
    }
  if (t->down)
    g_message ("backup target %s is up again", t->name);
  t->down = FALSE;
  g_clear_pointer (&t->reason, g_free);
  g_hash_table_remove_all (t->present);
  GVariantIter it;
  const char *name;
  g_variant_iter_init (&it, result);
  while (g_variant_iter_next (&it, "(&sxx)", &name, NULL, NULL))
    {
      char *id = bkp_id_of_name (name);
      if (id)
        g_hash_table_add (t->present, id);
    }
  const OccBackupTargetService *svc = bkp_target_service (t);
  if (svc)
    plan_target (t, svc);
  target_step (t);
}

/* The next call of the target's pass: list, then puts, then deletes. */
static void
target_step (Target *t)
{
  Backup *b = t->b;
  if (b->plugin == NULL)
    return;
  const OccBackupTargetService *svc = bkp_target_service (t);
  if (svc == NULL)
    {
      g_autofree char *why = g_strdup_printf (
          "no service backup.target/%s: is the plugin that provides it enabled?", t->name);
      target_down (t, why);
      return;
    }
  if (!t->busy)
    {
      t->busy = TRUE;
      svc->list (svc, NULL, listed, target_call (t, NULL));
      return;
    }
  if (t->puts->len > 0)
    {
      g_autofree char *id = g_ptr_array_steal_index (t->puts, 0);
      g_autofree char *file = bkp_archive_name (id);
      g_autofree char *path = g_build_filename (b->dir, file, NULL);
      svc->put (svc, path, file, NULL, NULL, NULL, put_done, target_call (t, id));
      return;
    }
  if (t->deletes->len > 0)
    {
      g_autofree char *id = g_ptr_array_steal_index (t->deletes, 0);
      g_autofree char *file = bkp_archive_name (id);
      svc->delete (svc, file, NULL, delete_done, target_call (t, id));
      return;
    }
  t->busy = FALSE;
  if (t->again)
    {
      t->again = FALSE;
      target_step (t);
    }
}

void
bkp_copy_to_targets (Backup *b)
{
  for (guint i = 0; i < b->targets->len; i++)
    {
      Target *t = b->targets->pdata[i];
      if (t->retry_id)
        {
          g_source_remove (t->retry_id);
          t->retry_id = 0;
        }
      if (t->busy)
        t->again = TRUE;
      else
        target_step (t);
    }
}

GVariant *
bkp_target_states (Backup *b)
{
  GVariantBuilder tb;
  g_variant_builder_init (&tb, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < b->targets->len; i++)
    {
      Target *t = b->targets->pdata[i];
      GVariantDict d;
      g_variant_dict_init (&d, NULL);
      g_variant_dict_insert (&d, "name", "s", t->name);
      g_variant_dict_insert (&d, "state", "s", t->down ? "down" : t->busy ? "copying" : "up");
      if (t->reason)
        g_variant_dict_insert (&d, "reason", "s", t->reason);
      g_variant_dict_insert (&d, "archives", "u", g_hash_table_size (t->present));
      g_variant_builder_add_value (&tb, g_variant_dict_end (&d));
    }
  return g_variant_builder_end (&tb);
}
