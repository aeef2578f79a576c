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

/** The server-wide ceiling of sends per hour, the guard against SMS pumping at the operator's cost. */
class CostGuardIT {
    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of("twostep.limits.sends-per-hour", "3",
            "twostep.limits.sends-per-hour-per-country", "3"));
    private final Pages pages = new Pages(SERVER);

    @Test
    void theHourlyCeilingRefusesNewSendsWithAClearMessage() throws Exception {
        for (int i = 0; i < 3; i++) {
            HtmlPage code = pages.register(SERVER.newClient(), "pump" + i, "correct horse battery", "(415) 555-2671", "sms");
            assertEquals(200, code.getWebResponse().getStatusCode(), text(code));
        }
        HtmlPage fourth = pages.register(SERVER.newClient(), "pump3", "correct horse battery", "(415) 555-2671", "sms");
        assertEquals(429, fourth.getWebResponse().getStatusCode());
        assertTrue(text(fourth).contains("The service has sent as many codes as it may this hour. Try again in"),
                text(fourth));
        assertEquals(3, SERVER.sender().sent().size());
        assertEquals(3, SERVER.count("SELECT COUNT(*) FROM rate_events WHERE kind = 'send-all'"));
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = 'pump3'"
                + " AND event = 'CODE_SEND_LIMITED' AND detail = 'global_sends'"));
    }
}
