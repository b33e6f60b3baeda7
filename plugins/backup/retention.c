/* What a target may delete: see bk_retention_prune() in policy.h. */
#include "policy.h"

#include <string.h>

/* The index of the full named @name, or -1. */
static int
find_full (const BkArchive *a, guint n, const char *name)
{
  for (guint i = 0; name != NULL && i < n; i++)
    if (a[i].kind == BK_RUN_FULL && g_strcmp0 (a[i].name, name) == 0)
      return i;
  return -1;
}

/* Keeps archive @i and the full it needs. */
static void
keep_point (const BkArchive *a, guint n, guint i, gboolean *keep)
{
  keep[i] = TRUE;
  if (a[i].kind == BK_RUN_DIFFERENTIAL)
    {
      int base = find_full (a, n, a[i].base);
      if (base >= 0)
        keep[base] = TRUE;
    }
}

static gboolean
restorable (const BkArchive *a, guint n, guint i)
{
  return a[i].kind == BK_RUN_FULL
         || (a[i].kind == BK_RUN_DIFFERENTIAL && find_full (a, n, a[i].base) >= 0);
}

gboolean *
bk_retention_prune (const BkArchive *archives, guint n, guint keep_days, gint64 now)
{
  g_return_val_if_fail (archives != NULL || n == 0, NULL);
  gint64 cutoff = now - (gint64) keep_days * 86400;
  g_autofree gboolean *keep = g_new0 (gboolean, n + 1);
  int before = -1; /* the newest restorable point at or before the cutoff */
  for (guint i = 0; i < n; i++)
    {
      if (archives[i].time >= cutoff)
        keep_point (archives, n, i, keep);
      /* at the cutoff itself, the archive there is the starting state */
      if (archives[i].time <= cutoff && restorable (archives, n, i)
          && (before < 0 || archives[i].time > archives[before].time))
        before = i;
    }
  if (before >= 0)
    keep_point (archives, n, before, keep);
  gboolean *deletable = g_new0 (gboolean, n + 1);
  for (guint i = 0; i < n; i++)
    deletable[i] = !keep[i];
  return deletable;
}
