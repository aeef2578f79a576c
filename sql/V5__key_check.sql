-- Check values that every server sharing this database must agree with. 'code-secret' holds
-- HMAC-SHA256(code secret, a fixed label): a server whose secret gives another value refuses to start,
-- so servers with different secrets never reject each other's codes. The value reveals nothing of the secret.
CREATE TABLE key_checks (
    name        VARCHAR(32) NOT NULL PRIMARY KEY,
    check_value VARCHAR(64) NOT NULL
);
