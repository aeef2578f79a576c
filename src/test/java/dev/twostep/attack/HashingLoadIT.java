package dev.twostep.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.management.ObjectName;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.testing.Pages;
import dev.twostep.testing.TwostepServer;

/**
 * Sign-ins in parallel with one password-hashing slot and no queue: each gets the code page, a wrong-password
 * page, or a 503 "busy" page with Retry-After, never a 500; and a sign-in refused for want of a slot is no
 * failed password. Passes of 20 (OWASP strength at 7 MiB, and about four times the default's time) make the
 * burst's hashes overlap.
 */
class HashingLoadIT {
    private static final int PARALLEL = 8;
    private static final String BUSY = "Busy, try again in a moment.";

    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of(
            "twostep.password.max-concurrent", "1",
            "twostep.password.queue-wait-ms", "0",
            "twostep.password.iterations", "20"));
    private final Pages pages = new Pages(SERVER);
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stop() throws InterruptedException {
        threads.shutdownNow();
        threads.awaitTermination(30, TimeUnit.SECONDS);
    }

    /** What one browser got back from its sign-in. */
    private record Answer(int status, String path, String text, String retryAfter) {
        boolean codePage() {
            return status == 200 && path.endsWith("/twostep/code");
        }

        boolean busy() {
            return status == 503 && text.contains(BUSY) && retryAfter != null && path.endsWith("/login");
        }
    }

    /** Each browser opens the sign-in page first; then all send their forms at once. */
    private List<Answer> signInAtOnce(List<String> usernames, String password) throws Exception {
        List<WebClient> browsers = new ArrayList<>();
        for (int i = 0; i < usernames.size(); i++) {
            browsers.add(SERVER.newClient());
        }
        CyclicBarrier ready = new CyclicBarrier(usernames.size());
        List<Future<Answer>> answers = new ArrayList<>();
        for (int i = 0; i < usernames.size(); i++) {
            WebClient browser = browsers.get(i);
            String username = usernames.get(i);
            answers.add(threads.submit(() -> {
                HtmlPage login = pages.open(browser, "/login");
                Pages.type(login, "username", username);
                Pages.type(login, "password", password);
                ready.await(30, TimeUnit.SECONDS);
                HtmlPage page = Pages.submitFormOf(login, "username");
                return new Answer(page.getWebResponse().getStatusCode(), page.getUrl().getPath(), Pages.text(page),
                        page.getWebResponse().getResponseHeaderValue("Retry-After"));
            }));
        }
        List<Answer> result = new ArrayList<>();
        for (Future<Answer> answer : answers) {
            result.add(answer.get(60, TimeUnit.SECONDS));
        }
        return result;
    }

    /** A figure of the app's PasswordHashing MBean, which this JVM's server registered. */
    private static long figure(String attribute) throws Exception {
        return (Long) ManagementFactory.getPlatformMBeanServer().getAttribute(
                new ObjectName("dev.twostep:type=PasswordHashing,context=" + ObjectName.quote(TwostepServer.CONTEXT)), attribute);
    }

    @Test
    void parallelSignInsGetTheCodePageOrABusyPageNeverA500() throws Exception {
        List<String> users = new ArrayList<>();
        for (int i = 0; i < PARALLEL; i++) {
            users.add("busy" + i);
            pages.createAccount("busy" + i, "correct horse battery", "+1415555" + (2600 + i));
        }
        SERVER.sender().reset();
        long refusedBefore = figure("RefusedBusy");
        long hashesBefore = figure("Hashes");

        List<Answer> answers = signInAtOnce(users, "correct horse battery");

        long signedIn = answers.stream().filter(Answer::codePage).count();
        long busy = answers.stream().filter(Answer::busy).count();
        assertEquals(PARALLEL, signedIn + busy, "each answer is the code page or the busy page: " + answers);
        assertTrue(busy >= 1, "with one slot and no queue some of " + PARALLEL + " must be refused: " + answers);
        assertTrue(signedIn >= 1, "the first to come gets the slot: " + answers);
        for (Answer answer : answers) {
            if (answer.busy()) {
                assertEquals("1", answer.retryAfter(), "queue wait 0: try again in a second");
                assertTrue(answer.text().contains("Sign in"), "the sign-in page again, to send once more");
            }
        }
        assertEquals(signedIn, SERVER.sender().sent().size(), "one code for each sign-in that passed, none else");
        assertEquals(busy, figure("RefusedBusy") - refusedBefore, "the operator's MBean counts each busy page");
        assertEquals(signedIn, figure("Hashes") - hashesBefore, "and one hash for each sign-in that got a slot");
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM lockouts WHERE scope = 'password'"),
                "no try was left counted: the refused ones were never counted, the others were cleared");

        // Nothing is lost: each refused person signs in at the next try.
        for (int i = 0; i < PARALLEL; i++) {
            if (answers.get(i).busy()) {
                HtmlPage again = pages.signIn(SERVER.newClient(), users.get(i), "correct horse battery");
                assertTrue(again.getUrl().getPath().endsWith("/twostep/code"), Pages.text(again));
            }
        }
    }

    @Test
    void refusedWrongPasswordsDoNotCountTowardThePasswordLock() throws Exception {
        pages.createAccount("target", "correct horse battery", "+14155552700");
        // Twelve at once, more than the ten wrong passwords that lock the account.
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            names.add("target");
        }

        List<Answer> answers = signInAtOnce(names, "wrong horse battery");

        long wrong = answers.stream().filter(a -> a.status() == 422).count();
        long busy = answers.stream().filter(Answer::busy).count();
        assertEquals(12, wrong + busy, "each answer is the wrong-password page or the busy page: " + answers);
        assertTrue(busy >= 1, "with one slot and no queue some must be refused: " + answers);
        assertEquals(wrong, SERVER.count("SELECT failures FROM lockouts WHERE scope = 'password'"),
                "only the checked passwords count toward the lock");
        assertEquals(wrong, SERVER.count("SELECT COUNT(*) FROM rate_events WHERE kind = 'pw-ip'"),
                "and toward the address's failures");
        assertEquals(wrong, SERVER.count("SELECT COUNT(*) FROM audit_events WHERE event = 'SIGN_IN_FAILED'"
                + " AND username = 'target'"), "the audit trail records no failure that did not happen");

        HtmlPage after = pages.signIn(SERVER.newClient(), "target", "correct horse battery");
        if (wrong < 10) {
            assertTrue(after.getUrl().getPath().endsWith("/twostep/code"),
                    wrong + " wrong passwords do not lock: " + Pages.text(after));
        } else {
            assertEquals(429, after.getWebResponse().getStatusCode(), Pages.text(after));
        }
    }

    @Test
    void settingsWeakerThanOwaspStopStartUpNamingTheSetting() throws Exception {
        TwostepServer weak = new TwostepServer(Map.of("twostep.password.memory-kib", "4096"));
        Throwable refused = assertThrows(Throwable.class, () -> weak.beforeAll(null));
        try {
            StringBuilder why = new StringBuilder();
            for (Throwable t = refused; t != null; t = t.getCause() == t ? null : t.getCause()) {
                why.append(t).append('\n');
            }
            assertNotNull(refused);
            assertTrue(why.toString().contains("twostep.password.memory-kib"), why.toString());
        } finally {
            weak.afterAll(null);
        }
    }
}
