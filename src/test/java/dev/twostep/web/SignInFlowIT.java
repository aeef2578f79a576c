package dev.twostep.web;

import static dev.twostep.testing.Pages.click;
import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.util.Cookie;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.delivery.Channel;
import dev.twostep.delivery.CodeMessage;
import dev.twostep.delivery.DeliveryException;
import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/** Every step of the two-step sign-in, walked in HtmlUnit against the webapp on embedded Jetty. */
class SignInFlowIT {
    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer();
    private final Pages pages = new Pages(SERVER);

    private static String unique(String base) {
        return base + System.nanoTime() % 1_000_000_000L;
    }

    private static String sessionId(WebClient client) {
        Cookie cookie = client.getCookieManager().getCookie("JSESSIONID");
        return cookie == null ? null : cookie.getValue();
    }

    private static String path(HtmlPage page) {
        String query = page.getUrl().getQuery();
        return page.getUrl().getPath() + (query == null ? "" : "?" + query);
    }

    @Test
    void registrationConfirmsThePhoneWithACodeThenOpensTheAccount() throws Exception {
        String user = unique("reg");
        WebClient client = SERVER.newClient();
        HtmlPage code = pages.register(client, user, "a long enough password", "(415) 555-2671", "sms");

        assertEquals("/app/twostep/code", path(code));
        assertTrue(text(code).contains("Confirm your phone"), text(code));
        assertTrue(text(code).contains("ending in 71"), text(code));
        CodeMessage sent = SERVER.sender().last().orElseThrow();
        assertEquals("+14155552671", sent.to());
        assertEquals(Channel.SMS, sent.channel());
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = ? AND confirmed_at IS NOT NULL", user));

        HtmlPage account = enterCode(code, sent.code());
        assertEquals("/app/account", path(account));
        assertTrue(text(account).contains("Signed in as " + user), text(account));
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = ? AND confirmed_at IS NOT NULL", user));
    }

    @Test
    void signInSendsACodeAndReturnsToThePageFirstAskedFor() throws Exception {
        String user = unique("ret");
        pages.createAccount(user, "correct horse battery", "+44 20 7946 0958");
        WebClient client = SERVER.newClient();

        HtmlPage login = pages.open(client, "/account?tab=phone");
        assertEquals("/app/login", path(login));
        HtmlPage code = Pages.signIn(login, user, "correct horse battery");
        assertEquals("/app/twostep/code", path(code));
        assertTrue(text(code).contains("We sent a text message with a code to your phone ending in 58"), text(code));
        assertEquals("+442079460958", SERVER.sender().last().orElseThrow().to());

        HtmlPage landed = enterCode(code, SERVER.sender().lastCode());
        assertEquals("/app/account?tab=phone", path(landed));
        assertTrue(text(landed).contains("Signed in as " + user));
    }

    @Test
    void aWrongPasswordAndAnUnknownUserGetTheSameMessage() throws Exception {
        String user = unique("pw");
        pages.createAccount(user, "correct horse battery", "(415) 555-2671");
        int before = SERVER.sender().sent().size();

        HtmlPage wrong = pages.signIn(SERVER.newClient(), user, "wrong password!");
        HtmlPage unknown = pages.signIn(SERVER.newClient(), unique("nobody"), "wrong password!");
        assertEquals(422, wrong.getWebResponse().getStatusCode());
        assertEquals(422, unknown.getWebResponse().getStatusCode());
        String message = "The user name or the password is not right.";
        assertTrue(text(wrong).contains(message), text(wrong));
        assertTrue(text(unknown).contains(message), text(unknown));
        assertEquals(before, SERVER.sender().sent().size(), "no code may be sent before the password passed");
        // The typed name is kept, the password is not.
        assertEquals(user, wrong.<org.htmlunit.html.HtmlInput>getHtmlElementById("username").getValue());
        assertEquals("", wrong.<org.htmlunit.html.HtmlInput>getHtmlElementById("password").getValue());
    }

    @Test
    void wrongCodesAreCountedAndTheSixthTryIsRefusedEvenWithTheRightCode() throws Exception {
        String user = unique("try");
        pages.createAccount(user, "correct horse battery", "(415) 555-2671");
        WebClient client = SERVER.newClient();
        HtmlPage code = pages.signIn(client, user, "correct horse battery");
        String right = SERVER.sender().lastCode();
        String wrong = right.equals("000000") ? "111111" : "000000";

        HtmlPage page = enterCode(code, wrong);
        assertEquals(422, page.getWebResponse().getStatusCode());
        assertTrue(text(page).contains("That code is not right. 4 tries are left for this code."), text(page));
        for (int i = 0; i < 3; i++) {
            page = enterCode(page, wrong);
        }
        assertTrue(text(page).contains("One try is left"), text(page));
        page = enterCode(page, wrong);
        assertTrue(text(page).contains("Too many wrong tries for this code. Send a new code."), text(page));
        // The dead code's field is gone, "Send a new code" is the one button; a right code posted anyway fails.
        assertNull(page.getElementById("code"), text(page));
        page = Pages.post(page, "code", "action", "verify", "code", right);
        assertEquals("/app/twostep/code", path(page));
        assertTrue(text(page).contains("Too many wrong tries"), text(page));
        assertEquals("/app/login", path(pages.open(SERVER.newClient(), "/account")));

        // A new code works again.
        page = click(page, "resend");
        assertTrue(text(page).contains("A new code is on its way"), text(page));
        page = enterCode(page, SERVER.sender().lastCode());
        assertEquals("/app/account", path(page));
    }

    @Test
    void anExpiredCodeIsRefused() throws Exception {
        String user = unique("exp");
        pages.createAccount(user, "correct horse battery", "(415) 555-2671");
        HtmlPage code = pages.signIn(SERVER.newClient(), user, "correct horse battery");
        SERVER.clock().advance(Duration.ofMinutes(10).plusSeconds(1));
        HtmlPage page = enterCode(code, SERVER.sender().lastCode());
        assertEquals(422, page.getWebResponse().getStatusCode());
        assertTrue(text(page).contains("This code has expired. Send a new code."), text(page));
    }

    @Test
    void aNewCodeReplacesTheOldOne() throws Exception {
        String user = unique("new");
        pages.createAccount(user, "correct horse battery", "(415) 555-2671");
        HtmlPage code = pages.signIn(SERVER.newClient(), user, "correct horse battery");
        String old = SERVER.sender().lastCode();
        HtmlPage page = click(code, "resend");
        String fresh = SERVER.sender().lastCode();
        if (!old.equals(fresh)) {
            page = enterCode(page, old);
            assertEquals(422, page.getWebResponse().getStatusCode());
            assertTrue(text(page).contains("That code is not right."), text(page));
        }
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM challenges WHERE username = ? AND revoked_at IS NOT NULL",
                user), "the old code is revoked in the database");
        page = enterCode(page, fresh);
        assertEquals("/app/account", path(page));
    }

    @Test
    void callMeInsteadSendsTheCodeByVoice() throws Exception {
        String user = unique("call");
        pages.createAccount(user, "correct horse battery", "(415) 555-2671");
        HtmlPage code = pages.signIn(SERVER.newClient(), user, "correct horse battery");
        assertEquals("Call me instead",
                code.<org.htmlunit.html.HtmlButton>getFirstByXPath("//button[@name='switch']").asNormalizedText());
        HtmlPage page = click(code, "switch");
        assertEquals(Channel.VOICE, SERVER.sender().last().orElseThrow().channel());
        assertTrue(text(page).contains("We are calling you with a new code."), text(page));
        assertTrue(text(page).contains("We are calling your phone ending in 71"), text(page));
        assertTrue(text(page).contains("Text me instead"), text(page));
        assertEquals("/app/account", path(enterCode(page, SERVER.sender().lastCode())));
    }

    @Test
    void aFailedSendIsExplainedAndTheOtherChannelOffered() throws Exception {
        String user = unique("fail");
        pages.createAccount(user, "correct horse battery", "(415) 555-2671");
        SERVER.sender().failWith(new DeliveryException(DeliveryException.Reason.CHANNEL_UNAVAILABLE, "21614",
                "not a mobile number", null));
        HtmlPage code = pages.signIn(SERVER.newClient(), user, "correct horse battery");
        assertEquals(503, code.getWebResponse().getStatusCode());
        assertTrue(text(code).contains("Your phone cannot get the code this way"), text(code));
        assertFalse(text(code).contains("21614"));
        SERVER.sender().reset();
        HtmlPage page = click(code, "switch");
        assertEquals(Channel.VOICE, SERVER.sender().last().orElseThrow().channel());
        assertEquals("/app/account", path(enterCode(page, SERVER.sender().lastCode())));
    }

    @Test
    void theSessionIdChangesAtEachStep() throws Exception {
        String user = unique("sid");
        pages.createAccount(user, "correct horse battery", "(415) 555-2671");
        WebClient client = SERVER.newClient();
        HtmlPage login = pages.open(client, "/login");
        String anonymous = sessionId(client);
        assertNotNull(anonymous);
        HtmlPage code = Pages.signIn(login, user, "correct horse battery");
        String afterPassword = sessionId(client);
        HtmlPage account = enterCode(code, SERVER.sender().lastCode());
        String afterCode = sessionId(client);
        assertEquals("/app/account", path(account));
        assertNotEquals(anonymous, afterPassword);
        assertNotEquals(afterPassword, afterCode);
        assertNotEquals(anonymous, afterCode);
    }

    @Test
    void aSessionThatPassedOnlyThePasswordCannotOpenProtectedPages() throws Exception {
        String user = unique("half");
        pages.createAccount(user, "correct horse battery", "(415) 555-2671");
        WebClient client = SERVER.newClient();
        pages.signIn(client, user, "correct horse battery");
        assertEquals("/app/twostep/code", path(pages.open(client, "/account")));
        assertEquals("/app/twostep/code", path(pages.open(client, "/account/anything")));

        HttpResponse<String> xhr = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(SERVER.url("/account")))
                .header("Cookie", "JSESSIONID=" + sessionId(client))
                .header("X-Requested-With", "XMLHttpRequest").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, xhr.statusCode());
        assertTrue(xhr.headers().firstValue("Location").isEmpty());
    }

    @Test
    void signOutEndsTheSession() throws Exception {
        String user = unique("out");
        pages.createAccount(user, "correct horse battery", "(415) 555-2671");
        WebClient client = SERVER.newClient();
        HtmlPage account = enterCode(pages.signIn(client, user, "correct horse battery"), SERVER.sender().lastCode());
        HtmlPage after = click(account, "signout");
        assertEquals("/app/login", path(after));
        assertTrue(text(after).contains("You are signed out."));
        assertFalse(text(pages.open(client, "/login")).contains("You are signed out."), "said once");
        assertEquals("/app/login", path(pages.open(client, "/account")));
    }

    @Test
    void aNextParameterOutsideTheAppIsIgnored() throws Exception {
        String user = unique("next");
        pages.createAccount(user, "correct horse battery", "(415) 555-2671");
        for (String next : new String[] {"//evil.example", "/\\evil.example", "https://evil.example", "javascript:alert(1)"}) {
            WebClient client = SERVER.newClient();
            HtmlPage login = pages.open(client, "/login?next=" + URLEncoder.encode(next, StandardCharsets.UTF_8));
            HtmlPage landed = enterCode(Pages.signIn(login, user, "correct horse battery"), SERVER.sender().lastCode());
            assertEquals("127.0.0.1", landed.getUrl().getHost(), next);
            assertEquals("/app/account", path(landed), next);
        }
        WebClient client = SERVER.newClient();
        HtmlPage login = pages.open(client, "/login?next=" + URLEncoder.encode("/account?from=next", StandardCharsets.UTF_8));
        HtmlPage landed = enterCode(Pages.signIn(login, user, "correct horse battery"), SERVER.sender().lastCode());
        assertEquals("/app/account?from=next", path(landed));
    }

    @Test
    void twentyParallelSubmissionsOfTheRightCodeUseItOnce() throws Exception {
        String user = unique("race");
        pages.createAccount(user, "correct horse battery", "(415) 555-2671");
        WebClient client = SERVER.newClient();
        HtmlPage code = pages.signIn(client, user, "correct horse battery");
        String csrf = code.<org.htmlunit.html.HtmlInput>getFirstByXPath("//input[@name='twostep_csrf']").getValue();
        String cookie = "JSESSIONID=" + sessionId(client);
        String form = "twostep_csrf=" + URLEncoder.encode(csrf, StandardCharsets.UTF_8) + "&action=verify&code="
                + SERVER.sender().lastCode();

        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        ExecutorService pool = Executors.newFixedThreadPool(20);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> statuses = new ArrayList<>();
        AtomicInteger toAccount = new AtomicInteger();
        for (int i = 0; i < 20; i++) {
            statuses.add(pool.submit(() -> {
                start.await();
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(SERVER.url("/twostep/code")))
                        .header("Cookie", cookie).header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.headers().firstValue("Location").orElse("").endsWith("/app/account")) {
                    toAccount.incrementAndGet();
                }
                return r.statusCode();
            }));
        }
        start.countDown();
        for (Future<Integer> s : statuses) {
            assertTrue(s.get() < 500, "status " + s.get());
        }
        pool.shutdown();
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM challenges WHERE username = ? AND consumed_at IS NOT NULL"
                + " AND purpose = 'LOGIN'", user));
        // Exactly one of the twenty was accepted as a code; the others were refused or found the session
        // already verified.
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = ? AND event = 'CODE_ACCEPTED'"
                + " AND at >= (SELECT MAX(created_at) FROM challenges WHERE username = ? AND purpose = 'LOGIN')", user, user));
        assertTrue(toAccount.get() >= 1);
    }
}
