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
 * An office or a carrier-grade NAT: many users behind one address. With the default per-address limits
 * (5 codes per 15 minutes, one per 30 s), six colleagues signing in within a minute all get their codes,
 * because signing in to a confirmed phone has a budget of its own; the tight limit is for new numbers.
 */
class SharedAddressIT {
    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of(
            "twostep.trusted-proxies", "127.0.0.1",
            "twostep.limits.address.sends", "5", "twostep.limits.address.interval-seconds", "30",
            "twostep.limits.address.confirmed-sends", "100"));
    private final Pages pages = new Pages(SERVER);

    @Test
    void sixColleaguesBehindOneAddressSignInWithinAMinute() throws Exception {
        String[] numbers = {"(202) 555-0143", "(212) 555-0175", "(312) 555-0199", "(415) 555-0120",
            "(617) 555-0111", "(713) 555-0188"};
        for (int i = 0; i < numbers.length; i++) {
            // Each enrolled at home, from an address of their own.
            WebClient home = SERVER.newClientFrom("192.0.2." + (i + 1));
            HtmlPage code = pages.register(home, "colleague" + i, "correct horse battery", numbers[i], "sms");
            enterCode(code, SERVER.sender().lastCode());
        }
        // A week later their phones are established, and sign-ins draw on the confirmed-number budget.
        SERVER.clock().advance(java.time.Duration.ofDays(8));
        for (int i = 0; i < numbers.length; i++) {
            HtmlPage code = pages.signIn(SERVER.newClientFrom("203.0.113.50"), "colleague" + i, "correct horse battery");
            assertEquals(200, code.getWebResponse().getStatusCode(), "colleague " + i + ": " + text(code));
            HtmlPage account = enterCode(code, SERVER.sender().lastCode());
            assertTrue(account.getUrl().getPath().endsWith("/account"), text(account));
        }
    }

    @Test
    void newNumbersFromOneAddressStillGetTheTightLimit() throws Exception {
        for (int i = 0; i < 2; i++) {
            HtmlPage code = pages.register(SERVER.newClientFrom("203.0.113.99"), "newcomer" + i, "correct horse battery",
                    String.format(java.util.Locale.ROOT, "(415) 555-%04d", 3000 + i), "sms");
            assertEquals(i == 0 ? 200 : 429, code.getWebResponse().getStatusCode(), text(code));
        }
    }
}
