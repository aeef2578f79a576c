package dev.twostep.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;

/**
 * A notice for the next page of this session, shown once ("Your phone number was changed"). Kept in the
 * session, never in the URL: a URL with the notice would show it again from the history, after Back, or as
 * the page a later sign-in returns to.
 */
public final class Flash {
    static final String ATTRIBUTE = Flash.class.getName();

    private Flash() {
    }

    /** Leaves a notice, by its name, for the next page that takes it. */
    public static void set(HttpServletRequest request, String name) {
        request.getSession(true).setAttribute(ATTRIBUTE, name);
    }

    /** The notice left for this page, now taken (null when there is none). */
    public static String take(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        if (session == null) {
            return null;
        }
        Object name = session.getAttribute(ATTRIBUTE);
        if (name != null) {
            session.removeAttribute(ATTRIBUTE);
        }
        return name instanceof String s ? s : null;
    }
}
