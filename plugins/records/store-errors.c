/* records: turning the store's errors into the records service's. A
 * constraint the database enforces (NOT NULL, UNIQUE, FOREIGN KEY) is
 * named in the message of either backend; find the field it is about,
 * using the entity table again:
 *
 *   SQLite      NOT NULL constraint failed: agent.display_name
 *               UNIQUE constraint failed: agent.extension
 *               FOREIGN KEY constraint failed
 *   PostgreSQL  null value in column "display_name" of relation "agent" …
 *               duplicate key value violates unique constraint "agent_extension"
 *               … violates foreign key constraint "contact_campaign_id_fkey"
 */
#include "store-errors.h"

#include <string.h>

static gboolean
is_ident_char (char c)
{
  return g_ascii_isalnum (c) || c == '_';
}

/* @needle in @hay as a whole identifier (not part of a longer one). */
static gboolean
has_word (const char *hay, const char *needle)
{
  gsize n = strlen (needle);
  for (const char *p = strstr (hay, needle); p; p = strstr (p + 1, needle))
    if ((p == hay || !is_ident_char (p[-1])) && !is_ident_char (p[n]))
      return TRUE;
  return FALSE;
}

/* Does the (lower-case) message name column @col of @table? */
static gboolean
names_column (const char *msg, const char *table, const char *col)
{
  g_autofree char *dotted = g_strdup_printf ("%s.%s", table, col);
  g_autofree char *quoted = g_strdup_printf ("column \"%s\"", col);
  g_autofree char *index = g_strdup_printf ("%s_%s", table, col);
  g_autofree char *key = g_strdup_printf ("%s_%s_key", table, col);
  g_autofree char *fkey = g_strdup_printf ("%s_%s_fkey", table, col);
  return has_word (msg, dotted) || strstr (msg, quoted) || has_word (msg, index)
         || has_word (msg, key) || has_word (msg, fkey);
}

static const RecField *
field_named_in (const RecEntity *e, const char *msg)
{
  for (guint i = 0; i < e->n_fields; i++)
    if (!(e->fields[i].flags & REC_FIELD_SIDE) && names_column (msg, e->table, e->fields[i].name))
      return &e->fields[i];
  return NULL;
}

/* The value given for @f, quoted, or NULL. */
static char *
given (const RecRecord *r, const RecField *f)
{
  const RecValue *v = r ? rec_record_get (r, f->name) : NULL;
  if (v == NULL || v->param == NULL || !g_variant_is_of_type (v->param, G_VARIANT_TYPE_STRING))
    return NULL;
  return rec_quote (g_variant_get_string (v->param, NULL), -1);
}

/* The first number given twice in the side-table field. */
static char *
repeated_number (const RecRecord *r)
{
  const RecField *side = r ? rec_entity_side_field (r->entity) : NULL;
  const RecValue *v = side ? rec_record_get (r, side->name) : NULL;
  if (v == NULL || v->phones == NULL)
    return NULL;
  for (guint i = 0; v->phones[i]; i++)
    for (guint j = 0; j < i; j++)
      if (strcmp (v->phones[i], v->phones[j]) == 0)
        return rec_quote (v->phones[i], -1);
  return NULL;
}

static GError *
not_null (const RecEntity *e, const char *msg, const char *original)
{
  const RecField *f = field_named_in (e, msg);
  if (f)
    return g_error_new (OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID, "%s.%s: is required", e->name,
                        f->name);
  return g_error_new (OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID,
                      "%s: a required field is missing (%s)", e->name, original);
}

static GError *
unique (const RecEntity *e, const RecRecord *r, const char *msg, const char *original)
{
  if (e->side && strstr (msg, e->side->table))
    {
      const RecField *side = rec_entity_side_field (e);
      g_autofree char *number = repeated_number (r);
      return g_error_new (OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID, "%s.%s: %s is listed twice",
                          e->name, side->name, number ? number : "a number");
    }
  const RecField *f = field_named_in (e, msg);
  if (f == NULL && e->flags & REC_ENTITY_APPEND_ONLY)
    f = rec_entity_key (e);
  if (f == NULL)
    return g_error_new (OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_CONFLICT,
                        "%s: a unique value is taken (%s)", e->name, original);
  g_autofree char *value = given (r, f);
  if ((f->flags & REC_FIELD_KEY) && (e->flags & REC_ENTITY_APPEND_ONLY))
    return g_error_new (OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_CONFLICT,
                        "%s.%s: %s exists already, and %s records are append-only", e->name,
                        f->name, value ? value : "the id", e->name);
  return g_error_new (OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_CONFLICT,
                      "%s.%s: %s is taken by another %s", e->name, f->name,
                      value ? value : "the value", e->name);
}

static GError *
foreign_key (const RecEntity *e, const RecRecord *r, RecOpKind op, const char *msg,
             const char *original)
{
  if (op == REC_OP_REMOVE)
    return g_error_new (OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_CONFLICT,
                        "%s: other records still refer to it (%s)", e->name, original);
  const RecField *f = field_named_in (e, msg);
  if (f && f->ref)
    {
      g_autofree char *value = given (r, f);
      return g_error_new (OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID, "%s.%s: there is no %s %s",
                          e->name, f->name, f->ref, value ? value : "with that id");
    }
  /* SQLite does not say which reference: name those given */
  g_autoptr (GString) refs = g_string_new (NULL);
  for (guint i = 0; r && i < r->values->len; i++)
    {
      const RecValue *v = &g_array_index (r->values, RecValue, i);
      if (v->field->ref && !g_variant_is_of_type (v->param, G_VARIANT_TYPE_MAYBE))
        g_string_append_printf (refs, "%s%s.%s", refs->len ? ", " : "", e->name, v->field->name);
    }
  return g_error_new (OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID,
                      "%s: refers to a record that does not exist",
                      refs->len ? refs->str : e->name);
}

/* The backend's own message, lower-case, without what the backends add
 * after it (the statement, PostgreSQL's detail with the row's values), so
 * that only the database's words are searched. */
static char *
message_head (const char *message)
{
  static const char *const tails[] = { " in: ", " — ", " [sqlstate", " (sqlite code" };
  char *msg = g_ascii_strdown (message, -1);
  for (guint i = 0; i < G_N_ELEMENTS (tails); i++)
    {
      char *p = strstr (msg, tails[i]);
      if (p)
        *p = '\0';
    }
  return msg;
}

GError *
rec_error_from_store (const RecEntity *e, const RecRecord *r, RecOpKind op, const GError *error)
{
  if (error->domain == OCC_RECORDS_ERROR)
    return g_error_copy (error);
  if (error->domain != OCC_STORE_ERROR || error->code != OCC_STORE_ERROR_CONSTRAINT)
    return g_error_new (OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_STORE, "%s: the store failed: %s",
                        e->name, error->message);
  g_autofree char *msg = message_head (error->message);
  if (strstr (msg, "not null") || strstr (msg, "not-null"))
    return not_null (e, msg, error->message);
  if (strstr (msg, "foreign key"))
    return foreign_key (e, r, op, msg, error->message);
  if (strstr (msg, "unique") || strstr (msg, "duplicate key") || strstr (msg, "primary key"))
    return unique (e, r, msg, error->message);
  return g_error_new (OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID,
                      "%s: the database refused it: %s", e->name, error->message);
}
