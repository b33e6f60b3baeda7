/* Phone numbers to E.164 ("+" and at most 15 digits) for the dialer's
 * contact import, without libphonenumber: a small table of the countries
 * we know (calling code, trunk prefix, length of the national number) and
 * the formatting people put in spreadsheets. See README.md, "Phone
 * numbers", for the rules and the table.
 *
 * Pure: no global mutable state, no allocation on success, callable from
 * any thread. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "+" and 15 digits, and the terminating NUL. */
#define DIALER_E164_MAX_DIGITS 15
#define DIALER_E164_BUFSIZE (DIALER_E164_MAX_DIGITS + 2)

#define DIALER_E164_ERROR (dialer_e164_error_quark ())
GQuark dialer_e164_error_quark (void);

typedef enum {
  DIALER_E164_ERROR_EMPTY,
  DIALER_E164_ERROR_LETTER,    /* a letter: not a number at all */
  DIALER_E164_ERROR_CHARACTER, /* another character we do not accept */
  DIALER_E164_ERROR_TOO_SHORT,
  DIALER_E164_ERROR_TOO_LONG,
  DIALER_E164_ERROR_COUNTRY, /* an unknown default country */
} DialerE164Error;

/* One country (or numbering plan) of the table. */
typedef struct {
  const char *iso; /* "CI"; "US/CA" for the North American plan */
  const char *name;
  const char *code;         /* calling code, digits only: "225" */
  const char *trunk_prefix; /* dialled before national numbers, or NULL */
  const char *intl_prefix;  /* dialled before international numbers */
  guint min_nsn, max_nsn;   /* digits of the national significant number */
} DialerCountry;

/**
 * dialer_e164_countries:
 * @n_countries: (out): how many
 *
 * Returns: (transfer none): the table of the countries we know, static.
 */
const DialerCountry *dialer_e164_countries (guint *n_countries);

/**
 * dialer_e164_country_lookup:
 * @name: a calling code ("225", "+225") or an ISO 3166 code ("CI", "ci";
 *   "US" and "CA" both give the North American plan)
 *
 * Returns: (transfer none) (nullable): the country, or NULL if it is not in
 *   the table.
 */
const DialerCountry *dialer_e164_country_lookup (const char *name);

/**
 * dialer_e164_normalise:
 * @input: the number as written, UTF-8, NUL-terminated
 * @country: the default country, for numbers written without "+" or the
 *   international prefix (see dialer_e164_country_lookup ())
 * @out: (out caller-allocates): receives "+" and the digits
 * @error: why the number was refused (DIALER_E164_ERROR)
 *
 * Accepts "+…", "00…" (and the country's own international prefix, such
 * as "011" in the North American plan), spaces (also no-break and thin
 * spaces), dots, dashes, slashes and parentheses, a "(0)" after the
 * country code; drops the country's trunk prefix from national numbers.
 * Numbers of countries in the table must have their national length;
 * others only E.164's (at most 15 digits, at least 7).
 *
 * Returns: TRUE and @out filled, or FALSE with @error naming the reason.
 */
gboolean dialer_e164_normalise (const char *input, const DialerCountry *country,
                                char out[DIALER_E164_BUFSIZE], GError **error);

G_END_DECLS
