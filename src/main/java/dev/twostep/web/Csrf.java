package dev.twostep.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.twostep.guard.CsrfTokens;

/**
 * The CSRF check of Twostep's forms: each carries the session's token ({@link CsrfTokens}) as the hidden
 * field {@value #FIELD}, taken only from the body.
 */
public final class Csrf {
    public static final String FIELD = "twostep_csrf";

    private Csrf() {
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
        if (CsrfTokens.valid(request, sent)) {
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

}
