package dev.twostep.web;

import java.lang.reflect.Method;

import jakarta.servlet.http.HttpServletRequest;

/**
 * The host framework's own CSRF token, for Twostep's forms to carry next to Twostep's. When the guard's pages
 * sit behind Spring Security (whose CSRF filter checks every POST of the app, Twostep's included), Spring
 * leaves its token in the request as a {@code CsrfToken}; Twostep's forms then send it back as a hidden field
 * under Spring's parameter name, so the host needs no exception for Twostep's pages. Spring is not a
 * dependency: the token is read through its interface, found by name in the host's class loader.
 */
public record HostCsrf(String name, String value) {
    static final String SPRING_TYPE = "org.springframework.security.web.csrf.CsrfToken";

    /** The token the host framework put in this request, or null when there is none. */
    static HostCsrf of(HttpServletRequest request) {
        Object token = request.getAttribute(SPRING_TYPE);
        if (token == null) {
            return null;
        }
        try {
            Class<?> type = Class.forName(SPRING_TYPE, false, token.getClass().getClassLoader());
            if (!type.isInstance(token)) {
                return null;
            }
            Method parameterName = type.getMethod("getParameterName");
            Method value = type.getMethod("getToken");
            Object name = parameterName.invoke(token);
            Object tokenValue = value.invoke(token);
            if (name instanceof String n && tokenValue instanceof String v && !n.isEmpty()
                    && !n.equals(Csrf.FIELD)) {
                return new HostCsrf(n, v);
            }
            return null;
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return null;
        }
    }
}
