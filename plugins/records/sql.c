/* records: building the statements. Identifiers come from the static
 * entity tables only; every value is a numbered parameter. */
#include "sql.h"

#include <string.h>

RecBatch *
rec_batch_new (void)
{
  RecBatch *b = g_new0 (RecBatch, 1);
  b->texts = g_ptr_array_new_with_free_func (g_free);
  b->params = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  b->statements = g_array_new (FALSE, TRUE, sizeof (OccStoreStatement));
  return b;
}

void
rec_batch_free (RecBatch *b)
{
  if (b == NULL)
    return;
  g_array_unref (b->statements);
  g_ptr_array_unref (b->params);
  g_ptr_array_unref (b->texts);
  g_free (b);
}

void
rec_batch_add (RecBatch *b, char *sql, GVariant *params)
{
  g_ptr_array_add (b->texts, sql);
  if (params)
    g_ptr_array_add (b->params, g_variant_ref_sink (params));
  OccStoreStatement st = { sql, params };
  g_array_append_val (b->statements, st);
}

const OccStoreStatement *
rec_batch_statements (RecBatch *b, guint *n)
{
  *n = b->statements->len;
  return (const OccStoreStatement *) b->statements->data;
}

guint
rec_sql_n_reads (const RecEntity *e)
{
  return e->side ? 2 : 1;
}

/* --- parameters ------------------------------------------------------------------ */

/* Adds @v (floating or full) and returns its placeholder number. */
static guint
param (GPtrArray *params, GVariant *v)
{
  g_ptr_array_add (params, g_variant_ref_sink (v));
  return params->len;
}

static GVariant *
params_tuple (GPtrArray *params)
{
  return g_variant_new_tuple ((GVariant *const *) params->pdata, params->len);
}

static GPtrArray *
params_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
}

static gboolean
is_column (const RecField *f)
{
  return !(f->flags & REC_FIELD_SIDE);
}

/* "p.a, p.b, …": every column of @e, prefixed with @alias if given. */
static void
append_columns (GString *sql, const RecEntity *e, const char *alias)
{
  gboolean first = TRUE;
  for (guint i = 0; i < e->n_fields; i++)
    if (is_column (&e->fields[i]))
      {
        g_string_append_printf (sql, "%s%s%s%s", first ? "" : ", ", alias ? alias : "",
                                alias ? "." : "", e->fields[i].name);
        first = FALSE;
      }
}

static void
add_read (RecBatch *b, const RecEntity *e, const char *id)
{
  GString *sql = g_string_new ("SELECT ");
  append_columns (sql, e, NULL);
  g_string_append_printf (sql, " FROM %s WHERE id = $1", e->table);
  rec_batch_add (b, g_string_free (sql, FALSE), g_variant_new ("(s)", id));
  if (e->side)
    rec_batch_add (b,
                   g_strdup_printf ("SELECT %s, %s FROM %s WHERE %s = $1 ORDER BY %s",
                                    e->side->owner_column, e->side->value_column, e->side->table,
                                    e->side->owner_column, e->side->position_column),
                   g_variant_new ("(s)", id));
}

/* --- put ------------------------------------------------------------------------ */

static void
add_side_rows (RecBatch *b, const RecEntity *e, const char *id, const char *const *numbers)
{
  const RecSideTable *s = e->side;
  rec_batch_add (b, g_strdup_printf ("DELETE FROM %s WHERE %s = $1", s->table, s->owner_column),
                 g_variant_new ("(s)", id));
  if (numbers == NULL || numbers[0] == NULL)
    return;
  g_autoptr (GPtrArray) params = params_new ();
  param (params, g_variant_new_string (id));
  GString *sql = g_string_new (NULL);
  g_string_printf (sql, "INSERT INTO %s (%s, %s, %s) VALUES ", s->table, s->owner_column,
                   s->value_column, s->position_column);
  for (guint i = 0; numbers[i]; i++)
    {
      guint number = param (params, g_variant_new_string (numbers[i]));
      guint position = param (params, g_variant_new_int64 (i));
      g_string_append_printf (sql, "%s($1, $%u, $%u)", i ? ", " : "", number, position);
    }
  rec_batch_add (b, g_string_free (sql, FALSE), params_tuple (params));
}

void
rec_sql_put (RecBatch *b, const RecRecord *r, const char *id, gboolean insert, gint64 now)
{
  const RecEntity *e = r->entity;
  g_autoptr (GPtrArray) params = params_new ();
  g_autoptr (GString) cols = g_string_new ("id");
  g_autoptr (GString) vals = g_string_new ("$1");
  g_autoptr (GString) set = g_string_new (NULL);
  param (params, g_variant_new_string (id));
  guint now_param = 0;
  for (guint i = 0; i < e->n_fields; i++)
    {
      const RecField *f = &e->fields[i];
      if (!is_column (f) || (f->flags & REC_FIELD_KEY))
        continue;
      const RecValue *v = rec_record_get (r, f->name);
      if (f->flags & (REC_FIELD_CREATED | REC_FIELD_UPDATED))
        {
          if (now_param == 0)
            now_param = param (params, g_variant_new_int64 (now));
          g_string_append_printf (cols, ", %s", f->name);
          g_string_append_printf (vals, ", $%u", now_param);
          if (f->flags & REC_FIELD_UPDATED)
            g_string_append_printf (set, "%s%s = excluded.%s", set->len ? ", " : "", f->name,
                                    f->name);
        }
      else if (v != NULL)
        {
          g_string_append_printf (cols, ", %s", f->name);
          g_string_append_printf (vals, ", $%u", param (params, g_variant_ref (v->param)));
          g_string_append_printf (set, "%s%s = excluded.%s", set->len ? ", " : "", f->name,
                                  f->name);
        }
      else if (!insert && (f->flags & REC_FIELD_REQUIRED) && !(f->flags & REC_FIELD_READONLY))
        {
          /* NOT NULL is checked on the row proposed for insertion even when
           * the id exists and the row is updated instead (both databases):
           * propose the stored value. If there is none, the constraint
           * fails and names the column the caller left out. */
          g_string_append_printf (cols, ", %s", f->name);
          g_string_append_printf (vals, ", (SELECT %s FROM %s WHERE id = $1)", f->name, e->table);
        }
    }
  GString *sql = g_string_new (NULL);
  g_string_printf (sql, "INSERT INTO %s (%s) VALUES (%s)", e->table, cols->str, vals->str);
  if (!insert)
    {
      if (set->len)
        g_string_append_printf (sql, " ON CONFLICT (id) DO UPDATE SET %s", set->str);
      else
        g_string_append (sql, " ON CONFLICT (id) DO NOTHING");
    }
  rec_batch_add (b, g_string_free (sql, FALSE), params_tuple (params));
  const RecField *side = rec_entity_side_field (e);
  const RecValue *numbers = side ? rec_record_get (r, side->name) : NULL;
  if (numbers)
    add_side_rows (b, e, id, (const char *const *) numbers->phones);
  add_read (b, e, id);
}

void
rec_sql_get (RecBatch *b, const RecEntity *e, const char *id)
{
  add_read (b, e, id);
}

/* --- find ----------------------------------------------------------------------- */

/* " WHERE a = $1 AND b IS NULL" (or nothing) into @sql. */
static void
append_where (GString *sql, const RecRecord *where, GPtrArray *params)
{
  for (guint i = 0; i < where->values->len; i++)
    {
      const RecValue *v = &g_array_index (where->values, RecValue, i);
      g_string_append (sql, i == 0 ? " WHERE " : " AND ");
      if (g_variant_is_of_type (v->param, G_VARIANT_TYPE_MAYBE))
        g_string_append_printf (sql, "%s IS NULL", v->field->name);
      else
        g_string_append_printf (sql, "%s = $%u", v->field->name,
                                param (params, g_variant_ref (v->param)));
    }
}

void
rec_sql_find (RecBatch *b, const RecRecord *where, const RecField *order, gboolean descending,
              guint limit)
{
  const RecEntity *e = where->entity;
  g_autoptr (GPtrArray) params = params_new ();
  g_autoptr (GString) tail = g_string_new (NULL);
  append_where (tail, where, params);
  g_string_append_printf (tail, " ORDER BY %s%s", order->name, descending ? " DESC" : "");
  if (!(order->flags & REC_FIELD_KEY))
    g_string_append (tail, ", id");
  g_string_append_printf (tail, " LIMIT $%u", param (params, g_variant_new_int64 (limit)));

  GString *sql = g_string_new ("SELECT ");
  append_columns (sql, e, NULL);
  g_string_append_printf (sql, " FROM %s%s", e->table, tail->str);
  rec_batch_add (b, g_string_free (sql, FALSE), params_tuple (params));
  if (e->side)
    rec_batch_add (b,
                   g_strdup_printf ("SELECT %s, %s FROM %s WHERE %s IN (SELECT id FROM %s%s) "
                                    "ORDER BY %s, %s",
                                    e->side->owner_column, e->side->value_column, e->side->table,
                                    e->side->owner_column, e->table, tail->str,
                                    e->side->owner_column, e->side->position_column),
                   params_tuple (params));
}

/* --- remove --------------------------------------------------------------------- */

void
rec_sql_remove (RecBatch *b, const RecEntity *e, const char *id)
{
  /* the schema cascades, but only where the database enforces foreign
   * keys: do not count on it */
  if (e->side)
    rec_batch_add (
        b, g_strdup_printf ("DELETE FROM %s WHERE %s = $1", e->side->table, e->side->owner_column),
        g_variant_new ("(s)", id));
  rec_batch_add (b, g_strdup_printf ("DELETE FROM %s WHERE id = $1", e->table),
                 g_variant_new ("(s)", id));
}

/* --- screen-pop ----------------------------------------------------------------- */

void
rec_sql_screen_pop (RecBatch *b, const char *number, guint n)
{
  const RecEntity *customer = rec_entity_lookup ("customer");
  const RecEntity *interaction = rec_entity_lookup ("interaction");
  const RecSideTable *s = customer->side;
  /* the customer owning the number; the most recently updated if several */
  g_autofree char *owner
      = g_strdup_printf ("(SELECT c2.id FROM %s c2 JOIN %s p2 ON p2.%s = c2.id WHERE p2.%s = $1 "
                         "ORDER BY c2.updated_at DESC, c2.id LIMIT 1)",
                         customer->table, s->table, s->owner_column, s->value_column);

  GString *sql = g_string_new ("SELECT ");
  append_columns (sql, customer, "c");
  g_string_append_printf (sql,
                          ", p.%s FROM %s c JOIN %s p ON p.%s = c.id WHERE c.id = %s "
                          "ORDER BY p.%s",
                          s->value_column, customer->table, s->table, s->owner_column, owner,
                          s->position_column);
  rec_batch_add (b, g_string_free (sql, FALSE), g_variant_new ("(s)", number));

  sql = g_string_new ("SELECT ");
  append_columns (sql, interaction, NULL);
  g_string_append_printf (sql,
                          " FROM %s WHERE customer_id = %s ORDER BY offered_at DESC, id DESC "
                          "LIMIT $2",
                          interaction->table, owner);
  rec_batch_add (b, g_string_free (sql, FALSE), g_variant_new ("(sx)", number, (gint64) n));
}
