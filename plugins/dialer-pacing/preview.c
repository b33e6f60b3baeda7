/* preview: every free agent gets the next record to preview; the agent
 * then dials it or skips it. No call is ever started without an agent
 * reserved for it, so a preview campaign cannot abandon a call. */
#include "pacing.h"

static void
preview_decide (const OccDialerPacingContext *ctx, OccDialerDecision *out)
{
  for (guint i = 0; i < ctx->n_agents && out->n_agents < ctx->contacts_due; i++)
    if (ctx->agents[i].state == OCC_DIALER_AGENT_FREE)
      out->agents[out->n_agents++] = i;
}

DIALER_PACING_DEFINE ("preview", "agents preview each record, then dial or skip it",
                      .flags = OCC_DIALER_PACING_PREVIEW, .decide = preview_decide);
