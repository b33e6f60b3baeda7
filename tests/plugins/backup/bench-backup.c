/* Backup core throughput (tests/bench/run backup [MB]): a generated tree
 * of recordings-like data and text documents (2048 MB unless told),
 * saved by the archive core (tar+zstd, encrypted) and, in the same run on
 * the same data, by `tar --zstd` and `restic backup`; then a day's
 * changes saved as a differential against the full, and a restore. */
#include "backup-core.h"
#include "testlib.h"
#include "tree.h"

#include <string.h>
#include <sys/stat.h>

#define FILE_MB 4

static double
now_s (void)
{
  return (double) g_get_monotonic_time () / 1e6;
}

static void
say (const char *metric, double value, const char *unit)
{
  g_print ("bench backup.%s: %.2f %s\n", metric, value, unit);
}

/* Recordings of FILE_MB MB and one text document per ten of them. */
static guint64
generate (const char *root, guint64 mb, guint32 seed0, const char *prefix, gint64 mtime)
{
  guint64 bytes = 0;
  for (guint32 i = 0; bytes < mb << 20; i++)
    {
      gsize len = (FILE_MB << 20) - (i % 5) * 4096;
      g_autofree guint8 *b = bk_tree_noise (seed0 + i, len);
      g_autofree char *rel
          = g_strdup_printf ("%s/recordings/%03u/call-%05u.wav", prefix, i / 50, i);
      bk_tree_write (root, rel, b, len, 0640, mtime);
      bytes += len;
      if (i % 10 == 0)
        {
          g_autoptr (GString) doc = g_string_new (NULL);
          for (int l = 0; l < 2000; l++)
            g_string_append_printf (
                doc, "interaction %u line %d: customer asked about invoice %u\n", i, l, i * 31 + l);
          g_autofree char *drel = g_strdup_printf ("%s/documents/note-%05u.txt", prefix, i);
          bk_tree_write (root, drel, doc->str, doc->len, 0644, mtime);
          bytes += doc->len;
        }
    }
  return bytes;
}

static double
run_cmd (const char *const *argv)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  double t = now_s ();
  int status = occ_test_run (argv, &out, &err);
  t = now_s () - t;
  if (status != 0)
    g_error ("%s failed (%d): %s", argv[0], status, err);
  return t;
}

static guint64
file_size (const char *path)
{
  struct stat st;
  g_assert_cmpint (stat (path, &st), ==, 0);
  return (guint64) st.st_size;
}

int
main (int argc, char **argv)
{
  guint64 mb = argc > 1 ? g_ascii_strtoull (argv[1], NULL, 10) : 2048;
  g_autofree char *top = occ_test_mkdtemp ();
  g_autofree char *tree = g_build_filename (top, "tree", NULL);
  g_autofree char *dir = g_build_filename (top, "archives", NULL);
  g_autofree char *repo = g_build_filename (top, "restic", NULL);
  g_autofree char *tarball = g_build_filename (top, "tree.tar.zst", NULL);
  g_autofree char *target = g_build_filename (top, "restore", NULL);
  g_mkdir_with_parents (dir, 0700);
  gint64 t0 = g_get_real_time () / G_USEC_PER_SEC - 10 * 86400;
  guint64 total = generate (tree, mb, 1, "site", t0);
  g_print ("# tree: %.0f MB in %s\n", total / 1048576.0, tree);
  guint8 key[32];
  for (int i = 0; i < 32; i++)
    key[i] = (guint8) (i * 7 + 3);

  /* each tool reads the same tree; the page cache is warm for all */
  const char *warm[] = { "tar", "-cf", "/dev/null", "-C", tree, ".", NULL };
  run_cmd (warm);
  OccBackupOptions o
      = { .root = tree, .dir = dir, .key = key, .now = t0 + 86400, .kind = OCC_BACKUP_FULL };
  double t = now_s ();
  g_autoptr (OccBackupResult) full = occ_backup_write (&o, NULL);
  double ours_full = now_s () - t;
  g_assert_nonnull (full);
  const char *tar[] = { "tar", "--zstd", "-cf", tarball, "-C", tree, ".", NULL };
  double tar_full = run_cmd (tar);
  g_setenv ("RESTIC_PASSWORD", "bench", TRUE);
  const char *rinit[] = { "restic", "init", "--quiet", "--repo", repo, NULL };
  run_cmd (rinit);
  const char *rback[] = { "restic", "backup", "--quiet", "--repo", repo, tree, NULL };
  double restic_full = run_cmd (rback);
  double mbs = total / 1048576.0;
  say ("full.ours-MBps", mbs / ours_full, "MB/s");
  say ("full.tar-zstd-MBps", mbs / tar_full, "MB/s");
  say ("full.restic-MBps", mbs / restic_full, "MB/s");
  say ("full.ours-vs-tar-zstd", tar_full / ours_full, "x");
  say ("full.ours-vs-restic", restic_full / ours_full, "x");
  say ("full.archive-MB", full->size / 1048576.0, "MB");
  t = now_s ();
  g_autoptr (OccBackupManifest) scanned = occ_backup_scan (tree, NULL, OCC_BACKUP_SCAN_HASH, NULL);
  say ("scan-with-sha256-MBps", mbs / (now_s () - t), "MB/s");
  say ("full.tar-zstd-MB", file_size (tarball) / 1048576.0, "MB");

  /* a day: 5 % new recordings and documents */
  guint64 changed = generate (tree, MAX (mb / 20, 1), 100000, "day2", t0 + 86400 + 3600);
  o.kind = OCC_BACKUP_DIFFERENTIAL;
  o.base = full->manifest;
  o.now = t0 + 2 * 86400;
  t = now_s ();
  g_autoptr (OccBackupResult) diff = occ_backup_write (&o, NULL);
  double ours_diff = now_s () - t;
  g_assert_nonnull (diff);
  double restic_diff = run_cmd (rback);
  /* what the changed data compresses to, as the size to compare with */
  g_autofree char *day2 = g_build_filename (tree, "day2", NULL);
  g_autofree char *daytar = g_build_filename (top, "day2.tar.zst", NULL);
  const char *tar2[] = { "tar", "--zstd", "-cf", daytar, "-C", tree, "day2", NULL };
  run_cmd (tar2);
  say ("diff.ours-s", ours_diff, "s");
  say ("diff.restic-s", restic_diff, "s");
  say ("diff.ours-vs-restic", restic_diff / ours_diff, "x");
  say ("diff.changed-MB", changed / 1048576.0, "MB");
  say ("diff.archive-MB", diff->size / 1048576.0, "MB");
  say ("diff.changed-tar-zstd-MB", file_size (daytar) / 1048576.0, "MB");
  say ("diff.size-vs-changed-compressed", (double) diff->size / (double) file_size (daytar), "x");

  t = now_s ();
  g_assert_true (occ_backup_restore (full->path, diff->path, key, target, NULL, NULL, NULL, NULL));
  double ours_restore = now_s () - t;
  say ("restore.ours-MBps", (total + changed) / 1048576.0 / ours_restore, "MB/s");
  t = now_s ();
  g_assert_true (occ_backup_verify (full->path, key, NULL, NULL));
  say ("verify.ours-MBps", mbs / (now_s () - t), "MB/s");
  occ_test_rmtree (top);
  return 0;
}
