/* fewest-calls: the agent who answered fewest interactions from this
 * queue first; ties: longest idle. */
#include "rank.h"

ACD_RANK_SELECT_BY_FIELD (fewest_calls_select, answered)

ACD_STRATEGY_DEFINE ("fewest-calls", "fewest answered from this queue first, then longest idle",
                     .select = fewest_calls_select);
