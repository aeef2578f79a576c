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
        LOCKED
    }

    public boolean accepted() {
        return outcome == Outcome.ACCEPTED;
    }

    static VerifyResult of(Outcome outcome) {
        return new VerifyResult(outcome, 0, null, null);
    }

    static VerifyResult locked(java.time.Duration retryAfter) {
        return new VerifyResult(Outcome.LOCKED, 0, null, retryAfter);
    }
}
