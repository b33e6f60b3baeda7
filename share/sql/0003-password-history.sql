-- omnicc schema, migration 3: the password history of local accounts.
--
-- Owned by the auth-local plugin, which reads and writes it through the
-- store (the shared tables stay the records plugin's). One row per
-- password a local account was given: its Argon2id hash string (with its
-- own salt and limits) and when it was set. auth-local keeps only the
-- newest rows the policy's `history` asks for, and refuses a new password
-- matching one of them. Portable SQL; see 0001-initial.sql for the
-- conventions. Released migrations are never edited.

CREATE TABLE password_history (
  user_id       TEXT NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  hash          TEXT NOT NULL,
  set_at        BIGINT NOT NULL,
  PRIMARY KEY (user_id, hash)
);
-- an account's newest passwords first
CREATE INDEX password_history_user ON password_history (user_id, set_at);
