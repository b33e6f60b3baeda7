/* auth-local: the password policy and the input checks; see policy.h. */
#include "policy.h"

#include <sodium.h>
#include <string.h>

#define DAY_MS (24 * 60 * 60 * (gint64) 1000)

typedef enum {
  KEY_UINT,   /* guint */
  KEY_UINT64, /* guint64 */
  KEY_BOOL,   /* gboolean */
} KeyKind;

/* One key of [passwords]: where it goes in AlPolicy, and its bounds. */
typedef struct {
  const char *key;
  KeyKind kind;
  gsize offset;
  guint64 min, max;
  guint64 scale; /* the file's unit in the struct's (KiB -> bytes) */
} KeyDef;

#define UINT_KEY(k, f, lo, hi)                            \
  {                                                       \
    k, KEY_UINT, G_STRUCT_OFFSET (AlPolicy, f), lo, hi, 1 \
  }
#define BOOL_KEY(k, f)                                  \
  {                                                     \
    k, KEY_BOOL, G_STRUCT_OFFSET (AlPolicy, f), 0, 1, 1 \
  }

static const KeyDef keys[] = {
  UINT_KEY ("min-length", min_length, 1, AL_INPUT_MAX_BYTES),
  UINT_KEY ("max-length", max_length, 1, AL_INPUT_MAX_BYTES),
  BOOL_KEY ("require-letter", require_letter),
  BOOL_KEY ("require-digit", require_digit),
  BOOL_KEY ("require-upper", require_upper),
  BOOL_KEY ("require-lower", require_lower),
  BOOL_KEY ("require-other", require_other),
  UINT_KEY ("history", history, 0, 100),
  UINT_KEY ("max-age-days", max_age_days, 0, 36500),
  { "argon2-opslimit", KEY_UINT64, G_STRUCT_OFFSET (AlPolicy, opslimit), crypto_pwhash_OPSLIMIT_MIN,
    100, 1 },
  /* 8 KiB (libsodium's minimum) to 4 GiB */
  { "argon2-memlimit-kib", KEY_UINT64, G_STRUCT_OFFSET (AlPolicy, memlimit),
    crypto_pwhash_MEMLIMIT_MIN / 1024, 4 * 1024 * 1024, 1024 },
};

void
al_policy_defaults (AlPolicy *policy)
{
  *policy = (AlPolicy){
    .min_length = 12,
    .max_length = 128,
    .require_letter = TRUE,
    .require_digit = TRUE,
    .history = 5,
    .max_age_days = 0,
    .opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE,
    .memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE,
  };
}

static gboolean
read_key (AlPolicy *p, GKeyFile *file, const KeyDef *k, GError **error)
{
  g_autofree char *raw = g_key_file_get_value (file, AL_POLICY_GROUP, k->key, NULL);
  if (raw == NULL)
    return TRUE;
  g_autofree char *q = al_quote (g_strstrip (raw));
  gpointer field = G_STRUCT_MEMBER_P (p, k->offset);
  if (k->kind == KEY_BOOL)
    {
      if (g_strcmp0 (raw, "true") != 0 && g_strcmp0 (raw, "false") != 0)
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       "[%s] %s: %s is not true or false", AL_POLICY_GROUP, k->key, q);
          return FALSE;
        }
      *(gboolean *) field = strcmp (raw, "true") == 0;
      return TRUE;
    }
  guint64 v;
  if (!g_ascii_string_to_unsigned (raw, 10, k->min, k->max, &v, NULL))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[%s] %s: %s is not a whole number from %" G_GUINT64_FORMAT
                   " to %" G_GUINT64_FORMAT,
                   AL_POLICY_GROUP, k->key, q, k->min, k->max);
      return FALSE;
    }
  if (k->kind == KEY_UINT)
    *(guint *) field = (guint) v;
  else
    *(guint64 *) field = v * k->scale;
  return TRUE;
}

static gboolean
key_is_known (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (strcmp (keys[i].key, name) == 0)
      return TRUE;
  return FALSE;
}

gboolean
al_policy_read (AlPolicy *policy, GKeyFile *file, GString *unknown, GError **error)
{
  AlPolicy fresh = *policy;
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (!read_key (&fresh, file, &keys[i], error))
      return FALSE;
  if (fresh.min_length > fresh.max_length)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[%s] min-length: %u is more than max-length (%u)", AL_POLICY_GROUP,
                   fresh.min_length, fresh.max_length);
      return FALSE;
    }
  g_auto (GStrv) names = g_key_file_get_keys (file, AL_POLICY_GROUP, NULL, NULL);
  for (guint i = 0; unknown && names && names[i]; i++)
    if (!key_is_known (names[i]))
      g_string_append_printf (unknown, "%s%s", unknown->len ? ", " : "", names[i]);
  *policy = fresh;
  return TRUE;
}

GVariant *
al_policy_to_variant (const AlPolicy *p)
{
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      gconstpointer field = G_STRUCT_MEMBER_P (p, keys[i].offset);
      GVariant *v;
      if (keys[i].kind == KEY_BOOL)
        v = g_variant_new_boolean (*(const gboolean *) field);
      else if (keys[i].kind == KEY_UINT)
        v = g_variant_new_int64 (*(const guint *) field);
      else
        v = g_variant_new_int64 ((gint64) (*(const guint64 *) field / keys[i].scale));
      g_variant_builder_add (&b, "{sv}", keys[i].key, v);
    }
  return g_variant_builder_end (&b);
}

/* --- rules ---------------------------------------------------------------------- */

static gboolean
broken (GError **error, const char *rule, const char *why)
{
  g_set_error (error, OCC_AUTH_ERROR, OCC_AUTH_ERROR_POLICY, "%s: %s", rule, why);
  return FALSE;
}

gboolean
al_policy_check (const AlPolicy *p, const char *password, GError **error)
{
  glong n = g_utf8_strlen (password, -1);
  gboolean letter = FALSE, digit = FALSE, upper = FALSE, lower = FALSE, other = FALSE;
  for (const char *c = password; *c; c = g_utf8_next_char (c))
    {
      gunichar u = g_utf8_get_char (c);
      letter |= g_unichar_isalpha (u);
      digit |= g_unichar_isdigit (u);
      upper |= g_unichar_isupper (u);
      lower |= g_unichar_islower (u);
      other |= !g_unichar_isalpha (u) && !g_unichar_isdigit (u);
    }
  g_autofree char *min = g_strdup_printf ("a password needs at least %u characters", p->min_length);
  g_autofree char *max
      = g_strdup_printf ("a password may have at most %u characters", p->max_length);
  if (n < (glong) p->min_length)
    return broken (error, "min-length", min);
  if (n > (glong) p->max_length)
    return broken (error, "max-length", max);
  if (p->require_letter && !letter)
    return broken (error, "require-letter", "a password needs a letter");
  if (p->require_digit && !digit)
    return broken (error, "require-digit", "a password needs a digit");
  if (p->require_upper && !upper)
    return broken (error, "require-upper", "a password needs an upper-case letter");
  if (p->require_lower && !lower)
    return broken (error, "require-lower", "a password needs a lower-case letter");
  if (p->require_other && !other)
    return broken (error, "require-other",
                   "a password needs a character that is neither a letter nor a digit");
  return TRUE;
}

gboolean
al_policy_expired (const AlPolicy *p, gint64 changed_at, gint64 now)
{
  if (p->max_age_days == 0 || changed_at <= 0)
    return FALSE;
  return now - changed_at > (gint64) p->max_age_days * DAY_MS;
}

/* --- input ----------------------------------------------------------------------- */

gboolean
al_check_input (const char *what, const char *value, gssize length, GError **error)
{
  /* never scan further than one byte past the limit */
  gsize len = value == NULL ? 0
              : length < 0  ? strnlen (value, AL_INPUT_MAX_BYTES + 1)
                            : (gsize) length;
  const char *rule = NULL;
  if (len == 0)
    rule = "is empty";
  else if (len > AL_INPUT_MAX_BYTES)
    rule = "is longer than " G_STRINGIFY (AL_INPUT_MAX_BYTES) " bytes";
  else if (memchr (value, '\0', len) != NULL)
    rule = "contains a NUL byte";
  else if (!g_utf8_validate (value, len, NULL))
    rule = "is not valid UTF-8";
  if (rule == NULL)
    return TRUE;
  g_set_error (error, OCC_AUTH_ERROR, OCC_AUTH_ERROR_INVALID, "%s: %s", what, rule);
  return FALSE;
}

gboolean
al_check_login (const char *login, GError **error)
{
  if (!al_check_input ("login", login, -1, error))
    return FALSE;
  if (g_utf8_strlen (login, -1) > AL_LOGIN_MAX_CHARS)
    {
      g_set_error (error, OCC_AUTH_ERROR, OCC_AUTH_ERROR_INVALID,
                   "login: is longer than %d characters", AL_LOGIN_MAX_CHARS);
      return FALSE;
    }
  for (const char *c = login; *c; c = g_utf8_next_char (c))
    {
      gunichar u = g_utf8_get_char (c);
      if (g_unichar_isspace (u) || g_unichar_iscntrl (u))
        {
          g_set_error_literal (error, OCC_AUTH_ERROR, OCC_AUTH_ERROR_INVALID,
                               "login: contains a space or a control character");
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
al_check_display_name (const char *name, GError **error)
{
  if (name == NULL)
    return TRUE;
  /* at most 4 bytes a character: never scan much past the limit */
  gsize len = strnlen (name, 4 * AL_DISPLAY_NAME_MAX_CHARS + 1);
  gboolean valid = g_utf8_validate (name, len, NULL);
  const char *rule = NULL;
  if (name[len] != '\0' || (valid && g_utf8_strlen (name, len) > AL_DISPLAY_NAME_MAX_CHARS))
    rule = "is longer than " G_STRINGIFY (AL_DISPLAY_NAME_MAX_CHARS) " characters";
  else if (!valid)
    rule = "is not valid UTF-8";
  for (const char *c = name; rule == NULL && *c; c = g_utf8_next_char (c))
    if (g_unichar_iscntrl (g_utf8_get_char (c)))
      rule = "contains a control character";
  if (rule == NULL)
    return TRUE;
  g_set_error (error, OCC_AUTH_ERROR, OCC_AUTH_ERROR_INVALID, "display name: %s", rule);
  return FALSE;
}

/* --- text for logs and messages ------------------------------------------------------ */

char *
al_quote (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text ? text : "", -1);
  GString *s = g_string_new ("“");
  guint n = 0;
  for (const char *p = valid; *p; p = g_utf8_next_char (p), n++)
    {
      if (n == 40)
        {
          g_string_append (s, "…");
          break;
        }
      gunichar c = g_utf8_get_char (p);
      if (g_unichar_iscntrl (c))
        g_string_append_printf (s, "\\u%04X", c);
      else
        g_string_append_unichar (s, c);
    }
  g_string_append (s, "”");
  return g_string_free (s, FALSE);
}

char *
al_redact (const char *message)
{
  GString *s = g_string_new (NULL);
  const char *p = message ? message : "";
  const char *hash;
  while ((hash = strstr (p, "$argon2")) != NULL)
    {
      g_string_append_len (s, p, hash - p);
      g_string_append (s, "[hash]");
      /* $argon2id$v=19$m=65536,t=2,p=1$<salt>$<hash>: it ends in base64 */
      const char *end = hash + 1;
      while (*end && (g_ascii_isalnum (*end) || strchr ("$=,+/", *end)))
        end++;
      while (end > hash + 1 && !g_ascii_isalnum (end[-1]) && end[-1] != '+' && end[-1] != '/')
        end--;
      p = end;
    }
  g_string_append (s, p);
  return g_string_free (s, FALSE);
}
