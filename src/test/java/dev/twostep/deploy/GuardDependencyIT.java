package dev.twostep.deploy;

import static dev.twostep.testing.Pages.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import dev.twostep.testing.Webapps;

/**
 * The guard as one Maven dependency: the host app of src/test/hosts/dependency-host, built by the Maven that
 * runs this build, with the guard artifact from target/guard-repo and this build's local repository. Its
 * WEB-INF/lib must hold the guard and its required jars, and nothing a host app chooses for itself (an SLF4J
 * binding, a second JDBC driver, the Twilio SDK) or the standalone app's password hashing; the WAR must then
 * ask for the code on Tomcat and on Jetty.
 */
class GuardDependencyIT {
    private static final Path TARGET = Path.of("target").toAbsolutePath();
    private static final Map<String, String> ENV = Map.of(
            "TWOSTEP_SECRET", "guard-dependency-test-secret-0123456789",
            "TWOSTEP_PHONE_ALLOWED_REGIONS", "US,GB");

    private static Path war;
    /** WEB-INF/lib of the WAR: file name to the jar's bytes. */
    private static Map<String, byte[]> lib;

    @BeforeAll
    static void buildTheHostApp() throws Exception {
        Path project = TARGET.resolve("hosts/dependency-host");
        ContainerProcess.deleteTree(project);
        ContainerProcess.copyTree(Path.of("src/test/hosts/dependency-host"), project);
        Path log = project.resolve("build.log");
        ProcessBuilder build = new ProcessBuilder(
                Path.of(property("twostep.maven.home"), "bin", "mvn").toString(), "-B", "-q",
                // The outer build's local repository: everything but the guard is there already.
                "-Dmaven.repo.local=" + property("twostep.maven.repo.local"),
                // Not over a twostep-guard-<version>.jar that mvn install put there.
                "-Daether.artifactResolver.snapshotNormalization=false",
                "-Dtwostep.guard.repo=" + TARGET.resolve("guard-repo").toUri(),
                "-Dtwostep.guard.version=" + property("twostep.guard.version"),
                "-Dsqlite-jdbc.version=" + property("twostep.sqlite-jdbc.version"),
                "-Dservlet-api.version=" + property("twostep.servlet-api.version"),
                "package")
                .directory(project.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        String options = System.getenv().getOrDefault("MAVEN_OPTS", "");
        build.environment().put("MAVEN_OPTS", (options + " -XX:TieredStopAtLevel=1").trim());
        Process process = build.start();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("the host app's build took more than 5 minutes:\n" + Files.readString(log));
        }
        assertEquals(0, process.exitValue(), "the host app's build failed:\n" + Files.readString(log));
        war = project.resolve("target/dependency-host.war");
        lib = libOf(war);
    }

    @Test
    void theWarHasTheGuardAndItsRequiredJarsOnly() throws Exception {
        Set<String> names = new TreeSet<>(lib.keySet());
        String guard = "twostep-guard-" + property("twostep.guard.version") + ".jar";
        assertTrue(names.contains(guard), names.toString());
        // This build's guard, not one that an earlier mvn install left in the local repository.
        assertArrayEquals(Files.readAllBytes(TARGET.resolve("twostep-guard/lib/twostep-guard.jar")), lib.get(guard),
                "WEB-INF/lib/" + guard + " is not target/twostep-guard/lib/twostep-guard.jar");

        for (Map.Entry<String, byte[]> jar : lib.entrySet()) {
            assertFalse(isSlf4jBinding(jar.getValue()), jar.getKey() + " is an SLF4J binding: " + names);
        }
        for (String name : names) {
            for (String unwanted : List.of("slf4j-jdk14", "slf4j-simple", "slf4j-nop", "slf4j-reload4j",
                    "slf4j-log4j12", "logback-classic", "log4j-slf4j-impl", "log4j-slf4j2-impl", "jcl-over-slf4j",
                    "postgresql", "twilio", "bcprov", "password4j")) {
                assertFalse(name.startsWith(unwanted + "-"), name + " in WEB-INF/lib: " + names);
            }
        }
        assertTrue(names.stream().anyMatch(n -> n.startsWith("sqlite-jdbc-")), "the host's own driver: " + names);
        assertTrue(names.stream().anyMatch(n -> n.startsWith("commons-logging-")), "DBCP2's logging: " + names);

        // The jar folders for hosts without Maven say the same: lib/ and, for this host's database,
        // optional/sqlite/.
        Set<String> folders = new TreeSet<>();
        for (String folder : List.of("lib", "optional/sqlite")) {
            try (Stream<Path> jars = Files.list(TARGET.resolve("twostep-guard").resolve(folder))) {
                jars.map(p -> p.getFileName().toString())
                        .map(n -> n.equals("twostep-guard.jar") ? guard : n)
                        .forEach(folders::add);
            }
        }
        assertEquals(folders, names);
    }

    @Test
    void theWarAsksForTheCodeOnTomcat() throws Exception {
        TomcatBase tomcat = TomcatBase.create(TARGET.resolve("deploy/tomcat-dependency-host"));
        // The WAR as built. Its context adds the FORM login's Realm and, as Tomcat has no SLF4J binding and
        // the codes are read from the log, optional/logging's binding: what docs/guard.md says a host app
        // without one adds to its WEB-INF/lib.
        Files.copy(war, tomcat.base.resolve("webapps/host.war"));
        Files.writeString(tomcat.base.resolve("conf/Catalina/localhost/host.xml"), "<Context>\n"
                + "  <Realm className=\"org.apache.catalina.realm.MemoryRealm\" pathname=\"conf/host-users.xml\"/>\n"
                + "  <Resources>\n"
                + "    <PostResources className=\"org.apache.catalina.webresources.DirResourceSet\" base=\""
                + TARGET.resolve("twostep-guard/optional/logging") + "\" webAppMount=\"/WEB-INF/lib\"/>\n"
                + "  </Resources>\n"
                + "</Context>\n");
        Files.writeString(tomcat.base.resolve("conf/host-users.xml"), "<tomcat-users>\n"
                + "  <role rolename=\"user\"/>\n  <user username=\"erin\" password=\"erin-password\" roles=\"user\"/>\n"
                + "</tomcat-users>\n", StandardCharsets.UTF_8);
        // The same WAR once more, without a binding: its console codes would go nowhere, so it must not start.
        Files.copy(war, tomcat.base.resolve("webapps/nolog.war"));
        try (ContainerProcess process = tomcat.start(environment(tomcat.base), "process.log")) {
            process.awaitReady(tomcat.url() + "/host/app/health", Duration.ofSeconds(120));
            enrollAndSignIn(tomcat.url() + "/host", process);
            java.net.http.HttpResponse<String> nolog = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(tomcat.url() + "/nolog/app/health")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(404, nolog.statusCode(), "the app without a binding must not serve: " + nolog.body());
            // Tomcat writes a listener's start-up failure to its localhost log.
            StringBuilder logs = new StringBuilder();
            try (java.util.stream.Stream<Path> files = Files.list(tomcat.base.resolve("logs"))) {
                for (Path log : (Iterable<Path>) files::iterator) {
                    logs.append(Files.readString(log, StandardCharsets.UTF_8));
                }
            }
            assertTrue(logs.toString().contains("has no SLF4J binding, so the codes would go nowhere"), logs.toString());
        }
    }

    @Test
    void theWarAsksForTheCodeOnJetty() throws Exception {
        Path home = ContainerProcess.home("twostep.jetty.home");
        Path base = TARGET.resolve("deploy/jetty-dependency-host");
        ContainerProcess.deleteTree(base);
        Files.createDirectories(base);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        try (ContainerProcess setup = ContainerProcess.start(List.of(java, "-jar", home.resolve("start.jar").toString(),
                "--add-modules=http,ee10-deploy"), base, Map.of(), base.resolve("setup.log"))) {
            for (int i = 0; i < 120 && !Files.exists(base.resolve("start.d/ee10-deploy.ini")); i++) {
                Thread.sleep(250);
            }
        }
        // The WAR as built, and beside it a context file with the login service of the app's FORM login and,
        // as on Tomcat, optional/logging's SLF4J binding (the webapp does not see Jetty's own).
        Files.createDirectories(base.resolve("webapps"));
        Files.copy(war, base.resolve("webapps/host.war"));
        String logging;
        try (Stream<Path> jars = Files.list(TARGET.resolve("twostep-guard/optional/logging"))) {
            logging = jars.map(Path::toString).collect(Collectors.joining(","));
        }
        Path users = base.resolve("etc/host-realm.properties");
        Files.createDirectories(users.getParent());
        Files.writeString(users, "erin: erin-password,user\n");
        Files.writeString(base.resolve("webapps/host.xml"), Webapps.jettyHostContext(
                "<Property name=\"jetty.webapps\" default=\".\"/>/host.war", logging, users));
        int port = ContainerProcess.freePort();
        try (ContainerProcess jetty = ContainerProcess.start(List.of(java, "-jar", home.resolve("start.jar").toString(),
                "jetty.http.port=" + port, "jetty.http.host=127.0.0.1"), base, environment(base),
                base.resolve("process.log"))) {
            String url = "http://127.0.0.1:" + port + "/host";
            jetty.awaitReady(url + "/app/health", Duration.ofSeconds(120));
            enrollAndSignIn(url, jetty);
        }
    }

    /** Host sign-in, enrollment of a phone, the code from the log, and the protected page. */
    private static void enrollAndSignIn(String base, ContainerProcess container) throws Exception {
        try (WebClient client = Walks.browser()) {
            HtmlPage login = client.getPage(base + "/app/home");
            HtmlPage home = Walks.hostLoginAndEnroll(login, container);
            assertTrue(home.getUrl().getPath().endsWith("/host/app/home"), home.getUrl() + "\n" + text(home));
            assertEquals("Signed in: erin", home.getHtmlElementById("user").asNormalizedText());
            // The authenticator-app page draws its QR code with ZXing: the dependency must have brought it.
            HtmlPage app = client.getPage(base + "/twostep/app");
            assertEquals(200, app.getWebResponse().getStatusCode(), text(app));
            assertTrue(app.getWebResponse().getContentAsString().contains("<svg"), app.getWebResponse().getContentAsString());
        }
    }

    private static Map<String, String> environment(Path base) throws IOException {
        Map<String, String> env = new java.util.HashMap<>(ENV);
        env.put("TWOSTEP_DATA_DIR", Files.createDirectories(base.resolve("twostep-data")).toString());
        return ContainerProcess.environment(env);
    }

    /** An SLF4J 2 provider or an SLF4J 1 binding. */
    private static boolean isSlf4jBinding(byte[] jar) throws IOException {
        try (ZipInputStream zip = new ZipInputStream(new java.io.ByteArrayInputStream(jar))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                if (e.getName().equals("META-INF/services/org.slf4j.spi.SLF4JServiceProvider")
                        || e.getName().equals("org/slf4j/impl/StaticLoggerBinder.class")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Map<String, byte[]> libOf(Path war) throws IOException {
        Map<String, byte[]> jars = new java.util.TreeMap<>();
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(war))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                String name = e.getName();
                if (name.startsWith("WEB-INF/lib/") && name.endsWith(".jar")) {
                    jars.put(name.substring("WEB-INF/lib/".length()), zip.readAllBytes());
                }
            }
        }
        return jars;
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            throw new AssertionError("No " + name + ": run through `mvn verify`, which sets it");
        }
        return value;
    }
}
