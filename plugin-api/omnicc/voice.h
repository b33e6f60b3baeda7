/* omnicc plugin API — the "voice" service: calls placed by omnicc (the
 * dialer, call-backs, an agent's click to call), provided by the sip
 * plugin.
 *
 * Every function is called on the main thread. A call is an interaction:
 * interaction.new (direction "outbound") when it is placed,
 * interaction.connected when an agent is bridged, interaction.ended at
 * the end; and its progress meanwhile:
 *   voice.progress  (ssa{sv})  interaction id, state, extra: trunk,
 *                              sip-status, reason
 * with state one of trying, ringing, answered, busy, no-answer, failed.
 */
#pragma once

#include <gio/gio.h>
#include <omnicc/media.h>
#include <omnicc/plugin.h>
#include <omnicc/service.h>

G_BEGIN_DECLS

#define OCC_VOICE_SERVICE "voice"
#define OCC_VOICE_VERSION 3 /* 2: originate_queue; 3: call control for the IVR */
#define OCC_EVENT_VOICE_PROGRESS "voice.progress"

static inline GQuark
occ_voice_error_quark (void)
{
  return g_quark_from_string ("occ-voice-error-quark");
}
#define OCC_VOICE_ERROR (occ_voice_error_quark ())

typedef enum {
  OCC_VOICE_ERROR_INVALID,     /* not a number, not a login */
  OCC_VOICE_ERROR_UNAVAILABLE, /* no trunk is up, no media */
  OCC_VOICE_ERROR_NOT_FOUND,   /* no such call */
} OccVoiceError;

typedef struct _OccVoiceService OccVoiceService;

struct _OccVoiceService {
  OccServiceHeader header;
  /* Places a call to @number through the trunks in their order, skipping
   * those known to be down; a trunk that answers 5xx or 408, or cannot be
   * reached, gives way to the next. @caller_id: the number presented
   * (NULL: the trunk's caller-id; "anonymous": withheld — From anonymous,
   * Privacy: id, the trunk's caller-id only in P-Asserted-Identity). When the called party answers, @agent
   * (a login, may be NULL) is rung and bridged. Returns the interaction
   * id (transfer full); the outcome comes on the bus. */
  char *(*originate) (const OccVoiceService *self, const char *number, const char *caller_id,
                      const char *agent, GError **error);
  /* Ends the call @id, in whatever state. */
  gboolean (*hangup) (const OccVoiceService *self, const char *id, GError **error);
  /* Appended (optional: check OCC_SERVICE_HAS (v, originate_queue)).
   * Places a call as originate() does, but when the called party answers
   * the call joins the ACD queue @queue as an inbound call on a queue
   * route does (interaction.routed, interaction.enqueue); the agent the
   * ACD offers it to (interaction.offered) is rung and bridged
   * (interaction.connected names that agent). Hung up while it waits
   * (hangup()), it leaves the queue with interaction.ended. Returns the
   * interaction id (transfer full); the outcome comes on the bus. */
  char *(*originate_queue) (const OccVoiceService *self, const char *number, const char *caller_id,
                            const char *queue, GError **error);

  /* Appended in version 3 (check OCC_SERVICE_HAS (v, answer)): control of
   * a call that the ivr service runs (an inbound call on an `ivr = FLOW`
   * route, handed to it with OccIvrService.start(); or a call kept for
   * its survey). */

  /* Answers inbound call @id (200 OK with our SDP; no-op if answered). */
  gboolean (*answer) (const OccVoiceService *self, const char *id, GError **error);
  /* The caller's media leg (transfer none; valid until the call ends), for
   * prompts, tone detection and recording; for an outbound call its called
   * party answered, that party's leg. NULL if there is no such call. */
  OccMediaLeg *(*caller_leg) (const OccVoiceService *self, const char *id);
  /* The call joins ACD @queue as a call on a queue route does
   * (interaction.routed "queue", interaction.enqueue with @priority,
   * @skills — "name" or "name:level" — and @extra merged into the
   * enqueue's extra: the IVR's variables). An answered call hears @moh
   * (a file, looped; NULL: silence) until it is bridged to an agent.
   * While it waits, acd.left (timeout, full…) does not end the call: the
   * ivr service decides. When the agent hangs up and @survey (a flow
   * name) was given, the caller is not hung up but handed back to the ivr
   * service with start (id, survey, {"survey": true}). */
  gboolean (*enqueue) (const OccVoiceService *self, const char *id, const char *queue,
                       gint priority, const char *const *skills, GVariant *extra, const char *moh,
                       const char *survey, GError **error);
  /* Takes a waiting call out of its queue (acd.withdraw; the ACD answers
   * with acd.left and reason @reason), without ending it: the caller of
   * dequeue() holds it then (an IVR call, or an outbound call the dialer
   * abandons with its information message). */
  gboolean (*dequeue) (const OccVoiceService *self, const char *id, const char *reason,
                       GError **error);
  /* Blind transfer of call @id to @number through the trunks: the caller
   * is bridged to the called party when it answers (its progress on the
   * bus as voice.progress); busy, no answer or failure ends the call
   * (interaction.ended, reason "transfer-failed"). */
  gboolean (*transfer) (const OccVoiceService *self, const char *id, const char *number,
                        GError **error);
};

G_END_DECLS
