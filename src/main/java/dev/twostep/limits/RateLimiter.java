package dev.twostep.limits;

import static dev.twostep.db.Jdbc.params;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;

import dev.twostep.db.Jdbc;

/**
 * Sliding-window limits kept in the database: an event is recorded first and then the window is counted,
 * and an event over the limit is taken back. Two servers (or threads) racing for the last place may both
 * be refused, never both let through.
 */
public final class RateLimiter {
    private static final String INSERT = "INSERT INTO rate_events (id, kind, subject, at) VALUES (?, ?, ?, ?)";
    private static final String COUNT = "SELECT COUNT(*), MIN(at) FROM rate_events WHERE kind = ? AND subject = ?"
            + " AND at > ?";
    private static final String DELETE = "DELETE FROM rate_events WHERE id = ?";
    private static final String PURGE = "DELETE FROM rate_events WHERE id IN (SELECT id FROM rate_events WHERE at < ?"
            + " LIMIT ?)";
    private static final int PURGE_BATCH = 1000;
    /**
     * How long events are kept: longer than any window, which the settings cap at a day
     * (twostep.limits.send-window-seconds; the cost guard's is an hour). A {@link Rule} with a longer
     * window is refused, so a purge never drops an event a window still counts.
     */
    public static final Duration KEEP = Duration.ofDays(2);

    private final Jdbc jdbc;
    private final SecureRandom random = new SecureRandom();

    public RateLimiter(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** A limit: at most {@code max} events per {@code window}, which is at most {@link #KEEP}. */
    public record Rule(String kind, int max, Duration window) {
        public Rule {
            if (window.compareTo(KEEP) > 0) {
                throw new IllegalArgumentException("a window longer than " + KEEP + " would lose events to purge()");
            }
        }
    }

    /**
     * Counts one event against the rule.
     *
     * @return the event's id, to take it back with {@link #release}
     * @throws LimitedException when the window is full; nothing is counted then
     */
    public long acquire(Rule rule, String subject, long now, LimitedException.Limit limit) throws LimitedException {
        long id = random.nextLong() & Long.MAX_VALUE;
        jdbc.update("counting an event", INSERT, params(id, rule.kind(), subject, now));
        long[] countAndOldest = count(rule, subject, now);
        if (countAndOldest[0] > rule.max()) {
            release(id);
            long waitMillis = Math.max(1000, countAndOldest[1] + rule.window().toMillis() - now);
            throw new LimitedException(limit, Duration.ofMillis(waitMillis));
        }
        return id;
    }

    /** Events in the rule's window, and the oldest one's time. */
    long[] count(Rule rule, String subject, long now) {
        return jdbc.queryOne("counting events", COUNT, params(rule.kind(), subject, now - rule.window().toMillis()),
                rs -> new long[] {rs.getLong(1), rs.getLong(2)}).orElse(new long[] {0, now});
    }

    public void release(long id) {
        jdbc.update("taking back an event", DELETE, params(id));
    }

    /**
     * Deletes events older than {@link #KEEP} before {@code now}, a batch at a time (run by the retention
     * job, hourly).
     *
     * @return the rows removed
     */
    public long purge(Instant now) {
        return jdbc.deleteInBatches("purging old events", PURGE, PURGE_BATCH, now.minus(KEEP).toEpochMilli());
    }
}
