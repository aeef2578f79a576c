package dev.twostep.guard;

import java.security.Principal;
import java.text.Normalizer;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;

import dev.twostep.config.TwostepConfig;

/**
 * Reads and moves the session through the two steps. Each step Twostep runs renews the session id, so an
 * id planted before sign-in (session fixation) is worthless after it.
 */
public final class GuardSession {
    static final String STATE = TwoStepFilter.class.getName() + ".state";
    /**
     * The user a BASIC or DIGEST container login named when the guard first saw it in this session. Those
     * logins are not cached in the session: the container only authenticates paths under a security
     * constraint, so on the guard's own (unconstrained) pages the request names nobody. The guard's pages
     * carry this name instead; the protected pages still need the container's user, and the same one.
     */
    static final String CARRIED = TwoStepFilter.class.getName() + ".carried";

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
     * No database is read but at most once per {@link SignOutCheck#INTERVAL} per session, for "sign out
     * everywhere". A sign-in older than the absolute session lifetime ends here: the session is invalidated,
     * so the host's own login in it ends too. A sign-in that began before its user signed out everywhere ends
     * here as well: with Twostep's own login the session is invalidated; with the host's, only the guard's
     * state is dropped, so the user is asked for the code again.
     */
    public static Optional<GuardState> current(HttpServletRequest request, TwostepConfig config, long now) {
        return current(request, config, now, false);
    }

    /**
     * As {@link #current(HttpServletRequest, TwostepConfig, long)}, for the guard's own pages when
     * {@code ownPage}: there, a BASIC or DIGEST login the guard saw on a protected page of this session still
     * counts although the container names nobody on these unconstrained paths.
     */
    public static Optional<GuardState> current(HttpServletRequest request, TwostepConfig config, long now,
                                               boolean ownPage) {
        Optional<GuardState> stored = state(request);
        if (stored.isPresent() && now - stored.get().since() >= config.sessionMaxAge().toMillis()) {
            // The absolute lifetime: however active, a sign-in ends after twostep.session.max-minutes.
            request.getSession().invalidate();
            stored = Optional.empty();
        }
        if (stored.isPresent() && !SignOutCheck.of(request.getServletContext())
                .stands(request.getSession(), stored.get(), now)) {
            // Signed out everywhere since this sign-in began: both steps again. With Twostep's own login that
            // means the whole session; a host's own login stands, so only the guard's state goes, and the
            // user is asked for the code again.
            if (config.identity() == TwostepConfig.Identity.TWOSTEP) {
                request.getSession().invalidate();
            } else {
                request.getSession().removeAttribute(STATE);
            }
            stored = Optional.empty();
        }
        if (config.identity() == TwostepConfig.Identity.TWOSTEP) {
            return stored;
        }
        String user = hostUser(request, config);
        if (user == null && ownPage && stored.isPresent() && carried(request, stored.get().username())) {
            return stored;
        }
        if (user == null || user.length() > 255) {
            stored.ifPresent(s -> request.getSession().removeAttribute(STATE));
            return Optional.empty();
        }
        if (stored.isPresent() && stored.get().username().equals(user)) {
            return stored;
        }
        GuardState fresh = GuardState.firstStep(user, now);
        HttpSession session = request.getSession(true);
        session.setAttribute(STATE, fresh);
        String authType = request.getAuthType();
        if (HttpServletRequest.BASIC_AUTH.equals(authType) || HttpServletRequest.DIGEST_AUTH.equals(authType)) {
            session.setAttribute(CARRIED, user);
        } else {
            session.removeAttribute(CARRIED);
        }
        return Optional.of(fresh);
    }

    private static boolean carried(HttpServletRequest request, String username) {
        HttpSession session = request.getSession(false);
        return session != null && username.equals(session.getAttribute(CARRIED));
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
    public static GuardState firstStepPassed(HttpServletRequest request, String username, long now) {
        HttpSession session = request.getSession(true);
        request.changeSessionId();
        CsrfTokens.rotate(session);
        GuardState state = GuardState.firstStep(username, now);
        session.setAttribute(STATE, state);
        return state;
    }

    /**
     * Records the code just sent for this sign-in; earlier ones no longer count for this session. When two
     * codes were sent at once (a double click), the session keeps the newer one, which is the one still
     * live: the sender of the newer code revoked the older. Nothing changes when the session moved on
     * meanwhile (another sign-in on the same session).
     *
     * @return the state now in the session, or empty when it moved on
     */
    public static Optional<GuardState> challengeSent(HttpServletRequest request, GuardState expected, long challengeId,
                                                     long createdAt) {
        HttpSession session = request.getSession();
        // Tomcat and Jetty hand out one object per session, so it serves as the lock; where a container does
        // not, the comparison with the expected state still keeps a code from verifying another sign-in.
        synchronized (session) {
            if (!(session.getAttribute(STATE) instanceof GuardState now) || !sameSignIn(now, expected)) {
                return Optional.empty();
            }
            if (now.challengeId() != 0 && !now.challengeOlderThan(challengeId, createdAt)) {
                return Optional.of(now);
            }
            GuardState updated = now.withChallenge(challengeId, createdAt);
            session.setAttribute(STATE, updated);
            return Optional.of(updated);
        }
    }

    /** The same user at the same step of the same sign-in, whatever code each has. */
    private static boolean sameSignIn(GuardState a, GuardState b) {
        return a.username().equals(b.username()) && a.step() == b.step() && a.since() == b.since();
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
            markVerified(request, session, verified);
            return true;
        }
    }

    /**
     * As {@link #secondStepPassed}, for a factor that needs nothing sent (an authenticator app): its code
     * belongs to the user, not to a sent code, so the check is that the session is still at the code step
     * of the same sign-in ({@code atCodeStep}'s user, step and start), whatever code was sent meanwhile.
     * A sent code still only verifies the exact state it was sent for.
     */
    public static boolean secondStepPassedWithoutChallenge(HttpServletRequest request, GuardState atCodeStep) {
        return passWithoutChallenge(request, atCodeStep, true);
    }

    /**
     * As {@link #secondStepPassedWithoutChallenge}, for a remembered device: the session is signed in, but
     * the second step was answered by the browser, not by the person, so it never counts as a fresh one
     * ({@link GuardState#verifiedWithin} is false): adding or removing a factor then asks for a real one.
     */
    public static boolean secondStepPassedByRememberedDevice(HttpServletRequest request, GuardState atCodeStep) {
        return passWithoutChallenge(request, atCodeStep, false);
    }

    private static boolean passWithoutChallenge(HttpServletRequest request, GuardState atCodeStep, boolean fresh) {
        HttpSession session = request.getSession();
        synchronized (session) {
            if (atCodeStep.verified() || !(session.getAttribute(STATE) instanceof GuardState now)
                    || !sameSignIn(now, atCodeStep)) {
                return false;
            }
            markVerified(request, session, now, fresh);
            return true;
        }
    }

    /**
     * Sends a fully signed-in session back to the code step, for a page that wants the second step passed
     * again before a change (removing a factor): the same user and sign-in ({@code since} is kept, so the
     * absolute lifetime still counts from the password), nothing sent yet. The session id and the CSRF token
     * are renewed as at every step. The state keeps when the second step last passed, which marks it as
     * {@linkplain GuardState#steppingUp() stepping up}.
     *
     * @return false when the session is no longer in {@code verified}'s sign-in (nothing changed then)
     */
    public static boolean stepUp(HttpServletRequest request, GuardState verified) {
        HttpSession session = request.getSession();
        synchronized (session) {
            if (!verified.verified() || !(session.getAttribute(STATE) instanceof GuardState now)
                    || !sameSignIn(now, verified)) {
                return false;
            }
            request.changeSessionId();
            CsrfTokens.rotate(session);
            session.setAttribute(STATE, new GuardState(now.username(), GuardState.Step.PASSWORD, 0, 0, now.since(),
                    now.verifiedAt() == 0 ? now.since() : now.verifiedAt()));
            return true;
        }
    }

    private static void markVerified(HttpServletRequest request, HttpSession session, GuardState verified) {
        markVerified(request, session, verified, true);
    }

    /** @param fresh whether the person passed it now (else verifiedAt stays 0: never fresh) */
    private static void markVerified(HttpServletRequest request, HttpSession session, GuardState verified,
                                     boolean fresh) {
        request.changeSessionId();
        CsrfTokens.rotate(session);
        session.setAttribute(STATE, new GuardState(verified.username(), GuardState.Step.VERIFIED, 0, 0,
                verified.since(), fresh ? now(request) : 0));
    }

    /**
     * The time by the clock the guard shares through the ServletContext (TwostepListener puts it there; a
     * test puts a movable one), so the callers that pass a step need not carry it.
     */
    private static long now(HttpServletRequest request) {
        Clock clock = Attributes.find(request.getServletContext(), Clock.class);
        return (clock == null ? Clock.systemUTC() : clock).millis();
    }
}
