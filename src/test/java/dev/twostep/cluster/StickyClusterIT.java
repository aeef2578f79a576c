package dev.twostep.cluster;

import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.util.Cookie;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.twostep.testing.Pages;

/**
 * The simple option: HAProxy's cookie keeps each browser on one node, and the sessions stay in that node's
 * memory (no session store to set up). Codes, limits and locks are in PostgreSQL all the same, so when a node
 * dies its users start their sign-in again on another node, and that costs them one new code.
 */
class StickyClusterIT {
    private static final String PASSWORD = "correct horse battery";
    private static Cluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = Cluster.start("StickyClusterIT", 3, true);
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String nodeCookie(WebClient client) {
        Cookie cookie = client.getCookieManager().getCookie("TWOSTEP_NODE");
        return cookie == null ? null : cookie.getValue();
    }

    @Test
    void aDeadNodeCostsItsUsersOneNewCode() throws Exception {
        String user = "sticky1";
        String e164 = "+14155552701";
        try (WebClient client = Cluster.browser()) {
            HtmlPage form = client.getPage(cluster.proxy.url("/register"));
            Pages.type(form, "username", user);
            Pages.type(form, "password", PASSWORD);
            Pages.type(form, "phone", e164);
            form.<org.htmlunit.html.HtmlRadioButtonInput>getFirstByXPath("//input[@value='sms']").setChecked(true);
            HtmlPage code = Pages.submitFormOf(form, "username");
            HtmlPage account = enterCode(code, cluster.sms.last(e164).code());
            assertTrue(text(account).contains("Signed in as " + user), text(account));
            // Every step went to the node of the cookie, which sent the code.
            assertEquals(cluster.sms.last(e164).node(), nodeCookie(client));
            Pages.click(account, "signout");
        }

        try (WebClient client = Cluster.browser()) {
            HtmlPage login = client.getPage(cluster.proxy.url("/login"));
            HtmlPage code = Pages.signIn(login, user, PASSWORD);
            assertTrue(text(code).contains("Enter your code"), text(code));
            SmsStandIn.Sms first = cluster.sms.last(e164);
            String pinned = nodeCookie(client);
            assertEquals(first.node(), pinned);
            int sent = cluster.sms.to(e164).size();

            Node dead = cluster.nodes.stream().filter(n -> n.name.equals(pinned)).findFirst().orElseThrow();
            dead.kill();
            // HAProxy sends the browser to another node, which has never seen its session: the sign-in starts
            // over from the password, and the code the dead node sent is of no use to it.
            HtmlPage again = client.getPage(cluster.proxy.url("/twostep/code"));
            assertTrue(again.getUrl().getPath().endsWith("/login"), again.getUrl() + "\n" + text(again));
            assertNotEquals(pinned, nodeCookie(client));
            HtmlPage newCode = Pages.signIn(again, user, PASSWORD);
            assertTrue(text(newCode).contains("Enter your code"), text(newCode));
            assertEquals(sent + 1, cluster.sms.to(e164).size(), "one new code");
            SmsStandIn.Sms second = cluster.sms.last(e164);
            assertEquals(nodeCookie(client), second.node());
            HtmlPage account = enterCode(newCode, second.code());
            assertTrue(text(account).contains("Signed in as " + user), text(account));
            assertEquals(sent + 1, cluster.sms.to(e164).size());
        }
    }
}
