package dev.twostep.web;

import java.io.IOException;
import java.util.Map;
import java.util.Set;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.twostep.guard.Attributes;

/** The page for every error status and uncaught exception: a plain sentence, never a stack trace. */
public class ErrorServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ErrorServlet.class);
    /** The statuses with a message of their own ({@code error.<status>}); others show 400 or 500. */
    static final Set<Integer> KNOWN = Set.of(400, 401, 403, 404, 405, 413, 429, 500, 503);

    private transient Views views;

    @Override
    public void init() {
        views = Attributes.find(getServletContext(), Views.class);
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int status = code instanceof Integer i ? i : 404;
        Throwable error = (Throwable) request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
        if (error != null) {
            LOG.error("Unhandled error on {}", request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI), error);
            status = 500;
        }
        int shown = KNOWN.contains(status) ? status : (status >= 500 ? 500 : 400);
        if (views == null || response.isCommitted()) {
            response.setStatus(status);
            return;
        }
        response.resetBuffer();
        views.render(request, response, status, "error", Map.of("status", status, "messageKey", "error." + shown,
                "csrf", ""));
    }
}
