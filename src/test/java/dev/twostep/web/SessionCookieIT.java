package dev.twostep.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.twostep.testing.TwostepServer;

/** The __Host- session cookie option: Secure, Path=/, no Domain; refused where it cannot hold. */
class SessionCookieIT {
    private static final Map<String, String> HOST_PREFIX = Map.of("twostep.session.cookie-host-prefix", "true");

    @Test
    void atTheRootTheSessionCookieIsAHostCookie() throws Exception {
        TwostepServer server = new TwostepServer(HOST_PREFIX).contextPath("");
        server.beforeAll(null);
        try {
            HttpResponse<String> login = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(server.url("/login"))).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, login.statusCode());
            List<String> cookies = login.headers().allValues("Set-Cookie");
            assertEquals(1, cookies.size(), cookies.toString());
            String cookie = cookies.get(0);
            assertTrue(cookie.startsWith("__Host-JSESSIONID="), cookie);
            assertTrue(cookie.contains("Secure"), cookie);
            assertTrue(cookie.contains("Path=/;") || cookie.endsWith("Path=/"), cookie);
            assertTrue(!cookie.contains("Domain"), cookie);
        } finally {
            server.afterAll(null);
        }
    }

    @Test
    void underAContextPathTheOptionStopsStartUpNamingIt() throws Exception {
        TwostepServer server = new TwostepServer(HOST_PREFIX);
        try {
            Throwable refused = assertThrows(Throwable.class, () -> server.beforeAll(null));
            StringBuilder all = new StringBuilder();
            for (Throwable t = refused; t != null; t = t.getCause()) {
                all.append(t).append('\n');
            }
            assertTrue(all.toString().contains("twostep.session.cookie-host-prefix"), all.toString());
        } finally {
            server.afterAll(null);
        }
    }
}
