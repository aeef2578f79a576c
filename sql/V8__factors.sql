-- Version 8: more than one second factor per user (issue 12). The phone stays where it is, in phones, and
-- remains a factor kind of its own; these tables add authenticator apps, recovery codes and remembered
-- devices. Ids are random 63-bit numbers chosen by the server (as in rate_events and audit_events), so
-- no sequence is needed and the same statements run on SQLite and PostgreSQL.

-- One row per authenticator app (TOTP, RFC 6238) of a user. secret_sealed is SecretBox's output, bound
-- to username and id, never the secret in clear. last_step is the last time step accepted, moved only
-- forward by a compare-and-set, so a code is accepted once; -1 before the first. confirmed_at stays NULL
-- until the user has typed a first code from the app: an unconfirmed app is no factor yet.
CREATE TABLE totp_factors (
    id            BIGINT       NOT NULL PRIMARY KEY,
    username      VARCHAR(255) NOT NULL,
    label         VARCHAR(64)  NOT NULL,
    secret_sealed VARCHAR(255) NOT NULL,
    last_step     BIGINT       NOT NULL DEFAULT -1,
    created_at    BIGINT       NOT NULL,
    confirmed_at  BIGINT,
    last_used_at  BIGINT
);
CREATE INDEX totp_factors_user ON totp_factors (username);

-- A user's recovery codes: only RecoveryCodes.hash (an HMAC bound to the user name) is kept. set_id names
-- the set a code belongs to; regenerating deletes the whole old set and inserts a new one in one
-- transaction. used_at: the code was spent (single use).
CREATE TABLE recovery_codes (
    username   VARCHAR(255) NOT NULL,
    code_hash  VARCHAR(64)  NOT NULL,
    set_id     BIGINT       NOT NULL,
    created_at BIGINT       NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (username, code_hash)
);

-- Devices a user chose to be remembered on ("remember this device"): the cookie carries a random token,
-- the row only a hash of it. label: a short summary of the user agent, for the user to recognise it.
-- A device counts while revoked_at is NULL and expires_at is in the future.
CREATE TABLE remembered_devices (
    id           BIGINT       NOT NULL PRIMARY KEY,
    username     VARCHAR(255) NOT NULL,
    token_hash   VARCHAR(64)  NOT NULL,
    label        VARCHAR(255) NOT NULL,
    created_at   BIGINT       NOT NULL,
    last_seen_at BIGINT       NOT NULL,
    expires_at   BIGINT       NOT NULL,
    revoked_at   BIGINT
);
CREATE UNIQUE INDEX remembered_devices_token ON remembered_devices (token_hash);
CREATE INDEX remembered_devices_user ON remembered_devices (username, revoked_at, expires_at);
