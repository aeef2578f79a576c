package dev.twostep.delivery;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;

/**
 * Twilio account settings; present only when delivery uses Twilio. Either the auth token or an API key
 * and its secret authenticate requests; only the auth token can check Twilio's signatures on
 * callbacks, so status callbacks and the press-a-key call need it.
 *
 * @param deadline bound on a whole call to Twilio's API (twilio.deadline-ms, default 10 s)
 * @param voiceRingTimeoutSeconds how long a code call rings before Twilio gives up, so that it ends
 *        before voicemail answers (twilio.voice.ring-timeout-seconds, default 20)
 */
public record TwilioSettings(String accountSid, String authToken, String apiKey, String apiSecret, String fromNumber,
                     String messagingServiceSid, String callerId, URI baseUrl, Duration connectTimeout,
                     Duration readTimeout, Locale voiceLanguage, boolean voicePressKey, int maxInFlight,
                     Duration deadline, int voiceRingTimeoutSeconds) {
    @Override
    public String toString() {
        // Neither the auth token nor the API secret ever reaches a log line.
        return "TwilioSettings[accountSid=" + accountSid + ", auth=" + (apiKey != null ? "api key " + apiKey : "auth token")
                + ", from=" + fromNumber + ", messagingServiceSid=" + messagingServiceSid + ", callerId=" + callerId
                + ", baseUrl=" + baseUrl + ", connectTimeout=" + connectTimeout.toMillis() + "ms, readTimeout="
                + readTimeout.toMillis() + "ms, deadline=" + deadline.toMillis() + "ms, voiceLanguage="
                + voiceLanguage.toLanguageTag() + ", voicePressKey=" + voicePressKey + ", voiceRingTimeout="
                + voiceRingTimeoutSeconds + "s, maxInFlight=" + maxInFlight + "]";
    }
}
