/* A web service in the test process for the IVR's HTTP node: a SoupServer
 * on 127.0.0.1 (a free port) on the default main context, so it answers
 * while the test runs the main loop. Routes:
 *   GET /balance?number=N  the demo's billing answer (cli/demo-billing.c):
 *                          {"number":N,"balance":"12.50","currency":"EUR",
 *                          "due":"2026-12-03"}, the balance set for N by
 *                          occ_test_web_peer_set_balance();
 *   /slow?ms=N             {"slept_ms":N} after N ms (the server keeps
 *                          answering others meanwhile);
 *   /fail?status=N         status N with {"error":"failing on purpose"};
 *   /notjson               200, text/plain, not JSON;
 *   /big?bytes=N           200, a JSON object of N bytes (N >= 10) written
 *                          64 KiB at a time as the client takes them,
 *                          chunked (&declared=1: with a Content-Length);
 *   POST /echo             {"method":M,"body":B,"content_type":T};
 *   and what occ_test_web_peer_serve() adds.
 * Every request is counted by path. Main thread only. */
#pragma once

#include <glib.h>

typedef struct _OccTestWebPeer OccTestWebPeer;

/* Starts a peer (fails the test if it cannot listen). */
OccTestWebPeer *occ_test_web_peer_start (void);
/* Stops it, dropping requests still waiting (/slow). */
void occ_test_web_peer_free (OccTestWebPeer *peer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OccTestWebPeer, occ_test_web_peer_free)

int occ_test_web_peer_port (OccTestWebPeer *peer);
/* "http://127.0.0.1:PORT" + @path_and_query (transfer full). */
char *occ_test_web_peer_url (OccTestWebPeer *peer, const char *path_and_query);

/* /balance answers @balance for @number from now on ("": 404 unknown). */
void occ_test_web_peer_set_balance (OccTestWebPeer *peer, const char *number, const char *balance);
/* @path answers @status with @body (@content_type) from now on. */
void occ_test_web_peer_serve (OccTestWebPeer *peer, const char *path, unsigned status,
                              const char *content_type, const char *body);

/* Requests received for @path (the path alone, without the query). */
unsigned occ_test_web_peer_count (OccTestWebPeer *peer, const char *path);
/* Body bytes of /big answers handed to the kernel so far, and how many of
 * those answers are over (sent in full or given up when the client left). */
guint64 occ_test_web_peer_big_bytes (OccTestWebPeer *peer);
unsigned occ_test_web_peer_big_done (OccTestWebPeer *peer);
