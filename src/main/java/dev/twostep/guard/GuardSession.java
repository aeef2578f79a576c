package dev.twostep.guard;

import java.util.Optional;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;

import dev.twostep.web.Csrf;

/**
 * Reads and moves the session through the two steps. Each step renews the session id, so an id planted
 * before sign-in (session fixation) is worthless after it.
 */
public final class GuardSession {
    static final String STATE = TwoStepFilter.class.getName() + ".state";

    private GuardSession() {
    }

    /** The state of this request's session, without creating a session. */
    public static Optional<GuardState> state(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        if (session == null) {
            return Optional.empty();
        }
        return Optional.ofNullable((GuardState) session.getAttribute(STATE));
    }

    /** Call when the first factor passed for this user: a code is owed next. */
    public static void firstStepPassed(HttpServletRequest request, String username) {
        HttpSession session = request.getSession(true);
        request.changeSessionId();
        Csrf.rotate(session);
        session.setAttribute(STATE, new GuardState(username, GuardState.Step.PASSWORD, 0));
    }

    /** Records the code just sent for this sign-in; earlier ones no longer count for this session. */
    public static void challengeSent(HttpServletRequest request, long challengeId) {
        GuardState state = state(request).orElseThrow(() -> new IllegalStateException("no sign-in under way"));
        request.getSession().setAttribute(STATE, state.withChallenge(challengeId));
    }

    /** Call when the code was accepted: the session is fully signed in. */
    public static void secondStepPassed(HttpServletRequest request) {
        GuardState state = state(request).orElseThrow(() -> new IllegalStateException("no sign-in under way"));
        HttpSession session = request.getSession();
        request.changeSessionId();
        Csrf.rotate(session);
        session.setAttribute(STATE, new GuardState(state.username(), GuardState.Step.VERIFIED, 0));
    }
}
