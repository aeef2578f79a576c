package dev.twostep.guard;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** Small helpers for responses. */
public final class Http {
    /** 422: the form was understood but its content was refused; the page says why. */
    public static final int UNPROCESSABLE = 422;
    /** 429: a limit was reached; the page says how long to wait. */
    public static final int TOO_MANY = 429;

    private Http() {
    }

    /**
     * Redirects with 303 See Other (so a POST is followed by a GET) to a path inside this app; the
     * context path is always prefixed.
     */
    public static void seeOther(HttpServletRequest request, HttpServletResponse response, String path) {
        response.setStatus(HttpServletResponse.SC_SEE_OTHER);
        response.setHeader("Location", request.getContextPath() + path);
        response.setHeader("Cache-Control", "no-store");
    }
}
