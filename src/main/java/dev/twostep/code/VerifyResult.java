package dev.twostep.code;

/** What checking a typed code came to. */
public record VerifyResult(Outcome outcome, int attemptsLeft, Challenge challenge, java.time.Duration retryAfter) {

    public enum Outcome {
        /** Right code, now used up. */
        ACCEPTED,
        /** Wrong code; {@link #attemptsLeft()} tries remain. */
        WRONG,
        /** The code's lifetime is over. */
        EXPIRED,
        /** Too many wrong tries: the code is dead. */
        TOO_MANY_ATTEMPTS,
        /** No live code: already used, replaced by a newer one, or never sent. */
        NOT_ACTIVE,
        /** Not a code of the configured form (digits of the configured length). */
        MALFORMED,
        /** Too many wrong codes in a row for this account: locked for {@link #retryAfter()}. */
        LOCKED,
        /**
         * The cap of wrong codes without a success was reached: locked until an operator unlocks it. When this
         * very try reached the cap, {@link #challenge()} is the code it was for (to tell its phone).
         */
        BLOCKED
    }

    public boolean accepted() {
        return outcome == Outcome.ACCEPTED;
    }

    static VerifyResult of(Outcome outcome) {
        return new VerifyResult(outcome, 0, null, null);
    }

    static VerifyResult locked(java.time.Duration retryAfter) {
        return dev.twostep.limits.Lockouts.permanent(retryAfter) ? new VerifyResult(Outcome.BLOCKED, 0, null, null)
                : new VerifyResult(Outcome.LOCKED, 0, null, retryAfter);
    }

    /** This try reached the cap: blocked from now on. */
    static VerifyResult justBlocked(Challenge challenge) {
        return new VerifyResult(Outcome.BLOCKED, 0, challenge, null);
    }
}
