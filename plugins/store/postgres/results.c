/* Results: PGresult (text format) to OccStoreResult by column type, and
 * failed results to OCC_STORE_ERROR. */
#include "pgstore.h"

#include <stdlib.h>
#include <string.h>

const char *
pg_result_sqlstate (const PGresult *res)
{
  return res ? PQresultErrorField (res, PG_DIAG_SQLSTATE) : NULL;
}

gboolean
pg_result_is_connection_error (const PGresult *res, PGconn *pg)
{
  if (pg == NULL || PQstatus (pg) == CONNECTION_BAD)
    return TRUE;
  const char *state = pg_result_sqlstate (res);
  /* errors libpq made itself (no SQLSTATE) are about the connection;
   * class 08 is connection exception; 57P01..03 are the server shutting
   * down or crashing under us */
  if (state == NULL)
    return TRUE;
  return g_str_has_prefix (state, "08") || strcmp (state, "57P01") == 0
         || strcmp (state, "57P02") == 0 || strcmp (state, "57P03") == 0;
}

/* The first 200 characters of @sql on one line. */
static char *
sql_excerpt (const char *sql)
{
  if (sql == NULL)
    return g_strdup ("");
  glong len = g_utf8_strlen (sql, -1);
  g_autofree char *head = g_utf8_substring (sql, 0, MIN (len, 200));
  g_strdelimit (head, "\r\n\t", ' ');
  return g_strconcat (g_strstrip (head), len > 200 ? "..." : "", NULL);
}

GError *
pg_result_error (const PGresult *res, const char *sql)
{
  const char *state = pg_result_sqlstate (res);
  const char *primary = res ? PQresultErrorField (res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  const char *detail = res ? PQresultErrorField (res, PG_DIAG_MESSAGE_DETAIL) : NULL;
  g_autofree char *fallback = NULL;
  if (primary == NULL)
    {
      fallback = g_strdup (res ? PQresultErrorMessage (res) : "no result");
      primary = g_strstrip (fallback);
      if (*primary == '\0')
        primary = "the statement failed";
    }
  g_autofree char *excerpt = sql_excerpt (sql);
  int code
      = state && g_str_has_prefix (state, "23") ? OCC_STORE_ERROR_CONSTRAINT : OCC_STORE_ERROR_SQL;
  return g_error_new (OCC_STORE_ERROR, code, "%s%s%s [SQLSTATE %s] in: %s", primary,
                      detail ? "; " : "", detail ? detail : "", state ? state : "none", excerpt);
}

static GVariant *
convert_cell (const PGresult *res, int row, int col, GError **error)
{
  if (PQgetisnull (res, row, col))
    return NULL;
  const char *text = PQgetvalue (res, row, col);
  int len = PQgetlength (res, row, col);
  switch (PQftype (res, col))
    {
    case PG_OID_INT2:
    case PG_OID_INT4:
    case PG_OID_INT8:
    case PG_OID_OID:
      return g_variant_new_int64 (g_ascii_strtoll (text, NULL, 10));
    case PG_OID_FLOAT4:
    case PG_OID_FLOAT8:
    case PG_OID_NUMERIC:
      return g_variant_new_double (g_ascii_strtod (text, NULL));
    case PG_OID_BOOL:
      return g_variant_new_boolean (text[0] == 't');
    case PG_OID_BYTEA:
      {
        size_t n = 0;
        unsigned char *data = PQunescapeBytea ((const unsigned char *) text, &n);
        if (data == NULL)
          {
            g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_SQL,
                         "column %s: the server sent a bytea value that does not decode",
                         PQfname (res, col));
            return NULL;
          }
        GVariant *v = g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, n, 1);
        PQfreemem (data);
        return v;
      }
    default:
      if (!g_utf8_validate_len (text, (gsize) len, NULL))
        {
          g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_SQL,
                       "column %s of row %d is not valid UTF-8 (is the database's encoding "
                       "UTF8?)",
                       PQfname (res, col), row);
          return NULL;
        }
      return g_variant_new_string (text);
    }
}

OccStoreResult *
pg_result_new_like (const PGresult *res)
{
  int n = PQnfields (res);
  g_autofree const char **names = g_new0 (const char *, n + 1);
  for (int c = 0; c < n; c++)
    names[c] = PQfname (res, c);
  return occ_store_result_new ((guint) n, names);
}

gboolean
pg_result_append_rows (OccStoreResult *dest, const PGresult *res, GError **error)
{
  int cols = PQnfields (res), rows = PQntuples (res);
  GVariant *stack[16];
  g_autofree GVariant **heap = cols > 16 ? g_new0 (GVariant *, cols) : NULL;
  GVariant **cells = heap ? heap : stack;
  for (int r = 0; r < rows; r++)
    {
      for (int c = 0; c < cols; c++)
        {
          GError *e = NULL;
          cells[c] = convert_cell (res, r, c, &e);
          if (e)
            {
              for (int k = 0; k < c; k++)
                if (cells[k])
                  g_variant_unref (g_variant_ref_sink (cells[k]));
              g_propagate_error (error, e);
              return FALSE;
            }
        }
      occ_store_result_add_row (dest, cells);
    }
  return TRUE;
}

OccStoreResult *
pg_result_convert (const PGresult *res, GError **error)
{
  OccStoreResult *out = pg_result_new_like (res);
  if (!pg_result_append_rows (out, res, error))
    {
      occ_store_result_unref (out);
      return NULL;
    }
  const char *changes = PQcmdTuples ((PGresult *) res);
  if (changes && *changes)
    occ_store_result_set_changes (out, g_ascii_strtoll (changes, NULL, 10));
  return out;
}
