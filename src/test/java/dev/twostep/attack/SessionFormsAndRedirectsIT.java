package dev.twostep.attack;

import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlInput;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/** Session fixation, half-signed-in sessions probing protected URLs, hostile form input, open redirects. */
class SessionFormsAndRedirectsIT {
    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of());
    private final Pages pages = new Pages(SERVER);
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    private static final List<String> HOSTILE = List.of(
            "' OR '1'='1' --", "\"; DROP TABLE accounts; --", "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>",
            "{{7*7}}${7*7}[[${7*7}]]", "%00%0d%0aSet-Cookie: x=1", "\u202Eevil", "😀".repeat(40), "x".repeat(5000));

    private static String form(Map<String, String> fields) {
        StringBuilder b = new StringBuilder();
        fields.forEach((k, v) -> b.append(b.length() == 0 ? "" : "&").append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                .append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return b.toString();
    }

    private HttpResponse<String> post(String path, String cookie, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(SERVER.url(path))).header("Cookie", cookie)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertNoTrace(HttpResponse<String> r) {
        assertTrue(r.statusCode() < 500, "status " + r.statusCode() + ": " + r.body());
        for (String leak : List.of("Exception", "at dev.twostep", "Caused by", "SQLITE_", "<script>alert(1)</script>",
                "onerror=alert(1)>", "value=\"49", ">49<")) {
            assertFalse(r.body().contains(leak), "response shows '" + leak + "'");
        }
        assertTrue(r.headers().allValues("Set-Cookie").stream().noneMatch(c -> c.startsWith("x=")), "header injected");
    }

    @Test
    void aSessionIdPlantedBeforeSignInIsWorthlessAfter() throws Exception {
        pages.createAccount("fixation", "correct horse battery", "(415) 555-2671");
        WebClient victim = SERVER.newClient();
        HtmlPage login = pages.open(victim, "/login");
        String planted = victim.getCookieManager().getCookie("JSESSIONID").getValue();
        HtmlPage account = enterCode(Pages.signIn(login, "fixation", "correct horse battery"), SERVER.sender().lastCode());
        assertTrue(account.getUrl().getPath().endsWith("/account"));
        assertNotEquals(planted, victim.getCookieManager().getCookie("JSESSIONID").getValue());

        HttpResponse<String> attacker = http.send(HttpRequest.newBuilder(URI.create(SERVER.url("/account")))
                .header("Cookie", "JSESSIONID=" + planted).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(303, attacker.statusCode());
        assertFalse(attacker.body().contains("Signed in as"));
    }

    @Test
    void aPasswordOnlySessionReachesNoProtectedUrlByAnySpelling() throws Exception {
        pages.createAccount("halfway", "correct horse battery", "(415) 555-2671");
        WebClient client = SERVER.newClient();
        pages.signIn(client, "halfway", "correct horse battery");
        String session = client.getCookieManager().getCookie("JSESSIONID").getValue();
        for (String path : List.of("/account", "/account/", "/ACCOUNT", "/Account", "/account;jsessionid=" + session,
                "/account;x=1", "/account/..;/account", "/%61ccount", "/account%2F", "//account", "/./account",
                "/twostep/../account", "/account?", "/account#x", "/account/settings", "/account/%2e%2e/account")) {
            HttpResponse<String> r;
            try {
                r = http.send(HttpRequest.newBuilder(URI.create(SERVER.url(path))).header("Cookie", "JSESSIONID=" + session)
                        .build(), HttpResponse.BodyHandlers.ofString());
            } catch (IllegalArgumentException notAUri) {
                continue;
            }
            assertFalse(r.body().contains("Signed in as"), path + " gave the account page");
            assertTrue(r.statusCode() == 303 || r.statusCode() == 400 || r.statusCode() == 404,
                    path + " answered " + r.statusCode());
        }
    }

    @Test
    void hostileInputInEveryFieldGetsNo500AndIsNeverEchoedRaw() throws Exception {
        WebClient client = SERVER.newClient();
        HtmlPage register = pages.open(client, "/register");
        String csrf = register.<HtmlInput>getFirstByXPath("//input[@name='twostep_csrf']").getValue();
        String cookie = "JSESSIONID=" + client.getCookieManager().getCookie("JSESSIONID").getValue();
        for (String bad : HOSTILE) {
            assertNoTrace(post("/register", cookie, form(Map.of("twostep_csrf", csrf, "username", bad, "password", bad,
                    "phone", bad, "channel", bad))));
            assertNoTrace(post("/login", cookie, form(Map.of("twostep_csrf", csrf, "username", bad, "password", bad,
                    "next", bad))));
        }
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM accounts WHERE username LIKE '%<%' OR username LIKE '%''%'"));

        // On the code page, with a password-only session.
        pages.createAccount("hostile", "correct horse battery", "(415) 555-2671");
        WebClient half = SERVER.newClient();
        HtmlPage code = pages.signIn(half, "hostile", "correct horse battery");
        String csrf2 = code.<HtmlInput>getFirstByXPath("//input[@name='twostep_csrf']").getValue();
        String cookie2 = "JSESSIONID=" + half.getCookieManager().getCookie("JSESSIONID").getValue();
        for (String bad : HOSTILE) {
            assertNoTrace(post("/twostep/code", cookie2, form(Map.of("twostep_csrf", csrf2, "action", "verify", "code", bad))));
            assertNoTrace(post("/twostep/code", cookie2, form(Map.of("twostep_csrf", csrf2, "action", bad, "channel", bad))));
            assertNoTrace(post("/twostep/code", cookie2, form(Map.of("twostep_csrf", csrf2, "action", "switch", "channel", bad))));
        }
        assertEquals(0, SERVER.count("SELECT MAX(attempts) FROM challenges WHERE username = 'hostile' AND purpose = 'LOGIN'"),
                "hostile codes are malformed and cost no try");
    }

    @Test
    void malformedUtf8GetsA4xxNotA500() throws Exception {
        WebClient client = SERVER.newClient();
        HtmlPage login = pages.open(client, "/login");
        String csrf = login.<HtmlInput>getFirstByXPath("//input[@name='twostep_csrf']").getValue();
        String cookie = "JSESSIONID=" + client.getCookieManager().getCookie("JSESSIONID").getValue();
        URI uri = URI.create(SERVER.url("/login"));
        byte[] prefix = ("twostep_csrf=" + csrf + "&password=x&username=").getBytes(StandardCharsets.US_ASCII);
        byte[] bad = {(byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xFE, '%', 'C', '3', '%', '2', '8', '%', 'F', 'F'};
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(prefix);
        body.write(bad);
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + uri.getPath() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " + cookie
                    + "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " + body.size()
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body.toByteArray());
            out.flush();
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String status = response.substring(0, response.indexOf("\r\n"));
            assertTrue(status.matches("HTTP/1.1 4[0-9][0-9].*"), status);
            assertFalse(response.contains("Exception"), response);
        }
    }

    @Test
    void redirectTargetsOutsideTheAppAllEndOnTheApp() throws Exception {
        pages.createAccount("redirected", "correct horse battery", "(415) 555-2671");
        for (String next : List.of("//evil.example", "/\\evil.example", "https://evil.example", "javascript:alert(1)",
                "%2F%2Fevil.example", "/%2F%2Fevil.example", "/%5Cevil.example", "\\/evil.example",
                "http:evil.example", "/\t/evil.example", "//evil.example%2F@127.0.0.1", "https:%2F%2Fevil.example")) {
            WebClient client = SERVER.newClient();
            HtmlPage login = pages.open(client, "/login?next=" + URLEncoder.encode(next, StandardCharsets.UTF_8));
            HtmlPage landed = enterCode(Pages.signIn(login, "redirected", "correct horse battery"), SERVER.sender().lastCode());
            assertEquals("127.0.0.1", landed.getUrl().getHost(), next);
            assertTrue(landed.getUrl().getPath().startsWith("/app/"), next + " -> " + landed.getUrl());
        }
        // A saved GET of a protocol-relative path cannot turn into an off-site redirect either.
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(SERVER.url("//evil.example/account")))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(r.headers().firstValue("Location").map(l -> !l.contains("evil.example")).orElse(true),
                r.headers().toString());
    }

    @Test
    void theFlowsPagesSendTheSecurityHeaders() throws Exception {
        for (String path : List.of("/login", "/register", "/nope")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(SERVER.url(path))).build(),
                    HttpResponse.BodyHandlers.ofString());
            String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
            assertTrue(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"), path + ": " + csp);
            assertEquals("no-referrer", r.headers().firstValue("Referrer-Policy").orElse(""), path);
            assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""), path);
            assertEquals("no-store", r.headers().firstValue("Cache-Control").orElse(""), path);
            assertTrue(r.headers().firstValue("Strict-Transport-Security").isEmpty(), "no HSTS over plain HTTP");
        }
    }
}
