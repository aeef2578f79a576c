package dev.twostep.host;

import static dev.twostep.testing.Pages.click;
import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.submitFormOf;
import static dev.twostep.testing.Pages.text;
import static dev.twostep.testing.Pages.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.UserStore;
import org.eclipse.jetty.util.security.Password;
import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.html.HtmlRadioButtonInput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.factor.Base32;
import dev.twostep.factor.Totp;
import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/**
 * An existing app with container FORM login through a Jetty login service, and no Twostep code: the guard
 * is added by its web.xml alone (src/test/webapps/form-host). Walked in HtmlUnit on embedded Jetty 12.
 */
class FormHostIT {
    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(java.util.Map.of())
            .webapp(Path.of("src/test/webapps/form-host"), server -> {
                UserStore users = new UserStore();
                users.addUser("alice", new Password("alice-password"), new String[] {"user"});
                users.addUser("dave", new Password("dave-password"), new String[] {"user"});
                users.addUser("erin", new Password("erin-password"), new String[] {"user"});
                users.addUser("gina", new Password("gina-password"), new String[] {"user"});
                users.addUser("hank", new Password("hank-password"), new String[] {"user"});
                users.addUser("june", new Password("june-password"), new String[] {"user"});
                users.addUser("ivy", new Password("ivy-password"), new String[] {"user"});
                users.addUser("hana", new Password("hana-password"), new String[] {"user"});
                HashLoginService realm = new HashLoginService("host");
                realm.setUserStore(users);
                server.addBean(realm);
            });
    private final Pages pages = new Pages(SERVER);

    static HtmlPage hostLogin(HtmlPage loginPage, String user, String password) throws Exception {
        type(loginPage, "j_username", user);
        type(loginPage, "j_password", password);
        return submitFormOf(loginPage, "j_username");
    }

    static HtmlPage enroll(HtmlPage enrollPage, String phone, String channel) throws Exception {
        type(enrollPage, "phone", phone);
        enrollPage.<HtmlRadioButtonInput>getFirstByXPath("//input[@name='channel'][@value='" + channel + "']")
                .setChecked(true);
        return submitFormOf(enrollPage, "phone");
    }

    @Test
    void hostLoginThenEnrollmentThenCodeThenThePage() throws Exception {
        WebClient client = SERVER.newClient();
        HtmlPage login = pages.open(client, "/app/reports?month=11");
        assertTrue(text(login).contains("Host sign-in"), text(login));

        HtmlPage enrollPage = hostLogin(login, "alice", "alice-password");
        assertEquals("/app/twostep/enroll", enrollPage.getUrl().getPath());
        assertTrue(text(enrollPage).contains("Set up your phone"), text(enrollPage));

        HtmlPage code = enroll(enrollPage, "(415) 555-2671", "voice");
        assertEquals("/app/twostep/code", code.getUrl().getPath());
        assertTrue(text(code).contains("Confirm your phone"), text(code));
        assertTrue(text(code).contains("We are calling your phone ending in 71"), text(code));
        assertEquals("+14155552671", SERVER.sender().last().orElseThrow().to());

        HtmlPage page = enterCode(code, SERVER.sender().lastCode());
        assertEquals("/app/app/reports", page.getUrl().getPath());
        assertEquals("month=11", page.getUrl().getQuery());
        assertEquals("Hello, alice", page.getHtmlElementById("user").asNormalizedText());
        assertEquals("Principal: alice", page.getHtmlElementById("principal").asNormalizedText());
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = 'alice' AND confirmed_at IS NOT NULL"));
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM accounts"), "Twostep never writes the host's users");

        // A second session: host login again, then straight to the code (no enrollment), then the page.
        WebClient second = SERVER.newClient();
        HtmlPage code2 = hostLogin(pages.open(second, "/app/home"), "alice", "alice-password");
        assertEquals("/app/twostep/code", code2.getUrl().getPath());
        // The host's login was a POST of the host's, not Twostep's: the code page offers to send and sends
        // nothing until asked, however often it is viewed.
        int before = SERVER.sender().sent().size();
        assertTrue(text(code2).contains("We will call your phone ending in 71"), text(code2));
        HtmlPage reloaded = pages.open(second, "/twostep/code");
        assertEquals(200, reloaded.getWebResponse().getStatusCode());
        assertEquals(before, SERVER.sender().sent().size(), "viewing the page twice sent nothing");
        HtmlPage sent = click(reloaded, "send");
        assertEquals(before + 1, SERVER.sender().sent().size());
        assertTrue(text(sent).contains("Enter your code"), text(sent));
        HtmlPage home = enterCode(sent, SERVER.sender().lastCode());
        assertEquals("Hello, alice", home.getHtmlElementById("user").asNormalizedText());
    }

    @Test
    void anAuthenticatorAppAddedAtTheGuardsPageSignsInANewSession() throws Exception {
        WebClient client = SERVER.newClient();
        HtmlPage enrollPage = hostLogin(pages.open(client, "/app/home"), "erin", "erin-password");
        HtmlPage home = enterCode(enroll(enrollPage, "(415) 555-2671", "sms"), SERVER.sender().lastCode());
        assertEquals("Hello, erin", home.getHtmlElementById("user").asNormalizedText());

        HtmlPage app = pages.open(client, "/twostep/app");
        assertEquals(200, app.getWebResponse().getStatusCode(), text(app));
        assertTrue(app.getWebResponse().getContentAsString().contains("<svg"));
        byte[] secret = Base32.decode(app.getHtmlElementById("secret").asNormalizedText());
        Totp totp = new Totp(SERVER.clock());
        HtmlPage done = submitFormOf(type(app, "app-code", totp.code(secret, totp.currentStep())), "app-code");
        assertTrue(text(done).contains("Your authenticator app is set up"), text(done));
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM totp_factors WHERE username = 'erin'"
                + " AND confirmed_at IS NOT NULL"));
        assertEquals("/app/app/home", done.getAnchorByText("Continue").click().getUrl().getPath());

        // A new session: the host's login, then the app's code instead of a sent one, then the page.
        SERVER.clock().advance(java.time.Duration.ofSeconds(30));
        WebClient second = SERVER.newClient();
        int sends = SERVER.sender().sent().size();
        HtmlPage code = hostLogin(pages.open(second, "/app/reports"), "erin", "erin-password");
        assertEquals("/app/twostep/code", code.getUrl().getPath());
        assertTrue(text(code).contains("Open your authenticator app"), text(code));
        HtmlPage page = submitFormOf(type(code, "totp", totp.code(secret, totp.currentStep())), "totp");
        assertEquals("/app/app/reports", page.getUrl().getPath(), text(page));
        assertEquals("Hello, erin", page.getHtmlElementById("user").asNormalizedText());
        assertEquals(sends, SERVER.sender().sent().size(), "no code was sent");
    }

    @Test
    void recoveryCodesMadeAtTheGuardsPageSignInANewSession() throws Exception {
        WebClient client = SERVER.newClient();
        HtmlPage enrollPage = hostLogin(pages.open(client, "/app/home"), "gina", "gina-password");
        HtmlPage home = enterCode(enroll(enrollPage, "(415) 555-2671", "sms"), SERVER.sender().lastCode());
        assertEquals("Hello, gina", home.getHtmlElementById("user").asNormalizedText());

        HtmlPage page = pages.open(client, "/twostep/recovery");
        assertEquals(200, page.getWebResponse().getStatusCode(), text(page));
        HtmlPage shown = Pages.click(page, "create");
        assertEquals(200, shown.getWebResponse().getStatusCode(), text(shown));
        java.util.List<String> codes = shown.getHtmlElementById("codes").getElementsByTagName("code").stream()
                .map(org.htmlunit.html.DomNode::asNormalizedText).toList();
        assertEquals(10, codes.size(), text(shown));
        assertEquals(10, SERVER.count("SELECT COUNT(*) FROM recovery_codes WHERE username = 'gina'"));
        assertEquals("/app/app/home", shown.getAnchorByText("Continue").click().getUrl().getPath());

        // A new session: the host's login, then a recovery code instead of a sent one, then the page.
        WebClient second = SERVER.newClient();
        HtmlPage code = hostLogin(pages.open(second, "/app/reports"), "gina", "gina-password");
        assertEquals("/app/twostep/code", code.getUrl().getPath());
        assertTrue(text(code).contains("Use a recovery code"), text(code));
        HtmlPage told = submitFormOf(type(Pages.way(code, "recovery"), "recovery-code", codes.get(0)),
                "recovery-code");
        // The host has no account page: the guard's recovery page says how many are left, once, then goes on.
        assertEquals("/app/twostep/recovery", told.getUrl().getPath(), text(told));
        assertTrue(text(told).contains("You signed in with a recovery code. You have 9 recovery codes left."),
                text(told));
        HtmlPage reports = told.getAnchorByText("Continue").click();
        assertEquals("/app/app/reports", reports.getUrl().getPath(), text(reports));
        assertFalse(text(pages.open(second, "/twostep/recovery")).contains("You signed in with a recovery code"),
                "said once");
        assertEquals("Hello, gina", reports.getHtmlElementById("user").asNormalizedText());
        assertEquals(9, SERVER.count("SELECT COUNT(*) FROM recovery_codes WHERE username = 'gina' AND used_at IS NULL"));
    }

    @Test
    void theSecurityPageRemovesAnAppAfterConfirmingItIsTheUser() throws Exception {
        WebClient client = SERVER.newClient();
        HtmlPage enrollPage = hostLogin(pages.open(client, "/app/home"), "hank", "hank-password");
        HtmlPage home = enterCode(enroll(enrollPage, "(415) 555-2671", "sms"), SERVER.sender().lastCode());
        assertEquals("Hello, hank", home.getHtmlElementById("user").asNormalizedText());
        HtmlPage app = pages.open(client, "/twostep/app");
        byte[] secret = Base32.decode(app.getHtmlElementById("secret").asNormalizedText());
        Totp totp = new Totp(SERVER.clock());
        submitFormOf(type(app, "app-code", totp.code(secret, totp.currentStep())), "app-code");
        long id = SERVER.count("SELECT id FROM totp_factors WHERE username = 'hank'");

        // Past the fresh minutes: Remove asks to confirm, through the guard's code page, and comes back.
        SERVER.clock().advance(java.time.Duration.ofMinutes(6));
        HtmlPage page = pages.open(client, "/twostep/security");
        assertEquals(200, page.getWebResponse().getStatusCode(), text(page));
        assertTrue(text(page).contains("Text messages to your phone ending in 71"), text(page));
        HtmlPage refused = page.<org.htmlunit.html.HtmlButton>getHtmlElementById("remove-app-" + id).click();
        assertEquals(403, refused.getWebResponse().getStatusCode(), text(refused));
        HtmlPage code = click(refused, "confirm");
        assertEquals("/app/twostep/code", code.getUrl().getPath(), text(code));
        HtmlPage back = enterCode(Pages.way(code, "sms"), SERVER.sender().lastCode());
        assertEquals("/app/twostep/security", back.getUrl().getPath(), text(back));

        int notices = SERVER.sender().notices().size();
        HtmlPage removed = back.<org.htmlunit.html.HtmlButton>getHtmlElementById("remove-app-" + id).click();
        assertTrue(text(removed).contains("The authenticator app was removed"), text(removed));
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM totp_factors WHERE username = 'hank'"));
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE username = 'hank'"
                + " AND event = 'AUTHENTICATOR_REMOVED'"));
        assertEquals(notices + 1, SERVER.sender().notices().size());
        assertEquals("/app/app/home", removed.getAnchorByText("Continue").click().getUrl().getPath());
    }

    @Test
    void theAppPageNeedsBothStepsInAHostToo() throws Exception {
        WebClient client = SERVER.newClient();
        HtmlPage enrollPage = hostLogin(pages.open(client, "/app/home"), "ivy", "ivy-password");
        enterCode(enroll(enrollPage, "(415) 555-2672", "sms"), SERVER.sender().lastCode());
        // A new session with only the first step: ivy has a phone, so the app page sends her to the code page.
        WebClient second = SERVER.newClient();
        hostLogin(pages.open(second, "/app/home"), "ivy", "ivy-password");
        HtmlPage page = pages.open(second, "/twostep/app");
        assertEquals("/app/twostep/code", page.getUrl().getPath());
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM totp_factors WHERE username = 'ivy'"));
    }

    @Test
    void aUserWithNoFactorSetsUpAnAppInsteadOfAPhoneAndSignsInWithItAlone() throws Exception {
        WebClient client = SERVER.newClient();
        HtmlPage enrollPage = hostLogin(pages.open(client, "/app/reports"), "june", "june-password");
        assertEquals("/app/twostep/enroll", enrollPage.getUrl().getPath());
        HtmlPage app = enrollPage.getAnchorByText("Use an authenticator app instead").click();
        assertEquals("/app/twostep/app", app.getUrl().getPath(), text(app));
        assertTrue(text(app).contains("Use a phone instead"), text(app));
        byte[] secret = Base32.decode(app.getHtmlElementById("secret").asNormalizedText());
        Totp totp = new Totp(SERVER.clock());
        HtmlPage done = submitFormOf(type(app, "app-code", totp.code(secret, totp.currentStep())), "app-code");
        assertTrue(text(done).contains("Your authenticator app is set up"), text(done));
        HtmlPage reports = done.getAnchorByText("Continue").click();
        assertEquals("/app/app/reports", reports.getUrl().getPath(), text(reports));
        assertEquals("Hello, june", reports.getHtmlElementById("user").asNormalizedText());
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = 'june'"));

        // A new session: no phone, so the app is the way; nothing is sent, and no other way is offered.
        SERVER.clock().advance(java.time.Duration.ofSeconds(30));
        WebClient second = SERVER.newClient();
        int sends = SERVER.sender().sent().size();
        HtmlPage code = hostLogin(pages.open(second, "/app/home"), "june", "june-password");
        assertEquals("/app/twostep/code", code.getUrl().getPath());
        assertFalse(text(code).contains("Use another way"), text(code));
        HtmlPage home = submitFormOf(type(code, "totp", totp.code(secret, totp.currentStep())), "totp");
        assertEquals("Hello, june", home.getHtmlElementById("user").asNormalizedText());
        assertEquals(sends, SERVER.sender().sent().size(), "no code was sent");

        // Someone with only june's password, in a session of their own, cannot set up a second app at sign-in.
        WebClient third = SERVER.newClient();
        hostLogin(pages.open(third, "/app/home"), "june", "june-password");
        assertEquals("/app/twostep/code", pages.open(third, "/twostep/app").getUrl().getPath());
        assertEquals("/app/twostep/code", pages.open(third, "/twostep/enroll").getUrl().getPath());
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM totp_factors WHERE username = 'june'"));
    }

    @Test
    void scriptsGet401BeforeTheCodeAndExcludedPathsStayOpen() throws Exception {
        WebClient client = SERVER.newClient();
        hostLogin(pages.open(client, "/app/home"), "dave", "dave-password");
        String cookie = "JSESSIONID=" + client.getCookieManager().getCookie("JSESSIONID").getValue();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> xhr = http.send(HttpRequest.newBuilder(URI.create(SERVER.url("/app/data.json")))
                .header("Cookie", cookie).header("X-Requested-With", "XMLHttpRequest").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, xhr.statusCode());
        HttpResponse<String> fetch = http.send(HttpRequest.newBuilder(URI.create(SERVER.url("/app/data.json")))
                .header("Cookie", cookie).header("Sec-Fetch-Mode", "cors").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, fetch.statusCode());

        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(SERVER.url("/app/health"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        assertTrue(health.body().contains("OK"));
    }

    @Test
    void aSignOutEverywhereAsksAHostSessionForTheCodeAgainAndKeepsTheHostsLogin() throws Exception {
        WebClient client = SERVER.newClient();
        HtmlPage enrollPage = hostLogin(pages.open(client, "/app/home"), "hana", "hana-password");
        HtmlPage home = enterCode(enroll(enrollPage, "(415) 555-2671", "sms"), SERVER.sender().lastCode());
        assertEquals("Hello, hana", home.getHtmlElementById("user").asNormalizedText());

        // What SignOuts writes when hana signs out everywhere, here or on another server on this database.
        SERVER.jdbc().update("test", "INSERT INTO sign_outs (username, signed_out_at) VALUES (?, ?)",
                dev.twostep.db.Jdbc.params("hana", SERVER.clock().millis()));
        SERVER.clock().advance(dev.twostep.guard.SignOutCheck.INTERVAL);

        HtmlPage code = pages.open(client, "/app/reports");
        assertEquals("/app/twostep/code", code.getUrl().getPath(), "the code again, not the host's sign-in");
        HtmlPage sent = click(code, "send");
        HtmlPage reports = enterCode(sent, SERVER.sender().lastCode());
        assertEquals("/app/app/reports", reports.getUrl().getPath(), text(reports));
        assertEquals("Hello, hana", reports.getHtmlElementById("user").asNormalizedText());
    }
}
