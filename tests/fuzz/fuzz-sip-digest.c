/* Fuzz target: the Authorization header's digest parameters (one per
 * input line, as sofia-sip splits them), the response they lead to, and
 * nonce checking of arbitrary text. */
#include "digest.h"

#include "fuzz-log.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_auto (GStrv) lines = g_strsplit (text, "\n", 33);
  SipDigestParams p;
  g_autoptr (GError) e = NULL;
  if (sip_digest_parse ((const char *const *) lines, &p, &e))
    {
      g_assert (p.username && p.realm && p.nonce && p.uri && p.response);
      g_autofree char *r = sip_digest_expected (sip_digest_algo (&p),
                                                "00112233445566778899aabbccddeeff", "REGISTER", &p);
      (void) sip_digest_equal (r, p.response);
      guint8 secret[32] = { 1 };
      (void) sip_digest_nonce_check (secret, sizeof secret, p.nonce, 1800000000, 300, p.realm);
      sip_digest_params_clear (&p);
    }
  else
    g_assert (e != NULL && p.username == NULL);
  return 0;
}
