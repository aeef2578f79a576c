package dev.twostep.cluster;

import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.text;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.html.HtmlRadioButtonInput;

import dev.twostep.testing.Pages;

/** The standalone app's walks through a cluster, as a person does them in a browser. */
final class SignIns {
    static final String PASSWORD = "correct horse battery";

    private SignIns() {
    }

    /**
     * Registers through HAProxy (so each request goes to the next node), confirms the phone with the code the
     * stand-in received, and signs out.
     */
    static void register(Cluster cluster, String user, String e164) throws Exception {
        try (WebClient client = Cluster.browser()) {
            HtmlPage form = client.getPage(cluster.proxy.url("/register"));
            Pages.type(form, "username", user);
            Pages.type(form, "password", PASSWORD);
            Pages.type(form, "phone", e164);
            form.<HtmlRadioButtonInput>getFirstByXPath("//input[@value='sms']").setChecked(true);
            HtmlPage code = Pages.submitFormOf(form, "username");
            assertTrue(text(code).contains("Confirm your phone"), text(code));
            HtmlPage account = enterCode(code, cluster.sms.last(e164).code());
            assertTrue(text(account).contains("Signed in as " + user), text(account));
            Pages.click(account, "signout");
        }
    }

    /** The login page at {@code loginUrl}, the user's password: returns the code page it leads to. */
    static HtmlPage password(WebClient client, String loginUrl, String user) throws Exception {
        HtmlPage login = client.getPage(loginUrl);
        HtmlPage code = Pages.signIn(login, user, PASSWORD);
        assertTrue(text(code).contains("Enter your code"), text(code));
        return code;
    }

    /** The code last sent to {@code e164} typed on {@code code}: returns the account page it leads to. */
    static HtmlPage code(Cluster cluster, HtmlPage code, String user, String e164) throws Exception {
        HtmlPage account = enterCode(code, cluster.sms.last(e164).code());
        assertTrue(text(account).contains("Signed in as " + user), account.getUrl() + "\n" + text(account));
        return account;
    }
}
