package dev.twostep.host;

import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.submitFormOf;
import static dev.twostep.testing.Pages.text;
import static dev.twostep.testing.Pages.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/**
 * An existing app whose own login keeps the user in a session attribute; the guard is added by its
 * web.xml alone (src/test/webapps/session-host).
 */
class SessionHostIT {
    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of())
            .webapp(Path.of("src/test/webapps/session-host"), server -> { });
    private final Pages pages = new Pages(SERVER);

    private HtmlPage hostLogin(WebClient client, String user, String password) throws Exception {
        HtmlPage form = pages.open(client, "/signin");
        type(form, "u", user);
        type(form, "p", password);
        return submitFormOf(form, "u");
    }

    @Test
    void anonymousVisitorsGoToTheHostsSignIn() throws Exception {
        HtmlPage page = pages.open(SERVER.newClient(), "/app/home");
        assertEquals("/app/signin", page.getUrl().getPath());
    }

    @Test
    void hostLoginEnrollCodeThenTheHostSeesTheUserAndSignOutAsksAgain() throws Exception {
        WebClient client = SERVER.newClient();
        HtmlPage enrollPage = hostLogin(client, "bob", "bob-password");
        assertEquals("/app/twostep/enroll", enrollPage.getUrl().getPath());
        HtmlPage code = FormHostIT.enroll(enrollPage, "+44 20 7946 0958", "sms");
        assertTrue(text(code).contains("ending in 58"), text(code));
        HtmlPage home = enterCode(code, SERVER.sender().lastCode());
        assertEquals("/app/app/home", home.getUrl().getPath());
        // The host sets no container user; after both steps the request carries it.
        assertEquals("Hello, bob", home.getHtmlElementById("user").asNormalizedText());
        assertEquals("Principal: bob", home.getHtmlElementById("principal").asNormalizedText());

        // The host's sign-out ends the session: the next sign-in needs a code again.
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        String cookie = "JSESSIONID=" + client.getCookieManager().getCookie("JSESSIONID").getValue();
        http.send(HttpRequest.newBuilder(URI.create(SERVER.url("/signout"))).header("Cookie", cookie)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        client.getCookieManager().clearCookies();
        HtmlPage again = hostLogin(client, "bob", "bob-password");
        assertEquals("/app/twostep/code", again.getUrl().getPath());
        assertTrue(text(again).contains("Enter your code"), text(again));
    }

    @Test
    void anotherUserSigningInOnTheSameSessionStartsOver() throws Exception {
        WebClient client = SERVER.newClient();
        HtmlPage code = FormHostIT.enroll(hostLogin(client, "carol", "carol-password"), "(415) 555-2671", "sms");
        enterCode(code, SERVER.sender().lastCode());
        assertEquals("Hello, carol", pages.open(client, "/app/home").getHtmlElementById("user").asNormalizedText());

        // The host's login switches the session to bob: carol's verification must not carry over.
        HtmlPage afterSwitch = hostLogin(client, "bob", "bob-password");
        assertTrue(afterSwitch.getUrl().getPath().startsWith("/app/twostep/"), afterSwitch.getUrl().toString());
    }

    @Test
    void excludedPathsStayOpen() throws Exception {
        HttpResponse<String> health = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(SERVER.url("/app/health"))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        HttpResponse<String> asset = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(SERVER.url("/app/static/logo.css"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, asset.statusCode());
        HttpResponse<String> guarded = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build().send(
                HttpRequest.newBuilder(URI.create(SERVER.url("/app/healthz"))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(303, guarded.statusCode());
    }
}
