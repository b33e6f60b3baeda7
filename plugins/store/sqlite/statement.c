/* store-sqlite: running one statement and turning its rows into an
 * OccStoreResult. Worker threads only. */
#include "sqlite-store.h"

#include <string.h>

sqlite3_stmt *
sq_statement_start (SqConn *conn, const SqStatement *st, guint index, GError **error)
{
  conn->failed_rc = SQLITE_OK;
  sqlite3_stmt *stmt = sq_conn_prepare (conn, st->rewritten, st->sql, index, error);
  if (stmt == NULL)
    return NULL;
  /* The placeholders were counted when the call was made; SQLite also
   * counts the forms we leave alone ("?", ":name"), which have no value. */
  int expected = sqlite3_bind_parameter_count (stmt);
  if (expected < 0 || (guint) expected != st->n_params)
    {
      g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID,
                   "statements[%u]: SQLite counts %d parameters and %u were given (write "
                   "placeholders as $1, $2, …)",
                   index, expected, st->n_params);
      return NULL;
    }
  int rc = sq_params_bind (stmt, st->params);
  if (rc != SQLITE_OK)
    {
      conn->failed_rc = rc;
      sq_set_sqlite_error (error, conn, rc, index, st->sql);
      sq_statement_finish (stmt);
      return NULL;
    }
  return stmt;
}

void
sq_statement_finish (sqlite3_stmt *stmt)
{
  /* reset releases the statement's read or write lock; the bindings
   * point into the job's parameters, which are about to go */
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

OccStoreResult *
sq_statement_new_result (sqlite3_stmt *stmt)
{
  int n = sqlite3_column_count (stmt);
  const char **names = g_newa (const char *, n + 1);
  for (int i = 0; i < n; i++)
    {
      const char *name = sqlite3_column_name (stmt, i);
      names[i] = name ? name : "";
    }
  names[n] = NULL;
  return occ_store_result_new ((guint) n, names);
}

/* One cell as the store's GVariant types (NULL for SQL NULL). */
static gboolean
read_cell (sqlite3_stmt *stmt, int column, GVariant **cell)
{
  *cell = NULL;
  switch (sqlite3_column_type (stmt, column))
    {
    case SQLITE_INTEGER:
      *cell = g_variant_new_int64 (sqlite3_column_int64 (stmt, column));
      return TRUE;
    case SQLITE_FLOAT:
      *cell = g_variant_new_double (sqlite3_column_double (stmt, column));
      return TRUE;
    case SQLITE_TEXT:
      {
        const char *text = (const char *) sqlite3_column_text (stmt, column);
        gsize len = (gsize) sqlite3_column_bytes (stmt, column);
        /* SQLite stores whatever bytes it was given; a string cell must be
         * UTF-8 without NULs, which g_utf8_validate_len() also refuses */
        if (text == NULL || !g_utf8_validate_len (text, len, NULL))
          return FALSE;
        /* checked just above: trusted, so GVariant does not check again */
        char *copy = g_memdup2 (text, len + 1);
        *cell = g_variant_new_from_data (G_VARIANT_TYPE_STRING, copy, len + 1, TRUE, g_free, copy);
        return TRUE;
      }
    case SQLITE_BLOB:
      {
        gsize len = (gsize) sqlite3_column_bytes (stmt, column);
        const void *data = sqlite3_column_blob (stmt, column);
        *cell
            = g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data ? data : "", data ? len : 0, 1);
        return TRUE;
      }
    default:
      return TRUE;
    }
}

int
sq_statement_step (SqConn *conn, sqlite3_stmt *stmt, OccStoreResult *result, const SqStatement *st,
                   guint index, GError **error)
{
  int rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      guint n = occ_store_result_get_n_columns (result);
      GVariant **cells = g_newa (GVariant *, n + 1);
      for (guint i = 0; i < n; i++)
        if (!read_cell (stmt, (int) i, &cells[i]))
          {
            for (guint k = 0; k < i; k++)
              if (cells[k])
                g_variant_unref (g_variant_ref_sink (cells[k]));
            g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID,
                         "statements[%u]: column “%s” of row %u is not valid UTF-8 text", index,
                         occ_store_result_get_column_name (result, i),
                         occ_store_result_get_n_rows (result) + 1);
            conn->failed_rc = SQLITE_OK;
            return SQLITE_MISMATCH;
          }
      occ_store_result_add_row (result, cells);
      return rc;
    }
  if (rc != SQLITE_DONE)
    {
      conn->failed_rc = rc;
      sq_set_sqlite_error (error, conn, rc, index, st->sql);
    }
  return rc;
}

/* The statements whose sqlite3_changes64() is theirs: without it, a
 * CREATE TABLE would report the count of the last INSERT before it. */
static gboolean
counts_changes (const SqStatement *st)
{
  static const char *const dml[] = { "INSERT", "UPDATE", "DELETE", "REPLACE", "WITH", NULL };
  return g_strv_contains (dml, st->keyword);
}

OccStoreResult *
sq_statement_run (SqConn *conn, const SqStatement *st, guint index, GError **error)
{
  sqlite3_stmt *stmt = sq_statement_start (conn, st, index, error);
  if (stmt == NULL)
    return NULL;
  g_autoptr (OccStoreResult) result = sq_statement_new_result (stmt);
  int rc;
  while ((rc = sq_statement_step (conn, stmt, result, st, index, error)) == SQLITE_ROW)
    ;
  gboolean readonly = sqlite3_stmt_readonly (stmt);
  sq_statement_finish (stmt);
  if (rc != SQLITE_DONE)
    return NULL;
  if (occ_store_result_get_n_columns (result) == 0 && !readonly && counts_changes (st))
    occ_store_result_set_changes (result, sqlite3_changes64 (conn->db));
  return g_steal_pointer (&result);
}

gboolean
sq_error_is_statement_level (SqConn *conn, const GError *error)
{
  /* Errors after which SQLite has undone the one statement and kept the
   * transaction. After the others (I/O, full disk, interrupt, busy) its
   * documentation asks for a ROLLBACK, as the transaction may be gone. */
  if (sqlite3_get_autocommit (conn->db))
    return FALSE;
  if (!g_error_matches (error, OCC_STORE_ERROR, OCC_STORE_ERROR_SQL)
      && !g_error_matches (error, OCC_STORE_ERROR, OCC_STORE_ERROR_CONSTRAINT)
      && !g_error_matches (error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID))
    return FALSE;
  switch (conn->failed_rc & 0xff)
    {
    case SQLITE_OK: /* refused before it ran: parameters, UTF-8 */
    case SQLITE_ERROR:
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
    case SQLITE_TOOBIG:
    case SQLITE_AUTH:
      return TRUE;
    default:
      return FALSE;
    }
}
