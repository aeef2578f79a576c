package dev.twostep.limits;

import static dev.twostep.db.Jdbc.params;

import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

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

    /** One event to count: the rule and what it is counted for. */
    public record Count(Rule rule, String subject) {
    }

    /**
     * What {@link #acquireAll} did: every event counted ({@code full} is -1), or none, because the
     * {@code full}-th count (the first full one in the order given) had no room for {@code retryAfter}.
     */
    public record Counted(List<Long> ids, int full, Duration retryAfter) {
        public boolean ok() {
            return full < 0;
        }
    }

    /**
     * Counts one event against each of several rules, or against none of them. As {@link #acquire} one
     * after the other, but in two trips to the database instead of two per rule: the events are recorded in
     * one transaction, and once it is committed each window is counted. Counting after the commit keeps
     * {@link #acquire}'s guarantee: of two callers racing for the last place, each counts the other's event
     * or is counted by the other, so both may be refused, never both let through. When a window is over its
     * limit, every event of this call is taken back, and the first full rule in the given order is named,
     * as the one-by-one loop would have stopped there.
     */
    public Counted acquireAll(List<Count> counts, long now) {
        if (counts.isEmpty()) {
            return new Counted(List.of(), -1, null);
        }
        List<Long> ids = new ArrayList<>(counts.size());
        for (int i = 0; i < counts.size(); i++) {
            ids.add(random.nextLong() & Long.MAX_VALUE);
        }
        jdbc.inTransaction("counting events", c -> {
            try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                for (int i = 0; i < counts.size(); i++) {
                    params(ids.get(i), counts.get(i).rule().kind(), counts.get(i).subject(), now).bind(ps);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
        long[][] windows;
        try {
            windows = countAll(counts, now);
        } catch (RuntimeException e) {
            releaseAll(ids);
            throw e;
        }
        for (int i = 0; i < counts.size(); i++) {
            Rule rule = counts.get(i).rule();
            if (windows[i][0] > rule.max()) {
                releaseAll(ids);
                return new Counted(List.of(), i, Duration.ofMillis(Math.max(1000, windows[i][1]
                        + rule.window().toMillis() - now)));
            }
        }
        return new Counted(List.copyOf(ids), -1, null);
    }

    /** Events in each count's window, and the oldest one's time, on one connection. */
    private long[][] countAll(List<Count> counts, long now) {
        return jdbc.withConnection("counting events", c -> {
            long[][] found = new long[counts.size()][];
            try (PreparedStatement ps = c.prepareStatement(COUNT)) {
                for (int i = 0; i < counts.size(); i++) {
                    Rule rule = counts.get(i).rule();
                    params(rule.kind(), counts.get(i).subject(), now - rule.window().toMillis()).bind(ps);
                    try (ResultSet rs = ps.executeQuery()) {
                        found[i] = rs.next() ? new long[] {rs.getLong(1), rs.getLong(2)} : new long[] {0, now};
                    }
                }
            }
            return found;
        });
    }

    /** Takes back events counted by {@link #acquire} or {@link #acquireAll}, in one statement. */
    public void releaseAll(List<Long> ids) {
        if (ids.isEmpty()) {
            return;
        }
        StringJoiner marks = new StringJoiner(", ", "DELETE FROM rate_events WHERE id IN (", ")");
        ids.forEach(id -> marks.add("?"));
        jdbc.update("taking back events", marks.toString(), params(ids.toArray()));
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
