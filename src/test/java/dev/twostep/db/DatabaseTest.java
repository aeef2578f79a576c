package dev.twostep.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.twostep.config.ConfigException;
import dev.twostep.config.Settings;
import dev.twostep.config.TwostepConfig;

class DatabaseTest {
    @TempDir
    Path dir;

    private TwostepConfig config(Map<String, String> extra) {
        Map<String, String> params = new HashMap<>(Map.of("twostep.data-dir", dir.toString()));
        params.putAll(extra);
        return TwostepConfig.from(new Settings(params::get, Map.of()));
    }

    private long phones(Database db) {
        return new Jdbc(db.dataSource()).queryOne("counting", "SELECT COUNT(*) FROM phones", Jdbc.params(),
                rs -> rs.getLong(1)).orElseThrow();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''              | twostep",
        "/twostep        | twostep",
        "/host1          | host1",
        "/a/b            | a#b",
        "/shop floor/v2  | shop_floor#v2",
        "/café           | caf_",
        "/v1.2_x-y       | v1.2_x-y",
        "/a;b?c=..       | a_b_c_..",
    })
    void theDefaultFileIsNamedAfterTheContextPath(String contextPath, String name) {
        assertEquals(name, Database.fileName(contextPath));
        assertEquals("jdbc:sqlite:" + dir.resolve(name + ".db").toAbsolutePath(), Database.defaultUrl(dir, contextPath));
    }

    @Test
    void anAppWithoutItsOwnFileNextToThe01SharedFileStopsInsteadOfForgettingPhones() throws Exception {
        // Twostep 0.1: every app used <data-dir>/twostep.db.
        Map<String, String> legacy = Map.of("twostep.data-dir", dir.toString(), "twostep.db.jndi", "none",
                "twostep.db.url", "jdbc:sqlite:" + dir.resolve("twostep.db"));
        try (Database old = Database.open(TwostepConfig.from(new Settings(legacy::get, Map.of())), "/shop")) {
            assertEquals(0, phones(old));
        }
        TwostepConfig upgraded = config(Map.of("twostep.db.jndi", "none"));
        ConfigException refused = assertThrows(ConfigException.class, () -> Database.open(upgraded, "/shop"));
        assertEquals("twostep.db.url", refused.setting());
        assertTrue(refused.getMessage().contains("shop.db"), refused.getMessage());
        assertFalse(Files.exists(dir.resolve("shop.db")), "no empty file was made");
        // The standalone app keeps using twostep.db as before.
        try (Database standalone = Database.open(upgraded, "/twostep")) {
            assertEquals(0, phones(standalone));
        }
    }

    @Test
    void afterAFreshStandaloneFileOtherAppsGetTheirOwn() {
        TwostepConfig config = config(Map.of("twostep.db.jndi", "none"));
        try (Database standalone = Database.open(config, "/twostep"); Database host = Database.open(config, "/shop")) {
            assertEquals(0, phones(host));
            assertTrue(Files.isRegularFile(dir.resolve("shop.db")));
        }
    }

    @Test
    void theDataFolderAndTheDatabaseAreTheServersOwn() throws Exception {
        Path data = dir.resolve("fresh/data");
        Map<String, String> params = Map.of("twostep.data-dir", data.toString(), "twostep.db.jndi", "none");
        TwostepConfig config = TwostepConfig.from(new Settings(params::get, Map.of()));
        try (Database db = Database.open(config, "/twostep")) {
            new Jdbc(db.dataSource()).update("a write, so the WAL exists", "INSERT INTO phones (username, phone_e164,"
                    + " channel, confirmed_at, updated_at) VALUES ('u', '+14155552671', 'SMS', NULL, 1)", Jdbc.params());
            assertEquals("rwx------", mode(data));
            assertEquals("rwx------", mode(data.getParent()), "folders created on the way too");
            assertEquals("rw-------", mode(data.resolve("twostep.db")));
            assertEquals("rw-------", mode(data.resolve("twostep.db-wal")));
        }
    }

    private static String mode(Path p) throws java.io.IOException {
        return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void withoutAUrlEachContextOpensItsOwnFileInTheDataFolder() {
        TwostepConfig config = config(Map.of("twostep.db.jndi", "none"));
        try (Database root = Database.open(config, ""); Database host = Database.open(config, "/shop/admin")) {
            assertEquals(0, phones(root));
            assertEquals(0, phones(host));
            assertTrue(Files.isRegularFile(dir.resolve("twostep.db")));
            assertTrue(Files.isRegularFile(dir.resolve("shop#admin.db")));
        }
    }

    @Test
    void aSecondOpenOfOneSqliteFileIsRefusedUntilTheFirstIsClosed() throws Exception {
        TwostepConfig config = config(Map.of("twostep.db.jndi", "none",
                "twostep.db.url", "jdbc:sqlite:" + dir.resolve("shared.db")));
        // The same file by another spelling.
        TwostepConfig sameFile = config(Map.of("twostep.db.jndi", "none",
                "twostep.db.url", "jdbc:sqlite:" + dir.resolve("sub/../shared.db") + "?busy_timeout=5000"));
        Database first = Database.open(config, "/host1");
        try {
            ConfigException e = assertThrows(ConfigException.class, () -> Database.open(sameFile, "/host2"));
            assertEquals("twostep.db.url", e.setting());
            assertTrue(e.getMessage().contains("is already open in this JVM, by Twostep in the web app at '/host1'"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("container's DataSource with the JDBC driver in the container's lib/"
                    + " (tomcat-conf/README.md), or PostgreSQL"), e.getMessage());
            // The refused open left the first one's claim alone.
            assertThrows(ConfigException.class, () -> Database.open(config, "/host1"));
            assertEquals(0, phones(first));
        } finally {
            first.close();
        }
        try (Database again = Database.open(sameFile, "/host2")) {
            assertEquals(0, phones(again));
        }
        String claim = Database.CLAIM_PREFIX + dir.toRealPath().resolve("shared.db");
        assertFalse(System.getProperties().containsKey(claim), "no claim is left behind");
    }

    @Test
    void aDefaultJndiNameThatIsNotBoundFallsBackToTheOwnPool() {
        // No JNDI in a unit test: nothing is bound anywhere.
        try (Database db = Database.open(config(Map.of()), "/host")) {
            assertEquals(0, phones(db));
            assertTrue(Files.isRegularFile(dir.resolve("host.db")));
        }
    }

    @Test
    void aJndiNameThatWasSetButIsNotBoundStopsStartUp() {
        for (String name : new String[] {"java:comp/env/jdbc/twostep", "java:comp/env/jdbc/shared"}) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> Database.open(config(Map.of("twostep.db.jndi", name)), "/host"));
            assertEquals("twostep.db.jndi", e.setting());
            assertTrue(e.getMessage().contains("no DataSource is bound at " + name), e.getMessage());
        }
        assertFalse(Files.exists(dir.resolve("host.db")), "no private database was opened instead");
    }

    @Test
    void inMemoryAndNonSqliteUrlsHaveNoFileToClaim() {
        assertEquals(null, Database.sqliteFile("jdbc:sqlite::memory:"));
        assertEquals(null, Database.sqliteFile("jdbc:sqlite:file:x?mode=memory&cache=shared"));
        assertEquals(null, Database.sqliteFile("jdbc:postgresql://db/twostep"));
        assertEquals(Path.of("/var/lib/twostep/a.db"), Database.sqliteFile("jdbc:sqlite:file:///var/lib/twostep/a.db?mode=rw"));
        assertEquals(Path.of("/var/lib/twostep/a.db"), Database.sqliteFile("jdbc:sqlite:/var/lib/twostep/./a.db"));
    }
}
