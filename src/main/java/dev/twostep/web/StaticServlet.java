package dev.twostep.web;

import java.io.IOException;
import java.io.InputStream;
import java.util.regex.Pattern;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** Serves Twostep's stylesheet and images from its jar, so a host app needs no copy of them. */
public class StaticServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final Pattern NAME = Pattern.compile("/[a-z0-9-]{1,40}\\.(css|svg|png|js)");

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String name = request.getPathInfo();
        if (name == null || !NAME.matcher(name).matches()) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        try (InputStream in = StaticServlet.class.getResourceAsStream("static" + name)) {
            if (in == null) {
                response.sendError(HttpServletResponse.SC_NOT_FOUND);
                return;
            }
            response.setContentType(name.endsWith(".css") ? "text/css;charset=UTF-8"
                    : name.endsWith(".js") ? "text/javascript;charset=UTF-8"
                    : name.endsWith(".svg") ? "image/svg+xml" : "image/png");
            response.setHeader("Cache-Control", "public, max-age=3600");
            response.setHeader("X-Content-Type-Options", "nosniff");
            in.transferTo(response.getOutputStream());
        }
    }
}
