package dev.twostep.web;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses every POST (and other unsafe method) that does not carry this session's CSRF token with 403,
 * before any servlet sees it, and refuses oversized bodies with 413 before they are parsed.
 *
 * <p>Init-param {@code exempt-paths}: comma-separated path prefixes that take no token because they
 * authenticate each request another way; default {@code /twostep/twilio/} (Twilio's callbacks, checked by
 * their X-Twilio-Signature).
 */
public class CsrfFilter extends HttpFilter {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CsrfFilter.class);
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
        if ("GET".equals(method) || "HEAD".equals(method) || "OPTIONS".equals(method)) {
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
        String sent;
        try {
            sent = request.getParameter(Csrf.FIELD);
        } catch (RuntimeException unreadable) {
            // Malformed encoding or a body over the container's own limit.
            LOG.info("Unreadable form on {}: {}", request.getRequestURI(), unreadable.toString());
            response.sendError(HttpServletResponse.SC_BAD_REQUEST);
            return;
        }
        if (!Csrf.valid(request, sent)) {
            LOG.warn("Refused a {} to {} without a valid CSRF token", method, request.getRequestURI());
            response.sendError(HttpServletResponse.SC_FORBIDDEN);
            return;
        }
        chain.doFilter(request, response);
    }
}
