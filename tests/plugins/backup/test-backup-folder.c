/* The backup-folder target plugin, loaded through the core from the build
 * tree: the whole service, resumed and verified uploads, a missing folder
 * reported as down, its config. */
#include "target-fixture.h"
#include "testlib.h"

#include <glib/gstdio.h>
#include <string.h>

typedef struct {
  char *scratch; /* local files */
  char *store;   /* the target's folder */
  BkTestSite *site;
  const OccBackupTargetService *target;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  f->scratch = occ_test_mkdtemp ();
  f->store = occ_test_mkdtemp ();
  g_autofree char *conf = g_strdup_printf ("[target nas]\npath=%s\nkind=local\n", f->store);
  f->site = bk_test_site_new ("backup-folder", conf);
  f->target = bk_test_site_target (f->site, "nas");
}

static void
teardown (Fixture *f, gconstpointer data)
{
  bk_test_site_free (f->site);
  occ_test_rmtree (f->scratch);
  occ_test_rmtree (f->store);
  g_free (f->scratch);
  g_free (f->store);
}

static void
test_round_trip (Fixture *f, gconstpointer data)
{
  g_assert_cmpstr (f->target->get_name (f->target), ==, "nas");
  g_assert_cmpuint (f->target->get_retention_days (f->target), ==, 365);
  bk_test_round_trip (f->target, f->scratch);
  /* the archive is a plain file in the folder, no partial copy left */
  g_autofree char *kept = g_build_filename (f->store, "full-1.tar.zst", NULL);
  g_assert_true (g_file_test (kept, G_FILE_TEST_IS_REGULAR));
  g_autofree char *partial = g_build_filename (f->store, ".full-1.tar.zst.partial", NULL);
  g_assert_false (g_file_test (partial, G_FILE_TEST_EXISTS));
}

static void
cancel_at_half (guint64 done, guint64 total, gpointer data)
{
  if (done >= total / 2)
    g_cancellable_cancel (data);
}

static void
test_interrupted_upload_resumes (Fixture *f, gconstpointer data)
{
  const gsize size = 4 * 1024 * 1024;
  g_autofree char *big = bk_test_make_file (f->scratch, "big", size, 7);
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  BkTestCall call;
  bk_test_call_init (&call);
  call.on_progress = cancel_at_half;
  call.on_progress_data = cancel;
  f->target->put (f->target, big, "full-9", cancel, bk_test_call_progress, &call, bk_test_call_done,
                  &call);
  bk_test_call_wait (&call);
  g_assert_error (call.error, OCC_BACKUP_TARGET_ERROR, OCC_BACKUP_TARGET_ERROR_CANCELLED);
  bk_test_call_clear (&call);
  /* nothing looks complete; the partial copy holds the first half */
  g_autofree char *names = bk_test_list_names (f->target);
  g_assert_cmpstr (names, ==, "");
  g_autofree char *partial = g_build_filename (f->store, ".full-9.partial", NULL);
  GStatBuf st;
  g_assert_cmpint (g_stat (partial, &st), ==, 0);
  g_assert_cmpint (st.st_size, >=, size / 2);

  /* the next put continues from there */
  bk_test_call_init (&call);
  g_autoptr (GError) error = bk_test_put (f->target, big, "full-9", &call);
  g_assert_no_error (error);
  g_assert_cmpuint (call.first_done, ==, st.st_size);
  g_assert_cmpuint (call.last_done, ==, size);
  g_autofree char *kept = g_build_filename (f->store, "full-9", NULL);
  bk_test_assert_same_file (big, kept);
  g_assert_false (g_file_test (partial, G_FILE_TEST_EXISTS));
}

static void
test_partial_of_other_bytes_is_dropped (Fixture *f, gconstpointer data)
{
  g_autofree char *file = bk_test_make_file (f->scratch, "file", 200 * 1000, 3);
  /* a partial copy left by another archive of the same name */
  g_autofree char *other = bk_test_make_file (f->store, ".full-3.partial", 50 * 1000, 4);
  BkTestCall call;
  bk_test_call_init (&call);
  g_autoptr (GError) error = bk_test_put (f->target, file, "full-3", &call);
  g_assert_error (error, OCC_BACKUP_TARGET_ERROR, OCC_BACKUP_TARGET_ERROR_CORRUPT);
  g_assert_false (g_file_test (other, G_FILE_TEST_EXISTS));
  g_autofree char *names = bk_test_list_names (f->target);
  g_assert_cmpstr (names, ==, "");
  /* and the next put starts over and succeeds */
  g_clear_error (&error);
  bk_test_call_init (&call);
  error = bk_test_put (f->target, file, "full-3", &call);
  g_assert_no_error (error);
  g_assert_cmpuint (call.first_done, <, 200 * 1000);
  g_free (names);
  names = bk_test_list_names (f->target);
  g_assert_cmpstr (names, ==, "full-3");
}

static void
test_missing_folder_is_down (Fixture *f, gconstpointer data)
{
  g_autofree char *file = bk_test_make_file (f->scratch, "file", 1000, 5);
  occ_test_rmtree (f->store); /* the share is not mounted */
  BkTestCall call;
  bk_test_call_init (&call);
  g_autoptr (GError) error = bk_test_put (f->target, file, "full-1", &call);
  g_assert_error (error, OCC_BACKUP_TARGET_ERROR, OCC_BACKUP_TARGET_ERROR_DOWN);
  g_assert_true (occ_backup_target_error_is_down (error));
  g_assert_nonnull (strstr (error->message, f->store));
  bk_test_call_init (&call);
  f->target->list (f->target, NULL, bk_test_call_done, &call);
  bk_test_call_wait (&call);
  g_assert_true (occ_backup_target_error_is_down (call.error));
  bk_test_call_clear (&call);
}

static void
test_config (void)
{
  g_autoptr (BkTestSite) site = bk_test_site_new (
      "backup-folder", "[target a]\npath=/tmp/a\n[target b]\npath=/tmp/b\nretention-days=42\n");
  /* kind defaults to remote: the policy's remote retention, over 5 years */
  g_assert_cmpuint (
      bk_test_site_target (site, "a")->get_retention_days (bk_test_site_target (site, "a")), >=,
      5 * 365);
  g_assert_cmpuint (
      bk_test_site_target (site, "b")->get_retention_days (bk_test_site_target (site, "b")), ==,
      42);
  g_autoptr (GError) error = bk_test_site_load_error ("backup-folder", "[target a]\nkind=local\n");
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "path"));
  g_clear_error (&error);
  error = bk_test_site_load_error ("backup-folder", "[target a]\npath=relative\n");
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "absolute"));
  g_clear_error (&error);
  error = bk_test_site_load_error ("backup-folder", "[target a]\npath=/x\nkind=elsewhere\n");
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "kind"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/backup/folder/puts-lists-gets-and-deletes", Fixture, NULL, setup, test_round_trip,
              teardown);
  g_test_add ("/backup/folder/interrupted-upload-resumes", Fixture, NULL, setup,
              test_interrupted_upload_resumes, teardown);
  g_test_add ("/backup/folder/partial-copy-of-other-bytes-is-dropped", Fixture, NULL, setup,
              test_partial_of_other_bytes_is_dropped, teardown);
  g_test_add ("/backup/folder/missing-folder-is-down", Fixture, NULL, setup,
              test_missing_folder_is_down, teardown);
  g_test_add_func ("/backup/folder/config-per-target", test_config);
  return g_test_run ();
}
