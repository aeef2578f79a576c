package dev.twostep.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.twostep.config.Settings;
import dev.twostep.config.TwostepConfig;
import dev.twostep.delivery.DeliveryException.Reason;
import dev.twostep.testing.TwilioStub;

/** Twilio's errors, as Twilio sends them, mapped to what the user should do. */
class TwilioErrorMappingTest {
    private static final byte[] SECRET = "error-test-secret-0123456789abcdefgh".getBytes(StandardCharsets.UTF_8);
    private static final String SID = "AC" + "0123456789abcdef".repeat(2);

    private static CodeSender sender(String baseUrl, Map<String, String> extra) {
        Map<String, String> params = new HashMap<>(Map.of("twilio.from-number", "+15005550006",
                "twilio.base-url", baseUrl));
        params.putAll(extra);
        Map<String, String> env = Map.of("TWILIO_ACCOUNT_SID", SID, "TWILIO_AUTH_TOKEN", "t");
        return senders(TwostepConfig.from(new Settings(params::get, env)), "", SECRET);
    }

    private static CodeMessage sms() {
        return new CodeMessage(1, "+14155552671", Channel.SMS, "123456", Duration.ofMinutes(10), Locale.ENGLISH);
    }

    @ParameterizedTest(name = "Twilio error {0} (HTTP {1}) means {2}")
    @CsvSource({
        "21211, 400, INVALID_NUMBER",
        "21408, 400, REGION_NOT_ENABLED",
        "21608, 400, UNVERIFIED_NUMBER",
        "21610, 400, OPTED_OUT",
        "21614, 400, CHANNEL_UNAVAILABLE",
        "20003, 401, NOT_CONFIGURED",
        "20005, 401, NOT_CONFIGURED",
        "10001, 401, NOT_CONFIGURED",
        "21212, 400, NOT_CONFIGURED",
        "21601, 400, NOT_CONFIGURED",
        "21606, 400, NOT_CONFIGURED",
        "21659, 400, NOT_CONFIGURED",
        "21660, 400, NOT_CONFIGURED",
        "21661, 400, NOT_CONFIGURED",
        "21701, 400, NOT_CONFIGURED",
        "21705, 400, NOT_CONFIGURED",
        "20429, 429, TRY_LATER",
        "20500, 500, TRY_LATER",
        "20503, 503, TRY_LATER",
    })
    void mapsTwilioErrors(int code, int status, Reason reason) throws Exception {
        try (TwilioStub twilio = TwilioStub.answering(status, TwilioStub.twilioError(code, status))) {
            DeliveryException e = assertThrows(DeliveryException.class,
                    () -> sender(twilio.baseUrl(), Map.of()).send(sms()));
            assertEquals(reason, e.reason());
            assertEquals(String.valueOf(code), e.providerCode());
            assertEquals(1, twilio.exchanges().size(), "a failed send is never retried behind the user's back");
        }
    }

    @Test
    void aCallerIdTwilioDoesNotAcceptIsTheOperatorsToFix() throws Exception {
        try (TwilioStub twilio = TwilioStub.answering(400, TwilioStub.twilioError(21210, 400))) {
            CodeMessage call = new CodeMessage(1, "+14155552671", Channel.VOICE, "123456", Duration.ofMinutes(10),
                    Locale.ENGLISH);
            DeliveryException e = assertThrows(DeliveryException.class,
                    () -> sender(twilio.baseUrl(), Map.of()).send(call));
            assertEquals(Reason.NOT_CONFIGURED, e.reason());
            assertEquals("21210", e.providerCode());
        }
    }

    @Test
    void operatorErrorsAreLoggedAtErrorNamingTheSettingToFix() throws Throwable {
        List<String> lines = logOf(() -> {
            try (TwilioStub twilio = TwilioStub.answering(400, TwilioStub.twilioError(21606, 400))) {
                assertThrows(DeliveryException.class, () -> sender(twilio.baseUrl(), Map.of()).send(sms()));
                twilio.answerError(401, 20003);
                assertThrows(DeliveryException.class, () -> sender(twilio.baseUrl(), Map.of()).send(sms()));
            }
        });
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("SEVERE Twilio refused an SMS because of Twostep's Twilio account or"
                + " settings: error 21606 (HTTP 400): twilio.from-number (TWILIO_FROM_NUMBER) must be"), lines.get(0));
        assertTrue(lines.get(1).contains("error 20003 (HTTP 401): check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"),
                lines.get(1));
        assertFalse(String.join("\n", lines).contains("4155552671"), "never the user's number: it is not at fault");
    }

    @Test
    void aServerErrorWithoutABodyMeansTryLater() throws Exception {
        try (TwilioStub twilio = TwilioStub.answering(502, "")) {
            DeliveryException e = assertThrows(DeliveryException.class,
                    () -> sender(twilio.baseUrl(), Map.of()).send(sms()));
            assertEquals(Reason.TRY_LATER, e.reason());
            assertEquals(1, twilio.exchanges().size());
        }
    }

    @Test
    void aSlowTwilioTimesOutAndMayHaveTheCode() throws Exception {
        try (TwilioStub twilio = TwilioStub.answering(201, "{}")) {
            twilio.delay(30_000);
            CodeSender sender = sender(twilio.baseUrl(), Map.of("twilio.read-timeout-ms", "500"));
            DeliveryException e = assertThrows(DeliveryException.class, () -> sender.send(sms()));
            // Twilio got the request and may well send the SMS: the code must stay valid.
            assertEquals(Reason.MAYBE_SENT, e.reason());
            assertNull(e.providerCode());
        }
    }

    @Test
    void anAnswerTricklingInIsCutOffAtTheDeadline() throws Exception {
        try (TwilioStub twilio = TwilioStub.answering(201, "{}")) {
            // One byte every 4 s: a read timeout of 5 s alone never fires.
            twilio.trickle(Duration.ofSeconds(4), true);
            CodeSender sender = sender(twilio.baseUrl(), Map.of("twilio.deadline-ms", "2000",
                    "twilio.read-timeout-ms", "5000"));
            long start = System.nanoTime();
            DeliveryException e = assertThrows(DeliveryException.class, () -> sender.send(sms()));
            long took = (System.nanoTime() - start) / 1_000_000;
            assertTrue(took < 2000 + 3000, "the send took " + took + " ms");
            assertEquals(Reason.MAYBE_SENT, e.reason());
            assertNull(e.providerCode());
        }
    }

    /** Runs the action and returns what TwilioErrors logged meanwhile, as "LEVEL message". */
    private static List<String> logOf(org.junit.jupiter.api.function.Executable action) throws Throwable {
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(TwilioErrors.class.getName());
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                lines.add(r.getLevel() + " " + r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(capture);
        try {
            action.execute();
        } finally {
            log.removeHandler(capture);
        }
        return lines;
    }

    @Test
    void aCallWithoutAnAnswerIsLoggedAsWhatHappenedAndWhetherTwilioMayHaveIt() throws Throwable {
        List<String> lines = logOf(() -> {
            try (TwilioStub twilio = TwilioStub.answering(201, "{}")) {
                twilio.stall();
                assertThrows(DeliveryException.class, () -> sender(twilio.baseUrl(), Map.of("twilio.deadline-ms",
                        "1000", "twilio.read-timeout-ms", "60000")).send(sms()));
                assertThrows(DeliveryException.class, () -> sender(TwilioStub.closedPort(), Map.of()).send(sms()));
            }
        });
        assertEquals(List.of(
                "WARNING Twilio did not answer within 1000 ms (deadline) for an SMS to ••••••••71: maybe sent",
                "WARNING Twilio could not be reached (ConnectException) for an SMS to ••••••••71: not sent"), lines);
    }

    @Test
    void anUnreachableTwilioMeansTryLater() throws Exception {
        DeliveryException e = assertThrows(DeliveryException.class,
                () -> sender(TwilioStub.closedPort(), Map.of()).send(sms()));
        assertEquals(Reason.TRY_LATER, e.reason(), "a refused connection sent nothing");
    }

    @Test
    void aConnectionLostAfterTheRequestWentOutMayHaveSentTheCode() throws Exception {
        try (TwilioStub twilio = TwilioStub.answering(201, "{}")) {
            twilio.hangUp();
            DeliveryException e = assertThrows(DeliveryException.class,
                    () -> sender(twilio.baseUrl(), Map.of()).send(sms()));
            assertEquals(Reason.MAYBE_SENT, e.reason());
        }
    }

    @Test
    void noMoreSendsInFlightThanConfigured() throws Exception {
        try (TwilioStub twilio = TwilioStub.answering(201, "{}")) {
            twilio.delay(3_000);
            CodeSender sender = sender(twilio.baseUrl(), Map.of("twilio.max-in-flight", "1",
                    "twilio.connect-timeout-ms", "200", "twilio.read-timeout-ms", "10000"));
            Thread first = new Thread(() -> {
                try {
                    sender.send(sms());
                } catch (DeliveryException ignored) {
                    // The stub's empty answer is not a message; only the second send matters here.
                }
            });
            first.start();
            twilio.awaitReceived(1);
            DeliveryException e = assertThrows(DeliveryException.class, () -> sender.send(sms()));
            assertEquals(Reason.TRY_LATER, e.reason());
            assertTrue(e.getMessage().contains("in flight"), e.getMessage());
            first.join();
        }
    }

    /** The senders the app builds from these settings. */
    private static CodeSender senders(TwostepConfig config, String contextPath, byte[] secret) {
        return TwilioSenders.from(config.twilio(), config.publicOrigin(), config.appName(), contextPath, secret);
    }
}
