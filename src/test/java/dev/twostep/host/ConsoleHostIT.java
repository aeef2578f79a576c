package dev.twostep.host;

import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.text;
import static dev.twostep.testing.Pages.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.UserStore;
import org.eclipse.jetty.util.security.Password;
import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlButton;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/**
 * Issue 15 in a guarded host app: the sample FORM-login host (src/test/webapps/form-host) with operators
 * named by a container role ({@code twostep.admin.role=ops}, checked with isUserInRole). A user without the
 * role gets 403; an operator resets a user's lost phone, the user enrolls again at the host's next sign-in and
 * reaches the page, and the trail names the operator.
 */
class ConsoleHostIT {
    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of("twostep.admin.role", "ops"))
            .webapp(Path.of("src/test/webapps/form-host"), server -> {
                UserStore users = new UserStore();
                users.addUser("olga", new Password("olga-password"), new String[] {"user", "ops"});
                users.addUser("pete", new Password("pete-password"), new String[] {"user"});
                HashLoginService realm = new HashLoginService("host");
                realm.setUserStore(users);
                server.addBean(realm);
            });
    private final Pages pages = new Pages(SERVER);

    /** The host's login, enrollment on first use or the code sent; ends on the host's page. */
    private WebClient signedIn(String user, String phone) throws Exception {
        WebClient client = SERVER.newClient();
        HtmlPage next = FormHostIT.hostLogin(pages.open(client, "/app/home"), user, user + "-password");
        if (next.getUrl().getPath().endsWith("/enroll")) {
            next = FormHostIT.enroll(next, phone, "sms");
        } else {
            next = Pages.click(next, "send");
        }
        HtmlPage home = enterCode(next, SERVER.sender().lastCode());
        assertEquals("Hello, " + user, home.getHtmlElementById("user").asNormalizedText(), text(home));
        return client;
    }

    @Test
    void anOperatorByContainerRoleResetsALostPhoneAndTheUserEnrollsAgain() throws Exception {
        WebClient pete = signedIn("pete", "(415) 555-2671");
        HtmlPage refused = pages.open(pete, "/twostep/admin");
        assertEquals(403, refused.getWebResponse().getStatusCode());
        assertTrue(text(refused).contains("This page is for operators only."), text(refused));

        WebClient olga = signedIn("olga", "(415) 555-0123");
        HtmlPage users = pages.open(olga, "/twostep/admin?q=pe");
        assertEquals(200, users.getWebResponse().getStatusCode(), text(users));
        HtmlPage petePage = users.getAnchorByText("pete").click();
        assertTrue(text(petePage).contains("Text messages to the phone ending in 71"), text(petePage));
        type(petePage, "reason", "Phone lost on a trip");
        HtmlPage reset = petePage.<HtmlButton>getHtmlElementById("reset").click();
        assertTrue(text(reset).contains("The phone was removed."), text(reset));
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = 'pete'"));
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = 'pete'"
                + " AND event = 'OPERATOR_FACTORS_RESET' AND detail = 'by olga: phone; Phone lost on a trip'"));

        // Pete's session ended; the host's next sign-in enrolls a new phone, then the page opens.
        HtmlPage again = pages.open(pete, "/app/home");
        assertTrue(again.getElementById("user") == null, "pete's old session no longer reaches the page: "
                + again.getUrl() + "\n" + text(again));
        signedIn("pete", "(415) 555-0199");
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = 'pete' AND phone_e164 = '+14155550199'"
                + " AND confirmed_at IS NOT NULL"));
    }
}
