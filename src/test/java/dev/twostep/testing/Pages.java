package dev.twostep.testing;

import java.io.IOException;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlButton;
import org.htmlunit.html.HtmlElement;
import org.htmlunit.html.HtmlInput;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.html.HtmlRadioButtonInput;

/** What a person does on Twostep's pages, as HtmlUnit steps. */
public final class Pages {
    private final TwostepServer server;

    public Pages(TwostepServer server) {
        this.server = server;
    }

    public HtmlPage open(WebClient client, String path) throws IOException {
        return client.getPage(server.url(path));
    }

    public static HtmlPage type(HtmlPage page, String id, String value) {
        HtmlInput input = page.getHtmlElementById(id);
        input.setValue(value);
        return page;
    }

    /** Clicks the submit button of the form that holds the element with this id. */
    public static HtmlPage submitFormOf(HtmlPage page, String id) throws IOException {
        HtmlElement element = page.getHtmlElementById(id);
        HtmlButton button = element.getEnclosingForm().getFirstByXPath(".//button[@type='submit']");
        return button.click();
    }

    /**
     * Clicks the button of this name. A button the server rendered disabled (such as "Send a new code" during
     * the wait, which a script counts down in a browser) is tried as a person would after the wait: the page
     * is opened again and the button clicked if it is enabled now.
     */
    public static HtmlPage click(HtmlPage page, String buttonName) throws IOException {
        HtmlButton button = page.getFirstByXPath("//button[@name='" + buttonName + "']");
        if (button == null) {
            throw new AssertionError("no button " + buttonName + " on " + page.getUrl() + ":\n" + page.asNormalizedText());
        }
        if (button.isDisabled()) {
            HtmlPage again = page.getEnclosingWindow().getWebClient().getPage(page.getUrl());
            button = again.getFirstByXPath("//button[@name='" + buttonName + "']");
            if (button == null || button.isDisabled()) {
                throw new AssertionError("button " + buttonName + " is disabled on " + page.getUrl() + ":\n"
                        + again.asNormalizedText());
            }
        }
        return button.click();
    }

    /**
     * POSTs a form of the page by hand, as a script or an attacker could, with the session's CSRF token read
     * from the page: for requests the page itself no longer offers.
     */
    public static HtmlPage post(HtmlPage page, String path, String... fields) throws IOException {
        java.util.List<org.htmlunit.util.NameValuePair> params = new java.util.ArrayList<>();
        HtmlInput csrf = page.getFirstByXPath("//input[@name='twostep_csrf']");
        params.add(new org.htmlunit.util.NameValuePair("twostep_csrf", csrf.getValue()));
        for (int i = 0; i < fields.length; i += 2) {
            params.add(new org.htmlunit.util.NameValuePair(fields[i], fields[i + 1]));
        }
        java.net.URL url = new java.net.URL(page.getUrl(), path);
        org.htmlunit.WebRequest post = new org.htmlunit.WebRequest(url, org.htmlunit.HttpMethod.POST);
        post.setRequestParameters(params);
        return page.getEnclosingWindow().getWebClient().getPage(post);
    }

    /**
     * On the code page, picks a way under "Use another way" (sms, voice, app, recovery) and returns the page
     * that follows; the page as it is when that way is the one shown already.
     */
    public static HtmlPage way(HtmlPage code, String way) throws IOException {
        HtmlElement choice = code.getElementById("way-" + way) instanceof HtmlElement e ? e : null;
        if (choice == null) {
            String field = switch (way) {
                case "app" -> "totp";
                case "recovery" -> "recovery-code";
                default -> "code";
            };
            if (code.getElementById(field) != null) {
                return code;
            }
            HtmlButton send = code.getFirstByXPath("//form[input[@name='channel'][@value='" + way + "']]"
                    + "//button[@name='send']");
            if (send != null) {
                // The phone's way shown before anything was sent: "Text me a code" / "Call me with a code".
                return send.click();
            }
            throw new AssertionError("no way " + way + " on " + code.getUrl() + ":\n" + code.asNormalizedText());
        }
        return choice.click();
    }

    public HtmlPage register(WebClient client, String username, String password, String phone, String channel)
            throws IOException {
        HtmlPage page = open(client, "/register");
        type(page, "username", username);
        type(page, "password", password);
        type(page, "phone", phone);
        HtmlRadioButtonInput radio = page.getFirstByXPath("//input[@name='channel'][@value='" + channel + "']");
        radio.setChecked(true);
        return submitFormOf(page, "username");
    }

    public HtmlPage signIn(WebClient client, String username, String password) throws IOException {
        return signIn(open(client, "/login"), username, password);
    }

    public static HtmlPage signIn(HtmlPage loginPage, String username, String password) throws IOException {
        type(loginPage, "username", username);
        type(loginPage, "password", password);
        return submitFormOf(loginPage, "username");
    }

    public static HtmlPage enterCode(HtmlPage codePage, String code) throws IOException {
        type(codePage, "code", code);
        return submitFormOf(codePage, "code");
    }

    /**
     * Signs in with the password and the code sent by SMS (the phone's way, whichever is offered first), and
     * fails unless that ends on the standalone app's account page, which it returns.
     */
    public HtmlPage signedIn(WebClient client, String username, String password) throws IOException {
        HtmlPage account = enterCode(way(signIn(client, username, password), "sms"), server.sender().lastCode());
        if (!account.getUrl().getPath().endsWith("/account")) {
            throw new AssertionError("sign-in did not end on the account page: " + account.getUrl() + "\n"
                    + account.asNormalizedText());
        }
        return account;
    }

    /** A new browser signed in as this user ({@link #signedIn}), the account made first if it does not exist. */
    public WebClient signedInClient(String username, String password, String phone) throws IOException {
        if (server.count("SELECT COUNT(*) FROM accounts WHERE username = ?", username) == 0) {
            createAccount(username, password, phone);
        }
        WebClient client = server.newClient();
        signedIn(client, username, password);
        return client;
    }

    /** Registers, confirms the phone with the code sent, and signs out: a ready account. */
    public void createAccount(String username, String password, String phone) throws IOException {
        try (WebClient client = new WebClient()) {
            client.getOptions().setThrowExceptionOnFailingStatusCode(false);
            client.getCache().setMaxSize(0);
            HtmlPage code = register(client, username, password, phone, "sms");
            HtmlPage account = enterCode(code, server.sender().lastCode());
            if (!account.getUrl().getPath().endsWith("/account")) {
                throw new AssertionError("registration did not end on the account page: " + account.asNormalizedText());
            }
            click(account, "signout");
        }
    }

    public static String text(HtmlPage page) {
        return page.asNormalizedText();
    }
}
