package dev.twostep.web;

import java.util.Optional;

import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.twostep.audit.AuditLog;
import dev.twostep.config.TwostepConfig;
import dev.twostep.guard.Attributes;
import dev.twostep.guard.ClientAddress;
import dev.twostep.guard.GuardSession;
import dev.twostep.guard.GuardState;
import dev.twostep.guard.Http;
import dev.twostep.limits.LimitedException;

/** Who sent a request, for limits and the audit trail; and how a limit is answered. */
public final class Requests {
    private Requests() {
    }

    public static String address(ServletContext context, HttpServletRequest request) {
        ClientAddress addresses = Attributes.find(context, ClientAddress.class);
        return addresses == null ? request.getRemoteAddr() : addresses.of(request);
    }

    public static AuditLog.Client client(ServletContext context, HttpServletRequest request) {
        return new AuditLog.Client(address(context, request), request.getHeader("User-Agent"));
    }

    /**
     * Answers a request to one of the guard's pages from someone with no first step: to the sign-in page
     * when the app has one, else 401.
     */
    public static void toSignIn(HttpServletRequest request, HttpServletResponse response, TwostepConfig config)
            throws java.io.IOException {
        if (config.loginUrl() == null) {
            response.sendError(HttpServletResponse.SC_UNAUTHORIZED);
        } else {
            Http.seeOther(request, response, config.loginUrl());
        }
    }

    /**
     * For the guard's pages that need both steps (adding a factor): the fully signed-in user, or null after
     * sending anyone else to the step they are at (the sign-in page, or the code page).
     */
    static GuardState fullySignedIn(HttpServletRequest request, HttpServletResponse response, TwostepConfig config,
                                    long now) throws java.io.IOException {
        Optional<GuardState> state = GuardSession.current(request, config, now, true);
        if (state.isEmpty()) {
            toSignIn(request, response, config);
            return null;
        }
        if (!state.get().verified()) {
            Http.seeOther(request, response, config.pagesPath() + "/code");
            return null;
        }
        return state.get();
    }

    /** Retry-After for a 429, for a page that then explains the wait. */
    public static void limited(HttpServletResponse response, LimitedException e) {
        retryAfter(response, e.retryAfter());
    }

    /** Retry-After in whole seconds, at least 1. */
    public static void retryAfter(HttpServletResponse response, java.time.Duration wait) {
        response.setHeader("Retry-After", String.valueOf(Math.max(1, wait.toSeconds())));
    }
}
