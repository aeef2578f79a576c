package dev.twostep.deploy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Deployment for real: the built WAR in a Jetty 12 distribution (jetty-home from Maven Central, ee10
 * environment) in its own process, with Twostep's own pool over an SQLite file set by environment
 * variables, walked in HtmlUnit.
 */
class JettyDeployIT {
    private static ContainerProcess jetty;
    private static String base;

    @BeforeAll
    static void deploy() throws Exception {
        Path home = ContainerProcess.home("twostep.jetty.home");
        Path target = Path.of("target").toAbsolutePath();
        Path jettyBase = target.resolve("deploy/jetty");
        ContainerProcess.deleteTree(jettyBase);
        Files.createDirectories(jettyBase);
        Path data = Files.createDirectories(jettyBase.resolve("twostep-data"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        try (ContainerProcess setup = ContainerProcess.start(List.of(java, "-jar", home.resolve("start.jar").toString(),
                "--add-modules=http,ee10-deploy"), jettyBase, Map.of(), jettyBase.resolve("setup.log"))) {
            for (int i = 0; i < 120 && !Files.exists(jettyBase.resolve("start.d/ee10-deploy.ini")); i++) {
                Thread.sleep(250);
            }
        }
        Files.createDirectories(jettyBase.resolve("webapps"));
        Files.copy(target.resolve("twostep.war"), jettyBase.resolve("webapps/twostep.war"));

        int port = ContainerProcess.freePort();
        jetty = ContainerProcess.start(List.of(java, "-jar", home.resolve("start.jar").toString(),
                "jetty.http.port=" + port, "jetty.http.host=127.0.0.1",
                // README: Deploying. Do not advertise the server and its version.
                "jetty.httpConfig.sendServerVersion=false"), jettyBase,
                ContainerProcess.environment(Map.of(
                        "TWOSTEP_DB_URL", "jdbc:sqlite:" + data.resolve("twostep.db"),
                        "TWOSTEP_DATA_DIR", data.toString(),
                        "TWOSTEP_SECRET", "jetty-deploy-test-secret-0123456789abcd")),
                jettyBase.resolve("process.log"));
        base = "http://127.0.0.1:" + port + "/twostep";
        jetty.awaitReady(base + "/login", Duration.ofSeconds(120));
    }

    @AfterAll
    static void stop() throws Exception {
        if (jetty != null) {
            jetty.close();
        }
    }

    @Test
    void theServerIsNotAdvertised() throws Exception {
        java.net.http.HttpResponse<Void> login = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/login")).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding());
        assertTrue(login.statusCode() == 200, "status " + login.statusCode());
        assertTrue(login.headers().firstValue("Server").isEmpty(), login.headers().map().toString());
    }

    @Test
    void theWarSignsInWithACodeOnJetty12() throws Exception {
        Walks.standalone(base, jetty);
        assertTrue(jetty.output().contains("Twostep is ready"), jetty.output());
    }
}
