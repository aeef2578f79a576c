package dev.twostep.guard;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;

/**
 * "Sign out everywhere" as the guard sees it: a sign-in that began before its user's latest sign-out no
 * longer counts. The time is shared through the database, so every server on it sees it; but the guard
 * answers most requests from the session alone, so a session looks the time up at most once per
 * {@link #INTERVAL}. On the server where the sign-out happened it counts at once for every session
 * (a record in memory); another server's sessions of that user end within {@link #INTERVAL}.
 *
 * <p>A sign-in's start is its {@link GuardState#since()} (when the first step passed), or later for the
 * session that asked for the sign-out, which stays signed in ({@link #keepSignedIn}). Servers sharing a
 * database need clocks kept in step (NTP), as for the absolute session lifetime.
 */
public final class SignOutCheck {
    /** How often a session looks up its user's sign-out time in the database, at most. */
    public static final Duration INTERVAL = Duration.ofSeconds(30);
    /** When this session last looked the time up (epoch ms, a Long). */
    static final String CHECKED = TwoStepFilter.class.getName() + ".signOutCheckedAt";
    /**
     * For the session that signed its user out everywhere: the sign-out's time (epoch ms, a Long), which its
     * sign-in counts as having begun at. A later sign-in in the same session has a later {@code since}, so a
     * value left from an earlier user or sign-in never outweighs it.
     */
    static final String STANDING = TwoStepFilter.class.getName() + ".standingSince";
    /** Entries kept in memory before the ones no session can still be older than are pruned. */
    private static final int PRUNE_ABOVE = 10_000;

    /** Where sign-outs are shared between servers. */
    @FunctionalInterface
    public interface Store {
        /** The user's latest sign-out time (epoch ms), or 0 when there is none. */
        long signedOutAt(String username);
    }

    private final Store store;
    private final long maxAgeMillis;
    private final Map<String, Long> known = new ConcurrentHashMap<>();

    /**
     * @param store the shared sign-out times
     * @param sessionMaxAge the absolute lifetime of a sign-in: sign-outs older than it concern no live session
     */
    public SignOutCheck(Store store, Duration sessionMaxAge) {
        this.store = Objects.requireNonNull(store, "store");
        this.maxAgeMillis = sessionMaxAge.toMillis();
    }

    public static SignOutCheck of(ServletContext context) {
        return Attributes.require(context, SignOutCheck.class);
    }

    /**
     * Keeps the session of this request signed in through a sign-out at {@code at}: call before the sign-out
     * is recorded, so that the session's own next request does not find itself signed out. The session id
     * and its CSRF token are renewed too: an id someone copied, the likely reason for the sign-out, ends here.
     */
    public static void keepSignedIn(HttpServletRequest request, long at) {
        HttpSession session = request.getSession();
        session.setAttribute(STANDING, at);
        request.changeSessionId();
        CsrfTokens.rotate(session);
    }

    /**
     * Notes a sign-out recorded in the database by this server: from now on, this server refuses the older
     * sign-ins of the user at once, whatever the interval.
     */
    public void signedOut(String username, long at) {
        note(username, at, at);
    }

    /**
     * Whether the sign-in in this session still counts. Reads the database only when the session has not
     * looked for {@link #INTERVAL} (by its clock: since its sign-in began or it last looked).
     */
    boolean stands(HttpSession session, GuardState state, long now) {
        long begun = Math.max(state.since(), time(session, STANDING));
        Long here = known.get(state.username());
        if (here != null && begun < here) {
            return false;
        }
        long looked = Math.max(begun, time(session, CHECKED));
        // Both ways: a clock set back (or a sign-in from a server whose clock runs ahead) still gets looked up.
        if (Math.abs(now - looked) < INTERVAL.toMillis()) {
            return true;
        }
        long shared = store.signedOutAt(state.username());
        note(state.username(), shared, now);
        session.setAttribute(CHECKED, now);
        return begun >= shared;
    }

    private void note(String username, long at, long now) {
        if (at <= now - maxAgeMillis) {
            // Every sign-in older than that has reached its absolute lifetime already.
            return;
        }
        known.merge(username, at, Math::max);
        if (known.size() > PRUNE_ABOVE) {
            known.values().removeIf(t -> t <= now - maxAgeMillis);
        }
    }

    private static long time(HttpSession session, String name) {
        return session.getAttribute(name) instanceof Long l ? l : 0L;
    }
}
