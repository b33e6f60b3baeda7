/* "say": a number, a string of digits, an amount, a date or a time read
 * out as a sequence of prompt names (share/prompts/<lang>.txt), for the
 * IVR's say:KIND:VALUE[:ARG] items. See SAY.md for what each kind reads
 * and the rules chosen.
 *
 * Pure: no global mutable state, callable from any thread. The value and
 * the argument are untrusted (they may come from an HTTP answer): every
 * input is bounded and checked, nothing is appended on error. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The longest value or argument accepted, in bytes. */
#define IVR_SAY_MAX_VALUE 64

#define IVR_SAY_ERROR (ivr_say_error_quark ())
GQuark ivr_say_error_quark (void);

typedef enum {
  IVR_SAY_ERROR_INVALID, /* the value cannot be parsed for its kind */
  IVR_SAY_ERROR_RANGE,   /* parsed, but too large or not a real date/time */
  IVR_SAY_ERROR_UNKNOWN, /* unknown kind, language or currency */
} IvrSayError;

/**
 * ivr_say:
 * @lang: "fr" or "en"
 * @kind: "number", "digits", "amount", "date" or "time"
 * @value: what to read ("12.5", "+225 07 08", "12.50", "2026-12-03", "14:05")
 * @arg: (nullable): the currency for "amount" (EUR, USD, XOF); must be NULL
 *   or empty for the other kinds
 * @out: (element-type utf8): where the prompt names are appended; each is
 *   owned by @out (the array must free its elements with g_free)
 * @error: an IVR_SAY_ERROR naming the value and the reason
 *
 * Appends the prompt names that read @value out in @lang.
 *
 * Returns: TRUE on success; FALSE with @error set and @out unchanged.
 */
gboolean ivr_say (const char *lang, const char *kind, const char *value, const char *arg,
                  GPtrArray *out, GError **error);

G_END_DECLS
