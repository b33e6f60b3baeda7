/* store-sqlite: bringing the schema up to date at load. Every pending
 * migration runs in one transaction with the rows that record it, so a
 * database is either at its old version or at the new one, never half
 * way; a database newer than this release is left alone. */
#include "sqlite-store.h"

#include <string.h>

#include "migrations.h"

static gboolean
read_version (SqConn *conn, guint *version, GError **error)
{
  sqlite3_stmt *stmt = sq_conn_prepare (conn, OCC_SCHEMA_VERSION_QUERY, OCC_SCHEMA_VERSION_QUERY,
                                        SQ_NO_INDEX, error);
  if (stmt == NULL)
    return FALSE;
  int rc = sqlite3_step (stmt);
  gint64 v = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
  if (rc != SQLITE_ROW)
    sq_set_sqlite_error (error, conn, rc, SQ_NO_INDEX, OCC_SCHEMA_VERSION_QUERY);
  sqlite3_reset (stmt);
  *version = (guint) CLAMP (v, 0, G_MAXUINT);
  return rc == SQLITE_ROW;
}

static gboolean
record (SqConn *conn, const OccMigration *m, GError **error)
{
  SqRewrite r;
  if (!sq_placeholders_rewrite (OCC_SCHEMA_VERSION_INSERT, strlen (OCC_SCHEMA_VERSION_INSERT), &r,
                                error))
    return FALSE;
  SqStatement st = {
    .sql = (char *) OCC_SCHEMA_VERSION_INSERT,
    .rewritten = r.sql,
    .params
    = g_variant_ref_sink (g_variant_new ("(usx)", m->version, m->name, g_get_real_time () / 1000)),
    .n_params = r.n_params,
  };
  memcpy (st.keyword, r.keyword, sizeof st.keyword);
  OccStoreResult *res = sq_statement_run (conn, &st, 0, error);
  g_variant_unref (st.params);
  sq_rewrite_clear (&r);
  if (res == NULL)
    return FALSE;
  occ_store_result_unref (res);
  return TRUE;
}

static gboolean
apply (SqConn *conn, const OccMigration *m, GError **error)
{
  char *msg = NULL;
  if (sqlite3_exec (conn->db, m->sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_SQL, "migration %s failed: %s", m->name,
                   msg ? msg : sqlite3_errmsg (conn->db));
      sqlite3_free (msg);
      return FALSE;
    }
  /* a COMMIT inside the script would have made the rest of it permanent
   * whatever happens next */
  if (sqlite3_get_autocommit (conn->db))
    {
      g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_SQL,
                   "migration %s ends the transaction it runs in: remove its BEGIN/COMMIT",
                   m->name);
      return FALSE;
    }
  if (!record (conn, m, error))
    {
      g_prefix_error (error, "migration %s: recording it: ", m->name);
      return FALSE;
    }
  return TRUE;
}

/* Inside the transaction: creates the version table, compares versions,
 * applies what is pending. */
static gboolean
migrate_locked (SqConn *conn, GPtrArray *migrations, const char *db_path, guint *version,
                GError **error)
{
  char *msg = NULL;
  if (sqlite3_exec (conn->db, OCC_SCHEMA_VERSION_DDL, NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_SQL, "%s: creating schema_version: %s",
                   db_path, msg ? msg : sqlite3_errmsg (conn->db));
      sqlite3_free (msg);
      return FALSE;
    }
  guint current = 0;
  if (!read_version (conn, &current, error))
    return FALSE;
  guint latest = occ_migrations_latest (migrations);
  if (current > latest)
    {
      g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_SCHEMA,
                   "%s has schema version %u, newer than version %u this omnicc knows: refusing "
                   "to run (upgrade omnicc, or restore a backup made by this version)",
                   db_path, current, latest);
      return FALSE;
    }
  for (guint i = 0; i < migrations->len; i++)
    {
      const OccMigration *m = g_ptr_array_index (migrations, i);
      if (m->version > current && !apply (conn, m, error))
        return FALSE;
      if (m->version > current)
        g_info ("%s: applied migration %s", db_path, m->name);
    }
  *version = latest;
  return TRUE;
}

gboolean
sq_migrate (SqConn *conn, const char *sql_dir, const char *db_path, guint *version, GError **error)
{
  g_autoptr (GPtrArray) migrations = occ_migrations_load (sql_dir, "sqlite", error);
  if (migrations == NULL)
    return FALSE;
  /* IMMEDIATE: take the write lock now, so that a second process on the
   * same file waits (busy-timeout) instead of migrating at the same time */
  if (!sq_conn_exec (conn, "BEGIN IMMEDIATE", error))
    {
      g_prefix_error (error, "%s: ", db_path);
      return FALSE;
    }
  if (!migrate_locked (conn, migrations, db_path, version, error)
      || !sq_conn_exec (conn, "COMMIT", error))
    {
      if (!sqlite3_get_autocommit (conn->db))
        sq_conn_exec (conn, "ROLLBACK", NULL);
      return FALSE;
    }
  return TRUE;
}
