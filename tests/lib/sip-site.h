/* A contact-center site for SIP tests: the real omniccd with access,
 * media and sip on 127.0.0.1, and the sipp phones of its agents.
 *
 * The site has one trunk, "operator" (its far side at 127.0.0.1 on
 * .trunk_port, keep-alives every second, PCMU first: sipp plays µ-law
 * whatever the answer chose), whose INVITEs come from 127.0.0.1; a route
 * "sales" for 1000 and +22520* that rings awa then bob (3 s each); and the
 * agents awa and bob (role agent, password LOGIN-Pass-1234, signed in once
 * so that their phones may register); phones get no keep-alive pings
 * (sipp takes only its scenario). Everything the daemon logs and
 * writes stays in .dir. Main thread only. */
#pragma once

#include "sipp.h"
#include "testlib.h"

typedef struct {
  OccTestDaemon *d;
  char *dir;
  int port;               /* omniccd's SIP port (UDP and TCP) */
  int trunk_port;         /* where the trunk's keep-alives go (0 before the start: a free port) */
  char *sip;              /* "127.0.0.1:PORT" */
  const char *plugin_dir; /* another folder of plugins (a test's fixtures), or NULL */
} OccTestSipSite;

/* Starts the site; @sip_extra are more lines for [sip], @trunk_extra for
 * [trunk operator], @more whole groups (each may be NULL). Fails the test
 * if the daemon does not come up. */
void occ_test_sip_site_start (OccTestSipSite *s, const char *sip_extra, const char *trunk_extra,
                              const char *more);

/* The same with more @plugins enabled (";"-separated, may be NULL) and
 * @files written in the site's folder first ({ "plugins.d/x.conf", text,
 * …, NULL }, may be NULL). */
void occ_test_sip_site_start_with (OccTestSipSite *s, const char *plugins, const char *const *files,
                                   const char *sip_extra, const char *trunk_extra,
                                   const char *more);

/* The site's event log so far (the eventlog plugin, pattern *, flushes
 * every second: this waits 1.3 s first), transfer full, never NULL. */
char *occ_test_sip_site_events (OccTestSipSite *s);

/* Stops the daemon (asserting a clean exit) and removes the site's folder. */
void occ_test_sip_site_stop (OccTestSipSite *s);

/* Registers @login's phone (sipp, over UDP) from a free port, which it
 * returns for the phone's next scenarios. Fails the test if the
 * registration fails. */
int occ_test_sip_site_register (OccTestSipSite *s, const char *login);

/* An agent's phone: sipp registers @login from a free port, then answers
 * there with @scenario (one call; .rtp_meter if @meter). Fails the test if
 * the registration fails. (transfer full) */
OccTestSipp *occ_test_sip_site_phone (OccTestSipSite *s, const char *login, const char *scenario,
                                      gboolean meter);

/* @login's entry in `omnicc call agent.status` (login, state, reason…),
 * with the acd plugin enabled; NULL when the ACD has no such agent.
 * (transfer full) */
JsonObject *occ_test_sip_site_agent (OccTestSipSite *s, const char *login);
