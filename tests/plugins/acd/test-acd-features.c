/* Feature codes from agents' phones, end to end: the real omniccd with
 * sip, media and acd; sipp registers an agent's phone, then dials codes
 * from that very address (*21 log in, *22 log out, *23 ready, *24 + a
 * reason code: not ready). The phone is answered 200 with a Warning that
 * says what happened, and agent.status shows it; an unknown code is 404,
 * an agent not in acd.conf 403, and an INVITE from an address where the
 * agent's phone is not registered is refused (403) with no change; a
 * code that is not one keeps the acd plugin from loading. */
#include "peers.h"
#include "sip-site.h"
#include "sipp.h"
#include "testlib.h"

#include <string.h>

#define ACD_QUEUES "[queue sales]\nstrategy=fifo-priority\n[agent awa]\nqueues=sales\n"

/* The trunk's INVITEs come from 127.0.0.2: the phones' 127.0.0.1 is no
 * trunk's, so what is not a feature code is refused there as any
 * stranger's INVITE. bob has a phone but is no agent of acd.conf. */
static void
site_start (OccTestSipSite *s, const char *acd_conf)
{
  const char *const files[] = { "plugins.d/acd.conf", acd_conf, NULL };
  occ_test_sip_site_start_with (s, "acd;acd-fifo-priority", files, NULL, "inbound-from=127.0.0.2",
                                NULL);
}

/* Dials @code from @login's phone, registered at @port: sipp's trace of
 * the dialog (what it sent and received). (transfer full) */
static char *
dial (OccTestSipSite *s, int port, const char *login, const char *code)
{
  g_autofree char *scenario = g_build_filename (SOURCE_ROOT, "tests", "plugins", "acd", "scenarios",
                                                "feature-code.xml", NULL);
  OccTestSippConfig c = { .scenario = scenario,
                          .remote = s->sip,
                          .port = port,
                          .service = code,
                          .caller = login,
                          .calls = 1,
                          .timeout_s = 20 };
  g_autoptr (OccTestSipp) p = occ_test_sipp_start (&c);
  g_assert_nonnull (p);
  int status = occ_test_sipp_wait (p, 30000);
  if (status != 0)
    occ_test_sipp_dump (p);
  g_assert_cmpint (status, ==, 0);
  return occ_test_read (p->messages);
}

/* Fails the test unless @trace holds @needle. */
static void
assert_heard (const char *trace, const char *needle)
{
  if (strstr (trace, needle) == NULL)
    g_error ("the phone did not get “%s”:\n%s", needle, trace);
}

/* Dials @code and asserts the answer: @status ("200 OK"…) with the
 * Warning @text; a 200 is followed by our BYE. */
static void
dial_expect (OccTestSipSite *s, int port, const char *login, const char *code, const char *status,
             const char *text)
{
  g_autofree char *trace = dial (s, port, login, code);
  g_autofree char *line = g_strconcat ("SIP/2.0 ", status, NULL);
  g_autofree char *warning = g_strdup_printf ("Warning: 399 omnicc \"%s\"", text);
  assert_heard (trace, line);
  assert_heard (trace, warning);
  if (g_str_has_prefix (status, "200"))
    assert_heard (trace, "BYE sip:");
  else
    g_assert_null (strstr (trace, "SIP/2.0 200"));
}

/* "STATE" or "STATE: REASON", as agent.status shows @login. (transfer full) */
static char *
shown (OccTestSipSite *s, const char *login)
{
  g_autoptr (JsonObject) o = occ_test_sip_site_agent (s, login);
  if (o == NULL)
    return g_strdup ("(not an agent)");
  const char *state = json_object_get_string_member (o, "state");
  const char *reason = json_object_get_string_member_with_default (o, "reason", NULL);
  return reason ? g_strdup_printf ("%s: %s", state, reason) : g_strdup (state);
}

static void
assert_shown (OccTestSipSite *s, const char *login, const char *expected)
{
  g_autofree char *now = shown (s, login);
  g_assert_cmpstr (now, ==, expected);
}

/* Whether the event log came to hold @needle within a few seconds (it is
 * written in batches). */
static gboolean
logged (OccTestSipSite *s, const char *needle)
{
  g_autofree char *path = g_build_filename (s->dir, "state", "events.jsonl", NULL);
  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *text = NULL;
      if (g_file_get_contents (path, &text, NULL, NULL) && strstr (text, needle))
        return TRUE;
      g_usleep (100000);
    }
  return FALSE;
}

static void
test_default_codes_change_the_state (void)
{
  OccTestSipSite s = { 0 };
  site_start (&s, ACD_QUEUES);
  int phone = occ_test_sip_site_register (&s, "awa");
  assert_shown (&s, "awa", "logged-out");
  dial_expect (&s, phone, "awa", "*21", "200 OK", "logged in");
  assert_shown (&s, "awa", "not-ready");
  dial_expect (&s, phone, "awa", "*23", "200 OK", "ready");
  assert_shown (&s, "awa", "ready");
  /* no reasons listed: the digits are the reason */
  dial_expect (&s, phone, "awa", "*2407", "200 OK", "not ready: 07");
  assert_shown (&s, "awa", "not-ready: 07");
  dial_expect (&s, phone, "awa", "*22", "200 OK", "logged out");
  assert_shown (&s, "awa", "logged-out");
  g_assert_true (logged (&s, "\"sip.feature\""));
  g_assert_true (logged (&s, "\"acd.feature.result\""));
  occ_test_sip_site_stop (&s);
}

static void
test_configured_codes_and_reasons (void)
{
  OccTestSipSite s = { 0 };
  site_start (&s, ACD_QUEUES "[features]\nready=*7\npause=*55\nreasons=07:lunch;12:training\n");
  int phone = occ_test_sip_site_register (&s, "awa");
  dial_expect (&s, phone, "awa", "*7", "200 OK", "ready");
  assert_shown (&s, "awa", "ready");
  dial_expect (&s, phone, "awa", "*5507", "200 OK", "not ready: lunch");
  assert_shown (&s, "awa", "not-ready: lunch");
  /* a reason code that is not listed, and the default ready code that *7
   * replaced: not found, nothing changes */
  dial_expect (&s, phone, "awa", "*5599", "404 Not Found", "unknown reason 99");
  dial_expect (&s, phone, "awa", "*23", "404 Not Found", "unknown code");
  assert_shown (&s, "awa", "not-ready: lunch");
  occ_test_sip_site_stop (&s);
}

static void
test_unknown_code_is_not_found (void)
{
  OccTestSipSite s = { 0 };
  site_start (&s, ACD_QUEUES);
  int phone = occ_test_sip_site_register (&s, "awa");
  dial_expect (&s, phone, "awa", "*99", "404 Not Found", "unknown code");
  assert_shown (&s, "awa", "logged-out");
  occ_test_sip_site_stop (&s);
}

static void
test_only_a_registered_agent_phone (void)
{
  OccTestSipSite s = { 0 };
  site_start (&s, ACD_QUEUES);
  occ_test_sip_site_register (&s, "awa");
  /* awa's login in the From, but from a port her phone never registered
   * from: a stranger's INVITE */
  int elsewhere = occ_test_free_sip_port ();
  g_autofree char *spoofed = dial (&s, elsewhere, "awa", "*23");
  assert_heard (spoofed, "SIP/2.0 403");
  g_assert_null (strstr (spoofed, "Warning: 399 omnicc"));
  assert_shown (&s, "awa", "logged-out");

  /* bob's phone is registered, but bob is no agent of acd.conf */
  int bob = occ_test_sip_site_register (&s, "bob");
  dial_expect (&s, bob, "bob", "*23", "403 Forbidden", "not an agent");
  /* the phone of bob calling itself awa is not awa's phone either */
  g_autofree char *as_awa = dial (&s, bob, "awa", "*23");
  assert_heard (as_awa, "SIP/2.0 403");
  assert_shown (&s, "awa", "logged-out");
  occ_test_sip_site_stop (&s);
}

static void
test_bad_codes_refused_at_load (void)
{
  OccTestSipSite s = { 0 };
  site_start (&s, ACD_QUEUES "[features]\nready=23\n");
  /* the acd plugin did not load, and the log says where the mistake is */
  g_autofree char *status = occ_test_call (s.d, 1, "agent.status", NULL);
  g_assert_nonnull (strstr (status, "unknown command"));
  g_autofree char *log = occ_test_read (s.d->log);
  g_assert_nonnull (strstr (log, "plugins.d/acd.conf: [features] ready:"));
  occ_test_sip_site_stop (&s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!occ_test_sipp_installed ())
    return 0;
  g_test_add_func ("/acd/features/default-codes-change-the-state",
                   test_default_codes_change_the_state);
  g_test_add_func ("/acd/features/configured-codes-and-reasons", test_configured_codes_and_reasons);
  g_test_add_func ("/acd/features/unknown-code-is-not-found", test_unknown_code_is_not_found);
  g_test_add_func ("/acd/features/only-a-registered-agent-phone",
                   test_only_a_registered_agent_phone);
  g_test_add_func ("/acd/features/bad-codes-refused-at-load", test_bad_codes_refused_at_load);
  return g_test_run ();
}
