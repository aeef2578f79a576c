-- Version 9: "sign out everywhere" (issue 12). One row per user who ever signed out everywhere (or changed
-- the password): every sign-in of that user whose first step passed before signed_out_at no longer counts.
-- Only the latest time is kept; an upsert moves it forward, never back. The guard reads it at most once per
-- 30 s per session, so other servers sharing this database follow within that time.
CREATE TABLE sign_outs (
    username      VARCHAR(255) NOT NULL PRIMARY KEY,
    signed_out_at BIGINT       NOT NULL
);
