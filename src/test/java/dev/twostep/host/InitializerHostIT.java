package dev.twostep.host;

import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.submitFormOf;
import static dev.twostep.testing.Pages.text;
import static dev.twostep.testing.Pages.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.testing.TwostepServer;
import dev.twostep.testing.Webapps;
import dev.twostep.web.TwostepListener;

/**
 * A host app that configures itself in code (as Spring's Java configuration does) and has no Twostep in its
 * web.xml: its initializer calls {@link TwostepListener#install}. The session-host sample with its Twostep
 * block taken out of web.xml.
 */
class InitializerHostIT {
    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of(
            "twostep.identity", "session-attribute",
            "twostep.identity.session-attribute", "host.user",
            "twostep.login-url", "/signin",
            "twostep.success-url", "/app/home"))
            .webapp(withoutTwostepInWebXml(), server -> { })
            .webappSetup(webapp -> webapp.addServletContainerInitializer((classes, context) -> {
                context.setInitParameter("twostep.protect", "/app/*");
                context.setInitParameter("twostep.protect.exclude", "/app/health");
                TwostepListener.install(context);
            }));

    private static Path withoutTwostepInWebXml() {
        return Webapps.copy(Path.of("src/test/webapps/session-host"), xml -> Webapps.without(xml,
                "<!-- ===== Twostep: begin ===== -->", "<!-- ===== Twostep: end ===== -->"));
    }

    @Test
    void theInitializersOneCallPutsTheSecondStepInFrontOfTheApp() throws Exception {
        WebClient client = SERVER.newClient();
        HtmlPage form = client.getPage(SERVER.url("/signin"));
        type(form, "u", "carol");
        type(form, "p", "carol-password");
        HtmlPage enroll = submitFormOf(form, "u");
        assertEquals("/app/twostep/enroll", enroll.getUrl().getPath(), text(enroll));
        HtmlPage code = FormHostIT.enroll(enroll, "(415) 555-2671", "sms");
        assertTrue(text(code).contains("ending in 71"), text(code));
        HtmlPage home = enterCode(code, SERVER.sender().lastCode());
        assertEquals("Hello, carol", home.getHtmlElementById("user").asNormalizedText());
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = 'carol' AND confirmed_at IS NOT NULL"));

        HtmlPage health = client.getPage(SERVER.url("/app/health"));
        assertEquals(200, health.getWebResponse().getStatusCode());
    }
}
