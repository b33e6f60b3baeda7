/* The backup-sftp target plugin, loaded through the core from the build
 * tree, against a private sshd on 127.0.0.1 (tests/lib/sshd-peer.h): the
 * whole service, an upload cut by the server's death and resumed, a wrong
 * host key and an unknown client key refused, a stopped server down. */
#include "sshd-peer.h"
#include "target-fixture.h"
#include "testlib.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

typedef struct {
  OccTestSshd *sshd;
  char *scratch;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  f->sshd = occ_test_sshd_start ();
  g_assert_nonnull (f->sshd);
  f->scratch = occ_test_mkdtemp ();
}

static void
teardown (Fixture *f, gconstpointer data)
{
  occ_test_sshd_free (f->sshd);
  occ_test_rmtree (f->scratch);
  g_free (f->scratch);
}

/* A site whose target "offsite" logs in with @key and checks the host
 * key against @known_hosts. */
static BkTestSite *
site_for (Fixture *f, const char *key, const char *known_hosts)
{
  g_autofree char *conf
      = g_strdup_printf ("[target offsite]\nhost=127.0.0.1\nport=%d\n"
                         "user=%s\nidentity=%s\nknown-hosts=%s\npath=%s\n"
                         "timeout=10\n",
                         f->sshd->port, f->sshd->user, key, known_hosts, f->sshd->root);
  return bk_test_site_new ("backup-sftp", conf);
}

static void
test_round_trip (Fixture *f, gconstpointer data)
{
  g_autoptr (BkTestSite) site = site_for (f, f->sshd->client_key, f->sshd->known_hosts);
  const OccBackupTargetService *t = bk_test_site_target (site, "offsite");
  g_assert_cmpuint (t->get_retention_days (t), >=, 5 * 365); /* remote by default */
  bk_test_round_trip (t, f->scratch);
  g_autofree char *kept = g_build_filename (f->sshd->root, "full-1.tar.zst", NULL);
  g_assert_true (g_file_test (kept, G_FILE_TEST_IS_REGULAR));
}

typedef struct {
  OccTestSshd *sshd;
  guint64 at;
  gint crashed;
} Crash;

/* In the worker thread: the server dies once @at bytes are across. */
static void
crash_at (guint64 done, guint64 total, gpointer data)
{
  Crash *c = data;
  if (done >= c->at && g_atomic_int_compare_and_exchange (&c->crashed, 0, 1))
    occ_test_sshd_crash (c->sshd);
}

static void
test_cut_upload_resumes (Fixture *f, gconstpointer data)
{
  g_autoptr (BkTestSite) site = site_for (f, f->sshd->client_key, f->sshd->known_hosts);
  const OccBackupTargetService *t = bk_test_site_target (site, "offsite");
  const gsize size = 8 * 1024 * 1024;
  g_autofree char *big = bk_test_make_file (f->scratch, "big", size, 11);

  Crash crash = { f->sshd, 2 * 1024 * 1024, 0 };
  BkTestCall call;
  bk_test_call_init (&call);
  call.on_progress = crash_at;
  call.on_progress_data = &crash;
  g_autoptr (GError) error = bk_test_put (t, big, "full-7", &call);
  g_assert_true (g_atomic_int_get (&crash.crashed));
  g_assert_error (error, OCC_BACKUP_TARGET_ERROR, OCC_BACKUP_TARGET_ERROR_DOWN);
  occ_test_sshd_stop (f->sshd);

  /* the server keeps a partial copy of at least what it acknowledged,
   * and nothing that looks complete */
  g_autofree char *partial = g_build_filename (f->sshd->root, ".full-7.partial", NULL);
  GStatBuf st;
  g_assert_cmpint (g_stat (partial, &st), ==, 0);
  g_assert_cmpint (st.st_size, >=, crash.at);
  g_assert_cmpint (st.st_size, <, size);
  g_assert_true (occ_test_sshd_restart (f->sshd));
  g_autofree char *names = bk_test_list_names (t);
  g_assert_cmpstr (names, ==, "");

  /* the next put continues where the copy stopped */
  bk_test_call_init (&call);
  g_clear_error (&error);
  error = bk_test_put (t, big, "full-7", &call);
  g_assert_no_error (error);
  g_assert_cmpuint (call.first_done, ==, st.st_size);
  g_assert_cmpuint (call.last_done, ==, size);
  g_autofree char *kept = g_build_filename (f->sshd->root, "full-7", NULL);
  bk_test_assert_same_file (big, kept);
  g_assert_false (g_file_test (partial, G_FILE_TEST_EXISTS));
}

static void
assert_put_fails (const OccBackupTargetService *t, const char *scratch, int code, const char *words)
{
  g_autofree char *file = bk_test_make_file (scratch, "small", 1000, 3);
  BkTestCall call;
  bk_test_call_init (&call);
  g_autoptr (GError) error = bk_test_put (t, file, "full-1", &call);
  g_assert_error (error, OCC_BACKUP_TARGET_ERROR, code);
  g_assert_nonnull (strstr (error->message, words));
  g_assert_cmpuint (call.first_done, ==, G_MAXUINT64); /* not a byte sent */
}

static void
test_wrong_host_key_is_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (BkTestSite) site = site_for (f, f->sshd->client_key, f->sshd->wrong_known_hosts);
  const OccBackupTargetService *t = bk_test_site_target (site, "offsite");
  assert_put_fails (t, f->scratch, OCC_BACKUP_TARGET_ERROR_REFUSED, "host key");
  g_autofree char *partial = g_build_filename (f->sshd->root, ".full-1.partial", NULL);
  g_assert_false (g_file_test (partial, G_FILE_TEST_EXISTS));
}

static void
test_unknown_client_key_is_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (BkTestSite) site = site_for (f, f->sshd->other_key, f->sshd->known_hosts);
  const OccBackupTargetService *t = bk_test_site_target (site, "offsite");
  assert_put_fails (t, f->scratch, OCC_BACKUP_TARGET_ERROR_REFUSED, "refused the key");
}

static void
test_stopped_server_is_down (Fixture *f, gconstpointer data)
{
  g_autoptr (BkTestSite) site = site_for (f, f->sshd->client_key, f->sshd->known_hosts);
  const OccBackupTargetService *t = bk_test_site_target (site, "offsite");
  occ_test_sshd_stop (f->sshd);
  assert_put_fails (t, f->scratch, OCC_BACKUP_TARGET_ERROR_DOWN, "cannot connect");
  BkTestCall call;
  bk_test_call_init (&call);
  t->free_space (t, NULL, bk_test_call_done, &call);
  bk_test_call_wait (&call);
  g_assert_true (occ_backup_target_error_is_down (call.error));
  bk_test_call_clear (&call);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* as omniccd does: a peer that dies mid-write is an error, not a signal */
  signal (SIGPIPE, SIG_IGN);
  g_test_add ("/backup/sftp/puts-lists-gets-and-deletes", Fixture, NULL, setup, test_round_trip,
              teardown);
  g_test_add ("/backup/sftp/upload-cut-by-the-server-resumes", Fixture, NULL, setup,
              test_cut_upload_resumes, teardown);
  g_test_add ("/backup/sftp/wrong-host-key-is-refused", Fixture, NULL, setup,
              test_wrong_host_key_is_refused, teardown);
  g_test_add ("/backup/sftp/unknown-client-key-is-refused", Fixture, NULL, setup,
              test_unknown_client_key_is_refused, teardown);
  g_test_add ("/backup/sftp/stopped-server-is-down", Fixture, NULL, setup,
              test_stopped_server_is_down, teardown);
  return g_test_run ();
}
