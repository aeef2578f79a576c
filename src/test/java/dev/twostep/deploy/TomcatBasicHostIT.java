package dev.twostep.deploy;

import static dev.twostep.testing.Pages.click;
import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.submitFormOf;
import static dev.twostep.testing.Pages.text;
import static dev.twostep.testing.Pages.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.htmlunit.DefaultCredentialsProvider;
import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.html.HtmlRadioButtonInput;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A host app with BASIC authentication (as Tomcat's manager app has) on real Tomcat: the container only
 * authenticates paths under its security constraint, so on the guard's own pages the request names no
 * user. The first pass after the browser's credentials must still reach the guard's pages, not a 401.
 */
class TomcatBasicHostIT {
    private static ContainerProcess tomcat;
    private static String base;

    @BeforeAll
    static void deploy() throws Exception {
        Path target = Path.of("target").toAbsolutePath();
        TomcatBase tomcatBase = TomcatBase.create(target.resolve("deploy/tomcat-basic"));
        Path catalinaBase = tomcatBase.base;
        Path data = Files.createDirectories(catalinaBase.resolve("twostep-data"));
        Path host = catalinaBase.resolve("webapps/host");
        TomcatBase.formHost(host,
                "  <Realm className=\"org.apache.catalina.realm.MemoryRealm\" pathname=\"conf/host-users.xml\"/>\n"
                + "  <Parameter name=\"twostep.data-dir\" value=\"" + data + "\" override=\"false\"/>\n");
        Path webXml = host.resolve("WEB-INF/web.xml");
        String xml = Files.readString(webXml);
        String basic = xml.substring(0, xml.indexOf("<login-config>"))
                + "<login-config>\n    <auth-method>BASIC</auth-method>\n    <realm-name>host</realm-name>\n  </login-config>"
                + xml.substring(xml.indexOf("</login-config>") + "</login-config>".length());
        Files.writeString(webXml, basic);
        Files.writeString(catalinaBase.resolve("conf/host-users.xml"), "<tomcat-users>\n"
                + "  <role rolename=\"user\"/>\n  <user username=\"frank\" password=\"frank-password\" roles=\"user\"/>\n"
                + "</tomcat-users>\n", StandardCharsets.UTF_8);
        tomcat = tomcatBase.start(ContainerProcess.environment(Map.of(
                "TWOSTEP_SECRET", "tomcat-basic-test-secret-0123456789abcd")), "process.log");
        base = tomcatBase.url();
        tomcat.awaitReady(base + "/host/app/health", Duration.ofSeconds(120));
    }

    @AfterAll
    static void stop() throws Exception {
        if (tomcat != null) {
            tomcat.close();
        }
    }

    @Test
    void theFirstRequestAfterTheBrowsersCredentialsReachesTheGuardsPages() throws Exception {
        try (WebClient client = Walks.browser()) {
            DefaultCredentialsProvider credentials = new DefaultCredentialsProvider();
            credentials.addCredentials("frank", "frank-password".toCharArray());
            client.setCredentialsProvider(credentials);

            HtmlPage enroll = client.getPage(base + "/host/app/reports");
            assertEquals(200, enroll.getWebResponse().getStatusCode(), text(enroll));
            assertTrue(enroll.getUrl().getPath().endsWith("/host/twostep/enroll"), enroll.getUrl() + "\n" + text(enroll));
            type(enroll, "phone", "(415) 555-2671");
            enroll.<HtmlRadioButtonInput>getFirstByXPath("//input[@value='sms']").setChecked(true);
            HtmlPage code = submitFormOf(enroll, "phone");
            assertTrue(text(code).contains("ending in 71"), text(code));
            HtmlPage reports = enterCode(code, tomcat.nextCode());
            assertEquals("/host/app/reports", reports.getUrl().getPath());
            assertEquals("Hello, frank", reports.getHtmlElementById("user").asNormalizedText());
        }
        // A new browser session with the same credentials: the code page comes first, again on the first pass.
        try (WebClient client = Walks.browser()) {
            DefaultCredentialsProvider credentials = new DefaultCredentialsProvider();
            credentials.addCredentials("frank", "frank-password".toCharArray());
            client.setCredentialsProvider(credentials);
            HtmlPage code = client.getPage(base + "/host/app/home");
            assertEquals(200, code.getWebResponse().getStatusCode(), text(code));
            assertTrue(code.getUrl().getPath().endsWith("/host/twostep/code"), code.getUrl() + "\n" + text(code));
            // A POST of the guard's own page (the send button), also without the container naming the user.
            HtmlPage sent = click(code, "send");
            assertEquals(200, sent.getWebResponse().getStatusCode(), text(sent));
            HtmlPage home = enterCode(sent, tomcat.nextCode());
            assertEquals("Hello, frank", home.getHtmlElementById("user").asNormalizedText());
        }
    }
}
