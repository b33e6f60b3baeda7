/* sip: the dial plan, see dialplan.c. */
#pragma once

#include <glib.h>

#define SIP_MAX_NUMBER 64

typedef enum {
  SIP_HUNT_SEQUENTIAL, /* the agents in order, one at a time */
} SipHunt;

typedef struct {
  char *name;
  char **patterns; /* "+22520000000", "+2252*", "*" */
  char **agents;   /* logins, in hunting order (or NULL with a queue) */
  char *queue;     /* an ACD queue the calls join instead */
  char *ivr;       /* or an IVR flow the ivr service runs for them */
  SipHunt hunt;
  guint ring_timeout_s;
} SipRoute;

void sip_route_free (SipRoute *r);
/* A called number as we route it: digits, letters, + * # (no spaces). */
gboolean sip_number_is_valid (const char *number);
/* A number, or a prefix ending in "*" (any digits follow), or "*". */
gboolean sip_pattern_is_valid (const char *pattern);
/* The route whose pattern fits @number best: an exact number beats any
 * prefix, a longer prefix beats a shorter; NULL if none. */
const SipRoute *sip_dialplan_match (GPtrArray *routes, const char *number);
/* The number in a SIP URI's user part, separators dropped; NULL if it is
 * not one (transfer full). */
char *sip_number_from_user (const char *user);
#define SIP_MAX_DISPLAY 64
/* A caller's display name as we pass it on: quotes and escapes undone,
 * control characters, quotes and backslashes dropped, valid UTF-8, at
 * most SIP_MAX_DISPLAY characters; NULL if nothing is left (transfer
 * full). */
char *sip_display_name (const char *raw);
/* An IVR flow's name as a route names it: [a-z0-9_-]{1,64}. */
gboolean sip_flow_name_is_valid (const char *name);
