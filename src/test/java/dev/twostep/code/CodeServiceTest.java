package dev.twostep.code;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.twostep.code.VerifyResult.Outcome;
import dev.twostep.config.Settings;
import dev.twostep.config.TwostepConfig;
import dev.twostep.db.Jdbc;
import dev.twostep.delivery.Channel;
import dev.twostep.delivery.DeliveryException;
import dev.twostep.limits.LimitedException;
import dev.twostep.limits.RateLimiter;
import dev.twostep.testing.MutableClock;
import dev.twostep.testing.RecordingSender;
import dev.twostep.testing.OpenDatabases;
import dev.twostep.testing.TestDatabases;
import dev.twostep.testing.TestDatabases.TestDb;

/** The code rules, against a real SQLite file and, when configured, a real PostgreSQL. */
class CodeServiceTest {
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private static final String TO = "+14155552671";

    @RegisterExtension
    final OpenDatabases databases = new OpenDatabases();
    private TestDb db;
    private final RecordingSender sender = new RecordingSender();
    private final MutableClock clock = new MutableClock();



    private CodeService service(String kind) {
        return service(kind, new CodeService.Policy(6, Duration.ofMinutes(10), 5));
    }

    private CodeService service(String kind, CodeService.Policy policy) {
        db = databases.open(kind);
        return new CodeService(new Jdbc(db.database().dataSource()), SECRET, sender, policy, clock);
    }

    private Challenge issue(CodeService codes, String user) throws Exception {
        return codes.issue(user, TO, Channel.SMS, Purpose.LOGIN, Locale.ENGLISH);
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void theRightCodeIsAcceptedOnceAndOnlyOnce(String kind) throws Exception {
        CodeService codes = service(kind);
        Challenge c = issue(codes, "alice");
        String code = sender.lastCode();
        assertEquals(Outcome.ACCEPTED, codes.verify("alice", c.id(), code).outcome());
        assertEquals(Outcome.NOT_ACTIVE, codes.verify("alice", c.id(), code).outcome());
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void onlyTheHashIsStoredAndItIsBoundToTheChallenge(String kind) throws Exception {
        CodeService codes = service(kind);
        Challenge c = issue(codes, "alice");
        String code = sender.lastCode();
        try (Connection conn = db.database().dataSource().getConnection();
             PreparedStatement ps = conn.prepareStatement("SELECT * FROM challenges WHERE id = ?")) {
            ps.setLong(1, c.id());
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    String value = rs.getString(i);
                    assertFalse(value != null && value.contains(code), "column " + rs.getMetaData().getColumnName(i)
                            + " holds the code");
                }
                assertEquals(new CodeHasher(SECRET).hash(c.id(), code), rs.getString("code_hash"));
                assertNotEquals(new CodeHasher(SECRET).hash(c.id() + 1, code), rs.getString("code_hash"));
            }
        }
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void fiveWrongTriesKillTheCodeEvenForTheRightOneAfter(String kind) throws Exception {
        CodeService codes = service(kind);
        Challenge c = issue(codes, "alice");
        String right = sender.lastCode();
        String wrong = right.equals("000000") ? "111111" : "000000";
        for (int i = 4; i >= 1; i--) {
            VerifyResult r = codes.verify("alice", c.id(), wrong);
            assertEquals(Outcome.WRONG, r.outcome());
            assertEquals(i, r.attemptsLeft());
        }
        assertEquals(Outcome.TOO_MANY_ATTEMPTS, codes.verify("alice", c.id(), wrong).outcome());
        assertEquals(Outcome.TOO_MANY_ATTEMPTS, codes.verify("alice", c.id(), right).outcome());
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aCodeExpiresAfterItsLifetime(String kind) throws Exception {
        CodeService codes = service(kind);
        Challenge c = issue(codes, "alice");
        clock.advance(Duration.ofMinutes(10));
        assertEquals(Outcome.EXPIRED, codes.verify("alice", c.id(), sender.lastCode()).outcome());
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aCodeJustBeforeExpiryStillWorks(String kind) throws Exception {
        CodeService codes = service(kind);
        Challenge c = issue(codes, "alice");
        clock.advance(Duration.ofMinutes(10).minusSeconds(1));
        assertEquals(Outcome.ACCEPTED, codes.verify("alice", c.id(), sender.lastCode()).outcome());
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aNewSendReplacesThePreviousCode(String kind) throws Exception {
        CodeService codes = service(kind);
        Challenge first = issue(codes, "alice");
        String firstCode = sender.lastCode();
        Challenge second = issue(codes, "alice");
        assertEquals(Outcome.NOT_ACTIVE, codes.verify("alice", first.id(), firstCode).outcome());
        assertEquals(Outcome.ACCEPTED, codes.verify("alice", second.id(), sender.lastCode()).outcome());
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aCodeIsBoundToItsUser(String kind) throws Exception {
        CodeService codes = service(kind);
        Challenge bobs = issue(codes, "bob");
        assertEquals(Outcome.NOT_ACTIVE, codes.verify("alice", bobs.id(), sender.lastCode()).outcome());
        assertEquals(Outcome.ACCEPTED, codes.verify("bob", bobs.id(), sender.lastCode()).outcome());
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aFailedSendCancelsTheNewCodeAndKeepsTheOldOne(String kind) throws Exception {
        CodeService codes = service(kind);
        Challenge first = issue(codes, "alice");
        String firstCode = sender.lastCode();
        sender.failWith(new DeliveryException(DeliveryException.Reason.TRY_LATER, "20429", "busy", null));
        assertThrows(DeliveryException.class, () -> issue(codes, "alice"));
        assertEquals(Outcome.ACCEPTED, codes.verify("alice", first.id(), firstCode).outcome());
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aSendThatMayHaveGoneOutCountsAsSentAndIsMarkedUncertain(String kind) throws Exception {
        db = databases.open(kind);
        Jdbc jdbc = new Jdbc(db.database().dataSource());
        // The defaults: at least 30 s between two codes to the same user.
        TwostepConfig.Limits limits = TwostepConfig.from(new Settings(name -> null, Map.of())).limits();
        CodeService codes = new CodeService(jdbc, SECRET, sender, new CodeService.Policy(6, Duration.ofMinutes(10), 5),
                clock, new SendLimits(new RateLimiter(jdbc), limits), null);
        Challenge first = codes.issue("alice", TO, Channel.SMS, Purpose.LOGIN, Locale.ENGLISH, "192.0.2.1");
        String firstCode = sender.lastCode();
        clock.advance(Duration.ofMinutes(1));
        sender.failAfterSending(new DeliveryException(DeliveryException.Reason.MAYBE_SENT, null, "no answer", null));

        Challenge second = codes.issue("alice", TO, Channel.SMS, Purpose.LOGIN, Locale.ENGLISH, "192.0.2.1");
        assertEquals(Challenge.UNCERTAIN, second.deliveryStatus());
        assertTrue(second.deliveryUncertain());
        assertEquals(Challenge.UNCERTAIN, codes.find("alice", second.id()).orElseThrow().deliveryStatus());
        assertThrows(LimitedException.class, () -> codes.issue("alice", TO, Channel.SMS, Purpose.LOGIN,
                Locale.ENGLISH, "192.0.2.1"), "a code that may have gone out counts against the send limits");
        assertEquals(Outcome.NOT_ACTIVE, codes.verify("alice", first.id(), firstCode).outcome(),
                "it replaces the older code, as a sent one does");
        assertEquals(Outcome.ACCEPTED, codes.verify("alice", second.id(), sender.lastCode()).outcome(),
                "when it arrives, late, it works");
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void twentyParallelSubmissionsOfTheRightCodeLetExactlyOneThrough(String kind) throws Exception {
        CodeService codes = service(kind, new CodeService.Policy(6, Duration.ofMinutes(10), 5));
        Challenge c = issue(codes, "alice");
        String code = sender.lastCode();
        ExecutorService pool = Executors.newFixedThreadPool(20);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Outcome>> results = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            results.add(pool.submit(() -> {
                start.await();
                return codes.verify("alice", c.id(), code).outcome();
            }));
        }
        start.countDown();
        int accepted = 0;
        for (Future<Outcome> f : results) {
            if (f.get() == Outcome.ACCEPTED) {
                accepted++;
            }
        }
        pool.shutdown();
        assertEquals(1, accepted);
    }

    @Test
    void malformedInputIsRefusedWithoutTakingATry() throws Exception {
        CodeService codes = service(TestDatabases.SQLITE);
        Challenge c = issue(codes, "alice");
        for (String bad : new String[] {"", "12345", "1234567", "abcdef", "12 34 5x", "١٢٣٤٥٦", "x".repeat(100000)}) {
            assertEquals(Outcome.MALFORMED, codes.verify("alice", c.id(), bad).outcome(), bad);
        }
        assertEquals(Outcome.MALFORMED, codes.verify("alice", c.id(), null).outcome());
        assertEquals(0, codes.find("alice", c.id()).orElseThrow().attempts());
        String spaced = sender.lastCode().substring(0, 3) + " " + sender.lastCode().substring(3);
        assertEquals(Outcome.ACCEPTED, codes.verify("alice", c.id(), spaced).outcome());
    }

    @Test
    void codesHaveTheConfiguredLengthAndLookRandom() throws Exception {
        CodeService codes = service(TestDatabases.SQLITE, new CodeService.Policy(8, Duration.ofMinutes(5), 3));
        Set<String> seen = new HashSet<>();
        int[] firstDigit = new int[10];
        for (int i = 0; i < 2000; i++) {
            String code = codes.newCode();
            assertTrue(code.matches("[0-9]{8}"), code);
            seen.add(code);
            firstDigit[code.charAt(0) - '0']++;
        }
        assertTrue(seen.size() > 1990, "codes repeat too often: " + seen.size());
        for (int count : firstDigit) {
            assertTrue(count > 100, "leading digits are skewed");
        }
    }
}
