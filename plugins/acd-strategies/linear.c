/* linear: top-down, the first member of the queue's list first, every
 * time (order ascending). */
#include "rank.h"

ACD_RANK_SELECT (linear_select, acd_rank_key_order)

ACD_STRATEGY_DEFINE ("linear", "top-down: the first member of the list first",
                     .select = linear_select);
