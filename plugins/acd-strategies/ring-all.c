/* ring-all: every eligible agent rings at once (the engine does that for
 * OCC_ACD_STRATEGY_RING_ALL); the list is still ranked, longest idle
 * first, for engines and reports that look at the order. */
#include "rank.h"

ACD_STRATEGY_DEFINE ("ring-all", "every eligible agent rings at once; first to answer takes it",
                     .flags = OCC_ACD_STRATEGY_RING_ALL, .select = acd_rank_select_longest_idle);
