/* Test trees for the backup core; see tree.h. */
#define _XOPEN_SOURCE 700
#include "tree.h"

#include <fcntl.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
bk_tree_write (const char *root, const char *rel, const void *data, gsize len, guint mode,
               gint64 mtime)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  unlink (path);
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, data, len), ==, (gssize) len);
  g_assert_cmpint (fchmod (fd, mode), ==, 0);
  struct timespec ts[2] = { { mtime, 0 }, { mtime, 0 } };
  g_assert_cmpint (futimens (fd, ts), ==, 0);
  close (fd);
}

guint8 *
bk_tree_noise (guint32 seed, gsize len)
{
  guint8 *b = g_malloc (len);
  guint32 x = seed * 2654435761u + 1;
  for (gsize i = 0; i < len; i++)
    {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      /* audio-like: a slow wave plus noise, so zstd has some work */
      b[i] = (guint8) ((i / 64 % 2 ? 0x40 : 0xb0) + (x & 0x1f));
    }
  return b;
}

static GPtrArray *snap_lines;
static size_t snap_root_len;

static int
snap_one (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  if (ftw->level == 0)
    return 0;
  const char *rel = path + snap_root_len + 1;
  g_autofree char *what = NULL;
  if (S_ISREG (st->st_mode))
    {
      g_autoptr (GMappedFile) mf = g_mapped_file_new (path, FALSE, NULL);
      g_assert_nonnull (mf);
      what = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                          (const guchar *) g_mapped_file_get_contents (mf),
                                          g_mapped_file_get_length (mf));
    }
  else if (S_ISLNK (st->st_mode))
    {
      char buf[4096] = { 0 };
      g_assert_cmpint (readlink (path, buf, sizeof buf - 1), >=, 0);
      what = g_strescape (buf, NULL);
    }
  else
    what = g_strdup ("-");
  g_autofree char *name = g_strescape (rel, NULL);
  gint64 mt = (gint64) st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
  g_ptr_array_add (snap_lines, g_strdup_printf ("%s %c %04o %" G_GINT64_FORMAT " %s", name,
                                                S_ISREG (st->st_mode)   ? 'f'
                                                : S_ISDIR (st->st_mode) ? 'd'
                                                                        : 'l',
                                                st->st_mode & 07777, mt, what));
  return 0;
}

static int
by_text (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char **) a, *(char **) b);
}

char *
bk_tree_snapshot (const char *root)
{
  snap_lines = g_ptr_array_new_with_free_func (g_free);
  snap_root_len = strlen (root);
  g_assert_cmpint (nftw (root, snap_one, 32, FTW_PHYS), ==, 0);
  g_ptr_array_sort (snap_lines, by_text);
  g_ptr_array_add (snap_lines, NULL);
  char *out = g_strjoinv ("\n", (char **) snap_lines->pdata);
  g_ptr_array_unref (snap_lines);
  snap_lines = NULL;
  return out;
}
