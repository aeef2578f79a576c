package dev.twostep.factor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.twostep.db.Jdbc;
import dev.twostep.testing.OpenDatabases;
import dev.twostep.testing.TestDatabases;

/** The recovery_codes table on a real SQLite file and, when configured, PostgreSQL. */
class RecoveryCodeDaoTest {
    private static final RecoveryCodes CODES =
            new RecoveryCodes("server-secret-0123456789abcdef-0123".getBytes(StandardCharsets.UTF_8));
    private static final long NOW = 1_767_225_600_000L;

    @RegisterExtension
    final OpenDatabases databases = new OpenDatabases();

    private RecoveryCodeDao dao(String kind) {
        return new RecoveryCodeDao(new Jdbc(databases.open(kind).database().dataSource()));
    }

    private static List<String> hashes(String username, List<String> codes) {
        return codes.stream().map(code -> CODES.hash(username, code).orElseThrow()).toList();
    }

    private static String hash(String username, String code) {
        return CODES.hash(username, code).orElseThrow();
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void eachCodeOfASetSignsInOnce(String kind) {
        RecoveryCodeDao dao = dao(kind);
        List<String> codes = CODES.generate();
        dao.replace("alice", hashes("alice", codes), NOW);
        assertEquals(10, dao.remaining("alice"));

        // Typed as a person copies it from paper: upper case, no dash.
        String typed = codes.get(3).toUpperCase(java.util.Locale.ROOT).replace("-", " ");
        assertTrue(dao.use("alice", hash("alice", typed), NOW + 1));
        assertFalse(dao.use("alice", hash("alice", typed), NOW + 2), "used once");
        assertEquals(9, dao.remaining("alice"));
        for (int i = 0; i < codes.size(); i++) {
            if (i != 3) {
                assertTrue(dao.use("alice", hash("alice", codes.get(i)), NOW + 10 + i));
            }
        }
        assertEquals(0, dao.remaining("alice"));
        assertFalse(dao.use("alice", hash("alice", codes.get(9)), NOW + 100), "the tenth code is spent too");
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aCodeIsBoundToItsUser(String kind) {
        RecoveryCodeDao dao = dao(kind);
        List<String> codes = CODES.generate();
        dao.replace("alice", hashes("alice", codes), NOW);
        // Bob typing Alice's code: his hash of it is another value, and her rows are not his anyway.
        assertFalse(dao.use("bob", hash("bob", codes.get(0)), NOW));
        assertFalse(dao.use("bob", hash("alice", codes.get(0)), NOW));
        assertEquals(10, dao.remaining("alice"));
        assertEquals(0, dao.remaining("bob"));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void regeneratingKillsTheOldSet(String kind) {
        RecoveryCodeDao dao = dao(kind);
        List<String> old = CODES.generate();
        long oldSet = dao.replace("alice", hashes("alice", old), NOW);
        assertTrue(dao.use("alice", hash("alice", old.get(0)), NOW + 1));

        List<String> fresh = CODES.generate();
        long newSet = dao.replace("alice", hashes("alice", fresh), NOW + 2);

        assertNotEquals(oldSet, newSet);
        assertEquals(10, dao.remaining("alice"), "a whole new set, none used");
        for (String code : old) {
            assertFalse(dao.use("alice", hash("alice", code), NOW + 3), "an old code is dead");
        }
        assertTrue(dao.use("alice", hash("alice", fresh.get(0)), NOW + 4));
        RecoveryCodeDao.Summary summary = dao.summary("alice").orElseThrow();
        assertEquals(new RecoveryCodeDao.Summary(10, 9, NOW + 2, NOW + 4), summary);
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aFailedReplaceKeepsTheOldSet(String kind) {
        RecoveryCodeDao dao = dao(kind);
        List<String> old = CODES.generate();
        dao.replace("alice", hashes("alice", old), NOW);

        List<String> bad = new ArrayList<>(hashes("alice", CODES.generate()));
        bad.set(9, bad.get(0));
        assertThrows(IllegalArgumentException.class, () -> dao.replace("alice", bad, NOW + 1));
        assertThrows(IllegalArgumentException.class, () -> dao.replace("alice", List.of("not-a-hash"), NOW + 1));
        assertThrows(IllegalArgumentException.class, () -> dao.replace("alice", List.of(), NOW + 1));
        assertEquals(10, dao.remaining("alice"));
        assertTrue(dao.use("alice", hash("alice", old.get(0)), NOW + 2));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void twentyRequestsWithOneCodeSpendItOnce(String kind) throws Exception {
        RecoveryCodeDao dao = dao(kind);
        List<String> codes = CODES.generate();
        dao.replace("alice", hashes("alice", codes), NOW);
        String codeHash = hash("alice", codes.get(5));

        assertEquals(1, Racers.winners(20, () -> dao.use("alice", codeHash, NOW + 1)));
        assertEquals(9, dao.remaining("alice"));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void summaryAndDeleteAll(String kind) {
        RecoveryCodeDao dao = dao(kind);
        assertTrue(dao.summary("alice").isEmpty());
        dao.replace("alice", hashes("alice", CODES.generate()), NOW);
        dao.replace("bob", hashes("bob", CODES.generate()), NOW);
        RecoveryCodeDao.Summary summary = dao.summary("alice").orElseThrow();
        assertEquals(10, summary.total());
        assertEquals(10, summary.remaining());
        assertEquals(NOW, summary.createdAt());
        assertNull(summary.lastUsedAt());

        assertEquals(10, dao.deleteAll("alice"));
        assertEquals(0, dao.remaining("alice"));
        assertTrue(dao.summary("alice").isEmpty());
        assertEquals(10, dao.remaining("bob"), "other users keep theirs");
    }
}
