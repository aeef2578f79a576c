package dev.twostep.attack;

import static dev.twostep.testing.Pages.click;
import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlInput;
import org.htmlunit.html.HtmlButton;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/**
 * An attacker who has the password and guesses codes, sequentially and in parallel, or replays codes.
 * The app runs with its default limits for users and numbers.
 */
class GuessingAndReplayIT {
    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of(
            "twostep.limits.user.sends", "5", "twostep.limits.user.interval-seconds", "30",
            "twostep.limits.number.sends", "1000", "twostep.limits.number.interval-seconds", "0"));
    private final Pages pages = new Pages(SERVER);
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    private static String wrongFor(String right, int i) {
        String guess = String.format(java.util.Locale.ROOT, "%06d", i);
        return guess.equals(right) ? String.format(java.util.Locale.ROOT, "%06d", i + 500_000) : guess;
    }

    private void account(String user) throws Exception {
        pages.createAccount(user, "correct horse battery", "(415) 555-2671");
        SERVER.clock().advance(Duration.ofSeconds(31));
    }

    @Test
    void sequentialGuessingKillsCodesThenLocksTheAccountAndTheLockHolds() throws Exception {
        account("guessed");
        HtmlPage page = pages.signIn(SERVER.newClient(), "guessed", "correct horse battery");
        int guesses = 0;
        for (int round = 0; round < 2; round++) {
            String right = SERVER.sender().lastCode();
            for (int i = 0; i < 5; i++) {
                page = enterCode(page, wrongFor(right, guesses++));
                assertFalse(page.getUrl().getPath().endsWith("/account"), "a guess got through");
            }
            if (round == 0) {
                SERVER.clock().advance(Duration.ofSeconds(31));
                page = click(page, "resend");
                assertEquals(200, page.getWebResponse().getStatusCode(), text(page));
            }
        }
        // Ten wrong codes in a row: the second step is locked.
        assertEquals(429, page.getWebResponse().getStatusCode(), text(page));
        assertTrue(text(page).contains("Too many wrong codes. Signing in with a code is locked for a minute."), text(page));
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM lockouts WHERE scope = 'code' AND username = 'guessed'"));

        // The lock holds: no new code, and even the right one is refused.
        SERVER.clock().advance(Duration.ofSeconds(31));
        page = click(page, "resend");
        assertEquals(429, page.getWebResponse().getStatusCode());
        assertTrue(text(page).contains("locked"), text(page));
        // (The page offers no field for the dead code any more: posted by hand, it is refused by the lock.)
        page = Pages.post(page, "code", "action", "verify", "code", SERVER.sender().lastCode());
        assertEquals(429, page.getWebResponse().getStatusCode());

        // After the lock, a fresh code works, and the success resets the count.
        SERVER.clock().advance(Duration.ofMinutes(1));
        page = click(page, "resend");
        page = enterCode(page, SERVER.sender().lastCode());
        assertTrue(page.getUrl().getPath().endsWith("/account"), text(page));
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM lockouts WHERE scope = 'code' AND username = 'guessed'"));
    }

    @Test
    void parallelGuessingGetsNothingThrough() throws Exception {
        account("parallel");
        WebClient client = SERVER.newClient();
        HtmlPage code = pages.signIn(client, "parallel", "correct horse battery");
        String right = SERVER.sender().lastCode();
        String csrf = code.<HtmlInput>getFirstByXPath("//input[@name='twostep_csrf']").getValue();
        String cookie = "JSESSIONID=" + client.getCookieManager().getCookie("JSESSIONID").getValue();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            String guess = wrongFor(right, i * 7919);
            answers.add(pool.submit(() -> http.send(HttpRequest.newBuilder(URI.create(SERVER.url("/twostep/code")))
                    .header("Cookie", cookie).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("twostep_csrf=" + URLEncoder.encode(csrf, StandardCharsets.UTF_8)
                            + "&action=verify&code=" + guess)).build(), HttpResponse.BodyHandlers.ofString())));
        }
        for (Future<HttpResponse<String>> a : answers) {
            HttpResponse<String> r = a.get();
            assertTrue(r.statusCode() == 422 || r.statusCode() == 429, "status " + r.statusCode());
            assertTrue(r.headers().firstValue("Location").isEmpty());
        }
        pool.shutdown();
        assertEquals(5, SERVER.count("SELECT attempts FROM challenges WHERE username = 'parallel' AND purpose = 'LOGIN'"),
                "no more than five comparisons for one code, however parallel");
        HtmlPage after = enterCode(code, right);
        assertFalse(after.getUrl().getPath().endsWith("/account"), "the right code after the guesses must fail");
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM challenges WHERE username = 'parallel' AND consumed_at IS NOT NULL"
                + " AND purpose = 'LOGIN'"));
    }

    @Test
    void usedOlderForeignAndSignedOutCodesAreAllRefused() throws Exception {
        account("replayer");
        account("victim");
        WebClient client = SERVER.newClient();
        HtmlPage code = pages.signIn(client, "replayer", "correct horse battery");
        String older = SERVER.sender().lastCode();
        SERVER.clock().advance(Duration.ofSeconds(31));
        HtmlPage resent = click(code, "resend");
        String used = SERVER.sender().lastCode();
        HtmlPage account = enterCode(resent, used);
        assertTrue(account.getUrl().getPath().endsWith("/account"));
        click(account, "signout");

        // Another user's live code.
        pages.signIn(SERVER.newClient(), "victim", "correct horse battery");
        String victims = SERVER.sender().lastCode();

        SERVER.clock().advance(Duration.ofSeconds(31));
        HtmlPage again = pages.signIn(client, "replayer", "correct horse battery");
        String current = SERVER.sender().lastCode();
        for (String replay : new String[] {used, older, victims}) {
            if (replay.equals(current)) {
                continue;
            }
            HtmlPage refused = enterCode(again, replay);
            assertEquals(422, refused.getWebResponse().getStatusCode(), replay);
            again = refused;
        }
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM challenges WHERE username = 'replayer'"
                + " AND purpose = 'LOGIN' AND consumed_at IS NOT NULL"), "only the one real use");
    }

    @Test
    void tooManySendsAreRefusedWithTheWait() throws Exception {
        account("sender");
        HtmlPage page = pages.signIn(SERVER.newClient(), "sender", "correct horse battery");
        // The page says when a new code can be asked for, with the button disabled until then.
        HtmlButton resend = page.getHtmlElementById("resend");
        assertTrue(resend.isDisabled(), page.asXml());
        assertTrue(text(page).contains("Send again in 0:30"), text(page));
        // Asked for anyway (a script, or a page left open): refused with the wait, which is no error.
        HtmlPage tooSoon = Pages.post(page, "code", "action", "resend");
        assertEquals(429, tooSoon.getWebResponse().getStatusCode());
        assertTrue(text(tooSoon).contains("You can ask for a new code in 0:30. The code we sent still works."),
                text(tooSoon));
        assertNull(tooSoon.getFirstByXPath("//p[@class='error']"), text(tooSoon));
        assertTrue(tooSoon.getWebResponse().getResponseHeaderValue("Retry-After") != null);
        // createAccount sent 1, sign-in 1: three more fit in the 15-minute window, the sixth does not.
        for (int i = 0; i < 3; i++) {
            SERVER.clock().advance(Duration.ofSeconds(31));
            page = click(page, "resend");
            assertEquals(200, page.getWebResponse().getStatusCode(), text(page));
        }
        SERVER.clock().advance(Duration.ofSeconds(31));
        HtmlPage sixth = click(page, "resend");
        assertEquals(429, sixth.getWebResponse().getStatusCode());
        assertTrue(text(sixth).contains("You asked for codes too often. Wait "), text(sixth));
        assertEquals(2, SERVER.count("SELECT SUM(repeats) FROM audit_events WHERE username = 'sender'"
                + " AND event = 'CODE_SEND_LIMITED' AND detail = 'sends'"), "both refusals are in the audit trail");
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = 'sender'"
                + " AND event = 'CODE_SEND_LIMITED'"), "as one row with a count");
    }
}
