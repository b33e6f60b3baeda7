/* store-sqlite: rewriting the store's portable placeholders ($1, $2, …)
 * into SQLite's numbered ones (?1, ?2, …).
 *
 * The store interface has one SQL dialect for both backends, and its
 * placeholders are PostgreSQL's. SQLite would read "$1" as a *named*
 * parameter, numbered by order of appearance, so "$2 … $1" would bind the
 * wrong values; "?N" keeps the number. A "$" inside a string literal, a
 * quoted identifier, a comment or an identifier ("a$1") is left alone.
 *
 * Pure functions with no state: safe on any thread. Input is untrusted (it
 * is a parser of ours): it never reads past @length and never aborts. */
#pragma once

#include <glib.h>

/* PostgreSQL's protocol limit on parameters; SQLite's is higher. */
#define SQ_PLACEHOLDERS_MAX 65535

typedef struct {
  char *sql;        /* the rewritten statement, NUL-terminated (transfer full) */
  gsize length;     /* its length in bytes */
  guint n_params;   /* the highest N used, 0 for none; every 1..N is used */
  char keyword[16]; /* the first keyword in upper case ("SELECT"), or "" */
} SqRewrite;

/**
 * sq_placeholders_rewrite:
 * @sql: the statement; need not be NUL-terminated.
 * @length: its length in bytes.
 * @out: (out caller-allocates): filled on success; clear with
 *   sq_rewrite_clear().
 *
 * Rewrites every "$N" outside literals, quoted identifiers and comments
 * into "?N". Refuses, with OCC_STORE_ERROR_INVALID and a message naming
 * the place: "$0", a number above SQ_PLACEHOLDERS_MAX, "$" not followed by
 * a number ("$name", "$1x"), and a gap in the numbers ($1 and $3 without
 * $2), which PostgreSQL could not type either.
 */
gboolean sq_placeholders_rewrite (const char *sql, gsize length, SqRewrite *out, GError **error);

/** sq_rewrite_clear: frees what sq_placeholders_rewrite() put in @r. */
void sq_rewrite_clear (SqRewrite *r);

/**
 * sq_sql_is_blank:
 *
 * TRUE when @sql (NUL-terminated) holds only white space, comments and
 * semicolons: what may follow the one statement of a store call.
 */
gboolean sq_sql_is_blank (const char *sql);
