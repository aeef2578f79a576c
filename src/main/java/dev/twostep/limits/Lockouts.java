package dev.twostep.limits;

import static dev.twostep.db.Jdbc.params;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import dev.twostep.db.Jdbc;

/**
 * Consecutive failures per account, and locks that grow each time (NIST SP 800-63B 5.2.2): after
 * {@code threshold} failures in a row the account is locked for the next delay in the list (the last one
 * repeats); a success resets both the count and the delays.
 */
public final class Lockouts {
    /** Counts one failure; the upsert is a single statement, so parallel failures are all counted. */
    private static final String FAIL = "INSERT INTO lockouts (scope, username, failures, locks, locked_until)"
            + " VALUES (?, ?, 1, 0, 0) ON CONFLICT (scope, username) DO UPDATE SET failures = lockouts.failures + 1";
    private static final String READ = "SELECT failures, locks, locked_until FROM lockouts WHERE scope = ?"
            + " AND username = ?";
    /** Locks once per threshold reached: only the caller that sees the threshold moves locks on. */
    private static final String LOCK = "UPDATE lockouts SET locks = locks + 1, locked_until = ?"
            + " WHERE scope = ? AND username = ? AND locks = ?";
    private static final String RESET = "DELETE FROM lockouts WHERE scope = ? AND username = ?";

    private final Jdbc jdbc;
    private final String scope;
    private final int threshold;
    private final List<Duration> delays;

    public Lockouts(Jdbc jdbc, String scope, int threshold, List<Duration> delays) {
        if (threshold < 1 || threshold > 100 || delays.isEmpty()) {
            throw new IllegalArgumentException("threshold must be 1 to 100, with at least one delay");
        }
        this.jdbc = jdbc;
        this.scope = scope;
        this.threshold = threshold;
        this.delays = List.copyOf(delays);
    }

    /** How long the account stays locked, or empty. */
    public Optional<Duration> lockedFor(String username, long now) {
        return jdbc.queryOne("reading a lock", READ, params(scope, username), rs -> rs.getLong(3))
                .filter(until -> until > now).map(until -> Duration.ofMillis(until - now));
    }

    /**
     * Counts a failure.
     *
     * @return the lock it caused, or empty
     */
    public Optional<Duration> fail(String username, long now) {
        jdbc.update("counting a failure", FAIL, params(scope, username));
        long[] row = jdbc.queryOne("reading a lock", READ, params(scope, username),
                rs -> new long[] {rs.getLong(1), rs.getLong(2)}).orElseThrow();
        long failures = row[0];
        int locks = (int) row[1];
        if (failures < (long) threshold * (locks + 1)) {
            return Optional.empty();
        }
        Duration delay = delays.get(Math.min(locks, delays.size() - 1));
        boolean locked = jdbc.update("locking an account", LOCK, params(now + delay.toMillis(), scope, username, locks)) == 1;
        return locked ? Optional.of(delay) : Optional.empty();
    }

    public void reset(String username) {
        jdbc.update("resetting failures", RESET, params(scope, username));
    }

    public int threshold() {
        return threshold;
    }
}
