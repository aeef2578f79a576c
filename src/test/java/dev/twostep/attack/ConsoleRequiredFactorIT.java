package dev.twostep.attack;

import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.HashMap;
import java.util.Map;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/**
 * With {@code twostep.factors.required}, the guard keeps the protected pages closed to a session whose user
 * still owes a required factor. The operators' console, which can unlock, sign out and reset anyone, must
 * stay closed to such an operator too: the set-up first.
 */
class ConsoleRequiredFactorIT {
    static final String PASSWORD = "correct horse battery";

    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(settings());
    private final Pages pages = new Pages(SERVER);

    private static Map<String, String> settings() {
        Map<String, String> s = new HashMap<>(TwostepServer.RELAXED_LIMITS);
        s.put("twostep.admin.users", "olga");
        s.put("twostep.factors.required", "totp");
        return s;
    }

    @Test
    void anOperatorWhoOwesARequiredFactorSetsItUpBeforeTheConsole() throws Exception {
        String bob = "bob" + System.nanoTime() % 1_000_000L;
        HtmlPage bobsSetup = enterCode(pages.register(SERVER.newClient(), bob, PASSWORD, "+14155552671", "sms"),
                SERVER.sender().lastCode());
        assertEquals("/app/twostep/app", bobsSetup.getUrl().getPath(), text(bobsSetup));

        WebClient olga = SERVER.newClient();
        HtmlPage setup = enterCode(pages.register(olga, "olga", PASSWORD, "+14155550123", "sms"),
                SERVER.sender().lastCode());
        assertEquals("/app/twostep/app", setup.getUrl().getPath(), text(setup));
        // The app's own pages are closed to her until the app is set up ...
        assertEquals("/app/twostep/app", pages.open(olga, "/account").getUrl().getPath());
        // ... and so is the console.
        HtmlPage console = pages.open(olga, "/twostep/admin/user?name=" + bob);
        assertEquals("/app/twostep/app", console.getUrl().getPath(), text(console));
        HtmlPage forged = Pages.post(setup, "/app/twostep/admin/user", "name", bob, "action", "end-sessions");
        assertFalse(text(forged).contains("Every session of the user was ended"), text(forged));
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = ? AND event LIKE 'OPERATOR%'",
                bob));
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM sign_outs WHERE username = ?", bob));
    }
}
