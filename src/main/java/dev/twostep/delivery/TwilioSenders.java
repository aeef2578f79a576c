package dev.twostep.delivery;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.twilio.http.TwilioRestClient;

/** Builds the Twilio SMS and voice senders, with their client, from the settings. */
public final class TwilioSenders {
    private static final Logger LOG = LoggerFactory.getLogger(TwilioSenders.class);
    /** Where Twilio reports delivery, under the app's context path. */
    public static final String STATUS_PATH = "/twostep/twilio/status";
    /** Where Twilio asks for the code after a key press, under the app's context path. */
    public static final String VOICE_PATH = "/twostep/twilio/voice";

    private TwilioSenders() {
    }

    /** The REST client: the SDK's own, with a base-URL rewriting HTTP client that keeps a deadline. */
    public static TwilioRestClient client(TwilioSettings t) {
        TwilioRestClient.Builder builder = t.apiKey() != null
                ? new TwilioRestClient.Builder(t.apiKey(), t.apiSecret()).accountSid(t.accountSid())
                : new TwilioRestClient.Builder(t.accountSid(), t.authToken());
        return builder.httpClient(new TwilioHttpClient(t.baseUrl(), t.connectTimeout(), t.readTimeout(), t.deadline()))
                .build();
    }

    /**
     * @param t the Twilio settings
     * @param origin the app's public origin, for callback URLs and the WebOTP line; null when unknown
     * @param appName the name the texts and calls give
     * @param contextPath the app's context path, for callback URLs
     * @param secret the server secret, for sealing voice tokens
     */
    public static CodeSender from(TwilioSettings t, URI origin, String appName, String contextPath, byte[] secret) {
        TwilioRestClient client = client(t);
        boolean callbacks = origin != null && t.authToken() != null;
        if (origin != null && !callbacks) {
            LOG.info("Twilio status callbacks are off: they need TWILIO_AUTH_TOKEN to check Twilio's signatures");
        }
        URI status = callbacks ? URI.create(origin + contextPath + STATUS_PATH) : null;
        URI voice = t.voicePressKey() ? URI.create(origin + contextPath + VOICE_PATH) : null;
        DeliveryTexts texts = new DeliveryTexts(t.voiceLanguage());
        String webOtpHost = webOtpHost(origin);
        CodeSender sms = new TwilioSmsSender(client, t.fromNumber(), t.messagingServiceSid(), appName,
                webOtpHost, status, texts);
        CodeSender call = new TwilioVoiceSender(client, t.callerId(), appName, status, voice,
                new VoiceToken(secret), texts, t.voiceRingTimeoutSeconds());
        // Waiting for a place is bounded by the connect timeout: a request thread never waits long.
        return new ChannelRouter(Map.of(Channel.SMS, sms, Channel.VOICE, call), t.maxInFlight(),
                Duration.ofMillis(Math.min(t.connectTimeout().toMillis(), 2000)));
    }

    /**
     * The host of the SMS's WebOTP line ("@auth.example.com #123456"), or null for no line: the line names a
     * host only, which browsers match against the page's origin with https and the default port; for any
     * other origin (http, or a port such as :8443) a line would never match, so there is none.
     */
    static String webOtpHost(URI origin) {
        if (origin == null || !"https".equals(origin.getScheme())) {
            return null;
        }
        return origin.getPort() == -1 || origin.getPort() == 443 ? origin.getHost() : null;
    }
}
