package dev.twostep.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.twostep.db.Jdbc;
import dev.twostep.testing.OpenDatabases;
import dev.twostep.testing.TestDatabases;
import dev.twostep.testing.TestDatabases.TestDb;

/** Windows and lockouts against a real SQLite file and, when configured, PostgreSQL. */
class LimitsTest {
    @RegisterExtension
    final OpenDatabases databases = new OpenDatabases();
    private TestDb db;



    private Jdbc jdbc(String kind) {
        db = databases.open(kind);
        return new Jdbc(db.database().dataSource());
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aWindowAdmitsItsMaximumThenSaysHowLongToWait(String kind) throws Exception {
        RateLimiter limiter = new RateLimiter(jdbc(kind));
        RateLimiter.Rule rule = new RateLimiter.Rule("send-user", 5, Duration.ofMinutes(15));
        long t0 = 1_000_000_000L;
        for (int i = 0; i < 5; i++) {
            limiter.acquire(rule, "alice", t0 + i * 60_000L, LimitedException.Limit.SENDS);
        }
        LimitedException e = assertThrows(LimitedException.class,
                () -> limiter.acquire(rule, "alice", t0 + 5 * 60_000L, LimitedException.Limit.SENDS));
        assertEquals(Duration.ofMinutes(10), e.retryAfter(), "the oldest send leaves the window in 10 minutes");
        assertEquals(10, e.minutes());
        limiter.acquire(rule, "bob", t0 + 5 * 60_000L, LimitedException.Limit.SENDS);
        limiter.acquire(rule, "alice", t0 + 15 * 60_000L + 1, LimitedException.Limit.SENDS);
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void parallelRequestsNeverGetMoreThanTheMaximum(String kind) throws Exception {
        RateLimiter limiter = new RateLimiter(jdbc(kind));
        RateLimiter.Rule rule = new RateLimiter.Rule("send-to", 5, Duration.ofMinutes(15));
        ExecutorService pool = Executors.newFixedThreadPool(20);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            results.add(pool.submit(() -> {
                start.await();
                try {
                    limiter.acquire(rule, "+14155552671", 1_000_000L, LimitedException.Limit.SENDS);
                    return true;
                } catch (LimitedException e) {
                    return false;
                }
            }));
        }
        start.countDown();
        int admitted = 0;
        for (Future<Boolean> f : results) {
            admitted += f.get() ? 1 : 0;
        }
        pool.shutdown();
        // Racers for the last places may all be refused; never more than five get through.
        assertTrue(admitted <= 5, "admitted " + admitted);
        assertEquals(admitted, new Jdbc(db.database().dataSource()).queryOne("count",
                "SELECT COUNT(*) FROM rate_events WHERE kind = 'send-to'", Jdbc.params(), rs -> rs.getInt(1)).orElseThrow());
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void severalCountsAreAllTakenOrNoneAndTheFirstFullOneIsNamed(String kind) {
        RateLimiter limiter = new RateLimiter(jdbc(kind));
        Jdbc jdbc = new Jdbc(db.database().dataSource());
        RateLimiter.Rule user = new RateLimiter.Rule("send-user", 3, Duration.ofMinutes(15));
        RateLimiter.Rule number = new RateLimiter.Rule("send-to", 2, Duration.ofMinutes(15));
        RateLimiter.Rule all = new RateLimiter.Rule("send-all", 100, Duration.ofHours(1));
        List<RateLimiter.Count> counts = List.of(new RateLimiter.Count(user, "alice"),
                new RateLimiter.Count(number, "+14155552671"), new RateLimiter.Count(all, "*"));
        long t0 = 1_000_000_000L;
        assertEquals(3, limiter.acquireAll(counts, t0).ids().size());
        RateLimiter.Counted second = limiter.acquireAll(counts, t0 + 60_000L);
        assertTrue(second.ok());
        RateLimiter.Counted third = limiter.acquireAll(counts, t0 + 120_000L);
        assertEquals(1, third.full(), "the number's window is the first full one");
        assertEquals(Duration.ofMinutes(13), third.retryAfter(), "its oldest send leaves the window in 13 minutes");
        assertTrue(third.ids().isEmpty());
        assertEquals(6, jdbc.queryOne("count", "SELECT COUNT(*) FROM rate_events", Jdbc.params(),
                rs -> rs.getInt(1)).orElseThrow(), "the refused call counted nothing, in any window");
        limiter.releaseAll(second.ids());
        assertEquals(3, jdbc.queryOne("count", "SELECT COUNT(*) FROM rate_events", Jdbc.params(),
                rs -> rs.getInt(1)).orElseThrow());
        assertTrue(limiter.acquireAll(counts, t0 + 180_000L).ok(), "taken back, the places are free again");
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void locksGrowAndASuccessResetsThem(String kind) {
        Lockouts locks = new Lockouts(jdbc(kind), "code", 10,
                List.of(Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofMinutes(60)));
        long now = 5_000_000L;
        for (int i = 0; i < 9; i++) {
            assertTrue(locks.fail("alice", now).isEmpty());
        }
        assertEquals(Duration.ofMinutes(1), locks.fail("alice", now).orElseThrow());
        assertEquals(Duration.ofMinutes(1), locks.lockedFor("alice", now).orElseThrow());
        assertTrue(locks.lockedFor("bob", now).isEmpty());
        now += 61_000;
        assertTrue(locks.lockedFor("alice", now).isEmpty());
        Duration last = null;
        for (int round = 2; round <= 5; round++) {
            for (int i = 0; i < 9; i++) {
                assertTrue(locks.fail("alice", now).isEmpty(), "round " + round);
            }
            last = locks.fail("alice", now).orElseThrow();
            now += last.toMillis() + 1000;
        }
        assertEquals(Duration.ofMinutes(60), last, "capped at the last delay");
        locks.reset("alice");
        for (int i = 0; i < 9; i++) {
            assertTrue(locks.fail("alice", now).isEmpty());
        }
        assertEquals(Duration.ofMinutes(1), locks.fail("alice", now).orElseThrow(), "a success starts over");
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void parallelFailuresAreAllCountedAndLock(String kind) throws Exception {
        Lockouts locks = new Lockouts(jdbc(kind), "code", 10, List.of(Duration.ofMinutes(1), Duration.ofMinutes(5)));
        ExecutorService pool = Executors.newFixedThreadPool(10);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> results = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            results.add(pool.submit(() -> {
                start.await();
                return locks.fail("mallory", 9_000_000L);
            }));
        }
        start.countDown();
        for (Future<?> f : results) {
            f.get();
        }
        pool.shutdown();
        assertTrue(locks.lockedFor("mallory", 9_000_000L).isPresent());
        assertEquals(30, new Jdbc(db.database().dataSource()).queryOne("count",
                "SELECT failures FROM lockouts WHERE username = 'mallory'", Jdbc.params(), rs -> rs.getInt(1)).orElseThrow());
    }
}
