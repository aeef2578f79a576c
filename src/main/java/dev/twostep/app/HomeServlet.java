package dev.twostep.app;

import java.io.IOException;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.twostep.guard.Http;

/** The root of the standalone app sends people to the account page (which asks them to sign in first). */
public class HomeServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Http.seeOther(request, response, "/account");
    }
}
