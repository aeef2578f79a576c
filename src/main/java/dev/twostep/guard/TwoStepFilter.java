package dev.twostep.guard;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.twostep.config.ConfigException;
import dev.twostep.config.TwostepConfig;
import dev.twostep.guard.Attributes;
import dev.twostep.guard.Http;

/**
 * The guard. Map it, first among the app's filters, to the URL patterns that need both steps. A verified
 * session passes, answered from the session alone: the database is read at most once per 30 s per session,
 * to see whether its user signed out everywhere since (see {@link SignOutCheck}). A session whose user passed
 * only the first step (Twostep's password, or the host's own login) goes to the code page, or to the
 * enrollment page when Twostep knows no phone for that user yet; any other goes to the sign-in page
 * ({@code twostep.login-url}), or gets 401 when there is none. The GET first asked for is saved and
 * restored after sign-in. Requests that are not page navigations (fetch/XHR, non-GET) get 401 instead of a
 * redirect.
 *
 * <p>Init-param {@code exclude}: comma-separated paths inside the mapped patterns that stay open, such
 * as {@code /health, /static/*, *.css} (exact path, path prefix with {@code /*}, or extension); default
 * none. Everything else comes from the context-params (see README: Settings).
 */
public class TwoStepFilter extends HttpFilter {
    private static final long serialVersionUID = 1L;

    private transient TwostepConfig config;
    private transient Clock clock;
    private final List<String> exact = new ArrayList<>();
    private final List<String> prefixes = new ArrayList<>();
    private final List<String> extensions = new ArrayList<>();

    @Override
    public void init(FilterConfig filterConfig) throws ServletException {
        super.init(filterConfig);
        config = Attributes.require(filterConfig.getServletContext(), TwostepConfig.class);
        clock = Attributes.require(filterConfig.getServletContext(), Clock.class);
        // Checked here so that a deployment without it fails at start-up, not at the first request.
        Attributes.require(filterConfig.getServletContext(), SignOutCheck.class);
        String exclude = filterConfig.getInitParameter("exclude");
        if (exclude != null) {
            for (String raw : exclude.split(",")) {
                String p = raw.trim();
                if (p.isEmpty()) {
                    continue;
                }
                if (p.startsWith("*.") && p.length() > 2) {
                    extensions.add(p.substring(1));
                } else if (p.startsWith("/") && p.endsWith("/*")) {
                    prefixes.add(p.substring(0, p.length() - 1));
                } else if (p.startsWith("/") && !p.contains("*")) {
                    exact.add(p);
                } else {
                    throw new ConfigException("exclude", "'" + p + "' is not /exact, /prefix/* or *.ext");
                }
            }
        }
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        if (excluded(path) || ownPage(path)) {
            chain.doFilter(request, response);
            return;
        }
        Optional<GuardState> state = GuardSession.current(request, config, clock.millis());
        boolean owed = state.isPresent() && state.get().verified() && SetupOwed.owed(request);
        if (state.isPresent() && state.get().verified() && !owed) {
            chain.doFilter(GuardRequest.wrapIfNeeded(request, state.get().username()), response);
            return;
        }
        response.setHeader("Cache-Control", "no-store");
        if (owed) {
            // Both steps passed, but the operator requires another kind of factor first (twostep.factors.required).
            if (!isNavigation(request)) {
                response.sendError(HttpServletResponse.SC_FORBIDDEN);
                return;
            }
            ReturnTo.saveIfGet(request);
            Http.seeOther(request, response, config.pagesPath() + "/setup");
            return;
        }
        if (!isNavigation(request) || (state.isEmpty() && config.loginUrl() == null)) {
            response.sendError(HttpServletResponse.SC_UNAUTHORIZED);
            return;
        }
        ReturnTo.saveIfGet(request);
        Http.seeOther(request, response, state.isEmpty() ? config.loginUrl() : config.pagesPath() + "/code");
    }

    /** Twostep's own pages and the sign-in page: guarding them would loop when the filter is mapped to /*. */
    private boolean ownPage(String path) {
        return path.startsWith(config.pagesPath() + "/") || path.equals(config.loginUrl());
    }

    /** Paths in the exclude list, matched on the container's decoded, normalised path. */
    private boolean excluded(String path) {
        if (exact.contains(path)) {
            return true;
        }
        for (String prefix : prefixes) {
            if (path.startsWith(prefix) || path.equals(prefix.substring(0, prefix.length() - 1))) {
                return true;
            }
        }
        for (String extension : extensions) {
            if (path.endsWith(extension)) {
                return true;
            }
        }
        return false;
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
