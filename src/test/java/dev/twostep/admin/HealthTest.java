package dev.twostep.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.twostep.audit.AuditLog;
import dev.twostep.code.CodeService;
import dev.twostep.code.Purpose;
import dev.twostep.code.SendLimits;
import dev.twostep.config.Settings;
import dev.twostep.config.TwostepConfig;
import dev.twostep.db.Jdbc;
import dev.twostep.delivery.Channel;
import dev.twostep.delivery.DeliveryException;
import dev.twostep.limits.LimitedException;
import dev.twostep.limits.Lockouts;
import dev.twostep.limits.RateLimiter;
import dev.twostep.testing.MutableClock;
import dev.twostep.testing.OpenDatabases;
import dev.twostep.testing.RecordingSender;
import dev.twostep.testing.TestDatabases;

/**
 * The console's health figures against rows written by the real limits (CodeService with SendLimits and
 * RateLimiter, Lockouts) and the real AuditLog, on a real SQLite file and, when configured, PostgreSQL.
 */
class HealthTest {
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private static final Duration SECOND = Duration.ofSeconds(31);

    @RegisterExtension
    final OpenDatabases databases = new OpenDatabases();
    private final MutableClock clock = new MutableClock();
    private final RecordingSender sender = new RecordingSender();
    private final TwostepConfig config = TwostepConfig.from(new Settings(Map.of(
            "twostep.limits.sends-per-hour", "40",
            "twostep.limits.password-failures-per-address", "3")::get, Map.of()));

    private Jdbc jdbc(String kind) {
        return new Jdbc(databases.open(kind).database().dataSource());
    }

    private CodeService codes(Jdbc jdbc) {
        TwostepConfig.Limits limits = config.limits();
        return new CodeService(jdbc, SECRET, sender, new CodeService.Policy(6, Duration.ofMinutes(10), 5), clock,
                new SendLimits(new RateLimiter(jdbc), limits), new Lockouts(jdbc, "code",
                limits.codeFailuresBeforeLock(), limits.lockDelays(), limits.codeFailuresCap()));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void sendsAreCountedAsTheLimitsCountThem(String kind) throws Exception {
        Jdbc jdbc = jdbc(kind);
        CodeService codes = codes(jdbc);
        Health health = new Health(jdbc, clock);
        long longAgo = clock.millis() - Duration.ofDays(200).toMillis();
        for (int i = 0; i < 3; i++) {
            codes.issue("alice", "+14155552671", Channel.SMS, Purpose.ENROLL, Locale.ENGLISH, "192.0.2.1", null);
            clock.advance(SECOND);
        }
        codes.issue("bob", "+442071838750", Channel.SMS, Purpose.ENROLL, Locale.ENGLISH, "192.0.2.2", null);
        clock.advance(SECOND);
        codes.issue("carol", "+14155550100", Channel.SMS, Purpose.LOGIN, Locale.ENGLISH, "192.0.2.3", longAgo);
        clock.advance(SECOND);
        // A send that failed is taken back from every count, so it is not counted here either.
        sender.failWith(new DeliveryException(DeliveryException.Reason.INVALID_NUMBER, "21211", "test", null));
        assertThrows(DeliveryException.class, () -> codes.issue("alice", "+14155552671", Channel.SMS, Purpose.ENROLL,
                Locale.ENGLISH, "192.0.2.1", null));

        Health.Snapshot now = health.snapshot(config);
        assertEquals(4, now.sendsLastHour(), "to new numbers");
        assertEquals(40, now.sendsPerHourBudget());
        assertEquals(1, now.confirmedSendsLastHour());
        assertEquals(config.limits().confirmedSendsPerHour(), now.confirmedSendsPerHourBudget());
        assertEquals(Map.of("US", 3L, "GB", 1L), now.newSendsByCountry());
        assertEquals(config.limits().sendsPerHourPerCountry(), now.sendsPerHourPerCountryBudget());
        assertEquals(new Health.Sends(3, 3), health.userSends("alice"));
        assertEquals(new Health.Sends(1, 1), health.userSends("carol"));
        assertEquals(new Health.Sends(0, 0), health.userSends("nobody"));

        clock.advance(Duration.ofMinutes(61));
        Health.Snapshot later = health.snapshot(config);
        assertEquals(0, later.sendsLastHour());
        assertEquals(0, later.confirmedSendsLastHour());
        assertEquals(Map.of(), later.newSendsByCountry());
        assertEquals(new Health.Sends(0, 3), health.userSends("alice"));
        clock.advance(Duration.ofHours(23));
        assertEquals(new Health.Sends(0, 0), health.userSends("alice"));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void locksHoldingNowAreCountedByScopeAndLimit(String kind) throws Exception {
        Jdbc jdbc = jdbc(kind);
        Health health = new Health(jdbc, clock);
        assertEquals(0L, health.snapshot(config).locksEngaged().get("code"));
        assertEquals(0L, health.snapshot(config).locksEngaged().get("password"));

        List<Duration> delays = List.of(Duration.ofMinutes(5));
        Lockouts code = new Lockouts(jdbc, "code", 2, delays, 4);
        Lockouts password = new Lockouts(jdbc, "password", 2, delays);
        code.fail("carol", clock.millis());
        code.fail("carol", clock.millis());
        for (int i = 0; i < 4; i++) {
            code.fail("dave", clock.millis());
        }
        code.fail("erin", clock.millis());
        password.attempt("hmac:0001", clock.millis());
        password.attempt("hmac:0001", clock.millis());
        // Failed sign-ins from one address, as AccountService counts them: the window is full after three.
        RateLimiter limiter = new RateLimiter(jdbc);
        RateLimiter.Rule perAddress = new RateLimiter.Rule("pw-ip", config.limits().passwordFailuresPerAddress(),
                config.limits().sendWindow());
        for (int i = 0; i < 3; i++) {
            limiter.acquire(perAddress, "192.0.2.9", clock.millis(), LimitedException.Limit.PASSWORD_LOCK);
            limiter.acquire(perAddress, "192.0.2.10", clock.millis(), LimitedException.Limit.PASSWORD_LOCK);
        }
        limiter.acquire(perAddress, "192.0.2.11", clock.millis(), LimitedException.Limit.PASSWORD_LOCK);
        assertThrows(LimitedException.class, () -> limiter.acquire(perAddress, "192.0.2.9", clock.millis(),
                LimitedException.Limit.PASSWORD_LOCK));

        Health.Snapshot now = health.snapshot(config);
        assertEquals(2L, now.locksEngaged().get("code"), "carol for a while, dave for good; erin not yet");
        assertEquals(1L, now.locksEngaged().get("password"));
        assertEquals(2L, now.locksEngaged().get("pw-ip"));
        assertEquals(0L, now.locksEngaged().get("send-all"));
        assertEquals(Map.of("code", 1L, "password", 0L), now.locksForGood());

        clock.advance(Duration.ofMinutes(16));
        Health.Snapshot later = health.snapshot(config);
        assertEquals(1L, later.locksEngaged().get("code"), "dave stays locked");
        assertEquals(0L, later.locksEngaged().get("password"));
        assertEquals(0L, later.locksEngaged().get("pw-ip"), "the window has passed");
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void failedSendsOfTheLastDayAreCountedByTwilioErrorCode(String kind) {
        Jdbc jdbc = jdbc(kind);
        AuditLog audit = new AuditLog(jdbc, clock);
        AuditLog.Client client = new AuditLog.Client("192.0.2.1", "Firefox");
        // As CodeSending writes them: channel, DeliveryException.Reason in lower case, Twilio's code if any.
        audit.record(AuditLog.Event.CODE_SEND_FAILED, "old", client, "sms invalid_number 21211");
        clock.advance(Duration.ofHours(25));
        audit.record(AuditLog.Event.CODE_SEND_FAILED, "alice", client, "sms invalid_number 21211");
        audit.record(AuditLog.Event.CODE_SEND_FAILED, "bob", client, "voice invalid_number 21211");
        audit.record(AuditLog.Event.CODE_SEND_FAILED, "carol", client, "sms not_configured 20003");
        audit.record(AuditLog.Event.CODE_SEND_FAILED, "dave", client, "sms try_later");
        audit.record(AuditLog.Event.CODE_SEND_FAILED, "erin", client, "voice region_not_enabled 21408");
        // Refused before any provider was asked: not Twilio's failures.
        audit.record(AuditLog.Event.CODE_SEND_FAILED, "frank", client, "number not allowed");
        audit.record(AuditLog.Event.CODE_SEND_FAILED, "grace", client, "once had a confirmed phone");
        audit.record(AuditLog.Event.CODE_SEND_LIMITED, "heidi", client, "sends");

        Health.Snapshot now = new Health(jdbc, clock).snapshot(config);
        assertEquals(Map.of("21211", 2L, "20003", 1L, "21408", 1L, "unknown", 1L), now.failuresByCode());
        assertEquals("21211", now.failuresByCode().keySet().iterator().next(), "most first");
        assertEquals(Map.of("invalid_number", 2L, "not_configured", 1L, "try_later", 1L, "region_not_enabled", 1L),
                now.failuresByReason());
    }
}
