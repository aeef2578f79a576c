package dev.twostep.deploy;

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
import java.util.List;
import java.util.Map;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.html.HtmlRadioButtonInput;
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
        Path home = ContainerProcess.home("twostep.tomcat.home");
        Path target = Path.of("target").toAbsolutePath();
        Path catalinaBase = target.resolve("deploy/tomcat");
        ContainerProcess.deleteTree(catalinaBase);
        Path data = Files.createDirectories(catalinaBase.resolve("twostep-data"));
        for (String dir : List.of("logs", "temp", "work", "webapps", "lib", "conf/Catalina/localhost")) {
            Files.createDirectories(catalinaBase.resolve(dir));
        }
        ContainerProcess.copyTree(home.resolve("conf"), catalinaBase.resolve("conf"));
        int port = ContainerProcess.freePort();
        Path serverXml = catalinaBase.resolve("conf/server.xml");
        Files.writeString(serverXml, Files.readString(serverXml)
                .replace("port=\"8005\"", "port=\"-1\"")
                .replace("port=\"8080\"", "port=\"" + port + "\" address=\"127.0.0.1\""));

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
        Path host = catalinaBase.resolve("webapps/host");
        ContainerProcess.copyTree(Path.of("src/test/webapps/form-host"), host);
        Path classes = host.resolve("WEB-INF/classes/dev/twostep/host");
        Files.createDirectories(classes);
        Files.copy(target.resolve("test-classes/dev/twostep/host/HostPageServlet.class"),
                classes.resolve("HostPageServlet.class"));
        ContainerProcess.copyTree(target.resolve("twostep-guard/lib"), host.resolve("WEB-INF/lib"));
        Files.createDirectories(host.resolve("META-INF"));
        String resource = context.substring(context.indexOf("<Resource name=\"jdbc/twostep\""),
                context.indexOf("/>", context.indexOf("<Resource name=\"jdbc/twostep\"")) + 2);
        Files.writeString(host.resolve("META-INF/context.xml"), "<Context>\n"
                + "  <Realm className=\"org.apache.catalina.realm.MemoryRealm\" pathname=\"conf/host-users.xml\"/>\n"
                + "  " + resource + "\n"
                + "  <Parameter name=\"twostep.data-dir\" value=\"" + data + "\" override=\"false\"/>\n"
                + "</Context>\n");
        Files.writeString(catalinaBase.resolve("conf/host-users.xml"), "<tomcat-users>\n"
                + "  <role rolename=\"user\"/>\n  <user username=\"erin\" password=\"erin-password\" roles=\"user\"/>\n"
                + "</tomcat-users>\n", StandardCharsets.UTF_8);

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        tomcat = ContainerProcess.start(List.of(java,
                // As catalina.sh starts Tomcat on Java 17, so its leak protection works.
                "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
                "--add-opens=java.base/java.util=ALL-UNNAMED",
                "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
                "--add-opens=java.rmi/sun.rmi.transport=ALL-UNNAMED",
                "-Dcatalina.home=" + home, "-Dcatalina.base=" + catalinaBase,
                "-Djava.util.logging.manager=org.apache.juli.ClassLoaderLogManager",
                "-Djava.util.logging.config.file=" + catalinaBase.resolve("conf/logging.properties"),
                "-Djava.io.tmpdir=" + catalinaBase.resolve("temp"),
                "-cp", home.resolve("bin/bootstrap.jar") + ":" + home.resolve("bin/tomcat-juli.jar"),
                "org.apache.catalina.startup.Bootstrap", "start"),
                catalinaBase, ContainerProcess.environment(Map.of(
                        "TWOSTEP_SECRET", "tomcat-deploy-test-secret-0123456789ab",
                        "TWOSTEP_PHONE_ALLOWED_REGIONS", "US,GB")),
                catalinaBase.resolve("logs/process.log"));
        base = "http://127.0.0.1:" + port;
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
            type(login, "j_username", "erin");
            type(login, "j_password", "erin-password");
            HtmlPage enroll = submitFormOf(login, "j_username");
            assertTrue(enroll.getUrl().getPath().endsWith("/host/twostep/enroll"), enroll.getUrl() + "\n" + text(enroll));
            type(enroll, "phone", "+44 20 7946 0958");
            enroll.<HtmlRadioButtonInput>getFirstByXPath("//input[@value='sms']").setChecked(true);
            HtmlPage code = submitFormOf(enroll, "phone");
            assertTrue(text(code).contains("ending in 58"), text(code));
            HtmlPage home = enterCode(code, tomcat.nextCode());
            assertEquals("Hello, erin", home.getHtmlElementById("user").asNormalizedText());
        }
    }
}
