/* omnicc plugin API — the "ivr" service: the transactional IVR, provided
 * by the ivr plugin and called by the sip plugin for calls on an
 * `ivr = FLOW` route (and for post-call surveys).
 *
 * Main thread only. The IVR drives the call through the voice service
 * (version 3: answer, caller_leg, enqueue, dequeue, transfer, hangup)
 * and the media service (version 2: play, detect_tones, record_*), and
 * follows it on the bus (media.dtmf, acd.left, interaction.offered,
 * interaction.ended).
 *
 * Bus events (registered by the ivr plugin):
 *   ivr.node     (sssa{sv})  interaction id, flow, node, extra: kind, key
 *                            pressed, variables set…
 *   ivr.ended    (sssa{sv})  interaction id, flow, how (enqueued, transferred,
 *                            callback, self-care, hangup, caller-hung-up, failed),
 *                            extra: variables
 */
#pragma once

#include <gio/gio.h>
#include <omnicc/plugin.h>
#include <omnicc/service.h>

G_BEGIN_DECLS

#define OCC_IVR_SERVICE "ivr"
#define OCC_IVR_VERSION 1

#define OCC_EVENT_IVR_NODE "ivr.node"
#define OCC_EVENT_IVR_ENDED "ivr.ended"

/* The ACD's: the IVR asks it to take a waiting interaction out of its
 * queue (the caller chose a call-back): (id, reason). The ACD answers
 * with acd.left (id, queue, reason). */
#define OCC_EVENT_ACD_WITHDRAW "acd.withdraw"

static inline GQuark
occ_ivr_error_quark (void)
{
  return g_quark_from_string ("occ-ivr-error-quark");
}
#define OCC_IVR_ERROR (occ_ivr_error_quark ())

typedef enum {
  OCC_IVR_ERROR_NO_FLOW, /* no flow of that name is loaded */
  OCC_IVR_ERROR_BUSY,    /* the IVR runs that call already, or is at its session limit */
} OccIvrError;

typedef struct _OccIvrService OccIvrService;

struct _OccIvrService {
  OccServiceHeader header;
  /* Runs flow @flow for call @id (an interaction the voice service
   * knows). @call: a{sv} with "caller" (s), "called" (s), "trunk" (s),
   * "survey" (b: a post-call survey; the agent is gone). On error the
   * caller (sip) answers the call itself (503, or hangs up). */
  gboolean (*start) (const OccIvrService *self, const char *id, const char *flow, GVariant *call,
                     GError **error);
};

G_END_DECLS
