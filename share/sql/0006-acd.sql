-- omnicc schema, migration 6: what the ACD keeps across a restart (the acd
-- plugin, plugins/acd/persist.c).
--
-- Owned by the acd plugin, which writes a row when an agent's presence
-- changes and when an interaction it holds joins, changes state or leaves,
-- so that a restarted daemon gives agents their presence back, re-queues
-- the interactions whose legs survive (chats, e-mails, call-back tasks) in
-- their original order, and records the calls that did not as lost.
-- Portable SQL; see 0001-initial.sql for the conventions. Released
-- migrations are never edited.

CREATE TABLE acd_agent_presence (
  -- the agent's login, case-folded as in plugins.d/acd.conf
  login          TEXT PRIMARY KEY,
  presence       TEXT NOT NULL CHECK (presence IN ('logged-out', 'ready', 'not-ready')),
  -- the not-ready reason code; '' for none
  reason         TEXT NOT NULL DEFAULT '',
  -- since when the agent is in that presence, ms since the epoch (wall clock)
  since_at       BIGINT NOT NULL,
  updated_at     BIGINT NOT NULL
);

-- The interactions the ACD holds: waiting, ringing an agent, or connected.
CREATE TABLE acd_interaction (
  id             TEXT PRIMARY KEY,
  queue          TEXT NOT NULL,
  -- voice, chat, email, callback…: voice does not survive a restart
  channel        TEXT NOT NULL,
  priority       INTEGER NOT NULL,
  -- the original time that orders the queue, µs since the epoch (wall
  -- clock): µs, not ms, so that two joined in the same ms keep their order
  joined_us      BIGINT NOT NULL,
  caller         TEXT,
  state          TEXT NOT NULL CHECK (state IN ('waiting', 'ringing', 'connected')),
  -- required skills, "SKILL:LEVEL;…" ('' for none)
  skills         TEXT NOT NULL DEFAULT '',
  updated_at     BIGINT NOT NULL
);
