-- Rate limits and lockouts live in the database, so they hold across restarts and across several
-- servers sharing one database.

-- One row per counted event (a code sent, a failed password), for sliding-window limits.
-- kind: send-user, send-to, send-ip, send-all, pw-ip; subject: user name, E.164 number, client address, '*'.
CREATE TABLE rate_events (
    id      BIGINT       NOT NULL PRIMARY KEY,
    kind    VARCHAR(16)  NOT NULL,
    subject VARCHAR(255) NOT NULL,
    at      BIGINT       NOT NULL
);
CREATE INDEX rate_events_window ON rate_events (kind, subject, at);

-- Consecutive failures and growing locks per account: scope 'code' (second step) or 'password'.
CREATE TABLE lockouts (
    scope        VARCHAR(16)  NOT NULL,
    username     VARCHAR(255) NOT NULL,
    failures     INTEGER      NOT NULL,
    locks        INTEGER      NOT NULL,
    locked_until BIGINT       NOT NULL,
    PRIMARY KEY (scope, username)
);

-- What happened, for the user and for the operator. Never a code, a password or a full phone number.
CREATE TABLE audit_events (
    id         BIGINT       NOT NULL PRIMARY KEY,
    at         BIGINT       NOT NULL,
    username   VARCHAR(255),
    event      VARCHAR(32)  NOT NULL,
    detail     VARCHAR(255),
    client_ip  VARCHAR(64),
    user_agent VARCHAR(255)
);
CREATE INDEX audit_events_user ON audit_events (username, at);
