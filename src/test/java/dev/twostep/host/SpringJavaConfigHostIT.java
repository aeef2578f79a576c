package dev.twostep.host;

import static dev.twostep.host.SpringSecurityHostIT.assertSpringLogin;
import static dev.twostep.host.SpringSecurityHostIT.path;
import static dev.twostep.host.SpringSecurityHostIT.springLogout;
import static dev.twostep.testing.Pages.click;
import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.signIn;
import static dev.twostep.testing.Pages.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import jakarta.servlet.ServletContext;

import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.security.web.context.AbstractSecurityWebApplicationInitializer;
import org.springframework.web.SpringServletContainerInitializer;
import org.springframework.web.WebApplicationInitializer;

import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;
import dev.twostep.testing.Webapps;
import dev.twostep.web.TwostepListener;

/**
 * The twin of SpringSecurityHostIT in Java configuration: Spring Security 6 configured in code
 * ({@link SecurityConfig}), no Spring and no Twostep in web.xml (src/test/webapps/spring-java-host), the guard
 * added by {@link SecurityInitializer}'s {@code afterSpringSecurityFilterChain} with
 * {@link TwostepListener#install}. The embedded Jetty does not scan for initializers, so the test hands Spring's
 * SpringServletContainerInitializer the initializer class, as a scanning container would find it.
 */
class SpringJavaConfigHostIT {
    static final Path WEBAPP = Path.of("src/test/webapps/spring-java-host");

    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of()).webapp(WEBAPP, server -> { })
            .webappSetup(webapp -> springInitializer(webapp, SecurityInitializer.class));
    private final Pages pages = new Pages(SERVER);

    /** What a scanning container does: Spring's initializer, with the app's WebApplicationInitializers. */
    private static void springInitializer(WebAppContext webapp, Class<? extends WebApplicationInitializer> type) {
        webapp.addServletContainerInitializer(new SpringServletContainerInitializer(), type);
    }

    @Test
    void springLoginThenEnrollmentThenCodeThenThePageAndASecondLoginAsksAgain() throws Exception {
        WebClient alice = SERVER.newClient();
        HtmlPage login = pages.open(alice, "/app/reports?month=11");
        assertSpringLogin(login);
        assertEquals("OK", pages.open(alice, "/app/health").getHtmlElementById("health").asNormalizedText());

        HtmlPage page = SpringSecurityHostIT.enrollWithAWrongCodeFirst(SERVER, pages, alice, login);
        assertEquals("Principal: alice", page.getHtmlElementById("principal").asNormalizedText());
        assertEquals(1, SERVER.count("SELECT COUNT(*) FROM phones WHERE username = 'alice' AND confirmed_at IS NOT NULL"
                + " AND phone_e164 = '+14155552671' AND channel = 'SMS'"));
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM accounts"), "Twostep never writes the host's users");

        // Signing out through Spring (a POST to /logout with Spring's token), then in again: a code again.
        HtmlPage out = springLogout(pages, alice);
        assertSpringLogin(out);
        assertTrue(text(out).contains("You have been signed out"), text(out));
        HtmlPage again = signIn(pages.open(alice, "/app/reports"), "alice", "alice-password");
        assertEquals("/app/twostep/code", path(again), text(again));
        assertTrue(text(again).contains("We will send a code by text message to your phone ending in 71"), text(again));
        assertFalse(text(again).contains("Hello,"), text(again));
        int sentBefore = SERVER.sender().sent().size();
        HtmlPage sent = click(again, "send");
        assertEquals(sentBefore + 1, SERVER.sender().sent().size());
        HtmlPage reports = enterCode(sent, SERVER.sender().lastCode());
        assertEquals("/app/app/reports", path(reports), text(reports));
        assertEquals("Hello, alice", reports.getHtmlElementById("user").asNormalizedText());
    }

    /** {@link SecurityInitializer} without twostep.filter-order=last: the guard would run before Spring's chain. */
    static class GuardFirstInitializer extends AbstractSecurityWebApplicationInitializer {
        GuardFirstInitializer() {
            super(SecurityConfig.class);
        }

        @Override
        protected void afterSpringSecurityFilterChain(ServletContext context) {
            context.setInitParameter("twostep.protect", "/app/*");
            context.setInitParameter("twostep.protect.exclude", "/app/health");
            TwostepListener.install(context);
        }
    }

    /**
     * The guard mapped first would run before Spring Security has signed anyone in, and answer 401 for ever: the
     * app refuses to start and says which setting to change, for Spring's filter registered in code too.
     */
    @Test
    void withoutFilterOrderLastTheAppRefusesToStartAndNamesTheSetting() throws Exception {
        TwostepServer guardFirst = new TwostepServer(Map.of()).webapp(WEBAPP, server -> { })
                .webappSetup(webapp -> springInitializer(webapp, GuardFirstInitializer.class));
        try {
            Throwable refused = assertThrows(Throwable.class, () -> guardFirst.beforeAll(null));
            String why = Webapps.messages(refused);
            assertTrue(why.contains("twostep.filter-order"), why);
            assertTrue(why.contains("springSecurityFilterChain"), why);
        } finally {
            guardFirst.afterAll(null);
        }
    }
}
