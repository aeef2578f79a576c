package dev.twostep.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/**
 * Served over HTTPS (here through a TLS-terminating proxy the container trusts): the session cookie and the
 * remembered device's cookie are Secure and pages carry Strict-Transport-Security; over plain HTTP none.
 */
class BehindHttpsProxyIT {
    static final String PASSWORD = "correct horse battery";

    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of("twostep.remember-device.days", "30"))
            .behindProxy();
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

    /**
     * A browser as java.net.http sees it, holding its cookies itself: HtmlUnit (and java.net's CookieManager)
     * would not send a Secure cookie back over the test's plain connection to the "proxy".
     */
    private final class Browser {
        final boolean https;
        final Map<String, String> cookies = new LinkedHashMap<>();
        final List<String> setCookies = new ArrayList<>();

        Browser(boolean https) {
            this.https = https;
        }

        HttpResponse<String> get(String path) throws Exception {
            return send(request(path).GET());
        }

        HttpResponse<String> post(String path, String... form) throws Exception {
            StringBuilder body = new StringBuilder();
            for (int i = 0; i < form.length; i += 2) {
                body.append(body.length() == 0 ? "" : "&").append(URLEncoder.encode(form[i], StandardCharsets.UTF_8))
                        .append('=').append(URLEncoder.encode(form[i + 1], StandardCharsets.UTF_8));
            }
            return send(request(path).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
        }

        private HttpRequest.Builder request(String path) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(SERVER.url(path)));
            if (https) {
                b.header("X-Forwarded-Proto", "https");
            }
            if (!cookies.isEmpty()) {
                b.header("Cookie", String.join("; ", cookies.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue()).toList()));
            }
            return b;
        }

        private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
            HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            for (String header : r.headers().allValues("Set-Cookie")) {
                setCookies.add(header);
                String pair = header.split(";", 2)[0];
                int eq = pair.indexOf('=');
                cookies.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
            return r;
        }

        /** The hidden CSRF field of the page's first form. */
        String csrf(HttpResponse<String> page) {
            Matcher m = Pattern.compile("name=\"twostep_csrf\" value=\"([^\"]+)\"").matcher(page.body());
            assertTrue(m.find(), page.body());
            return m.group(1);
        }

        /** The Set-Cookie header that set this cookie last. */
        String setCookie(String name) {
            for (int i = setCookies.size() - 1; i >= 0; i--) {
                if (setCookies.get(i).startsWith(name + "=")) {
                    return setCookies.get(i);
                }
            }
            throw new AssertionError("no Set-Cookie for " + name + " in " + setCookies);
        }
    }

    /** Password, then the code sent with "Remember this device" checked; returns the device cookie's header. */
    private String rememberedDeviceCookie(boolean https) throws Exception {
        String user = (https ? "tls" : "plain") + System.nanoTime() % 1_000_000_000L;
        new Pages(SERVER).createAccount(user, PASSWORD, "(415) 555-2671");
        Browser browser = new Browser(https);
        HttpResponse<String> login = browser.get("/login");
        HttpResponse<String> signedIn = browser.post("/login", "twostep_csrf", browser.csrf(login),
                "username", user, "password", PASSWORD);
        assertEquals(303, signedIn.statusCode(), signedIn.body());
        HttpResponse<String> code = browser.get("/twostep/code");
        assertEquals(200, code.statusCode(), code.body());
        assertTrue(code.body().contains("id=\"remember-code\""), code.body());
        HttpResponse<String> passed = browser.post("/twostep/code", "twostep_csrf", browser.csrf(code),
                "action", "verify", "code", SERVER.sender().lastCode(), "remember", "1");
        assertEquals(303, passed.statusCode(), passed.body());
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM remembered_devices WHERE username = ?", user));
        return browser.setCookie(RememberedDevices.COOKIE);
    }

    @Test
    void overHttpsTheDeviceCookieIsSecure() throws Exception {
        String cookie = rememberedDeviceCookie(true);
        assertTrue(cookie.contains("; Secure"), cookie);
        assertTrue(cookie.contains("HttpOnly"), cookie);
    }

    @Test
    void overPlainHttpTheDeviceCookieIsNotSecure() throws Exception {
        String cookie = rememberedDeviceCookie(false);
        assertFalse(cookie.contains("Secure"), cookie);
        assertTrue(cookie.contains("HttpOnly"), cookie);
    }
}
