-- Tomcat's session table for tomcat-conf/cluster/context.xml (DataSourceStore), on PostgreSQL. Run once before
-- the servers start; Tomcat never creates it. The column names are those the Store element names.
CREATE SCHEMA IF NOT EXISTS twostep_sessions;
CREATE TABLE twostep_sessions.tomcat_sessions (
    session_id     varchar(100) NOT NULL PRIMARY KEY,
    valid_session  char(1)      NOT NULL,
    max_inactive   integer      NOT NULL,
    last_access    bigint       NOT NULL,
    app_name       varchar(255),
    session_data   bytea
);
CREATE INDEX tomcat_sessions_app_name ON twostep_sessions.tomcat_sessions (app_name);
