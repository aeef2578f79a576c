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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.testing.Pages;
import dev.twostep.testing.TwilioStub;
import dev.twostep.testing.TwostepServer;

/** What a person sees when Twilio refuses or does not answer: a clear sentence and the other channel. */
class TwilioFailureIT {
    static final TwilioStub TWILIO = stub();

    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of(
            "twostep.delivery", "twilio",
            "twilio.from-number", "+15005550006",
            "twilio.base-url", TWILIO.baseUrl(),
            "twilio.read-timeout-ms", "1000"))
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
        assertTrue(text(call).contains("We are calling you with your code."), text(call));
        assertEquals(0, SERVER.count("SELECT MAX(attempts) FROM challenges WHERE username = 'landline'"),
                "a failed send costs no try");
    }

    @Test
    void aSilentTwilioGetsAClearMessageWithinTheTimeout() throws Exception {
        TWILIO.answer(201, "{}");
        TWILIO.delay(20_000);
        long start = System.nanoTime();
        HtmlPage code = pages.register(SERVER.newClient(), "slowtwilio", "correct horse battery", "(415) 555-2671", "sms");
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        TWILIO.delay(0);
        assertEquals(503, code.getWebResponse().getStatusCode());
        assertTrue(text(code).contains("The code could not be sent just now. Wait a minute and send a new code."),
                text(code));
        // Bounded by the 1 s read timeout, not by Twilio's 20 s silence.
        assertTrue(seconds < 15, "the page took " + seconds + " s");
        assertTrue(text(code).contains("Text me a code") && text(code).contains("Call me with a code"), text(code));
    }
}
