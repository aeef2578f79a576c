package dev.twostep.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;


import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

/**
 * Synchronizer tokens against cross-site request forgery: one random token per session, put in every
 * form as the hidden field {@value #FIELD}, compared in constant time, and replaced at each sign-in step.
 */
public final class Csrf {
    public static final String FIELD = "twostep_csrf";
    static final String ATTRIBUTE = Csrf.class.getName() + ".token";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Csrf() {
    }

    /** This session's token, creating the session and the token when needed. */
    public static String token(HttpServletRequest request) {
        HttpSession session = request.getSession(true);
        Object token = session.getAttribute(ATTRIBUTE);
        if (token instanceof String s) {
            return s;
        }
        return rotate(session);
    }

    /** Gives the session a new token (at each sign-in step). */
    public static String rotate(HttpSession session) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        session.setAttribute(ATTRIBUTE, token);
        return token;
    }

    /**
     * For the guard's own forms: answers 403 to a request without this session's token, whether or not the
     * host app mapped {@link CsrfFilter} in front of the guard's pages (a forgotten mapping stays safe).
     *
     * @return true when the request was refused
     */
    static boolean refused(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String sent;
        FormRequest form = unwrap(request);
        if (form != null) {
            sent = form.bodyParameter(FIELD);
        } else if (inQuery(request)) {
            // Only from the body: a token in a URL leaks through logs, history and Referer.
            sent = null;
        } else {
            try {
                sent = request.getParameter(FIELD);
            } catch (RuntimeException malformed) {
                Logs.malformed(request, "form");
                response.sendError(HttpServletResponse.SC_BAD_REQUEST);
                return true;
            }
        }
        if (valid(request, sent)) {
            return false;
        }
        response.sendError(HttpServletResponse.SC_FORBIDDEN);
        return true;
    }

    private static FormRequest unwrap(jakarta.servlet.ServletRequest request) {
        while (request instanceof jakarta.servlet.ServletRequestWrapper wrapper) {
            if (request instanceof FormRequest form) {
                return form;
            }
            request = wrapper.getRequest();
        }
        return null;
    }

    /** True when the query string names the token field, however encoded (or cannot be read). */
    static boolean inQuery(HttpServletRequest request) {
        try {
            return FormRequest.parse(request.getQueryString(), StandardCharsets.UTF_8).containsKey(FIELD);
        } catch (FormRequest.Malformed e) {
            return true;
        }
    }

    /** True when the request carries this session's token. */
    static boolean valid(HttpServletRequest request, String sent) {
        HttpSession session = request.getSession(false);
        if (session == null || sent == null) {
            return false;
        }
        Object expected = session.getAttribute(ATTRIBUTE);
        return expected instanceof String s
                && MessageDigest.isEqual(s.getBytes(StandardCharsets.US_ASCII), sent.getBytes(StandardCharsets.UTF_8));
    }
}
