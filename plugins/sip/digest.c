/* sip: digest authentication of requests (RFC 3261 section 22, RFC 7616;
 * SHA-256 as RFC 8760 allows): the parameters of an Authorization header,
 * nonces that need no server state, and the response a password gives.
 * Pure functions, fuzzed and unit-tested without a stack. */
#include "digest.h"

#include <string.h>

#define NONCE_RANDOM 8
#define NONCE_MAC 16
#define NONCE_BYTES (8 + NONCE_RANDOM + NONCE_MAC)

void
sip_digest_params_clear (SipDigestParams *p)
{
  g_clear_pointer (&p->username, g_free);
  g_clear_pointer (&p->realm, g_free);
  g_clear_pointer (&p->nonce, g_free);
  g_clear_pointer (&p->uri, g_free);
  g_clear_pointer (&p->response, g_free);
  g_clear_pointer (&p->algorithm, g_free);
  g_clear_pointer (&p->qop, g_free);
  g_clear_pointer (&p->nc, g_free);
  g_clear_pointer (&p->cnonce, g_free);
  g_clear_pointer (&p->opaque, g_free);
}

/* The value of name=value: a token, or a quoted string with \-escapes. */
static char *
param_value (const char *v, GError **error)
{
  if (*v != '"')
    {
      for (const char *c = v; *c; c++)
        if ((guchar) *c <= ' ' || *c == '"' || *c == ',' || (guchar) *c >= 0x7f)
          {
            g_set_error (error, SIP_DIGEST_ERROR, SIP_DIGEST_ERROR_MALFORMED,
                         "a digest parameter value has a stray character");
            return NULL;
          }
      return g_strdup (v);
    }
  GString *out = g_string_new (NULL);
  const char *c = v + 1;
  for (; *c && *c != '"'; c++)
    {
      if (*c == '\\' && c[1])
        c++;
      if ((guchar) *c < ' ' && *c != '\t')
        break;
      g_string_append_c (out, *c);
    }
  if (*c != '"' || c[1] != '\0' || !g_utf8_validate (out->str, out->len, NULL))
    {
      g_string_free (out, TRUE);
      g_set_error (error, SIP_DIGEST_ERROR, SIP_DIGEST_ERROR_MALFORMED,
                   "a quoted digest parameter is not closed, or not UTF-8");
      return NULL;
    }
  return g_string_free (out, FALSE);
}

gboolean
sip_digest_parse (const char *const *params, SipDigestParams *out, GError **error)
{
  memset (out, 0, sizeof *out);
  static const struct {
    const char *name;
    gsize offset;
  } known[] = {
    { "username", G_STRUCT_OFFSET (SipDigestParams, username) },
    { "realm", G_STRUCT_OFFSET (SipDigestParams, realm) },
    { "nonce", G_STRUCT_OFFSET (SipDigestParams, nonce) },
    { "uri", G_STRUCT_OFFSET (SipDigestParams, uri) },
    { "response", G_STRUCT_OFFSET (SipDigestParams, response) },
    { "algorithm", G_STRUCT_OFFSET (SipDigestParams, algorithm) },
    { "qop", G_STRUCT_OFFSET (SipDigestParams, qop) },
    { "nc", G_STRUCT_OFFSET (SipDigestParams, nc) },
    { "cnonce", G_STRUCT_OFFSET (SipDigestParams, cnonce) },
    { "opaque", G_STRUCT_OFFSET (SipDigestParams, opaque) },
  };
  for (guint i = 0; params && params[i]; i++)
    {
      const char *p = params[i];
      const char *eq = strchr (p, '=');
      if (eq == NULL || eq == p || strlen (p) > SIP_DIGEST_MAX_PARAM)
        {
          g_set_error (error, SIP_DIGEST_ERROR, SIP_DIGEST_ERROR_MALFORMED,
                       "a digest parameter is not name=value, or too long");
          goto fail;
        }
      for (guint k = 0; k < G_N_ELEMENTS (known); k++)
        {
          gsize n = strlen (known[k].name);
          if ((gsize) (eq - p) != n || g_ascii_strncasecmp (p, known[k].name, n) != 0)
            continue;
          char **slot = G_STRUCT_MEMBER_P (out, known[k].offset);
          if (*slot)
            {
              g_set_error (error, SIP_DIGEST_ERROR, SIP_DIGEST_ERROR_MALFORMED,
                           "the digest parameter %s is given twice", known[k].name);
              goto fail;
            }
          *slot = param_value (eq + 1, error);
          if (*slot == NULL)
            goto fail;
        }
    }
  if (!out->username || !out->realm || !out->nonce || !out->uri || !out->response)
    {
      g_set_error (error, SIP_DIGEST_ERROR, SIP_DIGEST_ERROR_MALFORMED,
                   "the credentials lack username, realm, nonce, uri or response");
      goto fail;
    }
  if (out->qop && (g_ascii_strcasecmp (out->qop, "auth") != 0 || !out->nc || !out->cnonce))
    {
      g_set_error (error, SIP_DIGEST_ERROR, SIP_DIGEST_ERROR_UNSUPPORTED,
                   "only qop=auth (with nc and cnonce) is supported");
      goto fail;
    }
  if (out->algorithm && g_ascii_strcasecmp (out->algorithm, "MD5") != 0
      && g_ascii_strcasecmp (out->algorithm, "SHA-256") != 0)
    {
      g_set_error (error, SIP_DIGEST_ERROR, SIP_DIGEST_ERROR_UNSUPPORTED,
                   "algorithm %s is not supported (MD5, SHA-256)", out->algorithm);
      goto fail;
    }
  return TRUE;
fail:
  sip_digest_params_clear (out);
  return FALSE;
}

SipDigestAlgo
sip_digest_algo (const SipDigestParams *p)
{
  return p->algorithm && g_ascii_strcasecmp (p->algorithm, "SHA-256") == 0 ? SIP_DIGEST_SHA256
                                                                           : SIP_DIGEST_MD5;
}

/* --- nonces ------------------------------------------------------------------------ */

static void
nonce_mac (const guint8 *secret, gsize secret_len, const guint8 *head, gsize head_len,
           const char *source, guint8 *mac)
{
  g_autoptr (GHmac) h = g_hmac_new (G_CHECKSUM_SHA256, secret, secret_len);
  g_hmac_update (h, head, head_len);
  g_hmac_update (h, (const guchar *) (source ? source : ""), -1);
  guint8 full[32];
  gsize len = sizeof full;
  g_hmac_get_digest (h, full, &len);
  memcpy (mac, full, NONCE_MAC);
}

char *
sip_digest_nonce_new (const guint8 *secret, gsize secret_len, gint64 now_s, const char *source)
{
  guint8 b[NONCE_BYTES];
  for (int i = 0; i < 8; i++)
    b[i] = (guint8) (now_s >> (56 - 8 * i));
  for (int i = 0; i < NONCE_RANDOM; i++)
    b[8 + i] = (guint8) g_random_int ();
  nonce_mac (secret, secret_len, b, 8 + NONCE_RANDOM, source, b + 8 + NONCE_RANDOM);
  GString *s = g_string_sized_new (2 * NONCE_BYTES + 1);
  for (gsize i = 0; i < sizeof b; i++)
    g_string_append_printf (s, "%02x", b[i]);
  return g_string_free (s, FALSE);
}

SipNonceCheck
sip_digest_nonce_check (const guint8 *secret, gsize secret_len, const char *nonce, gint64 now_s,
                        gint64 max_age_s, const char *source)
{
  if (nonce == NULL || strlen (nonce) != 2 * NONCE_BYTES)
    return SIP_NONCE_BAD;
  guint8 b[NONCE_BYTES];
  for (gsize i = 0; i < NONCE_BYTES; i++)
    {
      int hi = g_ascii_xdigit_value (nonce[2 * i]), lo = g_ascii_xdigit_value (nonce[2 * i + 1]);
      if (hi < 0 || lo < 0)
        return SIP_NONCE_BAD;
      b[i] = (guint8) (hi << 4 | lo);
    }
  guint8 mac[NONCE_MAC];
  nonce_mac (secret, secret_len, b, 8 + NONCE_RANDOM, source, mac);
  if (!sip_digest_equal_bytes (mac, b + 8 + NONCE_RANDOM, NONCE_MAC))
    return SIP_NONCE_BAD;
  gint64 made = 0;
  for (int i = 0; i < 8; i++)
    made = (made << 8) | b[i];
  if (made > now_s + 5 || now_s - made > max_age_s)
    return SIP_NONCE_STALE;
  return SIP_NONCE_OK;
}

/* --- responses ------------------------------------------------------------------------ */

static char *
hash_join (GChecksumType type, const char *const *parts)
{
  g_autoptr (GChecksum) c = g_checksum_new (type);
  for (guint i = 0; parts[i]; i++)
    {
      if (i)
        g_checksum_update (c, (const guchar *) ":", 1);
      g_checksum_update (c, (const guchar *) parts[i], strlen (parts[i]));
    }
  return g_strdup (g_checksum_get_string (c));
}

char *
sip_digest_expected (SipDigestAlgo algo, const char *ha1, const char *method,
                     const SipDigestParams *p)
{
  GChecksumType type = algo == SIP_DIGEST_SHA256 ? G_CHECKSUM_SHA256 : G_CHECKSUM_MD5;
  g_autofree char *ha2 = hash_join (type, (const char *const[]){ method, p->uri, NULL });
  if (p->qop)
    return hash_join (type,
                      (const char *const[]){ ha1, p->nonce, p->nc, p->cnonce, p->qop, ha2, NULL });
  return hash_join (type, (const char *const[]){ ha1, p->nonce, ha2, NULL });
}

gboolean
sip_digest_equal_bytes (const guint8 *a, const guint8 *b, gsize n)
{
  guint8 diff = 0;
  for (gsize i = 0; i < n; i++)
    diff |= a[i] ^ b[i];
  return diff == 0;
}

gboolean
sip_digest_equal (const char *expected, const char *given)
{
  gsize n = strlen (expected);
  if (given == NULL || strlen (given) != n)
    return FALSE;
  g_autofree char *lower = g_ascii_strdown (given, -1);
  return sip_digest_equal_bytes ((const guint8 *) expected, (const guint8 *) lower, n);
}

char *
sip_digest_challenge (const char *realm, const char *nonce, SipDigestAlgo algo, gboolean stale)
{
  return g_strdup_printf ("Digest realm=\"%s\", nonce=\"%s\", algorithm=%s, qop=\"auth\"%s", realm,
                          nonce, algo == SIP_DIGEST_SHA256 ? "SHA-256" : "MD5",
                          stale ? ", stale=true" : "");
}
