package dev.twostep.db;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import javax.naming.InitialContext;
import javax.naming.NameNotFoundException;
import javax.naming.NamingException;
import javax.sql.DataSource;

import org.apache.commons.dbcp2.BasicDataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.twostep.config.TwostepConfig;

/**
 * Opens Twostep's database: the container's DataSource from JNDI when one is bound under the configured
 * name, otherwise a DBCP2 pool over the configured JDBC URL, or, when none is set, over an SQLite file of
 * this web app's own. Then brings the schema up to date with Flyway from the versioned files in sql/.
 */
public final class Database implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);

    private final DataSource dataSource;
    private final BasicDataSource ownPool;

    private Database(DataSource dataSource, BasicDataSource ownPool) {
        this.dataSource = dataSource;
        this.ownPool = ownPool;
    }

    /**
     * Opens and migrates the database of one web app.
     *
     * @param contextPath the web app's context path ("" for the root); it names the default SQLite file
     */
    public static Database open(TwostepConfig config, String contextPath) {
        String jndiName = config.dbJndiName();
        String url = config.dbUrl() != null ? config.dbUrl() : defaultUrl(config.dataDir(), contextPath);
        DataSource fromJndi = lookup(jndiName);
        Database db;
        if (fromJndi != null) {
            LOG.info("Using the container's DataSource {}", jndiName);
            db = new Database(fromJndi, null);
        } else {
            BasicDataSource pool = pool(config, url);
            LOG.info("Using Twostep's own pool over {} ({} connections)", redact(url), config.dbPoolSize());
            db = new Database(pool, pool);
        }
        try {
            db.prepareSqlite();
            migrate(db.dataSource);
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
        return db;
    }

    /**
     * The SQLite file of a web app that sets no {@code twostep.db.url}: {@code <data-dir>/<name>.db}, where
     * the name is the context path as Tomcat names its files: "" and "/twostep" give {@code twostep},
     * "/a/b" gives {@code a#b}, and characters other than letters, digits and {@code . _ # -} become {@code _}.
     */
    static String defaultUrl(Path dataDir, String contextPath) {
        return "jdbc:sqlite:" + dataDir.resolve(fileName(contextPath) + ".db").toAbsolutePath().normalize();
    }

    static String fileName(String contextPath) {
        String name = contextPath == null ? "" : contextPath.replaceAll("^/+", "").replace('/', '#');
        return name.isEmpty() ? "twostep" : name.replaceAll("[^A-Za-z0-9._#-]", "_");
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** Applies the migrations under classpath:db/migration (copied there from sql/ by the build). */
    public static void migrate(DataSource dataSource) {
        var result = Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .load()
                .migrate();
        LOG.info("Schema is at version {} ({} migrations applied now)",
                result.targetSchemaVersion, result.migrationsExecuted);
    }

    private static DataSource lookup(String name) {
        if (name == null || name.isBlank()) {
            return null;
        }
        try {
            Object found = new InitialContext().lookup(name);
            return found instanceof DataSource ds ? ds : null;
        } catch (NameNotFoundException e) {
            return null;
        } catch (NamingException e) {
            // No JNDI in this container (plain embedded Jetty, jetty:run): use our own pool.
            LOG.debug("No JNDI DataSource at {}: {}", name, e.toString());
            return null;
        }
    }

    private static BasicDataSource pool(TwostepConfig config, String url) {
        BasicDataSource pool = new BasicDataSource();
        pool.setUrl(url);
        if (config.dbUser() != null) {
            pool.setUsername(config.dbUser());
        }
        if (config.dbPassword() != null) {
            pool.setPassword(config.dbPassword());
        }
        pool.setMaxTotal(config.dbPoolSize());
        pool.setMaxIdle(config.dbPoolSize());
        pool.setMaxWait(java.time.Duration.ofSeconds(10));
        if (isSqlite(url)) {
            pool.setDriverClassName("org.sqlite.JDBC");
            createParentDirectory(url);
            // One writer at a time: wait for the lock instead of failing, take the write lock at BEGIN
            // so a transaction never fails half-way on upgrade, and enforce foreign keys.
            pool.addConnectionProperty("busy_timeout", "10000");
            pool.addConnectionProperty("foreign_keys", "true");
            pool.addConnectionProperty("transaction_mode", "IMMEDIATE");
        } else if (url.startsWith("jdbc:postgresql:")) {
            pool.setDriverClassName("org.postgresql.Driver");
        }
        return pool;
    }

    private void prepareSqlite() {
        try (Connection c = dataSource.getConnection()) {
            if (!"SQLite".equals(c.getMetaData().getDatabaseProductName())) {
                return;
            }
            try (Statement s = c.createStatement()) {
                // WAL lets readers go on while one connection writes; it is a property of the file.
                s.execute("PRAGMA journal_mode=WAL");
            }
        } catch (SQLException e) {
            throw new DataAccessException("opening the database", e);
        }
    }

    static boolean isSqlite(String url) {
        return url.startsWith("jdbc:sqlite:");
    }

    /** The file of an SQLite URL, absolute; null for an in-memory or classpath database. */
    static Path sqliteFile(String url) {
        if (!isSqlite(url)) {
            return null;
        }
        String file = url.substring("jdbc:sqlite:".length());
        int query = file.indexOf('?');
        if (query >= 0) {
            file = file.substring(0, query);
        }
        if (file.startsWith("file:")) {
            file = file.substring("file:".length());
            if (file.startsWith("//")) {
                // file://host/path: the path starts at the third slash.
                int slash = file.indexOf('/', 2);
                file = slash < 0 ? "" : file.substring(slash);
            }
        }
        if (file.isEmpty() || file.startsWith(":memory:") || file.startsWith(":resource:")
                || url.contains("mode=memory")) {
            return null;
        }
        return Path.of(file).toAbsolutePath().normalize();
    }

    private static void createParentDirectory(String url) {
        Path file = sqliteFile(url);
        Path parent = file == null ? null : file.getParent();
        try {
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException e) {
            throw new DataAccessException("creating the folder " + parent, new SQLException(e.toString(), e));
        }
    }

    private static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    @Override
    public void close() {
        if (ownPool != null) {
            try {
                ownPool.close();
            } catch (SQLException e) {
                LOG.warn("Closing the connection pool failed: {}", e.toString());
            }
        }
    }
}
