-- Version 11: indexes for the operators' console (issue 15, dev.twostep.admin). It pages through the audit
-- trail newest first by keyset, ORDER BY at DESC, id DESC with "at <= ? AND (at < ? OR id < ?)" from the
-- second page on, by user, by client address, by kind of event or across everything. Each way in has an
-- index ending in (at, id), so a page reads its rows from the index in order and stops after them, on
-- SQLite (where id is not the rowid, so it must be in the index) and PostgreSQL alike. The indexes
-- these replace were their prefixes and served nothing the new ones do not (AuditLog's reads, the merge of
-- repeated events and the retention purge use the same leading columns).
CREATE INDEX audit_events_user_time ON audit_events (username, at, id);
DROP INDEX audit_events_user;
CREATE INDEX audit_events_time ON audit_events (at, id);
DROP INDEX audit_events_at;
CREATE INDEX audit_events_kind_time ON audit_events (event, at, id);
DROP INDEX audit_events_merge;
CREATE INDEX audit_events_address_time ON audit_events (client_ip, at, id);

-- The locks holding now, counted by scope on the console's health page.
CREATE INDEX lockouts_locked_until ON lockouts (locked_until);

-- User names need nothing new: accounts, phones, totp_factors, recovery_codes and remembered_devices each
-- have an index that begins with username, which the prefix search reads by range (UserDirectory).
