package dev.twostep.cluster;

import static dev.twostep.testing.Pages.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.flywaydb.core.Flyway;
import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.twostep.bench.ExternalSignIns;
import dev.twostep.db.V7__Enrollment_events;

/**
 * The part of a rolling upgrade (docs/scale-out.md) that one release can show: the nodes of this release keep
 * serving sign-ins on a schema that a newer release has already migrated, start again on it, and a node taken out
 * of HAProxy, restarted and put back, one node at a time, loses no sign-in in progress. The newer release is
 * simulated by Flyway applying this release's migrations plus an additive V99 (a nullable column, a table), as
 * the first node of that release to start would. Three Jetty nodes, round robin, sessions in PostgreSQL.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RollingUpgradeIT {
    /** What a newer release adds: only additive changes, as the rolling-upgrade rule asks. */
    static final String V99 = """
            ALTER TABLE accounts ADD COLUMN display_name varchar(100);
            CREATE TABLE newer_release_notes (id bigint PRIMARY KEY, note text NOT NULL);
            """;
    private static Cluster cluster;
    private static final AtomicInteger NUMBERS = new AtomicInteger(2900);

    @BeforeAll
    static void start() throws Exception {
        // The send limits of the benchmarks: the background user signs in again and again, with a code each time.
        cluster = Cluster.start("RollingUpgradeIT", 3, false, ExternalSignIns.relaxedLimits());
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String[] newUser(String prefix) throws Exception {
        int n = NUMBERS.getAndIncrement();
        String[] u = {prefix + n, "+1415555" + n};
        SignIns.register(cluster, u[0], u[1]);
        return u;
    }

    /** The newer release's first start: its Flyway migrates the cluster's schema to V99. */
    private static void migrateAsANewerRelease() throws Exception {
        Path newer = Files.createDirectories(cluster.dir().resolve("newer-release"));
        Files.writeString(newer.resolve("V99__newer_release.sql"), V99);
        String dbUrl = cluster.pgUrl + (cluster.pgUrl.contains("?") ? "&" : "?") + "currentSchema=" + cluster.schema;
        var result = Flyway.configure().dataSource(dbUrl, null, null)
                .locations("classpath:db/migration", "filesystem:" + newer)
                .javaMigrations(new V7__Enrollment_events())
                .load().migrate();
        assertEquals(1, result.migrationsExecuted);
    }

    /** A whole sign-in: the password on {@code first}, the code on {@code second}, the account page after. */
    private static void signIn(String[] u, Node first, Node second) throws Exception {
        int sent = cluster.sms.to(u[1]).size();
        try (WebClient client = Cluster.browser()) {
            SignIns.password(client, first.url("/login"), u[0]);
            SignIns.code(cluster, client.getPage(second.url("/twostep/code")), u[0], u[1]);
        }
        assertEquals(sent + 1, cluster.sms.to(u[1]).size(), "one code for one sign-in");
    }

    @Test
    @Order(1)
    void nodesOfThisReleaseServeSignInsOnASchemaANewerReleaseMigrated() throws Exception {
        String[] u = newUser("before");
        migrateAsANewerRelease();
        assertEquals(99, cluster.count("SELECT MAX(CAST(version AS integer)) FROM flyway_schema_history"));
        assertEquals(1, cluster.count("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = ?"
                + " AND table_name = 'accounts' AND column_name = 'display_name'", cluster.schema));
        // The running nodes: a registration and sign-ins, each step on another node.
        String[] after = newUser("after");
        for (int i = 0; i < 3; i++) {
            signIn(i % 2 == 0 ? u : after, cluster.node(1 + i), cluster.node(1 + (i + 1) % 3));
        }
    }

    @Test
    @Order(2)
    void nodesRestartedOneAtATimeOnTheNewerSchemaLoseNoSignInInProgress() throws Exception {
        if (cluster.count("SELECT COUNT(*) FROM flyway_schema_history WHERE version = '99'") == 0) {
            migrateAsANewerRelease();
        }
        List<String[]> users = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            users.add(newUser("rolling"));
        }
        // Sign-ins through HAProxy all along, one browser after another, each user in turn.
        AtomicBoolean rolling = new AtomicBoolean(true);
        AtomicBoolean nodeOut = new AtomicBoolean(false);
        AtomicInteger whileANodeWasOut = new AtomicInteger();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        ExecutorService load = Executors.newSingleThreadExecutor();
        Future<Integer> background = load.submit(() -> {
            int done = 0;
            String[] u = newUser("background");
            while (rolling.get() && done < 200) {
                try {
                    int sent = cluster.sms.to(u[1]).size();
                    try (WebClient client = Cluster.browser()) {
                        HtmlPage code = SignIns.password(client, cluster.proxy.url("/login"), u[0]);
                        SignIns.code(cluster, code, u[0], u[1]);
                    }
                    if (cluster.sms.to(u[1]).size() != sent + 1) {
                        failures.add("sign-in " + done + ": " + (cluster.sms.to(u[1]).size() - sent) + " codes");
                    } else if (nodeOut.get()) {
                        whileANodeWasOut.incrementAndGet();
                    }
                } catch (Exception | AssertionError e) {
                    failures.add("sign-in " + done + ": " + e);
                }
                done++;
            }
            return done;
        });
        try {
            for (int i = 0; i < 3; i++) {
                Node node = cluster.node(1 + i);
                Node other = cluster.node(1 + (i + 1) % 3);
                String[] u = users.get(i);
                // A sign-in in progress on the node about to be upgraded: its password and code taken there.
                int sent = cluster.sms.to(u[1]).size();
                try (WebClient client = Cluster.browser()) {
                    SignIns.password(client, node.url("/login"), u[0]);
                    assertEquals(node.name, cluster.sms.last(u[1]).node());

                    // The upgrade of that node: out of HAProxy, stopped, started again (on the newer schema),
                    // back in. Meanwhile the user goes on elsewhere: the code page on another node.
                    cluster.proxy.drain(node.name);
                    nodeOut.set(true);
                    node.stop();
                    HtmlPage elsewhere = client.getPage(other.url("/twostep/code"));
                    assertTrue(text(elsewhere).contains("Enter your code"), text(elsewhere));
                    int logged = node.log().length();
                    node.start();
                    node.awaitReady(Duration.ofSeconds(90));
                    String restart = node.log().substring(logged);
                    assertTrue(restart.contains("Twostep is ready"), restart);
                    // Flyway sees the newer release's V99 applied and unknown to it, warns, and goes on.
                    assertTrue(restart.contains("has a version (99) that is newer than the latest available"
                            + " migration"), restart);
                    assertTrue(restart.contains("No migration necessary"), restart);
                    cluster.proxy.ready(node.name);
                    nodeOut.set(false);

                    // The code typed on the restarted node, which kept nothing of the sign-in in memory.
                    HtmlPage account = SignIns.code(cluster, client.getPage(node.url("/twostep/code")), u[0], u[1]);
                    assertEquals(node.port, account.getUrl().getPort());
                }
                assertEquals(sent + 1, cluster.sms.to(u[1]).size(), "no new code for the sign-in in progress");
            }
        } finally {
            rolling.set(false);
            load.shutdown();
        }
        int signIns = background.get();
        System.out.println("RollingUpgradeIT: " + signIns + " sign-ins through HAProxy during the rolling restart, "
                + whileANodeWasOut.get() + " of them ended while a node was out, " + failures.size() + " failed");
        assertEquals(List.of(), failures, "of " + signIns + " sign-ins through HAProxy during the restarts");
        assertTrue(whileANodeWasOut.get() > 0, "sign-ins went on while a node was out: " + whileANodeWasOut);
        assertEquals(99, cluster.count("SELECT MAX(CAST(version AS integer)) FROM flyway_schema_history"));
        assertEquals(0, cluster.count("SELECT COUNT(*) FROM flyway_schema_history WHERE NOT success"));
    }
}
