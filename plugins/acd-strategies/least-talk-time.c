/* least-talk-time: the agent who spent least time on this queue's
 * interactions first; ties: longest idle. */
#include "rank.h"

ACD_RANK_SELECT_BY_FIELD (least_talk_time_select, talk_time)

ACD_STRATEGY_DEFINE ("least-talk-time", "least talk time on this queue first, then longest idle",
                     .select = least_talk_time_select);
