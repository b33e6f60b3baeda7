-- omnicc schema, migration 5: the agent registrar's bindings (the sip plugin).
--
-- Owned by the sip plugin, which writes a row when a phone registers or
-- refreshes its registration and deletes it when the registration ends, so
-- that a restarted daemon (or a reloaded plugin) knows the phones without
-- making them register again. Portable SQL; see 0001-initial.sql for the
-- conventions. Released migrations are never edited.

CREATE TABLE sip_binding (
  -- the account's login, case-folded as the access plugin names it
  login          TEXT NOT NULL,
  -- the Contact URI as the phone gave it
  contact        TEXT NOT NULL,
  -- where the REGISTER came from (ADDR:PORT): where the phone is reached
  received       TEXT NOT NULL,
  -- udp, tcp, tls
  transport      TEXT NOT NULL,
  user_agent     TEXT,
  -- when the registration ends, ms since the epoch (wall clock)
  expires_at     BIGINT NOT NULL,
  updated_at     BIGINT NOT NULL,
  PRIMARY KEY (login, contact)
);
CREATE INDEX sip_binding_expires ON sip_binding (expires_at);
