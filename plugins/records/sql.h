/* records: the SQL statements, built from the entity tables alone. Values
 * never become SQL text: every one is a parameter ($1, $2, …). The text
 * is the same for both backends (upserts are INSERT … ON CONFLICT (id) DO
 * UPDATE, which SQLite ≥ 3.24 and PostgreSQL understand alike). */
#pragma once

#include "fields.h"

G_BEGIN_DECLS

/* The statements of one store execute(), and what they own. */
typedef struct {
  GPtrArray *texts;   /* char *, the SQL */
  GPtrArray *params;  /* GVariant * tuples (sunk), or NULL */
  GArray *statements; /* OccStoreStatement pointing into the two above */
} RecBatch;

RecBatch *rec_batch_new (void);
void rec_batch_free (RecBatch *batch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RecBatch, rec_batch_free)

/* Appends a statement; takes @sql and @params (floating or full). */
void rec_batch_add (RecBatch *batch, char *sql, GVariant *params);
/* The statements, for execute() (transfer none). */
const OccStoreStatement *rec_batch_statements (RecBatch *batch, guint *n);

/* How many results a read of @entity ends with: the rows, then the
 * side-table rows (owner, value) if it has one. */
guint rec_sql_n_reads (const RecEntity *entity);

/* Writes @record and reads it back. @id is the record's id (given or
 * made); @insert: a plain INSERT (a new id, or an append-only entity)
 * rather than an upsert that changes only the fields given. @now (ms)
 * goes into created_at (insert only) and updated_at. When the record
 * gives the side-table field, its rows are replaced. */
void rec_sql_put (RecBatch *batch, const RecRecord *record, const char *id, gboolean insert,
                  gint64 now);

/* Reads the record @id (rows, then side rows). */
void rec_sql_get (RecBatch *batch, const RecEntity *entity, const char *id);

/* Reads the records matching @where (equality; null means IS NULL),
 * ordered by @order (then by id), at most @limit. */
void rec_sql_find (RecBatch *batch, const RecRecord *where, const RecField *order,
                   gboolean descending, guint limit);

/* Deletes the record @id (its side rows first); the last result's
 * changes say whether there was one. */
void rec_sql_remove (RecBatch *batch, const RecEntity *entity, const char *id);

/* Two statements: the customer owning @number (the most recently
 * updated if several do) joined with its numbers, one row per number in
 * order (column "e164"); and its last @n interactions, newest first. */
void rec_sql_screen_pop (RecBatch *batch, const char *number, guint n);

G_END_DECLS
