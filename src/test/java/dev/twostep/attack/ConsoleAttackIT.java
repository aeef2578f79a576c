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
        HtmlPage account = enterCode(Pages.way(pages.signIn(client, user, PASSWORD), "sms"), SERVER.sender().lastCode());
        assertEquals("/app/account", account.getUrl().getPath(), text(account));
        return account;
    }

    private WebClient operator() throws IOException {
        if (SERVER.count("SELECT COUNT(*) FROM accounts WHERE username = ?", OPERATOR) == 0) {
            pages.createAccount(OPERATOR, PASSWORD, "+14155550123");
        }
        WebClient client = SERVER.newClient();
        signedIn(client, OPERATOR);
        return client;
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
}
