package dev.twostep.deploy;

import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.submitFormOf;
import static dev.twostep.testing.Pages.text;
import static dev.twostep.testing.Pages.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.html.HtmlRadioButtonInput;

import dev.twostep.testing.Pages;

/** The sign-in walks a person does, against a deployed app at a base URL. */
final class Walks {
    private Walks() {
    }

    static WebClient browser() {
        WebClient client = new WebClient();
        client.getOptions().setThrowExceptionOnFailingStatusCode(false);
        client.getOptions().setJavaScriptEnabled(false);
        // No HTTP cache: a login page a container serves by forward must not stand in for the page after it.
        client.getCache().setMaxSize(0);
        client.getOptions().setCssEnabled(false);
        return client;
    }

    /** Standalone WAR: register, confirm the phone with the code, sign out, sign in with a new code. */
    static void standalone(String base, ContainerProcess container) throws Exception {
        try (WebClient client = browser()) {
            HtmlPage form = client.getPage(base + "/register");
            assertEquals(200, form.getWebResponse().getStatusCode(), text(form));
            type(form, "username", "deployuser");
            type(form, "password", "correct horse battery");
            type(form, "phone", "(415) 555-2671");
            form.<HtmlRadioButtonInput>getFirstByXPath("//input[@value='sms']").setChecked(true);
            HtmlPage code = submitFormOf(form, "username");
            assertTrue(text(code).contains("Confirm your phone"), text(code));
            HtmlPage account = enterCode(code, container.nextCode());
            assertTrue(account.getUrl().getPath().endsWith("/account"), account.getUrl().toString());
            assertTrue(text(account).contains("Signed in as deployuser"), text(account));
            Pages.click(account, "signout");

            HtmlPage login = client.getPage(base + "/account");
            assertTrue(login.getUrl().getPath().endsWith("/login"), login.getUrl().toString());
            HtmlPage again = Pages.signIn(login, "deployuser", "correct horse battery");
            assertTrue(text(again).contains("Enter your code"), text(again));
            String loginCode = container.nextCode();
            HtmlPage wrong = enterCode(again, "000000".equals(loginCode) ? "111111" : "000000");
            assertEquals(422, wrong.getWebResponse().getStatusCode());
            HtmlPage resent = Pages.click(wrong, "resend");
            HtmlPage back = enterCode(resent, container.nextCode());
            assertTrue(text(back).contains("Signed in as deployuser"), text(back));
        }
    }

    /**
     * A host app's FORM login as erin, then enrollment of a UK number by SMS and the code from the container's
     * log; returns the page the code opened.
     */
    static HtmlPage hostLoginAndEnroll(HtmlPage login, ContainerProcess container) throws Exception {
        type(login, "j_username", "erin");
        type(login, "j_password", "erin-password");
        HtmlPage enroll = submitFormOf(login, "j_username");
        assertTrue(enroll.getUrl().getPath().endsWith("/host/twostep/enroll"), enroll.getUrl() + "\n" + text(enroll));
        type(enroll, "phone", "+44 20 7946 0958");
        enroll.<HtmlRadioButtonInput>getFirstByXPath("//input[@value='sms']").setChecked(true);
        HtmlPage code = submitFormOf(enroll, "phone");
        assertTrue(text(code).contains("ending in 58"), text(code));
        return enterCode(code, container.nextCode());
    }
}
