package dev.twostep.factor;

import static dev.twostep.db.Jdbc.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.commons.dbcp2.BasicDataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.twostep.db.Database;
import dev.twostep.db.Jdbc;
import dev.twostep.db.V7__Enrollment_events;
import dev.twostep.delivery.Channel;
import dev.twostep.enroll.Phone;
import dev.twostep.enroll.PhoneDao;
import dev.twostep.testing.TestDatabases;

/**
 * Version 8 on a database made by the release before it (schema version 7), with accounts and phones: every
 * phone is still there, readable through PhoneDao, and is its user's factor.
 */
class FactorsMigrationTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void v8KeepsEveryPhone(String kind) throws SQLException {
        Map<String, String> settings = TestDatabases.settings(kind, dir, Map.of());
        try (BasicDataSource pool = new BasicDataSource()) {
            pool.setUrl(settings.get("twostep.db.url"));
            Flyway.configure().dataSource(pool).locations("classpath:db/migration")
                    .javaMigrations(new V7__Enrollment_events()).target("7").load().migrate();
            Jdbc jdbc = new Jdbc(pool);
            assertEquals(List.of("7"), strings(jdbc, "SELECT version FROM flyway_schema_history WHERE success = "
                    + ("sqlite".equals(kind) ? "1" : "TRUE") + " ORDER BY installed_rank DESC LIMIT 1"));
            String account = "INSERT INTO accounts (username, password_hash, created_at) VALUES (?, 'x', 1)";
            String phone = "INSERT INTO phones (username, phone_e164, channel, confirmed_at, updated_at)"
                    + " VALUES (?, ?, ?, ?, ?)";
            List<Phone> before = List.of(
                    new Phone("alice", "+14155552671", Channel.SMS, 1000L),
                    new Phone("bob", "+442071838750", Channel.VOICE, 2000L),
                    new Phone("carol", "+14155552673", Channel.SMS, null),
                    new Phone("dörte@example.org", "+4930123456", Channel.SMS, 3000L));
            for (Phone p : before) {
                jdbc.update("test", account, params(p.username()));
                jdbc.update("test", phone, params(p.username(), p.e164(), p.channel().name(), p.confirmedAt(), 5L));
            }

            Database.migrate(pool);

            // Version 8 ran, with whatever came after it (V9 sign_outs adds a table and touches no phone).
            assertEquals(List.of("8"), strings(jdbc, "SELECT version FROM flyway_schema_history WHERE version = '8'"
                    + " AND success = " + ("sqlite".equals(kind) ? "1" : "TRUE")));
            PhoneDao phones = new PhoneDao(jdbc);
            for (Phone p : before) {
                assertEquals(p, phones.find(p.username()).orElseThrow(), p.username());
            }
            assertEquals(List.of("4"), strings(jdbc, "SELECT CAST(COUNT(*) AS VARCHAR(8)) FROM phones"));
            assertEquals(List.of("4"), strings(jdbc, "SELECT CAST(COUNT(*) AS VARCHAR(8)) FROM accounts"));

            Factors factors = new Factors(jdbc, phones, new TotpFactorDao(jdbc), new RecoveryCodeDao(jdbc));
            for (Phone p : before) {
                List<Factor> list = factors.list(p.username());
                if (p.confirmed()) {
                    assertEquals(List.of(new Factor.PhoneFactor(p, null)), list, p.username());
                } else {
                    assertTrue(list.isEmpty(), p.username());
                }
            }
            // The new tables are there and empty.
            for (String table : List.of("totp_factors", "recovery_codes", "remembered_devices")) {
                assertEquals(List.of("0"), strings(jdbc, "SELECT CAST(COUNT(*) AS VARCHAR(8)) FROM " + table));
            }
        } finally {
            TestDatabases.drop(settings);
        }
    }

    private static List<String> strings(Jdbc jdbc, String sql) {
        return jdbc.queryOne("test", sql, params(), rs -> {
            List<String> out = new ArrayList<>();
            do {
                out.add(rs.getString(1));
            } while (rs.next());
            return out;
        }).orElse(List.of());
    }
}
