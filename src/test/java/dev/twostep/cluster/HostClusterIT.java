package dev.twostep.cluster;

import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.submitFormOf;
import static dev.twostep.testing.Pages.text;
import static dev.twostep.testing.Pages.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.html.HtmlRadioButtonInput;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.twostep.testing.Pages;

/**
 * Issue 14 for a guarded host app: three Jetty 12 nodes serving the sample host app (container FORM login
 * through a HashLoginService, the guard added by its web.xml, {@link HostApp}) on one PostgreSQL behind HAProxy,
 * round robin and no stickiness, the sessions (the container's authenticated user and the guard's state) in
 * Jetty's JDBC session data store. The host's login, the guard's code page and the protected page may each be
 * served by another node, the node of the host's login may die before the code is typed, and the guard's send
 * limit holds for the cluster as a whole.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostClusterIT {
    private static Cluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = Cluster.start("HostClusterIT", 3, false, new HostApp());
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** The host's FORM login on the page {@code login} (the container's login page), as {@code user}. */
    private static HtmlPage hostLogin(HtmlPage login, String user) throws Exception {
        assertTrue(text(login).contains("Host sign-in"), login.getUrl() + "\n" + text(login));
        type(login, "j_username", user);
        type(login, "j_password", HostApp.password(user));
        return submitFormOf(login, "j_username");
    }

    /** Through HAProxy: host login, enrollment of {@code e164} by SMS, the code, the page asked for. */
    private static void enroll(String user, String e164) throws Exception {
        try (WebClient client = Cluster.browser()) {
            HtmlPage enroll = hostLogin(client.getPage(cluster.proxy.url("/app/home")), user);
            assertTrue(enroll.getUrl().getPath().endsWith("/host/twostep/enroll"), enroll.getUrl() + "\n" + text(enroll));
            type(enroll, "phone", e164);
            enroll.<HtmlRadioButtonInput>getFirstByXPath("//input[@name='channel'][@value='sms']").setChecked(true);
            HtmlPage code = submitFormOf(enroll, "phone");
            assertTrue(text(code).contains("Confirm your phone"), text(code));
            HtmlPage home = enterCode(code, cluster.sms.last(e164).code());
            assertTrue(home.getUrl().getPath().endsWith("/host/app/home"), home.getUrl() + "\n" + text(home));
            assertEquals("Hello, " + user, home.getHtmlElementById("user").asNormalizedText());
        }
    }

    @Test
    @Order(1)
    void throughHaproxyHostLoginEnrollmentCodeAndPageMayEachLandOnAnotherNode() throws Exception {
        enroll("erin", "+14155552801");
        try (WebClient client = Cluster.browser()) {
            HtmlPage code = hostLogin(client.getPage(cluster.proxy.url("/app/reports")), "erin");
            assertTrue(code.getUrl().getPath().endsWith("/host/twostep/code"), code.getUrl() + "\n" + text(code));
            HtmlPage sent = Pages.click(code, "send");
            assertTrue(text(sent).contains("Enter your code"), text(sent));
            HtmlPage page = enterCode(sent, cluster.sms.last("+14155552801").code());
            assertTrue(page.getUrl().getPath().endsWith("/host/app/reports"), page.getUrl() + "\n" + text(page));
            // Each of the next requests goes to the next node, which finds the container's user and the
            // guard's verification in the session store.
            for (int i = 0; i < 3; i++) {
                HtmlPage again = client.getPage(cluster.proxy.url("/app/home"));
                assertEquals("Principal: erin", again.getHtmlElementById("principal").asNormalizedText(), text(again));
            }
        }
        String log = Files.readString(cluster.dir().resolve("haproxy/haproxy.log"));
        for (Node node : cluster.nodes) {
            assertTrue(log.contains("twostep_nodes/" + node.name + " "), node.name + " served nothing:\n" + log);
        }
    }

    @Test
    @Order(2)
    void hostLoginOnACodeSentByACodeTypedOnBProtectedPageOnC() throws Exception {
        String e164 = "+14155552802";
        enroll("fred", e164);
        Node a = cluster.node(1);
        Node b = cluster.node(2);
        Node c = cluster.node(3);
        try (WebClient client = Cluster.browser()) {
            HtmlPage code = hostLogin(client.getPage(a.url("/app/home")), "fred");
            assertEquals(a.port, code.getUrl().getPort());
            assertTrue(code.getUrl().getPath().endsWith("/host/twostep/code"), code.getUrl() + "\n" + text(code));
            Pages.click(code, "send");
            int sent = cluster.sms.to(e164).size();
            SmsStandIn.Sms sms = cluster.sms.last(e164);
            assertEquals(a.name, sms.node(), "the code was sent by the node of the host's login");

            HtmlPage codeOnB = client.getPage(b.url("/twostep/code"));
            assertTrue(text(codeOnB).contains("Enter your code"), text(codeOnB));
            HtmlPage homeOnB = enterCode(codeOnB, sms.code());
            assertEquals(b.port, homeOnB.getUrl().getPort());
            assertEquals("Hello, fred", homeOnB.getHtmlElementById("user").asNormalizedText(), text(homeOnB));

            // Node C has seen neither the login nor the code: the container's user (Jetty's FORM
            // authentication, kept in the session) and the guard's state come from the JDBC store.
            HtmlPage pageOnC = client.getPage(c.url("/app/reports"));
            assertEquals(c.port, pageOnC.getUrl().getPort());
            assertTrue(pageOnC.getUrl().getPath().endsWith("/host/app/reports"), pageOnC.getUrl() + "\n" + text(pageOnC));
            assertEquals("Principal: fred", pageOnC.getHtmlElementById("principal").asNormalizedText());
            assertEquals(sent, cluster.sms.to(e164).size(), "no other code was sent");

            // The browser's session is a row of Jetty's table (the cookie's id.node suffix is not stored; the
            // context path is stored as Jetty canonicalizes it).
            String id = client.getCookieManager().getCookie("JSESSIONID").getValue().replaceFirst("\\.node[0-9]+$", "");
            assertEquals(1, cluster.count("SELECT COUNT(*) FROM " + Cluster.sessionsSchema(cluster.schema)
                    + ".jettysessions WHERE sessionid = ? AND contextpath = '_host'", id), id);
            // Jetty's FORM authentication keeps the password as typed in the session, for the next node to log
            // the user in again: the row holds it in clear (docs/scale-out.md says so).
            assertEquals(1, cluster.count("SELECT COUNT(*) FROM " + Cluster.sessionsSchema(cluster.schema)
                    + ".jettysessions WHERE sessionid = ? AND position(convert_to(?, 'UTF8') IN map) > 0", id,
                    HostApp.password("fred")), "the password in the session row");
        }
    }

    @Test
    @Order(3)
    void fiveSendsSpreadOverThreeNodesAreStillFive() throws Exception {
        String e164 = "+14155552803";
        enroll("gina", e164);
        try (WebClient client = Cluster.browser()) {
            hostLogin(client.getPage(cluster.node(1).url("/app/home")), "gina");
            // The enrollment's code is one of the five; ask each node in turn for more.
            int refused = 0;
            for (int i = 0; i < 9; i++) {
                Node node = cluster.node(1 + i % 3);
                HtmlPage code = client.getPage(node.url("/twostep/code"));
                HtmlPage after = Pages.click(code, code.getElementsByName("send").isEmpty() ? "resend" : "send");
                if (after.getWebResponse().getStatusCode() == 429) {
                    refused++;
                }
            }
            List<SmsStandIn.Sms> sent = cluster.sms.to(e164);
            assertEquals(5, sent.size(), sent.toString());
            assertEquals(5, refused, "after the fifth code every node refuses");
            assertTrue(sent.stream().map(SmsStandIn.Sms::node).distinct().count() >= 2, sent.toString());
        }
    }

    @Test
    @Order(4)
    void aNodeKilledBetweenTheHostsLoginAndTheCodeCostsNoNewCode() throws Exception {
        String e164 = "+14155552804";
        enroll("hank", e164);
        Node a = cluster.node(1);
        try (WebClient client = Cluster.browser()) {
            HtmlPage code = hostLogin(client.getPage(a.url("/app/reports")), "hank");
            assertEquals(a.port, code.getUrl().getPort());
            assertTrue(code.getUrl().getPath().endsWith("/host/twostep/code"), code.getUrl() + "\n" + text(code));
            Pages.click(code, "send");
            SmsStandIn.Sms sms = cluster.sms.last(e164);
            assertEquals(a.name, sms.node(), "the code was sent by the node of the host's login");
            int sent = cluster.sms.to(e164).size();

            a.kill();
            // Straight on through HAProxy, before its health checks notice: the next node finds the host's
            // login (Jetty's FORM authentication) and the guard's state in the session store.
            HtmlPage again = client.getPage(cluster.proxy.url("/twostep/code"));
            assertTrue(text(again).contains("Enter your code"), again.getUrl() + "\n" + text(again));
            assertEquals(cluster.proxy.port, again.getUrl().getPort());
            HtmlPage page = enterCode(again, sms.code());
            assertTrue(page.getUrl().getPath().endsWith("/host/app/reports"), page.getUrl() + "\n" + text(page));
            assertEquals("Principal: hank", page.getHtmlElementById("principal").asNormalizedText(), text(page));
            assertEquals(sent, cluster.sms.to(e164).size(), "no new code was sent");
            cluster.proxy.awaitState("DOWN", Duration.ofSeconds(10), a.name);
        } finally {
            a.start();
            a.awaitReady(Duration.ofSeconds(90));
            cluster.proxy.awaitState("UP", Duration.ofSeconds(20), a.name);
        }
    }
}
