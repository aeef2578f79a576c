package dev.twostep.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.twostep.config.Settings;
import dev.twostep.config.TwostepConfig;
import dev.twostep.testing.Prism;
import dev.twostep.testing.TwilioStub.Exchange;
import dev.twostep.testing.TwilioStub;

/**
 * The SMS and voice senders, with the real Twilio SDK, against Prism serving Twilio's own OpenAPI
 * description. A recording hop between the SDK and Prism shows exactly what was sent; Prism's 201 shows
 * the request matched Twilio's API (it answers a malformed one with 422 and the reason in the body).
 */
class TwilioPrismContractTest {
    private static final byte[] SECRET = "contract-test-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private static final String TOKEN = "contract-test-auth-token";
    private static TwilioStub twilio;

    @BeforeAll
    static void start() throws Exception {
        twilio = TwilioStub.forwardingTo(Prism.url());
    }

    @AfterAll
    static void stop() {
        if (twilio != null) {
            twilio.close();
        }
    }

    private static CodeSender sender(Map<String, String> extra) {
        Map<String, String> params = new HashMap<>(Map.of("twilio.from-number", "+15005550006",
                "twilio.base-url", twilio.baseUrl()));
        params.putAll(extra);
        Map<String, String> env = Map.of("TWILIO_ACCOUNT_SID", Prism.ACCOUNT_SID, "TWILIO_AUTH_TOKEN", TOKEN);
        TwostepConfig config = TwostepConfig.from(new Settings(params::get, env));
        assertEquals(TwostepConfig.Delivery.TWILIO, config.delivery());
        return senders(config, "/app", SECRET);
    }

    private static CodeMessage message(Channel channel, Locale locale) {
        return new CodeMessage(42, "+14155552671", channel, "123456", Duration.ofMinutes(10), locale);
    }

    private static String sidIn(String json) {
        Matcher m = Pattern.compile("\"sid\"\\s*:\\s*\"([A-Z]{2}[0-9a-zA-Z]{32})\"").matcher(json);
        assertTrue(m.find(), json);
        return m.group(1);
    }

    private static void assertAccepted(Exchange e, String resource) {
        assertEquals(201, e.status(), "Prism refused the request: " + e.responseBody());
        assertEquals("POST", e.method());
        assertEquals("/2010-04-01/Accounts/" + Prism.ACCOUNT_SID + "/" + resource + ".json", e.path());
        String basic = "Basic " + Base64.getEncoder().encodeToString((Prism.ACCOUNT_SID + ":" + TOKEN)
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(basic, e.authorization());
    }

    @Test
    void smsFromANumber() throws Exception {
        String sid = sender(Map.of()).send(message(Channel.SMS, Locale.ENGLISH));
        Exchange e = twilio.last();
        assertAccepted(e, "Messages");
        assertEquals("+14155552671", e.form().get("To"));
        assertEquals("+15005550006", e.form().get("From"));
        assertEquals("Your Twostep code is 123456. It expires in 10 minutes.", e.form().get("Body"));
        assertEquals("600", e.form().get("ValidityPeriod"), "Twilio drops the SMS once the code is dead");
        assertNull(e.form().get("StatusCallback"));
        assertEquals(sidIn(e.responseBody()), sid);
        assertTrue(sid.startsWith("SM"), sid);
    }

    @Test
    void smsWithAPublicOriginCarriesTheWebOtpLineAndAStatusCallback() throws Exception {
        sender(Map.of("twostep.public-origin", "https://auth.example.com", "twostep.app-name", "Acme"))
                .send(message(Channel.SMS, Locale.ENGLISH));
        Exchange e = twilio.last();
        assertAccepted(e, "Messages");
        assertEquals("Your Acme code is 123456. It expires in 10 minutes.\n\n@auth.example.com #123456",
                e.form().get("Body"));
        assertEquals("https://auth.example.com/app/twostep/twilio/status", e.form().get("StatusCallback"));
    }

    @Test
    void smsThroughAMessagingService() throws Exception {
        String service = "MG" + "0123456789abcdef".repeat(2);
        sender(Map.of("twilio.messaging-service-sid", service)).send(message(Channel.SMS, Locale.FRANCE));
        Exchange e = twilio.last();
        assertAccepted(e, "Messages");
        assertEquals(service, e.form().get("MessagingServiceSid"));
        assertFalse(e.form().containsKey("From"));
        assertEquals("Votre code Twostep est 123456. Il expire dans 10 minutes.", e.form().get("Body"));
    }

    @Test
    void voiceReadsTheCodeDigitByDigitThreeTimesWithInlineTwiml() throws Exception {
        String sid = sender(Map.of()).send(message(Channel.VOICE, Locale.US));
        Exchange e = twilio.last();
        assertAccepted(e, "Calls");
        assertEquals("+14155552671", e.form().get("To"));
        assertEquals("+15005550006", e.form().get("From"));
        assertFalse(e.form().containsKey("Url"), "no callback URL is needed");
        assertEquals("20", e.form().get("Timeout"), "hangs up before most voicemail answers");
        String twiml = e.form().get("Twiml");
        assertTrue(twiml.startsWith("<?xml") && twiml.contains("<Response>"), twiml);
        assertEquals(3, twiml.split(Pattern.quote("1, 2, 3, 4, 5, 6."), -1).length - 1, twiml);
        assertTrue(twiml.contains("<Pause length=\"1\"/>"), twiml);
        assertTrue(twiml.contains("language=\"en-US\""), twiml);
        assertTrue(twiml.contains("Again, your code is:"), twiml);
        assertTrue(sid.startsWith("CA"), sid);
    }

    @Test
    void voiceSpeaksTheUsersLanguageWhenTwostepHasIt() throws Exception {
        sender(Map.of()).send(message(Channel.VOICE, Locale.GERMANY));
        String german = twilio.last().form().get("Twiml");
        assertTrue(german.contains("language=\"de-DE\"") && german.contains("Ihr Code lautet"), german);

        sender(Map.of()).send(message(Channel.VOICE, Locale.forLanguageTag("fi-FI")));
        String fallback = twilio.last().form().get("Twiml");
        assertTrue(fallback.contains("language=\"en-US\"") && fallback.contains("Your code is"), fallback);

        sender(Map.of("twilio.voice.language", "es-ES")).send(message(Channel.VOICE, Locale.forLanguageTag("fi-FI")));
        String configured = twilio.last().form().get("Twiml");
        assertTrue(configured.contains("language=\"es-ES\"") && configured.contains("Su código es"), configured);
    }

    @Test
    void pressAKeyCallsKeepTheCodeOutOfVoicemail() throws Exception {
        sender(Map.of("twostep.public-origin", "https://auth.example.com", "twilio.voice.press-key", "true"))
                .send(message(Channel.VOICE, Locale.US));
        Exchange e = twilio.last();
        assertAccepted(e, "Calls");
        String twiml = e.form().get("Twiml");
        assertTrue(twiml.contains("<Gather"), twiml);
        assertTrue(twiml.contains("action=\"https://auth.example.com/app/twostep/twilio/voice?t="), twiml);
        assertFalse(twiml.contains("1, 2, 3"), "the code must not be read before a key is pressed: " + twiml);
        assertEquals("https://auth.example.com/app/twostep/twilio/status", e.form().get("StatusCallback"));
        assertEquals("POST", e.form().get("StatusCallbackMethod"));
    }

    @Test
    void theRingTimeoutAndTheValidityPeriodFollowTheSettings() throws Exception {
        CodeSender sender = sender(Map.of("twilio.voice.ring-timeout-seconds", "600"));
        sender.send(message(Channel.VOICE, Locale.US));
        Exchange call = twilio.last();
        assertAccepted(call, "Calls");
        assertEquals("600", call.form().get("Timeout"));
        sender.send(new CodeMessage(42, "+14155552671", Channel.SMS, "123456", Duration.ofSeconds(30), Locale.US));
        Exchange sms = twilio.last();
        assertAccepted(sms, "Messages");
        assertEquals("30", sms.form().get("ValidityPeriod"));
    }

    /** The senders the app builds from these settings. */
    private static CodeSender senders(TwostepConfig config, String contextPath, byte[] secret) {
        return TwilioSenders.from(config.twilio(), config.publicOrigin(), config.appName(), contextPath, secret);
    }
}
