package example.host;

import java.io.IOException;
import java.io.PrintWriter;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** The host app's own pages under /app/: a health check, and a page that says who is signed in. */
public class PageServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setContentType("text/html;charset=UTF-8");
        PrintWriter out = response.getWriter();
        if ("/health".equals(request.getPathInfo())) {
            out.print("<!DOCTYPE html><title>Health</title><p id=\"health\">OK</p>");
            return;
        }
        out.print("<!DOCTYPE html><html><head><title>Dependency host</title></head><body>"
                + "<p id=\"user\">Signed in: " + html(request.getRemoteUser()) + "</p></body></html>");
    }

    private static String html(String text) {
        if (text == null) {
            return "nobody";
        }
        StringBuilder b = new StringBuilder();
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
