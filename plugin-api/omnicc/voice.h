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
#include <omnicc/plugin.h>
#include <omnicc/service.h>

G_BEGIN_DECLS

#define OCC_VOICE_SERVICE "voice"
#define OCC_VOICE_VERSION 2 /* 2: originate_queue */
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
};

G_END_DECLS
