package dev.twostep.db;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

import javax.naming.InitialContext;
import javax.naming.NameNotFoundException;
import javax.naming.NamingException;
import javax.naming.NoInitialContextException;
import javax.sql.DataSource;

import org.apache.commons.dbcp2.BasicDataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.twostep.config.ConfigException;
import dev.twostep.config.TwostepConfig;

/**
 * Opens Twostep's database: the container's DataSource from JNDI when one is bound under the configured
 * name, otherwise a DBCP2 pool over the configured JDBC URL, or, when none is set, over an SQLite file of
 * this web app's own. Then brings the schema up to date with Flyway from the versioned files in sql/.
 *
 * <p>Each web app loads its own copy of the SQLite driver, and SQLite's file locks are per process: two
 * copies in one JVM do not see each other's locks, and writes get lost. So Twostep's own pool over an
 * SQLite file is claimed JVM-wide (in the system properties, which all web apps share), and a second open of
 * the same file, from any web app, is refused. Sharing one database between web apps is for the
 * container's DataSource (one driver in the container's lib/) or PostgreSQL.
 */
public final class Database implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);
    /** Prefix of the system properties that hold who has Twostep's own pool open over an SQLite file. */
    static final String CLAIM_PREFIX = Database.class.getName() + ".sqlite-file:";

    private final DataSource dataSource;
    private final BasicDataSource ownPool;
    /** The system property this instance claimed, and the value it put there; null when it claimed none. */
    private String claimKey;
    private String claimValue;

    private Database(DataSource dataSource, BasicDataSource ownPool) {
        this.dataSource = dataSource;
        this.ownPool = ownPool;
    }

    /**
     * Opens and migrates the database of one web app.
     *
     * @param contextPath the web app's context path ("" for the root); it names the default SQLite file and
     *     the owner of a claimed one
     */
    public static Database open(TwostepConfig config, String contextPath) {
        String jndiName = config.dbJndiName();
        String url = config.dbUrl() != null ? config.dbUrl() : defaultUrl(config.dataDir(), contextPath);
        DataSource fromJndi = lookup(jndiName, config.dbJndiExplicit());
        boolean perContextDefault = fromJndi == null && config.dbUrl() == null;
        if (fromJndi == null) {
            requireDriver(url);
        }
        boolean fresh = perContextDefault && !Files.exists(sqliteFile(url));
        if (perContextDefault && fresh) {
            refuseAfterSharedLegacyFile(config.dataDir(), contextPath);
        }
        Database db;
        if (fromJndi != null) {
            LOG.info("Using the container's DataSource {}", jndiName);
            db = new Database(fromJndi, null);
        } else {
            BasicDataSource pool = pool(config, url);
            if (jndiName != null) {
                LOG.warn("No DataSource at {}; using Twostep's own pool over {} ({} connections)", jndiName,
                        redact(url), config.dbPoolSize());
            } else {
                LOG.info("Using Twostep's own pool over {} ({} connections)", redact(url), config.dbPoolSize());
            }
            db = new Database(pool, pool);
        }
        try {
            if (db.ownPool != null) {
                db.claim(url, contextPath);
            }
            db.prepareSqlite();
            migrate(db.dataSource);
            if (fresh) {
                // Marks a file made by this version for one app, unlike the twostep.db that 0.1 shared.
                new Jdbc(db.dataSource).update("marking a new database file", MARK, Jdbc.params(fileName(contextPath)));
            }
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

    private static final String MARK = "INSERT INTO key_checks (name, check_value) VALUES ('sqlite-file-of', ?)"
            + " ON CONFLICT (name) DO NOTHING";

    /**
     * Twostep 0.1 gave every app without {@code twostep.db.url} the one file {@code <data-dir>/twostep.db}. An
     * app other than the standalone one that now starts without its own file, next to such a shared file
     * (one not marked as made for one app), probably kept its users' phones there: opening a new, empty file
     * would make every user enroll again, which lets whoever holds a password bind their own phone. So it
     * stops and says what to do.
     */
    private static void refuseAfterSharedLegacyFile(Path dataDir, String contextPath) {
        String name = fileName(contextPath);
        Path legacy = dataDir.resolve("twostep.db").toAbsolutePath().normalize();
        if ("twostep".equals(name) || !Files.exists(legacy) || markedForOneApp(legacy)) {
            return;
        }
        throw new ConfigException("twostep.db.url", "this app has no database file of its own yet, but "
                + legacy + " exists and was shared by every app in Twostep 0.1, so its users' phones are probably"
                + " there. Keep using it through the container's DataSource or PostgreSQL (tomcat-conf/README.md),"
                + " or, if this app never used it, set twostep.db.url=jdbc:sqlite:"
                + dataDir.resolve(name + ".db").toAbsolutePath().normalize());
    }

    private static boolean markedForOneApp(Path file) {
        try (Connection c = new org.sqlite.JDBC().connect("jdbc:sqlite:" + file + "?open_mode=1", new java.util.Properties());
             Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT 1 FROM key_checks WHERE name = 'sqlite-file-of'")) {
            return rs.next();
        } catch (SQLException noTableOrUnreadable) {
            return false;
        }
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
                .javaMigrations(new V7__Enrollment_events())
                .load()
                .migrate();
        if (result.migrationsExecuted == 0) {
            // Another server migrated first (or nothing was new): Flyway names no target then.
            LOG.info("Schema is up to date (no migration applied now)");
        } else {
            LOG.info("Schema is at version {} ({} migrations applied now)", result.targetSchemaVersion,
                    result.migrationsExecuted);
        }
    }

    /**
     * The DataSource bound at {@code name}, or null when nothing is bound there and the name is the default
     * one. A name set in twostep.db.jndi that is not bound stops start-up: quietly opening a private
     * database instead would split users between apps meant to share one (a container with naming off).
     */
    private static DataSource lookup(String name, boolean explicit) {
        if (name == null) {
            return null;
        }
        Object found;
        try {
            found = new InitialContext().lookup(name);
        } catch (NameNotFoundException | NoInitialContextException e) {
            if (explicit) {
                throw new ConfigException("twostep.db.jndi", "no DataSource is bound at " + name + " (" + e
                        + "). Bind it in the container (tomcat-conf/README.md), or set twostep.db.jndi to none to"
                        + " use twostep.db.url");
            }
            return null;
        } catch (NamingException e) {
            // Something is configured there but could not be made, such as a Resource whose driver is not
            // in the container's lib/: an error, never a reason to use another database.
            throw new ConfigException("twostep.db.jndi", "the DataSource at " + name + " could not be looked up: "
                    + e + (e.getRootCause() == null ? "" : " caused by " + e.getRootCause()));
        }
        if (!(found instanceof DataSource ds)) {
            throw new ConfigException("twostep.db.jndi", name + " holds "
                    + (found == null ? "null" : "a " + found.getClass().getName()) + ", not a javax.sql.DataSource");
        }
        return ds;
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

    /**
     * Stops with a message naming the artifact to add when the JDBC driver for {@code url} is not in the app:
     * the guard's drivers are optional dependencies, each app adds the one it uses.
     */
    private static void requireDriver(String url) {
        String driver;
        String artifact;
        if (isSqlite(url)) {
            driver = "org.sqlite.JDBC";
            artifact = "org.xerial:sqlite-jdbc (or the jar of twostep-guard/optional/sqlite)";
        } else if (url.startsWith("jdbc:postgresql:")) {
            driver = "org.postgresql.Driver";
            artifact = "org.postgresql:postgresql (or the jar of twostep-guard/optional/postgresql)";
        } else {
            return;
        }
        try {
            Class.forName(driver, false, Database.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new dev.twostep.config.ConfigException("twostep.db.url", "the JDBC driver " + driver + " for "
                    + redact(url) + " is not in this app: add " + artifact + ", or bind a container DataSource at "
                    + TwostepConfig.DEFAULT_JNDI_NAME);
        }
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

    /**
     * Claims the SQLite file of {@code url} for this instance, JVM-wide, or refuses when another instance
     * (from this web app or another) holds it. The claim is a system property named after the file's real
     * path, set with an atomic putIfAbsent: class statics would be per web app, the system properties are not.
     */
    private void claim(String url, String contextPath) {
        Path file = sqliteFile(url);
        if (file == null) {
            return;
        }
        Path real = realPath(file);
        String key = CLAIM_PREFIX + real;
        String value = UUID.randomUUID() + " " + contextPath;
        Object held = System.getProperties().putIfAbsent(key, value);
        if (held != null) {
            String owner = held.toString().substring(held.toString().indexOf(' ') + 1);
            throw new ConfigException("twostep.db.url", "the SQLite file " + real + " is already open in"
                    + " this JVM, by Twostep in the web app at '" + (owner.isEmpty() ? "/" : owner) + "'. Each web app"
                    + " loads its own copy of the SQLite driver, and SQLite's locks do not reach from one copy to"
                    + " another, so writes would be lost. To share one database between web apps, use the"
                    + " container's DataSource with the JDBC driver in the container's lib/ (tomcat-conf/README.md),"
                    + " or PostgreSQL; or leave twostep.db.url unset, which gives each web app its own file");
        }
        claimKey = key;
        claimValue = value;
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

    /** The path with links resolved, as far as it exists: one file has one claim, however it is named. */
    private static Path realPath(Path file) {
        try {
            return file.toRealPath();
        } catch (IOException notYet) {
            Path parent = file.getParent();
            try {
                return parent == null ? file : parent.toRealPath().resolve(file.getFileName());
            } catch (IOException noParent) {
                return file;
            }
        }
    }

    /**
     * The folder (mode 700) and an empty database file (mode 600) before SQLite opens it: SQLite would create
     * it with the process umask, often world-readable, and it holds password hashes and full phone numbers.
     * SQLite gives its -wal and -shm files the database file's mode.
     */
    private static void createParentDirectory(String url) {
        Path file = sqliteFile(url);
        Path parent = file == null ? null : file.getParent();
        try {
            if (parent != null) {
                OwnerOnly.directories(parent);
                OwnerOnly.file(file);
                for (Path p : new Path[] {parent, file}) {
                    if (OwnerOnly.openToOthers(p)) {
                        LOG.warn("{} can be read by other users of this machine, and it holds password hashes and"
                                + " full phone numbers: chmod it to owner-only (700 for the folder, 600 for files)", p);
                    }
                }
            }
        } catch (IOException e) {
            throw new DataAccessException("creating the folder " + parent,
                    new SQLException(e + OwnerOnly.writableHint(parent, e), e));
        }
    }

    private static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    /**
     * True when this is Twostep's own pool over an SQLite file, claimed for this web app JVM-wide: no other web
     * app in this JVM can have the file open, and SQLite is one server's database (several servers share
     * PostgreSQL). False for PostgreSQL and for a container's DataSource, which other web apps may share.
     */
    public boolean ownSqliteFile() {
        return claimKey != null;
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
        if (claimKey != null) {
            System.getProperties().remove(claimKey, claimValue);
            claimKey = null;
        }
    }
}
