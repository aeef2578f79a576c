package dev.twostep.guard;

import java.security.Principal;
import java.util.Optional;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;

import dev.twostep.config.TwostepConfig;
import dev.twostep.web.Csrf;

/**
 * Reads and moves the session through the two steps. Each step Twostep runs renews the session id, so an
 * id planted before sign-in (session fixation) is worthless after it.
 */
public final class GuardSession {
    static final String STATE = TwoStepFilter.class.getName() + ".state";

    private GuardSession() {
    }

    /** The state stored in this request's session, without creating a session. */
    public static Optional<GuardState> state(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        if (session == null) {
            return Optional.empty();
        }
        return Optional.ofNullable((GuardState) session.getAttribute(STATE));
    }

    /**
     * The state for whoever the host says is signed in now. With the host's own login (container or
     * session attribute) a user the host signed in starts at the code step; a state left from another user
     * or from a host sign-out is dropped. With Twostep's own login the stored state is the whole truth.
     * No database is read.
     */
    public static Optional<GuardState> current(HttpServletRequest request, TwostepConfig config) {
        Optional<GuardState> stored = state(request);
        if (config.identity() == TwostepConfig.Identity.TWOSTEP) {
            return stored;
        }
        String user = hostUser(request, config);
        if (user == null) {
            stored.ifPresent(s -> request.getSession().removeAttribute(STATE));
            return Optional.empty();
        }
        if (stored.isPresent() && stored.get().username().equals(user)) {
            return stored;
        }
        GuardState fresh = new GuardState(user, GuardState.Step.PASSWORD, 0);
        request.getSession(true).setAttribute(STATE, fresh);
        return Optional.of(fresh);
    }

    /** Who the host app says is signed in, or null. */
    static String hostUser(HttpServletRequest request, TwostepConfig config) {
        if (config.identity() == TwostepConfig.Identity.CONTAINER) {
            String user = request.getRemoteUser();
            return user == null || user.isBlank() ? null : user;
        }
        HttpSession session = request.getSession(false);
        Object value = session == null ? null : session.getAttribute(config.identityAttribute());
        if (value instanceof Principal p) {
            value = p.getName();
        }
        return value instanceof String s && !s.isBlank() ? s : null;
    }

    /** Call when Twostep's own first factor (the password) passed for this user: a code is owed next. */
    public static void firstStepPassed(HttpServletRequest request, String username) {
        HttpSession session = request.getSession(true);
        request.changeSessionId();
        Csrf.rotate(session);
        session.setAttribute(STATE, new GuardState(username, GuardState.Step.PASSWORD, 0));
    }

    /** Records the code just sent for this sign-in (0: none); earlier ones no longer count for this session. */
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
