/* longest-idle: the agent free for longest first (idle_since ascending). */
#include "rank.h"

ACD_STRATEGY_DEFINE ("longest-idle", "the agent idle longest first",
                     .select = acd_rank_select_longest_idle);
