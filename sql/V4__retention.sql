-- Version 4: what is kept, and for how long.

-- Password locks were keyed by an unsalted SHA-256 of the typed name until now; a password typed into
-- the name field could be recovered from it by hashing guesses. They are keyed by an HMAC under a key
-- derived from the server secret from now on (LockKeys); the old rows go, and with them at most an hour
-- of lock and a count of failures in a row.
DELETE FROM lockouts WHERE scope = 'password' AND username LIKE 'sha256:%';

-- Retention (twostep.retention.*): the server deletes old rows by time, a batch at a time, at start-up
-- and hourly. These indexes let it find them without reading the tables through.
CREATE INDEX challenges_created_at ON challenges (created_at);
CREATE INDEX audit_events_at ON audit_events (at);
