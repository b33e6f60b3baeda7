/* fifo-priority: our first site's rule. The engine already serves the
 * waiting interactions by priority, then first come first served; among
 * the eligible agents, the one idle longest goes first. */
#include "rank.h"

ACD_STRATEGY_DEFINE ("fifo-priority", "priority, then first come first served; longest idle agent",
                     .select = acd_rank_select_longest_idle);
