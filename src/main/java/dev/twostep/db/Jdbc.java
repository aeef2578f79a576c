package dev.twostep.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Optional;

import javax.sql.DataSource;

/**
 * A thin layer over JDBC for the DAOs: every call borrows a connection for one short statement or one
 * short transaction, closes everything it opened, and turns SQLException into
 * {@link DataAccessException} naming what was being done.
 */
public final class Jdbc {
    private final DataSource dataSource;

    public Jdbc(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /** Binds parameters to a statement. */
    @FunctionalInterface
    public interface Binder {
        void bind(PreparedStatement statement) throws SQLException;
    }

    /** Reads one row. */
    @FunctionalInterface
    public interface RowMapper<T> {
        T map(ResultSet row) throws SQLException;
    }

    /** Work inside one transaction. */
    @FunctionalInterface
    public interface TxWork<T> {
        T run(Connection connection) throws SQLException;
    }

    public static Binder params(Object... values) {
        return statement -> {
            for (int i = 0; i < values.length; i++) {
                statement.setObject(i + 1, values[i]);
            }
        };
    }

    /**
     * Runs an INSERT, UPDATE or DELETE on its own and returns the rows changed. Committed even when the
     * pool hands out connections without auto-commit (a container pool with defaultAutoCommit=false),
     * where the write would otherwise be rolled back when the connection goes back.
     */
    public int update(String doing, String sql, Binder binder) {
        try (Connection c = dataSource.getConnection()) {
            int changed = update(c, sql, binder);
            endTransaction(c);
            return changed;
        } catch (SQLException e) {
            throw new DataAccessException(doing, e);
        }
    }

    public <T> Optional<T> queryOne(String doing, String sql, Binder binder, RowMapper<T> mapper) {
        try (Connection c = dataSource.getConnection()) {
            Optional<T> result;
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                binder.bind(ps);
                try (ResultSet rs = ps.executeQuery()) {
                    result = rs.next() ? Optional.ofNullable(mapper.map(rs)) : Optional.empty();
                }
            }
            // Without auto-commit a read opens a transaction: on SQLite (transaction_mode IMMEDIATE) it
            // holds the write lock, on PostgreSQL it leaves the connection idle in transaction.
            endTransaction(c);
            return result;
        } catch (SQLException e) {
            throw new DataAccessException(doing, e);
        }
    }

    /**
     * Runs several statements on one borrowed connection, each committed on its own as {@link #update} and
     * {@link #queryOne} would (auto-commit, or a commit after the work where the pool turned it off): fewer
     * borrows, the same transactions.
     */
    public <T> T withConnection(String doing, TxWork<T> work) {
        try (Connection c = dataSource.getConnection()) {
            T result = work.run(c);
            endTransaction(c);
            return result;
        } catch (SQLException e) {
            throw new DataAccessException(doing, e);
        }
    }

    private static void endTransaction(Connection c) throws SQLException {
        if (!c.getAutoCommit()) {
            c.commit();
        }
    }

    /**
     * Runs work in one transaction: commit when it returns, roll back when it throws anything, an Error
     * (AssertionError, OutOfMemoryError) included. The work's failure is the one thrown; a failed rollback
     * is added to it as suppressed.
     */
    public <T> T inTransaction(String doing, TxWork<T> work) {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            if (autoCommit) {
                c.setAutoCommit(false);
            }
            T result;
            try {
                result = work.run(c);
                c.commit();
            } catch (Throwable failure) {
                try {
                    c.rollback();
                    // Only once rolled back: switching auto-commit back on commits what is pending.
                    if (autoCommit) {
                        c.setAutoCommit(true);
                    }
                } catch (SQLException | RuntimeException rollbackFailure) {
                    // Auto-commit stays off, so nothing is committed; closing the connection (or the pool's
                    // rollback on return) ends the transaction.
                    failure.addSuppressed(rollbackFailure);
                }
                throw failure;
            }
            if (autoCommit) {
                c.setAutoCommit(true);
            }
            return result;
        } catch (SQLException e) {
            throw new DataAccessException(doing, e);
        }
    }

    /**
     * Runs a DELETE whose last parameter bounds the rows one run removes
     * ({@code ... WHERE id IN (SELECT id FROM t WHERE ... LIMIT ?)}, which SQLite and PostgreSQL both take),
     * again until a run removes fewer than {@code batch}. Each run is one short statement, so a purge of
     * many rows never holds SQLite's single write lock for long.
     *
     * @return the rows removed
     */
    public long deleteInBatches(String doing, String sql, int batch, Object... values) {
        Object[] bound = java.util.Arrays.copyOf(values, values.length + 1);
        bound[values.length] = batch;
        long removed = 0;
        int run;
        do {
            run = update(doing, sql, params(bound));
            removed += run;
        } while (run >= batch);
        return removed;
    }

    /** One statement on a connection the caller holds (inside {@link #inTransaction}). */
    public static int update(Connection c, String sql, Binder binder) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            return ps.executeUpdate();
        }
    }

    /** Whether a query on a connection the caller holds (inside {@link #inTransaction}) finds a row. */
    public static boolean exists(Connection c, String sql, Binder binder) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }
}
