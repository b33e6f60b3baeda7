/* audit: the canonical form of an entry and its hash. Needs neither the
 * daemon nor a database: tests/plugins/audit compiles it into a unit
 * test. The format itself is described in canonical.c and README.md. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Hex digits of a SHA-256 digest. */
#define AUDIT_HASH_LEN 64
/* The prev_hash of the first entry of a trail. */
#define AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"
/* Nesting accepted when reading details back (records writes at most 32). */
#define AUDIT_JSON_MAX_DEPTH 64

/* The hashed fields of an entry besides its details (all transfer none;
 * @target and @source may be NULL: absent, which differs from ""). */
typedef struct {
  const char *prev_hash;
  const char *id;
  gint64 at;
  const char *actor;
  const char *action;
  const char *target;
  const char *result;
  const char *source;
} AuditFields;

/* Appends the canonical form of @details (an a{sv}) to @out. FALSE, with
 * OCC_AUDIT_ERROR_INVALID naming the place ("details.a[2]"), for a value
 * the store cannot keep as JSON: byte strings, tuples, handles,
 * dictionaries with non-string keys, a key given twice, integers past
 * 2^63, non-finite reals, and reals json-glib would write as invalid JSON. */
gboolean audit_canon_variant (GVariant *details, GString *out, GError **error);

/* Appends the canonical form of the JSON object @json (as the records
 * plugin stored it) to @out, with @parser (reused between calls for
 * speed). FALSE when @json is not a JSON object nested at most
 * AUDIT_JSON_MAX_DEPTH levels. */
gboolean audit_canon_json (JsonParser *parser, const char *json, GString *out, GError **error);

/* Writes into @out the hex SHA-256 (lower case, NUL-terminated) of the
 * canonical form of @fields and @details (canonical bytes from
 * audit_canon_variant/json, or NULL when the entry has none). @scratch is
 * a buffer reused between calls. */
void audit_hash (const AuditFields *fields, const GString *details, GString *scratch,
                 char out[AUDIT_HASH_LEN + 1]);

/* The JSON object @json as an a{sv} (floating), as the records plugin
 * reads json fields back: integers "x", other numbers "d", arrays of
 * strings "as", other arrays "av", null an empty "mv". NULL with @error
 * set when it is not such an object. */
GVariant *audit_json_to_vardict (JsonParser *parser, const char *json, GError **error);

G_END_DECLS
