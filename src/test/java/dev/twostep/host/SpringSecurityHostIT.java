package dev.twostep.host;

import static dev.twostep.testing.Pages.click;
import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.signIn;
import static dev.twostep.testing.Pages.submitFormOf;
import static dev.twostep.testing.Pages.text;
import static dev.twostep.testing.Pages.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlButton;
import org.htmlunit.html.HtmlForm;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.html.HtmlRadioButtonInput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;
import dev.twostep.testing.Webapps;

/**
 * An existing app secured by Spring Security 6 (XML configuration, form login on Spring's generated page,
 * CSRF on) with the guard added by configuration only: the listener and the twostep.* context-params of
 * src/test/webapps/spring-host. Spring comes from Maven Central (test scope); walked in HtmlUnit on embedded
 * Jetty 12.
 */
class SpringSecurityHostIT {
    static final Path WEBAPP = Path.of("src/test/webapps/spring-host");

    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of()).webapp(WEBAPP, server -> { });
    private final Pages pages = new Pages(SERVER);

    static String path(HtmlPage page) {
        return page.getUrl().getPath();
    }

    /** Spring Security's own login page, as it generates it, by the ids of its fields. */
    static void assertSpringLogin(HtmlPage page) {
        assertEquals("/app/login", path(page), text(page));
        assertTrue(text(page).contains("Please sign in"), text(page));
    }

    static HtmlPage enroll(HtmlPage enrollPage, String phone, String channel) throws IOException {
        type(enrollPage, "phone", phone);
        enrollPage.<HtmlRadioButtonInput>getFirstByXPath("//input[@name='channel'][@value='" + channel + "']")
                .setChecked(true);
        return submitFormOf(enrollPage, "phone");
    }

    /** Signs out through Spring Security: its logout page, a POST to /logout with Spring's CSRF token. */
    static HtmlPage springLogout(Pages pages, WebClient client) throws IOException {
        HtmlPage confirm = pages.open(client, "/logout");
        HtmlForm form = confirm.getFirstByXPath("//form[contains(@action, '/logout')]");
        assertNotNull(form, text(confirm));
        assertEquals("post", form.getMethodAttribute().toLowerCase(java.util.Locale.ROOT));
        assertNotNull(form.getFirstByXPath(".//input[@name='_csrf']"), "Spring's CSRF token is in the form");
        return form.<HtmlButton>getFirstByXPath(".//button[@type='submit']").click();
    }

    /**
     * The walk both Spring hosts share, from Spring's login page asked for {@code /app/reports?month=11}: alice
     * signs in, enrolls her phone on Twostep's page (which carries Spring's CSRF token beside its own), types a
     * wrong code (Twostep's message; the app's pages stay shut), then the right one, which opens the page first
     * asked for as Spring's user. Returns that page.
     */
    static HtmlPage enrollWithAWrongCodeFirst(TwostepServer server, Pages pages, WebClient alice, HtmlPage login)
            throws Exception {
        HtmlPage enrollPage = signIn(login, "alice", "alice-password");
        assertEquals("/app/twostep/enroll", path(enrollPage), text(enrollPage));
        assertTrue(text(enrollPage).contains("Set up your phone"), text(enrollPage));
        // Twostep's form carries Spring's CSRF token next to its own, so Spring's CSRF filter lets it through.
        assertNotNull(enrollPage.getFirstByXPath("//form//input[@name='_csrf']"), enrollPage.asXml());
        assertNotNull(enrollPage.getFirstByXPath("//form//input[@name='twostep_csrf']"), enrollPage.asXml());

        HtmlPage code = enroll(enrollPage, "(415) 555-2671", "sms");
        assertEquals("/app/twostep/code", path(code), text(code));
        assertTrue(text(code).contains("Confirm your phone"), text(code));
        assertTrue(text(code).contains("We sent a text message with a code to your phone ending in 71"), text(code));
        assertEquals("+14155552671", server.sender().last().orElseThrow().to());
        String right = server.sender().lastCode();

        // A wrong code: Twostep's message, and the app's pages stay shut.
        HtmlPage wrong = enterCode(code, wrongCode(right));
        assertEquals(422, wrong.getWebResponse().getStatusCode(), text(wrong));
        assertTrue(text(wrong).contains("That code is not right. 4 tries are left for this code."), text(wrong));
        HtmlPage stillShut = pages.open(alice, "/app/reports?month=11");
        assertEquals("/app/twostep/code", path(stillShut), text(stillShut));
        assertFalse(text(stillShut).contains("Hello,"), text(stillShut));
        assertEquals(0, server.count("SELECT COUNT(*) FROM phones WHERE username = 'alice' AND confirmed_at IS NOT NULL"));

        // The right code opens the page first asked for, as Spring's user.
        HtmlPage page = enterCode(stillShut, right);
        assertEquals("/app/app/reports", path(page), text(page));
        assertEquals("month=11", page.getUrl().getQuery(), page.getUrl().toString());
        assertEquals("Hello, alice", page.getHtmlElementById("user").asNormalizedText());
        return page;
    }

    static String wrongCode(String right) {
        return right.equals("000000") ? "111111" : "000000";
    }

    @Test
    void springLoginThenEnrollmentThenCodeThenThePageAndASecondLoginAsksAgain() throws Exception {
        WebClient alice = SERVER.newClient();
        HtmlPage login = pages.open(alice, "/app/reports?month=11");
        assertSpringLogin(login);

        HtmlPage page = enrollWithAWrongCodeFirst(SERVER, pages, alice, login);
        assertEquals("Principal: alice", page.getHtmlElementById("principal").asNormalizedText());
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = 'alice' AND confirmed_at IS NOT NULL"));
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = 'alice' AND phone_e164 = '+14155552671'"
                + " AND channel = 'SMS'"));
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM accounts"), "Twostep never writes the host's users");
        assertEquals("Hello, alice", pages.open(alice, "/app/home").getHtmlElementById("user").asNormalizedText());

        // dave, in another browser, gets none of alice's state: his own enrollment, no page, no code for alice.
        WebClient dave = SERVER.newClient();
        int sentBefore = SERVER.sender().sent().size();
        HtmlPage daveEnroll = signIn(pages.open(dave, "/app/reports"), "dave", "dave-password");
        assertEquals("/app/twostep/enroll", path(daveEnroll), text(daveEnroll));
        assertFalse(text(daveEnroll).contains("ending in 71"), text(daveEnroll));
        HtmlPage daveShut = pages.open(dave, "/app/home");
        assertEquals("/app/twostep/enroll", path(daveShut), text(daveShut));
        HtmlPage daveCode = pages.open(dave, "/twostep/code");
        assertFalse(text(daveCode).contains("ending in 71"), text(daveCode));
        assertFalse(text(daveCode).contains("Hello,"), text(daveCode));
        assertEquals(sentBefore, SERVER.sender().sent().size(), "nothing was sent to alice's phone for dave");
        assertEquals("Hello, alice", pages.open(alice, "/app/home").getHtmlElementById("user").asNormalizedText());

        // Signing out through Spring, then in again: the code is asked for again.
        HtmlPage out = springLogout(pages, alice);
        assertSpringLogin(out);
        assertTrue(text(out).contains("You have been signed out"), text(out));
        assertSpringLogin(pages.open(alice, "/app/reports"));
        HtmlPage again = signIn(pages.open(alice, "/app/reports"), "alice", "alice-password");
        assertEquals("/app/twostep/code", path(again), text(again));
        assertTrue(text(again).contains("We will send a code by text message to your phone ending in 71"), text(again));
        assertFalse(text(again).contains("Hello,"), text(again));
        HtmlPage sent = click(again, "send");
        assertEquals(sentBefore + 1, SERVER.sender().sent().size());
        assertEquals("+14155552671", SERVER.sender().last().orElseThrow().to());
        HtmlPage wrongAgain = enterCode(sent, wrongCode(SERVER.sender().lastCode()));
        assertTrue(text(wrongAgain).contains("That code is not right."), text(wrongAgain));
        HtmlPage reports = enterCode(wrongAgain, SERVER.sender().lastCode());
        assertEquals("/app/app/reports", path(reports), text(reports));
        assertEquals("Hello, alice", reports.getHtmlElementById("user").asNormalizedText());
    }

    @Test
    void anonymousVisitorsOfTwostepPagesGetSpringsLoginAndPostsWithoutSpringsTokenAreRefused() throws Exception {
        WebClient anonymous = SERVER.newClient();
        assertSpringLogin(pages.open(anonymous, "/twostep/code"));
        assertSpringLogin(pages.open(anonymous, "/twostep/enroll"));
        assertEquals("OK", pages.open(anonymous, "/app/health").getHtmlElementById("health").asNormalizedText());

        // Spring's CSRF protection stays on for Twostep's pages: a signed-in session's POST without Spring's
        // token is refused by Spring before Twostep sees it.
        WebClient dave = SERVER.newClient();
        signIn(pages.open(dave, "/app/home"), "dave", "dave-password");
        String cookie = "JSESSIONID=" + dave.getCookieManager().getCookie("JSESSIONID").getValue();
        HttpResponse<String> post = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(SERVER.url("/twostep/enroll"))).header("Cookie", cookie)
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("phone=%2B14155552671&channel=sms")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, post.statusCode(), post.body());
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = 'dave'"));
    }

    /**
     * The guard mapped first (no twostep.filter-order) would run before Spring Security has signed anyone in,
     * and answer 401 for ever: the app refuses to start and says which setting to change.
     */
    @Test
    void withTheGuardFirstTheAppRefusesToStartAndNamesTheSetting() throws Exception {
        Path copy = withoutFilterOrder();
        TwostepServer guardFirst = new TwostepServer(Map.of()).webapp(copy, server -> { });
        try {
            Throwable refused = assertThrows(Throwable.class, () -> guardFirst.beforeAll(null));
            String why = Webapps.messages(refused);
            assertTrue(why.contains("twostep.filter-order"), why);
            assertTrue(why.contains("springSecurityFilterChain"), why);
        } finally {
            guardFirst.afterAll(null);
            try (Stream<Path> files = Files.walk(copy)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The spring-host app, copied, with the twostep.filter-order context-param taken out. */
    private static Path withoutFilterOrder() {
        return Webapps.copy(WEBAPP, xml -> Webapps.withoutContextParam(xml, "twostep.filter-order"));
    }
}
