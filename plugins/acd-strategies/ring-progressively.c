/* ring-progressively: the longest idle agent rings first; with
 * OCC_ACD_STRATEGY_PROGRESSIVE the engine selects again every
 * ring-progressive interval while it rings and adds the first returned,
 * the earlier ones ringing on. */
#include "rank.h"

ACD_STRATEGY_DEFINE ("ring-progressively",
                     "longest idle rings first, one more agent every progressive interval",
                     .flags = OCC_ACD_STRATEGY_PROGRESSIVE, .select = acd_rank_select_longest_idle);
