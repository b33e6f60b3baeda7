/* random: a uniformly random order, drawn from the engine's random
 * source (so the simulator, seeded, repeats itself). */
#include "rank.h"

static guint
random_select (const OccAcdContext *ctx, const OccAcdInteraction *ix, const OccAcdAgent *agents,
               guint n, guint *out)
{
  if (ctx->want == 1)
    {
      /* only the first is used: one draw instead of a whole shuffle */
      out[0] = (guint) g_rand_int_range (ctx->rand, 0, (gint32) n);
      return 1;
    }
  return acd_rank_shuffle (ctx->rand, n, out);
}

ACD_STRATEGY_DEFINE ("random", "a uniformly random order", .select = random_select);
