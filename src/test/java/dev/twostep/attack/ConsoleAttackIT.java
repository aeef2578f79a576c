package dev.twostep.attack;

import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.submitFormOf;
import static dev.twostep.testing.Pages.text;
import static dev.twostep.testing.Pages.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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
 * The operators' console (issue 15) attacked: by users who put text of their choice into the trail the console
 * reads, by operators who feed its forms garbage, by requests that try to get round its checks.
 */
class ConsoleAttackIT {
    static final String PASSWORD = "correct horse battery";
    static final String PHONE = "+14155552671";
    static final String OPERATOR = "olga";

    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(settings());
    private final Pages pages = new Pages(SERVER);
    private final Totp totp = new Totp(SERVER.clock());

    private static Map<String, String> settings() {
        Map<String, String> s = new HashMap<>(TwostepServer.RELAXED_LIMITS);
        s.put("twostep.admin.users", OPERATOR);
        return s;
    }

    private static String unique(String base) {
        return base + System.nanoTime() % 1_000_000_000L;
    }

    private HtmlPage signedIn(WebClient client, String user) throws IOException {
        return pages.signedIn(client, user, PASSWORD);
    }

    private WebClient operator() throws IOException {
        return pages.signedInClient(OPERATOR, PASSWORD, "+14155550123");
    }

    /**
     * A user names an authenticator app so that its audit detail ends like a merged row's count, "(N times)",
     * with N past an int. The console's trail (its user page and the unfiltered audit search, its front page)
     * must still show, as must the user's own pages: a user must not be able to blind the operators.
     */
    @Test
    void aCountInAnAppsNameBreaksNeitherTheConsoleNorTheUsersPages() throws Exception {
        String mallory = unique("mallory");
        pages.createAccount(mallory, PASSWORD, PHONE);
        WebClient browser = SERVER.newClient();
        HtmlPage account = signedIn(browser, mallory);
        HtmlPage app = account.getAnchorByText("Add an authenticator app").click();
        byte[] secret = Base32.decode(app.getHtmlElementById("secret").asNormalizedText());
        type(app, "app-label", "phone (99999999999 times)");
        HtmlPage done = submitFormOf(type(app, "app-code", totp.code(secret, totp.currentStep())), "app-code");
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = ? AND event = 'AUTHENTICATOR_ADDED'"
                + " AND detail = 'phone (99999999999 times)'", mallory), text(done));

        HtmlPage security = pages.open(browser, "/twostep/security");
        assertEquals(200, security.getWebResponse().getStatusCode(), text(security));
        assertTrue(text(security).contains("Authenticator app added"), text(security));

        WebClient operator = operator();
        HtmlPage audit = pages.open(operator, "/twostep/admin/audit");
        assertEquals(200, audit.getWebResponse().getStatusCode(), text(audit));
        assertTrue(audit.getHtmlElementById("trail").asNormalizedText().contains("phone (99999999999 times)"),
                text(audit));
        HtmlPage user = pages.open(operator, "/twostep/admin/user?name=" + mallory);
        assertEquals(200, user.getWebResponse().getStatusCode(), text(user));
        assertTrue(user.getHtmlElementById("trail").asNormalizedText().contains("AUTHENTICATOR_ADDED"), text(user));
    }

    /** An event kind sent many times is one kind: the page's links (older rows, CSV) carry it once. */
    @Test
    void aKindRepeatedInTheSearchIsCarriedOnceInItsLinks() throws Exception {
        WebClient operator = operator();
        HtmlPage audit = pages.open(operator, "/twostep/admin/audit?" + "event=SIGN_IN_OK&".repeat(300));
        assertEquals(200, audit.getWebResponse().getStatusCode(), text(audit));
        String csv = audit.getHtmlElementById("csv").getAttribute("href");
        assertEquals(1, csv.split("event=", -1).length - 1, "kinds in the CSV link");
        assertTrue(csv.endsWith("/app/twostep/admin/audit.csv?event=SIGN_IN_OK"),
                () -> csv.substring(0, Math.min(80, csv.length())));
    }

    /**
     * Actions without the session's own CSRF token, and a reset of the operator's own factors by a name that
     * differs in case or space, change nothing.
     */
    @Test
    void forgedTokensAndTheOperatorsOwnNameInDisguiseChangeNothing() throws Exception {
        String victim = unique("vic");
        pages.createAccount(victim, PASSWORD, PHONE);
        WebClient operator = operator();
        HtmlPage page = pages.open(operator, "/twostep/admin/user?name=" + victim);
        // Another signed-in session's token, then none at all, on the operator's session.
        String othersToken = signedIn(SERVER.newClient(), victim).<org.htmlunit.html.HtmlInput>getFirstByXPath(
                "//input[@name='twostep_csrf']").getValue();
        assertEquals(403, postAs(operator, "twostep_csrf", othersToken, "name", victim, "action", "end-sessions")
                .getWebResponse().getStatusCode());
        assertEquals(403, postAs(operator, "name", victim, "action", "end-sessions").getWebResponse().getStatusCode());
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = ? AND event LIKE 'OPERATOR%'",
                victim));

        for (String disguised : new String[] {"OLGA", " olga ", "Olga", "olga\t"}) {
            HtmlPage self = Pages.post(page, "/app/twostep/admin/user", "name", disguised, "action", "reset",
                    "what", "all", "reason", "test");
            int status = self.getWebResponse().getStatusCode();
            assertTrue(status == 403 || status == 404, disguised + ": " + status + " " + text(self));
        }
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = ?", OPERATOR));
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE event = 'OPERATOR_FACTORS_RESET'"));
    }

    private static org.htmlunit.Page postAs(WebClient client, String... fields) throws IOException {
        org.htmlunit.WebRequest post = new org.htmlunit.WebRequest(new java.net.URL(SERVER.url("/twostep/admin/user")),
                org.htmlunit.HttpMethod.POST);
        java.util.List<org.htmlunit.util.NameValuePair> params = new java.util.ArrayList<>();
        for (int i = 0; i < fields.length; i += 2) {
            params.add(new org.htmlunit.util.NameValuePair(fields[i], fields[i + 1]));
        }
        post.setRequestParameters(params);
        return client.getPage(post);
    }
}
