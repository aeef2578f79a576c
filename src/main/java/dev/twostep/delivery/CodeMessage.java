package dev.twostep.delivery;

import java.time.Duration;
import java.util.Locale;

/**
 * One code to deliver.
 *
 * @param challengeId the id of the code's challenge, for callbacks that come back about it
 * @param to the destination in E.164 form
 * @param code the code, in clear text: only a sender ever sees it
 * @param validFor how long the code stays valid, for the message text
 * @param locale the user's language, for the message text or the voice
 */
public record CodeMessage(long challengeId, String to, Channel channel, String code, Duration validFor,
                          Locale locale) {
    @Override
    public String toString() {
        // Keeps the code and the full number out of any accidental log line.
        return "CodeMessage[to=" + PhoneMask.mask(to) + ", channel=" + channel + "]";
    }
}
