package dev.twostep.web;

import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.submitFormOf;
import static dev.twostep.testing.Pages.text;
import static dev.twostep.testing.Pages.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlInput;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.html.HtmlRadioButtonInput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/** Bad input of every kind: a clear message or a 4xx, never a stack trace, and nothing changed. */
class FormsAndErrorsIT {
    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer();
    private final Pages pages = new Pages(SERVER);
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    private static void assertNoTrace(String body) {
        for (String leak : List.of("Exception", "at dev.twostep", "at org.", "Caused by", "java.lang")) {
            assertFalse(body.contains(leak), "page shows '" + leak + "':\n" + body);
        }
    }

    private HttpResponse<String> post(String path, String cookie, String form) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(SERVER.url(path)))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * A POST over a plain socket, as a browser sends it: headers first, then as much of the body as the
     * server takes before it answers. (java.net.http cannot do this: it waits forever when a server
     * answers a large body early.)
     */
    private String rawPost(String path, String cookie, String body) throws Exception {
        URI uri = URI.create(SERVER.url(path));
        byte[] bytes = body.getBytes(StandardCharsets.US_ASCII);
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nCookie: " + cookie + "\r\nContent-Type: application/x-www-form-urlencoded"
                    + "\r\nContent-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            try {
                for (int i = 0; i < bytes.length; i += 65536) {
                    out.write(bytes, i, Math.min(65536, bytes.length - i));
                }
                out.flush();
            } catch (IOException closedEarly) {
                // The server answered and closed before taking the whole body: read its answer.
            }
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            try {
                socket.getInputStream().transferTo(response);
            } catch (IOException reset) {
                // A reset after the answer arrived is fine.
            }
            return response.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void aPostWithoutTheCsrfTokenIsRefusedAndChangesNothing() throws Exception {
        HttpResponse<String> r = post("/register", null,
                "username=csrfvictim&password=password123&phone=%2B14155552671&channel=sms");
        assertEquals(403, r.statusCode());
        assertTrue(r.body().contains("This form has expired or did not come from this site"), r.body());
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM accounts WHERE username = 'csrfvictim'"));

        // A session of its own, but a forged token.
        WebClient client = SERVER.newClient();
        pages.open(client, "/register");
        String cookie = "JSESSIONID=" + client.getCookieManager().getCookie("JSESSIONID").getValue();
        r = post("/register", cookie, "twostep_csrf=forged&username=csrfvictim&password=password123&phone=%2B14155552671&channel=sms");
        assertEquals(403, r.statusCode());
        assertNoTrace(r.body());
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM accounts WHERE username = 'csrfvictim'"));
        assertEquals(403, post("/logout", cookie, "").statusCode());
        assertEquals(403, post("/login", cookie, "username=a&password=b").statusCode());
    }

    @Test
    void emptySignInFieldsGetAMessage() throws Exception {
        HtmlPage page = pages.signIn(SERVER.newClient(), "", "");
        assertEquals(400, page.getWebResponse().getStatusCode());
        assertTrue(text(page).contains("Enter your user name and your password."), text(page));
    }

    @Test
    void aRefusedRegistrationKeepsWhatWasTypedAndSavesNothing() throws Exception {
        WebClient client = SERVER.newClient();
        HtmlPage page = pages.register(client, "keepme", "short", "020 7946 0958", "voice");
        assertEquals(422, page.getWebResponse().getStatusCode());
        String t = text(page);
        assertTrue(t.contains("Choose a password of 8 to 128 characters."), t);
        assertTrue(t.contains("That phone number is not valid."), t);
        assertEquals("keepme", page.<HtmlInput>getHtmlElementById("username").getValue());
        assertEquals("020 7946 0958", page.<HtmlInput>getHtmlElementById("phone").getValue());
        assertTrue(page.<HtmlRadioButtonInput>getFirstByXPath("//input[@value='voice']").isChecked());
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM accounts WHERE username = 'keepme'"));
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = 'keepme'"));
    }

    @Test
    void anUnknownChannelIsRefused() throws Exception {
        WebClient client = SERVER.newClient();
        HtmlPage form = pages.open(client, "/register");
        type(form, "username", "faxuser");
        type(form, "password", "password123");
        type(form, "phone", "(415) 555-2671");
        form.<HtmlRadioButtonInput>getFirstByXPath("//input[@value='sms']").setValueAttribute("fax");
        form.<HtmlRadioButtonInput>getFirstByXPath("//input[@value='fax']").setChecked(true);
        HtmlPage page = submitFormOf(form, "username");
        assertEquals(422, page.getWebResponse().getStatusCode());
        assertTrue(text(page).contains("Choose text message or voice call."), text(page));
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM accounts WHERE username = 'faxuser'"));
    }

    @Test
    void aTakenNameIsRefusedWithoutTouchingTheFirstAccount() throws Exception {
        pages.createAccount("takenname", "first password", "(415) 555-2671");
        HtmlPage page = pages.register(SERVER.newClient(), "TakenName", "second password", "+442079460958", "sms");
        assertEquals(422, page.getWebResponse().getStatusCode());
        assertTrue(text(page).contains("That user name is taken."), text(page));
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = 'takenname'"
                + " AND phone_e164 = '+14155552671'"));
    }

    @Test
    void aTenMegabyteFieldGets413AndAPlainPage() throws Exception {
        WebClient client = SERVER.newClient();
        HtmlPage form = pages.open(client, "/login");
        String csrf = form.<HtmlInput>getFirstByXPath("//input[@name='twostep_csrf']").getValue();
        String cookie = "JSESSIONID=" + client.getCookieManager().getCookie("JSESSIONID").getValue();
        String body = "twostep_csrf=" + csrf + "&password=x&username=" + "a".repeat(10 * 1024 * 1024);
        String response = rawPost("/login", cookie, body);
        assertTrue(response.startsWith("HTTP/1.1 413"), response);
        assertTrue(response.contains("What was sent is too large."), response);
        assertNoTrace(response);
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE event LIKE 'SIGN_IN%'"
                + " AND LENGTH(username) > 64"), "the oversized form never reached the sign-in");
    }

    @Test
    void malformedCodesGetAMessageAndCostNoTry() throws Exception {
        pages.createAccount("malformed", "correct horse battery", "(415) 555-2671");
        HtmlPage code = pages.signIn(SERVER.newClient(), "malformed", "correct horse battery");
        for (String bad : new String[] {"abc", "12345", "<script>", "' OR 1=1 --"}) {
            code = enterCode(code, bad);
            assertEquals(400, code.getWebResponse().getStatusCode());
            assertTrue(text(code).contains("Enter the 6-digit code, digits only."), text(code));
        }
        assertEquals(0, SERVER.count("SELECT MAX(attempts) FROM challenges WHERE username = 'malformed'"
                + " AND purpose = 'LOGIN'"));
        assertEquals("/app/account", enterCode(code, SERVER.sender().lastCode()).getUrl().getPath());
    }

    @Test
    void whatPagesEchoIsEscaped() throws Exception {
        String payload = "<script>alert(1)</script>";
        HtmlPage page = pages.register(SERVER.newClient(), payload, "password123", payload, "sms");
        assertEquals(422, page.getWebResponse().getStatusCode());
        String html = page.getWebResponse().getContentAsString();
        assertFalse(html.contains(payload), "raw payload echoed");
        assertTrue(html.contains("&lt;script&gt;"), "escaped payload expected");
    }

    @Test
    void unknownPagesAndWrongMethodsGetPlainErrorPages() throws Exception {
        HttpResponse<String> notFound = http.send(HttpRequest.newBuilder(URI.create(SERVER.url("/no/such/page"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, notFound.statusCode());
        assertTrue(notFound.body().contains("There is no page at this address."));
        HttpResponse<String> getLogout = http.send(HttpRequest.newBuilder(URI.create(SERVER.url("/logout"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, getLogout.statusCode());
        assertNoTrace(getLogout.body());
        HttpResponse<String> traversal = http.send(HttpRequest.newBuilder(
                URI.create(SERVER.url("/twostep/static/..%2f..%2fWEB-INF%2fweb.xml"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(traversal.statusCode() >= 400 && traversal.statusCode() < 500, "status " + traversal.statusCode());
        assertFalse(traversal.body().contains("<web-app"));
    }

    @Test
    void sessionCookieIsHttpOnlyAndSameSiteLax() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(SERVER.url("/login"))).build(),
                HttpResponse.BodyHandlers.ofString());
        String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(cookie.contains("HttpOnly"), cookie);
        assertTrue(cookie.toLowerCase(java.util.Locale.ROOT).contains("samesite=lax"), cookie);
        assertEquals("no-store", r.headers().firstValue("Cache-Control").orElse(""));
        assertTrue(r.headers().firstValue("Content-Security-Policy").orElse("").contains("frame-ancestors 'none'"));
    }

    @Test
    void theCodeFieldSuitsPhonesAndPasswordManagers() throws Exception {
        pages.createAccount("fieldcheck", "correct horse battery", "(415) 555-2671");
        HtmlPage code = pages.signIn(SERVER.newClient(), "fieldcheck", "correct horse battery");
        HtmlInput field = code.getHtmlElementById("code");
        assertEquals("numeric", field.getAttribute("inputmode"));
        assertEquals("one-time-code", field.getAttribute("autocomplete"));
        assertEquals("Code", code.<org.htmlunit.html.HtmlLabel>getFirstByXPath("//label[@for='code']").asNormalizedText());
    }

    /** "Remember this device" is off unless twostep.remember-device.days is set: no box, no button, no cookie. */
    @Test
    void rememberThisDeviceIsOffByDefault() throws Exception {
        String user = "off" + System.nanoTime() % 1_000_000_000L;
        pages.createAccount(user, "correct horse battery", "(415) 555-2671");
        org.htmlunit.WebClient client = SERVER.newClient();
        org.htmlunit.html.HtmlPage code = pages.signIn(client, user, "correct horse battery");
        assertEquals("/app/twostep/code", code.getUrl().getPath(), code.asNormalizedText());
        assertNull(code.getElementById("remember-code"));
        assertFalse(code.asNormalizedText().contains("Remember this device"), code.asNormalizedText());
        org.htmlunit.html.HtmlPage account = Pages.enterCode(code, SERVER.sender().lastCode());
        assertEquals("/app/account", account.getUrl().getPath(), account.asNormalizedText());
        assertNull(account.getFirstByXPath("//button[@name='forget-devices']"));
        assertNull(client.getCookieManager().getCookie(RememberedDevices.COOKIE));
    }
}
