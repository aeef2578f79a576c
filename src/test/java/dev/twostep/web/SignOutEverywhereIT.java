package dev.twostep.web;

import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlCheckBoxInput;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.db.Jdbc;
import dev.twostep.guard.SignOutCheck;
import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/**
 * "Sign out everywhere else" on the account page: the other sessions of the user go back to sign-in at their
 * next request, the session that asked stays, and every remembered device asks for a code again. A sign-out
 * made by another server sharing the database (a row in sign_outs) reaches a session within 30 s.
 */
class SignOutEverywhereIT {
    static final String PASSWORD = "correct horse battery";

    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(settings());
    private final Pages pages = new Pages(SERVER);

    private static Map<String, String> settings() {
        Map<String, String> s = new HashMap<>(TwostepServer.RELAXED_LIMITS);
        s.put("twostep.remember-device.days", "30");
        return s;
    }

    private static String unique(String base) {
        return base + System.nanoTime() % 1_000_000_000L;
    }

    private HtmlPage signedIn(WebClient client, String user) throws IOException {
        HtmlPage account = enterCode(pages.signIn(client, user, PASSWORD), SERVER.sender().lastCode());
        assertEquals("/app/account", account.getUrl().getPath(), text(account));
        return account;
    }

    private String path(WebClient client, String page) throws IOException {
        return pages.open(client, page).getUrl().getPath();
    }

    @Test
    void theOtherSessionsSignInAgainAndTheOneThatAskedStays() throws Exception {
        String user = unique("everywhere");
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        // A remembered device, signed out.
        WebClient device = SERVER.newClient();
        HtmlPage code = pages.signIn(device, user, PASSWORD);
        code.<HtmlCheckBoxInput>getHtmlElementById("remember-code").setChecked(true);
        Pages.click(enterCode(code, SERVER.sender().lastCode()), "signout");

        WebClient a = SERVER.newClient();
        signedIn(a, user);
        WebClient b = SERVER.newClient();
        HtmlPage account = signedIn(b, user);
        String before = b.getCookieManager().getCookie("JSESSIONID").getValue();

        HtmlPage after = Pages.click(account, "sign-out-everywhere");
        assertEquals("/app/account", after.getUrl().getPath(), text(after));
        assertTrue(text(after).contains("You were signed out everywhere else."), text(after));
        assertNotEquals(before, b.getCookieManager().getCookie("JSESSIONID").getValue(), "a new session id");

        assertEquals("/app/login", path(a, "/account"), "A signs in again");
        assertEquals("/app/login", path(a, "/account"), "and stays out");
        assertEquals("/app/account", path(b, "/account"), "B stays signed in");
        assertEquals("/app/account/phone", path(b, "/account/phone"));

        int sent = SERVER.sender().sent().size();
        HtmlPage again = pages.signIn(device, user, PASSWORD);
        assertEquals("/app/twostep/code", again.getUrl().getPath(), "the remembered device asks for a code");
        assertEquals(sent + 1, SERVER.sender().sent().size());
        assertNull(device.getCookieManager().getCookie(RememberedDevices.COOKIE), "its cookie is cleared");

        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = ? AND event = ?", user,
                "SIGNED_OUT_EVERYWHERE"));
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM sign_outs WHERE username = ?", user));
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM remembered_devices WHERE username = ? AND revoked_at IS NULL",
                user));

        // A sign-in after it counts as usual, on A too.
        signedIn(a, user);
        assertEquals("/app/account", path(a, "/account"));
        // The one that asked can do it again; its own session still stands.
        HtmlPage twice = Pages.click(pages.open(b, "/account"), "sign-out-everywhere");
        assertEquals("/app/account", twice.getUrl().getPath(), text(twice));
        assertEquals("/app/login", path(a, "/account"));
    }

    @Test
    void aSessionHalfwayThroughSignInStartsOver() throws Exception {
        String user = unique("halfway");
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        WebClient a = SERVER.newClient();
        HtmlPage code = pages.signIn(a, user, PASSWORD);
        assertEquals("/app/twostep/code", code.getUrl().getPath());
        String sentToA = SERVER.sender().lastCode();

        Pages.click(signedIn(SERVER.newClient(), user), "sign-out-everywhere");

        HtmlPage refused = enterCode(code, sentToA);
        assertTrue(refused.getUrl().getPath().endsWith("/login"), refused.getUrl() + "\n" + text(refused));
        assertEquals("/app/login", path(a, "/account"));
    }

    @Test
    void aSignOutByAnotherServerReachesASessionWithinThirtySeconds() throws Exception {
        String user = unique("othernode");
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        WebClient a = SERVER.newClient();
        signedIn(a, user);
        assertEquals("/app/account", path(a, "/account"));

        // What another server sharing the database writes when the user signs out everywhere there.
        SERVER.jdbc().update("test", "INSERT INTO sign_outs (username, signed_out_at) VALUES (?, ?)",
                Jdbc.params(user, SERVER.clock().millis()));
        assertEquals("/app/account", path(a, "/account"), "this server has not looked yet (up to 30 s)");

        SERVER.clock().advance(SignOutCheck.INTERVAL);
        assertEquals("/app/login", path(a, "/account"), "after 30 s it has");
        assertEquals("/app/login", path(a, "/account"));
    }

    @Test
    void theButtonNeedsTheFormsToken() throws Exception {
        String user = unique("csrf");
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        WebClient a = SERVER.newClient();
        signedIn(a, user);
        WebClient b = SERVER.newClient();
        signedIn(b, user);
        org.htmlunit.WebRequest post = new org.htmlunit.WebRequest(new java.net.URL(SERVER.url("/account")),
                org.htmlunit.HttpMethod.POST);
        post.setRequestParameters(java.util.List.of(new org.htmlunit.util.NameValuePair("action",
                "sign-out-everywhere")));
        assertEquals(403, b.getPage(post).getWebResponse().getStatusCode());
        assertEquals("/app/account", path(a, "/account"), "nothing happened");
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM sign_outs WHERE username = ?", user));
    }
}
