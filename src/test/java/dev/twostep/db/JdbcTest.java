package dev.twostep.db;

import static dev.twostep.db.Jdbc.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;

import javax.sql.DataSource;

import org.apache.commons.dbcp2.BasicDataSource;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.twostep.testing.OpenDatabases;
import dev.twostep.testing.TestDatabases;
import dev.twostep.testing.TestDatabases.TestDb;

/**
 * The transaction helper against real SQLite and PostgreSQL: nothing half-done is ever committed, the
 * first failure is the one reported, and writes are kept on pools that hand out connections without
 * auto-commit. Every check reads back through a connection of its own.
 */
class JdbcTest {
    private static final String INSERT = "INSERT INTO rate_events (id, kind, subject, at) VALUES (?, ?, ?, ?)";
    private static final String COUNT = "SELECT COUNT(*) FROM rate_events WHERE kind = ?";

    @RegisterExtension
    final OpenDatabases databases = new OpenDatabases();

    private static long count(DataSource dataSource, String kind) {
        return new Jdbc(dataSource).queryOne("test", COUNT, params(kind), rs -> rs.getLong(1)).orElseThrow();
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void anErrorInsideATransactionRollsItBack(String kind) {
        TestDb db = databases.open(kind);
        Jdbc jdbc = new Jdbc(db.database().dataSource());
        AssertionError thrown = assertThrows(AssertionError.class, () -> jdbc.inTransaction("test", c -> {
            Jdbc.update(c, INSERT, params(1L, "half-done", "x", 1L));
            throw new AssertionError("an Error half-way, as an OutOfMemoryError could be");
        }));
        assertEquals("an Error half-way, as an OutOfMemoryError could be", thrown.getMessage());
        assertEquals(0, count(db.database().dataSource(), "half-done"), "the first write was committed");
        // The connection went back to the pool in auto-commit mode and works.
        jdbc.update("test", INSERT, params(2L, "after", "x", 1L));
        assertEquals(1, count(db.database().dataSource(), "after"));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aFailedRollbackDoesNotHideTheFailureThatCausedIt(String kind) {
        TestDb db = databases.open(kind);
        SQLException rollbackFailure = new SQLException("rollback failed: connection reset");
        Jdbc jdbc = new Jdbc(failingRollback(db.database().dataSource(), rollbackFailure));
        IllegalStateException original = new IllegalStateException("the work failed");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> jdbc.inTransaction("test", c -> {
            Jdbc.update(c, INSERT, params(1L, "half-done", "x", 1L));
            throw original;
        }));
        assertSame(original, thrown);
        assertTrue(Arrays.asList(thrown.getSuppressed()).contains(rollbackFailure),
                "the rollback failure is kept as suppressed: " + Arrays.toString(thrown.getSuppressed()));
        assertEquals(0, count(db.database().dataSource(), "half-done"), "the first write was committed");
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aFailedRollbackAfterAnSqlExceptionKeepsThatException(String kind) {
        TestDb db = databases.open(kind);
        SQLException rollbackFailure = new SQLException("rollback failed: connection reset");
        Jdbc jdbc = new Jdbc(failingRollback(db.database().dataSource(), rollbackFailure));
        DataAccessException thrown = assertThrows(DataAccessException.class, () -> jdbc.inTransaction("test", c -> {
            Jdbc.update(c, INSERT, params(1L, "dup", "x", 1L));
            Jdbc.update(c, INSERT, params(1L, "dup", "x", 1L));
            return null;
        }));
        assertFalse(thrown.getCause().getMessage().contains("rollback failed"), thrown.getCause().getMessage());
        assertTrue(Arrays.asList(thrown.getCause().getSuppressed()).contains(rollbackFailure));
        assertEquals(0, count(db.database().dataSource(), "dup"));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void writesAreKeptOnAPoolWithoutAutoCommit(String kind) throws SQLException {
        TestDb db = databases.open(kind);
        try (BasicDataSource pool = new BasicDataSource()) {
            pool.setUrl(db.config().dbUrl());
            // As a container pool configured with defaultAutoCommit="false" hands out its connections.
            pool.setDefaultAutoCommit(false);
            Jdbc jdbc = new Jdbc(pool);
            assertEquals(1, jdbc.update("test", INSERT, params(1L, "single", "x", 1L)));
            jdbc.inTransaction("test", c -> Jdbc.update(c, INSERT, params(2L, "in-transaction", "x", 1L)));
            // Read back through the same pool, then through a connection that is not the pool's.
            assertEquals(1, count(pool, "single"));
            try (Connection c = pool.getConnection()) {
                assertFalse(c.getAutoCommit(), "the pool's own setting is left as it was");
            }
        }
        assertEquals(1, count(db.database().dataSource(), "single"), "the single update was lost");
        assertEquals(1, count(db.database().dataSource(), "in-transaction"));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aReadLeavesNoTransactionOpenOnAPoolWithoutAutoCommit(String kind) throws SQLException {
        assumeTrue(TestDatabases.POSTGRESQL.equals(kind), "PostgreSQL tells the transaction id of a read");
        TestDb db = databases.open(kind);
        try (BasicDataSource pool = new BasicDataSource()) {
            pool.setUrl(db.config().dbUrl());
            pool.setDefaultAutoCommit(false);
            // A pool that neither rolls back nor commits on return (as Tomcat's jdbc-pool by default), and
            // one connection, so both reads get the same one.
            pool.setRollbackOnReturn(false);
            pool.setAutoCommitOnReturn(false);
            pool.setMaxTotal(1);
            Jdbc jdbc = new Jdbc(pool);
            String txid = "SELECT txid_current()";
            long first = jdbc.queryOne("test", txid, params(), rs -> rs.getLong(1)).orElseThrow();
            long second = jdbc.queryOne("test", txid, params(), rs -> rs.getLong(1)).orElseThrow();
            assertNotEquals(first, second, "the first read's transaction was still open at the second");
        }
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aBoundedDeleteRunsUntilNothingIsLeft(String kind) {
        TestDb db = databases.open(kind);
        Jdbc jdbc = new Jdbc(db.database().dataSource());
        for (long i = 0; i < 10; i++) {
            jdbc.update("test", INSERT, params(i, i < 7 ? "old" : "new", "x", i));
        }
        String purge = "DELETE FROM rate_events WHERE id IN (SELECT id FROM rate_events WHERE at < ? LIMIT ?)";
        assertEquals(7, jdbc.deleteInBatches("test", purge, 3, 7L));
        assertEquals(0, count(db.database().dataSource(), "old"));
        assertEquals(3, count(db.database().dataSource(), "new"));
        assertEquals(0, jdbc.deleteInBatches("test", purge, 3, 7L));
    }

    /** The data source's connections, whose rollback fails as a dropped connection's would. */
    private static DataSource failingRollback(DataSource real, SQLException failure) {
        return (DataSource) Proxy.newProxyInstance(JdbcTest.class.getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    if (!method.getName().equals("getConnection")) {
                        return invoke(method, real, args);
                    }
                    Connection c = real.getConnection();
                    return Proxy.newProxyInstance(JdbcTest.class.getClassLoader(), new Class<?>[] {Connection.class},
                            (p, m, a) -> {
                                if (m.getName().equals("rollback") && (a == null || a.length == 0)) {
                                    throw failure;
                                }
                                return invoke(m, c, a);
                            });
                });
    }

    private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
