package dev.twostep.host;

import static dev.twostep.host.FormHostIT.enroll;
import static dev.twostep.host.FormHostIT.hostLogin;
import static dev.twostep.testing.Pages.click;
import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.UserStore;
import org.eclipse.jetty.util.security.Password;
import org.htmlunit.HttpMethod;
import org.htmlunit.WebClient;
import org.htmlunit.WebRequest;
import org.htmlunit.html.HtmlCheckBoxInput;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.util.Cookie;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;
import dev.twostep.testing.Webapps;
import dev.twostep.web.RememberedDevices;

/**
 * Issue 12, "remember this device" in a guarded host app: the form-host sample (container FORM login through
 * a Jetty login service, the guard added by web.xml) with {@code twostep.remember-device.days=30}, and a
 * sign-out of the host's own (HostLogoutServlet) added to its web.xml. A browser that checked the box at the
 * guard's code page gets the host's page after the host's login alone, until the user forgets every device
 * on the guard's security page; another host user in that browser is still asked for a code.
 */
class RememberedDeviceHostIT {
    static final int DAYS = 30;

    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of("twostep.remember-device.days",
            Integer.toString(DAYS)))
            .webapp(withLogout(), server -> {
                UserStore users = new UserStore();
                for (String user : new String[] {"alice", "carol", "dan"}) {
                    users.addUser(user, new Password(user + "-password"), new String[] {"user"});
                }
                HashLoginService realm = new HashLoginService("host");
                realm.setUserStore(users);
                server.addBean(realm);
            });
    private final Pages pages = new Pages(SERVER);

    /** The form-host sample with a sign-out at /logout, as an app with container login usually has one. */
    private static Path withLogout() {
        return Webapps.copy(Path.of("src/test/webapps/form-host"), xml -> xml.replaceFirst("<servlet>",
                "<servlet>\n    <servlet-name>logout</servlet-name>\n"
                        + "    <servlet-class>dev.twostep.host.HostLogoutServlet</servlet-class>\n  </servlet>\n"
                        + "  <servlet-mapping>\n    <servlet-name>logout</servlet-name>\n"
                        + "    <url-pattern>/logout</url-pattern>\n  </servlet-mapping>\n\n  <servlet>"));
    }

    /**
     * The host's sign-out: the container login and the session end. (The next protected page then shows the
     * host's sign-in page, which {@link FormHostIT#hostLogin} fills in.)
     */
    private void hostLogout(WebClient client) throws IOException {
        HtmlPage page = client.getPage(new WebRequest(new URL(SERVER.url("/logout")), HttpMethod.POST));
        assertTrue(text(page).contains("You are signed out of the host app"), text(page));
    }

    /** A host user with a confirmed phone, enrolled in a browser of its own, not remembered there. */
    private void enrolled(String user) throws Exception {
        WebClient client = SERVER.newClient();
        HtmlPage enrollPage = hostLogin(pages.open(client, "/app/home"), user, user + "-password");
        assertEquals("/app/twostep/enroll", enrollPage.getUrl().getPath(), text(enrollPage));
        HtmlPage home = enterCode(enroll(enrollPage, "(415) 555-2671", "sms"), SERVER.sender().lastCode());
        assertEquals("Hello, " + user, home.getHtmlElementById("user").asNormalizedText());
    }

    /**
     * The host's login, then the guard's code page, "Text me a code", the box checked and the code: returns
     * the host's page.
     */
    private HtmlPage signInRemembering(WebClient client, String user) throws Exception {
        HtmlPage code = hostLogin(pages.open(client, "/app/reports"), user, user + "-password");
        assertEquals("/app/twostep/code", code.getUrl().getPath(), text(code));
        HtmlPage sent = click(code, "send");
        assertTrue(text(sent).contains("Remember this device for " + DAYS + " days"), text(sent));
        sent.<HtmlCheckBoxInput>getHtmlElementById("remember-code").setChecked(true);
        HtmlPage reports = enterCode(sent, SERVER.sender().lastCode());
        assertEquals("/app/app/reports", reports.getUrl().getPath(), text(reports));
        assertEquals("Hello, " + user, reports.getHtmlElementById("user").asNormalizedText());
        return reports;
    }

    private static Cookie deviceCookie(WebClient client) {
        return client.getCookieManager().getCookie(RememberedDevices.COOKIE);
    }

    @Test
    void aRememberedBrowserGetsThePageAfterTheHostsLoginUntilTheDevicesAreForgotten() throws Exception {
        enrolled("alice");
        WebClient client = SERVER.newClient();
        signInRemembering(client, "alice");

        Cookie cookie = deviceCookie(client);
        assertNotNull(cookie, "the device cookie is set");
        assertTrue(cookie.isHttpOnly(), "HttpOnly");
        assertEquals("lax", String.valueOf(cookie.getSameSite()).toLowerCase(Locale.ROOT));
        assertEquals(TwostepServer.CONTEXT, cookie.getPath(), "the host app's context path");
        assertTrue(!cookie.isSecure(), "not Secure over plain HTTP");
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM remembered_devices WHERE username = 'alice'"
                + " AND revoked_at IS NULL"));

        // Signed out of the host, then its login again in the same browser: the page, no code asked or sent.
        hostLogout(client);
        int sends = SERVER.sender().sent().size();
        HtmlPage page = hostLogin(pages.open(client, "/app/reports?month=11"), "alice", "alice-password");
        assertEquals("/app/app/reports", page.getUrl().getPath(), text(page));
        assertEquals("month=11", page.getUrl().getQuery());
        assertEquals("Hello, alice", page.getHtmlElementById("user").asNormalizedText());
        assertEquals(sends, SERVER.sender().sent().size(), "nothing sent for a remembered device");
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = 'alice'"
                + " AND event = 'SIGNED_IN_REMEMBERED_DEVICE'"));

        // "Forget all remembered devices" on the guard's security page of that very session.
        HtmlPage security = pages.open(client, "/twostep/security");
        assertEquals(200, security.getWebResponse().getStatusCode(), text(security));
        HtmlPage forgotten = click(security, "forget-devices");
        assertTrue(text(forgotten).contains("Every remembered device will ask for a code again"), text(forgotten));
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM remembered_devices WHERE username = 'alice'"
                + " AND revoked_at IS NULL"));

        hostLogout(client);
        HtmlPage code = hostLogin(pages.open(client, "/app/reports"), "alice", "alice-password");
        assertEquals("/app/twostep/code", code.getUrl().getPath(), text(code));
        assertTrue(text(code).contains("Text me a code"), text(code));
        assertNull(deviceCookie(client), "the forgotten device's cookie is cleared");
        assertEquals("/app/twostep/code", pages.open(client, "/app/reports").getUrl().getPath(), "not passed");
    }

    @Test
    void anotherHostUserInTheRememberedBrowserIsStillAskedForACode() throws Exception {
        enrolled("carol");
        enrolled("dan");
        WebClient client = SERVER.newClient();
        signInRemembering(client, "carol");
        hostLogout(client);

        int sends = SERVER.sender().sent().size();
        HtmlPage code = hostLogin(pages.open(client, "/app/home"), "dan", "dan-password");
        assertEquals("/app/twostep/code", code.getUrl().getPath(), text(code));
        assertEquals("/app/twostep/code", pages.open(client, "/app/home").getUrl().getPath(), "dan is not passed");
        assertNull(deviceCookie(client), "carol's cookie, shown by dan's sign-in, is cleared");
        assertEquals(sends, SERVER.sender().sent().size());
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = 'dan'"
                + " AND event = 'SIGNED_IN_REMEMBERED_DEVICE'"));
        // Dan still gets in with his own code.
        HtmlPage home = enterCode(click(code, "send"), SERVER.sender().lastCode());
        assertEquals("Hello, dan", home.getHtmlElementById("user").asNormalizedText());
    }
}
