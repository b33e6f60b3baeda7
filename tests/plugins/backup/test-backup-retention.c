/* Retention pruning (plugins/backup/retention.c): examples, and a property
 * test over random catalogues — whatever is deleted, every instant inside
 * the policy restores to the same state as before pruning. */
#include "policy.h"

#define DAY ((gint64) 86400)
#define NOW ((gint64) 1800000000)

typedef struct {
  GPtrArray *names; /* owns the strings the archives point to */
  GArray *archives; /* BkArchive */
} Catalogue;

static Catalogue *
catalogue_new (void)
{
  Catalogue *c = g_new0 (Catalogue, 1);
  c->names = g_ptr_array_new_with_free_func (g_free);
  c->archives = g_array_new (FALSE, FALSE, sizeof (BkArchive));
  return c;
}

static void
catalogue_free (Catalogue *c)
{
  g_ptr_array_unref (c->names);
  g_array_unref (c->archives);
  g_free (c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Catalogue, catalogue_free)

static const char *
catalogue_add (Catalogue *c, gint64 time, BkRunKind kind, const char *base)
{
  char *name
      = g_strdup_printf ("%s-%" G_GINT64_FORMAT, kind == BK_RUN_FULL ? "full" : "diff", time);
  g_ptr_array_add (c->names, name);
  BkArchive a = { name, time, kind, base };
  g_array_append_val (c->archives, a);
  return name;
}

static BkArchive *
at_index (Catalogue *c, guint i)
{
  return &g_array_index (c->archives, BkArchive, i);
}

/* For each archive, whether it restores from those not @gone (itself, and
 * its full for a differential) (transfer full). */
static gboolean *
restorable (Catalogue *c, const gboolean *gone)
{
  g_autoptr (GHashTable) fulls = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < c->archives->len; i++)
    if (!(gone && gone[i]) && at_index (c, i)->kind == BK_RUN_FULL)
      g_hash_table_add (fulls, (gpointer) at_index (c, i)->name);
  gboolean *ok = g_new0 (gboolean, c->archives->len + 1);
  for (guint i = 0; i < c->archives->len; i++)
    ok[i] = !(gone && gone[i])
            && (at_index (c, i)->kind == BK_RUN_FULL
                || (at_index (c, i)->base && g_hash_table_contains (fulls, at_index (c, i)->base)));
  return ok;
}

/* The archive a restore to @when starts from: the newest restorable one
 * at or before @when; -1 if none. */
static int
restore_point (Catalogue *c, const gboolean *ok, gint64 when)
{
  int best = -1;
  for (guint i = 0; i < c->archives->len; i++)
    if (ok[i] && at_index (c, i)->time <= when
        && (best < 0 || at_index (c, i)->time > at_index (c, best)->time))
      best = i;
  return best;
}

static gboolean *
prune (Catalogue *c, guint keep_days)
{
  return bk_retention_prune ((BkArchive *) c->archives->data, c->archives->len, keep_days, NOW);
}

static void
test_keeps_the_full_a_differential_needs (void)
{
  g_autoptr (Catalogue) c = catalogue_new ();
  /* keep 30 days: the full of day -40 is outside, its differential of day
   * -20 inside; the full and differential of day -90 … -80 go */
  const char *old = catalogue_add (c, NOW - 90 * DAY, BK_RUN_FULL, NULL);
  catalogue_add (c, NOW - 80 * DAY, BK_RUN_DIFFERENTIAL, old);
  const char *full = catalogue_add (c, NOW - 40 * DAY, BK_RUN_FULL, NULL);
  catalogue_add (c, NOW - 35 * DAY, BK_RUN_DIFFERENTIAL, full);
  catalogue_add (c, NOW - 20 * DAY, BK_RUN_DIFFERENTIAL, full);
  g_autofree gboolean *gone = prune (c, 30);
  g_assert_true (gone[0]);
  g_assert_true (gone[1]);
  g_assert_false (gone[2]); /* needed by day -20 */
  g_assert_false (gone[3]); /* the state at day -30, the window's start */
  g_assert_false (gone[4]);
}

static void
test_keeps_the_last_point_when_backups_stopped (void)
{
  g_autoptr (Catalogue) c = catalogue_new ();
  const char *full = catalogue_add (c, NOW - 900 * DAY, BK_RUN_FULL, NULL);
  catalogue_add (c, NOW - 899 * DAY, BK_RUN_DIFFERENTIAL, full);
  catalogue_add (c, NOW - 898 * DAY, BK_RUN_DIFFERENTIAL, full);
  g_autofree gboolean *gone = prune (c, 365);
  g_assert_false (gone[0]);
  g_assert_true (gone[1]);
  g_assert_false (gone[2]);
}

/* A catalogue as a schedule makes one, with holes: runs skipped, fulls
 * already gone (orphaned differentials), differentials naming them. */
static Catalogue *
random_catalogue (GRand *rand)
{
  Catalogue *c = catalogue_new ();
  guint days = g_rand_int_range (rand, 1, 500);
  guint full_every = g_rand_int_range (rand, 1, 30);
  const char *last_full = NULL;
  guint since_full = 0;
  for (guint d = days; d > 0; d--)
    {
      if (g_rand_int_range (rand, 0, 10) == 0)
        continue; /* no run that day */
      gint64 t = NOW - (gint64) d * DAY + g_rand_int_range (rand, 0, 3600);
      if (last_full == NULL || since_full >= full_every)
        {
          const char *name = catalogue_add (c, t, BK_RUN_FULL, NULL);
          since_full = 0;
          last_full = name;
          if (g_rand_int_range (rand, 0, 20) == 0)
            g_array_remove_index (c->archives, c->archives->len - 1);
        }
      else
        catalogue_add (c, t, BK_RUN_DIFFERENTIAL, last_full);
      since_full++;
    }
  /* the catalogue's order is not the time order */
  for (guint i = c->archives->len; i > 1; i--)
    {
      guint j = g_rand_int_range (rand, 0, i);
      BkArchive tmp = *at_index (c, i - 1);
      *at_index (c, i - 1) = *at_index (c, j);
      *at_index (c, j) = tmp;
    }
  return c;
}

static void
check_pruning (Catalogue *c, guint keep_days)
{
  g_autofree gboolean *gone = prune (c, keep_days);
  gint64 cutoff = NOW - keep_days * DAY;
  guint n = c->archives->len;
  g_autofree gboolean *was = restorable (c, NULL);
  g_autofree gboolean *is = restorable (c, gone);
  for (guint i = 0; i < n; i++)
    {
      BkArchive *a = at_index (c, i);
      /* nothing inside the window goes */
      if (a->time >= cutoff)
        g_assert_false (gone[i]);
      /* a kept differential keeps its full */
      if (a->kind == BK_RUN_DIFFERENTIAL && !gone[i] && was[i])
        g_assert_true (is[i]);
    }
  /* every instant of the window restores as before: the window's start
   * and each archive's time inside it */
  int before = restore_point (c, was, cutoff);
  g_assert_cmpint (restore_point (c, is, cutoff), ==, before);
  for (guint i = 0; i < n; i++)
    if (at_index (c, i)->time >= cutoff)
      g_assert_cmpint (restore_point (c, is, at_index (c, i)->time), ==,
                       restore_point (c, was, at_index (c, i)->time));
  /* and nothing is kept for nothing: an archive older than the window's
   * starting point that no kept differential needs goes */
  g_autoptr (GHashTable) needed = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint j = 0; j < n; j++)
    if (!gone[j] && at_index (c, j)->base)
      g_hash_table_add (needed, (gpointer) at_index (c, j)->base);
  for (guint i = 0; before >= 0 && i < n; i++)
    {
      BkArchive *a = at_index (c, i);
      if (a->time < at_index (c, before)->time
          && !(a->kind == BK_RUN_FULL && g_hash_table_contains (needed, a->name)))
        g_assert_true (gone[i]);
    }
}

static void
test_random_catalogues_stay_restorable (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (g_test_rand_int ());
  guint deleted_any = 0;
  for (guint round = 0; round < 500; round++)
    {
      g_autoptr (Catalogue) c = random_catalogue (rand);
      guint keep_days = g_rand_int_range (rand, 1, 400);
      check_pruning (c, keep_days);
      g_autofree gboolean *gone = prune (c, keep_days);
      for (guint i = 0; i < c->archives->len; i++)
        deleted_any += gone[i];
    }
  g_assert_cmpuint (deleted_any, >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/backup/retention/keeps-the-full-a-differential-needs",
                   test_keeps_the_full_a_differential_needs);
  g_test_add_func ("/backup/retention/keeps-the-last-point-when-backups-stopped",
                   test_keeps_the_last_point_when_backups_stopped);
  g_test_add_func ("/backup/retention/random-catalogues-stay-restorable",
                   test_random_catalogues_stay_restorable);
  return g_test_run ();
}
