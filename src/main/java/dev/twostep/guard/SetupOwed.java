package dev.twostep.guard;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;

/**
 * A signed-in session whose user still lacks a kind of factor the operator requires
 * ({@code twostep.factors.required}): the guard sends it to the set-up page instead of the protected pages,
 * until the set-up page finds nothing owed. Kept as a session flag, so the guard still reads no database.
 */
public final class SetupOwed {
    static final String ATTRIBUTE = SetupOwed.class.getName();

    private SetupOwed() {
    }

    public static boolean owed(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        return session != null && session.getAttribute(ATTRIBUTE) != null;
    }

    public static void set(HttpSession session) {
        session.setAttribute(ATTRIBUTE, Boolean.TRUE);
    }

    public static void clear(HttpSession session) {
        session.removeAttribute(ATTRIBUTE);
    }
}
