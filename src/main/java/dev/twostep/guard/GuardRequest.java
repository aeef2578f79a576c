package dev.twostep.guard;

import java.security.Principal;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

/**
 * A verified request as the app behind the guard sees it: when the container knows no user (Twostep's own
 * login, or a host that signs in through a session attribute), getRemoteUser() and getUserPrincipal() give
 * the verified user. A container-authenticated request is passed on unwrapped.
 */
final class GuardRequest extends HttpServletRequestWrapper {
    private final String user;

    GuardRequest(HttpServletRequest request, String user) {
        super(request);
        this.user = user;
    }

    static HttpServletRequest wrapIfNeeded(HttpServletRequest request, String user) {
        return request.getRemoteUser() != null ? request : new GuardRequest(request, user);
    }

    @Override
    public String getRemoteUser() {
        return user;
    }

    @Override
    public Principal getUserPrincipal() {
        return new TwostepPrincipal(user);
    }

    /** The verified user's name. */
    record TwostepPrincipal(String getName) implements Principal {
    }
}
