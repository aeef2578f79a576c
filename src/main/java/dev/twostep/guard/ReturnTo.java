package dev.twostep.guard;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;

/**
 * Where to go after sign-in: the GET that was first asked for, saved in the session and read once.
 * Only paths inside this app are ever kept; anything that could leave it (another host, a scheme, a
 * backslash trick) is dropped.
 */
public final class ReturnTo {
    static final String ATTRIBUTE = ReturnTo.class.getName();
    static final int MAX_LENGTH = 2048;

    private ReturnTo() {
    }

    /**
     * The path if it is a path inside this app (relative to the context path), else null. Refuses
     * "//host", "/\host", schemes such as "https:" or "javascript:", control characters and backslashes.
     */
    public static String safe(String candidate) {
        if (candidate == null || candidate.isEmpty() || candidate.length() > MAX_LENGTH) {
            return null;
        }
        if (candidate.charAt(0) != '/') {
            return null;
        }
        if (candidate.length() > 1 && (candidate.charAt(1) == '/' || candidate.charAt(1) == '\\')) {
            return null;
        }
        for (int i = 0; i < candidate.length(); i++) {
            char ch = candidate.charAt(i);
            if (ch < 0x20 || ch == 0x7f || ch == '\\') {
                return null;
            }
        }
        return candidate;
    }

    /** Saves the current request when it is a GET, so sign-in can come back to it. */
    public static void saveIfGet(HttpServletRequest request) {
        if (!"GET".equals(request.getMethod())) {
            return;
        }
        String path = request.getRequestURI().substring(request.getContextPath().length());
        String query = request.getQueryString();
        save(request.getSession(true), query == null ? path : path + "?" + query);
    }

    /** Saves a path if it is safe; an unsafe one is ignored. */
    public static void save(HttpSession session, String path) {
        String safe = safe(path);
        if (safe != null) {
            session.setAttribute(ATTRIBUTE, safe);
        }
    }

    /** Reads and clears the saved path in one step, or gives the fallback. */
    public static String consume(HttpSession session, String fallback) {
        Object saved = session.getAttribute(ATTRIBUTE);
        session.removeAttribute(ATTRIBUTE);
        return saved instanceof String s && safe(s) != null ? s : fallback;
    }
}
