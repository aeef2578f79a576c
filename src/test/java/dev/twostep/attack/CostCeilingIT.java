package dev.twostep.attack;

import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/**
 * The cost ceiling is not a switch against established users: an attacker with many client addresses who
 * registers accounts against fresh numbers uses up only the budget for numbers nobody confirmed yet (and
 * per country), while users with confirmed phones keep getting their codes. Addresses come from
 * X-Forwarded-For behind a trusted proxy (the test client, 127.0.0.1).
 */
class CostCeilingIT {
    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of(
            "twostep.trusted-proxies", "127.0.0.1",
            "twostep.limits.sends-per-hour", "12",
            "twostep.limits.sends-per-hour-per-country", "8",
            "twostep.limits.address.sends", "2",
            "twostep.limits.user.sends-per-day", "4"));
    private final Pages pages = new Pages(SERVER);

    @Test
    void pumpingFromManyAddressesLeavesEstablishedUsersSigningIn() throws Exception {
        pages.createAccount("veteran", "correct horse battery", "(212) 555-0175");
        // The veteran's phone was confirmed long ago.
        SERVER.clock().advance(java.time.Duration.ofDays(8));
        int sentBefore = SERVER.sender().sent().size();

        // 40 addresses, each registering one account against a fresh number, in the US and the UK.
        int refused = 0;
        int sent = 0;
        for (int i = 0; i < 40; i++) {
            String number = i % 2 == 0 ? String.format(java.util.Locale.ROOT, "+1 415 555 %04d", 1000 + i)
                    : String.format(java.util.Locale.ROOT, "+44 20 7946 %04d", 1000 + i);
            HtmlPage page = pages.register(SERVER.newClientFrom("198.51.100." + (i + 1)), "pump" + i, "correct horse battery",
                    number, "sms");
            if (page.getWebResponse().getStatusCode() == 429) {
                refused++;
                assertTrue(text(page).contains("The service has sent as many codes as it may this hour."), text(page));
            } else {
                sent++;
            }
        }
        // The new-number budget (12 an hour, 8 per country) is all they get.
        assertEquals(12, sent, "codes the pumping got");
        assertEquals(28, refused);
        assertEquals(sentBefore + 12, SERVER.sender().sent().size());
        assertTrue(SERVER.count("SELECT COUNT(*) FROM rate_events WHERE kind = 'send-new-cc' AND subject = 'US'") <= 8);

        // The established user signs in as always, from yet another address.
        HtmlPage code = pages.signIn(SERVER.newClientFrom("203.0.113.7"), "veteran", "correct horse battery");
        assertEquals(200, code.getWebResponse().getStatusCode(), text(code));
        assertTrue(text(code).contains("We sent a text message with a code to your phone ending in"), text(code));
        HtmlPage account = enterCode(code, SERVER.sender().lastCode());
        assertTrue(account.getUrl().getPath().endsWith("/account"), text(account));
    }

    @Test
    void accountsThePumperConfirmedOnTheirOwnNumbersDrawOnTheNewNumberBudget() throws Exception {
        // An attacker registers accounts on numbers they own and confirms them: their sign-ins are not yet
        // "established", so they count where pumping counts, not in the budget of established users.
        SERVER.clock().advance(java.time.Duration.ofHours(2));
        for (int i = 0; i < 3; i++) {
            WebClient own = SERVER.newClientFrom("192.0.2." + (i + 1));
            HtmlPage code = pages.register(own, "fresh" + i, "correct horse battery",
                    String.format(java.util.Locale.ROOT, "+1 415 555 %04d", 7000 + i), "sms");
            enterCode(code, SERVER.sender().lastCode());
        }
        long hourAgo = SERVER.clock().millis() - 3_600_000L;
        String inTheHour = "SELECT COUNT(*) FROM rate_events WHERE kind = ? AND at > ?";
        assertEquals(3, SERVER.count(inTheHour, "send-all", hourAgo));
        long confirmedBefore = SERVER.count(inTheHour, "send-all-ok", hourAgo);
        HtmlPage signIn = pages.signIn(SERVER.newClientFrom("192.0.2.50"), "fresh0", "correct horse battery");
        assertEquals(200, signIn.getWebResponse().getStatusCode(), text(signIn));
        assertEquals(4, SERVER.count(inTheHour, "send-all", hourAgo),
                "a sign-in to a phone confirmed minutes ago counts in the new-number budget");
        assertEquals(confirmedBefore, SERVER.count(inTheHour, "send-all-ok", hourAgo));

        // However old the account, one user gets at most a few codes a day (4 here, 12 by default).
        SERVER.clock().advance(java.time.Duration.ofDays(8));
        for (int i = 0; i < 4; i++) {
            SERVER.clock().advance(java.time.Duration.ofMinutes(20));
            HtmlPage again = pages.signIn(SERVER.newClientFrom("192.0.2.60"), "fresh1", "correct horse battery");
            assertEquals(i < 4 ? 200 : 429, again.getWebResponse().getStatusCode(), text(again));
        }
        SERVER.clock().advance(java.time.Duration.ofMinutes(20));
        HtmlPage fifth = pages.signIn(SERVER.newClientFrom("192.0.2.60"), "fresh1", "correct horse battery");
        assertEquals(429, fifth.getWebResponse().getStatusCode(), text(fifth));
        assertTrue(text(fifth).contains("You asked for codes too often."), text(fifth));
    }
}
