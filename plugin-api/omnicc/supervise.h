/* omnicc plugin API — the "supervise" service: a supervisor joins a live
 * call, provided by the sip plugin.
 *
 * The supervisor's phone (the newest registered contact of that login) is
 * rung like an agent's; it rings until answered (30 s at most). Once it
 * answers, the mode decides who hears whom:
 *   listen    the supervisor hears the caller and the agent; nobody hears
 *             the supervisor
 *   whisper   listen, and the agent hears the supervisor too
 *   barge     everyone hears the two others (a three-way call)
 *   takeover  the agent's leg is released (BYE) and the caller is bridged
 *             to the supervisor, who becomes the call's agent
 * The supervisor hanging up ends the supervision only; the call ending
 * hangs up the supervisor.
 *
 * This service is for trusted plugins: it checks no permission. The
 * control commands supervise.listen|whisper|barge|takeover|stop (and web
 * pages, in their own plugin) check `calls.supervise` first.
 *
 * Main thread only. Bus event (registered by the provider):
 *   supervise.state  (sssa{sv})  interaction id, supervisor login, mode
 *                                (listen|whisper|barge|takeover|ended),
 *                                extra: "reason" (s) when ended
 *                                (no-answer, refused, supervisor-hung-up,
 *                                stopped, call-ended, taken-over…),
 *                                "ringing" (b) while the phone rings,
 *                                "agent" (s)
 */
#pragma once

#include <gio/gio.h>
#include <omnicc/plugin.h>
#include <omnicc/service.h>

G_BEGIN_DECLS

#define OCC_SUPERVISE_SERVICE "supervise"
#define OCC_SUPERVISE_VERSION 1

#define OCC_EVENT_SUPERVISE_STATE "supervise.state"

static inline GQuark
occ_supervise_error_quark (void)
{
  return g_quark_from_string ("occ-supervise-error-quark");
}
#define OCC_SUPERVISE_ERROR (occ_supervise_error_quark ())

typedef enum {
  OCC_SUPERVISE_ERROR_INVALID,       /* no such mode, no login */
  OCC_SUPERVISE_ERROR_NOT_FOUND,     /* no such call, or it is not supervised (change, stop) */
  OCC_SUPERVISE_ERROR_NOT_CONNECTED, /* the call has no agent talking yet */
  OCC_SUPERVISE_ERROR_UNAVAILABLE,   /* the supervisor has no registered phone, or is on a call */
  OCC_SUPERVISE_ERROR_BUSY,          /* another supervisor is on that call */
} OccSuperviseError;

typedef enum {
  OCC_SUPERVISE_LISTEN,
  OCC_SUPERVISE_WHISPER,
  OCC_SUPERVISE_BARGE,
  OCC_SUPERVISE_TAKEOVER,
} OccSuperviseMode;

/* "listen", "whisper", "barge", "takeover" (as in supervise.state). */
static inline const char *
occ_supervise_mode_name (OccSuperviseMode mode)
{
  static const char *const names[] = { "listen", "whisper", "barge", "takeover" };
  return (guint) mode < G_N_ELEMENTS (names) ? names[mode] : NULL;
}

/* The mode named @name; FALSE if there is none. */
static inline gboolean
occ_supervise_mode_parse (const char *name, OccSuperviseMode *mode)
{
  for (guint m = OCC_SUPERVISE_LISTEN; m <= OCC_SUPERVISE_TAKEOVER; m++)
    if (name && g_strcmp0 (name, occ_supervise_mode_name ((OccSuperviseMode) m)) == 0)
      {
        *mode = (OccSuperviseMode) m;
        return TRUE;
      }
  return FALSE;
}

typedef struct _OccSuperviseService OccSuperviseService;

struct _OccSuperviseService {
  OccServiceHeader header;
  /* Rings @supervisor's phone to join connected call @id in @mode (the
   * mode applies once the phone answers). One supervisor per call: a
   * second is refused (BUSY). */
  gboolean (*start) (const OccSuperviseService *self, const char *id, const char *supervisor,
                     OccSuperviseMode mode, GError **error);
  /* Another mode for the supervision of call @id (also while ringing:
   * applied on answer). Take-over is final: no change after it. */
  gboolean (*change) (const OccSuperviseService *self, const char *id, OccSuperviseMode mode,
                      GError **error);
  /* Ends the supervision of call @id: the supervisor's phone is hung up
   * (or no longer rung), the call goes on as before. After a take-over
   * the supervisor is the call's agent: hang up the call instead. */
  gboolean (*stop) (const OccSuperviseService *self, const char *id, GError **error);
};

G_END_DECLS
