package dev.twostep.host;

import java.io.IOException;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * A page of an "existing app" that knows nothing of Twostep: it greets whoever the request says is signed
 * in. Used by the host-app tests, on embedded Jetty and in the real Tomcat and Jetty deployments.
 */
public class HostPageServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setContentType("text/html;charset=UTF-8");
        String path = request.getPathInfo() == null ? "" : request.getPathInfo();
        if ("/health".equals(path)) {
            response.getWriter().write("<!DOCTYPE html><title>Health</title><p id=\"health\">OK</p>");
            return;
        }
        String principal = request.getUserPrincipal() == null ? "none" : request.getUserPrincipal().getName();
        response.getWriter().write("<!DOCTYPE html><html><head><title>Host app</title></head><body>"
                + "<h1>Host app</h1><p id=\"user\">Hello, " + escape(String.valueOf(request.getRemoteUser()))
                + "</p><p id=\"principal\">Principal: " + escape(principal) + "</p><p id=\"path\">Page: "
                + escape(path) + "</p></body></html>");
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
