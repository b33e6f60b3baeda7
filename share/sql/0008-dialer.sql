-- omnicc schema, migration 8: what the dialer plugin needs beyond the
-- campaign and contact tables of 0001 (plugins/dialer/plugin.c).
--
-- A contact import writes its rows with state 'importing' and its import
-- id, then makes them 'pending' in one statement, or deletes them: an
-- import of a million rows is all or nothing without one huge
-- transaction. Portable SQL; see 0001-initial.sql for the conventions.
-- Released migrations are never edited.

ALTER TABLE contact ADD COLUMN import_id TEXT;
-- the id column of the imported file (the client's own reference)
ALTER TABLE contact ADD COLUMN external_id TEXT;
CREATE INDEX contact_import ON contact (import_id);

-- The do-not-call list: numbers (E.164) no campaign may dial.
CREATE TABLE dnc (
  number         TEXT PRIMARY KEY,
  reason         TEXT NOT NULL DEFAULT '',
  -- who put it there: a login, "import", "disposition"
  added_by       TEXT NOT NULL DEFAULT '',
  added_at       BIGINT NOT NULL
);
