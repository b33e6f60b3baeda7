/* A real Kamailio for tests and benchmarks: a stateful SIP proxy and
 * registrar (Debian's kamailio package) started from a generated
 * kamailio.cfg in a temporary folder, on a free UDP port of 127.0.0.1
 * only, in the foreground (-DD -E).
 *
 * What the generated configuration does:
 *   REGISTER  digest (qop=auth, MD5) checked by the auth module against
 *             the password of the To user in an htable filled from
 *             .users at start (no database): no or stale credentials get
 *             401, anything else wrong 403 (as omnicc's registrar);
 *             right: usrloc (in memory) keeps the contact, 200.
 *   INVITE    record-routed, the Request-URI's user replaced by
 *             .route_to (if given), looked up in usrloc (404 if nobody
 *             is registered) and relayed statefully by tm;
 *   in-dialog ACK and BYE follow the Record-Route (loose_route, tm);
 *   CANCEL and ACK of a transaction go with it; anything else 405.
 *
 * Stopping: occ_test_kamailio_stop(), and whatever happens to the test
 * (the guard of peers.h kills kamailio's whole process group). Its
 * workers are not children that PR_SET_PDEATHSIG reaches, so the
 * configuration also holds a watchdog (rtimer, every second) that kills
 * the group once the test process is gone or .lifetime_s has passed:
 * kamailio never outlives the test, even one killed with SIGKILL.
 * Main thread only. */
#pragma once

#include "peers.h"

#include <glib.h>

typedef struct {
  const char *const *users; /* { "login", "password", …, NULL }: the digest accounts
                             * (written into the config as they are: no quotes) */
  const char *realm;        /* the digest realm (default "omnicc") */
  const char *route_to;     /* every INVITE goes to this user's contacts; NULL: the R-URI's */
  guint children;           /* UDP worker processes (default 1; with more, a 180 and
                             * its 200 may be relayed in parallel and arrive swapped,
                             * which fails sipp's scenarios) */
  guint shm_mb;             /* shared memory, -m (default 256) */
  guint pkg_mb;             /* private memory per process, -M (default 16) */
  guint lifetime_s;         /* it kills itself after this (default 600) */
} OccTestKamailioConfig;

typedef struct {
  char *dir;     /* its temporary folder: data/kamailio.cfg, data/kamailio.log */
  char *cfg;     /* the generated configuration */
  char *log;     /* its standard output and error */
  int port;      /* its UDP port on 127.0.0.1 */
  char *address; /* "127.0.0.1:PORT", to give sipp as .remote */
  GPid pid;      /* the main process, leader of the group; 0 once stopped */
  int status;    /* its exit status once stopped, else -1 */
} OccTestKamailio;

/* Writes the configuration, checks it (kamailio -c), starts kamailio and
 * waits until it listens and its watchdog runs (about a second). NULL (with the reason and its log in
 * g_test_message) if kamailio is not installed or did not start. */
OccTestKamailio *occ_test_kamailio_start (const OccTestKamailioConfig *config);

/* Stops it (SIGTERM to the group, SIGKILL after 5 s), waits until none
 * of its processes is left, and returns the main process's exit status;
 * that of the earlier stop if it was stopped already. */
int occ_test_kamailio_stop (OccTestKamailio *k);

/* Shows its configuration and log with g_test_message. */
void occ_test_kamailio_dump (OccTestKamailio *k);

/* Stops it if needed, removes its folder and frees @k. */
void occ_test_kamailio_free (OccTestKamailio *k);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OccTestKamailio, occ_test_kamailio_free)
