/* See target-fixture.h. */
#include "target-fixture.h"

#include "config.h"
#include "loader.h"
#include "peers.h"
#include "registry.h"
#include "testlib.h"

#include <string.h>

static BkTestSite *
site_new (const char *plugin, const char *plugin_conf)
{
  BkTestSite *site = g_new0 (BkTestSite, 1);
  site->dir = occ_test_mkdtemp ();
  g_autofree char *conf = g_strdup_printf ("[core]\nplugin-path=%s/backup\nstate-dir=state\n"
                                           "policy-dir=%s/policies\n",
                                           PLUGIN_BUILD_DIR, SOURCE_ROOT);
  occ_test_write (site->dir, "omnicc.conf", conf);
  g_autofree char *file = g_strconcat ("plugins.d/", plugin, ".conf", NULL);
  occ_test_write (site->dir, file, plugin_conf);
  g_autofree char *path = g_build_filename (site->dir, "omnicc.conf", NULL);
  g_autoptr (GError) error = NULL;
  OccConfig *config = occ_config_load (path, &error);
  g_assert_no_error (error);
  site->ctx = occ_context_new (config);
  const char *const paths[] = { PLUGIN_BUILD_DIR "/backup", NULL };
  occ_loader_scan (site->ctx->loader, paths);
  return site;
}

BkTestSite *
bk_test_site_new (const char *plugin, const char *plugin_conf)
{
  BkTestSite *site = site_new (plugin, plugin_conf);
  g_autoptr (GError) error = NULL;
  g_assert_true (occ_loader_load (site->ctx->loader, plugin, &error));
  g_assert_no_error (error);
  return site;
}

GError *
bk_test_site_load_error (const char *plugin, const char *plugin_conf)
{
  g_autoptr (BkTestSite) site = site_new (plugin, plugin_conf);
  GError *error = NULL;
  /* the loader warns of the failure it is expected to report; every
   * other test keeps warnings fatal */
  GLogLevelFlags fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  if (occ_loader_load (site->ctx->loader, plugin, &error))
    g_assert_no_error (error);
  g_log_set_always_fatal (fatal);
  return error;
}

void
bk_test_site_free (BkTestSite *site)
{
  occ_context_free (site->ctx);
  occ_test_rmtree (site->dir);
  g_free (site->dir);
  g_free (site);
}

const OccBackupTargetService *
bk_test_site_target (BkTestSite *site, const char *name)
{
  g_autofree char *service = g_strconcat (OCC_BACKUP_TARGET_SERVICE_PREFIX, name, NULL);
  g_autoptr (GError) error = NULL;
  const OccBackupTargetService *t
      = occ_registry_lookup (site->ctx->registry, service, OCC_BACKUP_TARGET_VERSION, &error);
  g_assert_no_error (error);
  g_assert_nonnull (t);
  return t;
}

void
bk_test_call_init (BkTestCall *call)
{
  memset (call, 0, sizeof *call);
  call->first_done = G_MAXUINT64;
}

void
bk_test_call_clear (BkTestCall *call)
{
  g_clear_pointer (&call->result, g_variant_unref);
  g_clear_error (&call->error);
}

void
bk_test_call_done (GVariant *result, const GError *error, gpointer data)
{
  BkTestCall *call = data;
  g_assert_false (call->done);
  call->done = TRUE;
  call->result = result ? g_variant_ref (result) : NULL;
  call->error = error ? g_error_copy (error) : NULL;
}

void
bk_test_call_progress (guint64 done, guint64 total, gpointer data)
{
  BkTestCall *call = data;
  g_assert_cmpuint (done, <=, total);
  if (call->first_done == G_MAXUINT64)
    call->first_done = done;
  call->last_done = done;
  if (call->on_progress)
    call->on_progress (done, total, call->on_progress_data);
}

static gboolean
call_is_done (gpointer data)
{
  return ((BkTestCall *) data)->done;
}

void
bk_test_call_wait (BkTestCall *call)
{
  g_assert_true (occ_test_poll_until (call_is_done, call, 60000));
}

GError *
bk_test_put (const OccBackupTargetService *t, const char *path, const char *name, BkTestCall *call)
{
  t->put (t, path, name, NULL, bk_test_call_progress, call, bk_test_call_done, call);
  g_assert_false (call->done); /* never before the call returns */
  bk_test_call_wait (call);
  return g_steal_pointer (&call->error);
}

char *
bk_test_list_names (const OccBackupTargetService *t)
{
  BkTestCall call;
  bk_test_call_init (&call);
  t->list (t, NULL, bk_test_call_done, &call);
  bk_test_call_wait (&call);
  g_assert_no_error (call.error);
  GString *names = g_string_new (NULL);
  GVariantIter iter;
  const char *name;
  gint64 size, mtime;
  g_variant_iter_init (&iter, call.result);
  while (g_variant_iter_next (&iter, "(&sxx)", &name, &size, &mtime))
    g_string_append_printf (names, "%s%s", names->len ? "," : "", name);
  bk_test_call_clear (&call);
  return g_string_free (names, FALSE);
}

char *
bk_test_make_file (const char *dir, const char *name, gsize size, guint32 seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  g_autofree guint32 *data = g_new (guint32, size / 4 + 1);
  for (gsize i = 0; i < size / 4 + 1; i++)
    data[i] = g_rand_int (rand);
  char *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, (const char *) data, size, NULL));
  return path;
}

void
bk_test_assert_same_file (const char *a, const char *b)
{
  g_autofree char *da = NULL, *db = NULL;
  gsize la = 0, lb = 0;
  g_assert_true (g_file_get_contents (a, &da, &la, NULL));
  g_assert_true (g_file_get_contents (b, &db, &lb, NULL));
  g_assert_cmpmem (da, la, db, lb);
}

void
bk_test_round_trip (const OccBackupTargetService *t, const char *scratch)
{
  g_autofree char *one = bk_test_make_file (scratch, "one", 300 * 1000, 1);
  g_autofree char *two = bk_test_make_file (scratch, "two", 70 * 1000, 2);
  BkTestCall call;
  bk_test_call_init (&call);
  g_autoptr (GError) error = bk_test_put (t, one, "full-1.tar.zst", &call);
  g_assert_no_error (error);
  g_assert_cmpuint (call.first_done, >, 0);
  g_assert_cmpuint (call.last_done, ==, 300 * 1000);
  bk_test_call_init (&call);
  error = bk_test_put (t, two, "diff-2.tar.zst", &call);
  g_assert_no_error (error);
  g_autofree char *names = bk_test_list_names (t);
  g_assert_cmpstr (names, ==, "diff-2.tar.zst,full-1.tar.zst");

  /* get: byte-identical */
  g_autofree char *back = g_build_filename (scratch, "back", NULL);
  bk_test_call_init (&call);
  t->get (t, "full-1.tar.zst", back, NULL, NULL, NULL, bk_test_call_done, &call);
  bk_test_call_wait (&call);
  g_assert_no_error (call.error);
  bk_test_assert_same_file (one, back);

  /* put again under the same name: replaced */
  bk_test_call_init (&call);
  error = bk_test_put (t, two, "full-1.tar.zst", &call);
  g_assert_no_error (error);
  bk_test_call_init (&call);
  t->get (t, "full-1.tar.zst", back, NULL, NULL, NULL, bk_test_call_done, &call);
  bk_test_call_wait (&call);
  g_assert_no_error (call.error);
  bk_test_assert_same_file (two, back);

  /* delete; then get and delete say NOT_FOUND */
  bk_test_call_init (&call);
  t->delete (t, "diff-2.tar.zst", NULL, bk_test_call_done, &call);
  bk_test_call_wait (&call);
  g_assert_no_error (call.error);
  g_free (names);
  names = bk_test_list_names (t);
  g_assert_cmpstr (names, ==, "full-1.tar.zst");
  bk_test_call_init (&call);
  t->get (t, "diff-2.tar.zst", back, NULL, NULL, NULL, bk_test_call_done, &call);
  bk_test_call_wait (&call);
  g_assert_error (call.error, OCC_BACKUP_TARGET_ERROR, OCC_BACKUP_TARGET_ERROR_NOT_FOUND);
  bk_test_call_clear (&call);

  /* a name that would leave the folder is refused */
  bk_test_call_init (&call);
  error = bk_test_put (t, two, "../escape", &call);
  g_assert_error (error, OCC_BACKUP_TARGET_ERROR, OCC_BACKUP_TARGET_ERROR_INVALID);

  /* free space: a number, or -1 */
  bk_test_call_init (&call);
  t->free_space (t, NULL, bk_test_call_done, &call);
  bk_test_call_wait (&call);
  g_assert_no_error (call.error);
  g_assert_cmpint (g_variant_get_int64 (call.result), >=, -1);
  bk_test_call_clear (&call);
}
