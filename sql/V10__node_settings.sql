-- Version 10: settings every server sharing this database must agree on (issue 14), beside the code secret's
-- check value in key_checks. One row, 'shared', holds them as sorted "name=value" lines, written by the first
-- server to start; a server whose values differ refuses to start (dev.twostep.db.NodeSettings). One row rather
-- than a row per setting, so that of two servers starting at once exactly one whole set is recorded: a single
-- INSERT ... ON CONFLICT DO NOTHING decides. No secret is ever stored here.
CREATE TABLE node_settings (
    name        VARCHAR(32) NOT NULL PRIMARY KEY,
    settings    TEXT        NOT NULL,
    recorded_at BIGINT      NOT NULL
);
