/* See rank.h. */
#include "rank.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  gint64 key;
  gint64 idle_since;
  guint order;
  guint id;
  guint index;
} AcdRankEntry;

static int
acd_rank_compare (const void *pa, const void *pb)
{
  const AcdRankEntry *a = pa, *b = pb;
  if (a->key != b->key)
    return a->key < b->key ? -1 : 1;
  if (a->idle_since != b->idle_since)
    return a->idle_since < b->idle_since ? -1 : 1;
  if (a->order != b->order)
    return a->order < b->order ? -1 : 1;
  if (a->id != b->id)
    return a->id < b->id ? -1 : 1;
  return 0;
}

guint
acd_rank_by_key (const OccAcdAgent *agents, guint n, AcdRankKeyFunc key, gconstpointer data,
                 guint want, guint *out)
{
  /* A few hundred agents at most: the stack is fine for a typical queue,
   * the heap for a large one. */
  AcdRankEntry local[128];
  AcdRankEntry *entries = n <= G_N_ELEMENTS (local) ? local : g_new (AcdRankEntry, n);
  for (guint i = 0; i < n; i++)
    {
      entries[i].key = key (data, &agents[i]);
      entries[i].idle_since = agents[i].idle_since;
      entries[i].order = agents[i].order;
      entries[i].id = agents[i].id;
      entries[i].index = i;
    }
  guint got = n;
  if (want && want < n && want <= 8)
    {
      /* the first @want by selection: a few passes instead of a sort */
      for (guint k = 0; k < want; k++)
        {
          guint best = k;
          for (guint i = k + 1; i < n; i++)
            if (acd_rank_compare (&entries[i], &entries[best]) < 0)
              best = i;
          AcdRankEntry t = entries[k];
          entries[k] = entries[best];
          entries[best] = t;
        }
      got = want;
    }
  else
    qsort (entries, n, sizeof *entries, acd_rank_compare);
  for (guint i = 0; i < got; i++)
    out[i] = entries[i].index;
  if (entries != local)
    g_free (entries);
  return got;
}

static gint64
acd_rank_key_none (gconstpointer data, const OccAcdAgent *agent)
{
  return 0;
}

gint64
acd_rank_key_order (gconstpointer data, const OccAcdAgent *agent)
{
  return agent->order;
}

guint
acd_rank_select_longest_idle (const OccAcdContext *ctx, const OccAcdInteraction *ix,
                              const OccAcdAgent *agents, guint n, guint *out)
{
  return acd_rank_by_key (agents, n, acd_rank_key_none, NULL, ctx->want, out);
}

guint
acd_rank_shuffle (GRand *rand, guint n, guint *out)
{
  for (guint i = 0; i < n; i++)
    out[i] = i;
  for (guint i = n; i > 1; i--)
    {
      guint j = (guint) g_rand_int_range (rand, 0, (gint32) i);
      guint t = out[i - 1];
      out[i - 1] = out[j];
      out[j] = t;
    }
  return n;
}

gint64
acd_rank_double_key (double value)
{
  /* + 0.0 turns -0.0 (sign bit set) into +0.0 */
  double v = value + 0.0;
  gint64 bits;
  G_STATIC_ASSERT (sizeof bits == sizeof v);
  memcpy (&bits, &v, sizeof bits);
  return bits;
}
