package dev.twostep.guard;

import java.security.Principal;
import java.text.Normalizer;
import java.util.Locale;
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
        if (user == null || user.length() > 255) {
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
        Object value;
        if (config.identity() == TwostepConfig.Identity.CONTAINER) {
            value = request.getRemoteUser();
        } else {
            HttpSession session = request.getSession(false);
            value = session == null ? null : session.getAttribute(config.identityAttribute());
            if (value instanceof Principal p) {
                value = p.getName();
            }
        }
        if (!(value instanceof String s) || s.isBlank()) {
            return null;
        }
        // Realms that ignore case (LDAP, most databases) sign in "Alice" and "alice" as one person: so must we.
        String name = Normalizer.normalize(s.strip(), Normalizer.Form.NFC);
        return config.identityLowercase() ? name.toLowerCase(Locale.ROOT) : name;
    }

    /** Call when Twostep's own first factor (the password) passed for this user: a code is owed next. */
    public static void firstStepPassed(HttpServletRequest request, String username) {
        HttpSession session = request.getSession(true);
        request.changeSessionId();
        Csrf.rotate(session);
        session.setAttribute(STATE, new GuardState(username, GuardState.Step.PASSWORD, 0));
    }

    /**
     * Records the code just sent for this sign-in (0: none); earlier ones no longer count for this session.
     * Nothing changes when the session moved on meanwhile (another sign-in on the same session).
     */
    public static void challengeSent(HttpServletRequest request, GuardState expected, long challengeId) {
        HttpSession session = request.getSession();
        // Tomcat and Jetty hand out one object per session, so it serves as the lock; where a container does
        // not, the comparison with the expected state still keeps a code from verifying another sign-in.
        synchronized (session) {
            if (expected.equals(session.getAttribute(STATE))) {
                session.setAttribute(STATE, expected.withChallenge(challengeId));
            }
        }
    }

    /**
     * Call when the code of {@code verified} was accepted: the session is fully signed in, for that state's
     * user. When the session changed while the code was checked (a sign-in as someone else in parallel),
     * nothing is marked and false comes back: a code only ever verifies the sign-in it was sent for.
     */
    public static boolean secondStepPassed(HttpServletRequest request, GuardState verified) {
        HttpSession session = request.getSession();
        synchronized (session) {
            if (!verified.equals(session.getAttribute(STATE))) {
                return false;
            }
            request.changeSessionId();
            Csrf.rotate(session);
            session.setAttribute(STATE, new GuardState(verified.username(), GuardState.Step.VERIFIED, 0));
            return true;
        }
    }
}
