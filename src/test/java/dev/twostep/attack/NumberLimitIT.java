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

/** One destination number gets no more codes than its share, however many accounts name it. */
class NumberLimitIT {
    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of(
            "twostep.limits.number.sends", "2", "twostep.limits.number.interval-seconds", "0"));
    private final Pages pages = new Pages(SERVER);

    @Test
    void manyAccountsOnOneNumberShareItsLimit() throws Exception {
        for (int i = 0; i < 2; i++) {
            HtmlPage code = pages.register(SERVER.newClient(), "samenumber" + i, "correct horse battery",
                    "(415) 555-2671", "sms");
            assertEquals(200, code.getWebResponse().getStatusCode(), text(code));
        }
        HtmlPage third = pages.register(SERVER.newClient(), "samenumber2", "correct horse battery", "(415) 555-2671", "sms");
        assertEquals(429, third.getWebResponse().getStatusCode());
        assertTrue(text(third).contains("You asked for codes too often."), text(third));
        assertEquals(2, SERVER.sender().sent().size());
    }
}
