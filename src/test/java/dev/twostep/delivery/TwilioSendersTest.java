package dev.twostep.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.twostep.config.Settings;
import dev.twostep.config.TwostepConfig;
import dev.twostep.testing.TwilioStub;

/** What the SMS and voice senders ask of Twilio beyond the message itself, as it reaches a local stub. */
class TwilioSendersTest {
    private static final byte[] SECRET = "senders-test-secret-0123456789abcdefgh".getBytes(StandardCharsets.UTF_8);
    private static final String SID = "AC" + "0123456789abcdef".repeat(2);

    private static CodeSender sender(String baseUrl, Map<String, String> extra) {
        Map<String, String> params = new HashMap<>(Map.of("twilio.from-number", "+15005550006",
                "twilio.base-url", baseUrl));
        params.putAll(extra);
        Map<String, String> env = Map.of("TWILIO_ACCOUNT_SID", SID, "TWILIO_AUTH_TOKEN", "t");
        return senders(TwostepConfig.from(new Settings(params::get, env)), "", SECRET);
    }

    private static CodeMessage message(Channel channel, Duration validFor) {
        return new CodeMessage(1, "+14155552671", channel, "123456", validFor, Locale.ENGLISH);
    }

    @Test
    void anSmsIsValidAtTwilioOnlyAsLongAsItsCode() throws Exception {
        try (TwilioStub twilio = TwilioStub.answering(201, "{\"sid\":\"SM" + "0".repeat(32) + "\"}")) {
            sender(twilio.baseUrl(), Map.of()).send(message(Channel.SMS, Duration.ofMinutes(5)));
            assertEquals("300", twilio.last().form().get("ValidityPeriod"));
        }
    }

    @Test
    void theValidityPeriodStaysWithinWhatTwilioAccepts() {
        assertEquals(1, TwilioSmsSender.validityPeriod(Duration.ZERO));
        assertEquals(36000, TwilioSmsSender.validityPeriod(Duration.ofHours(11)));
        assertEquals(3600, TwilioSmsSender.validityPeriod(Duration.ofHours(1)));
    }

    @Test
    void aCodeCallRingsOnlyForTheRingTimeoutAndUsesNoMachineDetection() throws Exception {
        try (TwilioStub twilio = TwilioStub.answering(201, "{\"sid\":\"CA" + "0".repeat(32) + "\"}")) {
            sender(twilio.baseUrl(), Map.of()).send(message(Channel.VOICE, Duration.ofMinutes(10)));
            assertEquals("20", twilio.last().form().get("Timeout"));
            assertFalse(twilio.last().form().containsKey("MachineDetection"));

            sender(twilio.baseUrl(), Map.of("twilio.voice.ring-timeout-seconds", "45"))
                    .send(message(Channel.VOICE, Duration.ofMinutes(10)));
            assertEquals("45", twilio.last().form().get("Timeout"));
        }
    }

    /** The senders the app builds from these settings. */
    private static CodeSender senders(TwostepConfig config, String contextPath, byte[] secret) {
        return TwilioSenders.from(config.twilio(), config.publicOrigin(), config.appName(), contextPath, secret);
    }
}
