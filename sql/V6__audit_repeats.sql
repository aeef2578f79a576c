-- Repeated throttled events (a sign-in or a send refused by a limit) from one client within a window are
-- one row with a count, so a client hammering a limit cannot grow the audit trail by a row a request.
ALTER TABLE audit_events ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1;
CREATE INDEX audit_events_merge ON audit_events (event, at);
