package dev.twostep.web;

import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlInput;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.delivery.CodeMessage;
import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/**
 * Codes go out only when a person asks (a POST), the session always points at the live code, a user who
 * once had a confirmed phone cannot enroll a new one at sign-in, and a sign-in ends after its absolute
 * lifetime.
 */
class SendingOnPurposeIT {
    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of("twostep.session.max-minutes", "720"));
    private final Pages pages = new Pages(SERVER);

    @Test
    void viewingTheCodePageSendsNothing() throws Exception {
        pages.createAccount("viewer", "correct horse battery", "(415) 555-2671");
        SERVER.sender().reset();
        WebClient browser = SERVER.newClient();
        HtmlPage code = pages.signIn(browser, "viewer", "correct horse battery");
        assertEquals(1, SERVER.sender().sent().size(), "the password step's POST sends the code");
        assertTrue(text(code).contains("We sent a text message with a code to your phone ending in 71."), text(code));
        assertFalse(text(code).contains("A code is on its way"), "said once, not twice: " + text(code));
        for (int i = 0; i < 3; i++) {
            // A reload, a prefetch, a link preview.
            HtmlPage again = pages.open(browser, "/twostep/code");
            assertEquals(200, again.getWebResponse().getStatusCode());
        }
        assertEquals(1, SERVER.sender().sent().size(), "page views sent nothing");
        HtmlPage account = enterCode(pages.open(browser, "/twostep/code"), SERVER.sender().lastCode());
        assertTrue(account.getUrl().getPath().endsWith("/account"), account.getUrl().toString());
    }

    @Test
    void aDoubleClickOnSendANewCodeLeavesTheSessionOnTheLiveCode() throws Exception {
        pages.createAccount("doubleclick", "correct horse battery", "(415) 555-2671");
        WebClient browser = SERVER.newClient();
        HtmlPage code = pages.signIn(browser, "doubleclick", "correct horse battery");
        String cookie = "JSESSIONID=" + browser.getCookieManager().getCookie("JSESSIONID").getValue();
        String token = code.<HtmlInput>getFirstByXPath("//input[@name='twostep_csrf']").getValue();

        // Two clicks: the first click's code is made first but its send is held until the second click's code
        // is made; the second click's send is held until the first click's answer came back.
        CountDownLatch firstHeld = new CountDownLatch(1);
        CountDownLatch secondMade = new CountDownLatch(1);
        CountDownLatch firstAnswered = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        SERVER.sender().beforeSend(m -> {
            try {
                if (calls.incrementAndGet() == 1) {
                    firstHeld.countDown();
                    secondMade.await(10, TimeUnit.SECONDS);
                } else {
                    secondMade.countDown();
                    firstAnswered.await(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        HttpRequest resend = HttpRequest.newBuilder(URI.create(SERVER.url("/twostep/code")))
                .header("Cookie", cookie).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("action=resend&twostep_csrf=" + token)).build();
        CompletableFuture<HttpResponse<String>> first = http.sendAsync(resend, HttpResponse.BodyHandlers.ofString());
        assertTrue(firstHeld.await(10, TimeUnit.SECONDS));
        CompletableFuture<HttpResponse<String>> second = http.sendAsync(resend, HttpResponse.BodyHandlers.ofString());
        assertEquals(303, first.get(20, TimeUnit.SECONDS).statusCode());
        firstAnswered.countDown();
        assertEquals(303, second.get(20, TimeUnit.SECONDS).statusCode());
        SERVER.sender().beforeSend(m -> { });

        long liveId = SERVER.jdbc().queryOne("live code", "SELECT id FROM challenges WHERE username = 'doubleclick'"
                + " AND revoked_at IS NULL AND consumed_at IS NULL", dev.twostep.db.Jdbc.params(), rs -> rs.getLong(1))
                .orElseThrow();
        String liveCode = SERVER.sender().sent().stream().filter(m -> m.challengeId() == liveId)
                .map(CodeMessage::code).findFirst().orElseThrow();
        HtmlPage account = enterCode(pages.open(browser, "/twostep/code"), liveCode);
        assertTrue(account.getUrl().getPath().endsWith("/account"), text(account));
    }

    @Test
    void aUserWhoOnceConfirmedAPhoneCannotEnrollANewOneAtSignIn() throws Exception {
        pages.createAccount("restored", "correct horse battery", "(415) 555-2671");
        // A restore from an older backup, or another database: the phone is gone, the audit trail remembers it.
        SERVER.jdbc().update("test", "DELETE FROM phones WHERE username = ?", dev.twostep.db.Jdbc.params("restored"));
        SERVER.sender().reset();
        WebClient attacker = SERVER.newClient();
        HtmlPage afterPassword = pages.signIn(attacker, "restored", "correct horse battery");
        assertEquals(403, afterPassword.getWebResponse().getStatusCode());
        assertTrue(text(afterPassword).contains("ask your administrator"), text(afterPassword));
        HtmlPage enroll = pages.open(attacker, "/twostep/enroll");
        assertEquals(403, enroll.getWebResponse().getStatusCode());
        assertTrue(text(enroll).contains("ask your administrator"), text(enroll));
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = 'restored'"));
        assertEquals(0, SERVER.sender().sent().size());

        // Restored with the phone back but unconfirmed: no code confirms it, and it cannot be changed here.
        SERVER.jdbc().update("test", "INSERT INTO phones (username, phone_e164, channel, confirmed_at, updated_at)"
                + " VALUES ('restored', '+12025550143', 'SMS', NULL, 1)", dev.twostep.db.Jdbc.params());
        HtmlPage pending = pages.signIn(SERVER.newClient(), "restored", "correct horse battery");
        assertEquals(403, pending.getWebResponse().getStatusCode(), text(pending));
        assertTrue(text(pending).contains("ask your administrator"), text(pending));
        assertEquals(0, SERVER.sender().sent().size(), "no code to the unconfirmed number");
    }

    @Test
    void aSignInEndsAfterItsAbsoluteLifetimeHoweverActive() throws Exception {
        pages.createAccount("longday", "correct horse battery", "(415) 555-2671");
        WebClient browser = SERVER.newClient();
        HtmlPage account = enterCode(pages.signIn(browser, "longday", "correct horse battery"),
                SERVER.sender().lastCode());
        assertTrue(account.getUrl().getPath().endsWith("/account"));
        for (int hour = 0; hour < 11; hour++) {
            SERVER.clock().advance(Duration.ofHours(1));
            assertTrue(pages.open(browser, "/account").getUrl().getPath().endsWith("/account"), "still signed in");
        }
        SERVER.clock().advance(Duration.ofMinutes(61));
        HtmlPage after = pages.open(browser, "/account");
        assertTrue(after.getUrl().getPath().endsWith("/login"), after.getUrl().toString());
    }
}
