/* Digest authentication without a stack: the parameters of an
 * Authorization header, the expected response (the RFC 2617 and RFC 7616
 * examples), and stateless nonces. */
#include "digest.h"

#include <string.h>

static void
test_rfc_examples (void)
{
  /* RFC 2617 section 3.5 */
  SipDigestParams p = { 0 };
  g_autoptr (GError) e = NULL;
  const char *md5[] = { "username=\"Mufasa\"",
                        "realm=\"testrealm@host.com\"",
                        "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"",
                        "uri=\"/dir/index.html\"",
                        "qop=auth",
                        "nc=00000001",
                        "cnonce=\"0a4f113b\"",
                        "response=\"6629fae49393a05397450978507c4ef1\"",
                        "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
                        NULL };
  g_assert_true (sip_digest_parse (md5, &p, &e));
  g_assert_no_error (e);
  g_assert_cmpint (sip_digest_algo (&p), ==, SIP_DIGEST_MD5);
  g_autofree char *ha1 = g_compute_checksum_for_string (
      G_CHECKSUM_MD5, "Mufasa:testrealm@host.com:Circle Of Life", -1);
  g_autofree char *r = sip_digest_expected (SIP_DIGEST_MD5, ha1, "GET", &p);
  g_assert_cmpstr (r, ==, "6629fae49393a05397450978507c4ef1");
  g_assert_true (sip_digest_equal (r, p.response));
  g_assert_true (sip_digest_equal (r, "6629FAE49393A05397450978507C4EF1"));
  g_assert_false (sip_digest_equal (r, "6629fae49393a05397450978507c4ef0"));
  g_assert_false (sip_digest_equal (r, "6629fae4"));
  g_autofree char *wrong = sip_digest_expected (SIP_DIGEST_MD5, ha1, "POST", &p);
  g_assert_false (sip_digest_equal (wrong, p.response));
  sip_digest_params_clear (&p);

  /* RFC 7616 section 3.9.1, SHA-256 */
  const char *sha[]
      = { "username=\"Mufasa\"",
          "realm=\"http-auth@example.org\"",
          "uri=\"/dir/index.html\"",
          "algorithm=SHA-256",
          "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\"",
          "nc=00000001",
          "cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\"",
          "qop=auth",
          "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\"",
          NULL };
  g_assert_true (sip_digest_parse (sha, &p, &e));
  g_assert_cmpint (sip_digest_algo (&p), ==, SIP_DIGEST_SHA256);
  g_autofree char *ha1s = g_compute_checksum_for_string (
      G_CHECKSUM_SHA256, "Mufasa:http-auth@example.org:Circle of Life", -1);
  g_autofree char *rs = sip_digest_expected (SIP_DIGEST_SHA256, ha1s, "GET", &p);
  g_assert_cmpstr (rs, ==, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
  sip_digest_params_clear (&p);

  /* without qop (RFC 2069 style) */
  const char *old[]
      = { "username=alice", "realm=omnicc", "nonce=abc", "uri=sip:omnicc", "response=x", NULL };
  g_assert_true (sip_digest_parse (old, &p, &e));
  g_autofree char *ha1o = g_compute_checksum_for_string (G_CHECKSUM_MD5, "alice:omnicc:pw", -1);
  g_autofree char *ha2 = g_compute_checksum_for_string (G_CHECKSUM_MD5, "REGISTER:sip:omnicc", -1);
  g_autofree char *joined = g_strdup_printf ("%s:abc:%s", ha1o, ha2);
  g_autofree char *want = g_compute_checksum_for_string (G_CHECKSUM_MD5, joined, -1);
  g_autofree char *got = sip_digest_expected (SIP_DIGEST_MD5, ha1o, "REGISTER", &p);
  g_assert_cmpstr (got, ==, want);
  sip_digest_params_clear (&p);
}

static void
test_malformed (void)
{
  const char *const *cases[] = {
    (const char *const[]){ "username=\"a\"", "realm=\"r\"", "nonce=\"n\"", "uri=\"u\"", NULL },
    (const char *const[]){ "username=\"a", "realm=r", "nonce=n", "uri=u", "response=x", NULL },
    (const char *const[]){ "username=\"a\"x", "realm=r", "nonce=n", "uri=u", "response=x", NULL },
    (const char *const[]){ "username=a", "username=b", "realm=r", "nonce=n", "uri=u", "response=x",
                           NULL },
    (const char *const[]){ "=a", "realm=r", "nonce=n", "uri=u", "response=x", NULL },
    (const char *const[]){ "username", "realm=r", "nonce=n", "uri=u", "response=x", NULL },
    (const char *const[]){ "username=a b", "realm=r", "nonce=n", "uri=u", "response=x", NULL },
    (const char *const[]){ "username=a", "realm=r", "nonce=n", "uri=u", "response=x",
                           "qop=auth-int", "nc=1", "cnonce=c", NULL },
    (const char *const[]){ "username=a", "realm=r", "nonce=n", "uri=u", "response=x", "qop=auth",
                           NULL },
    (const char *const[]){ "username=a", "realm=r", "nonce=n", "uri=u", "response=x",
                           "algorithm=SHA-512-256", NULL },
    (const char *const[]){ "username=\"\xff\"", "realm=r", "nonce=n", "uri=u", "response=x", NULL },
    (const char *const[]){ "username=\"a\x01\"", "realm=r", "nonce=n", "uri=u", "response=x",
                           NULL },
    (const char *const[]){ NULL },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      SipDigestParams p;
      g_autoptr (GError) e = NULL;
      g_assert_false (sip_digest_parse (cases[i], &p, &e));
      g_assert_nonnull (e);
      g_assert_null (p.username);
    }
  g_autofree char *huge = g_strnfill (SIP_DIGEST_MAX_PARAM + 10, 'a');
  g_autofree char *param = g_strconcat ("username=", huge, NULL);
  const char *big[] = { param, "realm=r", "nonce=n", "uri=u", "response=x", NULL };
  SipDigestParams p;
  g_autoptr (GError) e = NULL;
  g_assert_false (sip_digest_parse (big, &p, &e));
  /* escapes inside quotes */
  const char *esc[] = { "username=\"a\\\"b\"",    "realm=r", "nonce=n", "uri=u", "response=x",
                        "unknown-param=whatever", NULL };
  g_clear_error (&e);
  g_assert_true (sip_digest_parse (esc, &p, &e));
  g_assert_cmpstr (p.username, ==, "a\"b");
  sip_digest_params_clear (&p);
}

static void
test_nonces (void)
{
  guint8 secret[32], other[32];
  memset (secret, 7, sizeof secret);
  memset (other, 8, sizeof other);
  gint64 now = 1800000000;
  g_autofree char *n = sip_digest_nonce_new (secret, sizeof secret, now, "192.0.2.1");
  g_autofree char *n2 = sip_digest_nonce_new (secret, sizeof secret, now, "192.0.2.1");
  g_assert_cmpstr (n, !=, n2);
  g_assert_cmpint (sip_digest_nonce_check (secret, sizeof secret, n, now + 10, 300, "192.0.2.1"),
                   ==, SIP_NONCE_OK);
  g_assert_cmpint (sip_digest_nonce_check (secret, sizeof secret, n, now + 301, 300, "192.0.2.1"),
                   ==, SIP_NONCE_STALE);
  g_assert_cmpint (sip_digest_nonce_check (secret, sizeof secret, n, now - 60, 300, "192.0.2.1"),
                   ==, SIP_NONCE_STALE); /* from the future */
  g_assert_cmpint (sip_digest_nonce_check (secret, sizeof secret, n, now, 300, "192.0.2.2"), ==,
                   SIP_NONCE_BAD);
  g_assert_cmpint (sip_digest_nonce_check (other, sizeof other, n, now, 300, "192.0.2.1"), ==,
                   SIP_NONCE_BAD);
  g_autofree char *tampered = g_strdup (n);
  tampered[3] = tampered[3] == '0' ? '1' : '0'; /* the time */
  g_assert_cmpint (sip_digest_nonce_check (secret, sizeof secret, tampered, now, 300, "192.0.2.1"),
                   ==, SIP_NONCE_BAD);
  g_assert_cmpint (sip_digest_nonce_check (secret, sizeof secret, "zz", now, 300, "x"), ==,
                   SIP_NONCE_BAD);
  g_assert_cmpint (sip_digest_nonce_check (secret, sizeof secret, NULL, now, 300, "x"), ==,
                   SIP_NONCE_BAD);
  g_autofree char *notx = g_strnfill (strlen (n), 'g');
  g_assert_cmpint (sip_digest_nonce_check (secret, sizeof secret, notx, now, 300, "x"), ==,
                   SIP_NONCE_BAD);
  g_autofree char *ch = sip_digest_challenge ("omnicc", n, SIP_DIGEST_SHA256, TRUE);
  g_assert_nonnull (strstr (ch, "algorithm=SHA-256"));
  g_assert_nonnull (strstr (ch, "stale=true"));
  g_assert_nonnull (strstr (ch, "qop=\"auth\""));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sip/digest/rfc-examples", test_rfc_examples);
  g_test_add_func ("/sip/digest/malformed", test_malformed);
  g_test_add_func ("/sip/digest/nonces", test_nonces);
  return g_test_run ();
}
