package dev.twostep.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.testing.TwostepServer;

/**
 * Served over HTTPS (here through a TLS-terminating proxy the container trusts): the session cookie is
 * Secure and pages carry Strict-Transport-Security; over plain HTTP neither.
 */
class BehindHttpsProxyIT {
    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of()).behindProxy();
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> login(boolean https) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(SERVER.url("/login")));
        if (https) {
            b.header("X-Forwarded-Proto", "https");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void overHttpsTheCookieIsSecureAndHstsIsSent() throws Exception {
        HttpResponse<String> r = login(true);
        assertEquals(200, r.statusCode());
        assertEquals("max-age=31536000", r.headers().firstValue("Strict-Transport-Security").orElse(""));
        String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(cookie.contains("Secure"), cookie);
        assertTrue(cookie.contains("HttpOnly"), cookie);
    }

    @Test
    void overPlainHttpNeither() throws Exception {
        HttpResponse<String> r = login(false);
        assertTrue(r.headers().firstValue("Strict-Transport-Security").isEmpty());
        assertFalse(r.headers().firstValue("Set-Cookie").orElseThrow().contains("Secure"));
    }
}
