-- omnicc schema, migration 1: the domain records.
--
-- Portable SQL for SQLite and PostgreSQL alike. Conventions:
--   ids       TEXT (UUIDs made by the records plugin, or external ids)
--   times     BIGINT milliseconds since the epoch (UTC)
--   booleans  INTEGER 0/1
--   JSON      TEXT holding a JSON object (custom fields, variables, settings)
--   numbers   TEXT in E.164 (+2250700000000)
-- Released migrations are never edited: change the schema with a new file.

CREATE TABLE customer (
  id            TEXT PRIMARY KEY,
  display_name  TEXT,
  first_name    TEXT,
  last_name     TEXT,
  email         TEXT,
  external_id   TEXT,
  language      TEXT,
  custom        TEXT,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL
);
CREATE INDEX customer_external_id ON customer (external_id);

-- A customer has several numbers; the screen-pop finds the customer by one.
CREATE TABLE customer_phone (
  customer_id   TEXT NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
  e164          TEXT NOT NULL,
  kind          TEXT,
  position      INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (customer_id, e164)
);
CREATE INDEX customer_phone_e164 ON customer_phone (e164);

CREATE TABLE agent (
  id            TEXT PRIMARY KEY,
  display_name  TEXT NOT NULL,
  extension     TEXT,
  sip_ha1       TEXT,
  enabled       INTEGER NOT NULL DEFAULT 1,
  skills        TEXT,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX agent_extension ON agent (extension);

CREATE TABLE queue (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  strategy      TEXT NOT NULL DEFAULT 'fifo-priority',
  settings      TEXT,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL
);

CREATE TABLE campaign (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  mode          TEXT NOT NULL,
  state         TEXT NOT NULL DEFAULT 'draft',
  queue_id      TEXT REFERENCES queue (id),
  caller_id     TEXT,
  settings      TEXT,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL
);

CREATE TABLE contact (
  id            TEXT PRIMARY KEY,
  campaign_id   TEXT NOT NULL REFERENCES campaign (id) ON DELETE CASCADE,
  customer_id   TEXT REFERENCES customer (id) ON DELETE SET NULL,
  phones        TEXT NOT NULL,
  fields        TEXT,
  state         TEXT NOT NULL DEFAULT 'pending',
  priority      INTEGER NOT NULL DEFAULT 0,
  attempts      INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT,
  last_outcome  TEXT,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL
);
CREATE INDEX contact_due ON contact (campaign_id, state, next_attempt_at);

CREATE TABLE interaction (
  id            TEXT PRIMARY KEY,
  channel       TEXT NOT NULL,
  direction     TEXT NOT NULL,
  from_addr     TEXT,
  to_addr       TEXT,
  customer_id   TEXT REFERENCES customer (id) ON DELETE SET NULL,
  queue_id      TEXT,
  agent_id      TEXT,
  campaign_id   TEXT,
  offered_at    BIGINT NOT NULL,
  answered_at   BIGINT,
  ended_at      BIGINT,
  disposition   TEXT,
  reason        TEXT,
  end_cause     TEXT,
  recording_id  TEXT,
  csat          INTEGER,
  variables     TEXT,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL
);
-- the screen-pop's "last N interactions of a customer"
CREATE INDEX interaction_customer ON interaction (customer_id, offered_at);
CREATE INDEX interaction_offered ON interaction (offered_at);
CREATE INDEX interaction_agent ON interaction (agent_id, offered_at);

CREATE TABLE callback (
  id            TEXT PRIMARY KEY,
  interaction_id TEXT,
  queue_id      TEXT,
  number        TEXT NOT NULL,
  requested_at  BIGINT NOT NULL,
  due_at        BIGINT NOT NULL,
  state         TEXT NOT NULL DEFAULT 'pending',
  message_recording_id TEXT,
  attempts      INTEGER NOT NULL DEFAULT 0,
  notes         TEXT,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL
);
-- served in the order callers originally joined the queue
CREATE INDEX callback_pending ON callback (state, requested_at);

CREATE TABLE recording (
  id            TEXT PRIMARY KEY,
  interaction_id TEXT NOT NULL,
  path          TEXT NOT NULL,
  format        TEXT NOT NULL,
  duration_ms   BIGINT NOT NULL,
  sha256        TEXT NOT NULL,
  expires_at    BIGINT,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL
);
CREATE INDEX recording_interaction ON recording (interaction_id);

CREATE TABLE survey_answer (
  id            TEXT PRIMARY KEY,
  interaction_id TEXT NOT NULL,
  question      TEXT NOT NULL,
  answer        INTEGER NOT NULL,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL
);
CREATE INDEX survey_answer_interaction ON survey_answer (interaction_id);

CREATE TABLE app_user (
  id            TEXT PRIMARY KEY,
  login         TEXT NOT NULL,
  display_name  TEXT,
  source        TEXT NOT NULL DEFAULT 'local',
  password_hash TEXT,
  enabled       INTEGER NOT NULL DEFAULT 1,
  password_changed_at BIGINT,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX app_user_login ON app_user (login);

CREATE TABLE role_grant (
  id            TEXT PRIMARY KEY,
  user_id       TEXT NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  role          TEXT NOT NULL,
  scope         TEXT,
  justification TEXT,
  granted_by    TEXT,
  granted_at    BIGINT NOT NULL,
  revoked_at    BIGINT,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL
);
CREATE INDEX role_grant_user ON role_grant (user_id);
