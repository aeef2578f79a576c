package dev.twostep.web;

import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlCheckBoxInput;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.util.Cookie;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/**
 * Issue 12, "remember this device" (twostep.remember-device.days=30 here): a right code with the box checked
 * sets an HttpOnly cookie, and the next sign-in with the password on that browser skips the code step without
 * anything sent; another browser, another user's sign-in with the cookie, a forgotten, revoked or expired
 * device all get the code page. Only the token's hash is stored.
 */
class RememberedDeviceIT {
    static final String PASSWORD = "correct horse battery";
    static final int DAYS = 30;

    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(settings());
    private final Pages pages = new Pages(SERVER);

    private static Map<String, String> settings() {
        Map<String, String> s = new HashMap<>(TwostepServer.RELAXED_LIMITS);
        s.put("twostep.remember-device.days", Integer.toString(DAYS));
        return s;
    }

    private static String unique(String base) {
        return base + System.nanoTime() % 1_000_000_000L;
    }

    /** Signs in with the password and the sent code, the "remember" box checked; returns the account page. */
    HtmlPage signInRemembering(WebClient client, String user) throws IOException {
        HtmlPage code = pages.signIn(client, user, PASSWORD);
        assertTrue(text(code).contains("Remember this device for " + DAYS + " days"), text(code));
        HtmlCheckBoxInput box = code.getHtmlElementById("remember-code");
        box.setChecked(true);
        HtmlPage account = enterCode(code, SERVER.sender().lastCode());
        assertEquals("/app/account", account.getUrl().getPath(), text(account));
        return account;
    }

    static Cookie deviceCookie(WebClient client) {
        return client.getCookieManager().getCookie(RememberedDevices.COOKIE);
    }

    /** Signs in with the password only and says whether that landed on the account page (no code asked). */
    boolean passwordOnlyGetsIn(WebClient client, String user) throws IOException {
        HtmlPage page = pages.signIn(client, user, PASSWORD);
        return "/app/account".equals(page.getUrl().getPath());
    }

    @Test
    void aRememberedDeviceSkipsTheCodeStepWithNothingSent() throws Exception {
        String user = unique("dev");
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        WebClient client = SERVER.newClient();
        HtmlPage account = signInRemembering(client, user);

        Cookie cookie = deviceCookie(client);
        assertNotNull(cookie, "the device cookie is set");
        assertTrue(cookie.isHttpOnly());
        assertEquals("lax", cookie.getSameSite().toLowerCase(java.util.Locale.ROOT));
        assertEquals("/app", cookie.getPath());
        assertNotNull(cookie.getExpires(), "Max-Age makes it persistent");
        long left = cookie.getExpires().getTime() - System.currentTimeMillis();
        assertTrue(left > Duration.ofDays(DAYS - 1).toMillis() && left <= Duration.ofDays(DAYS).toMillis() + 60_000,
                "expires in " + DAYS + " days: " + new Date(cookie.getExpires().getTime()));
        assertTrue(cookie.getValue().matches("[A-Za-z0-9_-]{43}"), cookie.getValue());
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = ? AND event = ?", user,
                "DEVICE_REMEMBERED"));

        // Only the hash is stored: the token appears in no column.
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM remembered_devices WHERE username = ?", user));
        String v = "%" + cookie.getValue() + "%";
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM remembered_devices WHERE token_hash LIKE ? OR label LIKE ?"
                + " OR username LIKE ?", v, v, v));

        Pages.click(account, "signout");
        int sent = SERVER.sender().sent().size();
        String before = client.getCookieManager().getCookie("JSESSIONID").getValue();
        HtmlPage again = pages.signIn(client, user, PASSWORD);
        assertEquals("/app/account", again.getUrl().getPath(), text(again));
        assertEquals(sent, SERVER.sender().sent().size(), "nothing sent for a remembered device");
        assertNotEquals(before, client.getCookieManager().getCookie("JSESSIONID").getValue(), "a new session id");
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = ? AND event = ?", user,
                "SIGNED_IN_REMEMBERED_DEVICE"));

        // Another browser, without the cookie: the code page.
        WebClient other = SERVER.newClient();
        HtmlPage code = pages.signIn(other, user, PASSWORD);
        assertEquals("/app/twostep/code", code.getUrl().getPath(), text(code));
        assertEquals(sent + 1, SERVER.sender().sent().size());
    }

    @Test
    void anotherUsersCookieIsIgnoredAndCleared() throws Exception {
        String alice = unique("alice");
        String bob = unique("bob");
        pages.createAccount(alice, PASSWORD, "(415) 555-2671");
        pages.createAccount(bob, PASSWORD, "(415) 555-2672");
        WebClient client = SERVER.newClient();
        signInRemembering(client, alice);
        Cookie cookie = deviceCookie(client);

        WebClient thief = SERVER.newClient();
        thief.getCookieManager().addCookie(new Cookie(cookie.getDomain(), cookie.getName(), cookie.getValue(),
                cookie.getPath(), cookie.getExpires(), false, true));
        HtmlPage page = pages.signIn(thief, bob, PASSWORD);
        assertEquals("/app/twostep/code", page.getUrl().getPath(), text(page));
        assertFalse("/app/account".equals(pages.open(thief, "/account").getUrl().getPath()), "not verified");
        assertNull(deviceCookie(thief), "the cookie is cleared");
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = ? AND event = ?", bob,
                "SIGNED_IN_REMEMBERED_DEVICE"));
        // Alice's device itself still works.
        WebClient back = SERVER.newClient();
        back.getCookieManager().addCookie(new Cookie(cookie.getDomain(), cookie.getName(), cookie.getValue(),
                cookie.getPath(), cookie.getExpires(), false, true));
        assertTrue(passwordOnlyGetsIn(back, alice));
    }

    @Test
    void forgettingAllDevicesFromAnotherSessionAsksForTheCodeAgain() throws Exception {
        String user = unique("forget");
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        WebClient device = SERVER.newClient();
        Pages.click(signInRemembering(device, user), "signout");
        assertTrue(passwordOnlyGetsIn(device, user));
        Pages.click(pages.open(device, "/account"), "signout");

        WebClient elsewhere = SERVER.newClient();
        HtmlPage account = enterCode(pages.signIn(elsewhere, user, PASSWORD), SERVER.sender().lastCode());
        HtmlPage forgotten = Pages.click(account, "forget-devices");
        assertEquals("/app/account", forgotten.getUrl().getPath(), text(forgotten));
        assertTrue(text(forgotten).contains("Every remembered device will ask for a code again"), text(forgotten));
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = ? AND event = ?", user,
                "DEVICES_FORGOTTEN"));

        int sent = SERVER.sender().sent().size();
        HtmlPage code = pages.signIn(device, user, PASSWORD);
        assertEquals("/app/twostep/code", code.getUrl().getPath(), text(code));
        assertEquals(sent + 1, SERVER.sender().sent().size());
        assertNull(deviceCookie(device), "the cookie is cleared");
    }

    @Test
    void anExpiredDeviceAsksForTheCodeAgain() throws Exception {
        String user = unique("expire");
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        WebClient device = SERVER.newClient();
        Pages.click(signInRemembering(device, user), "signout");
        SERVER.clock().advance(Duration.ofDays(DAYS).plusMinutes(1));
        HtmlPage code = pages.signIn(device, user, PASSWORD);
        assertEquals("/app/twostep/code", code.getUrl().getPath(), text(code));
    }

    @Test
    void anUncheckedBoxRemembersNothing() throws Exception {
        String user = unique("plain");
        pages.createAccount(user, PASSWORD, "(415) 555-2671");
        WebClient client = SERVER.newClient();
        HtmlPage code = pages.signIn(client, user, PASSWORD);
        HtmlPage account = enterCode(code, SERVER.sender().lastCode());
        assertEquals("/app/account", account.getUrl().getPath(), text(account));
        assertNull(deviceCookie(client));
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM remembered_devices WHERE username = ?", user));
        Pages.click(account, "signout");
        HtmlPage again = pages.signIn(client, user, PASSWORD);
        assertEquals("/app/twostep/code", again.getUrl().getPath(), text(again));
    }
}
