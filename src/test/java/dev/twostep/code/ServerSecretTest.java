package dev.twostep.code;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.twostep.code.VerifyResult.Outcome;
import dev.twostep.config.ConfigException;
import dev.twostep.db.Jdbc;
import dev.twostep.delivery.Channel;
import dev.twostep.testing.MutableClock;
import dev.twostep.testing.OpenDatabases;
import dev.twostep.testing.RecordingSender;
import dev.twostep.testing.TestDatabases;

/** The generated code secret, and the check that keeps servers on one database on one secret. */
class ServerSecretTest {
    private static final byte[] SECRET_A = "secret-of-server-a-0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private static final byte[] SECRET_B = "secret-of-server-b-0123456789abcdef".getBytes(StandardCharsets.UTF_8);

    @RegisterExtension
    final OpenDatabases databases = new OpenDatabases();

    @Test
    void serversStartingAtOnceAllReadOneWholeSecret(@TempDir Path root) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 25; round++) {
                Path dataDir = root.resolve("round-" + round);
                CyclicBarrier start = new CyclicBarrier(8);
                List<Future<byte[]>> loads = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    loads.add(pool.submit(() -> {
                        start.await();
                        return ServerSecret.load(null, dataDir);
                    }));
                }
                byte[] first = loads.get(0).get();
                assertEquals(32, first.length);
                for (Future<byte[]> load : loads) {
                    assertArrayEquals(first, load.get(), "every server on one data folder gets the same secret");
                }
                try (Stream<Path> files = Files.list(dataDir)) {
                    assertEquals(List.of(dataDir.resolve(ServerSecret.FILE_NAME)), files.toList(),
                            "no temporary file is left behind");
                }
                assertEquals("rw-------", PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(dataDir.resolve(ServerSecret.FILE_NAME))));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aServerWithAnotherSecretRefusesToStartOnTheSameDatabase(String kind) {
        Jdbc jdbc = new Jdbc(databases.open(kind).database().dataSource());
        KeyCheck.verify(jdbc, SECRET_A, "TWOSTEP_SECRET");
        KeyCheck.verify(jdbc, SECRET_A, "TWOSTEP_SECRET");
        ConfigException refused = assertThrows(ConfigException.class,
                () -> KeyCheck.verify(jdbc, SECRET_B, "generated in /srv/b/data/code-secret"));
        assertTrue(refused.getMessage().contains("TWOSTEP_SECRET"), refused.getMessage());
        assertTrue(refused.getMessage().contains("generated in /srv/b/data/code-secret"), refused.getMessage());
        assertEquals(1L, jdbc.queryOne("t", "SELECT COUNT(*) FROM key_checks", Jdbc.params(), rs -> rs.getLong(1))
                .orElseThrow(), "the first server's value stays");
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void withOneSecretACodeSentByOneServerIsAcceptedByAnother(String kind) throws Exception {
        Jdbc jdbc = new Jdbc(databases.open(kind).database().dataSource());
        RecordingSender sender = new RecordingSender();
        MutableClock clock = new MutableClock();
        CodeService.Policy policy = new CodeService.Policy(6, Duration.ofMinutes(10), 5);
        CodeService serverA = new CodeService(jdbc, SECRET_A, sender, policy, clock);
        CodeService serverB = new CodeService(jdbc, SECRET_A, sender, policy, clock);
        KeyCheck.verify(jdbc, SECRET_A, "TWOSTEP_SECRET");
        KeyCheck.verify(jdbc, SECRET_A, "TWOSTEP_SECRET");
        Challenge sent = serverA.issue("dana", "+14155552671", Channel.SMS, Purpose.LOGIN, java.util.Locale.US);
        assertEquals(Outcome.ACCEPTED, serverB.verify("dana", sent.id(), sender.lastCode()).outcome());
    }

    @Test
    void aFolderTheServerMayNotWriteNamesTheSystemdSetting() {
        // As Debian's tomcat10 unit (ProtectSystem=strict) makes /var/lib/twostep for the tomcat user.
        Path dir = Path.of("/var/lib/twostep");
        String readOnly = dev.twostep.db.OwnerOnly.writableHint(dir,
                new java.nio.file.FileSystemException(dir.toString(), null, "Read-only file system"));
        assertTrue(readOnly.contains("ReadWritePaths=/var/lib/twostep"), readOnly);
        String denied = dev.twostep.db.OwnerOnly.writableHint(dir, new java.nio.file.AccessDeniedException(dir.toString()));
        assertTrue(denied.contains("must be writable by the server's user"), denied);
        assertEquals("", dev.twostep.db.OwnerOnly.writableHint(dir, new java.nio.file.NoSuchFileException(dir.toString())));
    }
}
