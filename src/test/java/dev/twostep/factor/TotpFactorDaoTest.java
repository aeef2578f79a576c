package dev.twostep.factor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.OptionalLong;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.twostep.db.DataAccessException;
import dev.twostep.db.Jdbc;
import dev.twostep.testing.OpenDatabases;
import dev.twostep.testing.TestDatabases;

/** The totp_factors table on a real SQLite file and, when configured, PostgreSQL. */
class TotpFactorDaoTest {
    private static final byte[] SERVER_SECRET = "server-secret-0123456789abcdef-0123".getBytes(StandardCharsets.UTF_8);
    private static final long NOW = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

    @RegisterExtension
    final OpenDatabases databases = new OpenDatabases();

    private TotpFactorDao dao(String kind) {
        return new TotpFactorDao(new Jdbc(databases.open(kind).database().dataSource()));
    }

    private static long add(TotpFactorDao dao, String username, String label, long now) {
        long id = TotpFactorDao.newId();
        dao.addUnconfirmed(id, username, label, "v1.sealed-" + id, now);
        return id;
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void anAddedAppIsUnconfirmedUntilItsFirstCode(String kind) {
        TotpFactorDao dao = dao(kind);
        long id = add(dao, "alice", "phone", NOW);

        TotpFactor app = dao.find(id, "alice").orElseThrow();
        assertEquals(new TotpFactor(id, "alice", "phone", "v1.sealed-" + id, -1, NOW, null, null), app);
        assertFalse(app.confirmed());
        assertFalse(dao.acceptStep(id, "alice", 100, NOW), "an unconfirmed app signs nobody in");

        assertTrue(dao.confirm(id, "alice", 100, NOW + 1));
        app = dao.find(id, "alice").orElseThrow();
        assertEquals(NOW + 1, app.confirmedAt());
        assertEquals(100, app.lastStep(), "the confirming code's step is used up");
        assertNull(app.lastUsedAt());
        assertFalse(dao.confirm(id, "alice", 101, NOW + 2), "confirmed once");
        assertFalse(dao.acceptStep(id, "alice", 100, NOW + 2), "the confirming code cannot also sign in");
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void everyCallThatNamesAnAppAlsoNamesItsUser(String kind) {
        TotpFactorDao dao = dao(kind);
        long id = add(dao, "alice", "phone", NOW);

        assertTrue(dao.find(id, "mallory").isEmpty());
        assertFalse(dao.confirm(id, "mallory", 100, NOW));
        assertTrue(dao.confirm(id, "alice", 100, NOW));
        assertFalse(dao.acceptStep(id, "mallory", 101, NOW));
        assertFalse(dao.delete(id, "mallory"));
        assertTrue(dao.find(id, "alice").isPresent());
        assertFalse(dao.confirm(TotpFactorDao.newId(), "alice", 100, NOW), "no such app");
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void theLastStepOnlyMovesForward(String kind) {
        TotpFactorDao dao = dao(kind);
        long id = add(dao, "alice", "phone", NOW);
        dao.confirm(id, "alice", 100, NOW);

        assertTrue(dao.acceptStep(id, "alice", 101, NOW + 30_000));
        assertEquals(101, dao.find(id, "alice").orElseThrow().lastStep());
        assertEquals(NOW + 30_000, dao.find(id, "alice").orElseThrow().lastUsedAt());
        assertFalse(dao.acceptStep(id, "alice", 101, NOW + 30_001), "the same step again: a replay");
        assertFalse(dao.acceptStep(id, "alice", 100, NOW + 30_002), "an older step");
        assertTrue(dao.acceptStep(id, "alice", 103, NOW + 90_000));
        TotpFactor app = dao.find(id, "alice").orElseThrow();
        assertEquals(103, app.lastStep());
        assertEquals(NOW + 90_000, app.lastUsedAt());
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void twentyRequestsWithOneCodeLetExactlyOneThrough(String kind) throws Exception {
        TotpFactorDao dao = dao(kind);
        long id = add(dao, "alice", "phone", NOW);
        dao.confirm(id, "alice", 100, NOW);

        assertEquals(1, Racers.winners(20, () -> dao.acceptStep(id, "alice", 101, NOW + 30_000)));
        assertEquals(101, dao.find(id, "alice").orElseThrow().lastStep());
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aStoredSealedSecretOpensAndVerifiesOnce(String kind) {
        TotpFactorDao dao = dao(kind);
        SecretBox box = new SecretBox(SERVER_SECRET);
        Totp totp = new Totp(Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));
        byte[] secret = Totp.generateSecret();
        long id = TotpFactorDao.newId();
        dao.addUnconfirmed(id, "alice", "phone", box.seal(secret, "alice", TotpFactor.sealId(id)), NOW);

        TotpFactor stored = dao.find(id, "alice").orElseThrow();
        byte[] opened = box.open(stored.secretSealed(), "alice", stored.sealId());
        assertArrayEquals(secret, opened);
        String code = totp.code(opened, totp.currentStep());
        OptionalLong step = totp.verify(opened, code, stored.lastStep());
        assertTrue(dao.confirm(id, "alice", step.orElseThrow(), NOW));

        TotpFactor confirmed = dao.find(id, "alice").orElseThrow();
        assertTrue(totp.verify(opened, code, confirmed.lastStep()).isEmpty(), "the confirming code is spent");
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void listsAUsersAppsOldestFirst(String kind) {
        TotpFactorDao dao = dao(kind);
        long second = add(dao, "alice", "laptop", NOW + 10);
        long first = add(dao, "alice", "phone", NOW);
        add(dao, "bob", "phone", NOW);

        List<TotpFactor> apps = dao.list("alice");
        assertEquals(List.of(first, second), apps.stream().map(TotpFactor::id).toList());
        assertEquals(List.of(), dao.list("nobody"));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void deletes(String kind) {
        TotpFactorDao dao = dao(kind);
        long kept = add(dao, "alice", "phone", NOW);
        dao.confirm(kept, "alice", 100, NOW);
        long pending = add(dao, "alice", "laptop", NOW);
        long bobs = add(dao, "bob", "phone", NOW);

        assertEquals(1, dao.deleteUnconfirmed("alice"));
        assertTrue(dao.find(pending, "alice").isEmpty());
        assertTrue(dao.find(kept, "alice").isPresent());

        assertTrue(dao.delete(kept, "alice"));
        assertFalse(dao.delete(kept, "alice"), "already gone");
        assertTrue(dao.find(kept, "alice").isEmpty());
        assertFalse(dao.acceptStep(kept, "alice", 101, NOW), "a removed app signs nobody in");

        add(dao, "alice", "tablet", NOW);
        assertEquals(1, dao.deleteAll("alice"));
        assertEquals(List.of(), dao.list("alice"));
        assertTrue(dao.find(bobs, "bob").isPresent(), "other users keep theirs");
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void labelsAreCheckedAlikeOnBothDatabases(String kind) {
        TotpFactorDao dao = dao(kind);
        String longest = "\uD83D\uDCF1".repeat(TotpFactorDao.MAX_LABEL); // 64 characters, 128 UTF-16 units
        long id = add(dao, "alice", longest, NOW);
        assertEquals(longest, dao.find(id, "alice").orElseThrow().label());

        assertThrows(IllegalArgumentException.class, () -> add(dao, "alice", "x".repeat(65), NOW));
        assertThrows(IllegalArgumentException.class, () -> add(dao, "alice", " ", NOW));
        assertThrows(IllegalArgumentException.class, () -> add(dao, "alice", null, NOW));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void anIdIsNeverReused(String kind) {
        TotpFactorDao dao = dao(kind);
        long id = add(dao, "alice", "phone", NOW);
        assertThrows(DataAccessException.class, () -> dao.addUnconfirmed(id, "bob", "phone", "v1.other", NOW));
        assertEquals("alice", dao.find(id, "alice").orElseThrow().username());
    }
}
