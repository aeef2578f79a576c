package dev.twostep.guard;

import java.io.IOException;
import java.util.Locale;

import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.twostep.config.ConfigException;
import dev.twostep.web.Http;

/**
 * Guards the URL patterns it is mapped to. A verified session passes, answered from the session alone
 * with no database query. A session that passed only the first step goes to the code page; any other
 * goes to the sign-in page. The GET first asked for is saved and restored after sign-in. Requests that are
 * not page navigations (scripts, non-GET) get 401 instead of a redirect.
 *
 * <p>Init-params:
 * <ul>
 * <li>{@code login-url}: where a session with no sign-in goes; default {@code /login}</li>
 * <li>{@code code-url}: the code page; default {@code /twostep/code}</li>
 * </ul>
 */
public class TwoStepFilter extends HttpFilter {
    private static final long serialVersionUID = 1L;

    private String loginUrl;
    private String codeUrl;

    @Override
    public void init(FilterConfig config) throws ServletException {
        super.init(config);
        loginUrl = path(config, "login-url", "/login");
        codeUrl = path(config, "code-url", "/twostep/code");
    }

    private static String path(FilterConfig config, String name, String fallback) {
        String value = config.getInitParameter(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        if (ReturnTo.safe(value.trim()) == null) {
            throw new ConfigException(name, "must be a path inside this app starting with one /");
        }
        return value.trim();
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        GuardState state = GuardSession.state(request).orElse(null);
        if (state != null && state.verified()) {
            chain.doFilter(request, response);
            return;
        }
        if (!isNavigation(request)) {
            response.setHeader("Cache-Control", "no-store");
            response.sendError(HttpServletResponse.SC_UNAUTHORIZED);
            return;
        }
        ReturnTo.saveIfGet(request);
        Http.seeOther(request, response, state == null ? loginUrl : codeUrl);
    }

    /** A page navigation by a person, as opposed to a script's fetch/XHR or a form post. */
    static boolean isNavigation(HttpServletRequest request) {
        String method = request.getMethod();
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            return false;
        }
        if ("XMLHttpRequest".equalsIgnoreCase(request.getHeader("X-Requested-With"))) {
            return false;
        }
        String mode = request.getHeader("Sec-Fetch-Mode");
        return mode == null || "navigate".equals(mode.toLowerCase(Locale.ROOT));
    }
}
