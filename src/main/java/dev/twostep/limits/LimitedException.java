package dev.twostep.limits;

import java.time.Duration;

/** A limit was reached; {@link #retryAfter()} says how long to wait. */
public final class LimitedException extends Exception {

    /** Which limit; each is one sentence on the page. */
    public enum Limit {
        /** Codes sent to this user, number or address recently. */
        SENDS,
        /** Codes sent by the whole server this hour (the cost guard). */
        GLOBAL_SENDS,
        /** Too many wrong codes: the second step is locked for a while. */
        CODE_LOCK,
        /** The cap of wrong codes without a success: the second step is locked until an operator unlocks it. */
        CODE_BLOCKED,
        /** Too many failed passwords for the account or from the address. */
        PASSWORD_LOCK
    }

    private final Limit limit;
    private final Duration retryAfter;

    public LimitedException(Limit limit, Duration retryAfter) {
        super(limit + " for " + retryAfter.toSeconds() + " s", null, false, false);
        this.limit = limit;
        this.retryAfter = retryAfter;
    }

    public Limit limit() {
        return limit;
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    /** Whole minutes to wait, rounded up, at least 1, for messages. */
    public long minutes() {
        return minutes(retryAfter);
    }

    /** Whole minutes of a wait, rounded up, at least 1, for messages. */
    public static long minutes(Duration wait) {
        return Math.max(1, (wait.toSeconds() + 59) / 60);
    }
}
