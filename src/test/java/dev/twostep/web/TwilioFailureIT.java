package dev.twostep.web;

import static dev.twostep.testing.Pages.click;
import static dev.twostep.testing.Pages.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.testing.Pages;
import dev.twostep.testing.TwilioStub;
import dev.twostep.testing.TwostepServer;

/**
 * What a person sees when Twilio refuses or does not answer: a clear sentence and the other channel; or,
 * when Twilio may have the request but its answer never came, the code page with the code kept alive.
 */
class TwilioFailureIT {
    static final TwilioStub TWILIO = stub();

    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of(
            "twostep.delivery", "twilio",
            "twilio.from-number", "+15005550006",
            "twilio.base-url", TWILIO.baseUrl(),
            "twilio.read-timeout-ms", "60000",
            "twilio.deadline-ms", "2000"))
            .environment(Map.of("TWILIO_ACCOUNT_SID", "AC" + "0123456789abcdef".repeat(2), "TWILIO_AUTH_TOKEN", "t"))
            .realSender();
    private final Pages pages = new Pages(SERVER);

    private static TwilioStub stub() {
        try {
            return TwilioStub.answering(503, "{}");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @BeforeAll
    static void warmUp() throws Exception {
        // The first sign-up pays for class loading and template compiling; the time bounds below are about Twilio.
        TWILIO.answer(201, "{\"sid\":\"SM" + "0123456789abcdef".repeat(2) + "\",\"status\":\"queued\"}");
        new Pages(SERVER).register(SERVER.newClient(), "warmup", "correct horse battery", "(415) 555-2671", "sms");
    }

    @AfterAll
    static void stop() {
        TWILIO.close();
    }

    @Test
    void aLandlineForSmsIsOfferedACall() throws Exception {
        TWILIO.delay(0);
        TWILIO.answer(400, "{\"code\":21614,\"message\":\"'To' number is not a valid mobile number\","
                + "\"more_info\":\"https://www.twilio.com/docs/errors/21614\",\"status\":400}");
        HtmlPage code = pages.register(SERVER.newClient(), "landline", "correct horse battery", "(415) 555-2671", "sms");
        assertEquals(503, code.getWebResponse().getStatusCode());
        assertTrue(text(code).contains("a landline cannot get text messages"), text(code));
        assertFalse(text(code).contains("21614"), "Twilio's code is for the log, not the page");
        assertEquals(0, SERVER.count("SELECT COUNT(*) FROM challenges WHERE username = 'landline' AND revoked_at IS NULL"),
                "the unsent code cannot be used");

        TWILIO.answer(201, "{\"sid\":\"CA" + "0123456789abcdef".repeat(2) + "\",\"status\":\"queued\"}");
        HtmlPage call = click(code, "switch");
        assertEquals(200, call.getWebResponse().getStatusCode());
        assertTrue(TWILIO.last().path().endsWith("/Calls.json"), TWILIO.last().path());
        assertTrue(text(call).contains("We are calling your phone ending in 71 to read you a code."), text(call));
        assertEquals(0, SERVER.count("SELECT MAX(attempts) FROM challenges WHERE username = 'landline'"),
                "a failed send costs no try");
    }

    /** Registers a user with an SMS phone, and checks the page came within Twilio's deadline (2 s). */
    private HtmlPage registerWithinTheDeadline(String username) throws Exception {
        long start = System.nanoTime();
        HtmlPage page = pages.register(SERVER.newClient(), username, "correct horse battery", "(415) 555-2671", "sms");
        long millis = (System.nanoTime() - start) / 1_000_000L;
        // The deadline, plus generous room for the sign-up itself on a busy machine.
        assertTrue(millis < 2000 + 8000, "the page took " + millis + " ms");
        return page;
    }

    private static long liveUncertainCodes(String username) {
        return SERVER.count("SELECT COUNT(*) FROM challenges WHERE username = ? AND revoked_at IS NULL"
                + " AND consumed_at IS NULL AND delivery_status = 'uncertain'", username);
    }

    @Test
    void aStalledTwilioLeavesTheUserOnTheCodePageWithTheCodeAlive() throws Exception {
        // Twilio has the request and may send the SMS: the code it carries must stay usable.
        TWILIO.answer(201, "{}");
        TWILIO.stall();
        HtmlPage code = registerWithinTheDeadline("stalled");
        assertTrue(code.getWebResponse().getStatusCode() < 500, text(code));
        assertTrue(text(code).contains("Send a new code"), text(code));
        assertTrue(text(code).contains("Your text message may take a moment. If no code arrives, send a new code or ask"
                + " for a call."), text(code));
        assertEquals(1, liveUncertainCodes("stalled"));
    }

    @Test
    void aTricklingTwilioLeavesTheUserOnTheCodePageWithTheCodeAlive() throws Exception {
        TWILIO.answer(201, "{\"sid\":\"SM" + "0123456789abcdef".repeat(2) + "\",\"status\":\"queued\"}");
        TWILIO.trickle(java.time.Duration.ofSeconds(4), true);
        HtmlPage code = registerWithinTheDeadline("trickled");
        assertTrue(code.getWebResponse().getStatusCode() < 500, text(code));
        assertEquals(1, liveUncertainCodes("trickled"));
    }

    @Test
    void anOperatorsMistakeSaysCodesCannotBeSentWithoutBlamingTheUsersNumber() throws Exception {
        TWILIO.answerError(401, 20003);
        HtmlPage code = pages.register(SERVER.newClient(), "misconfigured", "correct horse battery", "(415) 555-2671",
                "sms");
        assertEquals(503, code.getWebResponse().getStatusCode());
        assertTrue(text(code).contains("Codes cannot be sent right now."), text(code));
        assertFalse(text(code).contains("20003") || text(code).contains("phone number"), text(code));
    }

    @Test
    void aTwilioThatRefusesConnectionsGetsTryLater() throws Exception {
        TWILIO.refuse();
        try {
            HtmlPage code = registerWithinTheDeadline("refused");
            assertEquals(503, code.getWebResponse().getStatusCode());
            assertTrue(text(code).contains("The code could not be sent just now. Wait a minute and send a new code."),
                    text(code));
            // Nothing was sent: the page offers to send, by text or by call.
            assertTrue(text(code).contains("Text me a code") && text(code).contains("Call me with a code"), text(code));
            assertEquals(0, SERVER.count("SELECT COUNT(*) FROM challenges WHERE username = 'refused'"
                    + " AND revoked_at IS NULL"), "nothing was sent, so the code is cancelled");
        } finally {
            TWILIO.answer(503, "{}");
        }
    }
}
