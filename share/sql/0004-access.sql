-- omnicc schema, migration 4: who may do what (the access plugin).
--
-- Owned by the access plugin, which reads and writes it through the store.
-- Logins are kept as the identity source names them, case-folded, so that
-- "Alice" and "alice" are one account. Portable SQL; see 0001-initial.sql
-- for the conventions. Released migrations are never edited.

-- Every account that signed in or was named by an administrator, whatever
-- its source (a directory, local accounts): what omnicc itself knows of it.
CREATE TABLE access_account (
  login          TEXT PRIMARY KEY,
  source         TEXT NOT NULL,
  display_name   TEXT,
  -- the groups the source named at the last sign-in or check (JSON array)
  groups         TEXT NOT NULL DEFAULT '[]',
  disabled       INTEGER NOT NULL DEFAULT 0,
  disabled_by    TEXT,
  disabled_at    BIGINT,
  locked_until   BIGINT,
  -- SIP digest secrets, derived at the last password sign-in:
  -- MD5 and SHA-256 of "login:realm:password" (RFC 3261, RFC 8760)
  sip_realm      TEXT,
  sip_ha1        TEXT,
  sip_ha1_sha256 TEXT,
  last_sign_in   BIGINT,
  created_at     BIGINT NOT NULL,
  updated_at     BIGINT NOT NULL
);

-- Grants of a catalogue role or of a single permission, with their
-- history: requested, then active (approved) or refused, then revoked.
CREATE TABLE access_grant (
  id             TEXT PRIMARY KEY,
  login          TEXT NOT NULL,
  role           TEXT,
  permission     TEXT,
  scope          TEXT,
  justification  TEXT,
  state          TEXT NOT NULL,
  requested_by   TEXT NOT NULL,
  requested_at   BIGINT NOT NULL,
  decided_by     TEXT,
  decided_at     BIGINT,
  revoked_by     TEXT,
  revoked_at     BIGINT
);
CREATE INDEX access_grant_login ON access_grant (login, state);

-- Open sessions. The token itself is never stored: only its SHA-256.
CREATE TABLE access_session (
  id             TEXT PRIMARY KEY,
  token_hash     TEXT NOT NULL,
  login          TEXT NOT NULL,
  source_addr    TEXT,
  created_at     BIGINT NOT NULL,
  expires_at     BIGINT NOT NULL,
  -- opened with a one-time password: it may only change that password
  restricted     INTEGER NOT NULL DEFAULT 0,
  closed_at      BIGINT,
  closed_by      TEXT
);
CREATE UNIQUE INDEX access_session_token ON access_session (token_hash);
CREATE INDEX access_session_login ON access_session (login, closed_at);

-- Failed sign-ins, for the lockout policy and for the record.
CREATE TABLE access_failure (
  login          TEXT NOT NULL,
  at             BIGINT NOT NULL,
  source_addr    TEXT
);
CREATE INDEX access_failure_login ON access_failure (login, at);
