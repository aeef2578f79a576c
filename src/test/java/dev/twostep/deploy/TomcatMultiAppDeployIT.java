package dev.twostep.deploy;

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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.html.HtmlRadioButtonInput;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.twostep.testing.Pages;

/**
 * Several guarded apps on one Tomcat with Twostep's default database settings (issue 8): the standalone
 * WAR and two copies of the sample host app, each with its own copy of the SQLite driver in WEB-INF/lib
 * and no JNDI DataSource, all with one data folder. Each app must get a file of its own, and a phone
 * confirmed before a restart must still be asked for after it. A further app pointed at another app's
 * SQLite file must not start, nor one that names a JNDI DataSource in a context with naming off.
 */
class TomcatMultiAppDeployIT {
    private static final Map<String, String> ENV_BASE = Map.of(
            "TWOSTEP_SECRET", "tomcat-multi-app-test-secret-0123456789",
            "TWOSTEP_PHONE_ALLOWED_REGIONS", "US,GB");
    private static final String REALM =
            "  <Realm className=\"org.apache.catalina.realm.MemoryRealm\" pathname=\"conf/host-users.xml\"/>\n";

    private static TomcatBase tomcatBase;
    private static Path data;
    private static Map<String, String> env;
    private static ContainerProcess tomcat;
    private static int starts;

    @BeforeAll
    static void deploy() throws Exception {
        tomcatBase = TomcatBase.create(Path.of("target/deploy/tomcat-multi").toAbsolutePath());
        Path catalinaBase = tomcatBase.base;
        data = catalinaBase.resolve("data");
        env = new java.util.HashMap<>(ENV_BASE);
        env.put("TWOSTEP_DATA_DIR", data.toString());
        env = ContainerProcess.environment(env);

        // No driver in Tomcat's lib/ and no Resource: every app loads its own SQLite driver.
        Files.copy(Path.of("target/twostep.war"), catalinaBase.resolve("webapps/twostep.war"));
        TomcatBase.formHost(catalinaBase.resolve("webapps/host1"), REALM);
        TomcatBase.formHost(catalinaBase.resolve("webapps/host2"), REALM);
        Files.writeString(catalinaBase.resolve("conf/host-users.xml"), "<tomcat-users>\n"
                + "  <role rolename=\"user\"/>\n  <user username=\"erin\" password=\"erin-password\" roles=\"user\"/>\n"
                + "</tomcat-users>\n", StandardCharsets.UTF_8);
        start();
    }

    private static void start() throws Exception {
        starts++;
        tomcat = tomcatBase.start(env, "process-" + starts + ".log");
        tomcat.awaitReady(tomcatBase.url() + "/twostep/login", Duration.ofSeconds(120));
        tomcat.awaitReady(tomcatBase.url() + "/host1/app/health", Duration.ofSeconds(60));
        tomcat.awaitReady(tomcatBase.url() + "/host2/app/health", Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        if (tomcat != null) {
            tomcat.close();
        }
    }

    @Test
    void eachAppHasItsOwnFileAndKeepsConfirmedPhonesAcrossARestart() throws Exception {
        String url = tomcatBase.url();
        // The same user name in both host apps, with a different phone in each: the apps do not share users.
        Walks.standalone(url + "/twostep", tomcat);
        enrollHostUser(url + "/host1", "+44 20 7946 0958", "ending in 58");
        enrollHostUser(url + "/host2", "(415) 555-2671", "ending in 71");

        tomcat.close();
        // Read while Tomcat is stopped; asserted last, after what a user sees once it runs again.
        Set<String> files;
        try (Stream<Path> list = Files.list(data)) {
            files = list.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".db"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        String standalonePhone = confirmedPhone("twostep.db", "deployuser");
        String host1Phone = confirmedPhone("host1.db", "erin");
        String host2Phone = confirmedPhone("host2.db", "erin");
        start();
        try (WebClient client = Walks.browser()) {
            HtmlPage login = client.getPage(url + "/twostep/account");
            HtmlPage code = Pages.signIn(login, "deployuser", "correct horse battery");
            assertCodePageFor(code, "/twostep", "ending in 71");
            HtmlPage account = enterCode(code, tomcat.nextCode());
            assertTrue(text(account).contains("Signed in as deployuser"), text(account));
        }
        signInHostUser(url + "/host1", "ending in 58");
        signInHostUser(url + "/host2", "ending in 71");

        assertEquals(Set.of("host1.db", "host2.db", "twostep.db"), files);
        assertEquals("+14155552671", standalonePhone);
        assertEquals("+442079460958", host1Phone);
        assertEquals("+14155552671", host2Phone);
    }

    @Test
    void anotherAppOnTheSameSqliteFileDoesNotStart() throws Exception {
        String log = deployLate("host3", REALM + "  <Parameter name=\"twostep.db.url\" value=\"jdbc:sqlite:"
                + data.resolve("host1.db") + "\" override=\"false\"/>\n");
        assertTrue(log.contains("is already open in this JVM, by Twostep in the web app at '/host1'"), log);
        assertTrue(log.contains("container's DataSource with the JDBC driver in the container's lib/"), log);
        assertNotStarted("/host3");
    }

    @Test
    void anExplicitJndiNameInAContextWithoutNamingDoesNotStart() throws Exception {
        // As Debian's Tomcat manager app: useNaming="false". The name was asked for, so no private database.
        String log = deployLate("host4", REALM + "  <Parameter name=\"twostep.db.jndi\""
                + " value=\"java:comp/env/jdbc/twostep\" override=\"false\"/>\n", " useNaming=\"false\"");
        assertTrue(log.contains("Invalid setting twostep.db.jndi (environment variable TWOSTEP_DB_JNDI): no DataSource"
                + " is bound at java:comp/env/jdbc/twostep"), log);
        assertNotStarted("/host4");
        assertFalse(Files.exists(data.resolve("host4.db")));
    }

    /**
     * Deploys a copy of the host app while the others run, so that they certainly hold their files first,
     * and waits for Tomcat to be done with it. Returns the container's logs: Tomcat writes a failed
     * listener's exception to logs/localhost.DATE.log. The copy is removed again, so it is not there at
     * the next start, where it could come up before the app whose file it names.
     */
    private static String deployLate(String name, String contextXmlBody, String... contextAttributes)
            throws Exception {
        Path staged = tomcatBase.base.resolve(name);
        Path deployed = tomcatBase.base.resolve("webapps").resolve(name);
        TomcatBase.formHost(staged, contextXmlBody, contextAttributes);
        try {
            Files.move(staged, deployed, StandardCopyOption.ATOMIC_MOVE);
            awaitLog("/webapps/" + name + "] has finished", Duration.ofSeconds(90));
            return tomcat.output() + localhostLog();
        } finally {
            ContainerProcess.deleteTree(deployed);
        }
    }

    private static void assertNotStarted(String contextPath) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        int status = http.send(HttpRequest.newBuilder(URI.create(tomcatBase.url() + contextPath + "/app/health"))
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        assertTrue(status == 404 || status == 503, contextPath + " answered " + status);
        assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(tomcatBase.url() + "/host1/app/health"))
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode());
    }

    private static void enrollHostUser(String app, String phone, String ending) throws Exception {
        try (WebClient client = Walks.browser()) {
            HtmlPage enroll = hostLogin(client, app);
            assertTrue(enroll.getUrl().getPath().endsWith("/twostep/enroll"), enroll.getUrl() + "\n" + text(enroll));
            type(enroll, "phone", phone);
            enroll.<HtmlRadioButtonInput>getFirstByXPath("//input[@value='sms']").setChecked(true);
            HtmlPage code = submitFormOf(enroll, "phone");
            assertTrue(text(code).contains(ending), text(code));
            HtmlPage home = enterCode(code, tomcat.nextCode());
            assertEquals("Hello, erin", home.getHtmlElementById("user").asNormalizedText());
        }
    }

    private static void signInHostUser(String app, String ending) throws Exception {
        try (WebClient client = Walks.browser()) {
            HtmlPage page = hostLogin(client, app);
            assertCodePageFor(page, URI.create(app).getPath(), ending);
            // The host's own login came first: the code goes when the person asks for it.
            HtmlPage code = Pages.click(page, "send");
            HtmlPage home = enterCode(code, tomcat.nextCode());
            assertEquals("Hello, erin", home.getHtmlElementById("user").asNormalizedText());
        }
    }

    private static HtmlPage hostLogin(WebClient client, String app) throws Exception {
        HtmlPage login = client.getPage(app + "/app/home");
        assertTrue(text(login).contains("Host sign-in"), text(login));
        type(login, "j_username", "erin");
        type(login, "j_password", "erin-password");
        return submitFormOf(login, "j_username");
    }

    /** The code page for the phone confirmed before: never the enrollment page. */
    private static void assertCodePageFor(HtmlPage page, String contextPath, String ending) {
        assertEquals(contextPath + "/twostep/code", page.getUrl().getPath(), text(page));
        assertFalse(text(page).contains("Set up your phone"), text(page));
        assertTrue(text(page).contains("Enter your code"), text(page));
        assertTrue(text(page).contains(ending), text(page));
    }

    private static String confirmedPhone(String file, String user) throws Exception {
        if (!Files.exists(data.resolve(file))) {
            return null;
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve(file));
             PreparedStatement ps = c.prepareStatement(
                     "SELECT phone_e164 FROM phones WHERE username = ? AND confirmed_at IS NOT NULL")) {
            ps.setString(1, user);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static String localhostLog() throws Exception {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> logs = Files.list(tomcatBase.base.resolve("logs"))) {
            for (Path log : (Iterable<Path>) logs::iterator) {
                if (log.getFileName().toString().startsWith("localhost.")) {
                    all.append(Files.readString(log, StandardCharsets.UTF_8));
                }
            }
        }
        return all.toString();
    }

    private static void awaitLog(String line, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!tomcat.output().contains(line)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no log line '" + line + "' in " + timeout + ":\n" + tomcat.output());
            }
            Thread.sleep(500);
        }
    }
}
