package dev.twostep.audit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.twostep.db.Jdbc;
import dev.twostep.testing.MutableClock;
import dev.twostep.testing.OpenDatabases;
import dev.twostep.testing.TestDatabases;

/**
 * Trust on first use and the operator's reset (issue 15), on SQLite and PostgreSQL: a user whose trail shows
 * a factor may not set one up at sign-in, until an operator resets their factors; a factor confirmed after
 * the reset counts again; and the retention purge keeps the reset.
 */
class AuditLogResetTest {
    @RegisterExtension
    final OpenDatabases databases = new OpenDatabases();

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void anOperatorsResetLetsTheUserEnrollAgainOnce(String kind) {
        MutableClock clock = new MutableClock();
        AuditLog audit = new AuditLog(new Jdbc(databases.open(kind).database().dataSource()), clock);
        audit.record(AuditLog.Event.ENROLLED, "carl", null, "sms to ••71");
        audit.record(AuditLog.Event.AUTHENTICATOR_ADDED, "carl", null, "Phone");
        assertTrue(audit.hadConfirmedPhone("carl"));
        assertTrue(audit.hadConfirmedFactor("carl"));

        audit.record(AuditLog.Event.OPERATOR_FACTORS_RESET, "carl", null, "by olga: all; lost");
        assertFalse(audit.hadConfirmedPhone("carl"), "the factors before the reset no longer count");
        assertFalse(audit.hadConfirmedFactor("carl"));
        assertFalse(audit.hadConfirmedFactor("dana"), "nor does another user's trail");

        audit.record(AuditLog.Event.ENROLLED, "carl", null, "sms to ••99");
        assertTrue(audit.hadConfirmedPhone("carl"), "the phone set up after the reset counts");
        assertTrue(audit.hadConfirmedFactor("carl"));

        // Years later, the purge keeps what these answers rest on.
        audit.purgeBefore(Instant.ofEpochMilli(clock.millis()).plusSeconds(3600));
        assertTrue(audit.hadConfirmedFactor("carl"));
        audit.record(AuditLog.Event.OPERATOR_FACTORS_RESET, "carl", null, "by olga: all; lost again");
        audit.purgeBefore(Instant.ofEpochMilli(clock.millis()).plusSeconds(3600));
        assertFalse(audit.hadConfirmedFactor("carl"), "the reset outlives the purge");
    }
}
