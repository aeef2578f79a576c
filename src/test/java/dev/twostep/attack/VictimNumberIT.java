package dev.twostep.attack;

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
 * A victim's number named in registrations from many addresses: a number nobody has confirmed gets at most
 * a few codes a day, whoever asks.
 */
class VictimNumberIT {
    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of(
            "twostep.trusted-proxies", "127.0.0.1", "twostep.limits.number.new-sends-per-day", "3"));
    private final Pages pages = new Pages(SERVER);

    @Test
    void aNumberNobodyConfirmedGetsAFewCodesADay() throws Exception {
        for (int i = 0; i < 6; i++) {
            WebClient attacker = SERVER.newClientFrom("198.51.100." + (i + 1));
            HtmlPage page = pages.register(attacker, "annoy" + i, "correct horse battery", "(415) 555-2671", "sms");
            assertEquals(i < 3 ? 200 : 429, page.getWebResponse().getStatusCode(), text(page));
            if (i >= 3) {
                assertTrue(text(page).contains("You asked for codes too often."), text(page));
            }
        }
        assertEquals(3, SERVER.sender().sent().size());
        SERVER.clock().advance(java.time.Duration.ofHours(25));
        WebClient tomorrow = SERVER.newClientFrom("198.51.100.77");
        assertEquals(200, pages.register(tomorrow, "annoy9", "correct horse battery", "(415) 555-2671", "sms")
                .getWebResponse().getStatusCode());
    }
}
