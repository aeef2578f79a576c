package dev.twostep.guard;

import java.io.Serializable;

/**
 * What the session has passed so far: only the user name, the step reached, when the sign-in began, and
 * the id and time of the code that was sent. Never a user record, a hash or a code.
 *
 * @param challengeId the code sent for this sign-in, or 0 when none was sent yet
 * @param challengeAt when that code was made (epoch ms), to tell the newest of two sent at once
 * @param since when the first step passed (epoch ms), for the absolute session lifetime
 */
public record GuardState(String username, Step step, long challengeId, long challengeAt, long since)
        implements Serializable {
    private static final long serialVersionUID = 2L;

    /** The steps of a sign-in. */
    public enum Step {
        /** The first factor passed (password or the host's own login); a code is still owed. */
        PASSWORD,
        /** Both steps passed. */
        VERIFIED
    }

    static GuardState firstStep(String username, long now) {
        return new GuardState(username, Step.PASSWORD, 0, 0, now);
    }

    public boolean verified() {
        return step == Step.VERIFIED;
    }

    GuardState withChallenge(long id, long createdAt) {
        return new GuardState(username, step, id, createdAt, since);
    }

    /** True when this state's code was made before that one (ties in one millisecond broken by id). */
    boolean challengeOlderThan(long id, long createdAt) {
        return challengeAt < createdAt || (challengeAt == createdAt && challengeId < id);
    }
}
