/* Schema migrations, run by the first connection before any job: one
 * transaction, serialised between nodes by an advisory lock held until
 * it ends. Each step is one non-blocking query (the simple-query protocol,
 * so that a script may hold many statements); the connection's source
 * calls pg_migrate_input() as results arrive. */
#include "pgstore.h"

#include <string.h>

typedef enum {
  STEP_LOCK,     /* BEGIN, lock, version table, current version */
  STEP_SCRIPT,   /* one migration script */
  STEP_RECORD,   /* its schema_version row */
  STEP_COMMIT,   /* done */
  STEP_ROLLBACK, /* giving up: the store fails */
} Step;

struct _PgMigration {
  Step step;
  guint current; /* the database's version when we started */
  guint index;   /* the next migration to apply */
  GError *error; /* the first error of the step */
  GError *fatal; /* why the store fails, after the rollback */
};

void
pg_migrate_free (PgMigration *m)
{
  if (m == NULL)
    return;
  g_clear_error (&m->error);
  g_clear_error (&m->fatal);
  g_free (m);
}

static gboolean
send (PgConn *c, Step step, const char *sql)
{
  c->migration->step = step;
  if (!PQsendQuery (c->pg, sql))
    {
      pg_conn_break (c, PQerrorMessage (c->pg));
      return FALSE;
    }
  return pg_conn_flush (c);
}

void
pg_migrate_start (PgConn *c)
{
  c->state = PG_CONN_MIGRATING;
  c->migration = g_new0 (PgMigration, 1);
  send (c, STEP_LOCK,
        "BEGIN; SELECT pg_advisory_xact_lock(" PG_MIGRATION_LOCK "); " OCC_SCHEMA_VERSION_DDL
        "; " OCC_SCHEMA_VERSION_QUERY);
}

static void
send_script (PgConn *c)
{
  PgStore *s = c->store;
  OccMigration *m = g_ptr_array_index (s->migrations, c->migration->index);
  g_message ("applying migration %s", m->name);
  send (c, STEP_SCRIPT, m->sql);
}

static void
send_record (PgConn *c)
{
  PgStore *s = c->store;
  OccMigration *m = g_ptr_array_index (s->migrations, c->migration->index);
  g_autofree char *version = g_strdup_printf ("%u", m->version);
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time () / 1000);
  const char *values[] = { version, m->name, now };
  const Oid types[] = { PG_OID_INT8, PG_OID_TEXT, PG_OID_INT8 };
  c->migration->step = STEP_RECORD;
  if (!PQsendQueryParams (c->pg, OCC_SCHEMA_VERSION_INSERT, 3, types, values, NULL, NULL, 0))
    {
      pg_conn_break (c, PQerrorMessage (c->pg));
      return;
    }
  pg_conn_flush (c);
}

static void
give_up (PgConn *c, GError *fatal)
{
  c->migration->fatal = fatal;
  send (c, STEP_ROLLBACK, "ROLLBACK");
}

static void
next_migration (PgConn *c)
{
  PgStore *s = c->store;
  if (c->migration->index < s->migrations->len)
    send_script (c);
  else
    send (c, STEP_COMMIT, "COMMIT");
}

/* The step's results are all in. */
static void
step_done (PgConn *c)
{
  PgStore *s = c->store;
  PgMigration *m = c->migration;
  GError *error = g_steal_pointer (&m->error);
  OccMigration *mig
      = m->index < s->migrations->len ? g_ptr_array_index (s->migrations, m->index) : NULL;
  switch (m->step)
    {
    case STEP_LOCK:
      if (error)
        give_up (c, g_error_new (OCC_STORE_ERROR, OCC_STORE_ERROR_SCHEMA,
                                 "cannot read the schema version: %s", error->message));
      else if (m->current > s->latest_version)
        give_up (c, g_error_new (OCC_STORE_ERROR, OCC_STORE_ERROR_SCHEMA,
                                 "the database's schema is version %u, newer than version %u "
                                 "that this omnicc knows: upgrade omnicc before using this "
                                 "database",
                                 m->current, s->latest_version));
      else
        {
          m->index = m->current;
          next_migration (c);
        }
      break;
    case STEP_SCRIPT:
    case STEP_RECORD:
      if (error)
        give_up (c, g_error_new (OCC_STORE_ERROR, OCC_STORE_ERROR_SCHEMA, "migration %s failed: %s",
                                 mig ? mig->name : "?", error->message));
      else if (m->step == STEP_SCRIPT)
        send_record (c);
      else
        {
          m->index++;
          next_migration (c);
        }
      break;
    case STEP_COMMIT:
      if (error)
        give_up (c, g_error_new (OCC_STORE_ERROR, OCC_STORE_ERROR_SCHEMA,
                                 "cannot commit the migrations: %s", error->message));
      else
        {
          if (m->current < s->latest_version)
            g_message ("schema migrated from version %u to %u", m->current, s->latest_version);
          c->migration = NULL;
          pg_migrate_free (m);
          pg_pool_migrated (s, s->latest_version);
          pg_conn_set_ready (c);
        }
      break;
    case STEP_ROLLBACK:
      pg_pool_fatal (s, g_steal_pointer (&m->fatal));
      break;
    }
  g_clear_error (&error);
}

gboolean
pg_migrate_input (PgConn *c)
{
  while (c->state == PG_CONN_MIGRATING && !PQisBusy (c->pg))
    {
      PGresult *r = PQgetResult (c->pg);
      if (r == NULL)
        {
          step_done (c);
          continue;
        }
      PgMigration *m = c->migration;
      ExecStatusType st = PQresultStatus (r);
      if (st == PGRES_FATAL_ERROR && pg_result_is_connection_error (r, c->pg))
        {
          g_free (c->last_error);
          c->last_error = g_strdup (PQresultErrorMessage (r));
          PQclear (r);
          return FALSE;
        }
      if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && m->error == NULL)
        m->error = pg_result_error (r, m->step == STEP_LOCK ? "schema version" : NULL);
      else if (st == PGRES_TUPLES_OK && m->step == STEP_LOCK && PQntuples (r) == 1
               && PQnfields (r) == 1
               && (PQftype (r, 0) == PG_OID_INT4 || PQftype (r, 0) == PG_OID_INT8))
        m->current = (guint) g_ascii_strtoull (PQgetvalue (r, 0, 0), NULL, 10);
      PQclear (r);
    }
  return c->pg == NULL || PQstatus (c->pg) != CONNECTION_BAD;
}
