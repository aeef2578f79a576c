package dev.twostep.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.servlet.http.HttpSession;

import org.junit.jupiter.api.Test;

/**
 * The guard's sign-out check with the time passed in: the shared record is read at most once per 30 s per
 * session, a sign-out made on this server counts at once, and the session that asked stays signed in.
 */
class SignOutCheckTest {
    private static final long T0 = 1_767_225_600_000L;
    private static final long INTERVAL = SignOutCheck.INTERVAL.toMillis();

    /** The database, as the check sees it: one user's latest sign-out, and how often it was read. */
    private final AtomicLong shared = new AtomicLong();
    private final AtomicInteger reads = new AtomicInteger();
    private final SignOutCheck check = new SignOutCheck(user -> {
        reads.incrementAndGet();
        return "alice".equals(user) ? shared.get() : 0;
    }, Duration.ofHours(12));

    /** A session with attributes only: all the check touches. */
    private static HttpSession session() {
        Map<String, Object> attributes = new HashMap<>();
        return (HttpSession) Proxy.newProxyInstance(SignOutCheckTest.class.getClassLoader(),
                new Class<?>[] {HttpSession.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getAttribute" -> attributes.get((String) args[0]);
                    case "setAttribute" -> attributes.put((String) args[0], args[1]);
                    case "removeAttribute" -> attributes.remove((String) args[0]);
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private static GuardState verified(String user, long since) {
        return new GuardState(user, GuardState.Step.VERIFIED, 0, 0, since, since);
    }

    @Test
    void aSignOutOnAnotherServerEndsTheSessionAtItsNextLookAfterTheInterval() {
        HttpSession session = session();
        GuardState state = verified("alice", T0);
        assertTrue(check.stands(session, state, T0 + 1));
        assertEquals(0, reads.get(), "a sign-in that just began has nothing to look up");

        shared.set(T0 + 1000);
        assertTrue(check.stands(session, state, T0 + INTERVAL - 1), "not looked up yet: up to 30 s late");
        assertEquals(0, reads.get());
        assertFalse(check.stands(session, state, T0 + INTERVAL), "30 s after the sign-in began, looked up");
        assertEquals(1, reads.get());
    }

    @Test
    void theRecordIsReadAtMostOncePerIntervalPerSession() {
        HttpSession session = session();
        GuardState state = verified("alice", T0);
        for (long t = T0; t < T0 + 10 * INTERVAL; t += 1000) {
            assertTrue(check.stands(session, state, t));
        }
        assertEquals(9, reads.get(), "one read per 30 s after the first 30 s");
    }

    @Test
    void aSignOutOnThisServerCountsAtOnceForEverySessionOfTheUser() {
        HttpSession one = session();
        HttpSession two = session();
        GuardState state = verified("alice", T0);
        assertTrue(check.stands(one, state, T0 + 5));
        check.signedOut("alice", T0 + 10);
        assertFalse(check.stands(one, state, T0 + 11));
        assertFalse(check.stands(two, state, T0 + 11));
        assertEquals(0, reads.get(), "no database read for that");
        assertTrue(check.stands(session(), verified("bob", T0), T0 + 11), "other users are left alone");
        assertTrue(check.stands(session(), verified("alice", T0 + 10), T0 + 12), "a sign-in from then on stands");
    }

    @Test
    void whatOneSessionReadCountsForTheOthersOnThisServer() {
        shared.set(T0 + 1000);
        HttpSession one = session();
        HttpSession two = session();
        assertTrue(check.stands(two, verified("alice", T0 + 10), T0 + 20));
        assertFalse(check.stands(one, verified("alice", T0), T0 + INTERVAL));
        assertFalse(check.stands(two, verified("alice", T0 + 10), T0 + INTERVAL + 1), "not looked up, but known here");
        assertEquals(1, reads.get());
    }

    @Test
    void theSessionThatAskedStaysSignedIn() {
        HttpSession asking = session();
        GuardState state = verified("alice", T0);
        // What keepSignedIn stores, before the sign-out is recorded.
        asking.setAttribute(SignOutCheck.STANDING, T0 + 100);
        shared.set(T0 + 100);
        check.signedOut("alice", T0 + 100);
        assertTrue(check.stands(asking, state, T0 + 101));
        assertTrue(check.stands(asking, state, T0 + 100 + INTERVAL), "nor does the shared record end it");
        assertFalse(check.stands(session(), state, T0 + 101), "another session of the same sign-in start does end");
    }

    @Test
    void aClockSetBackStillLooksTheRecordUp() {
        HttpSession session = session();
        GuardState state = verified("alice", T0);
        shared.set(T0 + 1);
        assertFalse(check.stands(session, state, T0 - INTERVAL));
    }

    @Test
    void signOutsOlderThanTheSessionLifetimeAreNotKept() {
        check.signedOut("alice", T0);
        long later = T0 + Duration.ofHours(13).toMillis();
        // Such a sign-in has reached its absolute lifetime; the guard ends it before this check.
        assertFalse(check.stands(session(), verified("alice", T0 - 1), T0 + 1));
        SignOutCheck fresh = new SignOutCheck(user -> T0, Duration.ofHours(12));
        HttpSession session = session();
        assertFalse(fresh.stands(session, verified("alice", T0 - 1), later), "still refused from the record");
    }
}
