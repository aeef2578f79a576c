package dev.twostep.attack;

import static dev.twostep.testing.Pages.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/** Limits per client address: code sends and failed sign-ins (every test client is 127.0.0.1). */
class AddressLimitsIT {
    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of(
            "twostep.limits.address.sends", "3", "twostep.limits.address.interval-seconds", "0",
            "twostep.limits.password-failures-per-address", "3"));
    private final Pages pages = new Pages(SERVER);

    @Test
    void oneAddressGetsNoMoreCodesThanItsShare() throws Exception {
        String[] numbers = {"(202) 555-0143", "(212) 555-0175", "(312) 555-0199", "(415) 555-0120"};
        for (int i = 0; i < 3; i++) {
            HtmlPage code = pages.register(SERVER.newClient(), "addr" + i, "correct horse battery", numbers[i], "sms");
            assertEquals(200, code.getWebResponse().getStatusCode(), text(code));
        }
        HtmlPage fourth = pages.register(SERVER.newClient(), "addr3", "correct horse battery", numbers[3], "sms");
        assertEquals(429, fourth.getWebResponse().getStatusCode());
        assertTrue(text(fourth).contains("You asked for codes too often."), text(fourth));
        assertEquals(3, SERVER.sender().sent().size());
    }

    @Test
    void oneAddressGetsNoMoreFailedSignInsThanItsShare() throws Exception {
        for (int i = 0; i < 3; i++) {
            HtmlPage wrong = pages.signIn(SERVER.newClient(), "sprayed" + i, "Winter2026!");
            assertEquals(422, wrong.getWebResponse().getStatusCode(), text(wrong));
        }
        HtmlPage throttled = pages.signIn(SERVER.newClient(), "someone-else", "Winter2026!");
        assertEquals(429, throttled.getWebResponse().getStatusCode());
        assertTrue(text(throttled).contains("Too many failed sign-ins. Try again in"), text(throttled));
        // A client hammering the throttle costs the audit trail one row per window, with a count.
        for (int i = 0; i < 40; i++) {
            assertEquals(429, pages.signIn(SERVER.newClient(), "someone-else", "Winter2026!").getWebResponse()
                    .getStatusCode());
        }
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE event = 'SIGN_IN_THROTTLED'"));
        assertEquals(41, SERVER.count("SELECT SUM(repeats) FROM audit_events WHERE event = 'SIGN_IN_THROTTLED'"));
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username LIKE 'sprayed%'"),
                "names that are no account are not recorded");
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM lockouts WHERE username LIKE 'sprayed%'"),
                "lockouts are kept under a hash of the typed name");
    }
}
