-- omnicc schema, migration 9: the dialer's books and its call-backs
-- (plugins/dialer).
--
-- campaign.books: the figures of a campaign's runs (counts, duration
-- statistics, the fixed 24-hour and 30-day windows, the live answers and
-- abandons still inside the rolling abandonment window), saved while it
-- runs and when it stops, so that a stopped campaign has its report and
-- a restarted one goes on with the same books. Opaque to SQL: written
-- and read by the dialer alone.
--
-- contact.appointment_at: the visit an appointment campaign's agent
-- booked for the contact (ms since the epoch, the slot's start).
--
-- callback.campaign_id: the campaign whose run dials the call-back task
-- (state 'dialing' while that run holds it; cleared when the run lets it
-- go). Portable SQL; see 0001-initial.sql for the conventions. Released
-- migrations are never edited.

ALTER TABLE campaign ADD COLUMN books TEXT;
ALTER TABLE callback ADD COLUMN campaign_id TEXT;
ALTER TABLE contact ADD COLUMN appointment_at BIGINT;
-- a slot's bookings are counted at each booking
CREATE INDEX contact_appointment ON contact (campaign_id, appointment_at);
CREATE INDEX callback_campaign ON callback (campaign_id);
