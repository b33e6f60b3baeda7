/* skills-based: the best-skilled agent first. The engine has already
 * dropped the agents below a required minimum level; this ranks the rest
 * by their total level on the skills the interaction requires,
 * descending, then longest idle. (Ranking by the total level is ranking
 * by the surplus over the minimums: the required levels are the same
 * for every agent.) Skills the interaction does not require do not
 * count; with none required this is longest-idle. */
#include "rank.h"

static gint64
skills_based_key (gconstpointer data, const OccAcdAgent *agent)
{
  const OccAcdInteraction *ix = data;
  gint64 total = 0;
  for (guint s = 0; s < OCC_ACD_MAX_SKILLS; s++)
    if (ix->required[s] > 0)
      total += agent->skills[s];
  return -total;
}

ACD_RANK_SELECT (skills_based_select, skills_based_key)

ACD_STRATEGY_DEFINE ("skills-based", "best total level on the required skills, then longest idle",
                     .select = skills_based_select);
