/* sip: digest authentication, see digest.c. */
#pragma once

#include <glib.h>

#define SIP_DIGEST_MAX_PARAM 1024

static inline GQuark
sip_digest_error_quark (void)
{
  return g_quark_from_string ("occ-sip-digest-error-quark");
}
#define SIP_DIGEST_ERROR (sip_digest_error_quark ())

typedef enum {
  SIP_DIGEST_ERROR_MALFORMED,
  SIP_DIGEST_ERROR_UNSUPPORTED,
} SipDigestError;

typedef enum { SIP_DIGEST_MD5, SIP_DIGEST_SHA256 } SipDigestAlgo;

typedef struct {
  char *username;
  char *realm;
  char *nonce;
  char *uri;
  char *response;
  char *algorithm;
  char *qop;
  char *nc;
  char *cnonce;
  char *opaque;
} SipDigestParams;

/* The parameters of a Digest Authorization header (sofia-sip's au_params:
 * "name=value" strings, values quoted or not). FALSE with a reason for
 * anything malformed, missing or unsupported (qop other than auth). */
gboolean sip_digest_parse (const char *const *params, SipDigestParams *out, GError **error);
void sip_digest_params_clear (SipDigestParams *p);
SipDigestAlgo sip_digest_algo (const SipDigestParams *p);

/* A nonce that needs no server state: when it was made, random bytes and
 * an HMAC over both and the client's address, in hex. */
char *sip_digest_nonce_new (const guint8 *secret, gsize secret_len, gint64 now_s,
                            const char *source);

typedef enum {
  SIP_NONCE_OK,
  SIP_NONCE_STALE, /* ours, but too old: challenge again with stale=true */
  SIP_NONCE_BAD,   /* not ours, altered, or for another address */
} SipNonceCheck;

SipNonceCheck sip_digest_nonce_check (const guint8 *secret, gsize secret_len, const char *nonce,
                                      gint64 now_s, gint64 max_age_s, const char *source);

/* The response @ha1 (hex) gives for @method and @p (transfer full, hex). */
char *sip_digest_expected (SipDigestAlgo algo, const char *ha1, const char *method,
                           const SipDigestParams *p);
/* Constant-time comparisons. */
gboolean sip_digest_equal (const char *expected, const char *given);
gboolean sip_digest_equal_bytes (const guint8 *a, const guint8 *b, gsize n);
/* A WWW-Authenticate value (transfer full). */
char *sip_digest_challenge (const char *realm, const char *nonce, SipDigestAlgo algo,
                            gboolean stale);
