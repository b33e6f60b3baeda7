/* The RFC 4566 grammar checks that GstSDPMessage leaves to its caller: it
 * accepts nearly anything (a port of "abc" reads as 0, lines without '='
 * are skipped), so the text is checked line by line before it is parsed.
 * Also the parsers of the attribute values we negotiate with. */
#include "sdp-private.h"

#include <stdlib.h>
#include <string.h>

static gboolean fail (GError **error, guint line, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError **error, guint line, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (line > 0)
    g_set_error (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_INVALID, "SDP line %u: %s", line, msg);
  else
    g_set_error (error, OCC_MEDIA_ERROR, OCC_MEDIA_ERROR_INVALID, "SDP: %s", msg);
  return FALSE;
}

gboolean
media_sdp_parse_uint (const char *s, gsize len, guint max, guint *out)
{
  if (len == 0 || len > 10)
    return FALSE;
  guint64 v = 0;
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (s[i]))
        return FALSE;
      v = v * 10 + (guint) (s[i] - '0');
    }
  if (v > max)
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

/* RFC 4566 token: visible ASCII without the separators. */
static gboolean
is_token (const char *s, gsize len)
{
  if (len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) s[i];
      if (c <= 0x20 || c >= 0x7f || strchr ("\"(),/:;<=>?@[\\]{}", c) != NULL)
        return FALSE;
    }
  return TRUE;
}

/* Splits @line on single spaces into at most @max fields; FALSE when a
 * field is empty (two spaces in a row, a leading or trailing space). */
static guint
split_fields (const char *line, gsize len, const char **start, gsize *lens, guint max)
{
  guint n = 0;
  gsize i = 0;
  while (i <= len && n < max)
    {
      gsize j = i;
      while (j < len && line[j] != ' ')
        j++;
      start[n] = line + i;
      lens[n] = j - i;
      n++;
      i = j + 1;
    }
  if (i <= len)
    return max + 1; /* more fields than @max */
  return n;
}

static gboolean
fields_nonempty (const gsize *lens, guint n)
{
  for (guint i = 0; i < n; i++)
    if (lens[i] == 0)
      return FALSE;
  return TRUE;
}

static gboolean
all_digits (const char *s, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
  return TRUE;
}

static gboolean
field_is (const char *s, gsize len, const char *word)
{
  return strlen (word) == len && memcmp (s, word, len) == 0;
}

static gboolean
check_origin (const char *v, gsize len, guint line, GError **error)
{
  const char *f[7];
  gsize l[7];
  guint n = split_fields (v, len, f, l, 6);
  if (n != 6 || !fields_nonempty (l, 6))
    return fail (error, line,
                 "o= needs six fields (username sess-id sess-version IN IP4|IP6 "
                 "address)");
  if (l[1] > 20 || l[2] > 20 || !all_digits (f[1], l[1]) || !all_digits (f[2], l[2]))
    return fail (error, line, "o= session id and version must be numbers");
  if (!field_is (f[3], l[3], "IN"))
    return fail (error, line, "o= network type must be IN");
  if (!field_is (f[4], l[4], "IP4") && !field_is (f[4], l[4], "IP6"))
    return fail (error, line, "o= address type must be IP4 or IP6");
  return TRUE;
}

static gboolean
check_connection (const char *v, gsize len, guint line, GError **error)
{
  const char *f[4];
  gsize l[4];
  guint n = split_fields (v, len, f, l, 3);
  if (n != 3 || !fields_nonempty (l, 3))
    return fail (error, line, "c= needs three fields (IN IP4|IP6 address)");
  if (!field_is (f[0], l[0], "IN"))
    return fail (error, line, "c= network type must be IN");
  if (!field_is (f[1], l[1], "IP4") && !field_is (f[1], l[1], "IP6"))
    return fail (error, line, "c= address type must be IP4 or IP6");
  for (gsize i = 0; i < l[2]; i++)
    if ((guchar) f[2][i] <= 0x20 || (guchar) f[2][i] >= 0x7f)
      return fail (error, line, "c= address has a character that is not allowed");
  return TRUE;
}

static gboolean
check_media (const char *v, gsize len, guint line, GError **error)
{
  const char *f[MEDIA_SDP_MAX_FORMATS + 4];
  gsize l[MEDIA_SDP_MAX_FORMATS + 4];
  guint n = split_fields (v, len, f, l, MEDIA_SDP_MAX_FORMATS + 3);
  if (n > MEDIA_SDP_MAX_FORMATS + 3)
    return fail (error, line, "m= lists more than %u formats", MEDIA_SDP_MAX_FORMATS);
  if (n < 4 || !fields_nonempty (l, n))
    return fail (error, line, "m= needs a media, a port, a protocol and at least one format");
  if (!is_token (f[0], l[0]))
    return fail (error, line, "m= media is not a token");
  const char *slash = memchr (f[1], '/', l[1]);
  gsize port_len = slash ? (gsize) (slash - f[1]) : l[1];
  guint port, count;
  if (!media_sdp_parse_uint (f[1], port_len, 65535, &port))
    return fail (error, line, "m= port must be a number from 0 to 65535");
  if (slash && !media_sdp_parse_uint (slash + 1, l[1] - port_len - 1, 65535, &count))
    return fail (error, line, "m= port count must be a number");
  for (gsize i = 0; i < l[2]; i++)
    if (!is_token (f[2] + i, 1) && f[2][i] != '/')
      return fail (error, line, "m= protocol is not a token");
  gboolean rtp = l[2] >= 3 && memcmp (f[2], "RTP", 3) == 0;
  if (!rtp && l[2] >= 11 && memcmp (f[2], "UDP/TLS/RTP", 11) == 0)
    rtp = TRUE;
  for (guint i = 3; i < n; i++)
    {
      guint pt;
      if (rtp && !media_sdp_parse_uint (f[i], l[i], 127, &pt))
        return fail (error, line, "m= RTP format must be a payload type from 0 to 127");
      if (!rtp && !is_token (f[i], l[i]))
        return fail (error, line, "m= format is not a token");
    }
  return TRUE;
}

static gboolean
check_attribute (const char *v, gsize len, guint line, GError **error)
{
  const char *colon = memchr (v, ':', len);
  gsize name_len = colon ? (gsize) (colon - v) : len;
  if (!is_token (v, name_len))
    return fail (error, line, "a= attribute name is not a token");
  return TRUE;
}

/* RFC 4566 §5: a description with a type letter we do not know is
 * ignored whole; these may appear in the session part, and in a media
 * section. */
#define SESSION_TYPES "vosiuepcbtrzka"
#define MEDIA_TYPES "icbka"

gboolean
media_sdp_check (const char *text, gsize len, GError **error)
{
  if (len > MEDIA_SDP_MAX_LEN)
    return fail (error, 0, "longer than %u bytes", MEDIA_SDP_MAX_LEN);
  if (len == 0)
    return fail (error, 0, "empty");
  if (memchr (text, '\0', len) != NULL)
    return fail (error, 0, "contains a NUL byte");
  if (!g_utf8_validate (text, (gssize) len, NULL))
    return fail (error, 0, "not UTF-8");

  gboolean in_media = FALSE;
  guint counts[26] = { 0 };
  guint line = 0, media_lines = 0;
  gboolean media_has_c = TRUE;
  gsize pos = 0;
  while (pos < len)
    {
      const char *start = text + pos;
      const char *nl = memchr (start, '\n', len - pos);
      gsize llen = nl ? (gsize) (nl - start) : len - pos;
      pos += llen + (nl ? 1 : 0);
      if (llen > 0 && start[llen - 1] == '\r')
        llen--;
      line++;
      if (llen == 0)
        {
          /* a blank line only at the end (the text is not NUL-terminated) */
          for (gsize i = pos; i < len; i++)
            if (text[i] != '\r' && text[i] != '\n')
              return fail (error, line, "blank line");
          continue;
        }
      if (memchr (start, '\r', llen) != NULL)
        return fail (error, line, "stray carriage return");
      if (llen < 2 || start[1] != '=' || !g_ascii_islower (start[0]))
        return fail (error, line, "not of the form <type>=<value>");
      char type = start[0];
      const char *v = start + 2;
      gsize vlen = llen - 2;
      if (line == 1 && !(type == 'v' && vlen == 1 && v[0] == '0'))
        return fail (error, line, "must be v=0");
      if (type == 'm')
        {
          if (!in_media && (counts['o' - 'a'] != 1 || counts['s' - 'a'] != 1))
            return fail (error, line, "the session part needs one o= and one s= before m=");
          if (in_media && !media_has_c && counts['c' - 'a'] == 0)
            return fail (error, line - 1,
                         "media section %u has no c= and there is none for the "
                         "session",
                         media_lines);
          in_media = TRUE;
          media_lines++;
          media_has_c = FALSE;
          if (!check_media (v, vlen, line, error))
            return FALSE;
          continue;
        }
      if (strchr (SESSION_TYPES, type) == NULL)
        return fail (error, line, "unknown type %c=", type);
      if (in_media && strchr (MEDIA_TYPES, type) == NULL)
        return fail (error, line, "%c= is not allowed in a media section", type);
      if (in_media && type == 'c')
        media_has_c = TRUE;
      else if (!in_media)
        counts[type - 'a']++;
      if (!in_media && (type == 'v' || type == 'o' || type == 's') && counts[type - 'a'] > 1)
        return fail (error, line, "more than one %c=", type);
      if (!in_media && type == 'c' && counts['c' - 'a'] > 1)
        return fail (error, line, "more than one c= for the session");
      if ((type == 'o' && !check_origin (v, vlen, line, error))
          || (type == 'c' && !check_connection (v, vlen, line, error))
          || (type == 'a' && !check_attribute (v, vlen, line, error)))
        return FALSE;
    }
  if (counts['o' - 'a'] != 1 || counts['s' - 'a'] != 1)
    return fail (error, 0, "needs one o= and one s=");
  if (media_lines == 0)
    return fail (error, 0, "has no m= line");
  if (!media_has_c && counts['c' - 'a'] == 0)
    return fail (error, 0, "media section %u has no c= and there is none for the session",
                 media_lines);
  if (media_lines > MEDIA_SDP_MAX_MEDIA)
    return fail (error, 0, "more than %u m= lines", MEDIA_SDP_MAX_MEDIA);
  return TRUE;
}

/* --- attribute values ------------------------------------------------------------ */

gboolean
media_sdp_parse_rtpmap (const char *value, guint *pt, char **name, guint *rate, guint *channels)
{
  /* <payload type> <encoding name>/<clock rate>[/<encoding parameters>] */
  if (value == NULL)
    return FALSE;
  const char *sp = strchr (value, ' ');
  if (sp == NULL || !media_sdp_parse_uint (value, (gsize) (sp - value), 127, pt))
    return FALSE;
  const char *enc = sp + 1;
  const char *slash = strchr (enc, '/');
  if (slash == NULL || slash == enc)
    return FALSE;
  const char *rate_s = slash + 1;
  const char *slash2 = strchr (rate_s, '/');
  gsize rate_len = slash2 ? (gsize) (slash2 - rate_s) : strlen (rate_s);
  if (!media_sdp_parse_uint (rate_s, rate_len, 10000000, rate) || *rate == 0)
    return FALSE;
  *channels = 1;
  if (slash2 && !media_sdp_parse_uint (slash2 + 1, strlen (slash2 + 1), 255, channels))
    return FALSE;
  *name = g_strndup (enc, (gsize) (slash - enc));
  return TRUE;
}

/* "0-15", "0-16,32-49", "0,1,2-11": TRUE when all of 0..15 are in it. */
gboolean
media_sdp_events_cover_dtmf (const char *fmtp_params)
{
  guint covered = 0;
  const char *p = fmtp_params;
  while (*p)
    {
      gsize len = strcspn (p, ",");
      const char *dash = memchr (p, '-', len);
      guint lo, hi;
      if (dash)
        {
          if (!media_sdp_parse_uint (p, (gsize) (dash - p), 255, &lo)
              || !media_sdp_parse_uint (dash + 1, len - (gsize) (dash - p) - 1, 255, &hi)
              || hi < lo)
            return FALSE;
        }
      else if (media_sdp_parse_uint (p, len, 255, &lo))
        hi = lo;
      else
        return FALSE;
      for (guint e = lo; e <= hi && e < 16; e++)
        covered |= 1u << e;
      p += len;
      if (*p == ',')
        p++;
    }
  return covered == 0xffff;
}

MediaSuite
media_suite_from_name (const char *s, gsize len)
{
  if (field_is (s, len, "AES_CM_128_HMAC_SHA1_80"))
    return MEDIA_SUITE_AES_CM_128_HMAC_SHA1_80;
  if (field_is (s, len, "AES_CM_128_HMAC_SHA1_32"))
    return MEDIA_SUITE_AES_CM_128_HMAC_SHA1_32;
  return MEDIA_SUITE_NONE;
}

/* inline:<base64 key||salt>[|<lifetime>][|<MKI>:<length>] */
static gboolean
parse_key_params (const char *s, gsize len, MediaCrypto *c)
{
  if (len < 7 || memcmp (s, "inline:", 7) != 0)
    return FALSE;
  s += 7;
  len -= 7;
  const char *bar = memchr (s, '|', len);
  gsize key_len = bar ? (gsize) (bar - s) : len;
  /* 30 bytes are 40 base64 characters, without padding */
  if (key_len != 40)
    return FALSE;
  for (gsize i = 0; i < key_len; i++)
    if (!g_ascii_isalnum (s[i]) && s[i] != '+' && s[i] != '/')
      return FALSE;
  char b64[41];
  memcpy (b64, s, 40);
  b64[40] = '\0';
  gsize out_len = 0;
  g_autofree guchar *key = g_base64_decode (b64, &out_len);
  if (out_len != MEDIA_KEY_LEN)
    return FALSE;
  memcpy (c->key, key, MEDIA_KEY_LEN);
  memset (key, 0, out_len);
  c->mki_len = 0;
  c->mki = 0;
  const char *rest = bar ? bar + 1 : NULL;
  gsize rest_len = bar ? len - key_len - 1 : 0;
  while (rest)
    {
      const char *next = memchr (rest, '|', rest_len);
      gsize part = next ? (gsize) (next - rest) : rest_len;
      const char *colon = memchr (rest, ':', part);
      guint v, n;
      if (colon)
        {
          /* MKI value:length, the length in bytes (1..4 supported) */
          if (!media_sdp_parse_uint (rest, (gsize) (colon - rest), G_MAXUINT32, &v)
              || !media_sdp_parse_uint (colon + 1, part - (gsize) (colon - rest) - 1, 128, &n)
              || n == 0 || n > 4 || (n < 4 && v >= (1u << (8 * n))) || c->mki_len)
            return FALSE;
          c->mki = v;
          c->mki_len = n;
        }
      else if (part > 2 && rest[0] == '2' && rest[1] == '^')
        {
          /* lifetime 2^n: libsrtp's limit (2^48 packets) applies */
          if (!media_sdp_parse_uint (rest + 2, part - 2, 64, &v))
            return FALSE;
        }
      else if (!media_sdp_parse_uint (rest, part, G_MAXUINT32, &v))
        return FALSE;
      rest = next ? next + 1 : NULL;
      rest_len = next ? rest_len - part - 1 : 0;
    }
  return TRUE;
}

gboolean
media_sdp_parse_crypto (const char *value, MediaCrypto *c)
{
  /* <tag> <crypto-suite> <key-params> [<session-params>] */
  if (value == NULL)
    return FALSE;
  const char *f[5];
  gsize l[5];
  guint n = split_fields (value, strlen (value), f, l, 4);
  if (n != 3 || !fields_nonempty (l, 3))
    return FALSE; /* session parameters (KDR, UNENCRYPTED_SRTP…) are not supported */
  if (!media_sdp_parse_uint (f[0], l[0], 999999999, &c->tag))
    return FALSE;
  c->suite = media_suite_from_name (f[1], l[1]);
  if (c->suite == MEDIA_SUITE_NONE)
    return FALSE;
  /* one key only: several key-params (";") are for MKI rollover */
  if (memchr (f[2], ';', l[2]) != NULL)
    return FALSE;
  return parse_key_params (f[2], l[2], c);
}
