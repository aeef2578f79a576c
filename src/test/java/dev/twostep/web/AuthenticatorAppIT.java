package dev.twostep.web;

import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.submitFormOf;
import static dev.twostep.testing.Pages.text;
import static dev.twostep.testing.Pages.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Locale;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.factor.Base32;
import dev.twostep.factor.Totp;
import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/**
 * Issue 12, the authenticator app: add one after both steps (QR code and key, confirmed by a first code).
 * Codes are computed here from the key the page shows, on the server's movable clock.
 */
class AuthenticatorAppIT {
    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer();
    private final Pages pages = new Pages(SERVER);
    private final Totp totp = new Totp(SERVER.clock());

    private static String unique(String base) {
        return base + System.nanoTime() % 1_000_000_000L;
    }

    /** The code the app shows now. */
    String appCode(byte[] secret) {
        return totp.code(secret, totp.currentStep());
    }

    /** A code no step of the window has. */
    String wrongCode(byte[] secret) {
        long now = totp.currentStep();
        for (int i = 0; ; i++) {
            String guess = String.format(Locale.ROOT, "%06d", (i * 7919 + 123_456) % 1_000_000);
            if (!guess.equals(totp.code(secret, now - 1)) && !guess.equals(totp.code(secret, now))
                    && !guess.equals(totp.code(secret, now + 1))) {
                return guess;
            }
        }
    }

    /** Signs in with password and sent code, ending on the account page. */
    HtmlPage signedIn(WebClient client, String user) throws IOException {
        HtmlPage code = pages.signIn(client, user, "correct horse battery");
        HtmlPage account = enterCode(code, SERVER.sender().lastCode());
        assertEquals("/app/account", account.getUrl().getPath(), text(account));
        return account;
    }

    static byte[] secretOn(HtmlPage appPage) {
        return Base32.decode(appPage.getHtmlElementById("secret").asNormalizedText());
    }

    long unconfirmed(String user) {
        return SERVER.count("SELECT COUNT(*) FROM totp_factors WHERE username = ? AND confirmed_at IS NULL", user);
    }

    long confirmed(String user) {
        return SERVER.count("SELECT COUNT(*) FROM totp_factors WHERE username = ? AND confirmed_at IS NOT NULL", user);
    }

    @Test
    void addAnAppWithItsFirstCode() throws Exception {
        String user = unique("totp");
        pages.createAccount(user, "correct horse battery", "(415) 555-2671");
        WebClient client = SERVER.newClient();
        HtmlPage account = signedIn(client, user);

        HtmlPage app = account.getAnchorByText("Add an authenticator app").click();
        assertEquals(200, app.getWebResponse().getStatusCode());
        String html = app.getWebResponse().getContentAsString();
        assertTrue(html.contains("<svg"), html);
        assertTrue(app.getWebResponse().getResponseHeaderValue("Content-Security-Policy").contains("default-src 'none'"));
        String shown = app.getHtmlElementById("secret").asNormalizedText();
        assertTrue(shown.matches("[A-Z2-7]{4}( [A-Z2-7]{4}){7}"), shown);
        byte[] secret = secretOn(app);
        assertEquals(20, secret.length);
        assertEquals(1, unconfirmed(user));
        assertFalse(html.contains(shown.replace(" ", "")), "the key is shown only in groups, and the QR code is markup");
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM totp_factors WHERE secret_sealed LIKE ?",
                "%" + shown.replace(" ", "") + "%"), "the secret is stored sealed");

        HtmlPage wrong = submitFormOf(type(app, "app-code", wrongCode(secret)), "app-code");
        assertEquals(422, wrong.getWebResponse().getStatusCode());
        assertTrue(text(wrong).contains("That code is not right"), text(wrong));
        assertEquals(0, confirmed(user));
        assertEquals(1, unconfirmed(user));
        assertEquals(shown, wrong.getHtmlElementById("secret").asNormalizedText(), "the same key is shown again");

        String first = appCode(secret);
        HtmlPage done = submitFormOf(type(wrong, "app-code", first), "app-code");
        assertEquals(200, done.getWebResponse().getStatusCode());
        assertTrue(text(done).contains("Your authenticator app is set up"), text(done));
        assertEquals(1, confirmed(user));
        assertEquals(0, unconfirmed(user));
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = ? AND event = ?", user,
                "AUTHENTICATOR_ADDED"));
        assertEquals("/app/account", done.getAnchorByText("Continue").click().getUrl().getPath());

        // Opening the page again begins another app; reloading it leaves one pending, and the confirmed one stays.
        pages.open(client, "/twostep/app");
        pages.open(client, "/twostep/app");
        assertEquals(1, unconfirmed(user));
        assertEquals(1, confirmed(user));
    }

    @Test
    void theAppPageNeedsBothSteps() throws Exception {
        String user = unique("half");
        pages.createAccount(user, "correct horse battery", "(415) 555-2671");

        WebClient nobody = SERVER.newClient();
        HtmlPage login = pages.open(nobody, "/twostep/app");
        assertEquals("/app/login", login.getUrl().getPath());

        WebClient half = SERVER.newClient();
        pages.signIn(half, user, "correct horse battery");
        HtmlPage code = pages.open(half, "/twostep/app");
        assertEquals("/app/twostep/code", code.getUrl().getPath());
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM totp_factors WHERE username = ?", user));
    }
}
