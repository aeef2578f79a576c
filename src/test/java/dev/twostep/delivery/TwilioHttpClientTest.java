package dev.twostep.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.twilio.exception.ApiException;
import com.twilio.http.HttpMethod;
import com.twilio.http.Request;
import com.twilio.http.TwilioRestClient;
import com.twilio.rest.Domains;
import com.twilio.rest.api.v2010.account.Message;
import com.twilio.type.PhoneNumber;

import dev.twostep.config.Settings;
import dev.twostep.config.TwostepConfig;
import dev.twostep.delivery.TwilioCallException.Failure;
import dev.twostep.testing.TwilioStub;

/**
 * The HTTP client under the Twilio SDK, against a local stub that stalls, trickles, hangs up, refuses or
 * answers with Twilio's errors: every call ends within its deadline, and says whether Twilio may have the
 * request. The SDK's own messages API drives it, as in production.
 */
class TwilioHttpClientTest {
    private static final String SID = "AC" + "0123456789abcdef".repeat(2);
    private static final String TOKEN = "client-test-token";
    private static final String MESSAGE = "{\"sid\":\"SM" + "0123456789abcdef".repeat(2) + "\",\"status\":\"queued\"}";
    /** Generous: the machine running the tests may be busy. Only an upper bound is asserted. */
    private static final long SLACK_MILLIS = 3000;

    private static TwilioRestClient client(String baseUrl, Map<String, String> extra) {
        Map<String, String> params = new HashMap<>(Map.of("twilio.from-number", "+15005550006",
                "twilio.base-url", baseUrl));
        params.putAll(extra);
        Map<String, String> env = Map.of("TWILIO_ACCOUNT_SID", SID, "TWILIO_AUTH_TOKEN", TOKEN);
        return TwilioSenders.client(TwostepConfig.from(new Settings(params::get, env)).twilio());
    }

    private static Message sms(TwilioRestClient client) {
        return Message.creator(new PhoneNumber("+14155552671"), new PhoneNumber("+15005550006"), "Your code is 123456")
                .create(client);
    }

    /** Sends one SMS that must fail, and returns how, checking it ended within the bound. */
    private static TwilioCallException failsWithin(long boundMillis, TwilioRestClient client) {
        long start = System.nanoTime();
        TwilioCallException e = assertThrows(TwilioCallException.class, () -> sms(client));
        long took = (System.nanoTime() - start) / 1_000_000;
        assertTrue(took < boundMillis + SLACK_MILLIS, "the call took " + took + " ms: " + e.getMessage());
        return e;
    }

    @Test
    void aStalledTwilioIsLeftAtTheDeadlineAndMayHaveTheRequest() throws Exception {
        try (TwilioStub twilio = TwilioStub.answering(201, MESSAGE)) {
            twilio.stall();
            TwilioCallException e = failsWithin(1500, client(twilio.baseUrl(),
                    Map.of("twilio.deadline-ms", "1500", "twilio.read-timeout-ms", "60000")));
            assertEquals(Failure.DEADLINE, e.failure());
            assertTrue(e.maybeSent(), "the request reached Twilio, which may send the SMS");
            assertEquals("Twilio did not answer within 1500 ms (deadline): maybe sent", e.getMessage());
            twilio.awaitAbandoned(1);
        }
    }

    @Test
    void anAnswerTricklingInAfterItsHeadersIsCutOffAtTheDeadline() throws Exception {
        try (TwilioStub twilio = TwilioStub.answering(201, MESSAGE)) {
            // The old read timeout bounded only the gaps between bytes: this answer would have taken minutes.
            twilio.trickle(Duration.ofSeconds(4), true);
            TwilioCallException e = failsWithin(2000, client(twilio.baseUrl(),
                    Map.of("twilio.deadline-ms", "2000", "twilio.read-timeout-ms", "5000")));
            assertEquals(Failure.DEADLINE, e.failure());
            assertTrue(e.maybeSent());
            twilio.awaitAbandoned(1);
        }
    }

    @Test
    void anAnswerTricklingFromItsFirstByteIsCutOffAtTheDeadline() throws Exception {
        try (TwilioStub twilio = TwilioStub.answering(201, MESSAGE)) {
            twilio.trickle(Duration.ofSeconds(4), false);
            TwilioCallException e = failsWithin(2000, client(twilio.baseUrl(),
                    Map.of("twilio.deadline-ms", "2000", "twilio.read-timeout-ms", "60000")));
            assertEquals(Failure.DEADLINE, e.failure());
            assertTrue(e.maybeSent());
            twilio.awaitAbandoned(1);
        }
    }

    @Test
    void anAnswerThatDoesNotBeginWithinTheReadTimeoutEndsThere() throws Exception {
        try (TwilioStub twilio = TwilioStub.answering(201, MESSAGE)) {
            twilio.stall();
            TwilioCallException e = failsWithin(1000, client(twilio.baseUrl(),
                    Map.of("twilio.deadline-ms", "30000", "twilio.read-timeout-ms", "1000")));
            assertEquals(Failure.READ_TIMEOUT, e.failure());
            assertTrue(e.maybeSent());
            twilio.awaitAbandoned(1);
        }
    }

    @Test
    void aRefusedConnectionCertainlySentNothing() throws Exception {
        TwilioCallException e = failsWithin(0, client(TwilioStub.closedPort(), Map.of("twilio.deadline-ms", "5000")));
        assertEquals(Failure.UNREACHABLE, e.failure());
        assertFalse(e.maybeSent(), e.getMessage());
        assertTrue(e.getMessage().startsWith("Twilio could not be reached (ConnectException"), e.getMessage());
    }

    @Test
    void anUnknownHostCertainlySentNothing() {
        TwilioCallException e = failsWithin(5000, client("http://twilio.invalid",
                Map.of("twilio.deadline-ms", "5000")));
        assertFalse(e.maybeSent(), e.getMessage());
    }

    @Test
    void aConnectionClosedAfterTheRequestMayHaveSentIt() throws Exception {
        try (TwilioStub twilio = TwilioStub.answering(201, MESSAGE)) {
            twilio.hangUp();
            TwilioCallException e = failsWithin(0, client(twilio.baseUrl(), Map.of()));
            assertEquals(Failure.BROKEN, e.failure());
            assertTrue(e.maybeSent(), e.getMessage());
            assertEquals(1, twilio.exchanges().size(), "never retried: a second POST could send a second SMS");
        }
    }

    @Test
    void twiliosErrorsComeBackAsTheSdkReadsThem() throws Exception {
        try (TwilioStub twilio = TwilioStub.answering(400, TwilioStub.twilioError(21211, 400))) {
            ApiException e = assertThrows(ApiException.class, () -> sms(client(twilio.baseUrl(), Map.of())));
            assertEquals(21211, e.getCode());
            assertEquals(400, e.getStatusCode());
            assertEquals(1, twilio.exchanges().size());
        }
    }

    @Test
    void theRequestCarriesAuthTheFormAndTheSdksHeaders() throws Exception {
        try (TwilioStub twilio = TwilioStub.answering(201, MESSAGE)) {
            Message sent = sms(client(twilio.baseUrl(), Map.of()));
            assertEquals("SM" + "0123456789abcdef".repeat(2), sent.getSid());
            TwilioStub.Exchange e = twilio.last();
            assertEquals("POST", e.method());
            assertEquals("/2010-04-01/Accounts/" + SID + "/Messages.json", e.path());
            assertEquals("Basic " + Base64.getEncoder().encodeToString((SID + ":" + TOKEN)
                    .getBytes(StandardCharsets.UTF_8)), e.authorization());
            assertEquals(Map.of("To", "+14155552671", "From", "+15005550006", "Body", "Your code is 123456"), e.form());
            assertEquals("application/x-www-form-urlencoded; charset=UTF-8", e.headers().get("content-type"));
            assertEquals("application/json", e.headers().get("accept"));
            assertTrue(e.headers().get("user-agent").startsWith("twilio-java/"), e.headers().toString());
            assertTrue(e.headers().get("x-twilio-client").startsWith("java-"), e.headers().toString());
        }
    }

    @Test
    void requestsGoToTheBaseUrlWithTheirPathAndQuery() {
        TwilioHttpClient client = new TwilioHttpClient(URI.create("http://127.0.0.1:4010/prefix/"),
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1));
        Request request = new Request(HttpMethod.GET, Domains.API.toString(), "/2010-04-01/Accounts/" + SID + "/Calls.json");
        request.addQueryParam("To", "+14155552671");
        assertEquals("http://127.0.0.1:4010/prefix/2010-04-01/Accounts/" + SID + "/Calls.json?To=%2B14155552671",
                client.target(request).toString());
    }
}
