-- omnicc schema, migration 7: the catalogue of backup archives (the backup
-- plugin, plugins/backup/plugin.c).
--
-- The same catalogue is kept beside the archives (archive-dir/catalogue),
-- so that it survives losing this database; this copy lets reports and
-- the supervisors' screens see the backups and where they were copied.
-- Portable SQL; see 0001-initial.sql for the conventions. Released
-- migrations are never edited.

CREATE TABLE backup_archive (
  -- "20270101T023000Z-full", "20270102T023000Z-diff"
  id             TEXT PRIMARY KEY,
  kind           TEXT NOT NULL CHECK (kind IN ('full', 'differential')),
  -- a differential: the full it needs; a full: NULL
  base_id        TEXT,
  -- when it was taken, ms since the epoch
  created_at     BIGINT NOT NULL,
  size           BIGINT NOT NULL,
  -- SHA-256 of the archive file, hex
  sha256         TEXT NOT NULL,
  -- 0 when some paths could not be saved (see the archive's problems)
  complete       INTEGER NOT NULL,
  entries        BIGINT NOT NULL,
  problems       BIGINT NOT NULL
);

-- Which target holds a checked copy of which archive.
CREATE TABLE backup_copy (
  archive_id     TEXT NOT NULL,
  target         TEXT NOT NULL,
  copied_at      BIGINT NOT NULL,
  PRIMARY KEY (archive_id, target)
);
