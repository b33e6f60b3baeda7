/* sip: one call of the B2BUA (calls.c), shared with the IVR's control of
 * it (ivr-calls.c). Main thread only. */
#pragma once

#include "sip-private.h"

typedef enum {
  CALL_ROUTING,
  CALL_QUEUED,  /* in an ACD queue: the caller hears ringing */
  CALL_DIALING, /* outbound: the called party's phone rings */
  CALL_RINGING,
  CALL_CONNECTED,
  CALL_ENDED,
  CALL_IVR, /* answered, in the IVR (ivr-calls.c), not queued */
} CallState;

struct _SipCall {
  Sip *self;
  char *id;
  char *trunk;
  char *from;        /* the caller's number */
  char *display;     /* the caller's name as the trunk gave it, or NULL */
  gboolean withheld; /* the caller asked not to be shown (Privacy, anonymous) */
  char *to;          /* the called number */
  nua_handle_t *a;
  nua_handle_t *b;
  nua_handle_t *c; /* a blind transfer's new agent leg, while it rings */
  OccMediaLeg *ma;
  OccMediaLeg *mb;
  OccMediaLeg *mc;
  char *transfer_to; /* who c rings */
  char *answer_a;    /* our SDP answer to the caller's offer */
  char **agents;
  guint next_agent;
  guint ring_timeout_s;
  char *agent; /* the one ringing or connected */
  char *queue; /* the ACD queue it waits in, or NULL */
  guint ring_timer;
  guint max_timer;
  CallState state;
  gboolean outbound;       /* we placed it: a is our INVITE to the called party */
  gboolean party_answered; /* outbound: the called party answered */
  GPtrArray *trunks;       /* outbound: SipTrunk* still to try, in order */
  char *caller_id;
  char *contact_a; /* our Contact towards a (NULL: the stack's) */
  gint64 started;  /* monotonic µs */
  gint64 answered;
  guint tried;
  guint auth_tries; /* outbound: challenges answered on this trunk */
  gboolean early;   /* the ringing agent's early media is bridged to the caller */
  /* media-timeout: packets each leg had received, and when that last
   * changed (monotonic s) */
  guint64 rx_a, rx_b;
  gint64 rx_a_at, rx_b_at;
  SipSupervision *sup; /* a supervisor on the call (supervise.c), or NULL */
  /* the IVR's (ivr-calls.c) */
  gboolean ivr_owned;   /* the ivr service runs it: acd.left does not end it */
  gboolean moh;         /* music on hold plays to the caller while it waits (enqueue) */
  gboolean auto_answer; /* its queue's agents' phones answer by themselves */
  gboolean a_answered;  /* inbound: the caller got our 200 (answer()) */
  char *survey;         /* the flow the caller is handed to when the agent hangs up */
  nua_handle_t *x;      /* transfer(): the external party's leg, while it is dialed */
  OccMediaLeg *mx;
  char *x_number;      /* whom transfer() dials, or is bridged with */
  char *x_trunk;       /* through which trunk */
  GPtrArray *x_trunks; /* SipTrunk* still to try */
  guint x_auth_tries;
};

/* calls.c, for ivr-calls.c */
void sip_call_end (SipCall *call, const char *reason, const char *by, int status);
void sip_call_publish (SipCall *call, const char *type, GVariant *payload);
/* The call joins call->queue (interaction.routed, interaction.enqueue with
 * @priority, @skills and @extra merged into the extra: may be NULL). */
void sip_call_enqueue (SipCall *call, gint priority, const char *const *skills, GVariant *extra);
/* The call's max-call-duration timer, from now (if configured, once). */
void sip_call_start_max_timer (SipCall *call);
/* The trunks by their order (transfer container). */
GPtrArray *sip_trunks_in_order (Sip *self);
/* Sends INVITE @offer for @number through @trunk, as @call's caller id
 * says; returns the new handle (its magic is @call). */
nua_handle_t *sip_call_invite_trunk (SipCall *call, SipTrunk *trunk, const char *number,
                                     const char *offer);
/* What a final answer >= 300 to an outbound INVITE means: NULL when it is
 * the trunk's fault (the next trunk is tried), else the progress state
 * (busy, no-answer, failed). */
const char *sip_dial_verdict (int status);

/* ivr-calls.c */
void sip_ivr_voice_init (OccVoiceService *voice);
/* An inbound call on @route (an `ivr =` route): handed to the ivr service. */
void sip_ivr_route (SipCall *call, const SipRoute *route);
/* Before the caller's leg is bridged: what plays to it stops. */
void sip_ivr_before_bridge (SipCall *call);
/* acd.left for a call the IVR owns: TRUE (then handled: back to the IVR). */
gboolean sip_ivr_left (SipCall *call);
/* The agent hung up: TRUE if the caller was handed to a survey instead of
 * the call ending. */
gboolean sip_ivr_agent_left (SipCall *call);
/* An answer on call->x (a transfer's leg): TRUE if it was that. */
gboolean sip_ivr_invite_response (SipCall *call, nua_handle_t *nh, int status, const char *phrase,
                                  const sip_t *sip);
/* The call ends: the transfer's leg goes; @d gets what the IVR adds to
 * interaction.ended. */
void sip_ivr_call_ending (SipCall *call, GVariantDict *d);
/* Frees the IVR's fields. */
void sip_ivr_call_free (SipCall *call);
