/* Schema migrations shared by the store backends: numbered SQL files in
 * share/sql/, one per version, portable ("0001-initial.sql") or written
 * for one backend beside its twin ("0002-audit.sqlite.sql",
 * "0002-audit.postgres.sql"). A backend applies the pending ones in one
 * transaction at start and records each in the schema_version table. */
#pragma once

#include <glib.h>

typedef struct {
  guint version;
  char *name; /* file name */
  char *sql;  /* the whole script */
} OccMigration;

/* Creates the version table if missing; run inside the migration
 * transaction, before reading the current version. */
#define OCC_SCHEMA_VERSION_DDL                                                                   \
  "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, " \
  "applied_at BIGINT NOT NULL)"

/* The current version (0 for a new database). */
#define OCC_SCHEMA_VERSION_QUERY "SELECT COALESCE(MAX(version), 0) FROM schema_version"

/* Records one applied migration; parameters $1 version, $2 name, $3 time (ms). */
#define OCC_SCHEMA_VERSION_INSERT \
  "INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)"

/* Reads the migrations in @dir for @backend ("sqlite", "postgres"), sorted
 * by version. Refused with a message naming the file: a name that is not
 * NNNN-words[.backend].sql, two files for one version, a version with no
 * file for this backend, a gap in the numbers. Transfer full (free with
 * g_ptr_array_unref). */
GPtrArray *occ_migrations_load (const char *dir, const char *backend, GError **error);

/* The highest version in @migrations, 0 if empty. */
guint occ_migrations_latest (GPtrArray *migrations);
