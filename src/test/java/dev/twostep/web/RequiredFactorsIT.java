package dev.twostep.web;

import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.submitFormOf;
import static dev.twostep.testing.Pages.text;
import static dev.twostep.testing.Pages.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.factor.Base32;
import dev.twostep.factor.Totp;
import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/**
 * Issue 12, item 6: {@code twostep.factors.required=phone,recovery,totp} makes every user set up each kind
 * before a protected page opens, at enrollment and at every later sign-in that finds one missing.
 */
class RequiredFactorsIT {
    static final String PASSWORD = "correct horse battery";

    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(settings());
    private final Pages pages = new Pages(SERVER);

    private static Map<String, String> settings() {
        Map<String, String> s = new HashMap<>(TwostepServer.RELAXED_LIMITS);
        s.put("twostep.factors.required", "phone,totp,recovery");
        return s;
    }

    private static String unique(String base) {
        return base + System.nanoTime() % 1_000_000_000L;
    }

    @Test
    void registrationGoesThroughEveryRequiredKindBeforeTheAccountPage() throws Exception {
        String user = unique("req");
        WebClient client = SERVER.newClient();
        HtmlPage code = pages.register(client, user, PASSWORD, "(415) 555-2671", "sms");
        HtmlPage app = enterCode(code, SERVER.sender().lastCode());
        assertEquals("/app/twostep/app", app.getUrl().getPath(), text(app));
        assertTrue(text(app).contains("This site asks every account for an authenticator app"), text(app));

        // The protected pages stay closed until everything required is set up.
        HtmlPage account = pages.open(client, "/account");
        assertEquals("/app/twostep/app", account.getUrl().getPath(), text(account));

        // (Each view of the page begins a new key: the one shown last is the one to confirm.)
        Totp totp = new Totp(SERVER.clock());
        byte[] secret = Base32.decode(account.getHtmlElementById("secret").asNormalizedText());
        HtmlPage done = submitFormOf(type(account, "app-code", totp.code(secret, totp.currentStep())), "app-code");
        assertTrue(text(done).contains("Your authenticator app is set up"), text(done));
        HtmlPage recovery = done.getAnchorByText("Continue").click();
        assertEquals("/app/twostep/recovery", recovery.getUrl().getPath(), text(recovery));
        assertTrue(text(recovery).contains("This site asks every account to keep recovery codes"), text(recovery));
        assertEquals("/app/twostep/recovery", pages.open(client, "/account").getUrl().getPath());

        HtmlPage shown = Pages.click(recovery, "create");
        HtmlPage in = shown.getAnchorByText("Continue").click();
        assertEquals("/app/account", in.getUrl().getPath(), text(in));
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM totp_factors WHERE username = ? AND confirmed_at IS NOT NULL",
                user));
        assertEquals(10, SERVER.count("SELECT COUNT(*) FROM recovery_codes WHERE username = ?", user));
    }

    @Test
    void aLaterSignInAsksAgainForWhatIsMissing() throws Exception {
        // An account made before the setting: a phone only. Its next sign-in asks for the app and the codes.
        String user = unique("old");
        WebClient first = SERVER.newClient();
        HtmlPage app = enterCode(pages.register(first, user, PASSWORD, "(415) 555-2672", "sms"),
                SERVER.sender().lastCode());
        assertEquals("/app/twostep/app", app.getUrl().getPath(), text(app));
        // The person walks away without setting anything up, and signs in again later.
        WebClient later = SERVER.newClient();
        HtmlPage again = enterCode(pages.signIn(later, user, PASSWORD), SERVER.sender().lastCode());
        assertEquals("/app/twostep/app", again.getUrl().getPath(), text(again));
        assertEquals("/app/twostep/app", pages.open(later, "/account").getUrl().getPath());
        assertEquals("/app/twostep/app", pages.open(later, "/account/phone").getUrl().getPath());
    }
}
