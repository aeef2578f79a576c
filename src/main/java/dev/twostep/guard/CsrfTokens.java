package dev.twostep.guard;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;

/**
 * Synchronizer tokens against cross-site request forgery: one random token per session, compared in
 * constant time, and replaced at each sign-in step (so the guard's session state and the token move
 * together).
 */
public final class CsrfTokens {
    static final String ATTRIBUTE = CsrfTokens.class.getName() + ".token";
    private static final SecureRandom RANDOM = new SecureRandom();

    private CsrfTokens() {
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

    /** True when the request carries this session's token. */
    public static boolean valid(HttpServletRequest request, String sent) {
        HttpSession session = request.getSession(false);
        if (session == null || sent == null) {
            return false;
        }
        Object expected = session.getAttribute(ATTRIBUTE);
        return expected instanceof String s
                && MessageDigest.isEqual(s.getBytes(StandardCharsets.US_ASCII), sent.getBytes(StandardCharsets.UTF_8));
    }
}
