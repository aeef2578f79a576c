package dev.twostep.web;

import static dev.twostep.testing.Pages.submitFormOf;
import static dev.twostep.testing.Pages.text;
import static dev.twostep.testing.Pages.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
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
 * Issue 12, item 6: {@code twostep.factors=totp,recovery}, a site with no text messages or calls at all:
 * registration asks for no phone, the authenticator app is set up first, and every sign-in uses it (or a
 * recovery code); nothing is ever sent.
 */
class PhonelessSignInIT {
    static final String PASSWORD = "correct horse battery";

    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(settings());
    private final Pages pages = new Pages(SERVER);

    private static Map<String, String> settings() {
        Map<String, String> s = new HashMap<>(TwostepServer.RELAXED_LIMITS);
        s.put("twostep.factors", "totp,recovery");
        return s;
    }

    @Test
    void registerWithAnAppThenSignInWithItAndNeverSendAnything() throws Exception {
        String user = "nophone" + System.nanoTime() % 1_000_000_000L;
        int sends = SERVER.sender().sent().size();
        WebClient client = SERVER.newClient();
        HtmlPage register = pages.open(client, "/register");
        assertNull(register.getElementById("phone"), "no phone field");
        type(register, "username", user);
        type(register, "password", PASSWORD);
        HtmlPage app = submitFormOf(register, "username");
        assertEquals("/app/twostep/app", app.getUrl().getPath(), text(app));
        assertFalse(text(app).contains("Use a phone instead"), text(app));

        // Before the app is confirmed, the protected pages stay closed.
        assertFalse(pages.open(client, "/account").getUrl().getPath().endsWith("/account"));

        Totp totp = new Totp(SERVER.clock());
        HtmlPage fresh = pages.open(client, "/twostep/app");
        byte[] secret = Base32.decode(fresh.getHtmlElementById("secret").asNormalizedText());
        HtmlPage done = submitFormOf(type(fresh, "app-code", totp.code(secret, totp.currentStep())), "app-code");
        assertTrue(text(done).contains("Your authenticator app is set up"), text(done));
        HtmlPage account = done.getAnchorByText("Continue").click();
        assertEquals("/app/account", account.getUrl().getPath(), text(account));
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = ?", user));
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = ? AND event = ?", user,
                "AUTHENTICATOR_ADDED"));
        Pages.click(account, "signout");

        SERVER.clock().advance(Duration.ofSeconds(30));
        HtmlPage code = pages.signIn(SERVER.newClient(), user, PASSWORD);
        assertEquals("/app/twostep/code", code.getUrl().getPath());
        assertTrue(text(code).contains("Open your authenticator app"), text(code));
        assertFalse(text(code).contains("Text me"), text(code));
        HtmlPage in = submitFormOf(type(code, "totp", totp.code(secret, totp.currentStep())), "totp");
        assertEquals("/app/account", in.getUrl().getPath(), text(in));
        assertEquals(sends, SERVER.sender().sent().size(), "nothing was ever sent");

        // A phone cannot be added where the operator offers none: the enrollment page sends the user on.
        HtmlPage enroll = pages.open(in.getEnclosingWindow().getWebClient(), "/twostep/enroll");
        assertEquals("/app/account", enroll.getUrl().getPath(), text(enroll));
    }

    @Test
    void aSecondPersonWithThePasswordCannotSetUpAnotherApp() throws Exception {
        String user = "tofu" + System.nanoTime() % 1_000_000_000L;
        WebClient owner = SERVER.newClient();
        HtmlPage register = pages.open(owner, "/register");
        type(register, "username", user);
        type(register, "password", PASSWORD);
        HtmlPage app = submitFormOf(register, "username");
        Totp totp = new Totp(SERVER.clock());
        byte[] secret = Base32.decode(app.getHtmlElementById("secret").asNormalizedText());
        submitFormOf(type(app, "app-code", totp.code(secret, totp.currentStep())), "app-code");

        // Someone else with the password only: the app page sends them to the code step, where the app is needed.
        WebClient other = SERVER.newClient();
        pages.signIn(other, user, PASSWORD);
        HtmlPage tried = pages.open(other, "/twostep/app");
        assertEquals("/app/twostep/code", tried.getUrl().getPath(), text(tried));
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM totp_factors WHERE username = ?", user));
    }
}
