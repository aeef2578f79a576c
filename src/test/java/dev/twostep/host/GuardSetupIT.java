package dev.twostep.host;

import static dev.twostep.testing.Pages.submitFormOf;
import static dev.twostep.testing.Pages.text;
import static dev.twostep.testing.Pages.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;

import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.UserStore;
import org.eclipse.jetty.util.security.Password;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;

import dev.twostep.testing.TwostepServer;
import dev.twostep.testing.Webapps;

/**
 * The guard can be meant to be on and still not be: a host app that declares Twostep's listener but names no
 * page to protect, or maps the filter to nothing, or sets the short form wrongly. Each of those stops the
 * app at start-up with a message that says what to set, instead of serving its pages unprotected.
 */
class GuardSetupIT {

    @Test
    void theListenerWithoutTwostepProtectAndWithoutTheFilterStopsStartUp() throws Exception {
        Path app = copy("form-host", xml -> Webapps.withoutContextParam(Webapps.withoutContextParam(xml, "twostep.protect.exclude"), "twostep.protect"));
        String why = refused(app, Map.of());
        assertTrue(why.contains("twostep.protect"), why);
        assertTrue(why.contains("no page of this app is protected"), why);
    }

    @Test
    void aDeclaredFilterMappedToNothingStopsStartUp() throws Exception {
        Path app = copy("session-host", xml -> {
            return Webapps.without(xml, "<filter-mapping>\n    <filter-name>twostep</filter-name>", "</filter-mapping>");
        });
        String why = refused(app, Map.of());
        assertTrue(why.contains("no page of this app is protected"), why);
    }

    @Test
    void aPatternThatIsNoUrlPatternStopsStartUp() throws Exception {
        String why = refused(copy("form-host", UnaryOperator.identity()), Map.of("twostep.protect", "/app/*, app/*"));
        assertTrue(why.contains("twostep.protect"), why);
        assertTrue(why.contains("'app/*' is not a URL pattern"), why);
    }

    @Test
    void theShortFormNextToADeclaredFilterStopsStartUp() throws Exception {
        String why = refused(copy("session-host", UnaryOperator.identity()), Map.of("twostep.protect", "/app/*"));
        assertTrue(why.contains("use one or the other"), why);
    }

    @Test
    void anExcludeWithoutTwostepProtectStopsStartUp() throws Exception {
        Path app = copy("form-host", xml -> Webapps.withoutContextParam(xml, "twostep.protect"));
        String why = refused(app, Map.of());
        assertTrue(why.contains("twostep.protect.exclude"), why);
    }

    @Test
    void theShortFormProtectsItsPatternsAndLeavesTheRestOpen() throws Exception {
        TwostepServer server = formHost(copy("form-host", UnaryOperator.identity()),
                Map.of("twostep.protect", "/app/reports/*, /app/admin"));
        server.beforeAll(null);
        try {
            var client = server.newClient();
            // Not in twostep.protect: the host's login alone opens it.
            HtmlPage login = client.getPage(server.url("/app/home"));
            type(login, "j_username", "alice");
            type(login, "j_password", "alice-password");
            HtmlPage home = submitFormOf(login, "j_username");
            assertEquals("/app/app/home", home.getUrl().getPath(), text(home));
            assertEquals("Hello, alice", home.getHtmlElementById("user").asNormalizedText());
            // In it: the second step first.
            HtmlPage reports = client.getPage(server.url("/app/reports/2026"));
            assertEquals("/app/twostep/enroll", reports.getUrl().getPath(), text(reports));
            HtmlPage admin = client.getPage(server.url("/app/admin"));
            assertEquals("/app/twostep/enroll", admin.getUrl().getPath(), text(admin));
        } finally {
            server.afterEach(null);
            server.afterAll(null);
        }
    }

    private static String refused(Path app, Map<String, String> settings) throws Exception {
        TwostepServer server = formHost(app, settings);
        Throwable refused = assertThrows(Throwable.class, () -> server.beforeAll(null));
        try {
            return Webapps.messages(refused);
        } finally {
            server.afterAll(null);
        }
    }

    private static TwostepServer formHost(Path app, Map<String, String> settings) {
        return new TwostepServer(settings).webapp(app, server -> {
            UserStore users = new UserStore();
            users.addUser("alice", new Password("alice-password"), new String[] {"user"});
            HashLoginService realm = new HashLoginService("host");
            realm.setUserStore(users);
            server.addBean(realm);
        });
    }


    /** A copy of a sample host app with its web.xml changed. */
    private static Path copy(String sample, UnaryOperator<String> webXml) {
        return Webapps.copy(Path.of("src/test/webapps", sample), webXml);
    }
}
