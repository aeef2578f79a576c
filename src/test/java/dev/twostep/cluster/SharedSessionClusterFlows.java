package dev.twostep.cluster;

import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlInput;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.util.Cookie;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import dev.twostep.testing.Pages;

/**
 * The flows of issue 14 on three Twostep servers (the standalone WAR) on one PostgreSQL behind HAProxy, round
 * robin and no stickiness, the sessions in the container's session store on the same PostgreSQL: a sign-in may
 * take each step on another node, survive the node that sent its code being killed, and the limits and the
 * single use of a code hold for the cluster as a whole. The cluster starts once for the class, its three nodes
 * at the same moment on an empty schema. Run on Jetty 12 by {@link ClusterIT}, on Tomcat 10.1 by
 * {@link TomcatClusterIT}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SharedSessionClusterFlows {
    static final String PASSWORD = SignIns.PASSWORD;
    private static final AtomicInteger NUMBERS = new AtomicInteger(2600);
    protected Cluster cluster;

    /** Starts the class's cluster: three nodes, round robin, sessions in PostgreSQL. */
    abstract Cluster startCluster() throws Exception;

    @BeforeAll
    void start() throws Exception {
        cluster = startCluster();
    }

    @AfterAll
    void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** A new user name and a number of its own (so one test's sends never count against another's number). */
    static String[] newUser(String prefix) {
        int n = NUMBERS.getAndIncrement();
        return new String[] {prefix + n, "+1415555" + n};
    }

    private void register(String user, String e164) throws Exception {
        SignIns.register(cluster, user, e164);
    }

    private static HtmlPage signIn(WebClient client, String loginUrl, String user) throws Exception {
        return SignIns.password(client, loginUrl, user);
    }

    @Test
    @Order(1)
    void threeNodesStartingAtOnceOnAnEmptySchemaMigrateItOnce() throws Exception {
        long migrations = 0;
        for (Path dir : List.of(Path.of("sql"), Path.of("src/main/java/dev/twostep/db"))) {
            try (Stream<Path> files = Files.list(dir)) {
                migrations += files.filter(f -> f.getFileName().toString().matches("V[0-9]+__.*\\.(sql|java)")).count();
            }
        }
        assertEquals(migrations, cluster.count("SELECT COUNT(*) FROM flyway_schema_history WHERE version IS NOT NULL"));
        assertEquals(migrations, cluster.count("SELECT COUNT(DISTINCT version) FROM flyway_schema_history"));
        assertEquals(0, cluster.count("SELECT COUNT(*) FROM flyway_schema_history WHERE NOT success"));
        assertEquals(1, cluster.count("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ?"
                + " AND table_name = ?", Cluster.sessionsSchema(cluster.schema), cluster.container.sessionsTable()));
        int migrated = 0;
        for (Node node : cluster.nodes) {
            String log = node.log();
            assertTrue(log.contains("Twostep is ready"), node.name + ":\n" + node.logTail());
            if (log.contains("Migrating schema")) {
                migrated++;
            } else {
                // Waited on Flyway's lock while another node migrated, then found nothing left to do.
                assertTrue(log.contains("No migration necessary"), node.name + ":\n" + node.logTail());
            }
        }
        assertEquals(1, migrated, "one node migrated the schema, the others found it done");
    }

    @Test
    @Order(2)
    void throughHaproxyEveryStepMayLandOnAnotherNode() throws Exception {
        String[] u = newUser("roundrobin");
        register(u[0], u[1]);
        try (WebClient client = Cluster.browser()) {
            HtmlPage code = signIn(client, cluster.proxy.url("/login"), u[0]);
            HtmlPage account = enterCode(code, cluster.sms.last(u[1]).code());
            assertTrue(text(account).contains("Signed in as " + u[0]), text(account));
            for (int i = 0; i < 3; i++) {
                HtmlPage again = client.getPage(cluster.proxy.url("/account"));
                assertTrue(text(again).contains("Signed in as " + u[0]), text(again));
            }
        }
        // The registration and the sign-in went over all three nodes, and codes were sent by more than one.
        String log = Files.readString(cluster.dir().resolve("haproxy/haproxy.log"));
        for (Node node : cluster.nodes) {
            assertTrue(log.contains("twostep_nodes/" + node.name + " "), node.name + " served nothing:\n" + log);
        }
    }

    @Test
    @Order(3)
    void passwordOnACodeSentByACodeTypedOnBProtectedPageOnC() throws Exception {
        String[] u = newUser("abc");
        register(u[0], u[1]);
        Node a = cluster.node(1);
        Node b = cluster.node(2);
        Node c = cluster.node(3);
        try (WebClient client = Cluster.browser()) {
            signIn(client, a.url("/login"), u[0]);
            int sent = cluster.sms.to(u[1]).size();
            SmsStandIn.Sms sms = cluster.sms.last(u[1]);
            assertEquals(a.name, sms.node(), "the code was sent by the node that took the password");

            HtmlPage codeOnB = client.getPage(b.url("/twostep/code"));
            assertTrue(text(codeOnB).contains("Enter your code"), text(codeOnB));
            HtmlPage accountOnB = enterCode(codeOnB, sms.code());
            assertEquals(b.port, accountOnB.getUrl().getPort());
            assertTrue(text(accountOnB).contains("Signed in as " + u[0]), text(accountOnB));

            HtmlPage accountOnC = client.getPage(c.url("/account"));
            assertTrue(accountOnC.getUrl().getPath().endsWith("/account"), accountOnC.getUrl().toString());
            assertTrue(text(accountOnC).contains("Signed in as " + u[0]), text(accountOnC));
            assertEquals(sent, cluster.sms.to(u[1]).size(), "no other code was sent");
        }
    }

    @Test
    @Order(4)
    void fiveSendsSpreadOverThreeNodesAreStillFive() throws Exception {
        String[] u = newUser("sends");
        register(u[0], u[1]);
        try (WebClient client = Cluster.browser()) {
            signIn(client, cluster.node(1).url("/login"), u[0]);
            // The registration's code and the sign-in's are two of the five; ask each node in turn for more.
            int refused = 0;
            for (int i = 0; i < 9; i++) {
                Node node = cluster.node(1 + i % 3);
                HtmlPage code = client.getPage(node.url("/twostep/code"));
                HtmlPage after = Pages.click(code, "resend");
                if (after.getWebResponse().getStatusCode() == 429) {
                    refused++;
                }
            }
            List<SmsStandIn.Sms> sent = cluster.sms.to(u[1]);
            assertEquals(5, sent.size(), sent.toString());
            assertEquals(6, refused, "after the fifth code every node refuses");
            assertTrue(sent.stream().map(SmsStandIn.Sms::node).distinct().count() >= 2, sent.toString());
        }
    }

    @Test
    @Order(5)
    void twentyParallelRightCodesSpreadOverTheNodesLetExactlyOneThrough() throws Exception {
        String[] u = newUser("race");
        register(u[0], u[1]);
        RightCode right = rightCodeAfterPasswordOnNode1(u);

        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        ExecutorService pool = Executors.newFixedThreadPool(20);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<String>> statuses = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Node node = cluster.node(1 + i % 3);
            statuses.add(pool.submit(() -> {
                go.await();
                HttpResponse<Void> r = right.post(http, node);
                // A 303 says where to: the account page (accepted) or the sign-in page (no session found).
                return r.statusCode() + r.headers().firstValue("Location").map(l -> " " + l).orElse("");
            }));
        }
        go.countDown();
        Map<String, Integer> seen = new TreeMap<>();
        for (Future<String> s : statuses) {
            seen.merge(s.get(), 1, Integer::sum);
        }
        pool.shutdown();
        System.out.println(getClass().getSimpleName() + ": twenty right codes at once, statuses " + seen);
        assertTrue(seen.keySet().stream().allMatch(status -> Integer.parseInt(status.substring(0, 3)) < 500),
                "statuses " + seen);
        assertEquals(1, cluster.count("SELECT COUNT(*) FROM challenges WHERE username = ? AND purpose = 'LOGIN'"
                + " AND consumed_at IS NOT NULL", u[0]));
        assertEquals(1, cluster.count("SELECT COUNT(*) FROM audit_events WHERE username = ? AND event = 'CODE_ACCEPTED'"
                + " AND at >= (SELECT MAX(created_at) FROM challenges WHERE username = ? AND purpose = 'LOGIN')",
                u[0], u[0]));
    }

    @Test
    @Order(6)
    void wrongPasswordsSpreadOverTheNodesLockTheAccountOnEveryNode() throws Exception {
        String[] u = newUser("pwlock");
        register(u[0], u[1]);
        int sent = cluster.sms.to(u[1]).size();
        try (WebClient client = Cluster.browser()) {
            // Twostep's default: the tenth wrong password in a row locks the account's sign-in.
            for (int i = 0; i < 10; i++) {
                HtmlPage login = client.getPage(cluster.node(1 + i % 3).url("/login"));
                HtmlPage wrong = Pages.signIn(login, u[0], "wrong password " + i);
                assertTrue(wrong.getUrl().getPath().endsWith("/login"), text(wrong));
            }
            for (Node node : cluster.nodes) {
                HtmlPage login = client.getPage(node.url("/login"));
                HtmlPage locked = Pages.signIn(login, u[0], PASSWORD);
                assertTrue(text(locked).contains("Too many failed sign-ins"), node.name + ":\n" + text(locked));
            }
        }
        assertEquals(sent, cluster.sms.to(u[1]).size(), "no code for a locked account");
    }

    @Test
    @Order(7)
    void wrongCodesSpreadOverTheNodesLockTheSecondStepOnEveryNode() throws Exception {
        String[] u = newUser("codelock");
        register(u[0], u[1]);
        try (WebClient client = Cluster.browser()) {
            signIn(client, cluster.node(1).url("/login"), u[0]);
            String right = cluster.sms.last(u[1]).code();
            String wrong = right.equals("000000") ? "111111" : "000000";
            // Five tries per code, ten wrong codes in a row lock the second step (Twostep's defaults): five on
            // the first code, a new code from node2, five more on it, each typed on the next node.
            HtmlPage page = null;
            for (int i = 0; i < 10; i++) {
                if (i == 5) {
                    Pages.click(client.getPage(cluster.node(2).url("/twostep/code")), "resend");
                    right = cluster.sms.last(u[1]).code();
                    wrong = right.equals("000000") ? "111111" : "000000";
                }
                page = enterCode(client.getPage(cluster.node(1 + i % 3).url("/twostep/code")), wrong);
            }
            assertTrue(text(page).contains("Too many wrong codes"), text(page));
            // Every node now offers no code field, and refuses the right code posted by hand.
            for (Node node : cluster.nodes) {
                HtmlPage code = client.getPage(node.url("/twostep/code"));
                assertEquals(null, code.getElementById("code"), node.name + ":\n" + text(code));
                HtmlPage refused = Pages.post(code, "code", "action", "verify", "code", right);
                assertTrue(text(refused).contains("Too many wrong codes"), node.name + ":\n" + text(refused));
            }
        }
        assertEquals(0, cluster.count("SELECT COUNT(*) FROM challenges WHERE username = ? AND consumed_at IS NOT NULL"
                + " AND purpose = 'LOGIN'", u[0]));
    }

    /** A sign-in's session after its password, and the form that submits its right code, by hand. */
    record RightCode(String session, String form) {
        HttpResponse<Void> post(HttpClient http, Node node) throws Exception {
            return http.send(HttpRequest.newBuilder(URI.create(node.url("/twostep/code")))
                    .header("Cookie", "JSESSIONID=" + session)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.discarding());
        }
    }

    /** The password on node1 in a browser; returns its session and the form with the code node1 sent. */
    private RightCode rightCodeAfterPasswordOnNode1(String[] u) throws Exception {
        try (WebClient client = Cluster.browser()) {
            HtmlPage code = signIn(client, cluster.node(1).url("/login"), u[0]);
            String csrf = code.<HtmlInput>getFirstByXPath("//input[@name='twostep_csrf']").getValue();
            Cookie session = client.getCookieManager().getCookie("JSESSIONID");
            return new RightCode(session.getValue(), "twostep_csrf=" + URLEncoder.encode(csrf, StandardCharsets.UTF_8)
                    + "&action=verify&code=" + cluster.sms.last(u[1]).code());
        }
    }

    /** The session id a response sets, or null. */
    private static String newSession(HttpResponse<?> response) {
        return response.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("JSESSIONID="))
                .map(c -> c.substring("JSESSIONID=".length(), c.indexOf(';') < 0 ? c.length() : c.indexOf(';')))
                .findFirst().orElse(null);
    }

    /**
     * A double click on "verify" spread over two nodes: one submission is accepted, and the session its
     * response gives the browser is signed in on the third node. What the other response's session holds is
     * printed, not asserted (docs/scale-out.md, "One request of a session at a time").
     */
    @Test
    @Order(9)
    void aDoubleSubmitOnTwoNodesIsAcceptedOnceAndItsResponsesSessionIsSignedIn() throws Exception {
        String[] u = newUser("double");
        register(u[0], u[1]);
        RightCode right = rightCodeAfterPasswordOnNode1(u);
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<HttpResponse<Void>>> responses = new ArrayList<>();
        for (Node node : List.of(cluster.node(1), cluster.node(2))) {
            responses.add(pool.submit(() -> {
                go.await();
                return right.post(http, node);
            }));
        }
        go.countDown();
        List<HttpResponse<Void>> both = new ArrayList<>();
        for (Future<HttpResponse<Void>> r : responses) {
            both.add(r.get());
        }
        pool.shutdown();
        List<HttpResponse<Void>> accepted = both.stream().filter(r -> r.statusCode() == 303
                && r.headers().firstValue("Location").orElse("").endsWith("/account")).toList();
        assertEquals(1, accepted.size(), both.toString());
        assertEquals(1, cluster.count("SELECT COUNT(*) FROM challenges WHERE username = ? AND purpose = 'LOGIN'"
                + " AND consumed_at IS NOT NULL", u[0]));
        String signedIn = newSession(accepted.get(0));
        assertTrue(signedIn != null && !signedIn.equals(right.session()), "a new session id: " + signedIn);
        HttpResponse<String> account = http.send(HttpRequest.newBuilder(URI.create(cluster.node(3).url("/account")))
                .header("Cookie", "JSESSIONID=" + signedIn).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, account.statusCode(), account.body());
        assertTrue(account.body().contains("Signed in as"), account.body());

        HttpResponse<Void> other = both.get(both.get(0) == accepted.get(0) ? 1 : 0);
        String otherSession = newSession(other) == null ? right.session() : newSession(other);
        HttpResponse<Void> otherAccount = http.send(HttpRequest.newBuilder(URI.create(cluster.node(3).url("/account")))
                .header("Cookie", "JSESSIONID=" + otherSession).build(), HttpResponse.BodyHandlers.discarding());
        System.out.println(getClass().getSimpleName() + ": double submit, the other response " + other.statusCode()
                + " " + other.headers().firstValue("Location").orElse("") + "; its session "
                + (otherSession.equals(right.session()) ? "(the old id)" : "(a new id)") + " asks /account: "
                + otherAccount.statusCode() + " " + otherAccount.headers().firstValue("Location").orElse(""));
    }

    @Test
    @Order(8)
    void aNodeKilledBetweenPasswordAndCodeCostsNoNewCode() throws Exception {
        String[] u = newUser("killed");
        register(u[0], u[1]);
        Node a = cluster.node(1);
        try (WebClient client = Cluster.browser()) {
            signIn(client, a.url("/login"), u[0]);
            SmsStandIn.Sms sms = cluster.sms.last(u[1]);
            assertEquals(a.name, sms.node());
            int sent = cluster.sms.to(u[1]).size();

            a.kill();
            // Straight on through HAProxy, before its health checks notice: a request it gives the dead node is
            // refused there and sent to another.
            HtmlPage code = client.getPage(cluster.proxy.url("/twostep/code"));
            assertTrue(text(code).contains("Enter your code"), text(code));
            HtmlPage account = enterCode(code, sms.code());
            assertTrue(text(account).contains("Signed in as " + u[0]), text(account));
            assertEquals(sent, cluster.sms.to(u[1]).size(), "no new code was sent");
            cluster.proxy.awaitState("DOWN", Duration.ofSeconds(10), a.name);
        } finally {
            // The node comes back on the same port and HAProxy takes it into the rotation again.
            a.start();
            a.awaitReady(Duration.ofSeconds(90));
            cluster.proxy.awaitState("UP", Duration.ofSeconds(20), a.name);
        }
    }
}
