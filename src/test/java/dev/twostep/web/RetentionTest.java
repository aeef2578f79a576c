package dev.twostep.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.twostep.audit.AuditLog;
import dev.twostep.audit.AuditLog.Event;
import dev.twostep.audit.Retention;
import dev.twostep.code.CodeService;
import dev.twostep.code.Purpose;
import dev.twostep.config.ConfigException;
import dev.twostep.config.Settings;
import dev.twostep.db.Jdbc;
import dev.twostep.delivery.Channel;
import dev.twostep.factor.RememberedDeviceDao;
import dev.twostep.factor.TotpFactorDao;
import dev.twostep.limits.LimitedException;
import dev.twostep.limits.RateLimiter;
import dev.twostep.testing.MutableClock;
import dev.twostep.testing.OpenDatabases;
import dev.twostep.testing.RecordingSender;
import dev.twostep.testing.TestDatabases;

/**
 * Retention on a real SQLite file and, when configured, PostgreSQL: old codes (full phone numbers), the
 * old audit trail and old rate events go; recent rows, and enrollment and phone changes of any age, stay.
 */
class RetentionTest {
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private static final RateLimiter.Rule RULE = new RateLimiter.Rule("send-user", 100, Duration.ofMinutes(15));
    private static final Retention DEFAULTS = Retention.from(new Settings(name -> null, Map.of()));

    @RegisterExtension
    final OpenDatabases databases = new OpenDatabases();
    private final MutableClock clock = new MutableClock();
    private Jdbc jdbc;
    private CodeService codes;
    private AuditLog audit;
    private RateLimiter limiter;
    private TotpFactorDao apps;
    private RememberedDeviceDao devices;

    private void open(String kind) {
        jdbc = new Jdbc(databases.open(kind).database().dataSource());
        codes = new CodeService(jdbc, SECRET, new RecordingSender(), new CodeService.Policy(6, Duration.ofMinutes(10), 5),
                clock);
        audit = new AuditLog(jdbc, clock);
        limiter = new RateLimiter(jdbc);
        apps = new TotpFactorDao(jdbc);
        devices = new RememberedDeviceDao(jdbc);
    }

    /** At the clock's time: one code to alice, every kind of audit event for her, one rate event. */
    private void recordEverything(String user) throws Exception {
        codes.issue(user, "+14155552671", Channel.SMS, Purpose.LOGIN, Locale.ENGLISH);
        for (Event event : Event.values()) {
            audit.record(event, user, new AuditLog.Client("203.0.113.9", "test"), null);
        }
        limiter.acquire(RULE, user, clock.millis(), LimitedException.Limit.SENDS);
    }

    private List<String> rows(String sql) {
        List<String> rows = new ArrayList<>();
        jdbc.queryOne("test", sql, Jdbc.params(), rs -> {
            do {
                rows.add(rs.getString(1));
            } while (rs.next());
            return rows;
        });
        return rows;
    }

    private List<String> auditTrail() {
        return rows("SELECT username || ' ' || event FROM audit_events ORDER BY username, event");
    }

    private static List<String> everyEvent(String user) {
        return java.util.Arrays.stream(Event.values()).map(e -> user + " " + e.name()).sorted().toList();
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void oldRowsGoRecentRowsAndEnrollmentsStay(String kind) throws Exception {
        open(kind);
        recordEverything("old");
        clock.advance(Duration.ofDays(169));
        // 31 days old at the end: past the codes' retention (30 days), within the audit trail's (180).
        recordEverything("month");
        clock.advance(Duration.ofDays(30));
        recordEverything("recent");
        clock.advance(Duration.ofDays(1));

        assertEquals(2, codes.purgeSentBefore(clock.instant().minus(DEFAULTS.challenges())));
        assertEquals(List.of("recent"), rows("SELECT username FROM challenges"));

        long kept = AuditLog.KEPT_FOREVER.size();
        assertEquals(Event.values().length - kept, audit.purgeBefore(clock.instant().minus(DEFAULTS.audit())));
        List<String> expected = new ArrayList<>(everyEvent("month"));
        expected.addAll(List.of("old AUTHENTICATOR_ADDED", "old ENROLLED", "old OPERATOR_FACTORS_RESET", "old PHONE_CHANGED"));
        expected.addAll(everyEvent("recent"));
        assertEquals(expected.stream().sorted().toList(), auditTrail());

        // Rate events: kept two days, longer than any window.
        assertEquals(2, limiter.purge(clock.instant()));
        assertEquals(List.of("recent"), rows("SELECT subject FROM rate_events"));

        // A second pass finds nothing more.
        assertEquals(0, codes.purgeSentBefore(clock.instant().minus(DEFAULTS.challenges())));
        assertEquals(0, audit.purgeBefore(clock.instant().minus(DEFAULTS.audit())));
        assertEquals(0, limiter.purge(clock.instant()));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void theJobPurgesWhenStartedThenRunsOnADaemonThreadUntilClosed(String kind) throws Exception {
        open(kind);
        recordEverything("old");
        clock.advance(Duration.ofDays(365));
        recordEverything("recent");

        RetentionJob job = new RetentionJob(DEFAULTS, codes, audit, limiter, apps, devices, clock).start();
        try {
            // Done before start() returned, as the listener's start-up run is.
            assertEquals(List.of("recent"), rows("SELECT username FROM challenges"));
            List<String> expected = new ArrayList<>(List.of("old AUTHENTICATOR_ADDED", "old ENROLLED", "old OPERATOR_FACTORS_RESET", "old PHONE_CHANGED"));
            expected.addAll(everyEvent("recent"));
            assertEquals(expected.stream().sorted().toList(), auditTrail());
            assertEquals(List.of("recent"), rows("SELECT subject FROM rate_events"));
            Thread thread = retentionThread();
            assertTrue(thread.isDaemon(), "a daemon thread, so it never keeps the JVM alive");
        } finally {
            job.close();
        }
        assertTrue(job.stopped());
        assertFalse(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("twostep-retention") && t.isAlive()), "the thread is gone");
    }

    private static Thread retentionThread() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("twostep-retention"))
                .findFirst().orElseThrow(() -> new AssertionError("no twostep-retention thread"));
    }

    @Test
    void settingsHaveTheDocumentedDefaultsAndBounds() {
        assertEquals(Duration.ofDays(30), DEFAULTS.challenges());
        assertEquals(Duration.ofDays(180), DEFAULTS.audit());
        Retention set = Retention.from(new Settings(Map.of("twostep.retention.challenges-days", "7")::get,
                Map.of("TWOSTEP_RETENTION_AUDIT_DAYS", "400")));
        assertEquals(new Retention(Duration.ofDays(7), Duration.ofDays(400)), set);
        for (String name : List.of("twostep.retention.challenges-days", "twostep.retention.audit-days")) {
            for (String bad : List.of("0", "-1", "36501", "forever")) {
                ConfigException e = assertThrows(ConfigException.class,
                        () -> Retention.from(new Settings(Map.of(name, bad)::get, Map.of())));
                assertEquals(name, e.setting());
            }
        }
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void appsNeverConfirmedAndDevicesLongEndedGoTheRestStays(String kind) throws Exception {
        open(kind);
        long start = clock.millis();
        long abandoned = TotpFactorDao.newId();
        apps.addUnconfirmed(abandoned, "ann", "Authenticator app", "v1.sealed-abandoned", start);
        long confirmed = TotpFactorDao.newId();
        apps.addUnconfirmed(confirmed, "ann", "Authenticator app", "v1.sealed-confirmed", start);
        apps.confirm(confirmed, "ann", 1000, start);
        devices.add("ann", "a".repeat(64), "Firefox", start, start + Duration.ofDays(1).toMillis());
        long revokedLongAgo = devices.add("ann", "b".repeat(64), "Chrome", start, start + Duration.ofDays(90).toMillis());
        devices.revoke(revokedLongAgo, "ann", start);
        clock.advance(Duration.ofDays(40));
        long fresh = TotpFactorDao.newId();
        apps.addUnconfirmed(fresh, "bob", "Authenticator app", "v1.sealed-fresh", clock.millis());
        long live = devices.add("bob", "c".repeat(64), "Safari", clock.millis(), clock.millis() + Duration.ofDays(30).toMillis());
        long expiredLately = devices.add("bob", "d".repeat(64), "Edge", clock.millis() - Duration.ofDays(2).toMillis(),
                clock.millis() - Duration.ofDays(1).toMillis());

        new RetentionJob(DEFAULTS, codes, audit, limiter, apps, devices, clock).run();

        assertEquals(List.of(String.valueOf(confirmed), String.valueOf(fresh)).stream().sorted().toList(),
                rows("SELECT id FROM totp_factors ORDER BY id").stream().sorted().toList());
        assertEquals(List.of(String.valueOf(live), String.valueOf(expiredLately)).stream().sorted().toList(),
                rows("SELECT id FROM remembered_devices").stream().sorted().toList());
    }
}
