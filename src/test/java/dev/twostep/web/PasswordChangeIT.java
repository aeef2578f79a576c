package dev.twostep.web;

import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.text;
import static dev.twostep.testing.Pages.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.htmlunit.HttpMethod;
import org.htmlunit.WebClient;
import org.htmlunit.WebRequest;
import org.htmlunit.html.HtmlCheckBoxInput;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.util.NameValuePair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/**
 * Changing the password at /account/password: the current password is checked in the sign-in's own limits,
 * the new one under registration's rules; a change ends the user's other sessions and forgets their
 * remembered devices, and a refused form changes nothing.
 */
class PasswordChangeIT {
    static final String OLD = "correct horse battery";
    static final String NEW = "tr0ub4dor and three";
    /** A low lock threshold, so that the page's wrong passwords can be seen to count in it. */
    static final int BEFORE_LOCK = 3;

    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(settings());
    private final Pages pages = new Pages(SERVER);

    private static Map<String, String> settings() {
        Map<String, String> s = new HashMap<>(TwostepServer.RELAXED_LIMITS);
        s.put("twostep.remember-device.days", "30");
        s.put("twostep.limits.password-failures-before-lock", Integer.toString(BEFORE_LOCK));
        return s;
    }

    private static String unique(String base) {
        return base + System.nanoTime() % 1_000_000_000L;
    }

    private HtmlPage signedIn(WebClient client, String user, String password) throws IOException {
        HtmlPage account = enterCode(pages.signIn(client, user, password), SERVER.sender().lastCode());
        assertEquals("/app/account", account.getUrl().getPath(), text(account));
        return account;
    }

    private static HtmlPage change(HtmlPage form, String current, String fresh, String confirm) throws IOException {
        type(form, "current", current);
        type(form, "password", fresh);
        type(form, "confirm", confirm);
        return Pages.click(form, "change-password");
    }

    private HtmlPage form(WebClient client) throws IOException {
        HtmlPage form = pages.open(client, "/account/password");
        assertEquals("/app/account/password", form.getUrl().getPath(), text(form));
        return form;
    }

    /** Where a sign-in with this password lands: the code page when it is right. */
    private HtmlPage signInWith(String user, String password) throws IOException {
        return pages.signIn(SERVER.newClient(), user, password);
    }

    @Test
    void theAccountPageLinksToIt() throws Exception {
        String user = unique("link");
        pages.createAccount(user, OLD, "(415) 555-2671");
        HtmlPage account = signedIn(SERVER.newClient(), user, OLD);
        HtmlPage form = account.getAnchorByHref("/app/account/password").click();
        assertEquals("/app/account/password", form.getUrl().getPath());
        assertTrue(text(form).contains("Change your password"), text(form));
    }

    @Test
    void aWrongCurrentPasswordChangesNothingAndCountsInTheSignInLock() throws Exception {
        String user = unique("wrong");
        pages.createAccount(user, OLD, "(415) 555-2671");
        WebClient client = SERVER.newClient();
        signedIn(client, user, OLD);

        HtmlPage refused = change(form(client), "not my password", NEW, NEW);
        assertEquals(422, refused.getWebResponse().getStatusCode());
        assertTrue(text(refused).contains("Your current password is not right. Your password was not changed."),
                text(refused));
        assertFalse(refused.asXml().contains(NEW), "no password is sent back into the page");
        assertEquals(422, signInWith(user, NEW).getWebResponse().getStatusCode(), "the new one does not work");
        // (and the right one, after, clears the failures so far, as at the sign-in page)
        assertEquals("/app/twostep/code", signInWith(user, OLD).getUrl().getPath(), "the old password still works");
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = ? AND event = ?"
                + " AND detail = ?", user, "SIGN_IN_FAILED", "password change"));

        // The sign-in's lock: wrong passwords here count as at the sign-in page.
        HtmlPage page = form(client);
        for (int i = 0; i < BEFORE_LOCK; i++) {
            page = change(page, "guess " + i, NEW, NEW);
            assertEquals(422, page.getWebResponse().getStatusCode(), text(page));
        }
        HtmlPage locked = change(page, OLD, NEW, NEW);
        assertEquals(429, locked.getWebResponse().getStatusCode(), text(locked));
        assertTrue(text(locked).contains("Too many wrong passwords."), text(locked));
        assertEquals(429, signInWith(user, OLD).getWebResponse().getStatusCode(), "the sign-in is locked as well");
        assertEquals("/app/account", pages.open(client, "/account").getUrl().getPath(), "this session goes on");
    }

    @Test
    void aNewPasswordThatBreaksTheRulesChangesNothing() throws Exception {
        String user = unique("rules");
        pages.createAccount(user, OLD, "(415) 555-2671");
        WebClient client = SERVER.newClient();
        signedIn(client, user, OLD);

        HtmlPage mismatch = change(form(client), OLD, NEW, NEW + "x");
        assertEquals(422, mismatch.getWebResponse().getStatusCode());
        assertTrue(text(mismatch).contains("The two new passwords are not the same."), text(mismatch));

        HtmlPage weak = change(form(client), OLD, "short", "short");
        assertEquals(422, weak.getWebResponse().getStatusCode());
        assertTrue(text(weak).contains("Choose a new password of 8 to 128 characters."), text(weak));

        HtmlPage empty = change(form(client), "", NEW, NEW);
        assertEquals(400, empty.getWebResponse().getStatusCode());
        assertTrue(text(empty).contains("Enter your current password, then the new one twice."), text(empty));

        assertEquals("/app/twostep/code", signInWith(user, OLD).getUrl().getPath(), "the old password still works");
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = ? AND event IN (?, ?)", user,
                "PASSWORD_CHANGED", "SIGN_IN_FAILED"), "no change, and no wrong password counted");
    }

    @Test
    void aChangedPasswordEndsTheOtherSessionsAndForgetsDevices() throws Exception {
        String user = unique("changed");
        pages.createAccount(user, OLD, "(415) 555-2671");
        WebClient device = SERVER.newClient();
        HtmlPage code = pages.signIn(device, user, OLD);
        code.<HtmlCheckBoxInput>getHtmlElementById("remember-code").setChecked(true);
        Pages.click(enterCode(code, SERVER.sender().lastCode()), "signout");
        WebClient other = SERVER.newClient();
        signedIn(other, user, OLD);
        WebClient client = SERVER.newClient();
        signedIn(client, user, OLD);

        HtmlPage done = change(form(client), OLD, NEW, NEW);
        assertEquals("/app/account", done.getUrl().getPath(), text(done));
        assertTrue(text(done).contains("Your password was changed. You were signed out everywhere else."), text(done));
        assertEquals("/app/account", pages.open(client, "/account").getUrl().getPath(), "this session stays");
        assertEquals("/app/login", pages.open(other, "/account").getUrl().getPath(), "the other one ends");

        HtmlPage old = signInWith(user, OLD);
        assertEquals(422, old.getWebResponse().getStatusCode());
        assertTrue(text(old).contains("The user name or the password is not right."), text(old));
        assertEquals("/app/twostep/code", signInWith(user, NEW).getUrl().getPath(), "the new password works");
        assertEquals("/app/twostep/code", pages.signIn(device, user, NEW).getUrl().getPath(),
                "the remembered device asks for a code again");

        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = ? AND event = ?", user,
                "PASSWORD_CHANGED"));
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = ? AND event = ?", user,
                "SIGNED_OUT_EVERYWHERE"));
        assertTrue(SERVER.sender().notices().stream().anyMatch(n -> n.to().equals("+14155552671")
                && n.text().contains("the password of your account was changed")), "the phone is told");
    }

    @Test
    void withoutTheFormsTokenNothingChanges() throws Exception {
        String user = unique("csrf");
        pages.createAccount(user, OLD, "(415) 555-2671");
        WebClient client = SERVER.newClient();
        signedIn(client, user, OLD);
        WebRequest post = new WebRequest(new URL(SERVER.url("/account/password")), HttpMethod.POST);
        post.setRequestParameters(List.of(new NameValuePair("current", OLD), new NameValuePair("password", NEW),
                new NameValuePair("confirm", NEW)));
        assertEquals(403, client.getPage(post).getWebResponse().getStatusCode());
        assertEquals("/app/twostep/code", signInWith(user, OLD).getUrl().getPath(), "the old password still works");
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = ? AND event = ?", user,
                "PASSWORD_CHANGED"));
    }

    @Test
    void thePageIsBehindTheGuard() throws Exception {
        WebClient anonymous = SERVER.newClient();
        assertEquals("/app/login", pages.open(anonymous, "/account/password").getUrl().getPath());
    }
}
