package dev.twostep.factor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.twostep.db.Jdbc;
import dev.twostep.testing.OpenDatabases;
import dev.twostep.testing.TestDatabases;

/** The sign_outs table on a real SQLite file and, when configured, PostgreSQL. */
class SignOutDaoTest {
    private static final long NOW = 1_767_225_600_000L;

    @RegisterExtension
    final OpenDatabases databases = new OpenDatabases();

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aSignOutIsFoundForItsUserOnly(String kind) {
        SignOutDao dao = new SignOutDao(new Jdbc(databases.open(kind).database().dataSource()));
        assertEquals(0, dao.signedOutAt("alice"), "never signed out");

        dao.record("alice", NOW);
        assertEquals(NOW, dao.signedOutAt("alice"));
        assertEquals(0, dao.signedOutAt("bob"));
        assertEquals(0, dao.signedOutAt("Alice"), "names are compared exactly, as stored");
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void theTimeMovesForwardOnly(String kind) {
        Jdbc jdbc = new Jdbc(databases.open(kind).database().dataSource());
        SignOutDao dao = new SignOutDao(jdbc);
        dao.record("alice", NOW);
        dao.record("alice", NOW + 5);
        assertEquals(NOW + 5, dao.signedOutAt("alice"), "a later sign-out replaces the earlier");

        // Two servers recording out of order: the later time stays.
        dao.record("alice", NOW + 1);
        assertEquals(NOW + 5, dao.signedOutAt("alice"));
        dao.record("alice", NOW + 5);
        assertEquals(NOW + 5, dao.signedOutAt("alice"));
        assertEquals(1L, jdbc.queryOne("test", "SELECT COUNT(*) FROM sign_outs", Jdbc.params(), rs -> rs.getLong(1))
                .orElseThrow(), "one row per user");
    }
}
