/* ratio: the omnicc dialer pacing template.
 *
 * Copy this folder, rename "ratio" everywhere, and write your own rule in
 * ratio_decide(). The rule here: keep RATIO calls in progress per free
 * agent (pacing-ratio=1.5 in the campaign; 1 is progressive). A fixed
 * ratio cannot hold an abandonment target when the answer rate moves —
 * that is what the shipped predictive pacing's feedback is for — so
 * this is a starting point, not a pacing to run a campaign on.
 *
 * What a pacing is (see <omnicc/dialer.h> and docs/plugin-guide.md,
 * "Writing a pacing plugin"): the dialer's engine keeps the contacts,
 * the calling window, retries, the do-not-call list, the abandon guard
 * and the 2-second information-message rule; the pacing only answers
 * how many calls to start now. It is pure: no I/O, no timers, no clock or
 * random source of its own (the engine passes both), so the same .so
 * runs in the daemon and, under virtual time, in omnicc-sim.
 *
 * Only the public plugin API is used: <omnicc/omnicc.h> and
 * <omnicc/dialer.h>, from the installed omnicc-plugin SDK.
 */
#include <omnicc/omnicc.h>
#include <omnicc/dialer.h>

#include <math.h>

/* The service is "dialer.pacing/" PACING_NAME, the plugin (and its file)
 * "dialer-" PACING_NAME; a campaign picks it with pacing=ratio. */
#define PACING_NAME "ratio"

typedef struct {
  double ratio;
} Ratio;

/* One campaign's state, from its pacing-* keys (without the prefix).
 * Refuse what you cannot use, naming the key. */
static gpointer
ratio_state_new (const OccDialerPacing *self, const char *campaign, GHashTable *params,
                 GError **error)
{
  Ratio *r = g_new0 (Ratio, 1);
  const char *v = g_hash_table_lookup (params, "ratio");
  char *end = NULL;
  r->ratio = v ? g_ascii_strtod (v, &end) : 1.0;
  if (v && (*v == '\0' || *end != '\0' || !(r->ratio >= 1.0 && r->ratio <= 5.0)))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "campaign %s: pacing-ratio: must be a number from 1 to 5", campaign);
      g_free (r);
      return NULL;
    }
  return r;
}

/* The one function every pacing has: how many calls to start now. The
 * engine caps the answer (due contacts, max-lines-per-agent) and logs
 * what it dropped. */
static void
ratio_decide (const OccDialerPacingContext *ctx, OccDialerDecision *out)
{
  const Ratio *r = ctx->state;
  double want = floor (r->ratio * ctx->agents_free + 1e-9);
  guint pending = ctx->calls_dialing + ctx->calls_ringing + ctx->calls_waiting;
  out->calls = want > pending ? (guint) want - pending : 0;
}

static const OccDialerPacing pacing = {
  .header = OCC_SERVICE_HEADER (OccDialerPacing, OCC_DIALER_PACING_VERSION),
  .name = PACING_NAME,
  .summary = "a fixed number of calls in progress per free agent",
  .state_new = ratio_state_new,
  .state_free = g_free,
  .decide = ratio_decide,
};

static OccLoadResult
ratio_load (OccPlugin *plugin, GError **error)
{
  if (!occ_service_provide (plugin, OCC_DIALER_PACING_SERVICE_PREFIX PACING_NAME, &pacing, error))
    return OCC_LOAD_FAILED;
  return OCC_LOAD_OK;
}

OCC_PLUGIN_DEFINE (.name = "dialer-" PACING_NAME, .version = "0.1.0",
                   .summary = "dialer pacing: a fixed number of calls per free agent",
                   .license = "GPL-3.0-or-later",
                   .provides = OCC_LIST (OCC_DIALER_PACING_SERVICE_PREFIX PACING_NAME),
                   .load = ratio_load);
