package dev.twostep.deploy;

import static dev.twostep.testing.Pages.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Deployment for real: Apache Tomcat 10.1 (the distribution from Maven Central) in its own process, with
 * the built WAR and the JNDI DataSource from tomcat-conf/context.xml, and beside it a sample host app with
 * a Tomcat Realm and the guard added by web.xml, sharing one Twostep database. Both walked in HtmlUnit.
 */
class TomcatDeployIT {
    private static ContainerProcess tomcat;
    private static String base;

    @BeforeAll
    static void deploy() throws Exception {
        Path target = Path.of("target").toAbsolutePath();
        TomcatBase tomcatBase = TomcatBase.create(target.resolve("deploy/tomcat"));
        Path catalinaBase = tomcatBase.base;
        Path data = Files.createDirectories(catalinaBase.resolve("twostep-data"));

        // The JDBC driver where Tomcat's pool loads it (tomcat-conf/README.md, step 2).
        try (var jars = Files.list(target.resolve("twostep/WEB-INF/lib"))) {
            for (Path jar : (Iterable<Path>) jars::iterator) {
                if (jar.getFileName().toString().startsWith("sqlite-jdbc")) {
                    Files.copy(jar, catalinaBase.resolve("lib").resolve(jar.getFileName()));
                }
            }
        }
        // The standalone WAR with the project's own context.xml, pointed at this test's folder.
        String context = Files.readString(Path.of("tomcat-conf/context.xml")).replace("/var/lib/twostep", data.toString());
        Files.writeString(catalinaBase.resolve("conf/Catalina/localhost/twostep.xml"), context);
        Files.copy(target.resolve("twostep.war"), catalinaBase.resolve("webapps/twostep.war"));

        // The host app: its own web.xml with the guard, its page class, the guard's jars, a Realm and the
        // same Twostep database.
        String resource = context.substring(context.indexOf("<Resource name=\"jdbc/twostep\""),
                context.indexOf("/>", context.indexOf("<Resource name=\"jdbc/twostep\"")) + 2);
        TomcatBase.formHost(catalinaBase.resolve("webapps/host"),
                "  <Realm className=\"org.apache.catalina.realm.MemoryRealm\" pathname=\"conf/host-users.xml\"/>\n"
                + "  " + resource + "\n"
                + "  <Parameter name=\"twostep.data-dir\" value=\"" + data + "\" override=\"false\"/>\n");
        Files.writeString(catalinaBase.resolve("conf/host-users.xml"), "<tomcat-users>\n"
                + "  <role rolename=\"user\"/>\n  <user username=\"erin\" password=\"erin-password\" roles=\"user\"/>\n"
                + "</tomcat-users>\n", StandardCharsets.UTF_8);

        tomcat = tomcatBase.start(ContainerProcess.environment(Map.of(
                        "TWOSTEP_SECRET", "tomcat-deploy-test-secret-0123456789ab",
                        "TWOSTEP_PHONE_ALLOWED_REGIONS", "US,GB")), "process.log");
        base = tomcatBase.url();
        tomcat.awaitReady(base + "/twostep/login", Duration.ofSeconds(120));
        tomcat.awaitReady(base + "/host/app/health", Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        if (tomcat != null) {
            tomcat.close();
        }
    }

    @Test
    void theStandaloneWarUsesTheJndiDataSourceAndSignsInWithACode() throws Exception {
        assertTrue(tomcat.output().contains("Using the container's DataSource java:comp/env/jdbc/twostep"),
                tomcat.output());
        Walks.standalone(base + "/twostep", tomcat);
    }

    @Test
    void theHostAppWithARealmGetsTheSecondStep() throws Exception {
        try (WebClient client = Walks.browser()) {
            HtmlPage login = client.getPage(base + "/host/app/home");
            assertTrue(text(login).contains("Host sign-in"), text(login));
            HtmlPage home = Walks.hostLoginAndEnroll(login, tomcat);
            assertEquals("Hello, erin", home.getHtmlElementById("user").asNormalizedText());
        }
    }
}
