/* Real peers for tests (slapd, sipp, baresip…): starting them, waiting
 * for them and, above all, stopping them whatever happens to the test.
 *
 * Every process started with occ_test_spawn() leads a process group of its
 * own and is killed with that group:
 *   - by occ_test_process_stop(), the normal way;
 *   - when the test process exits (atexit) or dies of a fatal signal
 *     (SIGABRT from a failed assertion, SIGSEGV, SIGTERM from meson's
 *     timeout…): the guard's handlers kill every group still registered,
 *     then let the signal do what it did before;
 *   - when the test process is killed outright (SIGKILL): the kernel
 *     sends the peer SIGKILL (PR_SET_PDEATHSIG).
 * Peers keep their files under a temporary folder "omnicc-test-XXXXXX/data"
 * named on their command line, the pattern quickstart's sweep looks for.
 *
 * Everything here is for the test's main thread: PR_SET_PDEATHSIG follows
 * the thread that spawned the peer, and the guard's table is not locked. */
#pragma once

#include <glib.h>

/* Registers @pid, the leader of a process group, with the guard; at most
 * 32 at once. occ_test_spawn() does this itself. */
void occ_test_guard_add (GPid pid);
/* Forgets @pid (after it was reaped). */
void occ_test_guard_remove (GPid pid);
/* A GSpawnChildSetupFunc for peers spawned by other means: a process group
 * of its own, and SIGKILL when the test process dies. @data is unused. */
void occ_test_guard_child_setup (gpointer data);

/* Starts @argv (NULL-terminated, argv[0] a path) in @cwd (NULL: the
 * current folder) with standard output and error appended to @log (NULL:
 * discarded), registered with the guard. Returns the pid, or 0 with
 * @error set. */
GPid occ_test_spawn (const char *const *argv, const char *cwd, const char *log, GError **error);

/* TRUE if @pid has not exited (zombies count as exited). */
gboolean occ_test_process_alive (GPid pid);

/* Waits up to @timeout_ms for @pid to exit while running the default main
 * context, so that in-process servers keep answering. TRUE (with the wait
 * status in @status, may be NULL) if it exited; it is then reaped and
 * removed from the guard. */
gboolean occ_test_process_wait (GPid pid, guint timeout_ms, int *status);

/* Sends @signum to the process group of @pid, waits up to @grace_ms for
 * it to exit and kills the group with SIGKILL otherwise. Returns the wait
 * status. */
int occ_test_process_stop (GPid pid, int signum, guint grace_ms);

/* A wait status as a shell would show it: the exit status, or 128 + the
 * signal that ended the process. */
int occ_test_exit_code (int wait_status);

/* CPU time (user and system, in seconds) used so far by the processes
 * now in the process group that @leader leads: a daemon with its worker
 * processes (kamailio), or a single process. -1 if the group has no
 * process left (zombies count as processes until reaped). */
double occ_test_group_cpu_seconds (GPid leader);
/* Waits up to @timeout_ms (running the default main context) until no
 * process of the group @leader led is left, reaped ones included: workers
 * orphaned when their leader died are reaped by init, not by us. */
gboolean occ_test_group_wait_gone (GPid leader, guint timeout_ms);

/* Runs the default main context until @cond (@data) holds or @timeout_ms
 * passes, calling @cond once per turn and at least every 10 ms (unlike
 * occ_test_wait_for(), which checks it only when a source dispatched, and
 * once more at the end). Returns the last result of @cond. */
gboolean occ_test_poll_until (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms);

/* TRUE if something listens on 127.0.0.1:@port (@type SOCK_DGRAM or
 * SOCK_STREAM): it cannot be bound. */
gboolean occ_test_port_taken (int port, int type);

/* Free ports on 127.0.0.1, found by binding port 0 (no port is handed out
 * twice by one test process):
 * a TCP port; */
int occ_test_free_port (void);
/* a UDP port; */
int occ_test_free_udp_port (void);
/* a port free for both UDP and TCP (SIP listens on both); */
int occ_test_free_sip_port (void);
/* a port P free for UDP and TCP, with P + 1 free for TCP too (where
 * baresip listens for SIP over TLS); */
int occ_test_free_sip_ports (void);
/* an even UDP port P with P … P + @count - 1 all free (RTP, RTCP, and
 * sipp's second media socket at P + 2). */
int occ_test_free_udp_ports (guint count);
