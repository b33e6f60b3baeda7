/* progressive: one call in progress per free agent. Every call that is
 * dialing, ringing or answered and waiting counts against a free agent,
 * so an answer always finds one (barring an agent who leaves). */
#include "pacing.h"

static void
progressive_decide (const OccDialerPacingContext *ctx, OccDialerDecision *out)
{
  guint pending = ctx->calls_dialing + ctx->calls_ringing + ctx->calls_waiting;
  out->calls = ctx->agents_free > pending ? ctx->agents_free - pending : 0;
}

DIALER_PACING_DEFINE ("progressive", "one call in progress per free agent",
                      .decide = progressive_decide);
