package dev.twostep.delivery;

import java.util.Locale;
import java.util.Optional;

/** How a code reaches the user's phone. */
public enum Channel {
    SMS, VOICE;

    /** The other channel, offered when this one fails or the user asks for it. */
    public Channel other() {
        return this == SMS ? VOICE : SMS;
    }

    /** Parses a form value ("sms", "voice"); empty for anything else. */
    public static Optional<Channel> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        for (Channel c : values()) {
            if (c.name().equals(value.trim().toUpperCase(Locale.ROOT))) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
