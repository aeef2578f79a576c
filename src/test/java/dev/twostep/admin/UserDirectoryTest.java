package dev.twostep.admin;

import static dev.twostep.db.Jdbc.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.twostep.audit.AuditLog;
import dev.twostep.db.Jdbc;
import dev.twostep.testing.MutableClock;
import dev.twostep.testing.OpenDatabases;
import dev.twostep.testing.TestDatabases;

/** The console's user search, on a real SQLite file and, when configured, PostgreSQL. */
class UserDirectoryTest {
    private static final long NOW = 1_767_225_600_000L;

    @RegisterExtension
    final OpenDatabases databases = new OpenDatabases();

    private Jdbc jdbc(String kind) {
        return new Jdbc(databases.open(kind).database().dataSource());
    }

    private static long ids = 1;

    /** A name in one of the tables that make a user. */
    private static void add(Jdbc jdbc, String table, String username) {
        long id = ids++;
        switch (table) {
            case "accounts" -> jdbc.update("test", "INSERT INTO accounts (username, password_hash, created_at)"
                    + " VALUES (?, 'x', ?)", params(username, NOW));
            case "phones" -> jdbc.update("test", "INSERT INTO phones (username, phone_e164, channel, confirmed_at,"
                    + " updated_at) VALUES (?, '+14155552671', 'SMS', ?, ?)", params(username, NOW, NOW));
            case "totp_factors" -> jdbc.update("test", "INSERT INTO totp_factors (id, username, label, secret_sealed,"
                    + " created_at) VALUES (?, ?, 'phone', 'sealed', ?)", params(id, username, NOW));
            case "recovery_codes" -> jdbc.update("test", "INSERT INTO recovery_codes (username, code_hash, set_id,"
                    + " created_at) VALUES (?, ?, 1, ?)", params(username, "hash" + id, NOW));
            case "remembered_devices" -> jdbc.update("test", "INSERT INTO remembered_devices (id, username,"
                    + " token_hash, label, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, 'Firefox', ?, ?, ?)",
                    params(id, username, "token" + id, NOW, NOW, NOW + 1));
            default -> throw new IllegalArgumentException(table);
        }
    }

    private static final List<String> TABLES = List.of("accounts", "phones", "totp_factors", "recovery_codes",
            "remembered_devices");

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aPrefixIsLiteralAndCaseSensitive(String kind) {
        Jdbc jdbc = jdbc(kind);
        for (String name : List.of("alice", "alicia", "Alice", "al%ce", "al_ce", "alXce", "al\\ce", "bob", "ali",
                "zoë", "zoe", "zo\u00ebl")) {
            add(jdbc, "accounts", name);
        }
        UserDirectory users = new UserDirectory(jdbc);

        assertEquals(List.of("ali", "alice", "alicia"), users.find("ali", null, 10));
        assertEquals(List.of("Alice"), users.find("A", null, 10));
        assertEquals(List.of("al%ce"), users.find("al%", null, 10), "% is no wildcard");
        assertEquals(List.of("al_ce"), users.find("al_", null, 10), "_ is no wildcard");
        assertEquals(List.of("al\\ce"), users.find("al\\", null, 10), "nor is the backslash an escape");
        assertEquals(List.of("zoë", "zoël"), users.find("zoë", null, 10));
        assertEquals(List.of(), users.find("alicia2", null, 10));
        assertEquals(List.of(), users.find("x", null, 10));
        assertEquals(List.of("Alice", "al%ce", "alXce", "al\\ce", "al_ce", "ali", "alice", "alicia", "bob", "zoe",
                "zoë", "zoël"), users.find("", null, 20), "all, in code point order");
        assertEquals(users.find("", null, 20), users.find(null, null, 20));
        assertEquals(List.of("alice", "alicia"), users.find("ali", "ali", 10), "strictly after");
        assertEquals(List.of("alicia"), users.find("ali", "alice", 10));
        assertEquals(List.of("ali", "alice"), users.find("ali", "alh", 2), "an 'after' before the prefix");
        assertEquals(List.of(), users.find("ali", "b", 10), "an 'after' beyond the prefix");
        assertEquals(List.of(), users.find("ali", null, 0));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aNameInSeveralTablesIsOneUserAndEveryTableCounts(String kind) {
        Jdbc jdbc = jdbc(kind);
        for (String table : TABLES) {
            add(jdbc, table, "everywhere");
            add(jdbc, table, "only-" + table);
        }
        add(jdbc, "totp_factors", "everywhere");
        add(jdbc, "recovery_codes", "everywhere");
        add(jdbc, "remembered_devices", "everywhere");
        UserDirectory users = new UserDirectory(jdbc);

        List<String> expected = new ArrayList<>(List.of("everywhere"));
        TABLES.forEach(table -> expected.add("only-" + table));
        expected.sort(null);
        assertEquals(expected, users.find("", null, 100));
        assertEquals(List.of("everywhere"), users.find("every", null, 100));
        assertEquals(expected.subList(0, 2), users.find("", null, 2));
        for (String name : expected) {
            assertTrue(users.exists(name), name);
        }
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void pagesFollowEachOtherWithoutGapsOrRepeats(String kind) {
        Jdbc jdbc = jdbc(kind);
        Random random = new Random(15);
        List<String> all = new ArrayList<>();
        for (int i = 0; i < 230; i++) {
            String name = (i % 3 == 0 ? "ann" : i % 3 == 1 ? "anna" : "bea") + (i * 7919 % 1000);
            all.add(name);
            // Each in one to three tables, so the tables' pages interleave.
            for (int t = 0; t <= random.nextInt(3); t++) {
                String table = TABLES.get(random.nextInt(TABLES.size()));
                if (!table.equals("accounts") && !table.equals("phones") || !appearsIn(jdbc, table, name)) {
                    add(jdbc, table, name);
                }
            }
        }
        UserDirectory users = new UserDirectory(jdbc);
        for (String prefix : List.of("", "ann", "anna", "bea", "an")) {
            List<String> expected = all.stream().filter(n -> n.startsWith(prefix)).distinct().sorted().toList();
            List<String> paged = new ArrayList<>();
            String after = null;
            for (int pages = 0; pages < 1000; pages++) {
                List<String> page = users.find(prefix, after, 7);
                paged.addAll(page);
                if (page.size() < 7) {
                    break;
                }
                after = page.get(page.size() - 1);
            }
            assertEquals(expected, paged, "prefix '" + prefix + "'");
        }
    }

    private static boolean appearsIn(Jdbc jdbc, String table, String name) {
        return jdbc.queryOne("test", "SELECT 1 FROM " + table + " WHERE username = ?", params(name), rs -> true)
                .orElse(false);
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aNameWithOnlyAuditRowsExistsButIsNotListed(String kind) {
        Jdbc jdbc = jdbc(kind);
        new AuditLog(jdbc, new MutableClock()).record(AuditLog.Event.SIGN_IN_FAILED, "ghost", null, null);
        add(jdbc, "phones", "real");
        UserDirectory users = new UserDirectory(jdbc);

        assertTrue(users.exists("ghost"));
        assertTrue(users.exists("real"));
        assertFalse(users.exists("Real"));
        assertFalse(users.exists("nobody"));
        assertFalse(users.exists(null));
        assertEquals(List.of("real"), users.find("", null, 10));
    }

    @Test
    void theBoundAfterAPrefixIsTheNextStringInCodePointOrder() {
        assertEquals("alj", UserDirectory.next("ali"));
        assertEquals("a&", UserDirectory.next("a%"));
        assertEquals("b", UserDirectory.next("a" + Character.toString(Character.MAX_CODE_POINT)));
        assertEquals("\ue000", UserDirectory.next("\ud7ff"), "never a lone surrogate");
        assertEquals("a" + Character.toString(0x1F601), UserDirectory.next("a" + Character.toString(0x1F600)));
        assertNull(UserDirectory.next(""));
        assertNull(UserDirectory.next(Character.toString(Character.MAX_CODE_POINT)));
    }
}
