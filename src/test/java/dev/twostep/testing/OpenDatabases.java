package dev.twostep.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import dev.twostep.testing.TestDatabases.TestDb;

/**
 * JUnit 5 extension for DAO tests: opens a fresh, migrated database of a kind (see
 * {@link TestDatabases#kinds()}) in a folder of its own, and closes and drops it after each test.
 */
public final class OpenDatabases implements AfterEachCallback {
    private final List<TestDb> open = new ArrayList<>();
    private final List<Path> dirs = new ArrayList<>();

    public TestDb open(String kind) {
        try {
            Path dir = Files.createTempDirectory("twostep-db");
            dirs.add(dir);
            TestDb db = TestDatabases.open(kind, dir);
            open.add(db);
            return db;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        open.forEach(TestDb::close);
        open.clear();
        for (Path dir : dirs) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        dirs.clear();
    }
}
