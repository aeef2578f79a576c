package dev.twostep.guard;

import java.io.Serializable;

/**
 * What the session has passed so far: only the user name, the step reached and the id of the code that
 * was sent. Never a user record, a hash or a code.
 *
 * @param challengeId the code sent for this sign-in, or 0 when none was sent yet
 */
public record GuardState(String username, Step step, long challengeId) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The steps of a sign-in. */
    public enum Step {
        /** The first factor passed (password or the host's own login); a code is still owed. */
        PASSWORD,
        /** Both steps passed. */
        VERIFIED
    }

    public boolean verified() {
        return step == Step.VERIFIED;
    }

    GuardState withChallenge(long id) {
        return new GuardState(username, step, id);
    }
}
