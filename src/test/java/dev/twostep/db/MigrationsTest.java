package dev.twostep.db;

import static dev.twostep.db.Jdbc.params;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

import org.apache.commons.dbcp2.BasicDataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.twostep.testing.TestDatabases;

/** Migrations that change data, run on a database at the version before them, on SQLite and PostgreSQL. */
class MigrationsTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void v4DropsPasswordLocksKeptUnderAnUnsaltedHash(String kind) throws SQLException {
        Map<String, String> settings = TestDatabases.settings(kind, dir, Map.of());
        try (BasicDataSource pool = new BasicDataSource()) {
            pool.setUrl(settings.get("twostep.db.url"));
            Flyway.configure().dataSource(pool).locations("classpath:db/migration").target("3").load().migrate();
            Jdbc jdbc = new Jdbc(pool);
            String insert = "INSERT INTO lockouts (scope, username, failures, locks, locked_until) VALUES (?, ?, 3, 0, 0)";
            jdbc.update("test", insert, params("password", "sha256:" + "ab".repeat(32)));
            jdbc.update("test", insert, params("password", "hmac:" + "cd".repeat(32)));
            jdbc.update("test", insert, params("code", "sha256:alice"));

            Database.migrate(pool);

            List<String> left = new java.util.ArrayList<>();
            jdbc.queryOne("test", "SELECT scope, username FROM lockouts ORDER BY scope, username", params(), rs -> {
                do {
                    left.add(rs.getString(1) + " " + rs.getString(2));
                } while (rs.next());
                return left;
            });
            assertEquals(List.of("code sha256:alice", "password hmac:" + "cd".repeat(32)), left);
        } finally {
            TestDatabases.drop(settings);
        }
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void v7RecordsAnEnrollmentForEveryPhoneConfirmedBefore(String kind) throws SQLException {
        Map<String, String> settings = TestDatabases.settings(kind, dir, Map.of());
        try (BasicDataSource pool = new BasicDataSource()) {
            pool.setUrl(settings.get("twostep.db.url"));
            Flyway.configure().dataSource(pool).locations("classpath:db/migration").target("6").load().migrate();
            Jdbc jdbc = new Jdbc(pool);
            String phone = "INSERT INTO phones (username, phone_e164, channel, confirmed_at, updated_at)"
                    + " VALUES (?, ?, 'SMS', ?, 1)";
            jdbc.update("test", phone, params("confirmed", "+14155552671", 1000L));
            jdbc.update("test", phone, params("pending", "+14155552672", null));
            jdbc.update("test", phone, params("changed", "+14155552673", 2000L));
            jdbc.update("test", "INSERT INTO audit_events (id, at, username, event) VALUES (1, 2000, 'changed',"
                    + " 'PHONE_CHANGED')", params());

            Database.migrate(pool);

            List<String> events = new java.util.ArrayList<>();
            jdbc.queryOne("test", "SELECT username, event, at FROM audit_events ORDER BY username", params(), rs -> {
                do {
                    events.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getLong(3));
                } while (rs.next());
                return events;
            });
            assertEquals(List.of("changed PHONE_CHANGED 2000", "confirmed ENROLLED 1000"), events);
        } finally {
            TestDatabases.drop(settings);
        }
    }
}
