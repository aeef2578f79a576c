package dev.twostep.app;

import java.io.IOException;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import dev.twostep.audit.AuditLog;
import dev.twostep.guard.Attributes;
import dev.twostep.guard.GuardSession;
import dev.twostep.guard.Http;
import dev.twostep.web.Requests;

/** Sign-out: a POST (with its CSRF token) that ends the session. */
public class LogoutServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        HttpSession session = request.getSession(false);
        if (session != null) {
            GuardSession.state(request).ifPresent(state -> Attributes.require(getServletContext(), AuditLog.class)
                    .record(AuditLog.Event.SIGN_OUT, state.username(), Requests.client(getServletContext(), request), null));
            session.invalidate();
        }
        // A fresh, empty session carries the one-shot notice (the sign-in page makes one for its form anyway).
        dev.twostep.web.Flash.set(request, "signed-out");
        Http.seeOther(request, response, "/login");
    }
}
