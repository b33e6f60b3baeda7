/* The backup archive core (plugins/backup): a 4-week schedule on a
 * virtual clock restored at several dates, tampering, a killed writer, a
 * full disk, and bad input (unreadable, changing, non-UTF-8 names,
 * symlink loops). Real files, real libarchive/zstd/libsodium. */
#include "backup-core.h"
#include "sha256.h"
#include "testlib.h"
#include "tree.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define DAY (24 * 3600)
#define T0 G_GINT64_CONSTANT (1798761600) /* 2027-01-01 00:00 UTC */

static const guint8 test_key[32]
    = { 1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
        17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };

typedef struct {
  char *top;  /* temporary folder */
  char *tree; /* top/tree: what is saved */
  char *dir;  /* top/archives */
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->top = occ_test_mkdtemp ();
  f->tree = g_build_filename (f->top, "tree", NULL);
  f->dir = g_build_filename (f->top, "archives", NULL);
  g_assert_cmpint (g_mkdir_with_parents (f->tree, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (f->dir, 0755), ==, 0);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  occ_test_rmtree (f->top);
  g_free (f->top);
  g_free (f->tree);
  g_free (f->dir);
}

static void
put_text (const char *root, const char *rel, const char *text, guint mode, gint64 mtime)
{
  bk_tree_write (root, rel, text, strlen (text), mode, mtime);
}

static void
put_recording (const char *root, const char *rel, guint32 seed, gint64 mtime)
{
  gsize len = 20000 + seed % 7 * 3000;
  g_autofree guint8 *b = bk_tree_noise (seed, len);
  bk_tree_write (root, rel, b, len, 0640, mtime);
}

/* A full of the fixture's tree at T0, with a progress callback. */
static OccBackupOptions
full_at_t0 (Fixture *f, OccBackupProgress progress, gpointer user_data)
{
  OccBackupOptions o
      = { .root = f->tree, .dir = f->dir, .key = test_key, .now = T0, .kind = OCC_BACKUP_FULL };
  o.progress = progress;
  o.user_data = user_data;
  return o;
}

static OccBackupResult *
run_backup (Fixture *f, OccBackupKind kind, const OccBackupManifest *base, gint64 now)
{
  OccBackupOptions o
      = { .root = f->tree, .dir = f->dir, .key = test_key, .now = now, .kind = kind, .base = base };
  g_autoptr (GError) error = NULL;
  OccBackupResult *r = occ_backup_write (&o, &error);
  g_assert_no_error (error);
  g_assert_nonnull (r);
  g_assert_true (occ_backup_catalogue_add (f->dir, r, &error));
  g_assert_no_error (error);
  return r;
}

static void
set_times (const char *root, const char *rel, gint64 mtime)
{
  g_autofree char *p = g_build_filename (root, rel, NULL);
  struct timespec ts[2] = { { mtime, 0 }, { mtime, 0 } };
  g_assert_cmpint (utimensat (AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW), ==, 0);
}

/* The site's day: new recordings every day, a config edited every third
 * day (same size on day 5: only the mtime tells), a prompt deleted, a
 * policy's mode changed, a folder of the day. Folder mtimes are pinned
 * to the virtual clock too. */
static void
mutate (const char *root, int day, gint64 now)
{
  g_autofree char *rec = g_strdup_printf ("recordings/2027-01-%02d/call-%02d.wav", day + 1, day);
  put_recording (root, rec, (guint32) day + 100, now - 3600);
  if (day == 0)
    {
      put_text (root, "etc/omnicc.conf", "[core]\nstate-dir=/var/lib/omnicc\n", 0644, now - 7200);
      put_text (root, "etc/policies/backup.conf", "[backup]\nfull-every=14\n", 0600, now - 7200);
      put_text (root, "ivr/main.flow", "menu 1 sales\nmenu 2 support\n", 0644, now - 7200);
      put_recording (root, "prompts/welcome.wav", 7, now - 7200);
      put_recording (root, "prompts/closed.wav", 8, now - 7200);
      g_autofree char *link = g_build_filename (root, "prompts/default.wav", NULL);
      g_assert_cmpint (symlink ("welcome.wav", link), ==, 0);
    }
  if (day % 3 == 2)
    {
      g_autofree char *text = g_strdup_printf ("[queue sales]\nstrategy=fifo\nday=%02d\n", day);
      put_text (root, "etc/queues.conf", text, 0644, now - 1800);
    }
  if (day == 9)
    {
      g_autofree char *p = g_build_filename (root, "prompts/closed.wav", NULL);
      g_assert_cmpint (unlink (p), ==, 0);
    }
  if (day == 11 || day == 17)
    {
      g_autofree char *p = g_build_filename (root, "etc/policies/backup.conf", NULL);
      g_assert_cmpint (chmod (p, day == 11 ? 0640 : 0644), ==, 0);
      set_times (root, "etc/policies/backup.conf", now - 900);
    }
  if (day == 20)
    {
      g_autofree char *p = g_build_filename (root, "recordings/2027-01-16/call-15.wav", NULL);
      g_autofree char *q = g_build_filename (root, "recordings/2027-01-10/call-09.wav", NULL);
      g_assert_cmpint (unlink (p), ==, 0);
      g_assert_cmpint (unlink (q), ==, 0);
      set_times (root, "recordings/2027-01-10", now - 600);
      set_times (root, "recordings/2027-01-16", now - 600);
    }
  const char *dirs[] = { "", "etc", "etc/policies", "ivr", "prompts", "recordings" };
  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    set_times (root, dirs[i], now - 600);
  g_autofree char *today = g_strdup_printf ("recordings/2027-01-%02d", day + 1);
  set_times (root, today, now - 600);
}

static void
assert_restores (Fixture *f, OccBackupResult *full, OccBackupResult *diff, const char *expected,
                 int day)
{
  g_autofree char *target = g_strdup_printf ("%s/restore-%02d", f->top, day);
  g_autoptr (GError) error = NULL;
  gboolean done = occ_backup_restore (full->path, diff ? diff->path : NULL, test_key, target, NULL,
                                      NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (done);
  g_autofree char *got = bk_tree_snapshot (target);
  g_assert_cmpstr (got, ==, expected);
  occ_test_rmtree (target);
}

static gboolean
in_archive (const OccBackupManifest *m, const char *path)
{
  const OccBackupEntry *e = occ_backup_manifest_lookup (m, path);
  g_assert_nonnull (e);
  return e->in_archive;
}

static void
test_schedule_four_weeks (Fixture *f, gconstpointer data)
{
  OccBackupResult *runs[28] = { NULL };
  char *snaps[28] = { NULL };
  int full_of[28];
  for (int day = 0; day < 28; day++)
    {
      gint64 now = T0 + day * DAY + 3 * 3600; /* 03:00, the quiet hour */
      mutate (f->tree, day, now);
      gboolean full = day % 14 == 0;
      full_of[day] = full ? day : full_of[day - 1];
      runs[day] = run_backup (f, full ? OCC_BACKUP_FULL : OCC_BACKUP_DIFFERENTIAL,
                              full ? NULL : runs[full_of[day]]->manifest, now);
      g_assert_true (runs[day]->manifest->complete);
      snaps[day] = bk_tree_snapshot (f->tree);
    }
  /* changed since the last full, not since the last differential */
  OccBackupManifest *d20 = runs[20]->manifest;
  g_assert_cmpstr (d20->base_id, ==, runs[14]->manifest->id);
  g_assert_true (in_archive (d20, "recordings/2027-01-17/call-16.wav"));
  g_assert_true (in_archive (d20, "recordings/2027-01-21/call-20.wav"));
  g_assert_false (in_archive (d20, "recordings/2027-01-14/call-13.wav"));
  g_assert_false (in_archive (d20, "prompts/welcome.wav"));
  g_assert_true (in_archive (runs[5]->manifest, "etc/queues.conf"));
  g_assert_false (in_archive (runs[20]->manifest, "ivr/main.flow"));
  gboolean deleted = FALSE;
  for (guint i = 0; i < d20->deleted->len; i++)
    deleted |= g_strcmp0 (g_ptr_array_index (d20->deleted, i), "recordings/2027-01-10/call-09.wav")
               == 0;
  g_assert_true (deleted);
  g_assert_cmpuint (d20->deleted->len, ==, 1); /* call-15 came after the full */
  g_assert_null (occ_backup_manifest_lookup (d20, "recordings/2027-01-16/call-15.wav"));
  /* a differential holds much less than its full */
  g_assert_cmpuint (runs[15]->size * 4, <, runs[14]->size);

  int dates[] = { 0, 3, 9, 12, 13, 14, 17, 20, 27 };
  for (guint i = 0; i < G_N_ELEMENTS (dates); i++)
    {
      int day = dates[i];
      gboolean full = full_of[day] == day;
      assert_restores (f, runs[full_of[day]], full ? NULL : runs[day], snaps[day], day);
    }
  /* every archive verifies, and the catalogue lists each with its hash */
  g_autoptr (GPtrArray) cat = occ_backup_catalogue_load (f->dir, NULL);
  g_assert_cmpuint (cat->len, ==, 28);
  for (int day = 0; day < 28; day++)
    {
      g_autoptr (GError) error = NULL;
      gboolean done = occ_backup_verify (runs[day]->path, test_key, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (done);
      OccBackupCatalogueEntry *c = g_ptr_array_index (cat, day);
      g_assert_cmpstr (c->id, ==, runs[day]->manifest->id);
      g_autofree char *bytes = NULL;
      gsize len = 0;
      g_assert_true (g_file_get_contents (runs[day]->path, &bytes, &len, NULL));
      g_assert_cmpuint (c->size, ==, len);
      g_autofree char *hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *) bytes, len);
      GString *want = g_string_new (NULL);
      for (int k = 0; k < 32; k++)
        g_string_append_printf (want, "%02x", c->sha256[k]);
      g_assert_cmpstr (hex, ==, want->str);
      g_string_free (want, TRUE);
      occ_backup_result_free (runs[day]);
      g_free (snaps[day]);
    }
}

static OccBackupResult *
small_full (Fixture *f)
{
  for (int i = 0; i < 12; i++)
    {
      g_autofree char *rel = g_strdup_printf ("rec/%02d.wav", i);
      put_recording (f->tree, rel, (guint32) i, T0 - 3600);
    }
  put_text (f->tree, "etc/a.conf", "x=1\n", 0644, T0 - 3600);
  return run_backup (f, OCC_BACKUP_FULL, NULL, T0);
}

static void
assert_refused (const char *archive, const guint8 *key, OccBackupError code, const char *what,
                const char *target)
{
  g_autoptr (GError) e1 = NULL;
  g_autoptr (GError) e2 = NULL;
  g_assert_false (occ_backup_verify (archive, key, NULL, &e1));
  g_assert_error (e1, OCC_BACKUP_ERROR, (gint) code);
  g_assert_nonnull (strstr (e1->message, archive));
  g_assert_nonnull (strstr (e1->message, what));
  g_assert_false (occ_backup_restore (archive, NULL, key, target, NULL, NULL, NULL, &e2));
  g_assert_nonnull (e2);
}

static void
rewrite (const char *path, gsize keep, gssize flip_at)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  if (flip_at >= 0)
    data[flip_at] ^= 0x01;
  g_assert_true (g_file_set_contents (path, data, (gssize) MIN (keep, len), NULL));
}

static void
test_tamper (Fixture *f, gconstpointer data)
{
  g_autoptr (OccBackupResult) r = small_full (f);
  g_autofree char *target = g_build_filename (f->top, "out", NULL);
  g_autofree char *copy = g_strconcat (r->path, ".orig", NULL);
  g_autofree char *orig = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (r->path, &orig, &len, NULL));
  g_assert_true (g_file_set_contents (copy, orig, (gssize) len, NULL));

  rewrite (r->path, len, (gssize) len / 2);
  assert_refused (r->path, test_key, OCC_BACKUP_ERROR_CORRUPT, "corrupted chunk", target);
  rewrite (r->path, len - 100, -1);
  g_assert_true (g_file_set_contents (r->path, orig, (gssize) (len - 100), NULL));
  assert_refused (r->path, test_key, OCC_BACKUP_ERROR_TRUNCATED, "truncated", target);
  /* cut exactly at a chunk boundary: only the FINAL tag tells */
  g_assert_true (g_file_set_contents (r->path, orig, 8 + 4 + 64 + 16 + 24 + 4 + 65536 + 17, NULL));
  assert_refused (r->path, test_key, OCC_BACKUP_ERROR_TRUNCATED, "truncated", target);

  g_assert_true (g_file_set_contents (r->path, orig, (gssize) len, NULL));
  guint8 wrong[32] = { 9 };
  assert_refused (r->path, wrong, OCC_BACKUP_ERROR_KEY, "wrong key", target);

  /* another archive under this one's name */
  g_autoptr (OccBackupResult) later = run_backup (f, OCC_BACKUP_FULL, NULL, T0 + DAY);
  g_assert_cmpint (rename (later->path, r->path), ==, 0);
  assert_refused (r->path, test_key, OCC_BACKUP_ERROR_MISMATCH, later->manifest->id, target);

  g_assert_true (g_file_set_contents (r->path, orig, (gssize) len, NULL));
  g_autoptr (GError) error = NULL;
  gboolean done = occ_backup_verify (r->path, test_key, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (done);
}

/* The child writes a full and stops inside it; the parent kills it there. */
static void
stop_here (guint64 done, guint64 total, const char *path, gpointer user_data)
{
  int fd = GPOINTER_TO_INT (user_data);
  if (done < total / 2)
    return;
  g_assert_cmpint (write (fd, "x", 1), ==, 1);
  for (;;)
    pause ();
}

static guint
count_suffix (const char *dir, const char *suffix)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;
  const char *name;
  while ((name = g_dir_read_name (d)))
    n += g_str_has_suffix (name, suffix);
  return n;
}

static void
test_killed_writer (Fixture *f, gconstpointer data)
{
  for (int i = 0; i < 40; i++)
    {
      g_autofree char *rel = g_strdup_printf ("rec/%02d.wav", i);
      put_recording (f->tree, rel, (guint32) i, T0 - 3600);
    }
  int p[2];
  g_assert_cmpint (pipe (p), ==, 0);
  pid_t pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      OccBackupOptions o = full_at_t0 (f, stop_here, GINT_TO_POINTER (p[1]));
      occ_backup_write (&o, NULL);
      _exit (3);
    }
  char c;
  g_assert_cmpint (read (p[0], &c, 1), ==, 1);
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  int status = 0;
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFSIGNALED (status));
  close (p[0]);
  close (p[1]);
  g_assert_cmpuint (count_suffix (f->dir, OCC_BACKUP_SUFFIX), ==, 0);
  g_assert_cmpuint (count_suffix (f->dir, ".partial"), ==, 1);

  g_autoptr (OccBackupResult) r = run_backup (f, OCC_BACKUP_FULL, NULL, T0);
  g_assert_cmpuint (count_suffix (f->dir, ".partial"), ==, 0);
  g_assert_true (occ_backup_verify (r->path, test_key, NULL, NULL));
}

static void
test_disk_full (Fixture *f, gconstpointer data)
{
  g_autoptr (OccBackupResult) ok = small_full (f);
  g_assert_cmpint (unlink (ok->path), ==, 0);
  OccBackupOptions o = { .root = f->tree,
                         .dir = f->dir,
                         .key = test_key,
                         .now = T0 + DAY,
                         .kind = OCC_BACKUP_FULL,
                         .fail_after_bytes = 70000 };
  g_autoptr (GError) error = NULL;
  g_assert_null (occ_backup_write (&o, &error));
  g_assert_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_NO_SPACE);
  g_assert_nonnull (strstr (error->message, "20270102T000000Z-full" OCC_BACKUP_SUFFIX));
  g_assert_cmpuint (count_suffix (f->dir, OCC_BACKUP_SUFFIX), ==, 0);
  g_assert_cmpuint (count_suffix (f->dir, ".partial"), ==, 0);
}

static gboolean
has_problem (const OccBackupManifest *m, const char *path, const char *what)
{
  for (guint i = 0; i < m->problems->len; i++)
    {
      const OccBackupProblem *p = g_ptr_array_index (m->problems, i);
      if (strcmp (p->path, path) == 0 && strstr (p->reason, what))
        return TRUE;
    }
  return FALSE;
}

/* As root every file is readable: the child drops to nobody first. */
static void
test_unreadable (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (chmod (f->top, 0755), ==, 0);
  g_assert_cmpint (chmod (f->dir, 0777), ==, 0);
  put_text (f->tree, "etc/secret.conf", "password=1\n", 0000, T0 - 60);
  put_text (f->tree, "etc/ok.conf", "x=1\n", 0644, T0 - 60);
  pid_t pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      if (geteuid () == 0 && (setgid (65534) != 0 || setuid (65534) != 0))
        _exit (10);
      OccBackupOptions o
          = { .root = f->tree, .dir = f->dir, .key = test_key, .now = T0, .kind = OCC_BACKUP_FULL };
      g_autoptr (OccBackupResult) r = occ_backup_write (&o, NULL);
      if (!r)
        _exit (11);
      if (r->manifest->complete
          || !has_problem (r->manifest, "etc/secret.conf", "Permission denied"))
        _exit (12);
      g_autoptr (OccBackupManifest) back = occ_backup_read_manifest (r->path, test_key, NULL);
      if (!back || back->complete || occ_backup_manifest_lookup (back, "etc/secret.conf")
          || !occ_backup_manifest_lookup (back, "etc/ok.conf")
          || !has_problem (back, "etc/secret.conf", "denied"))
        _exit (13);
      _exit (0);
    }
  int status = 0;
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
}

/* The progress callback edits the next file after the scan hashed it:
 * the stored bytes are not the manifest's, and the backup says so. */
static void
change_next (guint64 done, guint64 total, const char *path, gpointer user_data)
{
  Fixture *f = user_data;
  if (strcmp (path, "rec/0.wav") == 0)
    {
      g_autofree guint8 *b = bk_tree_noise (999, 20000);
      bk_tree_write (f->tree, "rec/1.wav", b, 20000, 0640, T0 - 10);
    }
}

static void
test_changing_file (Fixture *f, gconstpointer data)
{
  put_recording (f->tree, "rec/0.wav", 0, T0 - 3600);
  put_recording (f->tree, "rec/1.wav", 7, T0 - 3600); /* 20000 bytes too */
  OccBackupOptions o = full_at_t0 (f, change_next, f);
  g_autoptr (GError) error = NULL;
  g_autoptr (OccBackupResult) r = occ_backup_write (&o, &error);
  g_assert_no_error (error);
  g_assert_false (r->manifest->complete);
  g_assert_true (has_problem (r->manifest, "rec/1.wav", "changed while archived"));
  g_autoptr (OccBackupManifest) m = NULL;
  g_assert_true (occ_backup_verify (r->path, test_key, &m, &error));
  g_assert_false (m->complete);
  g_assert_true (has_problem (m, "rec/1.wav", "changed while archived"));
}

static void
test_odd_names (Fixture *f, gconstpointer data)
{
  put_text (f->tree, "caf\xe9-latin1.txt", "bonjour\n", 0644, T0 - 60);
  put_text (f->tree, "dir with space/%41\x01.txt", "x\n", 0600, T0 - 60);
  g_autofree char *a = g_build_filename (f->tree, "loop-a", NULL);
  g_autofree char *b = g_build_filename (f->tree, "loop-b", NULL);
  g_autofree char *up = g_build_filename (f->tree, "dir with space/up", NULL);
  g_assert_cmpint (symlink ("loop-b", a), ==, 0);
  g_assert_cmpint (symlink ("loop-a", b), ==, 0);
  g_assert_cmpint (symlink ("..", up), ==, 0);
  set_times (f->tree, "dir with space", T0 - 30);
  set_times (f->tree, "", T0 - 30);
  g_autofree char *before = bk_tree_snapshot (f->tree);
  g_autoptr (OccBackupResult) r = run_backup (f, OCC_BACKUP_FULL, NULL, T0);
  g_autofree char *text = occ_backup_manifest_to_string (r->manifest);
  g_assert_nonnull (strstr (text, " caf%E9-latin1.txt\n"));
  g_assert_nonnull (strstr (text, " dir%20with%20space/%2541%01.txt\n"));
  g_assert_nonnull (strstr (text, " loop-a loop-b\n"));
  g_autofree char *target = g_build_filename (f->top, "out", NULL);
  g_autoptr (GError) error = NULL;
  gboolean done = occ_backup_restore (r->path, NULL, test_key, target, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (done);
  g_autofree char *after = bk_tree_snapshot (target);
  g_assert_cmpstr (after, ==, before);
}

static void
test_only (Fixture *f, gconstpointer data)
{
  g_autoptr (OccBackupResult) r = small_full (f);
  /* verify's one read also gives the file's size and SHA-256: the
   * writer's, as the catalogue holds them */
  guint64 size = 0;
  guint8 sha[32] = { 0 };
  g_assert_true (occ_backup_verify_file (r->path, test_key, NULL, &size, sha, NULL));
  g_assert_cmpuint (size, ==, r->size);
  g_assert_cmpmem (sha, 32, r->sha256, 32);
  g_autofree char *target = g_build_filename (f->top, "out", NULL);
  const char *only[] = { "etc/", NULL };
  g_autoptr (GError) error = NULL;
  gboolean done = occ_backup_restore (r->path, NULL, test_key, target, only, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (done);
  g_autofree char *conf = g_build_filename (target, "etc/a.conf", NULL);
  g_autofree char *rec = g_build_filename (target, "rec", NULL);
  g_assert_true (g_file_test (conf, G_FILE_TEST_IS_REGULAR));
  g_assert_false (g_file_test (rec, G_FILE_TEST_EXISTS));
}

/* The plugin links its sources (config folder, recordings…) into one
 * root: those links are walked as folders, a link deeper down is kept as
 * a link, and a root link to a file is kept as a link too. */
static void
test_root_links (Fixture *f, gconstpointer data)
{
  g_autofree char *conf = g_build_filename (f->top, "etc-omnicc", NULL);
  put_text (conf, "omnicc.conf", "[core]\n", 0640, T0 - 60);
  put_text (conf, "ivr/main.flow", "menu\n", 0644, T0 - 60);
  g_autofree char *inner = g_build_filename (conf, "ivr/latest", NULL);
  g_assert_cmpint (symlink ("main.flow", inner), ==, 0);
  g_autofree char *link = g_build_filename (f->tree, "config", NULL);
  g_autofree char *file_link = g_build_filename (f->tree, "conf-file", NULL);
  g_assert_cmpint (symlink (conf, link), ==, 0);
  g_assert_cmpint (symlink ("config/omnicc.conf", file_link), ==, 0);
  OccBackupOptions o = { .root = f->tree,
                         .dir = f->dir,
                         .key = test_key,
                         .now = T0,
                         .kind = OCC_BACKUP_FULL,
                         .follow_root_links = TRUE };
  g_autoptr (GError) error = NULL;
  g_autoptr (OccBackupResult) r = occ_backup_write (&o, &error);
  g_assert_no_error (error);
  g_assert_true (r->manifest->complete);
  const OccBackupEntry *d = occ_backup_manifest_lookup (r->manifest, "config");
  g_assert_nonnull (d);
  g_assert_cmpint (d->type, ==, OCC_BACKUP_ENTRY_DIR);
  g_assert_cmpint (occ_backup_manifest_lookup (r->manifest, "config/ivr/latest")->type, ==,
                   OCC_BACKUP_ENTRY_SYMLINK);
  g_assert_cmpint (occ_backup_manifest_lookup (r->manifest, "conf-file")->type, ==,
                   OCC_BACKUP_ENTRY_SYMLINK);
  g_autofree char *target = g_build_filename (f->top, "out", NULL);
  g_assert_true (occ_backup_restore (r->path, NULL, test_key, target, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_autofree char *out_conf = g_build_filename (target, "config", NULL);
  g_autofree char *got = bk_tree_snapshot (out_conf);
  g_autofree char *want = bk_tree_snapshot (conf);
  g_assert_cmpstr (got, ==, want);
  g_assert_false (g_file_test (out_conf, G_FILE_TEST_IS_SYMLINK));
  /* without the option the same root keeps the link as a link */
  o.follow_root_links = FALSE;
  o.now = T0 + 1;
  g_autoptr (OccBackupResult) plain = occ_backup_write (&o, &error);
  g_assert_no_error (error);
  g_assert_cmpint (occ_backup_manifest_lookup (plain->manifest, "config")->type, ==,
                   OCC_BACKUP_ENTRY_SYMLINK);
  g_assert_null (occ_backup_manifest_lookup (plain->manifest, "config/omnicc.conf"));
}

static void
assert_manifest_refused (const char *body, OccBackupError code)
{
  g_autofree char *text
      = g_strconcat ("omnicc-backup-manifest 1\nkind full\nid x\nbase -\ncreated 1\ncomplete yes\n",
                     body, "end\n", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (OccBackupManifest) m = occ_backup_manifest_parse (text, strlen (text), &error);
  g_assert_null (m);
  g_assert_error (error, OCC_BACKUP_ERROR, (gint) code);
}

#define SHA "0000000000000000000000000000000000000000000000000000000000000000"

static void
test_unsafe_manifest (void)
{
  assert_manifest_refused ("entry f 0644 1 1 0 0 " SHA " + ../etc/passwd\n",
                           OCC_BACKUP_ERROR_UNSAFE);
  assert_manifest_refused ("entry f 0644 1 1 0 0 " SHA " + /etc/passwd\n", OCC_BACKUP_ERROR_UNSAFE);
  assert_manifest_refused ("entry f 0644 1 1 0 0 " SHA " + a/%2E%2E/b\n", OCC_BACKUP_ERROR_UNSAFE);
  /* a file below a symlink would be written through it */
  assert_manifest_refused ("entry l 0777 4 1 0 0 - = a /etc\nentry f 0644 1 1 0 0 " SHA
                           " + a/passwd\n",
                           OCC_BACKUP_ERROR_UNSAFE);
  assert_manifest_refused ("deleted ../x\n", OCC_BACKUP_ERROR_UNSAFE);
  assert_manifest_refused ("entry f 0644 1 1 0 0 nothex + a\n", OCC_BACKUP_ERROR_PARSE);
  g_autofree char *ok
      = g_strdup ("omnicc-backup-manifest 1\nkind full\nid x\nbase -\ncreated 1\ncomplete yes\n"
                  "entry d 0755 0 1 0 0 - = a\nentry f 0644 1 1 0 0 " SHA " + a/b%00\nend\n");
  g_assert_null (occ_backup_manifest_parse (ok, strlen (ok), NULL));
}

static void
test_catalogue_parse (void)
{
  const char *good
      = "omnicc-backup-catalogue 1\n# comment\n"
        "archive 20270101T030000Z-full full - 1798772400 1000 " SHA "\n"
        "archive 20270102T030000Z-diff differential 20270101T030000Z-full 1798858800 10 " SHA "\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = occ_backup_catalogue_parse (good, strlen (good), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  OccBackupCatalogueEntry *d = g_ptr_array_index (list, 1);
  g_assert_cmpint (d->kind, ==, OCC_BACKUP_DIFFERENTIAL);
  g_assert_cmpstr (d->base_id, ==, "20270101T030000Z-full");
  g_autofree char *again = occ_backup_catalogue_to_string (list);
  g_autoptr (GPtrArray) list2 = occ_backup_catalogue_parse (again, strlen (again), &error);
  g_assert_cmpuint (list2->len, ==, 2);
  const char *bad[]
      = { "archive ../../x full - 1 1 " SHA "\n", "archive a full - 1 1 abc\n",
          "archive a differential - 1 1 " SHA "\n", "archive a full - -1 1 " SHA "\n" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *t = g_strconcat ("omnicc-backup-catalogue 1\n", bad[i], NULL);
      g_autoptr (GError) e = NULL;
      g_assert_null (occ_backup_catalogue_parse (t, strlen (t), &e));
      g_assert_error (e, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_PARSE);
    }
}

/* The helper (libcrypto) against FIPS 180-2's examples and GLib's own
 * SHA-256, fed in pieces of every awkward size. */
static void
test_sha256_digests (void)
{
  static const struct {
    const char *text, *hex;
  } known[] = {
    { "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
    { "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
    { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    {
      g_autoptr (OccBackupSha256) h = occ_backup_sha256_new ();
      occ_backup_sha256_update (h, known[i].text, strlen (known[i].text));
      guint8 sha[OCC_BACKUP_SHA256_BYTES];
      char hex[65];
      g_assert_true (occ_backup_sha256_finish (h, sha));
      occ_backup_sha256_hex (sha, hex);
      g_assert_cmpstr (hex, ==, known[i].hex);
      /* finished: a second finish is refused, not a digest of nothing */
      g_assert_false (occ_backup_sha256_finish (h, sha));
    }
  gsize len = 3 * 1024 * 1024 + 7;
  g_autofree guint8 *data = bk_tree_noise (42, len);
  g_autofree char *want = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
  g_autoptr (OccBackupSha256) h = occ_backup_sha256_new ();
  for (gsize at = 0, step = 1; at < len; at += step, step = step * 3 + 1)
    occ_backup_sha256_update (h, data + at, MIN (step, len - at));
  guint8 sha[OCC_BACKUP_SHA256_BYTES];
  char hex[65];
  g_assert_true (occ_backup_sha256_finish (h, sha));
  occ_backup_sha256_hex (sha, hex);
  g_assert_cmpstr (hex, ==, want);
}

/* The manifest's SHA-256 of each file is that file's, as GLib computes it. */
static void
test_scan_hashes (Fixture *f, gconstpointer data)
{
  put_text (f->tree, "etc/omnicc.conf", "[core]\nplugins=sip\n", 0644, T0);
  put_text (f->tree, "empty", "", 0644, T0);
  put_recording (f->tree, "rec/a.wav", 3, T0);
  g_autoptr (GError) error = NULL;
  g_autoptr (OccBackupManifest) m = occ_backup_scan (f->tree, NULL, OCC_BACKUP_SCAN_HASH, &error);
  g_assert_no_error (error);
  guint files = 0;
  for (guint i = 0; i < m->entries->len; i++)
    {
      const OccBackupEntry *e = g_ptr_array_index (m->entries, i);
      if (e->type != OCC_BACKUP_ENTRY_FILE)
        continue;
      g_autofree char *p = g_build_filename (f->tree, e->path, NULL);
      g_autofree char *bytes = NULL;
      gsize len = 0;
      g_assert_true (g_file_get_contents (p, &bytes, &len, NULL));
      g_autofree char *want
          = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *) bytes, len);
      char hex[65];
      occ_backup_sha256_hex (e->sha256, hex);
      g_assert_cmpstr (hex, ==, want);
      files++;
    }
  g_assert_cmpuint (files, ==, 3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/backup/schedule/four-weeks-restore-byte-identical-at-each-date", test_schedule_four_weeks);
  ADD ("/backup/tamper/flipped-truncated-wrong-key-swapped-refused", test_tamper);
  ADD ("/backup/crash/killed-writer-leaves-no-complete-archive", test_killed_writer);
  ADD ("/backup/crash/disk-full-leaves-nothing", test_disk_full);
  ADD ("/backup/bad-input/unreadable-file-reported-incomplete", test_unreadable);
  ADD ("/backup/bad-input/file-changing-while-archived-reported", test_changing_file);
  ADD ("/backup/bad-input/non-utf8-names-and-symlink-loops-round-trip", test_odd_names);
  ADD ("/backup/restore/only-prefixes", test_only);
  ADD ("/backup/scan/root-links-walked-as-folders", test_root_links);
  ADD ("/backup/scan/sha256-of-each-file-is-its-content's", test_scan_hashes);
  g_test_add_func ("/backup/manifest/refuses-paths-leaving-the-target", test_unsafe_manifest);
  g_test_add_func ("/backup/sha256/known-digests-in-any-pieces", test_sha256_digests);
  g_test_add_func ("/backup/catalogue/parses-and-refuses-bad-lines", test_catalogue_parse);
  return g_test_run ();
}
