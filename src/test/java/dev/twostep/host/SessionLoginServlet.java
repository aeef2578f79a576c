package dev.twostep.host;

import java.io.IOException;
import java.util.Map;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

/**
 * The home-made login of an "existing app": it checks a fixed list of users and puts the user name in the
 * session attribute "host.user". POST /signin signs in, POST /signout signs out.
 */
public class SessionLoginServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    static final Map<String, String> USERS = Map.of("bob", "bob-password", "carol", "carol-password");

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setContentType("text/html;charset=UTF-8");
        response.getWriter().write("<!DOCTYPE html><title>Host sign-in</title><form method=\"post\" action=\""
                + request.getContextPath() + "/signin\"><label for=\"u\">User</label><input id=\"u\" name=\"user\">"
                + "<label for=\"p\">Password</label><input id=\"p\" name=\"password\" type=\"password\">"
                + "<button type=\"submit\">Sign in</button></form>");
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if ("/signout".equals(request.getServletPath())) {
            HttpSession session = request.getSession(false);
            if (session != null) {
                session.invalidate();
            }
            response.sendRedirect(request.getContextPath() + "/signin");
            return;
        }
        String user = request.getParameter("user");
        if (user != null && USERS.get(user) != null && USERS.get(user).equals(request.getParameter("password"))) {
            request.getSession(true);
            request.changeSessionId();
            request.getSession().setAttribute("host.user", user);
            response.sendRedirect(request.getContextPath() + "/app/home");
        } else {
            response.sendError(HttpServletResponse.SC_UNAUTHORIZED);
        }
    }
}
