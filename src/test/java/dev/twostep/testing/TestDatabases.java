package dev.twostep.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import dev.twostep.config.Settings;
import dev.twostep.config.TwostepConfig;
import dev.twostep.db.Database;

/**
 * Real databases for tests: a fresh SQLite file always, and a fresh PostgreSQL schema (dropped after)
 * when a test URL is given in the system property twostep.test.pg.url or the environment variable
 * TWOSTEP_TEST_PG_URL, e.g. jdbc:postgresql://127.0.0.1:5432/test?user=postgres.
 */
public final class TestDatabases {
    public static final String SQLITE = "sqlite";
    public static final String POSTGRESQL = "postgresql";
    /** For {@code @MethodSource}: the kinds of {@link #kinds()}. */
    public static final String KINDS = "dev.twostep.testing.TestDatabases#kinds";

    private TestDatabases() {
    }

    public static String pgUrl() {
        String url = System.getProperty("twostep.test.pg.url");
        if (url == null || url.isBlank()) {
            url = System.getenv("TWOSTEP_TEST_PG_URL");
        }
        return url == null || url.isBlank() ? null : url.trim();
    }

    /** The kinds to run DAO tests on: SQLite always, PostgreSQL when configured. */
    public static Stream<String> kinds() {
        if (pgUrl() == null) {
            System.err.println("PostgreSQL tests skipped: set TWOSTEP_TEST_PG_URL (or -Dtwostep.test.pg.url) to run"
                    + " them; .ci/run does.");
            return Stream.of(SQLITE);
        }
        return Stream.of(SQLITE, POSTGRESQL);
    }

    /** An open, migrated database and the settings that opened it; close drops what it created. */
    public record TestDb(String kind, TwostepConfig config, Database database, Runnable dropper)
            implements AutoCloseable {
        @Override
        public void close() {
            database.close();
            dropper.run();
        }
    }

    /** Settings for a database of this kind, with extra settings on top. */
    public static Map<String, String> settings(String kind, Path dir, Map<String, String> extra) {
        Map<String, String> params = new HashMap<>();
        params.put("twostep.data-dir", dir.toString());
        params.put("twostep.db.jndi", "none");
        if (SQLITE.equals(kind)) {
            params.put("twostep.db.url", "jdbc:sqlite:" + dir.resolve("twostep.db"));
        } else {
            String schema = "twostep_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            execute(pgUrl(), "CREATE SCHEMA " + schema);
            params.put("twostep.db.url", pgUrl() + (pgUrl().contains("?") ? "&" : "?") + "currentSchema=" + schema);
            params.put("test.pg.schema", schema);
        }
        params.putAll(extra);
        return params;
    }

    /** Drops what {@link #settings} created for PostgreSQL. */
    public static void drop(Map<String, String> settings) {
        String schema = settings.get("test.pg.schema");
        if (schema != null) {
            execute(pgUrl(), "DROP SCHEMA " + schema + " CASCADE");
        }
    }

    public static TestDb open(String kind, Path dir) {
        return open(kind, dir, Map.of());
    }

    public static TestDb open(String kind, Path dir, Map<String, String> extra) {
        Map<String, String> params = settings(kind, dir, extra);
        TwostepConfig config = TwostepConfig.from(new Settings(params::get, Map.of()));
        try {
            return new TestDb(kind.toLowerCase(Locale.ROOT), config, Database.open(config, "/test"),
                    () -> drop(params));
        } catch (RuntimeException e) {
            drop(params);
            throw e;
        }
    }

    private static void execute(String url, String sql) {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL test setup failed (" + sql + "): " + e.getMessage(), e);
        }
    }
}
