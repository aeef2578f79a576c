package dev.twostep.host;

import java.io.IOException;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

/**
 * The sign-out of an "existing app" with container login, which knows nothing of Twostep: a POST ends the
 * container's login and the session, and says so. (It shows a page rather than redirecting to a protected
 * one: Jetty's FORM login keeps the first page it was asked for in the session and returns there.)
 */
public class HostLogoutServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response)
            throws IOException, ServletException {
        request.logout();
        HttpSession session = request.getSession(false);
        if (session != null) {
            session.invalidate();
        }
        response.setContentType("text/html;charset=UTF-8");
        response.getWriter().write("<!DOCTYPE html><html><head><title>Signed out</title></head><body>"
                + "<p id=\"signed-out\">You are signed out of the host app.</p></body></html>");
    }
}
