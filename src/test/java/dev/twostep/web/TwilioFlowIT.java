package dev.twostep.web;

import static dev.twostep.testing.Pages.click;
import static dev.twostep.testing.Pages.enterCode;
import static dev.twostep.testing.Pages.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.twostep.testing.Pages;
import dev.twostep.testing.Prism;
import dev.twostep.testing.TwilioStub;
import dev.twostep.testing.TwostepServer;

/**
 * Sign-in walked in HtmlUnit with the real Twilio senders, built by the app from its settings, against
 * Prism serving Twilio's API description. The test reads each code back from what was sent to Twilio.
 */
class TwilioFlowIT {
    private static final String PRISM = System.getenv(Prism.ENV);
    static final TwilioStub TWILIO = start();

    @RegisterExtension
    static final TwostepServer SERVER = new TwostepServer(Map.of(
            "twostep.delivery", "twilio",
            "twilio.from-number", "+15005550006",
            "twilio.base-url", TWILIO.baseUrl()))
            .environment(Map.of("TWILIO_ACCOUNT_SID", Prism.ACCOUNT_SID, "TWILIO_AUTH_TOKEN", "flow-test-token"))
            .realSender();
    private final Pages pages = new Pages(SERVER);

    private static TwilioStub start() {
        try {
            // Without Prism the stub answers 503, and every test here skips in needsPrism().
            return PRISM == null || PRISM.isBlank() ? TwilioStub.answering(503, "{}") : TwilioStub.forwardingTo(PRISM);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @BeforeEach
    void needsPrism() {
        Prism.url();
    }

    @AfterAll
    static void stop() {
        TWILIO.close();
    }

    private static String smsCode() {
        TwilioStub.Exchange e = TWILIO.last();
        assertEquals(201, e.status(), e.responseBody());
        Matcher m = Pattern.compile("code is ([0-9]{6})\\.").matcher(e.form().get("Body"));
        assertTrue(m.find(), e.form().toString());
        return m.group(1);
    }

    private static String voiceCode() {
        TwilioStub.Exchange e = TWILIO.last();
        assertEquals(201, e.status(), e.responseBody());
        Matcher m = Pattern.compile("([0-9](?:, [0-9]){5})\\.").matcher(e.form().get("Twiml"));
        assertTrue(m.find(), e.form().toString());
        return m.group(1).replace(", ", "");
    }

    @Test
    void signInWithACodeByTwilioSms() throws Exception {
        WebClient client = SERVER.newClient();
        HtmlPage code = pages.register(client, "smsuser", "correct horse battery", "(415) 555-2671", "sms");
        assertTrue(text(code).contains("ending in 71"), text(code));
        assertEquals("+14155552671", TWILIO.last().form().get("To"));
        assertTrue(TWILIO.last().path().endsWith("/Messages.json"));
        HtmlPage account = enterCode(code, smsCode());
        assertEquals("/app/account", account.getUrl().getPath());

        click(account, "signout");
        HtmlPage again = pages.signIn(client, "smsuser", "correct horse battery");
        assertEquals("/app/account", enterCode(again, smsCode()).getUrl().getPath());
    }

    @Test
    void signInWithACodeByTwilioVoice() throws Exception {
        WebClient client = SERVER.newClient();
        HtmlPage code = pages.register(client, "voiceuser", "correct horse battery", "+44 20 7946 0958", "voice");
        assertTrue(text(code).contains("We are calling your phone ending in 58"), text(code));
        assertTrue(TWILIO.last().path().endsWith("/Calls.json"));
        assertEquals("+442079460958", TWILIO.last().form().get("To"));
        assertEquals("/app/account", enterCode(code, voiceCode()).getUrl().getPath());
    }
}
