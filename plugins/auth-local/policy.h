/* auth-local: the password policy (policy "passwords", group
 * [passwords]) and the checks every login and secret goes through before
 * anything is looked up or hashed.
 *
 * Internal to the plugin, and compiled into its unit test: nothing here
 * does I/O or hashing. Main thread or any thread: the functions only read
 * their arguments. */
#pragma once

#include <omnicc/omnicc.h>

G_BEGIN_DECLS

#define AL_POLICY_NAME "passwords"
#define AL_POLICY_GROUP "passwords"
/* The longest login or secret accepted at all, in bytes. */
#define AL_INPUT_MAX_BYTES 256
/* The longest login of a local account, in characters (user.login). */
#define AL_LOGIN_MAX_CHARS 128
/* The longest display name, in characters (user.display_name). */
#define AL_DISPLAY_NAME_MAX_CHARS 200

typedef struct {
  guint min_length; /* characters */
  guint max_length; /* characters */
  gboolean require_letter;
  gboolean require_digit;
  gboolean require_upper;
  gboolean require_lower;
  gboolean require_other; /* neither a letter nor a digit */
  guint history;          /* the last N passwords may not be used again; 0: any */
  guint max_age_days;     /* 0: passwords do not expire */
  guint64 opslimit;       /* Argon2id passes */
  guint64 memlimit;       /* Argon2id memory, bytes */
} AlPolicy;

/* The built-in policy, the same as the shipped policies/passwords.conf. */
void al_policy_defaults (AlPolicy *policy);

/* Reads the [passwords] group of @file over @policy's values. Every value
 * is checked; on error nothing of @policy is changed and @error names the
 * key and the rule ("[passwords] min-length: “0” is not a whole number
 * from 1 to 256"). Keys the plugin does not know are listed in @unknown
 * (nullable), for a warning. */
gboolean al_policy_read (AlPolicy *policy, GKeyFile *file, GString *unknown, GError **error);

/* The policy as an a{sv} (floating), for auth-local.policy. */
GVariant *al_policy_to_variant (const AlPolicy *policy);

/* Checks a new @password (already through al_check_input()) against the
 * policy's composition rules. OCC_AUTH_ERROR_POLICY names the first rule
 * it breaks ("min-length: …"); the message never contains the password. */
gboolean al_policy_check (const AlPolicy *policy, const char *password, GError **error);

/* TRUE when a password set at @changed_at (ms since the epoch; > 0) is
 * older than the policy allows at @now. */
gboolean al_policy_expired (const AlPolicy *policy, gint64 changed_at, gint64 now);

/* Checks what a caller sent as @what ("login", "password"…): not empty,
 * at most AL_INPUT_MAX_BYTES bytes, UTF-8, no NUL byte among its @length
 * bytes (-1: up to the first NUL). OCC_AUTH_ERROR_INVALID otherwise; the
 * message names @what and the rule, never the value. */
gboolean al_check_input (const char *what, const char *value, gssize length, GError **error);

/* Whether @login (through al_check_input()) may name a local account:
 * at most AL_LOGIN_MAX_CHARS characters, no spaces or control characters.
 * OCC_AUTH_ERROR_INVALID otherwise. */
gboolean al_check_login (const char *login, GError **error);

/* Whether @name (nullable: none) may be a display name: UTF-8, at most
 * AL_DISPLAY_NAME_MAX_CHARS characters, no control characters; empty is
 * fine (the login is shown). OCC_AUTH_ERROR_INVALID otherwise. */
gboolean al_check_display_name (const char *name, GError **error);

/* @text quoted for a log line or a message: “…”, control characters
 * escaped, cut after 40 characters (transfer full). */
char *al_quote (const char *text);

/* @message with every Argon2 hash string in it ("$argon2…") replaced by
 * "[hash]": errors of the store may quote the row they refused
 * (transfer full). */
char *al_redact (const char *message);

G_END_DECLS
