-- Twostep schema, version 1. Every statement here and in the DAOs runs on SQLite and PostgreSQL:
-- times are epoch milliseconds in BIGINT, flags are nullable timestamps, hashes are hex text.

-- Accounts of the standalone app (its own password login). Host apps that bring their own login
-- never use this table.
CREATE TABLE accounts (
    username      VARCHAR(64)  NOT NULL PRIMARY KEY,
    password_hash VARCHAR(255) NOT NULL,
    created_at    BIGINT       NOT NULL
);

-- The phone bound to a user name for the second step. confirmed_at stays NULL until the user has
-- typed a code sent to this number.
CREATE TABLE phones (
    username     VARCHAR(255) NOT NULL PRIMARY KEY,
    phone_e164   VARCHAR(16)  NOT NULL,
    channel      VARCHAR(8)   NOT NULL,
    confirmed_at BIGINT,
    updated_at   BIGINT       NOT NULL
);

-- One row per code sent. The code itself is never stored, only HMAC-SHA256(server secret, id:code).
-- consumed_at: the code was accepted (single use); revoked_at: a newer send replaced it or the send
-- failed; attempts: tries so far, raised before each comparison.
CREATE TABLE challenges (
    id           BIGINT       NOT NULL PRIMARY KEY,
    username     VARCHAR(255) NOT NULL,
    purpose      VARCHAR(8)   NOT NULL,
    channel      VARCHAR(8)   NOT NULL,
    destination  VARCHAR(16)  NOT NULL,
    code_hash    VARCHAR(64)  NOT NULL,
    created_at   BIGINT       NOT NULL,
    expires_at   BIGINT       NOT NULL,
    attempts     INTEGER      NOT NULL DEFAULT 0,
    consumed_at  BIGINT,
    revoked_at   BIGINT,
    provider_id  VARCHAR(64)
);

CREATE INDEX challenges_username_open ON challenges (username, consumed_at, revoked_at);
