/* Test trees for the backup core: writing files with a given mtime and
 * mode, and an independent snapshot of a tree (nftw, not the scanner
 * under test) to compare restores byte for byte. */
#pragma once

#include <glib.h>

/* Writes ROOT/REL (folders created) with @len bytes from @data, @mode and
 * mtime @mtime (seconds). */
void bk_tree_write (const char *root, const char *rel, const void *data, gsize len, guint mode,
                    gint64 mtime);
/* @len pseudo-random bytes from @seed (recordings-like payload). */
guint8 *bk_tree_noise (guint32 seed, gsize len);
/* One line per path below @root, sorted: type, mode, mtime (ns), size and
 * SHA-256 of the content or the symlink's target. (transfer full) */
char *bk_tree_snapshot (const char *root);
