package dev.twostep.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;

import dev.twostep.testing.TestDatabases;
import dev.twostep.testing.TwostepServer;
import dev.twostep.testing.Webapps;

/**
 * Start-up refuses what would fail open: a server with no way to deliver codes (instead of writing them
 * to its log), and a second server on one database with a code secret of its own.
 */
class FailClosedStartIT {

    @Test
    void aServerWithoutTwilioAndWithoutConsoleDeliveryRefusesToStart() throws Exception {
        // The production case: the Twilio account is named but the auth token went missing.
        TwostepServer server = new TwostepServer(Map.of("twilio.from-number", "+15005550006"))
                .environment(Map.of("TWILIO_ACCOUNT_SID", "AC00000000000000000000000000000000"))
                .realSender();
        Throwable refused = assertThrows(Throwable.class, () -> server.beforeAll(null));
        try {
            String why = Webapps.messages(refused);
            assertTrue(why.contains("twostep.delivery"), why);
            assertTrue(why.contains("TWILIO_AUTH_TOKEN"), why);
        } finally {
            server.afterAll(null);
        }
    }

    @Test
    void consoleDeliveryAskedForByNameStarts() throws Exception {
        TwostepServer server = new TwostepServer(Map.of("twostep.delivery", "console")).realSender();
        server.beforeAll(null);
        try {
            WebClient browser = server.newClient();
            HtmlPage login = browser.getPage(server.url("/login"));
            assertEquals(200, login.getWebResponse().getStatusCode());
        } finally {
            server.afterEach(null);
            server.afterAll(null);
        }
    }

    @Test
    void twoServersOnOnePostgresqlMustShareTheSecret() throws Exception {
        assumeTrue(TestDatabases.pgUrl() != null, "PostgreSQL tests skipped: set TWOSTEP_TEST_PG_URL; .ci/run does");
        Path dir = Files.createTempDirectory("twostep-shared");
        Map<String, String> db = TestDatabases.settings(TestDatabases.POSTGRESQL, dir, Map.of());
        Map<String, String> onPostgres = Map.of("twostep.db.url", db.get("twostep.db.url"));
        // Each server generates a secret of its own (each has its own data folder).
        TwostepServer first = new TwostepServer(onPostgres);
        TwostepServer second = new TwostepServer(onPostgres);
        try {
            first.beforeAll(null);
            Throwable refused = assertThrows(Throwable.class, () -> second.beforeAll(null));
            assertTrue(Webapps.messages(refused).contains("TWOSTEP_SECRET"), Webapps.messages(refused));
        } finally {
            second.afterAll(null);
            first.afterAll(null);
            TestDatabases.drop(db);
        }

        Map<String, String> fresh = TestDatabases.settings(TestDatabases.POSTGRESQL, dir, Map.of());
        Map<String, String> secret = Map.of("TWOSTEP_SECRET", "one-secret-for-every-server-0123456789");
        TwostepServer a = new TwostepServer(Map.of("twostep.db.url", fresh.get("twostep.db.url"))).environment(secret);
        TwostepServer b = new TwostepServer(Map.of("twostep.db.url", fresh.get("twostep.db.url"))).environment(secret);
        try {
            a.beforeAll(null);
            b.beforeAll(null);
            for (TwostepServer server : new TwostepServer[] {a, b}) {
                HtmlPage login = server.newClient().getPage(server.url("/login"));
                assertEquals(200, login.getWebResponse().getStatusCode());
            }
        } finally {
            a.afterEach(null);
            b.afterEach(null);
            b.afterAll(null);
            a.afterAll(null);
            TestDatabases.drop(fresh);
        }
    }
    @Test
    void twoServersOnOnePostgresqlMustShareTheCodeSettingsUnlessOneAcceptsOnPurpose() throws Exception {
        assumeTrue(TestDatabases.pgUrl() != null, "PostgreSQL tests skipped: set TWOSTEP_TEST_PG_URL; .ci/run does");
        Path dir = Files.createTempDirectory("twostep-shared");
        Map<String, String> db = TestDatabases.settings(TestDatabases.POSTGRESQL, dir, Map.of());
        Map<String, String> secret = Map.of("TWOSTEP_SECRET", "one-secret-for-every-server-0123456789");
        String url = db.get("twostep.db.url");
        TwostepServer first = new TwostepServer(Map.of("twostep.db.url", url)).environment(secret);
        TwostepServer longer = new TwostepServer(Map.of("twostep.db.url", url, "twostep.code.length", "8"))
                .environment(secret);
        TwostepServer onPurpose = new TwostepServer(Map.of("twostep.db.url", url, "twostep.code.length", "8",
                "twostep.cluster.accept-settings", "true")).environment(secret);
        try {
            first.beforeAll(null);
            Throwable refused = assertThrows(Throwable.class, () -> longer.beforeAll(null));
            String message = Webapps.messages(refused);
            assertTrue(message.contains("twostep.code.length is 8 here but 6"), message);
            assertTrue(message.contains("twostep.cluster.accept-settings=true"), message);
            onPurpose.beforeAll(null);
            HtmlPage login = onPurpose.newClient().getPage(onPurpose.url("/login"));
            assertEquals(200, login.getWebResponse().getStatusCode());
        } finally {
            onPurpose.afterEach(null);
            onPurpose.afterAll(null);
            longer.afterAll(null);
            first.afterAll(null);
            TestDatabases.drop(db);
        }
    }
}
