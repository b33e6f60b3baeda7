/* The Kamailio peer of tests/lib (kamailio-peer.h), tested with sipp:
 * digest registration (right, wrong, unknown), a call proxied to the
 * registered phone with the BYE following the Record-Route, 404 for a
 * call to nobody, and no kamailio process left once stopped (or once
 * the test is killed: tests/peers/test-sip-peers.c, with the guard). */
#include "kamailio-peer.h"
#include "sipp.h"
#include "testlib.h"

#include <string.h>
#include <sys/socket.h>

#define CALL_MS 20000

static const char *const users[] = { "awa", "Awa-pass-1", "bob", "Bob-pass-1", NULL };

static OccTestKamailio *
start (const char *route_to)
{
  OccTestKamailioConfig c = { .users = users, .route_to = route_to, .lifetime_s = 120 };
  OccTestKamailio *k = occ_test_kamailio_start (&c);
  g_assert_nonnull (k);
  return k;
}

static int
register_as (OccTestKamailio *k, const char *user, const char *password, int port)
{
  return occ_test_sipp_register (k->address, user, password, port, 0);
}

static void
test_register_with_digest (void)
{
  g_autoptr (OccTestKamailio) k = start (NULL);
  g_assert_cmpint (register_as (k, "awa", "Awa-pass-1", 0), ==, 0);
  /* sipp's register scenario fails on anything but 401/407 then 200 */
  g_assert_cmpint (register_as (k, "awa", "Bob-pass-1", 0), ==, 1);
  g_assert_cmpint (register_as (k, "nobody", "Awa-pass-1", 0), ==, 1);
  /* bob's own password for bob, so the table holds more than one */
  g_assert_cmpint (register_as (k, "bob", "Bob-pass-1", 0), ==, 0);
}

/* A registered phone receives the call, through kamailio both ways. */
static void
test_proxies_a_call (void)
{
  g_autoptr (OccTestKamailio) k = start ("awa");
  /* the phone registers from the port it then answers on */
  int port = occ_test_free_sip_port ();
  g_assert_cmpint (register_as (k, "awa", "Awa-pass-1", port), ==, 0);
  OccTestSippConfig ans
      = { .scenario = "uas", .port = port, .service = "awa", .calls = 2, .timeout_s = 20 };
  g_autoptr (OccTestSipp) phone = occ_test_sipp_start (&ans);
  g_assert_nonnull (phone);
  OccTestSippConfig call = { .scenario = "uac",
                             .remote = k->address,
                             .service = "1000",
                             .calls = 2,
                             .pause_ms = 100,
                             .timeout_s = 20 };
  g_autoptr (OccTestSipp) caller = occ_test_sipp_start (&call);
  g_assert_nonnull (caller);
  int caller_status = occ_test_sipp_wait (caller, CALL_MS);
  int phone_status = occ_test_sipp_wait (phone, CALL_MS);
  if (caller_status != 0 || phone_status != 0)
    {
      occ_test_sipp_dump (caller);
      occ_test_sipp_dump (phone);
      occ_test_kamailio_dump (k);
    }
  g_assert_cmpint (caller_status, ==, 0);
  g_assert_cmpint (phone_status, ==, 0);
  guint ok = 0, failed = 0;
  g_assert_true (occ_test_sipp_counts (phone, &ok, &failed));
  g_assert_cmpuint (ok, ==, 2);
  /* the phone saw kamailio's Record-Route, and the BYE came through it
   * (its Via on top): a stateful proxy in the dialog, not a redirect */
  g_autofree char *seen = occ_test_read (phone->messages);
  g_autofree char *rr = g_strdup_printf ("Record-Route: <sip:%s;lr", k->address);
  g_assert_nonnull (strstr (seen, rr));
  const char *bye = strstr (seen, "BYE sip:awa@");
  g_assert_nonnull (bye);
  g_autofree char *via = g_strdup_printf ("Via: SIP/2.0/UDP %s;branch=", k->address);
  const char *via_at = strstr (bye, via);
  const char *end = strstr (bye, "\n\n");
  g_assert_true (via_at != NULL && (end == NULL || via_at < end));
}

static void
test_call_to_nobody (void)
{
  g_autoptr (OccTestKamailio) k = start ("awa");
  OccTestSippConfig call
      = { .scenario = "uac", .remote = k->address, .service = "1000", .calls = 1, .timeout_s = 10 };
  g_autoptr (OccTestSipp) caller = occ_test_sipp_start (&call);
  g_assert_nonnull (caller);
  g_assert_cmpint (occ_test_sipp_wait (caller, CALL_MS), ==, 1);
  g_autofree char *seen = occ_test_read (caller->messages);
  g_assert_nonnull (strstr (seen, "SIP/2.0 404 Not Found"));
}

/* Stopping takes the workers too: nothing is left in its group nor on
 * its port. */
static void
test_stop_leaves_nothing (void)
{
  OccTestKamailio *k = start (NULL);
  GPid leader = k->pid;
  int port = k->port;
  g_assert_cmpfloat (occ_test_group_cpu_seconds (leader), >=, 0);
  g_assert_true (occ_test_port_taken (port, SOCK_DGRAM));
  occ_test_kamailio_stop (k);
  g_assert_cmpint (k->pid, ==, 0);
  g_assert_cmpfloat (occ_test_group_cpu_seconds (leader), <, 0);
  g_assert_false (occ_test_port_taken (port, SOCK_DGRAM));
  occ_test_kamailio_free (k);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/peers/kamailio/registers-with-digest", test_register_with_digest);
  g_test_add_func ("/peers/kamailio/proxies-a-call-statefully", test_proxies_a_call);
  g_test_add_func ("/peers/kamailio/404-for-nobody-registered", test_call_to_nobody);
  g_test_add_func ("/peers/kamailio/stop-leaves-nothing", test_stop_leaves_nothing);
  return g_test_run ();
}
