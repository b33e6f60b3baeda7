/* The media plugin in-process (media.so in an OccContext), with phones that
 * are GStreamer pipelines on 127.0.0.1: bridges with RTP both ways,
 * transcoding, SRTP, DTMF, hold, rebridge, errors, the port range, the
 * end of legs, unload, configuration and threads. */
#include "media-fixture.h"

#include <string.h>

#define TONE_A 440.0
#define TONE_B 1000.0
#define RUN_MS 2000

typedef struct {
  OccMediaLeg *a; /* the trunk's leg */
  OccMediaLeg *b; /* the agent's */
  Phone *pa;
  Phone *pb;
} Call;

static void
call_free (MediaFixture *f, Call *c)
{
  if (c->a)
    f->media->leg_free (c->a);
  if (c->b)
    f->media->leg_free (c->b);
  g_clear_pointer (&c->pa, phone_free);
  g_clear_pointer (&c->pb, phone_free);
}

/* The trunk's phone offers and leg a answers; leg b offers (like a) and
 * the agent's phone answers. */
static void
call_negotiate (MediaFixture *f, Call *c, OccMediaSrtp srtp_a)
{
  g_autoptr (GError) e = NULL;
  c->a = media_fixture_leg (f, "call-1", "trunk", srtp_a);
  c->b = media_fixture_leg (f, "call-1", "agent:awa", OCC_MEDIA_SRTP_OFF);
  g_autofree char *offer = phone_offer (c->pa, "sendrecv");
  g_autofree char *answer = f->media->leg_answer_offer (c->a, offer, &e);
  g_assert_no_error (e);
  phone_learn (c->pa, answer);
  g_autofree char *offer_b = f->media->leg_offer (c->b, c->a, &e);
  g_assert_no_error (e);
  g_autofree char *answer_b = phone_answer (c->pb, offer_b);
  g_assert_true (f->media->leg_accept_answer (c->b, answer_b, &e));
  g_assert_no_error (e);
}

static void
call_bridge (MediaFixture *f, Call *c)
{
  g_autoptr (GError) e = NULL;
  g_assert_true (f->media->bridge (c->a, c->b, &e));
  g_assert_no_error (e);
  phone_listen (c->pa);
  phone_listen (c->pb);
}

static void
run_tones (Call *c, guint ms)
{
  phone_start_tone (c->pa, TONE_A);
  phone_start_tone (c->pb, TONE_B);
  occ_test_spin (ms);
  phone_stop_tone (c->pa);
  phone_stop_tone (c->pb);
  occ_test_spin (300); /* what is on its way arrives */
}

static guint64
stat_u64 (GVariant *stats, const char *key)
{
  guint64 v = 0;
  g_assert_true (g_variant_lookup (stats, key, "t", &v));
  return v;
}

static const char *
stat_str (GVariant *stats, const char *key)
{
  const char *v = NULL;
  g_assert_true (g_variant_lookup (stats, key, "&s", &v));
  return v;
}

/* ≥ 90 % of what one phone sent reached the other, as the tone it was. */
static void
assert_heard (Phone *from, Phone *to, double freq)
{
  PhoneCounts sent = phone_counts (from), got = phone_counts (to);
  g_test_message ("sent %u, received %u", sent.sent, got.received);
  g_assert_cmpuint (sent.sent, >, 50);
  g_assert_cmpuint (got.received * 10, >=, sent.sent * 9);
  g_assert_cmpuint (got.bad_pt, ==, 0);
  g_assert_cmpuint (got.ssrcs, ==, 1);
  guint samples;
  double share = phone_tone_share (to, freq, &samples);
  g_test_message ("%.0f Hz: %.2f of the energy in %u samples", freq, share, samples);
  g_assert_cmpuint (samples, >=, 8000);
  g_assert_cmpfloat (share, >, 0.8);
}

/* Bridges @c, lets each phone send its tone, and asserts each heard the
 * other's. */
static void
talk_both_ways (MediaFixture *f, Call *c)
{
  call_bridge (f, c);
  run_tones (c, RUN_MS);
  assert_heard (c->pa, c->pb, TONE_A);
  assert_heard (c->pb, c->pa, TONE_B);
}

/* --- bridges ----------------------------------------------------------------------- */

static void
test_bridge_both_ways (MediaFixture *f, gconstpointer data)
{
  Call c = { .pa = phone_new ("PCMA", 101, FALSE), .pb = phone_new ("PCMA", 101, FALSE) };
  call_negotiate (f, &c, OCC_MEDIA_SRTP_OFF);
  talk_both_ways (f, &c);
  /* the other tone is not there: each hears the other, not itself */
  guint n;
  g_assert_cmpfloat (phone_tone_share (c.pb, TONE_B, &n), <, 0.1);

  g_autoptr (GVariant) st = f->media->leg_stats (c.a);
  g_variant_ref_sink (st);
  g_assert_cmpstr (stat_str (st, "codec"), ==, "PCMA");
  g_assert_cmpstr (stat_str (st, "direction"), ==, "sendrecv");
  g_autofree char *remote = g_strdup_printf ("127.0.0.1:%u", phone_port (c.pa));
  g_assert_cmpstr (stat_str (st, "remote"), ==, remote);
  /* (the phone counts a packet as it goes to its sink: the last may not
   * have left when it stopped) */
  PhoneCounts ca = phone_counts (c.pa);
  guint64 received = stat_u64 (st, "packets-received");
  g_assert_cmpuint (received, <=, ca.sent);
  g_assert_cmpuint (received + 2, >=, ca.sent);
  g_assert_cmpuint (stat_u64 (st, "packets-sent"), ==, ca.received);
  g_assert_cmpuint (stat_u64 (st, "bytes-received"), ==, received * 172);
  g_assert_cmpuint (stat_u64 (st, "packets-lost"), ==, 0);
  gboolean srtp = TRUE;
  g_assert_true (g_variant_lookup (st, "srtp", "b", &srtp));
  g_assert_false (srtp);
  double jitter = -1;
  g_assert_true (g_variant_lookup (st, "jitter-ms", "d", &jitter));
  g_assert_cmpfloat (jitter, >=, 0);
  call_free (f, &c);
}

static void
test_transcoding (MediaFixture *f, gconstpointer data)
{
  /* the agent's phone knows only PCMU: A-law from the trunk is µ-law to it */
  Call c = { .pa = phone_new ("PCMA", 101, FALSE), .pb = phone_new ("PCMU", 101, FALSE) };
  call_negotiate (f, &c, OCC_MEDIA_SRTP_OFF);
  g_autoptr (GVariant) sb = f->media->leg_stats (c.b);
  g_variant_ref_sink (sb);
  g_assert_cmpstr (stat_str (sb, "codec"), ==, "PCMU");
  talk_both_ways (f, &c);
  call_free (f, &c);
}

static void
test_transcoding_opus (MediaFixture *f, gconstpointer data)
{
  /* a softphone with opus only, an agent with A-law */
  Call c = { .pa = phone_new ("opus", 101, FALSE), .pb = phone_new ("PCMA", 101, FALSE) };
  call_negotiate (f, &c, OCC_MEDIA_SRTP_OFF);
  g_autoptr (GVariant) sa = f->media->leg_stats (c.a);
  g_variant_ref_sink (sa);
  g_assert_cmpstr (stat_str (sa, "codec"), ==, "opus");
  talk_both_ways (f, &c);
  call_free (f, &c);
}

static void
test_srtp_one_side (MediaFixture *f, gconstpointer data)
{
  Call c = { .pa = phone_new ("PCMA", 101, TRUE), .pb = phone_new ("PCMA", 101, FALSE) };
  call_negotiate (f, &c, OCC_MEDIA_SRTP_REQUIRED);
  talk_both_ways (f, &c);
  g_autoptr (GVariant) st = f->media->leg_stats (c.a);
  g_variant_ref_sink (st);
  gboolean srtp = FALSE;
  g_assert_true (g_variant_lookup (st, "srtp", "b", &srtp));
  g_assert_true (srtp);
  /* SRTP packets carry the 10-byte authentication tag */
  g_assert_cmpuint (stat_u64 (st, "bytes-received"), ==, stat_u64 (st, "packets-received") * 182);
  call_free (f, &c);
}

/* --- DTMF -------------------------------------------------------------------------- */

static void
test_dtmf (MediaFixture *f, gconstpointer data)
{
  /* the agent's phone numbers telephone-event 96 */
  Call c = { .pa = phone_new ("PCMA", 101, FALSE), .pb = phone_new ("PCMA", 96, FALSE) };
  call_negotiate (f, &c, OCC_MEDIA_SRTP_OFF);
  call_bridge (f, &c);
  phone_send_dtmf (c.pa, 5, 200);
  phone_send_dtmf (c.pa, 11, 100);
  g_assert_true (media_fixture_wait_events (f, OCC_EVENT_MEDIA_DTMF, 2));
  occ_test_spin (200);
  const char *call, *label, *digit;
  guint32 ms;
  g_variant_get (occ_event_get_payload (media_fixture_event (f, OCC_EVENT_MEDIA_DTMF, 0)),
                 "(&s&s&su)", &call, &label, &digit, &ms);
  g_assert_cmpstr (call, ==, "call-1");
  g_assert_cmpstr (label, ==, "trunk");
  g_assert_cmpstr (digit, ==, "5");
  g_assert_cmpuint (ms, ==, 200);
  g_variant_get (occ_event_get_payload (media_fixture_event (f, OCC_EVENT_MEDIA_DTMF, 1)),
                 "(&s&s&su)", &call, &label, &digit, &ms);
  g_assert_cmpstr (digit, ==, "#");
  /* each digit once, though its end was sent three times */
  g_assert_null (media_fixture_event (f, OCC_EVENT_MEDIA_DTMF, 2));
  /* the events reached the agent's phone on its payload type, every packet */
  PhoneCounts got = phone_counts (c.pb);
  g_assert_cmpuint (got.events, ==, (10 + 3) + (5 + 3));
  g_assert_cmpuint (got.event_digit, ==, 11);
  g_assert_cmpuint (got.bad_pt, ==, 0);
  g_autoptr (GVariant) st = f->media->leg_stats (c.b);
  g_variant_ref_sink (st);
  g_assert_cmpuint (stat_u64 (st, "dtmf-sent"), ==, 21);
  call_free (f, &c);
}

/* --- hold --------------------------------------------------------------------------- */

static void
test_hold_unhold (MediaFixture *f, gconstpointer data)
{
  Call c = { .pa = phone_new ("PCMA", 101, FALSE), .pb = phone_new ("PCMA", 101, FALSE) };
  call_negotiate (f, &c, OCC_MEDIA_SRTP_OFF);
  call_bridge (f, &c);
  phone_start_tone (c.pa, TONE_A);
  phone_start_tone (c.pb, TONE_B);
  occ_test_spin (500);
  g_assert_cmpuint (phone_counts (c.pb).received, >, 10);

  /* the agent's phone holds: sendonly, answered recvonly */
  g_autoptr (GError) e = NULL;
  g_autofree char *hold = phone_offer (c.pb, "sendonly");
  g_autofree char *answer = f->media->leg_answer_offer (c.b, hold, &e);
  g_assert_no_error (e);
  g_assert_nonnull (strstr (answer, "a=recvonly\r\n"));
  g_autoptr (GVariant) st = f->media->leg_stats (c.b);
  g_variant_ref_sink (st);
  g_assert_cmpstr (stat_str (st, "direction"), ==, "recvonly");
  occ_test_spin (500); /* what was on its way arrives */
  phone_reset (c.pb);
  phone_reset (c.pa);
  occ_test_spin (1000);
  /* nothing to the held phone; what it sends still reaches the trunk */
  g_assert_cmpuint (phone_counts (c.pb).received, ==, 0);
  g_assert_cmpuint (phone_counts (c.pa).received, >, 40);

  /* unhold */
  g_autofree char *unhold = phone_offer (c.pb, "sendrecv");
  g_autofree char *answer2 = f->media->leg_answer_offer (c.b, unhold, &e);
  g_assert_no_error (e);
  g_assert_nonnull (strstr (answer2, "a=sendrecv\r\n"));
  occ_test_spin (1000);
  g_assert_cmpuint (phone_counts (c.pb).received, >, 40);
  phone_stop_tone (c.pa);
  phone_stop_tone (c.pb);
  call_free (f, &c);
}

/* --- a re-INVITE to a new address ---------------------------------------------------- */

static void
test_new_address (MediaFixture *f, gconstpointer data)
{
  Call c = { .pa = phone_new ("PCMA", 101, FALSE), .pb = phone_new ("PCMA", 101, FALSE) };
  call_negotiate (f, &c, OCC_MEDIA_SRTP_OFF);
  call_bridge (f, &c);
  phone_start_tone (c.pa, TONE_A);
  occ_test_spin (400);
  g_assert_cmpuint (phone_counts (c.pb).received, >, 5);
  /* the agent's phone moves (another port, as after a network change) */
  g_autoptr (Phone) moved = phone_new ("PCMA", 101, FALSE);
  g_autoptr (GError) e = NULL;
  g_autofree char *offer = phone_offer (moved, "sendrecv");
  g_autofree char *answer = f->media->leg_answer_offer (c.b, offer, &e);
  g_assert_no_error (e);
  phone_learn (moved, answer);
  phone_listen (moved);
  occ_test_spin (500);
  phone_reset (c.pb);
  occ_test_spin (600);
  phone_stop_tone (c.pa);
  occ_test_spin (200);
  g_assert_cmpuint (phone_counts (c.pb).received, ==, 0);
  PhoneCounts got = phone_counts (moved);
  g_assert_cmpuint (got.received, >, 20);
  /* still the leg's one stream */
  g_assert_cmpuint (got.ssrcs, ==, 1);
  g_autoptr (GVariant) st = f->media->leg_stats (c.b);
  g_variant_ref_sink (st);
  g_autofree char *remote = g_strdup_printf ("127.0.0.1:%u", phone_port (moved));
  g_assert_cmpstr (stat_str (st, "remote"), ==, remote);

  /* DTMF is reported on a leg that is not bridged too */
  f->media->unbridge (c.a);
  phone_send_dtmf (c.pa, 3, 60);
  g_assert_true (media_fixture_wait_events (f, OCC_EVENT_MEDIA_DTMF, 1));
  const char *call, *label, *digit;
  guint32 ms;
  g_variant_get (occ_event_get_payload (media_fixture_event (f, OCC_EVENT_MEDIA_DTMF, 0)),
                 "(&s&s&su)", &call, &label, &digit, &ms);
  g_assert_cmpstr (digit, ==, "3");
  call_free (f, &c);
}

/* --- rebridge: one stream at the far phone --------------------------------------------- */

static void
test_rebridge (MediaFixture *f, gconstpointer data)
{
  Call c = { .pa = phone_new ("PCMA", 101, FALSE), .pb = phone_new ("PCMU", 101, FALSE) };
  call_negotiate (f, &c, OCC_MEDIA_SRTP_OFF);
  call_bridge (f, &c);
  phone_start_tone (c.pa, TONE_A);
  occ_test_spin (600);
  f->media->unbridge (c.a);
  occ_test_spin (500);
  PhoneCounts before = phone_counts (c.pb);
  g_assert_cmpuint (before.received, >, 10);
  occ_test_spin (400);
  /* nothing while unbridged */
  g_assert_cmpuint (phone_counts (c.pb).received, ==, before.received);

  /* the trunk goes to another agent leg meanwhile, then comes back */
  g_autoptr (Phone) pc = phone_new ("PCMA", 101, FALSE);
  OccMediaLeg *other = media_fixture_leg (f, "call-1", "agent:bob", OCC_MEDIA_SRTP_OFF);
  g_autoptr (GError) e = NULL;
  g_autofree char *offer_c = f->media->leg_offer (other, c.a, &e);
  g_autofree char *answer_c = phone_answer (pc, offer_c);
  g_assert_true (f->media->leg_accept_answer (other, answer_c, &e));
  g_assert_true (f->media->bridge (c.a, other, &e));
  g_assert_no_error (e);
  /* a leg is in one bridge at a time */
  g_assert_false (f->media->bridge (c.b, c.a, &e));
  g_assert_error (e, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_STATE);
  g_clear_error (&e);
  occ_test_spin (300);
  f->media->unbridge (other);
  f->media->leg_free (other);

  g_assert_true (f->media->bridge (c.a, c.b, &e));
  g_assert_no_error (e);
  occ_test_spin (600);
  phone_stop_tone (c.pa);
  occ_test_spin (200);
  PhoneCounts after = phone_counts (c.pb);
  g_assert_cmpuint (after.received, >, before.received + 10);
  /* one SSRC, a sequence without a break, timestamps only forward */
  g_assert_cmpuint (after.ssrcs, ==, 1);
  g_assert_cmpuint (after.ssrc, ==, before.ssrc);
  g_assert_cmpuint (after.seq_breaks, ==, 0);
  g_assert_cmpuint (after.ts_backward, ==, 0);
  call_free (f, &c);
}

/* --- errors ------------------------------------------------------------------------- */

static void
test_sdp_errors (MediaFixture *f, gconstpointer data)
{
  g_autoptr (GError) e = NULL;
  OccMediaLeg *leg = media_fixture_leg (f, "call-2", "trunk", OCC_MEDIA_SRTP_OFF);
  g_assert_null (f->media->leg_answer_offer (leg, "this is no SDP", &e));
  g_assert_error (e, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_INVALID);
  g_assert_nonnull (strstr (e->message, "call-2/trunk"));
  g_clear_error (&e);
  const char *g729 = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                     "m=audio 40000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n";
  g_assert_null (f->media->leg_answer_offer (leg, g729, &e));
  g_assert_error (e, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_NOT_ACCEPTABLE);
  g_clear_error (&e);
  /* not negotiated: no bridge */
  OccMediaLeg *other = media_fixture_leg (f, "call-2", "agent", OCC_MEDIA_SRTP_OFF);
  g_assert_false (f->media->bridge (leg, other, &e));
  g_assert_error (e, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_STATE);
  g_clear_error (&e);
  /* an answer without an offer */
  g_assert_false (f->media->leg_accept_answer (leg, g729, &e));
  g_assert_error (e, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_STATE);
  g_clear_error (&e);
  f->media->leg_free (other);

  /* SRTP required, plain offered */
  OccMediaLeg *secure = media_fixture_leg (f, "call-3", "trunk", OCC_MEDIA_SRTP_REQUIRED);
  g_autoptr (Phone) p = phone_new ("PCMA", 101, FALSE);
  g_autofree char *plain = phone_offer (p, "sendrecv");
  g_assert_null (f->media->leg_answer_offer (secure, plain, &e));
  g_assert_error (e, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_NOT_ACCEPTABLE);
  g_clear_error (&e);
  /* no codec we have */
  OccMediaLegOptions o = { .call_id = "call-4", .label = "x", .codecs = OCC_LIST ("G729") };
  g_assert_null (f->media->leg_new (f->media, &o, &e));
  g_assert_error (e, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_NOT_ACCEPTABLE);
  g_clear_error (&e);
  f->media->leg_free (secure);
  f->media->leg_free (leg);
}

static void
test_codec_option (MediaFixture *f, gconstpointer data)
{
  OccMediaLegOptions o = { .call_id = "call-5", .label = "trunk", .codecs = OCC_LIST ("PCMU") };
  g_autoptr (GError) e = NULL;
  OccMediaLeg *leg = f->media->leg_new (f->media, &o, &e);
  g_assert_no_error (e);
  g_autofree char *offer = f->media->leg_offer (leg, NULL, &e);
  g_assert_nonnull (strstr (offer, " RTP/AVP 0 101\r\n"));
  f->media->leg_free (leg);
}

/* --- ports ----------------------------------------------------------------------------- */

static void
test_port_range (void)
{
  MediaFixture f = { 0 };
  media_fixture_start (&f, 2, NULL);
  OccMediaLeg *a = media_fixture_leg (&f, "c", "1", OCC_MEDIA_SRTP_OFF);
  OccMediaLeg *b = media_fixture_leg (&f, "c", "2", OCC_MEDIA_SRTP_OFF);
  OccMediaLegOptions o = { .call_id = "c", .label = "3" };
  g_autoptr (GError) e = NULL;
  g_assert_null (f.media->leg_new (f.media, &o, &e));
  g_assert_error (e, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_RESOURCES);
  g_clear_error (&e);
  /* the ports are even and in the range */
  g_autoptr (GVariant) st = f.media->leg_stats (a);
  g_variant_ref_sink (st);
  guint32 port = 0;
  g_assert_true (g_variant_lookup (st, "local-port", "u", &port));
  g_assert_cmpuint (port % 2, ==, 0);
  g_assert_cmpuint (port, >=, f.port_min);
  g_assert_cmpuint (port + 1, <=, f.port_max);
  /* a pair freed is free again */
  f.media->leg_free (a);
  OccMediaLeg *c = f.media->leg_new (f.media, &o, &e);
  g_assert_no_error (e);
  f.media->leg_free (b);
  f.media->leg_free (c);
  media_fixture_stop (&f);
}

/* --- the end of legs, and unload ------------------------------------------------------- */

static void
test_leg_ended (MediaFixture *f, gconstpointer data)
{
  Call c = { .pa = phone_new ("PCMA", 101, FALSE), .pb = phone_new ("PCMA", 101, FALSE) };
  call_negotiate (f, &c, OCC_MEDIA_SRTP_OFF);
  call_bridge (f, &c);
  run_tones (&c, 1000);
  PhoneCounts ca = phone_counts (c.pa);
  f->media->leg_free (c.a);
  c.a = NULL;
  g_assert_true (media_fixture_wait_events (f, OCC_EVENT_MEDIA_LEG_ENDED, 1));
  const OccEvent *ev = media_fixture_event (f, OCC_EVENT_MEDIA_LEG_ENDED, 0);
  const char *call, *label;
  g_autoptr (GVariant) st = NULL;
  g_variant_get (occ_event_get_payload (ev), "(&s&s@a{sv})", &call, &label, &st);
  g_assert_cmpstr (call, ==, "call-1");
  g_assert_cmpstr (label, ==, "trunk");
  g_assert_cmpuint (stat_u64 (st, "packets-received"), <=, ca.sent);
  g_assert_cmpuint (stat_u64 (st, "packets-received") + 2, >=, ca.sent);
  g_assert_cmpuint (stat_u64 (st, "packets-sent"), ==, ca.received);
  g_assert_cmpuint (stat_u64 (st, "bytes-sent"), ==, ca.received * 172);
  g_assert_cmpuint (stat_u64 (st, "packets-lost"), ==, 0);
  g_assert_cmpstr (stat_str (st, "codec"), ==, "PCMA");
  /* RTCP went both ways: our reports to the phone (every second here) */
  g_assert_cmpuint (phone_counts (c.pa).rtcp, >=, 1);
  /* the other leg lives on, unbridged */
  g_autoptr (GVariant) sb = f->media->leg_stats (c.b);
  g_variant_ref_sink (sb);
  g_assert_cmpstr (stat_str (sb, "codec"), ==, "PCMA");
  call_free (f, &c);
  g_assert_true (media_fixture_wait_events (f, OCC_EVENT_MEDIA_LEG_ENDED, 2));
}

static void
test_unload_live (void)
{
  MediaFixture f = { 0 };
  media_fixture_start (&f, 20, NULL);
  Call calls[3];
  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      calls[i]
          = (Call){ .pa = phone_new ("PCMA", 101, i == 1), .pb = phone_new ("PCMU", 101, FALSE) };
      call_negotiate (&f, &calls[i], i == 1 ? OCC_MEDIA_SRTP_REQUIRED : OCC_MEDIA_SRTP_OFF);
      call_bridge (&f, &calls[i]);
      phone_start_tone (calls[i].pa, TONE_A);
      phone_start_tone (calls[i].pb, TONE_B);
    }
  occ_test_spin (500);
  g_assert_cmpuint (phone_counts (calls[0].pb).received, >, 5);
  /* unloaded with media flowing: every leg ends */
  g_autoptr (GError) e = NULL;
  g_assert_true (occ_loader_unload (f.ctx->loader, "media", &e));
  g_assert_no_error (e);
  f.media = NULL;
  occ_test_spin (100);
  g_assert_nonnull (media_fixture_event (&f, OCC_EVENT_MEDIA_LEG_ENDED, 5));
  /* and nothing is sent any more */
  occ_test_spin (500);
  guint before = phone_counts (calls[0].pb).received;
  occ_test_spin (300);
  g_assert_cmpuint (phone_counts (calls[0].pb).received, ==, before);
  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      phone_free (calls[i].pa);
      phone_free (calls[i].pb);
    }
  /* and it loads again */
  media_fixture_start (&f, 20, NULL);
  OccMediaLeg *leg = media_fixture_leg (&f, "again", "trunk", OCC_MEDIA_SRTP_OFF);
  f.media->leg_free (leg);
  media_fixture_stop (&f);
}

/* --- configuration ---------------------------------------------------------------------- */

static void
test_bad_config (void)
{
  static const struct {
    const char *conf;
    const char *key;
  } cases[] = {
    { "[media]\naddress=not-an-address\n", "[media] address" },
    { "[media]\naddress=0.0.0.0\n", "[media] address" },
    { "[media]\npublic-address=::1\n", "[media] public-address" },
    { "[media]\nrtp-port-min=20001\n", "[media] rtp-port-min" },
    { "[media]\nrtp-port-min=30000\nrtp-port-max=20000\n", "[media] rtp-port-max" },
    { "[media]\ncodecs=PCMA;G729\n", "[media] codecs" },
    { "[media]\ncodecs=PCMA;PCMA\n", "[media] codecs" },
    { "[media]\njitter-ms=5000\n", "jitter-ms" }, /* the schema's bounds */
    { "[media]\nunknown=1\n", "unknown" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      MediaFixture f = { 0 };
      g_autoptr (GError) e = NULL;
      g_assert_false (media_fixture_try_load (&f, cases[i].conf, &e));
      g_assert_nonnull (e);
      g_test_message ("%s", e->message);
      if (strstr (e->message, cases[i].key) == NULL)
        g_error ("“%s” does not name %s", e->message, cases[i].key);
      media_fixture_stop (&f);
    }
  /* 0.0.0.0 with a public address is fine */
  MediaFixture f = { 0 };
  g_autoptr (GError) e = NULL;
  g_assert_true (media_fixture_try_load (
      &f, "[media]\naddress=0.0.0.0\npublic-address=192.0.2.7\ncodecs=PCMU\n", &e));
  g_assert_no_error (e);
  OccMediaLeg *leg = media_fixture_leg (&f, "c", "x", OCC_MEDIA_SRTP_OFF);
  g_autofree char *offer = f.media->leg_offer (leg, NULL, &e);
  g_assert_nonnull (strstr (offer, "c=IN IP4 192.0.2.7\r\n"));
  g_assert_nonnull (strstr (offer, " RTP/AVP 0 101\r\n"));
  f.media->leg_free (leg);
  media_fixture_stop (&f);
}

/* --- threads ---------------------------------------------------------------------------- */

static guint
thread_count (void)
{
  g_autoptr (GDir) d = g_dir_open ("/proc/self/task", 0, NULL);
  guint n = 0;
  while (d && g_dir_read_name (d))
    n++;
  return n;
}

static void
test_threads_bounded (void)
{
  MediaFixture f = { 0 };
  media_fixture_start (&f, 30, "threads=2\n");
  /* the phones' pipelines have threads of their own: made first */
  enum { CALLS = 12 };
  Phone *pa[CALLS], *pb[CALLS];
  for (guint i = 0; i < CALLS; i++)
    {
      pa[i] = phone_new ("PCMA", 101, FALSE);
      pb[i] = phone_new ("PCMU", 101, FALSE);
    }
  guint before = thread_count ();
  Call calls[CALLS];
  for (guint i = 0; i < CALLS; i++)
    {
      calls[i] = (Call){ .pa = pa[i], .pb = pb[i] };
      call_negotiate (&f, &calls[i], OCC_MEDIA_SRTP_OFF);
      g_autoptr (GError) e = NULL;
      g_assert_true (f.media->bridge (calls[i].a, calls[i].b, &e));
    }
  occ_test_spin (200);
  guint after = thread_count ();
  g_test_message ("threads: %u before, %u with %u bridged calls", before, after, CALLS);
  /* none more for the calls (the phones' own GStreamer threads, counted
   * in this process too, may have ended meanwhile: fewer is fine) */
  g_assert_cmpuint (after, <=, before);
  for (guint i = 0; i < CALLS; i++)
    call_free (&f, &calls[i]);
  media_fixture_stop (&f);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  /* refused loads are logged as warnings by the core */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
#define ADD(path, fn) \
  g_test_add (path, MediaFixture, NULL, media_fixture_setup, fn, media_fixture_teardown)
  ADD ("/media/bridge/rtp-flows-both-ways", test_bridge_both_ways);
  ADD ("/media/bridge/transcodes-pcma-to-pcmu", test_transcoding);
  ADD ("/media/bridge/transcodes-opus-to-pcma", test_transcoding_opus);
  ADD ("/media/bridge/srtp-on-one-side", test_srtp_one_side);
  ADD ("/media/dtmf/event-on-the-bus-and-to-the-other-phone", test_dtmf);
  ADD ("/media/hold/sendonly-then-unhold", test_hold_unhold);
  ADD ("/media/bridge/rebridge-keeps-ssrc-and-sequence", test_rebridge);
  ADD ("/media/reinvite/new-remote-address", test_new_address);
  ADD ("/media/errors/invalid-not-acceptable-state", test_sdp_errors);
  ADD ("/media/leg/codecs-option", test_codec_option);
  ADD ("/media/leg/free-publishes-ended-with-counts", test_leg_ended);
  g_test_add_func ("/media/ports/range-of-two-pairs", test_port_range);
  g_test_add_func ("/media/unload/with-live-bridged-legs", test_unload_live);
  g_test_add_func ("/media/config/bad-values-name-the-key", test_bad_config);
  g_test_add_func ("/media/threads/do-not-grow-with-calls", test_threads_bounded);
  return g_test_run ();
}
