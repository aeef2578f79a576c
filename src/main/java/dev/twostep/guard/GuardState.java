package dev.twostep.guard;

import java.io.Serializable;

/**
 * What the session has passed so far: only the user name, the step reached, when the sign-in began, the
 * id and time of the code that was sent, and when the second step last passed. Never a user record, a hash
 * or a code.
 *
 * @param challengeId the code sent for this sign-in, or 0 when none was sent yet
 * @param challengeAt when that code was made (epoch ms), to tell the newest of two sent at once
 * @param since when the first step passed (epoch ms), for the absolute session lifetime
 * @param verifiedAt when the second step last passed in this sign-in (epoch ms), or 0 when it never did; kept
 *     while the session steps up again ({@link #steppingUp()}), so pages that change factors can ask for a
 *     second step passed recently
 */
public record GuardState(String username, Step step, long challengeId, long challengeAt, long since,
                         long verifiedAt) implements Serializable {
    private static final long serialVersionUID = 3L;

    /** The steps of a sign-in. */
    public enum Step {
        /** The first factor passed (password or the host's own login); a code is still owed. */
        PASSWORD,
        /** Both steps passed. */
        VERIFIED
    }

    static GuardState firstStep(String username, long now) {
        return new GuardState(username, Step.PASSWORD, 0, 0, now, 0);
    }

    public boolean verified() {
        return step == Step.VERIFIED;
    }

    /**
     * True when this session passed both steps once and was sent back to the code step to confirm it is still
     * the same person ({@link GuardSession#stepUp}). A remembered device does not spare that confirmation.
     */
    public boolean steppingUp() {
        return step == Step.PASSWORD && verifiedAt != 0;
    }

    /** True when both steps are passed and the second one passed at most {@code within} before {@code now}. */
    public boolean verifiedWithin(java.time.Duration within, long now) {
        return verified() && verifiedAt != 0 && now - verifiedAt <= within.toMillis();
    }

    GuardState withChallenge(long id, long createdAt) {
        return new GuardState(username, step, id, createdAt, since, verifiedAt);
    }

    /** True when this state's code was made before that one (ties in one millisecond broken by id). */
    boolean challengeOlderThan(long id, long createdAt) {
        return challengeAt < createdAt || (challengeAt == createdAt && challengeId < id);
    }
}
