package dev.twostep.web;

import dev.twostep.guard.Http;

import dev.twostep.guard.Attributes;

import dev.twostep.config.TwostepConfig;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.twostep.guard.CsrfTokens;

/**
 * The gate in front of Twostep's pages. Refuses every POST (and other unsafe method) that does not carry
 * this session's CSRF token in its body with 403, before any servlet sees it; refuses bodies over 64 KiB with
 * 413 however they are framed; answers a malformed query string or form body with 400 and at most one short
 * log line a minute; and answers TRACE with 405 and OPTIONS without advertising TRACE.
 *
 * <p>Init-param {@code exempt-paths}: comma-separated path prefixes that take no token because they
 * authenticate each request another way; default {@code /twostep/twilio/} (Twilio's callbacks, checked by
 * their X-Twilio-Signature).
 */
public class CsrfFilter extends HttpFilter {
    private static final long serialVersionUID = 1L;
    /** No form of Twostep needs more than this. */
    static final long MAX_BODY = 64 * 1024;

    private transient List<String> exempt;

    @Override
    public void init(FilterConfig config) throws ServletException {
        super.init(config);
        String value = config.getInitParameter("exempt-paths");
        exempt = Arrays.stream((value == null ? "/twostep/twilio/" : value).split(","))
                .map(String::trim).filter(p -> !p.isEmpty()).toList();
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String method = request.getMethod();
        if (!FormRequest.wellFormedQuery(request)) {
            Logs.malformed(request, "query string");
            response.sendError(HttpServletResponse.SC_BAD_REQUEST);
            return;
        }
        if ("TRACE".equals(method) || "OPTIONS".equals(method)) {
            // Nothing here answers TRACE, and OPTIONS does not advertise it (HttpServlet's own doOptions would).
            response.setHeader("Allow", "GET, HEAD, POST, OPTIONS");
            response.setStatus("TRACE".equals(method) ? HttpServletResponse.SC_METHOD_NOT_ALLOWED
                    : HttpServletResponse.SC_NO_CONTENT);
            return;
        }
        if ("GET".equals(method) || "HEAD".equals(method)) {
            chain.doFilter(request, response);
            return;
        }
        if (request.getContentLengthLong() > MAX_BODY) {
            response.sendError(HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE);
            return;
        }
        // The container's decoded, normalised path, so "/twostep/twilio/../login" cannot borrow the exemption.
        String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        if (exempt.stream().anyMatch(path::startsWith)) {
            chain.doFilter(request, response);
            return;
        }
        FormRequest form;
        try {
            // Read here, whatever the framing: a chunked body is held to the same limit as a declared one.
            form = FormRequest.read(request, MAX_BODY);
        } catch (FormRequest.TooLarge e) {
            response.sendError(HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE);
            return;
        } catch (FormRequest.Malformed e) {
            Logs.malformed(request, "form body");
            response.sendError(HttpServletResponse.SC_BAD_REQUEST);
            return;
        }
        // The token counts only in the body: a token in a URL leaks through logs, history and Referer.
        if (!CsrfTokens.valid(form, form.bodyParameter(Csrf.FIELD))) {
            if (request.getRequestedSessionId() != null && !request.isRequestedSessionIdValid()) {
                timedOut(form, response, chain, path);
                return;
            }
            Logs.refusedCsrf(request);
            response.sendError(HttpServletResponse.SC_FORBIDDEN);
            return;
        }
        chain.doFilter(form, response);
    }

    /**
     * A form posted after its session ended (it timed out, or the server restarted): nothing it asks is done,
     * and nothing typed is lost where it can be kept. The sign-in and registration forms are shown again,
     * filled in but for the password, with a fresh token and "Your session timed out"; any other form goes
     * to the sign-in page with that notice, or, in a host app with no sign-in page of Twostep's, to a page
     * that says so.
     */
    private void timedOut(HttpServletRequest request, HttpServletResponse response, FilterChain chain, String path)
            throws IOException, ServletException {
        TwostepConfig config = Attributes.find(getServletContext(), TwostepConfig.class);
        String login = config == null ? null : config.loginUrl();
        if (login != null && config.identity() == TwostepConfig.Identity.TWOSTEP
                && (path.equals(login) || path.equals("/register"))) {
            request.setAttribute(TIMED_OUT, Boolean.TRUE);
            chain.doFilter(request, response);
            return;
        }
        if (login != null) {
            Flash.set(request, "timed-out");
            Http.seeOther(request, response, login);
            return;
        }
        Views views = Attributes.find(getServletContext(), Views.class);
        if (views == null) {
            response.sendError(HttpServletResponse.SC_FORBIDDEN);
            return;
        }
        views.render(request, response, HttpServletResponse.SC_FORBIDDEN, "error",
                java.util.Map.of("status", 403, "messageKey", "error.timedOut", "csrf", ""));
    }

    /**
     * Set on a sign-in or registration POST whose session had ended: the servlet shows its form again with
     * what was typed and does nothing else.
     */
    public static final String TIMED_OUT = CsrfFilter.class.getName() + ".timedOut";
}
