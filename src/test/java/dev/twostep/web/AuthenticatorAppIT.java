package dev.twostep.web;

import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.submitFormOf;
import static dev.twostep.testing.Pages.text;
import static dev.twostep.testing.Pages.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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
import java.util.Locale;
import java.util.Map;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlInput;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.factor.Base32;
import dev.twostep.factor.Totp;
import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/**
 * Issue 12, the authenticator app: add one after both steps (QR code and key, confirmed by a first code),
 * then sign in with it instead of a sent code; a code counts once, and wrong app codes and wrong sent codes
 * share one lock. Codes are computed here from the key the page shows, on the server's movable clock.
 */
class AuthenticatorAppIT {
    static final int LOCK_AFTER = 4;

    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of(
            "twostep.limits.code-failures-before-lock", Integer.toString(LOCK_AFTER),
            "twostep.limits.code-failures-cap", "20", "twostep.limits.lock-minutes", "5"));
    private final Pages pages = new Pages(SERVER);
    private final Totp totp = new Totp(SERVER.clock());

    private static String unique(String base) {
        return base + System.nanoTime() % 1_000_000_000L;
    }

    /** The code the app shows now. */
    String appCode(byte[] secret) {
        return totp.code(secret, totp.currentStep());
    }

    /** A code no step of the window has. */
    String wrongCode(byte[] secret) {
        long now = totp.currentStep();
        for (int i = 0; ; i++) {
            String guess = String.format(Locale.ROOT, "%06d", (i * 7919 + 123_456) % 1_000_000);
            if (!guess.equals(totp.code(secret, now - 1)) && !guess.equals(totp.code(secret, now))
                    && !guess.equals(totp.code(secret, now + 1))) {
                return guess;
            }
        }
    }

    /** Signs in with password and sent code, ending on the account page. */
    HtmlPage signedIn(WebClient client, String user) throws IOException {
        HtmlPage code = pages.signIn(client, user, "correct horse battery");
        HtmlPage account = enterCode(code, SERVER.sender().lastCode());
        assertEquals("/app/account", account.getUrl().getPath(), text(account));
        return account;
    }

    static byte[] secretOn(HtmlPage appPage) {
        return Base32.decode(appPage.getHtmlElementById("secret").asNormalizedText());
    }

    long unconfirmed(String user) {
        return SERVER.count("SELECT COUNT(*) FROM totp_factors WHERE username = ? AND confirmed_at IS NULL", user);
    }

    long confirmed(String user) {
        return SERVER.count("SELECT COUNT(*) FROM totp_factors WHERE username = ? AND confirmed_at IS NOT NULL", user);
    }

    /** Adds an app from the account page and returns its secret. */
    byte[] addApp(WebClient client, String user) throws IOException {
        HtmlPage account = signedIn(client, user);
        HtmlPage app = account.getAnchorByText("Add an authenticator app").click();
        assertEquals("/app/twostep/app", app.getUrl().getPath());
        byte[] secret = secretOn(app);
        HtmlPage done = submitFormOf(type(app, "app-code", appCode(secret)), "app-code");
        assertTrue(text(done).contains("Your authenticator app is set up"), text(done));
        assertEquals(1, confirmed(user));
        return secret;
    }

    @Test
    void addAnAppWithItsFirstCodeThenSignInWithItOnceOnly() throws Exception {
        String user = unique("totp");
        pages.createAccount(user, "correct horse battery", "(415) 555-2671");
        WebClient client = SERVER.newClient();
        HtmlPage account = signedIn(client, user);

        HtmlPage app = account.getAnchorByText("Add an authenticator app").click();
        assertEquals(200, app.getWebResponse().getStatusCode());
        String html = app.getWebResponse().getContentAsString();
        assertTrue(html.contains("<svg"), html);
        assertTrue(app.getWebResponse().getResponseHeaderValue("Content-Security-Policy").contains("default-src 'none'"));
        String shown = app.getHtmlElementById("secret").asNormalizedText();
        assertTrue(shown.matches("[A-Z2-7]{4}( [A-Z2-7]{4}){7}"), shown);
        byte[] secret = secretOn(app);
        assertEquals(20, secret.length);
        assertEquals(1, unconfirmed(user));
        assertFalse(html.contains(shown.replace(" ", "")), "the key is shown only in groups, and the QR code is markup");
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM totp_factors WHERE secret_sealed LIKE ?",
                "%" + shown.replace(" ", "") + "%"), "the secret is stored sealed");

        HtmlPage wrong = submitFormOf(type(app, "app-code", wrongCode(secret)), "app-code");
        assertEquals(422, wrong.getWebResponse().getStatusCode());
        assertTrue(text(wrong).contains("That code is not right"), text(wrong));
        assertEquals(0, confirmed(user));
        assertEquals(1, unconfirmed(user));
        assertEquals(shown, wrong.getHtmlElementById("secret").asNormalizedText(), "the same key is shown again");

        String first = appCode(secret);
        HtmlPage done = submitFormOf(type(wrong, "app-code", first), "app-code");
        assertEquals(200, done.getWebResponse().getStatusCode());
        assertTrue(text(done).contains("Your authenticator app is set up"), text(done));
        assertEquals(1, confirmed(user));
        assertEquals(0, unconfirmed(user));
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = ? AND event = ?", user,
                "AUTHENTICATOR_ADDED"));

        // Opening the page again begins another app; reloading it leaves one pending, and the confirmed one stays.
        pages.open(client, "/twostep/app");
        pages.open(client, "/twostep/app");
        assertEquals(1, unconfirmed(user));
        assertEquals(1, confirmed(user));

        // The code that confirmed the app cannot also sign in.
        HtmlPage back = done.getAnchorByText("Continue").click();
        assertEquals("/app/account", back.getUrl().getPath());
        Pages.click(back, "signout");
        WebClient second = SERVER.newClient();
        int sends = SERVER.sender().sent().size();
        HtmlPage code = pages.signIn(second, user, "correct horse battery");
        // The app, added last, is the way offered first: no text message goes out that nobody will use.
        assertTrue(text(code).contains("Open your authenticator app"), text(code));
        assertEquals(sends, SERVER.sender().sent().size(), "nothing sent at sign-in");
        assertEquals("Text me a code", code.getHtmlElementById("way-sms").asNormalizedText(), text(code));
        HtmlPage replayed = submitFormOf(type(code, "totp", first), "totp");
        assertEquals(422, replayed.getWebResponse().getStatusCode());
        assertTrue(text(replayed).contains("not right, or it was already used"), text(replayed));

        // The next step's code signs in, as a sent code does: new session id, the account page.
        SERVER.clock().advance(Duration.ofSeconds(30));
        String next = appCode(secret);
        String before = second.getCookieManager().getCookie("JSESSIONID").getValue();
        HtmlPage in = submitFormOf(type(replayed, "totp", next), "totp");
        assertEquals("/app/account", in.getUrl().getPath(), text(in));
        assertTrue(text(in).contains("Signed in as " + user), text(in));
        assertFalse(before.equals(second.getCookieManager().getCookie("JSESSIONID").getValue()),
                "the session id is renewed");
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM totp_factors WHERE username = ? AND last_used_at IS NOT NULL",
                user));

        // The same code again, in another sign-in: refused.
        WebClient third = SERVER.newClient();
        HtmlPage again = submitFormOf(type(pages.signIn(third, user, "correct horse battery"), "totp", next), "totp");
        assertEquals(422, again.getWebResponse().getStatusCode());
        assertEquals("/app/twostep/code", again.getUrl().getPath());
        assertFalse(pages.open(third, "/account").getUrl().getPath().endsWith("/account"), "not signed in");
    }

    @Test
    void theCodePageOffersNoAppToAUserWithoutOne() throws Exception {
        String user = unique("noapp");
        pages.createAccount(user, "correct horse battery", "(415) 555-2671");
        HtmlPage code = pages.signIn(SERVER.newClient(), user, "correct horse battery");
        assertFalse(text(code).contains("authenticator app"), text(code));
        assertNull(code.getElementById("totp"));
    }

    @Test
    void wrongAppCodesAndWrongSentCodesShareOneLock() throws Exception {
        String user = unique("lock");
        pages.createAccount(user, "correct horse battery", "(415) 555-2671");
        byte[] secret = addApp(SERVER.newClient(), user);
        SERVER.clock().advance(Duration.ofSeconds(30));

        WebClient client = SERVER.newClient();
        // The app is offered first; "Text me a code" under "Use another way" sends one too.
        HtmlPage page = Pages.way(pages.signIn(client, user, "correct horse battery"), "sms");
        String sent = SERVER.sender().lastCode();
        for (int i = 0; i < LOCK_AFTER; i++) {
            if (i % 2 == 0) {
                String guess = sent.equals("000000") ? "000001" : "000000";
                page = enterCode(Pages.way(page, "sms"), guess.substring(0, sent.length()));
            } else {
                page = submitFormOf(type(Pages.way(page, "app"), "totp", wrongCode(secret)), "totp");
            }
            assertFalse(page.getUrl().getPath().endsWith("/account"), "a guess got through");
            if (i < LOCK_AFTER - 1) {
                assertEquals(422, page.getWebResponse().getStatusCode(), text(page));
            }
        }
        assertEquals(429, page.getWebResponse().getStatusCode(), text(page));
        assertTrue(text(page).contains("Signing in with a code is locked for 5 minutes"), text(page));

        HtmlPage right = submitFormOf(type(page, "totp", appCode(secret)), "totp");
        assertEquals(429, right.getWebResponse().getStatusCode(), text(right));
        assertTrue(text(right).contains("locked"), text(right));
        assertEquals("/app/twostep/code", right.getUrl().getPath());
        HtmlPage rightSms = enterCode(Pages.way(right, "sms"), sent);
        assertEquals(429, rightSms.getWebResponse().getStatusCode(), text(rightSms));

        // After the lock, the app's code works, and it was not used up while locked.
        SERVER.clock().advance(Duration.ofMinutes(6));
        HtmlPage in = submitFormOf(type(Pages.way(rightSms, "app"), "totp", appCode(secret)), "totp");
        assertEquals("/app/account", in.getUrl().getPath(), text(in));
    }

    @Test
    void guessingWithTheAppAloneReachesTheCapAndThePhoneIsToldOnce() throws Exception {
        String user = unique("cap");
        pages.createAccount(user, "correct horse battery", "(415) 555-2671");
        byte[] secret = addApp(SERVER.newClient(), user);
        SERVER.clock().advance(Duration.ofSeconds(30));
        int notices = SERVER.sender().notices().size();

        HtmlPage page = pages.signIn(SERVER.newClient(), user, "correct horse battery");
        for (int guess = 1; guess <= 20; guess++) {
            page = submitFormOf(type(page, "totp", wrongCode(secret)), "totp");
            assertFalse(page.getUrl().getPath().endsWith("/account"), "a guess got through");
            if (guess % LOCK_AFTER == 0 && guess < 20) {
                assertEquals(429, page.getWebResponse().getStatusCode(), text(page));
                SERVER.clock().advance(Duration.ofMinutes(6));
            }
        }
        assertEquals(403, page.getWebResponse().getStatusCode(), text(page));
        assertTrue(text(page).contains("locked until your administrator unlocks it"), text(page));
        assertEquals(notices + 1, SERVER.sender().notices().size(), "the phone is told once");

        SERVER.clock().advance(Duration.ofHours(2));
        HtmlPage right = submitFormOf(type(page, "totp", appCode(secret)), "totp");
        assertEquals(403, right.getWebResponse().getStatusCode(), text(right));
        assertEquals(notices + 1, SERVER.sender().notices().size());
    }

    @Test
    void theAppCodeWorksBeforeAnyCodeWasSent() throws Exception {
        String user = unique("nosend");
        pages.createAccount(user, "correct horse battery", "(415) 555-2671");
        byte[] secret = addApp(SERVER.newClient(), user);
        SERVER.clock().advance(Duration.ofSeconds(30));
        WebClient client = SERVER.newClient();
        HtmlPage code = pages.signIn(client, user, "correct horse battery");
        // Nothing was sent for this sign-in (the app is offered first): the app's code alone signs in.
        int sends = SERVER.sender().sent().size();
        HtmlPage in = submitFormOf(type(code, "totp", " " + appCode(secret).substring(0, 3) + " "
                + appCode(secret).substring(3)), "totp");
        assertEquals("/app/account", in.getUrl().getPath(), text(in));
        assertEquals(sends, SERVER.sender().sent().size());
    }

    @Test
    void theAppPageNeedsBothSteps() throws Exception {
        String user = unique("half");
        pages.createAccount(user, "correct horse battery", "(415) 555-2671");

        WebClient nobody = SERVER.newClient();
        HtmlPage login = pages.open(nobody, "/twostep/app");
        assertEquals("/app/login", login.getUrl().getPath());

        WebClient half = SERVER.newClient();
        pages.signIn(half, user, "correct horse battery");
        HtmlPage code = pages.open(half, "/twostep/app");
        assertEquals("/app/twostep/code", code.getUrl().getPath());
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM totp_factors WHERE username = ?", user));
    }

    /** Posts the same app code form from {@code n} threads at once; returns the statuses. */
    static List<Integer> parallel(WebClient client, HtmlPage code, int n, java.util.function.IntFunction<String> codes)
            throws Exception {
        String csrf = code.<HtmlInput>getFirstByXPath("//input[@name='twostep_csrf']").getValue();
        String cookie = "JSESSIONID=" + client.getCookieManager().getCookie("JSESSIONID").getValue();
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String form = "twostep_csrf=" + URLEncoder.encode(csrf, StandardCharsets.UTF_8) + "&action=totp&code="
                    + codes.apply(i);
            futures.add(pool.submit(() -> {
                start.await();
                return http.send(HttpRequest.newBuilder(URI.create(SERVER.url("/twostep/code")))
                        .header("Cookie", cookie).header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
            }));
        }
        start.countDown();
        List<Integer> statuses = new ArrayList<>();
        for (Future<Integer> f : futures) {
            statuses.add(f.get());
        }
        pool.shutdown();
        return statuses;
    }

    @Test
    void twentyParallelSubmissionsOfTheRightAppCodeSignInOnce() throws Exception {
        String user = unique("race");
        pages.createAccount(user, "correct horse battery", "(415) 555-2671");
        byte[] secret = addApp(SERVER.newClient(), user);
        SERVER.clock().advance(Duration.ofSeconds(30));
        WebClient client = SERVER.newClient();
        HtmlPage code = pages.signIn(client, user, "correct horse battery");
        String right = appCode(secret);

        List<Integer> statuses = parallel(client, code, 20, i -> right);
        assertTrue(statuses.stream().allMatch(s -> s < 500), statuses.toString());
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = ? AND event = 'CODE_ACCEPTED'"
                + " AND detail = 'authenticator app'", user), statuses.toString());
    }

    @Test
    void aBurstOfParallelWrongAppCodesGetsNoMoreChecksThanTheLockAllows() throws Exception {
        String user = unique("burst");
        pages.createAccount(user, "correct horse battery", "(415) 555-2671");
        byte[] secret = addApp(SERVER.newClient(), user);
        SERVER.clock().advance(Duration.ofSeconds(30));
        WebClient client = SERVER.newClient();
        HtmlPage code = pages.signIn(client, user, "correct horse battery");
        String wrong = wrongCode(secret);

        List<Integer> statuses = parallel(client, code, 16, i -> wrong);
        // Checked and refused without a lock: 422. At most the tries before the lock (one more may slip in
        // between a parallel try's count and its lock).
        long checkedWithoutLock = statuses.stream().filter(s -> s == 422).count();
        assertTrue(checkedWithoutLock <= LOCK_AFTER, statuses.toString());
        assertTrue(statuses.contains(429), statuses.toString());
        // Every one of them was counted: the cap still bounds a guesser however fast they send.
        HtmlPage locked = submitFormOf(type(pages.open(client, "/twostep/code"), "totp", appCode(secret)), "totp");
        assertEquals(429, locked.getWebResponse().getStatusCode(), text(locked));
    }

    @Test
    void anAppIsNamedAsTheUserCallsIt() throws Exception {
        String user = unique("named");
        pages.createAccount(user, "correct horse battery", "(415) 555-2671");
        WebClient client = SERVER.newClient();
        signedIn(client, user);
        HtmlPage app = pages.open(client, "/twostep/app");
        byte[] secret = secretOn(app);
        type(app, "app-label", "x".repeat(65));
        HtmlPage tooLong = submitFormOf(type(app, "app-code", appCode(secret)), "app-code");
        assertEquals(400, tooLong.getWebResponse().getStatusCode(), text(tooLong));
        assertTrue(text(tooLong).contains("at most 64 characters"), text(tooLong));
        assertEquals(0, confirmed(user));

        type(tooLong, "app-label", "  Work\tphone  ");
        HtmlPage done = submitFormOf(type(tooLong, "app-code", appCode(secret)), "app-code");
        assertTrue(text(done).contains("Your authenticator app is set up"), text(done));
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM totp_factors WHERE username = ? AND label = ?"
                + " AND confirmed_at IS NOT NULL", user, "Work phone"));
        HtmlPage security = pages.open(client, "/twostep/security");
        assertTrue(text(security).contains("Authenticator app: Work phone"), text(security));
    }
}
