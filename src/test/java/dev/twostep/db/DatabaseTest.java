package dev.twostep.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
    void withoutAUrlEachContextOpensItsOwnFileInTheDataFolder() {
        TwostepConfig config = config(Map.of("twostep.db.jndi", "none"));
        try (Database root = Database.open(config, ""); Database host = Database.open(config, "/shop/admin")) {
            assertEquals(0, phones(root));
            assertEquals(0, phones(host));
            assertTrue(Files.isRegularFile(dir.resolve("twostep.db")));
            assertTrue(Files.isRegularFile(dir.resolve("shop#admin.db")));
        }
    }
}
