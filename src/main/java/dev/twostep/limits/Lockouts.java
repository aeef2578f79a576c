package dev.twostep.limits;

import static dev.twostep.db.Jdbc.params;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import dev.twostep.db.Jdbc;

/**
 * Consecutive failures per account, and locks that grow each time (NIST SP 800-63B 5.2.2): after
 * {@code threshold} failures in a row the account is locked for the next delay in the list (the last one
 * repeats); a success resets both the count and the delays. With a cap, {@code cap} failures in a row
 * without a success lock for good: only {@link #reset} (an operator, or another proof of identity) opens it
 * again, so guessing stops instead of going on at one try per lock forever.
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
    /** Locks for good; only the caller that moves the row there is told, so the user is notified once. */
    private static final String BLOCK = "UPDATE lockouts SET locked_until = ? WHERE scope = ? AND username = ?"
            + " AND locked_until <> ?";
    private static final String UNDO = "UPDATE lockouts SET failures = failures - 1 WHERE scope = ? AND username = ?"
            + " AND failures > 0";

    private final Jdbc jdbc;
    private final String scope;
    private final int threshold;
    private final List<Duration> delays;
    private final int cap;

    public Lockouts(Jdbc jdbc, String scope, int threshold, List<Duration> delays) {
        this(jdbc, scope, threshold, delays, Integer.MAX_VALUE);
    }

    /**
     * @param cap consecutive failures after which the lock is for good ({@link Integer#MAX_VALUE}: never)
     */
    public Lockouts(Jdbc jdbc, String scope, int threshold, List<Duration> delays, int cap) {
        if (threshold < 1 || threshold > 100 || delays.isEmpty() || cap < threshold) {
            throw new IllegalArgumentException("threshold must be 1 to 100, with at least one delay, and the cap at"
                    + " least the threshold");
        }
        this.jdbc = jdbc;
        this.scope = scope;
        this.threshold = threshold;
        this.delays = List.copyOf(delays);
        this.cap = cap;
    }

    /** True for the wait of a lock for good (until {@link #reset}). */
    public static boolean permanent(Duration wait) {
        return wait.toDays() > 36_500;
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
        if (failures >= cap) {
            boolean blocked = jdbc.update("locking an account for good", BLOCK,
                    params(Long.MAX_VALUE, scope, username, Long.MAX_VALUE)) == 1;
            return blocked ? Optional.of(Duration.ofMillis(Long.MAX_VALUE - now)) : Optional.empty();
        }
        if (failures < (long) threshold * (locks + 1)) {
            return Optional.empty();
        }
        Duration delay = delays.get(Math.min(locks, delays.size() - 1));
        boolean locked = jdbc.update("locking an account", LOCK, params(now + delay.toMillis(), scope, username, locks)) == 1;
        return locked ? Optional.of(delay) : Optional.empty();
    }

    /**
     * Counts a try before it is checked (for passwords, whose check is slow): parallel tries cannot all
     * slip in before the lock. A try refused here is not counted.
     *
     * @return empty when the try may go ahead (call {@link #reset} if it succeeds), or how long to wait
     */
    public Optional<Duration> attempt(String username, long now) {
        jdbc.update("counting a try", FAIL, params(scope, username));
        long[] row = jdbc.queryOne("reading a lock", READ, params(scope, username),
                rs -> new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)}).orElseThrow();
        long failures = row[0];
        int locks = (int) row[1];
        long until = row[2];
        if (until > now) {
            jdbc.update("taking back a try", UNDO, params(scope, username));
            return Optional.of(Duration.ofMillis(until - now));
        }
        long boundary = (long) threshold * (locks + 1);
        Duration delay = delays.get(Math.min(locks, delays.size() - 1));
        if (failures > boundary) {
            // A parallel try took the last place before the lock, which it sets now.
            jdbc.update("taking back a try", UNDO, params(scope, username));
            return Optional.of(delay);
        }
        if (failures == boundary) {
            // The last try before the lock: lock now; a success clears it with reset().
            jdbc.update("locking an account", LOCK, params(now + delay.toMillis(), scope, username, locks));
        }
        return Optional.empty();
    }

    public void reset(String username) {
        jdbc.update("resetting failures", RESET, params(scope, username));
    }

    /** A row of the lockouts table as an operator sees it: failures in a row, locks so far, locked until. */
    public record State(int failures, int locks, long lockedUntil) {
        public boolean lockedAt(long now) {
            return lockedUntil > now;
        }
    }

    /** The failures and lock of {@code key} in {@code scope}, read without an instance (the operators' console). */
    public static Optional<State> state(Jdbc jdbc, String scope, String key) {
        return jdbc.queryOne("reading a lock", READ, params(scope, key),
                rs -> new State(rs.getInt(1), rs.getInt(2), rs.getLong(3)));
    }

    /** Clears the failures and lock of {@code key} in {@code scope}, as a success would; true if there were any. */
    public static boolean clear(Jdbc jdbc, String scope, String key) {
        return jdbc.update("clearing a lock", RESET, params(scope, key)) > 0;
    }

    public int threshold() {
        return threshold;
    }
}
