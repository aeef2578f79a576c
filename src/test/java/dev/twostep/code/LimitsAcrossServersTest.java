package dev.twostep.code;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.commons.dbcp2.BasicDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.twostep.config.Settings;
import dev.twostep.config.TwostepConfig;
import dev.twostep.db.Jdbc;
import dev.twostep.limits.LimitedException;
import dev.twostep.limits.Lockouts;
import dev.twostep.limits.RateLimiter;
import dev.twostep.testing.OpenDatabases;
import dev.twostep.testing.TestDatabases;
import dev.twostep.testing.TestDatabases.TestDb;

/**
 * Three servers on one database, each with its own pool, {@link RateLimiter}, {@link SendLimits} and
 * {@link Lockouts}, as three nodes behind a load balancer have: every limit counts the sends and failures of
 * all of them together, because the counts live in the database only. 5 sends spread over 3 servers are 5.
 */
class LimitsAcrossServersTest {
    private static final long NOW = 1_767_225_600_000L;
    private static final int SERVERS = 3;
    /** A phone confirmed long ago: its codes draw from the confirmed budget. */
    private static final Long ESTABLISHED = NOW - Duration.ofDays(30).toMillis();

    @RegisterExtension
    final OpenDatabases databases = new OpenDatabases();
    private final List<BasicDataSource> pools = new ArrayList<>();

    @AfterEach
    void closePools() throws Exception {
        for (BasicDataSource pool : pools) {
            pool.close();
        }
    }

    /** Every limit out of the way but the ones named, and no least interval between two sends. */
    private static TwostepConfig.Limits limits(String... settings) {
        Map<String, String> values = new HashMap<>();
        for (String what : List.of("user", "number", "address")) {
            values.put("twostep.limits." + what + ".sends", "1000");
            values.put("twostep.limits." + what + ".interval-seconds", "0");
        }
        values.put("twostep.limits.address.confirmed-sends", "1000");
        values.put("twostep.limits.number.new-sends-per-day", "1000");
        values.put("twostep.limits.user.sends-per-day", "1000");
        values.put("twostep.limits.sends-per-hour", "1000");
        values.put("twostep.limits.sends-per-hour-per-country", "1000");
        values.put("twostep.limits.confirmed-sends-per-hour", "1000");
        for (int i = 0; i < settings.length; i += 2) {
            values.put(settings[i], settings[i + 1]);
        }
        return TwostepConfig.from(new Settings(values::get, Map.of())).limits();
    }

    /** One Jdbc per server, each over a pool of its own on the one database. */
    private List<Jdbc> servers(String kind) {
        TestDb db = databases.open(kind);
        List<Jdbc> servers = new ArrayList<>();
        for (int i = 0; i < SERVERS; i++) {
            BasicDataSource pool = new BasicDataSource();
            pool.setUrl(db.config().dbUrl());
            if (TestDatabases.SQLITE.equals(kind)) {
                pool.addConnectionProperty("busy_timeout", "10000");
                pool.addConnectionProperty("transaction_mode", "IMMEDIATE");
            }
            pools.add(pool);
            servers.add(new Jdbc(pool));
        }
        return servers;
    }

    private List<SendLimits> sendLimits(String kind, TwostepConfig.Limits limits) {
        return servers(kind).stream().map(jdbc -> new SendLimits(new RateLimiter(jdbc), limits)).toList();
    }

    /** What one send varies, the rest being the same each time. */
    private interface Send {
        void on(SendLimits server, int i) throws LimitedException;
    }

    /** Sends one after the other, server 0, 1, 2, 0, ...: returns how many went through before the first refusal. */
    private static int spread(List<SendLimits> servers, Send send) {
        for (int i = 0; i < 100; i++) {
            try {
                send.on(servers.get(i % servers.size()), i);
            } catch (LimitedException refused) {
                return i;
            }
        }
        return 100;
    }

    private static String number(int i) {
        return String.format("+1415555%04d", 1000 + i);
    }

    private static String address(int i) {
        return "198.51.100." + (i + 1);
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void perUserSendsCountOnEveryServer(String kind) throws Exception {
        List<SendLimits> servers = sendLimits(kind, limits("twostep.limits.user.sends", "5"));
        assertEquals(5, spread(servers, (s, i) -> s.acquire("alice", number(i), address(i), ESTABLISHED, NOW + i)));
        for (SendLimits server : servers) {
            assertThrows(LimitedException.class, () -> server.acquire("alice", number(50), address(50), ESTABLISHED,
                    NOW + 50), "no server has room left for alice");
        }
        servers.get(1).acquire("bob", number(60), address(60), ESTABLISHED, NOW + 60);
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void perNumberSendsCountOnEveryServer(String kind) {
        List<SendLimits> servers = sendLimits(kind, limits("twostep.limits.number.sends", "5"));
        assertEquals(5, spread(servers, (s, i) -> s.acquire("user" + i, number(0), address(i), ESTABLISHED, NOW + i)));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aNewNumbersSendsPerDayCountOnEveryServer(String kind) {
        List<SendLimits> servers = sendLimits(kind, limits("twostep.limits.number.new-sends-per-day", "5"));
        assertEquals(5, spread(servers, (s, i) -> s.acquire("user" + i, number(0), address(i), null, NOW + i)));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void perAddressSendsCountOnEveryServer(String kind) {
        List<SendLimits> toNew = sendLimits(kind, limits("twostep.limits.address.sends", "5"));
        assertEquals(5, spread(toNew, (s, i) -> s.acquire("user" + i, number(i), address(0), null, NOW + i)),
                "to numbers nobody confirmed");
        List<SendLimits> toConfirmed = sendLimits(kind, limits("twostep.limits.address.confirmed-sends", "5"));
        assertEquals(5, spread(toConfirmed, (s, i) -> s.acquire("user" + i, number(i), address(0), ESTABLISHED,
                NOW + i)), "to confirmed numbers");
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void theHourlyCostCeilingsCountEveryServer(String kind) throws Exception {
        List<SendLimits> newNumbers = sendLimits(kind, limits("twostep.limits.sends-per-hour", "5"));
        assertEquals(5, spread(newNumbers, (s, i) -> s.acquire("user" + i, number(i), address(i), null, NOW + i)));
        List<SendLimits> country = sendLimits(kind, limits("twostep.limits.sends-per-hour-per-country", "5"));
        assertEquals(5, spread(country, (s, i) -> s.acquire("user" + i, number(i), address(i), null, NOW + i)));
        List<SendLimits> confirmed = sendLimits(kind, limits("twostep.limits.confirmed-sends-per-hour", "5"));
        assertEquals(5, spread(confirmed, (s, i) -> s.acquire("user" + i, number(i), address(i), ESTABLISHED,
                NOW + i)));
        // The window is the hour: an hour on, every server has room again.
        newNumbers.get(2).acquire("late", number(90), address(90), null, NOW + Duration.ofHours(1).toMillis() + 10);
    }

    /** 30 sends at once, 10 on each server, for one user: never more than the limit get through. */
    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void parallelSendsOnThreeServersNeverPassTheLimit(String kind) throws Exception {
        List<SendLimits> servers = sendLimits(kind, limits("twostep.limits.user.sends", "5"));
        ExecutorService pool = Executors.newFixedThreadPool(30);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Boolean>> sends = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                int n = i;
                sends.add(pool.submit(() -> {
                    start.await();
                    try {
                        servers.get(n % SERVERS).acquire("alice", number(n), address(n), ESTABLISHED, NOW);
                        return true;
                    } catch (LimitedException refused) {
                        return false;
                    }
                }));
            }
            start.countDown();
            int through = 0;
            for (Future<Boolean> f : sends) {
                through += f.get(60, TimeUnit.SECONDS) ? 1 : 0;
            }
            // Racers for the last places may all be refused (RateLimiter), never all let through.
            assertTrue(through >= 1 && through <= 5, through + " sends got through");
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void theCodeAndPasswordLocksCountFailuresOnEveryServer(String kind) {
        List<Jdbc> servers = servers(kind);
        List<Duration> delays = List.of(Duration.ofMinutes(1));
        List<Lockouts> code = servers.stream().map(j -> new Lockouts(j, "code", 5, delays, 100)).toList();
        for (int i = 0; i < 4; i++) {
            assertEquals(Optional.empty(), code.get(i % SERVERS).fail("alice", NOW + i));
        }
        assertEquals(Optional.of(Duration.ofMinutes(1)), code.get(4 % SERVERS).fail("alice", NOW + 4),
                "the fifth failure, whichever server it reaches, locks");
        for (Lockouts server : code) {
            assertTrue(server.lockedFor("alice", NOW + 5).isPresent(), "every server sees the lock");
        }

        List<Lockouts> password = servers.stream().map(j -> new Lockouts(j, "password", 5, delays)).toList();
        int tries = 0;
        while (tries < 100 && password.get(tries % SERVERS).attempt("bob", NOW).isEmpty()) {
            tries++;
        }
        assertEquals(5, tries, "5 password tries spread over 3 servers, then the lock");
    }
}
