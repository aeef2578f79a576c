package dev.twostep.attack;

import static dev.twostep.testing.Pages.click;
import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/**
 * Guessing stops (NIST SP 800-63B 5.2.2): after the cap of wrong codes without a success (100 by default,
 * 15 here) the second step stays locked, whatever time passes, until an operator unlocks it; the user's
 * phone is told once.
 */
class GuessingCapIT {
    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of(
            "twostep.limits.code-failures-before-lock", "5", "twostep.limits.code-failures-cap", "15",
            "twostep.limits.lock-minutes", "1,5"));
    private final Pages pages = new Pages(SERVER);

    private static String wrongFor(String right, int i) {
        String guess = String.format(java.util.Locale.ROOT, "%06d", i);
        return guess.equals(right) ? String.format(java.util.Locale.ROOT, "%06d", i + 500_000) : guess;
    }

    @Test
    void afterTheCapTheSecondStepStaysLockedAndThePhoneIsTold() throws Exception {
        pages.createAccount("capped", "correct horse battery", "(415) 555-2671");
        WebClient attacker = SERVER.newClient();
        HtmlPage page = pages.signIn(attacker, "capped", "correct horse battery");
        int guesses = 0;
        for (int round = 0; round < 3; round++) {
            String right = SERVER.sender().lastCode();
            for (int i = 0; i < 5; i++) {
                page = enterCode(page, wrongFor(right, guesses++));
                assertFalse(page.getUrl().getPath().endsWith("/account"), "a guess got through");
            }
            if (round < 2) {
                assertEquals(429, page.getWebResponse().getStatusCode(), text(page));
                SERVER.clock().advance(Duration.ofMinutes(6));
                page = click(page, "resend");
                assertEquals(200, page.getWebResponse().getStatusCode(), text(page));
            }
        }
        assertEquals(403, page.getWebResponse().getStatusCode(), text(page));
        assertTrue(text(page).contains("locked until your administrator unlocks it"), text(page));
        assertEquals(1, SERVER.sender().notices().size(), "the phone is told once");
        assertEquals("+14155552671", SERVER.sender().notices().get(0).to());
        assertTrue(SERVER.sender().notices().get(0).text().contains("locked"), SERVER.sender().notices().get(0).text());

        // Days later: no new code, and not even the right code of a fresh sign-in passes.
        SERVER.clock().advance(Duration.ofDays(3));
        int sends = SERVER.sender().sent().size();
        HtmlPage again = pages.signIn(SERVER.newClient(), "capped", "correct horse battery");
        assertEquals(403, again.getWebResponse().getStatusCode(), text(again));
        assertTrue(text(again).contains("locked until your administrator unlocks it"), text(again));
        assertEquals(sends, SERVER.sender().sent().size(), "no code is sent to a locked account");
        assertEquals(1, SERVER.sender().notices().size(), "told once, not at every try");

        // The operator unlocks it (docs/security.md): the user signs in again.
        SERVER.jdbc().update("operator", "DELETE FROM lockouts WHERE scope = 'code' AND username = ?",
                dev.twostep.db.Jdbc.params("capped"));
        HtmlPage code = pages.signIn(SERVER.newClient(), "capped", "correct horse battery");
        HtmlPage account = enterCode(code, SERVER.sender().lastCode());
        assertTrue(account.getUrl().getPath().endsWith("/account"), text(account));
    }
}
