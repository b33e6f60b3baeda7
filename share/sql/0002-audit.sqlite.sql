-- omnicc schema, migration 2 (SQLite): the audit trail. Entries are
-- appended in order; seq gives that order (its twin, 0002-audit.postgres.sql,
-- differs only in how seq is generated).
CREATE TABLE audit_entry (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  id            TEXT NOT NULL UNIQUE,
  at            BIGINT NOT NULL,
  actor         TEXT NOT NULL,
  action        TEXT NOT NULL,
  target        TEXT,
  result        TEXT NOT NULL,
  source        TEXT,
  details       TEXT,
  prev_hash     TEXT,
  hash          TEXT
);
CREATE INDEX audit_entry_at ON audit_entry (at);
