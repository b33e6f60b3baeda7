/* records: the entities and their fields, and the checks every value
 * goes through before it reaches the store.
 *
 * Internal to the plugin (and compiled into its unit test): nothing here
 * needs a database. Each entity is one static table of field specs
 * (entities.c); one generic code path (fields.c) checks a record against
 * it, so adding a column is adding a line to a table. */
#pragma once

#include <omnicc/omnicc.h>

G_BEGIN_DECLS

typedef enum {
  REC_KIND_ID,     /* text, 1..64 of [A-Za-z0-9._:@-] */
  REC_KIND_TEXT,   /* UTF-8 text without NUL, at most max characters */
  REC_KIND_E164,   /* ^\+[1-9][0-9]{6,14}$ */
  REC_KIND_EMAIL,  /* local@domain, at most 254 characters */
  REC_KIND_ENUM,   /* one of values */
  REC_KIND_INT,    /* an integer in min..max */
  REC_KIND_BOOL,   /* "b", stored 0/1 */
  REC_KIND_TIME,   /* ms since the epoch, >= 0 */
  REC_KIND_JSON,   /* a{sv}, stored as JSON text */
  REC_KIND_SHA256, /* 64 lower-case hex digits */
  REC_KIND_PHONES, /* "as" of E.164 numbers: JSON text, or rows of a side table */
} RecKind;

typedef enum {
  REC_FIELD_KEY = 1 << 0,      /* the record's id */
  REC_FIELD_REQUIRED = 1 << 1, /* NOT NULL without a default: must be given on insert */
  REC_FIELD_NOT_NULL = 1 << 2, /* NOT NULL with a default: may be left out, not set to null */
  REC_FIELD_READONLY = 1 << 3, /* set by the plugin or the database: ignored in put() */
  REC_FIELD_CREATED = 1 << 4,  /* set to now on insert */
  REC_FIELD_UPDATED = 1 << 5,  /* set to now on every write */
  REC_FIELD_SIDE = 1 << 6,     /* not a column: rows of the entity's side table */
} RecFieldFlags;

typedef struct {
  const char *name; /* field name = column name */
  RecKind kind;
  guint flags;
  guint max;                   /* characters (text kinds), numbers (phones), bytes (JSON) */
  gint64 min_value, max_value; /* REC_KIND_INT */
  const char *const *values;   /* REC_KIND_ENUM, NULL-terminated */
  const char *ref;             /* the entity an id field refers to, or NULL */
} RecField;

typedef enum {
  REC_ENTITY_APPEND_ONLY = 1 << 0, /* insert only: no update, no remove */
} RecEntityFlags;

/* A side table holding a list field (customer.phones → customer_phone). */
typedef struct {
  const char *table;
  const char *owner_column; /* refers to the entity's id */
  const char *value_column;
  const char *position_column;
} RecSideTable;

typedef struct {
  const char *name;  /* entity name, as callers write it */
  const char *table; /* SQL table */
  const RecField *fields;
  guint n_fields;
  guint flags;
  const RecSideTable *side; /* for the REC_FIELD_SIDE field, or NULL */
} RecEntity;

/* Longest JSON text a json field may become. */
#define REC_JSON_MAX_BYTES 65536
/* Deepest nesting of a json field. */
#define REC_JSON_MAX_DEPTH 32

/* --- the tables (entities.c) ------------------------------------------------------ */

/* Every entity, in a fixed order; *n receives the count. */
const RecEntity *rec_entities (guint *n);
/* The entity named @name, or NULL. */
const RecEntity *rec_entity_lookup (const char *name);
/* The field named @name of @entity, or NULL. */
const RecField *rec_entity_field (const RecEntity *entity, const char *name);
/* The id field, the side-table field (or NULL). */
const RecField *rec_entity_key (const RecEntity *entity);
const RecField *rec_entity_side_field (const RecEntity *entity);
/* "customer, interaction, …" (transfer full), for messages. */
char *rec_entity_names (void);
/* The describe() answer: a{sa(ssbu)}, floating. */
GVariant *rec_describe (void);
/* What describe() says a field is: "text", "enum:a|b", "int:1..5",
 * "time:read-only", "e164[]" (transfer full). */
char *rec_field_type_string (const RecField *field);

/* --- checking values (fields.c) --------------------------------------------------- */

typedef enum {
  REC_PARSE_PUT,   /* a record to write: read-only fields are ignored */
  REC_PARSE_WHERE, /* find()'s equality filter: every field but lists and JSON */
} RecParseMode;

/* One checked field of a record. */
typedef struct {
  const RecField *field;
  GVariant *param; /* as a store parameter ("s", "x", or "ms"/"mx" for null); owned */
  GStrv phones;    /* REC_KIND_PHONES: the numbers (param is then NULL or JSON) */
} RecValue;

/* A record whose every field passed. */
typedef struct {
  const RecEntity *entity;
  GArray *values; /* RecValue, in the order given */
  char *id;       /* the "id" given, or NULL */
} RecRecord;

/* Checks @dict (an a{sv}) field by field against @entity. Every problem
 * is collected into one OCC_RECORDS_ERROR_INVALID naming each field
 * ("customer.email: “x@” is not an e-mail address; customer.colour: no
 * such field"). In PUT mode, an insert (no id, or an append-only entity)
 * must give every required field. NULL on error (transfer full). */
RecRecord *rec_record_parse (const RecEntity *entity, GVariant *dict, RecParseMode mode,
                             GError **error);
void rec_record_free (RecRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RecRecord, rec_record_free)

/* The value given for @name, or NULL. */
const RecValue *rec_record_get (const RecRecord *record, const char *name);

/* Checks one id (the key of get() and remove()); FALSE with an INVALID
 * error naming "<entity>.id". */
gboolean rec_check_id (const RecEntity *entity, const char *id, GError **error);

/* Checks @number as E.164; FALSE with an INVALID error naming @what. */
gboolean rec_check_e164 (const char *what, const char *number, GError **error);

/* Parses find()'s order ("field", "field desc", "field asc", any case):
 * the field and the direction. NULL or "" orders by id. */
gboolean rec_parse_order (const RecEntity *entity, const char *order_by, const RecField **field,
                          gboolean *descending, GError **error);

/* --- JSON (json-value.c) ------------------------------------------------------------ */

/* Encodes an a{sv} (json fields) or an as (contact.phones) as JSON text.
 * Values JSON cannot hold are reported to @problems as "@path.key: …";
 * NULL when there was any (transfer full). */
char *rec_json_encode (GVariant *value, const char *path, GString *problems);
/* Decodes JSON text written by rec_json_encode() back: an object as an
 * a{sv} (numbers "x" or "d", arrays "as" or "av", null "mv"), an array of
 * strings as "as". NULL if @text does not hold what @type says
 * (transfer full, not floating). */
GVariant *rec_json_decode (const char *text, const GVariantType *type, GError **error);

/* --- rows to records (rows.c) ------------------------------------------------------- */

/* The rows of @rows as records of @entity (aa{sv}, floating): SQL NULLs
 * left out, JSON decoded, booleans "b", times and integers "x". @phones
 * (nullable) holds (owner, number) rows of the entity's side table,
 * attached to their owners in row order as "as". */
GVariant *rec_rows_to_records (const RecEntity *entity, OccStoreResult *rows,
                               OccStoreResult *phones);

/* --- problems --------------------------------------------------------------------- */

/* Appends "@path: <message>" to @problems, separated by "; ". */
void rec_problem (GString *problems, const char *path, const char *format, ...)
    G_GNUC_PRINTF (3, 4);
/* @text as a short, valid UTF-8 quotation for messages (transfer full). */
char *rec_quote (const char *text, gssize length);

G_END_DECLS
